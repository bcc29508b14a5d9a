"""The month close page: every period with its state, a dry-run preview, and a close that
runs as a django-q2 task whose progress the page polls."""

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from bonuses import services
from bonuses.models import MonthClose, StatementMail
from bonuses.services.close import CloseResult
from bonuses.services.statement_mails import statement_mail_counts
from core import worker
from core.money import format_money
from core.periods import current_period, format_month, format_period, parse_month

from .background_tasks import task_name

WORKER_DOWN_MESSAGE = gettext_lazy(
    "The worker is not running: the close is queued and will run when it starts."
)
VIEW_PERMISSION = "bonuses.view_monthclose"
CLOSE_PERMISSION = "bonuses.add_monthclose"


@dataclass(frozen=True)
class PeriodRow:
    period: date
    state: str  # "closed", "open" (past, can be closed) or "current"
    close: MonthClose | None
    # Statement mails by state (closed months); empty when none were ever queued (a
    # month closed before the club sent statements, or one of the demo's older months:
    # its catch-up mails only the newest).
    mails: dict | None = None

    @property
    def mails_sent(self) -> int:
        return (self.mails or {}).get(StatementMail.State.SENT, 0)

    @property
    def mails_failed(self) -> int:
        return (self.mails or {}).get(StatementMail.State.FAILED, 0)

    @property
    def mails_waiting(self) -> int:
        return (self.mails or {}).get(StatementMail.State.PENDING, 0)

    @property
    def closed_by(self) -> str:
        """Who closed it: the staff login, else what started it (the schedule, the command
        line); "—" for a close made before that was recorded, or by a login since
        deleted."""
        if self.close is None:
            return ""
        if self.close.closed_by is not None:
            return str(self.close.closed_by)
        if self.close.closed_via in (MonthClose.Via.SCHEDULE, MonthClose.Via.COMMAND):
            return self.close.get_closed_via_display()
        return "—"

    @property
    def key(self) -> str:
        return format_month(self.period)

    @property
    def total(self) -> str:
        return format_money((self.close.totals or {}).get("total", "0")) if self.close else ""


def period_rows() -> list[PeriodRow]:
    """The current month, the past months not closed yet and the closed ones, newest first,
    with the statement mails of each closed month, in four queries whatever the club's
    size."""
    closes = list(MonthClose.objects.select_related("closed_by").order_by("-period"))
    mails = statement_mail_counts()
    rows = [PeriodRow(current_period(), "current", None)]
    rows += [PeriodRow(p, "open", None) for p in services.unclosed_periods()]
    rows += [PeriodRow(c.period, "closed", c, mails.get(c.period, {})) for c in closes]
    return sorted(rows, key=lambda r: r.period, reverse=True)


def _check(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _closable_period(text: str) -> date:
    try:
        period = parse_month(text)
    except ValueError as exc:
        raise ValidationError(_("“%(value)s” is not a month (YYYY-MM).") % {"value": text}) from exc
    if period >= current_period():
        raise ValidationError(_("Only past months can be closed: this month is not over yet."))
    return period


def _preview(request, text: str) -> CloseResult | None:
    try:
        period = _closable_period(text)
        (result,) = services.month_close(period=period, dry_run=True)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None
    return result


def earlier_open_periods(period: date) -> list[date]:
    """Months before `period` that are still open, oldest first."""
    return [p for p in services.unclosed_periods() if p < period]


def _start_close(request, text: str, *, through: bool):
    from django_q.tasks import async_task

    _check(request, CLOSE_PERMISSION)
    try:
        period = _closable_period(text)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("admin:month_close")
    if earlier_open_periods(period) and not through:
        # Asked on the confirmation, which offers to close them in order: nothing is closed.
        messages.error(
            request,
            _("Earlier months are still open: confirm closing them in order first."),
        )
        return redirect(f"{reverse('admin:month_close')}?{urlencode({'confirm': text})}")
    task_id = async_task(
        "bonuses.tasks.close_month",
        period.isoformat(),
        request.user.pk,
        through,
        task_name=task_name("close", period, request.user, through=through),
    )
    if not worker.worker_running():
        messages.warning(request, WORKER_DOWN_MESSAGE)
    url = reverse("admin:month_close")
    return redirect(f"{url}?task={task_id}&period={format_month(period)}")


@require_http_methods(["GET", "POST"])
def month_close_view(request):
    _check(request, VIEW_PERMISSION)
    if request.method == "POST":
        _check(request, CLOSE_PERMISSION)
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the confirmation to close the month."))
            query = urlencode({"confirm": request.POST.get("period", "")})
            return redirect(f"{reverse('admin:month_close')}?{query}")
        through = request.POST.get("through") == "yes"
        return _start_close(request, request.POST.get("period", ""), through=through)
    preview = _preview(request, request.GET["preview"]) if "preview" in request.GET else None
    confirm, earlier = None, []
    if request.GET.get("confirm"):
        _check(request, CLOSE_PERMISSION)
        confirm = _month_to_confirm(request, request.GET["confirm"])
        earlier = earlier_open_periods(confirm) if confirm else []
    context = {
        **admin.site.each_context(request),
        "title": _("Month close"),
        "rows": period_rows(),
        "preview": preview,
        "confirm_period": confirm,
        "earlier_periods": earlier,
        "through_months": ", ".join(format_period(p) for p in [*earlier, confirm])
        if earlier
        else "",
        "task_id": request.GET.get("task"),
        "task_period": _period_or_none(request.GET.get("period")),
        "can_close": request.user.has_perm(CLOSE_PERMISSION),
        "can_see_mails": request.user.has_perm("bonuses.view_statementmail"),
    }
    return TemplateResponse(request, "admin_site/month_close.html", context)


def _month_to_confirm(request, text: str) -> date | None:
    """The month `?confirm=` asks to close, or None with a message saying why not."""
    try:
        period = _closable_period(text)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None
    if MonthClose.objects.filter(period=period).exists():
        # An address kept from before the close, or a second tab: nothing is left to ask.
        messages.info(request, _("%(month)s is already closed.") % {"month": format_period(period)})
        return None
    return period


def _period_or_none(text: str | None) -> date | None:
    try:
        return parse_month(text) if text else None
    except ValueError:
        return None


def _task_state(task_id: str) -> dict:
    from django_q.models import Task

    task = Task.objects.filter(id=task_id).only("success", "result", "started", "stopped").first()
    if task is None:  # django-q2 writes the task row only when it has finished
        progress = worker.task_progress(task_id)
        if progress == worker.LOST:
            return {
                "state": "failed",
                "message": _(
                    "The worker stopped while closing; nothing was written for that month. "
                    "Start the close again."
                ),
                "error": [],
            }
        if progress == worker.RUNNING:
            return _running()
        return _queue_state(task_id)
    if not task.success:
        return {
            "state": "failed",
            "message": _("The close failed; nothing was written for that month."),
            "error": str(task.result).strip().splitlines()[-1:] or [""],
        }
    result = task.result or {}
    seconds = (task.stopped - task.started).total_seconds() if _is_time(task) else None
    month = _period_or_none(result.get("period", "")[:7])
    closed = [date.fromisoformat(p) for p in result.get("closed_periods", [])]
    already_closed = bool(result.get("already_closed"))
    return {
        "state": "done",
        "message": _done_message(month, closed, already_closed),
        # The figures are the month's as closed; only a close that wrote them shows them
        # as its own work.
        "already_closed": already_closed,
        # Several months closed in order: the figures below are the last one's.
        "figures_of": _("Figures of %(month)s:") % {"month": format_period(month)}
        if len(closed) > 1 and month
        else "",
        "total": format_money(result.get("total", "0")),
        "entries": result.get("entries", 0),
        "earners": result.get("earners", 0),
        "payments": result.get("payments", 0),
        "seconds": round(seconds, 1) if seconds is not None else None,
    }


def _done_message(month: date | None, closed: list[date], already_closed: bool) -> str:
    name = format_period(month) if month else ""
    closed_names = ", ".join(format_period(p) for p in closed)
    if already_closed and closed:
        return _("Closed %(months)s; %(month)s was already closed.") % {
            "months": closed_names,
            "month": name,
        }
    if already_closed:
        return _("%(month)s was already closed; nothing was written.") % {"month": name}
    if len(closed) > 1:
        return _("Closed in order: %(months)s.") % {"months": closed_names}
    return _("%(month)s is closed.") % {"month": name}


QUEUE_SCAN = 200  # the ORM broker's queue is short: a few schedules and closes


def _running() -> dict:
    return {"state": "running", "message": _("Closing… the page updates by itself.")}


def _queue_state(task_id: str) -> dict:
    """Queued (and how many tasks are ahead) or taken by a worker, from the ORM broker's
    queue. With Redis as the broker the queue is not in the database: a task no worker
    has claimed is running when a cluster is alive (it has taken it and is about to
    start), and queued when none is."""
    from django_q.models import OrmQ

    running = worker.worker_running()
    rows = OrmQ.objects.order_by("id")[:QUEUE_SCAN]
    for ahead, row in enumerate(rows):
        if row.task_id() != task_id:
            continue
        if row.lock is not None and row.lock > timezone.now():
            break  # a worker holds it
        message = _(
            "Queued, %(ahead)s task(s) ahead; a django-q2 worker (manage.py qcluster) runs it."
        ) % {"ahead": ahead}
        if not running:
            message = f"{WORKER_DOWN_MESSAGE} {message}"
        return {"state": "queued", "message": message}
    else:
        if not running:
            return {"state": "queued", "message": str(WORKER_DOWN_MESSAGE)}
    return _running()


def _is_time(task) -> bool:
    return isinstance(task.started, datetime) and isinstance(task.stopped, datetime)


def month_close_status(request, task_id: str):
    """The close task's state as JSON, polled by the month close page."""
    _check(request, VIEW_PERMISSION)
    return JsonResponse(_task_state(task_id))
