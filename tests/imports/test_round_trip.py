"""Exports read back: members and payments exported and imported into an empty database
reproduce the tree, the payments and the statements; the statements export agrees with
the statement selector."""

import csv
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from bonuses.imports.cells import parse_amount, parse_month
from bonuses.imports.reading import read_table
from bonuses.imports.run import run_import
from bonuses.models import LedgerEntry, Member, MonthClose, Payment
from bonuses.selectors import member_statement
from tests.bonuses.engine_helpers import MAY, NOW, pay, worked_example
from tests.factories import enroll

from .helpers import assert_tree_valid

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


def _club():
    tree = worked_example(MAY)
    extra = enroll(tree["a"], phone="+77051234567", email="x@x.kz")
    pay(extra, MAY, Decimal("12000"))
    other_root = enroll(external_id="R2")
    enroll(other_root, email="only@x.kz")
    for i, member in enumerate(Member.objects.order_by("path")):
        # A mix of the keys a file may name members by.
        if member.external_id or member.email or member.phone:
            continue
        if i % 3:
            member.external_id = f"C{i}"
        else:
            member.email = f"m{i}@x.kz"
        member.save()
    return tree


def _snapshot():
    def key(m):
        return m.external_id or m.email or str(m.phone)

    members = {m.pk: m for m in Member.objects.all()}
    tree = sorted(
        (key(m), key(members[m.sponsor_id]) if m.sponsor_id else "", m.first_name)
        for m in members.values()
    )
    payments = sorted(
        (key(p.member), p.period, p.amount, p.paid)
        for p in Payment.objects.select_related("member")
    )
    statements = sorted(
        (key(m), [tuple(line.__dict__.values()) for line in s.levels], s.referred_bonus)
        for m in members.values()
        for s in [member_statement(member=m, period=MAY)]
    )
    return tree, payments, statements


def _empty_database():
    LedgerEntry.objects.all().delete()
    MonthClose.objects.all().delete()
    Payment.objects.all().delete()
    Member.objects.update(sponsor=None)
    Member.objects.all().delete()


FORMATS = [(".csv", ","), (".csv", ";"), (".xlsx", None)]
FORMAT_IDS = ["csv-comma", "csv-semicolon", "xlsx"]


def _export(command: str, path, delimiter):
    call_command(command, str(path), *(["--delimiter", delimiter] if delimiter else []))


def _formula_like_names():
    """Names that begin like formulas (the public sign-up form lets anyone type them)."""
    for member, (first, last) in zip(
        Member.objects.order_by("path")[:4],
        [("=1+1", "@SUM(A1)"), ("+77011112233", "-Minus"), ("'quoted", "=A1*2"), ("'=x", "''")],
        strict=True,
    ):
        member.first_name, member.last_name = first, last
        member.save()


@pytest.mark.parametrize(("suffix", "delimiter"), FORMATS, ids=FORMAT_IDS)
def test_export_then_import_into_an_empty_database(tmp_path, suffix, delimiter):
    _club()
    _formula_like_names()
    before = _snapshot()
    members_file, payments_file = tmp_path / f"m{suffix}", tmp_path / f"p{suffix}"
    _export("export_members", members_file, delimiter)
    _export("export_payments", payments_file, delimiter)
    _empty_database()
    assert not Member.objects.exists()
    call_command("import_members", str(members_file))
    call_command("import_payments", str(payments_file))
    assert _snapshot() == before
    assert_tree_valid()


@pytest.mark.parametrize(("suffix", "delimiter"), FORMATS, ids=FORMAT_IDS)
def test_export_then_import_back_changes_nothing(tmp_path, suffix, delimiter):
    from bonuses import services

    _club()
    _formula_like_names()
    services.month_close(period=MAY)
    member = Member.objects.order_by("path").first()
    services.ledger_adjust(member=member, amount="-10", reason="=HYPERLINK(x)", by=None)
    services.ledger_adjust(member=member, amount="1500.50", reason="+bonus", by=None)
    for command, kind in (("export_members", "members"), ("export_payments", "payments")):
        path = tmp_path / f"{kind}{suffix}"
        _export(command, path, delimiter)
        outcome = run_import(kind, path.read_bytes(), path.name, dry_run=True)
        assert outcome.ok, outcome.errors
        counts = outcome.counts
        assert counts["unchanged"] == sum(counts.values()) > 0, (kind, counts)

    # The ledger is not imported; read back, every value is the one in the database.
    path = tmp_path / f"ledger{suffix}"
    _export("export_ledger", path, delimiter)
    aliases = {c: [] for c in ("id", "member", "kind", "period", "amount", "reason", "created_at")}
    table = read_table(path.read_bytes(), path.name, aliases, required={"id"})
    read = {
        int(row["id"]): (
            parse_amount(str(row["amount"])) if not str(row["amount"]).startswith("-")
            else -parse_amount(str(row["amount"])[1:]),
            parse_month(row["period"]) if row["period"] else None,
            row["reason"],
            row["created_at"] if isinstance(row["created_at"], datetime)
            else datetime.fromisoformat(row["created_at"]),
        )
        for _line, row in table.rows
    }  # fmt: skip
    stored = {
        e.pk: (
            e.amount,
            e.period,
            e.reason,
            timezone.localtime(e.created_at).replace(tzinfo=None, microsecond=0),
        )
        for e in LedgerEntry.objects.all()
    }
    assert read == stored
    assert {"=HYPERLINK(x)", "+bonus"} <= {r[2] for r in read.values()}


def test_members_export_has_level_downline_and_referral_link(tmp_path, settings):
    settings.SITE_URL = "http://club.test/"
    tree = _club()
    path = tmp_path / "m.csv"
    call_command("export_members", str(path))
    rows = {r["first_name"]: r for r in csv.DictReader(path.open(encoding="utf-8-sig"))}
    a = rows[tree["a"].first_name]
    assert a["level"] == "3"
    assert a["downline"] == "6"  # b1, b2, c, d1, d2 and the extra member
    assert a["referral_link"] == f"http://club.test/r/{tree['a'].referral_code}/"
    tree["member"].refresh_from_db()
    assert a["sponsor"] == (tree["member"].external_id or tree["member"].email)


def test_statements_export_matches_the_selector(tmp_path, django_assert_max_num_queries):
    _club()
    path = tmp_path / "s.csv"
    with django_assert_max_num_queries(12):
        call_command("export_statements", "--month", "2026-05", str(path))
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert len(rows) == Member.objects.count()
    by_key = {r["member"]: r for r in rows}
    for member in Member.objects.all():
        key = member.external_id or member.email or str(member.phone)
        row = by_key[key]
        statement = member_statement(member=member, period=MAY)
        for line in statement.levels:
            assert int(row[f"level_{line.level}_followers"]) == line.followers
            assert int(row[f"level_{line.level}_active"]) == line.active
            assert Decimal(row[f"level_{line.level}_earned"]) == line.earned
        assert Decimal(row["referred_bonus"]) == statement.referred_bonus
        assert Decimal(row["total"]) == statement.month_total
        assert row["active"] == ("yes" if statement.active else "no")


def test_ledger_export(tmp_path):
    from bonuses import services

    _club()
    services.month_close(period=MAY)
    path = tmp_path / "l.xlsx"
    call_command("export_ledger", str(path))
    from openpyxl import load_workbook

    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header == ["id", "member", "kind", "period", "amount", "reason", "created_at"]
    assert sheet.max_row - 1 == LedgerEntry.objects.count() > 0
