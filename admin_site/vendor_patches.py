"""Names of third-party records in the reader's language.

django-axes words its records in English inside __str__ ("Access Log for anna @ …") and
django-q2's queue rows have none ("OrmQ object (1)"); the admin shows these names in
titles, breadcrumbs and delete pages. They are replaced here, once, at admin start-up
(imported by admin_site.admin)."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.utils import formats, timezone
from django.utils.translation import gettext
from django_q.models import OrmQ


def _when(moment) -> str:
    if moment is None:
        return "—"
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _access_log(log: AccessLog) -> str:
    return gettext("Login of %(username)s at %(time)s") % {
        "username": log.username,
        "time": _when(log.attempt_time),
    }


def _access_attempt(attempt: AccessAttempt) -> str:
    return gettext("Failed logins of %(username)s since %(time)s") % {
        "username": attempt.username,
        "time": _when(attempt.attempt_time),
    }


def _access_failure(failure: AccessFailureLog) -> str:
    return gettext("Failed login of %(username)s at %(time)s") % {
        "username": failure.username,
        "time": _when(failure.attempt_time),
    }


def _queued_task(task: OrmQ) -> str:
    return gettext("Queued task %(number)s") % {"number": task.pk}


AccessLog.__str__ = _access_log
AccessAttempt.__str__ = _access_attempt
AccessFailureLog.__str__ = _access_failure
OrmQ.__str__ = _queued_task
