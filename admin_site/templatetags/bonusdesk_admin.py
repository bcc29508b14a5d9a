from django import template

from core.money import format_money

register = template.Library()


@register.filter
def money(value) -> str:
    """`150 000 ₸`: a Decimal (or decimal string) as the club writes money."""
    return format_money(value if value not in (None, "") else "0")
