"""Every admin page loads for an administrator."""

import pytest
from django.contrib import admin
from django.urls import reverse

from bonuses.services.demo import load_demo_club

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    load_demo_club()


def registered_models():
    return [
        (model._meta.app_label, model._meta.model_name)
        for model in admin.site._registry
        if model._meta.app_label in {"bonuses", "core", "auth"}
    ]


@pytest.mark.parametrize("app,model", registered_models())
def test_changelist_and_add_pages_load(
    admin_client, demo, app, model, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        assert admin_client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    # Read-only admins (the ledger: entries come from closes and services; sponsor
    # requests: members ask from their page; statement mails: the worker writes them)
    # refuse adding.
    read_only = (app, model) in {
        ("bonuses", "ledgerentry"),
        ("bonuses", "sponsorrequest"),
        ("bonuses", "statementmail"),
    }
    expected = 403 if read_only else 200
    assert admin_client.get(reverse(f"admin:{app}_{model}_add")).status_code == expected


def test_member_change_page_loads(admin_client, demo):
    from bonuses.models import Member

    member = Member.objects.get(user__username="anna")
    response = admin_client.get(reverse("admin:bonuses_member_change", args=[member.pk]))
    assert response.status_code == 200
    assert "Смирнова" in response.content.decode() or "Anna" in response.content.decode()


def test_dashboard_loads(admin_client, demo):
    assert admin_client.get(reverse("admin:index")).status_code == 200
