"""member_balance and member_months: ledger + live pending months, package progress."""

import pytest

from bonuses import services
from bonuses.models import Member
from bonuses.selectors import member_balance, member_months
from bonuses.services.demo import seed_club
from bonuses.services.plans import all_plan_terms
from tests.bonuses.engine_helpers import APRIL, JUNE, MAY, NOW, D, pay
from tests.factories import chain, enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


def test_pending_covers_every_unclosed_month_including_this_one():
    sponsor, member = chain(2)
    for period in (APRIL, MAY, JUNE):
        pay(member, period)
    services.month_close(period=APRIL)
    balance = member_balance(member=sponsor)
    assert balance.closed == D("1500.00")
    assert balance.pending == D("3000.00")  # May (not closed yet) and June
    assert balance.total == D("4500.00")


def test_next_package_is_computed_on_the_total(admin_user):
    member = enroll()
    services.ledger_adjust(member=member, amount="140000", reason="opening", by=admin_user)
    for _ in range(7):
        pay(enroll(member), JUNE)  # 7 × 1 500 pending
    balance = member_balance(member=member)
    assert balance.total == D("150500.00")
    package = balance.next_package
    assert (package.name, package.threshold, package.bonus) == ("Silver", D("300000"), D("75000"))
    assert package.remaining == D("149500.00")
    assert package.percent == 50
    assert balance.top_package is None


def test_past_the_top_package_there_is_no_next_one(admin_user):
    member = enroll()
    services.ledger_adjust(member=member, amount="2400000", reason="legacy", by=admin_user)
    balance = member_balance(member=member)
    assert balance.next_package is None
    assert balance.top_package == "Brilliant"


def test_months_list_closed_months_from_the_ledger_and_open_ones_live():
    sponsor, member = chain(2)
    pay(member, APRIL)
    pay(member, JUNE)
    services.month_close()
    services.payment_mark_unpaid(member=member, period=APRIL)  # correction in April
    lines = member_months(member=sponsor, months=3)
    assert [(line.period, line.closed, line.earned) for line in lines] == [
        (APRIL, True, D("0.00")),
        (MAY, True, D("0.00")),
        (JUNE, False, D("1500.00")),
    ]
    assert [line.active for line in member_months(member=member, months=3)] == [False, False, True]


def test_balance_and_months_queries_do_not_grow_with_the_downline(
    django_assert_max_num_queries,
):
    small = enroll()
    for _ in range(10):
        pay(enroll(small), MAY)
    seed_club(members=10_000, months=3, seed=3)
    big = Member.objects.order_by("id")[11]
    services.month_close(period=APRIL)
    all_plan_terms()  # read once per process, then kept: not what is compared
    counts = []
    for member in (small, big):
        with django_assert_max_num_queries(16) as ctx:
            member_balance(member=member)
            member_months(member=member)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert member_balance(member=big).total > 0


def test_member_payments_are_the_members_payments_to_the_tiyn():
    from bonuses.models import Payment
    from bonuses.selectors.balances import member_payments

    member = enroll()
    pay(member, APRIL, amount=D("15000.55"))
    pay(member, MAY, amount=D("0.01"))
    pay(member, JUNE)
    services.payment_mark_unpaid(member=member, period=MAY)
    pay(enroll(), MAY)  # someone else's
    read = member_payments(member, MAY)
    stored = {p.period: p for p in Payment.objects.filter(member=member, period__lte=MAY)}
    assert sorted(read) == sorted(stored) == [APRIL, MAY]
    for period, payment in read.items():
        assert (payment.pk, payment.amount, payment.paid) == (
            stored[period].pk,
            stored[period].amount,
            stored[period].paid,
        )
        assert type(payment.amount) is type(D("1")) and payment.member_id == member.pk
    # The fields not read load when asked for, as the ORM's own deferred fields do.
    assert read[APRIL].paid_on == stored[APRIL].paid_on and read[APRIL].paid_on is not None
