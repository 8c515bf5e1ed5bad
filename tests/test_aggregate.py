"""Aggregation on tiny hand-checked frames."""

from __future__ import annotations

import pandas as pd
import pytest

from svd import aggregate as agg


def _m(s: str) -> pd.Timestamp:
    return pd.Timestamp(s + "-01")


def test_monthly_counts_fills_missing_months_with_zero():
    df = pd.DataFrame(
        {"month": [_m("2024-01"), _m("2024-03"), _m("2024-03")], "area": ["A", "A", "B"], "count": [2, 3, 4]}
    )
    out = agg.monthly_counts(df, by=["area"])
    a = out[out["area"] == "A"]["count"].tolist()
    b = out[out["area"] == "B"]["count"].tolist()
    assert a == [2, 0, 3] and b == [0, 0, 4]


def test_rolling_12_needs_twelve_months():
    months = pd.date_range("2023-01-01", periods=14, freq="MS")
    df = pd.DataFrame({"month": months, "count": range(1, 15)})
    out = agg.rolling_12(df)
    assert out["rolling_12m"].isna().sum() == 11
    assert out["rolling_12m"].iloc[11] == sum(range(1, 13))  # 78
    assert out["rolling_12m"].iloc[13] == sum(range(3, 15))  # 102


def test_latest_periods_and_totals():
    months = pd.date_range("2023-04-01", "2026-03-01", freq="MS")
    df = pd.DataFrame({"month": months, "count": 1})
    p = agg.latest_periods(df["month"])
    assert p.label == "Apr 2025 to Mar 2026" and p.previous_label == "Apr 2024 to Mar 2025"
    tot = agg.period_totals(df, p)
    assert tot.loc[0, "current"] == 12 and tot.loc[0, "previous"] == 12
    # A Series, an Index and a plain list of months give the same periods (NaT is ignored).
    for months_in in (pd.Index(months), list(months), pd.Series([*months, pd.NaT])):
        q = agg.latest_periods(months_in)
        assert q.current.equals(p.current) and q.previous.equals(p.previous)


def test_rates_and_rank():
    rates = pd.DataFrame(
        {"borough_code": ["X", "Y", "Z"], "count": [10, 30, 5], "population": [1000, 2000, 500]}
    )
    rates = rates.assign(rate_per_1000=agg.rate_per_1000(rates["count"], rates["population"]))
    assert rates["rate_per_1000"].tolist() == [10.0, 15.0, 10.0]
    assert agg.london_rank(rates, "Y") == (1, 3)
    with pytest.raises(KeyError):
        agg.london_rank(rates, "Q")


def test_add_rates_joins_population():
    df = pd.DataFrame({"ward_code": ["W1", "W2"], "count": [5, 8]})
    pop = pd.DataFrame({"ward_code": ["W1", "W2"], "all_ages": [2500, 4000]})
    out = agg.add_rates(df, pop, on="ward_code")
    assert out["rate_per_1000"].tolist() == [2.0, 2.0]
    assert "population" in out and "rate_per_1000" not in df
