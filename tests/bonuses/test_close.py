"""month_close: ledger entries for a period, atomic, idempotent, in order, past only."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from bonuses import services
from bonuses.models import LedgerEntry, MonthClose
from bonuses.selectors import member_balance, member_statement
from tests.bonuses.engine_helpers import APRIL, JUNE, MAY, NOW, D, pay, worked_example
from tests.factories import chain, enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


def entries_of(member, kind=None):
    qs = LedgerEntry.objects.filter(member=member)
    return qs.filter(kind=kind) if kind else qs


def test_close_writes_the_worked_example_as_accrual_and_referred_entries(admin_user):
    tree = worked_example(MAY)
    boss = admin_user
    [result] = services.month_close(period=MAY, by=boss)
    accrual = entries_of(tree["member"], LedgerEntry.Kind.ACCRUAL).get()
    referred = entries_of(tree["member"], LedgerEntry.Kind.REFERRED).get()
    assert accrual.amount == D("3300.00")
    assert accrual.breakdown == {"levels": ["1500.00", "1500.00", "0.00", "300.00"]}
    assert accrual.period == MAY and accrual.created_by == boss
    assert referred.amount == D("750.00")
    assert member_balance(member=tree["member"]).closed == D("4050.00")
    close = MonthClose.objects.get(period=MAY)
    assert close.closed_by == boss and result.month_close == close
    assert result.payments == 6
    assert result.total == sum((lv.amount for lv in result.levels), D("0")) + result.referred


def test_close_equals_the_sum_of_live_statements():
    tree = worked_example(MAY)
    extra = chain(6, tree["d1"])
    for m in extra[::2]:
        pay(m, MAY, amount="12345.67")
    [result] = services.month_close(period=MAY)
    members = [*tree.values(), *extra]
    statements = {m.pk: member_statement(member=m, period=MAY).month_total for m in members}
    for member in members:
        ledger = sum((e.amount for e in entries_of(member)), D("0"))
        assert ledger == statements[member.pk], member
    assert result.total == sum(statements.values(), D("0"))


def test_closing_twice_changes_nothing():
    worked_example(MAY)
    [first] = services.month_close(period=MAY)
    count = LedgerEntry.objects.count()
    [again] = services.month_close(period=MAY)
    assert again.already_closed is True
    assert LedgerEntry.objects.count() == count
    assert again.total == first.total and again.levels == first.levels
    assert services.month_close() == []


def test_dry_run_returns_the_figures_and_writes_nothing():
    worked_example(MAY)
    [preview] = services.month_close(period=MAY, dry_run=True)
    assert preview.dry_run and not preview.already_closed
    assert LedgerEntry.objects.count() == 0 and MonthClose.objects.count() == 0
    [real] = services.month_close(period=MAY)
    assert (preview.total, preview.levels, preview.referred, preview.earners, preview.entries) == (
        real.total, real.levels, real.referred, real.earners, real.entries
    )  # fmt: skip
    assert preview.top_earners == real.top_earners
    assert preview.top_earners[0].amount == D("4500.00")


@pytest.mark.parametrize("period", [JUNE, JUNE.replace(month=7)])
def test_current_and_future_months_are_refused(period):
    with pytest.raises(ValidationError) as error:
        services.month_close(period=period)
    assert "period" in error.value.message_dict
    assert MonthClose.objects.count() == 0


def test_catch_up_closes_every_unclosed_past_month_in_order():
    member = enroll(enroll())
    pay(member, APRIL.replace(month=2))
    pay(member, APRIL)
    pay(member, JUNE)
    services.month_close(period=APRIL)
    results = services.month_close()
    assert [r.period for r in results] == [APRIL.replace(month=2), APRIL.replace(month=3), MAY]
    closes = list(MonthClose.objects.order_by("closed_at", "id").values_list("period", flat=True))
    assert closes == [APRIL, APRIL.replace(month=2), APRIL.replace(month=3), MAY]
    assert member_balance(member=member).closed == D("1500.00")  # two referred bonuses
    assert member_balance(member=member).pending == D("750.00")  # June, still open


def test_close_is_all_or_nothing():
    worked_example(MAY)
    with mock.patch("bonuses.services.close._entry_rows", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            services.month_close(period=MAY)
    assert MonthClose.objects.count() == 0 and LedgerEntry.objects.count() == 0


def test_close_uses_the_plan_in_force_for_the_month():
    services.plan_create_version(
        effective_from=MAY,
        monthly_price="20000",
        rates=["0.20"],
        referred_rate="0",
        packages=[("Classic", "150000", "0")],
    )
    member = enroll()
    follower = enroll(member)
    pay(follower, APRIL)
    pay(follower, MAY)
    april, may = services.month_close()
    assert april.total == D("1500.00") + D("750.00")
    assert may.total == D("4000.00")
    assert [lv.level for lv in may.levels] == [1]


def test_earner_must_be_active_option_in_the_close():
    services.plan_create_version(
        effective_from=APRIL,
        monthly_price="15000",
        rates=["0.10", "0.05"],
        referred_rate="0.05",
        packages=[("Classic", "150000", "0")],
        earner_must_be_active=True,
    )
    top, middle, bottom = chain(3)
    pay(bottom, MAY)
    pay(top, MAY)
    services.month_close(period=MAY)
    assert member_balance(member=top).closed == D("750.00")  # level 2 of 15 000 at 5 %
    assert member_balance(member=middle).closed == D("0.00")  # inactive: nothing
    assert member_balance(member=bottom).closed == D("750.00")  # referred bonus


def test_a_new_plan_cannot_start_in_a_closed_month():
    worked_example(MAY)
    services.month_close(period=MAY)
    with pytest.raises(ValidationError) as error:
        services.plan_create_version(
            effective_from=MAY, monthly_price="1", rates=["0.1"], referred_rate="0", packages=[]
        )
    assert "effective_from" in error.value.message_dict
