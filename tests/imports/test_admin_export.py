"""The admin's export page downloads the same files the export commands write, and
an exported members file imports back."""

import csv
import io

import pytest
from django.contrib.auth.models import Group

from bonuses import services
from bonuses.imports.run import run_import
from core.periods import current_period
from tests.factories import enroll

pytestmark = pytest.mark.django_db


def download(client, **data) -> tuple[str, bytes]:
    response = client.post("/admin/export/", {"format": "csv", "month": "", **data})
    assert response.status_code == 200, response.content[:500]
    body = b"".join(response.streaming_content)
    return response["Content-Disposition"], body


def test_members_export_names_the_sponsor_and_imports_back(admin_client):
    root = enroll(external_id="R1", first_name="Aida", email="aida@x.test")
    enroll(sponsor=root, external_id="C1", first_name="Bota")
    disposition, body = download(admin_client, what="members")
    assert 'filename="bonusdesk-members.csv"' in disposition
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    child = next(r for r in rows if r["external_id"] == "C1")
    assert child["sponsor"] == "R1"
    outcome = run_import("members", body, "members.csv", dry_run=True)
    assert outcome.ok and outcome.counts["unchanged"] == 2


def test_statements_export_for_a_month(admin_client):
    root = enroll(external_id="R1", first_name="Aida")
    child = enroll(sponsor=root, external_id="C1", first_name="Bota")
    services.payment_mark_paid(member=child, period=current_period())
    disposition, body = download(admin_client, what="statements")
    assert "bonusdesk-statements-" in disposition
    assert "R1" in body.decode("utf-8-sig")


def test_bad_month_is_refused_on_the_field(admin_client):
    response = admin_client.post(
        "/admin/export/", {"what": "statements", "month": "March", "format": "csv"}
    )
    assert "is not a month" in response.content.decode()


def test_front_desk_exports_members_but_not_the_ledger(client, django_user_model):
    desk = django_user_model.objects.create_user("desk3", password="pw", is_staff=True)
    desk.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(desk)
    page = client.get("/admin/export/").content.decode()
    assert 'value="members"' in page and 'value="ledger"' not in page
    response = client.post("/admin/export/", {"what": "ledger", "format": "csv"})
    assert "Select a valid choice" in response.content.decode()
    plain = django_user_model.objects.create_user("plain2", password="pw", is_staff=True)
    client.force_login(plain)
    assert client.get("/admin/export/").status_code == 403
