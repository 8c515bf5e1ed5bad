"""police.uk street CSVs → records: quarantine reasons, ASB kept apart, 2021 areas by point; real-data counts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from svd import police_uk

HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
    "Last outcome category,Context"
)
MPS = "Metropolitan Police Service,Metropolitan Police Service"


def _data_dir(tmp_path: Path) -> Path:
    """A data dir with two square 2021 LSOAs, west (0.00-0.05 E) and east (0.05-0.10 E), 51.50-51.55 N."""
    root = tmp_path / "data"
    (root / "geo").mkdir(parents=True)
    (root / "crime" / "police_uk").mkdir(parents=True)

    def square(x0: float) -> dict:
        ring = [[x0, 51.5], [x0 + 0.05, 51.5], [x0 + 0.05, 51.55], [x0, 51.55], [x0, 51.5]]
        return {"type": "Polygon", "coordinates": [ring]}

    features = [
        {
            "type": "Feature",
            "geometry": square(0.0),
            "properties": {"lsoa21cd": "E01000001", "lsoa21nm": "BD 001A", "msoa21cd": "E02000001"},
        },
        {
            "type": "Feature",
            "geometry": square(0.05),
            "properties": {"lsoa21cd": "E01000002", "lsoa21nm": "BD 001B", "msoa21cd": "E02000001"},
        },
    ]
    (root / "geo" / "lsoa_2021_barking_dagenham.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    (root / "geo" / "lsoa_2021_to_ward_lookup_barking_dagenham.csv").write_text(
        "LSOA21CD,LSOA21NM,WD25CD,WD25NM,LAD25CD,LAD25NM\n"
        "E01000001,BD 001A,E05000001,West Ward,E09000002,Barking and Dagenham\n"
        "E01000002,BD 001B,E05000002,East Ward,E09000002,Barking and Dagenham\n",
        encoding="utf-8",
    )
    return root


def _write(path: Path, lines: list[str], bom: bool = False) -> Path:
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _row(crime_id: str, month: str, lon: str, lat: str, crime_type: str, outcome: str = "") -> str:
    return f"{crime_id},{month},{MPS},{lon},{lat},On or near X,E01009999,BD 099Z,{crime_type},{outcome},"


def test_street_file_records_areas_asb_and_quarantine(tmp_path):
    root = _data_dir(tmp_path)
    path = _write(
        root / "crime" / "police_uk" / "2016-01-metropolitan-street.csv",
        [
            HEADER,
            _row("abc1", "2016-01", "0.02", "51.52", "Robbery", "Under investigation"),  # 2: west
            _row("", "2016-01", "0.07", "51.52", "Anti-social behaviour"),  # 3: ASB, east
            _row("abc3", "2016-01", "0.20", "51.52", "Burglary"),  # 4: outside
            _row("abc4", "2016-01", "", "", "Burglary"),  # 5: no location
            _row("abc5", "2016/01", "0.02", "51.52", "Burglary"),  # 6: malformed month
            _row("abc6", "2016-01", "0.02", "51.52", ""),  # 7: missing crime type
            "abc7,2016-01,too,few",  # 8: wrong number of fields
            _row("abc1", "2016-01", "0.08", "51.51", "Violence and sexual offences"),  # 9: repeated ID, kept
            _row("abc9", "2016-01", "abc", "51.51", "Drugs"),  # 10: non-numeric coordinate
        ],
        bom=True,
    )
    r = police_uk.read_street_file(path, data_dir=root)
    assert r.format == "police_uk_street"
    assert (r.rows_in, r.rows_accepted, r.rows_quarantined) == (9, 3, 6)
    q = r.quarantine.set_index("row")["reason"]
    assert q[4] == "outside Barking and Dagenham"
    assert q[5] == "no location" and q[10] == "no location"
    assert "malformed month" in q[6] and "2016/01" in q[6]
    assert q[7] == "missing crime type"
    assert "wrong number of fields" in q[8]
    d = r.data
    assert list(d.columns) == police_uk.DATA_COLUMNS
    assert d["month"].dtype == "datetime64[ns]" and (d["month"] == pd.Timestamp("2016-01-01")).all()
    assert d["is_asb"].tolist() == [False, True, False]
    assert d["ward_code"].tolist() == ["E05000001", "E05000002", "E05000002"]
    assert d["lsoa_code"].tolist() == ["E01000001", "E01000002", "E01000002"]
    assert d["lsoa11_code"].tolist() == ["E01009999"] * 3  # the published 2011 code is kept beside it
    assert pd.isna(d["crime_id"].iloc[1]) and d["crime_id"].iloc[0] == "abc1"  # BOM not in the column name
    assert d["outcome"].iloc[0] == "Under investigation"
    assert r.extra["asb"] == 1 and r.extra["crimes"] == 2 and r.extra["duplicates"] == 1


def test_missing_required_columns_quarantines_every_row(tmp_path):
    root = _data_dir(tmp_path)
    path = _write(
        tmp_path / "x-street.csv", ["Crime ID,Month,Crime type", "a,2016-01,Robbery", "b,2016-01,Drugs"]
    )
    r = police_uk.read_street_file(path, data_dir=root)
    assert (r.rows_in, r.rows_accepted, r.rows_quarantined) == (2, 0, 2)
    assert all("Longitude, Latitude" in reason for reason in r.quarantine["reason"])
    assert r.data.empty and list(r.data.columns) == police_uk.DATA_COLUMNS


def test_load_street_combines_files_and_reports_missing_month(tmp_path):
    root = _data_dir(tmp_path)
    folder = root / "crime" / "police_uk"
    _write(
        folder / "2016-01-metropolitan-street.csv",
        [
            HEADER,
            _row("a", "2016-01", "0.02", "51.52", "Robbery"),
            _row("", "2016-01", "0.02", "51.52", "Anti-social behaviour"),
        ],
    )
    _write(
        folder / "2016-03-metropolitan-street.csv",
        [
            HEADER,
            _row("b", "2016-03", "0.07", "51.52", "Drugs"),
            _row("c", "2016-03", "9.0", "51.52", "Drugs"),
        ],
    )
    s = police_uk.load_street(root)
    assert (s.rows_in, s.rows_accepted, s.rows_quarantined) == (4, 3, 1)
    assert (s.asb, s.crimes) == (1, 2)
    assert s.months == ["2016-01", "2016-03"] and s.gaps == ["2016-02"]
    assert s.quarantine[["file", "row", "reason"]].values.tolist() == [
        ["2016-03-metropolitan-street.csv", 3, "outside Barking and Dagenham"]
    ]
    assert set(s.data["source_file"]) == {
        "2016-01-metropolitan-street.csv",
        "2016-03-metropolitan-street.csv",
    }
    s.data.loc[:, "crime_type"] = "changed"  # the cached load is not shared with callers
    assert "changed" not in set(police_uk.load_street(root).data["crime_type"])


# --------------------------------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_real_street_files():
    s = police_uk.load_street()
    assert len(s.files) == 23
    assert s.rows_in == 42_564 == s.rows_accepted + s.rows_quarantined
    assert s.months[0] == "2016-01" and s.months[-1] == "2017-12"
    assert s.gaps == ["2016-04"]
    for r in s.files:
        lines = sum(
            1 for line in Path(r.path).read_text(encoding="utf-8-sig").splitlines()[1:] if line.strip()
        )
        assert r.rows_in == lines
    # A handful of snap points fall just outside the 2021 boundary; nothing else is wrong in these files.
    assert s.rows_quarantined < 50
    assert set(s.quarantine["reason"]) <= {"outside Barking and Dagenham"}
    assert s.asb == 9_917 and s.asb == int(s.data["is_asb"].sum())
    assert s.crimes == s.rows_accepted - s.asb
    assert s.data.loc[s.data["is_asb"], "crime_id"].isna().all()  # police.uk gives ASB no Crime ID
    assert s.data["ward_code"].nunique() == 19 and s.data["ward_code"].notna().all()
    assert s.data["lsoa_code"].str.startswith("E01").all()
