"""Month close racing on PostgreSQL: one set of entries, and no payment change lost."""

import random
from collections import defaultdict
from decimal import Decimal

import pytest

from bonuses import services
from bonuses.models import LedgerEntry, MonthClose
from bonuses.selectors import member_statement
from bonuses.services.close import compute_period
from bonuses.services.plans import plan_terms
from tests.bonuses.engine_helpers import MAY, NOW, pay, worked_example
from tests.bonuses.test_concurrency import run_together
from tests.factories import enroll

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=True)


def test_two_closes_at_once_write_one_set_of_entries(on_postgres):
    worked_example(MAY)
    results = []
    errors = run_together(4, lambda i: results.extend(services.month_close(period=MAY)))
    assert errors == []
    assert MonthClose.objects.count() == 1
    assert sorted(r.already_closed for r in results) == [False, True, True, True]
    [fresh] = [r for r in results if not r.already_closed]
    assert LedgerEntry.objects.count() == fresh.entries == 11


def test_close_racing_with_payment_toggles_loses_nothing(on_postgres):
    tops = [enroll() for _ in range(3)]
    members = list(tops)
    for i in range(40):
        members.append(enroll(members[random.Random(i).randrange(len(members))]))
    for member in members[::2]:
        pay(member, MAY)

    def work(i):
        if i == 0:
            services.month_close(period=MAY)
            return
        rng = random.Random(i)
        for _ in range(15):
            member = rng.choice(members)
            if rng.random() < 0.5:
                services.payment_mark_paid(member=member, period=MAY, amount=rng.choice(
                    ["15000", "12000.55", "999.99"]
                ))  # fmt: skip
            else:
                services.payment_mark_unpaid(member=member, period=MAY)

    assert run_together(8, work) == []
    assert MonthClose.objects.filter(period=MAY).exists()
    ledger = defaultdict(Decimal)
    for member_id, amount in LedgerEntry.objects.values_list("member_id", "amount"):
        ledger[member_id] += amount
    # The race really happened: some changes came after the close and were corrected.
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CORRECTION).exists()
    # Every payment is in the close or in a correction: the ledger is the month as it is
    # (computed afresh on today's payments), and the closed statement (as closed, plus
    # its corrections) says the same.
    now = compute_period(MAY, plan_terms(MAY))
    for member in members:
        live = sum(now.levels.get(member.pk, [])) + now.referred.get(member.pk, 0)
        assert ledger[member.pk] == Decimal(live) / 100
        assert ledger[member.pk] == member_statement(member=member, period=MAY).ledger_total
