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
from scipy import stats as sps

from svd import provenance as prov
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
    "effects (equivalently, a quasi-binomial model of the treated wards' share of each month's count), the "
    "overdispersion estimated from the monthly Pearson residuals (floored at 1), 95% interval on Student's t"
)
WDD_METHOD = (
    "weighted displacement difference (Wheeler & Ratcliffe 2018) on offences a month: change in the treated "
    "wards minus the comparison's, plus change in the buffer minus the comparison's, the comparison scaled to "
    "each area's level before the start; variance the sum of the counts (Poisson), two-sided z test"
)
ITS_METHOD = (
    "interrupted time series: segmented quasi-Poisson regression of the treated wards' monthly counts (trend, "
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


@dataclass(frozen=True)
class Definition:
    """What to evaluate: the treated wards, the start month, the offence group and (optionally) comparison wards."""

    name: str
    wards: tuple[str, ...]
    start: str  # YYYY-MM
    offence_group: str = DEFAULT_GROUP
    comparison: tuple[str, ...] = ()
    description: str = ""

    def to_dict(self) -> dict:
        """JSON-ready fields (lists, not tuples)."""
        d = asdict(self)
        d["wards"], d["comparison"] = list(self.wards), list(self.comparison)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Definition:
        """From a saved file's fields; ValueError when one is missing or malformed."""
        try:
            name, wards, start = str(d["name"]).strip(), d["wards"], str(d["start"])
        except KeyError as e:
            raise ValueError(f"the evaluation has no {e.args[0]!r}") from None
        if not name:
            raise ValueError("an evaluation needs a name")
        if not re.fullmatch(r"\d{4}-\d{2}", start):
            raise ValueError(f"start month {start!r} is not YYYY-MM")
        if isinstance(wards, str) or not wards:
            raise ValueError("an evaluation needs a list of at least one ward code")
        return cls(
            name=name,
            wards=tuple(str(w) for w in wards),
            start=start,
            offence_group=str(d.get("offence_group") or DEFAULT_GROUP),
            comparison=tuple(str(w) for w in d.get("comparison") or ()),
            description=str(d.get("description") or ""),
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


def adjacent_wards(wards_gdf, treated: tuple[str, ...] | list[str]) -> list[str]:
    """Wards sharing a boundary or a corner with any treated ward (queen contiguity), the treated ones left out."""
    from svd.stats import contiguity_graph

    gdf = wards_gdf.reset_index(drop=True)
    codes = gdf["ward_code"].astype(str).to_numpy()
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
        float(sps.t.ppf(1 - ALPHA / 2, df)) if phi_raw > 1 and df > 0 else float(sps.norm.ppf(1 - ALPHA / 2))
    )


def _p(z: float, df: int, phi_raw: float) -> float:
    return float(2 * (sps.t.sf(abs(z), df) if phi_raw > 1 and df > 0 else sps.norm.sf(abs(z))))


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
        lift = (_critical(self.df, self.dispersion_raw) + float(sps.norm.ppf(power))) * self.se_log
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
        p_value=float(2 * sps.norm.sf(abs(z))),
        buffer_part=b_part,
        buffer_se=b_se,
        buffer_z=b_z,
        buffer_p=float(2 * sps.norm.sf(abs(b_z))),
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


def did_sentence(r: DiDResult, treated_words: str = "the treated wards") -> str:
    """The difference-in-differences conclusion, never claiming more than the interval allows."""
    interval = f"95% interval: {_pct(r.low)} to {_pct(r.high)}"
    if not r.significant:
        return (
            f"No detectable change in {treated_words} relative to the comparison wards; the interval includes "
            f"{_pct(r.low)} and {_pct(r.high)} (estimate: {_pct(r.rate_ratio)})."
        )
    way = "fell" if r.rate_ratio < 1 else "rose"
    return (
        f"Relative to the comparison wards, offences in {treated_words} {way} by {abs(round((r.rate_ratio - 1) * 100))}% "
        f"after the start ({interval}; p = {r.p_value:.3f}). This is a change alongside the intervention, not "
        "proof that it caused it: anything else that changed in these wards at the same time would show the same."
    )


def wdd_sentence(r: WDDResult) -> str:
    """The WDD's plain reading: net change over treated area and buffer, and displacement vs diffusion."""
    net = f"{abs(r.wdd):.1f} offences a month"
    if r.p_value >= ALPHA:
        head = (
            f"Weighted displacement difference: no detectable net change over the treated wards and their "
            f"neighbours together (WDD {r.wdd:+.1f} a month, z = {r.z:.2f}, p = {r.p_value:.2f})."
        )
    else:
        way = "fall" if r.wdd < 0 else "rise"
        head = (
            f"Weighted displacement difference: a net {way} of {net} over the treated wards and their "
            f"neighbours together, allowing for the comparison wards (z = {r.z:.2f}, p = {r.p_value:.3f})."
        )
    if r.buffer_p >= ALPHA:
        tail = (
            "The neighbouring wards changed no differently from the comparison wards (no sign of displacement or "
            "of a diffusion of benefits)."
        )
    elif r.buffer_part > 0:
        tail = (
            f"The neighbouring wards rose by {r.buffer_part:.1f} a month more than the comparison wards "
            f"(p = {r.buffer_p:.3f}), consistent with displacement into them."
        )
    else:
        tail = (
            f"The neighbouring wards fell by {abs(r.buffer_part):.1f} a month more than the comparison wards "
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
        f"Interrupted time series of the treated wards alone: {level} (95% interval: {_pct(r.level_low)} to "
        f"{_pct(r.level_high)}). With {pre_months} months before the start and no comparison, this cannot "
        "separate the intervention from seasonal or borough-wide change; the comparison-ward estimate above is "
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

    def to_dict(self) -> dict:
        """JSON-ready: the definition, areas, periods, table, estimates, sentences and provenance."""

        def month(m: pd.Timestamp) -> str:
            return f"{m:%Y-%m}"

        fall, rise = self.did.detectable()
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
            "difference_in_differences": {**_rounded(asdict(self.did)), "significant": self.did.significant,
                                          "detectable_fall": round(fall, 4), "detectable_rise": round(rise, 4)},
            "weighted_displacement_difference": _rounded(asdict(self.wdd)),
            "interrupted_time_series": _rounded(
                {k: v for k, v in asdict(self.its).items() if k not in ("fitted", "pre_fit")}
            ),
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


def evaluate(
    table: pd.DataFrame,
    definition: Definition,
    wards_gdf,
    populations: pd.DataFrame | None = None,
    k: int = DEFAULT_COMPARISONS,
) -> Evaluation:
    """Run one evaluation on the borough's MPS ward table (``svd.mps`` tidy rows).

    ``wards_gdf``: the ward polygons (``svd.geo.wards()``) for the displacement buffer; ``populations``: ward
    populations (``svd.population.ward_population()``) for rates, or None for counts only. Comparison wards are
    the definition's when given, else the ``k`` proposed. ValueError (a plain sentence) when the wards, start
    month or offence group cannot be evaluated.
    """
    from svd import metrics

    if (
        definition.offence_group not in metrics.load_metrics()
        or not metrics.metric(definition.offence_group).categories
    ):
        raise ValueError(f"{definition.offence_group!r} is not an offence group of the MPS ward data")
    series = ward_series(table, definition.offence_group)
    names = (
        table[["area_code", "area_name"]]
        .drop_duplicates()
        .astype(str)
        .set_index("area_code")["area_name"]
        .to_dict()
    )
    treated = [w for w in dict.fromkeys(definition.wards)]
    unknown = [w for w in [*treated, *definition.comparison] if w not in series.columns]
    if unknown:
        raise ValueError(f"not a ward of the MPS ward data: {', '.join(unknown)}")
    start = pd.Timestamp(definition.start + "-01")
    before = [m for m in series.index if m < start]
    after = [m for m in series.index if m >= start]
    if len(before) < MIN_PRE_MONTHS or not after:
        raise ValueError(
            f"the start month must leave at least {MIN_PRE_MONTHS} months before it and one after it in the data "
            f"({_span(list(series.index))})"
        )
    buffer = [w for w in adjacent_wards(wards_gdf, treated) if w in series.columns]
    candidates = propose_comparison(series, treated, start, exclude=buffer, k=k)
    comparison = [w for w in definition.comparison if w not in treated] or list(
        candidates.loc[candidates["proposed"], "ward"]
    )
    if not comparison:
        raise ValueError("there are no wards left to compare with")
    buffer = [w for w in buffer if w not in comparison]
    after_mask = series.index >= start

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

    pops = (
        populations.set_index("ward_code")["all_ages"].astype(float).to_dict()
        if populations is not None
        else {}
    )
    rows = []
    for label, codes, (b, a) in (
        ("Treated", treated, tp),
        ("Comparison", comparison, cp),
        ("Neighbouring (buffer)", buffer, bp),
    ):
        if not codes:
            continue
        pop = sum(pops.get(c, math.nan) for c in codes) if pops else math.nan
        per_b, per_a = b / len(before), a / len(after)
        rows.append(
            {
                "Area": label,
                "Wards": _names_words(codes, names),
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

    scale = t_series[~after_mask].sum() / c_series[~after_mask].sum()
    chart = pd.concat(
        [
            pd.DataFrame(
                {"month": series.index, "series": "Treated wards", "offences": t_series.astype(float)}
            ),
            pd.DataFrame(
                {"month": series.index, "series": "Comparison wards (scaled)", "offences": c_series * scale}
            ),
            pd.DataFrame(
                {"month": series.index, "series": "Trend before the start", "offences": its_r.pre_fit}
            ),
        ],
        ignore_index=True,
    )
    chart["offences"] = chart["offences"].round(2)

    m = metrics.metric(definition.offence_group)
    treated_words = _names_words(treated, names)
    power = power_sentence(did_r, len(before))
    conclusions = [did_sentence(did_r, treated_words), wdd_sentence(wdd_r), its_sentence(its_r, len(before))]
    methods = [COMPARISON_METHOD, DID_METHOD, WDD_METHOD, ITS_METHOD]
    chosen_by_analyst = bool(definition.comparison) and set(comparison) != set(
        candidates.loc[candidates["proposed"], "ward"]
    )
    notes = [
        f"Rates are {RATE_WORDS}." if pops else "No ward populations: counts only.",
        "Comparison wards were chosen by the analyst."
        if chosen_by_analyst
        else f"Comparison wards are the {len(comparison)} proposed as most similar before the start.",
        "The chart scales the comparison wards to the treated wards' level before the start.",
    ]
    provenance = prov.mps(
        period=f"{_span(after)} (after the start)",
        comparison_period=f"{_span(before)} (before)",
        area=(
            f"treated: {treated_words}; comparison: {_names_words(comparison, names)}; neighbouring (buffer): "
            f"{_names_words(buffer, names)}"
        ),
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
        provenance=provenance,
        notes=notes,
    )


def run(
    definition: Definition, data_dir_: Path | None = None, month: pd.Timestamp | None = None
) -> Evaluation:
    """``evaluate`` on the data directory's merged MPS ward series for the borough (the CLI and board pack),
    using months up to ``month`` when given (so an earlier month's board pack can be reproduced)."""
    from svd import geo, mps, population
    from svd.config import borough

    merged = mps.load_mps(level="ward", data_dir=data_dir_)
    table = mps.for_borough(merged, borough().code).table
    if month is not None:
        table = table[(table["month"] <= month).to_numpy()]
    return evaluate(table, definition, geo.wards(data_dir_), population.ward_population(data_dir_))


def its_chart(e: Evaluation, style=None):
    """The interrupted-time-series chart: treated and (scaled) comparison monthly counts, the trend before the
    start projected, and the start month marked (``svd.charts`` conventions: Okabe–Ito colours, ``finish``)."""
    import altair as alt

    from svd import charts

    style = style or charts.NORMAL
    data = e.chart.copy()
    colours = alt.Scale(
        domain=["Treated wards", "Comparison wards (scaled)", "Trend before the start"],
        range=[charts.MAIN, charts.OKABE_ITO[1], charts.MUTED],
    )
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))
    y = alt.Y("offences:Q", title="Offences a month", scale=alt.Scale(zero=True))
    colour = alt.Color("series:N", scale=colours, legend=alt.Legend(title=None, orient="bottom"))
    dash = alt.StrokeDash(
        "series:N",
        scale=alt.Scale(
            domain=["Treated wards", "Comparison wards (scaled)", "Trend before the start"],
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
                text=f"{e.offence_title}: {treated} against the comparison wards, by month",
                subtitle="Comparison scaled to the treated level before the start; dashed: the earlier trend, projected",
                anchor="start",
            ),
            description=(
                f"Monthly offences in {treated} and in the comparison wards, with the start month "
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
