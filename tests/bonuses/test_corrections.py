"""Payments of a closed month: corrections dated now, the closed month untouched."""

import pytest
from django.core.exceptions import ValidationError

from bonuses import services
from bonuses.models import LedgerEntry, MonthClose
from bonuses.selectors import member_balance
from tests.bonuses.engine_helpers import APRIL, MAY, NOW, D, pay
from tests.factories import chain, enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


def corrections():
    return LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CORRECTION)


def closed(member):
    return member_balance(member=member).closed


def test_refund_after_close_posts_negative_corrections_up_the_line(admin_user):
    top, l3, l2, l1, payer = chain(5)
    payment = pay(payer, MAY)
    services.month_close(period=MAY)
    accruals = LedgerEntry.objects.exclude(kind=LedgerEntry.Kind.CORRECTION).count()

    services.payment_mark_unpaid(member=payer, period=MAY, by=admin_user)

    assert LedgerEntry.objects.exclude(kind=LedgerEntry.Kind.CORRECTION).count() == accruals
    by_member = {e.member_id: e for e in corrections()}
    assert {m: e.amount for m, e in by_member.items()} == {
        payer.pk: D("-750.00"), l1.pk: D("-1500.00"), l2.pk: D("-750.00"),
        l3.pk: D("-375.00"), top.pk: D("-150.00"),
    }  # fmt: skip
    for entry in by_member.values():
        assert entry.payment == payment and entry.period == MAY
        assert entry.created_by == admin_user
        assert entry.created_at.date().isoformat() == "2026-06-15"
    for member in (top, l3, l2, l1, payer):
        assert closed(member) == D("0.00")


def test_late_payment_after_close_posts_positive_corrections():
    sponsor, payer = chain(2)
    services.month_close(period=MAY)  # nothing paid: closes empty
    assert MonthClose.objects.filter(period=MAY).exists()
    pay(payer, MAY)
    assert closed(payer) == D("750.00")
    assert closed(sponsor) == D("1500.00")
    assert {e.reason_text for e in corrections()} == {"Late payment for May 2026"}


def test_amount_change_after_close_corrects_the_difference_only():
    sponsor, payer = chain(2)
    pay(payer, MAY, amount="10000")
    services.month_close(period=MAY)
    pay(payer, MAY, amount="12000")
    assert [e.amount for e in corrections().filter(member=sponsor)] == [D("200.00")]
    assert closed(sponsor) == D("1200.00")
    assert closed(payer) == D("600.00")


def test_unchanged_payment_posts_no_correction():
    _, payer = chain(2)
    pay(payer, MAY)
    services.month_close(period=MAY)
    pay(payer, MAY)
    assert not corrections().exists()


def test_open_months_get_no_corrections():
    _, payer = chain(2)
    pay(payer, MAY)
    services.payment_mark_unpaid(member=payer, period=MAY)
    assert not LedgerEntry.objects.exists()


def test_corrections_use_the_tree_as_it_stands_now():
    old_sponsor, new_sponsor = enroll(), enroll()
    payer = enroll(old_sponsor)
    pay(payer, MAY)
    services.month_close(period=MAY)
    services.member_change_sponsor(member=payer, sponsor=new_sponsor)
    payer.refresh_from_db()
    services.payment_mark_unpaid(member=payer, period=MAY)
    assert closed(old_sponsor) == D("1500.00")  # the close stands
    assert closed(new_sponsor) == D("-1500.00")


def test_correction_with_earner_active_option_follows_the_payers_own_activity():
    services.plan_create_version(
        effective_from=APRIL,
        monthly_price="15000",
        rates=["0.10"],
        referred_rate="0",
        packages=[],
        earner_must_be_active=True,
    )
    top, middle, bottom = chain(3)
    pay(top, MAY)
    pay(bottom, MAY)
    services.month_close(period=MAY)
    assert closed(middle) == D("0.00") and closed(top) == D("0.00")
    pay(middle, MAY)  # late: now active, so earns from the downline too
    assert closed(middle) == D("1500.00")
    assert closed(top) == D("1500.00")
    services.payment_mark_unpaid(member=middle, period=MAY)
    assert closed(middle) == D("0.00") and closed(top) == D("0.00")


def test_negative_balance_after_a_refund_refuses_debits_until_positive(admin_user):
    sponsor, payer = chain(2)
    pay(payer, MAY)
    services.month_close(period=MAY)
    services.ledger_payout(member=sponsor, amount="1500", reason="cash", by=admin_user)
    services.payment_mark_unpaid(member=payer, period=MAY)
    assert closed(sponsor) == D("-1500.00")
    with pytest.raises(ValidationError) as error:
        services.ledger_payout(member=sponsor, amount="1", reason="cash", by=admin_user)
    assert "amount" in error.value.message_dict
    services.ledger_adjust(member=sponsor, amount="1501", reason="goodwill", by=admin_user)
    services.ledger_payout(member=sponsor, amount="1", reason="cash", by=admin_user)
    assert closed(sponsor) == D("0.00")


def test_batch_marking_in_a_closed_month_posts_corrections():
    sponsor = enroll()
    payers = [enroll(sponsor) for _ in range(3)]
    services.month_close(period=MAY)
    assert services.payments_set_batch(members=payers, period=MAY, paid=True) == 3
    assert closed(sponsor) == D("4500.00")
