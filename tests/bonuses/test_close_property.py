"""Property: the set-based close equals a naive per-member computation, to the cent."""

import json
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bonuses import services
from bonuses.models import ClosedFigures, LedgerEntry
from bonuses.selectors import member_statement
from core.money import money
from tests.bonuses.engine_helpers import APRIL, MAY, NOW
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
