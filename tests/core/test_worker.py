"""core.worker: the clusters' heartbeat and the claims that tell a running task from one
whose worker died."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core import worker
from core.models import TaskClaim

pytestmark = pytest.mark.django_db


def claim(task_id="t1", *, host=None, pid=None, age=timedelta(minutes=1), name="step #1"):
    import os
    import socket

    return TaskClaim.objects.create(
        task_id=task_id,
        name=name,
        host=host or socket.gethostname(),
        pid=pid or os.getpid(),
        started_at=timezone.now() - age,
    )


def test_a_task_nobody_claimed_has_no_progress(live_cluster):
    assert worker.task_progress("t1") is None


def test_a_claim_by_a_live_worker_is_running(live_cluster):
    claim()
    assert worker.task_progress("t1") == worker.RUNNING
    assert worker.named_task_progress("step #1") == worker.RUNNING


def test_a_claim_by_a_process_no_cluster_lists_is_lost(live_cluster):
    claim(pid=live_cluster.workers[0] + 1)  # a restarted worker has a new pid
    assert worker.task_progress("t1") == worker.LOST
    claim("t2", host="another-host", name="step #2")
    assert worker.named_task_progress("step #2") == worker.LOST


def test_a_claim_is_lost_when_no_cluster_runs_at_all():
    claim()
    assert worker.task_progress("t1") == worker.LOST


def test_a_fresh_claim_is_never_lost_yet():
    claim(age=timedelta(seconds=1))
    assert worker.task_progress("t1") == worker.RUNNING


def test_an_unreachable_broker_is_no_proof_of_death(monkeypatch):
    def down():
        raise ConnectionError("broker down")

    monkeypatch.setattr(worker, "clusters", down)
    claim()
    assert worker.task_progress("t1") == worker.RUNNING
    assert worker.worker_running() is False


def test_a_task_is_claimed_when_a_worker_starts_it_and_released_when_saved(live_cluster):
    """The handlers django-q2's pre_execute (worker) and post_execute (monitor) signals
    call; test_two_clusters.py sees them work in real clusters."""
    from django_q.signals import post_execute, pre_execute

    task = {"id": "t9", "name": "import_job_write #9", "func": "x"}
    pre_execute.send(sender="django_q", func=None, task=task)
    assert worker.named_task_progress("import_job_write #9") == worker.RUNNING
    assert TaskClaim.objects.get().pid == live_cluster.workers[0]
    post_execute.send(sender="django_q", task=task)
    assert not TaskClaim.objects.exists()


def test_a_synchronous_task_is_never_claimed(live_cluster):
    from django_q.tasks import async_task, result

    task_id = async_task("tests.core.test_worker.claims_now", task_name="probe")
    assert result(task_id) == []


def claims_now():
    return list(TaskClaim.objects.values_list("name", "task_id"))
