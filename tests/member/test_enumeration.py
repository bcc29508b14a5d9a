"""What a stranger can learn by trying emails, phones and codes: nothing about whom they
belong to. Password reset and "Who invited you?" answer alike for known and unknown
people; sign-up never names or describes a member."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import chain, enroll

pytestmark = pytest.mark.django_db


def normalised(response) -> str:
    """The page without what differs between any two requests (tokens, the typed text)."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return text


def test_password_reset_answers_alike_for_a_known_and_an_unknown_email(client, django_user_model):
    django_user_model.objects.create_user("anna", "anna@example.test", "pw-anna-12345")
    known = client.post("/password-reset/", {"email": "anna@example.test"}, follow=True)
    unknown = client.post("/password-reset/", {"email": "nobody@example.test"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert normalised(known) == normalised(unknown)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["anna@example.test"]


def test_who_invited_you_answers_alike_whoever_is_named(member_client):
    enroll(email="elsewhere@example.test")
    answers = set()
    for who in ("own downline", "unknown", "a member elsewhere", "a name"):
        member, follower = chain(2)
        text = {
            "own downline": follower.referral_code,
            "unknown": "nobody@example.test",
            "a member elsewhere": "elsewhere@example.test",
            "a name": follower.first_name,
        }[who]
        client = member_client(member)
        response = client.post(reverse("bonuses:name_sponsor"), {"sponsor": text})
        page = client.get("/me/").content.decode()
        card = re.search(r'id="sponsor">(.*?)</section>', page, re.S).group(1)
        answers.add((response.status_code, response.url, card.replace(text, "TEXT")))
    assert len(answers) == 1, answers
    ((status, url, card),) = answers
    assert (status, url) == (302, "/me/#sponsor") and "You named “TEXT”" in card


FORM = {
    "username": "probe",
    "first_name": "Probe",
    "last_name": "Person",
    "password1": "a-long-password-1",
    "password2": "a-long-password-1",
}


@pytest.mark.parametrize(
    "case",
    ["email of one, phone of another", "email of a member with a login", "sponsor's own email"],
)
def test_sign_up_never_names_or_describes_whose_email_or_phone_it_is(
    client, django_user_model, case
):
    aliya = enroll(first_name="Aliya", last_name="Secretova", email="aliya@example.test")
    enroll(first_name="Bota", last_name="Hidden", phone="+77015550001")
    owner = django_user_model.objects.create_user("owner-login", "o@example.test", "pw")
    enroll(first_name="Owner", last_name="Known", email="owned@example.test", user=owner)
    data = {
        "email of one, phone of another": {"email": "aliya@example.test", "phone": "+77015550001"},
        "email of a member with a login": {"email": "owned@example.test"},
        "sponsor's own email": {"email": "aliya@example.test"},
    }[case]
    if case == "sponsor's own email":
        client.get(f"/r/{aliya.referral_code}/")
    response = client.post("/signup/", {**FORM, **data}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/me/"  # no form error to read anything from
    assert "Confirm it is you" in page
    for secret in ("Aliya", "Secretova", "Bota", "Hidden", "Owner", "owner-login"):
        assert secret not in page
    assert "two different members" not in page and "already exists" not in page
