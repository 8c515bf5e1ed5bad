"""The period rule (svd.aggregate.periods_for): the chosen months against the same months a year earlier."""

from __future__ import annotations

import pandas as pd
import pytest

from svd import aggregate as agg


def _m(s: str) -> pd.Timestamp:
    return pd.Timestamp(s + "-01")


def _labels(idx: pd.DatetimeIndex) -> list[str]:
    return [f"{m:%Y-%m}" for m in idx]


def test_october_to_march_is_compared_with_october_to_march_a_year_before():
    p = agg.periods_for(_m("2024-10"), _m("2025-03"))
    assert _labels(p.current) == ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03"]
    # Not Apr–Sep 2024 (the six months immediately before): the same season a year earlier.
    assert _labels(p.previous) == ["2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"]
    assert (p.label, p.previous_label) == ("Oct 2024 to Mar 2025", "Oct 2023 to Mar 2024")


def test_twelve_months_and_a_single_month():
    p = agg.periods_for(_m("2024-04"), _m("2025-03"))
    assert (p.previous_start, p.previous_end) == (_m("2023-04"), _m("2024-03"))
    one = agg.periods_for(_m("2025-02"), _m("2025-02"))
    assert _labels(one.previous) == ["2024-02"] and one.label == "Feb 2025"


def test_a_window_longer_than_a_year_goes_back_whole_years_without_overlap():
    p = agg.periods_for(_m("2024-01"), _m("2025-06"))  # 18 months
    assert _labels(p.previous)[0] == "2022-01" and _labels(p.previous)[-1] == "2023-06"
    assert not set(p.current) & set(p.previous)


def test_mid_month_dates_are_months_and_a_reversed_window_is_refused():
    p = agg.periods_for(pd.Timestamp("2024-10-15"), pd.Timestamp("2024-12-31"))
    assert _labels(p.current) == ["2024-10", "2024-11", "2024-12"]
    with pytest.raises(ValueError):
        agg.periods_for(_m("2025-03"), _m("2024-10"))


def test_latest_periods_is_the_rule_on_the_last_twelve_months():
    months = pd.Series([_m("2023-01"), _m("2026-03"), _m("2025-07")])
    p = agg.latest_periods(months)
    q = agg.periods_for(_m("2025-04"), _m("2026-03"))
    assert _labels(p.current) == _labels(q.current) and _labels(p.previous) == _labels(q.previous)
    assert p.previous_label == "Apr 2024 to Mar 2025"


def test_both_windows_must_be_inside_the_data_else_it_says_so():
    have = pd.Series(pd.date_range("2023-04-01", "2025-03-01", freq="MS"))
    inside = agg.periods_for(_m("2024-10"), _m("2025-03"))
    assert inside.comparable(have) and inside.problem(have) is None

    too_early = agg.periods_for(_m("2023-10"), _m("2024-03"))  # compared with Oct 2022 – Mar 2023
    assert not too_early.comparable(have)
    assert too_early.problem(have, "the MPS ward counts") == (
        "The MPS ward counts do not reach back far enough (Oct 2022 to Mar 2023 missing), so Oct 2023 to "
        "Mar 2024 cannot be compared with Oct 2022 to Mar 2023."
    )
    half_early = agg.periods_for(_m("2024-01"), _m("2024-06"))  # Jan–Mar 2023 missing, Apr–Jun 2023 there
    assert _labels(half_early.missing(have)[1]) == ["2023-01", "2023-02", "2023-03"]

    too_late = agg.periods_for(_m("2025-01"), _m("2025-06"))
    assert "do not cover every chosen month (Apr 2025 to Jun 2025 missing)" in too_late.problem(have)


def test_period_totals_use_the_same_months_a_year_earlier():
    df = pd.DataFrame(
        {
            "month": [_m("2023-10"), _m("2024-04"), _m("2024-10"), _m("2025-03")],
            "count": [5, 100, 7, 11],  # Apr 2024 lies between the windows: counted in neither
        }
    )
    tot = agg.period_totals(df, agg.periods_for(_m("2024-10"), _m("2025-03"))).iloc[0]
    assert (tot["current"], tot["previous"]) == (18, 5)


# --- the figure builders take the chosen months (svd.metrics, svd.trends) ------------------------------------


def _mps(counts: dict[str, int]) -> pd.DataFrame:
    """A tidy MPS ward table: personal robbery in one ward, one row per month."""
    return pd.DataFrame(
        {
            "month": [_m(k) for k in counts],
            "area_code": "W1",
            "major": "ROBBERY",
            "minor": "ROBBERY OF PERSONAL PROPERTY",
            "count": list(counts.values()),
        }
    )


def test_mps_figure_counts_the_chosen_months_against_the_same_months_a_year_earlier():
    from svd import metrics as mx

    months = pd.date_range("2023-01-01", "2025-06-01", freq="MS")
    table = _mps({f"{m:%Y-%m}": (10 if m.month in (10, 11, 12, 1, 2, 3) else 1) for m in months})
    m = mx.metric("personal_robbery")
    fig = mx.mps_figure(m, table, 1000.0, periods=agg.periods_for(_m("2024-10"), _m("2025-03")))
    # Oct 2024–Mar 2025: six winter months of 10; Oct 2023–Mar 2024 likewise. Apr–Sep 2024 (1 each) is not used.
    assert (fig.current, fig.previous) == (60, 60)
    assert (fig.period, fig.previous_period) == ("Oct 2024 to Mar 2025", "Oct 2023 to Mar 2024")
    assert fig.rate_per_1000 == pytest.approx(60.0)
    default = mx.mps_figure(m, table, 1000.0)  # the latest 12 months: Jul 2024 – Jun 2025
    assert default.period == "Jul 2024 to Jun 2025" and default.current == 6 * 10 + 6 * 1


def test_a_figure_whose_year_before_is_outside_the_data_is_not_compared():
    from svd import metrics as mx

    table = _mps({f"{m:%Y-%m}": 5 for m in pd.date_range("2024-01-01", "2025-06-01", freq="MS")})
    fig = mx.mps_figure(
        mx.metric("personal_robbery"), table, 1000.0, periods=agg.periods_for(_m("2024-01"), _m("2024-06"))
    )
    assert fig.current == 30 and fig.previous is None and fig.change_label is None
    assert "Jan 2023 to Jun 2023 missing" in fig.extra["period_note"]


def test_records_figure_uses_the_chosen_months_and_the_whole_sets_span():
    from svd import metrics as mx

    recs = pd.DataFrame(
        {
            "month": [
                _m("2023-10"),
                _m("2023-11"),
                _m("2024-06"),
                _m("2024-11"),
                _m("2024-11"),
                _m("2025-05"),
            ],
            "domestic_abuse": [False, True, True, True, False, True],
        }
    )
    periods = agg.periods_for(_m("2024-10"), _m("2024-12"))
    fig = mx.records_figure(mx.metric("domestic_abuse"), recs, 1000.0, True, periods=periods)
    assert (fig.current, fig.previous) == (1, 1)  # Nov 2024 against Nov 2023; Jun 2024 is in neither
    # A subset (e.g. one ward) with no records early on is still compared when the whole set spans both windows.
    sub = recs.iloc[3:]
    fig = mx.records_figure(
        mx.metric("domestic_abuse"), sub, 1000.0, True, periods=periods, available=recs["month"]
    )
    assert (fig.current, fig.previous) == (1, 0)
    alone = mx.records_figure(mx.metric("domestic_abuse"), sub, 1000.0, True, periods=periods)
    assert alone.previous is None


def test_trend_comparison_of_a_chosen_period():
    from svd import trends

    months = pd.date_range("2023-01-01", "2025-03-01", freq="MS")
    series = trends.from_counts(months, [2 if m.month in (10, 11, 12, 1, 2, 3) else 1 for m in months])
    c = trends.compare_periods(series, agg.periods_for(_m("2024-10"), _m("2025-03")))
    assert (c.current, c.previous, c.months, c.lag_months) == (12, 12, 6, 12)
    assert (c.current_period, c.previous_period) == ("Oct 2024 to Mar 2025", "Oct 2023 to Mar 2024")
    assert c.sentence("robbery").startswith(
        "Robbery was unchanged in Oct 2024 to Mar 2025 (12 offences against 12 in"
    )
    assert trends.compare_periods(series, agg.periods_for(_m("2023-04"), _m("2023-09"))) is None
