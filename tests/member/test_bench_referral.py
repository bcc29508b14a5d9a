"""bench_referral times the referral page both ways and leaves nothing behind."""

import io

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError

from bonuses.models import ReferralVisit
from tests.factories import enroll

pytestmark = pytest.mark.django_db


def test_bench_referral_prints_both_timings_and_cleans_up():
    for _ in range(3):
        enroll()
    out = io.StringIO()
    call_command("bench_referral", "--rounds", "1", "--batch", "4", stdout=out)
    text = out.getvalue()
    assert "| before (no counting) |" in text and "| with counting |" in text
    assert "load average" in text and "median of the paired differences" in text
    # Ten warm-up and four timed visits with counting, each a new person: all counted.
    assert ", 14 visits counted" in text
    assert ReferralVisit.objects.count() == 0 and Session.objects.count() == 0


def test_bench_referral_needs_members():
    with pytest.raises(CommandError, match="no members"):
        call_command("bench_referral", stdout=io.StringIO())
