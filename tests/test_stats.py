"""Statistics against hand-worked examples (the working is in each docstring)."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from svd import stats

# --- Poisson change -------------------------------------------------------------------------------------


def test_poisson_change_ten_against_zero_is_a_significant_increase():
    """n = 10, X ~ Bin(10, 0.5). P(X = 10) = 1/1024; two-sided p = 2/1024 = 0.001953125 < 0.05."""
    r = stats.poisson_change(10, 0)
    assert r.p_value == pytest.approx(2 / 1024)
    assert r.significant and r.label == "significant increase"
    assert r.change == 10 and r.pct_change is None


def test_poisson_change_one_against_nine_is_a_significant_decrease():
    """n = 10. P(X <= 1) = (1 + 10)/1024 = 11/1024; two-sided p = 22/1024 = 0.021484."""
    r = stats.poisson_change(1, 9)
    assert r.p_value == pytest.approx(22 / 1024)
    assert r.label == "significant decrease"
    assert r.pct_change == pytest.approx(100 * (1 / 9 - 1))  # -88.9%


def test_poisson_change_six_against_two_is_not_significant_despite_tripling():
    """n = 8. P(X >= 6) = (C(8,6) + C(8,7) + C(8,8))/256 = (28 + 8 + 1)/256 = 37/256; two-sided 74/256 = 0.289.

    A 200% rise, and still no evidence of a change: why raw percentages are not used.
    """
    r = stats.poisson_change(6, 2)
    assert r.p_value == pytest.approx(74 / 256)
    assert not r.significant and r.label == "no significant change"
    assert r.pct_change == pytest.approx(200.0)


def test_poisson_change_equal_counts_and_zero_counts():
    """Equal counts: the observed value is the mode, so every outcome is at most as likely: p = 1.

    Zero in both periods: no events, no evidence; p = 1 by convention.
    """
    assert stats.poisson_change(7, 7).p_value == pytest.approx(1.0)
    r = stats.poisson_change(0, 0)
    assert r.p_value == 1.0 and r.label == "no significant change" and r.pct_change is None


def test_poisson_change_with_unequal_exposure():
    """Current period twice as long (r = 2): under H0, X ~ Bin(10, 2/3).

    P(X=10) = (2/3)^10 = 0.0173415. Outcomes no more likely than that: k = 0..3 and 10.
    P(0) = 1/59049 = 0.0000169, P(1) = 20/59049 = 0.0003387, P(2) = 180/59049 = 0.0030483,
    P(3) = 960/59049 = 0.0162577 (P(4) = 3360/59049 = 0.0569 is more likely, so excluded).
    p = (1 + 20 + 180 + 960 + 1024)/59049 = 2185/59049 = 0.037003. Significant at 5%.
    Rate change: 10/2 per previous-length period against 0 → pct None.
    A 12 vs 5 comparison with r = 2 is a rate of 6 against 5: +20%.
    """
    r = stats.poisson_change(10, 0, exposure_ratio=2)
    assert r.p_value == pytest.approx(2185 / 59049)
    assert r.label == "significant increase"
    assert stats.poisson_change(12, 5, exposure_ratio=2).pct_change == pytest.approx(20.0)
    # 10 against 5 over twice the time is exactly the old rate: no change in either direction.
    assert stats.poisson_change(10, 5, exposure_ratio=2).label == "no significant change"


@pytest.mark.parametrize("bad", [(-1, 3), (2.5, 3), (float("nan"), 3), ("x", 3)])
def test_poisson_change_rejects_non_counts(bad):
    with pytest.raises(ValueError):
        stats.poisson_change(*bad)


def test_poisson_change_rejects_bad_alpha_and_exposure():
    with pytest.raises(ValueError):
        stats.poisson_change(3, 3, alpha=0)
    with pytest.raises(ValueError):
        stats.poisson_change(3, 3, exposure_ratio=0)


# --- emerging -------------------------------------------------------------------------------------------


def test_emerging_labels_a_pair_of_counts():
    """One area: no multiple testing (q = p) and no monthly series (dispersion 1): the exact test's verdict."""
    assert stats.emerging(10, 0) == "Emerging (FDR 5%)"
    assert stats.emerging(1, 9) == "Declining (FDR 5%)"
    assert stats.emerging(6, 2) == "Not significant"


def test_emerging_over_a_frame_adjusts_for_many_areas():
    """p = 2/1024 = 0.001953, 22/1024 = 0.021484, 74/256 = 0.289 (the hand-worked tests above). Benjamini–
    Hochberg with m = 3: sorted p × m / rank = 0.005859, 0.032227, 0.289; running minimum from the top leaves
    them so: q = [0.005859, 0.032227, 0.289] — two labels at FDR 5%."""
    df = pd.DataFrame({"current": [10, 1, 6], "previous": [0, 9, 2]})
    before = df.copy()
    out = stats.emerging(df)
    assert out["label"].tolist() == ["Emerging (FDR 5%)", "Declining (FDR 5%)", "Not significant"]
    assert out["p_value"].tolist() == pytest.approx([2 / 1024, 22 / 1024, 74 / 256])
    assert out["q_value"].tolist() == pytest.approx([3 * 2 / 1024, 1.5 * 22 / 1024, 74 / 256])
    assert pd.isna(out.loc[0, "pct_change"]) and out.loc[2, "pct_change"] == pytest.approx(200.0)
    assert "Benjamini–Hochberg FDR 5%" in out.loc[0, "method"]
    pd.testing.assert_frame_equal(df, before)  # argument untouched
    with pytest.raises(ValueError):
        stats.emerging(3)


def test_emerging_frame_with_overdispersion_and_incomplete_windows():
    """Dispersion 2 on 22 df: area (10, 0) has z = 10 / √(2 × 10) = 2.2361, two-sided t(22) p = 0.0358 (larger
    than the exact 0.00195, so it is used); BH over one area keeps it: still 'Emerging'. Twenty such areas
    with 19 of no change: q = 20 × 0.0358 = 0.716, not significant. An incomplete window labels nothing."""
    one = stats.emerging_frame(
        pd.DataFrame({"current": [10], "previous": [0]}), dispersion=2.0, dispersion_df=22
    )
    assert one["p_value"].iloc[0] == pytest.approx(0.035812, abs=1e-5)
    assert one["label"].iloc[0] == "Emerging (FDR 5%)" and "dispersion 2.0" in one["method"].iloc[0]
    many = pd.DataFrame({"current": [10] + [5] * 19, "previous": [0] + [5] * 19})
    out = stats.emerging_frame(many, dispersion=2.0, dispersion_df=22)
    assert out["q_value"].iloc[0] == pytest.approx(20 * 0.035812, abs=1e-4)
    assert (out["label"] == "Not significant").all()
    missing = stats.emerging_frame(pd.DataFrame({"current": [100], "previous": [0]}), complete=False)
    assert (
        missing["label"].tolist() == ["Not compared: a month is missing"] and missing["p_value"].isna().all()
    )
    # Columns from hotspots.emerging_totals carry the dispersion and completeness.
    cols = pd.DataFrame(
        {"current": [10], "previous": [0], "dispersion": [0.5], "dispersion_df": [22], "complete": [True]}
    )
    assert stats.emerging_frame(cols)["p_value"].iloc[0] == pytest.approx(2 / 1024)  # floored at 1: exact


def test_benjamini_hochberg_by_hand():
    """p = [0.01, 0.04, 0.03, 0.5], m = 4. Sorted 0.01, 0.03, 0.04, 0.5 times m/rank: 0.04, 0.06, 0.0533, 0.5;
    the running minimum from the largest: 0.5, 0.0533, 0.0533, 0.04. In the input order: [0.04, 0.0533,
    0.0533, 0.5]. NaN is left out of m and stays NaN."""
    q = stats.benjamini_hochberg([0.01, 0.04, 0.03, 0.5, np.nan])
    assert q[:4] == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    assert np.isnan(q[4])


# --- change test with overdispersion --------------------------------------------------------------------


def test_pearson_dispersion_by_hand_on_six_numbers():
    """Current [2, 10, 6]: mean 6, X² = (16 + 16 + 0)/6 = 5.3333. Previous [1, 5, 3]: mean 3,
    X² = (4 + 4 + 0)/3 = 2.6667. Total 8.0 on df = 6 − 2 = 4: dispersion 2.0. A window of zeros adds nothing."""
    raw, df = stats.pearson_dispersion([np.array([2, 10, 6]), np.array([1, 5, 3])])
    assert raw == pytest.approx(2.0) and df == 4
    assert stats.pearson_dispersion([np.array([2, 10, 6]), np.array([0, 0, 0])]) == (
        pytest.approx(5.3333 / 2, abs=1e-4),
        2,
    )
    # Several areas (rows) pool: two copies of the same series give the same ratio on twice the df.
    two = stats.pearson_dispersion([np.array([[2, 10, 6], [2, 10, 6]]), np.array([[1, 5, 3], [1, 5, 3]])])
    assert two == (pytest.approx(2.0), 8)
    assert stats.floored_dispersion(0.4) == 1.0 and stats.floored_dispersion(float("nan")) == 1.0


def test_change_test_allows_for_the_dispersion():
    """The six numbers above: 18 against 9, dispersion 2.0 on 4 df. z = (18 − 9)/√(2 × 27) = 9/7.3485 = 1.2247;
    two-sided t(4) p = 0.2879, larger than the exact Poisson test's 0.1221: no significant change."""
    r = stats.change_test([2, 10, 6], [1, 5, 3])
    assert (r.current, r.previous, r.change) == (18, 9, 9)
    assert r.p_value == pytest.approx(0.287864, abs=1e-5) and not r.significant
    assert r.label == "no significant change" and r.dispersion == pytest.approx(2.0)
    assert r.method == "quasi-Poisson test, dispersion 2.0 estimated from 6 monthly counts"


def test_change_test_with_little_variation_is_the_exact_poisson_test():
    """Current [3, 5, 4], previous [2, 2, 2]: X² = (1 + 1 + 0)/4 + 0 = 0.5 on 4 df, 0.125, floored at 1: the
    exact test of 12 against 6, p = binomtest(12, 18).pvalue = 0.2379; and ten months of 1 against ten of 0
    is 10 against 0, p = 2/1024 as by hand above (dispersion 0, floored)."""
    r = stats.change_test([3, 5, 4], [2, 2, 2])
    assert r.p_value == pytest.approx(0.237885, abs=1e-5) and r.dispersion == 1.0
    assert "floored at 1" in r.method
    r = stats.change_test([1] * 10, [0] * 10)
    assert r.p_value == pytest.approx(2 / 1024) and r.label == "significant increase"


def test_change_test_refuses_incomplete_or_unequal_windows():
    """A missing month (None or NaN) or windows of different lengths: never significant, and the label says why."""
    for cur, prev in (([100, None, 100], [1, 1, 1]), ([100, 100, 100], [1, float("nan"), 1])):
        r = stats.change_test(cur, prev)
        assert r.label == stats.NOT_COMPARED_MISSING == "not compared: a month is missing"
        assert not r.significant and r.p_value is None and not r.compared
    r = stats.change_test([100] * 12, [1] * 11)
    assert r.label == stats.NOT_COMPARED_LENGTH and not r.significant
    assert r.label not in stats.CHANGE_LABELS
    with pytest.raises(ValueError):
        stats.change_test([1.5, 2], [1, 2])


def test_monthly_window_marks_uncovered_months_missing():
    months = pd.date_range("2025-01-01", periods=3, freq="MS")
    counts = pd.Series([5, 7], index=[months[0], months[2]])
    got = stats.monthly_window(counts, months, available=months)
    assert got.tolist() == [5.0, 0.0, 7.0]  # a covered month with no offences is 0
    got = stats.monthly_window(counts, months, available=months[[0, 2]])
    assert got[0] == 5 and np.isnan(got[1]) and got[2] == 7


def test_share_change_test_by_hand():
    """Current 2/10 and 8/10 (share 0.5; X² = 9/2.5 + 9/2.5 = 7.2 on 1 df), previous 2/10 and 2/10 (0.2; X² = 0,
    1 df): dispersion 7.2/2 = 3.6. Pooled 14/40 = 0.35; se = √(3.6 × 0.35 × 0.65 × (1/20 + 1/20)) = 0.28618;
    z = 0.3/0.28618 = 1.0483, two-sided t(2). With steady months (dispersion floored at 1) it is the plain
    two-proportion test (``overview.share_change``)."""
    from scipy import stats as sps

    r = stats.share_change_test([2, 8], [10, 10], [2, 2], [10, 10])
    assert r.dispersion == pytest.approx(3.6)
    assert r.p_value == pytest.approx(2 * sps.t.sf(0.3 / math.sqrt(3.6 * 0.35 * 0.65 * 0.1), 2))
    assert r.label == "no significant change" and r.method.startswith("quasi-binomial")
    steady = stats.share_change_test([5, 5], [10, 10], [2, 2], [10, 10])
    from svd.overview import share_change

    assert (steady.label, steady.p_value) == pytest.approx(share_change(10, 20, 4, 20))
    assert stats.share_change_test([5, None], [10, 10], [2, 2], [10, 10]).label == stats.NOT_COMPARED_MISSING


# --- Byar's interval ------------------------------------------------------------------------------------


def test_byar_ci_for_ten():
    """O = 10, z = 1.959964.

    lower = 10 (1 - 1/90 - 1.959964/(3 sqrt 10))^3 = 10 (1 - 0.011111 - 0.206594)^3 = 10 × 0.782295^3 = 4.7874
    upper = 11 (1 - 1/99 + 1.959964/(3 sqrt 11))^3 = 11 (1 - 0.010101 + 0.196984)^3 = 11 × 1.186883^3 = 18.3915
    (exact Poisson limits are 4.7954 and 18.3904: Byar's is close even at 10).
    """
    lo, up = stats.byar_ci(10)
    assert lo == pytest.approx(4.7874, abs=1e-4)
    assert up == pytest.approx(18.3915, abs=1e-4)


def test_byar_ci_for_zero_has_lower_zero():
    """O = 0: lower is exactly 0 (Byar's formula would divide by zero); upper = 1 × (1 - 1/9 + z/3)^3
    = (0.888889 + 0.653321)^3 = 1.542210^3 = 3.6680."""
    lo, up = stats.byar_ci(0)
    assert lo == 0.0
    assert up == pytest.approx(3.6680, abs=1e-4)


def test_rate_ci_scales_the_count_interval():
    """10 offences in 2,000 residents = 5.0 per 1,000; interval = (4.7874, 18.3915) × 1000/2000."""
    rate, lo, up = stats.rate_ci(10, 2000)
    assert rate == 5.0
    assert lo == pytest.approx(4.7874 / 2, abs=1e-4) and up == pytest.approx(18.3915 / 2, abs=1e-4)
    with pytest.raises(ValueError):
        stats.rate_ci(3, 0)


def test_exact_interval_below_ten_events():
    """Garwood: lower χ²(0.025; 2O)/2, upper χ²(0.975; 2O + 2)/2. O = 0: (0, −ln 0.025 = 3.6889); O = 1:
    (−ln 0.975 = 0.0253, 5.5716); O = 9: (4.1154, 17.0848) (the published exact table). From 10: Byar."""
    assert stats.count_interval(0) == pytest.approx((0.0, -math.log(0.025)))
    assert stats.count_interval(1) == pytest.approx((-math.log(0.975), 5.5716), abs=1e-4)
    assert stats.count_interval(9) == pytest.approx((4.1154, 17.0848), abs=1e-4)
    assert stats.count_interval(9) == stats.garwood_ci(9)
    assert stats.count_interval(10) == stats.byar_ci(10)
    rate, lo, up = stats.rate_interval(1, 500)  # 1 offence in 500 residents: 2 per 1,000
    assert (
        rate == 2.0
        and lo == pytest.approx(2 * 0.025318, abs=1e-5)
        and up == pytest.approx(2 * 5.5716, abs=1e-3)
    )


def test_vectorised_intervals_match_the_scalar_ones():
    counts = pd.Series([0, 10, 250, 4], index=["a", "b", "c", "d"])
    ci = stats.byar_ci_frame(counts)
    assert list(ci.index) == ["a", "b", "c", "d"]
    for k, c in counts.items():
        assert (ci.loc[k, "lower"], ci.loc[k, "upper"]) == pytest.approx(stats.count_interval(c))
    df = pd.DataFrame({"ward": ["W1", "W2", "W3"], "count": [10, 0, 4], "population": [2000, 500, 0]})
    out = stats.rates_with_ci(df)
    assert out.loc[0, "rate"] == 5.0 and out.loc[1, "rate"] == 0.0 and out.loc[1, "rate_lower"] == 0.0
    assert pd.isna(out.loc[2, "rate"])  # no population: no rate, and no crash
    assert "rate" not in df


# --- suppression ----------------------------------------------------------------------------------------


def test_suppress_primary_and_secondary_by_hand():
    """Ward A: 3, 10, 7 (total 20 published). 3 is primary; alone it could be recovered as 20 - 10 - 7,
    so the next-smallest cell, 7, is suppressed too: the reader sees <5 and [c] summing to 10.
    Ward B: 0, 2, 6. 2 is primary; zero is shown (ONS practice), and the partner is the smallest non-zero
    cell, 6, since a zero partner would only narrow the range.
    Ward C: 12, 1, 4. Two primary cells already protect each other: nothing more.
    Ward D: 8, 9. Nothing small: nothing suppressed.
    """
    df = pd.DataFrame(
        {
            "ward": ["A"] * 3 + ["B"] * 3 + ["C"] * 3 + ["D"] * 2,
            "count": [3, 10, 7, 0, 2, 6, 12, 1, 4, 8, 9],
        }
    )
    out = stats.suppress(df, group_cols=["ward"])
    assert out["display"].tolist() == ["<5", "10", "[c]", "0", "<5", "[c]", "12", "<5", "<5", "8", "9"]
    assert out["suppression"].tolist() == [
        "primary",
        "",
        "secondary",
        "",
        "primary",
        "secondary",
        "",
        "primary",
        "primary",
        "",
        "",
    ]
    assert out["suppressed"].sum() == 6
    assert out["count"].isna().tolist() == out["suppressed"].tolist()
    assert out.loc[1, "count"] == 10 and str(out["count"].dtype) == "Int64"
    assert df["count"].tolist()[0] == 3  # the argument keeps its numbers


def test_suppress_without_totals_does_only_primary():
    df = pd.DataFrame({"ward": ["A"] * 3, "count": [3, 10, 7]})
    out = stats.suppress(df, group_cols=["ward"], total=False)
    assert out["display"].tolist() == ["<5", "10", "7"]


def test_suppress_whole_frame_is_one_group_and_threshold_is_configurable():
    """Threshold 10: 6 is primary; the table total 6 + 25 + 40 would reveal it, so 25 goes too."""
    df = pd.DataFrame({"count": [6, 25, 40]})
    out = stats.suppress(df, threshold=10)
    assert out["display"].tolist() == ["<10", "[c]", "40"]


def test_suppress_flags_a_group_whose_total_would_disclose():
    """A one-cell group holding 3: no partner exists, so the group total must not be published."""
    df = pd.DataFrame({"ward": ["A", "B", "B"], "count": [3, 8, 9]})
    out = stats.suppress(df, group_cols=["ward"])
    assert out["total_discloses"].tolist() == [True, False, False]
    assert out["display"].tolist() == ["<5", "8", "9"]


def test_suppress_shows_missing_values_as_not_available():
    df = pd.DataFrame({"count": [None, 20, 30]})
    out = stats.suppress(df)
    assert out["display"].tolist() == ["[x]", "20", "30"] and not out["suppressed"].any()


# --- over-representation --------------------------------------------------------------------------------


def test_overrepresentation_katz_interval_by_hand():
    """Victims: group 1 = 30 of 100 (30%); population: 200 of 1,000 (20%). Ratio = 0.3/0.2 = 1.5.
    se(log) = sqrt(1/30 - 1/100 + 1/200 - 1/1000) = sqrt(0.027333) = 0.165328; z·se = 0.324037.
    lower = 1.5 exp(-0.324037) = 1.0849; upper = 1.5 exp(0.324037) = 2.0740 → over-represented.
    Group 2: 70/100 against 800/1000: ratio 0.875; se = sqrt(1/70 - 1/100 + 1/800 - 1/1000) = 0.067348,
    upper = 0.875 exp(1.959964 × 0.067348) = 0.875 × 1.141108 = 0.9985 < 1 → (just) under-represented.
    """
    victims = pd.Series({"18-24": 30, "25+": 70})
    pop = pd.Series({"18-24": 200, "25+": 800})
    out = stats.overrepresentation(victims, pop)
    row = out.loc["18-24"]
    assert row["ratio"] == pytest.approx(1.5)
    assert row["lower"] == pytest.approx(1.0849, abs=1e-4) and row["upper"] == pytest.approx(2.0740, abs=1e-4)
    assert row["label"] == "Over-represented"
    assert out.loc["25+", "ratio"] == pytest.approx(0.875)
    assert out.loc["25+", "upper"] == pytest.approx(0.9985, abs=1e-4)
    assert out.loc["25+", "label"] == "Under-represented"
    # Halve every count: same ratios, wider intervals, and group 2 is no longer distinguishable from 1.
    half = stats.overrepresentation(victims // 2, pop // 2)
    assert half.loc["25+", "label"] == "In line with population"


def test_overrepresentation_zero_group_and_bad_input():
    out = stats.overrepresentation(pd.Series({"a": 50, "b": 0}), pd.Series({"a": 500, "b": 500}))
    assert out.loc["b", "ratio"] == 0 and out.loc["b", "lower"] == 0 and out.loc["b", "upper"] < 1
    assert out.loc["b", "label"] == "Under-represented"
    with pytest.raises(ValueError):
        stats.overrepresentation(pd.Series({"a": 5}), pd.Series({"a": 0}))


# --- Gi* ------------------------------------------------------------------------------------------------


def _grid(values: list[float]) -> gpd.GeoDataFrame:
    cells = [(i, j) for j in range(5) for i in range(5)]
    return gpd.GeoDataFrame(
        {"cell": [f"{i},{j}" for i, j in cells], "value": values},
        geometry=[shapely.box(i, j, i + 1, j + 1) for i, j in cells],
    )


def _corner_cluster() -> gpd.GeoDataFrame:
    """5×5 unit squares; the 2×2 block at (0,0)–(1,1) holds 20, every other cell 1."""
    v = [20.0 if i <= 1 and j <= 1 else 1.0 for j in range(5) for i in range(5)]
    return _grid(v)


def test_getis_ord_finds_the_corner_cluster():
    """Cell (0,0) has 3 queen neighbours, all 20; the other 24 cells hold three 20s and twenty-one 1s. Holding
    (0,0) fixed, its neighbourhood sum reaches 60 only when all three 20s are drawn: P = 1/C(24,3) = 1/2024,
    two-sided p = 2/2024. z: μ = 81/24 = 3.375, σ² = 1221/24 − 3.375² = 39.484375, Var S = 3 σ² × 21/23 =
    108.150, z = (60 − 10.125)/10.3995 = 4.7959. The opposite corner (4,4) sees only 1s: z < 0."""
    out = stats.getis_ord(_corner_cluster(), "value")
    by_cell = out.set_index("cell")
    assert by_cell.loc["0,0", "p"] == pytest.approx(2 / 2024)
    assert by_cell.loc["0,0", "z"] == pytest.approx(4.7959, abs=1e-4)
    assert by_cell.loc["0,0", "label"] == "Hot spot (FDR 5%)" and by_cell.loc["0,0", "q"] <= 0.05
    assert not by_cell.loc["4,4", "label"].startswith("Hot spot")
    assert by_cell.loc["4,4", "z"] < 0
    assert set(out["label"]) <= set(stats.HOTSPOT_LABELS)
    assert list(out.columns) == ["cell", "value", "z", "p", "q", "label"]


def test_gi_star_exact_matches_enumerating_every_permutation():
    """On a 3×3 rook grid, every way of drawing each area's neighbours from the other eight values is listed:
    the p-values (two-sided, 2 × the smaller tail) and z (standardised neighbourhood sum) agree exactly."""
    import itertools

    rng = np.random.default_rng(1)
    for values in (rng.poisson(3, 9).astype(float), rng.uniform(0, 5, 9).round(2)):
        nbrs = [
            np.array([j for j in range(9) if abs(j // 3 - i // 3) + abs(j % 3 - i % 3) == 1])
            for i in range(9)
        ]
        z, p = stats.gi_star_exact(values, nbrs)
        for i in range(9):
            others = [j for j in range(9) if j != i]
            sums = np.array([values[list(c)].sum() for c in itertools.combinations(others, len(nbrs[i]))])
            s = values[nbrs[i]].sum()
            eps = 1e-9
            want = min(1.0, 2 * min((sums >= s - eps).mean(), (sums <= s + eps).mean()))
            assert p[i] == pytest.approx(want, abs=1e-12)
            assert z[i] == pytest.approx((s - sums.mean()) / sums.std(), abs=1e-9)


def test_getis_ord_is_deterministic_and_quiet():
    gdf = _corner_cluster()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = stats.getis_ord(gdf, "value")
    b = stats.getis_ord(gdf, "value")
    pd.testing.assert_frame_equal(a, b)
    assert "geometry" in gdf  # the argument keeps its geometry


def test_getis_ord_on_flat_values_finds_nothing_hot():
    """All cells equal: no area can stand out; z = 0, p = 1 everywhere, without dividing by zero."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = stats.getis_ord(_grid([5.0] * 25), "value")
    assert (out["label"] == "Not significant").all() and (out["z"] == 0).all()


def test_getis_ord_rejects_missing_values():
    v = [1.0] * 25
    v[3] = math.nan
    with pytest.raises(ValueError):
        stats.getis_ord(_grid(v), "value")


def test_getis_ord_cached_graph_gives_the_same_result_as_a_fresh_one():
    """The contiguity graph is cached per geometry set; z and p must be identical to building it afresh,
    on every call, whatever the values (the page reruns Gi* with new values on the same LSOAs)."""
    rng = np.random.default_rng(7)
    base = _corner_cluster()
    for _ in range(3):
        gdf = base.assign(value=rng.poisson(5, len(base)).astype(float))
        fresh = stats.getis_ord(gdf, "value", graph=stats.contiguity_graph(gdf, cache=False))
        cached = stats.getis_ord(gdf, "value")
        np.testing.assert_array_equal(cached["z"].to_numpy(), fresh["z"].to_numpy())
        np.testing.assert_array_equal(cached["p"].to_numpy(), fresh["p"].to_numpy())
        pd.testing.assert_frame_equal(cached, fresh)


def test_contiguity_graph_is_kept_per_geometry_set_only(monkeypatch):
    """Same shapes (even with other codes, values or index) → the same graph object, in the caller's reference
    store; other shapes or another order → a different graph. A 5×5 grid's queen graph with self-weights has
    25 + 2·(2·20 + 2·16) links. With no store active nothing is kept."""
    from svd import reference
    from svd.reference import Reference

    monkeypatch.setattr(
        reference, "_active", None
    )  # no owner (an AppTest earlier may have made the app's active)
    a = _corner_cluster()
    assert stats.contiguity_graph(a) is not stats.contiguity_graph(a)  # no owner: built afresh, kept nowhere
    with Reference() as kept:
        _kept_graphs(a)
        assert len(kept) == 3  # a, shifted, reversed
    assert len(kept) == 0  # emptied when the block ends


def _kept_graphs(a) -> None:
    g = stats.contiguity_graph(a)
    assert g.n == 25 and g.sparse.nnz == 25 + 2 * (2 * 20 + 2 * 16)
    renamed = a.assign(cell=[f"x{i}" for i in range(25)], value=0.0).set_axis(range(100, 125))
    assert stats.contiguity_graph(renamed) is g
    assert stats.contiguity_graph(a, cache=False) is not g
    shifted = a.set_geometry(a.geometry.translate(0.5, 0))
    assert stats.contiguity_graph(shifted) is not g
    reversed_rows = a.iloc[::-1]
    assert stats.contiguity_graph(reversed_rows) is not g


def test_getis_ord_rejects_a_graph_of_another_size():
    gdf = _corner_cluster()
    other = stats.contiguity_graph(gdf.iloc[:9])
    with pytest.raises(ValueError, match="9 areas"):
        stats.getis_ord(gdf, "value", graph=other)


def test_hotspot_label_thresholds():
    """The label follows the FDR-adjusted q (at most 0.05) and the sign of z; nothing else."""
    assert stats.hotspot_label(2.0, 0.004) == "Hot spot (FDR 5%)"
    assert stats.hotspot_label(2.0, 0.05) == "Hot spot (FDR 5%)"
    assert stats.hotspot_label(-2.0, 0.03) == "Cold spot (FDR 5%)"
    assert stats.hotspot_label(-2.0, 0.051) == "Not significant"
    assert stats.hotspot_label(2.0, 0.08, alpha=0.1) == "Hot spot (FDR 10%)"
    assert stats.hotspot_label(np.nan, 0.01) == "Not significant"


def test_two_sided_half_p_is_scipys_binomtest():
    from scipy.stats import binomtest

    k, n = zip(*[(k, n) for n in range(0, 61) for k in range(0, n + 1)], strict=True)
    got = stats.two_sided_half_p(np.array(k), np.array(n))
    want = [1.0 if nn == 0 else binomtest(kk, nn, 0.5).pvalue for kk, nn in zip(k, n, strict=True)]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-15)
    big = stats.two_sided_half_p(np.array([180, 250, 410]), np.array([400, 500, 800]))
    np.testing.assert_allclose(
        big, [binomtest(a, b, 0.5).pvalue for a, b in [(180, 400), (250, 500), (410, 800)]]
    )


def test_emerging_frame_matches_the_test_row_by_row():
    """At dispersion 1 each area's p is the exact Poisson test's; the labels follow Benjamini–Hochberg's q."""
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"current": rng.integers(0, 90, 200), "previous": rng.integers(0, 90, 200)})
    out = stats.emerging_frame(df)
    q = stats.benjamini_hochberg(out["p_value"])
    for row, qq in zip(out.itertuples(), q, strict=True):
        r = stats.poisson_change(row.current, row.previous)
        assert row.change == r.change and abs(row.p_value - r.p_value) < 1e-9
        assert row.q_value == pytest.approx(qq)
        want = (
            "Not significant"
            if qq > 0.05
            else "Emerging (FDR 5%)"
            if row.current > row.previous
            else "Declining (FDR 5%)"
        )
        assert row.label == want
        assert (pd.isna(row.pct_change) and r.pct_change is None) or abs(row.pct_change - r.pct_change) < 1e-9
