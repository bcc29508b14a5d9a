"""The member admin in a real browser: the one-click paid toggle persists, and a sponsor
is changed through the autocomplete with its confirmation page."""

import pytest

from bonuses.models import Member, Payment
from bonuses.selectors.downline import BRANCH_LIMIT
from bonuses.services.demo import load_demo_club
from core.periods import current_period
from tests.browser.select2 import select2_search
from tests.factories import enroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tall_screenshot(page, screenshot, name):
    """The whole page in one tall viewport: sticky bars stay at the bottom instead of
    floating over the middle of a stitched full-page capture."""
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1440, "height": height})
    screenshot(name, full_page=False)


@pytest.fixture
def club(db):
    load_demo_club()


def test_paid_toggle_on_the_member_list_persists_after_reload(club, admin_login, screenshot):
    anna = Member.objects.get(user__username="anna")
    was_paid = Payment.objects.filter(member=anna, period=current_period(), paid=True).exists()
    page = admin_login()
    page.goto(f"/admin/bonuses/member/?q={anna.last_name}")
    button = page.locator(f'button.bd-paid-toggle[data-url$="/{anna.pk}/paid/"]')
    assert button.get_attribute("aria-pressed") == ("true" if was_paid else "false")
    button.click()
    expected = "false" if was_paid else "true"
    page.wait_for_selector(
        f'button.bd-paid-toggle[data-url$="/{anna.pk}/paid/"][aria-pressed="{expected}"]'
        ":not([aria-busy])"
    )
    payment = Payment.objects.filter(member=anna, period=current_period()).first()
    assert bool(payment and payment.paid) is not was_paid
    page.reload()
    assert button.get_attribute("aria-pressed") == expected
    page.goto("/admin/bonuses/member/")
    tall_screenshot(page, screenshot, "admin-member-list")


def test_sponsor_moved_through_the_autocomplete_after_confirming(club, admin_login, screenshot):
    anna = Member.objects.get(user__username="anna")
    target = (
        Member.objects.exclude(pk=anna.pk)
        .exclude(pk=anna.sponsor_id)
        .exclude(path__startswith=anna.path)
        .order_by("pk")
        .first()
    )
    page = admin_login()
    page.goto(f"/admin/bonuses/member/{anna.pk}/change/")
    select2_search(page, target.last_name, within=".field-sponsor")
    page.locator(".select2-results__option", has_text=str(target)).first.click()
    page.locator("button[name=_save]").click()
    # The confirmation page: nothing moved yet, the size of the move is shown.
    page.wait_for_selector("#confirm-page")
    assert "members in all" in page.locator("#confirm-warning").inner_text()
    anna.refresh_from_db()
    assert anna.sponsor_id != target.pk
    page.locator("#confirm-button").click()
    page.wait_for_url("**/admin/bonuses/member/")
    anna.refresh_from_db()
    assert anna.sponsor_id == target.pk
    assert Member.objects.get_parent(anna).pk == target.pk
    page.goto(f"/admin/bonuses/member/{anna.pk}/change/")
    tall_screenshot(page, screenshot, "admin-member-change")


def test_member_lookup_finds_a_member_through_select2(club, admin_login, screenshot):
    anna = Member.objects.get(user__username="anna")
    page = admin_login()
    page.goto("/admin/bonuses/member/lookup/")
    select2_search(page, anna.last_name)
    page.locator(".select2-results__option", has_text=str(anna)).first.click()
    page.wait_for_selector("#member-summary")
    assert page.url.endswith(f"?member={anna.pk}")
    assert page.locator("#statement-levels tbody tr").count() >= 4
    assert anna.referral_code in page.locator("#member-link").inner_text()
    assert page.locator("#member-tree li").count() >= 1
    tall_screenshot(page, screenshot, "admin-member-lookup")
    # select2's own messages in the page's language (the form is built once, at import,
    # when another language may have been active).
    select2_search(page, "nobody-like-this")
    # "Searching…" shows first while the request is under way.
    page.wait_for_selector(".select2-results__message >> text=No results found")
    assert page.locator(".select2-results__message").inner_text() == "No results found"


def test_enter_while_the_picker_is_searching_picks_nobody(club, admin_login):
    # Enter pressed after typing, before the search answered, took the first name of the
    # list shown before: another member's page opened.
    anna = Member.objects.get(user__username="anna")
    page = admin_login()
    page.goto("/admin/bonuses/member/lookup/")
    held = []

    def hold_searches(route):
        if "term=" in route.request.url and "term=&" not in route.request.url:
            held.append(route)  # answered below, when the test says so
        else:
            route.continue_()

    page.route("**/admin/autocomplete/**", hold_searches)
    page.locator(".select2-selection").first.click()
    first_listed = page.locator(".select2-results__option[role=option]").first
    first_listed.wait_for()
    assert str(anna) not in first_listed.inner_text()  # Enter would have picked this one
    page.locator(".select2-container--open .select2-search__field").press_sequentially(
        anna.last_name
    )
    page.wait_for_selector(".select2-results__option.loading-results")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert "?member=" not in page.url
    assert page.locator(".select2-container--open .select2-search__field").is_visible()
    while not held:
        page.wait_for_timeout(50)
    for route in held:
        route.continue_()
    page.locator(".select2-results__option", has_text=str(anna)).first.wait_for()
    page.keyboard.press("Enter")
    page.wait_for_selector("#member-summary")
    assert page.url.endswith(f"?member={anna.pk}")


def test_month_picker_toggle_persists(club, admin_login, screenshot):
    page = admin_login()
    page.goto("/admin/bonuses/payment/month/?month=2026-01")
    button = page.locator("button.bd-paid-toggle").first
    before = button.get_attribute("aria-pressed")
    button.click()
    after = "false" if before == "true" else "true"
    page.wait_for_selector(f'button.bd-paid-toggle[aria-pressed="{after}"]:not([aria-busy])')
    page.reload()
    assert page.locator("button.bd-paid-toggle").first.get_attribute("aria-pressed") == after
    tall_screenshot(page, screenshot, "admin-payment-month")


def test_payments_list_toggle_updates_its_whole_row(club, admin_login):
    """After a one-click toggle the row shows when and by whom, as a reload would."""
    page = admin_login()
    page.goto("/admin/bonuses/payment/")
    row = page.locator("#result_list tbody tr").first
    button = row.locator("button.bd-paid-toggle")
    after = "false" if button.get_attribute("aria-pressed") == "true" else "true"
    button.click()
    page.wait_for_selector(
        f'#result_list tbody tr:first-child button.bd-paid-toggle[aria-pressed="{after}"]'
        ":not([aria-busy])"
    )
    shown = [row.locator(f"td.field-{name}").inner_text() for name in ("paid_on", "recorded_by")]
    assert (shown[0] != "-") == (after == "true")
    assert shown[1] == "boss"  # the staff member who clicked
    page.reload()
    row = page.locator("#result_list tbody tr").first
    assert [row.locator(f"td.field-{n}").inner_text() for n in ("paid_on", "recorded_by")] == shown


def test_bulk_mark_paid_for_a_chosen_month(club, admin_login, screenshot):
    page = admin_login()
    page.goto("/admin/bonuses/member/?has_sponsor=no")
    boxes = page.locator("input.action-select")
    chosen = [int(boxes.nth(i).get_attribute("value")) for i in range(2)]
    for i in range(2):
        boxes.nth(i).check()
    page.select_option("select[name=action]", "mark_paid")
    page.select_option("select[name=month]", "2025-03")
    screenshot("admin-member-bulk-action", full_page=False)
    page.locator("button[type=submit][name=index]").first.click()
    page.wait_for_selector("text=March 2025: 2")
    paid = Payment.objects.filter(period="2025-03-01", paid=True, member_id__in=chosen)
    assert paid.count() == 2


def test_downline_link_lists_followers_by_level(club, admin_login, screenshot):
    anna = Member.objects.get(user__username="anna")
    page = admin_login()
    page.goto(f"/admin/bonuses/member/?q={anna.last_name}")
    page.locator(f'a[href$="/{anna.pk}/downline/"]').first.click()
    page.wait_for_selector("#downline-levels")
    first_level = page.locator("#member-downline tbody tr").count()
    assert first_level == Member.objects.filter(sponsor=anna).count()
    page.locator("#downline-levels a").nth(1).click()
    page.wait_for_url("**/downline/?level=2")
    assert page.locator("#member-downline tbody tr").count() >= 1
    tall_screenshot(page, screenshot, "admin-member-downline")


def test_member_tree_in_the_admin_shows_more_on_demand(club, admin_login):
    anna = Member.objects.get(user__username="anna")
    for i in range(BRANCH_LIMIT + 2):
        enroll(anna, first_name=f"Guest{i:02d}", last_name="Nur")
    total = anna.get_children().count()
    page = admin_login()
    page.goto(f"/admin/bonuses/member/{anna.pk}/change/")
    tree = page.locator("#member-tree")
    tree.wait_for()
    assert tree.locator("> ul.tree > li:has(.dot)").count() == BRANCH_LIMIT
    tree.locator("button.more").click()
    page.wait_for_selector(f"#member-tree >> text=Guest{BRANCH_LIMIT + 1:02d} N.")
    assert tree.locator("> ul.tree > li:has(.dot)").count() == total
    assert tree.locator("button.more").count() == 0
