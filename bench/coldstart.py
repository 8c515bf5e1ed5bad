"""Cold start and server memory of the dashboard as people meet it: a fresh ``streamlit run``, one browser.

Not a test. ``.venv/bin/python bench/coldstart.py [--script serve.py] [--runs 3] [--records N] [--port 8561]``

Per run, on a server process started for that run (so every cache is cold):

* **ready**: seconds from starting ``streamlit run`` until it prints "You can now view your Streamlit app"
  (the moment ``make run`` reports ready);
* Chromium (already launched, so its own start-up is left out) then opens ``/`` at once. An in-page observer
  (``performance.now()``, from navigation start) records the page's first contentful paint (the served page's
  own loading message, ``ui.asgi.boot_message``, when it is there), the first element the app draws, the app's
  first loading message (any "Loading…" text or spinner) and the Overview's content (its title and all its tiles);
* the server's CPU time (user + system) at ready and at the Overview's content: what the start costs,
  whatever else the machine is doing;
* then every page is opened once (``PAGES``: the route list, each until its script has finished) and the server's RSS
  (VmRSS) is read after each, with its high-water mark (VmHWM) at the end.

``--snapshots fresh`` (default) starts every server with an empty snapshot folder (``SVD_CACHE_DIR``), as on
a first start; ``--snapshots restart`` keeps the snapshots an unmeasured first run wrote, as on a restart.
``--floor`` measures only the floor: a bare Streamlit script whose one element is the same loading message,
on the same config and browser (what Streamlit's frontend alone takes). ``--records N`` writes an N-row extract (the simulation resampled, as bench/benchmark.py does) and starts the
server with ``SVD_EXTRACT`` set to it. Prints a Markdown table; ``--json`` prints the raw results too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.localapp import CHROMIUM, CHROMIUM_ARGS, stop_app, streamlit_command  # noqa: E402


def route_pages() -> tuple[str, ...]:
    """Every page of the app, from its one route list (``svd.overview.PAGE_FILES``, which tests/test_metrics.py
    checks against app.py's navigation), the Overview first, and the Hotspots page at both levels."""
    from svd.overview import PAGE_FILES

    paths = list(PAGE_FILES)
    return tuple(paths + ["hotspots?hs_level=lsoa"] if "hotspots" in paths else paths)


PAGES = route_pages()

READY_LINE = "You can now view your Streamlit app"

# Installed before the app's own scripts: the first time each milestone holds, in ms since navigation start.
OBSERVER_JS = """(() => {
  const t = (window.__cold = {});
  const seen = (k) => { if (t[k] === undefined) t[k] = performance.now(); };
  // The first text or image the browser paints (the served page's own loading message, when it has one).
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === "first-contentful-paint" && t.first_paint === undefined)
      t.first_paint = e.startTime;
  }).observe({type: "paint", buffered: true});
  const check = () => {
    if (document.getElementById("svd-boot")) seen("page_message_in_dom");
    const main = document.querySelector('[data-testid="stMain"]');
    const side = document.querySelector('[data-testid="stSidebar"]');
    if (document.querySelector('[data-testid="stElementContainer"]')) seen("first_element");
    const text = (main ? main.innerText : "") + " " + (side ? side.innerText : "");
    if (/Loading/.test(text) || document.querySelector('[data-testid="stSpinner"]')) seen("loading");
    const h1 = main && main.querySelector("h1");
    if (h1 && /Serious violence in/.test(h1.innerText)
        && main.querySelectorAll('[data-testid="stMetric"]').length >= 6) seen("overview");
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, characterData: true});
})();"""

IDLE_JS = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSpinner"]')
    && !!document.querySelector('[data-testid="stMain"] h1')"""


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the process has used: insensitive to other load on the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start(script: str, port: int, env: dict[str, str]) -> tuple[subprocess.Popen, float]:
    """``streamlit run script`` and the seconds until it reports ready (its "You can now view" line)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        streamlit_command(port, script),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**env, "PYTHONUNBUFFERED": "1"},  # the ready line must reach the pipe when it is printed
    )
    ready = threading.Event()

    def read() -> None:
        for line in proc.stdout:
            if READY_LINE in line:
                ready.set()
        # (drained to the end so the server never blocks on a full pipe)

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(120):
        stop_app(proc)
        raise RuntimeError("streamlit did not report ready")
    return proc, time.perf_counter() - t0


def _wait_idle(page, timeout_ms: int = 600_000) -> None:
    """Until the page's script has finished: no running status, no spinner, for two checks 250 ms apart."""
    for _ in range(2):
        page.wait_for_function(IDLE_JS, timeout=timeout_ms, polling=100)
        page.wait_for_timeout(250)
    page.wait_for_function(IDLE_JS, timeout=timeout_ms, polling=100)


def one_run(browser, script: str, port: int, env: dict[str, str]) -> dict:
    """One cold server: ready, first element, loading message, Overview content; RSS after every page."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.add_init_script(OBSERVER_JS)
    proc, ready_s = _start(script, port, env)
    try:
        t_ready = time.perf_counter()
        cpu_ready = _cpu_s(proc.pid)
        page.goto(f"http://127.0.0.1:{port}/", wait_until="commit")
        nav_offset_ms = (time.perf_counter() - t_ready) * 1000  # ready → navigation committed (upper bound)
        page.wait_for_function("() => window.__cold && window.__cold.overview !== undefined", timeout=600_000)
        cpu_overview = _cpu_s(proc.pid)
        cold = page.evaluate("() => window.__cold")
        _wait_idle(page)
        rss = {"(overview)": _status_mb(proc.pid, "VmRSS")}
        for path in PAGES[1:]:
            page.goto(f"http://127.0.0.1:{port}/{path}")
            _wait_idle(page)
            rss[path] = _status_mb(proc.pid, "VmRSS")
        page.wait_for_timeout(2000)  # let background work (warming, collection) settle
        result = {
            "ready_s": ready_s,
            "cpu_to_ready_s": cpu_ready,
            "cpu_to_overview_s": cpu_overview,
            "nav_offset_ms": nav_offset_ms,
            **{f"{k}_ms": v for k, v in cold.items()},
            "rss_after_pages_mb": rss,
            "rss_end_mb": _status_mb(proc.pid, "VmRSS"),
            "hwm_mb": _status_mb(proc.pid, "VmHWM"),
        }
    finally:
        context.close()
        stop_app(proc)
    return result


# The floor: a bare Streamlit script whose only element is the app's own loading message, on a cold server
# with the same config (.streamlit/config.toml) and browser: what Streamlit's frontend alone takes to draw it.
FLOOR_SCRIPT = 'import streamlit as st\nst.markdown(":material/hourglass_top: **Loading the data…**")\n'


def floor_runs(browser, port: int, runs: int, env: dict[str, str]) -> list[dict]:
    """Navigation → first element and → loading message for a bare hello-world script, ``runs`` cold servers."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "hello.py"
        script.write_text(FLOOR_SCRIPT, encoding="utf-8")
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.add_init_script(OBSERVER_JS)
            proc, ready_s = _start(str(script), port, env)
            try:
                page.goto(f"http://127.0.0.1:{port}/", wait_until="commit")
                page.wait_for_function(
                    "() => window.__cold && window.__cold.loading !== undefined", timeout=120_000
                )
                cold = page.evaluate("() => window.__cold")
                out.append({"ready_s": ready_s, **{f"{k}_ms": v for k, v in cold.items()}})
            finally:
                context.close()
                stop_app(proc)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the cold-start benchmark and print its table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--script", default="serve.py", help="what streamlit runs (serve.py warms at start-up)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--records", type=int, default=0, help="serve an extract of N rows instead of the simulation"
    )
    ap.add_argument("--port", type=int, default=8561)
    ap.add_argument(
        "--snapshots",
        choices=["fresh", "restart"],
        default="fresh",
        help="fresh: every server starts with no snapshots on disk (a first start); restart: snapshots kept "
        "from an unmeasured first run (a restarted server, ui/snapshot.py)",
    )
    ap.add_argument(
        "--floor",
        action="store_true",
        help="only the floor: a bare Streamlit script showing the loading message (FLOOR_SCRIPT)",
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright

    env = dict(os.environ)
    if args.floor:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            runs = floor_runs(browser, args.port, args.runs, env)
            browser.close()
        load = os.getloadavg()
        print(
            f"Bare Streamlit script (the loading message only), median of {len(runs)} cold servers; "
            f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs."
        )
        print()
        print("| measure | value |")
        print("|---|---:|")
        print(
            f"| `streamlit run` → ready (ms) | {statistics.median(r['ready_s'] for r in runs) * 1000:,.0f} |"
        )
        for key, what in (
            ("first_paint_ms", "first contentful paint"),
            ("first_element_ms", "first element drawn"),
            ("loading_ms", "loading message"),
        ):
            vals = [r[key] for r in runs if key in r]
            print(
                f"| navigation → {what} (ms) | {statistics.median(vals):,.0f} (runs: "
                + ", ".join(f"{v:,.0f}" for v in vals)
                + ") |"
            )
        if args.json:
            print(json.dumps(runs, indent=1))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        if args.records:
            from bench.benchmark import write_extract

            env["SVD_EXTRACT"] = str(write_extract(args.records, Path(tmp)))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            runs = []
            if args.snapshots == "restart":
                env["SVD_CACHE_DIR"] = str(Path(tmp) / "snapshots")
                one_run(browser, args.script, args.port, env)  # writes the snapshots; not counted
            for i in range(args.runs):
                if args.snapshots == "fresh":
                    env["SVD_CACHE_DIR"] = str(Path(tmp) / f"snapshots-{i}")
                runs.append(one_run(browser, args.script, args.port, env))
                print(f"run {i + 1}: {json.dumps(runs[-1])}", file=sys.stderr, flush=True)
            browser.close()

    def med(key: str) -> str:
        vals = [r[key] for r in runs if key in r]
        return f"{statistics.median(vals):,.0f}" if vals else "–"

    data = f"a {args.records:,}-row extract" if args.records else "the default data (simulation)"
    data += (
        ", no snapshots on disk" if args.snapshots == "fresh" else ", snapshots on disk from an earlier run"
    )
    load = os.getloadavg()
    print(
        f"`streamlit run {args.script}`, {data}, median of {len(runs)} cold servers; "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs."
    )
    print()
    print("| measure | value |")
    print("|---|---:|")
    print(f"| `streamlit run` → ready (ms) | {statistics.median(r['ready_s'] for r in runs) * 1000:,.0f} |")
    print(f"| ready → navigation committed (ms) | {med('nav_offset_ms')} |")
    print(
        f"| navigation → first contentful paint: the page's loading message (ms) | {med('first_paint_ms')} |"
    )
    print(f"| navigation → the app's first element drawn (ms) | {med('first_element_ms')} |")
    print(f"| navigation → the app's loading message (ms) | {med('loading_ms')} |")
    print(f"| navigation → Overview content: title and tiles (ms) | {med('overview_ms')} |")
    ready_to_overview = [r["nav_offset_ms"] + r["overview_ms"] for r in runs]
    print(f"| ready → Overview content (ms) | {statistics.median(ready_to_overview):,.0f} |")
    cpu = [(r["cpu_to_ready_s"], r["cpu_to_overview_s"]) for r in runs]
    print(
        "| server CPU time: start → ready / → Overview content (s) | "
        f"{statistics.median(c[0] for c in cpu):.1f} / {statistics.median(c[1] for c in cpu):.1f} |"
    )
    print(f"| server RSS after every page opened once (MB) | {med('rss_end_mb')} |")
    print(f"| server peak RSS, VmHWM (MB) | {med('hwm_mb')} |")
    print()
    print(
        "RSS after each page (MB), first run: "
        + ", ".join(f"{k or '/'} {v:.0f}" for k, v in runs[0]["rss_after_pages_mb"].items())
    )
    if args.json:
        print(json.dumps(runs, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
