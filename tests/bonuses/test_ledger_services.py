"""Package claims, payouts and manual adjustments: debits never overdraw the balance."""

import pytest
from django.core.exceptions import ValidationError

from bonuses import services
from bonuses.models import LedgerEntry, Package
from bonuses.selectors import member_balance
from tests.bonuses.engine_helpers import NOW, D
from tests.factories import enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def member():
    return enroll()


def credit(member, amount, by):
    services.ledger_adjust(member=member, amount=amount, reason="opening balance", by=by)


def test_claim_refused_for_a_short_balance(member, admin_user):
    credit(member, "149999.99", admin_user)
    with pytest.raises(ValidationError) as error:
        services.package_claim(member=member, package="Classic", by=admin_user)
    assert "package" in error.value.message_dict
    assert "short" in error.value.message_dict["package"][0]
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CLAIM).exists()


def test_claim_debits_the_threshold_and_records_the_bonus(member, admin_user):
    credit(member, "320000", admin_user)
    silver = Package.objects.get(name="Silver")
    claim = services.package_claim(member=member, package=silver, by=admin_user)
    assert claim.amount == D("-300000.00")
    assert claim.breakdown["bonus"] == "75000.00"
    assert claim.created_by == admin_user
    assert member_balance(member=member).closed == D("20000.00")


def test_claim_credits_the_bonus_when_the_plan_says_so(member, admin_user):
    from tests.bonuses.engine_helpers import APRIL

    services.plan_create_version(
        effective_from=APRIL,
        monthly_price="15000",
        rates=["0.1"],
        referred_rate="0.05",
        packages=[("Silver", "300000", "75000")],
        credit_package_bonus=True,
    )
    credit(member, "300000", admin_user)
    services.package_claim(member=member, package="Silver", by=admin_user)
    assert member_balance(member=member).closed == D("75000.00")


def test_payout_needs_a_reason_and_a_positive_amount(member, admin_user):
    credit(member, "100", admin_user)
    with pytest.raises(ValidationError) as error:
        services.ledger_payout(member=member, amount="10", reason=" ", by=admin_user)
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.ledger_payout(member=member, amount="-10", reason="cash", by=admin_user)
    assert "amount" in error.value.message_dict
    entry = services.ledger_payout(member=member, amount="100", reason="cash", by=admin_user)
    assert entry.amount == D("-100.00") and entry.kind == LedgerEntry.Kind.PAYOUT


def test_negative_adjustment_is_a_debit_and_cannot_overdraw(member, admin_user):
    credit(member, "50", admin_user)
    with pytest.raises(ValidationError):
        services.ledger_adjust(member=member, amount="-50.01", reason="typo", by=admin_user)
    services.ledger_adjust(member=member, amount="-50", reason="typo", by=admin_user)
    assert member_balance(member=member).closed == D("0.00")
