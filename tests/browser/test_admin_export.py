"""Staff download a members CSV for a Russian Excel from the export page."""

import pytest

from tests.factories import enroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_members_csv_for_a_russian_excel(admin_login, screenshot):
    enroll(external_id="A1", first_name="=Дана", last_name="Ли", phone="+77011112233")
    page = admin_login()
    page.goto("/admin/export/")
    page.select_option("select[name=what]", "members")
    page.select_option("select[name=format]", "csv")
    page.select_option("select[name=delimiter]", ";")
    screenshot("admin-export")
    with page.expect_download() as download:
        page.click("#export-form button[type=submit]")
    raw = open(download.value.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, row = raw.decode("utf-8-sig").splitlines()[:2]
    assert header.startswith("external_id;username;first_name;last_name")
    assert row.startswith("A1;;'=Дана;Ли;;;'+77011112233;")
