"""Where each page's memory goes: RSS, CPU and the packages each page imports, every page of the route list.

Not a test. ``.venv/bin/python bench/pages_rss.py [--no-warm] [--tracemalloc N]``

One process runs the whole app under Streamlit's AppTest (app.py, then each page of ``svd.overview.PAGE_FILES``,
the route list app.py is checked against, plus Hotspots at LSOA level), as one server would for one visitor. After
each page it prints the RSS it added, the CPU seconds its run took, and the top-level packages it imported first
(a heavy optional package imported by a page that does not need it shows here). ``--no-warm`` skips waiting for
the start-up warming thread after the Overview (so its loads are counted on the pages that need them);
``--pages hotspots temporal`` opens only those pages after the Overview; ``--tracemalloc N`` also lists the N source lines holding most of the Python-allocated memory each page added
(slow: run it for attribution, not for timings). Set ``SVD_CACHE_DIR`` to a folder a server has filled to
measure a restart.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
logging.disable(logging.WARNING)  # cached functions outside a page run warn about the missing context


def rss_mb() -> float:
    """The process's resident set (VmRSS), MB."""
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def hwm_mb() -> float:
    """The process's peak resident set (VmHWM), MB."""
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0


def route_pages() -> list[tuple[str, str]]:
    """(label, page file) for every page of the route list, and Hotspots again at LSOA level."""
    from svd.overview import PAGE_FILES

    out = [(url or "/", f) for url, f in PAGE_FILES.items()]
    out.append(("hotspots?hs_level=lsoa", PAGE_FILES["hotspots"]))
    return out


def _packages() -> set[str]:
    return {m.split(".")[0] for m in sys.modules}


def main(argv: list[str] | None = None) -> int:
    """Print one row per page."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-warm", action="store_true", help="do not wait for the warming thread")
    ap.add_argument("--tracemalloc", type=int, default=0, metavar="N")
    ap.add_argument(
        "--pages",
        nargs="*",
        help="only these pages after the Overview (labels as printed, e.g. hotspots temporal: bench/peer.py's visit)",
    )
    args = ap.parse_args(argv)
    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start(1)
    from streamlit.testing.v1 import AppTest

    from ui import warmup

    print(
        "| page | RSS added (MB) | RSS (MB) | CPU (s) | packages imported first |\n|---|---:|---:|---:|---|"
    )
    prev_rss, prev_pk = rss_mb(), _packages()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    snap = tracemalloc.take_snapshot() if args.tracemalloc else None
    for label, page_file in route_pages():
        if args.pages is not None and label != "/" and label not in args.pages:
            continue
        cpu0 = time.process_time()
        if label == "/":
            at.run()
            if not args.no_warm:
                warmup.wait(600)
        else:
            if label.startswith("hotspots?"):
                at.query_params["hs_level"] = "lsoa"
            at.switch_page(page_file)
            at.run()
        problems = [e.message for e in at.exception] + [e.value for e in at.error]
        now, pk = rss_mb(), _packages()
        new = sorted(pk - prev_pk)
        print(
            f"| {label} | {now - prev_rss:+.0f} | {now:.0f} | {time.process_time() - cpu0:.2f} | "
            f"{', '.join(new) or '–'}{' **errors: ' + str(problems)[:200] + '**' if problems else ''} |",
            flush=True,
        )
        if args.tracemalloc:
            later = tracemalloc.take_snapshot()
            for stat in later.compare_to(snap, "lineno")[: args.tracemalloc]:
                print(f"|   | {stat.size_diff / 2**20:+.1f} |  |  | {stat.traceback[0]} |")
            snap = later
        prev_rss, prev_pk = now, pk
    print(f"\nRSS at the end {rss_mb():.0f} MB, peak (VmHWM) {hwm_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
