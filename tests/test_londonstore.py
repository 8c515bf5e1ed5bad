"""The London store (svd.londonstore): simulated placement, DuckDB queries over Parquet, and the real build."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pandas as pd
import pytest

from svd import london, mps
from svd import londonstore as ls
from svd.config import data_dir

M1, M2 = dt.date(2025, 4, 1), dt.date(2025, 5, 1)
VWI, ROB = (
    ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY"),
    ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY"),
)

WARDS = pd.DataFrame(
    {
        "ward_code": ["W1", "W2", "W3"],
        "ward_name": ["One", "Two", "Three"],
        "borough_code": ["B1", "B1", "B2"],
        "borough_name": ["Bee one", "Bee one", "Bee two"],
        "residents": pd.array([4000, 1000, 2000], dtype="Int64"),
    }
)
LSOAS = pd.DataFrame(
    {
        "lsoa_code": ["L1", "L2", "L3", "L4", "L5", "LC"],
        "lsoa_name": ["l1", "l2", "l3", "l4", "l5", "City 001A"],
        "ward_code": ["W1", "W1", "W2", "W2", "W3", "WC"],
        "borough_code": ["B1", "B1", "B1", "B1", "B2", "E09000001"],
        "borough_name": ["Bee one"] * 4 + ["Bee two", "City of London"],
        "residents": pd.array([1000, 3000, None, None, 2000, None], dtype="Int64"),
    }
)


def _counts(rows: list[tuple]) -> pd.DataFrame:
    """ward × month × offence counts: (month, ward, borough, (major, minor), count)."""
    return pd.DataFrame(
        [
            {
                "month": m,
                "ward_code": w,
                "borough_code": b,
                "major": o[0],
                "minor": o[1],
                "count": n,
                "vintage": "v",
            }
            for m, w, b, o, n in rows
        ]
    )


COUNTS = _counts(
    [
        (M1, "W1", "B1", VWI, 4000),
        (M1, "W2", "B1", VWI, 10),
        (M2, "W1", "B1", ROB, 7),
        (M2, "W3", "B2", VWI, 5),
        (M2, "W3", "B2", ROB, 0),
    ]
)


def test_simulated_records_keep_the_real_ward_counts_and_follow_residents():
    recs = ls.simulate_records(COUNTS, LSOAS, seed=7)
    assert len(recs) == 4022 and set(recs["source"]) == {"simulated"}
    by_cell = recs.groupby(["month", "ward_code", "minor"], observed=True).size()
    assert by_cell.to_dict() == {
        (M1, "W1", VWI[1]): 4000,
        (M1, "W2", VWI[1]): 10,
        (M2, "W1", ROB[1]): 7,
        (M2, "W3", VWI[1]): 5,
    }
    # Each record's LSOA is one of its ward's: L1/L2 for W1, L3/L4 for W2 (no residents: equal weights).
    pairs = set(zip(recs["lsoa_code"].astype(str), recs["ward_code"].astype(str), strict=True))
    assert pairs <= {("L1", "W1"), ("L2", "W1"), ("L3", "W2"), ("L4", "W2"), ("L5", "W3")}
    w1 = recs[(recs["ward_code"] == "W1") & (recs["month"] == M1)]["lsoa_code"].astype(str).value_counts()
    assert w1["L2"] / 4000 == pytest.approx(0.75, abs=0.03)  # 3,000 of W1's 4,000 residents
    assert recs["hour"].between(0, 23).all() and recs["weekday"].between(1, 7).all()
    again = ls.simulate_records(COUNTS, LSOAS, seed=7)
    pd.testing.assert_frame_equal(recs, again)
    assert not ls.simulate_records(COUNTS, LSOAS, seed=8)["lsoa_code"].equals(recs["lsoa_code"])


@pytest.fixture
def store(tmp_path):
    recs = ls.simulate_records(COUNTS, LSOAS, seed=1)
    frames = {"wards": WARDS, "lsoas": LSOAS, "ward_counts": COUNTS, "records": recs}
    for name, frame in frames.items():
        frame.to_parquet(tmp_path / f"{name}.parquet", index=False)
    s = ls.LondonStore(tmp_path)
    yield s, recs
    s.close()


def test_ward_rates_every_ward_with_zeros_and_filters(store):
    s, _ = store
    everything = s.ward_rates()
    assert everything["ward_code"].tolist() == ["W1", "W2", "W3"]
    assert everything["offences"].tolist() == [4007, 10, 5]
    assert everything["rate_per_1000"].tolist() == pytest.approx([4007 / 4, 10 / 1, 5 / 2])
    robbery = s.ward_rates(ls.Filters(majors=("ROBBERY",)))
    assert robbery["offences"].tolist() == [7, 0, 0]  # wards without robbery: 0, not missing
    may_b2 = s.ward_rates(ls.Filters(start="2025-05", end="2025-05", minors=(VWI[1],), boroughs=("B2",)))
    assert may_b2[["ward_code", "offences"]].values.tolist() == [["W3", 5]]
    april = s.ward_rates(ls.Filters(end="2025-04"))
    assert april["offences"].tolist() == [4000, 10, 0]
    assert s.ward_rates(ls.Filters(minors=()))["offences"].sum() == 0  # an empty choice matches nothing
    with pytest.raises(ValueError, match="record-level filters"):
        s.ward_rates(ls.Filters(hours=(15,)))
    months = s.ward_months(ls.Filters(minors=(VWI[1],)))
    assert months[["ward_code", "offences"]].values.tolist() == [["W1", 4000], ["W2", 10], ["W3", 5]]
    assert s.months() == ["2025-04", "2025-05"]


def test_lsoa_counts_every_lsoa_reconcile_with_wards_and_the_records(store):
    s, recs = store
    out = s.lsoa_counts()
    assert out["lsoa_code"].tolist() == ["L1", "L2", "L3", "L4", "L5", "LC"]
    assert pd.isna(out.loc[5, "offences"]) and pd.isna(out.loc[5, "rate_per_1000"])  # City: no MPS count
    assert pd.isna(out.loc[2, "rate_per_1000"]) and out.loc[4, "rate_per_1000"] == pytest.approx(5 / 2)
    by_ward = out.dropna(subset=["offences"]).groupby("ward_code")["offences"].sum()
    assert by_ward.to_dict() == {"W1": 4007, "W2": 10, "W3": 5}
    evening = ls.Filters(start="2025-04", end="2025-04", hours=(15, 16, 17, 18, 19, 20), weekdays=(5, 6))
    got = s.lsoa_counts(evening).set_index("lsoa_code")["offences"]
    r = recs[(recs["month"] == M1) & recs["hour"].between(15, 20) & recs["weekday"].isin([5, 6])]
    expected = r["lsoa_code"].astype(str).value_counts()
    assert got.loc[["L1", "L2", "L3", "L4", "L5"]].tolist() == [
        int(expected.get(c, 0)) for c in ["L1", "L2", "L3", "L4", "L5"]
    ]
    assert 0 < got.sum() < 4010
    assert s.lsoa_counts(ls.Filters(boroughs=("B2",)))["lsoa_code"].tolist() == ["L5"]


def test_provenance_says_simulated_for_lsoas_and_official_for_wards():
    f = ls.Filters(start="2025-04", end="2026-03", minors=(VWI[1],), hours=(15, 16))
    assert ls.provenance_sentence("lsoa", f).startswith("Simulated records")
    assert "hours 15, 16" in ls.provenance_sentence("lsoa", f)
    assert ls.provenance_sentence("ward", f).startswith("Official data: MPS Ward Level Crime")
    with pytest.raises(ValueError):
        ls.provenance_sentence("msoa")


def test_a_folder_without_the_tables_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="build it first") as err:
        ls.LondonStore(tmp_path)
    assert str(tmp_path) not in str(err.value)


def _have_london() -> bool:
    root = data_dir()
    return all((root / f).is_file() for f in (london.WARDS_FILE, london.LSOAS_FILE, london.GLA_LOOKUP_FILE))


@pytest.mark.realdata
@pytest.mark.slow
def test_real_build_reconciles_with_the_latest_release_parsed_plainly(tmp_path):
    if not _have_london() or not mps.mps_files("ward", data_dir()):
        pytest.skip("London-wide files not in the data directory")
    report = ls.build(tmp_path, data_dir())
    assert ls.is_current(tmp_path, data_dir()) and ls.ensure(tmp_path, data_dir()) is None
    assert report.rows["lsoas"] == len(london.lsoas(data_dir()))
    s = ls.LondonStore(tmp_path)
    try:
        # The latest release, read with the csv module: it wins every month after its first (partial) one.
        latest = mps.mps_files("ward", data_dir())[-1]
        with latest.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        month_cols = sorted(c for c in rows[0] if re.fullmatch(r"\d{6}", c))[-12:]
        wards = set(s.ward_rates()["ward_code"])
        expected: dict[str, int] = {}
        for r in rows:
            if r["MajorText"] == "ROBBERY" and r["WardCode"] in wards:
                expected[r["WardCode"]] = expected.get(r["WardCode"], 0) + sum(
                    int(r[c] or 0) for c in month_cols
                )
        start, end = f"{month_cols[0][:4]}-{month_cols[0][4:]}", f"{month_cols[-1][:4]}-{month_cols[-1][4:]}"
        got = s.ward_rates(ls.Filters(start=start, end=end, majors=("ROBBERY",)))
        assert len(got) == len(wards) == report.rows["wards"]
        assert got.set_index("ward_code")["offences"].to_dict() == {w: expected.get(w, 0) for w in wards}
        # LSOA records summed by ward give the ward counts back, under any filter without hour or day.
        lsoa = s.lsoa_counts(ls.Filters(start=start, end=end, majors=("ROBBERY",)))
        assert (
            lsoa.groupby("ward_code")["offences"].sum().reindex(got["ward_code"]).tolist()
            == got["offences"].tolist()
        )
        assert lsoa["lsoa_code"].nunique() == report.rows["lsoas"]
    finally:
        s.close()


def test_every_query_is_plain_sql_that_postgresql_parses(store, monkeypatch):
    """The store's queries run on PostgreSQL unchanged: each parses with PostgreSQL's own parser (libpg_query)."""
    pglast = pytest.importorskip("pglast")
    s, _ = store
    seen: list[str] = []
    original = ls.LondonStore.sql

    def spy(self, statement, params=None):
        seen.append(statement)
        return original(self, statement, params)

    monkeypatch.setattr(ls.LondonStore, "sql", spy)
    full = ls.Filters(start="2025-04", end="2025-05", majors=("ROBBERY",), minors=(VWI[1],), boroughs=("B1",))
    s.ward_rates(full)
    s.ward_months(full)
    s.lsoa_counts(ls.Filters(**{**full.__dict__, "hours": (15, 16), "weekdays": (1,)}))
    s.months()
    s.offences()
    assert len(seen) == 5
    for statement in seen:
        numbered, n = statement, 0
        while "?" in numbered:  # psycopg would bind %s; PostgreSQL's parser takes $1, $2, …
            n += 1
            numbered = numbered.replace("?", f"${n}", 1)
        (parsed,) = pglast.parse_sql(numbered)
        assert type(parsed.stmt).__name__ == "SelectStmt"
        assert "read_parquet" not in statement


def test_london_map_gives_the_table_provenance_and_headline(store):
    s, _ = store
    wards = ls.london_map(s, "ward", ls.Filters(start="2025-04", end="2025-05"))
    assert not wards.simulated and wards.provenance.kind == "official"
    assert wards.table["offences"].tolist() == [4007, 10, 5]
    assert wards.provenance.period == "Apr 2025 to May 2025" and wards.provenance.area.startswith("London")
    # W1: 4,007 offences over 4,000 residents is the highest rate.
    assert wards.headline == (
        "4,022 offences in Apr 2025 to May 2025 across 3 wards; highest rate: One (Bee one), 1001.8 per 1,000 residents."
    )
    lsoas = ls.london_map(s, "lsoa", ls.Filters(start="2025-05", end="2025-05", majors=("ROBBERY",)))
    assert lsoas.simulated and lsoas.provenance.short().startswith("Simulated records")
    assert (
        "(simulated records)" in lsoas.headline and "7 offences in May 2025 across 5 LSOAs" in lsoas.headline
    )
    none = ls.london_map(s, "ward", ls.Filters(minors=()))
    assert none.headline == "No offences under these filters in Apr 2025 to May 2025."
    with pytest.raises(ValueError):
        ls.london_map(s, "borough")
