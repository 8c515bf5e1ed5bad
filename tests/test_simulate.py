"""The simulation: quota drawing, exact reconciliation with MPS ward counts, SNA calibration, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from svd import simulate as sim
from svd.incidents import COLUMN_NAMES, from_frame

# ----------------------------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    "n, p, expected",
    [
        (10, (0.5, 0.5), [5, 5]),
        (7, (0.5, 0.5), [4, 3]),
        (100, (0.46, 0.54), [46, 54]),
        (3, (0.2, 0.3, 0.5), [1, 1, 1]),
        (0, (0.3, 0.7), [0, 0]),
        (1000, (0.085, 0.915), [85, 915]),
    ],
)
def test_quota_counts_are_exact(n, p, expected):
    assert sim.quota_counts(n, p).tolist() == expected


def test_fill_is_a_shuffled_quota():
    rng = np.random.default_rng(1)
    codes = sim._fill(rng, 1000, (0.72, 0.25, 0.03))
    assert np.bincount(codes).tolist() == [720, 250, 30]
    assert not (np.diff(codes) >= 0).all()  # shuffled, not sorted


def test_complement_shares_make_the_whole_hit_the_target():
    # 100 fixed records all "yes"; 300 free: to reach 40 % "yes" overall, 60 of the free must be "yes".
    p = sim.complement_shares((0.6, 0.4), (0, 100), 300)
    assert p == pytest.approx([0.8, 0.2])
    # Targets already exceeded by the fixed records: clipped at 0, never negative.
    assert sim.complement_shares((0.9, 0.1), (0, 100), 50).tolist() == [1.0, 0.0]


def test_every_drawn_distribution_sums_to_one():
    tables = {
        "VICTIM_AGE": sim.VICTIM_AGE,
        "SUSPECT_AGE": sim.SUSPECT_AGE,
        "VICTIM_SEX": sim.VICTIM_SEX,
        "SUSPECT_SEX": sim.SUSPECT_SEX,
        "SUSPECTS": sim.SUSPECTS,
        "RELATIONSHIP": sim.RELATIONSHIP,
        "LOCATION": sim.LOCATION,
        "WEEKDAY": sim.WEEKDAY,
        "HOUR": sim.HOUR,
    }
    for name, table in tables.items():
        for key, p in table.items():
            assert sum(p) == pytest.approx(1.0, abs=1e-9), (name, key)
    for minor, split in sim.OFFENCE_SPLIT.items():
        assert sum(split.values()) == pytest.approx(1.0), minor
    lengths = {"VICTIM_AGE": len(sim.AGE_BANDS), "SUSPECT_AGE": len(sim.AGE_BANDS), "HOUR": 24, "WEEKDAY": 7}
    for name, n in lengths.items():
        assert all(len(p) == n for p in tables[name].values()), name


def test_hour_profiles_carry_the_sna_figures():
    vu25, oso = np.array(sim.HOUR["vu25"]), np.array(sim.HOUR["oso"])
    assert vu25[15:21].sum() == pytest.approx(0.46)
    assert oso[12:18].sum() == pytest.approx(0.41)
    assert np.argsort(sim.WEEKDAY["vu25"])[-2:].tolist() == [2, 4]  # Wednesday, Friday
    assert int(np.argmax(sim.WEEKDAY["oso"])) == 3  # Thursday


def test_dates_in_month_have_the_requested_weekday():
    rng = np.random.default_rng(3)
    month = np.repeat(np.array(["2024-02-01", "2024-03-01", "2025-12-01"], dtype="datetime64[D]"), 700)
    weekday = np.tile(np.arange(7), 300)
    days = sim._dates_in_month(rng, month, weekday)
    assert (days.astype("datetime64[M]") == month.astype("datetime64[M]")).all()
    assert (pd.DatetimeIndex(days).day_of_week.to_numpy() == weekday).all()
    # Every day of February 2024 that is a Thursday can be drawn (29 Feb is a Thursday).
    feb_thu = days[(month == np.datetime64("2024-02-01")) & (weekday == 3)]
    assert set(pd.DatetimeIndex(feb_thu).day) == {1, 8, 15, 22, 29}


def test_calibration_table_is_well_formed():
    ids = [t.id for t in sim.CALIBRATION]
    assert len(ids) == len(set(ids))
    for t in sim.CALIBRATION:
        assert t.kind in ("share", "check")
        assert (
            (t.tolerance == pytest.approx(0.02)) if t.kind == "share" else (t.target, t.tolerance) == (1, 0)
        )


# ------------------------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    return sim.simulate()


@pytest.fixture(scope="module")
def records(simulated) -> pd.DataFrame:
    result = from_frame(simulated, path="<simulated>")
    assert result.rows_quarantined == 0, result.quarantine.head()
    return result.data


@pytest.mark.realdata
def test_counts_reconcile_exactly_with_mps_ward_counts(records):
    from svd.mps import load_mps
    from svd.taxonomy import simulated_categories

    mps = load_mps(level="ward", borough_code="E09000002").table
    mps = mps.merge(simulated_categories()[["major", "minor"]], on=["major", "minor"])
    expected = mps[mps["count"] > 0].set_index(["area_code", "month", "major", "minor"])["count"].sort_index()
    got = (
        records.astype({"ward_code": str, "mps_major": str, "mps_minor": str})
        .groupby(["ward_code", "month", "mps_major", "mps_minor"])
        .size()
    )
    got.index.names = expected.index.names
    assert got.sort_index().equals(expected.astype(got.dtype))
    assert len(records) == int(expected.sum())
    majors = set(records["mps_major"].astype(str))
    assert majors == {sim.VAP, sim.SO, sim.ROB, sim.WEAPONS, sim.ACD, sim.PUBLIC_ORDER, sim.MISC}


@pytest.mark.realdata
@pytest.mark.parametrize("target", sim.CALIBRATION, ids=lambda t: t.id)
def test_calibrated_share_within_tolerance(records, target):
    table = sim.measure(records).set_index("id")
    got = table.loc[target.id]
    assert got["target"] == target.target
    assert abs(got["measured"] - target.target) <= target.tolerance + 1e-9, got["detail"]
    assert got["ok"]


@pytest.mark.realdata
def test_measure_notices_a_miscalibrated_frame(records):
    # The test above cannot pass vacuously: flip every DA flag off and the DA rows must fail.
    broken = records.assign(domestic_abuse=pd.array([False] * len(records), dtype="boolean"))
    table = sim.measure(broken).set_index("id")
    assert not table.loc["da_vap", "ok"] and table.loc["da_vap", "measured"] == 0
    assert table.loc["knife_personal_robbery", "ok"]


@pytest.mark.realdata
def test_same_seed_same_bytes_other_seed_other_records(simulated, tmp_path):
    again = sim.simulate()
    a = sim.write_csv(simulated, tmp_path / "a.csv").read_bytes()
    b = sim.write_csv(again, tmp_path / "b.csv").read_bytes()
    assert a == b
    other = sim.simulate(seed=7)
    assert sim.to_csv_text(other) != sim.to_csv_text(simulated)
    keys = ["mps_major", "mps_minor"]
    assert other.groupby(keys).size().equals(simulated.groupby(keys).size())


@pytest.mark.realdata
def test_records_are_format_v1_and_labelled_simulated(simulated, records):
    assert list(simulated.columns) == list(COLUMN_NAMES)
    assert (simulated["source"] == "simulated").all()
    assert simulated["incident_id"].is_unique and simulated["incident_id"].iloc[0] == "SIM-000001"
    # Stable order: month, then ward, then category.
    months = pd.to_datetime(simulated["reported_date"]).dt.to_period("M")
    assert months.is_monotonic_increasing
    current = ~records["historical"].astype(bool)
    unknown = 1 - records.loc[current, "time_known"].mean()
    assert unknown == pytest.approx(sim.TIME_UNKNOWN_SHARE, abs=0.005)
    # Every point lies in the LSOA it names (the import would otherwise have re-placed or rejected it).
    from svd.geo import assign_areas

    placed = assign_areas(records[["longitude", "latitude"]])
    assert (placed["lsoa_code"].to_numpy() == records["lsoa_code"].astype(str).to_numpy()).all()


@pytest.mark.realdata
def test_priority_places_draw_more_records_per_resident(records):
    w = sim.lsoa_weights()
    assert (w["priority_share"] > 0).sum() >= 5
    per = records.groupby(records["lsoa_code"].astype(str)).size().rename("n")
    w = w.join(per, on="lsoa_code").fillna({"n": 0})
    w["rate"] = w["n"] / w["population"]
    inside = w.loc[w["priority_share"] >= 0.5, "rate"].mean()
    outside = w.loc[w["priority_share"] == 0, "rate"].mean()
    assert inside > 1.5 * outside


@pytest.mark.realdata
def test_main_simulate_writes_the_file(tmp_path, capsys):
    out = tmp_path / "sim" / "records.csv"
    assert sim.main_simulate(out, seed=11) == 0
    assert out.read_text().splitlines()[0] == ",".join(COLUMN_NAMES)
    assert "simulated records" in capsys.readouterr().out
