"""The measure switch beyond the Overview and Hotspots: weighted monthly series, record-level tiles and shares,
the tasking cube's time bins, and the CLI's measure choices — on tiny hand-checked tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from svd import aggregate as agg
from svd import harm

ROBBERY = ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY")
RAPE = ("SEXUAL OFFENCES", "RAPE")
WITHOUT = ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITHOUT INJURY")  # no published cost
# The Home Office unit costs (2015/16 prices) as used: uprated by the deflator tests/test_harm.py checks.
UP = harm.deflator()["factor"]
ROB_C, RAPE_C = 11320 * UP, 39360 * UP
m = pd.Timestamp


def _ward_table() -> pd.DataFrame:
    """Two wards, three months published (Jan, Feb, Apr 2025: March missing), robbery, rape and a category
    without a cost."""
    rows = [
        ("W1", "2025-01-01", ROBBERY, 2),
        ("W2", "2025-01-01", RAPE, 1),
        ("W1", "2025-02-01", ROBBERY, 1),
        ("W2", "2025-02-01", WITHOUT, 5),
        ("W1", "2025-04-01", RAPE, 2),
    ]
    return pd.DataFrame(
        {
            "area_code": [r[0] for r in rows],
            "month": [m(r[1]) for r in rows],
            "major": [r[2][0] for r in rows],
            "minor": [r[2][1] for r in rows],
            "count": [r[3] for r in rows],
        }
    )


def test_series_weighs_each_month_and_leaves_unpublished_months_as_gaps():
    s = harm.series(_ward_table(), [ROBBERY, RAPE], "cost")
    f = s.frame
    assert s.value == "weighted" and not s.reason
    assert f["month"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03", "2025-04"]
    got = f["weighted"].tolist()
    assert got[:2] == pytest.approx([2 * ROB_C + RAPE_C, ROB_C]) and math.isnan(got[2])
    assert got[3] == pytest.approx(2 * RAPE_C)
    assert f["count"].tolist()[:2] == [3, 1]  # the offences stay beside the weighted sum
    assert "yoy_pct" not in f.columns  # the count's year-on-year columns are not carried over
    # One ward only.
    assert harm.series(_ward_table(), [ROBBERY], "cost", ["W2"]).frame["weighted"].tolist()[:2] == [0.0, 0.0]


def test_series_under_count_is_the_plain_monthly_count():
    s = harm.series(_ward_table(), [ROBBERY, RAPE], "count")
    assert s.value == "count" and s.frame["count"].tolist()[:2] == [3, 1]


def test_series_is_none_with_the_reason_when_a_category_has_no_weight():
    s = harm.series(_ward_table(), [ROBBERY, WITHOUT], "cost")
    assert s.frame is None
    assert "Violence without injury (5 offences)" in s.reason and "not counted as 0" in s.reason
    css = harm.series(_ward_table(), [RAPE], "harm_css")
    assert css.frame is None and css.reason.startswith("No trend of CSS-weighted harm")


def test_rolling_12_month_weighted_total_needs_twelve_published_months():
    months = pd.date_range("2024-01-01", periods=13, freq="MS")
    t = pd.DataFrame(
        {"area_code": "W1", "month": months, "major": ROBBERY[0], "minor": ROBBERY[1], "count": 1}
    )
    f = harm.series(t, [ROBBERY], "cost").frame
    assert f["rolling_12m"].isna().sum() == 11 and f["rolling_12m"].iloc[-1] == pytest.approx(12 * ROB_C)


def test_mps_figure_sums_the_chosen_wards_and_months():
    periods = agg.periods_for(m("2025-04-01"), m("2025-04-01"))
    t = _ward_table()
    fig = harm.mps_figure(t, [RAPE], "rape", "Rape, chosen months", "cost", periods)
    assert (
        fig.current == pytest.approx(2 * RAPE_C)
        and fig.title == "Rape, chosen months · estimated cost (£, 2024/25 prices)"
    )
    assert harm.mps_figure(t, [RAPE], "rape", "Rape", "cost", periods, ["W2"]).current is None  # none there


def _records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": [m("2025-02-01"), m("2025-02-01"), m("2024-02-01"), m("2025-02-01")],
            "offence": ["personal_robbery", "rape", "personal_robbery", "threats_to_kill"],
            "hour": pd.array([16, 2, 17, 18], dtype="Int8"),
        }
    )


def test_records_figure_weighs_by_offence_type_and_refuses_a_partial_total():
    periods = agg.periods_for(m("2025-02-01"), m("2025-02-01"))
    recs = _records()
    fig = harm.records_figure(recs.iloc[:3], "da", "DA offences", "cost", periods)
    assert (fig.current, fig.previous) == pytest.approx((ROB_C + RAPE_C, ROB_C))
    assert fig.pct_change == pytest.approx((50680 - 11320) / 11320 * 100)
    partial = harm.records_figure(recs, "da", "DA offences", "cost", periods)
    assert partial.current is None and partial.value_text == "–"
    assert "Threats to kill (1 offences)" in partial.missing


def test_records_share_is_the_weighted_share_inside_the_window_or_none_and_why():
    recs = _records().iloc[:2]
    inside = np.array([True, False])
    share, why = harm.records_share(recs, inside, "cost")
    assert share == pytest.approx(100 * 11320 / (11320 + 39360)) and why == ""
    none, why = harm.records_share(_records(), np.array([True, False, True, True]), "cost")
    assert none is None and "Threats to kill" in why


def test_records_series_weighs_each_month():
    recs = _records().iloc[:3]
    s = harm.records_series(recs, m("2024-02-01"), m("2025-02-01"), "cost")
    f = s.frame.set_index("month")["weighted"]
    assert f[m("2024-02-01")] == pytest.approx(ROB_C) and f[m("2025-02-01")] == pytest.approx(ROB_C + RAPE_C)
    assert f[m("2024-06-01")] == 0
    assert harm.records_series(_records(), None, None, "cost").frame is None


def test_cube_time_values_weigh_each_records_time_bin_and_give_the_window_share():
    from svd import filters as sf
    from svd import hotspots as hs

    recs = _records().assign(
        offence_group=["Personal robbery", "Rape", "Personal robbery", "Violence against the person"],
        weekday=pd.array([0, 1, 2, 3], dtype="Int8"),
        ward_code="W1",
        lsoa_code="L1",
        latitude=51.545,
        longitude=0.13,
    )
    cube = hs.tasking_cube(hs.tasking_columns(recs))
    mask = hs.cube_mask(cube, sf.RecordFilter(), offences=("personal_robbery", "rape"))
    s = harm.cube_time_values(cube, mask, "cost")
    values = s.frame["value"].to_numpy()
    assert values.sum() == pytest.approx(2 * ROB_C + RAPE_C)
    # 16:00 and 17:00 robberies are inside 15:00–21:00, the 02:00 rape is not.
    assert harm.window_share(values) == pytest.approx(100 * 2 * 11320 / (2 * 11320 + 39360))
    everything = hs.cube_mask(cube, sf.RecordFilter())
    gone = harm.cube_time_values(cube, everything, "cost")
    assert gone.frame is None and "Threats to kill (1 offences)" in gone.reason


def test_value_title_names_the_measure_and_its_unit():
    assert harm.value_title("count") == "Offences per month"
    assert harm.value_title("cost") == "Estimated cost per month (£, 2024/25 prices)"
    assert harm.value_title("harm_css", "in 12 months") == "CSS-weighted harm in 12 months (severity points)"


def test_the_command_lines_measure_choices_are_the_measures():
    from svd.cli import MEASURE_CHOICES, build_parser

    assert MEASURE_CHOICES == harm.MEASURES
    args = build_parser().parse_args(["figures", "--measure", "cost"])
    assert args.measure == "cost"
    assert build_parser().parse_args(["board-pack", "--out", "x.pdf"]).measure == "count"


@pytest.mark.realdata
def test_the_board_pack_under_cost_prints_the_overviews_weighted_tiles():
    from svd import boardpack

    data = boardpack.gather(measure="cost", public=False)
    weighted = [t for t in data.tiles if "estimated cost" in t.title]
    assert len(weighted) == 5  # the five MPS tiles; the record-level ones stay counts
    for t in weighted:
        assert t.value.startswith("£") and "Change not tested" in t.change and not t.rate
        assert "significant" not in t.change
    # The weights' method and source go to the sources page (the tiles keep to one page); the headline names
    # the measure.
    assert data.measure_method.startswith("Estimated cost:") and "Home Office" in data.measure_method
    assert "estimated cost" in data.headline
    with pytest.raises(ValueError, match="counts only"):
        boardpack.gather(measure="cost", public=True)
