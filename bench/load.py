"""Load: many people using one dashboard server at once, each in their own headless browser session.

Not a test; it loads the machine. ``.venv/bin/python bench/load.py [--sessions 20] [--actions 6] [--port 8562]``

Starts ``streamlit run serve.py`` (the caches warmed, as ``make run``), waits for the warming, then drives
``--sessions`` concurrent browser sessions (one headless Chromium, one context each: separate cookies and
Streamlit sessions) with Playwright's async API. Each session opens a page, then does ``--actions`` actions
in turn, cycling through: open Hotspots; change its Time of day; open Days and times; change its Domestic
abuse filter; open the Overview; open Knife crime and robbery. An action's **re-render time** runs from the
action (the click, or the navigation) until the page is idle again: no status widget ("Running…"), no
spinner, a title drawn, and no message for 0.3 s. An action not idle within ``--timeout`` seconds counts as
timed out; a page showing an exception or "could not be shown" counts as an error. The server's RSS (VmRSS,
its process and children) is sampled every 0.25 s. Prints a Markdown table; ``--json`` prints the raw times.
The whole run is bounded by ``--limit`` seconds (default 300).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.localapp import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app  # noqa: E402

IDLE_JS = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSpinner"]')
    && !!document.querySelector('[data-testid="stMain"] h1')"""
BROKEN_JS = """() => !!document.querySelector('[data-testid="stException"]')
    || /could not be shown/.test(document.querySelector('[data-testid="stMain"]')?.innerText || '')"""


def _rss_mb(pid: int) -> float:
    """VmRSS of ``pid`` and its children, in MB (0 once it has gone)."""
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


class RssSampler(threading.Thread):
    """The server's RSS every 0.25 s, keeping the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, _rss_mb(self.pid))
            time.sleep(0.25)


async def _idle(page, timeout_s: float, quiet_s: float = 0.3) -> None:
    """Wait until the page has been idle for ``quiet_s`` (a rerun starts a moment after the click)."""
    deadline = time.perf_counter() + timeout_s
    await page.wait_for_timeout(100)
    calm_since = None
    while time.perf_counter() < deadline:
        if await page.evaluate(IDLE_JS):
            calm_since = calm_since or time.perf_counter()
            if time.perf_counter() - calm_since >= quiet_s:
                return
        else:
            calm_since = None
        await page.wait_for_timeout(50)
    raise TimeoutError


async def _choose(page, label: str, option: str) -> None:
    # force=True: no actionability waits. Playwright's "stable element" checks took 2–7 s at times while the
    # map was drawing, which a person clicking does not wait for; the rerun, not the harness, is measured.
    await page.get_by_role("combobox", name=label).click(force=True)
    opt = page.get_by_role("option", name=option, exact=True)
    await opt.wait_for()
    await opt.click(force=True)


def _actions(base: str):
    """(name, coroutine function of the page[, the page a filter is on]) in the order a session does them."""

    async def goto(page, path):
        await page.goto(f"{base}/{path}", wait_until="domcontentloaded")

    return [
        ("open hotspots", lambda p: goto(p, "hotspots")),
        ("hotspots: time of day", lambda p: _choose(p, "Time of day", "All hours"), "hotspots"),
        ("open days and times", lambda p: goto(p, "temporal")),
        (
            "days and times: domestic abuse",
            lambda p: _choose(p, "Domestic abuse", "Only flagged"),
            "temporal",
        ),
        ("open overview", lambda p: goto(p, "")),
        ("open knife crime", lambda p: goto(p, "knife-crime-robbery")),
    ]


async def session(browser, base: str, n_actions: int, timeout_s: float, results: list, start_delay: float):
    """One person: a context of their own, ``n_actions`` actions, each timed to idle."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    await asyncio.sleep(start_delay)
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    actions = _actions(base)
    for i in range(n_actions):
        name, act, *page_needed = actions[i % len(actions)]
        if page_needed and not urlparse(page.url).path.rstrip("/").endswith(page_needed[0]):
            # The page this filter is on did not open in time: open it (untimed), so one timeout is not
            # counted again as the next action's.
            with contextlib.suppress(Exception):
                await page.goto(f"{base}/{page_needed[0]}", wait_until="domcontentloaded")
                await _idle(page, timeout_s)
        t0 = time.perf_counter()
        outcome = "ok"
        try:
            await asyncio.wait_for(act(page), timeout_s)
            await _idle(page, timeout_s - (time.perf_counter() - t0))
            if await page.evaluate(BROKEN_JS):
                outcome = "error"
        except (TimeoutError, PlaywrightTimeout):
            outcome = "timeout"
        except Exception as exc:  # noqa: BLE001 — a failed action is a result, recorded with its reason
            outcome = f"error: {type(exc).__name__}: {str(exc)[:120]}"
        results.append({"action": name, "seconds": time.perf_counter() - t0, "outcome": outcome})
    await context.close()


async def drive(base: str, sessions: int, n_actions: int, timeout_s: float, limit_s: float) -> list[dict]:
    from playwright.async_api import async_playwright

    results: list[dict] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        # Untimed: one visit while the server warms its shared caches (a cold start is bench/coldstart.py's).
        first = await browser.new_page()
        await first.goto(f"{base}/hotspots", wait_until="domcontentloaded")
        await _idle(first, 180)
        await first.close()
        # Sessions arrive over the first two seconds, as a room logging in does.
        tasks = [
            session(browser, base, n_actions, timeout_s, results, 2.0 * i / max(sessions, 1))
            for i in range(sessions)
        ]
        try:
            await asyncio.wait_for(asyncio.gather(*tasks), limit_s)
        except TimeoutError:
            results.append({"action": "run", "seconds": limit_s, "outcome": "timeout: run limit reached"})
        await browser.close()
    return results


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--actions", type=int, default=6)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds an action may take")
    ap.add_argument("--limit", type=float, default=300.0, help="seconds the whole run may take")
    ap.add_argument("--port", type=int, default=8562)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    env = {**os.environ}
    proc = start_app(args.port, env=env)
    sampler = RssSampler(proc.pid)
    sampler.start()
    try:
        rss_ready = _rss_mb(proc.pid)
        started = time.perf_counter()
        results = asyncio.run(
            drive(f"http://127.0.0.1:{args.port}", args.sessions, args.actions, args.timeout, args.limit)
        )
        wall = time.perf_counter() - started
    finally:
        sampler.stop.set()
        rss_end = _rss_mb(proc.pid)
        stop_app(proc)
    timed = [r for r in results if r["action"] != "run"]
    ok = [r["seconds"] for r in timed if r["outcome"] == "ok"]
    changes = [r["seconds"] for r in timed if r["outcome"] == "ok" and ":" in r["action"]]
    opens = [r["seconds"] for r in timed if r["outcome"] == "ok" and r["action"].startswith("open")]
    timeouts = sum(r["outcome"].startswith("timeout") for r in results)
    errors = [r for r in timed if r["outcome"].startswith("error")]
    load = os.getloadavg()
    print(
        f"{args.sessions} sessions × {args.actions} actions, {wall:.0f} s, load average after {load[0]:.1f}"
    )
    print()
    print("| measure (target) | result |")
    print("|---|---:|")
    print(f"| sessions | {args.sessions} |")
    print(f"| actions done / timed out (0) / errors (0) | {len(ok)} / {timeouts} / {len(errors)} |")
    print(
        f"| re-render time, all actions: p50 / p95 (≤ 5 s) | {_pct(ok, 0.5):.1f} / {_pct(ok, 0.95):.1f} s |"
    )
    print(f"| filter changes only: p50 / p95 | {_pct(changes, 0.5):.1f} / {_pct(changes, 0.95):.1f} s |")
    print(f"| page opens only: p50 / p95 | {_pct(opens, 0.5):.1f} / {_pct(opens, 0.95):.1f} s |")
    print(
        f"| server RSS: at ready / peak (≤ 1.5 GB) / at the end | {rss_ready:.0f} / {sampler.peak:.0f} / {rss_end:.0f} MB |"
    )
    if errors:
        print()
        for r in errors[:10]:
            print(f"- {r['action']}: {r['outcome']}")
    if args.json:
        print(json.dumps({"results": results, "peak_rss_mb": sampler.peak, "wall_s": wall}))
    return 0 if not errors and not timeouts else 1


if __name__ == "__main__":
    sys.exit(main())
