"""member_signup: a new person gets a member; an email or phone the club already has gets
a login and a claim to the email on file, never the member (DESIGN.md, "Who may do
what")."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError

from bonuses import services
from bonuses.models import Member, MemberClaim, SponsorRequest
from tests.factories import chain, enroll

pytestmark = pytest.mark.django_db


def signup(sponsor=None, **fields):
    data = {
        "username": "newbie",
        "password": "a-long-password-1",
        "email": "newbie@example.test",
        "phone": "+77011234567",
        "first_name": "Dana",
        "last_name": "Seitova",
    }
    data.update(fields)
    return services.member_signup(sponsor=sponsor, **data)


def test_signup_creates_login_and_member_under_the_sponsor():
    sponsor = enroll()
    user = signup(sponsor)
    member = Member.objects.get(user=user)
    assert member.sponsor == sponsor
    assert Member.objects.get_parent(member) == sponsor
    assert user.username == "newbie"
    assert user.check_password("a-long-password-1")
    assert str(member.phone) == "+77011234567"


@pytest.mark.parametrize(
    ("typed", "on_file"),
    [
        ({"email": "DANA@example.test", "phone": ""}, {"email": "dana@example.test"}),
        ({"email": "stranger@example.test"}, {"phone": "+77011234567", "email": "d@ex.test"}),
    ],
)
def test_a_known_email_or_phone_gets_a_login_without_the_member(typed, on_file, committed):
    sponsor, imported = chain(2)
    services.member_update(member=imported, **on_file)
    stranger_sponsor = enroll()
    user = committed(signup, stranger_sponsor, **typed)
    imported.refresh_from_db()
    assert imported.user is None  # not linked
    assert not Member.objects.filter(user=user).exists()
    assert imported.sponsor == sponsor  # the link's sponsor moved nothing
    assert not SponsorRequest.objects.exists()  # nor asked anything for the member
    assert Member.objects.count() == 3  # no duplicate either
    claim = MemberClaim.objects.get(user=user)
    assert claim.member == imported and claim.sent
    # The link goes to the email ON FILE, not the one typed.
    assert [m.to for m in mail.outbox] == [[on_file["email"]]]
    assert typed["email"].lower() not in mail.outbox[0].body


def test_a_member_without_email_on_file_gets_no_mail_and_waits_for_a_desk_code(committed):
    imported = enroll(phone="+77011234567")
    user = committed(signup, email="someone@example.test")
    claim = MemberClaim.objects.get(user=user)
    assert claim.member == imported and not claim.sent
    assert mail.outbox == []


def test_a_member_with_a_login_gets_a_notice_not_a_link(committed):
    owner = get_user_model().objects.create_user("owner", "owner@example.test", "pw")
    enroll(email="owner@example.test", user=owner)
    user = committed(signup, email="owner@example.test", phone="")
    assert not Member.objects.filter(user=user).exists()
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "already has a login" in body and "/claim/" not in body
    assert mail.outbox[0].to == ["owner@example.test"]


def test_email_and_phone_of_two_members_claim_both_and_say_nothing(committed):
    by_email = enroll(email="dana@example.test")
    by_phone = enroll(phone="+77011234567", email="other@example.test")
    user = committed(signup, email="dana@example.test")  # no "two different members" error
    assert set(MemberClaim.objects.filter(user=user).values_list("member", flat=True)) == {
        by_email.pk,
        by_phone.pk,
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@example.test", "other@example.test"]


def test_a_desk_code_links_the_new_login_and_asks_for_the_link_sponsor():
    imported = enroll(first_name="Dana")
    sponsor = enroll()
    issued = services.claim_issue_code(member=imported, by=None)
    claim = services.claim_check_code(code=issued.printable)
    user = signup(sponsor, claim=claim, email="dana@example.test")
    imported.refresh_from_db()
    assert imported.user == user
    assert imported.email == "dana@example.test"  # none was on file
    assert imported.sponsor is None  # the link's sponsor is a request for staff
    request = SponsorRequest.objects.get(member=imported)
    assert request.sponsor == sponsor and request.status == "pending"


def test_a_bad_member_field_rolls_the_login_back():
    with pytest.raises(ValidationError) as error:
        signup(phone="12")
    assert "phone" in error.value.message_dict
    assert get_user_model().objects.count() == 0


def test_taken_username_is_refused_and_nothing_is_written():
    signup()
    with pytest.raises(ValidationError) as error:
        signup(email="second@example.test", phone="", username="NEWBIE")
    assert error.value.message_dict == {"username": ["This username is taken."]}
    assert get_user_model().objects.count() == 1
