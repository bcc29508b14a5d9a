"""Month-close statements by email: who gets one, what it says in each language, once per
member and period, the unsubscribe link and the member page's switch."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from bonuses import services, tasks
from bonuses.models import LedgerEntry, Member, StatementMail
from bonuses.selectors import member_statement
from bonuses.services import statement_mails
from bonuses.services.statement_mails import (
    statement_mails_queue,
    statement_mails_send,
    unsubscribe_token,
)
from tests.bonuses.engine_helpers import APRIL, MAY, NOW, pay, worked_example
from tests.factories import enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://club.example"


@pytest.fixture
def club():
    """DESIGN.md's worked example in May, everyone with an email; and a bystander who
    neither earned nor paid."""
    people = worked_example(MAY)
    for name, member in people.items():
        member.email = f"{name}@example.test"
        member.save(update_fields=["email"])
    people["idle"] = enroll(first_name="Idle", email="idle@example.test")
    return people


def mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def html_of(message) -> str:
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    return html


def test_the_close_task_sends_each_earner_one_statement(club):
    tasks.close_month(MAY.isoformat(), None)
    earners = {m.email for m in Member.objects.filter(ledger_entries__period=MAY).distinct()}
    assert earners  # the worked example credits most of the tree
    assert {m.to[0] for m in mail.outbox} == earners
    assert len(mail.outbox) == len(earners)
    assert not mails_to("idle@example.test")
    rows = StatementMail.objects.filter(period=MAY)
    assert {r.state for r in rows} == {StatementMail.State.SENT}
    assert rows.count() == len(earners)


def test_the_statement_in_english_has_the_months_figures(club):
    services.month_close(period=MAY)
    statement_mails_queue(period=MAY)
    statement_mails_send(period=MAY)
    member = club["member"]
    [message] = mails_to(member.email)
    figures = member_statement(member=member, period=MAY)
    assert figures.month_total == Decimal("4050.00")
    assert message.subject == "BonusDesk: your bonuses for May 2026"
    body = message.body
    assert "Hello, Member" in body and "May 2026 is closed" in body
    assert "Level 1: 1 of 1 followers active — 1\N{NO-BREAK SPACE}500\N{NO-BREAK SPACE}₸" in body
    assert "Level 4: 2 of 2 followers active — 300\N{NO-BREAK SPACE}₸" in body
    assert "Referred bonus — 750\N{NO-BREAK SPACE}₸" in body
    assert "Total for the month — 4\N{NO-BREAK SPACE}050\N{NO-BREAK SPACE}₸" in body
    assert "Your balance: 4\N{NO-BREAK SPACE}050\N{NO-BREAK SPACE}₸" in body
    assert "Next package: Classic at 150\N{NO-BREAK SPACE}000\N{NO-BREAK SPACE}₸" in body
    assert "145\N{NO-BREAK SPACE}950\N{NO-BREAK SPACE}₸ to go" in body
    assert f"https://club.example/r/{member.referral_code}/" in body
    token = unsubscribe_token(member)
    assert f"https://club.example/statements/off/{token}/" in body
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<https://club.example/statements/off/{token}/>"
    )
    html = html_of(message)
    assert '<html lang="en">' in html
    assert 'id="month-total">4\N{NO-BREAK SPACE}050\N{NO-BREAK SPACE}₸' in html
    assert f'href="https://club.example/r/{member.referral_code}/"' in html


def test_the_statement_is_in_the_language_the_member_chose(club):
    member = club["member"]
    Member.objects.filter(pk=member.pk).update(language="ru")
    services.month_close(period=MAY)
    statement_mails_queue(period=MAY)
    statement_mails_send(period=MAY)
    [message] = mails_to(member.email)
    assert message.subject == "BonusDesk: ваши бонусы за май 2026"
    body = message.body
    assert "Здравствуйте, Member" in body
    assert "Месяц май 2026 закрыт. Вот что вы заработали." in body
    assert "Уровень 1: активны 1 из 1" in body
    assert "Бонус приглашённого — 750\N{NO-BREAK SPACE}₸" in body
    assert "Итого за месяц — 4\N{NO-BREAK SPACE}050\N{NO-BREAK SPACE}₸" in body
    assert "Следующий пакет: Classic" in body
    assert '<html lang="ru">' in html_of(message)
    assert StatementMail.objects.get(member=member).language == "ru"
    # The others are in the club's default language (English in the test settings).
    assert mails_to(club["a"].email)[0].subject.endswith("May 2026")


def test_a_rerun_sends_nothing_twice(club):
    tasks.close_month(MAY.isoformat(), None)
    sent = len(mail.outbox)
    assert statement_mails_queue(period=MAY) == 0
    report = statement_mails_send(period=MAY)
    assert (report.sent, report.failed, report.skipped, report.remaining) == (0, 0, 0, 0)
    tasks.send_statements(MAY.isoformat())
    call_command("send_statements", "--month", "2026-05")
    assert len(mail.outbox) == sent
    assert StatementMail.objects.filter(attempts__gt=1).count() == 0


def test_the_catch_up_close_sends_each_months_statement(club):
    pay(club["a"], APRIL)
    tasks.close_past_months()
    periods = set(StatementMail.objects.values_list("period", flat=True))
    assert periods == {APRIL, MAY}
    # In April only a's payment counted: a, its sponsor `member`, and `sponsor` above.
    april = set(StatementMail.objects.filter(period=APRIL).values_list("member__email", flat=True))
    assert april == {"a@example.test", "member@example.test", "sponsor@example.test"}


def test_members_who_turned_statements_off_or_have_no_email_get_none(club):
    Member.objects.filter(pk=club["a"].pk).update(statement_emails=False)
    Member.objects.filter(pk=club["b1"].pk).update(email="")
    tasks.close_month(MAY.isoformat(), None)
    assert not mails_to("a@example.test")
    states = dict(StatementMail.objects.values_list("member_id", "state"))
    assert states[club["a"].pk] == StatementMail.State.OFF
    assert states[club["b1"].pk] == StatementMail.State.NO_EMAIL
    assert states[club["member"].pk] == StatementMail.State.SENT


def test_a_balance_change_since_the_last_close_earns_a_statement(club, admin_user, time_machine):
    idle = club["idle"]
    services.month_close(period=APRIL)
    time_machine.shift(60)
    services.ledger_adjust(member=idle, amount="500", reason="welcome gift", by=admin_user)
    time_machine.shift(60)
    tasks.close_month(MAY.isoformat(), None)
    [message] = mails_to(idle.email)
    assert "Your balance: 500\N{NO-BREAK SPACE}₸" in message.body
    assert "Total for the month — 0\N{NO-BREAK SPACE}₸" in message.body


class Refusing:
    """An email backend whose server refuses one address."""

    def __init__(self, refused):
        self.refused = refused

    def __call__(self, *args, **kwargs):
        from django.core.mail.backends.locmem import EmailBackend

        refused = self.refused

        class Backend(EmailBackend):
            def send_messages(self, messages):
                for message in messages:
                    if refused in message.to:
                        raise ConnectionRefusedError("550 mailbox unavailable")
                return super().send_messages(messages)

        return Backend(*args, **kwargs)


def test_a_refused_mail_is_failed_with_its_error_and_the_rest_go_out(club, monkeypatch):
    monkeypatch.setattr(statement_mails, "get_connection", Refusing("a@example.test"))
    services.month_close(period=MAY)
    statement_mails_queue(period=MAY)
    report = statement_mails_send(period=MAY, batch_size=2)
    assert report.failed == 1 and report.sent == len(mail.outbox) > 3
    row = StatementMail.objects.get(member=club["a"])
    assert row.state == StatementMail.State.FAILED
    assert row.error == "ConnectionRefusedError: 550 mailbox unavailable"
    assert row.attempts == 1


def test_batches_read_a_fixed_number_of_queries_per_member(club, django_assert_max_num_queries):
    services.month_close(period=MAY)
    statement_mails_queue(period=MAY)
    count = StatementMail.objects.count()
    # Per member: member_statement of a closed month (sponsor, own payment, the stored
    # figures, the corrections since) and the ledger balance, whatever the downline; per
    # batch: the locked rows with their members, the update, savepoints; per run: plan
    # versions and the count of what is left.
    with django_assert_max_num_queries(6 * count + 12):
        statement_mails_send(period=MAY, batch_size=100)
    assert len(mail.outbox) == count


# --- the command -------------------------------------------------------------------


def test_dry_run_writes_and_sends_nothing(club, capsys):
    services.month_close(period=MAY)
    call_command("send_statements", "--month", "2026-05", "--dry-run")
    out = capsys.readouterr().out
    assert "dry run" in out and "would send" in out
    assert not StatementMail.objects.exists()
    assert mail.outbox == []
    call_command("send_statements", "--month", "2026-05", "--member", "a@example.test", "--dry-run")
    assert "due" in capsys.readouterr().out
    assert not StatementMail.objects.exists() and mail.outbox == []


def test_the_dry_run_counts_each_member_once(club, capsys):
    """A member credited twice by a close (an accrual and a referred bonus) is one letter:
    the dry run's "would send" is what the real run then queues."""
    services.month_close(period=MAY)
    call_command("send_statements", "--month", "2026-05", "--dry-run")
    would = int(re.search(r"would send (\d+)", capsys.readouterr().out).group(1))
    assert LedgerEntry.objects.values("member_id").distinct().count() < LedgerEntry.objects.count()
    assert would == statement_mails_queue(period=MAY) > 0
    # Each member once in the SELECT DISTINCT the queue inserts from: no ordering column
    # (the ledger's default order) joins the distinct columns and keeps every entry.
    assert "ORDER BY" not in str(statement_mails.statement_mails_due(period=MAY).query)


def test_command_sends_the_month_or_one_member(club, capsys):
    services.month_close(period=MAY)
    call_command("send_statements", "--month", "2026-05", "--member", "a@example.test")
    assert [m.to for m in mail.outbox] == [["a@example.test"]]
    call_command("send_statements", "--month", "2026-05", "--member", "a@example.test")
    assert len(mail.outbox) == 1  # sent already: once
    call_command("send_statements", "--month", "2026-05")
    assert len(mails_to("a@example.test")) == 1
    assert len(mail.outbox) == StatementMail.objects.count()


def test_command_refuses_an_open_month(club):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not closed"):
        call_command("send_statements", "--month", "2026-05")


# --- unsubscribe, the member page's switch and the language --------------------------


def test_the_unsubscribe_link_works_without_login_after_a_confirmation(club, client):
    member = club["member"]
    url = reverse("bonuses:statements_off", args=[unsubscribe_token(member)])
    page = client.get(url)
    assert page.status_code == 200 and b"statements-off-button" in page.content
    member.refresh_from_db()
    assert member.statement_emails  # a mail scanner opening the link changes nothing
    done = client.post(url)
    assert done.status_code == 200 and b"statements-off-done" in done.content
    member.refresh_from_db()
    assert not member.statement_emails


def test_the_link_opened_again_says_the_statements_are_already_off(club, client):
    member = club["member"]
    url = reverse("bonuses:statements_off", args=[unsubscribe_token(member)])
    client.post(url)
    again = client.get(url)
    assert again.status_code == 200
    assert b"statements-off-already" in again.content
    assert b"statements-off-button" not in again.content


def test_the_mail_list_names_the_language_in_the_staff_language(club, admin_client):
    tasks.close_month(MAY.isoformat(), None)
    StatementMail.objects.filter(member=club["member"]).update(language="ru")
    page = admin_client.get(
        reverse("admin:bonuses_statementmail_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    assert b"Russian" in page.content


def test_one_click_unsubscribe_from_a_mail_program(club, client):
    member = club["member"]
    url = reverse("bonuses:statements_off", args=[unsubscribe_token(member)])
    client.handler.enforce_csrf_checks = True
    client.post(url, {"List-Unsubscribe": "One-Click"})
    member.refresh_from_db()
    assert not member.statement_emails


def test_a_tampered_or_made_up_token_changes_nothing(club, client):
    member, other = club["member"], club["a"]
    token = unsubscribe_token(member)
    value, _, signature = token.rpartition(":")
    forged = [
        unsubscribe_token(other).split(":")[0] + token[token.index(":") :],  # other's id
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature changed
        f"{other.pk}",
        str(member.referral_code),
        "x" * 40,
    ]
    from django.core import signing

    forged.append(signing.dumps(other.pk, salt="another.salt"))
    for bad in forged:
        response = client.post(reverse("bonuses:statements_off", args=[bad]))
        assert response.status_code == 404, bad
    assert Member.objects.filter(statement_emails=False).count() == 0


def test_a_members_token_turns_off_that_member_only(club, client):
    member, other = club["member"], club["a"]
    client.post(reverse("bonuses:statements_off", args=[unsubscribe_token(other)]))
    assert list(Member.objects.filter(statement_emails=False)) == [other]
    member.refresh_from_db()
    assert member.statement_emails


def test_the_member_page_switches_statements_off_and_on(club, client, django_user_model):
    member = club["member"]
    member.user = django_user_model.objects.create_user("mem", password="pw-long-enough-1")
    member.save(update_fields=["user"])
    client.force_login(member.user)
    page = client.get(reverse("bonuses:me")).content.decode()
    assert 'id="statements"' in page and "member@example.test" in page
    client.post(reverse("bonuses:statements_toggle"), {"on": "0"})
    member.refresh_from_db()
    assert not member.statement_emails
    assert 'id="statements-are-off"' in client.get(reverse("bonuses:me")).content.decode()
    client.post(reverse("bonuses:statements_toggle"), {"on": "1"})
    member.refresh_from_db()
    assert member.statement_emails
    assert Member.objects.filter(statement_emails=False).count() == 0


def test_the_switch_needs_a_login(club, client):
    response = client.post(reverse("bonuses:statements_toggle"), {"on": "0"})
    assert response.status_code == 302 and "/login/" in response.url
    assert Member.objects.filter(statement_emails=False).count() == 0


def test_switching_language_is_remembered_for_the_mails(club, client, django_user_model):
    member = club["member"]
    member.user = django_user_model.objects.create_user("mem", password="pw-long-enough-1")
    member.save(update_fields=["user"])
    client.force_login(member.user)
    client.post(reverse("set_language"), {"language": "ru", "next": "/me/"})
    member.refresh_from_db()
    assert member.language == "ru"
    client.post(reverse("set_language"), {"language": "xx", "next": "/me/"})
    member.refresh_from_db()
    assert member.language == "ru"
    client.post(reverse("set_language"), {"language": "en", "next": "/me/"})
    member.refresh_from_db()
    assert member.language == "en"


def test_close_month_command_queues_the_statements(club, capsys, settings):
    call_command("close_month", "--month", "2026-05", "--dry-run")
    assert not StatementMail.objects.exists()
    call_command("close_month", "--month", "2026-05")
    assert "Statements queued for the worker" in capsys.readouterr().out
    # Tests run django-q2 synchronously: the queued task has sent them already.
    assert StatementMail.objects.filter(state="sent").count() == len(mail.outbox) > 3


def test_the_statement_shows_corrections_posted_since_the_close(club, admin_user):
    services.month_close(period=MAY)
    # A level-1 follower's May payment is withdrawn after the close: corrections follow.
    services.payment_mark_unpaid(member=club["a"], period=MAY, by=admin_user)
    statement_mails_queue(period=MAY)
    statement_mails_send(period=MAY)
    member = club["member"]
    figures = member_statement(member=member, period=MAY)
    assert figures.closed and figures.corrections
    [message] = mails_to(member.email)
    assert "Corrections posted for this month since it closed" in message.body
    [line] = figures.corrections
    assert line.amount == Decimal("-1500.00")
    assert "−1\N{NO-BREAK SPACE}500" in message.body or "-1\N{NO-BREAK SPACE}500" in message.body
    html = html_of(message)
    assert 'id="corrections"' in html and line.reason in html
