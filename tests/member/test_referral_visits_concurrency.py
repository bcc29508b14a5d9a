"""The daily cap holds when visits race on PostgreSQL: the upsert neither loses a count
nor passes the cap."""

from datetime import date

import pytest

from bonuses.models import ReferralVisit
from bonuses.services.visits import referral_visit_record
from tests.bonuses.test_concurrency import run_together
from tests.factories import enroll

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = date(2026, 6, 15)


def test_racing_visits_stop_exactly_at_the_cap(on_postgres):
    sponsor = enroll()
    counted = []
    errors = run_together(
        40, lambda i: counted.append(referral_visit_record(member_id=sponsor.pk, day=DAY, cap=25))
    )
    assert errors == []
    assert counted.count(True) == 25 and counted.count(False) == 15
    assert ReferralVisit.objects.get(member=sponsor, day=DAY).opened == 25


def test_racing_visits_under_the_cap_all_count(on_postgres):
    sponsor = enroll()
    errors = run_together(30, lambda i: referral_visit_record(member_id=sponsor.pk, day=DAY))
    assert errors == []
    assert ReferralVisit.objects.get(member=sponsor, day=DAY).opened == 30


def test_the_commit_setting_ends_with_the_visit(on_postgres):
    from django.db import connection

    sponsor = enroll()
    assert referral_visit_record(member_id=sponsor.pk, day=DAY)
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)
