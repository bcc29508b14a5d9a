"""Widgets of the admin's own forms."""

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, get_select2_language


class MemberPicker(AutocompleteSelect):
    """The member autocomplete of the admin's own pages (lookup, claim, payout,
    adjustment), searching as every member search does (MemberAdmin.get_search_results).

    Django's widget fixes select2's language when it is built; these forms are built
    once, at import, so the messages ("No results found", "Searching…") would stay in
    whichever language was active then. Here the language is the request's."""

    def __init__(self, field, attrs=None, choices=(), using=None):
        super().__init__(field, admin.site, attrs=attrs, choices=choices, using=using)

    @property
    def i18n_name(self):
        return get_select2_language()

    @i18n_name.setter
    def i18n_name(self, value):
        pass  # always the active language (above)
