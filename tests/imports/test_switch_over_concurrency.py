"""Two staff members importing the same switch-over file at once on PostgreSQL: the
opening balance is credited once."""

from decimal import Decimal

import pytest

from bonuses.imports.run import run_import
from bonuses.models import LedgerEntry
from tests.bonuses.test_concurrency import run_together
from tests.factories import enroll

from .helpers import csv_bytes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_imports_credit_an_opening_balance_once(on_postgres):
    members = [enroll(external_id=f"S{i}", first_name=f"Sara{i}") for i in range(20)]
    data = csv_bytes(
        [[m.external_id, m.first_name, "1000"] for m in members],
        header=["external_id", "first_name", "opening_balance"],
    )
    errors = run_together(4, lambda i: run_import("members", data, "old.csv", dry_run=False))
    assert len(errors) <= 3  # the writes that lost the race fail whole, never half
    openings = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.OPENING)
    assert openings.count() == 20
    assert {e.amount for e in openings} == {Decimal("1000.00")}
