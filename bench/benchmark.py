"""Benchmark of the tasking pages (Hotspots, Days and times) on 20k, 200k and 2M records.

Not a test: run ``.venv/bin/python bench/benchmark.py [--sizes 20000,200000,2000000] [--runs 7]`` and it prints
a Markdown table. For each size the record set is synthetic — the simulated records resampled with
replacement when ``svd.records`` can load them, else canonical frames drawn from the real LSOAs — and is put in
place by replacing ``ui.cache.records`` inside this process (AppTest runs the app in-process). Measured:

* import time of ``svd`` + the page modules' dependencies (a fresh interpreter);
* server-side time of a warm rerun after a filter change (AppTest, median of ``--runs``; the filter alternates
  between two values so each run is a real change);
* the map message size: the JSON length of the deck spec at ward and LSOA level;
* peak RSS of this process (``resource.getrusage``) after the size's runs.
"""

from __future__ import annotations

import argparse
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
    """``n`` canonical records over the real 115 LSOAs, 36 months, with hours peaking in the afternoon."""
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
    off = np.array(names, dtype=object)[rng.choice(len(names), n, p=w / w.sum())]
    return pd.DataFrame({
        "incident_id": np.arange(n).astype(str), "offence_datetime": dt, "offence_date": dt.normalize(),
        "time_known": True, "hour": pd.array(hour, dtype="Int8"), "weekday": pd.array(dt.day_of_week, dtype="Int8"),
        "month": month, "offence": off,
        "offence_group": pd.Series(off).map(lambda o: OFFENCES[o][0]).to_numpy(),
        "major_group": pd.Series(off).map(lambda o: OFFENCES[o][1]).to_numpy(),
        "domestic_abuse": rng.random(n) < 0.3, "knife": rng.random(n) < 0.08,
        "historical": pd.array(np.zeros(n, dtype=bool), dtype="boolean"),
        "lsoa_code": ls["lsoa_code"].to_numpy()[idx], "lsoa_name": ls["lsoa_name"].to_numpy()[idx],
        "ward_code": ls["ward_code"].to_numpy()[idx], "ward_name": ls["ward_name"].to_numpy()[idx],
        "latitude": pts.y.to_numpy()[idx] + rng.normal(0, 0.002, n),
        "longitude": pts.x.to_numpy()[idx] + rng.normal(0, 0.003, n),
        "source": "synthetic",
    })


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
    """Seconds to import the page dependencies in a fresh interpreter."""
    code = ("import time; t=time.perf_counter(); import streamlit, pydeck, altair; "
            "import svd.hotspots, svd.temporal, svd.maps, svd.filters, svd.stats, svd.geo; "
            "print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def _app(page: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page(page)
    at.run()
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    return at


def _by_key(at, kind: str, key: str):
    return next(w for w in getattr(at, kind) if w.key == key)


def warm_rerun_ms(page: str, kind: str, key: str, values: list, runs: int) -> float:
    """Median server-side time of a rerun after changing widget ``key`` (alternating ``values``)."""
    at = _app(page)
    for v in values:  # warm every cache for both values
        _by_key(at, kind, key).set_value(v)
        at.run()
    times = []
    for i in range(runs):
        _by_key(at, kind, key).set_value(values[i % len(values)])
        t = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t) * 1000)
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].message}")
    return statistics.median(times)


def map_sizes() -> dict[str, int]:
    """JSON length of the deck spec (what st.pydeck_chart sends) at ward and LSOA level."""
    at = _app("views/hotspots.py")
    sizes = {}
    for level in ("ward", "lsoa"):
        _by_key(at, "radio", "hs_level").set_value(level)
        at.run()
        deck = at.get("deck_gl_json_chart")[0]
        sizes[level] = len(deck.proto.json)
    return sizes


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the results table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20000,200000,2000000")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    import streamlit as st

    import ui.cache

    imp = import_time()
    rows = []
    for n in sizes:
        records, how = synthetic_records(n)
        fake = SimpleNamespace(data=records, source="simulated", label=f"Benchmark: {how}, {n:,} rows")
        ui.cache.records = lambda root, extract, _f=fake: _f  # noqa: E731 — AppTest runs in this process
        st.cache_resource.clear()
        st.cache_data.clear()
        hot = warm_rerun_ms("views/hotspots.py", "selectbox", "hs_hours",
                            ["All hours", "15:00 to 21:00 (the strategy's priority window)"], args.runs)
        tmp = warm_rerun_ms("views/temporal.py", "selectbox", "tp_da", ["All", "Only flagged"], args.runs)
        sizes_kb = map_sizes()
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append((n, how, hot, tmp, sizes_kb["ward"] / 1000, sizes_kb["lsoa"] / 1000, rss_mb))
        print(f"done {n:,}", file=sys.stderr, flush=True)

    print(f"Machine: {platform.machine()}, {platform.processor() or '?'}; Python {platform.python_version()}; "
          f"{_cpu()}; import time {imp * 1000:.0f} ms")
    print()
    print("| records | data | Hotspots warm rerun (ms, median) | Days and times warm rerun (ms, median) "
          "| map message ward (KB) | map message LSOA (KB) | peak RSS (MB) |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n, how, hot, tmp, w, lsoa, rss in rows:
        print(f"| {n:,} | {how} | {hot:.0f} | {tmp:.0f} | {w:.0f} | {lsoa:.0f} | {rss:.0f} |")
    return 0


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
