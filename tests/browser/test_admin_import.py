"""Staff import spreadsheets through the admin: upload, preview, confirm; a changed name
shown old → new with its warning; a file that cannot be imported shown as failed."""

import pytest

from bonuses.models import ImportJob, Member
from tests.factories import enroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Windows-1251, semicolons, Russian headers, a local phone form, the sponsor row last.
FILE = (
    "Номер;Фамилия;Имя;Телефон;Дата рождения;Пригласил\n"
    "K2;Ахметова;Дана;8 705 741 96 36;01.02.1990;K1\n"
    "K1;Сарсенов;Ерлан;+7 (705) 741-96-37;15.03.1985;\n"
).encode("cp1251")


def _upload(page, path):
    page.goto("/admin/import/")
    page.select_option("select[name=kind]", "members")
    page.set_input_files("input[name=file]", str(path))
    page.click("text=Check the file")


def test_upload_preview_confirm(admin_login, screenshot, tmp_path):
    source = tmp_path / "клиенты.csv"
    source.write_bytes(FILE)
    page = admin_login()
    page.click("text=Import a spreadsheet")
    _upload(page, source)
    page.wait_for_selector("#confirm-import")
    assert page.inner_text("#count-new") == "2"
    assert "Read as text in windows-1251" in page.inner_text("#job-source")
    assert not Member.objects.exists()
    screenshot("admin-import-preview")
    page.click("#confirm-import button")
    page.wait_for_selector("#job-done")
    dana = Member.objects.get(external_id="K2")
    assert str(dana.phone) == "+77057419636"
    assert dana.sponsor.external_id == "K1"


def test_a_changed_name_is_shown_old_to_new_with_its_warning(admin_login, screenshot, tmp_path):
    member = enroll(first_name="Дана", last_name="Сарсенова", phone="+77057419636")
    enroll(external_id="K7", first_name="Ерлан", last_name="Ким", address="Абая 1")
    source = tmp_path / "участники.csv"
    source.write_bytes(
        (
            "Номер;Фамилия;Имя;Телефон;Адрес\n"
            ";Ахметова;Дана;8 705 741 96 36;\n"
            "K7;Ким;Ерлан;;Абая 15\n"
        ).encode("cp1251")
    )
    page = admin_login()
    _upload(page, source)
    page.wait_for_selector("#import-warnings")
    warning = page.inner_text("#import-warnings")
    assert "Matched by phone: the name on file is “Сарсенова Дана”" in warning
    row = page.locator("#import-rows tr[data-row='2']")
    assert "Сарсенова → Ахметова" in row.inner_text().replace("\n", " ")
    assert "⚠" in row.inner_text()
    changed = page.locator("#import-rows tr[data-row='3']").inner_text().replace("\n", " ")
    assert "Абая 1 → Абая 15" in changed
    screenshot("admin-import-warning")

    page.click("#confirm-import button[type=submit]")  # without ticking the box
    page.wait_for_selector("#job-error")
    assert "tick the box" in page.inner_text("#job-error")
    member.refresh_from_db()
    assert member.last_name == "Сарсенова"
    page.check("input[name=confirm_warnings]")
    page.click("#confirm-import button[type=submit]")
    page.wait_for_selector("#job-done")
    member.refresh_from_db()
    assert member.last_name == "Ахметова"


def test_a_file_that_cannot_be_imported_shows_as_failed(admin_login, screenshot, tmp_path):
    source = tmp_path / "старый.xls.csv"
    source.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    page = admin_login()
    _upload(page, source)
    page.wait_for_selector("#job-failed")
    assert page.inner_text("#job-status").endswith("failed, nothing imported")
    assert "Excel 97–2003 workbook (.xls)" in page.inner_text("#file-error")
    assert page.locator("#recheck-import").count() == 0  # the same bytes would fail again
    screenshot("admin-import-failed")
    page.goto("/admin/import/")
    status = page.locator("#recent-imports td.job-status").first
    assert status.inner_text() == "failed, nothing imported"
    assert "text-red-600" in status.get_attribute("class")
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED
    screenshot("admin-import-recent")
