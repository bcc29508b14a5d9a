"""Lists too long to count: pages with Previous and Next and no page count.

Unfold's InfinitePaginator never counts the rows (a count of a million-row table costs
more than the page), so it cannot tell that a page is past the end: an address kept from
a longer list, or typed, showed an empty list with only "Previous". Such a page now goes
back to the first page of the same search and filters, saying why. What the list still
needs of a count (whether Next leads anywhere, how many "Select all" would take) comes
from one count bounded at SELECT_ALL_LIMIT rows; the pickers' autocomplete asks for one
row past its page instead.
"""

from django.contrib import messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.views.main import PAGE_VAR
from django.http import HttpResponseRedirect
from django.utils.translation import gettext, ngettext
from unfold.paginator import InfinitePage, InfinitePaginator


class ProbedPage(InfinitePage):
    """A page that knows whether another follows. Unfold's says yes whenever it has rows,
    so the member pickers (select2, through the admin's autocomplete) offered to load more
    after a single match. A short page is the last; a full one asks for one row more.
    Only the autocomplete asks (ProbedAutocompleteJsonView); the lists' Next link reads
    cl.has_next_page (UncountedPages)."""

    def has_next(self):
        rows = len(self.object_list)
        if rows < self.paginator.per_page:
            return False
        after = self.number * self.paginator.per_page
        return self.paginator.object_list[after : after + 1].exists()


class ProbedPaginator(InfinitePaginator):
    def _get_page(self, *args, **kwargs):
        return ProbedPage(*args, **kwargs)


class ProbedAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete, its pages probed when the list is not counted. (The
    lists keep Unfold's own paginator: its templates know it by its class name and would
    show a subclass's make-believe count, 9 999 999 999, as the number of results.)"""

    def get_paginator(self, queryset, per_page, *args, **kwargs):
        paginator = super().get_paginator(queryset, per_page, *args, **kwargs)
        if isinstance(paginator, InfinitePaginator):
            return ProbedPaginator(queryset, per_page, *args, **kwargs)
        return paginator


# Rows "Select all" may take across pages: as many as a bulk action accepts
# (admin_site.members.BULK_LIMIT); past it the offer is not made.
SELECT_ALL_LIMIT = 1000


class UncountedPages:
    """ModelAdmin mixin: paged without a count, a page past the end sends to page one."""

    paginator = InfinitePaginator
    show_full_result_count = False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = getattr(response, "context_data", None) and response.context_data.get("cl")
        # Evaluating the page's rows here fills the queryset's cache: no second query.
        if cl is not None and cl.page_num > 1 and not cl.result_list:
            messages.info(
                request,
                gettext("Page %(page)s is past the end of the list: here is the first page.")
                % {"page": cl.page_num},
            )
            query = request.GET.copy()  # every filter, repeated ones too
            del query[PAGE_VAR]
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        if cl is not None:
            self._count_matches(cl, response.context_data)
        return response

    @staticmethod
    def _count_matches(cl, context) -> None:
        """What the uncounted list needs of its count, in at most one bounded query.

        The actions bar offers "Select all N members" when N differs from the page's
        rows, N being the list's count: here the paginator's stand-in, 9 999 999 999. A
        list that fits on its first page has nothing more to select; a longer one is
        counted up to SELECT_ALL_LIMIT, and past it the offer is left out by making N the
        page's own rows. The same count says whether a next page exists
        (`cl.has_next_page`, for the Next link: a full last page offered one that led
        back to the first); past the limit one row after the page is asked for."""
        shown = len(cl.result_list)
        after = cl.page_num * cl.list_per_page  # rows up to the end of this page
        if cl.page_num == 1 and shown < cl.list_per_page:
            matching, has_next = shown, False
        else:
            matching = cl.queryset.order_by()[: SELECT_ALL_LIMIT + 1].count()
            if matching <= SELECT_ALL_LIMIT:
                has_next = matching > after
            elif after < matching:
                has_next = True
            else:
                has_next = shown == cl.list_per_page and cl.queryset[after : after + 1].exists()
            if matching > SELECT_ALL_LIMIT:
                matching = shown
        cl.has_next_page = has_next
        cl.result_count = matching
        context["selection_note_all"] = ngettext(
            "%(total_count)s selected", "All %(total_count)s selected", matching
        ) % {"total_count": matching}
