"""The data page's computations: catalogue table, per-file import reports, quarantine, revisions, gaps, calibration."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from svd import catalogue as cat
from svd import dataquality as dq

HEADER = "MajorText,MinorText,WardName,WardCode,LookUp_BoroughName,202401,202402,202403\n"


def _dataset(path: str, fmt: str = "mps_ward", required: bool = True) -> cat.Dataset:
    return cat.Dataset(
        id="mps_ward",
        title="MPS ward",
        path=path,
        format=fmt,
        publisher="MPS",
        licence="OGL",
        attribution="",
        columns=(),
        key=None,
        rows=None,
        min_files=1,
        required=required,
    )


@pytest.fixture
def crime_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "crime" / "mps"
    folder.mkdir(parents=True)
    (folder / "MPS Ward Level Crime good.csv").write_text(
        HEADER
        + "ROBBERY,ROBBERY OF PERSONAL PROPERTY,Abbey,E05014053,Barking and Dagenham,5,6,7\n"
        + "SEXUAL OFFENCES,RAPE,Abbey,E05014053,Barking and Dagenham,1,2,3\n",
        encoding="utf-8",
    )
    # Line 3 has a non-numeric count and line 4 lacks a ward code: two rows quarantined, one accepted.
    (folder / "MPS Ward Level Crime bad.csv").write_text(
        HEADER
        + "ROBBERY,ROBBERY OF PERSONAL PROPERTY,Abbey,E05014053,Barking and Dagenham,5,6,7\n"
        + "SEXUAL OFFENCES,RAPE,Abbey,E05014053,Barking and Dagenham,1,x,3\n"
        + "SEXUAL OFFENCES,RAPE,Abbey,,Barking and Dagenham,1,2,3\n",
        encoding="utf-8",
    )
    return tmp_path


def test_import_reports_count_every_row_and_keep_the_quarantine(crime_dir: Path) -> None:
    checks = [cat.check_dataset(_dataset("crime/mps/MPS Ward Level Crime*.csv"), crime_dir)]
    reports = dq.import_reports(crime_dir, checks)
    table = dq.report_table(reports).set_index("file")
    assert list(table.index) == ["MPS Ward Level Crime bad.csv", "MPS Ward Level Crime good.csv"]
    bad, good = table.loc["MPS Ward Level Crime bad.csv"], table.loc["MPS Ward Level Crime good.csv"]
    assert (good["rows_in"], good["rows_accepted"], good["rows_quarantined"]) == (2, 2, 0)
    assert (bad["rows_in"], bad["rows_accepted"], bad["rows_quarantined"]) == (3, 1, 2)
    assert good["offences"] == 5 + 6 + 7 + 1 + 2 + 3
    assert (good["first_month"], good["last_month"], good["months"]) == ("2024-01", "2024-03", 3)
    # The dataset by the catalogue's title, the format in words: no internal id in the table.
    assert table["dataset"].eq("MPS ward").all() and table["format"].eq("MPS ward release").all()

    q = dq.quarantine_table(reports)
    assert list(q.columns) == dq.QUARANTINE_EXPORT_COLUMNS
    assert sorted(q["row"].dropna().tolist()) == [3, 4]
    assert q["file"].eq("MPS Ward Level Crime bad.csv").all() and q["dataset"].eq("MPS ward").all()
    assert any("non-numeric" in r for r in q["reason"])
    # The bad file covers the good one's months but has lost a category with its quarantined rows: as a release
    # it is incomplete, so it is set aside (a whole-file problem, no line) and counted unusable.
    whole = q[q["row"].isna()]
    assert len(whole) == 1 and "1 of the 2 offence categories" in whole["reason"].iloc[0]

    totals = dq.import_totals(reports)
    assert totals == {
        "files": 2,
        "rows_in": 5,
        "rows_accepted": 3,
        "rows_quarantined": 2,
        "unusable_files": 1,
    }


def test_unknown_file_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "junk.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    checks = [cat.check_dataset(_dataset("junk.csv"), tmp_path)]
    reports = dq.import_reports(tmp_path, checks)
    row = dq.report_table(reports).iloc[0]
    assert row["format"] == "not recognised" and not row["usable"]
    assert dq.import_totals(reports)["unusable_files"] == 1
    assert "unknown format" in dq.quarantine_table(reports)["reason"].iloc[0]
    assert dq.quarantine_table(reports)["row"].iloc[0] == 1  # the header line is named


def test_non_importer_datasets_are_left_to_the_catalogue(tmp_path: Path) -> None:
    (tmp_path / "places.csv").write_text("name\nx\n", encoding="utf-8")
    checks = [cat.check_dataset(_dataset("places.csv", fmt="csv"), tmp_path)]
    assert dq.import_reports(tmp_path, checks) == []
    assert dq.report_table([]).empty and list(dq.report_table([]).columns) == dq.REPORT_COLUMNS


def test_catalogue_table_statuses(tmp_path: Path) -> None:
    (tmp_path / "here.csv").write_text("a\n1\n", encoding="utf-8")
    ok = cat.check_dataset(_dataset("here.csv", fmt="csv"), tmp_path)
    missing = cat.check_dataset(_dataset("gone.csv", fmt="csv", required=False), tmp_path)
    wrong = cat.check_dataset(
        cat.Dataset(
            id="x",
            title="X",
            path="here.csv",
            format="csv",
            publisher="",
            licence="",
            attribution="",
            columns=("b",),
            key=None,
            rows=None,
            min_files=1,
            required=True,
        ),
        tmp_path,
    )
    t = dq.catalogue_table([ok, missing, wrong])
    assert t["status"].tolist() == ["OK", "Missing", "Problem"]
    assert t["files"].tolist() == [1, 0, 1]
    assert t["required"].tolist() == ["yes", "no", "yes"]
    assert "missing columns b" in t["problems"].iloc[2]
    # People read the title; the id is kept for the analyst, labelled as such (last column).
    assert t["dataset"].iloc[2] == "X" and t["dataset_id"].iloc[2] == "x"
    assert list(t.columns) == dq.CATALOGUE_COLUMNS and t.columns[-1] == "dataset_id"


def test_gaps_table_groups_contiguous_months() -> None:
    t = dq.gaps_table({"borough": ["2023-03", "2023-04", "2023-05", "2023-09"], "ward": []})
    assert t.to_dict("records") == [
        {"level": "borough", "first": "2023-03", "last": "2023-05", "months": 3},
        {"level": "borough", "first": "2023-09", "last": "2023-09", "months": 1},
    ]
    assert dq.gaps_table({"ward": []}).empty


def test_revisions_for_one_area_and_summary() -> None:
    rev = pd.DataFrame(
        {
            "level": ["ward", "ward", "ward"],
            "month": pd.to_datetime(["2024-02-01", "2024-01-01", "2024-01-01"]),
            "area_code": ["E09000002", "E09000002", "E09000003"],
            "area_name": ["B", "B", "C"],
            "older_vintage": ["v1", "v1", "v1"],
            "newer_vintage": ["v2", "v2", "v2"],
            "old_count": [100, 200, 50],
            "new_count": [102, 200, 40],
            "diff": [2, 0, -10],
            "pct": [2.0, 0.0, -20.0],
        }
    )
    mine = dq.revisions_for(rev, "E09000002")
    assert mine["month"].tolist() == ["2024-01", "2024-02"]
    assert list(mine.columns) == dq.REVISION_EXPORT_COLUMNS
    s = dq.revision_summary(mine)
    assert s == {"compared": 2, "revised": 1, "max_abs_pct": 2.0, "max_abs_diff": 2}
    assert dq.revision_summary(rev.iloc[0:0])["compared"] == 0
    spec = dq.revisions_chart(mine, "Revisions").to_dict()
    assert spec["title"]["text"] == "Revisions" and spec["description"]
    points = spec["layer"][1]["encoding"]
    assert points["shape"]["field"] == "pair" and points["color"]["field"] == "pair"  # never colour alone


def test_calibration_table_in_percent_and_words() -> None:
    measured = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "description": ["share 3pm-9pm", "DA share", "Wed and Fri busiest", "shape"],
            "target": [0.46, 0.30, 1.0, 1.0],
            "measured": [0.452, 0.33, 1.0, 0.0],
            "tolerance": [0.02, 0.02, 0, 0],
            "kind": ["share", "share", "check", "check"],
            "measured_on": ["x"] * 4,
            "detail": ["n=10"] * 4,
        }
    )
    t = dq.calibration_table(measured)
    assert list(t.columns) == dq.CALIBRATION_COLUMNS
    assert t["result"].tolist() == ["within tolerance", "outside tolerance", "holds", "does not hold"]
    assert t.loc[0, ["target_pct", "measured_pct", "tolerance_points"]].tolist() == [46.0, 45.2, 2.0]
    assert t.loc[2, ["target_pct", "measured_pct"]].isna().all()  # a check has no numbers to compare
    assert dq.calibration_sentence(t) == (
        "2 of 4 calibration targets are met; 2 are not (listed as 'outside tolerance' or 'does not hold')."
    )
    assert dq.calibration_sentence(t.iloc[[0, 2]]).startswith("All 2 calibration targets")


def test_result_report_joins_the_import_table() -> None:
    from svd.schema import ImportResult

    data = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"])})
    q = pd.DataFrame({"row": [3], "column": ["hour"], "reason": ["hour 25 out of range"]})
    r = dq.result_report(
        ImportResult(
            path="extract.csv", format="svd_incidents", data=data, quarantine=q, rows_in=3, rows_accepted=2
        )
    )
    row = dq.report_table([r]).iloc[0]
    assert (row["dataset"], row["rows_in"], row["rows_accepted"], row["rows_quarantined"]) == (
        dq.EXTRACT_TITLE,
        3,
        2,
        1,
    )
    assert (row["first_month"], row["last_month"]) == ("2025-01", "2025-02")
    assert dq.quarantine_table([r]).iloc[0][["row", "column"]].tolist() == [3, "hour"]


def test_vintage_table_and_revision_sentence() -> None:
    sources = [
        {
            "path": "/x/a.csv",
            "level": "ward",
            "vintage": "2024-03 to 2026-03",
            "months_used": ["2024-04", "2024-05"],
            "months_ignored": ["2024-03"],
            "rows_in": 10,
            "rows_accepted": 10,
            "rows_quarantined": 0,
        }
    ]
    v = dq.vintage_table(sources).iloc[0]
    assert (v["file"], v["months_used"], v["used_from"], v["used_to"], v["months_ignored"]) == (
        "a.csv",
        2,
        "2024-04",
        "2024-05",
        "2024-03",
    )
    assert dq.revision_sentence(
        {"compared": 0, "revised": 0, "max_abs_pct": None, "max_abs_diff": None}
    ).startswith("No month appears in two releases")
    s = dq.revision_sentence({"compared": 12, "revised": 5, "max_abs_pct": 1.234, "max_abs_diff": 7})
    assert s.startswith(
        "12 times a monthly borough total appears in two consecutive releases; the later release "
        "changed it 5 times, by at most 1.2% (7 offences)."
    )


def test_headline_counts_and_gaps() -> None:
    catalogue = pd.DataFrame({"status": ["OK", "OK", "Missing"]})
    totals = {"files": 4, "rows_in": 1234, "rows_accepted": 1233, "rows_quarantined": 1, "unusable_files": 0}
    gaps = dq.gaps_table({"borough": ["2023-03", "2023-04"]})
    s = dq.headline(catalogue, totals, gaps)
    assert s.startswith("2 of 3 catalogued datasets")
    assert "1,234 rows were read from 4 crime files and 1 was quarantined" in s
    assert "gap: 2023-03 to 2023-04" in s
    clean = dq.headline(catalogue, totals | {"rows_quarantined": 0}, dq.gaps_table({}))
    assert "none was quarantined" in clean and "gap" not in clean


@pytest.mark.realdata
def test_real_crime_files_import_cleanly() -> None:
    from svd.config import data_dir

    reports = dq.import_reports(data_dir())
    table = dq.report_table(reports)
    mps = table[table["format"].isin(["MPS ward release", "MPS borough release"])]
    assert len(mps) == 5
    assert (mps["rows_in"] == mps["rows_accepted"] + mps["rows_quarantined"]).all()
    # The 2024-03 to 2026-03 ward release's first month is partial and must be ignored, not merged.
    latest = mps[mps["file"].str.contains("2024-03 to 2026-03")].iloc[0]
    assert latest["months_ignored"] == "2024-03" and latest["months"] == 24


@pytest.mark.realdata
def test_real_borough_gap_is_reported() -> None:
    from svd.mps import load_mps

    gaps = dq.gaps_table(load_mps("borough").gaps_by_level)
    assert gaps.to_dict("records") == [
        {"level": "borough", "first": "2023-03", "last": "2023-12", "months": 10}
    ]


@pytest.mark.realdata
def test_real_simulation_meets_its_calibration() -> None:
    from svd.records import load_records
    from svd.simulate import CALIBRATION, measure

    t = dq.calibration_table(measure(load_records().data))
    assert len(t) == len(CALIBRATION)
    assert t["result"].isin(["within tolerance", "holds"]).all(), t[
        ~t["result"].isin(["within tolerance", "holds"])
    ]
