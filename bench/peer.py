"""This dashboard and an open-source Dash crime dashboard (the peer), side by side in one browser, one harness.

Not a test. ``.venv/bin/python bench/peer.py [--runs 5] [--port 8578] [--peer-port 8579] [--peer-dir /work/peer]``
prints a Markdown table. The peer is not part of this repository: it is installed in its own directory and
virtual environment (``--peer-dir``, with ``.venv/bin/python`` and ``app.py``), fed the same police.uk
Barking and Dagenham files; the README ("The Dash peer") says which repository and commit, and which lines
were adapted. Both servers are started here and both pages are driven by one headless Chromium (the
arguments of ``tests/localapp.py``), the two apps taking turns run by run.

Measured for each app:

* load → map visible: a fresh browser context (empty cache) navigates to the map page of a warm server;
  the time until the map's canvas shows the data (ours: the deck.gl canvas is not blank,
  ``tests.localapp.looks_drawn``; the peer: its mapbox canvas shows coloured points, as its dark page
  background would pass a not-blank test before any point is drawn). Both polled by canvas screenshots.
* first visit: requests made and bytes received (Chrome DevTools Protocol: every HTTP response's encoded
  length and every websocket frame) from navigation until the map is drawn and the page has been idle 1 s,
  by kind (script, stylesheet, font, document, fetch/XHR, websocket, …). The machine is offline: requests
  to other hosts fail at once and are counted as failed (the peer asks codepen.io for a stylesheet and
  openstreetmap.org for map tiles; both apps draw their data without a basemap).
* filter change → idle: from the moment the browser sends the change to the server (ours: the rerun
  request on the websocket; the peer: the POST to ``/_dash-update-component``) until the page has handled
  the last answer, is idle (ours: no status widget; the peer: no component loading and no request pending)
  and has painted two frames since (in-page clock). Ours: the sidebar Months slider (its first thumb one
  month later each time, so every change is new to Streamlit's message cache), on Hotspots and on Days and
  times — a Months change reruns the whole page. The peer: its Crime Type filter (one type removed each
  time), which reruns its one callback (the map and the three charts).
* server peak RSS: the server process and its children, sampled every 0.1 s for the whole session (the
  peak of the sum), and the sum of each process's own peak (VmHWM) at the end. Ours is started as a restarted
  server (``prime_snapshots``: any snapshot missing is built first, in a process not measured), so it starts
  no snapshot-building child.

The load average is printed with the table: on a shared machine the times depend on it.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.benchmark import _cpu, _ram, _redrawn, _wait_map, _Wire, frame_clock_js  # noqa: E402
from tests.localapp import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app, wait_until_answers  # noqa: E402

VIEWPORT = {"width": 1440, "height": 1800}  # as bench/benchmark.py: both maps in view without scrolling

# The peer's in-page clock: when each Dash callback request was sent and its answer read, requests pending,
# and animation frames (as PAGE_CLOCK_JS does for our websocket).
PEER_CLOCK_JS = (
    """(() => {
  window.__peer = {sent: [], got: [], frames: [], pending: 0};
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : input.url;
    const p = fetch0.apply(this, arguments);
    if (!url.includes("_dash-update-component")) return p;
    const c = window.__peer;
    c.sent.push(performance.now());
    c.pending += 1;
    let done = false;
    const finish = () => { if (!done) { done = true; c.pending -= 1; c.got.push(performance.now()); } };
    return p.then(r => {
      const json = r.json.bind(r);
      r.json = () => json().then(x => { finish(); return x; }, e => { finish(); throw e; });
      if (r.status !== 200) finish();
      return r;
    }, e => { finish(); throw e; });
  };
"""
    + frame_clock_js("__peer")
    + "})();"
)

# Ours idle: the script has finished its run (Streamlit's own ``data-test-script-state`` on the app root: a
# rerun can pause between messages for longer than any quiet period while the server computes) and no status
# widget is shown.
OURS_IDLE_JS = """() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(
    document.querySelector('[data-testid="stApp"]')?.getAttribute("data-test-script-state") === "notRunning"
    && document.querySelector('[data-testid="stStatusWidget"]') === null))))"""

PEER_IDLE_JS = """() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() =>
    r(window.__peer.pending === 0 && document.querySelector('[data-dash-is-loading="true"]') === null))))"""

PEER_REDRAWN_JS = """(before) => {
  const c = window.__peer, t0 = c.sent[before], last = c.got[c.got.length - 1];
  const after = c.frames.filter(t => t > last);
  return t0 !== undefined && last >= t0 && after.length >= 2 ? after[1] - t0 : null;
}"""

PEER_MAP = ".js-plotly-plot .mapboxgl-canvas"

# The peer's basemap: OpenStreetMap's tile servers. Offline, a failed tile makes plotly's mapbox subplot raise
# "Mapbox error" and draw no points at all, so the harness answers tile requests itself with one blank tile
# (a stand-in for the tile server, not a change to the peer); the tiles are counted as requests.
OSM_TILES = re.compile(r"^https://[a-z.]*tile\.openstreetmap\.org/")


def _blank_tile() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (242, 239, 233)).save(buf, "PNG")
    return buf.getvalue()


def _peer_context(browser):
    """A fresh browser context (empty cache) whose OpenStreetMap tile requests get a blank tile."""
    ctx = browser.new_context(viewport=VIEWPORT)
    tile = _blank_tile()
    ctx.route(OSM_TILES, lambda route: route.fulfill(status=200, content_type="image/png", body=tile))
    return ctx


# ---- servers and their memory ---------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """``pid`` and all its descendants, from /proc."""
    parents: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, []))
    return out


def _status_kb(pid: int, field: str) -> int:
    try:
        for ln in Path(f"/proc/{pid}/status").read_text().splitlines():
            if ln.startswith(field + ":"):
                return int(ln.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """The peak of (RSS of a server and its children), sampled every ``every`` s in a thread."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        self.pid, self.every, self.peak_kb = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, sum(_status_kb(p, "VmRSS") for p in _children(self.pid)))
            self._stop.wait(self.every)

    def stop(self) -> tuple[float, float]:
        """(sampled peak of the sum, sum of each process's VmHWM) in MB."""
        hwm = sum(_status_kb(p, "VmHWM") for p in _children(self.pid))
        self._stop.set()
        self._thread.join()
        return self.peak_kb / 1024, hwm / 1024


def prime_snapshots() -> None:
    """Build any snapshot missing from ``SVD_CACHE_DIR`` in a process of its own, before ours is started, so that
    the measured server starts as a restarted one does: with a snapshot missing, the server's warming builds it
    in a child process that peaks at ~700 MB (ui/snapshot.py), which the sampled RSS (process + children)
    would count as the server's."""
    code = (
        "import logging; logging.disable(logging.WARNING)\n"
        "from ui import cache, snapshot\n"
        "root = cache.data_root()\n"
        "missing = cache.snapshots_missing(root, list(cache.snapshot_builders(root)))\n"
        "print('snapshots built:', missing or 'none missing')\n"
        "missing and snapshot.main([root, *missing])\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, stdout=sys.stderr)


def start_peer(peer_dir: Path, port: int, timeout_s: float = 120) -> subprocess.Popen:
    """The peer as its README runs it (``python app.py``, adapted to listen on ``port``), once it answers."""
    proc = subprocess.Popen(
        [str(peer_dir / ".venv" / "bin" / "python"), "app.py"],
        cwd=peer_dir,
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return wait_until_answers(proc, f"http://127.0.0.1:{port}/", timeout_s, "the peer", poll_s=0.3)


# ---- the page -------------------------------------------------------------------------------------------


class Meter:
    """Requests and bytes a page receives, through the Chrome DevTools Protocol: HTTP responses' encoded
    lengths by resource type, websocket frames, failed requests."""

    def __init__(self, page) -> None:
        self.requests = 0
        self.failed = 0
        self.bytes_by_kind: Counter[str] = Counter()
        self._kind: dict[str, str] = {}
        self._url: dict[str, str] = {}
        self.bytes_by_file: Counter[str] = Counter()
        self.rows: list[tuple[str, str, int]] = []  # (URL, kind, bytes) of each finished response
        cdp = page.context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", self._done)
        cdp.on("Network.loadingFailed", self._failed)
        cdp.on("Network.webSocketFrameReceived", self._frame)
        cdp.send("Network.enable")
        self._cdp = cdp

    def _sent(self, ev) -> None:
        if ev.get("redirectResponse") is None:
            self.requests += 1
        self._kind[ev["requestId"]] = ev.get("type", "Other")
        self._url[ev["requestId"]] = ev["request"]["url"]

    def _done(self, ev) -> None:
        n = int(ev.get("encodedDataLength", 0))
        self.bytes_by_kind[self._kind.get(ev["requestId"], "Other")] += n
        name = self._url.get(ev["requestId"], "?").split("?")[0].rsplit("/", 1)[-1] or "/"
        self.bytes_by_file[name] += n
        self.rows.append((self._url.get(ev["requestId"], "?"), self._kind.get(ev["requestId"], "Other"), n))

    def _failed(self, ev) -> None:
        self.failed += 1

    def _frame(self, ev) -> None:
        r = ev["response"]
        n = len(r.get("payloadData", ""))
        self.bytes_by_kind["WebSocket"] += n * 3 // 4 if r.get("opcode") == 2 else n  # binary frames: base64

    @property
    def total(self) -> int:
        return sum(self.bytes_by_kind.values())


def _saturated_pixels(png: bytes) -> int:
    """Pixels with a clear colour (max − min channel > 80): the peer's points, not its grey page or labels."""
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int(((rgb.max(axis=2) - rgb.min(axis=2)) > 80).sum())


def _wait_peer_map(page, start: float, timeout: float = 60) -> float:
    """Seconds from ``start`` until the peer's mapbox canvas shows coloured points (polled by screenshots)."""
    canvas = page.locator(PEER_MAP).first
    canvas.wait_for(state="visible", timeout=timeout * 1000)
    while time.perf_counter() - start < timeout:
        if _saturated_pixels(canvas.screenshot()) >= 30:
            return time.perf_counter() - start
        page.wait_for_timeout(20)
    raise RuntimeError("the peer's map never showed its points")


def _quiet(page, idle_js: str, quiet_s: float, timeout: float = 60) -> None:
    """Wait until ``idle_js`` has held for ``quiet_s``."""
    since, deadline = None, time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if page.evaluate(idle_js):
            since = since or time.perf_counter()
            if time.perf_counter() - since >= quiet_s:
                return
        else:
            since = None
        page.wait_for_timeout(50)
    raise RuntimeError("the page never went idle")


def first_visit(browser, app: str, url: str, timeout: float = 300, has_map: bool = True) -> dict:
    """Fresh context: navigation → map drawn; then requests and bytes until idle for 1 s. ``app`` "ours" is
    any Streamlit page (``has_map`` False: a page with no map, ``map_s`` is then None)."""
    ctx = _peer_context(browser) if app == "peer" else browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    if app == "peer":
        page.add_init_script(PEER_CLOCK_JS)
    meter = Meter(page)
    t = time.perf_counter()
    page.goto(url, wait_until="commit")
    if app == "peer":
        seconds = _wait_peer_map(page, t, timeout)
    else:
        seconds = _wait_map(page, t, timeout) if has_map else None
    _quiet(page, OURS_IDLE_JS if app == "ours" else PEER_IDLE_JS, 1.0, timeout)
    out = {
        "map_s": seconds,
        "requests": meter.requests,
        "failed": meter.failed,
        "bytes": meter.total,
        "by_kind": dict(meter.bytes_by_kind),
        "top": meter.bytes_by_file.most_common(6),
        "rows": meter.rows,
    }
    ctx.close()
    return out


def _months_thumb(page):
    """The sidebar Months slider's first thumb."""
    return page.locator("[data-testid='stSidebar'] [data-testid='stSlider'] input[type='range']").first


def changes_ours(browser, url: str, runs: int, quiet_s: float = 0.25) -> list[tuple[float, int, float]]:
    """``runs`` sidebar Months changes on ``url``: (seconds send → redrawn and idle, bytes received, seconds
    send → the last message received) each."""
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    wire = _Wire(page)
    page.goto(url)
    if "hotspots" in url:
        _wait_map(page, time.perf_counter(), 300)
    _quiet(page, OURS_IDLE_JS, 1.0, 300)
    out = []
    for _ in range(runs):
        before = len(wire.sent)
        sent_in_page = page.evaluate("window.__svd.sent.length")
        thumb = _months_thumb(page)
        thumb.focus()
        page.keyboard.press("ArrowRight")  # the start one month later: a value this session has not seen
        deadline = time.perf_counter() + 120
        while True:
            if time.perf_counter() > deadline:
                raise RuntimeError("no rerun after the Months change")
            t0 = wire.sent[before] if len(wire.sent) > before else None
            got = wire.since(t0) if t0 is not None else []
            if got and page.evaluate(OURS_IDLE_JS) and time.perf_counter() - got[-1][0] > quiet_s:
                redrawn = _redrawn(page, sent_in_page, len(got))
                out.append((redrawn / 1000, sum(b for _, b in got), got[-1][0] - t0))
                break
            page.wait_for_timeout(10)
    ctx.close()
    return out


def changes_peer(browser, url: str, runs: int, quiet_s: float = 0.25) -> list[tuple[float, int, float]]:
    """``runs`` Crime Type changes on the peer (the first selected type removed each time)."""
    ctx = _peer_context(browser)
    page = ctx.new_page()
    page.add_init_script(PEER_CLOCK_JS)
    got_bytes: list[int] = []
    page.on(
        "response",
        lambda r: got_bytes.append(len(r.body())) if "_dash-update-component" in r.url else None,
    )
    page.goto(url)
    _wait_peer_map(page, time.perf_counter(), 300)
    _quiet(page, PEER_IDLE_JS, 1.0, 300)
    crime = page.locator("#crime-type-dropdown .Select-value-icon")
    out = []
    for _ in range(runs):
        before = page.evaluate("window.__peer.sent.length")
        nbytes = len(got_bytes)
        crime.first.click()
        deadline = time.perf_counter() + 120
        while True:
            if time.perf_counter() > deadline:
                raise RuntimeError("no callback after the Crime Type change")
            sent = page.evaluate("window.__peer.sent.length")
            if sent > before and page.evaluate(PEER_IDLE_JS):
                page.wait_for_timeout(int(quiet_s * 1000))
                if page.evaluate(PEER_IDLE_JS) and page.evaluate("window.__peer.sent.length") == sent:
                    redrawn = None
                    for _ in range(100):
                        redrawn = page.evaluate(PEER_REDRAWN_JS, before)
                        if redrawn is not None:
                            break
                        page.wait_for_timeout(20)
                    if redrawn is None:
                        raise RuntimeError("the peer never painted after its callback")
                    answered = page.evaluate(
                        "(b) => window.__peer.got.at(-1) - window.__peer.sent[b]", before
                    )
                    out.append((redrawn / 1000, sum(got_bytes[nbytes:]), answered / 1000))
                    break
            page.wait_for_timeout(10)
    ctx.close()
    return out


# ---- the table ------------------------------------------------------------------------------------------


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--port", type=int, default=8578)
    ap.add_argument("--peer-port", type=int, default=8579)
    ap.add_argument("--peer-dir", type=Path, default=Path("/work/peer"))
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    ours_url, peer_url = f"http://127.0.0.1:{args.port}", f"http://127.0.0.1:{args.peer_port}"
    prime_snapshots()
    loads = [_loadavg()]
    ours = start_app(args.port, timeout_s=180)
    ours_rss = RssSampler(ours.pid)
    peer = start_peer(args.peer_dir, args.peer_port)
    peer_rss = RssSampler(peer.pid)
    res: dict[str, list] = {k: [] for k in ("ours", "peer", "hot", "tmp", "peer_change")}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            # Warm both servers (their data, caches, first render) before timing anything.
            first_visit(browser, "ours", f"{ours_url}/hotspots", timeout=600)
            ctx = browser.new_context(viewport=VIEWPORT)
            pg = ctx.new_page()
            pg.goto(f"{ours_url}/temporal")
            pg.wait_for_selector("[data-testid='stMetric']", timeout=120_000)
            ctx.close()
            first_visit(browser, "peer", peer_url, timeout=600)
            for _ in range(args.runs):  # the two apps take turns, run by run
                res["ours"].append(first_visit(browser, "ours", f"{ours_url}/hotspots"))
                res["peer"].append(first_visit(browser, "peer", peer_url))
                loads.append(_loadavg())
                last = [{k: v for k, v in r[-1].items() if k != "rows"} for r in (res["ours"], res["peer"])]
                print("run", len(res["ours"]), *last, file=sys.stderr, flush=True)
            res["hot"] = changes_ours(browser, f"{ours_url}/hotspots", args.runs)
            res["peer_change"] = changes_peer(browser, peer_url, args.runs)
            res["tmp"] = changes_ours(browser, f"{ours_url}/temporal", args.runs)
            loads.append(_loadavg())
            browser.close()
        rss = {"ours": ours_rss.stop(), "peer": peer_rss.stop()}
    finally:
        stop_app(ours)
        stop_app(peer)

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    def ms(rows):
        return f"{statistics.median(r[0] for r in rows) * 1000:.0f} ms ({min(r[0] for r in rows) * 1000:.0f}–{max(r[0] for r in rows) * 1000:.0f})"

    def kb(rows):
        return _mb(statistics.median(r[1] for r in rows))

    o, q = res["ours"], res["peer"]
    print(f"Median of {args.runs} runs (range in brackets); {_cpu()}, {_ram()}; load average (1, 5, 15 min) ")
    print(f"before, between runs and after: {'; '.join(loads)}.")
    print()
    print("| measure | ours | the Dash peer |")
    print("|---|---:|---:|")
    print(
        f"| load → map visible (fresh context, warm server) | {med(o, 'map_s'):.2f} s "
        f"({min(r['map_s'] for r in o):.2f}–{max(r['map_s'] for r in o):.2f}) | {med(q, 'map_s'):.2f} s "
        f"({min(r['map_s'] for r in q):.2f}–{max(r['map_s'] for r in q):.2f}) |"
    )
    print(
        f"| first visit: requests (of which failed: other hosts, offline) | {med(o, 'requests'):.0f} "
        f"({med(o, 'failed'):.0f}) | {med(q, 'requests'):.0f} ({med(q, 'failed'):.0f}) |"
    )
    print(f"| first visit: bytes received | {_mb(med(o, 'bytes'))} | {_mb(med(q, 'bytes'))} |")
    for kind in sorted({k for r in o + q for k in r["by_kind"]}):
        a = statistics.median(r["by_kind"].get(kind, 0) for r in o)
        b = statistics.median(r["by_kind"].get(kind, 0) for r in q)
        print(f"| … of which {kind} | {_mb(a)} | {_mb(b)} |")
    print(
        f"| filter change → idle: ours Hotspots, Months; the peer, Crime Type | {ms(res['hot'])} | "
        f"{ms(res['peer_change'])} |"
    )
    print(f"| filter change → idle: ours Days and times, Months | {ms(res['tmp'])} | – |")

    def answer(rows):
        return f"{statistics.median(r[2] for r in rows) * 1000:.0f} ms"

    print(
        f"| … of which the server's answer (change sent → last message/response): Hotspots; Days and times "
        f"/ the peer | {answer(res['hot'])}; {answer(res['tmp'])} | {answer(res['peer_change'])} |"
    )
    print(
        f"| bytes per filter change (Hotspots; Days and times / the peer) | {kb(res['hot'])}; {kb(res['tmp'])} "
        f"| {kb(res['peer_change'])} |"
    )
    print(
        f"| server peak RSS, process + children: sampled / sum of VmHWM | {rss['ours'][0]:.0f} / "
        f"{rss['ours'][1]:.0f} MB | {rss['peer'][0]:.0f} / {rss['peer'][1]:.0f} MB |"
    )
    print()
    for name, rows in (("ours", o), ("the peer", q)):
        top = ", ".join(f"{f} {_mb(n)}" for f, n in rows[-1]["top"])
        print(f"Largest files on the last first visit, {name}: {top}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
