"""Money: Decimal amounts with two places, rounded half-up, in one place."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.formats import get_format

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """Round a Decimal (or an int or a decimal string; never a float) to 0.01, half up."""
    if isinstance(value, float):
        raise TypeError("money() refuses floats: pass a Decimal, an int or a string")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value, *, sign: bool = True) -> str:
    """`150 000 ₸`: thousands grouped by a no-break space in every language (the club
    writes tenge this way in English too), the locale's decimal mark, cents only when
    there are some."""
    amount = money(value)
    places = 0 if amount == amount.to_integral_value() else 2
    text = f"{amount:,.{places}f}"
    whole, _, cents = text.partition(".")
    text = whole.replace(",", "\N{NO-BREAK SPACE}")
    if cents:
        text += get_format("DECIMAL_SEPARATOR") + cents
    return f"{text}\N{NO-BREAK SPACE}{settings.CURRENCY_SIGN}" if sign else text
