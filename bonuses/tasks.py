"""django-q2 tasks (one-line calls into services) and the schedules that run them.

Schedules are declared here, in one place, and written after every `migrate` by
update-or-create on their name, so redeploys never duplicate them.
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections

from bonuses import services
from bonuses.models import MonthClose
from bonuses.selectors.club import refresh_dashboard_figures
from bonuses.services import import_jobs
from bonuses.services.figures import figures_check
from core.periods import format_month

# Stored names (keys): the admin words them in the reader's language
# (admin_site.background_tasks.task_title).
MONTH_CLOSE_SCHEDULE = "Close past months"
DASHBOARD_TASK = "Refresh dashboard figures"
STATEMENTS_CHECK_SCHEDULE = "Check statements"
STATEMENTS_CHECK_CRON = "40 3 * * *"  # nightly, club time
STATEMENTS_CHECK_SAMPLE = 200
# 00:10 club time on the 1st: django-q2 reads CRON in settings.TIME_ZONE (Asia/Almaty).
MONTH_CLOSE_CRON = "10 0 1 * *"


def close_past_months() -> list[str]:
    """The catch-up close; returns the months it closed (kept as the task's result)."""
    results = services.month_close(via=MonthClose.Via.SCHEDULE)
    closed = [r.period for r in results if not r.already_closed]
    queue_statements(closed)
    return [format_month(p) for p in closed]


def close_month(period: str, user_id: int | None, through: bool = False) -> dict:
    """The month close page's "close": one period, by the staff member who asked; with
    `through`, every month still open up to it, oldest first. The result is the last
    month's, with the months this run closed."""
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    month = date.fromisoformat(period)
    if through:
        results = services.month_close_through(period=month, by=by, via=MonthClose.Via.PAGE)
    else:
        results = services.month_close(period=month, by=by, via=MonthClose.Via.PAGE)
    result = results[-1]
    closed = [r.period.isoformat() for r in results if not r.already_closed]
    queue_statements([r.period for r in results if not r.already_closed])
    return {
        "period": period,
        "already_closed": result.already_closed,
        "closed_periods": closed,
        **result.totals_json(),
    }


# A sending task gives up its worker after this many seconds and queues itself again for
# the rest: a million statements never hold one worker for hours, and a close queued
# meanwhile gets its turn.
STATEMENTS_SLICE_SECONDS = 120


def queue_statements(periods) -> None:
    """After a close: queue the sending of each newly closed period's statements."""
    from django_q.tasks import async_task

    for period in periods:
        async_task(
            "bonuses.tasks.send_statements",
            period.isoformat(),
            task_name=f"send_statements {format_month(period)}",
        )


def send_statements(period: str) -> dict:
    """Queue the closed period's statements (once) and send for one time slice; when some
    are left, the task queues itself again."""
    from django_q.tasks import async_task

    from bonuses.services import statement_mails

    month = date.fromisoformat(period)
    queued = statement_mails.statement_mails_queue(period=month)
    report = statement_mails.statement_mails_send(period=month, seconds=STATEMENTS_SLICE_SECONDS)
    if report.remaining and report.sent + report.failed + report.skipped:
        async_task(
            "bonuses.tasks.send_statements",
            period,
            task_name=f"send_statements {format_month(month)}",
        )
    return {"period": period, "queued": queued, **vars(report)}


def refresh_dashboard() -> str:
    """Recompute the dashboard's club figures into the shared cache."""
    return refresh_dashboard_figures()


def check_statements() -> str:
    """The nightly safety net: a sample of members' maintained figures against the
    downline (bonuses.services.figures.figures_check), recorded for the dashboard."""
    check = figures_check(sample=STATEMENTS_CHECK_SAMPLE)
    return f"{check.members} members, {check.differences} differences"


IMPORTS_TIDY_SCHEDULE = "Tidy imports"
IMPORTS_TIDY_CRON = "17 * * * *"  # hourly


def ensure_schedules(*, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate handler: create or update the schedules by name."""
    from django_q.models import Schedule

    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return
    Schedule.objects.using(using).update_or_create(
        name=IMPORTS_TIDY_SCHEDULE,
        defaults={
            "func": "bonuses.tasks.import_jobs_tidy",
            "schedule_type": Schedule.CRON,
            "cron": IMPORTS_TIDY_CRON,
            "repeats": -1,
        },
    )
    Schedule.objects.using(using).update_or_create(
        name=STATEMENTS_CHECK_SCHEDULE,
        defaults={
            "func": "bonuses.tasks.check_statements",
            "schedule_type": Schedule.CRON,
            "cron": STATEMENTS_CHECK_CRON,
            "repeats": -1,
        },
    )
    schedule = Schedule.objects.using(using).filter(name=MONTH_CLOSE_SCHEDULE).first()
    if schedule is None:
        schedule = Schedule(name=MONTH_CLOSE_SCHEDULE, next_run=None)
    changed_timing = schedule.cron != MONTH_CLOSE_CRON or schedule.next_run is None
    schedule.func = "bonuses.tasks.close_past_months"
    schedule.schedule_type = Schedule.CRON
    schedule.cron = MONTH_CLOSE_CRON
    schedule.repeats = -1
    if changed_timing:
        # The next 1st at 00:10, not "now": a deploy must not close months by itself.
        schedule.next_run = schedule.calculate_next_run()
    schedule.save(using=using)


def import_job_check(job_id: int) -> str:
    return import_jobs.import_job_check(job_id)


def import_job_write(job_id: int) -> str:
    return import_jobs.import_job_write(job_id)


def import_jobs_tidy() -> dict:
    return import_jobs.import_jobs_tidy()
