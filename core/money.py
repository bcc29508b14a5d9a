"""Money: Decimal amounts with two places, rounded half-up, in one place; and the
percentages the plan's rates are entered and shown as."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.utils.formats import get_format
from django.utils.translation import get_language

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def money(value) -> Decimal:
    """Round a Decimal (or an int or a decimal string; never a float) to 0.01, half up."""
    if isinstance(value, float):
        raise TypeError("money() refuses floats: pass a Decimal, an int or a string")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _grouped(amount: Decimal, places: int) -> str:
    whole, _, fraction = f"{amount:,.{places}f}".partition(".")
    text = whole.replace(",", "\N{NO-BREAK SPACE}")
    return text + get_format("DECIMAL_SEPARATOR") + fraction if fraction else text


def format_money(value, *, sign: bool = True) -> str:
    """`150 000 ₸`: thousands grouped by a no-break space in every language (the club
    writes tenge this way in English too, and config/formats makes Django's own number
    formatting agree), the language's decimal mark, cents only when there are some.
    `sign=False` gives the bare number a form field shows (`150 000`, `150 000,50`)."""
    amount = money(value)
    places = 0 if amount == amount.to_integral_value() else 2
    text = _grouped(amount, places)
    return f"{text}\N{NO-BREAK SPACE}{settings.CURRENCY_SIGN}" if sign else text


def _decimal_text(text: str, *, strip: str) -> Decimal:
    cleaned = str(text).strip()
    for char in (" ", "\N{NO-BREAK SPACE}", "\N{NARROW NO-BREAK SPACE}", "'", *strip):
        cleaned = cleaned.replace(char, "")
    cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


def parse_money(text) -> Decimal:
    """An amount as people type it: `15000`, `15 000`, `15 000 ₸`, `15000,50`,
    `15000.50`. ValueError (carrying the text) when it is not a number; not rounded,
    so that callers can refuse more than two decimal places."""
    return _decimal_text(text, strip=(settings.CURRENCY_SIGN, "₸"))


def parse_percent(text) -> Decimal:
    """A rate typed as a percentage (`12`, `2,5`, `2.5 %`) as the fraction it stands for
    (0.12, 0.025). ValueError when it is not a number."""
    return _decimal_text(text, strip=("%",)) / HUNDRED


def format_percent(fraction, *, sign: bool = True) -> str:
    """A rate stored as a fraction, as a percentage: `2,5 %` in Russian, `2.5%` in
    English (each language's own typography), trailing zeros dropped. `sign=False` gives
    the bare number a form field shows (`2,5`)."""
    percent = (Decimal(fraction) * HUNDRED).normalize()
    if percent == percent.to_integral_value():
        percent = percent.quantize(Decimal(1))
    text = f"{percent:f}".replace(".", get_format("DECIMAL_SEPARATOR"))
    if not sign:
        return text
    space = "\N{NO-BREAK SPACE}" if (get_language() or "").startswith("ru") else ""
    return f"{text}{space}%"
