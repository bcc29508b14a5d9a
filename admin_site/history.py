"""django-simple-history's admin pages, answering 404 (not 500) for an id that is none."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


def id_or_404(field, text):
    """`text` as a value of the primary key `field`, or Http404 when it cannot be one
    (not a number, or beyond the column's range)."""
    try:
        value = field.to_python(text)
    except (ValidationError, ValueError, TypeError):
        raise Http404 from None
    if isinstance(value, int):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if (low is not None and value < low) or (high is not None and value > high):
            raise Http404
    return value


class HistoryAdmin(SimpleHistoryAdmin):
    def history_view(self, request, object_id, extra_context=None):
        id_or_404(self.model._meta.pk, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        id_or_404(self.model._meta.pk, unquote(object_id))
        id_or_404(history._meta.pk, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)
