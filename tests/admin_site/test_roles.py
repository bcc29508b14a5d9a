"""Groups "Administrator" and "Front desk" come from admin_site's data migration."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from admin_site.roles import ADMINISTRATOR, FRONT_DESK
from bonuses.services.demo import load_demo_club

pytestmark = pytest.mark.django_db


def codenames(group_name):
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_migration_creates_both_groups_with_their_permissions():
    assert codenames(FRONT_DESK) == {
        "bonuses.view_member",
        "bonuses.add_member",
        "bonuses.change_member",
        "bonuses.view_payment",
        "bonuses.add_payment",
        "bonuses.change_payment",
    }
    admin_perms = codenames(ADMINISTRATOR)
    assert len(admin_perms) == Permission.objects.count()
    assert {"bonuses.change_plan", "core.change_user", "bonuses.add_monthclose"} <= admin_perms


def test_demo_front_desk_user_has_members_and_payments_but_not_plan_or_ledger(
    client, django_user_model
):
    load_demo_club()
    client.force_login(django_user_model.objects.get(username="desk"))
    assert client.get(reverse("admin:bonuses_member_changelist")).status_code == 200
    assert client.get(reverse("admin:bonuses_payment_changelist")).status_code == 200
    for page in ("bonuses_plan_changelist", "bonuses_ledgerentry_changelist", "month_close"):
        assert client.get(reverse(f"admin:{page}")).status_code == 403, page
    assert client.get(reverse("admin:core_user_changelist")).status_code == 403


def test_administrator_group_member_reaches_plan_and_users(client, django_user_model):
    user = django_user_model.objects.create_user("chief", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=ADMINISTRATOR))
    client.force_login(user)
    assert client.get(reverse("admin:bonuses_plan_changelist")).status_code == 200
    assert client.get(reverse("admin:core_user_changelist")).status_code == 200
