"""Server time of one filter change on the default data (the simulated records), as a server reruns it.

Not a test. ``.venv/bin/python bench/filter_change.py [--runs 15] [--page P] [--profile hotspots|temporal|london_map]``

The page is run in AppTest with one script cache for its lifetime, as the server keeps it
(``bench/benchmark.py``'s "server" measure), its caches warmed for both values of the filter; then the filter
is changed back and forth ``--runs`` times and each rerun timed: the whole app.py + page run, and the map's
or the charts' fragment alone. ``--profile`` prints a cProfile of those reruns instead (top 25 by cumulative
time).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.benchmark import HOT, TMP, _app, _by_key, _Timing  # noqa: E402

# The London map (issue 14, target ≤ 250 ms): all 679 wards, offences switched between serious violence and all.
LMAP = ("views/london_map.py", "selectbox", "lm_offences", ["all", "serious_violence"])
PAGES = {"hotspots": HOT, "temporal": TMP, "london_map": LMAP}


def measure(name: str, runs: int, profile: bool = False) -> tuple[float, float, float]:
    """(median, p90, median fragment) ms of a rerun after changing the page's filter."""
    timing = _Timing()
    timing.install()
    page, kind, key, values = PAGES[name]
    at = _app(page, True)
    for v in values * 2:
        _by_key(at, kind, key).set_value(v)
        at.run()
    times, frags = [], []
    prof = cProfile.Profile() if profile else None
    for i in range(runs):
        _by_key(at, kind, key).set_value(values[i % len(values)])
        timing.times.clear()
        if prof:
            prof.enable()
        t = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t) * 1000)
        if prof:
            prof.disable()
        frags.append(sum(ms for _, ms in timing.times))
        if at.exception:
            raise RuntimeError(at.exception[0].message)
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    times.sort()
    return statistics.median(times), times[int(0.9 * (len(times) - 1))], statistics.median(frags)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--profile", choices=list(PAGES))
    ap.add_argument("--page", choices=list(PAGES), help="measure this page only")
    args = ap.parse_args(argv)
    if args.profile:
        measure(args.profile, args.runs, profile=True)
        return 0
    print("| filter change, server side (≤ 150 ms) | median | p90 | of which the fragment (median) |")
    print("|---|---:|---:|---:|")
    for name in [args.page] if args.page else PAGES:
        med, p90, frag = measure(name, args.runs)
        print(f"| {name}: {PAGES[name][2]} | {med:.0f} ms | {p90:.0f} ms | {frag:.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
