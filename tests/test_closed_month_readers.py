"""A closed month has one answer: every reader agrees with the ledger after the tree moves.

The issue's case: A -> B -> C all paid in May, May closed (A credited 1 500 + 750), then C
moved elsewhere. A late payment for May (E, under B) posts corrections afterwards. Every
reader (member_statement, the statement command and its JSON, export_statements, the
admin's member page and lookup, the member page's history, the dashboard) must show May
as the close wrote it, plus the corrections, and agree with the ledger to the cent.
Runs on SQLite and, with DATABASE_URL, on PostgreSQL.
"""

import csv
import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse

from bonuses import services
from bonuses.models import LedgerEntry, Member
from bonuses.selectors import member_statement
from bonuses.selectors.club import club_figures
from tests.bonuses.engine_helpers import APRIL, MAY, NOW, pay
from tests.factories import enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)
    cache.clear()
    yield
    cache.clear()


def ledger_for(member: Member) -> Decimal:
    total = LedgerEntry.objects.filter(member=member, period=MAY).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0.00")


def amount_in(text: str) -> Decimal:
    """`2 250 ₸` or `2 250,00 ₸` as a Decimal."""
    digits = re.sub(r"[^\d,.\-−]", "", text.replace("\xa0", " ")).replace(",", ".")
    return Decimal(digits.replace("−", "-"))


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, f"no #{element_id}"
    return match.group(1)


@pytest.fixture
def moved_after_close(django_capture_on_commit_callbacks):
    a = enroll(external_id="A", first_name="Ann")
    b = enroll(a, external_id="B", first_name="Bob")
    c = enroll(b, external_id="C", first_name="Cid")
    e = enroll(b, external_id="E", first_name="Eve")  # unpaid at close
    # A member since April with nothing in May: their May statement is all zeros.
    d = enroll(external_id="D", first_name="Dan", joined_on=APRIL)
    for member in (a, b, c):
        pay(member, MAY)
    with django_capture_on_commit_callbacks(execute=True):
        services.month_close(period=MAY)
    assert ledger_for(a) == Decimal("2250.00")  # 1 500 from B, 750 from C
    services.member_change_sponsor(member=c, sponsor=d)
    with django_capture_on_commit_callbacks(execute=True):
        pay(e, MAY)  # late: corrections for E (referred), B (level 1) and A (level 2)
    members = {m.external_id: m for m in Member.objects.all()}
    assert ledger_for(members["A"]) == Decimal("3000.00")
    return members


def test_member_statement_is_the_close_plus_its_corrections(moved_after_close):
    a = moved_after_close["A"]
    statement = member_statement(member=a, period=MAY)
    assert statement.closed
    # As closed: B at level 1, C and E at level 2 (C active, E not yet).
    assert [(x.followers, x.active, x.earned) for x in statement.levels[:2]] == [
        (1, 1, Decimal("1500.00")),
        (2, 1, Decimal("750.00")),
    ]
    assert statement.month_total == Decimal("2250.00")
    assert [c.amount for c in statement.corrections] == [Decimal("750.00")]
    assert statement.corrections[0].created_at.date().isoformat() == "2026-06-15"
    for member in moved_after_close.values():
        assert member_statement(member=member, period=MAY).ledger_total == ledger_for(member)


def test_statement_command_json(moved_after_close):
    for key, member in moved_after_close.items():
        out = StringIO()
        call_command("statement", key, "--month", "2026-05", "--json", stdout=out)
        data = json.loads(out.getvalue())
        assert data["closed"] is True
        corrections = sum((Decimal(c["amount"]) for c in data["corrections"]), Decimal(0))
        assert Decimal(data["month_total"]) + corrections == ledger_for(member), key
        assert Decimal(data["ledger_total"]) == ledger_for(member)
    out = StringIO()
    call_command("statement", "A", "--month", "2026-05", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["levels"][1] == {"level": 2, "followers": 2, "active": 1, "earned": "750.00"}
    assert data["corrections"][0]["date"] == "2026-06-15"
    out = StringIO()
    call_command("statement", "A", "--json", stdout=out)  # June: open, live
    assert json.loads(out.getvalue())["closed"] is False


def test_export_statements(moved_after_close, tmp_path):
    path = tmp_path / "s.csv"
    call_command("export_statements", "--month", "2026-05", "--delimiter", ",", str(path))
    rows = {r["member"]: r for r in csv.DictReader(path.read_text("utf-8-sig").splitlines())}
    assert rows["A"]["level_2_followers"] == "2" and rows["A"]["level_2_earned"] == "750.00"
    for key, member in moved_after_close.items():
        row = rows[key]
        assert row["closed"] == "yes"
        assert Decimal(row["total"]) + Decimal(row["corrections"]) == ledger_for(member), key


def test_admin_member_page_and_lookup(moved_after_close, admin_client):
    for member in moved_after_close.values():
        url = reverse("admin:bonuses_member_lookup")
        page = admin_client.get(url, {"member": member.pk, "month": "2026-05"}).content.decode()
        shown = amount_in(text_of(page, "statement-total"))
        if ledger_for(member) != shown:  # corrections since the close: shown as such
            shown = amount_in(text_of(page, "statement-ledger-total"))
        assert shown == ledger_for(member)
        page = admin_client.get(
            reverse("admin:bonuses_member_change", args=[member.pk])
        ).content.decode()
        may = re.search(r'data-period="2026-05">(.*?)</tr>', page, re.S).group(1)
        earned = re.findall(r'<td class="py-2 text-right">([^<]*)</td>', may)[0]
        assert amount_in(earned) == ledger_for(member)


def test_member_page_history(moved_after_close, client):
    for member in moved_after_close.values():
        login = get_user_model().objects.create_user(f"u{member.pk}", password="pw-long-enough-1")
        member.user = login
        member.save(update_fields=["user"])
        client.force_login(login)
        page = client.get("/me/", {"month": "2026-05"}).content.decode()
        may = re.search(r'<tr data-period="2026-05">(.*?)</tr>', page, re.S).group(1)
        assert amount_in(re.findall(r"<td>([^<]*)</td>", may)[-1]) == ledger_for(member)
        assert 'id="month-statement" data-closed="true"' in page
        total_id = "month-statement-ledger" if "month-statement-ledger" in page else None
        shown = amount_in(text_of(page, total_id or "month-statement-total"))
        assert shown == ledger_for(member)


def test_dashboard(moved_after_close):
    figures = club_figures()
    may = figures.months[-2]
    assert may.closed
    total = LedgerEntry.objects.filter(period=MAY).aggregate(s=Sum("amount"))["s"]
    assert may.bonuses == total
    assert figures.outstanding == total
