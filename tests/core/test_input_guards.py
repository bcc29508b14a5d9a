"""The guards behind "no URL answers 500 to a malformed value" (the walk in
tests/test_malformed_input.py finds the cases; these pin each guard down)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from bonuses.models import Member
from tests.factories import enroll

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/r/a%00b/", {}),
        ("get", "/admin/bonuses/ledgerentry/", {"period": "2026-05\x00"}),
        ("get", "/select2/fields/auto.json", {"term": "\x00"}),
        ("post", "/signup/", {"username": "a\x00b"}),
        ("post", "/password-reset/", {"email\x00": "x"}),
    ],
)
def test_nul_anywhere_in_a_request_is_a_400(admin_client, method, url, data):
    assert getattr(admin_client, method)(url, data).status_code == 400


def test_an_out_of_range_id_in_an_in_lookup_matches_nothing():
    member = enroll()
    assert list(Member.objects.filter(pk__in=[10**20, member.pk])) == [member]
    assert list(Permission.objects.filter(pk__in=["99999999999999999999"])) == []


@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "-1"])
def test_a_bad_id_in_an_autocomplete_field_shows_the_form_error(admin_client, value):
    member = enroll()
    url = reverse("admin:bonuses_member_change", args=[member.pk])
    response = admin_client.post(url, {"first_name": "A", "sponsor": value, "joined_on": "x"})
    assert response.status_code == 200
    assert "sponsor" in response.context["adminform"].form.errors


@pytest.mark.parametrize("path", ["abc/history/", "99999999999999999999/history/", "1/history/x/"])
def test_history_pages_answer_404_for_ids_that_are_none(admin_client, path):
    assert admin_client.get(f"/admin/bonuses/member/{path}").status_code == 404


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_an_overlong_username_is_a_form_error_not_a_500(client, url):
    response = client.post(url, {"username": "x" * 3000, "password": "pw"})
    assert response.status_code == 200


def test_page_numbers_beyond_any_list_are_the_last_page_not_a_500(admin_client):
    member = enroll()
    for url in (
        reverse("admin:bonuses_member_downline", args=[member.pk]),
        reverse("admin:bonuses_payment_month"),
    ):
        assert admin_client.get(url, {"page": "9" * 30}).status_code == 200
