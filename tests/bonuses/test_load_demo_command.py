"""`make demo`'s load_demo: the club, every past month closed, the newest month's
statements sent through the email backend."""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from bonuses.models import FiguresCheck, MonthClose, StatementMail

pytestmark = pytest.mark.django_db


def test_load_demo_closes_the_past_and_sends_the_newest_statements(time_machine, settings):
    time_machine.move_to("2026-06-15 12:00:00+06:00", tick=False)
    settings.LANGUAGE_CODE = "ru"  # the club's language; two demo members chose English
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert "Demo club loaded." in text and "Closed 5 past month(s)" in text
    assert MonthClose.objects.count() == 5
    sent = StatementMail.objects.filter(state="sent")
    assert set(sent.values_list("period", flat=True)) == {MonthClose.objects.first().period}
    assert len(mail.outbox) == sent.count() > 20
    assert f"Statements of 2026-05: {sent.count()} sent" in text
    subjects = {m.subject for m in mail.outbox}
    assert subjects == {
        "BonusDesk: ваши бонусы за май 2026",
        "BonusDesk: your bonuses for May 2026",
    }
    # The dashboard's "statements checked" line has a result before the first night.
    [check] = FiguresCheck.objects.all()
    assert check.differences == 0 and check.members > 20 and not check.sample
    checked = f"Statement figures of 2026-06 checked for {check.members} members: 0 differences"
    assert checked in text
    call_command("load_demo", stdout=out)
    assert len(mail.outbox) == sent.count()  # the second run sends nothing


def test_load_demo_says_where_the_statements_went(time_machine, settings, tmp_path):
    """`make demo` writes mail to files: the command names the folder, not the console."""
    time_machine.move_to("2026-06-15 12:00:00+06:00", tick=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert f"sent (written to {tmp_path}/)." in out.getvalue()
    assert any(tmp_path.iterdir())


def test_load_demo_no_close(time_machine):
    time_machine.move_to("2026-06-15 12:00:00+06:00", tick=False)
    call_command("load_demo", "--no-close", stdout=io.StringIO())
    assert not MonthClose.objects.exists() and mail.outbox == []
