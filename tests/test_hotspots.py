"""Area counts, change on the previous period, emerging labels, Gi* wiring and the ranked table."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from svd import filters as sf
from svd import hotspots as hs

M = pd.Timestamp


def _records():
    return pd.DataFrame(
        {
            "month": [M("2025-01-01"), M("2025-01-01"), M("2025-02-01"), M("2024-12-01")],
            "offence_group": ["Robbery", "Violence", "Robbery", "Robbery"],
            "offence": ["personal_robbery", "gbh", "personal_robbery", "personal_robbery"],
            "hour": pd.array([16, 2, None, 18], dtype="Int8"),
            "weekday": pd.array([0, 1, None, 6], dtype="Int8"),
            "ward_code": ["W1", "W1", "W2", "W2"],
            "lsoa_code": ["L1", "L2", "L3", None],
            "latitude": [51.545, 51.5451, None, 51.55],
            "longitude": [0.13, 0.1301, None, 0.14],
        }
    )


def test_tasking_columns_is_narrow_and_adds_grid_cells():
    recs = _records().assign(victim_age=[20, 30, 40, 50])
    out = hs.tasking_columns(recs)
    assert "victim_age" not in out.columns
    assert isinstance(out["ward_code"].dtype, pd.CategoricalDtype)
    assert list(out["cell"] >= 0) == [True, True, False, True]
    assert out["cell"][0] == out["cell"][1]
    assert "cell" not in recs.columns


def test_previous_period_is_the_same_months_a_year_earlier():
    assert hs.previous_period(M("2025-04-01"), M("2026-03-01")) == (M("2024-04-01"), M("2025-03-01"))
    assert hs.previous_period(M("2025-03-01"), M("2025-03-01")) == (M("2024-03-01"), M("2024-03-01"))
    # Oct–Mar against Oct–Mar a year before, not the Apr–Sep just before it.
    assert hs.previous_period(M("2024-10-01"), M("2025-03-01")) == (M("2023-10-01"), M("2024-03-01"))


def test_record_counts_by_level_skip_unlocated():
    w = hs.record_counts(_records(), "ward").set_index("area_code")["count"]
    assert w.to_dict() == {"W1": 2, "W2": 2}
    lsoa = hs.record_counts(_records(), "lsoa")
    assert lsoa["count"].sum() == 3


def test_change_text():
    assert hs.change_text(12, 10) == "+2 (+20%)"
    assert hs.change_text(5, 10) == "\u22125 (\u221250%)"
    assert hs.change_text(3, 3) == "no change"
    assert hs.change_text(3, 0) == "+3 (none before)"


def test_area_table_fills_zero_areas_and_computes_rates():
    areas = pd.DataFrame({"area_code": ["W1", "W2", "W3"], "area_name": ["One", "Two", "Three"]})
    pop = pd.DataFrame({"area_code": ["W1", "W2", "W3"], "population": [1000, 2000, 500]})
    cur = pd.DataFrame({"area_code": ["W1", "W2"], "count": [10, 4]})
    prev = pd.DataFrame({"area_code": ["W1", "W3"], "count": [5, 2]})
    t = hs.area_table(areas, pop, cur, prev).set_index("area_code")
    assert t["count"].to_dict() == {"W1": 10, "W2": 4, "W3": 0}
    assert t["rate_per_1000"].to_dict() == {"W1": 10.0, "W2": 2.0, "W3": 0.0}
    assert t.loc["W1", "change_pct"] == pytest.approx(100.0)
    assert pd.isna(t.loc["W2", "change_pct"])
    tips = hs.with_tooltips(t.reset_index())
    assert tips["tip"][0] == "10 offences · 10.00 per 1,000 residents\n+5 (+100%) on the period before"
    assert not any("<" in t for t in tips["tip"])  # plain text: the map's template does the formatting


def test_emerging_uses_a_test_not_percentages():
    months = pd.date_range("2023-04-01", "2025-03-01", freq="MS")
    rows = []
    for m in months:
        recent = m >= M("2024-04-01")
        rows.append(
            {"area_code": "BIG", "month": m, "count": 40 if recent else 20}
        )  # doubled, many: emerging
        rows.append({"area_code": "SMALL", "month": m, "count": 1 if (recent and m.month in (1, 2)) else 0})
    monthly = pd.DataFrame(rows)
    # SMALL: 2 against 0 is +inf% but not significant.
    out = hs.emerging_labels(monthly, pd.Series(["BIG", "SMALL", "NONE"]), M("2025-03-01")).set_index(
        "area_code"
    )
    assert out.loc["BIG", "emerging"] == "Emerging (FDR 5%)"
    assert out.loc["SMALL", "emerging"] == "Not significant"
    assert out.loc["NONE", "last_12m"] == 0
    assert out.loc["BIG", "last_12m"] == 480 and out.loc["BIG", "prior_12m"] == 240
    # q: BIG's p times 3 areas (Benjamini–Hochberg); SMALL's 2 against 0 has p = 0.5.
    assert out.loc["SMALL", "emerging_p"] == pytest.approx(0.5)
    assert out.loc["BIG", "emerging_q"] == pytest.approx(3 * out.loc["BIG", "emerging_p"])
    assert "Benjamini–Hochberg FDR 5%" in out.loc["BIG", "emerging_method"]


def test_emerging_totals_pool_the_monthly_dispersion_and_check_the_windows():
    """Two areas, 24 months. A alternates 2, 6 (mean 4 in each window: X² = 12 × 4/4 = 12 per window), B is
    steady at 5 (X² = 0): X² = 24 on df = 4 × 11 = 44 (four area-windows of 12 months, one mean each), 0.545.
    Data that start a month too late cannot fill the earlier window: nothing is compared."""
    months = pd.date_range("2023-04-01", "2025-03-01", freq="MS")
    rows = [{"area_code": "A", "month": m, "count": 2 if i % 2 else 6} for i, m in enumerate(months)]
    rows += [{"area_code": "B", "month": m, "count": 5} for m in months]
    monthly = pd.DataFrame(rows)
    t = hs.emerging_totals(monthly, pd.Series(["A", "B"]), M("2025-03-01")).set_index("area_code")
    assert t.loc["A", "dispersion"] == pytest.approx(24 / 44) and t.loc["A", "dispersion_df"] == 44
    assert t["complete"].all() and t.loc["A", "current"] == 48
    late = hs.emerging_totals(monthly[monthly["month"] > months[0]], pd.Series(["A", "B"]), M("2025-03-01"))
    assert not late["complete"].any()
    assert (hs.emerging_from_totals(late)["emerging"] == "Not compared: a month is missing").all()


def test_gi_labels_flag_a_cluster_of_high_values():
    import geopandas as gpd
    from shapely.geometry import box

    cells = [(i, j) for i in range(5) for j in range(5)]
    gdf = gpd.GeoDataFrame(
        {
            "area_code": [f"A{i}{j}" for i, j in cells],
            "value": [50.0 if i < 2 and j < 2 else 1.0 for i, j in cells],
        },
        geometry=[box(i, j, i + 1, j + 1) for i, j in cells],
    )
    out = hs.gi_labels(gdf, "value").set_index("area_code")
    assert out.loc["A00", "hotspot"].startswith("Hot spot")
    assert out.loc["A44", "hotspot"] in ("Not significant",) or out.loc["A44", "hotspot"].startswith("Cold")
    assert out.loc["A00", "gi_q"] <= 0.05 and {"gi_z", "gi_p", "gi_q"} <= set(out.columns)
    # exact p-values: the same data give the same p-values
    again = hs.gi_labels(gdf, "value").set_index("area_code")
    assert (again["gi_p"] == out["gi_p"]).all()


def test_ranked_orders_by_measure_and_attaches_labels():
    table = pd.DataFrame(
        {
            "area_code": ["A", "B", "C"],
            "area_name": ["a", "b", "c"],
            "count": [5, 9, 1],
            "rate_per_1000": [3.0, 1.0, 2.0],
            "previous": [5, 5, 5],
            "change_text": ["", "", ""],
        }
    )
    gi = pd.DataFrame(
        {"area_code": ["A", "B", "C"], "hotspot": ["Hot spot (FDR 5%)", "Not significant", "x"]}
    )
    em = pd.DataFrame(
        {
            "area_code": ["A", "B", "C"],
            "emerging": ["Not significant", "Emerging (FDR 5%)", "Not significant"],
            "last_12m": [1, 2, 3],
            "prior_12m": [1, 1, 1],
        }
    )
    by_count = hs.ranked(table, gi, em, "count", n=2)
    assert list(by_count["area_code"]) == ["B", "A"] and list(by_count["rank"]) == [1, 2]
    assert by_count.loc[0, "emerging"] == "Emerging (FDR 5%)"
    assert list(hs.ranked(table, gi, em, "rate_per_1000")["area_code"]) == ["A", "C", "B"]


def test_headline_sentence_names_the_top_area_and_the_test():
    t = pd.DataFrame({"area_name": ["Abbey", "Alibon"], "count": [300, 100], "previous": [100, 100]})
    s = hs.summarise(t)
    assert (s.total, s.top_name, s.top_count) == (400, "Abbey", 300)
    months = pd.date_range("2024-01-01", "2025-12-01", freq="MS")
    # 200 then 400 (months of 16 or 18, then 33 or 34): dispersion under 1, so the exact test, p far below 0.05.
    first = [18 if i % 3 == 0 else 16 for i in range(12)]
    second = [34 if i % 3 == 0 else 33 for i in range(12)]
    monthly = pd.Series(first + second, index=months)
    change = hs.period_change(monthly, M("2025-01-01"), M("2025-12-01"), months)
    assert change.compared and change.significant
    text = hs.headline_sentence(s, "ward", "Jan 2025", "offences", change=change)
    assert "Abbey" in text and "300 of the 400" in text and "75%" in text and "a significant change" in text
    assert "quasi-Poisson test" in text
    # No test given: no claim either way. A month missing: the sentence says so, never "significant".
    assert "significant" not in hs.headline_sentence(s, "ward", "Jan 2025", "offences")
    gap = hs.period_change(monthly, M("2025-01-01"), M("2025-12-01"), months.delete(3))
    assert not gap.significant
    assert "not compared: a month is missing" in hs.headline_sentence(s, "ward", "x", "offences", change=gap)
    empty = hs.summarise(t.assign(count=0))
    assert "No offences" in hs.headline_sentence(empty, "ward", "Jan 2025", "offences")


def test_select_features():
    doc = {
        "type": "FeatureCollection",
        "features": [{"properties": {"kind": "priority"}}, {"properties": {"kind": "outreach"}}],
    }
    assert len(hs.select_features(doc, "kind", "priority")["features"]) == 1
    assert len(doc["features"]) == 2


# ------------------------------------------------------------------------------------------ the count cube


def _varied():
    """Records with every kind of missing value, duplicates, a wrap-around hour and two flags."""
    base = _records().assign(
        domestic_abuse=pd.array([True, None, False, True], dtype="boolean"),
        knife=pd.array([False, True, None, False], dtype="boolean"),
        historical=pd.array([False, False, True, None], dtype="boolean"),
    )
    # The first record three times over: the cube keeps one row with n = 3.
    return pd.concat([base, base.iloc[[0, 0]]], ignore_index=True)


FILTERS = [
    sf.RecordFilter(),
    sf.RecordFilter(start=M("2025-01-01"), end=M("2025-02-01")),
    sf.RecordFilter(start=M("2024-12-01"), end=M("2024-12-01"), hours=(15, 21)),
    sf.RecordFilter(hours=(22, 3)),
    sf.RecordFilter(offence_groups=("Robbery",), domestic_abuse=True),
    sf.RecordFilter(knife=False, weekdays=(0, 6), wards=("W2",)),
    sf.RecordFilter(domestic_abuse=False, exclude_historical=True),
    sf.RecordFilter(start=M("2030-01-01")),
]


def test_cube_collapses_identical_records_and_keeps_the_total():
    cube = hs.tasking_cube(hs.tasking_columns(_varied()))
    assert len(cube) == 4 and cube.records == 6 and int(cube.n.sum()) == 6
    assert sorted(cube.n.tolist()) == [1, 1, 1, 3]


def test_distinct_rows_packs_wide_codes_and_keeps_first_appearance_order():
    import numpy as np

    big = np.array([2**40, -1, 2**40, 7, -1], dtype=np.int64)  # three columns this wide overflow an int64
    wide = np.array([2**41, 2**42, 2**41, 2**42, 2**42], dtype=np.int64)
    codes = {"a": big, "b": wide, "c": big, "d": np.array([0, 1, 0, 1, 1], dtype=np.int8)}
    first, n = hs._distinct_rows(codes)
    # rows 0 and 2 are the same, and rows 1 and 4
    assert first.tolist() == [0, 1, 3] and n.tolist() == [2, 2, 1]
    rows = list(zip(*(v.tolist() for v in codes.values()), strict=True))
    assert len({rows[i] for i in first}) == len(first) == len(set(rows))


@pytest.mark.parametrize("f", FILTERS)
def test_cube_gives_the_same_figures_as_filtering_the_records(f):
    recs = hs.tasking_columns(_varied())
    cube = hs.tasking_cube(recs)
    mask = hs.cube_mask(cube, f)
    picked = sf.apply(recs, f)
    assert hs.cube_total(cube, mask) == len(picked)
    for level in ("ward", "lsoa"):
        got = hs.cube_area_counts(cube, mask, level).sort_values("area_code").reset_index(drop=True)
        want = hs.record_counts(picked, level).sort_values("area_code").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want)
        got_m = hs.cube_monthly_area_counts(cube, mask, level)
        want_m = hs.monthly_area_counts(picked, level)
        key = ["area_code", "month"]
        assert got_m.sort_values(key).to_dict("records") == want_m.sort_values(key).to_dict("records")
        areas = pd.Series(["W1", "W2", "W3", "L1", "L2", "L3"])
        got_e = hs.cube_emerging_totals(cube, mask, level, areas)
        want_e = hs.emerging_totals(want_m, areas, recs["month"].max())
        pd.testing.assert_frame_equal(got_e, want_e)
    pd.testing.assert_frame_equal(
        hs.cube_cell_table(cube, mask), hs.cell_table(picked), check_dtype=False, check_index_type=False
    )


@pytest.mark.parametrize("f", FILTERS)
def test_tasking_counts_equal_filtering_the_records_period_by_period(f):
    recs = hs.tasking_columns(_varied())
    cube = hs.tasking_cube(recs)
    areas = pd.Series(["W1", "W2", "W3", "L1", "L2", "L3"])

    def counts(filt, level):
        got = hs.record_counts(sf.apply(recs, filt), level)
        return got.sort_values("area_code").reset_index(drop=True)

    for level in ("ward", "lsoa"):
        tc = hs.cube_tasking_counts(cube, f, level, areas)
        pd.testing.assert_frame_equal(
            tc.current.sort_values("area_code").reset_index(drop=True), counts(f, level)
        )
        if f.start is not None and f.end is not None:
            pstart, pend = hs.previous_period(f.start, f.end)
            want_prev = counts(replace(f, start=pstart, end=pend), level)
        else:
            want_prev = counts(sf.RecordFilter(start=M("1900-01-01"), end=M("1900-01-01")), level)
        pd.testing.assert_frame_equal(
            tc.previous.sort_values("area_code").reset_index(drop=True), want_prev, check_index_type=False
        )
        any_month = sf.apply(recs, replace(f, start=None, end=None))
        want_e = hs.emerging_totals(hs.monthly_area_counts(any_month, level), areas, recs["month"].max())
        pd.testing.assert_frame_equal(tc.emerging, want_e)
        assert tc.latest == recs["month"].max()
    pd.testing.assert_frame_equal(
        tc.cells, hs.cell_table(sf.apply(recs, f)), check_dtype=False, check_index_type=False
    )


def test_cube_helpers_describe_the_data():
    cube = hs.tasking_cube(hs.tasking_columns(_varied()))
    assert hs.cube_offence_groups(cube) == ["Robbery", "Violence"]
    assert hs.cube_latest_month(cube) == M("2025-02-01")
    assert hs.cube_has_times(cube) and hs.cube_has_coordinates(cube)
    only_unlocated = hs.cube_mask(cube, sf.RecordFilter(start=M("2025-02-01")))
    assert not hs.cube_has_coordinates(cube, only_unlocated)


@pytest.mark.realdata
def test_cube_matches_the_records_on_the_simulation():
    from svd.config import data_dir
    from svd.records import load_records

    recs = hs.tasking_columns(load_records(extract=None, data_dir=data_dir()).data)
    cube = hs.tasking_cube(recs)
    assert int(cube.n.sum()) == len(recs)
    latest = recs["month"].max()
    knife_groups = tuple(
        recs.loc[recs["knife"].fillna(False).astype(bool), "offence_group"].astype(str).unique()[:2]
    )
    for f in [
        sf.RecordFilter(start=latest - pd.DateOffset(months=11), end=latest, hours=sf.PRIORITY_WINDOW),
        sf.RecordFilter(domestic_abuse=True, weekdays=(4, 5), hours=(21, 6)),
        sf.RecordFilter(offence_groups=knife_groups, knife=True),
    ]:
        mask = hs.cube_mask(cube, f)
        picked = sf.apply(recs, f)
        assert hs.cube_total(cube, mask) == len(picked) > 0
        got = hs.cube_area_counts(cube, mask, "lsoa").set_index("area_code")["count"].sort_index()
        want = hs.record_counts(picked, "lsoa").set_index("area_code")["count"].sort_index()
        pd.testing.assert_series_equal(got, want)


def _small_table():
    areas = pd.DataFrame({"area_code": ["A", "B", "C", "D"], "area_name": ["a", "b", "c", "d"]})
    pop = pd.DataFrame({"area_code": ["A", "B", "C", "D"], "population": [1000] * 4})
    cur = pd.DataFrame({"area_code": ["A", "B", "C"], "count": [3, 10, 20]})
    prev = pd.DataFrame({"area_code": ["A", "B", "C"], "count": [6, 12, 20]})
    return hs.area_table(areas, pop, cur, prev)


def test_sensitive_selection():
    assert hs.is_sensitive(["Rape", "Other sexual offences"], None)
    assert hs.is_sensitive([], True)
    # Issue 12: ANY sensitive group makes the selection sensitive (Rape and homicide used to count as not);
    # no groups chosen means every group, rape included.
    assert hs.is_sensitive(["Rape", "Homicide"], None) and hs.is_sensitive(["Rape", "Theft"], False)
    assert hs.is_sensitive([], None)
    assert not hs.is_sensitive(["Homicide", "Theft"], None) and not hs.is_sensitive(["Theft"], False)


def test_public_areas_hide_small_counts_with_a_secondary_and_blank_rates():
    t = _small_table()
    assert hs.public_areas(t, "lsoa", True, public_on=False) is t
    assert hs.public_areas(t, "ward", False, public_on=True) is t  # not sensitive: shown in full
    assert hs.public_areas(t, "lsoa", False, public_on=True) is t
    shown = hs.with_tooltips(hs.public_areas(t, "lsoa", True, public_on=True)).set_index("area_code")
    assert shown["count"].tolist() == ["<5", "[c]", "20", "0"]
    assert pd.isna(shown.loc["A", "rate_per_1000"]) and pd.isna(shown.loc["B", "change_text"])
    assert "<5 offences" in shown.loc["A", "tip"] and "– per 1,000" in shown.loc["A", "tip"]
    values = hs.map_values(shown.reset_index(), "rate_per_1000").set_index("area_code")
    assert values["count"].isna().tolist() == [True, True, False, False]
    assert values["rate_per_1000"].isna().tolist() == [True, True, False, False]
    assert values["label"].tolist() == ["<5", "[c]", "20.00", "0.00"]
    assert hs.map_values(t, "count")["label"].tolist() == ["3", "10", "20", "0"]


def test_headline_with_scope_and_hidden_leader():
    s = hs.summarise(pd.DataFrame({"area_name": ["a", "b"], "count": [3, 1], "previous": [2, 2]}))
    text = hs.headline_sentence(s, "lsoa", "Jan 2025", "offences", "Jan 2025; Rape", hide_small=True)
    assert "fewer than 5 of the 4 offences matching the map's filters (Jan 2025; Rape)" in text
    assert "3 of the" not in text and "75%" not in text
    assert "3 of the 4 offences (75%) matching" in hs.headline_sentence(s, "lsoa", "x", "offences", "x")


def test_public_cells():
    cells = pd.DataFrame({"key": [1, 2, 3], "count": [4, 5, 12]})
    assert hs.public_cells(cells)["key"].tolist() == [2, 3]


def _cube_with_empty_groups():
    recs = _records().assign(
        offence=["personal_robbery", "gbh", "personal_robbery", "other"],
        offence_group=pd.Categorical(
            ["Robbery", "Violence", "Robbery", "Violence"],
            categories=["Burglary", "Robbery", "Unclassified", "Violence"],
        ),
    )
    return hs.tasking_cube(hs.tasking_columns(recs))


def test_offence_groups_without_records_are_not_offered_but_named():
    cube = _cube_with_empty_groups()
    assert hs.cube_offence_groups(cube) == ["Robbery", "Violence"]
    assert hs.cube_groups_without_records(cube) == ["Burglary"]  # "Unclassified" is not worth a note


def test_offence_choice_defaults_to_serious_violence():
    cube = _cube_with_empty_groups()
    choices = hs.offence_choices(cube)
    assert list(choices)[:2] == [hs.SERIOUS_VIOLENCE, hs.ALL_OFFENCES]
    assert choices["gbh"] == "GBH" and set(choices) == {
        hs.SERIOUS_VIOLENCE,
        hs.ALL_OFFENCES,
        "gbh",
        "other",
        "personal_robbery",
    }
    # Serious violence: the definition's types the records have, in the definition's order ("other" is not one).
    assert hs.offences_for(hs.SERIOUS_VIOLENCE, cube) == ["gbh", "personal_robbery"]
    assert hs.offences_for(hs.ALL_OFFENCES, cube) == [] and hs.offences_for("gbh", cube) == ["gbh"]
    assert hs.offences_for("arson", cube) == []  # a type the records lack: all offences, not an empty map
    # The choice filters the counts: serious violence drops the "other" record.
    areas = pd.Series(["W1", "W2"])
    sv = hs.cube_tasking_counts(cube, sf.RecordFilter(), "ward", areas, offences=["gbh", "personal_robbery"])
    every = hs.cube_tasking_counts(cube, sf.RecordFilter(), "ward", areas)
    assert sv.current["count"].sum() == 3 and every.current["count"].sum() == 4
    serious = hs.serious_violence_offences(cube)
    assert hs.describe(sf.RecordFilter(), serious, serious).endswith("; London-definition serious violence")
    assert hs.describe(sf.RecordFilter(), ["gbh"], serious).endswith("; GBH")
    assert hs.describe(sf.RecordFilter(), [], serious) == sf.describe(sf.RecordFilter())


def test_serious_violence_proxy_groups_come_from_the_taxonomy():
    groups = [
        "Burglary",
        "Homicide",
        "Personal robbery",
        "Rape",
        "Violence with injury",
        "Violence without injury",
    ]
    assert hs.serious_violence_proxy_groups(groups) == [
        "Homicide",
        "Personal robbery",
        "Rape",
        "Violence with injury",
    ]
