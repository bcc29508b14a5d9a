"""Sponsor requests: a request changes nothing until staff approve; approval moves the
branch through member_change_sponsor with the audit trail; the plan's option applies a
new member's request at once (bonuses.services.sponsor_requests)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bonuses import services
from bonuses.models import Member, SponsorRequest
from bonuses.selectors.sponsor_requests import move_effects
from bonuses.services.plans import plan_for
from core.periods import current_period
from tests.bonuses.engine_helpers import APRIL, JUNE, MAY, NOW, pay
from tests.factories import chain, enroll

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_once():
    plan = plan_for(current_period())
    plan.sponsor_requests_at_once = True
    plan.save()


def request_for(member, text):
    return services.sponsor_request_create(member=member, text=text)


def test_a_request_by_email_phone_or_code_waits_and_changes_nothing():
    a = enroll(email="a@example.test")
    b = enroll(phone="+77017654321")
    c = enroll()
    m1, m2, m3 = enroll(), enroll(), enroll()
    for member, text, sponsor in [
        (m1, " A@example.test ", a),
        (m2, "8 701 765 43 21", b),
        (m3, c.referral_code, c),
    ]:
        request = request_for(member, text)
        assert request.status == SponsorRequest.Status.PENDING
        assert request.sponsor == sponsor
        member.refresh_from_db()
        assert member.sponsor is None and member.depth == 1


@pytest.mark.parametrize("who", ["downline", "unknown", "name", "valid"])
def test_the_answer_is_the_same_whoever_is_named(who):
    member, follower, grandchild = chain(3)
    outsider = enroll(email="out@example.test")
    text = {
        "downline": grandchild.referral_code,
        "unknown": "nobody@example.test",
        "name": follower.first_name,  # no searching by name: it names nobody
        "valid": outsider.email,
    }[who]
    request = request_for(member, text)
    assert request.status == SponsorRequest.Status.PENDING
    assert request.named_as == text
    member.refresh_from_db()
    assert member.sponsor is None


def test_naming_oneself_is_refused():
    member = enroll(email="me@example.test")
    with pytest.raises(ValidationError, match="yourself"):
        request_for(member, "me@example.test")
    assert not SponsorRequest.objects.exists()


def test_one_pending_request_per_member_and_none_once_a_sponsor_is_set():
    a, b, member = enroll(), enroll(), enroll()
    request_for(member, a.referral_code)
    with pytest.raises(ValidationError, match="still with the club's staff"):
        request_for(member, b.referral_code)
    member_with_sponsor = enroll(a)
    with pytest.raises(ValidationError, match="only the club's staff"):
        request_for(member_with_sponsor, b.referral_code)


def test_approval_moves_the_branch_through_the_service_with_the_audit_trail(admin_user):
    sponsor = enroll()
    member, follower = chain(2)
    request = request_for(member, sponsor.referral_code)
    services.sponsor_request_approve(sponsor_request=request, by=admin_user)
    member.refresh_from_db()
    follower.refresh_from_db()
    assert member.sponsor == sponsor
    assert follower.depth == 3  # the branch moved with it
    assert Member.objects.find_problems() == ([], [], [], [], [])
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", admin_user)
    moved = member.history.first()
    assert moved.history_user == admin_user and moved.history_change_reason == "sponsor changed"
    assert request.history.first().history_user == admin_user
    with pytest.raises(ValidationError, match="already decided"):
        services.sponsor_request_approve(sponsor_request=request, by=admin_user)


def test_approval_refuses_a_sponsor_from_the_member_own_branch(admin_user):
    member, follower = chain(2)
    request = request_for(member, follower.referral_code)
    with pytest.raises(ValidationError, match="own downline"):
        services.sponsor_request_approve(sponsor_request=request, by=admin_user)
    request.refresh_from_db()
    assert request.status == "pending"
    with pytest.raises(ValidationError, match="names no member"):
        services.sponsor_request_approve(
            sponsor_request=request_for(enroll(), "nobody@example.test"), by=admin_user
        )


def test_rejection_needs_a_reason_and_then_the_member_may_ask_again(admin_user):
    a, member = enroll(), enroll()
    request = request_for(member, a.referral_code)
    with pytest.raises(ValidationError) as error:
        services.sponsor_request_reject(sponsor_request=request, by=admin_user, reason=" ")
    assert "reason" in error.value.message_dict
    services.sponsor_request_reject(
        sponsor_request=request, by=admin_user, reason="Aigerim says she did not invite you."
    )
    request.refresh_from_db()
    assert request.status == "rejected" and request.reason.startswith("Aigerim")
    member.refresh_from_db()
    assert member.sponsor is None
    assert request_for(member, a.referral_code).status == "pending"


def test_the_plan_option_applies_a_new_member_without_followers_at_once(at_once):
    sponsor = enroll()
    member = enroll(joined_on=timezone.localdate() - timedelta(days=29))
    request = request_for(member, sponsor.referral_code)
    assert request.status == "approved" and request.applied_at_once
    member.refresh_from_db()
    assert member.sponsor == sponsor


@pytest.mark.parametrize("case", ["old", "followers", "option off", "unknown"])
def test_the_plan_option_leaves_everything_else_to_staff(case, at_once):
    sponsor = enroll()
    joined = timezone.localdate() - timedelta(days=31 if case == "old" else 1)
    member = enroll(joined_on=joined)
    if case == "followers":
        enroll(member)
    if case == "option off":
        plan = plan_for(current_period())
        plan.sponsor_requests_at_once = False
        plan.save()
    text = "nobody@example.test" if case == "unknown" else sponsor.referral_code
    assert request_for(member, text).status == "pending"
    member.refresh_from_db()
    assert member.sponsor is None


def test_move_effects_count_the_branch_and_the_open_months_it_changes(
    django_assert_max_num_queries, time_machine
):
    time_machine.move_to(NOW, tick=False)
    member, follower, _, _, _, deep4 = chain(6)
    lonely, closed_payer = enroll(), enroll(member)
    pay(closed_payer, APRIL)
    services.month_close(period=APRIL)  # closed months are final: not changed
    pay(follower, MAY)
    pay(deep4, JUNE)  # 5 levels below the member: 6 below a new sponsor, past the plan
    with django_assert_max_num_queries(8):
        effects = move_effects([member, lonely])
    assert effects[member.pk].moving == 7
    assert effects[member.pk].months == (MAY,)
    assert effects[lonely.pk].moving == 1 and effects[lonely.pk].months == ()
    many = [enroll() for _ in range(30)]
    with django_assert_max_num_queries(8):
        assert len(move_effects(many)) == 30
