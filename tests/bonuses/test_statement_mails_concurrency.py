"""Statement senders racing on PostgreSQL: every member gets exactly one mail whatever
how many workers send the same month at once (threads with their own connections)."""

from collections import Counter

import pytest
from django.core import mail

from bonuses import services
from bonuses.models import Member, StatementMail
from bonuses.services.statement_mails import (
    statement_mail_send_one,
    statement_mails_queue,
    statement_mails_send,
)
from tests.bonuses.engine_helpers import MAY, NOW, pay
from tests.bonuses.test_concurrency import run_together
from tests.factories import enroll

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _june(time_machine, settings):
    time_machine.move_to(NOW, tick=True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def earners():
    """Sixty members in a few branches, all paid in May, May closed: most of them earn."""
    members = [enroll(email="m0@example.test")]
    for i in range(1, 60):
        members.append(enroll(members[(i - 1) // 3], email=f"m{i}@example.test"))
    for member in members:
        pay(member, MAY)
    services.month_close(period=MAY)
    return members


def test_four_workers_send_each_statement_once(on_postgres, earners):
    mail.outbox = []
    reports = []

    def work(i):
        statement_mails_queue(period=MAY)  # every worker queues too: once is once
        reports.append(statement_mails_send(period=MAY, batch_size=3))

    assert run_together(4, work) == []
    due = StatementMail.objects.filter(period=MAY).count()
    assert due == Member.objects.filter(ledger_entries__period=MAY).distinct().count() > 40
    sent_to = Counter(m.to[0] for m in mail.outbox)
    assert len(sent_to) == due and set(sent_to.values()) == {1}
    assert sum(r.sent for r in reports) == due
    assert sum(1 for r in reports if r.sent) > 1  # the workers really shared the month
    assert set(StatementMail.objects.values_list("state", "attempts")) == {("sent", 1)}


def test_a_resend_racing_the_queue_sends_that_member_twice_at_most_when_asked(on_postgres, earners):
    """Staff sending one member's statement while the worker goes through the month: the
    member gets the worker's mail or the staff's first send, never two from the queue."""
    mail.outbox = []
    statement_mails_queue(period=MAY)
    target = earners[1]

    def work(i):
        if i == 0:
            statement_mails_send(period=MAY, batch_size=5)
        else:
            statement_mail_send_one(member=target, period=MAY)

    assert run_together(3, work) == []
    assert Counter(m.to[0] for m in mail.outbox)[target.email] == 1
    assert StatementMail.objects.get(member=target).state == "sent"
