"""The demo club after `make demo`'s load_demo (every past month closed, statements sent)
in a real browser: Anna's page shows a real previous-months balance and history, and the
statement letters render in Chromium in both languages (docs/screenshots/statement-*)."""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from bonuses.models import Member, StatementMail
from bonuses.selectors.balances import ledger_balance
from bonuses.services.statement_mails import statement_mail_message
from core.money import format_money
from core.periods import add_months, current_period, format_period

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "ru"  # the club's; two demo members chose English
    call_command("load_demo", stdout=io.StringIO())
    return Member.objects.get(user__username="anna")


def test_the_demo_members_page_shows_real_previous_months(page, screenshot, demo):
    anna = demo
    closed = ledger_balance(anna.pk)
    assert closed > 0
    page.goto("/login/")
    page.fill("input[name=username]", "anna")
    page.fill("input[name=password]", "anna")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/me/")
    page.click("button.lang[value=en]")
    page.wait_for_url("**/me/")
    previous = page.locator("#previous-balance").inner_text()
    assert previous == format_money(closed)
    # Every closed month has its amount, without the "not closed yet" mark; this month
    # (live) has it.
    last = add_months(current_period(), -1)
    rows = page.locator("#months tbody tr")
    lines = [rows.nth(i).inner_text().split("\t") for i in range(rows.count())]
    this_month, *past = lines
    assert this_month[2].endswith("*")
    paid_past = [line for line in past if line[1] == "yes"]
    assert len(paid_past) == 5 and paid_past[0][0] == _month(last, "en")
    assert all(not line[2].endswith("*") and line[2] != format_money(0) for line in paid_past)
    assert page.locator("#statements").inner_text().count("anna@demo.bonusdesk.test") == 1
    screenshot("member-demo-previous-months")
    # The statement of last month went to Anna, in Russian (her language: the club's).
    row = StatementMail.objects.get(member=anna, period=last)
    assert row.state == "sent" and row.language == "ru"
    assert [m.subject for m in mail.outbox if m.to == [anna.email]] == [
        f"BonusDesk: ваши бонусы за {_month(last, 'ru')}"
    ]


def _month(period, language):
    from django.utils import translation

    with translation.override(language):
        return format_period(period)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_statement_letter_renders_in_chromium(page, screenshot, demo, language):
    anna = demo
    Member.objects.filter(pk=anna.pk).update(language=language)
    anna.refresh_from_db()
    last = add_months(current_period(), -1)
    message = statement_mail_message(member=anna, period=last)
    [(html, _kind)] = message.alternatives
    page.set_viewport_size({"width": 720, "height": 900})
    page.set_content(html)
    total = page.locator("#month-total").inner_text()
    assert total.endswith("₸") and total != "0 ₸"
    assert page.locator("#referral-link").inner_text().endswith(f"/r/{anna.referral_code}/")
    assert page.locator("#balance").inner_text().replace("\xa0", " ") == format_money(
        ledger_balance(anna.pk)
    ).replace("\xa0", " ")
    greeting = page.locator("h1").inner_text()
    assert greeting == ("Здравствуйте, Анна!" if language == "ru" else "Hello, Анна!")
    screenshot(f"statement-mail-{language}")
