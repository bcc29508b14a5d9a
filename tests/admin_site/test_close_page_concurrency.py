"""Races on PostgreSQL: two administrators confirm the same close at once (one close, one
set of entries, both pages report the month closed); six dashboard views with nothing
cached queue one refresh."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.urls import reverse

from bonuses.models import LedgerEntry, MonthClose
from tests.bonuses.engine_helpers import MAY, NOW, worked_example
from tests.bonuses.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _june(time_machine, settings):
    time_machine.move_to(NOW, tick=True)
    settings.LANGUAGE_CODE = "en"


def test_two_confirmed_closes_at_once(on_postgres, django_user_model):
    worked_example(MAY)
    bosses = [
        django_user_model.objects.create_superuser(f"boss{i}", f"b{i}@x.test", "pw")
        for i in range(2)
    ]
    task_ids = {}

    def close(i):
        client = Client()
        client.force_login(bosses[i])
        response = client.post(
            reverse("admin:month_close"), {"period": "2026-05", "confirm": "yes"}
        )
        task_ids[i] = parse_qs(urlparse(response.url).query)["task"][0]

    assert run_together(2, close) == []
    assert MonthClose.objects.count() == 1
    client = Client()
    client.force_login(bosses[0])
    statuses = [
        client.get(reverse("admin:month_close_status", args=[task_ids[i]])).json() for i in range(2)
    ]
    assert [s["state"] for s in statuses] == ["done", "done"]
    assert sorted("already closed" in s["message"] for s in statuses) == [False, True]
    assert {s["entries"] for s in statuses} == {LedgerEntry.objects.count()}
    assert MonthClose.objects.get().closed_by in bosses


def test_concurrent_dashboard_views_queue_one_refresh(on_postgres, monkeypatch):
    import django_q.tasks
    from django.core.cache import cache

    from bonuses.selectors.club import dashboard_figures

    worked_example(MAY)
    cache.clear()
    queued = []
    monkeypatch.setattr(django_q.tasks, "async_task", lambda *a, **kw: queued.append(a))
    figures = []
    assert run_together(6, lambda i: figures.append(dashboard_figures())) == []
    assert len(queued) == 1  # the shared cache's add() lets one view queue it
    assert {f.members for f in figures} == {8}
    cache.clear()
