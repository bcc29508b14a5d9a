"""Claims: the emailed link and the front-desk code each link a login exactly once, expire,
and store no secret (bonuses.services.claims)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from bonuses import services
from bonuses.models import Member, MemberClaim
from bonuses.services.claims import CODE_ATTEMPTS, CODE_LIFETIME, LINK_LIFETIME
from tests.factories import enroll

pytestmark = pytest.mark.django_db


def login(name):
    return get_user_model().objects.create_user(name, f"{name}@example.test", "pw-long-1234")


def emailed_link(claim):
    """(selector, secret) from the mail the claim sent."""
    body = mail.outbox[-1].body
    selector, secret = re.search(r"/claim/([^/\s]+)/([^/\s]+)/", body).groups()
    assert selector == claim.selector
    return selector, secret


def test_the_link_goes_to_the_email_on_file_and_links_its_login_once(settings, committed):
    settings.SITE_URL = "https://bonus.example.kz"
    member = enroll(email="dana@example.test")
    user = login("dana")
    claim = committed(services.claim_start, user=user, member=member)
    assert mail.outbox[0].to == ["dana@example.test"]
    assert "https://bonus.example.kz/claim/" in mail.outbox[0].body
    selector, secret = emailed_link(claim)
    assert secret not in claim.secret_hash and len(claim.secret_hash) == 64  # an HMAC only
    linked = services.claim_confirm_link(selector=selector, secret=secret, user=user)
    assert linked.pk == member.pk and Member.objects.get(pk=member.pk).user == user
    with pytest.raises(ValidationError, match="does not work"):
        services.claim_confirm_link(selector=selector, secret=secret, user=user)
    history = member.history.first()
    assert history.history_user == user and "link sent to the email on file" in (
        history.history_change_reason
    )


def test_the_link_works_only_for_the_login_that_asked(committed):
    member = enroll(email="dana@example.test")
    claim = committed(services.claim_start, user=login("dana"), member=member)
    selector, secret = emailed_link(claim)
    with pytest.raises(ValidationError):
        services.claim_confirm_link(selector=selector, secret=secret, user=login("mallory"))
    assert Member.objects.get(pk=member.pk).user is None


def test_the_link_expires(time_machine, committed):
    member = enroll(email="dana@example.test")
    user = login("dana")
    claim = committed(services.claim_start, user=user, member=member)
    selector, secret = emailed_link(claim)
    time_machine.move_to(timezone.now() + LINK_LIFETIME + timedelta(minutes=1))
    with pytest.raises(ValidationError):
        services.claim_confirm_link(selector=selector, secret=secret, user=user)
    assert Member.objects.get(pk=member.pk).user is None


def test_a_wrong_secret_is_refused_and_a_new_link_retires_the_old_one(committed):
    member = enroll(email="dana@example.test")
    user = login("dana")
    first = committed(services.claim_start, user=user, member=member)
    old = emailed_link(first)
    with pytest.raises(ValidationError):
        services.claim_confirm_link(selector=old[0], secret=old[1] + "x", user=user)
    assert committed(services.claim_resend, user=user) == 1
    with pytest.raises(ValidationError):
        services.claim_confirm_link(selector=old[0], secret=old[1], user=user)
    new = emailed_link(MemberClaim.objects.filter(user=user).latest("created_at"))
    assert services.claim_confirm_link(selector=new[0], secret=new[1], user=user).pk == member.pk


def test_two_logins_asking_for_one_member_link_only_the_first_to_confirm(committed):
    member = enroll(email="dana@example.test")
    dana, other = login("dana"), login("other")
    link_dana = emailed_link(committed(services.claim_start, user=dana, member=member))
    link_other = emailed_link(committed(services.claim_start, user=other, member=member))
    services.claim_confirm_link(selector=link_dana[0], secret=link_dana[1], user=dana)
    with pytest.raises(ValidationError):
        services.claim_confirm_link(selector=link_other[0], secret=link_other[1], user=other)
    assert Member.objects.get(pk=member.pk).user == dana


def test_a_desk_code_links_whoever_brings_it_once():
    member = enroll()
    issued = services.claim_issue_code(member=member, by=None)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", issued.printable)
    assert issued.code[4:] not in issued.claim.secret_hash
    user = login("dana")
    assert services.claim_redeem_code(code=issued.printable.lower(), user=user).pk == member.pk
    with pytest.raises(ValidationError):
        services.claim_redeem_code(code=issued.printable, user=login("again"))
    assert Member.objects.get(pk=member.pk).user == user


def test_a_desk_code_expires(time_machine):
    member = enroll()
    issued = services.claim_issue_code(member=member, by=None)
    time_machine.move_to(timezone.now() + CODE_LIFETIME + timedelta(minutes=1))
    with pytest.raises(ValidationError):
        services.claim_redeem_code(code=issued.code, user=login("dana"))
    assert Member.objects.get(pk=member.pk).user is None


def test_a_desk_code_dies_after_the_allowed_wrong_attempts_even_with_the_right_secret():
    member = enroll()
    issued = services.claim_issue_code(member=member, by=None)
    wrong = issued.code[:4] + ("A" if issued.code[4] != "A" else "B") + issued.code[5:]
    for _ in range(CODE_ATTEMPTS):
        with pytest.raises(ValidationError) as error:
            services.claim_check_code(code=wrong)
    message = error.value.messages
    assert MemberClaim.objects.get(pk=issued.claim.pk).attempts == CODE_ATTEMPTS
    with pytest.raises(ValidationError) as error:
        services.claim_redeem_code(code=issued.code, user=login("dana"))
    assert error.value.messages == message  # the same words: no oracle for a guesser
    assert Member.objects.get(pk=member.pk).user is None


@pytest.mark.parametrize("code", ["", "ABC", "A" * 40, "ABCD-EFGH-JKL0", "ÄBCD-EFGH-JKMN"])
def test_malformed_codes_are_refused_with_the_same_message(code):
    with pytest.raises(ValidationError, match="does not work"):
        services.claim_check_code(code=code)


def test_a_new_desk_code_retires_the_previous_one():
    member = enroll()
    first = services.claim_issue_code(member=member, by=None)
    second = services.claim_issue_code(member=member, by=None)
    with pytest.raises(ValidationError):
        services.claim_redeem_code(code=first.code, user=login("dana"))
    assert services.claim_redeem_code(code=second.code, user=login("dana2")).pk == member.pk


def test_no_code_for_a_member_who_has_a_login():
    member = enroll(user=login("dana"))
    with pytest.raises(ValidationError, match="already has a login"):
        services.claim_issue_code(member=member, by=None)


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_a_staff_login_cannot_claim_a_member(flag):
    member = enroll()
    issued = services.claim_issue_code(member=member, by=None)
    staff = login("staffer")
    setattr(staff, flag, True)
    staff.save()
    with pytest.raises(ValidationError):
        services.claim_redeem_code(code=issued.code, user=staff)
    assert Member.objects.get(pk=member.pk).user is None


def test_a_login_with_a_member_cannot_claim_another():
    mine = enroll(user=login("dana"))
    other = enroll()
    issued = services.claim_issue_code(member=other, by=None)
    with pytest.raises(ValidationError):
        services.claim_redeem_code(code=issued.code, user=mine.user)
    assert Member.objects.get(pk=other.pk).user is None
