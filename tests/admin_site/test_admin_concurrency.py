"""Staff racing through the admin on PostgreSQL: double-clicked toggles and two desks
marking the same month leave one payment row in the last state, and nothing fails."""

import pytest
from django.test import Client
from django.urls import reverse

from bonuses.models import Payment
from core.periods import current_period
from tests.bonuses.test_concurrency import run_together
from tests.factories import enroll

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_paid_toggles_make_one_payment(on_postgres, django_user_model):
    member = enroll()
    users = [
        django_user_model.objects.create_superuser(f"s{i}", f"s{i}@x.test", "pw") for i in range(8)
    ]
    url = reverse("admin:bonuses_member_paid", args=[member.pk])
    statuses = []

    def click(i):
        client = Client()
        client.force_login(users[i])
        statuses.append(client.post(url, {"paid": "1"}).status_code)

    assert run_together(8, click) == []
    assert statuses == [200] * 8
    payment = Payment.objects.get(member=member, period=current_period())
    assert payment.paid


def test_concurrent_bulk_actions_on_overlapping_members(on_postgres, django_user_model):
    members = [enroll() for _ in range(6)]
    users = [
        django_user_model.objects.create_superuser(f"b{i}", f"b{i}@x.test", "pw") for i in range(4)
    ]
    statuses = []

    def act(i):
        client = Client()
        client.force_login(users[i])
        chosen = members[i : i + 3]
        response = client.post(
            reverse("admin:bonuses_member_changelist"),
            {"action": "mark_paid", "_selected_action": [m.pk for m in chosen], "month": "2026-02"},
        )
        statuses.append(response.status_code)

    assert run_together(4, act) == []
    assert statuses == [302] * 4
    assert Payment.objects.filter(period="2026-02-01", paid=True).count() == 6
