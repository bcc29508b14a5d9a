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
