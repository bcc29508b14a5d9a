import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_logs_in_and_sees_the_admin(admin_login):
    page = admin_login()
    assert "BonusDesk" in page.title()
    assert page.locator("text=SQLite").count() + page.locator("text=PostgreSQL").count() >= 1


@pytest.mark.parametrize("width", [1024, 1280, 1440])
def test_the_menu_can_be_reached_at_common_laptop_widths(admin_login, page, screenshot, width):
    """Unfold counts exactly 1280 px as narrow in its script and as wide in its
    stylesheet: the menu opened and closed at once there (admin_site's unfold_fixes.css)."""
    page.set_viewport_size({"width": width, "height": 800})
    admin_login()
    if width == 1280:
        screenshot("admin-dashboard-1280", full_page=False)
    members = page.locator("#nav-sidebar a[href='/admin/bonuses/member/']").first
    if not members.is_visible():  # a narrow window: the menu opens from the header
        page.locator("[x-on\\:click='sidebarToggle()']:visible").first.click()
    members.click()
    page.wait_for_url("**/admin/bonuses/member/")


@pytest.mark.parametrize("width", [1280, 1440])
def test_the_bar_of_actions_starts_beside_the_menu(admin_login, page, width):
    # At 1280 px the bar that rises when rows are ticked started under the menu kept open
    # there, hiding its action list.
    from tests.factories import enroll

    enroll()
    page.set_viewport_size({"width": width, "height": 800})
    admin_login()
    page.goto("/admin/bonuses/member/")
    page.locator("#action-toggle").check()
    bar = page.locator("select[name=action]").first
    bar.wait_for()
    menu = page.locator("#nav-sidebar").bounding_box()
    assert bar.bounding_box()["x"] >= menu["x"] + menu["width"]
