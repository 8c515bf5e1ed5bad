"""Real-browser test: the London comparisons funnel plot and the Across the border map render in Chromium, at
1440×900 and in presentation mode at 1920×1080; screenshots go to tests/artifacts/.

Skipped when Chromium or playwright is missing, unless SVD_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.localapp import CHROMIUM, CHROMIUM_ARGS, pixel_stats

pytestmark = [pytest.mark.browser, pytest.mark.realdata, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[1] / "tests" / "artifacts"
SIZES = {"1440x900": ((1440, 900), False), "1920x1080-present": ((1920, 1080), True)}


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield server, b
        b.close()


def _open(browser, path: str, size: str):
    """The page at ``size`` once settled: (page, console errors, requests that failed)."""
    server, b = browser
    (w, h), present = SIZES[size]
    context = b.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{server}/{path}" + ("?present=1" if present else ""), wait_until="domcontentloaded")
    page.wait_for_selector("h1", timeout=120_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
    )
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)
    return context, page, errors


@pytest.mark.parametrize("size", list(SIZES))
def test_funnel_plot_renders(browser, size):
    context, page, errors = _open(browser, "london", size)
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.wait_for(state="visible", timeout=60_000)
    page.wait_for_function(
        "() => { const c = document.querySelector('[data-testid=\"stVegaLiteChart\"]');"
        " return c && c.querySelector('svg.marks, canvas'); }",
        timeout=60_000,
    )
    page.wait_for_timeout(800)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"london-{size}.png"))
    text = page.inner_text("[data-testid='stMain']")
    assert "could not be shown" not in text
    assert "highest of 32 boroughs" in text
    shot = chart.screenshot()
    distinct, non_white = pixel_stats(shot)
    assert distinct > 8 and non_white > 0.02, (distinct, non_white)
    assert not errors, errors
    context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_border_map_renders(browser, size):
    context, page, errors = _open(browser, "border", size)
    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
    canvas.wait_for(state="visible", timeout=60_000)
    page.wait_for_timeout(1500)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"border-{size}.png"))
    distinct, non_white = pixel_stats(canvas.screenshot())
    assert distinct > 8 and non_white > 0.05, (
        f"map looks blank: {distinct} colours, {non_white:.0%} non-white"
    )
    text = page.inner_text("[data-testid='stMain']")
    assert "share a border with" in text and "could not be shown" not in text
    assert not errors, errors
    context.close()
