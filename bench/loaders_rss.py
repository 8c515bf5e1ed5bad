"""Where the server's memory goes: RSS after each shared loader, in a plain process calling ``ui.cache``.

Not a test. ``.venv/bin/python bench/loaders_rss.py [--warm [N]]`` (set ``SVD_CACHE_DIR`` to an empty folder to build the
snapshots in this process, or to a folder a server has filled to load them). Calls the same cached functions,
in the order the pages need them, printing the RSS each adds and the seconds it took, then the process's
anonymous and file-backed RSS and its 25 largest mappings (``/proc/self/smaps``).
"""

from __future__ import annotations

import collections
import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
logging.disable(logging.WARNING)  # cached functions outside a server warn about the missing runtime


def rss_mb() -> float:
    """The process's resident set (VmRSS), MB."""
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


# Imported one by one before the warming (``--warm``), so each library's own RSS shows: what a bare Streamlit
# server with a map and a chart imports (bench/floors.py's "a + imports"), then what the dashboard adds.
IMPORT_STEPS = (
    "streamlit",
    "numpy",
    "pandas",
    "pyarrow",
    "altair",
    "pydeck",
    "shapely",
    "pyproj",
    "geopandas",
    "scipy.special",
    "scipy.sparse",
    "ui.cache",
)


def warm_steps(top: int) -> None:
    """The server's own warming (``ui.cache.warm``, the steps ``ui/warmup.py`` runs), the RSS after each step,
    after importing ``IMPORT_STEPS`` one at a time; with ``top`` > 0 the ``top`` source lines holding most of
    the Python-allocated memory each step added (tracemalloc)."""
    import importlib
    import tracemalloc

    if top:
        tracemalloc.start(1)
    snap = tracemalloc.take_snapshot() if top else None
    prev = rss_mb()
    print("| step | RSS added (MB) | RSS (MB) |\n|---|---:|---:|")

    def row(name: str) -> None:
        nonlocal prev, snap
        now = rss_mb()
        print(f"| {name} | {now - prev:+.1f} | {now:.0f} |", flush=True)
        prev = now
        if top:
            later = tracemalloc.take_snapshot()
            for stat in later.compare_to(snap, "lineno")[:top]:
                if abs(stat.size_diff) >= 512 * 1024:
                    print(f"|   {stat.traceback[0]} | {stat.size_diff / 2**20:+.1f} | |")
            snap = later

    for module in IMPORT_STEPS:
        importlib.import_module(module)
        row(f"import {module}")
    from ui import cache

    root = cache.data_root()
    for step, _phase in cache.warm(root, None):
        row(f"warm: {step}")
    status = Path(f"/proc/{os.getpid()}/status").read_text().splitlines()
    print()
    print(
        ", ".join(
            ln.replace("\t", " ") for ln in status if ln.startswith(("VmRSS", "VmHWM", "RssAnon", "RssFile"))
        )
    )


def main() -> int:
    """Print the RSS table (``--warm [N]``: the server's warming step by step instead, see ``warm_steps``)."""
    if "--warm" in sys.argv:
        rest = sys.argv[sys.argv.index("--warm") + 1 :]
        warm_steps(int(rest[0]) if rest else 0)
        return 0
    prev = rss_mb()

    def step(name, f):
        nonlocal prev
        t = time.perf_counter()
        out = f()
        now = rss_mb()
        print(f"| {name} | {now - prev:+.0f} | {now:.0f} | {time.perf_counter() - t:.2f} |", flush=True)
        prev = now
        return out

    print("| step | RSS added (MB) | RSS (MB) | seconds |\n|---|---:|---:|---:|")
    step("import streamlit", lambda: __import__("streamlit"))
    cache = step("import ui.cache", lambda: __import__("ui.cache").cache)
    step("import the page helpers", lambda: [__import__(m) for m in ("ui.frame", "ui.filters", "ui.exports")])
    root = cache.data_root()
    step("missing_required", lambda: cache.missing_required(root))
    step("mps_ward (borough and London)", lambda: (cache.mps_ward(root), cache.mps_ward(root, None)))
    step("ward_months, ward_names", lambda: (cache.ward_months(root), cache.ward_names(root)))
    step("records (simulated)", lambda: cache.records(root, None))
    step("populations", lambda: (cache.london_populations(root), cache.ward_population(root)))
    step("mps_borough", lambda: cache.mps_borough(root))
    step("wards, lsoas", lambda: (cache.wards(root), cache.lsoas(root)))
    step("tasking_cube", lambda: cache.tasking_cube(root, None))
    step(
        "deck polygons, labels, areas",
        lambda: [cache.deck_polygons(root, lv) for lv in ("ward", "lsoa")] + [cache.map_labels(root)],
    )
    step("under_25_hours", lambda: cache.under_25_hours(root, None))
    step("data_checks", lambda: cache.data_checks(root))
    step("simulation_calibration", lambda: cache.simulation_calibration(root))
    status = Path(f"/proc/{os.getpid()}/status").read_text().splitlines()
    print()
    print(", ".join(ln.replace("\t", " ") for ln in status if ln.startswith(("VmRSS", "RssAnon", "RssFile"))))
    sizes: collections.Counter = collections.Counter()
    current = "[anon]"
    for line in Path(f"/proc/{os.getpid()}/smaps").read_text().splitlines():
        parts = line.split()
        if parts and "-" in parts[0] and not parts[0].endswith(":"):
            current = parts[5] if len(parts) > 5 else "[anon]"
        elif parts and parts[0] == "Rss:":
            sizes[current] += int(parts[1])
    for name, kb in sizes.most_common(25):
        print(f"{kb / 1024:7.1f} MB  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
