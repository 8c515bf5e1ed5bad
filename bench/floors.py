"""Streamlit's floor on this machine: what any Streamlit app with a map costs before it does anything of its own.

Not a test. ``.venv/bin/python bench/floors.py [--runs 2] [--port 8620] [--gzip] [--ours]`` prints Markdown tables.

Bare scripts (``SCRIPTS``), each written to a temporary folder and run by ``streamlit run`` from the repository
root (so with the dashboard's ``.streamlit/config.toml``, the same Streamlit version and the same Chromium):

* **a**: one ``st.markdown``;
* **b**: (a) + one ``st.pydeck_chart`` of a small GeoJsonLayer (twelve squares);
* **c**: (b) + one altair bar chart and one ``st.dataframe``;
* **d**: (c) laid out as the dashboard is: two pages under ``st.navigation``, a sidebar slider and selectbox
  (the shape of every page of ours: navigation, sidebar filters, a map, a chart, a table);
* **a + imports**: (a) after ``import pandas, pyarrow, altair, pydeck, numpy`` (the libraries a map page needs
  loaded in the server, whatever the page does);
* **a + HTML markdown** / **a + st.html** (``--only`` them): what a line of HTML costs the frontend, as markdown
  with ``unsafe_allow_html`` (the dashboard's headline, CSS and legend) or as ``st.html``.

For each, one server: an unmeasured first visit (the script's first run), then ``--runs`` first visits in fresh
browser contexts, counted exactly as ``bench/peer.py`` counts both apps (``peer.first_visit``: DevTools, from
navigation until the map is drawn and the page has been idle 1 s; requests by kind, bytes received), and the
server's peak RSS over the whole session (``peer.RssSampler``: the process and its children, sampled every
0.1 s; and its VmHWM). ``--gzip`` serves each script as ``serve.py`` serves the dashboard (``st.App`` with
Starlette's ``GZipMiddleware``), so bytes compare with ours like for like; the request count is the same.

``--ours`` also starts the dashboard (``tests.localapp.start_app``: ``streamlit run serve.py``; set
``SVD_DATA_DIR``) and lists every request of a first visit to Hotspots: its file, kind and size, and whether the
floor (d) makes it too ("floor") or the dashboard adds it ("ours").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.coldstart import _start  # noqa: E402
from bench.peer import RssSampler, _loadavg, _mb, first_visit, prime_snapshots  # noqa: E402
from tests.localapp import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app  # noqa: E402

MARKDOWN = 'import streamlit as st\nst.markdown("**Serious violence in Barking and Dagenham**")\n'

MAP = """import pydeck as pdk
squares = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"n": 4 * j + i},
     "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + 0.19, y], [x + 0.19, y + 0.09],
                                                     [x, y + 0.09], [x, y]]]}}
    for i, x in enumerate((-0.3, -0.1, 0.1, 0.3)) for j, y in enumerate((51.35, 51.45, 51.55))]}
st.pydeck_chart(pdk.Deck(
    layers=[pdk.Layer("GeoJsonLayer", squares, filled=True, get_fill_color="[20 * properties.n, 112, 184, 200]",
                      get_line_color=[0, 0, 0], pickable=True)],
    initial_view_state=pdk.ViewState(latitude=51.5, longitude=0.1, zoom=9.5), map_style=None,
    tooltip={"text": "{n}"}))
"""

CHART_TABLE = """import altair as alt
import pandas as pd
frame = pd.DataFrame({"month": ["Jan", "Feb", "Mar"], "offences": [120, 98, 143]})
st.altair_chart(alt.Chart(frame).mark_bar().encode(x="month", y="offences"))
st.dataframe(frame)
"""

PAGE_D = MARKDOWN + MAP + CHART_TABLE
NAV_D = """import streamlit as st
st.sidebar.slider("Months", 1, 24, (1, 12))
st.sidebar.selectbox("Offence group", ["Serious violence", "All"])
st.navigation([st.Page("page_one.py", title="Hotspots", default=True), st.Page("page_two.py", title="Other")]).run()
"""

IMPORTS = "import pandas, pyarrow, altair, pydeck, numpy  # noqa\n"

# name → (entry script, {other file: text}, has a map)
SCRIPTS: dict[str, tuple[str, dict[str, str], bool]] = {
    "a": (MARKDOWN, {}, False),
    "b": (MARKDOWN + MAP, {}, True),
    "c": (MARKDOWN + MAP + CHART_TABLE, {}, True),
    "d": (NAV_D, {"page_one.py": PAGE_D, "page_two.py": MARKDOWN}, True),
    "a + imports": (IMPORTS + MARKDOWN, {}, False),
    # What HTML costs the frontend: markdown with unsafe_allow_html (the dashboard's headline, legend and CSS)
    # against st.html.
    "a + HTML markdown": (
        MARKDOWN + "st.markdown(\"<p class='x'>HTML</p>\", unsafe_allow_html=True)\n",
        {},
        False,
    ),
    "a + st.html": (MARKDOWN + "st.html(\"<p class='x'>HTML</p>\")\n", {}, False),
}

GZIP_SERVE = """import streamlit as st
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware

app = st.App({script!r}, middleware=[Middleware(GZipMiddleware, minimum_size=1024)])
"""


def file_name(url: str) -> str:
    """The last part of a URL's path (Streamlit's hashed chunk names are the same in every app of a version)."""
    return url.split("?")[0].rstrip("/").rsplit("/", 1)[-1] or "/"


def measure(browser, name: str, folder: Path, port: int, runs: int, gzip: bool) -> dict:
    """One server for script ``name``: ``runs`` measured first visits and the server's peak RSS."""
    entry, others, has_map = SCRIPTS[name]
    here = folder / name.replace(" + ", "_")
    here.mkdir()
    (here / "app.py").write_text(entry, encoding="utf-8")
    for other, text in others.items():
        (here / other).write_text(text, encoding="utf-8")
    script = here / "app.py"
    if gzip:
        script = here / "serve.py"
        script.write_text(GZIP_SERVE.format(script=str(here / "app.py")), encoding="utf-8")
    proc, _ready = _start(str(script), port, dict(os.environ))
    rss = RssSampler(proc.pid)
    try:
        url = f"http://127.0.0.1:{port}/"
        first_visit(browser, "ours", url, timeout=120, has_map=has_map)  # the script's first run
        visits = [first_visit(browser, "ours", url, timeout=120, has_map=has_map) for _ in range(runs)]
        peak, hwm = rss.stop()
    finally:
        stop_app(proc)
    return {"name": name, "visits": visits, "rss_mb": peak, "hwm_mb": hwm}


def ours(browser, port: int, runs: int) -> dict:
    """The dashboard's Hotspots page, measured as the floors are (snapshots as ``SVD_CACHE_DIR`` holds them)."""
    prime_snapshots()
    proc = start_app(port, timeout_s=180)
    rss = RssSampler(proc.pid)
    try:
        url = f"http://127.0.0.1:{port}/hotspots"
        first_visit(browser, "ours", url, timeout=600)
        visits = [first_visit(browser, "ours", url) for _ in range(runs)]
        peak, hwm = rss.stop()
    finally:
        stop_app(proc)
    return {"name": "ours: Hotspots", "visits": visits, "rss_mb": peak, "hwm_mb": hwm}


def _row(r: dict) -> str:
    v = r["visits"]
    kinds = Counter(kind for _, kind, _ in v[-1]["rows"])
    by_kind = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
    map_s = [x["map_s"] for x in v if x["map_s"] is not None]
    shown = f"{statistics.median(map_s):.2f} s" if map_s else "–"
    return (
        f"| {r['name']} | {statistics.median(x['requests'] for x in v):.0f} ({by_kind}) | "
        f"{_mb(statistics.median(x['bytes'] for x in v))} | {shown} | {r['rss_mb']:.0f} MB / {r['hwm_mb']:.0f} MB |"
    )


def listing(our: dict, floor: dict) -> list[str]:
    """Every response of our last first visit: file, kind, bytes, and whether the floor (d) fetched it too."""
    floor_files = {file_name(u) for u, _, _ in floor["visits"][-1]["rows"]}
    rows = sorted(our["visits"][-1]["rows"], key=lambda r: (-r[2], r[0]))
    out = ["| file | kind | bytes | |", "|---|---|---:|---|"]
    extra = Counter()
    for url, kind, n in rows:
        mine = kind != "Document" and file_name(url) not in floor_files  # the page itself: "/" or "/hotspots"
        if mine:
            extra["requests"] += 1
            extra["bytes"] += n
        out.append(f"| {file_name(url)} | {kind} | {n:,} | {'**ours**' if mine else 'floor'} |")
    out.append("")
    out.append(
        f"Responses: {len(rows)}; not made by the floor (d): {extra['requests']}, {_mb(extra['bytes'])}. "
        "Requests counted as started (the tables' figure) also include any that did not finish."
    )
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure the floors (and ours with ``--ours``) and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--port", type=int, default=8620)
    ap.add_argument("--gzip", action="store_true", help="serve the floors through st.App + GZipMiddleware")
    ap.add_argument("--ours", action="store_true", help="also the dashboard's Hotspots, every request listed")
    ap.add_argument(
        "--json", type=Path, help="also write every result (each response's URL, kind, bytes) here"
    )
    ap.add_argument("--only", nargs="*", default=list(SCRIPTS)[:5], help="floor scripts to run (a b c d …)")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    loads = [_loadavg()]
    results = []
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for name in args.only:
            results.append(measure(browser, name, Path(tmp), args.port, args.runs, args.gzip))
            loads.append(_loadavg())
            print(name, "done", file=sys.stderr, flush=True)
        if args.ours:
            results.append(ours(browser, args.port + 1, args.runs))
            loads.append(_loadavg())
        browser.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    served = "st.App + GZipMiddleware (as serve.py)" if args.gzip else "`streamlit run` (no compression)"
    print(f"Floors served by {served}; {args.runs} measured first visits each (median); load average")
    print(f"(1, 5, 15 min) before and after each: {'; '.join(loads)}.")
    print()
    print(
        "| app | first-visit requests (by kind, last visit) | bytes | load → map visible | server peak RSS / VmHWM |"
    )
    print("|---|---|---:|---:|---:|")
    for r in results:
        print(_row(r))
    if args.ours and "d" in args.only:
        print()
        print("\n".join(listing(results[-1], next(r for r in results if r["name"] == "d"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
