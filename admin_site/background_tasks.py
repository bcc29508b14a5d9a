"""django-q2's schedules, queued, successful and failed tasks in Unfold's style: its own
admin classes keep their features (actions, filters, read-only fields) and gain Unfold's
ModelAdmin on top. Task and schedule names are stored as stable English keys and shown
in the reader's language (task_title)."""

import re

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_q import admin as q_admin
from django_q.models import Failure, OrmQ, Schedule, Success
from unfold.admin import ModelAdmin

from bonuses.tasks import (
    DASHBOARD_TASK,
    IMPORTS_TIDY_SCHEDULE,
    MONTH_CLOSE_SCHEDULE,
    STATEMENTS_CHECK_SCHEDULE,
)
from core.periods import format_month, format_period, parse_month

for model in (Schedule, Success, Failure, OrmQ):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


def task_name(action: str, period, user, *, through: bool = False) -> str:
    """The stored name of a task the admin starts (a key, not a sentence: task_title
    words it): `close 2026-05 boss`, `close-through 2026-05 boss`."""
    return f"{action}{'-through' if through else ''} {format_month(period)} {user}"


_NAMED = {
    MONTH_CLOSE_SCHEDULE: _("Close past months"),
    IMPORTS_TIDY_SCHEDULE: _("Tidy imports"),
    DASHBOARD_TASK: _("Refresh dashboard figures"),
    STATEMENTS_CHECK_SCHEDULE: _("Check statements"),
}
_CLOSE = re.compile(r"^(close|close-through) (\d{4}-\d{2}) (.*)$")
_OLD_CLOSE = re.compile(r"^Close (\d{4}-\d{2}) \((.*)\)$")
_IMPORT = re.compile(r"^import(?:_job_(check|write))? #(\d+)$")


def task_title(name: str | None) -> str:
    """A stored task or schedule name in the reader's language; other names (django-q2's
    generated ones) as they are."""
    name = name or ""
    if name in _NAMED:
        return str(_NAMED[name])
    if match := _CLOSE.match(name) or _OLD_CLOSE.match(name):
        action, month, user = (
            match.groups() if len(match.groups()) == 3 else ("close", *match.groups())
        )
        values = {"month": format_period(parse_month(month)), "user": user}
        if action == "close-through":
            return gettext("Close every open month up to %(month)s (%(user)s)") % values
        return gettext("Close %(month)s (%(user)s)") % values
    if match := _IMPORT.match(name):
        step, number = match.groups()
        if step == "check":
            return gettext("Check import #%(number)s") % {"number": number}
        return gettext("Import #%(number)s") % {"number": number}
    return name


class TitledMixin:
    """Shows a task's or schedule's name in the reader's language, in the list and on a
    finished task's page."""

    @admin.display(description=_("name"), ordering="name")
    def title(self, obj):
        return task_title(obj.name)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [("title" if f == "name" else f) for f in fields]

    def get_list_display(self, request):
        return [("title" if c == "name" else c) for c in super().get_list_display(request)]

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)
        return [("title" if c == "name" else c) for c in links] if links else links


@admin.register(Schedule)
class ScheduleAdmin(TitledMixin, q_admin.ScheduleAdmin, ModelAdmin):
    pass


@admin.register(Success)
class SuccessAdmin(TitledMixin, q_admin.TaskAdmin, ModelAdmin):
    pass


@admin.register(Failure)
class FailureAdmin(TitledMixin, q_admin.FailAdmin, ModelAdmin):
    pass


@admin.register(OrmQ)
class QueueAdmin(q_admin.QueueAdmin, ModelAdmin):
    pass
