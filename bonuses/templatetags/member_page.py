from django import template

from core.money import format_money

register = template.Library()


@register.filter
def tenge(value) -> str:
    """`150 000 ₸` in both languages."""
    return format_money(value if value not in (None, "") else "0")


@register.filter
def percent_of(value, whole) -> int:
    """Height of a chart bar: `value` as a whole percentage of `whole` (0 when empty)."""
    if not whole or whole <= 0 or value <= 0:
        return 0
    return max(2, min(100, int(value * 100 / whole)))
