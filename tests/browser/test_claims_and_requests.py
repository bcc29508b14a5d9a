"""Claims and sponsor requests in a real browser: an imported member claims their page
through the link mailed to the email on file, a stranger who signed up with the same
email sees nothing of it, the front desk prints a claim code, and staff approve a sponsor
request. Screenshots: docs/screenshots/{member,admin}-*claim*.png, *sponsor-request*.png."""

import re

import pytest
from django.core import mail

from bonuses import services
from bonuses.models import Member
from core.periods import current_period
from tests.browser.conftest import SCREENSHOTS
from tests.factories import enroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-password-1"


def sign_up(page, username, email, first_name):
    page.goto("/signup/")
    page.fill("input[name=username]", username)
    page.fill("input[name=first_name]", first_name)
    page.fill("input[name=last_name]", "Anyone")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/me/")


def test_imported_member_claims_by_the_emailed_link_and_a_stranger_sees_nothing(
    browser, live_server, screenshot, page
):
    aliya = enroll(first_name="Aliya", last_name="Secretova", email="aliya@example.test")
    follower = enroll(aliya, first_name="Ruslan", last_name="Follower")
    services.payment_mark_paid(member=follower, period=current_period())

    # A stranger who knows Aliya's email signs up with it.
    sign_up(page, "mallory", "aliya@example.test", "Mallory")
    waiting = page.locator("main").inner_text()
    assert "Confirm it is you" in waiting and "email the club has on file" in waiting
    for secret in ("Aliya", "Secretova", "Ruslan", "aliya@example.test"):
        assert secret not in page.content()
    screenshot("member-claim-waiting")
    page.click("button.lang[value=ru]")
    page.wait_for_selector("html[lang=ru]")
    assert "Подтвердите, что это вы" in page.locator("main").inner_text()
    screenshot("member-claim-waiting-ru")
    page.click("button.lang[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert mail.outbox[-1].to == ["aliya@example.test"]  # not the stranger's inbox

    # Aliya signs up on her phone (another browser), then opens the mail she got.
    owner = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    phone = owner.new_page()
    sign_up(phone, "aliya", "aliya@example.test", "Aliya")
    link = re.search(r"https?://\S+/claim/\S+/", mail.outbox[-1].body).group(0)
    path = link[link.index("/claim/") :]
    phone.goto(path)
    phone.wait_for_url("**/claim/confirm/")  # the secret leaves the address bar
    assert "Yes, it is me" in phone.locator("main").inner_text()
    phone.screenshot(path=str(SCREENSHOTS / "member-claim-confirm.png"), full_page=True)
    phone.click("main form button[type=submit]")
    phone.wait_for_url("**/me/")
    assert "Hello, Aliya" in phone.locator("h1").inner_text()
    assert "Ruslan F." in phone.locator("#tree").inner_text()
    phone.screenshot(path=str(SCREENSHOTS / "member-claim-done.png"), full_page=True)
    owner.close()
    aliya.refresh_from_db()
    assert aliya.user.username == "aliya"

    # The stranger's page still shows nothing of Aliya, and the stranger's link is dead.
    page.reload()
    assert "Aliya" not in page.content() and "Ruslan" not in page.content()
    stranger_link = re.search(r"/claim/\S+/", mail.outbox[0].body).group(0)
    page.goto(stranger_link)
    assert "This link does not work" in page.locator("main").inner_text()


def test_the_front_desk_prints_a_claim_code(admin_login, screenshot, django_user_model):
    from django.contrib.auth.models import Group, Permission

    from admin_site.roles import FRONT_DESK, sync_groups

    sync_groups(Group, Permission)  # a transactional test starts from an emptied database
    member = enroll(first_name="Nurlan", last_name="Bekov", phone="+77015550002")
    desk = django_user_model.objects.create_user("desk", password="desk", is_staff=True)
    desk.groups.add(Group.objects.get(name=FRONT_DESK))
    page = admin_login("desk", "desk", superuser=False)
    page.goto(f"/admin/bonuses/member/{member.pk}/change/")
    page.click("#issue-claim-code button[type=submit]")
    page.wait_for_selector("#claim-code")
    code = page.locator("#claim-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    screenshot("admin-claim-code")
    member.refresh_from_db()
    assert member.user is None  # nothing linked until the member brings the code


def test_staff_approve_a_sponsor_request(page, admin_login, screenshot, django_user_model):
    aigerim = enroll(first_name="Aigerim", last_name="Nurova", email="aigerim@example.test")
    dana = enroll(first_name="Dana", last_name="Seitova")
    enroll(dana, first_name="Timur", last_name="Li")
    dana.user = django_user_model.objects.create_user("dana", "dana@example.test", PASSWORD)
    dana.save(update_fields=["user"])

    page.goto("/login/")
    page.fill("input[name=username]", "dana")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/me/")
    page.fill("#sponsor input[name=sponsor]", "aigerim@example.test")
    page.click("#sponsor button[type=submit]")
    page.wait_for_selector("#sponsor-request-pending")
    page.locator("#sponsor").screenshot(path=str(SCREENSHOTS / "member-sponsor-request.png"))
    dana.refresh_from_db()
    assert dana.sponsor is None  # nothing moves before staff decide
    page.click("header form[action='/logout/'] button")

    page = admin_login()
    badge = page.locator("a[href='/admin/bonuses/sponsorrequest/']")
    assert "1" in badge.inner_text()
    badge.click()
    page.wait_for_selector("#result_list")
    screenshot("admin-sponsor-requests")
    page.click("#result_list a:has-text('Dana')")
    page.wait_for_selector("#sponsor-request")
    assert page.locator("#members-moving").inner_text() == "2"
    page.check("#id_confirm")
    screenshot("admin-sponsor-request")
    page.click("button[value=approve]")
    page.wait_for_url("**/admin/bonuses/sponsorrequest/")
    dana.refresh_from_db()
    assert dana.sponsor == aigerim
    assert Member.objects.get_parent(dana) == aigerim
    assert dana.history.first().history_user.username == "boss"
