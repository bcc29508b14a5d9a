"""Change histories (django-simple-history) read like the rest of the admin: amounts as
money, rates as percentages, months by name, and the reasons the system gives for a
change ("sponsor changed", "import", stored as keys) in the reader's language."""

from datetime import date
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.template_utils import HistoricalRecordContextHelper

from core.money import format_money, format_percent
from core.periods import format_period

# Stored change reasons (keys the services write) and their wording.
CHANGE_REASONS = {
    "sponsor changed": _("sponsor changed"),
    "import": _("imported from a spreadsheet"),
}
MONTH_FIELDS = {"period", "effective_from"}


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


class ReadableHistory:
    """Mixin for SimpleHistoryAdmin classes."""

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryHelper(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, *args, **kwargs):
        super().set_history_delta_changes(request, historical_records, *args, **kwargs)
        for record in historical_records:
            reason = record.history_change_reason
            if reason in CHANGE_REASONS:
                record.history_change_reason = CHANGE_REASONS[reason]
