from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from core.money import format_money, money
from core.periods import add_months, current_period, months_between, parse_month


def test_money_rounds_half_up_and_refuses_floats():
    assert money("2.345") == Decimal("2.35")
    assert money(Decimal("-2.345")) == Decimal("-2.35")
    with pytest.raises(TypeError):
        money(0.1)


def test_format_money_groups_thousands_with_a_space_in_every_language():
    with translation.override("ru"):
        assert format_money(Decimal("150000")) == "150\xa0000\xa0₸"
        assert format_money(Decimal("1500.5")) == "1\xa0500,50\xa0₸"
    with translation.override("en"):
        assert format_money(Decimal("150000")) == "150\xa0000\xa0₸"
        assert format_money(Decimal("1500.5")) == "1\xa0500.50\xa0₸"
        assert format_money(Decimal("-4050"), sign=False) == "-4\xa0050"
        assert format_money(Decimal("999")) == "999\xa0₸"


@time_machine.travel("2026-11-30 20:30:00+00:00")
def test_current_period_is_in_the_club_time_zone():
    # 20:30 UTC on 30 November is already 1 December in Almaty (UTC+5).
    assert current_period() == date(2026, 12, 1)


def test_month_helpers():
    assert add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert months_between(date(2026, 11, 5), date(2027, 1, 1))[-1] == date(2027, 1, 1)
    assert parse_month("2026-02") == date(2026, 2, 1)
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month("2026-13")
