"""member_statement: the bonus rules for one member and month, computed live."""

from decimal import Decimal

import pytest

from bonuses import services
from bonuses.models import Member
from bonuses.selectors import member_statement
from bonuses.services.demo import seed_club
from bonuses.services.plans import all_plan_terms
from tests.bonuses.engine_helpers import APRIL, JUNE, MAY, NOW, D, pay, worked_example
from tests.factories import chain, enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


def test_worked_example_from_the_design_earns_4050():
    tree = worked_example(JUNE)
    statement = member_statement(member=tree["member"])
    assert statement.period == JUNE
    assert [line.earned for line in statement.levels] == [D("1500"), D("1500"), D("0"), D("300")]
    assert statement.referred_bonus == D("750.00")
    assert statement.month_total == D("4050.00")
    assert statement.sponsor == tree["sponsor"]
    assert statement.active is True
    assert statement.payment.amount == D("15000.00")


def test_level_followers_count_everyone_not_only_the_active():
    tree = worked_example(JUNE)
    statement = member_statement(member=tree["member"], period=JUNE)
    assert [(line.followers, line.active) for line in statement.levels] == [
        (1, 1), (2, 2), (1, 0), (2, 2)
    ]  # fmt: skip
    assert statement.followers == 6
    assert statement.active_followers == 5


def test_levels_beyond_the_plan_earn_nothing_and_are_not_listed():
    members = chain(7)
    for m in members:
        pay(m, MAY)
    statement = member_statement(member=members[0], period=MAY)
    assert len(statement.levels) == 4
    assert statement.followers == 4  # levels 5 and 6 are outside the plan
    assert statement.month_total == D("1500") + D("750") + D("375") + D("150")


def test_root_member_gets_no_referred_bonus():
    root = enroll()
    pay(root, MAY)
    assert member_statement(member=root, period=MAY).referred_bonus == D("0.00")


def test_inactive_member_gets_no_referred_bonus_but_earns_from_downline_by_default():
    sponsor = enroll()
    member = enroll(sponsor)
    follower = enroll(member)
    pay(follower, MAY)
    statement = member_statement(member=member, period=MAY)
    assert statement.active is False
    assert statement.referred_bonus == D("0.00")
    assert statement.levels[0].earned == D("1500.00")


def test_earner_must_be_active_option_stops_inactive_earners(db):
    services.plan_create_version(
        effective_from=MAY,
        monthly_price="15000",
        rates=["0.10", "0.05", "0.025", "0.01"],
        referred_rate="0.05",
        packages=[("Classic", "150000", "0")],
        earner_must_be_active=True,
    )
    member = enroll(enroll())
    follower = enroll(member)
    pay(follower, MAY)
    assert member_statement(member=member, period=MAY).month_total == D("0.00")
    pay(member, MAY)
    assert member_statement(member=member, period=MAY).month_total == D("1500.00") + D("750.00")


def test_plan_versions_apply_to_their_own_months():
    services.plan_create_version(
        effective_from=MAY,
        monthly_price="20000",
        rates=["0.20", "0.10"],
        referred_rate="0.10",
        packages=[("Classic", "150000", "0")],
    )
    member = enroll(enroll())
    follower = enroll(member)
    grand = enroll(follower)
    for m in (member, follower, grand):
        pay(m, APRIL, amount="15000")
        pay(m, MAY, amount="15000")
    april = member_statement(member=member, period=APRIL)
    may = member_statement(member=member, period=MAY)
    assert [line.earned for line in april.levels] == [D("1500"), D("750"), D("0"), D("0")]
    assert april.referred_bonus == D("750.00")
    assert [line.earned for line in may.levels] == [D("3000"), D("1500")]
    assert may.referred_bonus == D("1500.00")


def test_each_payment_share_is_rounded_on_its_own():
    member = enroll()
    for _ in range(3):
        pay(enroll(member), MAY, amount="0.05")  # 10 % of 0.05 = 0.005 -> 0.01 each
    assert member_statement(member=member, period=MAY).levels[0].earned == D("0.03")


def test_statement_queries_do_not_grow_with_the_downline(django_assert_max_num_queries):
    small = enroll()
    for _ in range(10):
        pay(enroll(small), JUNE)
    seed_club(members=10_000, months=2, seed=7)
    big = Member.objects.order_by("id")[11]  # the first seeded member: the biggest downline
    low, high = big.downline_bounds()
    assert Member.objects.filter(path__gte=low, path__lt=high).count() > 5_000
    all_plan_terms()  # read once per process, then kept: not what is compared

    with django_assert_max_num_queries(10) as small_ctx:
        member_statement(member=small)
    with django_assert_max_num_queries(10) as big_ctx:
        statement = member_statement(member=big)
    assert len(small_ctx.captured_queries) == len(big_ctx.captured_queries)
    assert statement.followers > 1_000
    assert isinstance(statement.month_total, Decimal)


def test_all_plan_terms_read_each_version_as_plan_terms_does():
    from datetime import date

    from bonuses.services.plans import all_plan_terms, plan_terms

    services.plan_create_version(
        effective_from=date(2026, 4, 1),
        monthly_price="18000",
        rates=["0.12", "0.06", "0.03"],
        referred_rate="0.04",
        packages=[("Gold", "600000", "300000"), ("Bronze", "90000", "0")],
        earner_must_be_active=True,
    )
    services.plan_create_version(
        effective_from=date(2026, 7, 1),
        monthly_price="20000",
        rates=["0.1", "0.05", "0.025", "0.01", "0.005"],
        referred_rate="0.05",
        packages=[],
        credit_package_bonus=True,
    )
    versions = all_plan_terms()
    assert [v.effective_from for v in versions][-2:] == [date(2026, 4, 1), date(2026, 7, 1)]
    assert versions == [plan_terms(v.effective_from) for v in versions]
    assert versions[-2].packages[0][0] == "Bronze"  # by threshold
    assert versions[-1].levels == 5 and versions[-1].packages == ()
