"""The staff's day in Russian, in a real browser: warnings before consequences (a closed
month's paid toggle, the payment form, a sponsor move, a close with earlier months open),
the member lookup found the way staff type a name, the export page and the Russian
admin's lists. Screenshots go to docs/screenshots/."""

import re

import pytest
from django.utils import translation

from bonuses import services
from bonuses.models import LedgerEntry, Member, MonthClose, Payment, StatementMail
from bonuses.services.demo import demo_catch_up, load_demo_club
from core.periods import add_months, current_period, format_month, format_period
from tests.browser.select2 import select2_search

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAST = add_months(current_period(), -1)


@pytest.fixture
def browser_context_args():
    return {"viewport": {"width": 1440, "height": 900}, "locale": "ru-RU"}


@pytest.fixture
def club(db):
    load_demo_club()


def tall_screenshot(page, screenshot, name):
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1440, "height": min(height, 4000)})
    screenshot(name, full_page=False)


def unpaid_last_month() -> Member:
    """A member with a sponsor who has not paid for last month."""
    paid = Payment.objects.filter(period=LAST, paid=True).values("member_id")
    return Member.objects.filter(sponsor__isnull=False).exclude(pk__in=paid).order_by("pk").first()


def test_closed_months_toggle_says_which_corrections_it_posts_before_saving(club, admin_login):
    services.month_close(period=LAST)
    member = unpaid_last_month()
    page = admin_login()
    page.goto(f"/admin/bonuses/member/{member.pk}/change/")
    button = page.locator(f'#member-months tr[data-period="{format_month(LAST)}"] .bd-paid-toggle')
    assert button.get_attribute("aria-pressed") == "false"
    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    button.click()
    page.wait_for_function("() => !document.querySelector('[aria-busy=\"true\"]')")
    page.wait_for_timeout(300)
    assert questions, "no question was asked"
    question = questions[0]
    assert "закрыт" in question and "₸" in question
    assert member.sponsor.last_name in question  # to whom
    assert not Payment.objects.filter(member=member, period=LAST).exists()
    assert not LedgerEntry.objects.filter(kind="correction").exists()

    page.once("dialog", lambda dialog: dialog.accept())
    button.click()
    page.wait_for_selector(
        f'#member-months tr[data-period="{format_month(LAST)}"] '
        '.bd-paid-toggle[aria-pressed="true"]:not([aria-busy])'
    )
    assert Payment.objects.get(member=member, period=LAST).paid
    lines = [line for line in question.splitlines() if "₸" in line and ":" in line]
    assert LedgerEntry.objects.filter(kind="correction").count() == len(lines) - 1  # the total


def test_payment_form_of_a_closed_month_shows_the_corrections_page(club, admin_login, screenshot):
    services.month_close(period=LAST)
    payment = Payment.objects.filter(period=LAST, paid=True, member__depth__gte=3).first()
    page = admin_login()
    page.goto(f"/admin/bonuses/payment/{payment.pk}/change/")
    page.fill("input[name=amount]", "12 000")
    page.locator("button[name=_save]").click()
    page.wait_for_selector("#confirm-corrections")
    tall_screenshot(page, screenshot, "admin-warning-corrections")
    payment.refresh_from_db()
    assert payment.amount != 12000 and not LedgerEntry.objects.filter(kind="correction").exists()
    rows = page.locator("#confirm-corrections tbody tr").count() - 1  # without the total
    page.locator("#confirm-button").click()
    page.wait_for_url("**/admin/bonuses/payment/")
    payment.refresh_from_db()
    assert payment.amount == 12000
    assert LedgerEntry.objects.filter(kind="correction").count() == rows


def test_sponsor_move_is_a_confirmation_page(club, admin_login, screenshot):
    anna = Member.objects.get(user__username="anna")
    mover = Member.objects.filter(sponsor=anna, numchild__gt=0).order_by("pk").first()
    target = Member.objects.exclude(path__startswith=anna.path).order_by("pk").first()
    page = admin_login()
    page.goto(f"/admin/bonuses/member/{mover.pk}/change/")
    select2_search(page, target.last_name.lower(), within=".field-sponsor")
    page.locator(".select2-results__option", has_text=target.last_name).first.click()
    page.locator("button[name=_save]").click()
    page.wait_for_selector("#confirm-page")
    text = page.locator("#confirm-warning").inner_text()
    assert f"к спонсору {target}" in text and "всего участников" in text
    assert page.locator("#confirm-months tbody tr").count() >= 1  # open months change
    tall_screenshot(page, screenshot, "admin-warning-sponsor-move")
    mover.refresh_from_db()
    assert mover.sponsor_id == anna.pk
    page.locator("#confirm-button").click()
    page.wait_for_url("**/admin/bonuses/member/")
    mover.refresh_from_db()
    assert mover.sponsor_id == target.pk


def test_closing_a_month_with_earlier_ones_open_closes_them_in_order(club, admin_login, screenshot):
    page = admin_login()
    page.goto(f"/admin/bonuses/month-close/?confirm={format_month(LAST)}")
    warning = page.locator("#earlier-open").inner_text()
    assert "ещё открыт" in warning
    screenshot("admin-month-close-earlier", full_page=False)
    assert not MonthClose.objects.exists()
    page.check("#confirm-close input[name=confirm]")
    page.click("#close-button")
    page.wait_for_selector('#close-status[data-state="done"]')
    assert page.locator("#close-message").inner_text().startswith("Закрыты по порядку")
    # The figures shown are the last month's, and the card says so.
    with translation.override("ru"):
        last_month = format_period(LAST)
    assert page.locator("#close-figures-of").inner_text() == f"Итоги за {last_month}:"
    closed = list(MonthClose.objects.order_by("pk").values_list("period", flat=True))
    assert closed == sorted(closed) and closed[-1] == LAST and len(closed) > 1


def test_lookup_finds_a_member_as_typed_and_shows_their_page(club, admin_login, screenshot):
    artyom = Member.objects.get(first_name="Артём")
    anna = Member.objects.get(user__username="anna")
    page = admin_login()
    page.goto("/admin/bonuses/member/lookup/")
    # Lower case, е for ё, the surname in capitals after the first name.
    select2_search(page, f"артем {artyom.last_name.upper()}")
    page.wait_for_selector(".select2-results__option >> text=Артём")
    page.keyboard.press("Escape")
    # Surname first, then the first name: Anna, whose downline is a tree.
    select2_search(page, f"{anna.last_name.lower()} анна")
    page.locator(".select2-results__option", has_text=anna.last_name).first.click()
    page.wait_for_selector("#member-summary")
    assert f"/r/{anna.referral_code}/" in page.locator("#member-link").inner_text()
    assert page.locator("#statement-levels tbody tr").count() >= 4
    page.locator("#member-tree button.toggle").first.click()
    page.wait_for_selector("#member-tree ul.tree ul.tree li")
    tall_screenshot(page, screenshot, "admin-ru-member-lookup")
    # Nothing English on the page, select2's own messages included.
    page.goto("/admin/bonuses/member/lookup/")
    select2_search(page, "нетакого")
    # "Searching…" shows first while the request is under way.
    page.wait_for_selector(".select2-results__message >> text=Совпадений не найдено")
    assert page.locator(".select2-results__message").inner_text() == "Совпадений не найдено"


def test_export_page_is_styled_and_downloads_a_months_statements(club, admin_login, screenshot):
    page = admin_login()
    page.goto("/admin/export/")
    month = page.locator("select[name=month]")
    assert month.is_visible() and "border" in month.get_attribute("class")
    for name in ("what", "format", "delimiter"):
        assert "border" in page.locator(f"select[name={name}]").get_attribute("class"), name
    page.select_option("select[name=what]", "statements")
    page.select_option("select[name=month]", format_month(LAST))
    assert re.search(
        r"[а-я]+ \d{4}", page.locator("select[name=month] option:checked").inner_text()
    )
    screenshot("admin-ru-export", full_page=False)
    page.select_option("select[name=format]", "csv")
    with page.expect_download() as download:
        page.click("#export-form button[type=submit]")
    assert download.value.suggested_filename == f"bonusdesk-statements-{format_month(LAST)}.csv"


def test_russian_admin_lists_and_dashboard(club, admin_login, screenshot):
    from django.core.cache import cache

    cache.clear()  # the dashboard's figures of an earlier test's club
    page = admin_login()
    page.wait_for_selector("#dashboard")
    page.wait_for_timeout(500)  # the charts draw
    screenshot("admin-ru-dashboard")
    # Chart tooltips write numbers as the page does, not as the browser's locale would.
    label = page.evaluate(
        "Chart.defaults.plugins.tooltip.callbacks.label("
        "{dataset: {label: 'Бонусы', money: true}, parsed: {y: 642675.5}})"
    )
    assert label == "Бонусы: 642\xa0675,50\xa0₸"
    page.goto("/admin/bonuses/member/")
    assert page.locator("text=Участники").first.is_visible()
    tall_screenshot(page, screenshot, "admin-ru-member-list")
    page.goto("/admin/bonuses/payment/")
    assert "₸" in page.locator("#result_list").inner_text()
    tall_screenshot(page, screenshot, "admin-ru-payments")


def test_month_close_table_on_a_phone_keeps_its_columns_apart(club, admin_login, screenshot):
    # Russian headers are long: at 390 px the nine columns ran into each other. The
    # table now scrolls inside its card, each cell padded, words kept on their line.
    page = admin_login()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/admin/bonuses/month-close/")
    # Where each header's words start and end on screen, and each header's height.
    heads = page.eval_on_selector_all(
        "#periods thead th",
        """cells => cells.map(cell => {
            const words = document.createRange();
            words.selectNodeContents(cell);
            const box = words.getBoundingClientRect();
            return [box.left, box.right, cell.getBoundingClientRect().height];
        })""",
    )
    for (_, right, _h), (left, _r, _h2) in zip(heads, heads[1:], strict=False):
        assert left - right >= 12, f"two column headers touch: {heads}"
    assert all(height < 40 for _l, _r, height in heads), f"a header broke its line: {heads}"
    # The page itself does not scroll sideways: only the table's own box does.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # ...and says so, since a phone shows only the first columns.
    assert page.locator("#periods-scroll-hint").is_visible()
    assert "прокрутите" in page.locator("#periods-scroll-hint").inner_text()
    screenshot("admin-ru-month-close-phone", full_page=False)
    # At 1000 px the page used a 768 px column between empty margins.
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto("/admin/bonuses/month-close/")
    assert page.locator("#content").bounding_box()["width"] > 900
    # On a desktop the whole table fits its card (headers may take two lines), and the
    # hint is not shown; at 1280 px, with the menu open, the Actions column was cut off.
    demo_catch_up()  # every column filled, the newest month's statements sent
    # ...one of them failed and one waits: the statements column at its longest.
    mails = StatementMail.objects.order_by("pk")
    mails.filter(pk=mails[0].pk).update(state=StatementMail.State.FAILED)
    mails.filter(pk=mails[1].pk).update(state=StatementMail.State.PENDING)
    fits = "(box => box.scrollWidth <= box.clientWidth)(document.getElementById('periods-box'))"
    for width in (1000, 1280, 1440):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/admin/bonuses/month-close/")
        assert page.evaluate(fits), width
        assert not page.locator("#periods-scroll-hint").is_visible(), width
