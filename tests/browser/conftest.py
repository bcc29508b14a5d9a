"""Browser tests: Playwright's Python package driving Debian's Chromium, headless.

Browsers are never downloaded: without /usr/bin/chromium these tests are skipped with a
one-line reason (CI installs the package first).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# The flags a sandboxed root session needs; background networking would only hit the
# closed network and slow every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
# still synchronous, so Django's async guard must stand aside for browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: apt-get install chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_context_args():
    return {"viewport": {"width": 1440, "height": 900}, "locale": "en-US"}


@pytest.fixture
def page(browser, live_server, browser_context_args):
    context = browser.new_context(base_url=live_server.url, **browser_context_args)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save what the user sees: screenshot("admin-dashboard") -> docs/screenshots/*.png."""

    def take(name: str, *, full_page: bool = True):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    return take


@pytest.fixture
def admin_login(page, django_user_model):
    """Log in to the admin through its real form; returns the logged-in page."""

    def login(username="boss", password="pw", *, superuser=True):
        if not django_user_model.objects.filter(username=username).exists():
            if superuser:
                django_user_model.objects.create_superuser(username, f"{username}@x.test", password)
        page.goto("/admin/")  # redirects to the login form with next=/admin/
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/admin/")
        return page

    return login
