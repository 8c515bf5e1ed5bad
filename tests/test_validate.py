"""Format detection and the validation report, on tiny files written by the tests."""

from __future__ import annotations

import pytest

from svd import validate

WARD = (
    "MajorText,MinorText,WardName,WardCode,LookUp_BoroughName,202401,202402\n"
    "ROBBERY,ROBBERY OF PERSONAL PROPERTY,Abbey,E05014053,Barking and Dagenham,3,4\n"
    "ROBBERY,ROBBERY OF PERSONAL PROPERTY,Alibon,E05014054,Barking and Dagenham,x,1\n"
)
BOROUGH = (
    "MajorText,MinorText,BoroughName,202401\nROBBERY,ROBBERY OF PERSONAL PROPERTY,Barking and Dagenham,9\n"
)
POLICE = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
    "Last outcome category,Context\n"
)


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        (WARD, "mps_ward"),
        (BOROUGH, "mps_borough"),
        (POLICE, "police_uk_street"),
        ("incident_id,offence_datetime,mps_major\n", "svd_incidents"),
        ("a,b,c\n1,2,3\n", "unknown"),
        ("\ufeff" + BOROUGH, "mps_borough"),
    ],
)
def test_detect_format(tmp_path, text, fmt):
    f = tmp_path / "f.csv"
    f.write_text(text, encoding="utf-8")
    assert validate.detect_format(f) == fmt


def test_unknown_format_names_the_known_ones(tmp_path):
    f = tmp_path / "f.csv"
    f.write_text("a,b\n1,2\n")
    r = validate.validate_file(f)
    assert r["format"] == "unknown" and not validate.usable(r)
    assert all(name in r["problems"][0]["reason"] for name in validate.FORMATS)


def test_missing_file(tmp_path):
    r = validate.validate_file(tmp_path / "nope.csv")
    assert r["problems"][0]["reason"] == "file not found" and not validate.usable(r)


def test_mps_ward_report_counts_and_quarantine(tmp_path, monkeypatch):
    # An empty data directory: no release to judge this tiny file against (see test_release_guard.py).
    monkeypatch.setenv("SVD_DATA_DIR", str(tmp_path / "no-data"))
    f = tmp_path / "ward.csv"
    f.write_text(WARD)
    r = validate.validate_file(f)
    assert r["format"] == "mps_ward"
    assert (r["rows_in"], r["rows_accepted"], r["rows_quarantined"]) == (2, 1, 1)
    assert r["offences"] == 7  # accepted row only: 3 + 4
    assert r["months"] == ["2024-01", "2024-02"]
    assert r["problems"][0]["row"] == 3 and r["problems"][0]["column"] == "202401"
