"""An administrator picks a member on the payout page, sees the balance, is refused an
overdraft on the amount field, then pays out; and opens the plan form."""

from decimal import Decimal

import pytest

from bonuses import services
from bonuses.models import LedgerEntry
from tests.browser.select2 import select2_search
from tests.factories import enroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def test_payout_shows_the_balance_and_refuses_an_overdraft(admin_login, screenshot):
    member = enroll(first_name="Дана", last_name="Касымова")
    services.ledger_adjust(member=member, amount="5000", reason="opening balance", by=None)
    page = admin_login()

    page.goto("/admin/bonuses/ledgerentry/payout/")
    select2_search(page, "Касымова")
    page.click(".select2-results__option >> text=Касымова")
    page.wait_for_selector("#balance-closed")  # choosing the member reloads with balance
    assert digits(page.locator("#balance-closed").inner_text()) == "5000"

    page.fill("input[name=amount]", "7000")
    page.fill("input[name=reason]", "cash at the desk")
    page.click("#ledger-operation button[type=submit]")
    page.wait_for_selector("text=The balance is short")
    screenshot("admin-payout")
    assert not LedgerEntry.objects.filter(kind="payout").exists()

    page.fill("input[name=amount]", "2000")
    page.click("#ledger-operation button[type=submit]")
    page.wait_for_selector("text=recorded for")
    payout = LedgerEntry.objects.get(kind="payout")
    assert payout.amount == Decimal("-2000.00")
    assert payout.created_by.username == "boss"
    assert digits(page.locator("#balance-closed").inner_text()) == "3000"

    page.goto("/admin/bonuses/ledgerentry/?q=Касымова")
    page.wait_for_selector("text=cash at the desk")
    assert page.locator("#result_list tbody tr").count() == 2  # the payout and the credit
    screenshot("admin-ledger")


def test_plan_form_explains_that_saving_makes_a_new_version(admin_login, screenshot):
    plan = services.plan_for(services.plans.DEFAULT_EFFECTIVE_FROM)
    page = admin_login()
    page.goto(f"/admin/bonuses/plan/{plan.pk}/change/")
    page.wait_for_selector("text=creates a NEW plan version")
    screenshot("admin-plan")
