"""A view copied as a URL reopens identically in a fresh browser (issue 6: shareable views)."""

from __future__ import annotations

import pytest

from tests.localapp import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.realdata, pytest.mark.slow]


def _settled(page) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stMarkdownContainer\"]').length > 3", timeout=120_000
    )
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
    )


def test_a_copied_link_reopens_the_same_view(server):
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


# --- every page: change its filters, copy the link from the popover, reopen it in a fresh browser -------------


def _idle(page, quiet_ms: int = 1500, timeout_s: float = 240) -> None:
    """Wait until the page has its title and the app has stopped running (no status widget, no stale
    elements) for ``quiet_ms`` in a row."""
    import time

    page.locator("h1").first.wait_for(timeout=int(timeout_s * 1000))
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"], [data-stale="true"]').count() > 0
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif (time.monotonic() - quiet_since) * 1000 >= quiet_ms:
            return
        page.wait_for_timeout(150)
    raise AssertionError("the page did not settle")


def _settled_figures(page) -> dict:
    """``_figures`` once two readings a second apart agree (a rerun may still be drawing)."""
    last = _figures(page)
    for _ in range(20):
        page.wait_for_timeout(1000)
        now = _figures(page)
        if now == last:
            return now
        last = now
    return last


def _figures(page) -> dict:
    """What a reader compares: the headline sentence, every tile's label and value, and the tables' row counts."""
    headline = page.locator("p.svd-headline")
    metrics = page.locator('[data-testid="stMetric"]')
    return {
        "title": page.locator("h1").first.inner_text(),
        "headline": headline.first.inner_text() if headline.count() else None,
        "tiles": [
            (
                metrics.nth(i).locator('[data-testid="stMetricLabel"]').inner_text(),
                metrics.nth(i).locator('[data-testid="stMetricValue"]').inner_text(),
            )
            for i in range(metrics.count())
        ],
    }


def _copied_link(page) -> str:
    """The address in the 'Copy link to this view' popover."""
    page.get_by_role("button", name="Copy link to this view").click()
    code = page.locator('[data-testid="stPopoverBody"] code').first
    code.wait_for(timeout=10_000)
    url = code.inner_text().strip()
    page.keyboard.press("Escape")
    return url


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox or radio labelled ``label``."""
    # The widget whose label is exactly ``label`` (has_text would also match "Offences (count)" for "Offence").
    named = page.locator('[data-testid="stWidgetLabel"]').get_by_text(label, exact=True)
    box = page.locator('[data-testid="stSelectbox"]').filter(has=named)
    if box.count():
        box.first.click()
        page.get_by_role("option", name=option, exact=True).click()
    else:
        group = page.locator('[data-testid="stRadio"]').filter(has=named).first
        group.get_by_text(option, exact=True).click()
    _idle(page)


def _sidebar(page) -> None:
    """Shared filters: the months start three months later, and one ward is chosen."""
    page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]').first.wait_for(timeout=180_000)
    thumb = page.locator('[data-testid="stSidebar"] input[type="range"]').first
    thumb.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    _idle(page)
    wards = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first
    wards.click()
    page.get_by_role("option", name="Abbey", exact=True).click()
    page.keyboard.press("Escape")
    _idle(page)


def _slide(page, label: str, steps: int = 1) -> None:
    """Move the (first) thumb of the slider labelled ``label`` ``steps`` places right."""
    thumb = (
        page.locator('[data-testid="stSlider"]').filter(has_text=label).first.locator('input[type="range"]')
    )
    thumb.first.focus()
    for _ in range(steps):
        page.keyboard.press("ArrowRight")
    _idle(page)


def _toggle(page, label: str) -> None:
    page.locator('[data-testid="stCheckbox"]').filter(has_text=label).first.click()
    _idle(page)


# path → the page's own filter changes (after the sidebar's)
PAGE_CHANGES = {
    "": [],
    "domestic-abuse": [lambda p: _choose(p, "Areas", "LSOAs")],
    "sexual-offences": [lambda p: _choose(p, "Offence", "Rape"), lambda p: _toggle(p, "Exclude historical")],
    "knife-crime-robbery": [lambda p: _slide(p, "Distance from a station")],
    "funding": [],
    "strategy": [],
    "hotspots": [
        lambda p: _choose(p, "Areas", "Neighbourhood (LSOA)"),
        lambda p: _choose(p, "Measure", "Offences per 1,000 residents"),
        lambda p: _choose(p, "Domestic abuse", "Only flagged"),
        lambda p: _choose(p, "Time of day", "All hours"),
    ],
    "temporal": [
        lambda p: _choose(p, "Domestic abuse", "Only flagged"),
        lambda p: _choose(p, "Knife or bladed article", "Exclude flagged"),
    ],
    "data": [],
}


def reopen_check(base_url: str, path: str, browser) -> tuple[str, dict, dict]:
    """Change the page's filters, copy its link, open it in a fresh context: (link, figures before, after)."""
    page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    page.goto(f"{base_url}/{path}")
    _idle(page)
    default = _settled_figures(page)
    _sidebar(page)
    for change in PAGE_CHANGES[path]:
        change(page)
    _idle(page)
    before = _settled_figures(page)
    link = _copied_link(page)
    page.context.close()
    fresh = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    fresh.goto(link)
    _idle(fresh)
    after = _settled_figures(fresh)
    for _ in range(60):  # a section still loading (e.g. the data checks) is given time to appear
        if after == before:
            break
        fresh.wait_for_timeout(1000)
        after = _figures(fresh)
    fresh.context.close()
    return link, {"default": default, **before}, after


@pytest.mark.parametrize("path", list(PAGE_CHANGES))
def test_every_page_reopens_from_its_copied_link(server, path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            link, before, after = reopen_check(server, path, browser)
        finally:
            browser.close()
    assert f"/{path}?" in link and "period=" in link and "wards=E05014053" in link, link
    default = before.pop("default")
    if path in ("", "domestic-abuse", "sexual-offences", "knife-crime-robbery", "hotspots", "temporal"):
        # The changed filters changed what the page shows, so the same figures after reopening mean something.
        assert before["headline"] != default["headline"] or before["tiles"] != default["tiles"], path
    assert after == before, (link, before, after)
