"""The metric registry (``data/metrics.json``) and the figures behind the board's tiles and ``svd summary``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from svd import aggregate as agg
from svd import provenance as prov
from svd import public
from svd.config import borough as chosen_borough
from svd.config import definitions_dir
from svd.incidents import SERIOUS_VIOLENCE_OFFENCES
from svd.provenance import Provenance
from svd.reference import Reference, current, kept


@dataclass(frozen=True)
class Metric:
    """One headline metric as the registry defines it."""

    id: str
    title: str
    unit: str
    source: str
    caption: str
    page: str
    objectives: tuple[int, ...]
    sensitive: bool
    categories: tuple[tuple[str, str], ...] = ()
    filter: str | None = None
    numerator: str | None = None
    window: tuple[int, int] | None = None
    reference: str | None = None
    simulation_fixes: str | None = None  # what simulated records fix by construction for this metric
    simulation_fixes_short: str | None = None  # the same in a few words, for a tile


@kept
def _read(ref: Reference, path: Path) -> tuple[Metric, ...]:
    raw = json.loads(path.read_text(encoding="utf-8"))["metrics"]
    return tuple(
        Metric(
            id=m["id"],
            title=m["title"],
            unit=m["unit"],
            source=m["source"],
            caption=m["caption"],
            page=m["page"],
            objectives=tuple(m["objectives"]),
            sensitive=public.metric_sensitive(m.get("categories", []), m.get("filter")),
            categories=tuple(tuple(c) for c in m.get("categories", [])),
            filter=m.get("filter"),
            numerator=m.get("numerator"),
            window=tuple(m["window"]) if "window" in m else None,
            reference=m.get("reference"),
            simulation_fixes=m.get("simulation_fixes"),
            simulation_fixes_short=m.get("simulation_fixes_short", m.get("simulation_fixes")),
        )
        for m in raw
    )


def load_metrics(path: Path | None = None) -> dict[str, Metric]:
    """The registry, keyed by metric id, in registry order."""
    return {m.id: m for m in _read(current(), (path or definitions_dir() / "metrics.json").resolve())}


def metric(metric_id: str) -> Metric:
    """One metric by id."""
    return load_metrics()[metric_id]


def select_mps(table: pd.DataFrame, m: Metric) -> pd.DataFrame:
    """Rows of a tidy MPS table in the metric's categories."""
    pairs = pd.MultiIndex.from_tuples(m.categories, names=["major", "minor"])
    keep = pd.MultiIndex.from_frame(table[["major", "minor"]]).isin(pairs)
    return table[keep]


def _flag(records: pd.DataFrame, column: str) -> np.ndarray:
    return records[column].fillna(False).astype(bool).to_numpy()


def affecting_under_25(records: pd.DataFrame) -> np.ndarray:
    """Violence and exploitation affecting young people under 25, as the SNA measured it.

    The eight London serious-violence offence types, reported at the time (not historical), where the victim is
    under 25 — the population the needs assessment's "46% between 3pm and 9pm" describes.
    """
    if "victim_age" not in records or "offence" not in records:
        return np.zeros(
            len(records), dtype=bool
        )  # an extract without ages cannot say; the tile then shows "–"
    current = ~_flag(records, "historical") if "historical" in records else np.ones(len(records), dtype=bool)
    young = records["victim_age"].lt(25).fillna(False).to_numpy(dtype=bool)
    return records["offence"].isin(SERIOUS_VIOLENCE_OFFENCES).to_numpy() & young & current


# Record filters a metric may name: a boolean column of the canonical record frame, or a named predicate.
RECORD_PREDICATES = {"affecting_under_25": affecting_under_25}
# Filters whose rates need under-25 residents as the denominator, never all ages.
UNDER_25_FILTERS = frozenset({"affecting_under_25"})


def record_mask(records: pd.DataFrame, name: str) -> np.ndarray:
    """The boolean mask a metric's ``filter`` names."""
    if name in RECORD_PREDICATES:
        return RECORD_PREDICATES[name](records)
    return _flag(records, name)


def metric_mask(records: pd.DataFrame, m: Metric) -> np.ndarray:
    """True for the records a metric counts (its ``filter``; every record when it has none)."""
    if m.filter is None:
        return np.ones(len(records), dtype=bool)
    return record_mask(records, m.filter)


def share_masks(records: pd.DataFrame, m: Metric) -> tuple[np.ndarray, np.ndarray]:
    """(numerator, base) masks of a percentage metric over all records: AND them with a period's rows.

    Masks, not filtered copies: at 2M records a copy of the rows of 12 months is ~100 MB held for nothing.
    """
    base = metric_mask(records, m)
    if m.window is not None:
        base = base & records["hour"].notna().to_numpy()  # not &=: the mask may be a read-only view
        return base & window_mask(records, m.window).fillna(False).to_numpy(dtype=bool), base
    return base & (records["offence"] == m.numerator).fillna(False).to_numpy(dtype=bool), base


def share_counts(records: pd.DataFrame, m: Metric, rows: np.ndarray) -> tuple[int, int]:
    """(numerator, base) of a percentage metric over the records where ``rows`` is True."""
    num, base = share_masks(records, m)
    return int((num & rows).sum()), int((base & rows).sum())


def window_mask(records: pd.DataFrame, window: tuple[int, int]) -> pd.Series:
    """True for records whose hour lies in [start, end) — e.g. (15, 21) is 15:00 to 20:59."""
    start, end = window
    hour = records["hour"]
    return hour.ge(start) & hour.lt(end)


@dataclass(frozen=True)
class Figure:
    """A computed headline figure: the chosen months against the same months a year earlier."""

    metric: Metric
    current: float
    previous: float | None
    period: str
    previous_period: str | None
    rate_per_1000: float | None = None
    london_rate_per_1000: float | None = None
    change_label: str | None = None
    p_value: float | None = None
    pct_change: float | None = None
    change_method: str | None = None  # the test behind change_label, in words (ChangeResult.method)
    simulated: bool = False
    extra: dict = field(default_factory=dict)
    provenance: Provenance | None = None  # where the figure comes from; every renderer shows it

    @property
    def change_tested(self) -> bool:
        """False when the change is not tested because simulated records fix the quantity by construction."""
        return not (self.simulated and self.metric.simulation_fixes)

    @property
    def change_note(self) -> str | None:
        """Why no change test is shown ('change not tested: the simulation fixes …'), or None."""
        if self.change_tested:
            return None
        return f"change not tested: the simulation fixes {self.metric.simulation_fixes_short}"


def count_method(change, with_rate: bool = True) -> str:
    """The method statement of a count figure: the change test and the rate's denominator."""
    text = f"change: {change.method}, 5% level"
    return text + (f"; rate {prov.RATE_DENOMINATOR}" if with_rate else "")


def mps_figure(
    m: Metric,
    borough: pd.DataFrame,
    population: float,
    london: pd.DataFrame | None = None,
    london_population: float | None = None,
    area: str | None = None,
    periods: agg.Periods | None = None,
) -> Figure:
    """A figure for an MPS metric from the borough's tidy ward table (and London's, for the London rate).

    ``periods`` (``aggregate.periods_for``) are the chosen months and their comparison; by default the latest 12
    months of the table. When either window is not inside the table, nothing is compared (``period_note``).
    """
    from svd.stats import change_test, monthly_window

    rows = select_mps(borough, m)
    periods = periods or agg.latest_periods(borough["month"])
    note = periods.problem(borough["month"], "the MPS ward counts")
    tot = agg.period_totals(rows, periods).iloc[0]
    # The test sees each window month by month: a month the data lack (never published, or a partial
    # month set aside by the merge) makes it refuse to compare rather than compare 11 months with 12.
    monthly = rows.groupby("month", observed=True)["count"].sum()
    available = borough["month"].unique()
    change = change_test(
        monthly_window(monthly, periods.current, available),
        monthly_window(monthly, periods.previous, available),
    )
    london_rate = None
    if london is not None and london_population:
        lrows = select_mps(london, m)
        ltot = agg.period_totals(lrows, periods).iloc[0]
        london_rate = float(agg.rate_per_1000(ltot["current"], london_population))
    fig = Figure(
        metric=m,
        current=int(tot["current"]),
        previous=int(tot["previous"]),
        period=periods.label,
        previous_period=periods.previous_label,
        rate_per_1000=float(agg.rate_per_1000(tot["current"], population)),
        london_rate_per_1000=london_rate,
        change_label=change.label,
        p_value=change.p_value,
        pct_change=change.pct_change,
        change_method=change.method,
        provenance=prov.mps(
            periods.label,
            periods.previous_label,
            area=area,
            method=count_method(change)
            + (
                "; London: the 32 boroughs the MPS polices, without the City of London" if london_rate else ""
            ),
            loads=_loads(periods, borough, london if london_rate else None),
        ),
    )
    return _uncompared(fig, note)


def _loads(periods: agg.Periods, *tables: pd.DataFrame | None) -> tuple[str, ...]:
    """The store loads the rows of both windows come from (``svd.mps.loads_in``), for a figure's provenance."""
    from svd.mps import loads_over

    return tuple(dict.fromkeys(c for t in tables if t is not None for c in loads_over(t, periods)))


PARTIAL_MONTH_DAYS = 3  # a latest month whose last offence is earlier than this before its end is partial


def covered_months(records: pd.DataFrame) -> pd.DatetimeIndex:
    """The months the records cover: every month with a record, except a latest month that looks partial.

    An extract taken part-way through a month ends early: when the latest offence date falls more than
    ``PARTIAL_MONTH_DAYS`` days before the end of its month (a borough sees offences every day), that month is
    left out, so a change test over it says "not compared: a month is missing" instead of calling a short
    month a fall.
    """
    months = pd.DatetimeIndex(records["month"].dropna().unique()).sort_values()
    if len(months) == 0 or "offence_date" not in records.columns:
        return months
    last = pd.to_datetime(records["offence_date"], errors="coerce").max()
    if pd.isna(last) or pd.Timestamp(last).to_period("M").to_timestamp() != months[-1]:
        return months
    if last.days_in_month - last.day > PARTIAL_MONTH_DAYS:
        return months[:-1]
    return months


def coverage_note(
    records: pd.DataFrame, periods: agg.Periods | None, source: str = "The extract", page: str = "This page"
) -> str | None:
    """A plain sentence when the records do not cover the chosen months and the same months a year earlier
    (``covered_months``): how many complete months they cover and what ``page`` needs; None when they do.

    E.g. "The extract covers 0 complete months (May 2024 is left out as partial: its last offence is on
    18 May 2024); the Overview page needs Apr 2025 to Mar 2026 and, to compare them, Apr 2024 to Mar 2025, so
    its record-level figures are incomplete and not compared."
    """
    covered = covered_months(records)
    if periods is None:
        if len(covered):
            periods = agg.latest_periods(covered)
        else:
            months = pd.DatetimeIndex(records["month"].dropna().unique())
            if not len(months):
                return f"{source} has no records with a month; {page[:1].lower() + page[1:]} has no record-level figures."
            periods = agg.latest_periods(months)
    if periods.problem(covered) is None:
        return None
    n = len(covered)
    text = f"{source} covers {n} complete month{'' if n == 1 else 's'}"
    if n:
        text += f" ({agg.span_label(covered)})"
    months = pd.DatetimeIndex(records["month"].dropna().unique()).sort_values()
    if len(months) and (not n or months[-1] > covered[-1]):
        last = pd.to_datetime(records["offence_date"], errors="coerce").max()
        text += f"; {months[-1]:%b %Y} is left out as partial" + (
            f" (its last offence is on {last:%-d %b %Y})" if pd.notna(last) else ""
        )
    return (
        f"{text}. {page} needs {periods.label} and, to compare them, {periods.previous_label}, so its "
        "record-level figures are incomplete and not compared."
    )


def monthly_record_counts(records: pd.DataFrame, mask: np.ndarray) -> pd.Series:
    """Records where ``mask`` is True, by month (index: month)."""
    return records.loc[mask, "month"].value_counts().sort_index()


def _uncompared(fig: Figure, note: str | None) -> Figure:
    """The figure without its comparison when a window is not inside the data (``note`` says why)."""
    if note is None:
        return fig
    return replace(
        fig,
        previous=None,
        change_label=None,
        p_value=None,
        pct_change=None,
        extra={**fig.extra, "period_note": note},
        provenance=None
        if fig.provenance is None
        else fig.provenance.but(method=_uncompared_method(fig, note)),
    )


def _uncompared_method(fig: Figure, note: str) -> str:
    """The figure's method statement with its change test replaced by why nothing is compared."""
    kept = [part for part in fig.provenance.method.split("; ") if not part.startswith("change")]
    return "; ".join([f"change not compared: {note}", *kept])


def records_figure(
    m: Metric,
    records: pd.DataFrame,
    population: float,
    simulated: bool,
    area: str | None = None,
    extract_name: str | None = None,
    periods: agg.Periods | None = None,
    available: pd.Series | pd.DatetimeIndex | None = None,
) -> Figure:
    """A figure for a record-level metric (counts, or a percentage share) over the chosen months.

    ``periods`` default to the records' latest 12 months; ``available`` are the months the record set covers
    (default: ``covered_months(records)``; pass the whole set's ``covered_months`` when ``records`` is a subset,
    e.g. some wards, so that a month without records in the subset counts as zero, not as missing).
    A share's numerators and bases are in ``extra`` (numerator, base, numerator_previous, base_previous), and
    month by month in ``extra["monthly"]`` (the same keys, NaN for a month the records do not cover) for
    ``svd.stats.share_change_test``. With simulated records, a metric whose quantity the simulation fixes
    (``simulation_fixes``) gets no change test: its "change" only follows the real category counts.
    """
    from svd.stats import change_test, monthly_window

    periods = periods or agg.latest_periods(records["month"])
    span = pd.DatetimeIndex(records["month"] if available is None else available).dropna()
    # No month at all (an extract of a few rows in one partial month): every chosen month is missing.
    months = pd.date_range(span.min(), span.max(), freq="MS") if len(span) else pd.DatetimeIndex([])
    note = periods.problem(months, "the record-level data")
    month = records["month"]
    in_cur, in_prev = (month.isin(periods.current).to_numpy(), month.isin(periods.previous).to_numpy())
    # The months the record set covers: a window month with no record at all in the set, or a partial latest
    # month, is missing, not zero (``covered_months``; of the whole set when ``records`` is a subset).
    covered = covered_months(records) if available is None else pd.DatetimeIndex(pd.unique(available))

    def window(mask: np.ndarray, months) -> list[float]:
        return monthly_window(monthly_record_counts(records, mask), months, covered).tolist()

    if m.unit == "percent":
        num, base = share_masks(records, m)  # once for both periods
        k1, n1 = int((num & in_cur).sum()), int((base & in_cur).sum())
        k0, n0 = int((num & in_prev).sum()), int((base & in_prev).sum())
        monthly = {
            "numerator": window(num, periods.current),
            "base": window(base, periods.current),
            "numerator_previous": window(num, periods.previous),
            "base_previous": window(base, periods.previous),
        }
        fig = Figure(
            metric=m,
            current=100 * k1 / n1 if n1 else None,
            previous=100 * k0 / n0 if n0 else None,
            period=periods.label,
            previous_period=periods.previous_label,
            simulated=simulated,
            extra={
                "numerator": k1,
                "base": n1,
                "numerator_previous": k0,
                "base_previous": n0,
                "monthly": monthly,
            },
            provenance=prov.records(
                simulated,
                periods.label,
                periods.previous_label,
                area=area,
                filters=m.caption,
                method=f"share of {n1:,} records with a known time"
                if m.window
                else f"share of {n1:,} records in the base",
                fixes=m.simulation_fixes,
                extract_name=extract_name,
            ),
        )
        return _uncompared(fig, note)
    counted = metric_mask(records, m)
    c, p = int((counted & in_cur).sum()), int((counted & in_prev).sum())
    change = change_test(window(counted, periods.current), window(counted, periods.previous))
    fixed = simulated and bool(m.simulation_fixes)
    # ``population`` is all residents: a count of offences against under-25s over it would understate their
    # rate, so such a metric shows no rate here (its rate needs under-25 residents, prov.UNDER_25_DENOMINATOR).
    rate = None if m.filter in UNDER_25_FILTERS else float(agg.rate_per_1000(c, population))
    fig = Figure(
        metric=m,
        current=c,
        previous=p,
        period=periods.label,
        previous_period=periods.previous_label,
        rate_per_1000=rate,
        change_label=None if fixed else change.label,
        p_value=None if fixed else change.p_value,
        pct_change=change.pct_change,
        change_method=change.method,
        simulated=simulated,
        provenance=prov.records(
            simulated,
            periods.label,
            periods.previous_label,
            area=area,
            filters=m.caption,
            method=(
                "change not tested (the simulation fixes this share)"
                if fixed
                else count_method(change, False)
            )
            + (
                f"; rate {prov.RATE_DENOMINATOR}"
                if rate is not None
                else "; no rate (needs under-25 residents)"
            ),
            fixes=m.simulation_fixes,
            extract_name=extract_name,
        ),
    )
    return _uncompared(fig, note)


CITY_OF_LONDON = "E09000001"


def london_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of the 32 MPS boroughs (no City of London, no units without a borough such as Aviation Security)."""
    code = table["borough_code"]
    return table[(code.notna() & (code != CITY_OF_LONDON)).to_numpy()]


def london_population(pops: pd.DataFrame) -> float:
    """London's Census 2021 population without the City of London (which the MPS does not police)."""
    region = float(pops.loc[pops["is_region"], "all_ages"].iloc[0])
    return region - float(pops.loc[pops["borough_code"] == CITY_OF_LONDON, "all_ages"].iloc[0])


def summary(borough_code: str | None = None, data_dir: Path | None = None) -> dict:
    """The figures ``python -m svd summary`` prints, from the merged MPS ward data in the data directory
    (for ``borough_code``, by default the partnership's borough)."""
    borough_code = borough_code or chosen_borough().code
    from svd.mps import load_mps
    from svd.population import london_populations

    merged = load_mps(level="ward", data_dir=data_dir)
    ward = merged.table
    # "London" as the MPS reports it: the 32 boroughs it polices (not the City of London), so rows of units
    # without a borough (e.g. Aviation Security) are left out and the denominator excludes the City.
    london = london_rows(ward)
    pops = london_populations(data_dir)
    borough_row = pops[pops["borough_code"] == borough_code].iloc[0]
    borough = ward[ward["borough_code"] == borough_code]
    london_pop = london_population(pops)
    reg = load_metrics()
    figs = {
        mid: mps_figure(
            reg[mid],
            borough,
            float(borough_row["all_ages"]),
            london,
            london_pop,
            area=str(borough_row["borough_name"]),
        )
        for mid in ("serious_violence", "violence_with_injury", "rape", "other_sexual", "personal_robbery")
    }
    periods = agg.latest_periods(borough["month"])
    sv = select_mps(borough, reg["serious_violence"])
    by_ward = sv[sv["month"].isin(periods.current)].groupby("area_code")["count"].sum()
    sv_fig = figs["serious_violence"]
    return {
        "borough_code": borough_code,
        "borough_name": str(borough_row["borough_name"]),
        "latest_month": f"{periods.current[-1]:%Y-%m}",
        "months_available": int(borough["month"].nunique()),
        "period_12m": sv_fig.period,
        "serious_violence_12m": sv_fig.current,
        "serious_violence_prev_12m": sv_fig.previous,
        "serious_violence_change": sv_fig.change_label,
        "serious_violence_change_method": sv_fig.change_method,
        "violence_with_injury_12m": figs["violence_with_injury"].current,
        "rape_12m": figs["rape"].current,
        "other_sexual_12m": figs["other_sexual"].current,
        "robbery_personal_12m": figs["personal_robbery"].current,
        "rate_per_1000_serious_violence_12m": round(sv_fig.rate_per_1000, 2),
        "london_rate_per_1000_serious_violence_12m": round(sv_fig.london_rate_per_1000, 2),
        "by_ward_serious_violence_12m": {k: int(v) for k, v in by_ward.sort_index().items()},
        # Releases set aside as incomplete (none merged into the figures above), with the reason.
        "problems": merged.problems(),
    }


def untested_note(metric_id: str, simulated: bool) -> str | None:
    """'change not tested: the simulation fixes …' for a metric whose quantity simulated records fix; else None."""
    m = metric(metric_id)
    return (
        f"change not tested: the simulation fixes {m.simulation_fixes_short}"
        if simulated and m.simulation_fixes
        else None
    )
