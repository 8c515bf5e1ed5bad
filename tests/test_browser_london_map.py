"""Real-browser test of the London map: the deck.gl map draws London's wards and its tooltip shows on hover.

Headless Debian Chromium at 1440 × 900; a screenshot with the tooltip showing goes to tests/artifacts/. Skipped
without Chromium or playwright unless SVD_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import re

import pytest

from tests.localapp import CHROMIUM, CHROMIUM_ARGS, looks_drawn
from tests.test_browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.realdata, pytest.mark.slow]

# Fractions of the map's width and height, all inside London at the default view.
POINTS = [(0.5, 0.5), (0.4, 0.4), (0.6, 0.6), (0.55, 0.35), (0.35, 0.6)]


def test_london_map_draws_and_its_tooltip_shows_on_hover(server):
    from playwright.sync_api import sync_playwright

    found = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{server}/london-map", wait_until="domcontentloaded")
        page.wait_for_selector("h1", timeout=90_000)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
        )
        chart = page.locator("[data-testid='stDeckGlJsonChart']").first
        chart.scroll_into_view_if_needed()
        page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for(
            state="visible", timeout=60_000
        )
        page.wait_for_timeout(2500)  # deck.gl compiles its shaders in software before the first frame
        assert looks_drawn(chart.screenshot()), "the map's canvas is blank"
        box = chart.bounding_box()
        for fx, fy in POINTS:
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(700)
            text = page.evaluate(
                """() => { const t = document.querySelector('.deck-tooltip');
                if (!t || getComputedStyle(t).display === 'none') return null; return t.innerText; }"""
            )
            if text:
                found.append(text)
                if len(found) == 1:
                    ARTIFACTS.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(ARTIFACTS / "london_map_tooltip.png"))
        browser.close()
    assert len(found) >= 3, f"the tooltip showed at only {len(found)} of {len(POINTS)} points"
    for text in found:
        assert not re.search(r"<\s*/?\s*(b|br|i)\b|&lt;|&gt;|&amp;", text), text
        assert "London percentile" in text and "per 1,000 residents" in text, text
