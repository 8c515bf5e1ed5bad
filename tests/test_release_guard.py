"""Releases and rows that cannot be right are not believed: incomplete MPS releases set aside with a reason,
month-shaped and future columns reported, unknown ward codes reported, repeated police.uk Crime IDs listed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from svd import dataquality as dq
from svd import mps, police_uk, validate
from svd.config import repo_root
from tests.test_dataquality import _dataset
from tests.test_mps import _data_dir as mps_data_dir

HEADER = "MajorText,MinorText,WardName,WardCode,LookUp_BoroughName"
ROB = ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY")
VWI = ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY")
# Two B&D wards and one Havering ward, two categories: six rows per release.
WARDS = [
    ("Abbey", "E05014053", "Barking and Dagenham"),
    ("Alibon", "E05014054", "Barking and Dagenham"),
    ("Cranham", "E05013975", "Havering"),
]


def _square(x0: float) -> dict:
    ring = [[x0, 51.5], [x0 + 0.05, 51.5], [x0 + 0.05, 51.55], [x0, 51.55], [x0, 51.5]]
    return {"type": "Polygon", "coordinates": [ring]}


def _data_dir(tmp_path: Path, with_wards: bool = False) -> Path:
    root = mps_data_dir(tmp_path)  # the London boroughs' file (the same three boroughs)
    if with_wards:
        wards = [
            {"type": "Feature", "properties": {"WD22CD": code, "WD22NM": name}, "geometry": _square(0.05 * k)}
            for k, (name, code, _) in enumerate(WARDS[:2])
        ]
        (root / "geo" / "wards_2022_barking_dagenham.geojson").write_text(
            json.dumps({"type": "FeatureCollection", "features": wards}), encoding="utf-8"
        )
    return root


def _release(root: Path, name: str, months: list[str], count: int = 10, rows=None, scale=None) -> Path:
    """A ward release: every ward × category with ``count`` in each month (``scale`` multiplies a month)."""
    scale = scale or {}
    rows = rows if rows is not None else [(*cat, *ward) for ward in WARDS for cat in (ROB, VWI)]
    lines = [HEADER + "," + ",".join(months)]
    for r in rows:
        lines.append(",".join([*r, *(str(round(count * scale.get(m, 1))) for m in months)]))
    path = root / "crime" / "mps" / f"MPS Ward Level Crime {name}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _merge(root: Path) -> mps.MergeResult:
    return mps.merge_vintages(
        [mps.read_mps_file(p, data_dir=root) for p in mps.mps_files("ward", root)], data_dir=root
    )


OLD = ["202401", "202402", "202403", "202404"]
NEW = ["202402", "202403", "202404", "202405"]


def test_complete_releases_all_merge(tmp_path):
    root = _data_dir(tmp_path)
    _release(root, "a", OLD)
    _release(root, "b", NEW, scale={"202403": 0.99})  # revised down by 1%: within the band
    merged = _merge(root)
    assert merged.set_aside == [] and merged.problems() == []
    assert merged.table["month"].nunique() == 5


def test_truncated_newer_release_is_set_aside_and_the_older_one_used(tmp_path):
    root = _data_dir(tmp_path)
    _release(root, "a", OLD)
    full = [(*cat, *ward) for ward in WARDS for cat in (ROB, VWI)]
    _release(root, "b", NEW, rows=full[:1])  # one row of six: Abbey robbery only
    merged = _merge(root)
    assert [Path(s["path"]).name for s in merged.set_aside] == ["MPS Ward Level Crime b.csv"]
    reason = merged.set_aside[0]["reason"]
    assert "no rows for 1 of the 2 boroughs in the 2024-01 to 2024-04 release (Havering)" in reason
    assert "Barking and Dagenham has 1 wards against 2" in reason
    assert "1 of the 2 offence categories" in reason
    assert "London total for 2024-02 is 83.3% below" in reason  # 10 against 60
    # Nothing of b is merged: the table is a.csv alone, and no revision compares against b.
    assert set(merged.table["vintage"]) == {"2024-01 to 2024-04"}
    assert merged.table["month"].nunique() == 4 and merged.revisions.empty
    by_vintage = {s["vintage"]: s for s in merged.sources}
    assert by_vintage["2024-02 to 2024-05"]["months_used"] == []
    assert by_vintage["2024-02 to 2024-05"]["reason"] == reason
    assert merged.problems()[0]["file"] == "MPS Ward Level Crime b.csv"


def test_a_month_revised_down_beyond_the_band_sets_the_release_aside(tmp_path):
    root = _data_dir(tmp_path)
    _release(root, "a", OLD, count=100)
    _release(root, "b", NEW, count=100, scale={"202403": 0.95})
    merged = _merge(root)
    assert len(merged.set_aside) == 1
    assert (
        "London total for 2024-03 is 5.0% below the 2024-01 to 2024-04 release (570 against 600"
        in (merged.set_aside[0]["reason"])
    )


def test_a_newer_release_may_revise_up_and_add_categories(tmp_path):
    root = _data_dir(tmp_path)
    _release(root, "a", OLD, rows=[(*ROB, *w) for w in WARDS])
    _release(root, "b", NEW, scale={"202403": 1.5})
    assert _merge(root).set_aside == []


def test_release_without_overlap_must_have_every_borough_and_category(tmp_path):
    root = _data_dir(tmp_path)
    _release(root, "a", OLD)
    _release(root, "c", ["202407", "202408"], rows=[(*cat, *WARDS[2]) for cat in (ROB, VWI)])  # Havering only
    merged = _merge(root)
    assert len(merged.set_aside) == 1 and merged.set_aside[0]["vintage"] == "2024-07 to 2024-08"
    assert "Barking and Dagenham" in merged.set_aside[0]["reason"]
    assert merged.gaps == []  # a set-aside release opens no gap


def test_oldest_release_is_judged_against_the_boundary_files(tmp_path):
    root = _data_dir(tmp_path)
    _release(root, "a", OLD, rows=[(*cat, *w) for w in WARDS[:2] for cat in (ROB, VWI)])  # no Havering
    merged = mps.load_mps("ward", data_dir=root)
    assert len(merged.set_aside) == 1
    assert (
        "no rows for 1 of the 2 boroughs in the London boundary files (Havering)"
        in merged.set_aside[0]["reason"]
    )
    assert merged.table.empty


def test_future_and_malformed_month_columns_are_reported_and_not_read(tmp_path):
    root = _data_dir(tmp_path)
    path = _release(root, "a", ["202401", "202402", "202413", "2026-04", "209901"])
    r = mps.read_mps_file(path, data_dir=root)
    assert sorted(f"{m:%Y-%m}" for m in r.data["month"].unique()) == ["2024-01", "2024-02"]
    assert r.extra["vintage"] == "2024-01 to 2024-02"
    problems = {p["column"]: p["reason"] for p in r.extra["file_problems"]}
    assert set(problems) == {"202413", "2026-04", "209901"}
    assert "later than the current month" in problems["209901"]
    assert "not a valid YYYYMM month" in problems["202413"]
    assert (r.rows_in, r.rows_accepted) == (6, 6)  # the rows themselves are good


def test_validate_reports_month_problems_and_a_set_aside_release(tmp_path, monkeypatch):
    root = _data_dir(tmp_path)
    monkeypatch.setenv("SVD_DATA_DIR", str(root))
    _release(root, "a", OLD)
    new = tmp_path / "MPS Ward Level Crime new.csv"  # checked before it is copied into the folder
    new.write_text(HEADER + ",202402,202403,209901\n" + ",".join([*ROB, *WARDS[0], "1", "1", "1"]) + "\n")
    report = validate.validate_file(new)
    assert report["set_aside"].startswith("set aside as incomplete:")
    reasons = [p["reason"] for p in report["problems"]]
    assert reasons[0] == report["set_aside"]
    assert any("2099-01 is later than the current month" in r for r in reasons)
    assert not validate.usable(report)
    out = subprocess.run(
        [sys.executable, "-m", "svd", "validate", str(new)],
        capture_output=True,
        text=True,
        cwd=repo_root(),
        env={**os.environ, "SVD_DATA_DIR": str(root)},
    )
    assert out.returncode == 1 and "set aside as incomplete" in out.stdout and "Traceback" not in out.stderr


def test_data_page_reports_mark_the_set_aside_release(tmp_path):
    from svd import catalogue as cat

    root = _data_dir(tmp_path)
    _release(root, "a", OLD)
    _release(root, "b", NEW, rows=[(*ROB, *WARDS[0])])
    ds = _dataset("crime/mps/MPS Ward Level Crime*.csv")
    reports = dq.import_reports(root, [cat.check_dataset(ds, root)])
    by_file = {Path(r["path"]).name: r for r in reports}
    assert "set_aside" not in by_file["MPS Ward Level Crime a.csv"]
    assert by_file["MPS Ward Level Crime b.csv"]["set_aside"].startswith("set aside")
    assert dq.import_totals(reports)["unusable_files"] == 1
    notes = dq.set_aside_notes(_merge(root).set_aside)
    assert len(notes) == 1 and "MPS Ward Level Crime b.csv" in notes[0] and str(root) not in notes[0]
    table = dq.vintage_table(_merge(root).sources)
    assert table.set_index("file").loc["MPS Ward Level Crime b.csv", "set_aside"].startswith("set aside")


def test_unknown_ward_code_of_the_borough_is_reported_with_its_line(tmp_path):
    root = _data_dir(tmp_path, with_wards=True)
    rows = [(*ROB, *w) for w in WARDS] + [(*ROB, "Nowhere", "E05099999", "Barking and Dagenham")]
    r = mps.read_mps_file(_release(root, "a", OLD, rows=rows), data_dir=root)
    problems = r.extra["file_problems"]
    assert len(problems) == 1  # Cranham is Havering's: not checked against B&D's boundaries
    assert problems[0]["row"] == 5 and problems[0]["column"] == "WardCode"
    assert "unknown ward code 'E05099999'" in problems[0]["reason"] and "lines 5" in problems[0]["reason"]


# ------------------------------------------------------------------------------------------------ police.uk


def _street_dir(tmp_path: Path) -> Path:
    root = tmp_path / "pdata"
    (root / "geo").mkdir(parents=True)
    features = [
        {
            "type": "Feature",
            "geometry": _square(0.0),
            "properties": {"lsoa21cd": "E01000001", "lsoa21nm": "BD 001A", "msoa21cd": "E02000001"},
        }
    ]
    (root / "geo" / "lsoa_2021_barking_dagenham.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    (root / "geo" / "lsoa_2021_to_ward_lookup_barking_dagenham.csv").write_text(
        "LSOA21CD,LSOA21NM,WD25CD,WD25NM,LAD25CD,LAD25NM\n"
        "E01000001,BD 001A,E05000001,West Ward,E09000002,Barking and Dagenham\n",
        encoding="utf-8",
    )
    return root


def test_police_uk_future_month_quarantined_and_repeated_crime_ids_listed(tmp_path):
    root = _street_dir(tmp_path)
    head = (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
        "Last outcome category,Context"
    )

    def row(cid: str, month: str) -> str:
        return f"{cid},{month},MPS,MPS,0.01,51.52,On or near X,E01009999,BD 099Z,Robbery,,"

    path = tmp_path / "2024-01-metropolitan-street.csv"
    path.write_text(
        "\n".join(
            [head, row("aa", "2024-01"), row("bb", "2024-01"), row("aa", "2024-01"), row("cc", "2099-01")]
        )
        + "\n"
    )
    r = police_uk.read_street_file(path, data_dir=root)
    assert (r.rows_in, r.rows_accepted, r.rows_quarantined) == (4, 3, 1)
    q = r.quarantine.iloc[0]
    assert (q["row"], q["column"]) == (5, "Month") and "later than the current month" in q["reason"]
    assert r.data["month"].max() == pd.Timestamp("2024-01-01")
    dups = r.extra["file_problems"]
    assert dups == [
        {"row": 2, "column": "Crime ID", "reason": "Crime ID 'aa' appears on 2 rows (lines 2, 4)"},
    ]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SVD_DATA_DIR", str(root))
        report = validate.validate_file(path)
    assert any(p["reason"].startswith("Crime ID 'aa'") for p in report["problems"])


# ------------------------------------------------------------------------------------------------ real data


@pytest.mark.realdata
def test_real_releases_all_merge_and_a_truncated_copy_is_set_aside(tmp_path):
    from svd.config import data_dir

    real = data_dir()
    for level in mps.LEVELS:
        assert mps.load_mps(level).set_aside == [], level
    root = tmp_path / "data"
    root.mkdir()
    for sub in ("geo", "population"):
        (root / sub).symlink_to(real / sub)
    (root / "crime" / "mps").mkdir(parents=True)
    for p in mps.mps_files("ward", real) + mps.mps_files("borough", real):
        (root / "crime" / "mps" / p.name).symlink_to(p)
    newest = max(mps.mps_files("ward", real), key=lambda p: mps.read_mps_file(p).extra["last_month"])
    lines = newest.read_text(encoding="utf-8-sig").splitlines()
    # Named as a release of its own: the first 30 rows of the newest one.
    trunc = (
        root
        / "crime"
        / "mps"
        / newest.name.replace("(most recent 24 months)", "(most recent 24 months) copy")
    )
    trunc.write_text("\n".join(lines[:31]) + "\n", encoding="utf-8")
    shutil.copystat(newest, trunc)

    merged = mps.load_mps("ward", data_dir=root)
    assert [Path(s["path"]).name for s in merged.set_aside] == [trunc.name]
    assert merged.set_aside[0]["reason"].startswith("set aside as incomplete")

    def summary(d: Path) -> dict:
        out = subprocess.run(
            [sys.executable, "-m", "svd", "summary", "--json"],
            capture_output=True,
            text=True,
            cwd=repo_root(),
            env={**os.environ, "SVD_DATA_DIR": str(d)},
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    with_copy, without = summary(root), summary(real)
    assert [p["file"] for p in with_copy.pop("problems")] == [trunc.name]
    assert without.pop("problems") == []
    assert with_copy == without
    assert with_copy["months_available"] == len(
        {m for p in mps.mps_files("ward", real) for m in mps.read_mps_file(p).extra["months"]}
    )
