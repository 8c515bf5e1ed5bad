"""London comparisons and the view across the border: funnel plots, wards against London, similar boroughs,
and the borough's border wards beside their neighbours'.

Every measure is a registry metric (``data/metrics.json``, source "mps"): no offence group is defined here.
Ranks come from ``svd.trends.london_rank`` (the one London-rank rule); the funnel is drawn around the London
rate of the same table. Ward residents are Census 2021 TS001 usual residents summed over each ward's LSOAs by
the GLA best-fit lookup (``svd.london``). Pure functions on frames; no caches (``ui/cache.py`` owns them).

Methods, as the pages state them:

* **Funnel limits** (Spiegelhalter 2005, "Funnel plots for comparing institutional performance", Stat Med
  24:1185): exact Poisson limits around the London rate θ for a borough of ρ residents, interpolated between
  whole counts (his Appendix A.1.1), at 95% (p = 0.025, 0.975) and 99.8% (p = 0.001, 0.999). Boroughs differ
  far more than chance alone allows for counts in the thousands, so the Poisson limits put most boroughs
  "outside"; the dispersion φ is therefore estimated from the 32 boroughs' z-scores, Winsorised at their 10th
  and 90th percentiles, and the limits widened to θ ± z·√(φθ/ρ) (his section 3.2, multiplicative
  overdispersion) when 32·φ exceeds the 95th percentile of χ² on 31 degrees of freedom. Which one is shown is
  said in the method.
* **Ward percentile**: the share of London's other wards with a lower rate (ties count half), 0 to 100.
* **Similar boroughs**: the dissimilarity index of the 18 five-year age bands' shares (half the sum of the
  absolute differences): the percentage of residents who would have to be in another band for the two age
  structures to match.
* **Border pairs**: a ward of the borough and a ward of another borough whose polygons share at least
  ``MIN_SHARED_BOUNDARY_M`` of boundary (``svd.london.ward_adjacency``; a corner is not a border).
* **Moving together**: the Pearson correlation of the two wards' monthly Pearson residuals after London's
  month-to-month pattern is taken out (so shared seasonality is not counted as moving together); a t-test on
  n − 2 degrees of freedom, with the false-discovery rate held at 5% across the pairs (Benjamini–Hochberg).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from svd import aggregate as agg
from svd import config, maps, trends
from svd import metrics as mx
from svd import provenance as prov
from svd import public as pub
from svd import stats as st_
from svd.charts import ACCENT, NORMAL, ChartStyle, finish
from svd.population import BAND_COLUMNS
from svd.provenance import Provenance

CITY_OF_LONDON = "E09000001"
# Funnel levels: name → (lower p, upper p).
LEVELS: dict[str, tuple[float, float]] = {"95%": (0.025, 0.975), "99.8%": (0.001, 0.999)}
WINSOR = (0.10, 0.90)  # Spiegelhalter (2005): z-scores Winsorised at these quantiles before estimating φ
MIN_SHARED_BOUNDARY_M = 50.0
INTERIOR = (225, 225, 225)  # the borough's wards away from the border, on the map
MOVE_ALPHA = 0.05
SIMILAR_N = 5
POSITIONS = (
    "above the 99.8% limit",
    "above the 95% limit",
    "within the 95% limits",
    "below the 95% limit",
    "below the 99.8% limit",
)


def default_borough() -> str:
    """The partnership's borough: the one place this module reads it."""
    return config.borough().code


def mps_metrics(registry: Mapping[str, mx.Metric] | None = None) -> list[mx.Metric]:
    """The registry's MPS-count metrics, in registry order: the measures compared across London."""
    reg = registry or mx.load_metrics()
    return [m for m in reg.values() if m.source == "mps"]


def ward_metrics(public: bool, registry: Mapping[str, mx.Metric] | None = None) -> list[mx.Metric]:
    """The measures shown ward by ward (wards against London, across the border): every MPS measure, but in
    public mode none whose ward counts ``svd.public`` suppresses (sexual offences, and serious violence, which
    contains them): a London-wide ward table of them would print the small counts the other pages hide."""
    return [m for m in mps_metrics(registry) if not (public and pub.needs_suppression("ward", m.sensitive))]


PUBLIC_WARD_NOTE = (
    "Public mode: ward figures are shown only for measures without sexual offences (violence with injury, "
    "personal robbery), as small ward counts of sexual offences are not published."
)


# ---------------------------------------------------------------------------------------------------- funnel


def poisson_limit(expected: np.ndarray | float, p: float) -> np.ndarray:
    """The count y_p with P(Y ≤ y_p) = p for Y ~ Poisson(expected), interpolated between whole counts.

    Spiegelhalter (2005), Appendix A.1.1: r = the Poisson p-quantile, α = (F(r) − p) / (F(r) − F(r − 1)),
    y_p = r − α. Divide by the population for a rate limit.
    """
    mu = np.asarray(expected, dtype=float)
    r = st_.poisson_ppf(p, mu)
    f_r = st_.poisson_cdf(r, mu)
    f_below = st_.poisson_cdf(r - 1, mu)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(f_r > f_below, (f_r - p) / (f_r - f_below), 0.0)
    return np.maximum(r - alpha, 0.0)


def dispersion(counts: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    """(φ, p-value): Spiegelhalter's overdispersion estimate from Winsorised z-scores and its χ² test.

    z = (y − E) / √E; z below its 10th or above its 90th percentile is set to that percentile; φ = mean(z²);
    under no overdispersion n·φ ~ χ² on n − 1 degrees of freedom.
    """
    y, e = np.asarray(counts, float), np.asarray(expected, float)
    keep = e > 0  # a London rate of 0 expects nothing anywhere: nothing to estimate from
    if keep.sum() < 2:
        return 1.0, 1.0
    y, e = y[keep], e[keep]
    z = (y - e) / np.sqrt(e)
    lo, hi = np.quantile(z, WINSOR)
    zw = np.clip(z, lo, hi)
    phi = float(np.mean(zw**2))
    n = len(z)
    return phi, float(st_.chi2_sf(n * phi, n - 1))


def rate_limits(
    london_rate: float, population: np.ndarray, phi: float | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Level → (lower, upper) rate per 1,000 for boroughs of ``population`` around ``london_rate`` (per 1,000).

    ``phi`` None: exact Poisson limits (``poisson_limit``); else θ ± z·√(φθ/ρ) (multiplicative overdispersion).
    """
    pop = np.asarray(population, dtype=float)
    theta = london_rate / 1000.0
    out = {}
    for name, (p_lo, p_hi) in LEVELS.items():
        if phi is None:
            lo = poisson_limit(theta * pop, p_lo) / pop * 1000
            hi = poisson_limit(theta * pop, p_hi) / pop * 1000
        else:
            half = st_.norm_ppf(p_hi) * np.sqrt(phi * theta / pop) * 1000
            lo, hi = np.maximum(london_rate - half, 0.0), london_rate + half
        out[name] = (lo, hi)
    return out


def position(rate: float, limits: Mapping[str, tuple[float, float]]) -> str:
    """Where a rate lies against the funnel's limits at its population (one of ``POSITIONS``)."""
    lo95, hi95 = limits["95%"]
    lo998, hi998 = limits["99.8%"]
    if rate > hi998:
        return POSITIONS[0]
    if rate > hi95:
        return POSITIONS[1]
    if rate < lo998:
        return POSITIONS[4]
    if rate < lo95:
        return POSITIONS[3]
    return POSITIONS[2]


@dataclass(frozen=True)
class Funnel:
    """One measure's funnel: the 32 boroughs' points, the limit curves, the borough's rank and position."""

    metric: mx.Metric
    rank: trends.LondonRank
    points: pd.DataFrame  # borough_code, borough_name, count, population, rate_per_1000, position, is_borough
    curves: pd.DataFrame  # population, limit ("95% lower" …), rate_per_1000
    london_rate: float
    phi: float
    phi_p: float
    adjusted: bool
    outside_poisson: int  # boroughs outside the exact Poisson 99.8% limits
    position: str
    borough_code: str
    provenance: Provenance = field(repr=False)

    @property
    def borough_name(self) -> str:
        """The borough's name as the data give it."""
        row = self.points[self.points["is_borough"]]
        return str(row["borough_name"].iloc[0])

    @property
    def method(self) -> str:
        """The limits shown and why, in one sentence."""
        return funnel_method(self.adjusted, self.phi, self.phi_p, self.outside_poisson, len(self.points))

    def sentence(self) -> str:
        """'Serious violence (proxy): 12.3 per 1,000 residents, 3rd highest of 32; above the 99.8% limit.'"""
        rk = self.rank.rank
        return (
            f"{self.metric.title}: {rk.rate_per_1000:.2f} per 1,000 residents against London's "
            f"{self.london_rate:.2f} — {ordinal(rk.rank)} highest of {rk.of} boroughs; {self.position} of "
            "the funnel plot."
        )


def ordinal(n: int) -> str:
    """1 → '1st', 2 → '2nd', 11 → '11th', 23 → '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def funnel_method(adjusted: bool, phi: float, phi_p: float, outside_poisson: int, n: int) -> str:
    """The method sentence for a funnel (which limits are drawn and why)."""
    test = f"dispersion φ = {phi:.1f} from Winsorised z-scores, χ² test p {_p(phi_p)}"
    if adjusted:
        return (
            f"Limits widened for overdispersion (Spiegelhalter 2005, multiplicative: θ ± z·√(φθ/ρ)), {test}: "
            f"boroughs differ more than chance allows, and exact Poisson limits would put {outside_poisson} of "
            f"{n} outside the 99.8% limits"
        )
    return (
        f"Exact Poisson limits around London's rate (Spiegelhalter 2005), {test}: no overdispersion detected"
    )


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def funnel(
    metric: mx.Metric,
    lr: trends.LondonRank,
    borough_code: str | None = None,
    adjusted: bool | None = None,
) -> Funnel:
    """A measure's funnel from its London rank (``trends.london_rank``: the 32 boroughs' counts and rates).

    ``adjusted`` None: widen for overdispersion when the χ² test finds it at 5%; True/False forces either.
    """
    code = borough_code or default_borough()
    table = lr.rank.table
    pts = table[["borough_code", "borough_name", "count", "population", "rate_per_1000"]].copy()
    london_rate = float(agg.rate_per_1000(pts["count"].sum(), pts["population"].sum()))
    expected = pts["population"].to_numpy(float) * london_rate / 1000
    phi, phi_p = dispersion(pts["count"].to_numpy(float), expected)
    adj = (phi_p < 0.05 and phi > 1) if adjusted is None else adjusted
    pop = pts["population"].to_numpy(float)
    poisson = rate_limits(london_rate, pop)
    outside = int(
        ((pts["rate_per_1000"] > poisson["99.8%"][1]) | (pts["rate_per_1000"] < poisson["99.8%"][0])).sum()
    )
    shown = rate_limits(london_rate, pop, phi if adj else None)
    pts["position"] = [
        position(r, {k: (v[0][i], v[1][i]) for k, v in shown.items()})
        for i, r in enumerate(pts["rate_per_1000"].to_numpy())
    ]
    pts["is_borough"] = pts["borough_code"] == code
    grid = np.linspace(max(pop.min() * 0.8, 1.0), pop.max() * 1.1, 120)
    lims = rate_limits(london_rate, grid, phi if adj else None)
    curves = pd.concat(
        [
            pd.DataFrame({"population": grid, "limit": f"{name} {side}", "rate_per_1000": vals})
            for name, (lo, hi) in lims.items()
            for side, vals in (("lower", lo), ("upper", hi))
        ],
        ignore_index=True,
    )
    rk = lr.rank
    method = (
        f"rate {prov.RATE_DENOMINATOR}; London: the 32 boroughs the MPS polices, without the City; "
        + funnel_method(adj, phi, phi_p, outside, len(pts))
    )
    source = prov.mps(rk.period, method=method, level="borough" if lr.from_borough_file else "ward")
    source = source.but(area="London's 32 boroughs", filters=metric.title, notes=lr.note)
    return Funnel(
        metric=metric,
        rank=lr,
        points=pts,
        curves=curves,
        london_rate=london_rate,
        phi=phi,
        phi_p=phi_p,
        adjusted=bool(adj),
        outside_poisson=outside,
        position=str(pts.loc[pts["is_borough"], "position"].iloc[0]),
        borough_code=code,
        provenance=source,
    )


@dataclass(frozen=True)
class Funnels:
    """Every MPS measure's funnel for the chosen months, or why none could be drawn."""

    funnels: dict[str, Funnel]
    problem: str | None
    period: str

    def table(self) -> pd.DataFrame:
        """One row per measure: rate, London rate, rank, position, count, the limits used."""
        rows = [
            {
                "measure": f.metric.title,
                "offences": f.rank.rank.count,
                "rate_per_1000": round(f.rank.rank.rate_per_1000, 2),
                "london_rate_per_1000": round(f.london_rate, 2),
                "rank": f"{ordinal(f.rank.rank.rank)} of {f.rank.rank.of}",
                "funnel_position": f.position,
                "limits": "widened for overdispersion" if f.adjusted else "exact Poisson",
                "period": f.rank.rank.period,
            }
            for f in self.funnels.values()
        ]
        return pd.DataFrame(
            rows,
            columns=[
                "measure",
                "offences",
                "rate_per_1000",
                "london_rate_per_1000",
                "rank",
                "funnel_position",
                "limits",
                "period",
            ],
        )


def funnels(
    london_wards: pd.DataFrame,
    borough_file: pd.DataFrame,
    populations: pd.DataFrame,
    periods: agg.Periods,
    borough_code: str | None = None,
    registry: Mapping[str, mx.Metric] | None = None,
    metric_ids: Sequence[str] | None = None,
) -> Funnels:
    """Funnels for every MPS measure over ``periods.current``; complete months only.

    ``london_wards`` is London's ward table summed by borough (``mps.london_summary``), ``borough_file`` the
    MPS borough series, ``populations`` ``population.london_populations()``. The rank rule is
    ``trends.london_rank``; a measure whose months neither source covers is left out and ``problem`` says why.
    ``metric_ids`` narrows the measures (the Overview needs one).
    """
    code = borough_code or default_borough()
    out: dict[str, Funnel] = {}
    for m in mps_metrics(registry):
        if metric_ids is not None and m.id not in metric_ids:
            continue
        lr = trends.london_rank(london_wards, borough_file, m.categories, populations, periods, code=code)
        if lr is not None:
            out[m.id] = funnel(m, lr, code)
    problem = None
    if not out:
        months = pd.concat([london_wards["month"], borough_file["month"]]).unique()
        cur, _ = periods.missing(months)
        problem = (
            f"The MPS files do not cover every chosen month ({len(cur)} missing), so no London comparison is "
            f"made for {periods.label}. Choose months inside the data in the sidebar."
        )
    return Funnels(out, problem, periods.label)


def funnel_chart(f: Funnel, style: ChartStyle = NORMAL) -> alt.LayerChart:
    """The funnel: the 32 boroughs' rates against their residents, London's rate and the limits; the borough
    orange and named. Tooltips: borough, offences, residents, rate, position."""
    pts = f.points.assign(
        group=np.where(f.points["is_borough"], "This borough", "Other boroughs"),
        label=np.where(f.points["is_borough"], f.points["borough_name"], ""),
    )
    x = alt.X(
        "population:Q",
        title="Residents (Census 2021)",
        scale=alt.Scale(zero=False),
        axis=alt.Axis(format="~s", labelOverlap=True),
    )
    y = alt.Y("rate_per_1000:Q", title="Offences per 1,000 residents", scale=alt.Scale(zero=False))
    dash = alt.StrokeDash(
        "limit:N",
        title="Limits",
        scale=alt.Scale(
            domain=["95% upper", "95% lower", "99.8% upper", "99.8% lower"],
            range=[[4, 3], [4, 3], [1, 0], [1, 0]],
        ),
        legend=None,
    )
    curves = (
        alt.Chart(f.curves)
        .mark_line(color="#505a5f", strokeWidth=1.5)
        .encode(x=x, y=y, detail="limit:N", strokeDash=dash)
    )
    london = (
        alt.Chart(pd.DataFrame({"rate_per_1000": [f.london_rate]}))
        .mark_rule(color="#0b0c0c", strokeWidth=1)
        .encode(y="rate_per_1000:Q")
    )
    colour = alt.Color(
        "group:N",
        scale=alt.Scale(domain=["This borough", "Other boroughs"], range=[ACCENT, "#0072B2"]),
        legend=alt.Legend(title=None, orient="bottom"),
    )
    tips = [
        alt.Tooltip("borough_name:N", title="Borough"),
        alt.Tooltip("count:Q", title="Offences", format=","),
        alt.Tooltip("population:Q", title="Residents", format=","),
        alt.Tooltip("rate_per_1000:Q", title="Rate per 1,000", format=".2f"),
        alt.Tooltip("position:N", title="Funnel"),
    ]
    points = (
        alt.Chart(pts)
        .mark_point(filled=True, size=style.h(70), opacity=0.9)
        .encode(x=x, y=y, color=colour, tooltip=tips)
    )
    label = (
        alt.Chart(pts[pts["is_borough"]])
        .mark_text(align="left", dx=8, dy=-8, fontWeight="bold", color="#0b0c0c", fontSize=style.label_size)
        .encode(x=x, y=y, text="label:N")
    )
    rk = f.rank.rank
    subtitle = (
        f"{rk.period}. {f.borough_name}: {ordinal(rk.rank)} highest of {rk.of}, {f.position}. Dashed: 95% "
        f"limits; solid: 99.8%; black line: London {f.london_rate:.2f}. "
        + ("Limits widened for overdispersion." if f.adjusted else "Exact Poisson limits.")
    )
    chart = alt.layer(curves, london, points, label).properties(
        title=alt.TitleParams(f"{f.metric.title}: London's boroughs", subtitle=subtitle, anchor="start"),
        description=f"Funnel plot of {f.metric.title} rates for London's 32 boroughs",
        height=style.h(340),
    )
    return finish(chart, style)


# ------------------------------------------------------------------------------------------- wards vs London


def ward_series(table: pd.DataFrame, registry: Mapping[str, mx.Metric] | None = None) -> pd.DataFrame:
    """London's MPS ward table → monthly counts of each MPS measure for each of the 32 boroughs' wards.

    Columns: metric_id, ward_code, ward_name, borough_code, borough_name, month, count. Every ward has a row
    for every month the table holds (0 where the ward had no offence of the measure that month).
    """
    rows = mx.london_rows(table)
    wards = (
        rows[["area_code", "area_name", "borough_code", "borough_name"]]
        .astype(str)
        .drop_duplicates("area_code")
        .rename(columns={"area_code": "ward_code", "area_name": "ward_name"})
        .sort_values("ward_code")
    )
    months = pd.DatetimeIndex(sorted(rows["month"].unique()))
    grid = pd.MultiIndex.from_product([wards["ward_code"], months], names=["ward_code", "month"])
    out = []
    for m in mps_metrics(registry):
        sel = mx.select_mps(rows, m)
        counts = (
            sel.assign(ward_code=sel["area_code"].astype(str)).groupby(["ward_code", "month"])["count"].sum()
        )
        full = counts.reindex(grid, fill_value=0).astype("int64").reset_index()
        out.append(full.assign(metric_id=m.id))
    frame = pd.concat(out, ignore_index=True).merge(wards, on="ward_code", how="left")
    cols = ["metric_id", "ward_code", "ward_name", "borough_code", "borough_name", "month", "count"]
    # Categorical names and codes: ~120k rows repeating 5 measures, 679 wards and 32 boroughs held 13 MB as
    # strings in every server that opens a London page; as categories, ~3 MB (README, "The Dash peer").
    names = ["metric_id", "ward_code", "ward_name", "borough_code", "borough_name"]
    return frame[cols].astype(dict.fromkeys(names, "category"))


def ward_residents(lookup: pd.DataFrame, lsoa_residents: pd.DataFrame) -> pd.DataFrame:
    """Usual residents per ward: TS001 LSOA residents summed by the GLA best-fit lookup (ward_code, population)."""
    joined = lookup[["lsoa_code", "ward_code"]].merge(
        lsoa_residents[["lsoa_code", "all_ages"]], on="lsoa_code"
    )
    out = joined.groupby("ward_code", as_index=False)["all_ages"].sum()
    return out.rename(columns={"all_ages": "population"}).astype({"population": "int64"})


def percentile(values: pd.Series) -> pd.Series:
    """Each value's London percentile: the share of the *other* values below it (ties count half), 0–100."""
    n = values.notna().sum()
    if n < 2:
        return pd.Series(np.nan, index=values.index)
    return (values.rank(method="average") - 1) / (n - 1) * 100


@dataclass(frozen=True)
class WardDistribution:
    """Every London ward's rate for one measure and the borough's wards' place in that distribution."""

    metric: mx.Metric
    wards: (
        pd.DataFrame
    )  # every ward: ward_code, ward_name, borough_name, count, population, rate, percentile, is_borough
    period: str
    problem: str | None
    provenance: Provenance = field(repr=False)

    def borough_table(self) -> pd.DataFrame:
        """The borough's wards, highest rate first, with their London percentile."""
        mine = self.wards[self.wards["is_borough"]]
        cols = ["ward_name", "count", "population", "rate_per_1000", "london_percentile"]
        return mine.sort_values("rate_per_1000", ascending=False)[cols].reset_index(drop=True)

    def sentence(self) -> str:
        """'Of the borough's 19 wards, 7 are in London's highest quarter of 679 wards for …'."""
        if self.problem:
            return self.problem
        mine = self.wards[self.wards["is_borough"]]
        top = int((mine["london_percentile"] >= 75).sum())
        n = int(self.wards["rate_per_1000"].notna().sum())
        median = float(mine["london_percentile"].median())
        return (
            f"{self.period}: {top} of the borough's {len(mine)} wards are in the highest quarter of London's "
            f"{n:,} wards for {self.metric.title.lower()}; the median ward is at London's "
            f"{ordinal(round(median))} percentile."
        )


def ward_distribution(
    series: pd.DataFrame,
    residents: pd.DataFrame,
    metric_id: str,
    periods: agg.Periods,
    borough_code: str | None = None,
    registry: Mapping[str, mx.Metric] | None = None,
) -> WardDistribution:
    """Each London ward's count and rate over ``periods.current`` and its London percentile (complete months)."""
    code = borough_code or default_borough()
    m = (registry or mx.load_metrics())[metric_id]
    s = series[series["metric_id"] == metric_id]
    cur, _ = periods.missing(s["month"].unique())
    source = prov.mps(
        periods.label,
        area="London's wards (the 32 boroughs)",
        filters=m.title,
        method=(
            "rate per 1,000 usual residents (Census 2021 TS001, LSOAs summed by the GLA best-fit lookup); "
            "London percentile: the share of London's other wards with a lower rate, ties counted half"
        ),
    )
    cols = ["ward_code", "ward_name", "borough_code", "borough_name", "count", "population"]
    if len(cur):
        problem = (
            f"The MPS ward files do not cover every chosen month ({len(cur)} missing), so ward rates for "
            f"{periods.label} are not shown."
        )
        empty = pd.DataFrame(columns=[*cols, "rate_per_1000", "london_percentile", "is_borough"])
        return WardDistribution(m, empty, periods.label, problem, source)
    inside = s[s["month"].isin(periods.current)]
    totals = inside.groupby(["ward_code", "ward_name", "borough_code", "borough_name"], as_index=False)[
        "count"
    ].sum()
    out = totals.merge(residents, on="ward_code", how="left")
    out["rate_per_1000"] = np.where(out["population"] > 0, out["count"] / out["population"] * 1000, np.nan)
    out["london_percentile"] = percentile(out["rate_per_1000"])
    out["is_borough"] = out["borough_code"] == code
    return WardDistribution(m, out.reset_index(drop=True), periods.label, None, source)


def ward_chart(dist: WardDistribution, style: ChartStyle = NORMAL) -> alt.LayerChart:
    """Two rows on one rate axis: London's wards (a box plot over a tick per ward) and the borough's wards
    (orange ticks), with tooltips naming each ward."""
    w = dist.wards.dropna(subset=["rate_per_1000"])
    mine = w[w["is_borough"]]
    borough = str(mine["borough_name"].iloc[0]) if len(mine) else "This borough"
    london_row, borough_row = f"London's {len(w):,} wards", f"{borough}'s {len(mine)} wards"
    rows = pd.concat([w.assign(row=london_row), mine.assign(row=borough_row)], ignore_index=True)
    # Symmetric log: a few central wards with few residents have rates ten times the median.
    x = alt.X(
        "rate_per_1000:Q",
        title="Offences per 1,000 residents (log scale)",
        scale=alt.Scale(type="symlog", constant=1),
        axis=alt.Axis(values=[0, 1, 2, 5, 10, 20, 50, 100, 200, 500]),
    )
    y = alt.Y("row:N", title=None, sort=[london_row, borough_row], axis=_row_axis(style))
    tips = [
        alt.Tooltip("ward_name:N", title="Ward"),
        alt.Tooltip("borough_name:N", title="Borough"),
        alt.Tooltip("count:Q", title="Offences", format=","),
        alt.Tooltip("population:Q", title="Residents", format=","),
        alt.Tooltip("rate_per_1000:Q", title="Rate per 1,000", format=".2f"),
        alt.Tooltip("london_percentile:Q", title="London percentile", format=".0f"),
    ]
    ticks = (
        alt.Chart(rows)
        .mark_tick(thickness=1.5, size=style.h(34))
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "row:N",
                scale=alt.Scale(domain=[london_row, borough_row], range=["#b1b4b6", ACCENT]),
                legend=None,
            ),
            tooltip=tips,
        )
    )
    box = (
        alt.Chart(w.assign(row=london_row))
        .mark_boxplot(
            extent=1.5,
            size=style.h(22),
            color="#0072B2",
            opacity=0.55,
            median={"color": "#0b0c0c", "strokeWidth": 2},
            outliers=False,
            ticks=False,
        )
        .encode(x=x, y=y)
    )
    chart = alt.layer(ticks, box).properties(
        title=alt.TitleParams(
            f"{dist.metric.title}: every London ward",
            subtitle=(
                f"{dist.period}. A tick is a ward; the blue box holds London's middle half of wards, its line "
                "the median."
            ),
            anchor="start",
        ),
        description=f"Distribution of {dist.metric.title} rates over London's wards, this borough's marked",
        height=style.h(110),
    )
    return finish(chart, style)


def _row_axis(style: ChartStyle) -> alt.Axis:
    return alt.Axis(labelLimit=style.label_limit, labelFontSize=style.label_size, labelFontWeight="bold")


# ----------------------------------------------------------------------------------------- similar boroughs


def age_shares(populations: pd.DataFrame) -> pd.DataFrame:
    """Each London borough's share of residents in each five-year age band (rows: borough_code)."""
    pops = populations[
        ~populations["is_region"].astype(bool) & (populations["borough_code"] != CITY_OF_LONDON)
    ]
    counts = pops.set_index("borough_code")[BAND_COLUMNS].astype(float)
    return counts.div(counts.sum(axis=1), axis=0)


def similar_boroughs(
    populations: pd.DataFrame, borough_code: str | None = None, n: int = SIMILAR_N
) -> pd.DataFrame:
    """The ``n`` boroughs whose age structure is nearest the borough's: borough_code, borough_name, distance.

    Distance: the dissimilarity index of the age-band shares (½ Σ|a − b|, as a percentage of residents).
    """
    code = borough_code or default_borough()
    shares = age_shares(populations)
    d = (shares.sub(shares.loc[code], axis=1).abs().sum(axis=1) / 2 * 100).drop(code)
    names = populations.set_index("borough_code")["borough_name"]
    out = pd.DataFrame({"borough_code": d.index, "distance": d.to_numpy()})
    out = out.assign(borough_name=out["borough_code"].map(names))
    return (
        out.sort_values(["distance", "borough_code"])
        .head(n)
        .reset_index(drop=True)[["borough_code", "borough_name", "distance"]]
    )


SIMILAR_METHOD = (
    "age structure: the dissimilarity index of the 18 five-year age bands' shares of residents (Census 2021 "
    "TS007A; half the sum of the absolute differences), i.e. the percentage of residents who would have to be "
    "in another band for the two structures to match"
)


def similar_table(similar: pd.DataFrame, fs: Funnels, borough_code: str | None = None) -> pd.DataFrame:
    """The borough and its most similar boroughs with each measure's rate and rank (one column per measure)."""
    code = borough_code or default_borough()
    rows = pd.concat(
        [pd.DataFrame({"borough_code": [code], "distance": [0.0]}), similar[["borough_code", "distance"]]],
        ignore_index=True,
    )
    out = rows.copy()
    for f in fs.funnels.values():
        t = f.points.set_index("borough_code")
        ranks = t["rate_per_1000"].rank(ascending=False, method="min").astype(int)
        out[f.metric.title] = [
            f"{t.loc[c, 'rate_per_1000']:.2f} ({ordinal(int(ranks.loc[c]))})" if c in t.index else "–"
            for c in rows["borough_code"]
        ]
    names = {}
    for f in fs.funnels.values():
        names.update(dict(zip(f.points["borough_code"], f.points["borough_name"], strict=True)))
    out.insert(0, "borough", out["borough_code"].map(names).fillna(out["borough_code"]))
    out["distance"] = out["distance"].round(1)
    return out.drop(columns="borough_code")


# ------------------------------------------------------------------------------------------ across the border


def border_pairs(
    adjacency: pd.DataFrame, borough_code: str | None = None, min_shared_m: float = MIN_SHARED_BOUNDARY_M
) -> pd.DataFrame:
    """Pairs (the borough's ward, a ward of another borough) that share at least ``min_shared_m`` of boundary:
    ``svd.london.border_pairs`` (the one rule), without the City of London's wards (the MPS does not police
    them). Columns: ward_code, ward_name, neighbour_code, neighbour_name, neighbour_borough_code,
    shared_boundary_m."""
    from svd import london

    code = borough_code or default_borough()
    pairs = london.border_pairs(adjacency, code, min_shared_m=min_shared_m)
    pairs = pairs[pairs["neighbour_borough_code"] != CITY_OF_LONDON]
    cols = [
        "ward_code",
        "ward_name",
        "neighbour_code",
        "neighbour_name",
        "neighbour_borough_code",
        "shared_boundary_m",
    ]
    return pairs[cols].reset_index(drop=True)


def _residual_correlation(a: np.ndarray, b: np.ndarray, london: np.ndarray) -> tuple[float, float]:
    """(r, two-sided p) of two wards' monthly Pearson residuals around their level × London's month pattern."""
    share = london / london.sum()
    out = []
    for y in (a, b):
        e = y.sum() * share
        out.append(np.where(e > 0, (y - e) / np.sqrt(np.where(e > 0, e, 1)), 0.0))
    ra, rb = out
    if ra.std() == 0 or rb.std() == 0:
        return float("nan"), 1.0
    r = float(np.corrcoef(ra, rb)[0, 1])
    n = len(a)
    t = r * math.sqrt((n - 2) / max(1e-12, 1 - r * r))
    return r, float(2 * st_.t_sf(abs(t), n - 2))


def move_label(r: float, q: float, alpha: float = MOVE_ALPHA) -> str:
    """'Move together', 'Move in opposite directions' (both FDR 5%) or 'No detectable link'."""
    if not math.isnan(r) and q < alpha:
        return "Move together (FDR 5%)" if r > 0 else "Move in opposite directions (FDR 5%)"
    return "No detectable link"


@dataclass(frozen=True)
class CrossBorder:
    """The cross-border section: the border wards on both sides, their figures, and the pairs' co-movement."""

    metric: mx.Metric
    borough_code: str
    borough_name: str
    pairs: pd.DataFrame  # pair rows with r, p, q, label
    wards: pd.DataFrame  # both sides: side, ward, borough, counts, rates, change, test
    period: str
    previous_period: str
    months_correlated: str
    problem: str | None
    provenance: Provenance = field(repr=False)

    def sentences(self) -> list[str]:
        """The section's findings in plain sentences (for the page and the needs assessment)."""
        if self.problem:
            return [self.problem]
        w = self.wards
        mine, theirs = w[w["side"] == self.borough_name], w[w["side"] != self.borough_name]
        neighbours = sorted(theirs["borough_name"].unique())
        out = [
            f"{len(mine)} of {self.borough_name}'s wards share a border with {len(theirs)} wards of "
            f"{len(neighbours)} neighbouring boroughs ({', '.join(neighbours)})."
        ]
        for label, part in (("this side", mine), ("the other side", theirs)):
            c, p = int(part["offences"].sum()), int(part["offences_before"].sum())
            pop = float(part["population"].sum())
            change = f"{(c - p) / p * 100:+.0f}%" if p else "no earlier figure"
            out.append(
                f"{self.metric.title}, {self.period}, {label} of the line: {c:,} offences "
                f"({c / pop * 1000:.2f} per 1,000 residents), {change} on {self.previous_period}."
            )
        rising = w[w["change_test"] == "significant increase"]
        if len(rising):
            names = ", ".join(f"{r.ward_name} ({r.borough_name})" for r in rising.itertuples())
            out.append(f"Significant increases: {names}.")
        else:
            out.append("No border ward shows a significant increase.")
        together = self.pairs[self.pairs["movement"].str.startswith("Move together")]
        out.append(
            f"Of {len(self.pairs)} pairs of wards across the line, {len(together)} move together month to month "
            f"({self.months_correlated}; false-discovery rate held at 5% across the pairs)"
            + (
                ": " + ", ".join(f"{r.ward_name} – {r.neighbour_name}" for r in together.itertuples())
                if len(together)
                else ""
            )
            + "."
        )
        return out


def cross_border(
    series: pd.DataFrame,
    residents: pd.DataFrame,
    adjacency: pd.DataFrame,
    metric_id: str,
    periods: agg.Periods,
    borough_code: str | None = None,
    registry: Mapping[str, mx.Metric] | None = None,
) -> CrossBorder:
    """The cross-border figures for one measure: ``series`` is ``ward_series``, ``residents``
    ``ward_residents``, ``adjacency`` ``svd.london.ward_adjacency`` of London's wards.

    Change: ``stats.change_test`` on each ward's monthly counts, chosen months against the same months a year
    earlier (its labels). Co-movement: see the module docstring; over every month of the series up to the
    last chosen month.
    """
    code = borough_code or default_borough()
    m = (registry or mx.load_metrics())[metric_id]
    pairs = border_pairs(adjacency, code)
    s = series[series["metric_id"] == metric_id]
    names = s.drop_duplicates("borough_code").set_index("borough_code")["borough_name"]
    bname = str(names.get(code, code))
    source = prov.mps(
        periods.label,
        periods.previous_label,
        area=f"{bname}'s border wards and their neighbours' across the line",
        filters=m.title,
        method=(
            "rate per 1,000 usual residents (Census 2021 TS001 by ward); change: quasi-Poisson test of each "
            "ward's monthly counts, 5% level; "
            "border: polygons sharing at least 50 m of boundary; moving together: correlation of monthly "
            "residuals after London's monthly pattern, Benjamini–Hochberg FDR 5% across pairs"
        ),
    )
    problem = periods.problem(s["month"].unique(), "the MPS ward counts")
    if pairs.empty:
        problem = problem or f"No ward of another London borough shares a border with {bname}'s wards."
    w_cols = [
        "side",
        "ward_code",
        "ward_name",
        "borough_name",
        "offences",
        "offences_before",
        "population",
        "rate_per_1000",
        "change_pct",
        "change_test",
        "test_method",
    ]
    p_cols = [*pairs.columns, "neighbour_borough", "r", "p", "q", "movement"]
    if problem:
        return CrossBorder(
            m,
            code,
            bname,
            pd.DataFrame(columns=p_cols),
            pd.DataFrame(columns=w_cols),
            periods.label,
            periods.previous_label,
            "",
            problem,
            source,
        )
    wide = s.pivot_table(index="month", columns="ward_code", values="count", aggfunc="sum").sort_index()
    pop = residents.set_index("ward_code")["population"]
    info = s.drop_duplicates("ward_code").set_index("ward_code")
    rows = []
    for ward in list(dict.fromkeys([*pairs["ward_code"], *pairs["neighbour_code"]])):
        if ward not in wide.columns:
            continue
        cur = wide.loc[wide.index.isin(periods.current), ward].reindex(periods.current)
        prev = wide.loc[wide.index.isin(periods.previous), ward].reindex(periods.previous)
        res = st_.change_test(cur, prev)
        b = str(info.loc[ward, "borough_code"])
        p = float(pop.get(ward, np.nan))
        rows.append(
            {
                "side": bname if b == code else "Neighbouring boroughs",
                "ward_code": ward,
                "ward_name": str(info.loc[ward, "ward_name"]),
                "borough_name": str(info.loc[ward, "borough_name"]),
                "offences": res.current,
                "offences_before": res.previous,
                "population": p,
                "rate_per_1000": res.current / p * 1000 if p > 0 else np.nan,
                "change_pct": res.pct_change,
                "change_test": res.label,
                "test_method": res.method,
            }
        )
    wards = pd.DataFrame(rows, columns=w_cols)
    # Co-movement over every month up to the last chosen one.
    span = wide[wide.index <= periods.end]
    london = s.groupby("month")["count"].sum().reindex(span.index).to_numpy(float)
    rs, ps = [], []
    for a, b in zip(pairs["ward_code"], pairs["neighbour_code"], strict=True):
        if a in span.columns and b in span.columns:
            r, p = _residual_correlation(span[a].to_numpy(float), span[b].to_numpy(float), london)
        else:
            r, p = float("nan"), 1.0
        rs.append(r)
        ps.append(p)
    qs = st_.benjamini_hochberg(np.array(ps)) if len(ps) else np.array([])
    pairs = pairs.assign(
        neighbour_borough=pairs["neighbour_borough_code"].map(names),
        r=np.round(rs, 2),
        p=ps,
        q=qs,
        movement=[move_label(r, q) for r, q in zip(rs, qs, strict=True)],
    )
    months = f"{len(span)} months, {span.index[0]:%b %Y} to {span.index[-1]:%b %Y}"
    return CrossBorder(
        m, code, bname, pairs, wards, periods.label, periods.previous_label, months, None, source
    )


def border_geojson(wards_gdf, cb: CrossBorder) -> tuple[dict, dict, pd.DataFrame]:
    """(border wards FeatureCollection with fill colour, name and plain-text tip; the borough's outline;
    the legend table) for ``border_deck``."""
    codes = set(cb.wards["ward_code"])
    gdf = wards_gdf[wards_gdf["ward_code"].isin(codes)].merge(
        cb.wards.drop(columns=["ward_name"]), on="ward_code", how="left"
    )
    breaks = maps.class_breaks(gdf["rate_per_1000"], k=5, step=0.01)
    palette = maps.palette_for(len(breaks))
    cls = maps.classify(gdf["rate_per_1000"], breaks)
    feats = []
    for (_, row), c in zip(gdf.iterrows(), cls, strict=True):
        change = "no earlier figure" if pd.isna(row["change_pct"]) else f"{row['change_pct']:+.0f}%"
        tip = (
            f"{row['borough_name']}\n{int(row['offences']):,} offences, {row['rate_per_1000']:.2f} per 1,000 "
            f"residents\n{change} on {cb.previous_period}: {row['change_test']}"
        )
        fill = [*(palette[c] if c >= 0 else maps.NO_DATA), maps.FILL_ALPHA]
        feats.append(
            {
                "type": "Feature",
                "properties": {"name": str(row["ward_name"]), "tip": tip, "fill": fill},
                "geometry": row["geometry"].__geo_interface__,
            }
        )
    mine = wards_gdf[wards_gdf["borough_code"] == cb.borough_code]
    # The borough's wards away from the line, in light grey for context.
    for _, row in mine[~mine["ward_code"].isin(codes)].iterrows():
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "name": str(row["ward_name"]),
                    "tip": f"{cb.borough_name}\nNot on the border with another borough",
                    "fill": [*INTERIOR, maps.FILL_ALPHA],
                },
                "geometry": row["geometry"].__geo_interface__,
            }
        )
    outline = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": mine.geometry.union_all().__geo_interface__}
        ],
    }
    legend = maps.legend(breaks, palette, gdf["rate_per_1000"], integer=False)
    return (
        maps.round_coordinates({"type": "FeatureCollection", "features": feats}),
        maps.round_coordinates(outline),
        legend,
    )


def border_map_shapes(wards_gdf, cb: CrossBorder):
    """(border wards with ward_name and rate_per_1000, the borough's outline, class edges) for the static
    map PNG (``svd.export.map_png``), classed as on screen."""
    codes = set(cb.wards["ward_code"])
    shapes = wards_gdf[wards_gdf["ward_code"].isin(codes)][["ward_code", "ward_name", "geometry"]].merge(
        cb.wards[["ward_code", "rate_per_1000"]], on="ward_code", how="left"
    )
    outline = wards_gdf[wards_gdf["borough_code"] == cb.borough_code].dissolve()
    breaks = maps.class_breaks(shapes["rate_per_1000"], k=5, step=0.01)
    return shapes, outline, maps.class_edges(shapes["rate_per_1000"], breaks)


def border_deck(wards_gdf, cb: CrossBorder, height: int = 560):
    """(pydeck map, legend table) of both sides of the line: border wards by rate, the borough's boundary in
    black; plain-text tooltips (``svd.maps.tooltip``)."""
    import pydeck

    areas, outline, legend = border_geojson(wards_gdf, cb)
    sub = wards_gdf[
        wards_gdf["ward_code"].isin(set(cb.wards["ward_code"]))
        | (wards_gdf["borough_code"] == cb.borough_code)
    ]
    minx, miny, maxx, maxy = sub.total_bounds
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    # Zoom that fits the border wards' extent into a ~900 × height px map (web-mercator tiles of 512 px).
    span_x = max(maxx - minx, 1e-3) / 360
    span_y = max(maxy - miny, 1e-3) / 360 / math.cos(math.radians(lat))
    zoom = min(math.log2(900 / 512 / span_x), math.log2(height / 512 / span_y)) - 0.2
    layers = [
        pydeck.Layer(
            "GeoJsonLayer",
            data=areas,
            id="border-wards",
            pickable=True,
            stroked=True,
            filled=True,
            get_fill_color="properties.fill",
            get_line_color=[255, 255, 255, 255],
            line_width_min_pixels=1,
        ),
        pydeck.Layer(
            "GeoJsonLayer",
            data={
                "type": "FeatureCollection",
                "features": maps._outline_features(outline, [11, 12, 12, 255], 3),
            },
            id="boundary",
            pickable=False,
            stroked=True,
            filled=False,
            get_line_color="properties.line",
            get_line_width="properties.width",
            line_width_units=pydeck.types.String("pixels"),
        ),
    ]
    deck = maps.CompactDeck(
        layers=layers,
        initial_view_state=pydeck.ViewState(
            latitude=lat, longitude=lon, zoom=round(zoom, 2), pitch=0, bearing=0
        ),
        map_provider=None,
        height=height,
    )
    deck._tooltip = maps.tooltip(f"{cb.period}, compared with {cb.previous_period}")
    return deck, legend


# ---------------------------------------------------------------------------------------------- for the CLI


def load(data_dir: Path | None = None, border: bool = True) -> dict:
    """Everything the comparisons need, read from the data directory (for the CLI; the app caches each part).

    ``border`` False skips the ward polygons and their adjacency (the funnel table does not need them).
    """
    from svd import london, mps, population, taxonomy

    ward = mps.load_mps(level="ward", data_dir=data_dir)
    borough = mps.load_mps(level="borough", data_dir=data_dir)
    out = {
        "london_wards": mps.london_summary(ward.table),
        "borough_file": taxonomy.classify_mps(borough.table),
        "series": ward_series(ward.table),
        "populations": population.london_populations(data_dir),
        "residents": ward_residents(london.gla_lookup(data_dir), london.lsoa_residents(data_dir)),
        "months": pd.DatetimeIndex(sorted(ward.table["month"].unique())),
    }
    if border:
        out["wards_gdf"] = london.wards(data_dir)
        out["adjacency"] = london.ward_adjacency(out["wards_gdf"])
    return out


def cli_periods(months: Sequence, start: str | None = None, end: str | None = None) -> agg.Periods:
    """The chosen months for the CLI: ``start``..``end`` (YYYY-MM), by default the latest 12 months of the ward
    series (the pages' default), compared with the same months a year earlier."""
    if start is None and end is None:
        return agg.latest_periods(pd.Series(months))
    last = pd.Timestamp(end) if end else pd.Timestamp(max(months))
    first = pd.Timestamp(start) if start else last - pd.DateOffset(months=11)
    return agg.periods_for(first, last)


def funnel_report(d: dict, periods: agg.Periods, metric_id: str = "serious_violence") -> dict:
    """The London comparisons page's figures as JSON-ready values (``python -m svd london``)."""
    fs = funnels(d["london_wards"], d["borough_file"], d["populations"], periods)
    if fs.problem:
        return {"period": fs.period, "problem": fs.problem}
    similar = similar_boroughs(d["populations"])
    if metric_id in {m.id for m in ward_metrics(pub.is_public())}:
        dist = ward_distribution(d["series"], d["residents"], metric_id, periods)
        wards = {
            "metric": metric_id,
            "sentence": dist.sentence(),
            "table": dist.borough_table().round(2).to_dict(orient="records"),
        }
    else:
        wards = {"metric": metric_id, "sentence": PUBLIC_WARD_NOTE, "table": []}
    f = next(iter(fs.funnels.values()))
    return {
        "borough": f.borough_name,
        "period": fs.period,
        "funnels": fs.table().to_dict(orient="records"),
        "sentences": [x.sentence() for x in fs.funnels.values()],
        "methods": {k: x.method for k, x in fs.funnels.items()},
        "rank_source": f.rank.note,
        "wards": wards,
        "similar_boroughs": similar_table(similar, fs).to_dict(orient="records"),
        "similar_method": SIMILAR_METHOD,
    }


def border_report(d: dict, periods: agg.Periods, metric_id: str = "serious_violence") -> dict:
    """The Across the border page's figures as JSON-ready values (``python -m svd border``)."""
    if metric_id not in {m.id for m in ward_metrics(pub.is_public())}:
        raise ValueError(PUBLIC_WARD_NOTE)
    cb = cross_border(d["series"], d["residents"], d["adjacency"], metric_id, periods)
    wards = cb.wards.assign(
        rate_per_1000=cb.wards["rate_per_1000"].astype(float).round(2),
        change_pct=cb.wards["change_pct"].astype(float).round(1),
    )
    pairs = cb.pairs.drop(columns=["neighbour_borough_code"], errors="ignore")
    return {
        "borough": cb.borough_name,
        "metric": metric_id,
        "period": cb.period,
        "compared_with": cb.previous_period,
        "sentences": cb.sentences(),
        "wards": wards.to_dict(orient="records"),
        "pairs": pairs.round({"shared_boundary_m": 0, "p": 4, "q": 4}).to_dict(orient="records"),
        "method": cb.provenance.method,
    }
