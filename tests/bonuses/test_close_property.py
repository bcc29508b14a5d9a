"""Properties: the set-based close, and the maintained figures after any sequence of
steps, equal a naive per-member computation, to the cent."""

import json
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bonuses import services
from bonuses.models import ClosedFigures, LedgerEntry, Member, MonthClose, Plan
from bonuses.selectors import member_statement
from core.money import money
from tests.bonuses.engine_helpers import APRIL, JUNE, MAY, NOW
from tests.bonuses.figures_helpers import assert_figures_exact, naive_month_total, open_periods
from tests.factories import enroll

pytestmark = pytest.mark.django_db

rates = st.decimals(min_value=0, max_value=Decimal("0.3"), places=4)
amounts = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)


@st.composite
def clubs(draw):
    size = draw(st.integers(min_value=1, max_value=14))
    # parent[i] < i, or None for a root: any forest.
    parents = [None] + [
        draw(st.one_of(st.none(), st.integers(min_value=0, max_value=i - 1)))
        for i in range(1, size)
    ]
    payments = [draw(st.one_of(st.none(), amounts)) for _ in range(size)]
    return {
        "parents": parents,
        "payments": payments,
        "rates": draw(st.lists(rates, min_size=1, max_size=5)),
        "referred_rate": draw(rates),
        "earner_must_be_active": draw(st.booleans()),
    }


def reference_counts(club) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Per member index: followers and active followers per level, one member at a time."""
    parents, payments, levels = club["parents"], club["payments"], len(club["rates"])
    followers = defaultdict(lambda: [0] * levels)
    actives = defaultdict(lambda: [0] * levels)
    for follower in range(len(parents)):
        level, node = 0, follower
        while parents[node] is not None:
            node, level = parents[node], level + 1
            if level <= levels:
                followers[node][level - 1] += 1
                if payments[follower] is not None:
                    actives[node][level - 1] += 1
    return followers, actives


def reference(club) -> dict[int, Decimal]:
    """Per member index: the rules of DESIGN.md applied one member at a time."""
    parents, payments = club["parents"], club["payments"]
    earned = defaultdict(lambda: Decimal("0.00"))
    for earner in range(len(parents)):
        if club["earner_must_be_active"] and payments[earner] is None:
            continue
        for follower in range(len(parents)):
            level, node = 0, follower
            while node is not None and node != earner:
                node, level = parents[node], level + 1
            if node == earner and 1 <= level <= len(club["rates"]):
                if payments[follower] is not None:
                    earned[earner] += money(club["rates"][level - 1] * payments[follower])
    for member, amount in enumerate(payments):
        if amount is not None and parents[member] is not None:
            earned[member] += money(club["referred_rate"] * amount)
    return earned


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(club=clubs())
def test_close_matches_the_naive_reference(club):
    with transaction.atomic():
        services.plan_create_version(
            effective_from=APRIL,
            monthly_price="15000",
            rates=club["rates"],
            referred_rate=club["referred_rate"],
            packages=[],
            earner_must_be_active=club["earner_must_be_active"],
        )
        members = []
        for parent in club["parents"]:
            members.append(enroll(members[parent] if parent is not None else None))
        for member, amount in zip(members, club["payments"], strict=True):
            if amount is not None:
                services.payment_mark_paid(member=member, period=MAY, amount=amount)
        [result] = services.month_close(period=MAY)

        expected = reference(club)
        followers, actives = reference_counts(club)
        levels = len(club["rates"])
        stored = {row.member_id: row for row in ClosedFigures.objects.filter(period=MAY)}
        for index, member in enumerate(members):
            row = stored.get(member.pk)
            has_something = any(followers[index]) or club["payments"][index] is not None
            assert (row is not None) == has_something, (index, club)
            statement = member_statement(member=member, period=MAY)
            assert statement.closed
            assert [line.followers for line in statement.levels] == followers[index]
            assert [line.active for line in statement.levels] == actives[index]
            assert statement.active == (club["payments"][index] is not None)
            if row is not None:
                stored_levels = row.levels(levels)
                assert [f for f, _a, _c in stored_levels] == followers[index]
                assert [a for _f, a, _c in stored_levels] == actives[index]
                assert len(json.loads(row.followers)) == levels
        ledger = defaultdict(lambda: Decimal("0.00"))
        for member_id, amount in LedgerEntry.objects.values_list("member_id", "amount"):
            ledger[member_id] += amount
        for index, member in enumerate(members):
            assert ledger[member.pk] == expected[index], (index, club)
            assert member_statement(member=member, period=MAY).month_total == expected[index]
        assert result.total == sum(expected.values(), Decimal("0.00"))
        transaction.set_rollback(True)


# --- Maintained figures under random steps (issue 16) --------------------------------

PERIODS = [APRIL, MAY, JUNE]

steps = st.lists(
    st.one_of(
        st.tuples(st.just("enroll"), st.integers(0, 30), st.booleans()),
        st.tuples(
            st.just("pay"), st.integers(0, 30), st.integers(0, 2), st.one_of(st.none(), amounts)
        ),
        st.tuples(st.just("unpay"), st.integers(0, 30), st.integers(0, 2)),
        st.tuples(st.just("move"), st.integers(0, 30), st.one_of(st.none(), st.integers(0, 30))),
        st.tuples(st.just("plan"), st.lists(rates, min_size=1, max_size=6), st.booleans()),
        st.tuples(st.just("close")),
        st.tuples(st.just("delete"), st.integers(0, 30)),
    ),
    min_size=1,
    max_size=14,
)  # fmt: skip


def _apply(step, members: list) -> None:
    """One step through the services; steps the rules refuse are skipped as staff would
    be refused."""
    kind, *args = step
    pick = lambda i: members[i % len(members)] if members else None  # noqa: E731
    if kind == "enroll":
        members.append(enroll(pick(args[0]) if args[1] else None))
    elif not members:
        return
    elif kind == "pay":
        services.payment_set(
            member=pick(args[0]), period=PERIODS[args[1]], paid=True, amount=args[2]
        )
    elif kind == "unpay":
        services.payment_mark_unpaid(member=pick(args[0]), period=PERIODS[args[1]])
    elif kind == "move":
        member = Member.objects.get(pk=pick(args[0]).pk)
        sponsor = Member.objects.get(pk=pick(args[1]).pk) if args[1] is not None else None
        if services.sponsor_change_error(member, sponsor) is None:
            services.member_change_sponsor(member=member, sponsor=sponsor)
    elif kind == "plan":
        if not MonthClose.objects.filter(period__gte=JUNE).exists():
            effective = JUNE if not Plan.objects.filter(effective_from=JUNE).exists() else None
            if effective:
                services.plan_create_version(
                    effective_from=effective, monthly_price="15000", rates=args[0],
                    referred_rate="0.05", packages=[], earner_must_be_active=args[1],
                )  # fmt: skip
    elif kind == "close":
        open_past = [p for p in (APRIL, MAY) if not MonthClose.objects.filter(period=p).exists()]
        if open_past:
            services.month_close(period=open_past[0])
    elif kind == "delete":
        member = Member.objects.get(pk=pick(args[0]).pk)
        if services.member_delete_error(member) is None:
            services.member_delete(member=member)
            members.remove(next(m for m in members if m.pk == member.pk))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=clubs(), later=steps)
def test_maintained_figures_equal_the_naive_computation_after_every_step(first, later):
    with transaction.atomic():
        services.plan_create_version(
            effective_from=APRIL, monthly_price="15000", rates=first["rates"],
            referred_rate=first["referred_rate"], packages=[],
            earner_must_be_active=first["earner_must_be_active"],
        )  # fmt: skip
        members = []
        for parent in first["parents"]:
            members.append(enroll(members[parent] if parent is not None else None))
        for member, amount in zip(members, first["payments"], strict=True):
            if amount is not None:
                services.payment_mark_paid(member=member, period=MAY, amount=amount)
        assert_figures_exact(PERIODS)
        for step in later:
            _apply(step, members)
            assert_figures_exact(PERIODS)
            for member in Member.objects.all():
                for period in open_periods(PERIODS):
                    statement = member_statement(member=member, period=period)
                    assert statement.month_total == naive_month_total(member, period), step
        transaction.set_rollback(True)
