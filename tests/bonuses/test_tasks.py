"""The month-close schedule: declared once after migrate, and it really closes months."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule
from django_q.scheduler import scheduler

from bonuses.models import MonthClose
from bonuses.tasks import MONTH_CLOSE_SCHEDULE, close_past_months, ensure_schedules
from tests.bonuses.engine_helpers import APRIL, MAY, NOW, pay
from tests.factories import chain

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


def test_schedule_exists_once_after_migrate_and_redeploys():
    assert Schedule.objects.filter(name=MONTH_CLOSE_SCHEDULE).count() == 1  # from migrate
    Schedule.objects.all().delete()
    ensure_schedules()
    ensure_schedules()
    [schedule] = Schedule.objects.filter(name=MONTH_CLOSE_SCHEDULE)
    assert schedule.func == "bonuses.tasks.close_past_months"
    assert schedule.schedule_type == Schedule.CRON and schedule.cron == "10 0 1 * *"
    local = timezone.localtime(schedule.next_run)
    assert (local.month, local.day, local.hour, local.minute) == (7, 1, 0, 10)
    assert str(local.tzinfo) == "Asia/Almaty"


def test_redeploy_keeps_the_next_run():
    ensure_schedules()
    Schedule.objects.filter(name=MONTH_CLOSE_SCHEDULE).update(
        next_run=timezone.now() + timedelta(days=3)
    )
    ensure_schedules()
    schedule = Schedule.objects.get(name=MONTH_CLOSE_SCHEDULE)
    assert schedule.next_run == timezone.now() + timedelta(days=3)


def test_due_schedule_runs_the_catch_up_close():
    _, member = chain(2)
    pay(member, APRIL)
    pay(member, MAY)
    ensure_schedules()
    Schedule.objects.filter(name=MONTH_CLOSE_SCHEDULE).update(
        next_run=timezone.now() - timedelta(minutes=1)
    )
    scheduler(broker=get_broker())  # sync mode in tests: the task runs right here
    assert set(MonthClose.objects.values_list("period", flat=True)) == {APRIL, MAY}


def test_task_reports_the_months_it_closed():
    _, member = chain(2)
    pay(member, MAY)
    assert close_past_months() == ["2026-05"]
    assert close_past_months() == []
