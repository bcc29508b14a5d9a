"""Every changelist, add and change page and the custom pages, as an Administrator and as
the front desk (group members, not superusers): 200 where the role allows, 403 where it
does not, and a bounded number of queries either way."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from admin_site.roles import ADMINISTRATOR, FRONT_DESK
from bonuses.models import Member
from bonuses.services.demo import load_demo_club

pytestmark = pytest.mark.django_db

# The most is the dashboard's first view, which in the tests' synchronous mode computes
# the club's figures inside the request (about 25 queries; the worker does it in
# production), plus one read of the workers' heartbeat (core.worker) and one of the last
# statements check; the month's exact figures read the payments, the follower counts and
# the month's maintained rows (three queries where the walk of the tree was one); and the
# four of the referral funnel (bonuses.selectors.funnel.club_funnel).
MAX_QUERIES = 48
APPS = {"bonuses", "core", "auth", "django_q"}


@pytest.fixture(params=[ADMINISTRATOR, FRONT_DESK])
def staff(request, django_user_model):
    load_demo_club()
    user = django_user_model.objects.create_user("smoke", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=request.param))
    return user


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def fake_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def model_pages(user):
    """(url, expected status) for every registered model's changelist, add and change page."""
    request = fake_request(user)
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if meta.app_label not in APPS:
            continue
        name = f"admin:{meta.app_label}_{meta.model_name}"
        can_view = model_admin.has_view_or_change_permission(request)
        yield reverse(f"{name}_changelist"), 200 if can_view else 403
        can_add = model_admin.has_add_permission(request)
        yield reverse(f"{name}_add"), 200 if can_add else 403
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            yield reverse(f"{name}_change", args=[obj.pk]), 200 if can_view else 403


def custom_pages(user):
    anna = Member.objects.get(user__username="anna")
    members = user.has_perm("bonuses.view_member")
    closes = user.has_perm("bonuses.view_monthclose")
    yield reverse("admin:index"), 200
    yield reverse("admin:bonuses_member_downline", args=[anna.pk]), 200 if members else 403
    yield reverse("admin:bonuses_member_lookup") + f"?member={anna.pk}", 200 if members else 403
    yield reverse("admin:bonuses_payment_month"), 200 if members else 403
    yield reverse("admin:month_close"), 200 if closes else 403
    yield reverse("admin:import_start"), 200 if user.has_perm("bonuses.add_member") else 403
    yield reverse("admin:export"), 200 if members else 403
    yield reverse("admin:bonuses_member_history", args=[anna.pk]), 200 if members else 403
    payment = anna.payments.first()
    yield reverse("admin:bonuses_payment_history", args=[payment.pk]), 200 if members else 403


def test_every_page_answers_as_the_role_allows(staff, staff_client, django_assert_max_num_queries):
    pages = [*model_pages(staff), *custom_pages(staff)]
    assert len(pages) > 20
    for url, expected in pages:
        with django_assert_max_num_queries(MAX_QUERIES):
            status = staff_client.get(url).status_code
        assert status == expected, url


def test_front_desk_is_refused_plan_ledger_closes_and_users(client, django_user_model):
    load_demo_club()
    desk = django_user_model.objects.get(username="desk")
    client.force_login(desk)
    refused = [
        reverse("admin:bonuses_plan_changelist"),
        reverse("admin:bonuses_ledgerentry_changelist"),
        reverse("admin:bonuses_ledgerentry_claim"),
        reverse("admin:month_close"),
        reverse("admin:core_user_changelist"),
        reverse("admin:auth_group_changelist"),
    ]
    for url in refused:
        assert client.get(url).status_code == 403, url
    anna = Member.objects.get(user__username="anna")
    toggle = reverse("admin:bonuses_member_paid", args=[anna.pk])
    assert client.post(toggle, {"paid": "1"}).status_code == 200


def test_bench_admin_times_every_page_and_leaves_nothing_behind(django_user_model):
    from io import StringIO

    from django.core.management import call_command

    from admin_site.management.commands.bench_admin import pages
    from bonuses.models import Payment

    load_demo_club()
    users, payments = django_user_model.objects.count(), Payment.objects.count()
    out = StringIO()
    call_command("bench_admin", "--repeat", "1", stdout=out)
    text = out.getvalue()
    for page in pages(Member.objects.first()):
        assert page.name in text
    assert "slowest:" in text
    assert django_user_model.objects.count() == users
    assert Payment.objects.count() == payments
