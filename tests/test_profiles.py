"""Record-level profiles: shares, DA shares by group, age over-representation, time, flags, areas, stations."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from svd import profiles


def _records() -> pd.DataFrame:
    """Eight hand-made records covering every column the profiles read."""
    na = pd.NA
    return pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-01-01"] * 4 + ["2025-02-01"] * 4),
            "offence_group": ["Violence with injury"] * 4 + ["Rape"] * 2 + ["Personal robbery"] * 2,
            "offence": ["abh", "abh", "gbh", "other", "rape", "rape", "personal_robbery", "personal_robbery"],
            "domestic_abuse": pd.array([True, True, False, na, True, False, False, False], dtype="boolean"),
            "knife": pd.array([False, True, False, False, False, False, True, True], dtype="boolean"),
            "historical": pd.array([na, na, na, na, True, False, na, na], dtype="boolean"),
            "location_type": [
                "victim_home",
                "victim_home",
                "street",
                "other",
                "victim_home",
                None,
                "transport_hub",
                "street",
            ],
            "relationship": [
                "partner_ex",
                "family",
                "stranger",
                "unknown",
                "partner_ex",
                None,
                "stranger",
                "stranger",
            ],
            "victim_sex": ["female", "female", "male", None, "female", "female", "male", "male"],
            "victim_age": pd.array([30, 24, 17, na, 40, 16, 15, 70], dtype="Int64"),
            "suspect_age": pd.array([33, 50, 17, na, na, 19, 16, 17], dtype="Int64"),
            "suspects_count": pd.array([1, 1, 2, na, 1, 0, 3, 2], dtype="Int64"),
            "hour": pd.array([18, 19, 2, na, 12, 15, 16, 20], dtype="Int8"),
            "weekday": pd.array([0, 0, 6, 3, 4, na, 1, 1], dtype="Int8"),
            "ward_code": ["W1", "W1", "W2", None, "W1", "W2", "W2", "W2"],
            "lsoa_code": ["L1", "L1", "L2", None, "L1", "L3", "L3", "L3"],
            "latitude": [51.5399, 51.5401, 51.5600, np.nan, 51.5000, 51.5403, 51.5415, 51.5700],
            "longitude": [0.0802, 0.0800, 0.1000, np.nan, 0.0500, 0.1473, 0.1476, 0.2000],
        }
    )


def test_shares_count_every_value_with_not_recorded_last():
    s = profiles.shares(
        _records(), "location_type", profiles.LOCATION_LABELS, order=["victim_home", "school"]
    )
    assert s["category"].tolist() == [
        "victim_home",
        "school",
        "street",
        "other",
        "transport_hub",
        "Not recorded",
    ]
    assert s.set_index("category")["count"].to_dict() == {
        "victim_home": 3,
        "school": 0,
        "street": 2,
        "other": 1,
        "transport_hub": 1,
        "Not recorded": 1,
    }
    assert s["share"].iloc[0] == pytest.approx(37.5)
    assert s["share"].sum() == pytest.approx(100)
    assert s["label"].iloc[0] == "Victim's home"
    sex = profiles.shares(_records(), "victim_sex", profiles.SEX_LABELS)
    assert sex.set_index("label")["count"].to_dict() == {"Female": 4, "Male": 3, "Not recorded": 1}


def test_share_of_and_flag_share():
    r = _records()
    assert profiles.share_of(r, "location_type", "victim_home") == profiles.Share(3, 8)
    assert profiles.share_of(r, "location_type", "victim_home", known_only=True) == profiles.Share(3, 7)
    da = profiles.flag_share(r, "domestic_abuse")
    assert (da.numerator, da.denominator, da.pct) == (3, 8, 37.5)
    assert da.text() == "38% (3 of 8)"
    assert profiles.Share(0, 0).pct is None and profiles.Share(0, 0).text() == "no records"


def test_flag_share_by_group_counts_missing_flags_as_not_flagged():
    g = profiles.flag_share_by_group(_records(), "domestic_abuse", "offence_group").set_index("group")
    assert g.loc["Violence with injury", "offences"] == 4 and g.loc["Violence with injury", "flagged"] == 2
    assert g.loc["Rape", "share"] == pytest.approx(50)
    assert g.loc["Personal robbery", "share"] == 0
    assert list(g.index) == [
        "Violence with injury",
        "Rape",
        "Personal robbery",
    ]  # 50%, 50% (more offences first), 0


def test_age_band_and_counts():
    b = profiles.age_band(pd.Series([0, 17, 18, 24, 25, 64, 65, 99, None]), profiles.AGE_BANDS)
    assert b.tolist()[:8] == ["0-17", "0-17", "18-24", "18-24", "25-34", "55-64", "65+", "65+"]
    assert pd.isna(b.iloc[8])
    c = profiles.age_counts(_records(), "victim_age", profiles.ROBBERY_AGE_BANDS)
    assert c.to_dict() == {"0-17": 3, "18-24": 1, "25-34": 1, "35+": 2}


def test_overrepresentation_by_age_against_the_population():
    pop = pd.Series({"0-17": 250.0, "18-24": 250.0, "25-34": 250.0, "35+": 250.0})
    o = profiles.overrepresentation_by_age(_records(), "victim_age", pop, profiles.ROBBERY_AGE_BANDS)
    assert o["band"].tolist() == ["0-17", "18-24", "25-34", "35+"]
    assert o["count"].tolist() == [3, 1, 1, 2]
    assert o["unknown"].iloc[0] == 1
    # 3 of 7 victims against a quarter of residents
    assert o["share"].iloc[0] == pytest.approx(300 / 7)
    assert o["population_share"].iloc[0] == pytest.approx(25)
    assert o["ratio"].iloc[0] == pytest.approx((3 / 7) / 0.25)
    assert (o["lower"] <= o["ratio"]).all() and (o["ratio"] <= o["upper"]).all()


def test_time_profiles_use_known_values_only():
    h = profiles.hour_profile(_records())
    assert len(h) == 24 and h["count"].sum() == 7
    assert h.set_index("hour").loc[18, "count"] == 1
    assert h["label"].iloc[15] == "15:00"
    w = profiles.weekday_profile(_records())
    assert w.set_index("label")["count"].to_dict()["Monday"] == 2
    assert w["count"].sum() == 7
    assert profiles.window_share(_records(), (15, 21)) == profiles.Share(
        5, 7
    )  # 18, 19, 15, 16, 20 (20:xx is inside)


def test_historical_multiple_suspects_and_knife_robbery_shares():
    r = _records()
    assert profiles.historical_share(r) == profiles.Share(1, 2)
    assert profiles.multiple_suspects_share(r) == profiles.Share(
        3, 6
    )  # 2, 3, 2 of counts 1,1,2,1,3,2 (0 and NA out)
    assert profiles.knife_personal_robbery_share(r) == profiles.Share(2, 3)


def test_monthly_flagged_covers_the_whole_span():
    m = profiles.monthly_flagged(_records(), "knife")
    assert m["count"].tolist() == [1, 2]
    assert m["month"].tolist() == [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01")]


def test_area_rates_fill_areas_without_offences():
    pop = pd.DataFrame(
        {"ward_code": ["W1", "W2", "W3"], "ward_name": ["One", "Two", "Three"], "all_ages": [1000, 4000, 500]}
    )
    a = profiles.area_rates(_records(), pop, "ward").set_index("code")
    assert a["count"].to_dict() == {"W1": 3, "W2": 4, "W3": 0}
    assert a.loc["W1", "rate_per_1000"] == pytest.approx(3.0)
    assert a.loc["W2", "rate_per_1000"] == pytest.approx(1.0)
    assert list(a.index) == ["W1", "W2", "W3"]
    # Area codes as a categorical (as imported), with a record that has no ward: the same counts.
    cat = _records().assign(ward_code=lambda d: pd.Categorical(d["ward_code"].where(d.index != 0)))
    b = profiles.area_rates(cat, pop, "ward").set_index("code")
    assert b["count"].to_dict() == {"W1": 2, "W2": 4, "W3": 0}


def test_near_points_counts_records_within_the_radius():
    stations = gpd.GeoDataFrame(
        {"name": ["Barking", "Dagenham Heathway"]},
        geometry=gpd.points_from_xy([0.080185, 0.147526], [51.539883, 51.54162]),
        crs="EPSG:4326",
    )
    # Two records about 2 m and 25 m from Barking; two about 14 m and 147 m from Dagenham Heathway.
    per, share = profiles.near_points(_records(), stations, radius_m=200)
    assert per.set_index("name")["count"].to_dict() == {"Barking": 2, "Dagenham Heathway": 2}
    assert share == profiles.Share(4, 8)  # the record without coordinates stays in the denominator
    per, share = profiles.near_points(_records(), stations, radius_m=100)
    assert per.set_index("name")["count"].to_dict() == {"Barking": 2, "Dagenham Heathway": 1}
    assert per["name"].iloc[0] == "Barking"
    _, share = profiles.near_points(_records(), stations, radius_m=10)
    assert share == profiles.Share(1, 8)


def test_population_by_band_sums_rows_and_splits_bands_pro_rata():
    from svd.population import BAND_COLUMNS

    row = {c: 0 for c in BAND_COLUMNS}
    row.update({"age_15_19": 50, "age_20_24": 40, "age_0_4": 10})
    pop = pd.DataFrame([row, row])
    p = profiles.population_by_band(pop, ("0-17", "18-24", "25+"))
    assert p.to_dict() == {
        "0-17": pytest.approx(2 * (10 + 30)),
        "18-24": pytest.approx(2 * (20 + 40)),
        "25+": 0,
    }


def test_stations_keeps_station_rows_only():
    places = gpd.GeoDataFrame(
        {"place_type": ["station", "park", "station"], "name": ["A", "P", "B"]},
        geometry=gpd.points_from_xy([0, 1, 2], [51, 51, 51]),
        crs="EPSG:4326",
    )
    assert profiles.stations(places)["name"].tolist() == ["A", "B"]


def test_rates_on_shapes_keeps_every_polygon():
    import geopandas as gpd
    from shapely.geometry import box

    shapes = gpd.GeoDataFrame(
        {"ward_code": ["W1", "W2"], "ward_name": ["One", "Two"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs="EPSG:27700",
    )
    rates = pd.DataFrame({"code": ["W2"], "name": ["Two"], "count": ["<5"], "rate_per_1000": [float("nan")]})
    out = profiles.rates_on_shapes(shapes, rates, "ward")
    assert out["ward_code"].tolist() == ["W1", "W2"] and out.crs == shapes.crs
    assert out["count"].isna().tolist() == [True, False] and out["rate_per_1000"].isna().all()
