"""Deleting a login in the admin: one that made ledger entries is kept, so the ledger
goes on saying who moved the money; deactivating it is the way out."""

import pytest
from django.urls import reverse

from bonuses import services
from bonuses.models import LedgerEntry
from tests.factories import enroll

pytestmark = pytest.mark.django_db


def test_a_login_that_made_ledger_entries_cannot_be_deleted(admin_client, django_user_model):
    author = django_user_model.objects.create_user("cashier", password="pw-long-enough-1")
    author.is_staff = True
    author.save()
    member = enroll()
    services.ledger_adjust(member=member, amount="500", reason="correction", by=author)
    url = reverse("admin:core_user_delete", args=[author.pk])
    page = admin_client.get(url).content.decode()
    assert "Ledger entries made by cashier" in page and "Deactivate the login" in page
    admin_client.post(url, {"post": "yes"})
    assert django_user_model.objects.filter(pk=author.pk).exists()
    assert LedgerEntry.objects.get().created_by_id == author.pk
    # The bulk action refuses the same way.
    changelist = reverse("admin:core_user_changelist")
    admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [author.pk], "post": "yes"}
    )
    assert django_user_model.objects.filter(pk=author.pk).exists()


def test_a_login_without_entries_is_deleted_as_before(admin_client, django_user_model):
    idle = django_user_model.objects.create_user("idle", password="pw-long-enough-1")
    url = reverse("admin:core_user_delete", args=[idle.pk])
    assert "Ledger entries made by" not in admin_client.get(url).content.decode()
    admin_client.post(url, {"post": "yes"})
    assert not django_user_model.objects.filter(pk=idle.pk).exists()
