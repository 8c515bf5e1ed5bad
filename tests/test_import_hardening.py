"""Import hardening: every bad row of an extract is accepted or quarantined with its reason and line number,
never a traceback, a raw pandas message or a filesystem path; hostile files are refused with a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from svd import incidents
from tests.test_incidents import HEADER, row, tiny_data_dir


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return tiny_data_dir(tmp_path / "data")


@pytest.mark.parametrize("chunk_rows", [incidents.CHUNK_ROWS, 2])
def test_out_of_range_dates_and_huge_counts_quarantine_their_row_only(tmp_path, tiny, chunk_rows):
    bad = {
        3: {"offence_datetime": "0000-05-17"},
        4: {"offence_datetime": "9999-01-01T10:00"},
        5: {"offence_datetime": "2262-05-01"},
        6: {"reported_date": "9999-12-31"},
        7: {"offence_datetime": "2099-01-01T10:00", "reported_date": "2099-01-02"},
        8: {"suspects_count": "12345678901234567890"},
        9: {"victim_age": "99999999999999999999"},
    }
    lines = [HEADER, row(incident_id="OK1")]
    lines += [row(incident_id=f"B{n}", **kw) for n, kw in bad.items()]
    lines.append(row(incident_id="OK2"))
    path = tmp_path / "x.csv"
    path.write_text("\n".join(lines) + "\n")
    r = incidents.read_incidents(path, data_dir=tiny, chunk_rows=chunk_rows)
    assert (r.rows_in, r.rows_accepted, r.rows_quarantined) == (9, 2, 7)
    q = r.quarantine.set_index("row")
    assert sorted(q.index) == sorted(bad)
    assert "'0000-05-17' is not valid" in q.loc[3, "reason"]
    assert "later than the current month" in q.loc[7, "reason"] and q.loc[7, "column"] == "offence_datetime"
    assert "'12345678901234567890'" in q.loc[8, "reason"]
    assert not any("Out of bounds" in x or "nanosecond" in x for x in q["reason"])
