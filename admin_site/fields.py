"""Form fields for numbers and months as staff think of them: amounts in tenge typed with
spaces or a comma (`15 000`, `15000,50`, `15000.50`), rates typed as percentages (`12` is
12 %, `2.5` is 2.5 %) and months picked by name, while the models keep Decimal tenge,
rates as fractions and months as first-of-month dates."""

from datetime import date
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from core.money import format_money, format_percent, parse_money, parse_percent
from core.periods import format_month, format_period, parse_month, period_of


def _number_widget(suffix: str) -> UnfoldAdminTextInputWidget:
    # A text input: a number input would refuse "15 000" and the comma.
    return UnfoldAdminTextInputWidget(
        attrs={"inputmode": "decimal", "autocomplete": "off", "suffix": suffix}
    )


class TypedNumberField(forms.DecimalField):
    """A decimal typed in a text input the way people write it; subclasses read the text
    (`parse`) and say what the number is (the widget's `suffix`)."""

    suffix = ""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", _number_widget(self.suffix))
        kwargs.pop("localize", None)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        # DecimalField would add `step` and `max`, meaningless on a text input.
        return forms.Field.widget_attrs(self, widget)

    def parse(self, text):
        raise NotImplementedError

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return self.parse(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class MoneyField(TypedNumberField):
    """An amount in tenge: shown as `15 000` (the club's grouping, the language's decimal
    mark) with the currency beside it, read back in any of the usual spellings."""

    default_error_messages = {
        "invalid": _("Enter an amount in tenge, such as 15 000 or 15 000,50."),
    }

    def __init__(self, *, max_digits=12, decimal_places=2, **kwargs):
        self.suffix = settings.CURRENCY_SIGN
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)

    def parse(self, text):
        return parse_money(text)

    def prepare_value(self, value):
        if isinstance(value, Decimal | int):
            return format_money(value, sign=False)
        if isinstance(value, str) and value.strip():
            try:
                return format_money(parse_money(value), sign=False)
            except (ValueError, ArithmeticError):
                return value
        return value


class PercentField(TypedNumberField):
    """A rate stored as a fraction (0.025) and entered and shown as a percentage (2.5)."""

    suffix = "%"
    default_error_messages = {
        "invalid": _("Enter a percentage, such as 10 or 2,5."),
        "range": _("A rate is between 0 and 100 %."),
    }

    def __init__(self, *, max_digits=7, decimal_places=6, **kwargs):
        # The model's places are of the fraction: a percentage has two fewer.
        self.fraction_places = decimal_places
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)
        self.validators = []  # the fraction's limits are checked below and on the model

    def parse(self, text):
        fraction = parse_percent(text)
        if fraction.as_tuple().exponent < -self.fraction_places:
            raise ValidationError(
                _("Use at most %(places)s decimal places in a percentage.")
                % {"places": self.fraction_places - 2},
                code="max_decimal_places",
            )
        return fraction

    def validate(self, value):
        super().validate(value)
        if value is not None and not (0 <= value <= 1):
            raise ValidationError(self.error_messages["range"], code="range")

    def prepare_value(self, value):
        if isinstance(value, Decimal | int):
            return format_percent(value, sign=False)
        return value


class MonthField(forms.Field):
    """A month (a period: the first day of the month) picked from a list worded in the
    interface language (`ноябрь 2026`, `November 2026`), styled like Unfold's selects.

    The browser's own month input is worded in the browser's language, not the page's,
    and Unfold does not style it. The list offers `months`; any month typed as YYYY-MM
    or YYYY-MM-DD is read (the form's own checks decide which are allowed)."""

    default_error_messages = {
        "invalid": _("“%(value)s” is not a month: expected YYYY-MM, e.g. 2026-11."),
    }

    def __init__(self, *, months=(), blank_label=None, **kwargs):
        kwargs.setdefault("widget", UnfoldAdminSelectWidget)
        super().__init__(**kwargs)
        self.blank_label = blank_label
        self.months = months

    @property
    def months(self):
        return self._months

    @months.setter
    def months(self, months):
        self._months = list(months)
        choices = [(format_month(p), format_period(p)) for p in self._months]
        if self.blank_label is not None:
            choices.insert(0, ("", self.blank_label))
        self.widget.choices = choices

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.months = self._months
        return result

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return period_of(value)
        text = str(value).strip()
        try:
            return parse_month(text[:7] if len(text) == 10 else text)
        except ValueError:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": text}
            ) from None

    def prepare_value(self, value):
        if isinstance(value, date):
            return format_month(period_of(value))
        return value
