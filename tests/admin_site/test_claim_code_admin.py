"""The member page's claim code: issued by the front desk for a member without a login,
shown once to print or copy; only its HMAC is kept."""

import re

import pytest
from django.urls import reverse

from bonuses.models import MemberClaim
from tests.factories import enroll

pytestmark = pytest.mark.django_db


def issue(client, member):
    return client.post(reverse("admin:bonuses_member_claim_code", args=[member.pk]))


def test_the_desk_prints_a_code_that_opens_the_members_page(
    desk_client, client, desk_user, django_user_model
):
    member = enroll(first_name="Nurlan")
    page = desk_client.get(reverse("admin:bonuses_member_change", args=[member.pk]))
    assert 'id="issue-claim-code"' in page.content.decode()
    response = issue(desk_client, member)
    text = response.content.decode()
    code = re.search(r'id="claim-code">([A-Z2-9-]{14})<', text).group(1)
    assert "window.print()" in text and "/signup/" in text
    claim = MemberClaim.objects.get()
    assert claim.created_by == desk_user and code.replace("-", "")[4:] not in claim.secret_hash
    owner = django_user_model.objects.create_user("nurlan", password="pw")
    client.force_login(owner)
    assert client.post("/claim/code/", {"code": code}).url == "/me/"
    member.refresh_from_db()
    assert member.user == owner


def test_no_code_for_a_member_with_a_login(admin_client, django_user_model):
    member = enroll(user=django_user_model.objects.create_user("has-login", password="pw"))
    page = admin_client.get(reverse("admin:bonuses_member_change", args=[member.pk]))
    assert 'id="issue-claim-code"' not in page.content.decode()
    response = issue(admin_client, member)
    assert response.status_code == 302
    assert not MemberClaim.objects.exists()


def test_a_code_is_issued_by_post_only_and_by_staff_who_change_members(
    client, admin_client, django_user_model
):
    member = enroll()
    url = reverse("admin:bonuses_member_claim_code", args=[member.pk])
    assert admin_client.get(url).status_code == 405
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(viewer)
    assert client.post(url).status_code == 403
    assert not MemberClaim.objects.exists()
