"""Months as periods: the date of the first day, in the club's time zone."""

import re
from datetime import date, datetime
from functools import lru_cache

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language

_MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def period_of(value: date | datetime) -> date:
    """The period (first day of the month) a date or an aware datetime falls in."""
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return value.replace(day=1)


def current_period() -> date:
    """This month in the club's time zone (settings.TIME_ZONE), not in UTC."""
    return timezone.localdate().replace(day=1)


def add_months(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> list[date]:
    """Every period from start to end, both included, in order."""
    start, end = period_of(start), period_of(end)
    count = (end.year - start.year) * 12 + end.month - start.month
    return [add_months(start, i) for i in range(count + 1)]


def parse_month(text: str) -> date:
    """`YYYY-MM` to a period; ValueError with a readable message otherwise."""
    match = _MONTH_RE.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month: expected YYYY-MM, e.g. 2026-11")
    return date(int(match.group(1)), int(match.group(2)), 1)


def format_month(period: date) -> str:
    """`2026-11`: the machine form (URLs, files, commands, form values)."""
    return period.strftime("%Y-%m")


def format_period(period: date, *, short: bool = False) -> str:
    """A month as people read it, in the interface language: `ноябрь 2026` (Russian
    writes month names in lower case), `November 2026` (config/formats); `short`:
    `ноя 2026`, `Nov 2026` (chart labels)."""
    return _format_period(period.replace(day=1), "M Y" if short else "YEAR_MONTH_FORMAT")


def month_abbreviation(period: date) -> str:
    """The month alone, abbreviated in the interface language: `Nov`, `ноя` (chart
    axes)."""
    return _format_period(period.replace(day=1), "M", lower=False)


def _format_period(period: date, format_name: str, *, lower: bool = True) -> str:
    return _formatted(period, format_name, lower, get_language() or "")


# A month's name in a language never changes: worked out once per process. Django's
# date formatting (lazy month names, the active translation looked up per call) cost the
# member page ~1 ms for its 30 months.
@lru_cache(maxsize=4096)
def _formatted(period: date, format_name: str, lower: bool, language: str) -> str:
    text = date_format(period, format_name)
    return text.lower() if lower and language.startswith("ru") else text
