"""Load: many people using one dashboard server at once, each in their own headless browser session.

Not a test; it loads the machine. The command the README's load table comes from (20 sessions, idle machine):

    SVD_DATA_DIR=/work/shared/data .venv/bin/python bench/load.py --sessions 20 --actions 6 --limit 420 --no-webgl
    SVD_DATA_DIR=/work/shared/data .venv/bin/python bench/load.py --sessions 20 --actions 6 --limit 420

(the first with WebGL off in the browsers, the second with the maps drawn in software WebGL; see "Browsers" below).
Use ``--sessions 5`` or fewer while developing on a shared machine.

**The server.** Starts ``streamlit run serve.py`` (the caches warmed, as ``make run``) on ``--port``, opens one
page untimed while the server warms its shared caches (a cold start is ``bench/coldstart.py``'s), then drives
``--sessions`` browser sessions at once (one headless Chromium, one context each: separate cookies and Streamlit
sessions) with Playwright's async API.

**A session, as a person uses it.** Session ``i`` arrives at ``i × --arrive / sessions`` seconds (the room
logs in over ``--arrive`` seconds, default 60), opens the dashboard's address (the Overview), then does
``--actions`` actions in turn, pausing a *think time* before each step: uniform between ``--think`` MIN and MAX
seconds (default 3–8 s), drawn from ``random.Random(--seed × 1000 + i)`` (default seed 17), so every run has the
same pauses. Pages are opened from the sidebar's navigation, as a person does (a new address would start a new
Streamlit session). The actions cycle: open Hotspots; change its Time of day; open Days and times; change its
Domestic abuse filter; open the Overview; open Knife crime and robbery. Every ``--extract-every``-th session
(default 4: sessions 0, 4, 8, …) first opens Data and methods, uploads its own extract through the page's file
uploader and presses "Use this extract on every page for this session" (three timed steps). Each extract is a
CSV in incident format v1 written into a temporary folder from the project's own simulation
(``svd.simulate.simulate``, seed 20240131, a sample of a different size per session, ``extract_rows(i)``): never
a real extract. Its rows say ``source = simulated``, so the dashboard says "Simulated records in the extract
load-extract-sNN.csv: N of N records…" — the file name and record count are that session's marker.

**No session sees another's extract.** Every time a session's page shows the record-level notice (Hotspots,
the Overview, Knife crime and robbery), its text is kept. ``isolation_problems`` then checks: a session with an
extract sees its own file name and count after loading it and never another file's name; a session without one
sees the simulated records' notice and no extract's name. Any miss is an error.

**Timing.** An action's *re-render time* runs from the action (the click, the upload or the navigation) until
the page is idle again: the app's script state "notRunning" (``data-test-script-state`` on ``stApp``), no status
widget ("Running…"), no spinner, a title drawn, all of it for 0.3 s. The check runs in the page's main thread, so
JavaScript still busy there (deck.gl building its layers, Vega, React) delays it; pixels that a GPU process is
still rasterising after that are not waited for. The time is what a person waits for the page to answer.
An action not idle within ``--timeout`` seconds (default 30) counts as timed out; a page showing an exception, "could not be shown" or "has encountered an error" counts as an error. A filter whose page did not
open is still attempted, and counted on its own (no untimed retry hides anything). The whole run is
bounded by ``--limit`` seconds: actions not started by then are reported as not done.

**Where the time goes.** CPU time (utime + stime from ``/proc``) is sampled every 0.5 s for the server's process
tree, the Chromium processes, Playwright's driver, and the whole machine (``/proc/stat``), so the table gives each
one's share of the two cores over the run; ``--json`` adds every action with the server and Chromium CPU spent
while it ran (exact for one session; shared by whatever else ran at the same time with more). The server's RSS
(VmRSS, its process and children) is sampled every 0.25 s for the peak.

**Browsers.** Real users draw the maps on their own machine's GPU. Here every session's Chromium shares the
server's cores, with no GPU: deck.gl's maps are drawn by software WebGL (SwiftShader). ``--no-webgl`` launches
Chromium with WebGL off (``--disable-webgl --disable-3d-apis``): the maps are then not drawn at all (deck.gl gets
no context) and everything else is; that measures the server and the page without the map drawing, which on a
user's machine is the GPU's work. ``--url`` drives a server already running elsewhere (no server started, RSS not
measured here) — the way to run the browsers on another machine than the server.

Prints a Markdown table for the README; ``--json`` also prints the raw results. Exit status 0 only with no
timeouts, no errors and every action done.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

IDLE_JS = """() => document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState === 'notRunning'
    && !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSpinner"]')
    && !!document.querySelector('[data-testid="stMain"] h1')"""
BROKEN_JS = """() => !!document.querySelector('[data-testid="stException"]')
    || /could not be shown|has encountered an error/.test(
        document.querySelector('[data-testid="stMain"]')?.innerText || '')"""
NOTICE_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] [data-testid="stAlert"]'))
    .map(e => e.innerText).filter(t => /Simulated records|Partnership extract/.test(t)).join('\\n')"""
USE_EXTRACT = "Use this extract on every page for this session"
EXTRACT_NAME = re.compile(r"load-extract-s\d+\.csv")
WEBGL_OFF = ["--disable-webgl", "--disable-webgl2", "--disable-3d-apis"]
SIMULATED_FIRST_SENTENCE = "Simulated records. The number of offences"


# ------------------------------------------------------------------------------------------ pure parts


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) of ``values`` by the nearest-rank method (NaN when empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q * len(ordered) - 1e-9)))  # ceil(q × n), without float fuzz
    return ordered[rank - 1]


def think_times(seed: int, session: int, n: int, low: float, high: float) -> list[float]:
    """The ``n`` pauses (seconds) session ``session`` takes before its actions: uniform in [low, high], seeded."""
    rng = random.Random(seed * 1000 + session)
    return [rng.uniform(low, high) for _ in range(n)]


def extract_rows(session: int) -> int:
    """Records in session ``session``'s extract: a different count for each, so the count is a marker too."""
    return 1500 + 37 * session


def extract_name(session: int) -> str:
    """The file name session ``session`` uploads."""
    return f"load-extract-s{session:02d}.csv"


def expected_marker(session: int) -> str:
    """The words the record notice shows for session ``session``'s own extract."""
    n = extract_rows(session)
    return f"extract {extract_name(session)}: {n:,} of {n:,} records"


def isolation_problems(notices: dict[int, list[str]], with_extract: set[int]) -> list[str]:
    """What breaks "no session sees another's extract" in the record notices each session saw (in order).

    ``notices``: session → the notice texts seen after its extract (if any) was in use; ``with_extract``: the
    sessions that loaded one. A session with an extract must see its own marker every time and no other file's
    name; one without must see the simulated records' notice every time and no extract's name. A session that
    saw no notice at all is a problem too (nothing was checked).
    """
    problems = []
    for s, texts in sorted(notices.items()):
        if not texts:
            problems.append(f"session {s}: no record notice seen, isolation not checked")
            continue
        for k, text in enumerate(texts):
            names = set(EXTRACT_NAME.findall(text))
            if s in with_extract:
                others = names - {extract_name(s)}
                if others:
                    problems.append(
                        f"session {s}, notice {k}: sees another session's extract {sorted(others)}"
                    )
                if expected_marker(s) not in text:
                    problems.append(f"session {s}, notice {k}: its own extract's marker is missing")
            else:
                if names:
                    problems.append(f"session {s}, notice {k}: sees an extract {sorted(names)}, loaded none")
                if SIMULATED_FIRST_SENTENCE not in text:
                    problems.append(f"session {s}, notice {k}: the simulated records' notice is missing")
    return problems


@dataclass
class Summary:
    """What the README's table shows for one run."""

    sessions: int
    planned: int
    ok: list[float]
    changes: list[float]
    opens: list[float]
    timeouts: int
    errors: list[str]
    not_done: int
    rss_ready_mb: float | None
    rss_peak_mb: float | None
    mode: str
    load_start: float
    load_end: float
    think: tuple[float, float]
    arrive: float
    wall_s: float
    cpu: dict[str, float] = field(default_factory=dict)
    extract_sessions: int = 0

    def table(self) -> str:
        """The Markdown table."""

        def pp(v: list[float]) -> str:
            return f"{percentile(v, 0.5):.1f} / {percentile(v, 0.95):.1f} s" if v else "–"

        cpu = self.cpu
        busy = cpu.get("machine_busy_s", 0.0)

        def share(k):
            return f"{cpu.get(k, 0.0):.0f} s ({100 * cpu.get(k, 0.0) / busy:.0f}%)" if busy else "–"

        rss = (
            f"{self.rss_ready_mb:.0f} / **{self.rss_peak_mb:.0f}** MB"
            if self.rss_peak_mb is not None
            else "not measured (server elsewhere)"
        )
        rows = [
            ("sessions (≥ 20); of which loading an extract", f"{self.sessions}; {self.extract_sessions}"),
            ("Chromium", self.mode),
            (
                "arrival; think time before each action",
                f"over {self.arrive:.0f} s; {self.think[0]:g}–{self.think[1]:g} s (uniform, seeded)",
            ),
            (
                "actions planned / finished / timed out (0) / errors (0) / not done",
                f"{self.planned} / {len(self.ok)} / {self.timeouts} / {len(self.errors)} / {self.not_done}",
            ),
            ("re-render time, finished actions: p50 / p95 (≤ 5 s)", pp(self.ok)),
            ("filter changes only: p50 / p95", pp(self.changes)),
            ("page opens only: p50 / p95", pp(self.opens)),
            ("server RSS: ready / peak (≤ 1.5 GB)", rss),
            (
                "CPU over the run: server / Chromium / Playwright",
                " / ".join(map(share, ("server", "chromium", "driver"))),
            ),
            ("CPU over the run: everything else on the machine", share("other")),
            ("load average at start / end", f"{self.load_start:.1f} / {self.load_end:.1f}"),
            ("wall time", f"{self.wall_s:.0f} s"),
        ]
        lines = ["| measure (target) | result |", "|---|---:|"]
        lines += [f"| {a} | {b} |" for a, b in rows]
        return "\n".join(lines)


def summarise(results: list[dict], planned: int, **kw) -> Summary:
    """The Summary of a run's action results (each {"action", "seconds", "outcome"})."""
    ok = [r for r in results if r["outcome"] == "ok"]
    return Summary(
        planned=planned,
        ok=[r["seconds"] for r in ok],
        changes=[r["seconds"] for r in ok if ":" in r["action"] and not r["action"].startswith("data")],
        opens=[r["seconds"] for r in ok if r["action"].startswith("open")],
        timeouts=sum(r["outcome"] == "timeout" for r in results),
        errors=[f"{r['action']}: {r['outcome']}" for r in results if r["outcome"].startswith("error")],
        not_done=planned - len(results),
        **kw,
    )


# ------------------------------------------------------------------------------------------ /proc sampling

CLK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds) of ``pid`` from /proc, or None once it has gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2 :].split()
    return name, int(rest[1]), (int(rest[11]) + int(rest[12])) / CLK


def _processes() -> dict[int, tuple[str, int, float]]:
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit() and (s := _stat(int(d))) is not None:
            out[int(d)] = s
    return out


def _descendants(root: int, procs: dict[int, tuple[str, int, float]]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (_, ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    seen, todo = set(), [root]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        todo += children.get(p, [])
    return seen


def _chromium_kind(pid: int) -> str:
    """ "chromium:<type>" from the process's --type= switch (renderer, gpu-process, utility…; browser if none)."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "chromium:gone"
    # A zygote-forked process rewrites its command line as one string: split on spaces too.
    kinds = [a[7:].decode() for a in b" ".join(args).split() if a.startswith(b"--type=")]
    return "chromium:" + (kinds[0] if kinds else "browser")


def _machine_busy_s() -> float:
    """CPU seconds all cores have spent not idle since boot (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK


class CpuSampler(threading.Thread):
    """CPU seconds of the server tree, the Chromium processes and Playwright's driver (this script's
    descendants), kept per process so one that exits keeps what it spent; and the machine's busy time."""

    def __init__(self, server_pid: int | None) -> None:
        super().__init__(daemon=True)
        self.server_pid, self.stop = server_pid, threading.Event()
        self.per_pid: dict[int, tuple[str, float]] = {}
        self.start_cpu: dict[int, float] = {}
        self.machine0 = _machine_busy_s()
        self.machine1 = self.machine0
        self.lock = threading.Lock()
        self.sample()
        self.start_cpu = {p: c for p, (_, c) in self.per_pid.items()}

    def sample(self) -> None:
        procs = _processes()
        server = _descendants(self.server_pid, procs) if self.server_pid else set()
        mine = _descendants(os.getpid(), procs) - server - {os.getpid()}
        with self.lock:
            for pid in server:
                self.per_pid[pid] = ("server", procs[pid][2])
            for pid in mine:
                name = procs[pid][0]
                kind = _chromium_kind(pid) if "chrom" in name or name.startswith("Chrome") else "driver"
                self.per_pid[pid] = (kind, procs[pid][2])
            self.machine1 = _machine_busy_s()

    def totals(self) -> dict[str, float]:
        """CPU seconds since the sampler started: server, chromium, driver, machine_busy_s, other."""
        with self.lock:
            out = {"server": 0.0, "chromium": 0.0, "driver": 0.0}
            for pid, (kind, cpu) in self.per_pid.items():
                spent = cpu - self.start_cpu.get(pid, 0.0)
                out[kind.split(":")[0]] += spent
                if ":" in kind:  # chromium:renderer, chromium:gpu-process, chromium:browser, …
                    out[kind] = out.get(kind, 0.0) + spent
            out["machine_busy_s"] = self.machine1 - self.machine0
        out["other"] = max(0.0, out["machine_busy_s"] - out["server"] - out["chromium"] - out["driver"])
        return out

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            time.sleep(0.5)


def _rss_mb(pid: int) -> float:
    """VmRSS of ``pid`` and its children, in MB (0 once it has gone)."""
    total = 0.0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
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


# ------------------------------------------------------------------------------------------ the browsers


def write_extracts(folder: Path, sessions: list[int]) -> dict[int, Path]:
    """Each extract session's own simulated format-v1 file (a seeded sample of the simulation) in ``folder``."""
    from svd.simulate import simulate, write_csv

    records = simulate()
    out = {}
    for s in sessions:
        sample = records.sample(n=extract_rows(s), random_state=s).sort_index()
        out[s] = write_csv(sample, folder / extract_name(s))
    return out


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


async def _open(page, title: str, path: str) -> None:
    """Open a page as a person does, from the sidebar's navigation (a new address would start a new
    Streamlit session, without this session's extract); "View N more" first when the link is folded away."""
    nav = page.locator('[data-testid="stSidebarNav"]')
    link = nav.locator("a", has_text=title)
    if not await link.count():
        await nav.get_by_text(re.compile(r"View \d+ more")).click(force=True)
    await link.first.click(force=True)
    await page.wait_for_url(lambda url: urlparse(url).path.rstrip("/") == ("/" + path).rstrip("/"))


def _actions(base: str, extract: Path | None):
    """(name, coroutine function of the page): the session's first steps, then the cycle of its actions."""

    async def arrive(page):
        await page.goto(f"{base}/", wait_until="domcontentloaded")

    async def upload(page):
        await page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(extract))
        await page.get_by_role("button", name=USE_EXTRACT).wait_for()  # the file's check is shown

    async def use(page):
        await page.get_by_role("button", name=USE_EXTRACT).click()
        await page.get_by_text("This session uses the extract").wait_for()

    first = [("open the dashboard (Overview)", arrive)]
    if extract:
        first += [
            ("open data and methods", lambda p: _open(p, "Data and methods", "data")),
            ("data: upload extract", upload),
            ("data: use extract", use),
        ]
    cycle = [
        ("open hotspots", lambda p: _open(p, "Hotspots", "hotspots")),
        ("hotspots: time of day", lambda p: _choose(p, "Time of day", "All hours")),
        ("open days and times", lambda p: _open(p, "Days and times", "temporal")),
        ("days and times: domestic abuse", lambda p: _choose(p, "Domestic abuse", "Only flagged")),
        ("open overview", lambda p: _open(p, "Overview", "")),
        ("open knife crime", lambda p: _open(p, "Knife crime and robbery", "knife-crime-robbery")),
    ]
    return first, cycle


@dataclass
class Run:
    """What the sessions record, shared by them."""

    results: list[dict] = field(default_factory=list)
    notices: dict[int, list[str]] = field(default_factory=dict)
    server_pid: int | None = None
    cpu: CpuSampler | None = None


async def session(browser, base: str, i: int, extract: Path | None, args, run: Run) -> None:
    """One person: a context of their own, the extract (if any), then ``args.actions`` actions with pauses."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    await asyncio.sleep(i * args.arrive / max(args.sessions, 1))
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    first, cycle = _actions(base, extract)
    steps = first + [cycle[k % len(cycle)] for k in range(args.actions)]
    pauses = think_times(args.seed, i, len(steps), *args.think)
    run.notices[i] = []
    extract_in_use = extract is None
    try:
        for (name, act), pause in zip(steps, pauses, strict=True):
            await asyncio.sleep(pause)
            cpu0 = run.cpu.totals() if run.cpu else {}
            t0 = time.perf_counter()
            outcome = "ok"
            try:
                await asyncio.wait_for(act(page), args.timeout)
                await _idle(page, args.timeout - (time.perf_counter() - t0))
                if await page.evaluate(BROKEN_JS):
                    outcome = "error: the page shows an error"
            except (TimeoutError, PlaywrightTimeout):
                outcome = "timeout"
            except Exception as exc:  # noqa: BLE001 — a failed action is a result, recorded with its reason
                outcome = f"error: {type(exc).__name__}: {str(exc)[:160]}"
            seconds = time.perf_counter() - t0
            cpu1 = run.cpu.totals() if run.cpu else {}
            run.results.append(
                {
                    "session": i,
                    "action": name,
                    "seconds": seconds,
                    "outcome": outcome,
                    "server_cpu_s": cpu1.get("server", 0) - cpu0.get("server", 0),
                    "chromium_cpu_s": cpu1.get("chromium", 0) - cpu0.get("chromium", 0),
                    "chromium_gpu_process_cpu_s": cpu1.get("chromium:gpu-process", 0)
                    - cpu0.get("chromium:gpu-process", 0),
                }
            )
            if name == "data: use extract" and outcome == "ok":
                extract_in_use = True
            if outcome == "ok" and extract_in_use:
                try:
                    text = await page.evaluate(NOTICE_JS)
                except Exception as exc:  # noqa: BLE001 — counted, never ends the run
                    run.results[-1]["outcome"] = f"error: reading the record notice: {type(exc).__name__}"
                    text = ""
                if text:
                    run.notices[i].append(text)
    finally:
        with contextlib.suppress(Exception):
            await context.close()


async def drive(base: str, args, extracts: dict[int, Path], run: Run) -> bool:
    """Every session, within ``args.limit`` seconds; False when the limit cut the run short."""
    from playwright.async_api import async_playwright

    from tests.localapp import CHROMIUM, CHROMIUM_ARGS

    async with async_playwright() as p:
        flags = CHROMIUM_ARGS + (WEBGL_OFF if args.no_webgl else [])
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=flags, headless=True)
        # Untimed: one visit while the server warms its shared caches (a cold start is bench/coldstart.py's).
        first = await browser.new_page()
        await first.goto(f"{base}/hotspots", wait_until="domcontentloaded")
        await _idle(first, 180)
        await first.close()
        run.cpu = CpuSampler(run.server_pid)  # counted from here: the sessions, not the warming
        run.cpu.start()
        tasks = [session(browser, base, i, extracts.get(i), args, run) for i in range(args.sessions)]
        finished = True
        try:
            await asyncio.wait_for(asyncio.gather(*tasks), args.limit)
        except TimeoutError:
            finished = False
        await browser.close()
    return finished


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--actions", type=int, default=6, help="actions per session after its extract (if any)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds an action may take")
    ap.add_argument("--limit", type=float, default=420.0, help="seconds the sessions may take in all")
    ap.add_argument("--think", type=float, nargs=2, default=(3.0, 8.0), metavar=("MIN", "MAX"))
    ap.add_argument("--arrive", type=float, default=60.0, help="seconds over which the sessions arrive")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument(
        "--extract-every", type=int, default=4, help="every N-th session loads an extract (0: none)"
    )
    ap.add_argument("--no-webgl", action="store_true", help="Chromium without WebGL: the maps are not drawn")
    ap.add_argument("--port", type=int, default=8562)
    ap.add_argument("--url", help="drive a server already running there instead of starting one")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from tests.localapp import start_app, stop_app

    load_start = os.getloadavg()[0]
    extract_sessions = [i for i in range(args.sessions) if args.extract_every and i % args.extract_every == 0]
    planned = args.sessions * (args.actions + 1) + 3 * len(extract_sessions)
    with tempfile.TemporaryDirectory(prefix="svd-load-") as tmp:
        extracts = write_extracts(Path(tmp), extract_sessions) if extract_sessions else {}
        proc = None if args.url else start_app(args.port, env={**os.environ})
        base = args.url.rstrip("/") if args.url else f"http://127.0.0.1:{args.port}"
        rss = RssSampler(proc.pid) if proc else None
        run = Run(server_pid=proc.pid if proc else None)
        if rss:
            rss.start()
        try:
            rss_ready = _rss_mb(proc.pid) if proc else None
            started = time.perf_counter()
            finished = asyncio.run(drive(base, args, extracts, run))
            wall = time.perf_counter() - started
        finally:
            if run.cpu:
                run.cpu.stop.set()
            if rss:
                rss.stop.set()
            if proc:
                stop_app(proc)
    problems = isolation_problems(run.notices, set(extract_sessions))
    summary = summarise(
        run.results,
        planned,
        sessions=args.sessions,
        rss_ready_mb=rss_ready,
        rss_peak_mb=rss.peak if rss else None,
        mode="WebGL off (`--no-webgl`): maps not drawn"
        if args.no_webgl
        else "software WebGL (SwiftShader), maps drawn",
        load_start=load_start,
        load_end=os.getloadavg()[0],
        think=tuple(args.think),
        arrive=args.arrive,
        wall_s=wall,
        cpu=run.cpu.totals(),
        extract_sessions=len(extract_sessions),
    )
    summary.errors += [f"isolation: {p}" for p in problems]
    print(
        f"`bench/load.py --sessions {args.sessions} --actions {args.actions} --limit {args.limit:g}"
        + (" --no-webgl" if args.no_webgl else "")
        + f"` ({'finished' if finished else 'stopped at the limit'})"
    )
    print()
    print(summary.table())
    by_action: dict[str, list[dict]] = {}
    for r in run.results:
        by_action.setdefault(r["action"], []).append(r)
    print()
    print(
        "| action | done / of | p50 / p95 | CPU while it ran, median: server / Chromium (of which GPU process) |"
    )
    print("|---|---:|---:|---:|")
    keys = ("server_cpu_s", "chromium_cpu_s", "chromium_gpu_process_cpu_s")
    for name, rs in by_action.items():
        ok = [r for r in rs if r["outcome"] == "ok"]
        times = [r["seconds"] for r in ok]
        med = [percentile([r[k] for r in ok], 0.5) for k in keys]
        print(
            f"| {name} | {len(ok)} / {len(rs)} | {percentile(times, 0.5):.1f} / {percentile(times, 0.95):.1f} s "
            f"| {med[0]:.2f} / {med[1]:.2f} ({med[2]:.2f}) s |"
        )
    cpu = summary.cpu
    print()
    print(
        "Chromium CPU by process type: "
        + ", ".join(
            f"{k.split(':')[1]} {v:.0f} s" for k, v in sorted(cpu.items()) if k.startswith("chromium:")
        )
    )
    if summary.errors:
        print()
        for e in summary.errors[:20]:
            print(f"- {e}")
    if args.json:
        print(json.dumps({"results": run.results, "notices": run.notices, "cpu": summary.cpu}))
    return 0 if not summary.errors and not summary.timeouts and not summary.not_done else 1


if __name__ == "__main__":
    sys.exit(main())
