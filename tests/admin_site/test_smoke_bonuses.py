"""Every page of part B loads for an administrator (200) and is refused to front desk
(403, the dashboard excepted), each in a bounded number of queries."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_q.models import Schedule

from bonuses import services
from bonuses.models import LedgerEntry, Plan
from bonuses.selectors.club import dashboard_figures
from bonuses.tasks import MONTH_CLOSE_SCHEDULE
from tests.bonuses.engine_helpers import MAY, NOW, worked_example

pytestmark = pytest.mark.django_db

MAX_QUERIES = 30


@pytest.fixture(autouse=True)
def club(time_machine, admin_user):
    time_machine.move_to(NOW, tick=False)
    members = worked_example(MAY)
    services.month_close(period=MAY, by=admin_user)
    services.ledger_adjust(member=members["a"], amount="10", reason="x", by=admin_user)
    # The dashboard's figures as the background refresh leaves them (test_dashboard
    # covers the cold page; django-q2 runs that refresh inline in tests).
    dashboard_figures()
    return members


def pages(club) -> list[tuple[str, bool]]:
    """(url, front desk may see it)."""
    plan = Plan.objects.get()
    entry = LedgerEntry.objects.first()
    schedule = Schedule.objects.get(name=MONTH_CLOSE_SCHEDULE)
    member = club["member"].pk
    return [
        (reverse("admin:index"), True),
        (reverse("admin:month_close"), False),
        (reverse("admin:month_close") + "?preview=2026-05", False),
        (reverse("admin:month_close") + "?confirm=2026-04", False),
        (reverse("admin:month_close_status", args=["abc"]), False),
        (reverse("admin:bonuses_plan_changelist"), False),
        (reverse("admin:bonuses_plan_add"), False),
        (reverse("admin:bonuses_plan_change", args=[plan.pk]), False),
        (reverse("admin:bonuses_plan_history", args=[plan.pk]), False),
        (reverse("admin:bonuses_ledgerentry_changelist"), False),
        (reverse("admin:bonuses_ledgerentry_change", args=[entry.pk]), False),
        (reverse("admin:bonuses_ledgerentry_export"), False),
        (reverse("admin:bonuses_ledgerentry_claim") + f"?member={member}", False),
        (reverse("admin:bonuses_ledgerentry_payout"), False),
        (reverse("admin:bonuses_ledgerentry_adjust") + f"?member={member}", False),
        (reverse("admin:django_q_schedule_changelist"), False),
        (reverse("admin:django_q_schedule_add"), False),
        (reverse("admin:django_q_schedule_change", args=[schedule.pk]), False),
        (reverse("admin:django_q_success_changelist"), False),
        (reverse("admin:django_q_failure_changelist"), False),
        (reverse("admin:django_q_ormq_changelist"), False),
    ]


def test_every_page_loads_for_an_administrator(admin_client, club, django_assert_max_num_queries):
    for url, _desk in pages(club):
        with django_assert_max_num_queries(MAX_QUERIES):
            response = admin_client.get(url)
        assert response.status_code == 200, url


def test_front_desk_gets_the_dashboard_and_403_elsewhere(
    client, django_user_model, club, django_assert_max_num_queries
):
    desk = django_user_model.objects.create_user("desk1", password="pw", is_staff=True)
    desk.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_member", "change_member", "view_payment", "change_payment"]
        )
    )
    client.force_login(desk)
    for url, desk_may in pages(club):
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(url)
        assert response.status_code == (200 if desk_may else 403), url


@pytest.mark.parametrize("group", ["Administrator", "Front desk"])
def test_the_real_groups(client, django_user_model, club, group, django_assert_max_num_queries):
    """The groups of admin_site's data migration: Administrator reaches every page, front
    desk only the dashboard."""
    from django.contrib.auth.models import Group

    from admin_site.roles import ADMINISTRATOR

    user = django_user_model.objects.create_user("staff1", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    for url, desk_may in pages(club):
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(url)
        expected = 200 if group == ADMINISTRATOR or desk_may else 403
        assert response.status_code == expected, (group, url)
