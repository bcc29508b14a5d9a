"""Telling the dashboard that the club's figures changed.

The dashboard reads club-wide figures from the shared cache (bonuses.selectors.club),
refreshed by a django-q2 task. A write that changes what they count (a close, an import,
a payment batch) marks them changed once it commits: figures computed before that are
shown as stale ("updating") and a refresh is queued, so the page is never silently
behind a write (right after a close the outstanding balance is not the old one). One
payment's change marks them stale only; the next view of the dashboard queues the
refresh.
"""

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

CACHE_KEY = "dashboard:club-figures:v2"
# When a write last changed what the figures count (a POSIX timestamp).
CHANGED_KEY = "dashboard:club-figures:changed"
REFRESH_LOCK_KEY = "dashboard:club-figures:refreshing"
KEEP_SECONDS = 7 * 24 * 60 * 60  # stale figures beat none while a refresh runs
REFRESH_LOCK_SECONDS = 10 * 60


def dashboard_queue_refresh() -> None:
    """Queue the figures' refresh unless one is queued or running already."""
    if cache.add(REFRESH_LOCK_KEY, 1, REFRESH_LOCK_SECONDS):
        from django_q.tasks import async_task

        from bonuses.tasks import DASHBOARD_TASK

        async_task("bonuses.tasks.refresh_dashboard", task_name=DASHBOARD_TASK)


def dashboard_mark_changed() -> None:
    """Mark the cached figures stale as of now and queue their refresh."""
    dashboard_mark_stale()
    dashboard_queue_refresh()


def dashboard_mark_stale() -> None:
    """Mark the cached figures stale as of now, queueing nothing: the dashboard's next
    view queues the refresh (a small club's is computed inline at once)."""
    cache.set(CHANGED_KEY, timezone.now().timestamp(), KEEP_SECONDS)


def dashboard_stale_on_commit() -> None:
    """dashboard_mark_stale once the current transaction commits. For one payment's
    change: a front desk marking payments all day queues a refresh only when somebody
    looks, not one per click."""
    transaction.on_commit(dashboard_mark_stale)


def dashboard_changed_on_commit() -> None:
    """dashboard_mark_changed once the current transaction commits (at once outside
    one), so the refresh reads what was written."""
    transaction.on_commit(dashboard_mark_changed)
