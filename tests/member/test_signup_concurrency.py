"""Sign-up, claims and sponsor requests racing on PostgreSQL."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError

from bonuses import services
from bonuses.models import Member, MemberClaim, SponsorRequest
from tests.bonuses.test_concurrency import run_together
from tests.factories import enroll

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_approvals_of_members_naming_each_other_make_no_cycle(on_postgres, admin_user):
    a, b = enroll(), enroll()
    requests = [
        services.sponsor_request_create(member=a, text=b.referral_code),
        services.sponsor_request_create(member=b, text=a.referral_code),
    ]

    def work(i):
        services.sponsor_request_approve(sponsor_request=requests[i], by=admin_user)

    errors = run_together(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert Member.objects.filter(sponsor__isnull=False).count() == 1
    assert Member.objects.find_problems() == ([], [], [], [], [])


def test_one_member_asking_twice_at_once_keeps_one_pending_request(on_postgres):
    member, x, y = enroll(), enroll(), enroll()
    errors = run_together(
        2,
        lambda i: services.sponsor_request_create(member=member, text=(x, y)[i].referral_code),
    )
    assert len(errors) == 1 and "still with the club's staff" in str(errors[0])
    assert SponsorRequest.objects.filter(member=member, status="pending").count() == 1


def test_two_logins_confirming_claims_on_one_member_at_once_link_it_once(on_postgres):
    imported = enroll(email="dana@example.test")
    users = [
        get_user_model().objects.create_user(f"dana{i}", "dana@example.test", "pw-12345678")
        for i in range(2)
    ]
    links = []
    for user in users:
        services.claim_start(user=user, member=imported)  # commits: the mail leaves
        links.append(re.search(r"/claim/([^/\s]+)/([^/\s]+)/", mail.outbox[-1].body).groups())

    def work(i):
        selector, secret = links[i]
        services.claim_confirm_link(selector=selector, secret=secret, user=users[i])

    errors = run_together(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    imported.refresh_from_db()
    assert imported.user in users


def test_twenty_sign_ups_under_one_sponsor(on_postgres):
    sponsor = enroll()

    def work(i):
        services.member_signup(
            username=f"u{i}", password="a-long-password-1", email=f"u{i}@example.test",
            first_name=f"U{i}", sponsor=sponsor,
        )  # fmt: skip

    assert run_together(20, work) == []
    sponsor.refresh_from_db()
    assert sponsor.numchild == 20
    assert Member.objects.find_problems() == ([], [], [], [], [])


def test_two_sign_ups_with_one_username_give_one_login_and_a_clear_error(on_postgres):
    def work(i):
        services.member_signup(
            username="dana", password="a-long-password-1", email=f"d{i}@example.test",
            first_name="Dana",
        )  # fmt: skip

    errors = run_together(2, work)
    assert len(errors) == 1
    assert errors[0].message_dict == {"username": ["This username is taken."]}
    assert get_user_model().objects.count() == 1
    assert Member.objects.count() == 1


def test_one_desk_code_brought_by_two_logins_at_once_links_one(on_postgres):
    member = enroll()
    issued = services.claim_issue_code(member=member, by=None)
    users = [
        get_user_model().objects.create_user(f"bearer{i}", password="pw-12345678") for i in range(2)
    ]
    errors = run_together(
        2, lambda i: services.claim_redeem_code(code=issued.printable, user=users[i])
    )
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    member.refresh_from_db()
    assert member.user in users


def test_wrong_guesses_at_once_each_count_and_the_code_dies(on_postgres):
    member = enroll()
    issued = services.claim_issue_code(member=member, by=None)
    wrong = issued.code[:4] + ("A" if issued.code[4] != "A" else "B") + issued.code[5:]
    errors = run_together(8, lambda i: services.claim_check_code(code=wrong))
    assert len(errors) == 8
    claim = MemberClaim.objects.get(pk=issued.claim.pk)
    assert claim.attempts == 8  # none lost: F() increments under the row lock
    with pytest.raises(ValidationError):
        services.claim_check_code(code=issued.code)
