"""Record sets: the simulation by default, the partnership extract when given, the same frame either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from svd import records
from svd.incidents import CANONICAL_COLUMNS
from svd.simulate import simulate, write_csv


def test_find_extract_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(records.EXTRACT_ENV, raising=False)
    assert records.find_extract() is None
    monkeypatch.setenv(records.EXTRACT_ENV, str(tmp_path / "x.csv"))
    assert records.find_extract() == tmp_path / "x.csv"
    monkeypatch.setenv(records.EXTRACT_ENV, "  ")
    assert records.find_extract() is None


def test_notice_states_what_is_real_and_what_is_simulated():
    text = records.SIMULATED_NOTICE
    for fact in (
        "Simulated records",
        "ward",
        "month",
        "real Metropolitan Police",
        "times" if "times" in text else "time",
        "flags",
        "LSOA within each ward",
        "simulated",
        "extract",
    ):
        assert fact in text, fact


@pytest.mark.realdata
def test_default_is_the_simulation():
    rs = records.load_records()
    assert rs.source == "simulated" and rs.simulated and rs.label == records.SIMULATED_NOTICE
    assert rs.import_result is None
    assert list(rs.data.columns) == CANONICAL_COLUMNS
    assert (rs.data["source"] == "simulated").all() and len(rs.data) > 30_000
    # A caller changing its copy does not change the next caller's records.
    rs.data.loc[0, "incident_id"] = "CHANGED"
    assert records.load_records().data.loc[0, "incident_id"] == "SIM-000001"


@pytest.mark.realdata
def test_extract_and_simulation_give_identical_columns_and_dtypes(tmp_path: Path):
    path = write_csv(simulate(seed=5).head(500).assign(source="extract"), tmp_path / "extract.csv")
    rs = records.load_records(extract=path)
    sim = records.load_records()
    assert rs.source == "extract" and not rs.simulated
    assert "extract.csv" in rs.label and "500" in rs.label
    assert rs.import_result is not None and rs.import_result.rows_accepted == 500
    assert rs.data.dtypes.astype(str).equals(sim.data.dtypes.astype(str))
    for col in ("offence", "ward_code", "lsoa_code", "mps_minor", "relationship"):
        assert list(rs.data[col].cat.categories) == list(sim.data[col].cat.categories), col


def test_a_generated_extract_stays_simulated(tmp_path: Path):
    """A file written by ``svd simulate`` and loaded as an extract is still simulated, and says so."""
    path = write_csv(simulate(seed=5).head(300), tmp_path / "extract-2026-03.csv")
    rs = records.load_records(extract=path)
    assert rs.source == "simulated" and rs.simulated
    assert "Simulated records in the extract extract-2026-03.csv: 300 of 300" in rs.label
    mixed = simulate(seed=5).head(300)
    mixed.loc[mixed.index[:299], "source"] = "extract"
    rs = records.load_records(extract=write_csv(mixed, tmp_path / "mixed.csv"))
    assert rs.simulated and "1 of 300" in rs.label  # one simulated row is enough to say so
