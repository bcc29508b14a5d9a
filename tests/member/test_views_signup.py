"""Referral link, sign-up, log in/out, lockout and password reset pages."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from bonuses.models import Member
from tests.factories import enroll

pytestmark = pytest.mark.django_db

FORM = {
    "username": "dana",
    "first_name": "Dana",
    "last_name": "Seitova",
    "middle_name": "",
    "email": "dana@example.test",
    "password1": "a-long-password-1",
    "password2": "a-long-password-1",
    "birth_date": "1990-04-02",
    "phone": "+77011234567",
    "address": "Abay 1",
}


def test_referral_link_remembers_the_sponsor_across_page_views(client):
    sponsor = enroll(first_name="Aigerim", last_name="Nurova")
    response = client.get(f"/r/{sponsor.referral_code}/")
    assert response.status_code == 302 and response.url == reverse("bonuses:signup")
    client.get("/login/")
    client.get("/password-reset/")
    page = client.get("/signup/")
    assert "Invited by Aigerim N." in page.content.decode()
    assert "Nurova" not in page.content.decode()
    response = client.post("/signup/", FORM)
    assert response.status_code == 302 and response.url == reverse("bonuses:me")
    member = Member.objects.get(email="dana@example.test")
    assert member.sponsor == sponsor
    assert member.birth_date.isoformat() == "1990-04-02"
    assert "referral_code" not in client.session
    me = client.get("/me/").content.decode()
    assert 'id="sponsor-name">Aigerim N.' in me


@pytest.mark.parametrize("code", ["doesnotexist", "a%27b", "x" * 300])
def test_unknown_or_malformed_code_shows_a_friendly_page_and_allows_sign_up(client, code):
    response = client.get(f"/r/{code}/")
    assert response.status_code == 404
    assert "does not work" in response.content.decode()
    assert reverse("bonuses:signup") in response.content.decode()
    assert client.post("/signup/", FORM).status_code == 302
    assert Member.objects.get(email="dana@example.test").sponsor is None


def test_unknown_code_forgets_an_earlier_referral(client):
    sponsor = enroll()
    client.get(f"/r/{sponsor.referral_code}/")
    client.get("/r/nope/")
    assert "Invited by" not in client.get("/signup/").content.decode()


def test_the_sponsor_own_email_on_a_referral_link_says_nothing_about_the_sponsor(client):
    sponsor = enroll(email="dana@example.test", first_name="Aigerim")
    client.get(f"/r/{sponsor.referral_code}/")
    response = client.post("/signup/", FORM)
    # Not "this referral link is your own": that would confirm whose email it is.
    assert response.status_code == 302 and response.url == reverse("bonuses:me")
    page = client.get("/me/").content.decode()
    assert "Aigerim" not in page and "Confirm it is you" in page
    assert Member.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"password2": "something-else-9"}, "password2", "The two passwords differ."),
        ({"password1": "123", "password2": "123"}, "password1", "too short"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"phone": "12"}, "phone", "valid phone"),
        ({"first_name": ""}, "first_name", "required"),
        ({"birth_date": "31.31.1990"}, "birth_date", "valid date"),
    ],
)
def test_sign_up_form_names_the_bad_field(client, change, field, message):
    response = client.post("/signup/", {**FORM, **change})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Member.objects.exists()


def test_taken_username_is_refused(client, django_user_model):
    django_user_model.objects.create_user("Dana", "x@example.test", "pw")
    response = client.post("/signup/", FORM)
    assert response.context["form"].errors["username"] == ["This username is taken."]


def test_imported_member_is_neither_linked_nor_duplicated(client):
    imported = enroll(phone="+77011234567", first_name="Dana")
    client.post("/signup/", FORM)
    imported.refresh_from_db()
    assert imported.user is None
    assert Member.objects.count() == 1


def test_log_in_and_out(client, django_user_model):
    member = enroll()
    member.user = django_user_model.objects.create_user("anna", "a@example.test", "pw-anna-123")
    member.save(update_fields=["user"])
    response = client.post("/login/", {"username": "anna", "password": "pw-anna-123"})
    assert response.status_code == 302 and response.url == "/me/"
    assert client.get("/me/").status_code == 200
    client.post("/logout/")
    response = client.get("/me/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_failed_logins_are_throttled(client, django_user_model, settings):
    django_user_model.objects.create_user("anna", "a@example.test", "pw-anna-123")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/login/", {"username": "anna", "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/login/", {"username": "anna", "password": "wrong"})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    # Even the right password waits for the cool-off.
    response = client.post("/login/", {"username": "anna", "password": "pw-anna-123"})
    assert response.status_code == 429


def test_password_reset_sends_a_link_that_sets_a_new_password(client, django_user_model):
    django_user_model.objects.create_user("anna", "anna@example.test", "old-password-1")
    response = client.post("/password-reset/", {"email": "anna@example.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session marker
    response = client.post(
        form_url, {"new_password1": "brand-new-pass-7", "new_password2": "brand-new-pass-7"}
    )
    assert response.status_code == 302
    assert django_user_model.objects.get(username="anna").check_password("brand-new-pass-7")


def test_a_login_created_by_the_members_import_sets_its_first_password_by_reset(client, tmp_path):
    from django.core.management import call_command

    from tests.imports.helpers import csv_bytes, member_row, write

    row = member_row("M-7", "Dana", username="dana", email="dana@example.test")
    call_command("import_members", write(tmp_path, "m.csv", csv_bytes([row])))
    user = Member.objects.get(external_id="M-7").user
    assert user.username == "dana" and not user.has_usable_password()

    client.post("/password-reset/", {"email": "DANA@example.test"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dana@example.test"]
    link = re.search(r"https?://[^/]+(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url
    client.post(form_url, {"new_password1": "first-pass-77", "new_password2": "first-pass-77"})
    client.logout()
    response = client.post("/login/", {"username": "dana", "password": "first-pass-77"})
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200
