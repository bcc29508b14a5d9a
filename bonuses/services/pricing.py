"""The monthly price for a period: what a payment is worth when staff just tick "paid"."""

from datetime import date
from decimal import Decimal

from bonuses.models import Plan

from .plans import plan_for

DEFAULT_MONTHLY_PRICE = Decimal("15000.00")


def plan_price(period: date) -> Decimal:
    try:
        return plan_for(period).monthly_price
    except Plan.DoesNotExist:
        return DEFAULT_MONTHLY_PRICE
