"""Turn the text of one cell into a value, or raise ValueError with a message for staff."""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from core.money import money

RU_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "май": 5, "июн": 6, "июл": 7,
    "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip
_RU_MONTH_RE = re.compile(r"^([а-яё]+)\s+(\d{4})(?:\s*г\.?)?$")
_ISO_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_DOT_MONTH_RE = re.compile(r"^(\d{1,2})[./](\d{4})$")
_DOT_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
YES = {"yes", "y", "true", "1", "да", "д", "+", "оплачено", "paid"}
NO = {"no", "n", "false", "0", "нет", "н", "-", "не оплачено", "unpaid"}


# How Excel shows a long number in a General cell (and writes it to CSV): 8,70111E+10.
_SCIENTIFIC = re.compile(r"^-?\d+(?:[.,]\d+)?E[+-]\d+$", re.IGNORECASE)


def check_key_digits(value) -> None:
    """Refuse a key (club number, phone, login) Excel has already cut short: shown in
    scientific notation (8,70111E+10) or stored as a number longer than the 15 digits
    Excel keeps. Raises ValueError saying how to fix the file."""
    text = str(value)
    if getattr(value, "lossy", False) or _SCIENTIFIC.match(text.replace(" ", "")):
        raise ValueError(
            _(
                "“%(value)s” is a number Excel has cut short (it keeps 15 digits and shows "
                "long numbers as 8,70111E+10): the real digits are lost. Format the column "
                "as Text in Excel and type the values again."
            )
            % {"value": text}
        )


def parse_phone(text: str) -> str:
    """A phone in a local or international form, as E.164 (+77057419636)."""
    check_key_digits(text)
    try:
        number = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError(_("“%(value)s” is not a valid phone number.") % {"value": text})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_email(text: str) -> str:
    text = text.lower()
    try:
        validate_email(text)
    except ValidationError as exc:
        raise ValueError(_("“%(value)s” is not a valid email address.") % {"value": text}) from exc
    return text


def parse_date(value) -> date:
    """DD.MM.YYYY, ISO YYYY-MM-DD, or a date cell of an XLSX file."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        match = _DOT_DATE_RE.match(value)
        if match:
            day, month, year = map(int, match.groups())
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a date: expected DD.MM.YYYY or YYYY-MM-DD.") % {"value": value}
        ) from None


def parse_month(value) -> date:
    """YYYY-MM, MM.YYYY, a Russian month name with the year, or a date cell: the period."""
    if isinstance(value, date):
        return (value.date() if isinstance(value, datetime) else value).replace(day=1)
    text = " ".join(value.lower().split())
    year = month = None
    if match := _ISO_MONTH_RE.match(text):
        year, month = int(match[1]), int(match[2])
    elif match := _DOT_MONTH_RE.match(text):
        month, year = int(match[1]), int(match[2])
    elif match := _RU_MONTH_RE.match(text):
        word, year = match[1], int(match[2])
        month = next(
            (n for stem, n in sorted(RU_MONTHS.items(), key=lambda i: -len(i[0]))
             if word.startswith(stem)),
            None,
        )  # fmt: skip
    if not month or not 1 <= month <= 12:
        raise ValueError(
            _("“%(value)s” is not a month: expected YYYY-MM, MM.YYYY or e.g. «март 2026».")
            % {"value": value}
        )
    return date(year, month, 1)


def parse_bool(text: str) -> bool:
    key = text.lower()
    if key in YES:
        return True
    if key in NO:
        return False
    raise ValueError(
        _("“%(value)s” is not yes or no (yes/no, true/false, 1/0, да/нет).") % {"value": text}
    )


def parse_amount(text: str) -> Decimal:
    """150000, 150 000, 150000,50 or 150000.50 (never a float)."""
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace("₸", "").replace(",", ".")
    try:
        amount = money(Decimal(cleaned))
    except (InvalidOperation, ValueError):
        raise ValueError(_("“%(value)s” is not an amount.") % {"value": text}) from None
    if amount < 0:
        raise ValueError(_("The amount cannot be negative."))
    if amount >= Decimal("10") ** 10:
        raise ValueError(_("“%(value)s” is too large an amount.") % {"value": text})
    return amount
