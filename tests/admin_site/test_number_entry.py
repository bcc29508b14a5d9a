"""Numbers as staff type them: amounts with spaces or a comma, rates as percentages; shown
as money and percentages in lists and forms, in each language's own format."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from admin_site.fields import MoneyField, PercentField
from bonuses import services
from bonuses.models import LedgerEntry, Plan
from core.money import format_money, format_percent, parse_money
from tests.bonuses.engine_helpers import NOW
from tests.factories import enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.mark.parametrize(
    "typed,amount",
    [
        ("15000", "15000"),
        ("15 000", "15000"),
        ("15\xa0000", "15000"),
        ("15000,50", "15000.50"),
        ("15000.50", "15000.50"),
        ("15 000,5 ₸", "15000.5"),
        ("1 500 000", "1500000"),
    ],
)
def test_amounts_are_read_as_typed(typed, amount):
    assert MoneyField().clean(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["15,000.50", "abc", "1.2.3", "15 000,505"])
def test_an_amount_that_is_not_one_is_refused_with_a_message(typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        MoneyField().clean(typed)
    assert error.value.messages


@pytest.mark.parametrize(
    "typed,fraction",
    [("12", "0.12"), ("2,5", "0.025"), ("2.5", "0.025"), ("2.5 %", "0.025"), ("0", "0")],
)
def test_rates_are_typed_as_percentages(typed, fraction):
    assert PercentField().clean(typed) == Decimal(fraction)


@pytest.mark.parametrize("typed", ["150", "-1", "ten", "2,123456"])
def test_a_rate_out_of_range_or_too_precise_is_refused(typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        PercentField().clean(typed)


def test_forms_show_money_and_percentages_in_the_readers_format():
    with translation.override("ru"):
        assert MoneyField().prepare_value(Decimal("15000.50")) == "15\xa0000,50"
        assert PercentField().prepare_value(Decimal("0.025000")) == "2,5"
        assert format_percent(Decimal("0.05")) == "5\xa0%"
        assert format_money("15000") == "15\xa0000\xa0₸"
    with translation.override("en"):
        assert MoneyField().prepare_value(Decimal("15000.50")) == "15\xa0000.50"
        assert PercentField().prepare_value(Decimal("0.100000")) == "10"
        assert format_percent(Decimal("0.025")) == "2.5%"
        assert format_money("15000.5") == "15\xa0000.50\xa0₸"
    assert parse_money("15 000,50") == Decimal("15000.50")


def test_plan_is_entered_in_percent_and_tenge_and_stored_as_fractions(admin_client):
    current = services.plan_for(date(2026, 6, 1))
    data = {
        "effective_from": "2026-08",
        "monthly_price": "16 500",
        "referred_rate": "2,5",
        "note": "",
        "levels-TOTAL_FORMS": "2",
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "1",
        "levels-MAX_NUM_FORMS": "1000",
        "levels-0-level": "1",
        "levels-0-rate": "12",
        "levels-1-level": "2",
        "levels-1-rate": "2.5",
        "packages-TOTAL_FORMS": "1",
        "packages-INITIAL_FORMS": "0",
        "packages-MIN_NUM_FORMS": "0",
        "packages-MAX_NUM_FORMS": "1000",
        "packages-0-name": "Classic",
        "packages-0-threshold": "150 000",
        "packages-0-bonus": "",
    }
    url = reverse("admin:bonuses_plan_change", args=[current.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    new = Plan.objects.get(effective_from=date(2026, 8, 1))
    assert new.monthly_price == Decimal("16500.00")
    assert new.referred_rate == Decimal("0.025")
    assert [lv.rate for lv in new.levels.order_by("level")] == [Decimal("0.12"), Decimal("0.025")]
    package = new.packages.get()
    assert (package.threshold, package.bonus) == (Decimal("150000"), Decimal("0"))
    page = admin_client.get(reverse("admin:bonuses_plan_change", args=[new.pk])).content.decode()
    assert 'value="12"' in page and 'value="2.5"' in page and 'value="16\xa0500"' in page
    listed = admin_client.get(reverse("admin:bonuses_plan_changelist")).content.decode()
    assert "16\xa0500\xa0₸" in listed and "2.5%" in listed
    assert "0.025000" not in listed and "0.025000" not in page


def test_the_rate_fields_say_they_are_percentages(admin_client):
    current = services.plan_for(date(2026, 6, 1))
    form_url = reverse("admin:bonuses_plan_change", args=[current.pk])
    page = admin_client.get(form_url).content.decode()
    assert "rate, %" in page and "ten percent" in page


def test_payout_amount_typed_with_a_space_and_a_comma(admin_client, admin_user):
    member = enroll()
    services.ledger_adjust(member=member, amount="5000", reason="opening", by=admin_user)
    response = admin_client.post(
        reverse("admin:bonuses_ledgerentry_payout"),
        {"member": member.pk, "amount": "1 500,50", "reason": "cash"},
    )
    assert response.status_code == 302
    assert LedgerEntry.objects.get(kind="payout").amount == Decimal("-1500.50")
    listed = admin_client.get(reverse("admin:bonuses_ledgerentry_changelist")).content.decode()
    assert "-1\xa0500.50\xa0₸" in listed and "5\xa0000\xa0₸" in listed
