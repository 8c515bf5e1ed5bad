"""London at scale: import of the London-wide MPS ward releases into the store, and filter changes on London maps.

Not a test. ``.venv/bin/python bench/london_scale.py [--runs 21] [--store DIR]`` prints a Markdown table:

* **import**: ``svd.londonstore.build`` in a fresh subprocess — the MPS ward releases in the data directory
  (merged by ``svd.mps``), the London geography and population (``svd.london``) and the simulated LSOA records,
  written as Parquet: wall time, CPU time, peak RSS, megabytes read (the MPS CSVs) and written;
* **server**, in another fresh subprocess that does only what a server would: open the store
  (``LondonStore``: DuckDB views over the Parquet files), build the map polygons once (``svd.maps.deck_polygons``
  for the 679 wards and 4,994 LSOAs), then change the filter ``--runs`` times, alternating between offence
  groups and 12-month periods so every run is a change. Per change: the query alone, and the query plus
  everything the server does before sending the map (class breaks, ``choropleth_rows``, the deck's JSON) —
  median and worst, the median CPU time of a change (all threads: on a shared machine wall time includes
  waiting for a core), and the message size; then the process's RSS and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OFFENCE_FILTERS = [  # (label, majors, minors): what a user switches between on the London map
    ("serious violence proxy", None, ("HOMICIDE", "VIOLENCE WITH INJURY", "RAPE", "OTHER SEXUAL OFFENCES",
                                      "ROBBERY OF PERSONAL PROPERTY")),
    ("robbery", ("ROBBERY",), None),
    ("all offences", None, None),
    ("violence against the person", ("VIOLENCE AGAINST THE PERSON",), None),
    ("possession of weapons", ("POSSESSION OF WEAPONS",), None),
]  # fmt: skip
EVENING = tuple(range(15, 21))


def _rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB, from /proc."""
    status = Path("/proc/self/status").read_text()
    field = {
        k: v.split()[0] for k, _, v in (line.partition(":") for line in status.splitlines()) if v.split()
    }
    return int(field["VmRSS"]) / 1024, int(field["VmHWM"]) / 1024


def run_import(store: str) -> dict:
    """Build the store (in this process) and report time, CPU and memory."""
    from svd import londonstore

    cpu0, t0 = time.process_time(), time.perf_counter()
    report = londonstore.build(Path(store))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "input_mb": report.input_mb,
        "output_mb": report.output_mb,
        "releases": report.releases,
        "rows": report.rows,
    }


def _deck_json(rows: list[dict]) -> str:
    import pydeck

    from svd import maps

    offsets = {
        "coordinate_system": pydeck.types.String(maps.METER_OFFSETS),
        "coordinate_origin": list(maps.ORIGIN),
    }
    layer = pydeck.Layer(
        "PolygonLayer",
        data=rows,
        get_polygon="polygon",
        get_fill_color="fill",
        opacity=round(maps.FILL_ALPHA / 255, 3),
        pickable=True,
        **offsets,
    )
    deck = maps.CompactDeck(
        layers=[layer], map_provider=None, initial_view_state=pydeck.ViewState(**maps.VIEW)
    )
    return deck.to_json()


def _map_message(polygons, values, key: str) -> int:
    """Everything the server does for the map after the query: breaks, rows, the deck's JSON; its bytes."""
    from svd import maps

    values = values.rename(columns={"offences": "count"})
    values["count"] = values["count"].astype("float64")
    breaks = maps.class_breaks(values["count"].dropna())
    rows = maps.choropleth_rows(polygons, values, key, "count", breaks)
    return len(_deck_json(rows).encode())


def run_server(store: str, runs: int) -> dict:
    """Open the store as a server would and time filter changes on the London ward and LSOA maps."""
    from svd import london, maps
    from svd import londonstore as ls

    t0 = time.perf_counter()
    s = ls.LondonStore(Path(store))
    months = s.months()
    ward_polygons = maps.deck_polygons(london.wards(), "ward_code")
    lsoa_polygons = maps.deck_polygons(london.lsoas(), "lsoa_code")
    open_s = time.perf_counter() - t0
    periods = [(months[-12], months[-1]), (months[-24], months[-13])]
    filters = []
    for i in range(runs + 1):  # the first is the warm-up (DuckDB's first query plans and reads metadata)
        _, majors, minors = OFFENCE_FILTERS[i % len(OFFENCE_FILTERS)]
        start, end = periods[(i // len(OFFENCE_FILTERS)) % 2]
        filters.append(ls.Filters(start=start, end=end, majors=majors, minors=minors))

    def timed(level: str) -> dict:
        query, total, cpu, sizes = [], [], [], []
        for i, f in enumerate(filters):
            t, c = time.perf_counter(), time.process_time()
            if level == "ward":
                values = s.ward_rates(f).rename(columns={"ward_code": "code"})
                q = time.perf_counter() - t
                size = _map_message(ward_polygons, values, "code")
            else:
                values = s.lsoa_counts(ls.Filters(**{**f.__dict__, "hours": EVENING if i % 2 else None}))
                values = values.rename(columns={"lsoa_code": "code"})
                q = time.perf_counter() - t
                size = _map_message(lsoa_polygons, values, "code")
            if i:
                query.append(q * 1000)
                total.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)  # all threads: DuckDB's too
                sizes.append(size)
        return {
            "query_ms": (statistics.median(query), max(query)),
            "total_ms": (statistics.median(total), max(total)),
            "cpu_ms": statistics.median(cpu),
            "message_kb": statistics.median(sizes) / 1024,
        }

    ward, lsoa = timed("ward"), timed("lsoa")
    rss, peak = _rss_mb()
    return {"open_s": open_s, "ward": ward, "lsoa": lsoa, "rss_mb": rss, "peak_rss_mb": peak, "runs": runs}


def _child(mode: str, store: str, runs: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--store", store, "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--store", help="folder for the store (default: a temporary folder, removed after)")
    parser.add_argument("--child", choices=["import", "server"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = run_import(args.store) if args.child == "import" else run_server(args.store, args.runs)
        print(json.dumps(result))
        return 0
    with tempfile.TemporaryDirectory(prefix="svd-london-") as tmp:
        store = args.store or tmp
        imp = _child("import", store, args.runs)
        srv = _child("server", store, args.runs)
    w, ls_ = srv["ward"], srv["lsoa"]
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["?"]
    print(f"Load average at the end (1, 5, 15 min): {', '.join(load)}")
    print(
        f"Machine: {platform.machine()}, {_cpu()}, Python {platform.python_version()}; {time.strftime('%Y-%m-%d')}"
    )
    print(f"Releases: {', '.join(imp['releases'])}; rows: {imp['rows']}\n")
    print("| measure (target) | value |")
    print("|---|---:|")
    print(
        f"| import of {len(imp['releases'])} London-wide MPS ward releases ({imp['input_mb']:.1f} MB) into the store: "
        f"wall / CPU, peak RSS, Parquet written | {imp['wall_s']:.1f} s / {imp['cpu_s']:.1f} s, "
        f"{imp['peak_rss_mb']:.0f} MB, {imp['output_mb']:.1f} MB |"
    )
    print(f"| server: open the store and build the London polygons once | {srv['open_s']:.1f} s |")
    print(
        f"| London ward map (679 wards), filter change, server-side: query / query + map message, median "
        f"(worst of {srv['runs']}) (≤ 250 ms) | {w['query_ms'][0]:.0f} ({w['query_ms'][1]:.0f}) / "
        f"{w['total_ms'][0]:.0f} ({w['total_ms'][1]:.0f}) ms, CPU {w['cpu_ms']:.0f} ms, {w['message_kb']:.0f} KB |"
    )
    print(
        f"| London LSOA map (4,994 LSOAs, simulated records), filter change: query / query + map message | "
        f"{ls_['query_ms'][0]:.0f} ({ls_['query_ms'][1]:.0f}) / {ls_['total_ms'][0]:.0f} ({ls_['total_ms'][1]:.0f}) ms, "
        f"CPU {ls_['cpu_ms']:.0f} ms, {ls_['message_kb']:.0f} KB |"
    )
    print(
        f"| server RSS after the changes; peak (≤ 1.5 GB) | {srv['rss_mb']:.0f} MB; {srv['peak_rss_mb']:.0f} MB |"
    )
    return 0


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                import os

                return f"{line.split(':', 1)[1].strip()} × {os.cpu_count()}"
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    raise SystemExit(main())
