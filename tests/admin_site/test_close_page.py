"""The month close page: states, preview, confirmed close through django-q2, progress."""

from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from bonuses import services
from bonuses.models import LedgerEntry, MonthClose
from tests.bonuses.engine_helpers import MAY, NOW, pay, worked_example

pytestmark = pytest.mark.django_db

PAGE = "admin:month_close"


@pytest.fixture(autouse=True)
def now(time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    settings.LANGUAGE_CODE = "en"  # messages asserted in English


@pytest.fixture
def club():
    return worked_example(MAY)


def test_lists_every_period_with_its_state(admin_client, club):
    from tests.bonuses.engine_helpers import APRIL

    pay(club["member"], APRIL)
    services.month_close(period=APRIL)
    response = admin_client.get(reverse(PAGE))
    assert response.status_code == 200
    states = {row.key: row.state for row in response.context["rows"]}
    assert states == {"2026-06": "current", "2026-05": "open", "2026-04": "closed"}
    page = response.content.decode()
    assert "?preview=2026-05" in page and "?confirm=2026-05" in page
    assert "?confirm=2026-04" not in page and "?confirm=2026-06" not in page


def test_preview_shows_the_dry_run_and_writes_nothing(admin_client, club):
    (expected,) = services.month_close(period=MAY, dry_run=True)
    response = admin_client.get(reverse(PAGE), {"preview": "2026-05"})
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.total == expected.total > 0
    assert [lv.amount for lv in preview.levels] == [lv.amount for lv in expected.levels]
    page = response.content.decode()
    assert 'id="preview-total"' in page
    assert str(expected.top_earners[0].name) in page
    assert not MonthClose.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_preview_of_the_current_month_is_refused_with_a_message(admin_client, club):
    response = admin_client.get(reverse(PAGE), {"preview": "2026-06"}, follow=True)
    assert response.context["preview"] is None
    assert "this month is not over yet" in response.content.decode()


def test_close_asks_for_confirmation_first(admin_client, club):
    response = admin_client.post(reverse(PAGE), {"period": "2026-05"})
    assert response.status_code == 302
    assert "confirm=2026-05" in response.url
    assert not MonthClose.objects.exists()
    page = admin_client.get(response.url).content.decode()
    assert 'id="confirm-close"' in page


def test_confirmed_close_runs_as_a_task_and_reports_its_result(admin_client, admin_user, club):
    (expected,) = services.month_close(period=MAY, dry_run=True)
    response = admin_client.post(reverse(PAGE), {"period": "2026-05", "confirm": "yes"})
    assert response.status_code == 302
    task_id = parse_qs(urlparse(response.url).query)["task"][0]
    close = MonthClose.objects.get(period=MAY)  # django-q2 runs sync in tests
    assert close.closed_by == admin_user
    status = admin_client.get(reverse("admin:month_close_status", args=[task_id])).json()
    assert status["state"] == "done"
    assert status["entries"] == LedgerEntry.objects.count() == expected.entries
    assert status["payments"] == 6
    assert "May 2026 is closed" in status["message"]
    page = admin_client.get(response.url).content.decode()
    assert 'id="close-status"' in page


def test_a_failed_close_is_reported(admin_client, club):
    from django.utils import timezone
    from django_q.models import Task

    # django-q2 re-raises in sync mode, so the failure its worker records is made here.
    Task.objects.create(
        id="f" * 32,
        name="Close 2026-05",
        func="bonuses.tasks.close_month",
        started=timezone.now(),
        stopped=timezone.now(),
        success=False,
        result="Traceback (most recent call last):\nRuntimeError: disk full",
    )
    status = admin_client.get(reverse("admin:month_close_status", args=["f" * 32])).json()
    assert status["state"] == "failed"
    assert status["error"] == ["RuntimeError: disk full"]
    assert "nothing was written" in status["message"]


def test_a_task_no_worker_claimed_is_running_while_a_cluster_lives(
    admin_client, club, live_cluster
):
    status = admin_client.get(reverse("admin:month_close_status", args=["nope"])).json()
    assert status["state"] == "running"


def test_a_task_no_worker_claimed_is_queued_when_no_worker_runs(admin_client, club):
    status = admin_client.get(reverse("admin:month_close_status", args=["nope"])).json()
    assert status["state"] == "queued"
    assert status["message"].startswith("The worker is not running")


def test_closing_the_current_month_is_refused(admin_client, club):
    response = admin_client.post(
        reverse(PAGE), {"period": "2026-06", "confirm": "yes"}, follow=True
    )
    assert "this month is not over yet" in response.content.decode()
    assert not MonthClose.objects.exists()


def test_front_desk_gets_403_everywhere(client, django_user_model, club):
    desk = django_user_model.objects.create_user("desk1", password="pw", is_staff=True)
    desk.user_permissions.add(*Permission.objects.filter(codename__in=["view_member"]))
    client.force_login(desk)
    assert client.get(reverse(PAGE)).status_code == 403
    assert client.get(reverse("admin:month_close_status", args=["x"])).status_code == 403
    response = client.post(reverse(PAGE), {"period": "2026-05", "confirm": "yes"})
    assert response.status_code == 403
    assert not MonthClose.objects.exists()


def test_viewer_without_close_permission_cannot_close(client, django_user_model, club):
    auditor = django_user_model.objects.create_user("auditor", password="pw", is_staff=True)
    auditor.user_permissions.add(Permission.objects.get(codename="view_monthclose"))
    client.force_login(auditor)
    response = client.get(reverse(PAGE))
    assert response.status_code == 200
    assert "?confirm=2026-05" not in response.content.decode()
    assert client.get(reverse(PAGE), {"confirm": "2026-05"}).status_code == 403
    response = client.post(reverse(PAGE), {"period": "2026-05", "confirm": "yes"})
    assert response.status_code == 403
    assert not MonthClose.objects.exists()


def test_a_second_close_of_the_same_month_writes_nothing_and_says_so(admin_client, club):
    first = admin_client.post(reverse(PAGE), {"period": "2026-05", "confirm": "yes"})
    entries = LedgerEntry.objects.count()
    second = admin_client.post(reverse(PAGE), {"period": "2026-05", "confirm": "yes"})
    task_ids = [parse_qs(urlparse(r.url).query)["task"][0] for r in (first, second)]
    statuses = [
        admin_client.get(reverse("admin:month_close_status", args=[t])).json() for t in task_ids
    ]
    assert [s["state"] for s in statuses] == ["done", "done"]
    assert statuses[0]["message"] == "May 2026 is closed."
    assert statuses[0]["entries"] == entries and not statuses[0]["already_closed"]
    assert statuses[0]["figures_of"] == ""  # one month closed: its figures need no name
    # The page shows the figures only for a close that wrote them.
    assert statuses[1]["already_closed"] is True
    assert statuses[1]["message"] == "May 2026 was already closed; nothing was written."
    assert MonthClose.objects.count() == 1
    assert LedgerEntry.objects.count() == entries


def test_progress_reads_queued_then_running_from_the_orm_broker(admin_client, club):
    from datetime import timedelta

    from django.utils import timezone
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    def enqueue(task_id):
        return OrmQ.objects.create(
            key="bonusdesk",
            payload=SignedPackage.dumps({"id": task_id, "func": "bonuses.tasks.close_month"}),
            lock=timezone.now(),
        )

    enqueue("other")
    mine = enqueue("mine")
    status = admin_client.get(reverse("admin:month_close_status", args=["mine"])).json()
    assert status["state"] == "queued"
    assert "1 task(s) ahead" in status["message"]
    mine.lock = timezone.now() + timedelta(minutes=30)  # what a worker does when it takes it
    mine.save()
    status = admin_client.get(reverse("admin:month_close_status", args=["mine"])).json()
    assert status["state"] == "running"


def test_confirmation_is_only_offered_for_a_closable_month(admin_client, club):
    for bad in ["2026-06", "junk"]:
        response = admin_client.get(reverse(PAGE), {"confirm": bad})
        assert response.status_code == 200
        assert response.context["confirm_period"] is None
        assert 'id="confirm-close"' not in response.content.decode()
    response = admin_client.get(reverse(PAGE), {"confirm": "2026-05"})
    assert response.context["confirm_period"] == MAY


def test_the_schedule_says_it_closed_the_months(admin_client, club):
    from bonuses import tasks
    from tests.bonuses.engine_helpers import APRIL

    def closed_by():
        rows = admin_client.get(reverse(PAGE)).context["rows"]
        return {row.key: row.closed_by for row in rows}

    pay(club["member"], APRIL)
    tasks.close_past_months()  # the schedule: April, then May
    assert set(MonthClose.objects.values_list("closed_via", flat=True)) == {"schedule"}
    MonthClose.objects.filter(period=APRIL).update(closed_via="")  # before it was kept
    assert closed_by() == {"2026-06": "", "2026-05": "schedule", "2026-04": "—"}


def test_the_page_names_the_login_and_the_command_line_itself(admin_client, admin_user, club):
    from django.core.management import call_command

    from tests.bonuses.engine_helpers import APRIL

    pay(club["member"], APRIL)
    admin_client.post(reverse(PAGE), {"period": "2026-04", "confirm": "yes"})
    assert MonthClose.objects.get(period=APRIL).closed_via == "page"
    call_command("close_month", "--month", "2026-05", stdout=StringIO())
    assert MonthClose.objects.get(period=MAY).closed_via == "command"
    rows = admin_client.get(reverse(PAGE)).context["rows"]
    assert {row.key: row.closed_by for row in rows} == {
        "2026-06": "",
        "2026-05": "command line",
        "2026-04": admin_user.username,
    }


def test_a_closed_month_is_not_offered_to_close_again(admin_client, club):
    # The address of a confirmation kept from before the close (or a second tab).
    services.month_close(period=MAY)
    response = admin_client.get(reverse(PAGE), {"confirm": "2026-05"})
    assert response.status_code == 200
    assert response.context["confirm_period"] is None
    page = response.content.decode()
    assert 'id="confirm-close"' not in page
    assert "May 2026 is already closed." in page


def test_a_closed_month_shows_its_figures_as_closed(admin_client, club):
    (closed,) = services.month_close(period=MAY)
    page = admin_client.get(reverse(PAGE)).content.decode()
    assert 'href="?preview=2026-05">Figures' in page
    response = admin_client.get(reverse(PAGE), {"preview": "2026-05"})
    assert response.context["preview"].total == closed.total
    page = response.content.decode()
    assert "May 2026 as closed" in page and "nothing written" not in page
    assert f"the close wrote {closed.entries} ledger entries" in page
    assert LedgerEntry.objects.count() == closed.entries  # nothing written by looking


def test_the_done_message_names_every_month_the_run_closed():
    from admin_site.closes import _done_message
    from tests.bonuses.engine_helpers import APRIL

    assert _done_message(MAY, [APRIL], already_closed=True) == (
        "Closed April 2026; May 2026 was already closed."
    )
    assert _done_message(MAY, [APRIL, MAY], already_closed=False) == (
        "Closed in order: April 2026, May 2026."
    )


def test_a_month_whose_statements_were_never_queued_says_not_sent(admin_client, club):
    from bonuses.services.statement_mails import statement_mails_queue

    services.month_close(period=MAY)  # closed without queueing its statements
    cell = _mails_cell(admin_client.get(reverse(PAGE)), "2026-05")
    assert cell == "not sent"
    queued = statement_mails_queue(period=MAY)
    cell = _mails_cell(admin_client.get(reverse(PAGE)), "2026-05")
    assert cell.startswith("0 sent") and "waiting" in cell, (queued, cell)


def _mails_cell(response, key: str) -> str:
    import re

    page = response.content.decode()
    row = page[page.index(f'data-period="{key}"') :]
    cell = row[row.index("statement-mails") :]
    cell = cell[cell.index(">") + 1 : cell.index("</td>")]
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def test_starting_a_close_with_no_worker_says_so_at_once(admin_client, club):
    response = admin_client.post(
        reverse(PAGE), {"period": "2026-05", "confirm": "yes"}, follow=True
    )
    assert "The worker is not running: the close is queued" in response.content.decode()


def test_starting_a_close_with_a_live_worker_does_not_warn(admin_client, club, live_cluster):
    response = admin_client.post(
        reverse(PAGE), {"period": "2026-05", "confirm": "yes"}, follow=True
    )
    assert "The worker is not running" not in response.content.decode()


def test_a_close_whose_worker_died_is_failed_and_can_be_started_again(
    admin_client, club, live_cluster
):
    from datetime import timedelta

    from django.utils import timezone

    from core.models import TaskClaim

    TaskClaim.objects.create(
        task_id="lost",
        name="Close 2026-05 (boss)",
        host=live_cluster.host,
        pid=live_cluster.workers[0] + 1,  # a worker process that no longer runs
        started_at=timezone.now() - timedelta(minutes=5),
    )
    status = admin_client.get(reverse("admin:month_close_status", args=["lost"])).json()
    assert status["state"] == "failed"
    assert "The worker stopped while closing; nothing was written" in status["message"]
    assert not MonthClose.objects.exists()
    admin_client.post(reverse(PAGE), {"period": "2026-05", "confirm": "yes"})
    assert MonthClose.objects.filter(period=MAY).count() == 1
