"""Did it work? Evaluating an intervention in some wards against comparison wards, on the MPS ward series.

Pure functions (no Streamlit). Given the monthly MPS counts by ward, a treated set of wards and a start month:

- ``propose_comparison``: wards most like the treated ones before the start (level and trend), leaving out a
  displacement buffer of wards adjacent to the treated ones (queen contiguity of the ward polygons);
- ``did``: difference in differences as a rate ratio from a quasi-Poisson count model with area and month
  effects (equivalently a quasi-binomial model of the treated share of each month's count), with its interval;
- ``wdd``: the weighted displacement difference (Wheeler & Ratcliffe, Crime Science 2018) and its z test;
- ``its``: an interrupted time series of the treated wards (segmented quasi-Poisson regression);
- ``evaluate``: all of these with before/after counts and rates, plain-English conclusions, a power note and
  the provenance of every figure.

Saved evaluations are definitions (name, wards, start month, offence group, comparison wards) kept as JSON files:
the project's own in ``data/evaluations/`` and the partnership's in ``SVD_EVALUATIONS_DIR`` (default
``evaluations/`` in the data directory). ``python -m svd evaluate`` and the Evaluate page re-run them.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from svd import provenance as prov
from svd import stats as st_
from svd.config import borough_definitions_dir, data_dir
from svd.provenance import Provenance
from svd.stats import floored_dispersion

DEFAULT_GROUP = "serious_violence"
DEFAULT_COMPARISONS = 3
SHORT_PRE_MONTHS = 12  # a pre-period shorter than a year cannot show a full seasonal cycle
MIN_PRE_MONTHS = 3
ALPHA = 0.05
POWER = 0.80

DID_METHOD = (
    "difference in differences: rate ratio from a quasi-Poisson model of the monthly counts with area and month "
    "effects (equivalently, a quasi-binomial model of the treated area's share of each month's count), the "
    "overdispersion estimated from the monthly Pearson residuals (floored at 1), 95% interval on Student's t"
)
WDD_METHOD = (
    "weighted displacement difference (Wheeler & Ratcliffe 2018) on offences a month: change in the treated "
    "area minus the comparison's, plus change in the buffer minus the comparison's, the comparison scaled to "
    "each area's level before the start; variance the sum of the counts (Poisson), two-sided z test"
)
ITS_METHOD = (
    "interrupted time series: segmented quasi-Poisson regression of the treated area's monthly counts (trend, "
    "change in level and in trend at the start month), no seasonal terms"
)
COMPARISON_METHOD = (
    "comparison wards proposed as those most like the treated wards before the start: the smallest sum of the "
    "distance in log monthly level and in yearly relative trend, leaving out the wards next to the treated ones "
    "(queen contiguity of the ward boundaries), which are kept as the displacement buffer"
)
RATE_WORDS = "offences a year per 1,000 residents (Census 2021)"


# ---------------------------------------------------------------------------------------------------------------
# Definitions and saved evaluations


LEVELS = ("ward", "lsoa", "place")


@dataclass(frozen=True)
class Definition:
    """What to evaluate: the treated area, the start month, the offence group and (optionally) comparison areas.

    The treated area is one of: ``wards`` (ward codes), ``lsoas`` (2021 LSOA codes) or ``place`` (a place id of
    ``geo/places.json``, with ``radius_m`` metres around its point instead of its own polygon when given).
    ``comparison`` holds ward codes for wards, LSOA codes otherwise. ``hours`` ([start, end) whole hours; start
    > end wraps midnight) and ``weekdays`` (0 = Monday) keep only the records in a time window. LSOAs, places
    and time windows need record-level data (the partnership's extract, or the simulated records).
    """

    name: str
    wards: tuple[str, ...] = ()
    start: str = ""  # YYYY-MM
    offence_group: str = DEFAULT_GROUP
    comparison: tuple[str, ...] = ()
    description: str = ""
    lsoas: tuple[str, ...] = ()
    place: str = ""
    radius_m: int | None = None
    hours: tuple[int, int] | None = None
    weekdays: tuple[int, ...] = ()

    @property
    def level(self) -> str:
        """'place', 'lsoa' or 'ward': what the treated area is made of."""
        return "place" if self.place else "lsoa" if self.lsoas else "ward"

    @property
    def uses_records(self) -> bool:
        """True when the evaluation needs record-level data (LSOAs, a place or a time window)."""
        return self.level != "ward" or self.hours is not None or bool(self.weekdays)

    def to_dict(self) -> dict:
        """JSON-ready fields (lists, not tuples); the area fields not used are left out."""
        d = asdict(self)
        for k in ("wards", "comparison", "lsoas", "weekdays"):
            d[k] = list(d[k])
        d["hours"] = list(self.hours) if self.hours is not None else None
        for k in ("lsoas", "place", "radius_m", "hours", "weekdays"):
            if not d[k]:
                del d[k]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Definition:
        """From a saved file's fields; ValueError when one is missing or malformed."""
        try:
            name, start = str(d["name"]).strip(), str(d["start"])
        except KeyError as e:
            raise ValueError(f"the evaluation has no {e.args[0]!r}") from None
        if not name:
            raise ValueError("an evaluation needs a name")
        if not re.fullmatch(r"\d{4}-\d{2}", start):
            raise ValueError(f"start month {start!r} is not YYYY-MM")
        wards, lsoas, place = d.get("wards") or [], d.get("lsoas") or [], str(d.get("place") or "")
        if isinstance(wards, str) or isinstance(lsoas, str):
            raise ValueError("wards and LSOAs are lists of codes")
        if sum(bool(x) for x in (wards, lsoas, place)) != 1:
            raise ValueError(
                "an evaluation needs exactly one treated area: a list of wards, a list of LSOAs or a place"
            )
        hours = d.get("hours")
        if hours is not None:
            if (
                len(hours) != 2
                or not all(isinstance(h, int) and 0 <= h <= 24 for h in hours)
                or hours[0] == hours[1]
            ):
                raise ValueError(f"hours {hours!r} is not a window of two different whole hours from 0 to 24")
            hours = (int(hours[0]), int(hours[1]) % 24)
        weekdays = tuple(int(x) for x in d.get("weekdays") or ())
        if any(not 0 <= x <= 6 for x in weekdays):
            raise ValueError("weekdays run from 0 (Monday) to 6 (Sunday)")
        radius = d.get("radius_m")
        if radius is not None and not (isinstance(radius, int | float) and 50 <= radius <= 3000):
            raise ValueError(f"radius {radius!r} m is not between 50 and 3,000 metres")
        return cls(
            name=name,
            wards=tuple(str(w) for w in wards),
            start=start,
            offence_group=str(d.get("offence_group") or DEFAULT_GROUP),
            comparison=tuple(str(w) for w in d.get("comparison") or ()),
            description=str(d.get("description") or ""),
            lsoas=tuple(str(x) for x in lsoas),
            place=place,
            radius_m=int(radius) if radius is not None else None,
            hours=hours,
            weekdays=tuple(sorted(set(weekdays))),
        )


def project_evaluations_dir() -> Path:
    """The project's own evaluation definitions for the partnership's borough (shipped, read-only):
    ``data/boroughs/<code>/evaluations/``."""
    return borough_definitions_dir() / "evaluations"


def evaluations_dir() -> Path:
    """Where the partnership's saved evaluations go: ``SVD_EVALUATIONS_DIR``, else ``evaluations/`` in the data
    directory (``evaluations/<ONS code>/`` for a borough other than Barking and Dagenham, so one borough's
    saved evaluations never show under another's name)."""
    from svd.config import borough

    env = os.environ.get("SVD_EVALUATIONS_DIR")
    if env:
        return Path(env).expanduser().resolve()
    chosen = borough()
    return data_dir() / "evaluations" if chosen.is_default else data_dir() / "evaluations" / chosen.code


def slug(name: str) -> str:
    """A file name for an evaluation's name: lower case, letters, digits and hyphens."""
    s = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return s or "evaluation"


def _read_folder(folder: Path, shipped: bool) -> dict[str, tuple[Definition, bool]]:
    out: dict[str, tuple[Definition, bool]] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            d = Definition.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, OSError, TypeError, AttributeError):
            continue  # a malformed file is skipped, never shown as a traceback
        out[d.name] = (d, shipped)
    return out


def saved_evaluations() -> dict[str, tuple[Definition, bool]]:
    """Every saved evaluation by name → (definition, shipped with the project). The partnership's own file wins
    over a shipped one of the same name."""
    return {**_read_folder(project_evaluations_dir(), True), **_read_folder(evaluations_dir(), False)}


def load_evaluation(name: str) -> Definition:
    """A saved evaluation by name; KeyError with the names there are when there is none."""
    found = saved_evaluations()
    if name not in found:
        raise KeyError(f"no saved evaluation called {name!r} (saved: {', '.join(found) or 'none'})")
    return found[name][0]


def save_evaluation(d: Definition) -> Path:
    """Write (or overwrite) a definition in ``evaluations_dir()``; returns the file written."""
    folder = evaluations_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug(d.name)}.json"
    path.write_text(json.dumps(d.to_dict(), indent=2) + "\n", encoding="utf-8")
    return path


def delete_evaluation(name: str) -> bool:
    """Remove the partnership's saved evaluation ``name``; False when there is none (shipped ones stay)."""
    for path in evaluations_dir().glob("*.json") if evaluations_dir().is_dir() else []:
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("name") == name:
                path.unlink()
                return True
        except (ValueError, OSError, AttributeError):
            continue
    return False


# ---------------------------------------------------------------------------------------------------------------
# Data


def ward_series(table: pd.DataFrame, offence_group: str = DEFAULT_GROUP) -> pd.DataFrame:
    """Monthly counts of the offence group (a metric id of ``data/metrics.json``) by ward: months × ward codes."""
    from svd import metrics

    m = metrics.metric(offence_group)
    rows = metrics.select_mps(table, m) if m.categories else table
    wide = rows.groupby(["month", "area_code"], observed=True)["count"].sum().unstack(fill_value=0)
    months = pd.date_range(table["month"].min(), table["month"].max(), freq="MS")
    wide = wide.reindex(index=months, fill_value=0)
    wide.columns = wide.columns.astype(str)
    wide.index.name = "month"
    return wide.astype(int)


def adjacent_wards(wards_gdf, treated: tuple[str, ...] | list[str], code_col: str = "ward_code") -> list[str]:
    """Wards sharing a boundary or a corner with any treated ward (queen contiguity), the treated ones left out."""
    from svd.stats import contiguity_graph

    gdf = wards_gdf.reset_index(drop=True)
    codes = gdf[code_col].astype(str).to_numpy()
    m = contiguity_graph(gdf).sparse.tocsr()
    rows = np.flatnonzero(np.isin(codes, list(treated)))
    near = {int(j) for i in rows for j in m.indices[m.indptr[i] : m.indptr[i + 1]]}
    return sorted(str(codes[j]) for j in near if codes[j] not in set(treated))


def _trend(y: np.ndarray) -> float:
    """Yearly relative trend of a monthly series: least-squares slope × 12 / mean (0 when the mean is 0)."""
    if len(y) < 2 or y.mean() <= 0:
        return 0.0
    t = np.arange(len(y), dtype=float)
    return float(np.polyfit(t, y.astype(float), 1)[0] * 12 / y.mean())


def propose_comparison(
    series: pd.DataFrame,
    treated: tuple[str, ...] | list[str],
    start: pd.Timestamp,
    exclude: tuple[str, ...] | list[str] = (),
    k: int = DEFAULT_COMPARISONS,
) -> pd.DataFrame:
    """Candidate comparison wards ranked by similarity to the treated wards before ``start``.

    Level: mean monthly count per treated ward; trend: yearly relative slope of the treated total. The score is
    |log(level ratio)| + |trend difference|; the ``k`` lowest are marked ``proposed``. ``exclude`` (the buffer)
    and the treated wards are never candidates. Columns: ward, level, trend, score, proposed.
    """
    pre = series[series.index < start]
    tr = pre[list(treated)].sum(axis=1).to_numpy()
    t_level = tr.mean() / len(treated)
    t_trend = _trend(tr)
    rows = []
    for code in series.columns:
        if code in treated or code in exclude:
            continue
        y = pre[code].to_numpy()
        level = float(y.mean())
        score = abs(math.log(max(level, 0.5) / max(t_level, 0.5))) + abs(_trend(y) - t_trend)
        rows.append({"ward": code, "level": level, "trend": _trend(y), "score": score})
    out = pd.DataFrame(rows, columns=["ward", "level", "trend", "score"]).sort_values(["score", "ward"])
    out["proposed"] = np.arange(len(out)) < k
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# Estimators


def _critical(df: int, phi_raw: float) -> float:
    """The two-sided 95% critical value: Student's t on ``df`` when overdispersion was estimated, else normal."""
    return (
        float(st_.t_ppf(1 - ALPHA / 2, df)) if phi_raw > 1 and df > 0 else float(st_.norm_ppf(1 - ALPHA / 2))
    )


def _p(z: float, df: int, phi_raw: float) -> float:
    return float(2 * (st_.t_sf(abs(z), df) if phi_raw > 1 and df > 0 else st_.norm_sf(abs(z))))


@dataclass(frozen=True)
class DiDResult:
    """Difference in differences as a rate ratio: (after/before in treated) / (after/before in comparison)."""

    treated_before: int
    treated_after: int
    comparison_before: int
    comparison_after: int
    rate_ratio: float
    low: float
    high: float
    p_value: float
    dispersion: float  # floored at 1
    dispersion_raw: float
    df: int
    se_log: float
    method: str = DID_METHOD

    @property
    def significant(self) -> bool:
        """The interval excludes a ratio of 1."""
        return self.p_value < ALPHA

    def detectable(self, power: float = POWER) -> tuple[float, float]:
        """(fall, rise) as fractions: the smallest change this design detects with ``power`` at the 5% level."""
        lift = (_critical(self.df, self.dispersion_raw) + float(st_.norm_ppf(power))) * self.se_log
        return 1 - math.exp(-lift), math.exp(lift) - 1


def did(treated: np.ndarray, comparison: np.ndarray, after: np.ndarray) -> DiDResult:
    """Difference in differences from monthly counts of the treated and comparison areas (``after``: a mask).

    The Poisson model log μ[g, t] = area_g + month_t + β·(treated and after) is, conditioning on each month's
    total n_t, a binomial model of the treated count T_t out of n_t with logit p_t = α + β·after_t. Its fit is
    the 2×2 table: exp(β) = (T_after · C_before) / (T_before · C_after), with var(β) = φ (1/T_b + 1/T_a + 1/C_b
    + 1/C_a). φ is Pearson X² / (months − 2) of the monthly treated shares around the fitted before and after
    shares (so common month-to-month shocks and seasonality cancel), floored at 1.

    Worked example: treated [10, 10 | 5, 5], comparison [20, 20 | 20, 20]: RR = (10·40)/(20·40) = 0.5; every
    month sits on its fitted share, so X² = 0, φ = 1 and se = √(1/20 + 1/10 + 1/40 + 1/40) = 0.447.
    """
    t, c, a = np.asarray(treated, float), np.asarray(comparison, float), np.asarray(after, bool)
    tb, ta, cb, ca = t[~a].sum(), t[a].sum(), c[~a].sum(), c[a].sum()
    if min(tb, ta, cb, ca) <= 0:
        raise ValueError(
            "a difference in differences needs offences in every area before and after the start"
        )
    n = t + c
    share = np.where(a, ta / (ta + ca), tb / (tb + cb))
    used = n > 0
    with np.errstate(invalid="ignore", divide="ignore"):  # months with no offences are left out just below
        x2 = float((((t - n * share) ** 2) / (n * share * (1 - share)))[used].sum())
    df = int(used.sum()) - 2
    raw = x2 / df if df > 0 else math.nan
    phi = floored_dispersion(raw)
    log_rr = math.log(ta * cb / (tb * ca))
    se = math.sqrt(phi * (1 / tb + 1 / ta + 1 / cb + 1 / ca))
    q = _critical(df, raw)
    return DiDResult(
        treated_before=int(tb),
        treated_after=int(ta),
        comparison_before=int(cb),
        comparison_after=int(ca),
        rate_ratio=math.exp(log_rr),
        low=math.exp(log_rr - q * se),
        high=math.exp(log_rr + q * se),
        p_value=_p(log_rr / se, df, raw),
        dispersion=phi,
        dispersion_raw=raw,
        df=df,
        se_log=se,
    )


@dataclass(frozen=True)
class WDDResult:
    """The weighted displacement difference in offences a month, its z test and the buffer's own part."""

    delta_treated: float
    delta_control: float  # the comparison's change scaled to the treated area's level
    delta_buffer: float
    delta_buffer_control: float  # the comparison's change scaled to the buffer's level
    wdd: float
    se: float
    z: float
    p_value: float
    buffer_part: float  # ΔD − ΔC': positive = the buffer rose relative to the comparison
    buffer_se: float
    buffer_z: float
    buffer_p: float
    method: str = WDD_METHOD


def wdd(
    treated: tuple[float, float],
    control: tuple[float, float],
    buffer: tuple[float, float] = (0, 0),
    buffer_control: tuple[float, float] | None = None,
    months: tuple[int, int] = (1, 1),
    control_weight: float = 1.0,
    buffer_control_weight: float = 1.0,
) -> WDDResult:
    """Weighted displacement difference, WDD = ΔT − ΔC + ΔD − ΔC' (Wheeler & Ratcliffe 2018).

    Each pair is (before, after) counts; Δ is the change in offences a month (after/m_a − before/m_b). The
    controls are multiplied by their weights (1 in the paper; ``evaluate`` scales the comparison to each area's
    level before the start). With ``buffer_control=None`` the one control serves both terms, so its weights add.
    var(WDD) = Σ weight² × count / months² (the paper's sum of the counts when weights and months are 1);
    z = WDD / √var. Negative WDD: a net fall over treated area and buffer together.

    Worked example (the paper's style): T 60 → 40, C 50 → 50, D 30 → 25, C' 40 → 40: WDD = −20 − 0 − 5 − 0 =
    −25, var = 60+40+50+50+30+25+40+40 = 335, z = −25/√335 = −1.366.
    """
    mb, ma = months

    def delta(pair: tuple[float, float]) -> float:
        return pair[1] / ma - pair[0] / mb

    def var(pair: tuple[float, float]) -> float:
        return pair[0] / mb**2 + pair[1] / ma**2

    same = buffer_control is None
    bc = control if same else buffer_control
    d_t, d_c, d_d, d_bc = (
        delta(treated),
        delta(control) * control_weight,
        delta(buffer),
        delta(bc) * buffer_control_weight,
    )
    value = d_t - d_c + d_d - d_bc
    if same:
        v = var(treated) + var(buffer) + (control_weight + buffer_control_weight) ** 2 * var(control)
    else:
        v = var(treated) + var(buffer) + control_weight**2 * var(control) + buffer_control_weight**2 * var(bc)
    se = math.sqrt(v)
    z = value / se if se > 0 else 0.0
    b_part = d_d - d_bc
    b_se = math.sqrt(var(buffer) + buffer_control_weight**2 * var(bc))
    b_z = b_part / b_se if b_se > 0 else 0.0
    return WDDResult(
        delta_treated=d_t,
        delta_control=d_c,
        delta_buffer=d_d,
        delta_buffer_control=d_bc,
        wdd=value,
        se=se,
        z=z,
        p_value=float(2 * st_.norm_sf(abs(z))),
        buffer_part=b_part,
        buffer_se=b_se,
        buffer_z=b_z,
        buffer_p=float(2 * st_.norm_sf(abs(b_z))),
    )


@dataclass(frozen=True)
class ITSResult:
    """Segmented quasi-Poisson regression of one monthly series: level and trend change at the start month."""

    level_ratio: float  # the count at the start relative to the pre-period trend's projection
    level_low: float
    level_high: float
    level_p: float
    trend_ratio: float  # yearly: the change in the trend after the start, as a ratio a year
    trend_low: float
    trend_high: float
    pre_trend: float  # yearly ratio before the start
    dispersion: float
    dispersion_raw: float
    df: int
    fitted: tuple[float, ...]  # the model's fit each month
    pre_fit: tuple[float, ...]  # the pre-period trend, projected over every month
    method: str = ITS_METHOD


def _poisson_irls(X: np.ndarray, y: np.ndarray, iterations: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Poisson GLM (log link) by iteratively reweighted least squares: (coefficients, fitted means)."""
    mu = y + 0.5
    eta = np.log(mu)
    beta = np.zeros(X.shape[1])
    for _ in range(iterations):
        z = eta + (y - mu) / mu
        w = mu
        xtw = X.T * w
        new = np.linalg.solve(xtw @ X, xtw @ z)
        converged = np.allclose(new, beta, atol=1e-10, rtol=1e-9)
        beta = new
        eta = X @ beta
        mu = np.exp(eta)
        if converged:
            break
    return beta, mu


def its(y: np.ndarray, start_index: int) -> ITSResult:
    """Segmented regression: log μ_t = b0 + b1·t + b2·after_t + b3·t·after_t, t in months from the start.

    b2 is the change in level at the start (exp(b2): the ratio to the projected pre-period trend), b3 the
    change in slope. φ = Pearson X² / (n − 4), floored at 1; intervals on Student's t when φ > 1. The
    ``pre_fit`` is exp(b0 + b1·t) over every month: the trend the series was on, projected.

    Worked example: 6 months of 20 then 6 months of 10 fits exactly: b1 = 0, exp(b2) = 0.5, b3 = 0, φ = 1.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    if start_index < MIN_PRE_MONTHS or start_index >= n or y.sum() <= 0:
        raise ValueError("an interrupted time series needs at least 3 months before the start and one after")
    t = np.arange(n, dtype=float) - start_index
    after = (t >= 0).astype(float)
    X = np.column_stack([np.ones(n), t, after, t * after])
    beta, mu = _poisson_irls(X, y)
    df = n - X.shape[1]
    raw = float(((y - mu) ** 2 / mu).sum() / df) if df > 0 else math.nan
    phi = floored_dispersion(raw)
    cov = phi * np.linalg.inv((X.T * mu) @ X)
    se = np.sqrt(np.diag(cov))
    q = _critical(df, raw)
    return ITSResult(
        level_ratio=math.exp(beta[2]),
        level_low=math.exp(beta[2] - q * se[2]),
        level_high=math.exp(beta[2] + q * se[2]),
        level_p=_p(beta[2] / se[2], df, raw),
        trend_ratio=math.exp(12 * beta[3]),
        trend_low=math.exp(12 * (beta[3] - q * se[3])),
        trend_high=math.exp(12 * (beta[3] + q * se[3])),
        pre_trend=math.exp(12 * beta[1]),
        dispersion=phi,
        dispersion_raw=raw,
        df=df,
        fitted=tuple(float(v) for v in mu),
        pre_fit=tuple(float(v) for v in np.exp(beta[0] + beta[1] * t)),
    )


# ---------------------------------------------------------------------------------------------------------------
# Words


def _pct(ratio: float) -> str:
    """0.88 → 'a fall of 12%', 1.09 → 'a rise of 9%', 1.0 → 'no change'."""
    change = round((ratio - 1) * 100)
    if change == 0:
        return "no change"
    return f"a {'fall' if change < 0 else 'rise'} of {abs(change)}%"


def did_sentence(
    r: DiDResult, treated_words: str = "the treated wards", comparison_words: str = "the comparison wards"
) -> str:
    """The difference-in-differences conclusion, never claiming more than the interval allows."""
    interval = f"95% interval: {_pct(r.low)} to {_pct(r.high)}"
    if not r.significant:
        return (
            f"No detectable change in {treated_words} relative to {comparison_words}; the interval includes "
            f"{_pct(r.low)} and {_pct(r.high)} (estimate: {_pct(r.rate_ratio)})."
        )
    way = "fell" if r.rate_ratio < 1 else "rose"
    return (
        f"Relative to {comparison_words}, offences in {treated_words} {way} by {abs(round((r.rate_ratio - 1) * 100))}% "
        f"after the start ({interval}; p = {r.p_value:.3f}). This is a change alongside the intervention, not "
        "proof that it caused it: anything else that changed in these wards at the same time would show the same."
    )


def wdd_sentence(r: WDDResult, plural: str = "wards", neighbours: str = "neighbouring wards") -> str:
    """The WDD's plain reading: net change over treated area and buffer, and displacement vs diffusion."""
    net = f"{abs(r.wdd):.1f} offences a month"
    if r.p_value >= ALPHA:
        head = (
            f"Weighted displacement difference: no detectable net change over the treated area and its "
            f"buffer together (WDD {r.wdd:+.1f} a month, z = {r.z:.2f}, p = {r.p_value:.2f})."
        )
    else:
        way = "fall" if r.wdd < 0 else "rise"
        head = (
            f"Weighted displacement difference: a net {way} of {net} over the treated area and its "
            f"buffer together, allowing for the comparison {plural} (z = {r.z:.2f}, p = {r.p_value:.3f})."
        )
    if r.buffer_p >= ALPHA:
        tail = (
            f"The {neighbours} changed no differently from the comparison {plural} (no sign of displacement or "
            "of a diffusion of benefits)."
        )
    elif r.buffer_part > 0:
        tail = (
            f"The {neighbours} rose by {r.buffer_part:.1f} a month more than the comparison {plural} "
            f"(p = {r.buffer_p:.3f}), consistent with displacement into them."
        )
    else:
        tail = (
            f"The {neighbours} fell by {abs(r.buffer_part):.1f} a month more than the comparison {plural} "
            f"(p = {r.buffer_p:.3f}), consistent with a diffusion of benefits."
        )
    return f"{head} {tail}"


def its_sentence(r: ITSResult, pre_months: int) -> str:
    """The interrupted time series reading, with its limits."""
    level = (
        f"a change in level of {_pct(r.level_ratio).removeprefix('a ')} at the start"
        if r.level_p < ALPHA
        else "no detectable change in level at the start"
    )
    return (
        f"Interrupted time series of the treated area alone: {level} (95% interval: {_pct(r.level_low)} to "
        f"{_pct(r.level_high)}). With {pre_months} months before the start and no comparison, this cannot "
        "separate the intervention from seasonal or borough-wide change; the comparison estimate above is "
        "the main result."
    )


def power_sentence(r: DiDResult, pre_months: int) -> str:
    """The minimum detectable change at 80% power, and why a short pre-period limits it."""
    fall, rise = r.detectable()
    short = (
        f"The period before the start is short ({pre_months} months, under a year, so not even one full seasonal "
        "cycle). "
        if pre_months < SHORT_PRE_MONTHS
        else ""
    )
    return (
        f"{short}Power: with these counts and this month-to-month variation, the smallest change this comparison "
        f"would detect 80% of the time at the 5% level is a fall of {fall:.0%} or a rise of {rise:.0%}; smaller "
        "real changes would usually show as 'no detectable change'."
    )


# ---------------------------------------------------------------------------------------------------------------
# The evaluation


@dataclass
class Evaluation:
    """Everything the page, the CLI and the board pack show for one evaluation."""

    definition: Definition
    offence_title: str
    treated: list[str]
    comparison: list[str]
    buffer: list[str]
    names: dict[str, str]
    months_before: list[pd.Timestamp]
    months_after: list[pd.Timestamp]
    candidates: pd.DataFrame
    table: pd.DataFrame
    did: DiDResult
    wdd: WDDResult
    its: ITSResult
    chart: pd.DataFrame
    conclusions: list[str]
    power_note: str
    method: str
    provenance: Provenance
    notes: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)  # the methods one by one (``method`` joins them)
    unit: str = "ward"  # what the comparison areas are: "ward" or "LSOA"
    untested: str | None = None  # simulated records: why no interval or test is shown (a demonstration)
    series_names: tuple[str, str] = ("Treated wards", "Comparison wards (scaled)")

    @property
    def tested(self) -> bool:
        """False on simulated records where the simulation draws what is counted: estimates only, no tests."""
        return self.untested is None

    def to_dict(self) -> dict:
        """JSON-ready: the definition, areas, periods, table, estimates, sentences and provenance."""

        def month(m: pd.Timestamp) -> str:
            return f"{m:%Y-%m}"

        fall, rise = self.did.detectable()
        did_d = {
            **_rounded(asdict(self.did)),
            "significant": self.did.significant,
            "detectable_fall": round(fall, 4),
            "detectable_rise": round(rise, 4),
        }
        wdd_d = _rounded(asdict(self.wdd))
        its_d = _rounded({k: v for k, v in asdict(self.its).items() if k not in ("fitted", "pre_fit")})
        if not self.tested:  # no significance on what the simulation draws (a demonstration of the method)
            did_d |= dict.fromkeys(("low", "high", "p_value", "significant"))
            wdd_d |= dict.fromkeys(("z", "p_value", "buffer_z", "buffer_p"))
            its_d |= dict.fromkeys(("level_low", "level_high", "level_p", "trend_low", "trend_high"))
        return {
            "definition": self.definition.to_dict(),
            "offence_group": self.offence_title,
            "areas": {
                k: [{"code": c, "name": self.names.get(c, c)} for c in v]
                for k, v in (("treated", self.treated), ("comparison", self.comparison), ("buffer", self.buffer))
            },
            "before": {"first": month(self.months_before[0]), "last": month(self.months_before[-1]),
                       "months": len(self.months_before)},
            "after": {"first": month(self.months_after[0]), "last": month(self.months_after[-1]),
                      "months": len(self.months_after)},
            "table": json.loads(self.table.to_json(orient="records")),
            "level": self.definition.level,
            "comparison_unit": self.unit,
            "time_window": window_words(self.definition) or None,
            "tested": self.tested,
            "not_tested_because": self.untested,
            "difference_in_differences": did_d,
            "weighted_displacement_difference": wdd_d,
            "interrupted_time_series": its_d,
            "conclusions": self.conclusions,
            "power_note": self.power_note,
            "notes": self.notes,
            "method": self.method,
            "provenance": self.provenance.to_dict(),
        }  # fmt: skip


def _rounded(d: dict) -> dict:
    return {k: (round(v, 4) if isinstance(v, float) and math.isfinite(v) else v) for k, v in d.items()}


def _span(months: list[pd.Timestamp]) -> str:
    return f"{months[0]:%b %Y} to {months[-1]:%b %Y}"


def _names_words(codes: list[str], names: dict[str, str]) -> str:
    return ", ".join(names.get(c, c) for c in codes) or "none"


@dataclass(frozen=True)
class Units:
    """The monthly counts an evaluation compares: months × unit codes (wards, LSOAs, or a place and its ring),
    which of them are treated and which are the displacement buffer, and what the others are called."""

    series: pd.DataFrame
    treated: list[str]
    buffer: list[str]
    excluded: list[str]  # never proposed as comparison (they hold part of the treated area or its buffer)
    names: dict[str, str]
    populations: dict[str, float]
    unit: str  # "ward" or "LSOA": what the comparison areas are
    treated_label: str  # "Treated wards", "Within 400 m of Becontree station"…
    buffer_label: str
    buffer_rule: str  # how the buffer was drawn, in words
    k: int = DEFAULT_COMPARISONS


def _mps_names(table: pd.DataFrame) -> dict[str, str]:
    return (
        table[["area_code", "area_name"]]
        .drop_duplicates()
        .astype(str)
        .set_index("area_code")["area_name"]
        .to_dict()
    )


def _group_checked(offence_group: str):
    from svd import metrics

    if offence_group not in metrics.load_metrics() or not metrics.metric(offence_group).categories:
        raise ValueError(f"{offence_group!r} is not an offence group of the MPS ward data")
    return metrics.metric(offence_group)


def ward_units(
    table: pd.DataFrame, definition: Definition, wards_gdf, populations: pd.DataFrame | None
) -> Units:
    """The MPS ward series of the offence group, the treated wards and their queen neighbours as the buffer."""
    series = ward_series(table, definition.offence_group)
    treated = list(dict.fromkeys(definition.wards))
    unknown = [w for w in [*treated, *definition.comparison] if w not in series.columns]
    if unknown:
        raise ValueError(f"not a ward of the MPS ward data: {', '.join(unknown)}")
    buffer = [w for w in adjacent_wards(wards_gdf, treated) if w in series.columns]
    pops = (
        populations.set_index("ward_code")["all_ages"].astype(float).to_dict()
        if populations is not None
        else {}
    )
    return Units(series, treated, buffer, [], _mps_names(table), pops, "ward", "Treated wards",
                 "Neighbouring (buffer)", "the wards next to the treated ones (queen contiguity)")  # fmt: skip


def evaluate(
    table: pd.DataFrame,
    definition: Definition,
    wards_gdf,
    populations: pd.DataFrame | None = None,
    k: int = DEFAULT_COMPARISONS,
) -> Evaluation:
    """Run one ward evaluation on the borough's MPS ward table (``svd.mps`` tidy rows).

    ``wards_gdf``: the ward polygons (``svd.geo.wards()``) for the displacement buffer; ``populations``: ward
    populations (``svd.population.ward_population()``) for rates, or None for counts only. Comparison wards are
    the definition's when given, else the ``k`` proposed. ValueError (a plain sentence) when the wards, start
    month or offence group cannot be evaluated.
    """
    m = _group_checked(definition.offence_group)
    if definition.uses_records:
        raise ValueError("LSOAs, places and time windows need record-level data (evaluate_records)")
    units = ward_units(table, definition, wards_gdf, populations)
    units = Units(**{**units.__dict__, "k": k})

    from svd.mps import loads_in

    # The store's MPS releases among the rows read (``svd.mps.loads_in``): named with the figures.
    loads = loads_in(table)

    def provenance(**kw) -> Provenance:
        return prov.mps(**kw, loads=loads)

    return _evaluate_units(units, definition, m, provenance, untested=None)


# --- Record-level data: LSOAs, a place and its ring, time windows ------------------------------------------------

LSOA_COMPARISONS = 10  # LSOAs hold a tenth of a ward's offences: more of them make a comparison as steady
RING_M = 400  # the displacement ring round a place that is not a circle


def record_rows(records: pd.DataFrame, definition: Definition) -> tuple[pd.DataFrame, list[str]]:
    """The records of the offence group (its MPS categories) in the definition's time window, and notes on the
    records a window or a place leaves out (unknown time, no coordinates)."""
    from svd import filters as sf

    m = _group_checked(definition.offence_group)
    pairs = pd.MultiIndex.from_tuples(m.categories, names=["mps_major", "mps_minor"])
    keep = pd.MultiIndex.from_frame(records[["mps_major", "mps_minor"]].astype(str)).isin(pairs)
    rows = records[keep]
    notes = []
    if definition.hours is not None or definition.weekdays:
        f = sf.RecordFilter(hours=definition.hours, weekdays=definition.weekdays)
        unknown = int(rows["hour"].isna().sum()) if definition.hours is not None else 0
        rows = sf.apply(rows, f)
        notes.append(
            f"Time window: {sf.describe(f).removeprefix('all offence groups; ')}"
            + (f"; {unknown:,} records with an unknown time are not counted." if unknown else ".")
        )
    return rows, notes


def window_words(definition: Definition) -> str:
    """'15:00 to 20:59; Fri, Sat' or '' for a definition without a time window."""
    from svd import filters as sf

    if definition.hours is None and not definition.weekdays:
        return ""
    return sf.describe(sf.RecordFilter(hours=definition.hours, weekdays=definition.weekdays)).removeprefix(
        "all offence groups; "
    )


def _monthly(rows: pd.DataFrame, key: pd.Series, months: pd.DatetimeIndex) -> pd.DataFrame:
    wide = (
        pd.DataFrame({"month": rows["month"].to_numpy(), "code": key.astype(str).to_numpy()})
        .groupby(["month", "code"]).size().unstack(fill_value=0)
    )  # fmt: skip
    wide = wide.reindex(index=months, fill_value=0)
    wide.index.name = "month"
    return wide.astype(int)


def place_shapes(place_id: str, radius_m: int | None, place_defs: list[dict], points, places_gdf, outline):
    """(treated polygon, ring polygon, words) in EPSG:27700 for a place of ``geo/places.json``.

    A station or point place with ``radius_m`` is a circle of that radius round its point; otherwise the place's
    own polygon (``svd.geo.priority_places``). The ring, the displacement buffer, is as wide as the circle's
    radius (or ``RING_M`` round a polygon). Both are clipped to the borough, where the counts stop.
    """
    import shapely

    from svd.geo import METRIC_CRS

    defs = {d["id"]: d for d in place_defs}
    if place_id not in defs:
        raise ValueError(f"no place called {place_id!r} in geo/places.json")
    d = defs[place_id]
    params = d["parameters"]
    border = outline.to_crs(METRIC_CRS).geometry.union_all()
    circle = d["method"] in ("station_buffer", "point_buffer")
    if circle:
        key = params["station"] if d["method"] == "station_buffer" else params["place"]
        hit = points[points["name"].str.casefold() == key.casefold()]
        if d["method"] == "station_buffer":
            hit = hit[hit["place_type"] == "station"]
        if len(hit) != 1:
            raise ValueError(f"the place {d['name']} cannot be located")
        point = hit.to_crs(METRIC_CRS).geometry.iloc[0]
        radius = float(radius_m or params["radius_m"])
        treated = point.buffer(radius, quad_segs=32)
        ring = point.buffer(2 * radius, quad_segs=32).difference(treated)
        what = f"{params['station']} station" if d["method"] == "station_buffer" else params["place"]
        words = f"the area within {radius:,.0f} m of {what}"
        ring_words = f"the ring from {radius:,.0f} m to {2 * radius:,.0f} m round {what}"
    else:
        row = places_gdf[places_gdf["place_id"] == place_id].to_crs(METRIC_CRS)
        treated = row.geometry.iloc[0] if len(row) else shapely.Polygon()
        if treated.is_empty:
            raise ValueError(f"the place {d['name']} has no polygon (not located)")
        ring = treated.buffer(RING_M).difference(treated)
        words = d["name"]
        ring_words = f"the ring within {RING_M} m of {d['name']}"
    return treated.intersection(border), ring.intersection(border), words, ring_words


def record_units(
    rows: pd.DataFrame,
    definition: Definition,
    wards_gdf,
    lsoas_gdf,
    populations: pd.DataFrame | None,
    names: dict[str, str],
    place=None,
) -> tuple[Units, list[str]]:
    """The record-level series for a definition's wards, LSOAs or place (``place``: ``place_shapes``' result).

    Wards and LSOAs: counts by area code, the queen neighbours as the buffer. A place: the records inside it
    (column ``place``) and inside its ring (``ring``), compared with LSOAs wholly outside both.
    """
    import shapely

    months = pd.date_range(rows["month"].min(), rows["month"].max(), freq="MS")
    notes: list[str] = []
    if definition.level == "ward":
        series = _monthly(rows, rows["ward_code"], months).reindex(
            columns=wards_gdf["ward_code"].astype(str), fill_value=0
        )
        treated = list(dict.fromkeys(definition.wards))
        unknown = [w for w in [*treated, *definition.comparison] if w not in series.columns]
        if unknown:
            raise ValueError(f"not a ward of the borough: {', '.join(unknown)}")
        buffer = adjacent_wards(wards_gdf, treated)
        pops = (
            populations.set_index("ward_code")["all_ages"].astype(float).to_dict()
            if populations is not None
            else {}
        )
        return Units(series, treated, buffer, [], names, pops, "ward", "Treated wards", "Neighbouring (buffer)",
                     "the wards next to the treated ones (queen contiguity)"), notes  # fmt: skip
    codes = lsoas_gdf["lsoa_code"].astype(str)
    series = _monthly(rows, rows["lsoa_code"], months).reindex(columns=codes, fill_value=0)
    pops = (
        populations.set_index("lsoa_code")["all_ages"].astype(float).to_dict()
        if populations is not None
        else {}
    )
    if definition.level == "lsoa":
        treated = list(dict.fromkeys(definition.lsoas))
        unknown = [c for c in [*treated, *definition.comparison] if c not in series.columns]
        if unknown:
            raise ValueError(f"not an LSOA of the borough: {', '.join(unknown)}")
        buffer = adjacent_wards(lsoas_gdf, treated, "lsoa_code")
        return Units(series, treated, buffer, [], names, pops, "LSOA", "Treated LSOAs", "Neighbouring (buffer)",
                     "the LSOAs next to the treated ones (queen contiguity)", LSOA_COMPARISONS), notes  # fmt: skip
    treated_shape, ring_shape, words, ring_words = place
    from svd.geo import METRIC_CRS

    located = rows["latitude"].notna().to_numpy() & rows["longitude"].notna().to_numpy()
    if (~located).any():
        notes.append(
            f"{int((~located).sum()):,} records without coordinates cannot be placed and are not counted."
        )
    rows = rows[located]
    pts = gpd_points(rows["longitude"].to_numpy(), rows["latitude"].to_numpy(), METRIC_CRS)
    inside = shapely.contains_xy(treated_shape, *pts)
    in_ring = shapely.contains_xy(ring_shape, *pts) & ~inside
    lsoa_m = lsoas_gdf.to_crs(METRIC_CRS)
    near = lsoa_m.geometry.intersection(treated_shape.union(ring_shape)).area >= 1.0
    excluded = sorted(lsoa_m.loc[near.to_numpy(), "lsoa_code"].astype(str))
    series = series.assign(
        **{PLACE: _monthly(rows[inside], pd.Series(PLACE, index=rows.index[inside]), months)
           .reindex(columns=[PLACE], fill_value=0)[PLACE],
           RING: _monthly(rows[in_ring], pd.Series(RING, index=rows.index[in_ring]), months)
           .reindex(columns=[RING], fill_value=0)[RING]}
    )  # fmt: skip
    names = {**names, PLACE: words, RING: ring_words}
    notes.append(
        f"The comparison LSOAs lie wholly outside the place and its ring: the {len(excluded)} LSOAs touching "
        "either are never proposed."
    )
    if pops:
        # A place's residents: each LSOA's Census 2021 count shared by the part of its area inside (approximate).
        size = lsoa_m.geometry.area.to_numpy()
        lsoa_pop = lsoa_m["lsoa_code"].astype(str).map(pops).fillna(0).to_numpy()
        for key, shape in ((PLACE, treated_shape), (RING, ring_shape)):
            pops = {
                **pops,
                key: float((lsoa_pop * lsoa_m.geometry.intersection(shape).area.to_numpy() / size).sum()),
            }
        notes.append(
            "The rates of the place and its ring share each LSOA's residents by the part of its area inside "
            "(an approximation: people do not live evenly across an LSOA)."
        )
    return Units(series, [PLACE], [RING], excluded, names, pops, "LSOA", names[PLACE], "Ring (buffer)",
                 ring_words, LSOA_COMPARISONS), notes  # fmt: skip


PLACE, RING = "place", "ring"


def gpd_points(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes (EPSG:4326) as x, y in ``crs``."""
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)


def evaluate_records(
    records: pd.DataFrame,
    definition: Definition,
    wards_gdf,
    lsoas_gdf,
    populations: pd.DataFrame | None = None,
    simulated: bool = True,
    extract_name: str | None = None,
    names: dict[str, str] | None = None,
    place_context: tuple | None = None,
) -> Evaluation:
    """An evaluation on record-level data (the partnership's extract or the simulated records): wards, LSOAs or
    a place, optionally in a time window.

    ``populations``: ``svd.population.lsoa_population()`` (LSOA rates; ward rates are its sums); ``names``: area
    code → display name; ``place_context``: (place definitions, points, priority places, borough outline) from
    ``svd.geo`` for a place. With ``simulated`` records, what the simulation draws (LSOA, place, time, weekday)
    is not tested: the estimates are shown as a demonstration of the method, without intervals or p-values.
    """
    m = _group_checked(definition.offence_group)
    rows, notes = record_rows(records, definition)
    if rows.empty:
        raise ValueError("there are no records of these offences in this time window")
    ward_pops = None
    if populations is not None:
        ward_pops = populations.groupby("ward_code", as_index=False)["all_ages"].sum()
    place = (
        place_shapes(definition.place, definition.radius_m, *place_context)
        if definition.level == "place"
        else None
    )
    units, more = record_units(
        rows, definition, wards_gdf, lsoas_gdf, ward_pops if definition.level == "ward" else populations,
        names or {}, place,
    )  # fmt: skip
    untested = prov.untested_by_simulation(
        simulated, definition.hours, None, None, definition.weekdays,
        "lsoa" if definition.level in ("lsoa", "place") else "ward",
    )  # fmt: skip
    if untested:  # "the time of day, LSOA" → "the time of day and LSOA" (and the location, for a place)
        head, _, drawn = untested.partition("draws the ")
        parts = drawn.removesuffix(" in fixed shares").split(", ")
        if definition.level == "place":
            parts.append("location")
        words = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
        untested = f"{head}draws the {words} in fixed shares"
    fixes = (untested or "").removeprefix("change not tested: the simulation draws ") or None

    def provenance(**kw) -> Provenance:
        filters = "; ".join(x for x in (kw.pop("filters"), window_words(definition)) if x)
        return prov.records(simulated, filters=filters, fixes=fixes, extract_name=extract_name, **kw)

    return _evaluate_units(units, definition, m, provenance, untested, notes + more)


# --- The evaluation, whatever the areas ----------------------------------------------------------------------------


def _evaluate_units(units: Units, definition: Definition, m, provenance, untested: str | None,
                    extra_notes: list[str] = ()) -> Evaluation:  # fmt: skip
    series, treated, names = units.series, units.treated, units.names
    start = pd.Timestamp(definition.start + "-01")
    before = [x for x in series.index if x < start]
    after = [x for x in series.index if x >= start]
    if len(before) < MIN_PRE_MONTHS or not after:
        raise ValueError(
            f"the start month must leave at least {MIN_PRE_MONTHS} months before it and one after it in the data "
            f"({_span(list(series.index))})"
        )
    buffer = [w for w in units.buffer if w in series.columns]
    exclude = [*buffer, *units.excluded]
    candidates = propose_comparison(series.drop(columns=[c for c in (PLACE, RING) if c in series.columns and c not in treated]),
                                    treated, start, exclude=exclude, k=units.k)  # fmt: skip
    chosen = [w for w in definition.comparison if w not in treated and w not in units.excluded]
    comparison = chosen or list(candidates.loc[candidates["proposed"], "ward"])
    if not comparison:
        raise ValueError(f"there are no {units.unit}s left to compare with")
    buffer = [w for w in buffer if w not in comparison]
    after_mask = series.index >= start
    plural = f"{units.unit}s"

    t_series = series[treated].sum(axis=1).to_numpy()
    c_series = series[comparison].sum(axis=1).to_numpy()
    b_series = series[buffer].sum(axis=1).to_numpy() if buffer else np.zeros(len(series), int)
    did_r = did(t_series, c_series, after_mask)

    def pair(y: np.ndarray) -> tuple[int, int]:
        return int(y[~after_mask].sum()), int(y[after_mask].sum())

    tp, cp, bp = pair(t_series), pair(c_series), pair(b_series)
    wdd_r = wdd(
        treated=tp,
        control=cp,
        buffer=bp,
        months=(len(before), len(after)),
        control_weight=tp[0] / cp[0],
        buffer_control_weight=bp[0] / cp[0] if buffer else 0.0,
    )
    its_r = its(t_series, len(before))

    pops = units.populations
    rows = []
    area_col = "Wards" if units.unit == "ward" else "Areas"
    for label, codes, (b, a) in (
        ("Treated", treated, tp),
        ("Comparison", comparison, cp),
        (units.buffer_label, buffer, bp),
    ):
        if not codes:
            continue
        pop = sum(pops.get(c, math.nan) for c in codes) if pops else math.nan
        per_b, per_a = b / len(before), a / len(after)
        rows.append(
            {
                "Area": label,
                area_col: _names_words(codes, names),
                "Offences before": b,
                "Offences after": a,
                "A month before": round(per_b, 1),
                "A month after": round(per_a, 1),
                "Rate before": round(per_b * 12 / pop * 1000, 1) if pop == pop else None,
                "Rate after": round(per_a * 12 / pop * 1000, 1) if pop == pop else None,
                "Change a month (%)": round((per_a / per_b - 1) * 100, 1) if per_b else None,
            }
        )
    tbl = pd.DataFrame(rows)

    treated_series = units.treated_label if units.treated != [PLACE] else "Treated place"
    comparison_series = f"Comparison {plural} (scaled)"
    scale = t_series[~after_mask].sum() / c_series[~after_mask].sum()
    chart = pd.concat(
        [
            pd.DataFrame(
                {"month": series.index, "series": treated_series, "offences": t_series.astype(float)}
            ),
            pd.DataFrame({"month": series.index, "series": comparison_series, "offences": c_series * scale}),
            pd.DataFrame(
                {"month": series.index, "series": "Trend before the start", "offences": its_r.pre_fit}
            ),
        ],
        ignore_index=True,
    )
    chart["offences"] = chart["offences"].round(2)

    treated_words = _names_words(treated, names)
    comparison_words = f"the comparison {plural}"
    power = power_sentence(did_r, len(before))
    if untested:
        conclusions = untested_sentences(did_r, wdd_r, its_r, treated_words, comparison_words, untested)
    else:
        conclusions = [did_sentence(did_r, treated_words, comparison_words),
                       wdd_sentence(wdd_r, plural, "ring" if units.treated == [PLACE] else f"neighbouring {plural}"),
                       its_sentence(its_r, len(before))]  # fmt: skip
    comparison_method = (
        COMPARISON_METHOD.replace("comparison wards", f"comparison {plural}")
        .replace(
            "the wards next to the treated ones (queen contiguity of the ward boundaries)", units.buffer_rule
        )
        .replace("the treated wards", "the treated area")
    )
    methods = [comparison_method, DID_METHOD, WDD_METHOD, ITS_METHOD]
    proposed = set(candidates.loc[candidates["proposed"], "ward"])
    chosen_by_analyst = bool(definition.comparison) and set(comparison) != proposed
    notes = [
        f"Rates are {RATE_WORDS}." if pops else "No residents' count for this area: counts only.",
        f"Comparison {plural} were chosen by the analyst."
        if chosen_by_analyst
        else f"Comparison {plural} are the {len(comparison)} proposed as most similar before the start.",
        f"The chart scales the comparison {plural} to the treated area's level before the start.",
        *extra_notes,
    ]
    if untested:
        notes.insert(0, DEMONSTRATION)
    area_words = (
        f"treated: {treated_words}; comparison: {_names_words(comparison, names)}; "
        f"{units.buffer_label.lower()}: {_names_words(buffer, names)}"
    )
    provenance_ = provenance(
        period=f"{_span(after)} (after the start)",
        comparison_period=f"{_span(before)} (before)",
        area=area_words,
        filters=m.title,
        method="; ".join([DID_METHOD, WDD_METHOD, ITS_METHOD]),
    )
    return Evaluation(
        definition=definition,
        offence_title=m.title,
        treated=treated,
        comparison=comparison,
        buffer=buffer,
        names=names,
        months_before=before,
        months_after=after,
        candidates=candidates.assign(name=candidates["ward"].map(lambda c: names.get(c, c))),
        table=tbl,
        did=did_r,
        wdd=wdd_r,
        its=its_r,
        chart=chart,
        conclusions=conclusions,
        power_note=power,
        method="; ".join(methods),
        methods=methods,
        provenance=provenance_,
        notes=notes,
        unit=units.unit,
        untested=untested,
        series_names=(treated_series, comparison_series),
    )


DEMONSTRATION = (
    "Simulated records: this evaluation demonstrates the method. The simulation has no intervention effect, and "
    "it draws the place, time and LSOA of each offence in fixed shares, so no interval or significance is shown "
    "for what it draws; load the partnership's extract for a real evaluation."
)


def untested_sentences(
    did_r, wdd_r, its_r, treated_words: str, comparison_words: str, untested: str
) -> list[str]:
    """The three conclusions on simulated records: the estimates, without intervals or tests (``untested``)."""
    return [
        f"Demonstration on simulated records, not a result: relative to {comparison_words}, the estimate for "
        f"{treated_words} is {_pct(did_r.rate_ratio)} after the start (the simulation has no "
        "intervention effect).",
        f"Weighted displacement difference (demonstration): {wdd_r.wdd:+.1f} offences a month over the treated "
        f"area and its buffer; the buffer's own part {wdd_r.buffer_part:+.1f} a month. Not tested on simulated "
        "records.",
        f"Interrupted time series (demonstration): the level at the start is {_pct(its_r.level_ratio)} against the "
        "earlier trend. Not tested on simulated records.",
    ]


def run(
    definition: Definition, data_dir_: Path | None = None, month: pd.Timestamp | None = None, records=None
) -> Evaluation:
    """``evaluate`` on the data directory's merged MPS ward series for the borough (the CLI and board pack),
    using months up to ``month`` when given (so an earlier month's board pack can be reproduced). A definition
    needing records (LSOAs, a place, a time window) runs on ``records`` (a ``svd.records.RecordSet``), loaded
    from ``SVD_EXTRACT`` or simulated when not given."""
    from svd import geo, mps, population
    from svd.config import borough

    if definition.uses_records:
        from svd import records as rec

        rs = records if records is not None else rec.load_records(rec.find_extract(), data_dir=data_dir_)
        data = rs.data if month is None else rs.data[(rs.data["month"] <= month).to_numpy()]
        return evaluate_records(
            data, definition, geo.wards(data_dir_), geo.lsoas(data_dir_), population.lsoa_population(data_dir_),
            simulated=rs.simulated, extract_name=prov.extract_name(rs), names=area_names(data_dir_),
            place_context=place_context(data_dir_),
        )  # fmt: skip
    merged = mps.load_mps(level="ward", data_dir=data_dir_)
    table = mps.for_borough(merged, borough().code).table
    if month is not None:
        table = table[(table["month"] <= month).to_numpy()]
    return evaluate(table, definition, geo.wards(data_dir_), population.ward_population(data_dir_))


def area_names(data_dir_: Path | None = None) -> dict[str, str]:
    """Ward and LSOA code → the names people know (``svd.geo.area_display_names``)."""
    from svd import geo

    out = {}
    for level in ("ward", "lsoa"):
        names = geo.area_display_names(level, data_dir_)
        out |= dict(zip(names["area_code"].astype(str), names["area_name"].astype(str), strict=True))
    return out


def place_context(data_dir_: Path | None = None) -> tuple:
    """What ``place_shapes`` needs from ``svd.geo``: place definitions, points, priority places, outline."""
    from svd import geo

    return (
        geo.load_place_definitions(),
        geo.places(data_dir_),
        geo.priority_places(data_dir_),
        geo.borough_outline(data_dir_),
    )


def place_choices() -> dict[str, str]:
    """Place id → name of the priority places and outreach areas an evaluation can use (geo/places.json)."""
    from svd import geo

    out = {}
    for d in geo.load_place_definitions():
        kind = "" if d["kind"] == "priority" else " (outreach area)"
        if (
            d["method"] in ("station_buffer", "point_buffer")
            or d["parameters"].get("lsoa_codes", [1])
            or d["method"] == "ward"
        ):
            out[d["id"]] = f"{d['name']}{kind}"
    return out


def its_chart(e: Evaluation, style=None):
    """The interrupted-time-series chart: treated and (scaled) comparison monthly counts, the trend before the
    start projected, and the start month marked (``svd.charts`` conventions: Okabe–Ito colours, ``finish``)."""
    import altair as alt

    from svd import charts

    style = style or charts.NORMAL
    data = e.chart.copy()
    colours = alt.Scale(
        domain=[*e.series_names, "Trend before the start"],
        range=[charts.MAIN, charts.OKABE_ITO[1], charts.MUTED],
    )
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))
    y = alt.Y("offences:Q", title="Offences a month", scale=alt.Scale(zero=True))
    colour = alt.Color("series:N", scale=colours, legend=alt.Legend(title=None, orient="bottom"))
    dash = alt.StrokeDash(
        "series:N",
        scale=alt.Scale(
            domain=[*e.series_names, "Trend before the start"],
            range=[[1, 0], [1, 0], [6, 4]],
        ),
        legend=None,
    )
    tooltip = [
        alt.Tooltip("month:T", title="Month", format="%B %Y"),
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("offences:Q", title="Offences", format=",.1f"),
    ]
    lines = (
        alt.Chart(data)
        .mark_line(strokeWidth=2 * style.scale, point=alt.OverlayMarkDef(size=style.h(14), filled=True))
        .encode(x=x, y=y, color=colour, strokeDash=dash, tooltip=tooltip)
    )
    start = pd.Timestamp(e.definition.start + "-01")
    marker = pd.DataFrame({"month": [start], "label": [f"Start: {start:%b %Y}"]})
    rule = alt.Chart(marker).mark_rule(color="#222", strokeDash=[5, 3]).encode(x="month:T")
    label = (
        alt.Chart(marker)
        .mark_text(
            align="left", baseline="top", dx=4, dy=2, fontSize=style.small_text, color="#222", clip=True
        )
        .encode(x="month:T", y=alt.value(0), text="label:N")
    )
    treated = _names_words(e.treated, e.names)
    return charts.finish(
        alt.layer(lines, rule, label).properties(
            title=alt.TitleParams(
                text=f"{e.offence_title}: {treated} against the comparison {e.unit}s, by month",
                subtitle=("Simulated records (a demonstration) · " if e.provenance.simulated else "")
                + "Comparison scaled to the treated level before the start; dashed: the earlier trend, projected",
                anchor="start",
            ),
            description=(
                f"Monthly offences in {treated} and in the comparison {e.unit}s, with the start month "
                f"{start:%B %Y} marked and the trend before the start projected."
            ),
            height=style.h(240),
        ),
        style,
    )


def chosen_months(table: pd.DataFrame) -> list[str]:
    """The start months an evaluation can use on this table (YYYY-MM): at least 3 months before, one after."""
    months = sorted(pd.to_datetime(table["month"].unique()))
    return [f"{m:%Y-%m}" for m in months[MIN_PRE_MONTHS:]]


def offence_groups(public: bool = False) -> dict[str, str]:
    """Metric id → title for the offence groups the MPS ward series can count (serious violence first).

    ``public``: only the groups whose ward counts public mode shows in full (``svd.public.needs_suppression``):
    an evaluation shows a ward's monthly counts, which public mode hides for sensitive offences.
    """
    from svd import metrics
    from svd import public as pub

    return {
        mid: m.title
        for mid, m in metrics.load_metrics().items()
        if m.categories and not (public and pub.needs_suppression("ward", m.sensitive))
    }


def for_public(definition: Definition) -> tuple[Definition | None, str | None]:
    """The definition as public mode may run it, and a note when it changed (the Evaluate page does the same).

    An evaluation publishes each area's monthly counts (the chart) and before/after totals; public mode hides
    small ward and LSOA counts of sensitive offences (``svd.public``), so a sensitive offence group is replaced
    by the first group shown in full. None when no group is left.
    """
    from dataclasses import replace

    groups = offence_groups(public=True)
    if definition.offence_group in groups:
        return definition, None
    if not groups:
        return None, "Public mode: no offence group can be evaluated without showing hidden counts."
    group = next(iter(groups))
    note = (
        "Public mode: monthly counts of sensitive offences by area (the serious-violence proxy includes sexual "
        f"offences) are not shown, so this evaluation uses {groups[group].lower()} instead."
    )
    return replace(definition, offence_group=group), note
