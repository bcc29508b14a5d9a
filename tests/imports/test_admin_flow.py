"""The admin's import pages: upload, preview (statuses and errors by row and column),
confirm, and a large file through the django-q2 worker (sync in tests)."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from bonuses.models import ImportJob, Member, Payment
from tests.factories import enroll

from .helpers import csv_bytes, member_row

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, *, kind="members", name="members.csv"):
    return client.post(
        "/admin/import/", {"kind": kind, "file": SimpleUploadedFile(name, data)}, follow=True
    )


def clean_file() -> bytes:
    # The sponsor (A1) comes after the member it sponsors.
    return csv_bytes(
        [member_row("A2", "Bota", sponsor="A1"), member_row("A1", "Aida", last_name="Sari")]
    )


def test_upload_shows_a_preview_and_writes_nothing(admin_client):
    response = upload(admin_client, clean_file())
    page = response.content.decode()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKED
    assert response.redirect_chain[-1][0] == f"/admin/import/{job.pk}/"
    assert re.search(r'id="count-new"[^>]*>2<', page)
    assert 'id="confirm-import"' in page
    assert not Member.objects.exists()
    assert job.file.read() == clean_file()  # kept in the private shared storage


def test_confirm_writes_the_whole_file_once(admin_client, admin_user):
    upload(admin_client, clean_file())
    job = ImportJob.objects.get()
    response = admin_client.post(f"/admin/import/{job.pk}/", follow=True)
    assert "The whole file is imported." in response.content.decode()
    aida, bota = Member.objects.get(external_id="A1"), Member.objects.get(external_id="A2")
    assert bota.sponsor == aida and bota.path.startswith(aida.path)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.result["counts"]["new"] == 2
    # A second click (or a second staff member) imports nothing more.
    response = admin_client.post(f"/admin/import/{job.pk}/")
    assert "Only a checked file without errors can be imported." in response.content.decode()
    assert Member.objects.count() == 2


def test_errors_are_listed_by_row_and_column_and_nothing_can_be_confirmed(admin_client):
    data = csv_bytes(
        [
            member_row("A1", "Aida", phone="12"),
            member_row("A2", "Bota", sponsor="NOBODY"),
            member_row("A3", "Cara", birth_date="31.02.2001"),
        ]
    )
    page = upload(admin_client, data).content.decode()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED
    errors = {(e["row"], e["column"]) for e in job.result["errors"]}
    assert {(2, "phone"), (3, "sponsor"), (4, "birth_date")} <= errors
    assert 'id="import-errors"' in page and "NOBODY" in page
    assert 'id="confirm-import"' not in page and 'id="job-refused"' in page
    response = admin_client.post(f"/admin/import/{job.pk}/")
    assert "Only a checked file without errors can be imported." in response.content.decode()
    assert not Member.objects.exists()
    # The list of recent imports says so too, never "waiting for confirmation".
    listing = admin_client.get("/admin/import/").content.decode()
    assert 'data-status="refused">refused: the file has errors<' in listing
    assert "waiting for confirmation" not in listing


def test_a_file_of_another_kind_is_refused_on_the_field_or_fails_with_a_reason(admin_client):
    response = upload(admin_client, b"%PDF-1.4", name="members.pdf")
    assert "Upload a spreadsheet: .xlsx, or .csv / .txt saved from Excel." in (
        response.content.decode()
    )
    assert not ImportJob.objects.exists()
    old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    page = upload(admin_client, old_excel, name="m.csv").content.decode()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert "Excel 97–2003 workbook (.xls)" in page
    listing = admin_client.get("/admin/import/").content.decode()
    assert 'data-status="failed">failed, nothing imported<' in listing


def test_a_cell_longer_than_the_csv_limit_is_a_row_error_not_a_stuck_job(admin_client):
    data = csv_bytes(
        [member_row("A1", "Aida"), member_row("A2", "B" * 200_000), member_row("A3", "Cara")]
    )
    upload(admin_client, data)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED
    [error] = job.result["errors"]
    assert (error["row"], error["column"]) == (3, "first_name")
    assert "longer than the 131 072 characters" in error["message"]
    assert job.result["counts"] == {"new": 2, "updated": 0, "unchanged": 0, "error": 1}


def _row(page: str, number: int) -> str:
    return re.search(rf'<tr[^>]*data-row="{number}".*?</tr>', page, re.S)[0]


def test_the_preview_shows_each_change_old_to_new(admin_client):
    enroll(external_id="A1", first_name="Aida", last_name="Sari", address="Abay 1")
    data = csv_bytes([member_row("A1", "Aida", last_name="Sari", address="Abay 2")])
    page = upload(admin_client, data).content.decode()
    row = _row(page, 2)
    assert "address:" in row and "Abay 1" in row and "→" in row and "Abay 2" in row
    assert 'id="confirm-warnings"' not in page  # a change by club number needs no warning


def test_a_name_changed_on_a_match_by_phone_is_a_warning_to_confirm(admin_client):
    member = enroll(first_name="Aida", last_name="Sari", phone="+77011112233")
    data = csv_bytes([member_row("", "Dana", last_name="Kim", phone="87011112233")])
    page = upload(admin_client, data).content.decode()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKED
    [warning] = job.result["warnings"]
    assert warning["message"].startswith("Matched by phone: the name on file is “Sari Aida”")
    assert 'id="import-warnings"' in page and 'name="confirm_warnings"' in page
    row = _row(page, 2)
    assert "Sari" in row and "Kim" in row and "⚠" in row
    # Not without the tick.
    page = admin_client.post(f"/admin/import/{job.pk}/").content.decode()
    assert "tick the box to confirm them" in page
    member.refresh_from_db()
    assert member.first_name == "Aida"
    admin_client.post(f"/admin/import/{job.pk}/", {"confirm_warnings": "on"})
    member.refresh_from_db()
    assert (member.first_name, member.last_name) == ("Dana", "Kim")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.result["confirmed"] == [warning]


def test_the_payments_preview_shows_member_names(admin_client):
    enroll(external_id="P1", first_name="Aida", last_name="Sari")
    data = csv_bytes([["P1", "2026-05", "", "yes"]], header=["member", "month", "amount", "paid"])
    page = upload(admin_client, data, kind="payments", name="p.csv").content.decode()
    row = _row(page, 2)
    assert "Sari Aida" in row and "P1 · 2026-05" in row


def test_payments_import_through_the_admin(admin_client):
    member = enroll(external_id="P1")
    data = csv_bytes(
        [["P1", "2026-05", "15000", "yes"]], header=["member", "month", "amount", "paid"]
    )
    upload(admin_client, data, kind="payments", name="payments.csv")
    job = ImportJob.objects.get()
    assert job.result["counts"]["new"] == 1
    admin_client.post(f"/admin/import/{job.pk}/")
    payment = Payment.objects.get(member=member)
    assert payment.paid and str(payment.period) == "2026-05-01"


def test_large_files_run_on_the_worker_and_report_progress(admin_client, settings):
    settings.IMPORT_BACKGROUND_BYTES = 10  # every file counts as large
    upload(admin_client, clean_file())
    job = ImportJob.objects.get()
    status = admin_client.get(f"/admin/import/{job.pk}/status/").json()
    assert status == {
        "status": "checked",
        "label": str(ImportJob.Status.CHECKED.label),
        "rows_done": 2,
        "finished": True,
        "waits_for_worker": False,
    }
    admin_client.post(f"/admin/import/{job.pk}/")
    assert admin_client.get(f"/admin/import/{job.pk}/status/").json()["status"] == "done"
    assert Member.objects.count() == 2


def test_front_desk_may_import_and_others_may_not(client, django_user_model):
    desk = django_user_model.objects.create_user("desk2", password="pw", is_staff=True)
    desk.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(desk)
    assert client.get("/admin/import/").status_code == 200
    assert upload(client, clean_file()).status_code == 200
    assert ImportJob.objects.count() == 1

    plain = django_user_model.objects.create_user("plain", password="pw", is_staff=True)
    client.force_login(plain)
    assert client.get("/admin/import/").status_code == 403
    job = ImportJob.objects.get()
    assert client.get(f"/admin/import/{job.pk}/").status_code == 403
    assert client.get(f"/admin/import/{job.pk}/status/").status_code == 403
    client.logout()
    assert client.get("/admin/import/").status_code == 302  # to the login page


def test_import_pages_use_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    upload(admin_client, clean_file())
    job = ImportJob.objects.get()
    with django_assert_max_num_queries(12):
        admin_client.get("/admin/import/")
    with django_assert_max_num_queries(12):
        admin_client.get(f"/admin/import/{job.pk}/")


def test_a_closed_months_payment_in_the_preview_says_which_corrections_it_posts(
    admin_client, time_machine
):
    from datetime import date

    from bonuses import services
    from bonuses.models import LedgerEntry

    time_machine.move_to("2026-06-15 12:00:00+06:00", tick=False)
    sponsor = enroll(external_id="S1", first_name="Dana", last_name="Sari")
    enroll(sponsor, external_id="P1", first_name="Aida", last_name="Kim")
    services.month_close(period=date(2026, 4, 1))
    data = csv_bytes([["P1", "2026-04", "", "yes"]], header=["member", "month", "amount", "paid"])
    page = upload(admin_client, data, kind="payments", name="p.csv").content.decode()
    job = ImportJob.objects.get()
    [warning] = job.result["warnings"]
    assert warning["message"].startswith("April 2026 is closed: this row posts corrections")
    assert "Sari Dana 1\xa0500\xa0₸ (level 1)" in warning["message"]
    assert 'id="import-warnings"' in page
    admin_client.post(f"/admin/import/{job.pk}/")  # without the tick: nothing is posted
    assert not Payment.objects.exists() and not LedgerEntry.objects.exists()
    admin_client.post(f"/admin/import/{job.pk}/", {"confirm_warnings": "on"})
    assert LedgerEntry.objects.filter(kind="correction", member=sponsor).get().amount == 1500
