"""Monthly series from the MPS tables: rolling 12 months, year-on-year change, 12 against 12, 5-year change, rank.

A series is a frame with one row per calendar month from its first to its last month: ``month``, ``count``
(``Int64``; NA in a month the source does not cover) and ``covered`` (bool). A month is *covered* when the
table holds any row for the chosen areas in that month, so a category with no offences in a covered month
counts 0, while a month missing from the publication (the borough files have no 2023-03..2023-12) is a gap,
never a zero. Windows that touch a gap are not compared: every comparison here uses fully covered 12 months.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from svd import aggregate as agg
from svd import config
from svd.provenance import RATE_DENOMINATOR

CITY_OF_LONDON = "E09000001"  # policed by the City of London Police, not the MPS: never part of "London" here
# MPS moved to the CONNECT system; domestic abuse (and hate crime) figures before and after are not comparable.
CONNECT_MONTH = pd.Timestamp("2024-03-01")
CONNECT_NOTE = (
    "In March 2024 the Metropolitan Police moved to a new crime recording system (CONNECT); domestic abuse "
    "figures before and after March 2024 are not comparable."
)
# The first COVID-19 lockdown to the end of the third: a 12-month window overlapping it is not a normal year.
COVID_MONTHS = (pd.Timestamp("2020-03-01"), pd.Timestamp("2021-06-01"))

Category = tuple[str, str]


def _month(x) -> pd.Timestamp:
    return pd.Timestamp(x).to_period("M").to_timestamp()


def select(table: pd.DataFrame, categories: Iterable[Category]) -> pd.DataFrame:
    """Rows of a tidy MPS table whose (major, minor) pair is one of ``categories``."""
    pairs = pd.MultiIndex.from_tuples(list(categories), names=["major", "minor"])
    return table[pd.MultiIndex.from_frame(table[["major", "minor"]]).isin(pairs)]


def ward_rates(
    table: pd.DataFrame,
    categories: Iterable[Category],
    ward_pop: pd.DataFrame,
    periods: agg.Periods | None = None,
) -> pd.DataFrame:
    """Offences per ward in the chosen months (``periods``; default the latest 12 months of ``table``) and the
    same months a year earlier, with the rate per 1,000.

    ``ward_pop`` is ``svd.population.ward_population()``; every ward in it gets a row (zero where none).
    Columns: ward_code, ward_name, current, previous, population, rate, rate_lower, rate_upper (95%, ``stats.count_interval``),
    highest rate first.
    """
    from svd.stats import rates_with_ci

    periods = periods or agg.latest_periods(table["month"])
    tot = agg.period_totals(select(table, categories), periods, by=["area_code"])
    tot = tot.rename(columns={"area_code": "ward_code"})[["ward_code", "current", "previous"]]
    out = ward_pop[["ward_code", "ward_name", "all_ages"]].merge(tot, on="ward_code", how="left")
    out = out.fillna({"current": 0, "previous": 0}).astype({"current": "int64", "previous": "int64"})
    out = rates_with_ci(out.rename(columns={"all_ages": "population"}), count_col="current")
    cols = ["ward_code", "ward_name", "current", "previous", "population", "rate", "rate_lower", "rate_upper"]
    return out[cols].sort_values(["rate", "ward_code"], ascending=[False, True], ignore_index=True)


def monthly(
    table: pd.DataFrame, categories: Iterable[Category] | None = None, area_codes: Sequence[str] | None = None
) -> pd.DataFrame:
    """The monthly series (month, count, covered) of the chosen categories and areas (all when None)."""
    rows = table if area_codes is None else table[table["area_code"].isin(list(area_codes))]
    if rows.empty:
        return pd.DataFrame(
            {
                "month": pd.Series(dtype="datetime64[ns]"),
                "count": pd.Series(dtype="Int64"),
                "covered": pd.Series(dtype=bool),
            }
        )
    covered = pd.DatetimeIndex(rows["month"].unique())
    picked = rows if categories is None else select(rows, categories)
    sums = picked.groupby("month")["count"].sum()
    months = pd.date_range(covered.min(), covered.max(), freq="MS")
    count = sums.reindex(months).fillna(0).astype("int64").astype("Int64")
    is_cov = months.isin(covered)
    count[~is_cov] = pd.NA
    return pd.DataFrame({"month": months, "count": count.to_numpy(), "covered": is_cov})


def from_counts(months: Sequence, counts: Sequence[float | None]) -> pd.DataFrame:
    """A series from month labels and counts (None = not covered), e.g. for records or tests."""
    m = pd.DatetimeIndex([_month(x) for x in months])
    c = pd.array(
        [None if v is None or (isinstance(v, float) and np.isnan(v)) else int(v) for v in counts],
        dtype="Int64",
    )
    raw = pd.DataFrame({"month": m, "count": c}).sort_values("month")
    full = pd.DataFrame({"month": pd.date_range(m.min(), m.max(), freq="MS")}).merge(
        raw, how="left", on="month"
    )
    return full.assign(covered=full["count"].notna().to_numpy())


def records_monthly(records: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    """The monthly series of a record frame (one row per offence); every month in [start, end] is covered."""
    counts = records.groupby("month").size()
    lo = _month(start) if start is not None else (counts.index.min() if len(counts) else None)
    hi = _month(end) if end is not None else (counts.index.max() if len(counts) else None)
    if lo is None or hi is None:
        return monthly(pd.DataFrame(columns=["month", "count"]))
    months = pd.date_range(lo, hi, freq="MS")
    return pd.DataFrame(
        {
            "month": months,
            "count": counts.reindex(months).fillna(0).astype("int64").astype("Int64"),
            "covered": True,
        }
    ).reset_index(drop=True)


def add_rolling(series: pd.DataFrame) -> pd.DataFrame:
    """Add rolling_12m (12 months to each month), previous_12m (the 12 before those) and yoy_pct.

    A rolling total touching a gap is NA; yoy_pct is the percentage change of the rolling total on a year
    earlier (the year-on-year change of the 12 months to each month).
    """
    c = series["count"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    roll = pd.Series(c).rolling(12, min_periods=12).sum()
    prev = roll.shift(12)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(prev > 0, (roll - prev) / prev * 100, np.nan)
    return series.assign(
        rolling_12m=pd.array(roll, dtype="Float64"),
        previous_12m=pd.array(prev, dtype="Float64"),
        yoy_pct=pd.array(pct, dtype="Float64"),
    )


def gaps(series: pd.DataFrame) -> pd.DataFrame:
    """The runs of uncovered months: start, end (inclusive) and months."""
    miss = ~series["covered"].to_numpy(dtype=bool)
    runs, i = [], 0
    months = series["month"].to_numpy()
    while i < len(miss):
        if miss[i]:
            j = i
            while j + 1 < len(miss) and miss[j + 1]:
                j += 1
            runs.append(
                {"start": pd.Timestamp(months[i]), "end": pd.Timestamp(months[j]), "months": j - i + 1}
            )
            i = j + 1
        else:
            i += 1
    return pd.DataFrame(runs, columns=["start", "end", "months"])


def gap_text(series: pd.DataFrame) -> str:
    """A sentence listing the gaps, or an empty string when there are none."""
    g = gaps(series)
    if g.empty:
        return ""
    spans = [
        f"{r.start:%b %Y}" if r.months == 1 else f"{r.start:%b %Y} to {r.end:%b %Y}" for r in g.itertuples()
    ]
    return f"No figures are published for {', '.join(spans)}: shown as a gap, not as zero."


def last_before_gap(series: pd.DataFrame) -> pd.Timestamp | None:
    """The last covered month before the first gap (None when the series has no gap)."""
    g = gaps(series)
    return None if g.empty else pd.Timestamp(g["start"].iloc[0]) - pd.DateOffset(months=1)


@dataclass(frozen=True)
class Comparison:
    """Offences in the ``months`` months to ``end`` against the same months ``lag_months`` earlier."""

    end: pd.Timestamp
    lag_months: int
    current: int
    previous: int
    label: str
    p_value: float
    significant: bool
    method: str = ""  # the test, in words (svd.stats.ChangeResult.method)
    months: int = 12

    def _window(self, end: pd.Timestamp) -> pd.DatetimeIndex:
        return agg.month_range(end, self.months)

    @staticmethod
    def _label(months: pd.DatetimeIndex) -> str:
        return f"{months[0]:%b %Y}" if len(months) == 1 else f"{months[0]:%b %Y} to {months[-1]:%b %Y}"

    @property
    def current_period(self) -> str:
        """E.g. 'Apr 2025 to Mar 2026'."""
        return self._label(self._window(self.end))

    @property
    def previous_period(self) -> str:
        """The comparison window, same format."""
        return self._label(self._window(self.end - pd.DateOffset(months=self.lag_months)))

    @property
    def pct_change(self) -> float | None:
        """Percentage change on the earlier window (None when it had no offences)."""
        return None if self.previous == 0 else (self.current - self.previous) / self.previous * 100

    @property
    def covid(self) -> bool:
        """True when either window overlaps the COVID-19 lockdown months (March 2020 to June 2021)."""
        lo, hi = COVID_MONTHS
        for end in (self.end, self.end - pd.DateOffset(months=self.lag_months)):
            months = self._window(end)
            if months[-1] >= lo and months[0] <= hi:
                return True
        return False

    def provenance(self, level: str = "ward", area: str | None = None, loads: tuple[str, ...] = ()):
        """Where the comparison comes from: the MPS ward (or borough) file, both windows, the test used; ``loads``:
        the store loads its rows come from (``svd.mps.loads_over``)."""
        from svd import provenance as prov

        return prov.mps(
            self.current_period,
            self.previous_period,
            **({"area": area} if area else {}),
            method=f"change: {self.method}, 5% level",
            level=level,
            loads=loads,
        )

    def straddles(self, month) -> bool:
        """True when the earlier window starts before ``month`` and the later one ends on or after it."""
        m = _month(month)
        first = self._window(self.end - pd.DateOffset(months=self.lag_months))[0]
        return bool(first < m <= self.end)

    def sentence(self, what: str, untested: str | None = None) -> str:
        """A plain-English sentence, e.g. 'Rape rose by 8% in the 12 months to March 2026 (300 offences) …'.

        ``untested`` replaces the test's verdict with the reason no test is shown (e.g. "change not tested: the
        simulation fixes the domestic-abuse share of each MPS category").
        """
        pct = self.pct_change
        if self.months == 12:
            to = f"the 12 months to {self.end:%B %Y}"
            against = (
                "the previous 12 months"
                if self.lag_months == 12
                else f"the same months {self.lag_months // 12} years earlier"
            )
        else:  # a chosen period: name both windows, the same calendar months
            to, against = self.current_period, self.previous_period
        if pct is None:
            move = f"there were {self.current:,} {what} offences in {to}"
            return move[0].upper() + move[1:] + f" against none in {against}."
        if round(pct) == 0:
            direction = "was unchanged"
        else:
            direction = f"{'rose' if pct > 0 else 'fell'} by {abs(pct):.0f}%"
        head = f"{what[0].upper()}{what[1:]} {direction} in {to} ({self.current:,} offences against {self.previous:,} in {against})"
        if untested:
            return head + f" — {untested}."
        tail = (
            " — a statistically significant change."
            if self.significant
            else " — not a statistically significant change."
        )
        return head + tail


def _covered_window(series: pd.DataFrame, end: pd.Timestamp, months: int = 12) -> bool:
    window = agg.month_range(end, months)
    s = series.set_index("month")["covered"]
    return bool(s.reindex(window).fillna(False).astype(bool).all())


def compare(series: pd.DataFrame, end=None, lag_months: int = 12, months: int = 12) -> Comparison | None:
    """The ``months`` months to ``end`` (default: the latest month whose comparison is fully covered) against
    the same months ``lag_months`` earlier, with ``svd.stats.change_test``'s label (quasi-Poisson on the monthly
    counts); None when no pair is covered."""
    from svd.stats import change_test

    if series.empty:
        return None
    if end is None:
        candidates = sorted(series.loc[series["covered"].astype(bool), "month"], reverse=True)
    else:
        candidates = [_month(end)]
    for e in candidates:
        e = pd.Timestamp(e)
        earlier = e - pd.DateOffset(months=lag_months)
        if _covered_window(series, e, months) and _covered_window(series, earlier, months):
            s = series.set_index("month")["count"]
            cur_m = s.reindex(agg.month_range(e, months)).to_numpy(dtype=float)
            prev_m = s.reindex(agg.month_range(earlier, months)).to_numpy(dtype=float)
            res = change_test(cur_m, prev_m)
            cur, prev = res.current, res.previous
            return Comparison(
                end=e,
                lag_months=lag_months,
                current=cur,
                previous=prev,
                label=res.label,
                p_value=float("nan") if res.p_value is None else float(res.p_value),
                significant=bool(res.significant),
                method=res.method,
                months=months,
            )
    return None


def compare_periods(series: pd.DataFrame, periods: agg.Periods) -> Comparison | None:
    """The chosen months against the same months a year earlier (``aggregate.periods_for``).

    None when either window is not fully covered by the series; ``covered_months`` gives the months to pass to
    ``Periods.problem`` to say why.
    """
    n = len(periods.current)
    lag = agg.months_between(periods.previous_start, periods.start) - 1
    return compare(series, end=periods.end, lag_months=lag, months=n)


def covered_months(series: pd.DataFrame) -> pd.Series:
    """The months a series covers (for ``aggregate.Periods.problem``)."""
    return series.loc[series["covered"].astype(bool), "month"]


def five_year_change(series: pd.DataFrame, end=None) -> Comparison | None:
    """The latest 12 fully covered months against the same 12 months five years earlier (also covered)."""
    return compare(series, end=end, lag_months=60)


def comparison_table(comparisons: Iterable[Comparison | None]) -> pd.DataFrame:
    """One row per comparison (None skipped): both windows, counts, % change, test label and a COVID note."""
    rows = [
        {
            "12 months": c.current_period,
            "offences": c.current,
            "compared with": c.previous_period,
            "offences then": c.previous,
            "change %": None if c.pct_change is None else round(c.pct_change, 1),
            "test": c.label,
            "method": c.method,
            "note": "the earlier 12 months include COVID-19 lockdowns" if c.covid else "",
        }
        for c in comparisons
        if c is not None
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "12 months",
            "offences",
            "compared with",
            "offences then",
            "change %",
            "test",
            "method",
            "note",
        ],
    )


def london_rates(
    table: pd.DataFrame,
    categories: Iterable[Category],
    populations: pd.DataFrame,
    months: Sequence,
    code_col: str = "area_code",
) -> pd.DataFrame:
    """Offences in ``months`` and the rate per 1,000 residents for each London borough the MPS polices.

    ``table`` is the tidy borough-level MPS table (area_code = borough E09 code); ``populations`` is
    ``svd.population.london_populations()``. The City of London and the MPS's non-borough rows (Heathrow,
    'Unknown') are left out, so ranks are among the 32 boroughs.
    """
    pops = populations[
        ~populations["is_region"].astype(bool) & (populations["borough_code"] != CITY_OF_LONDON)
    ]
    want = pd.DatetimeIndex([_month(m) for m in months])
    rows = select(table[table["month"].isin(want)], categories)
    counts = rows.groupby(code_col, observed=True)["count"].sum()
    out = pops[["borough_code", "borough_name", "all_ages"]].rename(columns={"all_ages": "population"})
    out = out.assign(count=counts.reindex(out["borough_code"]).fillna(0).astype("int64").to_numpy())
    out = out.assign(rate_per_1000=agg.rate_per_1000(out["count"], out["population"]))
    return out.sort_values("rate_per_1000", ascending=False, ignore_index=True)


@dataclass(frozen=True)
class Rank:
    """The borough's rate and rank among London boroughs in a 12-month window."""

    period: str
    count: int
    rate_per_1000: float
    london_rate_per_1000: float
    rank: int
    of: int
    table: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)

    def sentence(self, what: str, name: str | None = None) -> str:
        """E.g. 'Jan 2025 to Dec 2025: 288 rape offences, 1.32 per 1,000 residents … — 11th highest of 32 boroughs.'

        ``what`` names the offences counted, e.g. "rape offences".
        """
        name = config.borough().name if name is None else name
        ordinal = {1: "highest", 2: "2nd highest", 3: "3rd highest"}.get(self.rank, f"{self.rank}th highest")
        return (
            f"{self.period}: {self.count:,} {what}, {self.rate_per_1000:.2f} per 1,000 residents in "
            f"{name} against {self.london_rate_per_1000:.2f} across London — {ordinal} of {self.of} boroughs."
        )


def rank(
    table: pd.DataFrame,
    categories: Iterable[Category],
    populations: pd.DataFrame,
    end=None,
    code: str | None = None,
    length: int = 12,
    code_col: str = "area_code",
) -> Rank | None:
    """Rate and London rank in the ``length`` months to ``end`` (default: the 12 to the latest month in the
    table); ``table`` holds every borough's count and rate, highest first. None when those months are not all
    covered. ``code_col`` names the borough code: ``area_code`` in the borough files, ``borough_code`` in
    London's ward table (whose months may reach later than the borough files')."""
    code = config.borough().code if code is None else code
    boroughs = table[
        table[code_col].astype("string").str.startswith("E09", na=False) & (table[code_col] != CITY_OF_LONDON)
    ]
    if boroughs.empty:
        return None
    months = sorted(boroughs["month"].unique())
    e = _month(end) if end is not None else pd.Timestamp(months[-1])
    window = agg.month_range(e, length)
    if not set(window).issubset(set(pd.DatetimeIndex(months))):
        return None
    rates = london_rates(boroughs, categories, populations, window, code_col)
    pos, n = agg.london_rank(rates, code)
    row = rates[rates["borough_code"] == code].iloc[0]
    london = float(agg.rate_per_1000(rates["count"].sum(), rates["population"].sum()))
    return Rank(
        period=Comparison._label(window),
        count=int(row["count"]),
        rate_per_1000=float(row["rate_per_1000"]),
        london_rate_per_1000=london,
        rank=pos,
        of=n,
        table=rates,
    )


@dataclass(frozen=True)
class LondonRank:
    """A borough's London rank for the chosen months, with the source it came from and the note saying so."""

    rank: Rank
    from_borough_file: bool
    note: str


def london_rank(
    london_wards: pd.DataFrame,
    borough_file: pd.DataFrame,
    categories: Iterable[Category],
    populations: pd.DataFrame,
    periods,
    code: str | None = None,
) -> LondonRank | None:
    """The borough's rate and London rank over ``periods.current`` (``aggregate.periods_for``).

    From London's ward table summed by borough (the tiles' source, reaching the latest month) where it covers
    the months; else from the MPS borough file (which reaches further back), labelled as a second source.
    None when neither covers every month. The one rule for every page and ``svd.figures``.
    """
    code = config.borough().code if code is None else code
    months = len(periods.current)
    by_ward = rank(
        london_wards,
        categories,
        populations,
        end=periods.end,
        code=code,
        length=months,
        code_col="borough_code",
    )
    if by_ward is not None:
        note = (
            f"Source: the MPS ward file summed by borough, {by_ward.period}, the tiles' source. "
            f"Rates {RATE_DENOMINATOR}."
        )
        return LondonRank(by_ward, False, note)
    by_file = rank(borough_file, categories, populations, end=periods.end, code=code, length=months)
    if by_file is None:
        return None
    return LondonRank(by_file, True, rank_source_note(by_file, periods.label))


def rank_source_note(rk: Rank, ward_period: str) -> str:
    """Why the London rank's rate differs from the tiles': it is a second source (the borough file), labelled.

    The MPS borough file counts every offence in the borough, including those not assigned to a ward, and
    ends at its own latest month; the tiles' rates come from the ward file's latest 12 months.
    """
    same = rk.period == ward_period
    return (
        f"Source: the MPS borough file, {rk.period}"
        + ("" if same else f" (the ward file's tiles cover {ward_period})")
        + ". The borough file also counts offences not assigned to a ward, so its rate can differ from the "
        "ward-based rate; it is used here because it gives every London borough on one footing. "
        f"Rates {RATE_DENOMINATOR}."
    )
