"""Presentation mode in a real browser: every page of the route list at 1920×1080 and 1280×720, measured.

One server and one Chromium for the module; one tab per screen size, reused page after page. On every page:
chart text (Vega draws SVG in presentation mode, so its text is in the page), table cells and body text are at
least the projector sizes; no chart is collapsed; no table header, tile label or filter is cut off with "…";
no request fails (the two 404s Streamlit's frontend made on every direct page load); a page's map (Hotspots,
London map, Across the border) is whole above the fold. A select box's value (an <input>) counts as text: its size, and cut off when it overflows. At 1440×900 without presentation mode: nothing cut off with "…", no
data grid wider than its box (a sideways scrollbar), and no 404 either.

Skipped when Chromium or playwright is missing, unless SVD_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import pytest

from svd.overview import PAGE_FILES
from tests.localapp import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.realdata, pytest.mark.slow]

# Every page of the route list (app.py's, checked against svd.overview.PAGE_FILES by tests/test_metrics.py):
# a page added to the router is measured without being listed here.
PAGES = list(PAGE_FILES)
SCREENS = {"1920x1080": (1920, 1080), "1280x720": (1280, 720)}
CHART_TEXT_PX = 20  # chart labels, legends, titles
TABLE_PX = 20  # table cells and headers
BODY_PX = 20  # paragraphs, captions, list items, control labels
MIN_CHART_PX = 150  # a chart's drawn height: below this it has collapsed
MIN_MAP_PX = 380  # a map's height in presentation mode (400 px at 1280×720, 620 px at 1920×1080)

# Everything measured on a page, in one script (one round trip).
MEASURE = """
(L) => {
  const main = document.querySelector('[data-testid="stMain"]');
  const px = (el) => parseFloat(getComputedStyle(el).fontSize);
  // On screen: a box of its own and not hidden (a folded expander's content keeps its box).
  const seen = (el) => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && (!el.checkVisibility || el.checkVisibility({visibilityProperty: true})); };
  const say = (el) => (el.textContent || '').trim().slice(0, 60);
  const charts = [...main.querySelectorAll('[data-testid="stVegaLiteChart"]')].filter(seen);
  const out = {charts: charts.length, canvases: 0, chartText: [], chartClipped: [], collapsed: [], tableText: [], grids: 0, wideGrids: [],
               bodyText: [], clipped: [], map: null, viewport: innerHeight};
  for (const c of charts) {
    const svg = c.querySelector('svg.marks');
    if (!svg) { out.canvases += 1; continue; }
    const h = svg.getBoundingClientRect().height;
    const title = say(c.querySelector('.role-title-text') || c);
    if (h < L.chart_height) out.collapsed.push([title, Math.round(h)]);
    const box = c.getBoundingClientRect();
    for (const t of svg.querySelectorAll('text')) {
      if (!say(t) || !seen(t)) continue;
      if (px(t) < L.chart_text) out.chartText.push([say(t), px(t), title]);
      // Text outside the chart's own box is cut off by the page (a title or axis title wider than the chart).
      const r = t.getBoundingClientRect();
      if (r.left < box.left - 2 || r.right > box.right + 2) out.chartClipped.push([say(t), title]);
    }
  }
  const grids = [...main.querySelectorAll('[data-testid="stDataFrame"]')].filter(seen);
  out.grids = grids.length;
  // A grid wider than its box scrolls sideways (columns out of sight): named by its column headers.
  out.wideGrids = grids.map(g => [g.querySelector('.dvn-scroller'), g]).filter(([s]) => s && s.scrollWidth > s.clientWidth + 1)
    .map(([s, g]) => [Math.round(s.scrollWidth), Math.round(s.clientWidth),
                      [...g.querySelectorAll('[role="columnheader"], th')].map(h => h.textContent).join(' | ').slice(0, 160)]);
  for (const cell of main.querySelectorAll('[data-testid="stTable"] :is(td, th), .stMarkdown :is(td, th)')) {
    if (say(cell) && seen(cell) && px(cell) < L.table) out.tableText.push([say(cell), px(cell)]);
  }
  const body = main.querySelectorAll(
    '.stMarkdown p, .stMarkdown li, [data-testid="stCaptionContainer"] p, [data-testid="stWidgetLabel"] p,' +
    ' [data-testid="stMetricLabel"] p, button p, summary p, [data-baseweb="select"] div');
  for (const el of body) {
    if (el.children.length === 0 && say(el) && seen(el) && px(el) < L.body) out.bodyText.push([say(el), px(el)]);
  }
  // A select box shows its value in an <input> (a combobox): its text is the value, not text content.
  for (const el of main.querySelectorAll('input')) {
    if (!seen(el) || !el.value || el.type === 'hidden') continue;
    if (px(el) < L.body) out.bodyText.push([el.value.slice(0, 60), px(el)]);
    if (el.scrollWidth > el.clientWidth + 1) out.clipped.push(el.value.slice(0, 60));
  }
  for (const el of main.querySelectorAll('*')) {
    if (!seen(el) || !say(el)) continue;
    const s = getComputedStyle(el);
    if (s.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1) out.clipped.push(say(el));
    // A chosen filter value cut off without an ellipsis ("Whole borough (or the sidebar w").
    else if (el.closest('[data-baseweb="select"]') && el.children.length === 0 && el.scrollWidth > el.clientWidth + 1)
      out.clipped.push(say(el));
  }
  // The map shown (presentation mode draws one per screen height and hides the other).
  const deck = [...main.querySelectorAll('[data-testid="stDeckGlJsonChart"] canvas')].find(seen);
  if (deck) { const r = deck.getBoundingClientRect(); out.map = {top: r.top, bottom: r.bottom, height: r.height}; }
  return out;
}
"""
# The pages whose first figure is a deck.gl map (a page that stops drawing its map fails here).
MAP_PAGES = {"hotspots", "london-map", "border"}
LIMITS = {"chart_height": MIN_CHART_PX, "chart_text": CHART_TEXT_PX, "table": TABLE_PX, "body": BODY_PX}


@pytest.fixture(scope="module")
def tabs(server):
    """One server (the shared fixture), one browser, and a function giving the (reused) tab for a screen size."""
    from playwright.sync_api import sync_playwright

    open_tabs: dict[tuple[int, int], tuple] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

        def tab(size: tuple[int, int]):
            if size not in open_tabs:
                context = browser.new_context(viewport={"width": size[0], "height": size[1]})
                page = context.new_page()
                failed: list[str] = []
                page.on(
                    "response",
                    lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
                )
                page.on(
                    "console",
                    lambda m: failed.append(f"console: {m.text}") if m.type == "error" else None,
                )
                open_tabs[size] = (page, failed)
            return open_tabs[size]

        yield server, tab
        browser.close()


def _load(tabs, size: tuple[int, int], path: str, present: bool) -> tuple[dict, list[str]]:
    """Open ``path`` directly (as a link or a reload does) and measure it once it has settled."""
    base, tab = tabs
    page, failed = tab(size)
    failed.clear()
    page.goto(f"{base}/{path}" + ("?present=1" if present else ""), wait_until="domcontentloaded")
    page.wait_for_selector("h1", timeout=90_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )
    # The script has run to its end (the status widget shows only after a run has taken a while).
    finished = (
        "() => document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning'"
    )
    page.wait_for_function(finished, timeout=90_000)
    # Charts draw after the script's last message: wait until every chart has its drawing.
    # (charts in a tab not shown are not drawn: only charts on screen count)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
             .filter(c => c.getBoundingClientRect().width > 0)
             .every(c => c.querySelector('svg.marks, canvas'))""",
        timeout=90_000,
    )
    # Data grids draw on a canvas once their columns are sized: wait until each shown has its headers (a
    # grid in a folded expander is not drawn).
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
             .filter(g => g.getBoundingClientRect().width > 0 && g.checkVisibility({visibilityProperty: true}))
             .every(g => g.querySelector('.dvn-scroller') && g.querySelector('[role="columnheader"], th'))""",
        timeout=90_000,
    )
    if path in MAP_PAGES or page.locator("[data-testid='stDeckGlJsonChart']").count():  # wait for its canvas
        page.wait_for_selector("[data-testid='stDeckGlJsonChart'] canvas >> visible=true", timeout=90_000)
    page.wait_for_timeout(600)
    assert "could not be shown" not in page.inner_text("[data-testid='stMain']")
    return page.evaluate(MEASURE, LIMITS), list(failed)


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("path", PAGES)
def test_presentation_mode_is_readable_from_the_back_of_the_room(tabs, path, screen):
    m, failed = _load(tabs, SCREENS[screen], path, present=True)
    where = f"/{path} at {screen}"
    assert not failed, (where, failed)
    assert m["canvases"] == 0, f"{where}: {m['canvases']} chart(s) drawn on a canvas, not measurable"
    assert not m["collapsed"], (where, "collapsed charts", m["collapsed"])
    assert not m["chartText"], (where, f"chart text under {CHART_TEXT_PX}px", m["chartText"][:10])
    assert not m["chartClipped"], (where, "chart text cut off at the chart's edge", m["chartClipped"][:10])
    assert m["grids"] == 0, f"{where}: a canvas data grid (its text cannot be sized for the room)"
    assert not m["tableText"], (where, f"table text under {TABLE_PX}px", m["tableText"][:10])
    assert not m["bodyText"], (where, f"text under {BODY_PX}px", m["bodyText"][:10])
    assert not m["clipped"], (where, "text cut off with an ellipsis", m["clipped"][:10])
    if path in MAP_PAGES:
        assert m["map"] is not None, f"{where}: no map drawn"
    if m["map"] is not None:  # a page's map is the figure the room came for: all of it on the first screen
        assert m["map"]["bottom"] <= m["viewport"], (where, "the map is not all above the fold", m["map"])
        assert m["map"]["height"] >= MIN_MAP_PX, (where, "map too small", m["map"])


@pytest.mark.parametrize("path", PAGES)
def test_nothing_is_cut_off_at_1440(tabs, path):
    m, failed = _load(tabs, (1440, 900), path, present=False)
    assert not failed, (f"/{path}", failed)
    assert not m["collapsed"], (f"/{path}", m["collapsed"])
    assert not m["clipped"], (f"/{path}", "text cut off with an ellipsis", m["clipped"][:10])
    # Every grid fits its column: no sideways scrolling (scroll width, box width, its headers).
    assert not m["wideGrids"], (f"/{path}", "a grid wider than its box", m["wideGrids"])
