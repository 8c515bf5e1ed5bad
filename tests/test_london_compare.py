"""svd.london_compare on tiny hand-checked fixtures: funnel limits, dispersion, ward percentiles, similar
boroughs, border pairs from four squares, and the cross-border figures."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson
from shapely.geometry import box

from svd import aggregate as agg
from svd import london, stats, trends
from svd import london_compare as lc
from svd import metrics as mx


def test_poisson_limit_by_hand():
    # θ = 10: ppf(0.975) = 17, F(17) = 0.98572, F(16) = 0.97296, α = (0.98572 − 0.975) / 0.01276 = 0.8400,
    # limit 17 − 0.8400 = 16.160. Lower: ppf(0.025) = 4, F(4) = 0.02925, F(3) = 0.01034, α = 0.2248 → 3.775.
    assert lc.poisson_limit(10.0, 0.975) == pytest.approx(16.160, abs=1e-3)
    assert lc.poisson_limit(10.0, 0.025) == pytest.approx(3.775, abs=1e-3)
    # 99.8%: ppf(0.999) = 21 → 20.662; ppf(0.001) = 2 → 1.221.
    assert lc.poisson_limit(10.0, 0.999) == pytest.approx(20.662, abs=1e-3)
    assert lc.poisson_limit(10.0, 0.001) == pytest.approx(1.221, abs=1e-3)
    # Always between the whole-count quantile and the count below it.
    mu = np.array([0.5, 3.0, 47.0, 2500.0])
    for p in (0.001, 0.025, 0.975, 0.999):
        r = poisson.ppf(p, mu)
        got = lc.poisson_limit(mu, p)
        assert np.all(got <= r) and np.all(got >= np.maximum(r - 1, 0))


def test_rate_limits_poisson_and_overdispersed():
    # London 10 per 1,000; a borough of 1,000 residents expects 10 offences: the Poisson limits above / 1,000.
    lim = lc.rate_limits(10.0, np.array([1000.0]))
    assert lim["95%"][1][0] == pytest.approx(16.160, abs=1e-3)
    assert lim["99.8%"][0][0] == pytest.approx(1.221, abs=1e-3)
    # φ = 4: θ ± 1.95996·√(4 × 0.01 / 1000) × 1000 = 10 ± 12.396 (the lower limit floored at 0).
    adj = lc.rate_limits(10.0, np.array([1000.0]), phi=4.0)
    assert adj["95%"][1][0] == pytest.approx(10 + 1.959964 * 2 * 0.1 / 1000**0.5 * 1000, rel=1e-6)
    assert adj["95%"][0][0] == 0.0


def test_dispersion_by_hand():
    # Counts equal to their expectation: φ = 0, not overdispersed (p = 1).
    phi, p = lc.dispersion(np.array([10.0, 20.0, 30.0]), np.array([10.0, 20.0, 30.0]))
    assert phi == 0.0 and p == pytest.approx(1.0)
    # z = (0, 0, 0, 0, 0, 0, 0, 0, 0, 10): the 90th percentile of z is 1.0, so 10 is Winsorised to 1: φ = 0.1.
    e = np.full(10, 100.0)
    y = e.copy()
    y[-1] = 200.0
    phi, _ = lc.dispersion(y, e)
    assert phi == pytest.approx(0.1)


def test_position_labels():
    lim = {"95%": (8.0, 12.0), "99.8%": (6.0, 14.0)}
    assert lc.position(15.0, lim) == "above the 99.8% limit"
    assert lc.position(13.0, lim) == "above the 95% limit"
    assert lc.position(10.0, lim) == "within the 95% limits"
    assert lc.position(7.0, lim) == "below the 95% limit"
    assert lc.position(5.0, lim) == "below the 99.8% limit"


def _rank(counts: dict[str, int], pops: dict[str, int], code: str) -> trends.LondonRank:
    table = pd.DataFrame(
        {"borough_code": list(counts), "borough_name": [f"Borough {c}" for c in counts]}
    ).assign(count=list(counts.values()), population=[pops[c] for c in counts])
    table = table.assign(rate_per_1000=table["count"] / table["population"] * 1000)
    table = table.sort_values("rate_per_1000", ascending=False, ignore_index=True)
    pos, n = agg.london_rank(table, code)
    row = table[table["borough_code"] == code].iloc[0]
    rk = trends.Rank(
        "Jan 2025 to Dec 2025", int(row["count"]), float(row["rate_per_1000"]), 1.0, pos, n, table
    )
    return trends.LondonRank(rk, False, "test")


def test_funnel_poisson_when_not_overdispersed():
    # London 100 offences per 10,000 residents = 10 per 1,000; B has 14 in 1,000 (inside 16.16), C 30 in 1,000.
    counts = {"A": 40, "B": 14, "C": 30, "D": 16}
    pops = {"A": 5000, "B": 1000, "C": 1000, "D": 3000}
    f = lc.funnel(mx.metric("serious_violence"), _rank(counts, pops, "C"), "C", adjusted=False)
    assert f.london_rate == pytest.approx(10.0)
    assert f.position == "above the 99.8% limit"  # 30 per 1,000 > 20.66
    b = f.points.set_index("borough_code").loc["B"]
    assert b["position"] == "within the 95% limits"
    assert f.rank.rank.rank == 1 and "Exact Poisson" in f.method
    assert set(f.curves["limit"]) == {"95% lower", "95% upper", "99.8% lower", "99.8% upper"}
    chart = lc.funnel_chart(f).to_dict()
    assert "Borough C" in str(chart)


def test_funnel_widens_when_overdispersed():
    rng = np.random.default_rng(1)
    codes = [f"E09{i:06d}" for i in range(2, 34)]
    pops = {c: int(p) for c, p in zip(codes, rng.integers(150_000, 350_000, 32), strict=True)}
    # Rates spread 5 to 20 per 1,000: far beyond Poisson variation at these sizes.
    counts = {c: int(pops[c] * r / 1000) for c, r in zip(codes, np.linspace(5, 20, 32), strict=True)}
    f = lc.funnel(mx.metric("serious_violence"), _rank(counts, pops, codes[0]), codes[0])
    assert f.adjusted and f.phi > 1 and f.phi_p < 0.05
    assert f.outside_poisson > 20
    assert "widened for overdispersion" in f.method


def test_ward_percentile_by_hand():
    got = lc.percentile(pd.Series([1.0, 2.0, 3.0, 4.0]))
    assert got.tolist() == pytest.approx([0.0, 100 / 3, 200 / 3, 100.0])
    # Ties count half: of the other two, one tie (½) → 25; 2.0 is above both → 100.
    assert lc.percentile(pd.Series([1.0, 1.0, 2.0])).tolist() == pytest.approx([25.0, 25.0, 100.0])


def test_similar_boroughs_by_dissimilarity_index():
    from svd.population import BAND_COLUMNS

    def row(code, first_two):
        counts = {c: 0 for c in BAND_COLUMNS}
        counts[BAND_COLUMNS[0]], counts[BAND_COLUMNS[1]] = first_two
        return {"borough_code": code, "borough_name": code, **counts, "is_region": False}

    pops = pd.DataFrame(
        [row("A", (50, 50)), row("B", (60, 40)), row("C", (90, 10)), row("E09000001", (50, 50))]
    )
    out = lc.similar_boroughs(pops, "A", n=2)
    # A vs B: ½(|0.5−0.6| + |0.5−0.4|) = 10%; A vs C: 40%; the City is left out.
    assert out["borough_code"].tolist() == ["B", "C"]
    assert out["distance"].tolist() == pytest.approx([10.0, 40.0])


def _squares() -> gpd.GeoDataFrame:
    """Four 1 km squares: borough X on the left (W1 top, W2 bottom), Y on the right (W3 top, W4 bottom), and Z
    far away (a big ward standing for the rest of London)."""
    cells = {
        "W1": (530000, 181000, 531000, 182000, "X"),
        "W2": (530000, 180000, 531000, 181000, "X"),
        "W3": (531000, 181000, 532000, 182000, "Y"),
        "W4": (531000, 180000, 532000, 181000, "Y"),
        "W5": (540000, 180000, 541000, 181000, "Z"),
    }
    return gpd.GeoDataFrame(
        {
            "ward_code": list(cells),
            "ward_name": [f"Ward {c}" for c in cells],
            "borough_code": [c[4] for c in cells.values()],
        },
        geometry=[box(*c[:4]) for c in cells.values()],
        crs="EPSG:27700",
    ).to_crs("EPSG:4326")


def test_border_pairs_from_four_squares():
    adj = london.ward_adjacency(_squares())
    pairs = lc.border_pairs(adj, "X")
    # Edges across the line only: W1–W3 and W2–W4; the corner pairs W1–W4, W2–W3 are not borders; W1–W2 is inside X.
    assert list(zip(pairs["ward_code"], pairs["neighbour_code"], strict=True)) == [("W1", "W3"), ("W2", "W4")]
    # With no minimum shared boundary, the corners count too.
    corners = lc.border_pairs(adj, "X", min_shared_m=0)
    assert len(corners) == 4


def _series() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    signal = np.where(rng.random(24) < 0.5, 1, -1)
    counts = {
        "W1": 40 + 20 * signal,  # W1 and W3 rise and fall together
        "W3": 40 + 20 * signal,
        "W2": rng.poisson(20, 24),
        "W4": np.r_[rng.poisson(10, 12), rng.poisson(40, 12)],  # quadruples in the second year
        "W5": np.full(24, 5000),
    }
    borough = {"W1": "X", "W2": "X", "W3": "Y", "W4": "Y", "W5": "Z"}
    rows = [
        {
            "metric_id": "serious_violence",
            "ward_code": w,
            "ward_name": f"Ward {w}",
            "borough_code": borough[w],
            "borough_name": f"Borough {borough[w]}",
            "month": m,
            "count": int(c),
        }
        for w, cs in counts.items()
        for m, c in zip(months, cs, strict=True)
    ]
    return pd.DataFrame(rows)


def test_cross_border_figures_and_co_movement():
    series = _series()
    residents = pd.DataFrame(
        {"ward_code": ["W1", "W2", "W3", "W4", "W5"], "population": [1000] * 4 + [100000]}
    )
    periods = agg.periods_for(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-01"))
    cb = lc.cross_border(
        series, residents, london.ward_adjacency(_squares()), "serious_violence", periods, "X"
    )
    assert cb.problem is None
    w = cb.wards.set_index("ward_code")
    assert set(w.index) == {"W1", "W2", "W3", "W4"}
    assert (w.loc[["W1", "W2"], "side"] == "Borough X").all()
    assert (w.loc[["W3", "W4"], "side"] == "Neighbouring boroughs").all()
    # Counts, rate and the change test are svd.stats.change_test's on the same months.
    w4 = series[series["ward_code"] == "W4"]["count"].to_numpy()
    expected = stats.change_test(w4[12:], w4[:12])
    assert w.loc["W4", "offences"] == w4[12:].sum() and w.loc["W4", "offences_before"] == w4[:12].sum()
    assert w.loc["W4", "rate_per_1000"] == pytest.approx(w4[12:].sum())
    assert w.loc["W4", "change_test"] == expected.label == "significant increase"
    pairs = cb.pairs.set_index("ward_code")
    assert pairs.loc["W1", "movement"] == "Move together (FDR 5%)"
    assert pairs.loc["W1", "r"] == pytest.approx(1.0)
    assert pairs.loc["W2", "movement"] == "No detectable link"
    text = " ".join(cb.sentences())
    assert "2 of Borough X's wards share a border with 2 wards of 1 neighbouring boroughs" in text
    assert "Ward W4 (Borough Y)" in text and "Ward W1 – Ward W3" in text


def test_cross_border_refuses_incomplete_months():
    series = _series()
    series = series[series["month"] != pd.Timestamp("2024-05-01")]
    residents = pd.DataFrame({"ward_code": ["W1", "W2", "W3", "W4", "W5"], "population": [1000] * 5})
    periods = agg.periods_for(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-01"))
    cb = lc.cross_border(
        series, residents, london.ward_adjacency(_squares()), "serious_violence", periods, "X"
    )
    assert cb.problem and "May 2024" in cb.problem
    assert cb.sentences() == [cb.problem]


def _ward_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-01"]),
            "area_code": ["W1", "W1", "W2"],
            "area_name": ["One", "One", "Two"],
            "borough_code": ["E09000002", "E09000002", "E09000002"],
            "borough_name": ["B"] * 3,
            "major": ["ROBBERY", "ROBBERY", "BURGLARY"],
            "minor": [
                "ROBBERY OF PERSONAL PROPERTY",
                "ROBBERY OF PERSONAL PROPERTY",
                "BURGLARY - RESIDENTIAL",
            ],
            "count": [3, 4, 9],
        }
    )


def test_ward_series_fills_months_without_offences():
    s = lc.ward_series(_ward_table())
    rob = s[s["metric_id"] == "personal_robbery"].set_index(["ward_code", "month"])["count"]
    assert rob.to_dict() == {
        ("W1", pd.Timestamp("2025-01-01")): 3,
        ("W1", pd.Timestamp("2025-02-01")): 4,
        ("W2", pd.Timestamp("2025-01-01")): 0,
        ("W2", pd.Timestamp("2025-02-01")): 0,
    }
    assert set(s["metric_id"]) == {m.id for m in lc.mps_metrics()}


def test_ward_series_names_are_categories_and_give_the_same_figures():
    # Held in every server that opens a London page: ~120k rows repeating a few names (README, "The Dash peer").
    s = lc.ward_series(_ward_table())
    names = ["metric_id", "ward_code", "ward_name", "borough_code", "borough_name"]
    assert all(isinstance(s[c].dtype, pd.CategoricalDtype) for c in names)
    plain = s.astype(dict.fromkeys(names, object))
    residents = pd.DataFrame({"ward_code": ["W1", "W2"], "population": [2000, 1000]})
    periods = agg.periods_for(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01"))
    got = lc.ward_distribution(s, residents, "personal_robbery", periods, "E09000002").wards
    want = lc.ward_distribution(plain, residents, "personal_robbery", periods, "E09000002").wards
    assert got.set_index("ward_code")["count"].to_dict() == {"W1": 7, "W2": 0}
    pd.testing.assert_frame_equal(got.astype({c: object for c in names if c in got}), want, check_dtype=False)


def test_ward_residents_sum_lsoas_by_lookup():
    lookup = pd.DataFrame({"lsoa_code": ["L1", "L2", "L3"], "ward_code": ["W1", "W1", "W2"]})
    res = pd.DataFrame({"lsoa_code": ["L1", "L2", "L3"], "all_ages": [1500, 1600, 1700]})
    out = lc.ward_residents(lookup, res).set_index("ward_code")["population"].to_dict()
    assert out == {"W1": 3100, "W2": 1700}


def test_ward_distribution_marks_the_borough():
    series = _series()
    residents = pd.DataFrame(
        {"ward_code": ["W1", "W2", "W3", "W4", "W5"], "population": [1000] * 4 + [100000]}
    )
    periods = agg.periods_for(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-01"))
    dist = lc.ward_distribution(series, residents, "serious_violence", periods, "X")
    t = dist.borough_table()
    assert set(t["ward_name"]) == {"Ward W1", "Ward W2"}
    assert t["london_percentile"].between(0, 100).all()
    w5 = dist.wards.set_index("ward_code").loc["W5"]
    assert w5["rate_per_1000"] == pytest.approx(5000 * 12 / 100000 * 1000)
    assert w5["london_percentile"] == 100.0  # the highest rate of the five


def test_public_mode_offers_no_ward_figures_of_sexual_offences():
    every = [m.id for m in lc.mps_metrics()]
    assert [m.id for m in lc.ward_metrics(public=False)] == every
    shown = {m.id for m in lc.ward_metrics(public=True)}
    assert shown == {"violence_with_injury", "personal_robbery"}  # no rape, other sexual, serious violence


def test_overview_london_line():
    from svd import overview

    counts = {"A": 40, "B": 14, "C": 30, "D": 16}
    pops = {"A": 5000, "B": 1000, "C": 1000, "D": 3000}
    f = lc.funnel(mx.metric("serious_violence"), _rank(counts, pops, "C"), "C", adjusted=False)
    line, source = overview.london_line(lc.Funnels({"serious_violence": f}, None, "Jan 2025 to Dec 2025"))
    assert line == (
        "Across London (Jan 2025 to Dec 2025): serious violence (proxy) 30.00 per 1,000 residents, the 1st "
        "highest rate of 4 boroughs (London 10.00), above the 99.8% limit of the funnel plot."
    )
    assert source is f.provenance
    assert overview.london_line(lc.Funnels({}, "no months", "")) is None


def test_moving_together_labels_hold_the_error_rate_on_independent_wards():
    """With no link between any pair, a 'move together' or 'opposite' label anywhere is a false discovery; BH
    at 5% keeps the share of simulated boroughs with any such label near 5% (binomial sd ~1.5% in 200)."""
    rng = np.random.default_rng(11)
    months = 36
    london = np.full(months, 50_000.0) * (1 + 0.1 * np.sin(np.arange(months) / 12 * 2 * np.pi))
    any_label = 0
    for _ in range(200):
        labels = []
        ps = []
        rs = []
        for _pair in range(28):
            mean_a, mean_b = rng.uniform(5, 25, 2)
            a = rng.poisson(mean_a * london / london.mean())
            b = rng.poisson(mean_b * london / london.mean())
            r, p = lc._residual_correlation(a.astype(float), b.astype(float), london)
            rs.append(r)
            ps.append(p)
        qs = stats.benjamini_hochberg(np.array(ps))
        labels = [lc.move_label(r, q) for r, q in zip(rs, qs, strict=True)]
        any_label += any(lab != "No detectable link" for lab in labels)
    assert any_label / 200 <= 0.09


def _london_table(months: pd.DatetimeIndex) -> pd.DataFrame:
    """Two boroughs' personal robbery by month, as London's ward table summed by borough."""
    rows = [
        {
            "month": m,
            "borough_code": code,
            "area_code": code,
            "major": "ROBBERY",
            "minor": "ROBBERY OF PERSONAL PROPERTY",
            "count": n,
        }
        for m in months
        for code, n in (("E09000002", 30), ("E09000003", 10))
    ]
    return pd.DataFrame(rows)


def _pops() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "borough_code": ["E09000002", "E09000003", "E12000007"],
            "borough_name": ["Barking and Dagenham", "Barnet", "London"],
            "all_ages": [200_000, 400_000, 600_000],
            "is_region": [False, False, True],
        }
    )


def test_funnels_only_on_complete_months():
    months = pd.date_range("2025-01-01", periods=12, freq="MS")
    table = _london_table(months)
    fs = lc.funnels(table, table.iloc[0:0], _pops(), agg.periods_for(months[0], months[-1]), "E09000002")
    f = fs.funnels["personal_robbery"]
    # 360 in 200,000 = 1.80 per 1,000; London 480 in 600,000 = 0.80; the higher of the two.
    assert f.rank.rank.rate_per_1000 == pytest.approx(1.8) and f.london_rate == pytest.approx(0.8)
    assert f.rank.rank.rank == 1 and f.rank.rank.of == 2
    # A chosen month outside the data: nothing is compared, and the page says why.
    late = agg.periods_for(months[1], months[-1] + pd.DateOffset(months=1))
    none = lc.funnels(table, table.iloc[0:0], _pops(), late, "E09000002")
    assert none.funnels == {} and "do not cover every chosen month" in none.problem
