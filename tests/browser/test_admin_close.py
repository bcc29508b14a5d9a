"""An administrator opens the dashboard, previews last month on the month close page,
closes it (a django-q2 task, run inline in tests) and sees the result."""

import pytest

from bonuses.models import LedgerEntry, MonthClose
from bonuses.services.demo import seed_club
from core.periods import add_months, current_period, format_month

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_previews_and_closes_last_month(admin_login, screenshot, live_cluster):
    # live_cluster: the dashboard as a running club sees it, its worker's heartbeat seen.
    seed_club(members=300, months=2, seed=7)  # last month is the only one to close
    last = format_month(add_months(current_period(), -1))
    page = admin_login()

    page.wait_for_selector("#dashboard canvas")
    assert page.locator("[data-kpi]").count() == 6
    page.wait_for_timeout(500)  # let the charts draw
    screenshot("admin-dashboard")

    page.goto("/admin/bonuses/month-close/")
    row = page.locator(f'tr[data-period="{last}"]')
    row.locator("a[href*=preview]").click()
    page.wait_for_selector("#preview")
    preview_total = page.locator("#preview-total").inner_text()
    screenshot("admin-month-close-preview")
    assert not MonthClose.objects.exists()

    page.locator(f'tr[data-period="{last}"] a[href*=confirm]').click()
    page.check("#confirm-close input[name=confirm]")
    page.click("#confirm-close button[type=submit]")
    page.wait_for_selector('#close-status[data-state="done"]')
    assert page.locator("#close-total").inner_text() == preview_total
    close = MonthClose.objects.get(period=add_months(current_period(), -1))
    assert page.locator("#close-entries").inner_text() == str(LedgerEntry.objects.count())
    assert close.closed_by.username == "boss"
    # The months table follows without a reload: the month reads closed, with its total.
    page.wait_for_selector('#close-status[data-months="fresh"]')
    row = page.locator(f'tr[data-period="{last}"]')
    assert row.locator("td").nth(1).inner_text().strip() == "closed"
    assert row.locator("a[href*=confirm]").count() == 0
    assert row.locator("td").nth(6).inner_text() == preview_total
    assert not page.locator("#periods-scroll-hint").is_visible()  # wide enough here
    page.reload()
    page.wait_for_selector('#close-status[data-state="done"]')
    assert page.locator(f'tr[data-period="{last}"] a[href*=confirm]').count() == 0
    screenshot("admin-month-close")
