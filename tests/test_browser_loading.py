"""The served page's own loading message (``ui.asgi.boot_message``) in Chromium: drawn before any of the frontend's
scripts run, and gone once the app has drawn. Skipped when Chromium or playwright is missing, unless
SVD_REQUIRE_BROWSER=1."""

from __future__ import annotations

import pytest

from tests.localapp import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.realdata, pytest.mark.slow]

MESSAGE = "Loading the dashboard…"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def test_the_page_says_it_is_loading_before_any_script_runs(server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.route("**/*.js", lambda route: route.abort())  # the frontend never starts: only the HTML is drawn
    page.goto(f"{server}/hotspots", wait_until="load")
    status = page.get_by_role("status")
    assert status.inner_text() == MESSAGE and status.is_visible()
    box = status.bounding_box()
    assert (
        box and 0 <= box["y"] < 900 / 3 and box["x"] < 1440 / 2
    )  # at the top of the page, where the app's starts
    size = float(page.evaluate("() => getComputedStyle(document.getElementById('svd-boot')).fontSize")[:-2])
    assert size >= 16
    context.close()


def test_the_message_is_gone_once_the_app_has_drawn(server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/temporal", wait_until="commit")
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=120_000)
    assert page.locator("#svd-boot").count() == 1  # still in the page, hidden by the stylesheet's rule
    assert not page.locator("#svd-boot").is_visible()
    assert MESSAGE not in page.inner_text("body")
    context.close()
