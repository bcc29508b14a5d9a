"""django-simple-history's admin pages: 404 (not 500) for an id that is none, and change
histories that read like the rest of the admin (amounts as money, rates as percentages,
months by name, the reasons the system gives for a change, stored as keys such as
"sponsor changed" or "import", in the reader's language)."""

from datetime import date
from decimal import Decimal

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from core.money import format_money, format_percent
from core.periods import format_period

# Stored change reasons (keys the services write) and their wording.
CHANGE_REASONS = {
    "sponsor changed": _("sponsor changed"),
    "import": _("imported from a spreadsheet"),
}
MONTH_FIELDS = {"period", "effective_from"}


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


class ReadableHistoryHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if value is None or value == "":
            return super().prepare_delta_change_value(change, value)
        if isinstance(field, models.DecimalField):
            number = Decimal(value)
            return format_percent(number) if field.decimal_places > 2 else format_money(number)
        if isinstance(field, models.DateField) and change.field in MONTH_FIELDS:
            return format_period(value if isinstance(value, date) else date.fromisoformat(value))
        if isinstance(field, models.BooleanField):
            return _("yes") if value else _("no")
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(SimpleHistoryAdmin):
    def history_view(self, request, object_id, extra_context=None):
        id_or_404(self.model._meta.pk, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        id_or_404(self.model._meta.pk, unquote(object_id))
        id_or_404(history._meta.pk, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryHelper(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, *args, **kwargs):
        super().set_history_delta_changes(request, historical_records, *args, **kwargs)
        for record in historical_records:
            reason = record.history_change_reason
            if reason in CHANGE_REASONS:
                record.history_change_reason = CHANGE_REASONS[reason]
