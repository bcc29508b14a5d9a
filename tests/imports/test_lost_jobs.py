"""A background import whose worker died: found lost, failed with nothing written, and
run again from its page; and a queued import with no worker says so at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bonuses.models import ImportJob, Member
from core.models import TaskClaim

from .test_admin_flow import clean_file, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_BACKGROUND_BYTES = 10  # every file runs on the (sync) worker


def die_while_writing(job, live_cluster):
    """What a worker killed in the middle of the write leaves: the job importing, its
    claim by a process that no longer runs, and (the transaction rolled back) no rows."""
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)
    TaskClaim.objects.create(
        task_id="w1",
        name=f"import_job_write #{job.pk}",
        host=live_cluster.host,
        pid=live_cluster.workers[0] + 1,
        started_at=timezone.now() - timedelta(minutes=2),
    )


def test_a_write_whose_worker_died_fails_and_runs_again(admin_client, live_cluster):
    upload(admin_client, clean_file())
    job = ImportJob.objects.get()
    die_while_writing(job, live_cluster)

    status = admin_client.get(f"/admin/import/{job.pk}/status/").json()
    assert status["status"] == "failed" and status["finished"]
    page = admin_client.get(f"/admin/import/{job.pk}/").content.decode()
    assert "The worker stopped while working on this file; nothing was written" in page
    assert 'id="retry-import"' in page
    assert Member.objects.count() == 0
    assert not TaskClaim.objects.exists()

    admin_client.post(f"/admin/import/{job.pk}/", {"action": "retry"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Member.objects.count() == 2


def test_a_write_held_by_a_live_worker_is_left_alone(admin_client, live_cluster):
    upload(admin_client, clean_file())
    job = ImportJob.objects.get()
    die_while_writing(job, live_cluster)
    TaskClaim.objects.update(pid=live_cluster.workers[0])
    assert admin_client.get(f"/admin/import/{job.pk}/status/").json()["status"] == "importing"


def test_only_a_job_lost_by_its_worker_can_be_run_again(admin_client, live_cluster):
    upload(admin_client, clean_file())
    job = ImportJob.objects.get()
    response = admin_client.post(f"/admin/import/{job.pk}/", {"action": "retry"})
    assert "Only a job whose worker stopped can be run again." in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED


def test_a_stale_redelivered_write_does_nothing(admin_client, live_cluster):
    """The ORM broker re-delivers a dead worker's task after Q_CLUSTER["retry"]; by then the
    job was failed as lost, and the late write must not import it behind the staff's back."""
    from bonuses.services.import_jobs import import_job_write

    upload(admin_client, clean_file())
    job = ImportJob.objects.get()
    die_while_writing(job, live_cluster)
    admin_client.get(f"/admin/import/{job.pk}/status/")  # found lost
    assert import_job_write(job.pk) == ImportJob.Status.FAILED
    assert Member.objects.count() == 0


def test_a_queued_import_with_no_worker_says_so(admin_client, monkeypatch):
    from bonuses.services import import_jobs

    monkeypatch.setattr(import_jobs, "async_task", lambda *args, **kwargs: None)  # queued
    page = upload(admin_client, clean_file()).content.decode()
    assert "The worker is not running: the file is queued" in page
    job = ImportJob.objects.get()
    assert admin_client.get(f"/admin/import/{job.pk}/status/").json()["waits_for_worker"]
