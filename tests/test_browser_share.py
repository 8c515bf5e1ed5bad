"""A view copied as a URL reopens identically in a fresh browser (issue 6: shareable views)."""

from __future__ import annotations

import pytest

from tests.localapp import CHROMIUM, CHROMIUM_ARGS
from tests.test_browser import server  # noqa: F401 — `server` is the shared fixture

pytestmark = [pytest.mark.browser, pytest.mark.realdata, pytest.mark.slow]


def _settled(page) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stMarkdownContainer\"]').length > 3", timeout=120_000
    )
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
    )


def test_a_copied_link_reopens_the_same_view(server):  # noqa: F811
    from playwright.sync_api import sync_playwright

    query = "period=2024-01..2024-06&wards=E05014053"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            page.goto(f"{server}/domestic-abuse?{query}")
            _settled(page)
            sidebar = page.locator('[data-testid="stSidebar"]')
            # A cold server loads the MPS files and builds the simulation first: wait for the last sidebar widget.
            sidebar.locator('[data-testid="stMultiSelect"]').wait_for(timeout=180_000)
            assert sidebar.get_by_text("Jan 2024").count() >= 1
            assert sidebar.get_by_text("Jun 2024").count() >= 1
            assert "Abbey" in sidebar.inner_text(), sidebar.inner_text()
            page.get_by_role("heading", name="Domestic abuse").first.wait_for(timeout=180_000)
            # The same filters stay in the address, so copying it again gives the same view.
            assert "period=2024-01..2024-06" in page.url and "wards=E05014053" in page.url
        finally:
            browser.close()
