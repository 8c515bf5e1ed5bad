"""Statistics done properly: change tests that allow for overdispersion, exact/Byar intervals, small-number
suppression, Gi* hotspots and emerging areas with the false-discovery rate controlled across areas.

Every function is pure. Percentages are reported but never used on their own to call a change, because a 50%
rise from 2 to 3 is noise and a 5% rise from 3,500 to 3,670 may not be. Monthly crime counts vary more than
Poisson allows, so changes are tested on the monthly series (``change_test``), and only when both windows are
complete. The error rates of these labels are measured by ``bench/error_rates.py`` (README, "Error rates of the
statistical labels").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import pandas as pd
from scipy import special


class _ScipyStatsOnFirstUse:
    """``scipy.stats``, imported when first used. It costs ~0.5 s of CPU to import (a quarter of the imports
    before a cold server's first page); the distributions every page needs come from ``scipy.special``, the
    functions ``scipy.stats`` itself calls (``norm_sf``, ``t_sf``, ``norm_ppf``, ``chi2_ppf`` below)."""

    def __getattr__(self, name: str):
        from scipy import stats

        return getattr(stats, name)


sps = _ScipyStatsOnFirstUse()


def norm_sf(x):
    """Standard normal upper tail, as ``scipy.stats.norm.sf`` (``ndtr(-x)``)."""
    return special.ndtr(-np.asarray(x, dtype=float))


def t_sf(x, df):
    """Student's t upper tail, as ``scipy.stats.t.sf`` (``stdtr(df, -x)``)."""
    return special.stdtr(df, -np.asarray(x, dtype=float))


def norm_ppf(q):
    """Standard normal quantile, as ``scipy.stats.norm.ppf`` (``ndtri``)."""
    return special.ndtri(q)


def t_ppf(q, df):
    """Student's t quantile, as ``scipy.stats.t.ppf`` (``stdtrit(df, q)``)."""
    return special.stdtrit(df, np.asarray(q, dtype=float))


def chi2_ppf(q, k):
    """χ² quantile, as ``scipy.stats.chi2.ppf`` (``chdtri(k, 1 - q)``)."""
    return special.chdtri(k, 1 - np.asarray(q, dtype=float))


def chi2_sf(x, k):
    """χ² upper tail, as ``scipy.stats.chi2.sf`` (``chdtrc(k, x)``)."""
    return special.chdtrc(k, np.asarray(x, dtype=float))


def poisson_cdf(k, mu):
    """Poisson P(Y ≤ k), as ``scipy.stats.poisson.cdf``: ``pdtr(floor(k), mu)``, 0 below 0, NaN for mu < 0."""
    k, mu = np.broadcast_arrays(np.floor(np.asarray(k, dtype=float)), np.asarray(mu, dtype=float))
    with np.errstate(invalid="ignore"):
        out = np.where(k < 0, 0.0, special.pdtr(np.maximum(k, 0), mu))
    return np.where((mu >= 0) & ~np.isnan(k), out, np.nan)


def poisson_ppf(q, mu):
    """Poisson quantile, as ``scipy.stats.poisson.ppf`` (its ``pdtrik`` step and check; -1 at q = 0, inf at 1)."""
    q, mu = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(mu, dtype=float))
    with np.errstate(invalid="ignore"):
        vals = np.ceil(special.pdtrik(q, mu))
        vals1 = np.maximum(vals - 1, 0)
        inner = np.where(special.pdtr(vals1, mu) >= q, vals1, vals)
    out = np.where(q == 0, -1.0, np.where(q == 1, np.inf, inner))
    return np.where((mu >= 0) & (q >= 0) & (q <= 1), out, np.nan)


def _z(alpha: float) -> float:
    """The two-sided standard normal critical value for ``alpha`` (1.959964 for 0.05)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha}")
    return float(norm_ppf(1 - alpha / 2))


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

INCREASE = "significant increase"
DECREASE = "significant decrease"
NO_CHANGE = "no significant change"
NOT_COMPARED_MISSING = "not compared: a month is missing"
NOT_COMPARED_LENGTH = "not compared: the periods differ in length"
CHANGE_LABELS = (INCREASE, DECREASE, NO_CHANGE)
NOT_COMPARED_LABELS = (NOT_COMPARED_MISSING, NOT_COMPARED_LENGTH)


def fdr_words(alpha: float = 0.05) -> str:
    """'FDR 5%': the false-discovery rate a label is controlled at, as the labels print it."""
    return f"FDR {alpha:.0%}" if round(alpha * 100, 6).is_integer() else f"FDR {alpha:.1%}"


EMERGING = "Emerging (FDR 5%)"
DECLINING = "Declining (FDR 5%)"
NOT_SIGNIFICANT = "Not significant"
EMERGING_NOT_COMPARED = "Not compared: a month is missing"
EMERGING_LABELS = (EMERGING, DECLINING, NOT_SIGNIFICANT, EMERGING_NOT_COMPARED)


@dataclass(frozen=True)
class ChangeResult:
    """The outcome of comparing two periods' counts.

    ``change`` is ``current - previous`` (raw counts); ``pct_change`` is the percentage change in the *rate*
    (identical to the count change when the periods are the same length) and is None when ``previous`` is 0.
    ``method`` says in words which test was run (the UI shows it); ``p_value`` is None when the periods were
    not compared (a month missing, or windows of different lengths) — ``label`` then says why.
    """

    current: int
    previous: int
    change: int
    pct_change: float | None
    p_value: float | None
    significant: bool
    label: str
    exposure_ratio: float = 1.0
    method: str = "exact Poisson test (conditional binomial)"
    dispersion: float | None = None
    months: int | None = None

    @property
    def compared(self) -> bool:
        """False when the test refused to compare the periods (``label`` says why)."""
        return self.label not in NOT_COMPARED_LABELS


def _binom_p(k: int, n: int, prob: float) -> float:
    """scipy's exact two-sided binomial test p-value (about 0.05 ms a call: not worth remembering)."""
    return float(sps.binomtest(k, n, prob).pvalue)


def _pct(c: float, p: float, exposure_ratio: float = 1.0) -> float | None:
    return None if p == 0 else 100.0 * ((c / exposure_ratio) / p - 1.0)


def _direction(significant: bool, current: float, expected: float) -> str:
    if significant and current > expected:
        return INCREASE
    if significant and current < expected:
        return DECREASE
    return NO_CHANGE


def poisson_change(
    current: int, previous: int, alpha: float = 0.05, exposure_ratio: float = 1.0
) -> ChangeResult:
    """Two-sided test of equal Poisson rates in two periods (conditional binomial test) — totals only.

    Under the null hypothesis of equal rates, and given the total ``n = current + previous``, ``current``
    is Binomial(n, r / (1 + r)) where ``r = exposure_ratio`` is the current period's exposure (months,
    population-years) divided by the previous period's; for two 12-month periods r = 1 and the
    probability is 0.5. The p-value is scipy's exact two-sided binomial test.

    Crime counts vary more from month to month than Poisson allows, so this test alone calls chance
    "significant" too often: figures use ``change_test`` on the monthly counts, which allows for it.
    """
    c, p = _count(current, "current"), _count(previous, "previous")
    if not exposure_ratio > 0 or not math.isfinite(exposure_ratio):
        raise ValueError(f"exposure_ratio must be a positive number, got {exposure_ratio}")
    _z(alpha)  # validates alpha
    n = c + p
    # With no events in either period there is no evidence of anything: p = 1 by convention.
    p_value = 1.0 if n == 0 else _binom_p(c, n, exposure_ratio / (1 + exposure_ratio))
    significant = p_value < alpha
    return ChangeResult(
        current=c,
        previous=p,
        change=c - p,
        pct_change=_pct(c, p, exposure_ratio),
        p_value=p_value,
        significant=significant,
        label=_direction(significant, c, p * exposure_ratio),
        exposure_ratio=float(exposure_ratio),
    )


def pearson_dispersion(windows: Sequence[np.ndarray]) -> tuple[float, int]:
    """(Pearson X² / df, df) of monthly counts around each window's own mean level (no seasonal terms).

    ``windows`` are arrays of monthly counts, each of shape (months,) or (areas, months) for several areas:
    every (area, window) row is a group with its own fitted mean m, and X² = Σ (y − m)² / m. Each group with
    m > 0 costs one degree of freedom for its mean; a group of zeros carries no information and is left out.
    Seasonality and trend inside a window count as extra variation, which can only make the test more
    cautious. Returns (nan, 0) when there is nothing to estimate from.
    """
    x2, df = 0.0, 0
    for w in windows:
        y = np.atleast_2d(np.asarray(w, dtype=float))
        if y.size == 0:
            continue
        m = y.mean(axis=1, keepdims=True)
        used = m[:, 0] > 0
        if not used.any():
            continue
        yy, mm = y[used], m[used]
        x2 += float(((yy - mm) ** 2 / mm).sum())
        df += int(yy.size - yy.shape[0])
    return (x2 / df if df > 0 else math.nan), df


def floored_dispersion(raw: float) -> float:
    """The dispersion a test uses: the estimate floored at 1 (less variation than Poisson is not assumed)."""
    return 1.0 if not math.isfinite(raw) or raw < 1 else float(raw)


def quasi_poisson_p(
    current: np.ndarray, previous: np.ndarray, dispersion: float, df: float | None
) -> np.ndarray:
    """Two-sided p-values for equal rates in two equal-length periods, allowing for overdispersion.

    With dispersion φ the variance of ``current − previous`` given their total n is φ n (Poisson: φ = 1), so
    z = (current − previous) / √(φ n), referred to Student's t on ``df`` degrees of freedom (φ is estimated;
    None or 0 means the normal). The p-value is never smaller than the exact Poisson (binomial) test's, so
    allowing for overdispersion can only make a change less significant; at φ = 1 it is the exact test.
    """
    c = np.asarray(current, dtype=np.int64)
    p = np.asarray(previous, dtype=np.int64)
    exact = two_sided_half_p(c, c + p)
    if dispersion <= 1:
        return exact
    n = (c + p).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(n > 0, (c - p) / np.sqrt(dispersion * np.where(n > 0, n, 1)), 0.0)
    tail = t_sf(np.abs(z), df) if df else norm_sf(np.abs(z))
    return np.maximum(exact, np.minimum(2 * tail, 1.0))


def _monthly(values: object, name: str) -> tuple[np.ndarray, bool]:
    """Monthly counts as floats and whether any month is missing (None/NaN); ValueError for non-counts."""
    arr = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(dtype=float)
    missing = bool(np.isnan(arr).any())
    ok = arr[~np.isnan(arr)]
    if (ok < 0).any() or (ok != np.round(ok)).any():
        raise ValueError(f"{name} must hold non-negative whole monthly counts")
    return arr, missing


def change_test(
    current_monthly: Sequence[float] | np.ndarray | pd.Series,
    previous_monthly: Sequence[float] | np.ndarray | pd.Series,
    alpha: float = 0.05,
) -> ChangeResult:
    """Compare two windows of monthly counts (like-for-like months), allowing for overdispersion.

    A quasi-Poisson test: the dispersion φ is the Pearson X²/df of the monthly counts around each window's
    mean (``pearson_dispersion``), floored at 1; the two totals are compared by ``quasi_poisson_p``. When
    either window has a missing month (None or NaN: a month not published, or a partial month set aside)
    or the windows differ in length, nothing is compared: the label says so and is never "significant".

    Worked example: current [3, 5, 4], previous [2, 2, 2]: means 4 and 2, X² = (1 + 1 + 0)/4 + 0 = 0.5 on
    df = 6 − 2 = 4, so φ = 0.125, floored at 1: the exact Poisson test of 12 against 6 (p = 0.238).
    """
    _z(alpha)
    cur, cur_missing = _monthly(current_monthly, "current_monthly")
    prev, prev_missing = _monthly(previous_monthly, "previous_monthly")
    c = int(np.nansum(cur))
    p = int(np.nansum(prev))
    refused = (
        NOT_COMPARED_LENGTH
        if len(cur) != len(prev)
        else NOT_COMPARED_MISSING
        if cur_missing or prev_missing or len(cur) == 0
        else None
    )
    if refused:
        return ChangeResult(
            current=c,
            previous=p,
            change=c - p,
            pct_change=_pct(c, p),
            p_value=None,
            significant=False,
            label=refused,
            method=f"not tested: {refused.removeprefix('not compared: ')}",
            months=len(cur) + len(prev),
        )
    raw, df = pearson_dispersion([cur, prev])
    phi = floored_dispersion(raw)
    p_value = float(quasi_poisson_p(np.array([c]), np.array([p]), phi, df)[0])
    significant = p_value < alpha
    return ChangeResult(
        current=c,
        previous=p,
        change=c - p,
        pct_change=_pct(c, p),
        p_value=p_value,
        significant=significant,
        label=_direction(significant, c, p),
        method=dispersion_words(raw, len(cur) + len(prev)),
        dispersion=phi,
        months=len(cur) + len(prev),
    )


def dispersion_words(raw: float, months: int, what: str = "quasi-Poisson test") -> str:
    """'quasi-Poisson test, dispersion 2.3 estimated from 24 monthly counts' (the floor at 1 said when used)."""
    phi = floored_dispersion(raw)
    if math.isfinite(raw) and raw < 1:
        return f"{what}, dispersion 1.0 (estimate {raw:.1f}, floored at 1) from {months} monthly counts"
    if not math.isfinite(raw):
        return f"{what}, dispersion 1.0 (nothing to estimate it from in {months} monthly counts)"
    return f"{what}, dispersion {phi:.1f} estimated from {months} monthly counts"


def share_change_test(
    current_k: Sequence[float],
    current_n: Sequence[float],
    previous_k: Sequence[float],
    previous_n: Sequence[float],
    alpha: float = 0.05,
) -> ChangeResult:
    """A share (k of n) in two windows of monthly numerators and bases, allowing for overdispersion.

    Quasi-binomial: φ is the Pearson X²/df of the monthly numerators around each window's share
    (Σ (k − n π)² / (n π (1 − π)), one df per window), floored at 1; the two-proportion z-test's z is
    divided by √φ and referred to Student's t. A missing month or windows of different lengths: not compared.
    ``current``/``previous`` of the result are the numerators; ``pct_change`` the change in the share.
    """
    _z(alpha)
    k1, m1 = _monthly(current_k, "current_k")
    n1, m2 = _monthly(current_n, "current_n")
    k0, m3 = _monthly(previous_k, "previous_k")
    n0, m4 = _monthly(previous_n, "previous_n")
    K1, N1, K0, N0 = (int(np.nansum(a)) for a in (k1, n1, k0, n0))
    s1, s0 = (K1 / N1 if N1 else None), (K0 / N0 if N0 else None)
    pct = None if not s0 or s1 is None else 100.0 * (s1 / s0 - 1)
    months = len(k1) + len(k0)
    refused = (
        NOT_COMPARED_LENGTH
        if len(k1) != len(k0) or len(k1) != len(n1) or len(k0) != len(n0)
        else NOT_COMPARED_MISSING
        if m1 or m2 or m3 or m4 or len(k1) == 0
        else None
    )
    if refused:
        return ChangeResult(
            K1,
            K0,
            K1 - K0,
            pct,
            None,
            False,
            refused,
            method=f"not tested: {refused.removeprefix('not compared: ')}",
        )
    x2, df = 0.0, 0
    for k, n, K, N in ((k1, n1, K1, N1), (k0, n0, K0, N0)):
        pi = K / N if N else 0.0
        used = n > 0
        if 0 < pi < 1 and used.any():
            x2 += float(((k[used] - n[used] * pi) ** 2 / (n[used] * pi * (1 - pi))).sum())
            df += int(used.sum()) - 1
    raw = x2 / df if df > 0 else math.nan
    phi = floored_dispersion(raw)
    method = dispersion_words(raw, months, "quasi-binomial two-proportion test")
    if min(N1, N0) == 0:
        return ChangeResult(K1, K0, K1 - K0, pct, 1.0, False, NO_CHANGE, method=method, dispersion=phi)
    pooled = (K1 + K0) / (N1 + N0)
    se = math.sqrt(phi * pooled * (1 - pooled) * (1 / N1 + 1 / N0))
    if se == 0:
        return ChangeResult(K1, K0, K1 - K0, pct, 1.0, False, NO_CHANGE, method=method, dispersion=phi)
    z = (K1 / N1 - K0 / N0) / se
    p_value = float(2 * (t_sf(abs(z), df) if phi > 1 and df else norm_sf(abs(z))))
    significant = p_value < alpha
    return ChangeResult(
        K1,
        K0,
        K1 - K0,
        pct,
        p_value,
        significant,
        _direction(significant, K1 / N1, K0 / N0),
        method=method,
        dispersion=phi,
        months=months,
    )


def monthly_window(
    counts_by_month: pd.Series, months: Sequence | pd.DatetimeIndex, available: Sequence | pd.Index
) -> np.ndarray:
    """The counts of ``months`` (a window) as floats: 0 for an available month with no count, NaN for a
    month the data do not cover (not in ``available``), so ``change_test`` refuses to compare it."""
    idx = pd.DatetimeIndex(months)
    have = pd.DatetimeIndex(pd.to_datetime(pd.Index(available))).unique()
    s = counts_by_month.groupby(level=0).sum() if len(counts_by_month) else counts_by_month
    vals = s.reindex(idx).fillna(0).to_numpy(dtype=float)
    return np.where(idx.isin(have), vals, np.nan)


def benjamini_hochberg(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q): reject where q ≤ the false-discovery rate. NaN stays NaN."""
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        q[ok] = _bh(np.clip(p[ok], 0, 1))
    return q


def _bh(p: np.ndarray) -> np.ndarray:
    """``scipy.stats.false_discovery_control(p, method="bh")`` step for step, without importing scipy.stats
    (~45 MB and 0.5 s; tests/test_lean.py checks they are equal): p·m/rank, a running minimum from the
    largest p down, back in the input order, clipped to [0, 1]."""
    if p.size <= 1:
        return p
    order = np.argsort(p)
    ps = np.take_along_axis(p, order, axis=-1)
    ps = ps * (p.size / np.arange(1, p.size + 1, dtype=ps.dtype))
    np.minimum.accumulate(ps[::-1], out=ps[::-1])
    out = np.empty_like(ps)
    out[order] = ps
    return np.clip(out, 0.0, 1.0)


@overload
def emerging(current_12m: int, previous_12m: int, alpha: float = 0.05) -> str: ...
@overload
def emerging(current_12m: pd.DataFrame, previous_12m: None = None, alpha: float = 0.05) -> pd.DataFrame: ...


def emerging(current_12m, previous_12m=None, alpha: float = 0.05):
    """The emerging label by the latest 12 months against the 12 before (``EMERGING_LABELS``).

    Given two counts (one area, so no multiple testing, and no monthly series, so dispersion 1), returns the
    label. Given a frame with columns ``current`` and ``previous`` (one row per area), returns
    ``emerging_frame``: overdispersion allowed for and the false-discovery rate controlled across areas.
    """
    if isinstance(current_12m, pd.DataFrame):
        return emerging_frame(current_12m, alpha=alpha)
    if previous_12m is None:
        raise ValueError("emerging() needs previous_12m when current_12m is a count")
    return str(
        emerging_frame(pd.DataFrame({"current": [current_12m], "previous": [previous_12m]}), alpha=alpha)[
            "label"
        ].iloc[0]
    )


def emerging_method(dispersion: float, areas: int, months: int = 24, alpha: float = 0.05) -> str:
    """The method sentence behind the emerging labels."""
    return (
        f"quasi-Poisson test per area (dispersion {dispersion:.1f}, pooled over {areas} areas × {months} "
        f"months), two-sided, Benjamini–Hochberg {fdr_words(alpha)}"
    )


def emerging_frame(
    df: pd.DataFrame,
    current_col: str = "current",
    previous_col: str = "previous",
    alpha: float = 0.05,
    dispersion: float | None = None,
    dispersion_df: float | None = None,
    complete: bool | None = None,
) -> pd.DataFrame:
    """Per row of ``df`` (one per area): the change test and its emerging label, FDR-controlled across rows.

    ``quasi_poisson_p`` with the dispersion (default: ``df["dispersion"]`` when present, else 1) on
    ``dispersion_df`` degrees of freedom, then Benjamini–Hochberg across the areas: "Emerging (FDR 5%)" or
    "Declining (FDR 5%)" where q ≤ ``alpha``, else "Not significant". When the windows are not complete
    (``complete`` False, or ``df["complete"]`` False) every area is "Not compared: a month is missing".
    Adds change, pct_change, p_value, q_value, label and method.
    """
    _z(alpha)
    cur = np.array([_count(c, "current") for c in df[current_col]], dtype=np.int64)
    prev = np.array([_count(p, "previous") for p in df[previous_col]], dtype=np.int64)

    def first(col: str, given, default):
        if given is not None:
            return given
        return df[col].iloc[0] if col in df.columns and len(df) else default

    phi = floored_dispersion(float(first("dispersion", dispersion, 1.0)))
    ddf = first("dispersion_df", dispersion_df, 0)
    whole = bool(first("complete", complete, True))
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(prev > 0, 100.0 * (cur / np.where(prev > 0, prev, 1) - 1.0), np.nan)
    fdr = fdr_words(alpha)
    if whole:
        p_value = quasi_poisson_p(cur, prev, phi, float(ddf) if ddf else None)
        q_value = benjamini_hochberg(p_value)
        sig = q_value <= alpha
        label = np.where(
            sig & (cur > prev),
            f"Emerging ({fdr})",
            np.where(sig & (cur < prev), f"Declining ({fdr})", NOT_SIGNIFICANT),
        )
        method = emerging_method(phi, len(df), alpha=alpha)
    else:
        p_value = q_value = np.full(len(df), np.nan)
        label = np.full(len(df), EMERGING_NOT_COMPARED, dtype=object)
        method = "not tested: a month is missing"
    return df.assign(
        change=cur - prev,
        pct_change=pd.array(
            [float(x) if q > 0 else None for x, q in zip(pct, prev, strict=True)], dtype="Float64"
        ),
        p_value=p_value,
        q_value=q_value,
        label=label.tolist(),
        method=method,
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

EXACT_BELOW = 10  # PHE/OHID: exact (Garwood) limits below 10 events, Byar's approximation from 10 up
INTERVAL_METHOD = "95% interval: exact Poisson (Garwood) below 10 events, Byar from 10 (PHE/OHID practice)"


def _byar(count: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    z = _z(alpha)
    o = count.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    # Byar's lower limit divides by the count; for 0 the exact Poisson lower limit is 0.
    lower = np.where(o == 0, 0.0, lower)
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    return lower, upper


def _garwood(count: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits: χ²(α/2; 2O)/2 and χ²(1 − α/2; 2O + 2)/2 (lower 0 for O = 0)."""
    _z(alpha)
    o = count.astype(float)
    lower = np.where(o == 0, 0.0, chi2_ppf(alpha / 2, 2 * np.maximum(o, 1)) / 2)
    upper = chi2_ppf(1 - alpha / 2, 2 * o + 2) / 2
    return lower, upper


def _interval(count: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Garwood below ``EXACT_BELOW`` events, Byar from there up."""
    bl, bu = _byar(count, alpha)
    gl, gu = _garwood(count, alpha)
    exact = count < EXACT_BELOW
    return np.where(exact, gl, bl), np.where(exact, gu, bu)


def byar_ci(count: int, alpha: float = 0.05) -> tuple[float, float]:
    """Byar's approximate confidence interval for a Poisson count (always Byar; see ``count_interval``).

    lower = O (1 - 1/(9O) - z/(3 sqrt O))^3 and upper = (O+1) (1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3;
    for O = 0 the lower limit is exactly 0.
    """
    lo, up = _byar(np.array([_count(count, "count")]), alpha)
    return float(lo[0]), float(up[0])


def garwood_ci(count: int, alpha: float = 0.05) -> tuple[float, float]:
    """The exact Poisson (Garwood) interval for a count: χ²(α/2; 2O)/2 to χ²(1 − α/2; 2O + 2)/2."""
    lo, up = _garwood(np.array([_count(count, "count")]), alpha)
    return float(lo[0]), float(up[0])


def count_interval(count: int, alpha: float = 0.05) -> tuple[float, float]:
    """The interval figures show for a count: exact (Garwood) below 10 events, Byar from 10 (PHE/OHID)."""
    lo, up = _interval(np.array([_count(count, "count")]), alpha)
    return float(lo[0]), float(up[0])


def rate_ci(
    count: int, population: float, per: float = 1000, alpha: float = 0.05
) -> tuple[float, float, float]:
    """A rate per ``per`` residents with its interval (``count_interval``): (rate, lower, upper)."""
    if not population > 0:
        raise ValueError(f"population must be positive, got {population}")
    lo, up = count_interval(count, alpha)
    scale = per / float(population)
    return _count(count, "count") * scale, lo * scale, up * scale


rate_interval = rate_ci


def byar_ci_frame(counts: Sequence[int] | np.ndarray | pd.Series, alpha: float = 0.05) -> pd.DataFrame:
    """``count_interval`` for many counts: a frame with ``count``, ``lower`` and ``upper`` (index kept).

    (The name is historical: counts below 10 get the exact interval, as ``count_interval``.)
    """
    s = pd.Series(counts) if not isinstance(counts, pd.Series) else counts
    arr = np.array([_count(x, "count") for x in s], dtype=float)
    lo, up = _interval(arr, alpha)
    return pd.DataFrame({"count": arr.astype("int64"), "lower": lo, "upper": up}, index=s.index)


def rates_with_ci(
    df: pd.DataFrame,
    count_col: str = "count",
    population_col: str = "population",
    per: float = 1000,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Add ``rate``, ``rate_lower`` and ``rate_upper`` (per ``per`` residents, ``count_interval``) to a copy.

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

HOT_SPOT = "Hot spot (FDR 5%)"
COLD_SPOT = "Cold spot (FDR 5%)"
HOTSPOT_LABELS = (HOT_SPOT, NOT_SIGNIFICANT, COLD_SPOT)
GI_METHOD = "Getis-Ord Gi*, queen contiguity, two-sided, Benjamini–Hochberg FDR 5%"
GI_METHOD_DETAIL = (
    GI_METHOD
    + " (exact conditional-permutation p-values: each area's neighbourhood sum against every way of "
    "drawing its neighbours' values from the other areas)"
)
# The subset-sum distribution is computed on a grid of at most this many units of the total (exact for
# whole counts up to it; non-whole values such as rates are put on the grid).
GI_GRID = 50_000


def hotspot_label(z: float, q: float, alpha: float = 0.05) -> str:
    """'Hot spot (FDR 5%)' / 'Cold spot (FDR 5%)' where the FDR-adjusted q is at most ``alpha``, by z's sign."""
    if pd.isna(z) or pd.isna(q) or q > alpha or z == 0:
        return NOT_SIGNIFICANT
    return f"{'Hot spot' if z > 0 else 'Cold spot'} ({fdr_words(alpha)})"


@dataclass(frozen=True)
class Contiguity:
    """Queen contiguity of n areas (ids 0..n-1 in row order) with a self-weight of 1 (the star in Gi*).

    ``sparse`` is the n × n binary matrix, as ``libpysal.graph.Graph.build_contiguity(rook=False)
    .assign_self_weight(1).sparse`` gives it (tests/test_lean.py checks they are equal on the real layers).
    """

    sparse: object  # scipy.sparse.csr_array

    @property
    def n(self) -> int:
        """The number of areas (as libpysal's ``Graph.n``)."""
        return self.sparse.shape[0]

    def to_libpysal(self):
        """The same graph as a ``libpysal.graph.Graph`` (for esda, in tests and benchmarks only)."""
        from libpysal.graph import Graph

        return Graph.from_sparse(self.sparse)


def _build_contiguity(wkb: tuple[bytes, ...]) -> Contiguity:
    """Queen contiguity plus a self-weight of 1 for geometries given as WKB: areas sharing a vertex.

    libpysal's rule (vertex-set intersection, ``strict=False``) on shapely's coordinates, without importing
    libpysal, which brings scikit-learn and ~75 MB of the server's memory for this one call.
    """
    import shapely
    from scipy import sparse

    geoms = shapely.from_wkb(np.array(wkb, dtype=object))
    n = len(geoms)
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    # Each (x, y) as one complex number: exact equality, and a 1-D unique (fast). Adding 0.0 makes -0.0 and
    # 0.0 one vertex, as they are for libpysal's tuples.
    points = np.ascontiguousarray(coords + 0.0).view(np.complex128).ravel()
    _, vertex = np.unique(points, return_inverse=True)
    vertex = vertex.ravel()
    pairs = np.unique(owner.astype(np.int64) * (vertex.size + 1) + vertex)  # each (area, vertex) once
    pairs = np.column_stack([pairs // (vertex.size + 1), pairs % (vertex.size + 1)])
    incidence = sparse.csr_array(
        (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, int(vertex.max(initial=-1)) + 1)
    )
    adjacency = (incidence @ incidence.T).tocsr()
    adjacency.data[:] = 1.0
    adjacency.setdiag(1.0)
    adjacency.sort_indices()
    return Contiguity(sparse.csr_array(adjacency))


# Kept in the caller's svd.reference.Reference, keyed on the exact WKB of every geometry in row order (not a
# digest, so two different geometry sets can never share a graph). Callers only read ``.sparse`` (evaluate takes
# ``tocsr()``, a copy), so sharing is safe. A handful of entries covers the ward and LSOA layers and the page's
# filtered subsets; the least recently used leave first.
CONTIGUITY_KEPT = 16


def _wkb_key(gdf) -> tuple[bytes, ...]:
    import shapely

    return tuple(shapely.to_wkb(np.asarray(gdf.geometry.values, dtype=object)))


def contiguity_graph(gdf, cache: bool = True):
    """The queen contiguity (``Contiguity``, self-weight 1) of gdf's geometries in row order, ids 0..n-1.

    Kept per geometry set (codes and values do not matter, only the shapes and their order) in the active
    ``svd.reference.Reference`` (none: built afresh), because building it costs far more than Gi* itself;
    ``cache=False`` always builds afresh.
    """
    from svd.reference import current

    key = _wkb_key(gdf)
    if not cache:
        return _build_contiguity(key)
    return current().get(("svd.stats.contiguity", key), lambda: _build_contiguity(key), most=CONTIGUITY_KEPT)


def _neighbours(graph, n: int) -> list[np.ndarray]:
    """Each area's neighbours (itself excluded) from a binary graph; ValueError for other weights."""
    m = graph.sparse.tocsr()
    if m.shape != (n, n):
        raise ValueError(f"the graph has {m.shape[0]} areas but gdf has {n} rows")
    if m.nnz and not np.allclose(m.data[m.data != 0], 1):
        raise ValueError("Gi* here needs binary (contiguity) weights")
    out = []
    for i in range(n):
        cols = m.indices[m.indptr[i] : m.indptr[i + 1]]
        vals = m.data[m.indptr[i] : m.indptr[i + 1]]
        out.append(np.unique(cols[(cols != i) & (vals != 0)]))
    return out


def _on_grid(y: np.ndarray) -> np.ndarray:
    """``y`` as non-negative whole grid units: unchanged when whole with a total up to ``GI_GRID``."""
    lo = y - y.min() if y.min() < 0 else y
    whole = np.allclose(lo, np.round(lo))
    total = float(lo.sum())
    if whole and total <= GI_GRID:
        return np.round(lo).astype(np.int64)
    return np.round(lo * (GI_GRID / total / 1.0) if total > 0 else lo).astype(np.int64)


def gi_star_exact(y: np.ndarray, neighbours: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(z, two-sided p) of local Gi* for each area, by the exact conditional-permutation distribution.

    With binary contiguity weights plus the area itself, row-standardised, Gi*_i = (y_i + S_i) / ((k_i + 1)
    Σy), where S_i is the sum over the k_i neighbours. Holding y_i fixed and permuting the other n − 1
    values (esda's conditional randomisation), Gi*_i is a rising function of S_i, whose null distribution is
    the sum of k_i values drawn without replacement from the other areas. That distribution is counted
    exactly (subsets by size and sum, one pass over all areas, then each area's own value divided out), so
    p = min(1, 2 min(P(S ≥ s), P(S ≤ s))) needs no random permutations and no seed. z is (s − E S) / sd S
    with E S = k μ and Var S = k σ² (N − k)/(N − 1) over the N = n − 1 other values. An area without
    neighbours gets z = 0, p = 1.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    k = np.array([len(nb) for nb in neighbours], dtype=np.int64)
    z = np.zeros(n)
    p = np.ones(n)
    if n < 2 or k.max(initial=0) == 0:
        return z, p
    # z from the real values.
    total, sq = y.sum(), (y**2).sum()
    for i in range(n):
        if k[i] == 0:
            continue
        others = n - 1
        mu = (total - y[i]) / others
        var = (sq - y[i] ** 2) / others - mu**2
        v = k[i] * var * (others - k[i]) / (others - 1) if others > 1 else 0.0
        s = y[neighbours[i]].sum()
        z[i] = 0.0 if v <= 1e-12 * max(1.0, mu**2) else (s - k[i] * mu) / math.sqrt(v)
    # p from the exact subset-sum counts on the grid.
    g = _on_grid(y)
    kmax = int(k.max())
    # No subset of at most kmax areas sums to more than the kmax largest values: count sums up to there only.
    big = int(np.sort(g)[-kmax:].sum())
    if math.comb(n, kmax) >= 2**62:  # int64 counts would overflow: count each area afresh, as probabilities
        return z, _gi_p_direct(g, neighbours, k)
    f = np.zeros((kmax + 1, big + 1), dtype=np.int64)
    f[0, 0] = 1
    for v in g.tolist():
        for j in range(kmax, 0, -1):
            f[j, v:] += f[j - 1, : big + 1 - v]
    for i in range(n):
        ki = int(k[i])
        if ki == 0:
            continue
        v = int(g[i])
        # Divide area i out: f_j = h_j + shift(h_{j-1}, v), so h_j = f_j - shift(h_{j-1}, v).
        h = f[0].copy()
        for j in range(1, ki + 1):
            nxt = f[j].copy()
            nxt[v:] -= h[: big + 1 - v]
            h = nxt
        p[i] = _two_sided(h, int(g[neighbours[i]].sum()), math.comb(n - 1, ki))
    return z, p


def _two_sided(dist: np.ndarray, s: int, ways: int | float) -> float:
    upper = float(dist[s:].sum()) / ways
    lower = float(dist[: s + 1].sum()) / ways
    return min(1.0, 2 * min(upper, lower))


def _gi_p_direct(g: np.ndarray, neighbours: Sequence[np.ndarray], k: np.ndarray) -> np.ndarray:
    """The same p-values, one area at a time in probabilities (for graphs too large for int64 counts)."""
    n, big = len(g), int(np.sort(g)[-int(k.max()) :].sum())
    p = np.ones(n)
    for i in range(n):
        ki = int(k[i])
        if ki == 0:
            continue
        f = np.zeros((ki + 1, big + 1))
        f[0, 0] = 1.0
        for idx, v in enumerate(g.tolist()):
            if idx == i:
                continue
            for j in range(ki, 0, -1):
                f[j, v:] += f[j - 1, : big + 1 - v]
        p[i] = _two_sided(f[ki], int(g[neighbours[i]].sum()), float(f[ki].sum()))
    return p


def getis_ord(gdf, value_col: str, graph=None, alpha: float = 0.05) -> pd.DataFrame:
    """Local Getis-Ord Gi* on queen contiguity with the false-discovery rate controlled across areas.

    Returns a frame (gdf's index and non-geometry columns) plus ``z``, ``p`` (two-sided, exact conditional
    permutation: ``gi_star_exact``), ``q`` (Benjamini–Hochberg across all areas) and ``label``
    ("Hot spot (FDR 5%)", "Cold spot (FDR 5%)" where q ≤ ``alpha``, else "Not significant"). The p-values
    are exact, so the labels cannot change with a random seed. The graph comes from
    ``contiguity_graph(gdf)`` (kept per geometry set in the active svd.reference store) unless ``graph`` is
    given; a given graph must have one node per row of gdf, in row order, and binary weights.
    """
    if len(gdf) < 3:
        raise ValueError("Gi* needs at least three areas")
    y = pd.to_numeric(gdf[value_col], errors="coerce").astype(float).to_numpy()
    if np.isnan(y).any():
        raise ValueError(f"{value_col} has missing values; fill them (e.g. with 0) before running Gi*")
    out = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).copy()
    if np.ptp(y) == 0:
        # Identical values everywhere: Gi* is 0/0; no area can stand out.
        return out.assign(z=0.0, p=1.0, q=1.0, label=NOT_SIGNIFICANT)
    if graph is None:
        graph = contiguity_graph(gdf)
    elif graph.n != len(gdf):
        raise ValueError(f"the graph has {graph.n} areas but gdf has {len(gdf)} rows")
    z, p = gi_star_exact(y, _neighbours(graph, len(gdf)))
    q = benjamini_hochberg(p)
    return out.assign(z=z, p=p, q=q, label=[hotspot_label(a, b, alpha) for a, b in zip(z, q, strict=True)])
