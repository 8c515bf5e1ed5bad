"""Hour × weekday grid, the 15:00–21:00 share, profiles, seasonality, places and the charts."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from shapely.geometry import box

from svd import temporal as tp

M = pd.Timestamp


def _records():
    return pd.DataFrame(
        {
            "month": [M("2024-01-01"), M("2024-01-01"), M("2025-01-01"), M("2024-07-01"), M("2024-07-01")],
            "hour": pd.array([15, 20, 21, None, 3], dtype="Int8"),
            "weekday": pd.array([0, 0, 4, None, 6], dtype="Int8"),
            "offence": ["gbh", "personal_robbery", "gbh", "gbh", "abh"],
            "lsoa_code": ["L1", "L2", "L1", "L3", "L2"],
            "latitude": [51.5, 51.5, None, None, 52.0],
            "longitude": [0.1, 0.1, None, None, 0.5],
        }
    )


def test_hour_weekday_is_the_full_grid_and_adds_up():
    g = tp.hour_weekday(_records())
    assert len(g) == 168 and g["count"].sum() == 4
    assert g.loc[(g["weekday"] == 0) & (g["hour"] == 15), "count"].item() == 1
    assert g.loc[(g["day"] == "Sunday") & (g["hour"] == 3), "count"].item() == 1
    assert g["share"].sum() == pytest.approx(1.0)


def test_window_share_counts_15_to_20_59_of_known_times():
    inside, known, share = tp.window_share(_records())
    assert (inside, known) == (2, 4)  # 15 and 20 in; 21 and 3 out; the unknown hour is not counted
    assert share == pytest.approx(0.5)
    assert tp.window_share(_records().iloc[[3]])[2] is None


def test_profiles():
    g = tp.hour_weekday(_records())
    h = tp.hour_profile(g)
    assert len(h) == 24 and h["count"].sum() == 4
    assert h.loc[h["hour"] == 15, "window"].item() == "15:00–21:00"
    assert h.loc[h["hour"] == 21, "window"].item() == "other hours"
    w = tp.weekday_profile(g)
    assert w.set_index("day")["count"].to_dict()["Monday"] == 2


def test_seasonality_averages_each_calendar_month_over_years_present():
    monthly = pd.DataFrame(
        {"month": [M("2023-01-01"), M("2024-01-01"), M("2024-02-01")], "count": [10, 20, 7]}
    )
    s = tp.seasonality(monthly).set_index("month_name")
    assert s.loc["Jan", "mean"] == 15 and s.loc["Jan", "years"] == 2
    assert s.loc["Feb", "mean"] == 7 and s.loc["Feb", "years"] == 1
    assert pd.isna(s.loc["Mar", "mean"]) and s.loc["Mar", "years"] == 0  # a gap is not a zero
    assert len(s) == 12


def test_in_place_uses_points_then_lsoas_for_unlocated_records():
    poly = box(0.0, 51.0, 0.2, 51.9)
    out = tp.in_place(_records(), poly, ("L1",))
    # rows 0,1 are inside by location; row 2 has no location but is in L1; row 4 is located outside
    assert list(out.index) == [0, 1, 2]


def test_select_offences_and_labels():
    assert len(tp.select_offences(_records(), ("gbh",))) == 3
    assert len(tp.select_offences(_records(), ())) == 5
    assert tp.offence_label("gbh") == "GBH" and tp.offence_label("personal_robbery") == "Personal robbery"


def test_heatmap_outlines_the_window_and_stays_small():
    chart = tp.heatmap_chart(tp.hour_weekday(_records()))
    spec = chart.to_dict()
    marks = [layer["mark"] for layer in spec["layer"]]
    outline = [m for m in marks if isinstance(m, dict) and m.get("filled") is False]
    assert outline and outline[0]["stroke"] == tp.BAND_COLOUR
    assert spec["description"] and spec["title"]
    datasets = spec.get("datasets", {})
    assert max(len(v) for v in datasets.values()) == 168
    json.dumps(spec)


def test_headline_sentence_cites_the_sna_figure():
    g = tp.hour_weekday(_records())
    text = tp.headline_sentence(2, 4, 0.5, 46.0, g, "offences")
    assert "50%" in text and "2023 SNA: 46%" in text and "Monday 15:00" in text
    assert "No offences" in tp.headline_sentence(0, 0, None, 46.0, g, "offences")


def test_cube_figures_equal_the_record_level_ones():
    from svd import hotspots as hs
    from svd.filters import RecordFilter

    recs = _records().assign(ward_code=["W1", "W1", "W2", "W2", "W1"])
    poly = box(0.0, 51.0, 0.2, 51.9)
    places = {"p": tp.in_place_mask(recs, poly, ("L1",)), "q": tp.in_place_mask(recs, poly, ())}
    cube = hs.tasking_cube(recs, places)
    for offences, place in [((), None), (("gbh",), None), ((), "p"), (("gbh",), "q")]:
        mask = hs.cube_mask(cube, RecordFilter(), offences=offences, place=place)
        picked = tp.select_offences(recs, offences)
        if place is not None:
            picked = picked[places[place][picked.index]]
        pd.testing.assert_frame_equal(tp.cube_hour_weekday(cube, mask), tp.hour_weekday(picked))
        assert tp.cube_window_share(cube, mask) == tp.window_share(picked)
    assert tp.cube_monthly(cube).to_dict("records") == tp.records_monthly(recs).to_dict("records")
    assert list(tp.in_place_mask(recs, poly, ("L1",))) == [True, True, True, False, False]


def test_vega_spec_skips_validation_but_the_charts_are_valid():
    grid = tp.hour_weekday(_records())
    for chart in (tp.heatmap_chart(grid), tp.hour_chart(tp.hour_profile(grid))):
        assert tp.vega_spec(chart) == chart.to_dict()  # to_dict validates against the schema


def test_headline_puts_the_sna_measure_beside_the_sna_figure():
    g = tp.hour_weekday(_records())
    text = tp.headline_sentence(2, 4, 0.5, 46.0, g, "offences", sna_share=0.44)
    assert text.startswith("44% of serious violence affecting under-25s (the SNA's measure)")
    assert "(2023 SNA: 46%)" in text and "for the current filters it was 50% of the 4 offences" in text
    without = tp.headline_sentence(2, 4, 0.5, 46.0, g, "offences")
    assert "(current filters)" in without and "serious violence affecting under-25s" in without


def test_under_25_table_gives_the_window_share_of_the_sna_population():
    recs = pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-01-01"] * 5 + ["2025-02-01"]),
            "ward_code": ["W1", "W1", "W2", "W1", "W1", "W1"],
            "hour": pd.array([16, 10, 18, pd.NA, 16, 20], dtype="Int8"),
            "offence": ["gbh", "abh", "personal_robbery", "gbh", "other", "gbh"],
            "victim_age": [17, 20, 24, 15, 16, 30],
            "historical": pd.array([False, False, False, False, False, False], dtype="boolean"),
        }
    )
    # in the SNA population: rows 0, 1, 2, 3 (row 4 is not serious violence, row 5 is 30 years old)
    table = tp.under_25_hours(recs)
    assert table["count"].sum() == 4
    assert tp.table_window_share(table, None, None) == (2, 3, 2 / 3)  # row 3 has no hour
    assert tp.table_window_share(table, None, None, ("W2",)) == (1, 1, 1.0)
    assert tp.table_window_share(table, pd.Timestamp("2025-02-01"), None) == (0, 0, None)


def test_suppress_counts_blanks_small_cells_with_a_secondary():
    grid = pd.DataFrame({"weekday": [0, 0, 0, 1], "count": [3, 7, 10, 0], "share": [0.15, 0.35, 0.5, 0.0]})
    out = tp.suppress_counts(grid, ("weekday",))
    assert out["shown"].tolist() == ["<5", "[c]", "10", "0"]
    assert out["count"].isna().tolist() == [True, True, False, False]
    assert out["share"].isna().tolist() == [True, True, False, False]
    assert tp.for_download(out)["count"].tolist() == ["<5", "[c]", "10", "0"]
    assert tp.for_download(grid) is grid
