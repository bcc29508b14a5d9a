"""Scale-out on PostgreSQL and Redis: two real `manage.py qcluster` processes share one
Redis queue and one database, take a month close (asked for twice, as by two staff
members at once) and a large members import at the same time, and one of them is killed
with SIGKILL in the middle of the import's write.

What must hold: the import wrote nothing while it died (its transaction rolled back), its
job is found lost and failed, and run again it is written once, by the other cluster; the
month is closed exactly once, with the totals an undisturbed close computes.

The statement mails (issue #13) join this test as one more entry in `start_jobs` and
`check_jobs` when their task lands.

Each run has its own django-q2 cluster name (queue and heartbeat keys in Redis) and its
own cache prefix, so it never meets another run or another project on the same Redis.
"""

import os
import signal
import subprocess
import time
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from bonuses import services
from bonuses.models import ImportJob, LedgerEntry, Member, MonthClose
from bonuses.services import import_jobs
from bonuses.services.demo import seed_club
from core import worker
from core.models import TaskClaim
from tests.imports.helpers import csv_bytes, member_row

from .helpers import ROOT, VENV_BIN, child_env, wait_for
from .test_faults import FIGURES

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CLUB_MEMBERS = 1_500
IMPORT_ROWS = 8_000  # about 0.9 MB: a background import, and a write that lasts a while

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_queue(monkeypatch):
    """This test process enqueues into a Redis queue of its own (not the suite's sync
    mode), under a cluster name no one else uses; its keys are removed afterwards."""
    import redis
    from django_q.conf import Conf

    if connection.vendor != "postgresql":
        pytest.skip("two clusters need PostgreSQL (set DATABASE_URL)")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL} (.ci/run installs and starts redis-server)")
    name = f"bonusdesk-test-{uuid.uuid4().hex[:10]}"
    for attribute, value in {
        "SYNC": False,
        "ORM": None,
        "REDIS": REDIS_URL,
        "PREFIX": name,
        "CLUSTER_NAME": name,
        "Q_STAT": f"django_q:{name}:cluster",
    }.items():
        monkeypatch.setattr(Conf, attribute, value)
    yield name
    for key in client.scan_iter(match=f"*{name}*"):
        client.delete(key)


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def two_clusters(redis_queue, private_uploads):
    env = child_env(
        DATABASE_URL=_database_url(),
        REDIS_URL=REDIS_URL,
        REDIS_PREFIX=redis_queue,
        SECRET_KEY=settings.SECRET_KEY,  # task packages are signed with it
        # The uploads folder this test process writes to (tests/conftest.py), shared with
        # both clusters as a network disk would be.
        PRIVATE_MEDIA_ROOT=private_uploads.parent,
        Q_WORKERS=2,
    )
    processes = [
        subprocess.Popen(
            [VENV_BIN / "python", "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # each cluster is a process group: killed as a whole
        )  # fmt: skip
        for _ in range(2)
    ]
    try:
        wait_for(lambda: len(worker.clusters()) == 2, timeout=60, what="two clusters' heartbeat")
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _members_file(rows: int) -> bytes:
    return csv_bytes(
        member_row(f"NEW{i:05}", f"Imported{i}", sponsor=f"NEW{i // 3:05}" if i else "")
        for i in range(rows)
    )


def _checked(job: ImportJob) -> ImportJob:
    """Wait for the worker's check of `job`; the file is clean."""
    wait_for(lambda: _status(job) == ImportJob.Status.CHECKED, timeout=120, what="the check")
    job.refresh_from_db()
    assert not job.result["errors"], job.result["errors"][:3]
    return job


def _confirm(job: ImportJob) -> None:
    import_jobs.import_job_confirm(job=job, by=job.created_by, warnings_confirmed=True)


def start_jobs(period) -> dict:
    """Everything the clusters are handed at once: the close twice, and a large import's
    write (its check first, so the write is what runs alongside the close)."""
    from django.contrib.auth import get_user_model
    from django_q.tasks import async_task

    staff = get_user_model().objects.create_user("importer", is_staff=True)
    job = import_jobs.import_job_start(
        kind=ImportJob.Kind.MEMBERS,
        upload=SimpleUploadedFile("members.csv", _members_file(IMPORT_ROWS)),
        by=staff,
    )
    assert job.result.get("in_worker")
    job = _checked(job)
    close_tasks = [
        async_task("bonuses.tasks.close_month", period.isoformat(), None, task_name=f"close {n}")
        for n in range(2)
    ]
    _confirm(job)
    return {"job": job, "close_tasks": close_tasks}


def _status(job: ImportJob) -> str:
    return ImportJob.objects.values_list("status", flat=True).get(pk=job.pk)


def _writing_members() -> bool:
    """A database session of a worker is inside the import's write: its transaction has
    written rows (it has a transaction id) into the members table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL "
            "AND query ILIKE '%bonuses_member%'"
        )
        return cursor.fetchone()[0] > 0


def kill_the_writer(job: ImportJob, processes) -> subprocess.Popen:
    """SIGKILL the whole cluster whose worker is writing the import, mid-write."""
    name = f"import #{job.pk}"  # the write's task (bonuses.services.import_jobs)
    claim = wait_for(
        lambda: TaskClaim.objects.filter(name=name).first(), timeout=60, what="the write's claim"
    )
    wait_for(_writing_members, timeout=60, step=0.02, what="the write to reach the database")
    victim = next(p for p in processes if p.pid == os.getpgid(claim.pid))
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    return victim


def _close_settled(task_id: str) -> bool:
    from django_q.models import Task

    return Task.objects.filter(id=task_id).exists() or worker.task_progress(task_id) == worker.LOST


def check_jobs(jobs: dict, period, expected_totals: dict, members_before: int) -> None:
    job = jobs["job"]
    # The close: done once (the second task finds it closed), whichever cluster ran it.
    # A close task the killed cluster had taken is lost; if both were, staff start it
    # again from the close page, and so does this test.
    from django_q.tasks import async_task

    wait_for(
        lambda: (
            all(_close_settled(t) for t in jobs["close_tasks"])
            or MonthClose.objects.filter(period=period).exists()
        ),
        timeout=120,
        what="the close tasks",
    )
    if not MonthClose.objects.filter(period=period).exists():
        async_task("bonuses.tasks.close_month", period.isoformat(), None)
    wait_for(
        lambda: MonthClose.objects.filter(period=period).exists(), timeout=120, what="the close"
    )
    close = MonthClose.objects.get(period=period)
    assert close.totals["total"] == expected_totals["total"]
    assert close.totals["earners"] == expected_totals["earners"]
    assert close.totals["levels"] == expected_totals["levels"]
    assert LedgerEntry.objects.filter(period=period).count() == expected_totals["entries"]
    # The import: written once, all of it.
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.result.get("file_error")
    assert Member.objects.count() == members_before + IMPORT_ROWS
    assert Member.objects.filter(external_id__startswith="NEW").count() == IMPORT_ROWS


def test_two_clusters_share_the_work_and_survive_one_being_killed(two_clusters):
    seed_club(members=CLUB_MEMBERS, months=2, seed=14)
    period = max(services.unclosed_periods())
    expected = services.month_close(period=period, dry_run=True)[0].totals_json()
    members_before = Member.objects.count()

    started = time.monotonic()
    jobs = start_jobs(period)
    victim = kill_the_writer(jobs["job"], two_clusters)
    killed = time.monotonic()
    survivor = next(p for p in two_clusters if p is not victim)

    # Nothing half-written: the dead worker's transaction is rolled back.
    wait_for(lambda: not _writing_members(), timeout=30, what="the rollback")
    assert Member.objects.count() == members_before
    # The job is found lost (its worker is gone from the heartbeat) and failed, as the
    # job page finds it when staff look, long before the stale timeout.
    job = jobs["job"]
    wait_for(
        lambda: import_jobs.import_jobs_fail_stale(ImportJob.objects.filter(pk=job.pk)),
        timeout=60,
        step=0.5,
        what="the lost write to be found",
    )
    found = time.monotonic()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.result["retry"]
    assert Member.objects.count() == members_before
    assert len(worker.clusters()) == 1 and survivor.poll() is None

    # Staff check the file again and confirm it: the surviving cluster does both.
    job = _checked(import_jobs.import_job_recheck(job=job))
    _confirm(job)
    wait_for(lambda: _status(job) == ImportJob.Status.DONE, timeout=180, what="the retried write")
    check_jobs(jobs, period, expected, members_before)
    assert survivor.poll() is None  # the surviving cluster did it all and still runs
    FIGURES.mkdir(exist_ok=True)
    (FIGURES / "two-clusters.txt").write_text(
        f"killed {killed - started:.1f} s after the jobs were handed out; found lost "
        f"{found - killed:.1f} s after the kill; checked again, written and closed "
        f"{time.monotonic() - found:.1f} s later; {IMPORT_ROWS} rows written once\n"
    )


def test_one_cluster_takes_each_task_once(two_clusters):
    """Without a fault: both clusters busy, the close asked for twice and the import
    confirmed once give one close and one import."""
    seed_club(members=CLUB_MEMBERS, months=2, seed=15)
    period = max(services.unclosed_periods())
    expected = services.month_close(period=period, dry_run=True)[0].totals_json()
    members_before = Member.objects.count()
    jobs = start_jobs(period)
    wait_for(lambda: _status(jobs["job"]) == ImportJob.Status.DONE, timeout=180, what="import")
    check_jobs(jobs, period, expected, members_before)
    from django_q.models import Task

    done = Task.objects.filter(id__in=jobs["close_tasks"], success=True)
    assert sorted(t.result["already_closed"] for t in done) == [False, True]
