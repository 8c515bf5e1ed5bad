"""Benchmark of the tasking pages (Hotspots, Days and times) on 20k, 200k and 2M records.

Not a test. ``.venv/bin/python bench/benchmark.py [--sizes 20000,200000,2000000] [--runs 7] [--data both]
[--browser]`` prints Markdown tables. Each (size, data kind) runs in a fresh subprocess so its peak RSS is its
own. Record sets are synthetic and replace ``ui.cache.records`` in that process (AppTest runs in-process):

* ``resampled``: the simulated records resampled with replacement — realistic columns, but at most ~35k
  distinct records, so the count cube (``svd.hotspots.Cube``) stays at ≤ 35k rows whatever the size;
* ``diverse``: canonical records drawn at random over the real LSOAs, months, hours and flags with jittered
  locations — nearly every record distinct, so the cube is almost as long as the records (the worst case).

Measured per size: the cube build time and rows; server-side time of a warm rerun after a filter change
through AppTest (median of ``--runs``, the filter alternating between two values so each run is a change),
three ways — (a) AppTest as shipped, which recompiles app.py and the page (a new ScriptCache per run),
(b) AppTest with one ScriptCache kept across runs, as the real server does, and (c) the ``@st.fragment``
function body alone (what a filter change reruns in the browser); the LSOA/ward map message size; and the
peak RSS of the process. ``--browser`` also starts ``streamlit run`` on ``--port`` with the default data and
measures headless Chromium: navigation → map drawn, filter change → idle, and websocket bytes per change.
"""

from __future__ import annotations

import argparse
import inspect
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from svd import geo  # noqa: E402
from svd.config import data_dir  # noqa: E402
from tests.localapp import CHROMIUM, CHROMIUM_ARGS, looks_drawn, start_app, stop_app  # noqa: E402

OFFENCES = {  # offence → (offence_group, major_group, weight)
    "gbh": ("Violence with injury", "Violence against the person", 8),
    "abh": ("Violence with injury", "Violence against the person", 30),
    "homicide": ("Homicide", "Violence against the person", 0.1),
    "personal_robbery": ("Robbery of personal property", "Robbery", 15),
    "rape": ("Rape", "Sexual offences", 4),
    "sexual_assault": ("Other sexual offences", "Sexual offences", 6),
    "threats_to_kill": ("Violence without injury", "Violence against the person", 3),
    "other": ("Violence without injury", "Violence against the person", 34),
}


def synthetic_canonical(n: int, seed: int = 1) -> pd.DataFrame:
    """``n`` canonical records over the real 115 LSOAs, 36 months, with hours peaking in the afternoon.

    Repeated text columns are categoricals, as the importer (``svd.incidents``) makes them.
    """
    rng = np.random.default_rng(seed)
    ls = geo.lsoas()
    pts = ls.to_crs(geo.METRIC_CRS).geometry.representative_point().to_crs(geo.DISPLAY_CRS)
    idx = rng.integers(0, len(ls), n)
    hour_w = np.array([2, 1, 1, 1, 1, 1, 2, 4, 5, 4, 4, 5, 6, 5, 6, 8, 8, 8, 7, 7, 6, 5, 4, 3], dtype=float)
    hour = rng.choice(24, n, p=hour_w / hour_w.sum())
    months = pd.date_range("2023-04-01", "2026-03-01", freq="MS")
    month = months[rng.integers(0, len(months), n)]
    day = rng.integers(0, 28, n)
    dt = month + pd.to_timedelta(day, unit="D") + pd.to_timedelta(hour, unit="h")
    names = list(OFFENCES)
    w = np.array([OFFENCES[o][2] for o in names])
    off = rng.choice(len(names), n, p=w / w.sum())
    groups = sorted({g for g, _, _ in OFFENCES.values()})
    majors = sorted({m for _, m, _ in OFFENCES.values()})
    group_of = np.array([groups.index(OFFENCES[o][0]) for o in names])
    major_of = np.array([majors.index(OFFENCES[o][1]) for o in names])
    ward_codes, ward_of = np.unique(ls["ward_code"].to_numpy(dtype=str), return_inverse=True)
    ward_names = ls.drop_duplicates("ward_code").set_index("ward_code")["ward_name"].reindex(ward_codes)

    def cat(codes, categories):
        return pd.Categorical.from_codes(codes, categories=list(categories))

    return pd.DataFrame(
        {
            "incident_id": pd.array(np.char.add("S", np.arange(n).astype(str)), dtype="str"),
            "offence_datetime": dt,
            "offence_date": dt.normalize(),
            "time_known": True,
            "hour": pd.array(hour, dtype="Int8"),
            "weekday": pd.array(dt.day_of_week, dtype="Int8"),
            "month": month,
            "offence": cat(off, names),
            "offence_group": cat(group_of[off], groups),
            "major_group": cat(major_of[off], majors),
            "domestic_abuse": rng.random(n) < 0.3,
            "knife": rng.random(n) < 0.08,
            "historical": pd.array(np.zeros(n, dtype=bool), dtype="boolean"),
            "lsoa_code": cat(idx, ls["lsoa_code"]),
            "lsoa_name": cat(idx, ls["lsoa_name"]),
            "ward_code": cat(ward_of[idx], ward_codes),
            "ward_name": cat(ward_of[idx], ward_names.to_numpy()),
            "latitude": pts.y.to_numpy()[idx] + rng.normal(0, 0.002, n),
            "longitude": pts.x.to_numpy()[idx] + rng.normal(0, 0.003, n),
            "source": cat(np.zeros(n, dtype=int), ["synthetic"]),
        }
    )


def synthetic_records(n: int, seed: int = 1) -> tuple[pd.DataFrame, str]:
    """The simulated records resampled to ``n`` rows, or synthetic canonical frames when they cannot load."""
    try:
        from svd.records import load_records

        base = load_records(extract=None, data_dir=data_dir()).data
        rng = np.random.default_rng(seed)
        out = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
        return out, f"simulated records ({len(base):,}) resampled"
    except Exception as exc:  # noqa: BLE001 — the benchmark still runs on synthetic frames
        return synthetic_canonical(n, seed), f"synthetic canonical frames ({type(exc).__name__})"


def import_time() -> float:
    """Seconds to import the page dependencies in a fresh interpreter (median of 3)."""
    code = (
        "import time; t=time.perf_counter(); import streamlit, pydeck, altair; "
        "import svd.hotspots, svd.temporal, svd.maps, svd.filters, svd.stats, svd.geo, ui.cache; "
        "print(time.perf_counter()-t)"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.strip()
        )
        for _ in range(3)
    ]
    return statistics.median(runs)


class _Timing:
    """Collects the wall time of every ``@st.fragment`` function body run by the page scripts."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []

    def install(self) -> None:
        import functools

        import streamlit as st

        original = st.fragment

        def fragment(func=None, **kw):
            if func is None:
                return lambda f: fragment(f, **kw)

            @functools.wraps(func)
            def timed(*a, **k):
                t = time.perf_counter()
                try:
                    return func(*a, **k)
                finally:
                    self.times.append((func.__name__, (time.perf_counter() - t) * 1000))

            return original(timed, **kw)

        st.fragment = fragment


def _app(page: str, shared_cache: bool):
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest, app_test, local_script_runner

    # (b): the real server keeps one ScriptCache (compiled scripts) for its lifetime; AppTest makes a new one
    # per run, which recompiles app.py and the page on every rerun.
    if shared_cache:
        cache = ScriptCache()
        app_test.ScriptCache = local_script_runner.ScriptCache = lambda: cache
    else:
        app_test.ScriptCache = local_script_runner.ScriptCache = ScriptCache
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page(page)
    at.run()
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    return at


def _by_key(at, kind: str, key: str):
    return next(w for w in getattr(at, kind) if w.key == key)


def warm_rerun_ms(
    page: str, kind: str, key: str, values: list, runs: int, timing: _Timing, shared_cache: bool
) -> tuple[float, float]:
    """(median AppTest rerun, median fragment body) in ms after changing widget ``key`` (alternating)."""
    at = _app(page, shared_cache)
    for v in values:  # warm every cache for both values
        _by_key(at, kind, key).set_value(v)
        at.run()
    times, frags = [], []
    for i in range(runs):
        _by_key(at, kind, key).set_value(values[i % len(values)])
        timing.times.clear()
        t = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t) * 1000)
        frags.append(sum(ms for _, ms in timing.times))
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].message}")
    return statistics.median(times), statistics.median(frags)


def map_sizes() -> dict[str, int]:
    """Bytes of the deck JSON (what st.pydeck_chart sends) at ward and LSOA level."""
    at = _app("views/hotspots.py", True)
    sizes = {}
    for level in ("ward", "lsoa"):
        _by_key(at, "radio", "hs_level").set_value(level)
        at.run()
        deck = at.get("deck_gl_json_chart")[0]
        sizes[level] = len(deck.proto.json.encode("utf-8"))
    return sizes


HOT = (
    "views/hotspots.py",
    "selectbox",
    "hs_hours",
    ["All hours", "15:00 to 21:00 (the strategy's priority window)"],
)
TMP = ("views/temporal.py", "selectbox", "tp_da", ["All", "Only flagged"])
# The Time of day options as the select box shows them (ui.filters.TIME_WINDOW_SHORT), the default last: each
# change in a session picks one not yet seen.
HOURS_SHOWN = [
    "All hours",
    "06:00 to 09:00 (school run)",
    "12:00 to 14:00 (lunchtime)",
    "15:00 to 19:00 (Lost Hours)",
    "21:00 to 06:00 (night)",
]


def _reset_peak_rss() -> None:
    """Start the process's RSS high-water mark (VmHWM) again from its current RSS (Linux /proc/self/clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mb() -> float:
    """The RSS high-water mark since the last ``_reset_peak_rss`` (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _parameters(fn) -> list[str]:
    try:
        return list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return []


def one(n: int, kind: str, runs: int) -> dict:
    """Measure one size and data kind in this process (called in a subprocess by ``main``)."""
    import streamlit as st

    import ui.cache

    timing = _Timing()
    timing.install()
    # As on the server: app.py loads the MPS files and boundaries for the sidebar before a page loads the
    # records, so warm those first (with the default data), then drop every cache built from the records.
    for page in (HOT[0], TMP[0]):
        _app(page, True)
    for fn in vars(ui.cache).values():
        if callable(fn) and hasattr(fn, "clear") and "extract" in _parameters(fn):
            fn.clear()
    if kind == "diverse":
        records, how = synthetic_canonical(n), "diverse synthetic records"
    else:
        records, how = synthetic_records(n)
    fake = SimpleNamespace(data=records, source="simulated", label=f"Benchmark: {how}, {n:,} rows")
    ui.cache.records = lambda root, extract, _f=fake: _f  # noqa: E731 — AppTest runs in this process
    del records
    ui.cache.release_memory()  # as ui.cache.records does after a load
    # The records are made here, not imported (the import is measured on its own, ``extract_import``): from
    # now on the process is a server holding n records, so its high-water mark starts again here.
    generated_peak = _peak_rss_mb()
    _reset_peak_rss()
    t = time.perf_counter()
    cube = ui.cache.tasking_cube(ui.cache.data_root(), None)
    build = time.perf_counter() - t
    out = {"n": n, "kind": kind, "how": how, "cube_rows": len(cube), "cube_build_s": build}
    for name, (page, wkind, key, values) in {"hot": HOT, "tmp": TMP}.items():
        out[f"{name}_apptest"], _ = warm_rerun_ms(page, wkind, key, values, runs, timing, False)
        out[f"{name}_server"], out[f"{name}_fragment"] = warm_rerun_ms(
            page, wkind, key, values, runs, timing, True
        )
    out.update({f"map_{k}": v for k, v in map_sizes().items()})
    out["peak_rss_mb"] = _peak_rss_mb()
    out["generated_peak_rss_mb"] = generated_peak
    st.cache_resource.clear()
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the results tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20000,200000,2000000")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--data", choices=["resampled", "diverse", "both"], default="both")
    ap.add_argument("--browser", action="store_true", help="also measure headless Chromium")
    ap.add_argument("--browser-only", action="store_true")
    ap.add_argument(
        "--server-memory",
        type=int,
        default=0,
        metavar="N",
        help="peak RSS of a server given an N-row extract",
    )
    ap.add_argument("--port", type=int, default=8561)
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: "n,kind" measured in this process
    ap.add_argument("--import-one", help=argparse.SUPPRESS)  # internal: import this extract, in this process
    args = ap.parse_args(argv)
    if args.one:
        n, kind = args.one.split(",")
        print("RESULT " + json.dumps(one(int(n), kind, args.runs)), flush=True)
        return 0
    if args.import_one:
        print("RESULT " + json.dumps(import_one(Path(args.import_one))), flush=True)
        return 0

    print(f"Machine: {_cpu()}, {_ram()}; Python {platform.python_version()}; {time.strftime('%Y-%m-%d')}")
    if not args.browser_only:
        print(f"Import time (fresh interpreter, median of 3): {import_time() * 1000:.0f} ms")
        kinds = ["resampled", "diverse"] if args.data == "both" else [args.data]
        rows = []
        for n in [int(s) for s in args.sizes.split(",")]:
            for kind in kinds:
                proc = subprocess.run(
                    [sys.executable, __file__, "--one", f"{n},{kind}", "--runs", str(args.runs)],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                )
                line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
                if line is None:
                    print(proc.stderr[-3000:], file=sys.stderr)
                    raise SystemExit(f"size {n} {kind} failed")
                rows.append(json.loads(line[7:]))
                print(f"done {n:,} {kind}", file=sys.stderr, flush=True)
        imports = [extract_import(n) for n in [int(s) for s in args.sizes.split(",")]]
        print()
        print(
            "| records | data | cube rows | cube build (s) | Hotspots: AppTest / server-like / fragment (ms) "
            "| Days and times: AppTest / server-like / fragment (ms) | map ward / LSOA (KB) | peak RSS (MB) |"
        )
        print("|---:|---|---:|---:|---|---|---|---:|")
        for r in rows:
            print(
                f"| {r['n']:,} | {r['kind']} | {r['cube_rows']:,} | {r['cube_build_s']:.1f} "
                f"| {r['hot_apptest']:.0f} / {r['hot_server']:.0f} / {r['hot_fragment']:.0f} "
                f"| {r['tmp_apptest']:.0f} / {r['tmp_server']:.0f} / {r['tmp_fragment']:.0f} "
                f"| {r['map_ward'] / 1000:.0f} / {r['map_lsoa'] / 1000:.0f} | {r['peak_rss_mb']:.0f} |"
            )
        print()
        print(
            "Importing an extract (CSV in record format v1, the simulation resampled; svd.records.load_records):"
        )
        print()
        print("| rows | import (s) | rows accepted | peak RSS of the importing process (MB) |")
        print("|---:|---:|---:|---:|")
        for r in imports:
            print(f"| {r['n']:,} | {r['seconds']:.1f} | {r['accepted']:,} | {r['peak_rss_mb']:.0f} |")
    if args.browser or args.browser_only:
        print()
        print(browser_table(args.port, runs=5))
    if args.server_memory:
        r = server_memory(args.server_memory, args.port)
        print()
        print(
            f"streamlit run with SVD_EXTRACT = a {r['n']:,}-row extract, {len(SERVER_PAGES)} pages opened in "
            f"Chromium ({r['pages_s']:.0f} s, the import included): peak RSS (VmHWM) {r['peak_rss_mb']:.0f} MB"
        )
    return 0


def write_extract(n: int, folder: Path) -> Path:
    """An ``n``-row extract in record format v1: the simulation's records resampled, with new ids."""
    sim, path = folder / "sim.csv", folder / f"extract_{n}.csv"
    subprocess.run([sys.executable, "-m", "svd", "simulate", "--out", str(sim)], cwd=ROOT, check=True)
    base = pd.read_csv(sim, dtype=str, keep_default_na=False)
    rows = base.iloc[np.random.default_rng(1).integers(0, len(base), n)].reset_index(drop=True)
    rows["incident_id"] = [f"R{i:08d}" for i in range(n)]
    rows.to_csv(path, index=False)
    return path


def extract_import(n: int) -> dict:
    """Write an ``n``-row extract and import it in a fresh process."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = write_extract(n, Path(tmp))
        proc = subprocess.run(
            [sys.executable, __file__, "--import-one", str(path)], cwd=ROOT, capture_output=True, text=True
        )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"import of {n} rows failed: {proc.stderr[-2000:]}")
    print(f"done import {n:,}", file=sys.stderr, flush=True)
    return {"n": n, **json.loads(line[7:])}


SERVER_PAGES = (
    "",
    "hotspots",
    "temporal",
    "hotspots?hs_level=lsoa",
    "domestic-abuse",
    "sexual-offences",
    "knife-crime-robbery",
    "data",
)


def server_memory(n: int, port: int) -> dict:
    """Peak RSS (VmHWM) of a real ``streamlit run`` server given an ``n``-row extract (``SVD_EXTRACT``) after
    headless Chromium has opened every record page: the import, the caches and the reruns all included."""
    import os
    import tempfile

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        path = write_extract(n, Path(tmp))
        proc = start_app(port, timeout_s=120, env={**os.environ, "SVD_EXTRACT": str(path)})
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                page = browser.new_page(viewport={"width": 1440, "height": 1800})
                t = time.perf_counter()
                for page_path in SERVER_PAGES:
                    page.goto(f"http://127.0.0.1:{port}/{page_path}")
                    # Every page ends with its sources: once they are drawn, the whole script has run.
                    page.get_by_text("Sources", exact=True).first.wait_for(timeout=600_000)
                    page.wait_for_function(IDLE_JS_NOW, timeout=600_000)
                first_visit = time.perf_counter() - t
                browser.close()
            status = Path(f"/proc/{proc.pid}/status").read_text().splitlines()
            hwm = next(int(ln.split()[1]) for ln in status if ln.startswith("VmHWM:")) / 1024
        finally:
            stop_app(proc)
    return {"n": n, "peak_rss_mb": hwm, "pages_s": first_visit}


IDLE_JS_NOW = """() => document.querySelector('[data-testid="stStatusWidget"]') === null"""


def import_one(path: Path) -> dict:
    """Import ``path`` as the app does (``svd.records.load_records``) and report time and peak RSS."""
    from svd.records import load_records

    t = time.perf_counter()
    result = load_records(extract=path, data_dir=data_dir())
    seconds = time.perf_counter() - t
    return {
        "seconds": seconds,
        "accepted": len(result.data),
        # VmHWM, not ru_maxrss: Linux carries the parent's peak into ru_maxrss across fork and exec.
        "peak_rss_mb": _peak_rss_mb(),
    }


def _wait_map(page, start: float, timeout: float = 60) -> float:
    """Seconds from ``start`` until the deck canvas shows a non-blank map (polled by canvas screenshots)."""
    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
    canvas.wait_for(state="visible", timeout=timeout * 1000)
    while time.perf_counter() - start < timeout:
        if looks_drawn(canvas.screenshot()):
            return time.perf_counter() - start
        page.wait_for_timeout(20)
    raise RuntimeError("map never drawn")


class _Wire:
    """Websocket frames received by the page: (time, bytes) of each."""

    def __init__(self, page) -> None:
        self.frames: list[tuple[float, int]] = []
        self.sent: list[float] = []
        page.on("websocket", self._attach)
        page.add_init_script(PAGE_CLOCK_JS)

    def _attach(self, ws) -> None:
        ws.on("framereceived", self._got)
        ws.on("framesent", lambda payload: self.sent.append(time.perf_counter()))

    def _got(self, payload) -> None:
        self.frames.append((time.perf_counter(), len(payload)))

    def since(self, t0: float) -> list[tuple[float, int]]:
        return [f for f in self.frames if f[0] >= t0]


def frame_clock_js(clock: str) -> str:
    """Page script recording when each animation frame's callbacks ran, in ``window[clock].frames`` (ms)."""
    return f"""  const tick = () => {{
    const f = window.{clock}.frames;
    f.push(performance.now());
    if (f.length > 4000) f.splice(0, 2000);
    requestAnimationFrame(tick);
  }};
  requestAnimationFrame(tick);
"""


# In-page clock (performance.now(), ms): when each websocket message was sent and handled, and when each
# animation frame's callbacks ran. The map is redrawn inside an animation frame (deck.gl draws in one), so
# the second frame to start after the last message has been handled follows a painted, redrawn page.
PAGE_CLOCK_JS = (
    """(() => {
  window.__svd = {sent: [], got: [], frames: []};
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (!this.__svd) {
      this.__svd = true;
      this.addEventListener("message", () => window.__svd.got.push(performance.now()));
    }
    window.__svd.sent.push(performance.now());
    return send.call(this, data);
  };
"""
    + frame_clock_js("__svd")
    + "})();"
)

REDRAWN_JS = """([before, n]) => {
  const c = window.__svd, t0 = c.sent[before];
  const last = c.got.filter(t => t >= t0)[n - 1];  // the rerun's last message, as Playwright counted them
  const after = c.frames.filter(t => t > last);
  return last !== undefined && after.length >= 2 ? after[1] - t0 : null;
}"""


def _redrawn(page, sent_in_page: int, n_got: int) -> float:
    """The page's own record of the rerun's messages (``REDRAWN_JS``): ms from the change to two frames after the
    last of ``n_got`` messages, waited for up to 2 s; a RuntimeError if the page never painted."""
    for _ in range(100):
        redrawn = page.evaluate(REDRAWN_JS, [sent_in_page, n_got])
        if redrawn is not None:
            return redrawn
        page.wait_for_timeout(20)
    raise RuntimeError("the page never painted after the rerun's last message")


IDLE_JS = """() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() =>
    r(document.querySelector('[data-testid="stStatusWidget"]') === null))))"""


# Ours idle: the script has finished its run (Streamlit's own ``data-test-script-state`` on the app root: a
# rerun can pause between messages for longer than any quiet period while the server computes) and no status
# widget is shown.
SCRIPT_IDLE_JS = """() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(
    document.querySelector('[data-testid="stApp"]')?.getAttribute("data-test-script-state") === "notRunning"
    && document.querySelector('[data-testid="stStatusWidget"]') === null))))"""


def _rerun(
    page, wire: _Wire, send, quiet_s: float = 0.25, idle_js: str = IDLE_JS
) -> tuple[float, float, int]:
    """(seconds to the last message, seconds to the page redrawn, bytes received) after ``send()`` makes the
    browser send a change.

    Both times start when the browser sends the change (the rerun request on the websocket — Playwright's own
    click handling, ~140 ms of actionability checks, is left out). The first ends at the rerun's last
    websocket message; the second when the page has handled that message and painted twice since, so the map
    has been redrawn (in-page clock, ``PAGE_CLOCK_JS``). The page must then stay idle (``idle_js``) with no
    message for ``quiet_s``.
    """
    before = len(wire.sent)
    sent_in_page = page.evaluate("window.__svd.sent.length")
    clicked = time.perf_counter()
    send()
    while True:
        idle = page.evaluate(idle_js)
        t0 = wire.sent[before] if len(wire.sent) > before else None
        got = wire.since(t0) if t0 is not None else []
        if got and idle and time.perf_counter() - got[-1][0] > quiet_s:
            return got[-1][0] - t0, _redrawn(page, sent_in_page, len(got)) / 1000, sum(b for _, b in got)
        t0 = clicked if t0 is None else t0
        if time.perf_counter() - t0 > 120:
            raise RuntimeError("no rerun after the change")
        page.wait_for_timeout(10)


def _change(page, wire: _Wire, label: str, option: str, quiet_s: float = 0.25) -> tuple[float, float, int]:
    """``_rerun`` after choosing ``option`` (its shown text) in selectbox ``label``: a page filter."""
    page.get_by_role("combobox", name=label).click()
    opt = page.get_by_role("option", name=option, exact=True)
    opt.wait_for()
    return _rerun(page, wire, opt.click, quiet_s)


def months_change(page, wire: _Wire, quiet_s: float = 0.25) -> tuple[float, float, int]:
    """``_rerun`` after moving the sidebar Months slider's first thumb one month later (a value the session has
    not seen, so Streamlit's message cache cannot stand in for an element): the whole page reruns."""
    thumb = page.locator("[data-testid='stSidebar'] [data-testid='stSlider'] input[type='range']").first

    def send() -> None:
        thumb.focus()
        page.keyboard.press("ArrowRight")

    return _rerun(page, wire, send, quiet_s, SCRIPT_IDLE_JS)


def browser_table(port: int, runs: int = 5) -> str:
    """Headless Chromium on the default data: map visible after navigation; filter change → idle; bytes."""
    from playwright.sync_api import sync_playwright

    loads = [_loadavg()]
    proc = start_app(port, timeout_s=120)
    url = f"http://127.0.0.1:{port}"
    out = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            # Warm the server (first load of the data and the caches) before timing anything.
            ctx = browser.new_context(viewport={"width": 1440, "height": 1800})
            page = ctx.new_page()
            page.goto(f"{url}/hotspots")
            _wait_map(page, time.perf_counter(), 120)
            page.goto(f"{url}/temporal")
            page.wait_for_selector("[data-testid='stMetric']", timeout=120_000)
            ctx.close()
            first = []
            for _ in range(runs):
                ctx = browser.new_context(viewport={"width": 1440, "height": 1800})
                page = ctx.new_page()
                t = time.perf_counter()
                page.goto(f"{url}/hotspots", wait_until="commit")
                first.append(_wait_map(page, t))
                ctx.close()
            out["map_visible_s"] = statistics.median(first)
            # Every change picks a value not yet seen in the session: Streamlit's message cache would otherwise
            # send a reference instead of a repeated element (e.g. the map when alternating two values).
            hours = HOURS_SHOWN
            for path, label, options in (
                ("hotspots", "Time of day", hours),
                ("hotspots?hs_level=lsoa", "Time of day", hours),
                ("hotspots?hs_level=lsoa&squares=on", "Time of day", hours),
                (
                    "temporal",
                    "Place",
                    [
                        "Barking Town Centre",
                        "Dagenham Heathway",
                        "Becontree Station",
                        "Parsloes Park",
                        "Mayesbrook Park",
                    ],
                ),
            ):
                ctx = browser.new_context(viewport={"width": 1440, "height": 1800})
                page = ctx.new_page()
                wire = _Wire(page)
                page.goto(f"{url}/{path.replace('&squares=on', '')}")
                if path.startswith("hotspots"):
                    _wait_map(page, time.perf_counter())
                else:
                    page.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
                if path.endswith("squares=on"):  # the 250 m squares are off by default for LSOAs
                    page.get_by_text("250 m squares (record locations)").click()
                    page.wait_for_timeout(1500)
                page.wait_for_timeout(1000)
                initial = sum(b for _, b in wire.frames)
                res = [_change(page, wire, label, options[i % len(options)]) for i in range(runs)]
                # The sidebar Months (the whole page reruns), on the page of each kind with its defaults.
                months = [months_change(page, wire) for _ in range(runs)] if "?" not in path else res
                if path.startswith("hotspots"):
                    _wait_map(page, time.perf_counter())  # still drawn after the changes
                out[path] = (
                    statistics.median(r[0] for r in res),
                    statistics.median(r[2] for r in res),
                    initial,
                    statistics.median(r[1] for r in res),
                    statistics.median(r[1] for r in months),
                    statistics.median(r[0] for r in months),
                )
                ctx.close()
            browser.close()
    finally:
        stop_app(proc)
    cols = [
        ("Hotspots, wards", out["hotspots"]),
        ("Hotspots, LSOAs", out["hotspots?hs_level=lsoa"]),
        ("Hotspots, LSOAs + 250 m squares", out["hotspots?hs_level=lsoa&squares=on"]),
        ("Days and times", out["temporal"]),
    ]
    return "\n".join(
        [
            f"Headless Chromium, default data, median of {runs}:",
            "",
            "| measure | " + " | ".join(name for name, _ in cols) + " |",
            "|---|" + "---:|" * len(cols),
            f"| navigation → map drawn (fresh context) | {out['map_visible_s']:.2f} s |"
            + " – |" * (len(cols) - 1),
            "| filter change → last message (ms) | "
            + " | ".join(f"{v[0] * 1000:.0f}" for _, v in cols)
            + " |",
            "| filter change → page redrawn: last message handled, two frames painted (ms) | "
            + " | ".join(f"{v[3] * 1000:.0f}" for _, v in cols)
            + " |",
            "| websocket bytes received per change (KB) | "
            + " | ".join(f"{v[1] / 1000:.0f}" for _, v in cols)
            + " |",
            "| websocket bytes received on first load (KB) | "
            + " | ".join(f"{v[2] / 1000:.0f}" for _, v in cols)
            + " |",
            "| sidebar Months change → last message / page redrawn (ms) | "
            + " | ".join(
                f"{v[5] * 1000:.0f} / {v[4] * 1000:.0f}"
                if name in ("Hotspots, wards", "Days and times")
                else "–"
                for name, v in cols
            )
            + " |",
            f"Load average (1, 5, 15 min) before and after: {loads[0]}; {_loadavg()}.",
        ]
    )


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _ram() -> str:
    try:
        kb = int(
            next(
                ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
            ).split()[1]
        )
        return f"{kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration):
        return "RAM unknown"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                import os

                return f"{line.split(':', 1)[1].strip()} × {os.cpu_count()}"
    except OSError:
        pass
    return "cpu unknown"


if __name__ == "__main__":
    raise SystemExit(main())
