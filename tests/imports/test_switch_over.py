"""A club switching over from another programme (the 2018 one): opening balances carried
over once, referral codes kept, and the old link path still leading to the sign-up."""

from decimal import Decimal

import pytest
from django.db import transaction

from bonuses import services
from bonuses.imports.run import run_import
from bonuses.models import LedgerEntry, Member
from bonuses.selectors.balances import ledger_balance
from tests.factories import enroll

from .helpers import csv_bytes

pytestmark = pytest.mark.django_db
HEADER = ["external_id", "first_name", "sponsor", "opening_balance", "referral_code"]
PINAX_CODE = "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5kL7n"  # 40 characters, as pinax made them


def _file(*rows) -> bytes:
    return csv_bytes(list(rows), header=HEADER)


def _import(data, **kwargs):
    return run_import("members", data, "switch.csv", dry_run=False, **kwargs)


def test_opening_balances_are_credited_once_dated_at_the_import(admin_user):
    data = _file(["S1", "Sara", "", "150 000", PINAX_CODE], ["S2", "Bek", "S1", "2500,50", ""])
    outcome = run_import("members", data, "old.csv", dry_run=False, by=admin_user)
    assert outcome.written, outcome.errors
    sara, bek = Member.objects.get(external_id="S1"), Member.objects.get(external_id="S2")
    entry = LedgerEntry.objects.get(member=sara)
    assert (entry.kind, entry.amount, entry.period, entry.created_by) == (
        "opening",
        Decimal("150000.00"),
        None,
        admin_user,
    )
    assert entry.reason == "Opening balance carried over from old.csv"
    assert ledger_balance(bek.pk) == Decimal("2500.50")
    # Re-importing the same file changes nothing and credits nothing twice.
    again = _import(data)
    assert again.counts == {"new": 0, "updated": 0, "unchanged": 2, "error": 0}
    assert LedgerEntry.objects.count() == 2


def test_a_different_opening_balance_for_a_credited_member_is_refused_by_row():
    _import(_file(["S1", "Sara", "", "1000", ""]))
    outcome = _import(_file(["S1", "Sara", "", "2000", ""]))
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "opening_balance")]
    assert "already has an opening balance of 1\xa0000\xa0₸" in outcome.errors[0].message
    assert LedgerEntry.objects.get().amount == Decimal("1000.00")


def test_a_member_with_ledger_entries_gets_it_only_when_staff_confirm():
    member = enroll(external_id="S1", first_name="Sara")
    services.ledger_adjust(member=member, amount="300", reason="gift", by=None)
    data = _file(["S1", "Sara", "", "1000", ""])
    outcome = _import(data)
    assert outcome.ok and not outcome.written
    [warning] = outcome.warnings
    assert (warning.row, warning.column) == (2, "opening_balance")
    assert "already has 1 ledger entries (balance 300\xa0₸)" in warning.message
    assert ledger_balance(member.pk) == Decimal("300.00")
    assert _import(data, confirmed=True).written
    assert ledger_balance(member.pk) == Decimal("1300.00")


def test_the_database_refuses_a_second_opening_balance():
    member = enroll()
    services.ledger_open_balances(amounts={member.pk: Decimal("10")}, by=None)
    # COPY on PostgreSQL raises the driver's own IntegrityError; both name the constraint.
    with pytest.raises(Exception, match="ledger_one_opening_balance|UNIQUE"):
        with transaction.atomic():
            services.ledger_open_balances(amounts={member.pk: Decimal("10")}, by=None)
    with pytest.raises(Exception, match="more than zero"):
        services.ledger_open_balances(amounts={member.pk: Decimal("-5")}, by=None)


def test_bad_opening_balances_are_row_errors():
    outcome = _import(_file(["S1", "Sara", "", "-5", ""], ["S2", "Bek", "", "lots", ""]))
    assert [(e.row, e.column) for e in outcome.errors] == [
        (2, "opening_balance"),
        (3, "opening_balance"),
    ]
    assert not Member.objects.exists() and not LedgerEntry.objects.exists()


def test_referral_codes_are_kept_and_the_old_links_still_work(client):
    outcome = _import(_file(["S1", "Sara", "", "", PINAX_CODE], ["S2", "Bek", "S1", "", ""]))
    assert outcome.written
    sara = Member.objects.get(external_id="S1")
    assert sara.referral_code == PINAX_CODE
    assert len(Member.objects.get(external_id="S2").referral_code) == 11  # a new one
    old_link = client.get(f"/referrals/{PINAX_CODE}/?utm_source=vk")
    assert old_link.status_code == 301
    assert old_link["Location"] == f"/r/{PINAX_CODE}/?utm_source=vk"
    assert client.get(old_link["Location"], follow=True).redirect_chain[-1][0] == "/signup/"


def test_bad_or_taken_referral_codes_are_refused_by_row():
    Member.objects.filter(pk=enroll(external_id="X1", first_name="Taken").pk).update(
        referral_code="taken-code"
    )
    outcome = _import(
        _file(
            ["S1", "Sara", "", "", "has space"],
            ["S2", "Bek", "", "", "taken-code"],
            ["S3", "Ali", "", "", "twice"],
            ["S4", "Ana", "", "", "twice"],
            ["S5", "Oz", "", "", "x" * 41],
        )
    )
    assert [(e.row, e.column) for e in outcome.errors] == [
        (2, "referral_code"),
        (3, "referral_code"),
        (5, "referral_code"),
        (6, "referral_code"),
    ]
    messages = " ".join(e.message for e in outcome.errors)
    assert "“has space” is not a referral code" in messages
    assert "belongs to another member (Test Taken, X1)" in messages
    assert "already in row 4" in messages and "Too long: 41 characters" in messages
    assert Member.objects.count() == 1


def test_changing_an_existing_members_code_is_a_warning():
    Member.objects.filter(pk=enroll(external_id="S1", first_name="Sara").pk).update(
        referral_code="old-code"
    )
    outcome = _import(_file(["S1", "Sara", "", "", "new-code"]))
    assert [w.column for w in outcome.warnings] == ["referral_code"] and not outcome.written
    assert _import(_file(["S1", "Sara", "", "", "new-code"]), confirmed=True).written
    assert Member.objects.get().referral_code == "new-code"
