"""Issue 17 in a real browser: a friend opens the link (counted once, the headless
browser's own visit not at all), the member page shows the funnel and a QR code that
decodes, from the pixels Chromium drew, to the member's link; the print pages lay out
cards at their real size. Screenshots: docs/screenshots/referral-*.png."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from bonuses import services
from bonuses.models import ReferralVisit
from bonuses.services.payments import payment_set
from core.periods import add_months, current_period
from tests.factories import enroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-password-1"
PHONE_BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
MM = 72 / 25.4  # PDF points per millimetre

# Draws an <svg> into a canvas and returns its pixels as grayscale: what a phone's camera
# would see, read back in Python by zxing-cpp.
PIXELS_JS = """async (svg) => {
  const size = 400;
  const image = new Image();
  image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg.outerHTML);
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff"; context.fillRect(0, 0, size, size);
  context.drawImage(image, 0, 0, size, size);
  const rgba = context.getImageData(0, 0, size, size).data;
  const gray = [];
  for (let i = 0; i < rgba.length; i += 4) { gray.push(rgba[i]); }
  return {size, gray};
}"""


def decode_drawn(locator) -> list[str]:
    import zxingcpp

    drawn = locator.evaluate(PIXELS_JS)
    image = memoryview(bytes(drawn["gray"])).cast("B", (drawn["size"], drawn["size"]))
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def club():
    """Dana, whose link friends opened over the year; some joined, some paid."""
    this_month = current_period()
    member = enroll(first_name="Dana", last_name="Seitova")
    user = get_user_model().objects.create_user("dana", "dana@example.test", PASSWORD)
    services.member_link_login(member=member, user=user)
    today = timezone.localdate()
    for back in range(11, -1, -1):
        month = add_months(this_month, -back)
        opened = [3, 5, 4, 8, 6, 9, 12, 7, 10, 14, 11, 6][11 - back]
        ReferralVisit.objects.create(member=member, day=month, opened=opened)
        for i in range(opened // 4):
            joined = month + timedelta(days=i)
            friend = enroll(member, first_name=f"Friend{back}{i}", joined_on=min(joined, today))
            if i % 2 == 0:
                payment_set(member=friend, period=month, paid=True, amount=15000)
    return member


def log_in(page, username="dana", password=PASSWORD):
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/me/")


def test_member_page_shows_the_funnel_and_a_qr_code_that_scans(
    page, browser, live_server, screenshot, settings
):
    member = club()
    settings.SITE_URL = live_server.url
    opened_before = ReferralVisit.objects.get(member=member, day=current_period()).opened
    # A friend's phone opens the link twice: one visit. Headless Chromium's own
    # user agent says "HeadlessChrome": a bot, not counted.
    friend = browser.new_context(base_url=live_server.url, user_agent=PHONE_BROWSER)
    friend_page = friend.new_page()
    for _ in range(2):
        friend_page.goto(f"/r/{member.referral_code}/")
        friend_page.wait_for_url("**/signup/")
    friend.close()
    page.goto(f"/r/{member.referral_code}/")
    today = timezone.localdate()
    counted = ReferralVisit.objects.filter(member=member, day=today).values_list(
        "opened", flat=True
    )
    expected = (opened_before if today.day == 1 else 0) + 1
    assert sum(counted) == expected

    log_in(page)
    funnel = page.locator("#funnel")
    funnel.wait_for()
    this_month = ReferralVisit.objects.filter(member=member, day__gte=current_period())
    opened = sum(v.opened for v in this_month)
    assert page.locator("#funnel-opened strong").inner_text() == str(opened)
    assert page.locator("#funnel-signed-up strong").inner_text() == str(
        member.referrals.filter(joined_on__gte=current_period()).count()
    )
    assert page.locator("#funnel .fchart .bars").count() == 12
    qr = page.locator("#referral-qr svg.qr")
    assert qr.is_visible()
    link = f"{live_server.url}/r/{member.referral_code}/"
    assert decode_drawn(qr) == [link]
    screenshot("referral-member-page")
    funnel.screenshot(path=str(_shot("referral-member-funnel")))

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    funnel.scroll_into_view_if_needed()
    funnel.screenshot(path=str(_shot("referral-member-funnel-phone")))


def _shot(name):
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def _page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def test_print_pages_lay_out_cards_at_their_size(page, live_server, screenshot, settings):
    member = club()
    settings.SITE_URL = live_server.url
    log_in(page)
    page.click("#print-card")
    page.wait_for_url("**/me/card/")
    card = page.locator(".card")
    assert card.count() == 1
    assert decode_drawn(card.locator("svg.qr")) == [f"{live_server.url}/r/{member.referral_code}/"]
    screenshot("referral-card")
    [(width, height)] = _page_sizes(page.pdf(prefer_css_page_size=True, print_background=True))
    assert abs(width - 85.6 * MM) < 1.5 and abs(height - 54 * MM) < 1.5

    page.goto("/me/card/?layout=sheet")
    assert page.locator(".card").count() == 10
    screenshot("referral-card-sheet")
    sizes = _page_sizes(page.pdf(prefer_css_page_size=True, print_background=True))
    assert len(sizes) == 1  # ten cards, one A4 sheet
    assert abs(sizes[0][0] - 210 * MM) < 1.5 and abs(sizes[0][1] - 297 * MM) < 1.5


def test_staff_print_cards_for_chosen_members_and_see_the_funnel(
    admin_login, live_server, screenshot, settings
):
    from django.core.cache import caches

    caches["default"].clear()  # the dashboard's figures of an earlier test's club
    member = club()
    settings.SITE_URL = live_server.url
    others = [enroll(first_name=n, last_name="Cardholder") for n in ("Aru", "Bota", "Erlan")]
    page = admin_login()
    page.goto("/admin/")
    page.locator("#dashboard-funnel").scroll_into_view_if_needed()
    page.wait_for_selector("#top-referrers")
    assert "Seitova Dana" in page.locator("#top-referrers").inner_text()
    page.locator("#dashboard-funnel").screenshot(path=str(_shot("referral-admin-dashboard")))

    page.goto(f"/admin/bonuses/member/{member.pk}/change/")
    page.locator("#member-funnel").scroll_into_view_if_needed()
    page.locator("#member-funnel").screenshot(path=str(_shot("referral-admin-member-funnel")))

    page.goto("/admin/bonuses/member/?q=Cardholder")
    boxes = page.locator("input.action-select")
    assert boxes.count() == 3
    for i in range(3):
        boxes.nth(i).check()
    page.select_option("select[name=action]", "print_cards")
    page.locator("button[type=submit][name=index]").first.click()
    page.wait_for_selector(".sheet .card")
    assert page.locator(".card").count() == 3
    texts = page.locator(".card .name").all_inner_texts()
    assert sorted(texts) == ["Aru", "Bota", "Erlan"]
    for i, other in enumerate(sorted(others, key=lambda m: m.first_name)):
        drawn = decode_drawn(page.locator(".card svg.qr").nth(i))
        assert drawn == [f"{live_server.url}/r/{other.referral_code}/"]
    screenshot("referral-admin-print-cards")
