"""The close on PostgreSQL outside any other transaction reads through a second
connection while it writes (services.close._write_as_read): what it writes
equals the walk of the tree, to the cent, and a failure half-way leaves nothing."""

import json
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection

from bonuses import services
from bonuses.models import ClosedFigures, LedgerEntry, MonthClose
from bonuses.services import close as close_service
from bonuses.services.demo import seed_club
from bonuses.services.plans import plan_terms
from core.periods import add_months, current_period

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _expected(period):
    """(entries per member, stored figures rows) from the walk of the tree."""
    figures = close_service.compute_period(period, plan_terms(period))
    entries = {}
    for member_id, kind, amount, breakdown in close_service._entry_rows(
        close_service._earners_of(figures)
    ):
        entries.setdefault(member_id, []).append((kind, Decimal(amount), breakdown))
    stored = {row[0]: row for row in close_service._figures_rows(figures)}
    return entries, stored


@pytest.mark.parametrize("must_be_active", [False, True])
def test_the_streamed_close_writes_what_the_walk_computes(on_postgres, must_be_active):
    seed_club(members=400, months=2, seed=11)
    last = add_months(current_period(), -1)
    if must_be_active:
        services.plan_create_version(
            effective_from=last, monthly_price="15000", rates=["0.1", "0.05", "0.03"],
            referred_rate="0.05", packages=[], earner_must_be_active=True,
        )  # fmt: skip
    expected_entries, expected_stored = _expected(last)
    spy = mock.patch.object(close_service, "_write_as_read", wraps=close_service._write_as_read)
    with spy as streamed:
        [result] = services.month_close(period=last)
    assert streamed.call_count == 1  # the second connection's path, not the in-memory one

    written = {}
    for member_id, kind, amount, breakdown in LedgerEntry.objects.order_by("id").values_list(
        "member_id", "kind", "amount", "breakdown"
    ):
        written.setdefault(member_id, []).append((kind, amount, breakdown))
    expected = {
        m: [(kind, amount, json.loads(b)) for kind, amount, b in rows]
        for m, rows in expected_entries.items()
    }
    assert written == expected
    assert len(written) > 100  # a real club, not an empty comparison
    stored = {
        row.member_id: (
            row.member_id, row.active, row.followers, row.actives, row.earned, row.referred
        )
        for row in ClosedFigures.objects.filter(period=last)
    }  # fmt: skip
    assert stored == expected_stored
    assert result.entries == LedgerEntry.objects.count()
    assert result.total == sum(amount for rows in written.values() for _k, amount, _b in rows)


def test_a_streamed_close_that_fails_half_way_writes_nothing_and_lets_its_reader_go(on_postgres):
    seed_club(members=200, months=2, seed=3)
    last = add_months(current_period(), -1)
    before = _connections()
    real = close_service._entry_rows

    def failing(earners):
        for n, row in enumerate(real(earners)):
            if n == 50:
                raise RuntimeError("disk full")
            yield row

    with mock.patch.object(close_service, "_entry_rows", failing):
        # psycopg2 reports the failed read as the COPY's error, naming it.
        with pytest.raises(Exception, match="disk full"):
            services.month_close(period=last)
    assert not MonthClose.objects.exists() and not LedgerEntry.objects.exists()
    assert _connections() == before
    [result] = services.month_close(period=last)  # and the month still closes
    assert result.entries == LedgerEntry.objects.count() > 0
