import io

import pytest
from django.core.management import call_command

from bonuses.models import LedgerEntry, Member, MonthClose

pytestmark = pytest.mark.django_db(transaction=True)


def test_bench_member_page_times_the_page_and_undoes_its_closes():
    out = io.StringIO()
    call_command("bench_member_page", downline=60, repeat=2, founder=True, stdout=out)
    text = out.getvalue()
    assert "downline 60" in text
    for who in ("downline member", "founder"):
        assert f"GET /me/ ({who}, this and last month open): median" in text
        assert f"GET /me/ ({who}, only this month open): median" in text
    assert not MonthClose.objects.exists() and not LedgerEntry.objects.exists()
    call_command("bench_member_page", downline=60, repeat=1, stdout=io.StringIO())
    assert Member.objects.count() == 61  # the second run reuses the first one's member
