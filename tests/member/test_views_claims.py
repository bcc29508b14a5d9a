"""Claiming an imported member's page through the site: a stranger with the member's email
or phone sees nothing of the member and can move nothing; the owner confirms through the
emailed link or a front-desk code."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from bonuses import services
from bonuses.models import Member, SponsorRequest
from bonuses.services.claims import LINK_LIFETIME
from tests.bonuses.engine_helpers import JUNE, pay
from tests.factories import enroll

pytestmark = pytest.mark.django_db

FORM = {
    "username": "newcomer",
    "first_name": "Someone",
    "last_name": "Else",
    "email": "stranger@example.test",
    "password1": "a-long-password-1",
    "password2": "a-long-password-1",
    "phone": "",
}


@pytest.fixture
def imported():
    """A member staff imported (no login), with a sponsor-less place, a follower and a
    payment: everything a stranger must not see or move."""
    member = enroll(
        first_name="Aliya", last_name="Secretova", email="aliya@example.test", phone="+77015550001"
    )
    follower = enroll(member, first_name="Follower", last_name="Hidden")
    pay(follower, JUNE)
    return member


def sign_up(client, committed, **changes):
    response = committed(client.post, "/signup/", {**FORM, **changes})
    assert response.status_code == 302 and response.url == "/me/"
    return response


def link_in_mail() -> str:
    return re.search(r"https?://[^/\s]+(/claim/\S+/)", mail.outbox[-1].body).group(1)


@pytest.mark.parametrize(
    "changes",
    [{"email": "ALIYA@example.test"}, {"phone": "8 701 555 00 01"}],
    ids=["email", "phone"],
)
def test_a_stranger_with_the_members_email_or_phone_sees_nothing_and_moves_nothing(
    client, committed, imported, changes
):
    sponsor = enroll(first_name="Mallory")
    client.get(f"/r/{sponsor.referral_code}/")
    sign_up(client, committed, **changes)
    page = client.get("/me/")
    text = page.content.decode()
    assert page.status_code == 200 and "Confirm it is you" in text
    assert "the email the club has on file" in text
    for secret in ("Aliya", "Secretova", "aliya@example.test", "Follower", "15 000"):
        assert secret not in text
    # The page's other doors are shut too: naming a sponsor, the tree, a code guess.
    assert client.post("/me/sponsor/", {"sponsor": sponsor.referral_code}).status_code == 404
    assert client.get("/me/tree/0001/").status_code == 404
    imported.refresh_from_db()
    assert imported.user is None and imported.sponsor is None
    assert not SponsorRequest.objects.exists()
    # The mail went to the member's own address, not to the stranger's.
    assert mail.outbox[-1].to == ["aliya@example.test"]


CONFIRM = "/claim/confirm/"


def open_link(client, link):
    """Open the mailed link: it lands on the confirmation, the secret left in the session."""
    response = client.get(link)
    assert response.status_code == 302 and response.url == CONFIRM
    return client.get(CONFIRM)


def test_the_owner_claims_through_the_emailed_link(client, committed, imported):
    sign_up(client, committed, email="aliya@example.test", username="aliya")
    link = link_in_mail()
    client.post("/logout/")
    response = open_link(client, link)
    # Logging in first; the secret is in neither the address nor "next".
    assert response.status_code == 302 and response.url == "/login/?next=/claim/confirm/"
    client.post("/login/", {"username": "aliya", "password": FORM["password1"]})
    page = client.get(CONFIRM)
    assert page.status_code == 200 and "Yes, it is me" in page.content.decode()
    imported.refresh_from_db()
    assert imported.user is None  # opening the link (a mail scanner) changes nothing
    assert client.post(CONFIRM).url == "/me/"
    me = client.get("/me/").content.decode()
    assert "Hello, Aliya" in me and "Follower H." in me
    imported.refresh_from_db()
    assert imported.user.username == "aliya"


def test_the_link_does_nothing_for_another_login(client, committed, imported, django_user_model):
    sign_up(client, committed, email="aliya@example.test")
    link = link_in_mail()
    other = django_user_model.objects.create_user("aliya-real", "x@example.test", "pw-1234567")
    client.force_login(other)
    assert open_link(client, link).status_code == 400
    response = client.post(CONFIRM)
    assert response.status_code == 400 and "does not work" in response.content.decode()
    imported.refresh_from_db()
    assert imported.user is None


def test_a_used_link_says_it_does_not_work(client, committed, imported):
    sign_up(client, committed, email="aliya@example.test")
    link = link_in_mail()
    open_link(client, link)
    client.post(CONFIRM)
    assert open_link(client, link).url == "/me/"  # already linked: back to the page
    client.post("/logout/")
    sign_up(client, committed, email="aliya@example.test", username="second")
    assert open_link(client, link).status_code == 400
    assert client.post(CONFIRM).status_code == 400


def test_a_confirmation_without_a_link_does_nothing(client, committed, imported):
    sign_up(client, committed, email="aliya@example.test")
    assert client.get(CONFIRM).status_code == 400
    assert client.post(CONFIRM).status_code == 400


def test_sending_the_link_again(client, committed, imported):
    sign_up(client, committed, email="aliya@example.test")
    first = link_in_mail()
    response = committed(client.post, reverse("bonuses:claim_send_again"), follow=True)
    assert "We sent a new link" in response.content.decode()
    second = link_in_mail()
    assert first != second
    assert open_link(client, first).status_code == 400
    open_link(client, second)
    assert client.post(CONFIRM).url == "/me/"


def test_an_expired_link_offers_a_new_one(client, committed, imported, time_machine):
    sign_up(client, committed, email="aliya@example.test")
    time_machine.shift(LINK_LIFETIME.total_seconds() + 60)
    page = client.get("/me/").content.decode()
    assert 'id="claim-expired"' in page and "Aliya" not in page


def test_a_member_without_email_claims_with_a_desk_code_on_the_waiting_page(client, committed):
    member = enroll(first_name="Nurlan", phone="+77015550002")
    sign_up(client, committed, phone="+77015550002")
    page = client.get("/me/").content.decode()
    assert "no email on file" in page and mail.outbox == []
    response = client.post("/claim/code/", {"code": "AAAA-BBBB-CCCC"})
    assert response.status_code == 400 and "does not work" in response.content.decode()
    issued = services.claim_issue_code(member=member, by=None)
    assert client.post("/claim/code/", {"code": issued.printable}).url == "/me/"
    assert "Hello, Nurlan" in client.get("/me/").content.decode()


def test_sign_up_with_a_desk_code_opens_the_page_at_once(client):
    member = enroll(first_name="Nurlan")
    issued = services.claim_issue_code(member=member, by=None)
    response = client.post("/signup/", {**FORM, "claim_code": issued.printable})
    assert response.url == "/me/"
    assert "Hello, Nurlan" in client.get("/me/").content.decode()
    assert Member.objects.count() == 1


def test_sign_up_with_a_wrong_code_writes_nothing_and_says_so_on_the_field(client):
    enroll(first_name="Nurlan")
    response = client.post("/signup/", {**FORM, "claim_code": "ZZZZ-ZZZZ-ZZZZ"})
    assert response.status_code == 200
    assert "does not work" in response.context["form"].errors["claim_code"][0]
    assert Member.objects.count() == 1
    assert not response.wsgi_request.user.is_authenticated
