"""Statistics done properly: Poisson change tests, Byar's intervals, small-number suppression, Gi* hotspots.

Every function is pure. Counts are treated as Poisson; percentages are reported but never used on their own to
call a change, because a 50% rise from 2 to 3 is noise and a 5% rise from 3,500 to 3,670 may not be.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import pandas as pd
from scipy import stats as sps

CHANGE_LABELS = ("significant increase", "significant decrease", "no significant change")
EMERGING_LABELS = ("Emerging", "Declining", "Stable")


def _z(alpha: float) -> float:
    """The two-sided standard normal critical value for ``alpha`` (1.959964 for 0.05)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha}")
    return float(sps.norm.ppf(1 - alpha / 2))


def _count(x: object, name: str) -> int:
    """A non-negative whole count, or ValueError naming the argument."""
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, got {x!r}") from None
    if math.isnan(f) or f < 0 or f != int(f):
        raise ValueError(f"{name} must be a non-negative whole number, got {x!r}")
    return int(f)


# --- change between two periods -------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeResult:
    """The outcome of comparing two Poisson counts.

    ``change`` is ``current - previous`` (raw counts); ``pct_change`` is the percentage change in the *rate*
    (identical to the count change when the periods are the same length) and is None when ``previous`` is 0.
    """

    current: int
    previous: int
    change: int
    pct_change: float | None
    p_value: float
    significant: bool
    label: str
    exposure_ratio: float = 1.0


@functools.lru_cache(maxsize=4096)
def _binom_p(k: int, n: int, prob: float) -> float:
    """scipy's exact two-sided binomial test p-value, remembered: pages ask for the same few totals often."""
    return float(sps.binomtest(k, n, prob).pvalue)


def poisson_change(
    current: int, previous: int, alpha: float = 0.05, exposure_ratio: float = 1.0
) -> ChangeResult:
    """Two-sided test of equal Poisson rates in two periods (conditional binomial test).

    Under the null hypothesis of equal rates, and given the total ``n = current + previous``, ``current``
    is Binomial(n, r / (1 + r)) where ``r = exposure_ratio`` is the current period's exposure (months,
    population-years) divided by the previous period's; for two 12-month periods r = 1 and the
    probability is 0.5. The p-value is scipy's exact two-sided binomial test.
    """
    c, p = _count(current, "current"), _count(previous, "previous")
    if not exposure_ratio > 0 or not math.isfinite(exposure_ratio):
        raise ValueError(f"exposure_ratio must be a positive number, got {exposure_ratio}")
    _z(alpha)  # validates alpha
    n = c + p
    # With no events in either period there is no evidence of anything: p = 1 by convention.
    p_value = 1.0 if n == 0 else _binom_p(c, n, exposure_ratio / (1 + exposure_ratio))
    pct = None if p == 0 else 100.0 * ((c / exposure_ratio) / p - 1.0)
    significant = p_value < alpha
    expected = p * exposure_ratio  # the current count if the previous rate had held
    if significant and c > expected:
        label = "significant increase"
    elif significant and c < expected:
        label = "significant decrease"
    else:
        label = "no significant change"
    return ChangeResult(
        current=c,
        previous=p,
        change=c - p,
        pct_change=pct,
        p_value=p_value,
        significant=significant,
        label=label,
        exposure_ratio=float(exposure_ratio),
    )


_EMERGING = {
    "significant increase": "Emerging",
    "significant decrease": "Declining",
    "no significant change": "Stable",
}


@overload
def emerging(current_12m: int, previous_12m: int, alpha: float = 0.05) -> str: ...
@overload
def emerging(current_12m: pd.DataFrame, previous_12m: None = None, alpha: float = 0.05) -> pd.DataFrame: ...


def emerging(current_12m, previous_12m=None, alpha: float = 0.05):
    """'Emerging', 'Declining' or 'Stable' by the Poisson test on the latest 12 months against the 12 before.

    Given two counts, returns the label. Given a frame with columns ``current`` and ``previous`` (one row
    per area), returns a new frame with ``change``, ``pct_change``, ``p_value`` and ``label`` added.
    No correction is made for testing many areas at once: with 17 wards at alpha 0.05 a spurious
    'Emerging' is plausible, so pages should present the label as a prompt to look, not a finding.
    """
    if isinstance(current_12m, pd.DataFrame):
        return emerging_frame(current_12m, alpha=alpha)
    if previous_12m is None:
        raise ValueError("emerging() needs previous_12m when current_12m is a count")
    return _EMERGING[poisson_change(current_12m, previous_12m, alpha).label]


def emerging_frame(
    df: pd.DataFrame, current_col: str = "current", previous_col: str = "previous", alpha: float = 0.05
) -> pd.DataFrame:
    """Per row of ``df`` (e.g. one per ward): the Poisson change test and its Emerging/Declining/Stable label.

    The same test as ``poisson_change`` for two periods of equal length, for all rows at once: a scipy
    binomtest per area takes a millisecond or two, and a map of 115 LSOAs asks for 115 of them.
    """
    _z(alpha)
    cur = np.array([_count(c, "current") for c in df[current_col]], dtype=np.int64)
    prev = np.array([_count(p, "previous") for p in df[previous_col]], dtype=np.int64)
    p_value = two_sided_half_p(cur, cur + prev)
    significant = p_value < alpha
    label = np.where(
        significant & (cur > prev), "Emerging", np.where(significant & (cur < prev), "Declining", "Stable")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(prev > 0, 100.0 * (cur / np.where(prev > 0, prev, 1) - 1.0), np.nan)
    return df.assign(
        change=cur - prev,
        pct_change=pd.array(
            [float(x) if q > 0 else None for x, q in zip(pct, prev, strict=True)], dtype="Float64"
        ),
        p_value=p_value,
        label=label.tolist(),
    )


def two_sided_half_p(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """scipy's exact two-sided binomial test p-value for Binomial(n, 1/2), for arrays of k and n.

    binomtest adds the probability of the other tail's outcomes no more likely than k; for p = 1/2 those
    mirror k (n - k and beyond), so the p-value is cdf(k) + sf(n - k - 1) below n/2, its mirror above, and 1
    at n/2 (and for n = 0). ``tests/test_stats.py`` checks it against binomtest.
    """
    from scipy import special

    k = np.asarray(k, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)

    # scipy.special's binomial cdf and sf: scipy.stats.binom's argument checks cost ~2 ms a call, and this
    # runs on every Hotspots filter change. bdtr is NaN below 0, where the cdf is 0.
    def cdf(x: np.ndarray) -> np.ndarray:
        return np.where(x < 0, 0.0, special.bdtr(np.maximum(x, 0), n, 0.5))

    def sf(x: np.ndarray) -> np.ndarray:
        return special.bdtrc(x, n, 0.5)

    low = cdf(k) + sf(n - k - 1)
    high = sf(k - 1) + cdf(n - k)
    p = np.where(2 * k < n, low, np.where(2 * k > n, high, 1.0))
    return np.minimum(np.where(n == 0, 1.0, p), 1.0)


# --- confidence intervals for counts and rates ----------------------------------------------------------


def _byar(count: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    z = _z(alpha)
    o = count.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    # Byar's lower limit divides by the count; for 0 the exact Poisson lower limit is 0.
    lower = np.where(o == 0, 0.0, lower)
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    return lower, upper


def byar_ci(count: int, alpha: float = 0.05) -> tuple[float, float]:
    """Byar's approximate confidence interval for a Poisson count (the PHE/OHID method).

    lower = O (1 - 1/(9O) - z/(3 sqrt O))^3 and upper = (O+1) (1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3;
    for O = 0 the lower limit is exactly 0.
    """
    lo, up = _byar(np.array([_count(count, "count")]), alpha)
    return float(lo[0]), float(up[0])


def rate_ci(
    count: int, population: float, per: float = 1000, alpha: float = 0.05
) -> tuple[float, float, float]:
    """A rate per ``per`` residents with Byar's interval: (rate, lower, upper)."""
    if not population > 0:
        raise ValueError(f"population must be positive, got {population}")
    lo, up = byar_ci(count, alpha)
    scale = per / float(population)
    return _count(count, "count") * scale, lo * scale, up * scale


def byar_ci_frame(counts: Sequence[int] | np.ndarray | pd.Series, alpha: float = 0.05) -> pd.DataFrame:
    """Byar's interval for many counts: a frame with ``count``, ``lower`` and ``upper`` (index kept)."""
    s = pd.Series(counts) if not isinstance(counts, pd.Series) else counts
    arr = np.array([_count(x, "count") for x in s], dtype=float)
    lo, up = _byar(arr, alpha)
    return pd.DataFrame({"count": arr.astype("int64"), "lower": lo, "upper": up}, index=s.index)


def rates_with_ci(
    df: pd.DataFrame,
    count_col: str = "count",
    population_col: str = "population",
    per: float = 1000,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Add ``rate``, ``rate_lower`` and ``rate_upper`` (per ``per`` residents, Byar's interval) to a copy of df.

    Rows with a missing or non-positive population get NA rates rather than an error.
    """
    ci = byar_ci_frame(df[count_col], alpha)
    pop = pd.to_numeric(df[population_col], errors="coerce").astype(float)
    scale = (per / pop).where(pop > 0)
    return df.assign(rate=ci["count"] * scale, rate_lower=ci["lower"] * scale, rate_upper=ci["upper"] * scale)


# --- small-number suppression ---------------------------------------------------------------------------


def suppress(
    df: pd.DataFrame,
    value_col: str = "count",
    threshold: int = 5,
    group_cols: Sequence[str] | None = None,
    total: bool = True,
) -> pd.DataFrame:
    """Small-number suppression for public output, with secondary suppression against published totals.

    Primary: counts from 1 to ``threshold - 1`` are suppressed and shown as "<5". Zero is shown, following
    ONS practice: a true zero discloses nothing about an individual and hiding it would only make the
    table harder to read (and a hidden zero would itself hint at a small count).
    Secondary: when ``total`` is True a total is published for each group of ``group_cols`` (the whole
    frame when ``group_cols`` is empty), so a group with exactly one suppressed cell would let a reader
    recover it by subtraction; the smallest other cell (a non-zero one when there is one) is suppressed too
    and shown as "[c]" (confidential, the ONS marker), because it may well be 5 or more. This protects one
    published total per group; tables with totals in two directions need a fuller method.

    Returns a new frame with ``value_col`` as nullable Int64 (NA where suppressed), ``suppressed`` (bool),
    ``suppression`` ("", "primary", "secondary") and ``display`` (text to publish). Missing values are
    shown as "[x]" (not available). ``total_discloses`` is True for rows of a group whose only suppressed
    cell could not be paired (a one-cell group): that group's total must not be published.
    """
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, got {threshold}")
    group_cols = list(group_cols or [])
    values = pd.to_numeric(df[value_col], errors="coerce").astype("Float64")
    primary = (values >= 1) & (values < threshold)
    primary = primary.fillna(False).astype(bool)
    secondary = pd.Series(False, index=df.index)
    discloses = pd.Series(False, index=df.index)
    if total:
        keys = group_cols if group_cols else pd.Series(0, index=df.index)
        gid = df.groupby(keys, sort=False, dropna=False).ngroup()
        for g in gid.unique():
            idx = gid.index[gid.to_numpy() == g]
            if int(primary[idx].sum()) != 1:
                continue
            # Candidates: unsuppressed, known cells; prefer non-zero ones (a zero partner narrows the range).
            cand = values[idx][~primary[idx] & values[idx].notna()]
            nonzero = cand[cand > 0]
            pool = nonzero if not nonzero.empty else cand
            if pool.empty:
                discloses[idx] = True
                continue
            secondary[pool.sort_values(kind="stable").index[0]] = True
    suppressed = primary | secondary
    display = values.map(
        lambda v: "[x]" if pd.isna(v) else f"{int(v):,}" if float(v).is_integer() else f"{v:,}"
    )
    display = display.astype(object)
    display[primary] = f"<{threshold}"
    display[secondary] = "[c]"
    kept = values.mask(suppressed)
    numeric = kept.astype("Int64") if bool((kept.dropna() % 1 == 0).all()) else kept
    return df.assign(
        **{
            value_col: numeric,
            "suppressed": suppressed.to_numpy(dtype=bool),
            "suppression": np.select(
                [primary.to_numpy(), secondary.to_numpy()], ["primary", "secondary"], ""
            ),
            "display": display.to_numpy(dtype=object),
            "total_discloses": discloses.to_numpy(dtype=bool),
        }
    )


# --- over-representation --------------------------------------------------------------------------------


def overrepresentation(
    group_counts: pd.Series, population_counts: pd.Series, alpha: float = 0.05
) -> pd.DataFrame:
    """Ratio of a group's share of victims (or suspects) to its share of the population, with a Katz log CI.

    For group i: ratio = (a_i / A) / (p_i / P), where a are victim counts and p population counts
    (the two Series are aligned on their index, e.g. age band). The interval is the Katz log method for
    a ratio of two independent proportions: se(log ratio) = sqrt(1/a - 1/A + 1/p - 1/P), giving
    ratio * exp(±z se). Census populations are so large that their terms barely matter. A group with
    no victims gets ratio 0, lower 0 and an upper limit computed with a = 0.5 (the usual continuity fix).
    ``label`` is "Over-represented" when the whole interval is above 1, "Under-represented" when it is
    below 1, else "In line with population".
    """
    z = _z(alpha)
    a_s, p_s = group_counts.align(population_counts, join="inner")
    a = pd.to_numeric(a_s, errors="coerce").astype(float)
    p = pd.to_numeric(p_s, errors="coerce").astype(float)
    if (a < 0).any() or (p <= 0).any() or a.isna().any() or p.isna().any():
        raise ValueError("group counts must be non-negative and population counts positive, with no gaps")
    big_a, big_p = a.sum(), p.sum()
    if big_a <= 0:
        raise ValueError("there are no victims/suspects to compare")
    share, pop_share = a / big_a, p / big_p
    ratio = share / pop_share
    a_eff = a.where(a > 0, 0.5)
    se = np.sqrt(1 / a_eff - 1 / big_a + 1 / p - 1 / big_p)
    lower = (a_eff / big_a / pop_share * np.exp(-z * se)).where(a > 0, 0.0)
    upper = a_eff / big_a / pop_share * np.exp(z * se)
    label = np.select(
        [lower > 1, upper < 1], ["Over-represented", "Under-represented"], "In line with population"
    )
    return pd.DataFrame(
        {
            "count": a.astype("int64"),
            "share": share,
            "population": p,
            "population_share": pop_share,
            "ratio": ratio,
            "lower": lower,
            "upper": upper,
            "label": label,
        },
        index=a.index,
    )


# --- Getis-Ord Gi* hotspots ------------------------------------------------------------------------------

HOTSPOT_LABELS = (
    "Hot spot (99%)",
    "Hot spot (95%)",
    "Hot spot (90%)",
    "Not significant",
    "Cold spot (90%)",
    "Cold spot (95%)",
    "Cold spot (99%)",
)


def hotspot_label(z: float, p: float) -> str:
    """The conventional Gi* category for a z-score and pseudo p-value."""
    if pd.isna(z) or pd.isna(p):
        return "Not significant"
    side = "Hot spot" if z > 0 else "Cold spot"
    for cut, conf in ((0.01, "99%"), (0.05, "95%"), (0.10, "90%")):
        if p <= cut:
            return f"{side} ({conf})"
    return "Not significant"


def _build_contiguity(wkb: tuple[bytes, ...]):
    """Queen contiguity plus a self-weight of 1 (the star in Gi*) for geometries given as WKB, ids 0..n-1."""
    import geopandas as gpd
    import shapely
    from libpysal.graph import Graph

    geoms = gpd.GeoSeries(shapely.from_wkb(np.array(wkb, dtype=object)))
    with warnings.catch_warnings():
        # Islands are possible (e.g. a detached polygon); getis_ord scores them on themselves alone.
        warnings.filterwarnings("ignore", message=".*islands.*")
        return Graph.build_contiguity(geoms, rook=False).assign_self_weight(1)


# Keyed on the exact WKB of every geometry in row order (not a digest, so two different geometry sets can
# never share a graph). A libpysal Graph is immutable (transform returns a new one), so sharing is safe.
# A handful of entries covers the ward and LSOA layers and the page's filtered subsets.
_cached_contiguity = functools.lru_cache(maxsize=16)(_build_contiguity)


def _wkb_key(gdf) -> tuple[bytes, ...]:
    import shapely

    return tuple(shapely.to_wkb(np.asarray(gdf.geometry.values, dtype=object)))


def contiguity_graph(gdf, cache: bool = True):
    """The queen-contiguity ``libpysal.graph.Graph`` (self-weight 1) of gdf's geometries in row order, ids 0..n-1.

    Cached per geometry set (codes and values do not matter, only the shapes and their order), because
    building it costs far more than Gi* itself; ``cache=False`` always builds afresh.
    """
    key = _wkb_key(gdf)
    return _cached_contiguity(key) if cache else _build_contiguity(key)


def getis_ord(gdf, value_col: str, seed: int = 12345, permutations: int = 999, graph=None) -> pd.DataFrame:
    """Local Getis-Ord Gi* on queen contiguity: a frame (gdf's index and non-geometry columns) plus z, p_sim, label.

    Uses ``libpysal.graph.Graph.build_contiguity`` (the current API; ``weights.Queen`` is the legacy one)
    with a self-weight of 1 so the area itself counts (the star in Gi*), row-standardised, and esda's
    conditional permutation test with a fixed ``seed`` so the same data always give the same map.
    The graph comes from ``contiguity_graph(gdf)`` (cached per geometry set) unless ``graph`` is given; a
    given graph must have one node per row of gdf, in row order.
    ``p_sim`` is esda's one-sided ("directed") pseudo p-value; the sign of ``z`` says hot or cold.
    Areas with no neighbours are scored on themselves alone and will rarely be significant.
    """
    import esda

    if len(gdf) < 3:
        raise ValueError("Gi* needs at least three areas")
    y = pd.to_numeric(gdf[value_col], errors="coerce").astype(float).to_numpy()
    if np.isnan(y).any():
        raise ValueError(f"{value_col} has missing values; fill them (e.g. with 0) before running Gi*")
    out = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).copy()
    if np.ptp(y) == 0:
        # Identical values everywhere: Gi* is 0/0; no area can stand out.
        return out.assign(z=0.0, p_sim=1.0, label="Not significant")
    if graph is None:
        graph = contiguity_graph(gdf)
    elif graph.n != len(gdf):
        raise ValueError(f"the graph has {graph.n} areas but gdf has {len(gdf)} rows")
    with warnings.catch_warnings():
        # esda's own future-change notices are about defaults we do not rely on.
        warnings.filterwarnings("ignore", message=".*islands.*")
        warnings.filterwarnings("ignore", message=".*alternative hypothesis.*", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*row_stack.*", category=DeprecationWarning)
        g = esda.G_Local(y, graph, transform="R", permutations=permutations, star=True, seed=seed, n_jobs=1)
    z = np.asarray(g.Zs, dtype=float)
    p = np.asarray(g.p_sim, dtype=float)
    return out.assign(z=z, p_sim=p, label=[hotspot_label(a, b) for a, b in zip(z, p, strict=True)])
