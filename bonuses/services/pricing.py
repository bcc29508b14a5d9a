"""The monthly price for a period: what a payment is worth when staff just tick "paid"."""

from datetime import date
from decimal import Decimal

DEFAULT_MONTHLY_PRICE = Decimal("15000.00")


def plan_price(period: date) -> Decimal:
    return DEFAULT_MONTHLY_PRICE
