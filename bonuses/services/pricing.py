"""The monthly price for a period: what a payment is worth when staff just tick "paid"."""

from datetime import date
from decimal import Decimal

from bonuses.models import Plan

from .plans import DEFAULT_PRICE

DEFAULT_MONTHLY_PRICE = DEFAULT_PRICE


def plan_price(period: date) -> Decimal:
    """The price of the plan version in force for `period` (one query)."""
    prices = Plan.objects.values_list("monthly_price", flat=True)
    price = prices.filter(effective_from__lte=period).order_by("-effective_from").first()
    if price is None:
        price = prices.order_by("effective_from").first()
    return price if price is not None else DEFAULT_MONTHLY_PRICE
