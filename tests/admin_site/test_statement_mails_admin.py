"""The statement mails in the admin: counts on the month close page, the list, and "send
again" for one member, recorded in the admin's history."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse

from bonuses import tasks
from bonuses.models import Member, StatementMail
from tests.bonuses.engine_helpers import MAY, NOW, worked_example

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:bonuses_statementmail_changelist"


@pytest.fixture(autouse=True)
def _june(time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def closed_may():
    people = worked_example(MAY)
    for name, member in people.items():
        Member.objects.filter(pk=member.pk).update(email=f"{name}@example.test")
    Member.objects.filter(pk=people["b2"].pk).update(email="")
    tasks.close_month(MAY.isoformat(), None)
    StatementMail.objects.filter(member=people["a"]).update(state="failed", error="550 no")
    return people


def test_the_close_page_shows_sent_and_failed_counts(admin_client, closed_may):
    sent = StatementMail.objects.filter(state="sent").count()
    page = admin_client.get(reverse("admin:month_close")).content.decode()
    row = page.split('data-period="2026-05"', 1)[1].split("</tr>", 1)[0]
    assert f"{sent} sent" in row and "1 failed" in row
    assert "?period=2026-05&amp;state__exact=failed" in row


def test_the_close_page_reads_the_counts_in_one_query(
    admin_client, closed_may, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20) as counted:
        admin_client.get(reverse("admin:month_close"))
    mail_queries = [q for q in counted.captured_queries if "statementmail" in q["sql"]]
    assert len(mail_queries) == 1


def test_the_list_filters_by_month_and_state(admin_client, closed_may):
    url = reverse(CHANGELIST) + "?period=2026-05&state__exact=failed"
    page = admin_client.get(url).content.decode()
    assert "a@example.test" in page and "member@example.test" not in page


def test_send_again_mails_the_member_now_and_is_recorded(admin_client, admin_user, closed_may):
    row = StatementMail.objects.get(member=closed_may["a"])
    mail.outbox = []
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "send_again", "_selected_action": [row.pk]}, follow=True
    )
    assert "1 statement sent again." in response.content.decode()
    assert [m.to for m in mail.outbox] == [["a@example.test"]]
    row.refresh_from_db()
    assert (row.state, row.error, row.attempts) == ("sent", "", 2)
    entry = LogEntry.objects.get(object_id=str(row.pk))
    assert entry.user == admin_user and entry.change_message == "Statement sent again: sent"


def test_send_again_says_why_a_member_without_email_got_nothing(admin_client, closed_may):
    row = StatementMail.objects.get(member=closed_may["b2"])
    assert row.state == "no_email"
    mail.outbox = []
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "send_again", "_selected_action": [row.pk]}, follow=True
    )
    assert "not sent (no email on file)" in response.content.decode()
    assert mail.outbox == []


def test_the_front_desk_can_neither_see_nor_resend(desk_client, closed_may):
    row = StatementMail.objects.get(member=closed_may["a"])
    mail.outbox = []
    assert desk_client.get(reverse(CHANGELIST)).status_code == 403
    desk_client.post(reverse(CHANGELIST), {"action": "send_again", "_selected_action": [row.pk]})
    assert mail.outbox == []
    row.refresh_from_db()
    assert row.attempts == 1


def test_rows_are_never_edited_or_deleted_in_the_admin(admin_client, closed_may):
    row = StatementMail.objects.get(member=closed_may["a"])
    url = reverse("admin:bonuses_statementmail_change", args=[row.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="state"' not in page
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [row.pk]}
    )
    assert StatementMail.objects.filter(pk=row.pk).exists()
    assert response.status_code in (200, 302)


def test_resend_is_refused_for_too_many_at_once(admin_client, closed_may):
    ids = list(StatementMail.objects.values_list("pk", flat=True))
    assert len(ids) > 1
    from admin_site import statement_mails

    statement_mails.RESEND_LIMIT, old = 1, statement_mails.RESEND_LIMIT
    try:
        mail.outbox = []
        response = admin_client.post(
            reverse(CHANGELIST), {"action": "send_again", "_selected_action": ids}, follow=True
        )
    finally:
        statement_mails.RESEND_LIMIT = old
    assert "Choose at most 1 statements" in response.content.decode()
    assert mail.outbox == []
