"""Incident format v1: the column description, its docs and template, and import with quarantine reasons."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from svd import incidents
from svd.config import definitions_dir, repo_root
from svd.incidents import CANONICAL_COLUMNS, COLUMN_NAMES, PLACE_REASON, read_incidents

HEADER = ",".join(COLUMN_NAMES)


def tiny_data_dir(root: Path) -> Path:
    """Two square LSOAs side by side (lon 0.00-0.01 and 0.01-0.02, lat 51.50-51.51) in two wards."""
    (root / "geo").mkdir(parents=True)
    feats = []
    for i, (code, x0) in enumerate((("E01000001", 0.0), ("E01000002", 0.01))):
        ring = [[x0, 51.50], [x0 + 0.01, 51.50], [x0 + 0.01, 51.51], [x0, 51.51], [x0, 51.50]]
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "lsoa21cd": code,
                    "lsoa21nm": f"Tiny 00{i + 1}A",
                    "msoa21cd": "E02000001",
                    "msoa21nm": "Tiny 001",
                    "lad22cd": "E09000002",
                    "lad22nm": "Tiny",
                },
            }
        )
    (root / "geo" / "lsoa_2021_barking_dagenham.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": feats})
    )
    (root / "geo" / "lsoa_2021_to_ward_lookup_barking_dagenham.csv").write_text(
        "LSOA21CD,LSOA21NM,WD25CD,WD25NM,LAD25CD,LAD25NM\n"
        "E01000001,Tiny 001A,E05000001,West,E09000002,Tiny\n"
        "E01000002,Tiny 002A,E05000002,East,E09000002,Tiny\n"
    )
    return root


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return tiny_data_dir(tmp_path / "data")


def row(**kw) -> str:
    """One CSV line of format v1: a valid personal robbery in E01000001 unless overridden."""
    base = {
        "incident_id": "X1", "offence_datetime": "2024-05-17T15:40", "reported_date": "2024-05-17",
        "mps_major": "ROBBERY", "mps_minor": "ROBBERY OF PERSONAL PROPERTY", "offence": "personal_robbery",
        "domestic_abuse": "false", "knife": "true", "firearm": "false", "corrosive": "false", "historical": "false",
        "lsoa21_code": "E01000001", "latitude": "", "longitude": "", "location_type": "street", "victim_age": "15",
        "victim_sex": "male", "suspect_age": "16", "suspect_sex": "male", "relationship": "stranger",
        "suspects_count": "3", "source": "test",
    }  # fmt: skip
    base.update(kw)
    return ",".join(f'"{base[c]}"' if "," in base[c] else base[c] for c in COLUMN_NAMES)


# The hand-written extract: template header + 20 rows, 15 of them with one deliberate fault each.
# (line number, row, expected reason fragment or None when the row is good)
EXTRACT = [
    (2, row(incident_id="G1"), None),
    (
        3,
        row(incident_id="G2", offence_datetime="2024-05-18", reported_date="2024-05-18", victim_sex="Female"),
        None,
    ),
    (4, row(incident_id="G3", lsoa21_code="", latitude="51.505", longitude="0.015"), None),
    (
        5,
        row(incident_id="G4", domestic_abuse="Y", knife="no", firearm="1", corrosive="0", historical="TRUE"),
        None,
    ),
    (6, row(incident_id="G5", offence_datetime="2024-07-01T14:30Z", reported_date="2024-07-02"), None),
    (7, row(incident_id=""), "incident_id is empty but required"),
    (8, row(incident_id="G1"), "duplicate incident_id (first at line 2)"),
    (
        9,
        row(incident_id="B3", offence_datetime="17/05/2024 15:40"),
        "offence_datetime '17/05/2024 15:40' is not valid",
    ),
    (10, row(incident_id="B4", offence_datetime="2024-02-30"), "offence_datetime '2024-02-30' is not valid"),
    (11, row(incident_id="B5", mps_minor="RAPE"), "pair is not an MPS category"),
    (12, row(incident_id="B6", mps_major="THEFTS"), "mps_major 'THEFTS' is not allowed"),
    (13, row(incident_id="B7", offence="murder"), "offence 'murder' is not allowed"),
    (14, row(incident_id="B8", domestic_abuse="maybe"), "domestic_abuse 'maybe' is not valid"),
    (15, row(incident_id="B9", victim_age="-3"), "victim_age '-3' is not allowed"),
    (16, row(incident_id="B10", victim_age="12.5"), "victim_age '12.5' is not valid"),
    (17, row(incident_id="B11", lsoa21_code="E01999999"), PLACE_REASON),
    (18, row(incident_id="B12", lsoa21_code="", latitude="52.0", longitude="0.015"), PLACE_REASON),
    (19, row(incident_id="B13", reported_date="2024-05-01"), "reported_date is before the offence date"),
    (20, row(incident_id="B14", location_type="home"), "location_type 'home' is not allowed"),
    (21, row(incident_id="B15", suspects_count="three"), "suspects_count 'three' is not valid"),
]


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    template = (definitions_dir() / "templates" / "incidents_template.csv").read_text().splitlines()[0]
    path = tmp_path / "extract.csv"
    path.write_text("\n".join([template] + [r for _, r, _ in EXTRACT]) + "\n")
    return path


def test_hand_written_extract_quarantines_exactly_the_faulty_rows(extract, tiny):
    result = read_incidents(extract, data_dir=tiny)
    assert result.format == "svd_incidents"
    assert (result.rows_in, result.rows_accepted, result.rows_quarantined) == (20, 5, 15)
    q = result.quarantine.set_index("row")["reason"]
    for line, _, reason in EXTRACT:
        if reason is None:
            assert line not in q.index
        else:
            assert reason in q[line], (line, q.get(line))
    assert list(result.data["incident_id"]) == ["G1", "G2", "G3", "G4", "G5"]
    assert result.extra["duplicates"] == [{"incident_id": "G1", "lines": [2, 8]}]


@pytest.mark.parametrize("chunk_rows", [3, 6, 19])
def test_a_big_csv_read_in_chunks_gives_the_whole_file_result(extract, tiny, chunk_rows):
    # Line 8 repeats line 2's id: with chunks of 3 or 6 rows the two are in different chunks.
    whole = read_incidents(extract, data_dir=tiny)
    chunked = read_incidents(extract, data_dir=tiny, chunk_rows=chunk_rows)
    pd.testing.assert_frame_equal(chunked.data, whole.data)
    pd.testing.assert_frame_equal(chunked.quarantine, whole.quarantine)
    assert (chunked.rows_in, chunked.rows_accepted, chunked.extra) == (20, 5, whole.extra)


def test_accepted_rows_are_canonical(extract, tiny):
    data = read_incidents(extract, data_dir=tiny).data.set_index("incident_id")
    assert list(data.reset_index().columns) == CANONICAL_COLUMNS
    # A date alone keeps the time unknown: no invented midnight.
    assert not data.loc["G2", "time_known"] and pd.isna(data.loc["G2", "hour"])
    assert pd.isna(data.loc["G2", "offence_datetime"]) and data.loc["G2", "offence_date"] == pd.Timestamp(
        "2024-05-18"
    )
    assert data.loc["G1", "hour"] == 15 and data.loc["G1", "weekday"] == 4  # Friday
    assert data.loc["G2", "victim_sex"] == "female"
    # Placed by point-in-polygon when there is no LSOA code; ward from the lookup.
    assert (data.loc["G3", "lsoa_code"], data.loc["G3", "ward_name"]) == ("E01000002", "East")
    assert (data.loc["G1", "ward_code"], data.loc["G1", "lsoa_name"]) == ("E05000001", "Tiny 001A")
    assert data.loc["G4", ["domestic_abuse", "knife", "firearm", "corrosive", "historical"]].tolist() == [
        True,
        False,
        True,
        False,
        True,
    ]
    # 14:30 UTC on 1 July is 15:30 London time.
    assert data.loc["G5", "hour"] == 15
    assert data.loc["G1", "month"] == pd.Timestamp("2024-05-01")
    assert data.loc["G1", "offence_group"] == "Personal robbery" and data.loc["G1", "serious_violence_proxy"]
    assert str(data["domestic_abuse"].dtype) == "boolean" and str(data["hour"].dtype) == "Int8"
    assert list(data["offence"].cat.categories) == list(incidents.OFFENCES)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("true", True),
        ("TRUE", True),
        ("yes", True),
        ("Y", True),
        ("1", True),
        ("false", False),
        ("No", False),
        ("n", False),
        ("0", False),
        ("", None),
    ],
)
def test_booleans(tmp_path, tiny, text, expected):
    path = tmp_path / "b.csv"
    path.write_text(HEADER + "\n" + row(knife=text) + "\n")
    value = read_incidents(path, data_dir=tiny).data["knife"].iloc[0]
    assert pd.isna(value) if expected is None else value == expected


def test_recording_month_comes_from_reported_date(tmp_path, tiny):
    path = tmp_path / "h.csv"
    path.write_text(HEADER + "\n" + row(offence_datetime="2009-06-01", reported_date="2024-05-21") + "\n")
    data = read_incidents(path, data_dir=tiny).data
    assert data["month"].iloc[0] == pd.Timestamp("2024-05-01")
    assert data["offence_date"].iloc[0] == pd.Timestamp("2009-06-01")


def test_missing_optional_columns_are_listed_and_empty(tmp_path, tiny):
    path = tmp_path / "min.csv"
    path.write_text(
        "incident_id,offence_datetime,mps_major,mps_minor,lsoa21_code\n"
        "M1,2024-01-02T03:04,SEXUAL OFFENCES,RAPE,E01000002\n"
    )
    result = read_incidents(path, data_dir=tiny)
    assert result.rows_accepted == 1
    assert "domestic_abuse" in result.extra["missing_optional_columns"]
    assert "incident_id" not in result.extra["missing_optional_columns"]
    assert (
        result.data["domestic_abuse"].isna().all() and str(result.data["domestic_abuse"].dtype) == "boolean"
    )
    assert list(result.data.columns) == CANONICAL_COLUMNS
    assert result.data["source"].iloc[0] == "extract"


def test_missing_required_column_quarantines_every_row(tmp_path, tiny):
    path = tmp_path / "noid.csv"
    path.write_text(
        "offence_datetime,mps_major,mps_minor,lsoa21_code\n2024-01-02,SEXUAL OFFENCES,RAPE,E01000002\n"
        "2024-01-03,SEXUAL OFFENCES,RAPE,E01000002\n"
    )
    result = read_incidents(path, data_dir=tiny)
    assert (result.rows_in, result.rows_accepted, result.rows_quarantined) == (2, 0, 2)
    assert result.quarantine["reason"].str.contains("no incident_id column").all()
    assert list(result.data.columns) == CANONICAL_COLUMNS


def test_blank_lines_keep_line_numbers(tmp_path, tiny):
    path = tmp_path / "blank.csv"
    path.write_text(
        HEADER + "\n" + row(incident_id="A") + "\n\n" + row(incident_id="B", victim_age="x") + "\n"
    )
    result = read_incidents(path, data_dir=tiny)
    assert result.rows_in == 2
    assert result.quarantine["row"].tolist() == [4]


def test_excel_extract_date_only_cell_stays_date_only(tmp_path, tiny):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMN_NAMES))
    for i, when in enumerate((dt.datetime(2024, 5, 17, 15, 40), dt.datetime(2024, 5, 18))):
        values = dict(
            zip(COLUMN_NAMES, row(incident_id=f"E{i}", reported_date="2024-05-20").split(","), strict=True)
        )
        values["offence_datetime"], values["victim_age"], values["knife"] = when, 15, True
        ws.append([values[c] for c in COLUMN_NAMES])
        cell = ws.cell(row=i + 2, column=COLUMN_NAMES.index("offence_datetime") + 1)
        cell.number_format = "yyyy-mm-dd hh:mm" if i == 0 else "yyyy-mm-dd"
    path = tmp_path / "extract.xlsx"
    wb.save(path)
    result = read_incidents(path, data_dir=tiny)
    assert result.rows_accepted == 2, result.quarantine
    assert result.data["time_known"].tolist() == [True, False]
    assert result.data["hour"].iloc[0] == 15 and pd.isna(result.data["hour"].iloc[1])
    assert result.data["victim_age"].tolist() == [15, 15] and result.data["knife"].all()


def test_frames_from_different_files_have_identical_dtypes(extract, tmp_path, tiny):
    other = tmp_path / "other.csv"
    other.write_text(
        HEADER
        + "\n"
        + row(
            incident_id="O1",
            offence="rape",
            mps_major="SEXUAL OFFENCES",
            mps_minor="RAPE",
            location_type="victim_home",
        )
        + "\n"
    )
    a = read_incidents(extract, data_dir=tiny).data
    b = read_incidents(other, data_dir=tiny).data
    assert a.dtypes.astype(str).equals(b.dtypes.astype(str))
    both = pd.concat([a, b], ignore_index=True)
    assert isinstance(both["offence"].dtype, pd.CategoricalDtype) and isinstance(
        both["ward_code"].dtype, pd.CategoricalDtype
    )


def test_docs_table_is_generated_from_the_column_description():
    doc = (repo_root() / "docs" / "incident-format.md").read_text()
    start = doc.index("-->\n", doc.index("<!-- columns:start")) + 4
    end = doc.index("<!-- columns:end -->")
    assert doc[start:end] == incidents.columns_markdown()
    for c in COLUMN_NAMES:
        assert f"| `{c}` |" in doc


def test_template_header_matches_the_format():
    lines = (definitions_dir() / "templates" / "incidents_template.csv").read_text().splitlines()
    assert lines[0] == incidents.template_header() == HEADER


@pytest.mark.realdata
def test_template_examples_import_cleanly_and_validate_recognises_the_format():
    from svd.validate import detect_format, validate_file

    path = definitions_dir() / "templates" / "incidents_template.csv"
    result = read_incidents(path)
    assert (result.rows_in, result.rows_accepted) == (3, 3)
    assert detect_format(path) == "svd_incidents"
    report = validate_file(path)
    assert report["format"] == "svd_incidents" and report["rows_accepted"] == 3 and report["problems"] == []


@pytest.mark.realdata
def test_validate_reports_faults_of_the_hand_written_extract_against_the_real_borough(extract):
    from svd.validate import validate_file

    # E01000001 is not a Barking and Dagenham LSOA (it is in the City): every row is then quarantined.
    report = validate_file(extract)
    assert report["format"] == "svd_incidents"
    assert report["rows_in"] == 20 and report["rows_accepted"] == 0
    assert any(PLACE_REASON in p["reason"] for p in report["problems"])
    assert report["duplicates"] == [{"incident_id": "G1", "lines": [2, 8]}]


def test_ragged_lines_are_quarantined_not_lost(tmp_path, tiny):
    path = tmp_path / "ragged.csv"
    path.write_text(
        HEADER
        + "\n"
        + row(incident_id="A")
        + ",extra,extra\n"
        + "B,2024-01-01\n"
        + row(incident_id="C")
        + "\n"
    )
    result = read_incidents(path, data_dir=tiny)
    assert (result.rows_in, result.rows_accepted, result.rows_quarantined) == (3, 1, 2)
    q = result.quarantine.set_index("row")["reason"]
    assert q[2].startswith("the line has 24 fields but the header has 22")
    assert "the line has 2 fields" in q[3]
    assert "_svd_problem" not in result.extra["unknown_columns"]


def test_cp1252_csv_is_read(tmp_path, tiny):
    path = tmp_path / "excel.csv"
    path.write_bytes((HEADER + "\n" + row(incident_id="Café") + "\n").encode("cp1252"))
    result = read_incidents(path, data_dir=tiny)
    assert result.data["incident_id"].tolist() == ["Café"]


def test_docs_list_every_calibration_target():
    from svd.simulate import CALIBRATION

    doc = (repo_root() / "docs" / "incident-format.md").read_text()
    for t in CALIBRATION:
        assert f"`{t.id}`" in doc, t.id
