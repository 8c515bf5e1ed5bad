"""Monthly series, rolling totals, 12-against-12 and 5-year comparisons, London ranks."""

from __future__ import annotations

import pandas as pd
import pytest

from svd import trends
from svd.stats import poisson_change

RAPE = ("SEXUAL OFFENCES", "RAPE")
OTHER = ("SEXUAL OFFENCES", "OTHER SEXUAL OFFENCES")
THEFT = ("THEFT", "SHOPLIFTING")


def _table(rows: list[tuple[str, str, tuple[str, str], int]]) -> pd.DataFrame:
    """(month 'YYYY-MM', area_code, (major, minor), count) → a tidy MPS-like table."""
    return pd.DataFrame(
        {
            "month": pd.to_datetime([r[0] + "-01" for r in rows]),
            "area_code": [r[1] for r in rows],
            "major": [r[2][0] for r in rows],
            "minor": [r[2][1] for r in rows],
            "count": [r[3] for r in rows],
        }
    )


def test_monthly_marks_gaps_and_fills_covered_months_with_zero():
    t = _table(
        [
            ("2023-01", "A", RAPE, 3),
            ("2023-01", "A", OTHER, 2),
            ("2023-01", "B", RAPE, 10),
            ("2023-02", "A", THEFT, 7),  # covered month, no sexual offences in area A → 0
            # 2023-03 missing from the publication → a gap
            ("2023-04", "A", RAPE, 1),
        ]
    )
    s = trends.monthly(t, [RAPE, OTHER], ["A"])
    assert list(s["month"].dt.strftime("%Y-%m")) == ["2023-01", "2023-02", "2023-03", "2023-04"]
    assert s["count"].tolist()[:2] == [5, 0]
    assert pd.isna(s["count"].iloc[2])
    assert s["count"].iloc[3] == 1
    assert s["covered"].tolist() == [True, True, False, True]
    assert trends.monthly(t, [RAPE])["count"].iloc[0] == 13  # all areas


def test_add_rolling_sums_12_months_and_breaks_at_gaps():
    months = pd.date_range("2020-01-01", periods=26, freq="MS")
    counts = list(range(1, 27))
    s = trends.from_counts(months, counts)
    r = trends.add_rolling(s)
    assert pd.isna(r["rolling_12m"].iloc[10])
    assert r["rolling_12m"].iloc[11] == sum(range(1, 13)) == 78
    assert r["rolling_12m"].iloc[23] == sum(range(13, 25)) == 222
    assert r["previous_12m"].iloc[23] == 78
    assert r["yoy_pct"].iloc[23] == pytest.approx((222 - 78) / 78 * 100)
    gappy = trends.from_counts(months, [*counts[:15], None, *counts[16:]])
    rg = trends.add_rolling(gappy)
    assert rg["rolling_12m"].iloc[14] == sum(range(4, 16))
    assert rg["rolling_12m"].iloc[15:].isna().all()  # every window to the end still touches the gap


def test_gaps_and_gap_text():
    s = trends.from_counts(
        ["2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06"], [1, None, None, 4, None, 6]
    )
    g = trends.gaps(s)
    assert g["months"].tolist() == [2, 1]
    assert g["start"].iloc[0] == pd.Timestamp("2023-02-01")
    assert g["end"].iloc[0] == pd.Timestamp("2023-03-01")
    assert (
        trends.gap_text(s)
        == "No figures are published for Feb 2023 to Mar 2023, May 2023: shown as a gap, not as zero."
    )
    assert trends.gap_text(trends.from_counts(["2023-01"], [1])) == ""
    assert trends.last_before_gap(s) == pd.Timestamp("2023-01-01")
    assert trends.last_before_gap(trends.from_counts(["2023-01"], [1])) is None


def test_compare_12_against_previous_12():
    months = pd.date_range("2022-01-01", periods=25, freq="MS")
    counts = [10] * 13 + [15] * 12  # Jan 2022 .. Jan 2023 at 10, Feb 2023 .. Jan 2024 at 15
    c = trends.compare(trends.from_counts(months, counts))
    assert c.end == pd.Timestamp("2024-01-01")
    assert (c.current, c.previous) == (180, 120)
    expected = poisson_change(180, 120)
    assert c.label == expected.label and c.significant == expected.significant
    assert c.current_period == "Feb 2023 to Jan 2024"
    assert c.previous_period == "Feb 2022 to Jan 2023"
    assert c.pct_change == pytest.approx(50)
    assert c.sentence("rape").startswith(
        "Rape rose by 50% in the 12 months to January 2024 (180 offences against 120"
    )
    assert c.sentence("rape").endswith("a statistically significant change.")


def test_compare_skips_windows_touching_a_gap_and_returns_none_when_nothing_is_covered():
    months = pd.date_range("2021-01-01", periods=30, freq="MS")
    counts = [5] * 30
    counts[27] = None  # 2023-04 missing: the latest covered pair ends at 2023-03
    c = trends.compare(trends.from_counts(months, counts))
    assert c.end == pd.Timestamp("2023-03-01")
    assert (c.current, c.previous) == (60, 60)
    assert c.sentence("robbery") == (
        "Robbery was unchanged in the 12 months to March 2023 (60 offences against 60 "
        "in the previous 12 months) — not a statistically significant change."
    )
    assert trends.compare(trends.from_counts(months[:20], [5] * 20)) is None
    assert trends.compare(trends.from_counts(months, counts), end="2023-06") is None


def test_five_year_change_uses_the_same_12_months_five_years_earlier_and_flags_covid():
    months = pd.date_range("2015-01-01", "2021-12-01", freq="MS")
    counts = [10 if m.year == 2016 else (20 if m.year == 2021 else 1) for m in months]
    c = trends.five_year_change(trends.from_counts(months, counts))
    assert c.end == pd.Timestamp("2021-12-01") and c.lag_months == 60
    assert (c.current, c.previous) == (240, 120)
    assert c.previous_period == "Jan 2016 to Dec 2016"
    assert c.covid  # Jan-Dec 2021 overlaps the lockdown months (to June 2021)


def test_comparison_table_lists_each_comparison():
    months = pd.date_range("2015-01-01", "2021-12-01", freq="MS")
    s = trends.from_counts(months, [2] * len(months))
    t = trends.comparison_table([trends.five_year_change(s), None, trends.compare(s, end="2017-12")])
    assert t["12 months"].tolist() == ["Jan 2021 to Dec 2021", "Jan 2017 to Dec 2017"]
    assert t["compared with"].tolist() == ["Jan 2016 to Dec 2016", "Jan 2016 to Dec 2016"]
    assert t["change %"].tolist() == [0.0, 0.0]
    assert t["note"].tolist() == ["the earlier 12 months include COVID-19 lockdowns", ""]


def test_covid_flag_covers_either_window():
    base = dict(lag_months=60, current=1, previous=1, label="x", p_value=1.0, significant=False)
    assert trends.Comparison(end=pd.Timestamp("2025-12-01"), **base).covid  # earlier window is 2020
    assert not trends.Comparison(end=pd.Timestamp("2019-12-01"), **base).covid
    assert trends.Comparison(end=pd.Timestamp("2021-01-01"), **{**base, "lag_months": 12}).covid


def test_straddles_tells_when_a_comparison_crosses_the_connect_change():
    base = dict(current=1, previous=1, label="x", p_value=1.0, significant=False)
    assert not trends.Comparison(end=pd.Timestamp("2026-03-01"), lag_months=12, **base).straddles(
        trends.CONNECT_MONTH
    )
    assert trends.Comparison(end=pd.Timestamp("2025-12-01"), lag_months=12, **base).straddles(
        trends.CONNECT_MONTH
    )
    assert not trends.Comparison(end=pd.Timestamp("2024-02-01"), lag_months=12, **base).straddles("2024-03")


def _pops() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "borough_code": ["E09000001", "E09000002", "E09000003", "E09000004", "E12000007"],
            "borough_name": ["City of London", "Barking and Dagenham", "Barnet", "Bexley", "London"],
            "all_ages": [8_000, 200_000, 400_000, 100_000, 708_000],
            "is_region": [False, False, False, False, True],
        }
    )


def _borough_table() -> pd.DataFrame:
    rows = []
    for m in pd.date_range("2024-01-01", periods=12, freq="MS"):
        ym = f"{m:%Y-%m}"
        rows += [
            (ym, "E09000002", RAPE, 10),
            (ym, "E09000003", RAPE, 10),
            (ym, "E09000004", RAPE, 10),
            (ym, "E09000001", RAPE, 50),
            (ym, "E09000004", THEFT, 99),
        ]
    t = _table(rows)
    extra = _table([("2024-06", "E09000002", RAPE, 1)]).assign(area_code=[None])  # 'Unknown' borough row
    return pd.concat([t, extra], ignore_index=True)


def test_london_rates_leave_out_the_city_and_non_boroughs():
    t = _borough_table()
    r = trends.london_rates(t, [RAPE], _pops(), pd.date_range("2024-01-01", periods=12, freq="MS"))
    assert set(r["borough_code"]) == {"E09000002", "E09000003", "E09000004"}
    assert r.set_index("borough_code")["count"].to_dict() == {
        "E09000002": 120,
        "E09000003": 120,
        "E09000004": 120,
    }
    assert r["borough_code"].iloc[0] == "E09000004"  # smallest population, highest rate
    assert r.set_index("borough_code").loc["E09000002", "rate_per_1000"] == pytest.approx(0.6)


def test_rank_gives_position_rate_and_london_rate():
    rk = trends.rank(_borough_table(), [RAPE], _pops())
    assert (rk.rank, rk.of, rk.count) == (2, 3, 120)
    assert rk.rate_per_1000 == pytest.approx(0.6)
    assert rk.london_rate_per_1000 == pytest.approx(360 / 700_000 * 1000)
    assert rk.period == "Jan 2024 to Dec 2024"
    assert rk.sentence("rape offences") == (
        "Jan 2024 to Dec 2024: 120 rape offences, 0.60 per 1,000 residents in Barking and Dagenham against 0.51 "
        "across London — 2nd highest of 3 boroughs."
    )
    assert rk.table["borough_code"].tolist() == ["E09000004", "E09000002", "E09000003"]
    assert trends.rank(_borough_table(), [RAPE], _pops(), end="2025-06") is None  # window not covered


# ------------------------------------------------------------------------------------------ real data


@pytest.fixture(scope="module")
def borough():
    from svd.mps import load_mps

    return load_mps(level="borough").table


def _raw_borough_sum(fname: str, minor: str, months: list[str]) -> int:
    from svd.config import data_dir

    raw = pd.read_csv(data_dir() / "crime" / "mps" / fname)
    row = raw[(raw["BoroughName"] == "Barking and Dagenham") & (raw["MinorText"] == minor)]
    return int(row[months].sum(axis=1).sum())


@pytest.mark.realdata
def test_real_borough_series_has_the_2023_gap(borough):
    s = trends.monthly(borough, [RAPE, OTHER], ["E09000002"])
    assert s["month"].min() == pd.Timestamp("2010-04-01")
    assert (
        trends.gap_text(s)
        == "No figures are published for Mar 2023 to Dec 2023: shown as a gap, not as zero."
    )
    r = trends.add_rolling(s).set_index("month")
    assert pd.isna(r.loc["2023-06-01", "rolling_12m"])
    assert pd.isna(r.loc["2024-06-01", "rolling_12m"])  # still touches the gap
    assert not pd.isna(r.loc["2024-12-01", "rolling_12m"])


@pytest.mark.realdata
def test_real_five_year_change_reconciles_with_the_published_files(borough):
    s = trends.monthly(borough, [RAPE], ["E09000002"])
    c = trends.five_year_change(s)
    assert c.end == pd.Timestamp("2025-12-01")
    hist = "MPS Borough Level Crime (Historical) 2010-04 to 2023-02.csv"
    recent = "MPS Borough Level Crime (most recent 24 months) 2024-01 to 2025-12.csv"
    assert c.previous == _raw_borough_sum(hist, "RAPE", [f"2020{m:02d}" for m in range(1, 13)])
    assert c.current == _raw_borough_sum(recent, "RAPE", [f"2025{m:02d}" for m in range(1, 13)])
    assert c.covid  # the earlier window is 2020: the page must say so
    pre_gap = trends.five_year_change(s, end="2023-02")
    # 12 months to Feb 2023 against the 12 months to Feb 2018 (Mar 2017 to Feb 2018), both in the historical file
    assert pre_gap.previous == _raw_borough_sum(
        hist, "RAPE", [f"2017{m:02d}" for m in range(3, 13)] + ["201801", "201802"]
    )
    assert pre_gap.current == _raw_borough_sum(
        hist, "RAPE", [f"2022{m:02d}" for m in range(3, 13)] + ["202301", "202302"]
    )


@pytest.mark.realdata
def test_real_rank_is_among_32_boroughs(borough):
    from svd.population import london_populations

    rk = trends.rank(borough, [("ROBBERY", "ROBBERY OF PERSONAL PROPERTY")], london_populations())
    assert rk.of == 32
    recent = "MPS Borough Level Crime (most recent 24 months) 2024-01 to 2025-12.csv"
    assert rk.count == _raw_borough_sum(
        recent, "ROBBERY OF PERSONAL PROPERTY", [f"2025{m:02d}" for m in range(1, 13)]
    )
    assert rk.rate_per_1000 == pytest.approx(rk.count / 218_869 * 1000)
    assert 1 <= rk.rank <= 32


def test_ward_rates_count_latest_12_months_and_the_12_before_per_ward():
    """W1: 3 rapes in Apr 2025 (current, 24 months 2024-04..2026-03) and 2 in Apr 2024 (previous); theft
    ignored. W2: nothing in the window but 1 other sexual offence in 2024-03 (outside both periods). W3 has no
    rows at all and still gets a zero row."""
    t = _table(
        [
            ("2026-03", "W1", THEFT, 50),
            ("2025-04", "W1", RAPE, 3),
            ("2024-04", "W1", RAPE, 2),
            ("2024-03", "W2", OTHER, 1),
        ]
    )
    pop = pd.DataFrame(
        {"ward_code": ["W1", "W2", "W3"], "ward_name": ["One", "Two", "Three"], "all_ages": [1500, 2000, 100]}
    )
    out = trends.ward_rates(t, [RAPE, OTHER], pop)
    assert out["ward_code"].tolist() == ["W1", "W2", "W3"]
    assert out["current"].tolist() == [3, 0, 0] and out["previous"].tolist() == [2, 0, 0]
    assert out["rate"].iloc[0] == pytest.approx(2.0)  # 3 per 1,500 residents = 2 per 1,000
    assert (out["rate_lower"].iloc[0] < 2.0 < out["rate_upper"].iloc[0]) and out["rate"].iloc[1] == 0
