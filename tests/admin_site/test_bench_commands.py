"""The admin benchmarks run on a small club and leave the database as they found it."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_q.models import OrmQ, Task

from bonuses import services
from bonuses.models import DownlineVolume, Member, Payment
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


@pytest.mark.parametrize("paid_before", [True, None])
def test_the_toggle_benchmark_leaves_the_payment_and_the_figures_as_found(paid_before):
    seed_club(members=40, months=2, seed=3)
    member = Member.objects.filter(depth=2).order_by("pk").first()
    period = current_period()
    Payment.objects.filter(member=member, period=period).delete()
    if paid_before:
        services.payment_set(member=member, period=period, paid=True, amount="12345.67")
    payments = list(Payment.objects.order_by("pk").values_list("member_id", "paid", "amount"))
    volumes = sorted(
        DownlineVolume.objects.values_list("earner_id", "period", "level", "cents", "paid")
    )
    out = io.StringIO()
    call_command("bench_toggle", toggles=5, depth=2, stdout=out)
    assert f"5 toggles of member #{member.pk} (depth 2, 40 members): median" in out.getvalue()
    assert (
        list(Payment.objects.order_by("pk").values_list("member_id", "paid", "amount")) == payments
    )
    assert (
        sorted(DownlineVolume.objects.values_list("earner_id", "period", "level", "cents", "paid"))
        == volumes
    )
