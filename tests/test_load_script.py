"""The load script's pure parts (``bench/load.py``): percentiles, the seeded think times, the extract-isolation
check and the README table. The browser run itself is a benchmark, not a test."""

from __future__ import annotations

import math
import sys

from svd.config import repo_root

sys.path.insert(0, str(repo_root() / "bench"))
import load  # noqa: E402

SIMULATED = (
    "Simulated records. The number of offences in each ward, month and offence category is the real "
    "Metropolitan Police figure; …"
)


def own(session: int) -> str:
    n = load.extract_rows(session)
    return (
        f"Simulated records in the extract {load.extract_name(session)}: {n:,} of {n:,} records say their source "
        "is simulated. The number of offences …"
    )


def test_percentile_is_the_nearest_rank():
    values = [5.0, 1.0, 4.0, 2.0, 3.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert load.percentile(values, 0.5) == 5.0  # ceil(0.5 × 10) = 5th smallest
    assert load.percentile(values, 0.95) == 10.0  # ceil(9.5) = 10th
    assert load.percentile(values, 0.9) == 9.0  # exactly 9th, no rounding up past it
    assert load.percentile([7.0], 0.95) == 7.0
    assert math.isnan(load.percentile([], 0.5))
    twenty = [float(i) for i in range(1, 21)]
    assert load.percentile(twenty, 0.95) == 19.0  # one slow action in twenty does not set the p95


def test_think_times_are_seeded_per_session_and_within_the_bounds():
    a = load.think_times(17, 3, 8, 3.0, 8.0)
    assert a == load.think_times(17, 3, 8, 3.0, 8.0)
    assert a != load.think_times(17, 4, 8, 3.0, 8.0)
    assert all(3.0 <= t <= 8.0 for t in a) and len(a) == 8


def test_each_extract_has_its_own_name_and_count():
    assert len({load.extract_rows(s) for s in range(40)}) == 40
    assert load.extract_name(4) == "load-extract-s04.csv"
    assert load.expected_marker(4) == "extract load-extract-s04.csv: 1,648 of 1,648 records"


def test_isolation_passes_when_each_session_sees_only_its_own_records():
    notices = {0: [own(0), own(0)], 1: [SIMULATED], 4: [own(4)]}
    assert load.isolation_problems(notices, {0, 4}) == []


def test_isolation_fails_when_a_session_sees_another_sessions_extract():
    problems = load.isolation_problems({0: [own(0)], 1: [own(4)], 4: [own(0)]}, {0, 4})
    assert any("session 1" in p and "load-extract-s04.csv" in p for p in problems)
    assert any("session 4" in p and "another session's extract" in p for p in problems)
    assert any("session 4" in p and "marker is missing" in p for p in problems)
    assert not any(p.startswith("session 0") for p in problems)


def test_isolation_fails_when_an_extract_is_not_in_use_or_nothing_was_seen():
    problems = load.isolation_problems({0: [SIMULATED], 1: []}, {0})
    assert problems == [
        "session 0, notice 0: its own extract's marker is missing",
        "session 1: no record notice seen, isolation not checked",
    ]
    # A count that differs (someone else's rows under the same name) is not this session's extract.
    wrong_count = own(0).replace("1,500 of 1,500", "1,537 of 1,537")
    assert load.isolation_problems({0: [wrong_count]}, {0}) == [
        "session 0, notice 0: its own extract's marker is missing"
    ]


def test_summary_counts_and_table():
    results = [
        {"action": "open hotspots", "seconds": 2.0, "outcome": "ok"},
        {"action": "hotspots: time of day", "seconds": 4.0, "outcome": "ok"},
        {"action": "data: upload extract", "seconds": 9.0, "outcome": "ok"},
        {"action": "open overview", "seconds": 30.0, "outcome": "timeout"},
        {"action": "open knife crime", "seconds": 1.0, "outcome": "error: the page shows an error"},
    ]
    s = load.summarise(
        results,
        7,
        sessions=2,
        rss_ready_mb=60.0,
        rss_peak_mb=400.0,
        mode="software WebGL",
        load_start=1.0,
        load_end=2.0,
        think=(3.0, 8.0),
        arrive=60.0,
        wall_s=100.0,
        cpu={"server": 10.0, "chromium": 30.0, "driver": 0.0, "other": 10.0, "machine_busy_s": 50.0},
        extract_sessions=1,
    )
    assert (len(s.ok), s.timeouts, len(s.errors), s.not_done) == (3, 1, 1, 2)
    assert s.changes == [4.0] and s.opens == [2.0]  # the upload is neither
    table = s.table()
    assert "| 7 / 3 / 1 / 1 / 2 |" in table
    assert "| 4.0 / 9.0 s |" in table  # p50 / p95 of the finished actions
    assert "10 s (20%) / 30 s (60%) / 0 s (0%)" in table
    assert "| 1.0 / 2.0 |" in table and "60 / **400** MB" in table
