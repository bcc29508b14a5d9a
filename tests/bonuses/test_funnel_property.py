"""Property: the set-based funnel equals a naive recount, member by member and month by
month, on random clubs with random sign-up dates, payments (paid or not) and visits."""

from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bonuses.models import ReferralVisit
from bonuses.selectors.funnel import club_funnel, funnel_rows, member_funnel
from bonuses.services.payments import payment_set
from core.periods import add_months, period_of
from tests.bonuses.engine_helpers import JUNE, NOW
from tests.factories import enroll

pytestmark = pytest.mark.django_db

# Months from 15 before June 2026 to June: some fall outside the 12-month window.
OLDEST = add_months(JUNE, -15)
month_offsets = st.integers(min_value=0, max_value=15)
days = st.integers(min_value=0, max_value=(date(2026, 6, 30) - OLDEST).days)


@st.composite
def clubs(draw):
    size = draw(st.integers(min_value=1, max_value=12))
    parents = [None] + [
        draw(st.one_of(st.none(), st.integers(min_value=0, max_value=i - 1)))
        for i in range(1, size)
    ]
    return {
        "parents": parents,
        "joined": [OLDEST + timedelta(days=draw(days)) for _ in range(size)],
        # Per member: month offset -> paid?
        "payments": [
            draw(st.dictionaries(month_offsets, st.booleans(), max_size=6)) for _ in range(size)
        ],
        # Per member: day offset -> opened that day.
        "visits": [
            draw(st.dictionaries(days, st.integers(min_value=1, max_value=50), max_size=5))
            for _ in range(size)
        ],
    }


def recount(club, window):
    """Per member index and month: (opened, signed up, paid first), one member at a time."""
    figures = defaultdict(lambda: [0, 0, 0])
    for i, visits in enumerate(club["visits"]):
        for offset, n in visits.items():
            figures[i, period_of(OLDEST + timedelta(days=offset))][0] += n
    for i, parent in enumerate(club["parents"]):
        if parent is None:
            continue
        figures[parent, period_of(club["joined"][i])][1] += 1
        paid = [add_months(OLDEST, k) for k, ok in club["payments"][i].items() if ok]
        if paid:
            figures[parent, min(paid)][2] += 1
    return {key: value for key, value in figures.items() if key[1] in window and any(value)}


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(club=clubs())
def test_funnel_matches_a_naive_recount(club):
    with transaction.atomic():
        members = []
        for parent, joined in zip(club["parents"], club["joined"], strict=True):
            members.append(
                enroll(members[parent] if parent is not None else None, joined_on=joined)
            )
        # Through the payment service, which keeps each member's first paid month: an
        # unpaid month is paid first and then unpaid, so the refresh on unpaying is tried.
        for member, payments in zip(members, club["payments"], strict=True):
            for k, paid in payments.items():
                period = add_months(OLDEST, k)
                payment_set(member=member, period=period, paid=True, amount=15000)
                if not paid:
                    payment_set(member=member, period=period, paid=False)
        for member, visits in zip(members, club["visits"], strict=True):
            for offset, n in visits.items():
                ReferralVisit.objects.create(
                    member=member, day=OLDEST + timedelta(days=offset), opened=n
                )

        window = [add_months(JUNE, -k) for k in range(12)]
        expected = recount(club, window)
        for i, member in enumerate(members):
            funnel = member_funnel(member=member)
            assert [m.period for m in funnel.months] == sorted(window)
            for line in funnel.months:
                got = [line.opened, line.signed_up, line.paid_first]
                assert got == expected.get((i, line.period), [0, 0, 0]), (i, line, club)

        club_months = club_funnel().funnel.months
        for line in club_months:
            total = [0, 0, 0]
            for (_, month), value in expected.items():
                if month == line.period:
                    total = [a + b for a, b in zip(total, value, strict=True)]
            assert [line.opened, line.signed_up, line.paid_first] == total

        index = {m.pk: i for i, m in enumerate(members)}
        rows = {
            (index[r["member_id"]], r["month"]): [r["opened"], r["signed_up"], r["paid_first"]]
            for r in funnel_rows()
        }
        assert rows == expected

        first_payments = defaultdict(int)
        for (i, _), value in expected.items():
            first_payments[members[i].pk] += value[2]
        top = club_funnel().top_referrers
        assert [n for _, _, n in top] == sorted(
            (n for n in first_payments.values() if n), reverse=True
        )[:10]
        assert all(first_payments[pk] == n for pk, _, n in top)
        transaction.set_rollback(True)
