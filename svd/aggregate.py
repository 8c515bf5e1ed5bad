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
    """The latest 12 months available and the 12 before them."""

    current: pd.DatetimeIndex
    previous: pd.DatetimeIndex

    @property
    def label(self) -> str:
        """E.g. 'Apr 2025 to Mar 2026'."""
        return f"{self.current[0]:%b %Y} to {self.current[-1]:%b %Y}"

    @property
    def previous_label(self) -> str:
        """E.g. 'Apr 2024 to Mar 2025'."""
        return f"{self.previous[0]:%b %Y} to {self.previous[-1]:%b %Y}"


def latest_periods(months: pd.Series | Sequence, length: int = 12) -> Periods:
    """The latest ``length`` months present in ``months`` and the ``length`` before them."""
    # A Series' own max: the builtin would box every value (seconds and ~100 MB at 2M records).
    end = pd.Timestamp(months.max() if isinstance(months, pd.Series | pd.Index) else max(months))
    span = month_range(end, 2 * length)
    return Periods(current=span[length:], previous=span[:length])


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
