"""The admin benchmarks run on a small club and leave the database as they found it."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_q.models import OrmQ, Task

from bonuses import services
from bonuses.services.demo import seed_club
from core.periods import add_months, current_period

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("command", ["bench_dashboard", "bench_bonuses_admin"])
def test_benchmark_runs_and_changes_nothing(command):
    seed_club(members=40, months=2, seed=3)
    services.month_close(period=add_months(current_period(), -1))
    users, tasks = get_user_model().objects.count(), Task.objects.count()
    out = io.StringIO()
    call_command(command, repeat=1, stdout=out)
    text = out.getvalue()
    assert "40 members" in text
    assert "median" in text
    assert get_user_model().objects.count() == users
    assert Task.objects.count() == tasks and not OrmQ.objects.exists()
