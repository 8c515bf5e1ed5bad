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
    assert stats.emerging(10, 0) == "Emerging"
    assert stats.emerging(1, 9) == "Declining"
    assert stats.emerging(6, 2) == "Stable"


def test_emerging_over_a_frame_returns_a_new_frame():
    df = pd.DataFrame({"area": ["A", "B", "C"], "current": [10, 1, 6], "previous": [0, 9, 2]})
    before = df.copy()
    out = stats.emerging(df)
    assert out["label"].tolist() == ["Emerging", "Declining", "Stable"]
    assert out["p_value"].tolist() == pytest.approx([2 / 1024, 22 / 1024, 74 / 256])
    assert pd.isna(out.loc[0, "pct_change"]) and out.loc[2, "pct_change"] == pytest.approx(200.0)
    pd.testing.assert_frame_equal(df, before)  # argument untouched
    with pytest.raises(ValueError):
        stats.emerging(3)


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


def test_vectorised_intervals_match_the_scalar_ones():
    counts = pd.Series([0, 10, 250], index=["a", "b", "c"])
    ci = stats.byar_ci_frame(counts)
    assert list(ci.index) == ["a", "b", "c"]
    for k, c in counts.items():
        assert (ci.loc[k, "lower"], ci.loc[k, "upper"]) == pytest.approx(stats.byar_ci(c))
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
    """Cell (0,0) and its queen neighbours (1,0), (0,1), (1,1) are all 20: its Gi* neighbourhood is the
    highest possible, so it is a hot spot; the opposite corner (4,4) sees only 1s and cannot be hot."""
    out = stats.getis_ord(_corner_cluster(), "value")
    by_cell = out.set_index("cell")
    assert by_cell.loc["0,0", "label"] == "Hot spot (99%)" and by_cell.loc["0,0", "z"] > 0
    assert not by_cell.loc["4,4", "label"].startswith("Hot spot")
    assert by_cell.loc["4,4", "z"] < 0
    assert set(out["label"]) <= set(stats.HOTSPOT_LABELS)
    assert list(out.columns) == ["cell", "value", "z", "p_sim", "label"]


def test_getis_ord_is_deterministic_and_quiet():
    gdf = _corner_cluster()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = stats.getis_ord(gdf, "value", permutations=199)
    b = stats.getis_ord(gdf, "value", permutations=199)
    pd.testing.assert_frame_equal(a, b)
    assert "geometry" in gdf  # the argument keeps its geometry


def test_getis_ord_on_flat_values_finds_nothing_hot():
    """All cells equal: no area can stand out; z = 0, p = 1 everywhere, without esda dividing by zero."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = stats.getis_ord(_grid([5.0] * 25), "value", permutations=99)
    assert (out["label"] == "Not significant").all() and (out["z"] == 0).all()


def test_getis_ord_rejects_missing_values():
    v = [1.0] * 25
    v[3] = math.nan
    with pytest.raises(ValueError):
        stats.getis_ord(_grid(v), "value")


def test_getis_ord_cached_graph_gives_the_same_result_as_a_fresh_one():
    """The contiguity graph is cached per geometry set; z and p_sim must be identical to building it afresh,
    on every call, whatever the values (the page reruns Gi* with new values on the same LSOAs)."""
    rng = np.random.default_rng(7)
    base = _corner_cluster()
    for _ in range(3):
        gdf = base.assign(value=rng.poisson(5, len(base)).astype(float))
        fresh = stats.getis_ord(
            gdf, "value", permutations=199, graph=stats.contiguity_graph(gdf, cache=False)
        )
        cached = stats.getis_ord(gdf, "value", permutations=199)
        np.testing.assert_array_equal(cached["z"].to_numpy(), fresh["z"].to_numpy())
        np.testing.assert_array_equal(cached["p_sim"].to_numpy(), fresh["p_sim"].to_numpy())
        pd.testing.assert_frame_equal(cached, fresh)


def test_contiguity_graph_is_cached_per_geometry_set_only():
    """Same shapes (even with other codes, values or index) → the same graph object; other shapes or another
    order → a different graph. A 5×5 grid's queen graph with self-weights has 25 + 2·(2·20 + 2·16) links."""
    a = _corner_cluster()
    g = stats.contiguity_graph(a)
    assert g.n == 25 and len(g.adjacency) == 25 + 2 * (2 * 20 + 2 * 16)
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
    assert stats.hotspot_label(2.0, 0.004) == "Hot spot (99%)"
    assert stats.hotspot_label(2.0, 0.03) == "Hot spot (95%)"
    assert stats.hotspot_label(-2.0, 0.03) == "Cold spot (95%)"
    assert stats.hotspot_label(-2.0, 0.08) == "Cold spot (90%)"
    assert stats.hotspot_label(2.0, 0.2) == "Not significant"
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
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"current": rng.integers(0, 90, 200), "previous": rng.integers(0, 90, 200)})
    out = stats.emerging_frame(df)
    for row in out.itertuples():
        r = stats.poisson_change(row.current, row.previous)
        assert row.label == stats.emerging(row.current, row.previous)
        assert row.change == r.change and abs(row.p_value - r.p_value) < 1e-9
        assert (pd.isna(row.pct_change) and r.pct_change is None) or abs(row.pct_change - r.pct_change) < 1e-9
