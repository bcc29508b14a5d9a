"""Staff import a messy members file through the admin: upload, preview, confirm."""

import pytest

from bonuses.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Windows-1251, semicolons, Russian headers, a local phone form, the sponsor row last.
FILE = (
    "Номер;Фамилия;Имя;Телефон;Дата рождения;Пригласил\n"
    "K2;Ахметова;Дана;8 705 741 96 36;01.02.1990;K1\n"
    "K1;Сарсенов;Ерлан;+7 (705) 741-96-37;15.03.1985;\n"
).encode("cp1251")


def test_upload_preview_confirm(admin_login, screenshot, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    source = tmp_path / "клиенты.csv"
    source.write_bytes(FILE)
    page = admin_login()
    page.click("text=Import a spreadsheet")
    page.select_option("select[name=kind]", "members")
    page.set_input_files("input[name=file]", str(source))
    page.click("text=Check the file")
    page.wait_for_selector("#confirm-import")
    assert page.inner_text("#count-new") == "2"
    assert not Member.objects.exists()
    screenshot("admin-import-preview")
    page.click("#confirm-import button")
    page.wait_for_selector("#job-done")
    dana = Member.objects.get(external_id="K2")
    assert str(dana.phone) == "+77057419636"
    assert dana.sponsor.external_id == "K1"
