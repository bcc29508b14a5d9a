"""The member's side in a real browser: referral sign-up, copy link, tree, language,
phone layout. Screenshots go to docs/screenshots/member-*.png."""

import pytest
from django.contrib.auth import get_user_model

from bonuses import services
from bonuses.selectors.downline import BRANCH_LIMIT
from core.periods import add_months, current_period
from tests.factories import enroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-password-1"


@pytest.fixture
def browser_context_args():
    return {
        "viewport": {"width": 1280, "height": 900},
        "locale": "en-US",
        "permissions": ["clipboard-read", "clipboard-write"],
    }


def club():
    """A member (Dana) with a sponsor, a paid month and a three-level downline."""
    this_month = current_period()
    last_month = add_months(this_month, -1)
    sponsor = enroll(first_name="Aigerim", last_name="Nurova")
    member = enroll(sponsor, first_name="Dana", last_name="Seitova")
    user = get_user_model().objects.create_user("dana", "dana@example.test", PASSWORD)
    services.member_link_login(member=member, user=user)
    names = ["Arman Ermekov", "Olga Kim", "Timur Li", "Madina Omarova", "Ivan Petrov"]
    children = [enroll(member, first_name=n.split()[0], last_name=n.split()[1]) for n in names]
    grandchildren = [
        enroll(children[0], first_name=f"Friend{i}", last_name="Abenova") for i in range(3)
    ]
    enroll(grandchildren[0], first_name="Deep", last_name="Level")
    for period in (last_month, this_month):
        services.payment_mark_paid(member=member, period=period)
        for m in children[:3] + grandchildren[:2]:
            services.payment_mark_paid(member=m, period=period)
    services.month_close(period=last_month)
    return member


def log_in(page, username="dana", password=PASSWORD):
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/me/")


def test_referral_link_sign_up_lands_on_the_page_with_the_sponsor(page, screenshot):
    sponsor = enroll(first_name="Aigerim", last_name="Nurova")
    page.goto(f"/r/{sponsor.referral_code}/")
    page.wait_for_url("**/signup/")
    page.goto("/login/")  # look around first: the referral is remembered
    page.goto("/signup/")
    assert page.locator("#invited-by").inner_text() == "Invited by Aigerim N."
    page.fill("input[name=username]", "dana")
    page.fill("input[name=first_name]", "Dana")
    page.fill("input[name=last_name]", "Seitova")
    page.fill("input[name=email]", "dana@example.test")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.fill("input[name=birth_date]", "1990-04-02")
    page.fill("input[name=phone]", "+77011234567")
    page.fill("input[name=address]", "Abay avenue 1, Almaty")
    screenshot("member-signup")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/me/")
    assert page.locator("#sponsor-name").inner_text() == "Aigerim N."
    assert "Hello, Dana" in page.locator("h1").inner_text()


def test_copy_link_expand_tree_and_switch_language(page, screenshot):
    member = club()
    log_in(page)
    link = page.locator("#referral-link").inner_text()
    assert link.endswith(f"/r/{member.referral_code}/")
    page.click("#copy-link")
    page.wait_for_selector("#copy-feedback:has-text('Copied!')")
    assert page.evaluate("navigator.clipboard.readText()") == link

    tree = page.locator("#tree")
    assert tree.locator("text=Friend0 A.").count() == 0
    tree.locator("li:has-text('Arman E.') > button.toggle").click()
    page.wait_for_selector("#tree >> text=Friend0 A.")
    # Friend0 is the only follower of Arman's with followers of their own.
    tree.locator("button.toggle[aria-expanded=false]").click()
    page.wait_for_selector("#tree >> text=Deep L.")
    screenshot("member-page-desktop")

    page.click("button.lang[value=ru]")
    page.wait_for_selector("html[lang=ru]")
    assert page.locator("button.lang[value=ru]").get_attribute("aria-pressed") == "true"
    month_name = page.locator("#months tbody tr td").first.inner_text()
    assert month_name.split()[0] in {
        "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август",
        "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
    }  # fmt: skip
    assert page.locator("#total").inner_text().endswith("\xa0₸")
    page.click("button.lang[value=en]")
    page.wait_for_selector("html[lang=en]")


def test_phone_viewport_has_no_horizontal_scroll(browser, live_server):
    club()
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )
    page = context.new_page()
    try:
        log_in(page)
        page.locator("#tree li:has-text('Arman E.') > button.toggle").click()
        page.wait_for_selector("#tree >> text=Friend0 A.")
        for language in ("en", "ru"):  # Russian words are longer
            page.goto("/me/")
            page.click(f"button.lang[value={language}]")
            page.wait_for_selector(f"html[lang={language}]")
            for path in ("/me/", "/me/sponsor/", "/r/unknown-code/", "/password-reset/"):
                page.goto(path)
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= page.evaluate("window.innerWidth"), (language, path)
        page.click("button.lang[value=en]")
        page.wait_for_selector("html[lang=en]")
        context.clear_cookies()  # logged out: the sign-up and login pages
        for language in ("en", "ru"):
            page.goto("/signup/")
            page.click(f"button.lang[value={language}]")
            page.wait_for_selector(f"html[lang={language}]")
            for path in ("/signup/", "/login/"):
                page.goto(path)
                assert page.locator("input[name=username]").count() == 1
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= page.evaluate("window.innerWidth"), (language, path)
        log_in(page)
        page.goto("/me/")  # in Russian, chosen last: its longer words are the harder case
        assert page.locator("html[lang=ru]").count() == 1
        # Tables scroll inside their card when they must; on a phone none has to.
        overflowing = page.evaluate(
            "[...document.querySelectorAll('.table-wrap')]"
            ".filter(e => e.scrollWidth > e.clientWidth).length"
        )
        assert overflowing == 0
        page.screenshot(path=str(_shots() / "member-page-phone.png"), full_page=True)
    finally:
        context.close()


def test_no_table_is_cut_off_at_desktop_and_tablet_widths(browser, live_server):
    """The statement's table sat in one of two cards side by side and its Russian headers
    (nowrap) pushed the earnings column out of sight at 1300 px and 768 px."""
    club()
    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    page = context.new_page()
    try:
        log_in(page)
        page.goto("/me/")
        page.click("button.lang[value=ru]")
        page.wait_for_selector("html[lang=ru]")
        for width in (1920, 1300, 1000, 768):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto("/me/")
            overflowing = page.evaluate(
                "[...document.querySelectorAll('.table-wrap')]"
                ".filter(e => e.scrollWidth > e.clientWidth).map(e => e.closest('section').id)"
            )
            assert overflowing == [], width
            assert page.locator("#levels th", has_text="Заработано").is_visible()
        page.set_viewport_size({"width": 1300, "height": 900})
        page.goto("/me/")
        page.locator("#levels").screenshot(path=str(_shots() / "member-levels-ru-desktop.png"))
    finally:
        context.close()


def _shots():
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def test_history_opens_a_closed_month_as_it_was_closed(page, screenshot):
    """Last month closed with five followers at level 1; one moved away since and a late
    payment posted a correction: the history's month shows the close and the correction."""
    member = club()
    last_month = add_months(current_period(), -1)
    followers = list(member.get_children().order_by("path"))
    services.member_change_sponsor(member=followers[4], sponsor=enroll(first_name="Other"))
    services.payment_mark_paid(member=followers[3], period=last_month)  # late: a correction
    log_in(page)
    page.click(f'#months tr[data-period="{last_month:%Y-%m}"] a')
    page.wait_for_selector("#month-statement")
    card = page.locator("#month-statement")
    assert card.get_attribute("data-closed") == "true"
    level_1 = card.locator('tr[data-level="1"] td').all_inner_texts()
    assert level_1[:3] == ["1", "5", "3"]  # as closed: five followers, three active
    assert card.locator("tr.correction").count() == 1
    assert "Late payment" in card.locator("tr.correction").inner_text()
    card.scroll_into_view_if_needed()
    screenshot("member-history-closed-month")


def test_show_more_lists_a_large_first_level_to_its_end(page, screenshot):
    member = club()
    extra = [enroll(member, first_name=f"Guest{i:02d}", last_name="Nur") for i in range(60)]
    log_in(page)
    tree = page.locator("#tree")
    shown = BRANCH_LIMIT
    assert tree.locator("ul.tree > li:has(.dot)").count() == shown
    left = len(extra) + 5 - shown
    button = tree.locator("button.more")
    assert button.inner_text() == f"Show more ({left} left)"
    button.scroll_into_view_if_needed()
    screenshot("member-tree-show-more")
    button.click()
    page.wait_for_selector(f"#tree >> text={extra[-1].short_name}")
    assert tree.locator("button.more").count() == 0
    names = tree.locator("> ul.tree > li").all_inner_texts()
    assert len(names) == len(extra) + 5  # each follower once, nothing else
    # A branch of a later page still opens.
    tree.locator("li:has-text('Arman E.') > button.toggle").click()
    page.wait_for_selector("#tree >> text=Friend0 A.")


def test_a_branch_opened_after_the_login_expired_leads_to_the_login_page(page):
    club()
    log_in(page)
    page.context.clear_cookies()  # the session is gone, the page is still on screen
    page.locator("#tree li:has-text('Arman E.') > button.toggle").click()
    page.wait_for_url("**/login/?next=/me/")
    assert page.locator("#tree").count() == 0


def test_the_page_names_its_icon_and_every_request_it_makes_answers(page):
    """Browsers ask for /favicon.ico unless the page names an icon (a 404 in the log for
    every visit); the icon is inline, so it costs no request either."""
    club()
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    log_in(page)
    page.wait_for_load_state("networkidle")
    assert page.locator("link[rel=icon]").get_attribute("href").startswith("data:image/svg")
    assert failed == []
