"""The command line: exit codes, JSON shape, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from svd import cli
from svd.config import repo_root


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "svd", *args], cwd=repo_root(), capture_output=True, text=True, timeout=300
    )


def test_validate_bad_file_exits_1_without_traceback(tmp_path):
    f = tmp_path / "junk.csv"
    f.write_text("hello,world\n1,2\n")
    p = run("validate", str(f), "--json")
    assert p.returncode == 1
    assert "Traceback" not in p.stderr + p.stdout
    report = json.loads(p.stdout)["files"][0]
    assert set(report) >= {
        "path",
        "format",
        "rows_in",
        "rows_accepted",
        "rows_quarantined",
        "months",
        "months_ignored",
        "offences",
        "problems",
    }
    assert report["format"] == "unknown"


def test_unexpected_error_is_one_line(monkeypatch, capsys):
    import svd.validate

    def boom(path):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(svd.validate, "validate_file", boom)
    assert cli.main(["validate", "anything.csv"]) == 1
    assert capsys.readouterr().err.strip() == "error: disk on fire"


@pytest.mark.realdata
def test_summary_json_real_data():
    p = run("summary", "--json")
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert s["borough_code"] == "E09000002"
    assert s["latest_month"] == "2026-03" and s["months_available"] == 36
    assert len(s["by_ward_serious_violence_12m"]) == 19
    assert sum(s["by_ward_serious_violence_12m"].values()) == s["serious_violence_12m"]
    parts = s["violence_with_injury_12m"] + s["rape_12m"] + s["other_sexual_12m"] + s["robbery_personal_12m"]
    assert parts <= s["serious_violence_12m"]  # the rest is homicide
    assert s["rate_per_1000_serious_violence_12m"] > 0 and s["london_rate_per_1000_serious_violence_12m"] > 0


@pytest.mark.realdata
def test_validate_real_files_exit_0():
    from svd.config import data_dir

    files = sorted((data_dir() / "crime" / "mps").glob("MPS Ward*.csv"))
    p = run("validate", *map(str, files), "--json")
    assert p.returncode == 0, p.stderr
    reports = json.loads(p.stdout)["files"]
    latest = next(r for r in reports if "2024-03 to 2026-03" in r["path"])
    assert latest["months_ignored"] == ["2024-03"]
    for r in reports:
        assert r["rows_in"] == r["rows_accepted"] + r["rows_quarantined"]


@pytest.mark.realdata
@pytest.mark.slow
def test_simulate_then_validate_accepts_every_row(tmp_path):
    out = tmp_path / "x.csv"
    p = run("simulate", "--out", str(out))
    assert p.returncode == 0, p.stderr
    p = run("validate", str(out), "--json")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)["files"][0]
    assert report["format"] == "svd_incidents"
    assert report["rows_in"] == report["rows_accepted"] > 30000
    assert report["rows_quarantined"] == 0 and report["problems"] == []


@pytest.mark.realdata
@pytest.mark.slow
def test_hotspots_json_real_data():
    """Every ward with its Gi* z, p, BH q and label, and its emerging label; the counts are the records' latest
    12 months of serious violence (simulated here: the ward totals are the real MPS ones)."""
    from svd import stats

    p = run("hotspots", "--level", "ward", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["level"] == "ward" and r["source"] == "simulated" and len(r["areas"]) == 19
    assert "Benjamini–Hochberg FDR 5%" in r["gi_method"] and "quasi-Poisson" in r["emerging_method"]
    a = r["areas"][0]
    assert set(a) >= {"code", "name", "count", "gi_z", "gi_p", "gi_q", "hotspot", "emerging", "emerging_q"}
    qs = stats.benjamini_hochberg([x["gi_p"] for x in r["areas"]])
    assert [x["gi_q"] for x in r["areas"]] == pytest.approx(qs.tolist(), abs=1e-5)
    for x in r["areas"]:
        assert x["hotspot"] in stats.HOTSPOT_LABELS and x["emerging"] in stats.EMERGING_LABELS
        assert (x["hotspot"] != "Not significant") == (x["gi_q"] <= 0.05)
    summary = json.loads(run("summary", "--json").stdout)["by_ward_serious_violence_12m"]
    assert {x["code"]: x["count"] for x in r["areas"]} == summary
    assert run("hotspots", "--level", "county").returncode != 0


@pytest.mark.realdata
@pytest.mark.slow
def test_hotspots_reads_the_extract_named_by_svd_extract(tmp_path):
    """With SVD_EXTRACT set, the areas are counted from that extract and the report says so."""
    import os

    import pandas as pd

    generated = tmp_path / "generated.csv"
    assert run("simulate", "--out", str(generated)).returncode == 0
    # A simulated file stays simulated when loaded (svd.records); the same rows marked as an extract are one.
    extract = tmp_path / "extract.csv"
    pd.read_csv(generated, dtype=str).assign(source="extract").to_csv(extract, index=False)
    env = dict(os.environ, SVD_EXTRACT=str(extract))
    p = subprocess.run(
        [sys.executable, "-m", "svd", "hotspots", "--level", "lsoa", "--json"],
        cwd=repo_root(),
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["source"] == "partnership extract" and "extract.csv" in r["source_label"]
    assert len(r["areas"]) == 115 and sum(a["count"] for a in r["areas"]) > 0


def _commands() -> list[str]:
    import argparse

    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


@pytest.mark.parametrize("argv", [["--help"], *[[name, "--help"] for name in _commands()]])
def test_every_help_text_prints(argv, capsys):
    """argparse formats each help string with %: a stray '%' crashes ``--help`` with a traceback."""
    with pytest.raises(SystemExit) as stop:
        cli.build_parser().parse_args(argv)
    assert stop.value.code == 0
    assert "usage:" in capsys.readouterr().out
