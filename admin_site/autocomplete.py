"""The admin's autocomplete widgets show a bound form's value without checking it.

A form posted back with `sponsor=abc` (or an id larger than any integer column) fails
validation as it should, but re-rendering it makes AutocompleteSelect look the value up
in the database, where it raises: the page answered 500 instead of showing the field's
error. Values that cannot be ids are dropped before that lookup (the field's own error
still says what was wrong). Installed once from AdminSiteConfig.ready().
"""

from django.contrib.admin.widgets import AutocompleteMixin
from django.core.exceptions import ValidationError

_original_optgroups = AutocompleteMixin.optgroups


def _is_id(field, value) -> bool:
    try:
        field.to_python(value)
    except (ValidationError, ValueError, TypeError):
        return False
    return True


def optgroups(self, name, value, attr=None):
    opts = self.field.remote_field.model._meta
    target = opts.get_field(getattr(self.field.remote_field, "field_name", None) or opts.pk.name)
    return _original_optgroups(self, name, [v for v in value if _is_id(target, v)], attr)


def install() -> None:
    AutocompleteMixin.optgroups = optgroups
