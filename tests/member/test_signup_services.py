"""member_signup and member_name_sponsor: one transaction, links imported members,
refuses self-referral and sponsors from the member's own downline."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from bonuses import services
from bonuses.models import Member
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
    member = signup(sponsor)
    assert member.sponsor == sponsor
    assert Member.objects.get_parent(member) == sponsor
    assert member.user.username == "newbie"
    assert member.user.check_password("a-long-password-1")
    assert str(member.phone) == "+77011234567"


def test_signup_links_an_imported_member_with_the_same_email_instead_of_duplicating():
    sponsor, imported = chain(2)
    services.member_update(member=imported, email="dana@example.test")
    member = signup(enroll(), email="DANA@example.test", phone="")
    assert member.pk == imported.pk
    assert member.sponsor == sponsor  # staff's tree stays as entered
    assert Member.objects.count() == 3


def test_signup_links_by_phone_and_places_an_imported_root_under_the_link_sponsor():
    imported = enroll(phone="+77011234567")
    sponsor = enroll()
    member = signup(sponsor, email="other@example.test")
    assert member.pk == imported.pk
    assert member.sponsor == sponsor


def test_signup_refuses_a_member_who_already_has_a_login():
    signup()
    with pytest.raises(ValidationError) as error:
        signup(username="second", phone="")
    assert "email" in error.value.message_dict
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"), [("email", "Owner@Example.test"), ("phone", "+7 701 123 4567")]
)
def test_self_referral_is_refused_and_nothing_is_written(field, value):
    sponsor = enroll(email="owner@example.test", phone="+77011234567")
    fields = {"email": "x@example.test", "phone": ""}
    fields[field] = value
    with pytest.raises(ValidationError) as error:
        signup(sponsor, **fields)
    assert field in error.value.message_dict
    assert "your own" in error.value.message_dict[field][0]
    assert get_user_model().objects.count() == 0
    assert Member.objects.count() == 1


def test_a_bad_member_field_rolls_the_login_back():
    with pytest.raises(ValidationError) as error:
        signup(phone="12")
    assert "phone" in error.value.message_dict
    assert get_user_model().objects.count() == 0


def test_name_sponsor_by_email_phone_or_code():
    a = enroll(email="a@example.test")
    b = enroll(phone="+77017654321")
    c = enroll()
    m1, m2, m3 = enroll(), enroll(), enroll()
    assert services.member_name_sponsor(member=m1, text=" A@example.test ").sponsor == a
    assert services.member_name_sponsor(member=m2, text="8 701 765 43 21").sponsor == b
    assert services.member_name_sponsor(member=m3, text=c.referral_code).sponsor == c


def test_name_sponsor_is_once_only():
    a, b, member = enroll(), enroll(), enroll()
    services.member_name_sponsor(member=member, text=a.referral_code)
    with pytest.raises(ValidationError, match="only the club's staff"):
        services.member_name_sponsor(member=member, text=b.referral_code)
    member.refresh_from_db()
    assert member.sponsor == a


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("self", "yourself"),
        ("downline", "own downline"),
        ("unknown", "No member"),
        ("name", "No member"),  # no searching by name
    ],
)
def test_name_sponsor_refusals(who, message):
    member, follower, grandchild = chain(3)
    text = {
        "self": member.referral_code,
        "downline": grandchild.referral_code,
        "unknown": "nobody@example.test",
        "name": follower.first_name,
    }[who]
    with pytest.raises(ValidationError, match=message):
        services.member_name_sponsor(member=member, text=text)
    member.refresh_from_db()
    assert member.sponsor is None
