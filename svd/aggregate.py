"""Counts by area × month × offence group, rolling 12 months, rates per 1,000 residents and London ranks.

Every function takes a tidy frame and returns a new one. A tidy crime frame has at least ``month``
(first of month), ``count`` and whatever grouping columns are asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd


def month_range(end: pd.Timestamp, months: int) -> pd.DatetimeIndex:
    """The ``months`` month-starts ending at ``end`` (inclusive)."""
    end = pd.Timestamp(end).to_period("M").to_timestamp()
    return pd.date_range(end=end, periods=months, freq="MS")


def monthly_counts(df: pd.DataFrame, by: Sequence[str] = (), value: str = "count") -> pd.DataFrame:
    """Sum ``value`` by month and the ``by`` columns; months with no rows inside the span are filled with 0."""
    keys = ["month", *by]
    out = df.groupby(keys, observed=True, as_index=False)[value].sum()
    if out.empty:
        return out
    months = pd.date_range(out["month"].min(), out["month"].max(), freq="MS")
    if by:
        combos = out[list(by)].drop_duplicates()
        full = combos.merge(pd.DataFrame({"month": months}), how="cross")
    else:
        full = pd.DataFrame({"month": months})
    out = full.merge(out, how="left", on=keys)
    out[value] = out[value].fillna(0).astype("int64")
    return out[[*keys, value]].sort_values(keys, ignore_index=True)


def rolling_12(df: pd.DataFrame, by: Sequence[str] = (), value: str = "count") -> pd.DataFrame:
    """Add ``rolling_12m``: the sum of the 12 months ending at each month (NA until 12 months are present)."""
    counts = monthly_counts(df, by, value)
    if by:
        roll = counts.groupby(list(by), observed=True)[value].transform(lambda s: s.rolling(12).sum())
    else:
        roll = counts[value].rolling(12).sum()
    return counts.assign(rolling_12m=roll.astype("Float64"))


@dataclass(frozen=True)
class Periods:
    """The chosen months (``current``) and the months they are compared with (``previous``).

    One rule on every page (``periods_for``): the previous window is the same calendar months a year earlier,
    so October to March is compared with October to March, never with the April to September before it.
    """

    current: pd.DatetimeIndex
    previous: pd.DatetimeIndex

    @property
    def label(self) -> str:
        """E.g. 'Apr 2025 to Mar 2026' ('Mar 2026' for a single month)."""
        return _span_label(self.current)

    @property
    def previous_label(self) -> str:
        """E.g. 'Apr 2024 to Mar 2025'."""
        return _span_label(self.previous)

    @property
    def start(self) -> pd.Timestamp:
        """The first chosen month."""
        return self.current[0]

    @property
    def end(self) -> pd.Timestamp:
        """The last chosen month."""
        return self.current[-1]

    @property
    def previous_start(self) -> pd.Timestamp:
        """The first month of the comparison window."""
        return self.previous[0]

    @property
    def previous_end(self) -> pd.Timestamp:
        """The last month of the comparison window."""
        return self.previous[-1]

    def missing(self, available: pd.Series | Sequence) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
        """(chosen months, comparison months) that are not among the ``available`` months."""
        # Distinct values first: ``available`` may be the month column of millions of records.
        distinct = pd.unique(pd.Series(available))
        have = pd.DatetimeIndex(pd.to_datetime(pd.Series(distinct)).dropna()).to_period("M").to_timestamp()
        return self.current[~self.current.isin(have)], self.previous[~self.previous.isin(have)]

    def comparable(self, available: pd.Series | Sequence) -> bool:
        """Whether every chosen month and every comparison month is in the data."""
        cur, prev = self.missing(available)
        return len(cur) == 0 and len(prev) == 0

    def problem(self, available: pd.Series | Sequence, what: str = "the data") -> str | None:
        """A plain sentence saying which window is not inside ``available`` (None when both are)."""
        cur, prev = self.missing(available)
        what = what[:1].upper() + what[1:]
        if len(cur):
            return (
                f"{what} do not cover every chosen month ({_months_text(cur)} missing), so figures for "
                f"{self.label} are incomplete and not compared."
            )
        if len(prev):
            return (
                f"{what} do not reach back far enough ({_months_text(prev)} missing), so {self.label} "
                f"cannot be compared with {self.previous_label}."
            )
        return None


def span_label(months: pd.DatetimeIndex) -> str:
    """'Apr 2025 to Mar 2026' from the first to the last of ``months`` ('Mar 2026' for one month)."""
    return _span_label(pd.DatetimeIndex(months).sort_values())


def _span_label(months: pd.DatetimeIndex) -> str:
    if months[0] == months[-1]:
        return f"{months[0]:%b %Y}"
    return f"{months[0]:%b %Y} to {months[-1]:%b %Y}"


def _months_text(months: pd.DatetimeIndex) -> str:
    """'Oct 2022 to Mar 2023' for a run, or 'Oct 2022, Dec 2022' for up to three scattered months."""
    if len(months) == (months[-1].year - months[0].year) * 12 + months[-1].month - months[0].month + 1:
        return _span_label(months)
    shown = ", ".join(f"{m:%b %Y}" for m in months[:3])
    return shown + (f" and {len(months) - 3} more" if len(months) > 3 else "")


def months_between(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Months from ``start`` to ``end`` inclusive (1 for the same month)."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    return (end.year - start.year) * 12 + end.month - start.month + 1


def periods_for(start: pd.Timestamp, end: pd.Timestamp) -> Periods:
    """The months ``start``..``end`` and the same calendar months a year earlier.

    A window longer than 12 months is compared with the same months whole years earlier (e.g. 18 months with
    the 18 months two years before), so the two windows never overlap and hold the same seasons.
    """
    start = pd.Timestamp(start).to_period("M").to_timestamp()
    end = pd.Timestamp(end).to_period("M").to_timestamp()
    if end < start:
        raise ValueError(f"the period ends ({end:%Y-%m}) before it starts ({start:%Y-%m})")
    n = months_between(start, end)
    years_back = -(-n // 12)  # ceil: 1 year for up to 12 months
    current = pd.date_range(start, end, freq="MS")
    return Periods(current=current, previous=current - pd.DateOffset(years=years_back))


def latest_periods(months: pd.Series | Sequence, length: int = 12) -> Periods:
    """The latest ``length`` months present in ``months`` and the same months a year earlier."""
    # A Series' own max: the builtin would box every value (seconds and ~100 MB at 2M records).
    end = pd.Timestamp(months.max() if isinstance(months, pd.Series | pd.Index) else max(months))
    end = end.to_period("M").to_timestamp()
    return periods_for(end - pd.DateOffset(months=length - 1), end)


def period_totals(
    df: pd.DataFrame, periods: Periods, by: Sequence[str] = (), value: str = "count"
) -> pd.DataFrame:
    """Totals in the current and previous period, by ``by``: columns current, previous, months_current."""
    cur = df[df["month"].isin(periods.current)]
    prev = df[df["month"].isin(periods.previous)]
    if by:
        c = cur.groupby(list(by), observed=True)[value].sum().rename("current")
        p = prev.groupby(list(by), observed=True)[value].sum().rename("previous")
        out = pd.concat([c, p], axis=1).fillna(0).astype("int64").reset_index()
    else:
        out = pd.DataFrame({"current": [int(cur[value].sum())], "previous": [int(prev[value].sum())]})
    return out.assign(
        months_current=int(cur["month"].nunique()), months_previous=int(prev["month"].nunique())
    )


def rate_per_1000(count: pd.Series | float, population: pd.Series | float) -> pd.Series | float:
    """Offences per 1,000 residents."""
    return count / population * 1000


def add_rates(
    df: pd.DataFrame, population: pd.DataFrame, on: str, count: str = "count", pop_col: str = "all_ages"
) -> pd.DataFrame:
    """Join population on ``on`` and add ``population`` and ``rate_per_1000`` columns."""
    pop = population[[on, pop_col]].rename(columns={pop_col: "population"})
    out = df.merge(pop, how="left", on=on)
    return out.assign(rate_per_1000=rate_per_1000(out[count], out["population"]))


def london_rank(
    rates: pd.DataFrame, code: str, code_col: str = "borough_code", rate_col: str = "rate_per_1000"
) -> tuple[int, int]:
    """Rank of ``code`` among boroughs by rate (1 = highest) and the number of boroughs ranked."""
    ranked = rates.dropna(subset=[rate_col]).sort_values(rate_col, ascending=False, ignore_index=True)
    pos = ranked.index[ranked[code_col] == code]
    if len(pos) == 0:
        raise KeyError(f"{code} has no rate to rank")
    return int(pos[0]) + 1, len(ranked)


def complete_months(df: pd.DataFrame, expected_areas: int, area_col: str = "area_code") -> list[pd.Timestamp]:
    """Months in which every one of ``expected_areas`` areas has at least one row."""
    n = df.groupby("month")[area_col].nunique()
    return sorted(n.index[n >= expected_areas])
