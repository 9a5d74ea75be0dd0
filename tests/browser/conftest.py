"""Browser tests: Playwright (Python) driving Debian's Chromium against Django's live server
and the OpenID Connect test provider. ``KLANTEN_SCREENSHOTS=1`` also writes the screenshots
of the main pages to docs/screenshots/ (see docs/sign-in.md)."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the test code's ORM calls are
# still synchronous and safe
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: bin/test installs Debian's chromium package")
    from playwright.sync_api import expect, sync_playwright

    # expect() waits for the page as long as every other step does (its own default is 5 s)
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(
        locale="nl-NL", viewport={"width": 1024, "height": 800}, device_scale_factor=1
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, name)``: saved under docs/screenshots/ when KLANTEN_SCREENSHOTS=1."""

    def take(page, name: str, *, full_page=True):
        if os.environ.get("KLANTEN_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    return take


@pytest.fixture
def web(live_server, oidc_provider, settings, transactional_db):
    """Live server with both OIDC configurations at the test provider, over plain HTTP."""
    from tests.conftest import RSIN
    from tests.oidc_fixtures import configure_oidc

    settings.MIJN_GEGEVENS_BRONORGANISATIE = RSIN
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    configure_oidc(oidc_provider)
    return live_server
