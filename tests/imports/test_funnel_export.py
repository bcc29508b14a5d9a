"""The referral funnel export: the other exports' writers (typed XLSX, CSV with a BOM and
the language's delimiter, formula-like text neutralised), from the admin and a command."""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from bonuses.models import ReferralVisit
from bonuses.services.payments import payment_set
from tests.bonuses.engine_helpers import JUNE, MAY, NOW
from tests.factories import enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def funnel_club():
    sponsor = enroll(first_name="=HYPERLINK(1)", last_name="Ким", external_id="S1")
    ReferralVisit.objects.create(member=sponsor, day=date(2026, 6, 2), opened=4)
    ReferralVisit.objects.create(member=sponsor, day=date(2026, 5, 9), opened=6)
    friend = enroll(sponsor, first_name="Friend", external_id="F1", joined_on=date(2026, 6, 3))
    payment_set(member=friend, period=JUNE, paid=True, amount=15000)
    enroll(sponsor, first_name="Other", external_id="F2", joined_on=date(2026, 5, 20))
    return sponsor


def test_xlsx_cells_are_typed_and_text_stays_text(funnel_club, tmp_path):
    path = tmp_path / "funnel.xlsx"
    call_command("export_funnel", str(path), stdout=io.StringIO())
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header == ["member", "name", "month", "opened", "signed_up", "paid_first_month"]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert [(r["member"].value, r["month"].value.date(), r["opened"].value, r["signed_up"].value,
             r["paid_first_month"].value) for r in rows] == [
        ("S1", MAY, 6, 1, 0),
        ("S1", JUNE, 4, 1, 1),
    ]  # fmt: skip
    name = rows[0]["name"]
    assert name.value == "=HYPERLINK(1) Ким" and name.data_type == "s"
    assert rows[0]["opened"].data_type == "n" and rows[0]["month"].number_format == "yyyy-mm"


def test_csv_has_a_bom_the_russian_delimiter_and_no_live_formula(funnel_club, tmp_path):
    path = tmp_path / "funnel.csv"
    call_command("export_funnel", str(path), "--delimiter", ";", stdout=io.StringIO())
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["member", "name", "month", "opened", "signed_up", "paid_first_month"]
    assert rows[2] == ["S1", "'=HYPERLINK(1) Ким", "2026-06", "4", "1", "1"]


@pytest.mark.parametrize("role", ["desk", "admin"])
def test_both_roles_export_the_funnel_from_the_export_page(
    role, funnel_club, client, desk_user, admin_user
):
    client.force_login(desk_user if role == "desk" else admin_user)
    page = client.get(reverse("admin:export")).content.decode()
    assert 'value="funnel"' in page
    response = client.post(
        reverse("admin:export"), {"what": "funnel", "format": "csv", "delimiter": ","}
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "S1,'=HYPERLINK(1) Ким,2026-06,4,1,1" in body
