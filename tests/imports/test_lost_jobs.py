"""A background import whose worker died is failed within seconds, not after the stale
timeout: its step's claim (core.worker) is held by a process that no live cluster lists.
Nothing was written; the file is checked again and imported. And a job queued with no
worker running says so at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bonuses.models import ImportJob, Member
from core.models import TaskClaim

from .test_admin_flow import clean_file, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_the_worker(settings):
    settings.IMPORT_BACKGROUND_BYTES = 10  # every file goes through the (sync) worker


def die_while_writing(job, live_cluster):
    """What a worker killed in the middle of the write leaves: the job importing (its
    heartbeat fresh), the write's claim by a process that no longer runs, and (the
    transaction rolled back) no rows."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.IMPORTING, heartbeat_at=timezone.now()
    )
    TaskClaim.objects.create(
        task_id="w1",
        name=f"import #{job.pk}",
        host=live_cluster.host,
        pid=live_cluster.workers[0] + 1,
        started_at=timezone.now() - timedelta(minutes=2),
    )


def test_a_write_whose_worker_died_fails_at_once_and_is_imported_after_a_recheck(
    admin_client, live_cluster
):
    upload(admin_client, clean_file())
    job = ImportJob.objects.get()
    die_while_writing(job, live_cluster)

    status = admin_client.get(f"/admin/import/{job.pk}/status/").json()
    assert status["status"] == "failed" and status["finished"]
    page = admin_client.get(f"/admin/import/{job.pk}/").content.decode()
    assert "the worker was stopped. Nothing was written" in page
    assert 'id="recheck-import"' in page
    assert Member.objects.count() == 0
    assert not TaskClaim.objects.exists()

    admin_client.post(f"/admin/import/{job.pk}/", {"action": "recheck"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    admin_client.post(f"/admin/import/{job.pk}/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Member.objects.count() == 2


def test_a_write_held_by_a_live_worker_is_left_alone(admin_client, live_cluster):
    upload(admin_client, clean_file())
    job = ImportJob.objects.get()
    die_while_writing(job, live_cluster)
    TaskClaim.objects.update(pid=live_cluster.workers[0])
    assert admin_client.get(f"/admin/import/{job.pk}/status/").json()["status"] == "importing"


def test_a_job_checked_in_the_request_has_no_worker_to_lose(admin_client, live_cluster, settings):
    settings.IMPORT_BACKGROUND_BYTES = 10**9
    upload(admin_client, clean_file())
    job = ImportJob.objects.get()
    die_while_writing(job, live_cluster)  # a claim of that name cannot be this job's
    assert admin_client.get(f"/admin/import/{job.pk}/status/").json()["status"] == "importing"


def test_a_queued_import_with_no_worker_says_so(admin_client, monkeypatch):
    from bonuses.services import import_jobs

    monkeypatch.setattr(import_jobs, "async_task", lambda *args, **kwargs: None)  # queued
    page = upload(admin_client, clean_file()).content.decode()
    assert "The worker is not running: the file is queued" in page
    job = ImportJob.objects.get()
    assert admin_client.get(f"/admin/import/{job.pk}/status/").json()["waits_for_worker"]
