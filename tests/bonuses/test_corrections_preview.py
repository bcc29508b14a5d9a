"""The warning before a closed month's payment changes: the corrections it shows are
exactly those the change then posts, and showing them writes nothing."""

import pytest

from bonuses import services
from bonuses.models import LedgerEntry, Payment
from bonuses.selectors.corrections import PaymentChange, payment_changes_corrections
from tests.bonuses.engine_helpers import APRIL, JUNE, MAY, NOW, D, pay
from tests.factories import chain, enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


def posted_since(last_id: int) -> set[tuple[int, D]]:
    rows = LedgerEntry.objects.filter(kind="correction", pk__gt=last_id)
    return set(rows.values_list("member_id", "amount"))


def last_entry() -> int:
    return LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def preview_then_apply(*changes: PaymentChange):
    """The preview, the corrections actually posted by the same changes, and whether the
    preview itself wrote anything."""
    before = (LedgerEntry.objects.count(), list(Payment.objects.values_list("paid", "amount")))
    preview = payment_changes_corrections(changes)
    after = (LedgerEntry.objects.count(), list(Payment.objects.values_list("paid", "amount")))
    start = last_entry()
    for change in changes:
        services.payment_set(
            member=change.member, period=change.period, paid=change.paid, amount=change.amount
        )
    shown = {(line.member_id, line.amount) for line in preview.lines}
    return preview, shown, posted_since(start), before == after


def test_late_payment_shows_every_earner_and_the_payers_referred_bonus():
    top, l3, l2, l1, payer = chain(5)
    services.month_close(period=MAY)
    preview, shown, posted, untouched = preview_then_apply(PaymentChange(payer, MAY, True))
    assert untouched and shown == posted
    assert shown == {
        (payer.pk, D("750.00")), (l1.pk, D("1500.00")), (l2.pk, D("750.00")),
        (l3.pk, D("375.00")), (top.pk, D("150.00")),
    }  # fmt: skip
    assert preview.total == D("3525.00") and preview.changes == 1
    line = next(line for line in preview.lines if line.member_id == l2.pk)
    assert (line.part, line.level, line.payer_id, line.before, line.after) == (
        "level",
        2,
        payer.pk,
        None,
        D("15000.00"),
    )
    assert line.name == f"{l2.last_name} {l2.first_name}"


def test_refund_and_amount_change_show_the_difference():
    sponsor, payer = chain(2)
    other = enroll(sponsor)
    pay(payer, MAY, amount="10000")
    pay(other, MAY)
    services.month_close(period=MAY)
    preview, shown, posted, untouched = preview_then_apply(
        PaymentChange(payer, MAY, True, D("12000")), PaymentChange(other, MAY, False)
    )
    assert untouched and shown == posted
    assert preview.by_member() == [
        (sponsor.pk, f"{sponsor.last_name} {sponsor.first_name}", D("-1300.00")),
        (other.pk, f"{other.last_name} {other.first_name}", D("-750.00")),
        (payer.pk, f"{payer.last_name} {payer.first_name}", D("100.00")),
    ]


def test_open_months_and_unchanged_payments_show_nothing():
    sponsor, payer = chain(2)
    pay(payer, MAY)
    services.month_close(period=MAY)
    preview = payment_changes_corrections(
        [PaymentChange(payer, MAY, True), PaymentChange(payer, JUNE, True)]
    )
    assert not preview and preview.lines == [] and preview.changes == 0


def test_earner_active_option_shows_the_payers_own_earnings():
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
    preview, shown, posted, untouched = preview_then_apply(PaymentChange(middle, MAY, True))
    assert untouched and shown == posted == {(middle.pk, D("1500.00")), (top.pk, D("1500.00"))}
    assert {line.part for line in preview.lines} == {"own_activity", "level"}


def test_a_batch_across_closed_months_reads_a_few_queries_per_month(
    django_assert_max_num_queries,
):
    services.month_close(period=APRIL)
    services.month_close(period=MAY)
    heads = chain(6)
    payers = [enroll(heads[-1]) for _ in range(30)]
    changes = [PaymentChange(m, p, True) for m in payers for p in (APRIL, MAY, JUNE)]
    with django_assert_max_num_queries(14):
        preview = payment_changes_corrections(changes)
    assert preview.changes == 60
    assert len(preview.lines) == 60 * 5  # referred bonus and four levels each


def test_an_imports_rows_may_name_members_by_id():
    sponsor, payer = chain(2)
    services.month_close(period=MAY)
    by_id = payment_changes_corrections([PaymentChange(payer.pk, MAY, True, D("10000"))])
    by_member = payment_changes_corrections([PaymentChange(payer, MAY, True, D("10000"))])
    assert by_id.lines == by_member.lines and by_id.total == D("1500.00")
