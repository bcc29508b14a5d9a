"""Sign-up and naming a sponsor racing on PostgreSQL."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from bonuses import services
from bonuses.models import Member
from tests.bonuses.test_concurrency import run_together
from tests.factories import enroll

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_members_naming_each_other_at_once_make_no_cycle(on_postgres):
    a, b = enroll(), enroll()
    pairs = [(a, b), (b, a)]

    def work(i):
        member, sponsor = pairs[i]
        services.member_name_sponsor(member=member, text=sponsor.referral_code)

    errors = run_together(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert Member.objects.filter(sponsor__isnull=False).count() == 1
    assert Member.objects.find_problems() == ([], [], [], [], [])


def test_one_member_naming_two_sponsors_at_once_keeps_one(on_postgres):
    member, x, y = enroll(), enroll(), enroll()
    errors = run_together(
        2, lambda i: services.member_name_sponsor(member=member, text=(x, y)[i].referral_code)
    )
    assert len(errors) == 1 and "only the club's staff" in str(errors[0])
    member.refresh_from_db()
    assert member.sponsor in (x, y)


def test_two_sign_ups_claiming_one_imported_member_link_it_once(on_postgres):
    imported = enroll(email="dana@example.test")

    def work(i):
        services.member_signup(
            username=f"dana{i}", password="a-long-password-1", email="dana@example.test",
            first_name="Dana",
        )  # fmt: skip

    errors = run_together(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    imported.refresh_from_db()
    assert imported.user is not None
    assert get_user_model().objects.count() == 1
    assert Member.objects.count() == 1


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
