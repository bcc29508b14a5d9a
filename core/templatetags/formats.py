"""Formatting filters every template shares: `{% load formats %}`."""

from django import template

from core.money import format_money, format_percent
from core.periods import format_period

register = template.Library()


@register.filter
def period(value) -> str:
    """A month (a first-of-month date) as people read it: `ноябрь 2026`, `November 2026`."""
    return format_period(value) if value else ""


@register.filter
def money(value) -> str:
    """`150 000 ₸` (core.money.format_money)."""
    return format_money(value if value not in (None, "") else "0")


@register.filter
def percent(value) -> str:
    """A rate stored as a fraction, as a percentage: `2,5 %`, `2.5%`."""
    return format_percent(value) if value not in (None, "") else ""
