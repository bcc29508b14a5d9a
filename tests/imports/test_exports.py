"""Exports Excel can trust: no live formula, typed XLSX cells, the club's time zone, CSV
in UTF-8 with a BOM and the separator the user's Excel expects."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from bonuses import services
from bonuses.imports.formulas import neutralise, restore
from bonuses.models import LedgerEntry
from tests.bonuses.engine_helpers import MAY, NOW, pay
from tests.factories import enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+77011112233", "-5", "@SUM(A1)", "\tx", "\rx", "'", "'=x", "''", "plain", "", "a=b"],
)
def test_neutralised_cells_read_back_to_the_original(text):
    safe = neutralise(text)
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert restore(safe) == text


def _sheet(path):
    return load_workbook(path).active


def _cells(sheet) -> dict:
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


def test_xlsx_numbers_dates_and_times_are_typed(tmp_path, settings):
    settings.TIME_ZONE = "Asia/Almaty"
    member = enroll(
        external_id="007", first_name="=cmd", last_name="Ли", birth_date=date(1990, 3, 5)
    )
    pay(member, MAY, Decimal("15000.5"))
    services.ledger_adjust(member=member, amount="250.50", reason="@gift", by=None)
    for command in ("export_members", "export_payments", "export_ledger"):
        call_command(command, str(tmp_path / f"{command}.xlsx"))

    [row] = _cells(_sheet(tmp_path / "export_members.xlsx"))
    assert (row["external_id"].value, row["external_id"].data_type) == ("007", "s")
    assert (row["first_name"].value, row["first_name"].data_type) == ("=cmd", "s")
    assert row["birth_date"].is_date and row["birth_date"].value == datetime(1990, 3, 5)
    assert row["birth_date"].number_format == "dd.mm.yyyy"
    assert (row["level"].value, row["level"].data_type) == (1, "n")

    [row] = _cells(_sheet(tmp_path / "export_payments.xlsx"))
    assert row["month"].is_date and row["month"].number_format == "yyyy-mm"
    assert row["amount"].value == 15000.5 and row["amount"].number_format == "#,##0.00"

    [row] = _cells(_sheet(tmp_path / "export_ledger.xlsx"))
    entry = LedgerEntry.objects.get()
    assert (row["reason"].value, row["reason"].data_type) == ("@gift", "s")
    assert row["amount"].value == 250.5 and row["id"].value == entry.pk
    # Club time (Almaty's wall clock, hours ahead of UTC), with no time zone in the cell.
    almaty = entry.created_at.astimezone(ZoneInfo("Asia/Almaty")).replace(tzinfo=None)
    utc = entry.created_at.astimezone(UTC).replace(tzinfo=None)
    assert row["created_at"].value == almaty != utc


def test_statements_xlsx_counts_are_integers_and_amounts_numbers(tmp_path):
    root = enroll(external_id="R1")
    child = enroll(root, external_id="C1")
    pay(child, MAY, Decimal("15000"))
    call_command("export_statements", "--month", "2026-05", str(tmp_path / "s.xlsx"))
    rows = {r["member"].value: r for r in _cells(_sheet(tmp_path / "s.xlsx"))}
    assert rows["R1"]["level_1_active"].value == 1 and rows["R1"]["level_1_active"].data_type == "n"
    assert rows["R1"]["level_1_earned"].value == 1500 and rows["R1"]["total"].data_type == "n"


def test_csv_has_a_bom_and_the_separator_of_the_language(tmp_path):
    member = enroll(external_id="A1", first_name="+Ann", last_name="-Lee")
    pay(member, MAY, Decimal("15000.5"))
    call_command("export_payments", str(tmp_path / "en.csv"))
    raw = (tmp_path / "en.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines() == [
        "member,month,amount,paid",
        "A1,2026-05,15000.50,yes",
    ]
    with translation.override("ru"):
        call_command("export_payments", str(tmp_path / "ru.csv"))
    assert (tmp_path / "ru.csv").read_text(encoding="utf-8-sig").splitlines()[1] == (
        "A1;2026-05;15000,50;yes"
    )
    call_command("export_members", str(tmp_path / "m.csv"), "--delimiter", "tab")
    text = (tmp_path / "m.csv").read_text("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter="\t"))
    assert (rows[0]["first_name"], rows[0]["last_name"]) == ("'+Ann", "'-Lee")


def test_the_export_page_offers_the_separator_and_defaults_to_the_language(admin_client):
    enroll(external_id="A1", first_name="=Ann")
    page = admin_client.get("/admin/export/").content.decode()
    assert 'name="delimiter"' in page and '<option value="," selected>' in page
    response = admin_client.post(
        "/admin/export/", {"what": "members", "format": "csv", "delimiter": ";", "month": ""}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.startswith("external_id;username;first_name") and ";'=Ann;" in text
    with translation.override("ru"):
        page = admin_client.get("/admin/export/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<option value=";" selected>' in page


def test_the_admin_ledger_export_never_hands_excel_a_formula(admin_client, admin_user):
    member = enroll(first_name="Ann", last_name="=HYPERLINK(1)")
    services.ledger_adjust(member=member, amount="250.50", reason="+gift", by=admin_user)
    url = reverse("admin:bonuses_ledgerentry_export")
    fields = {"resource": "0", "ledgerentry_id": "on", "ledgerentry_member_name": "on"}
    fields.update({"ledgerentry_reason": "on", "ledgerentry_amount": "on"})
    fields.update({"ledgerentry_created_at": "on"})
    csv_text = admin_client.post(url, {**fields, "format": "0"}).content.decode("utf-8-sig")
    assert ",'=HYPERLINK(1) Ann," in csv_text and ",'+gift," in csv_text
    response = admin_client.post(url, {**fields, "format": "1"})
    book = load_workbook(io.BytesIO(response.content))
    cells = [c for row in book.active.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert {"=HYPERLINK(1) Ann", "+gift"} <= {c.value for c in cells}
    assert any(c.value == 250.5 and c.data_type == "n" for c in cells)
