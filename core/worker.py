"""Is the worker alive, and what has it in hand? django-q2's heartbeat and task claims.

Every django-q2 cluster saves its stats (django_q.status.Stat: host, worker pids, state,
start time) every half second with a 3-second expiry, in Redis or, with the ORM broker,
in the Django cache. A cluster that is listed is a cluster that was alive three seconds
ago; one that died simply drops out. That heartbeat feeds the dashboard, `/health/` and
the warnings shown when a close or an import is queued with no worker to run it.

Claims (core.models.TaskClaim) close the gap the Redis broker leaves: a worker records
each task it starts, and a claim whose worker process is no longer in any cluster's
heartbeat is a lost task, so its page can say "the worker stopped; nothing was written;
run it again" instead of polling forever.
"""

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from core.models import TaskClaim

RUNNING, LOST = "running", "lost"

# A worker that django-q2 has just started (or restarted after a crash) appears in the
# heartbeat within a guard cycle (0.5 s); a claim younger than this is never called lost.
CLAIM_GRACE = timedelta(seconds=10)


@dataclass(frozen=True)
class ClusterBeat:
    """One live django-q2 cluster as its last heartbeat described it."""

    cluster_id: str
    host: str
    status: str  # django-q2's: Starting, Idle, Working, Stopping
    workers: tuple[int, ...]  # the worker processes' pids
    started: datetime | None
    seen: datetime | None  # the heartbeat's time
    reincarnations: int  # workers django-q2 restarted after they died


def clusters() -> list[ClusterBeat]:
    """The clusters whose heartbeat is at most three seconds old.

    Raises whatever the broker raises when it cannot be reached (a Redis connection
    error; with the ORM broker, a database or cache error): callers that only want a
    yes or no use `worker_running()`.
    """
    from django_q.status import Stat

    return [
        ClusterBeat(
            cluster_id=str(stat.cluster_id),
            host=stat.host,
            status=str(stat.status),
            workers=tuple(stat.workers or ()),
            started=stat.tob,
            seen=stat.timestamp,
            reincarnations=stat.reincarnations,
        )
        for stat in Stat.get_all()
    ]


def worker_running() -> bool:
    """True when at least one cluster has been seen in the last three seconds; False
    when none has, or when the broker cannot be asked."""
    try:
        return bool(clusters())
    except Exception:  # noqa: BLE001 - an unreachable broker means no worker can be seen
        return False


def claim_task(sender, func=None, task=None, **kwargs) -> None:
    """django-q2 pre_execute handler, in the worker process that is about to run `task`.
    A task run synchronously (tests, `Q_CLUSTER["sync"]`) runs inside the caller and
    cannot be lost on its own: it is not claimed."""
    if task.get("sync"):
        return
    TaskClaim.objects.update_or_create(
        task_id=task["id"],
        defaults={
            "name": (task.get("name") or "")[:100],
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": timezone.now(),
        },
    )


def release_task(sender, task=None, **kwargs) -> None:
    """django-q2 post_execute handler, in the monitor, once the task's result is saved."""
    if task.get("sync"):
        return
    TaskClaim.objects.filter(task_id=task["id"]).delete()


def _progress(claim: TaskClaim | None) -> str | None:
    if claim is None:
        return None
    if timezone.now() - claim.started_at < CLAIM_GRACE:
        return RUNNING
    try:
        beats = clusters()
    except Exception:  # noqa: BLE001 - the broker is down: no evidence the worker died
        return RUNNING
    alive = any(beat.host == claim.host and claim.pid in beat.workers for beat in beats)
    return RUNNING if alive else LOST


def task_progress(task_id: str) -> str | None:
    """RUNNING while a live worker holds the task, LOST when the worker that took it is
    gone, None when no worker has started it (queued, or finished: see Task)."""
    return _progress(TaskClaim.objects.filter(task_id=task_id).first())


def named_task_progress(name: str) -> str | None:
    """task_progress() for the newest task started under `name` (e.g. an import job's
    step, "import_job_write #12")."""
    return _progress(TaskClaim.objects.filter(name=name).order_by("-started_at").first())


def forget_task(*, task_id: str | None = None, name: str | None = None) -> None:
    """Drop the claims of a task that was found lost, once its page has said so."""
    claims = TaskClaim.objects.all()
    if task_id is not None:
        claims = claims.filter(task_id=task_id)
    if name is not None:
        claims = claims.filter(name=name)
    claims.delete()
