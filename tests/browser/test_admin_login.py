import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_logs_in_and_sees_the_admin(admin_login):
    page = admin_login()
    assert "BonusDesk" in page.title()
    assert page.locator("text=SQLite").count() + page.locator("text=PostgreSQL").count() >= 1
