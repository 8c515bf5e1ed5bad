"""Real-browser smoke test: both tasking pages in headless Debian Chromium, offline, no console errors.

Starts ``streamlit run app.py`` on a free port, opens /hotspots and /temporal, saves screenshots to
tests/artifacts/, and fails if the map canvas is blank, on any console error, or on any request to a host other
than the local server. Skipped when Chromium or playwright is missing, unless SVD_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.localapp import CHROMIUM, CHROMIUM_ARGS, pixel_stats

pytestmark = [pytest.mark.browser, pytest.mark.realdata, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"
# Opening a page's path directly makes the frontend try <page>/_stcore/... first; those 404s are harmless.
HARMLESS_404 = re.compile(r"/(hotspots|temporal)/_stcore/")


def _open(server: str, path: str, name: str):
    from playwright.sync_api import sync_playwright

    errors, foreign = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1440, "height": 1800})
        page = context.new_page()
        host = server.split("//", 1)[1]

        def on_console(msg):
            if msg.type == "error":
                loc = (msg.location or {}).get("url", "")
                if "404" in msg.text and (HARMLESS_404.search(loc) or HARMLESS_404.search(msg.text)):
                    return
                errors.append(f"{msg.text} @ {loc}")

        def on_request(req):
            if not req.url.startswith(("data:", "blob:")) and f"//{host}" not in req.url:
                foreign.append(req.url)

        page.on("console", on_console)
        page.on("request", on_request)
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        start = time.perf_counter()
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        page.wait_for_selector("h1", timeout=60_000)
        loaded = time.perf_counter() - start
        page.wait_for_timeout(1500)  # let charts and the map draw
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        result = {"loaded": loaded, "errors": errors, "foreign": foreign, "page": page}
        if path == "hotspots":
            canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
            canvas.wait_for(state="visible", timeout=30_000)
            result["map_visible_s"] = time.perf_counter() - start
            page.wait_for_timeout(500)
            shot = canvas.screenshot()
            (ARTIFACTS / "hotspots_map.png").write_bytes(shot)
            result["map_pixels"] = pixel_stats(shot)
        body = page.inner_text("body")
        result["body"] = body
        context.close()
        browser.close()
    return result


def test_hotspots_page_in_chromium(server):
    r = _open(server, "hotspots", "hotspots")
    assert not r["errors"], r["errors"]
    assert not r["foreign"], r["foreign"]
    distinct, non_white = r["map_pixels"]
    assert distinct > 8 and non_white > 0.05, (
        f"map looks blank: {distinct} colours, {non_white:.0%} non-white"
    )
    assert "Hotspots" in r["body"] and "could not be shown" not in r["body"]


def test_temporal_page_in_chromium(server):
    r = _open(server, "temporal", "temporal")
    assert not r["errors"], r["errors"]
    assert not r["foreign"], r["foreign"]
    assert "2023 SNA" in r["body"] and "could not be shown" not in r["body"]
    # The sidebar lists every page; Streamlit folds a long list behind "View N more" unless told not to.
    from svd.overview import PAGE_TITLES

    assert not re.search(r"View \d+ more", r["body"])
    assert [t for t in PAGE_TITLES.values() if t not in r["body"]] == []
