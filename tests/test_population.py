"""Tests for svd.population: tiny Census-shaped files in tmp_path, plus the published 2021 figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from svd import config, geo, population

BANDS = population.BAND_COLUMNS


def _row(base: int) -> dict:
    """Counts with band i = base + i, so every sum is easy to check by hand."""
    counts = {b: base + i for i, b in enumerate(BANDS)}
    counts["all_ages"] = sum(counts.values())
    counts["age_0_24"] = sum(base + i for i in range(5))
    counts["age_10_24"] = sum(base + i for i in range(2, 5))
    return counts


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """Three LSOAs in two wards, and a borough table with the borough, a neighbour and the region."""
    (tmp_path / "population").mkdir()
    lsoa_rows = [
        ("E01900001", "Toy 001A", "E05900001", "W1", 10),
        ("E01900002", "Toy 001B", "E05900001", "W1", 20),
        ("E01900003", "Toy 002A", "E05900002", "W2", 100),
    ]
    recs = []
    for code, name, wc, wn, base in lsoa_rows:
        recs.append(
            {"date": 2021, "LSOA21NM": name, "LSOA21CD": code, **_row(base), "WD25CD": wc, "WD25NM": wn}
        )
    lsoa = pd.DataFrame(recs)
    lsoa = lsoa[
        ["date", "LSOA21NM", "LSOA21CD", "all_ages", *BANDS, "age_0_24", "age_10_24", "WD25CD", "WD25NM"]
    ]
    lsoa.to_csv(tmp_path / population.LSOA_FILE, index=False)
    bor = pd.DataFrame(
        [
            {
                "date": 2021,
                "geography": config.DEFAULT_BOROUGH_NAME,
                "geography code": config.DEFAULT_BOROUGH_CODE,
                **_row(131),
            },
            {"date": 2021, "geography": "Elsewhere", "geography code": "E09000099", **_row(5)},
            {"date": 2021, "geography": "London", "geography code": config.LONDON_CODE, **_row(1000)},
        ]
    )
    bor = bor[["date", "geography", "geography code", "all_ages", *BANDS, "age_0_24", "age_10_24"]]
    bor.to_csv(tmp_path / population.BOROUGHS_FILE, index=False)
    return tmp_path


def test_lsoa_and_ward_population(tiny):
    ls = population.lsoa_population(tiny)
    assert list(ls.columns[:4]) == ["lsoa_code", "lsoa_name", "ward_code", "ward_name"]
    assert list(ls.columns[4:]) == ["all_ages", *BANDS, "age_0_24", "age_10_24"]
    # 18 bands of base + i: 18 * base + 153.
    assert ls["all_ages"].tolist() == [18 * 10 + 153, 18 * 20 + 153, 18 * 100 + 153]
    w = population.ward_population(tiny)
    assert w["ward_code"].tolist() == ["E05900001", "E05900002"]
    assert w["all_ages"].tolist() == [333 + 513, 1953]
    assert w["age_0_24"].tolist() == [(50 + 10) + (100 + 10), 510]


def test_borough_and_london(tiny):
    b = population.borough_population(tiny)
    assert len(b) == 1 and b["borough_code"].iloc[0] == config.DEFAULT_BOROUGH_CODE
    assert b["all_ages"].iloc[0] == 18 * 131 + 153
    lon = population.london_populations(tiny)
    assert lon["is_region"].tolist() == [False, False, True]
    rec = population.reconciliation(tiny)
    # borough table 2511 against LSOA sum 846 + 1953 = 2799.
    assert rec.loc["difference", "all_ages"] == 2511 - 2799


def test_bad_counts_are_refused(tiny):
    path = tiny / population.LSOA_FILE
    df = pd.read_csv(path)
    df.loc[1, "age_0_4"] += 1  # bands no longer add up to all_ages
    df.to_csv(path, index=False)
    with pytest.raises(ValueError, match="do not add up"):
        population.lsoa_population(tiny)


def test_age_range_population_pro_rata():
    counts = pd.DataFrame([{b: 10 for b in BANDS}])
    one = lambda lo, hi: population.age_range_population(counts, lo, hi).iloc[0]  # noqa: E731
    assert one(18, 24) == pytest.approx(2 / 5 * 10 + 10)
    assert one(15, 19) == pytest.approx(10)
    assert one(0, 24) == pytest.approx(50)
    assert one(17, 17) == pytest.approx(2)
    assert one(12, 21) == pytest.approx(3 / 5 * 10 + 10 + 2 / 5 * 10)
    assert one(0, None) == pytest.approx(180)
    assert one(85, None) == pytest.approx(10)
    assert one(80, None) == pytest.approx(20)
    for lo, hi in [(80, 89), (86, None), (30, 20), (-1, 4)]:
        with pytest.raises(ValueError):
            one(lo, hi)


def test_age_band_population_levels(tiny):
    s = population.age_band_population("ward", "E05900002", ["18-24", (0, 17), "25+"], data_dir=tiny)
    assert list(s.index) == ["18-24", "0-17", "25+"]
    # Ward W2 = one LSOA with base 100: bands 100, 101, 102, 103 (15-19), 104 (20-24), ...
    assert s["18-24"] == pytest.approx(2 / 5 * 103 + 104)
    assert s.sum() == pytest.approx(1953)
    b = population.age_band_population("borough", config.LONDON_CODE, ["0+"], data_dir=tiny)
    assert b.iloc[0] == 18 * 1000 + 153
    with pytest.raises(KeyError):
        population.age_band_population("lsoa", "E01999999", ["0+"], data_dir=tiny)
    with pytest.raises(ValueError, match="unknown level"):
        population.age_band_population("region", config.LONDON_CODE, ["0+"], data_dir=tiny)
    with pytest.raises(ValueError, match="bad age band"):
        population.age_band_population("ward", "E05900002", ["teenagers"], data_dir=tiny)


# ------------------------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_real_borough_totals():
    b = population.borough_population().iloc[0]
    assert b["all_ages"] == 218_869
    assert b["age_0_24"] == 82_176
    lon = population.london_populations()
    assert len(lon) == 34 and lon["is_region"].sum() == 1
    assert lon.loc[lon["is_region"], "all_ages"].iloc[0] == 8_799_725
    assert lon.loc[~lon["is_region"], "borough_code"].tolist() == sorted(
        geo.london_boroughs()["borough_code"]
    )


@pytest.mark.realdata
def test_real_lsoa_and_ward_totals():
    ls = population.lsoa_population()
    w = population.ward_population()
    assert len(ls) == 115 and len(w) == 19
    # The LSOA table (and so the wards) totals 218,840 / 82,189 under-25s, not the borough table's figures.
    assert ls["all_ages"].sum() == w["all_ages"].sum() == 218_840
    assert ls["age_0_24"].sum() == w["age_0_24"].sum() == 82_189
    rec = population.reconciliation()
    assert rec.loc["difference", "all_ages"] == 29 and rec.loc["difference", "age_0_24"] == -13
    # The file's best-fit ward agrees with the ONS lookup used by svd.geo.
    lk = geo.lsoa_ward_lookup()
    merged = ls[["lsoa_code", "ward_code"]].merge(lk[["lsoa_code", "ward_code"]], on="lsoa_code")
    assert len(merged) == 115 and (merged["ward_code_x"] == merged["ward_code_y"]).all()
    assert set(w["ward_code"]) == set(geo.wards()["ward_code"])


@pytest.mark.realdata
def test_real_age_band_18_24():
    s = population.age_band_population("borough", config.DEFAULT_BOROUGH_CODE, ["18-24", "0-24"])
    assert s["0-24"] == 82_176
    assert s["18-24"] == pytest.approx(2 / 5 * 15_125 + 13_240)
