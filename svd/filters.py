"""The tasking filters (period, offence groups, flags, time window, weekdays, area) as one value object."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The strategy's priority window: "46% of offences take place between 3pm - 9pm" (15:00 to 20:59).
PRIORITY_WINDOW = (15, 21)


@dataclass(frozen=True)
class RecordFilter:
    """What the user selected. ``None`` or an empty tuple means "all".

    ``hours`` is a half-open window [start, end) in whole hours; start > end wraps midnight (e.g. (22, 2)).
    A record with an unknown time is kept only when no time window is set, so a window never counts a record
    whose hour nobody knows.
    """

    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    offence_groups: tuple[str, ...] = ()
    domestic_abuse: bool | None = None
    knife: bool | None = None
    hours: tuple[int, int] | None = None
    weekdays: tuple[int, ...] = ()
    wards: tuple[str, ...] = ()
    exclude_historical: bool = False
    extra: dict = field(default_factory=dict)


def hour_mask(hour: pd.Series, window: tuple[int, int]) -> np.ndarray:
    """True where ``hour`` lies in the half-open window (wrapping midnight when start > end)."""
    start, end = window
    h = hour.to_numpy(dtype="float64", na_value=np.nan)
    inside = (h >= start) & (h < end) if start <= end else (h >= start) | (h < end)
    return inside & ~np.isnan(h)


def apply(records: pd.DataFrame, f: RecordFilter) -> pd.DataFrame:
    """The records that pass the filter (a new frame; the input is not changed)."""
    mask = np.ones(len(records), dtype=bool)
    if f.start is not None:
        mask &= (records["month"] >= f.start).to_numpy()
    if f.end is not None:
        mask &= (records["month"] <= f.end).to_numpy()
    if f.offence_groups:
        mask &= records["offence_group"].isin(f.offence_groups).to_numpy()
    for col in ("domestic_abuse", "knife"):
        want = getattr(f, col)
        if want is not None and col in records:
            mask &= records[col].fillna(False).astype(bool).to_numpy() == want
    if f.hours is not None:
        mask &= hour_mask(records["hour"], f.hours)
    if f.weekdays:
        mask &= records["weekday"].isin(f.weekdays).fillna(False).to_numpy(dtype=bool)
    if f.wards:
        mask &= records["ward_code"].isin(f.wards).to_numpy()
    if f.exclude_historical and "historical" in records:
        mask &= ~records["historical"].fillna(False).astype(bool).to_numpy()
    return records[mask]


def apply_mps(table: pd.DataFrame, f: RecordFilter) -> pd.DataFrame:
    """The same filter on a tidy MPS table (period, offence groups and wards; monthly data has no times or flags)."""
    mask = np.ones(len(table), dtype=bool)
    if f.start is not None:
        mask &= (table["month"] >= f.start).to_numpy()
    if f.end is not None:
        mask &= (table["month"] <= f.end).to_numpy()
    if f.offence_groups:
        mask &= table["offence_group"].isin(f.offence_groups).to_numpy()
    if f.wards:
        mask &= table["area_code"].isin(f.wards).to_numpy()
    return table[mask]


def describe(f: RecordFilter) -> str:
    """A plain-English description of the filter, for chart subtitles and exports."""
    parts = []
    if f.start is not None and f.end is not None:
        parts.append(f"{f.start:%b %Y} to {f.end:%b %Y}")
    parts.append(", ".join(f.offence_groups) if f.offence_groups else "all offence groups")
    if f.domestic_abuse is not None:
        parts.append("domestic abuse only" if f.domestic_abuse else "excluding domestic abuse")
    if f.knife is not None:
        parts.append("knife-flagged only" if f.knife else "excluding knife-flagged")
    if f.hours is not None:
        parts.append(f"{f.hours[0]:02d}:00 to {(f.hours[1] - 1) % 24:02d}:59")
    if f.weekdays:
        parts.append(", ".join(WEEKDAYS[d][:3] for d in sorted(f.weekdays)))
    if f.exclude_historical:
        parts.append("excluding historical reports")
    return "; ".join(parts)
