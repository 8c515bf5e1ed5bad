"""Where the browser's time goes on Hotspots and Days and times: a profile, not guesses.

Not a test. ``.venv/bin/python bench/browser_profile.py [--port 8630] [--json out.json]`` starts ``streamlit run``
(``tests/localapp.py``) and drives one headless Chromium (its arguments, 1440 × 1800 as ``bench/benchmark.py``)
through five actions, each profiled three ways at once:

* CPU time of every Chromium process by kind (browser, renderer, GPU process, utility), from ``/proc`` before
  and after: what the whole browser spent, including SwiftShader's threads in the GPU process;
* a trace (Chrome DevTools Protocol ``Tracing``, all processes): the renderer main thread's self time by
  event, grouped as DevTools' summary groups them (scripting, rendering, painting, GC, other), and the GPU
  process's busiest events;
* a JavaScript CPU profile of the page (``Profiler`` domain, 200 µs sampling): self time by function and by
  script file (deck.gl's chunk, vega, Streamlit's index, …), and the inclusive time of named functions
  (earcut, JSON.parse, vega's parse, React's commit).

Actions: (a) navigation → the Hotspots map drawn and the page idle; (b) a Hotspots Time of day change (a
fragment rerun) and a sidebar Months change (the whole page); (c) a Days and times Domestic abuse change and
a Months change. The changes use ``bench.benchmark``'s own waits (``_change``, ``months_change``). Run it on
a quiet machine: the load average is printed with each action.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.benchmark import HOURS_SHOWN, _change, _wait_map, _Wire, months_change  # noqa: E402
from bench.peer import _children  # noqa: E402
from tests.localapp import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app  # noqa: E402

VIEWPORT = {"width": 1440, "height": 1800}
CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "v8",
    "v8.execute",
    "blink",
    "cc",
    "gpu",
    "viz",
    "toplevel",
    "disabled-by-default-v8.gc",
    "gpu.angle",
    "gpu.service",
    "disabled-by-default-gpu.service",
    "gpu.decoder",
]
# DevTools' summary groups (front_end/models/timeline_model), by trace event name.
GROUPS = {
    "scripting": {
        "FunctionCall",
        "EvaluateScript",
        "v8.compile",
        "v8.compileModule",
        "v8.evaluateModule",
        "V8.Execute",
        "v8.run",
        "TimerFire",
        "EventDispatch",
        "FireAnimationFrame",
        "RunMicrotasks",
        "v8.callFunction",
        "V8.ParseFunction",
        "v8.parseOnBackground",
        "V8.CompileCode",
        "V8.CompileLazy",
        "XHRReadyStateChange",
        "XHRLoad",
        "ParseScriptOnBackground",
        "CompileScript",
        "CacheScript",
        "v8.produceCache",
        "v8.deserializeOnBackground",
        "WebSocketReceive",
        "FireIdleCallback",
    },
    "rendering": {
        "UpdateLayoutTree",
        "Layout",
        "RecalculateStyles",
        "ScheduleStyleRecalculation",
        "HitTest",
        "PrePaint",
        "Layerize",
        "UpdateLayer",
        "UpdateLayerTree",
        "IntersectionObserverController::computeIntersections",
        "ParseAuthorStyleSheet",
        "LocalFrameView::RunPostLifecycleSteps",
    },
    "painting": {
        "Paint",
        "PaintImage",
        "CompositeLayers",
        "Commit",
        "Decode Image",
        "Decode LazyPixelRef",
        "RasterTask",
        "GPUTask",
        "ImageDecodeTask",
        "PaintSetup",
    },
    "gc": {
        "MinorGC",
        "MajorGC",
        "V8.GCScavenger",
        "V8.GCCompactor",
        "V8.GCFinalizeMC",
        "V8.GCIncrementalMarking",
        "V8.GC_MC_BACKGROUND_MARKING",
        "BlinkGC.AtomicPhase",
        "V8.GC_SCAVENGER",
        "V8.GC_MARK_COMPACTOR",
        "V8.GC_MC_INCREMENTAL",
        "ThreadState::performIdleLazySweep",
    },
}
GROUP_OF = {name: g for g, names in GROUPS.items() for name in names}
# JavaScript functions whose inclusive time is worth naming (substrings of the profile's function names).
NAMED = ("earcut", "tessellat", "parse", "compile", "commitRoot", "performWorkOnRoot", "readPixels", "draw")


# ---- CPU of Chromium's processes ------------------------------------------------------------------------


def chromium_cpu() -> Counter[str]:
    """Seconds of CPU (user + system, all threads) of each kind of Chromium process under this process."""
    tick = os.sysconf("SC_CLK_TCK")
    out: Counter[str] = Counter()
    for pid in _children(os.getpid()):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if len(cmd) < 3:  # a child process rewrites its command line as one string (setproctitle)
            cmd = b" ".join(cmd).split()
        if not cmd or b"chrom" not in cmd[0]:
            continue
        kind = next((a[7:].decode() for a in cmd if a.startswith(b"--type=")), "browser")
        if kind == "utility":
            sub = next((a.decode().split("=", 1)[1] for a in cmd if a.startswith(b"--utility-sub-type=")), "")
            kind = f"utility ({sub.rsplit('.', 1)[-1]})" if sub else kind
        out[kind] += (int(stat[11]) + int(stat[12])) / tick
    return out


# ---- the trace --------------------------------------------------------------------------------------------


def _self_times(events: list[dict]) -> Counter[str]:
    """Self time (ms) by event name on one thread: each complete event's duration less its direct children's."""
    spans = sorted(
        ((e["ts"], e["ts"] + e["dur"], e["name"]) for e in events if e.get("ph") == "X" and "dur" in e),
        key=lambda s: (s[0], -s[1]),
    )
    out: Counter[str] = Counter()
    stack: list[tuple[float, str]] = []  # (end, name) of the spans enclosing the current one
    for start, end, name in spans:
        while stack and stack[-1][0] <= start:
            stack.pop()
        out[name] += (end - start) / 1000
        if stack:
            out[stack[-1][1]] -= (end - start) / 1000
        stack.append((end, name))
    return out


def trace_summary(raw: bytes) -> dict:
    """The renderer main threads' self time by DevTools group and by event; the GPU process's main events."""
    events = json.loads(raw)
    events = events["traceEvents"] if isinstance(events, dict) else events
    pname, tname = {}, {}
    for e in events:
        if e.get("ph") == "M" and e["name"] == "process_name":
            pname[e["pid"]] = e["args"]["name"]
        if e.get("ph") == "M" and e["name"] == "thread_name":
            tname[(e["pid"], e["tid"])] = e["args"]["name"]
    by_thread: dict[tuple, list[dict]] = defaultdict(list)
    for e in events:
        if e.get("ph") == "X":
            by_thread[(e["pid"], e["tid"])].append(e)
    renderer: Counter[str] = Counter()
    gpu: Counter[str] = Counter()
    for key, evs in by_thread.items():
        proc, thread = pname.get(key[0], "?"), tname.get(key, "?")
        if proc == "Renderer" and thread == "CrRendererMain":
            renderer.update(_self_times(evs))
        elif proc == "GPU Process":
            for name, ms in _self_times(evs).items():
                gpu[f"{thread}: {name}"] += ms
    groups: Counter[str] = Counter()
    for name, ms in renderer.items():
        groups[GROUP_OF.get(name, "other")] += ms
    return {
        "renderer_groups_ms": dict(groups),
        "renderer_top_ms": renderer.most_common(14),
        "gpu_top_ms": gpu.most_common(8),
    }


# ---- the JavaScript profile -------------------------------------------------------------------------------


def _script(url: str) -> str:
    name = url.split("?")[0].rsplit("/", 1)[-1]
    return name.split(".")[0] if name else "(native or V8)"


def js_summary(profile: dict) -> dict:
    """Self time by function and by script file, and the inclusive time of ``NAMED`` functions (ms)."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    self_us: Counter[int] = Counter()
    for sample, delta in zip(profile["samples"], profile["timeDeltas"][1:] + [0], strict=True):
        self_us[sample] += delta
    by_fn: Counter[str] = Counter()
    by_file: Counter[str] = Counter()
    named: Counter[str] = Counter()
    for nid, us in self_us.items():
        cf = nodes[nid]["callFrame"]
        fn = cf["functionName"] or "(anonymous)"
        by_fn[f"{fn} [{_script(cf['url'])}]"] += us / 1000
        by_file[_script(cf["url"]) if cf["url"] else fn] += us / 1000
        # Inclusive: count this sample once for each named function on its stack.
        seen, n = set(), nid
        while n is not None:
            name = nodes[n]["callFrame"]["functionName"]
            for k in NAMED:
                if k.lower() in name.lower() and k not in seen:
                    seen.add(k)
                    named[k] += us / 1000
            n = parent.get(n)
    return {
        "js_total_ms": sum(self_us.values()) / 1000,
        "by_file_ms": by_file.most_common(10),
        "by_function_ms": by_fn.most_common(16),
        "named_inclusive_ms": dict(named),
    }


# ---- WebGL calls -----------------------------------------------------------------------------------------

# Counts, in the page, the WebGL contexts created and the calls that matter in software WebGL: compiling and
# linking (SwiftShader compiles on the CPU), the calls that wait for the GPU process (a status query, readPixels,
# finish), draws and buffer uploads (bytes).
WEBGL_COUNT_JS = """(() => {
  const n = window.__webgl = {contexts: 0, bufferBytes: 0};
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (kind, opts) {
    const had = this.__svdContext;
    const ctx = getContext.call(this, kind, opts);
    if (ctx && !had && String(kind).startsWith("webgl")) { this.__svdContext = true; n.contexts += 1; }
    return ctx;
  };
  const count = ["compileShader", "linkProgram", "getShaderParameter", "getProgramParameter", "getError",
    "readPixels", "finish", "getParameter", "drawArrays", "drawElements", "drawArraysInstanced",
    "drawElementsInstanced", "createTexture", "texImage2D", "texSubImage2D"];
  for (const proto of [WebGLRenderingContext.prototype, WebGL2RenderingContext.prototype]) {
    for (const name of count) {
      const f = proto[name];
      if (typeof f !== "function") continue;
      proto[name] = function () { n[name] = (n[name] || 0) + 1; return f.apply(this, arguments); };
    }
    for (const name of ["bufferData", "bufferSubData"]) {
      const f = proto[name];
      proto[name] = function () {
        n[name] = (n[name] || 0) + 1;
        for (const a of arguments) if (a && a.byteLength) { n.bufferBytes += a.byteLength; break; }
        return f.apply(this, arguments);
      };
    }
  }
})();"""


def webgl_counts(page) -> dict:
    try:
        return page.evaluate("() => ({...(window.__webgl || {})})")
    except Exception:  # noqa: BLE001 — a navigation in progress
        return {}


# ---- one profiled action ----------------------------------------------------------------------------------


def profiled(browser, page, name: str, action, trace_dir: Path | None = None) -> dict:
    """Run ``action()`` under the trace, the JS profiler and the process CPU counters; the raw trace and profile
    are written to ``trace_dir`` (for DevTools' Performance panel) when given."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 200})
    browser.start_tracing(categories=CATEGORIES)
    cdp.send("Profiler.start")
    page.wait_for_timeout(
        700
    )  # the profiler's start-up (~0.1–0.4 s of the renderer) before the counters start
    cpu0 = chromium_cpu()
    gl0 = webgl_counts(page)
    t = time.perf_counter()
    result = action()
    wall = time.perf_counter() - t
    profile = cdp.send("Profiler.stop")["profile"]
    cpu1 = chromium_cpu()
    gl1 = webgl_counts(page)
    raw = browser.stop_tracing()
    cdp.detach()
    if trace_dir is not None:
        stem = "".join(c if c.isalnum() else "_" for c in name.split(":")[0] + name.split("(")[-1])[:40]
        trace_dir.mkdir(parents=True, exist_ok=True)
        (trace_dir / f"{stem}.trace.json").write_bytes(raw)
        (trace_dir / f"{stem}.cpuprofile").write_text(json.dumps(profile))
    cpu = {k: round(cpu1[k] - cpu0.get(k, 0), 2) for k in cpu1 if cpu1[k] - cpu0.get(k, 0) > 0.005}
    out = {
        "action": name,
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
        "wall_s": round(wall, 3),
        "result": result,
        "cpu_s": cpu,
        "webgl_calls": {k: v - gl0.get(k, 0) for k, v in gl1.items() if v - gl0.get(k, 0)},
        **trace_summary(raw),
        **js_summary(profile),
    }
    print(f"done: {name}", file=sys.stderr, flush=True)
    return out


def table(results: list[dict]) -> str:
    """The profiles as one Markdown table: an action per column."""

    def ms(d: dict, k: str) -> str:
        return f"{d.get(k, 0):.0f}"

    def top(pairs, n=4) -> str:
        named = [
            (k, v) for k, v in pairs if not k.startswith("(")
        ]  # not (idle), (program), (garbage collector)
        return "; ".join(f"{k} {v:.0f}" for k, v in named[:n])

    rows = [
        ("load average (1 min)", lambda r: r["load_average"][0]),
        ("the harness's own measure", lambda r: ", ".join(f"{k} {v}" for k, v in r["result"].items())),
        ("CPU s: renderer", lambda r: f"{r['cpu_s'].get('renderer', 0):.2f}"),
        ("CPU s: GPU process (SwiftShader, compositor)", lambda r: f"{r['cpu_s'].get('gpu-process', 0):.2f}"),
        ("CPU s: browser process", lambda r: f"{r['cpu_s'].get('browser', 0):.2f}"),
        ("renderer main thread, ms: scripting", lambda r: ms(r["renderer_groups_ms"], "scripting")),
        ("… rendering (style, layout)", lambda r: ms(r["renderer_groups_ms"], "rendering")),
        ("… painting", lambda r: ms(r["renderer_groups_ms"], "painting")),
        ("… garbage collection", lambda r: ms(r["renderer_groups_ms"], "gc")),
        (
            "… waiting for the GPU process (WaitForGetOffset)",
            lambda r: f"{dict(r['renderer_top_ms']).get('CommandBufferProxyImpl::WaitForGetOffset', 0):.0f}",
        ),
        (
            "… profiler start (the measurement's own cost)",
            lambda r: f"{dict(r['renderer_top_ms']).get('CpuProfiler::StartProfiling', 0):.0f}",
        ),
        ("JavaScript self time by file, ms (top 4)", lambda r: top(r["by_file_ms"])),
        ("GPU process, ms (top 3)", lambda r: top(r["gpu_top_ms"], 3)),
        (
            "WebGL: contexts, programs linked, draws, buffer KB",
            lambda r: "{}, {}, {}, {:.0f}".format(
                r["webgl_calls"].get("contexts", 0),
                r["webgl_calls"].get("linkProgram", 0),
                sum(v for k, v in r["webgl_calls"].items() if k.startswith("draw")),
                r["webgl_calls"].get("bufferBytes", 0) / 1000,
            ),
        ),
    ]
    head = "| | " + " | ".join(r["action"] for r in results) + " |"
    lines = [head, "|---|" + "---|" * len(results)]
    for label, get in rows:
        lines.append(f"| {label} | " + " | ".join(str(get(r)) for r in results) + " |")
    return "\n".join(lines)


def _quiet_page(page, quiet_s: float = 1.0, timeout: float = 120) -> None:
    """Wait until the script has finished and no status widget has shown for ``quiet_s``."""
    from bench.peer import OURS_IDLE_JS, _quiet

    _quiet(page, OURS_IDLE_JS, quiet_s, timeout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8630)
    ap.add_argument("--json", type=Path, help="write every action's profile here")
    ap.add_argument("--trace-dir", type=Path, help="write each action's raw trace and JS profile here")
    ap.add_argument("--only", help="comma-separated actions: load,hot_hours,hot_months,tmp_da,tmp_months")
    args = ap.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    from playwright.sync_api import sync_playwright

    url = f"http://127.0.0.1:{args.port}"
    proc = start_app(args.port, timeout_s=180)
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            # Warm the server: the data, the caches and both pages' first runs.
            ctx = browser.new_context(viewport=VIEWPORT)
            page = ctx.new_page()
            page.goto(f"{url}/hotspots")
            _wait_map(page, time.perf_counter(), 300)
            page.goto(f"{url}/temporal")
            _quiet_page(page)
            ctx.close()

            def want(name: str) -> bool:
                return only is None or name in only

            if want("load"):
                ctx = browser.new_context(viewport=VIEWPORT)
                ctx.add_init_script(WEBGL_COUNT_JS)
                page = ctx.new_page()

                def load(page=page):
                    t = time.perf_counter()
                    page.goto(f"{url}/hotspots", wait_until="commit")
                    drawn = _wait_map(page, t)
                    _quiet_page(page)
                    return {"map_visible_s": round(drawn, 3)}

                results.append(
                    profiled(browser, page, "load → Hotspots map drawn, page idle", load, args.trace_dir)
                )
                ctx.close()
            for path, actions in (
                (
                    "hotspots",
                    [
                        ("hot_hours", "Hotspots: Time of day (fragment)", HOURS_SHOWN[4]),
                        ("hot_months", "Hotspots: sidebar Months (whole page)", None),
                    ],
                ),
                (
                    "temporal",
                    [
                        ("tmp_da", "Days and times: Domestic abuse (fragment)", "Only flagged"),
                        ("tmp_months", "Days and times: sidebar Months (whole page)", None),
                    ],
                ),
            ):
                if not any(want(a[0]) for a in actions):
                    continue
                ctx = browser.new_context(viewport=VIEWPORT)
                ctx.add_init_script(WEBGL_COUNT_JS)
                page = ctx.new_page()
                wire = _Wire(page)
                page.goto(f"{url}/{path}")
                if path == "hotspots":
                    _wait_map(page, time.perf_counter(), 120)
                _quiet_page(page)
                for key, name, option in actions:
                    if not want(key):
                        continue
                    label = "Time of day" if path == "hotspots" else "Domestic abuse"

                    def change(page=page, wire=wire, option=option, label=label):
                        if option is None:
                            last, redrawn, nbytes = months_change(page, wire)
                        else:
                            last, redrawn, nbytes = _change(page, wire, label, option)
                        return {
                            "last_message_ms": round(last * 1000),
                            "redrawn_ms": round(redrawn * 1000),
                            "bytes": nbytes,
                        }

                    results.append(profiled(browser, page, name, change, args.trace_dir))
                    _quiet_page(page)
                ctx.close()
            browser.close()
    finally:
        stop_app(proc)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
