"""The dashboard's figures against the engine's own numbers, and its fixed query count."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bonuses import services
from bonuses.models import Member
from bonuses.selectors import member_statement
from bonuses.selectors.club import CACHE_KEY, club_figures, dashboard_figures
from bonuses.services.demo import seed_club
from bonuses.services.plans import all_plan_terms
from tests.bonuses.engine_helpers import JUNE, MAY, NOW, pay, worked_example

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    cache.clear()
    yield
    cache.clear()


def statements_total(period):
    return sum(
        (member_statement(member=m, period=period).month_total for m in Member.objects.all()),
        start=0,
    )


def test_accrued_this_month_equals_the_sum_of_every_statement():
    club = worked_example(JUNE)
    extra = pay(club["sponsor"], JUNE)  # a root payer: earns nobody a referred bonus
    assert extra.paid
    figures = club_figures()
    assert figures.accrued_this_month == statements_total(JUNE)
    assert figures.accrued_this_month > 0
    assert figures.members == 8
    assert figures.active_this_month == 7
    assert figures.active_last_month == 0
    assert figures.accrued_is_estimate is False


def test_closed_months_come_from_their_close_and_open_ones_are_live():
    worked_example(MAY)
    (closed,) = services.month_close(period=MAY)
    pay(Member.objects.order_by("path").first(), JUNE)
    figures = club_figures()
    may, june = figures.months[-2], figures.months[-1]
    assert (may.period, may.closed, june.closed) == (MAY, True, False)
    assert may.bonuses == closed.total
    assert may.active == closed.payments == 6
    assert june.active == 1
    assert figures.active_last_month == 6
    assert figures.outstanding == closed.total  # the ledger holds exactly May's close
    assert len(figures.months) == 12
    assert figures.new_this_month == 8  # everyone joined today


def test_top_earners_match_the_statements():
    worked_example(JUNE)
    figures = club_figures(with_top_earners=True)
    expected = sorted(
        ((member_statement(member=m, period=JUNE).month_total, m.pk) for m in Member.objects.all()),
        reverse=True,
    )
    expected = [(pk, amount) for amount, pk in expected if amount > 0]
    assert [(pk, amount) for pk, _name, amount in figures.top_earners] == expected[:10]


def test_figures_are_cached_and_refreshed_by_the_task():
    worked_example(JUNE)
    first = dashboard_figures()  # django-q2 runs sync in tests: the task filled the cache
    assert first.top_earners  # only the task computes them
    assert cache.get(CACHE_KEY).computed_at == first.computed_at
    enroll_more = Member.objects.count()
    pay(Member.objects.order_by("path").first(), JUNE)
    # Fresh figures are served from the cache, not recomputed on every view.
    assert dashboard_figures().computed_at == first.computed_at
    assert dashboard_figures().members == enroll_more


def test_dashboard_page_shows_the_figures(admin_client):
    club = worked_example(JUNE)
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="dashboard"' in page
    assert str(club["member"]) in page  # a top earner
    figures = response.context["figures"]
    assert figures.accrued_this_month == statements_total(JUNE)
    assert "Close past months" in page


def _dashboard_queries(client) -> tuple[int, int]:
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(reverse("admin:index")).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get(reverse("admin:index")).status_code == 200
    return len(cold), len(warm)


def test_query_count_is_the_same_for_10_and_1000_members(
    admin_client, django_assert_max_num_queries
):
    seed_club(members=10, months=3, seed=1)
    all_plan_terms()  # read once per process, then kept: not what is compared
    small = _dashboard_queries(admin_client)
    seed_club(members=990, months=3, seed=2)
    assert Member.objects.count() == 1000
    large = _dashboard_queries(admin_client)
    assert small == large
    with django_assert_max_num_queries(12):
        admin_client.get(reverse("admin:index"))


def test_front_desk_sees_the_dashboard_without_admin_only_links(client, django_user_model):
    from django.contrib.auth.models import Permission

    desk = django_user_model.objects.create_user("desk1", password="pw", is_staff=True)
    desk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_member", "view_payment"])
    )
    client.force_login(desk)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("admin:bonuses_member_changelist") in page
    assert reverse("admin:month_close") not in page
    assert reverse("admin:bonuses_ledgerentry_changelist") not in page
    assert reverse("admin:bonuses_plan_changelist") not in page


def test_a_large_clubs_first_view_queues_the_refresh_instead_of_waiting(admin_client, monkeypatch):
    import django_q.tasks

    from bonuses.selectors import club

    worked_example(JUNE)
    queued = []
    monkeypatch.setattr(django_q.tasks, "async_task", lambda *a, **kw: queued.append(a))
    monkeypatch.setattr(club, "INLINE_LIMIT", 5)  # the 8 members count as a large club
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert 'id="figures-pending"' in response.content.decode()
    assert queued == [("bonuses.tasks.refresh_dashboard",)]
    admin_client.get(reverse("admin:index"))
    assert len(queued) == 1  # one refresh at a time
    club.refresh_dashboard_figures()  # what the worker does
    response = admin_client.get(reverse("admin:index"))
    assert 'id="figures-pending"' not in response.content.decode()
    assert response.context["figures"].members == 8


def test_active_earner_rule_light_figure_is_flagged_and_the_refresh_is_exact():
    from bonuses.services.plans import DEFAULT_PACKAGES, DEFAULT_RATES

    services.plan_create_version(
        effective_from=JUNE,
        monthly_price="15000",
        rates=list(DEFAULT_RATES),
        referred_rate="0.05",
        packages=list(DEFAULT_PACKAGES),
        earner_must_be_active=True,
    )
    worked_example(JUNE)  # the sponsor and c are not active: their shares are not paid
    light = club_figures()
    exact = club_figures(with_top_earners=True)
    assert light.accrued_is_estimate is True
    assert exact.accrued_is_estimate is False
    assert exact.accrued_this_month == statements_total(JUNE)
    assert light.accrued_this_month > exact.accrued_this_month
    assert exact.months[-1].bonuses == exact.accrued_this_month


def test_dashboard_shows_the_workers_heartbeat(admin_client, live_cluster):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="worker-state" data-running="1"' in page
    assert f"1 cluster on {live_cluster.host}, worker processes: 1" in page


def test_dashboard_says_when_no_worker_runs(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="worker-state" data-running="0"' in page
    assert "The worker is not running" in page


def test_a_close_refreshes_the_outstanding_balance(django_capture_on_commit_callbacks):
    worked_example(MAY)
    assert dashboard_figures().outstanding == 0
    with django_capture_on_commit_callbacks(execute=True):
        (closed,) = services.month_close(period=MAY)
    figures = dashboard_figures()
    assert closed.total > 0
    assert figures.outstanding == closed.total
    assert figures.months[-2].closed and figures.months[-2].bonuses == closed.total


def test_an_import_refreshes_the_member_count(tmp_path, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    from tests.imports.helpers import csv_bytes, member_row, write

    worked_example(JUNE)
    assert dashboard_figures().members == 8
    data = csv_bytes([member_row("A1", "Ann"), member_row("B2", "Bob", sponsor="A1")])
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_members", write(tmp_path, "members.csv", data))
    assert dashboard_figures().members == 10


def test_figures_behind_a_write_say_so_until_refreshed(
    admin_client, monkeypatch, time_machine, django_capture_on_commit_callbacks
):
    """A large club (no inline computing) whose worker has not refreshed yet: the page
    shows the cached figures as stale, with their time, rather than as current."""
    from bonuses.selectors import club

    worked_example(MAY)
    before = dashboard_figures()
    monkeypatch.setattr(club, "INLINE_LIMIT", 0)
    monkeypatch.setattr(club, "dashboard_queue_refresh", lambda: None)  # worker busy
    monkeypatch.setattr("bonuses.services.dashboard.dashboard_queue_refresh", lambda: None)
    time_machine.shift(60)
    with django_capture_on_commit_callbacks(execute=True):
        services.month_close(period=MAY)
    stale = dashboard_figures()
    assert stale.stale and stale.computed_at == before.computed_at
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'data-stale="true"' in page
    # NOW, 12:00 at +06:00, is 11:00 in Almaty (UTC+5). The line above the cards and
    # each cached card: members, active, accrued, outstanding.
    assert page.count("as of 11:00 · updating") == 5

    monkeypatch.undo()
    time_machine.shift(60)
    fresh = dashboard_figures()
    assert not fresh.stale and fresh.outstanding > 0


def test_a_payment_toggle_shows_on_the_next_view(
    time_machine, monkeypatch, django_capture_on_commit_callbacks
):
    # One payment's change left the figures as they were for up to five minutes: staff
    # who marked a member paid saw the dashboard's active count unchanged.
    from bonuses.services import dashboard

    queued = []
    monkeypatch.setattr(dashboard, "dashboard_queue_refresh", lambda: queued.append(1))
    club = worked_example(JUNE)
    before = dashboard_figures()
    time_machine.shift(60)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_mark_unpaid(member=club["member"], period=JUNE)
    assert queued == []  # a click queues nothing; the next view refreshes
    after = dashboard_figures()
    assert after.computed_at > before.computed_at and not after.stale
    assert after.active_this_month == before.active_this_month - 1
    # Computed inline (a small club), the top earners included: the card is not blank.
    assert after.top_earners and after.top_earners != before.top_earners
