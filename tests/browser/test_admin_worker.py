"""The worker's heartbeat as staff see it: the dashboard's first line, and an import whose
worker died, failed at once with nothing written, checked again and imported."""

import pytest

from bonuses.models import ImportJob, Member
from tests.imports.test_lost_jobs import die_while_writing

from .test_admin_import import FILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_says_the_worker_is_not_running(admin_login, screenshot):
    page = admin_login()
    warning = page.locator("#worker-state[data-running='0']")
    assert "The worker is not running" in warning.inner_text()
    screenshot("admin-dashboard-worker-down", full_page=False)


def test_dashboard_shows_the_workers_heartbeat(admin_login, screenshot, live_cluster):
    page = admin_login()
    line = page.locator("#worker-state[data-running='1']").inner_text()
    assert f"1 cluster on {live_cluster.host}, worker processes: 1" in line
    screenshot("admin-dashboard-worker-running", full_page=False)


def test_an_import_whose_worker_died_is_checked_again_and_imported(
    admin_login, screenshot, tmp_path, settings, live_cluster
):
    settings.IMPORT_BACKGROUND_BYTES = 10  # the (synchronous) worker's path
    source = tmp_path / "members.csv"
    source.write_bytes(FILE)
    page = admin_login()
    page.goto("/admin/import/")
    page.select_option("select[name=kind]", "members")
    page.set_input_files("input[name=file]", str(source))
    page.click("text=Check the file")
    page.wait_for_selector("#confirm-import")
    job = ImportJob.objects.get()
    die_while_writing(job, live_cluster)
    page.goto(f"/admin/import/{job.pk}/")
    assert "Nothing was written" in page.inner_text("#file-error")
    screenshot("admin-import-worker-stopped", full_page=False)
    page.click("#recheck-import button")
    page.wait_for_selector("#confirm-import")
    page.click("#confirm-import button")
    page.wait_for_selector("#job-done")
    assert Member.objects.count() == 2
