import io

import pytest
from django.core import mail
from django.core.management import call_command

from bonuses.models import Member, StatementMail

pytestmark = pytest.mark.django_db


def test_bench_statements_sends_to_everyone_and_can_run_again():
    out = io.StringIO()
    call_command("bench_statements", members=60, everyone=True, batch=7, stdout=out)
    text = out.getvalue()
    assert "Seeded 60 members" in text and "with everyone else: 60 statements" in text
    assert "sent 60 (failed 0" in text and "peak" in text and "load average" in text
    assert StatementMail.objects.filter(state="sent").count() == Member.objects.count() == 60
    assert mail.outbox == []  # the bench's locmem backend empties it as it goes
    call_command("bench_statements", limit=10, stdout=(again := io.StringIO()))
    assert "Reusing the club" in again.getvalue() and "sent 10 (" in again.getvalue()
