"""When offences happen: hour × weekday grid, the share inside the 15:00–21:00 window, profiles, seasonality.

Pure functions that aggregate first (a chart never gets more than 7 × 24 rows) and altair chart builders.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import shapely

from svd.charts import NORMAL, ChartStyle, finish, spec_template, spec_with_rows
from svd.filters import PRIORITY_WINDOW, WEEKDAYS, hour_mask

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SEQUENTIAL = "viridis"
BAND_COLOUR = "#d55e00"  # Okabe–Ito vermilion: the priority window outline
BAR_COLOUR = "#0072b2"  # Okabe–Ito blue


@dataclass(frozen=True)
class ValueAxis:
    """What a time chart plots: the grid column, its axis or legend title, and its tooltip title and format.
    The default counts offences; a weighted measure plots ``weighted`` (``time_charts``)."""

    field: str = "count"
    title: str = "Offences"
    tooltip: str = "Offences"
    fmt: str = ","
    unit: str = ""  # a weighted measure's unit, on a second line of the heatmap's legend title (it is narrow)

    @property
    def weighted(self) -> bool:
        return self.field != "count"


COUNT_AXIS = ValueAxis()


def timed(records: pd.DataFrame) -> pd.DataFrame:
    """The records whose hour and weekday are known."""
    return records[records["hour"].notna().to_numpy() & records["weekday"].notna().to_numpy()]


def hour_weekday(records: pd.DataFrame) -> pd.DataFrame:
    """Counts on the full 7 × 24 grid: weekday (0=Mon), day, hour, count, share (of all timed records)."""
    t = timed(records)
    h = t["hour"].to_numpy(dtype="int64")
    d = t["weekday"].to_numpy(dtype="int64")
    return _grid_frame(np.bincount(d * 24 + h, minlength=7 * 24)[: 7 * 24])


_GRID_WEEKDAY = np.repeat(np.arange(7), 24)
_GRID_HOUR = np.tile(np.arange(24), 7)
_GRID_DAY = np.array(WEEKDAYS, dtype=object)[_GRID_WEEKDAY]


def _grid_frame(grid: np.ndarray) -> pd.DataFrame:
    counts = np.asarray(grid).astype("int64")
    total = counts.sum()
    return pd.DataFrame(
        {
            "weekday": _GRID_WEEKDAY.copy(),
            "day": _GRID_DAY.copy(),
            "hour": _GRID_HOUR.copy(),
            "count": counts,
            "share": counts / total if total else np.zeros(counts.size),
        }
    )


def window_share(
    records: pd.DataFrame, window: tuple[int, int] = PRIORITY_WINDOW
) -> tuple[int, int, float | None]:
    """(records inside the window, records with a known hour, share) — the share is None with no timed records."""
    known = records["hour"].notna().to_numpy()
    n_known = int(known.sum())
    inside = int(hour_mask(records["hour"], window).sum())
    return inside, n_known, (inside / n_known if n_known else None)


def _summed(keys: pd.Series, counts: pd.Series, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(the keys present, their summed counts) over 0..size-1 — a group-by sum on a small integer key."""
    k = keys.to_numpy(dtype="int64")
    total = np.bincount(k, weights=np.nan_to_num(counts.to_numpy(dtype="float64")), minlength=size)
    present = np.bincount(k, minlength=size) > 0
    dtype = counts.dtype if pd.api.types.is_integer_dtype(counts.dtype) else "float64"
    return np.flatnonzero(present), total[present].astype(dtype)


def hour_profile(grid: pd.DataFrame) -> pd.DataFrame:
    """Counts by hour (0–23) from the hour × weekday grid, with each hour's share and an in-window flag.

    A weighted grid (with ``weighted``) gives each hour's weighted sum too, and ``share`` is of the weighted
    total."""
    hours, counts = _summed(grid["hour"], grid["count"], 24)
    inside = hour_mask(pd.Series(hours), PRIORITY_WINDOW)
    out = pd.DataFrame(
        {
            "hour": hours.astype(grid["hour"].dtype),
            "count": counts,
            **_weighted_share(grid, "hour", 24, counts),
            "window": np.where(inside, "15:00–21:00", "other hours").astype(object),
        }
    )
    return out


def _weighted_share(grid: pd.DataFrame, key: str, size: int, counts: np.ndarray) -> dict:
    """``{"share": …}`` of the counts, or ``{"weighted": …, "share": …}`` of the weighted sums of a weighted
    grid, per value of ``key``."""
    if "weighted" not in grid.columns:
        total = counts.sum()
        return {"share": counts / total if total else np.zeros(counts.size)}
    _, w = _summed(grid[key], grid["weighted"].astype("float64"), size)
    total = w.sum()
    return {"weighted": w, "share": w / total if total else np.zeros(w.size)}


def weekday_profile(grid: pd.DataFrame) -> pd.DataFrame:
    """Counts by weekday from the hour × weekday grid, with shares."""
    days, counts = _summed(grid["weekday"], grid["count"], 7)
    return pd.DataFrame(
        {
            "weekday": days.astype(grid["weekday"].dtype),
            "day": np.array(WEEKDAYS, dtype=object)[days],
            "count": counts,
            **_weighted_share(grid, "weekday", 7, counts),
        }
    )


def seasonality(monthly: pd.DataFrame, value: str = "count") -> pd.DataFrame:
    """Month-of-year average over the years present: month_num, month_name, mean, years (months averaged).

    ``monthly`` has one row per month (``month`` first-of-month, ``value``); months absent from the series
    (e.g. a publication gap) are left out of that calendar month's average rather than counted as zero.
    """
    m = monthly.groupby("month", as_index=False)[value].sum()
    m = m.assign(month_num=m["month"].dt.month)
    out = m.groupby("month_num")[value].agg(["mean", "count"]).reindex(range(1, 13))
    out = out.rename(columns={"count": "years"}).reset_index()
    return out.assign(
        month_name=[MONTHS[i - 1] for i in out["month_num"]], years=out["years"].fillna(0).astype("int64")
    )[["month_num", "month_name", "mean", "years"]]


def records_monthly(records: pd.DataFrame) -> pd.DataFrame:
    """Records per month: month, count."""
    return records.groupby("month", as_index=False).size().rename(columns={"size": "count"})


def in_place(records: pd.DataFrame, polygon, lsoa_codes: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """Records inside a place: by point-in-polygon where the record has coordinates, else by its LSOA.

    ``lsoa_codes`` are the LSOAs mostly inside the place (``svd.geo.place_lsoas`` share ≥ 0.5), used only for
    records without a location.
    """
    return records[in_place_mask(records, polygon, lsoa_codes)]


def in_place_mask(records: pd.DataFrame, polygon, lsoa_codes: list[str] | tuple[str, ...]) -> np.ndarray:
    """The boolean mask behind ``in_place`` (one entry per record)."""
    lon = (
        pd.to_numeric(records["longitude"], errors="coerce").to_numpy(dtype="float64")
        if "longitude" in records.columns
        else np.full(len(records), np.nan)
    )
    lat = (
        pd.to_numeric(records["latitude"], errors="coerce").to_numpy(dtype="float64")
        if "latitude" in records.columns
        else np.full(len(records), np.nan)
    )
    located = np.isfinite(lon) & np.isfinite(lat)
    inside = np.zeros(len(records), dtype=bool)
    if polygon is not None and not polygon.is_empty and located.any():
        shapely.prepare(polygon)
        inside[located] = shapely.contains_xy(polygon, lon[located], lat[located])
    by_lsoa = records["lsoa_code"].astype("object").isin(list(lsoa_codes)).to_numpy() & ~located
    return inside | by_lsoa


def place_masks(
    records: pd.DataFrame, priority: pd.DataFrame, place_lsoas: pd.DataFrame
) -> dict[str, np.ndarray]:
    """place_id → ``in_place_mask`` for every priority place (computed once per record set, for the cube)."""
    out = {}
    for pid in place_options(priority):
        geom, lsoas = place_geometry_and_lsoas(priority, place_lsoas, pid)
        out[pid] = in_place_mask(records, geom, lsoas)
    return out


TIME_BINS = 8 * 24 + 1  # (weekday + 1) * 24 + hour: an unknown weekday is row 0, an unknown hour the last bin


def cube_time_bins(cube) -> np.ndarray:
    """Each cube row's time bin (``TIME_BINS``): one weighted bincount over them gives the hour × weekday grid
    and the known-hour counts together. Fixed per cube, so worth building once (``ui.cache``)."""
    h = cube.codes["hour"].astype(np.int16)
    d = cube.codes["weekday"].astype(np.int16)
    return np.where(h >= 0, (np.maximum(d, -1) + 1) * 24 + h, TIME_BINS - 1).astype(np.int16)


def cube_time_counts(cube, mask: np.ndarray, bins: np.ndarray | None = None) -> np.ndarray:
    """Records per time bin in the masked cube rows (``bins`` = ``cube_time_bins(cube)``, built when None)."""
    bins = cube_time_bins(cube) if bins is None else bins
    weight = getattr(cube, "weight", None)  # svd.hotspots.Cube.weight: n as float64, what bincount takes
    weight = cube.n.astype(np.float64) if weight is None else weight
    if np.count_nonzero(mask) <= 0.6 * mask.size:
        # A period or a flag keeps a fraction of a long cube: gather those rows (cheaper than a pass over all).
        rows = np.flatnonzero(mask)
        counts = np.bincount(bins[rows], weights=weight[rows], minlength=TIME_BINS)
    else:
        counts = np.bincount(bins, weights=weight * mask, minlength=TIME_BINS)
    return counts[:TIME_BINS].astype(np.int64)


def time_grid(counts: np.ndarray) -> pd.DataFrame:
    """``hour_weekday``'s 7 × 24 grid from ``cube_time_counts``."""
    return _grid_frame(counts[24 : 8 * 24])


@dataclass(frozen=True)
class TimeCharts:
    """The Days and times heatmap and hour and weekday profiles under a measure (``time_charts``): the grid and
    profiles (``count`` offences; under a weighted measure also ``weighted``, and ``share`` of the weighted
    total), what the charts plot (``axis``), the heatmap's title, what was left out and the method."""

    measure: str
    grid: pd.DataFrame
    hours: pd.DataFrame
    days: pd.DataFrame
    axis: ValueAxis = COUNT_AXIS
    title: str = "Offences by hour and day"
    note: str = ""  # the offence types left out for want of a weight, or why nothing is weighted
    method: str = (
        ""  # the weighted method (weights' source; not a count, no significance label); '' for counts
    )

    @property
    def weighted(self) -> bool:
        return self.axis.weighted

    def specs(self, style: ChartStyle = NORMAL) -> tuple[dict, dict, dict]:
        """(heatmap, hour profile, weekday profile) Vega-Lite specs."""
        return (
            heatmap_spec(self.grid, title=self.title if self.weighted else "", style=style, axis=self.axis),
            hour_spec(self.hours, style=style, axis=self.axis),
            weekday_spec(self.days, style=style, axis=self.axis),
        )

    def peak_text(self, kind: str) -> str:
        """'Busiest hour: **Fri 17:00–17:59** (12 offences, simulated records).' — under a weighted measure the
        hour with the largest weighted sum, its value and its offences."""
        day, hour, count = peak(self.grid, self.axis.field)
        if self.weighted:
            cell = self.grid[(self.grid["day"] == day) & (self.grid["hour"] == hour)].iloc[0]
            name = self.axis.tooltip
            name = name if name[:2].isupper() else name[:1].lower() + name[1:]  # 'CSS-…' keeps its capitals
            what = f"{cell['shown']} of {name}, {count:,} offences"
            lead = f"Largest {name}"
        else:
            what, lead = f"{count:,} offences", "Busiest hour"
        return f"{lead}: **{day} {hour:02d}:00–{hour:02d}:59** ({what}, {kind})."

    def downloads(self) -> dict[str, pd.DataFrame]:
        """The three tables as files carry them (a weighted column named by its measure, no display text)."""
        name = f"weighted_{self.measure}"

        def one(f: pd.DataFrame) -> pd.DataFrame:
            f = for_download(f) if "shown" in f.columns and not self.weighted else f
            return f.drop(columns="shown", errors="ignore").rename(columns={"weighted": name})

        return {"Hour by day": one(self.grid), "By hour": one(self.hours), "By weekday": one(self.days)}

    def provenance(self, base):
        """The charts' provenance: ``base`` (the records, period, area, filters) with the weighted method, the
        weights' source and what was left out."""
        if not self.weighted:
            return base
        method = "; ".join(x for x in (base.method, self.method.rstrip(".")) if x)
        notes = "; ".join(x for x in (base.notes, self.note.rstrip(".")) if x) or None
        return base.but(method=method, notes=notes)


def time_charts(cube, mask: np.ndarray, bins: np.ndarray | None, measure_id: str = "count") -> TimeCharts:
    """The heatmap and profiles of the masked cube rows (``svd.hotspots.Cube``) under a measure
    (``svd.harm.MEASURES``): counts, or each cell the sum of its offences' weights.

    As the Hotspots map does, offence types without a published weight are left out and named (never counted as
    0); when none of the chosen offences has a weight the charts count offences and ``note`` says why. Public
    mode is counts only (``svd.harm``'s rule: a weighted total over its weight gives back a hidden count)."""
    from svd import harm, public

    counts = cube_time_counts(cube, mask, bins)
    grid = time_grid(counts)
    if measure_id == "count" or public.is_public():
        return TimeCharts("count", grid, hour_profile(grid), weekday_profile(grid))
    m = harm.measure(measure_id)
    values = harm.cube_time_values(cube, mask, measure_id, bins, partial=True)
    if values.frame is None:
        note = values.reason + " The charts count offences."
        return TimeCharts("count", grid, hour_profile(grid), weekday_profile(grid), note=note)
    w = values.frame["value"].to_numpy(dtype="float64")[24 : 8 * 24]
    total = w.sum()
    # The offences of each cell left out for want of a weight: a cell of only those shows 0 of the measure,
    # and its tooltip says how many were left out.
    unweighted = np.asarray(mask, dtype=bool) & np.isnan(harm.cube_row_weights(cube, measure_id))
    grid = grid.assign(
        left_out=cube_time_counts(cube, unweighted, bins)[24 : 8 * 24],
        weighted=w,
        share=w / total if total else np.zeros(w.size),
        shown=[harm.value_text(float(v), measure_id) for v in w],
    )
    unit = harm.unit_text(measure_id)
    short = m.short[:1].upper() + m.short[1:]
    axis = ValueAxis("weighted", f"{short} ({unit})", short, ",.0f", unit)
    return TimeCharts(
        measure_id,
        grid,
        hour_profile(grid),
        weekday_profile(grid),
        axis,
        title=f"{short} by hour and day of the week ({unit})",
        note=values.reason,
        method=harm.method_text(measure_id) + " A share of a weighted sum carries no significance label.",
    )


def time_window_share(
    counts: np.ndarray, window: tuple[int, int] = PRIORITY_WINDOW
) -> tuple[int, int, float | None]:
    """``window_share`` from ``cube_time_counts``: (inside the window, with a known hour, share)."""
    by_hour = counts[: 8 * 24].reshape(8, 24).sum(axis=0)
    n_known = int(by_hour.sum())
    inside = int(by_hour[hour_mask(pd.Series(np.arange(24)), window)].sum())
    return inside, n_known, (inside / n_known if n_known else None)


def cube_hour_weekday(cube, mask: np.ndarray) -> pd.DataFrame:
    """``hour_weekday`` from a tasking cube (``svd.hotspots.Cube``) and a row mask."""
    return time_grid(cube_time_counts(cube, mask))


def cube_window_share(
    cube, mask: np.ndarray, window: tuple[int, int] = PRIORITY_WINDOW
) -> tuple[int, int, float | None]:
    """``window_share`` from a tasking cube and a row mask."""
    return time_window_share(cube_time_counts(cube, mask), window)


def cube_monthly(cube) -> pd.DataFrame:
    """``records_monthly`` from a tasking cube: month, count (months with records only)."""
    m = cube.codes["month"]
    ok = m >= 0
    if cube.month0 is None or not ok.any():
        return pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"), "count": pd.Series(dtype="int64")})
    counts = np.bincount(m[ok], weights=cube.n[ok], minlength=cube.months).astype(np.int64)
    months = pd.date_range(cube.month0, periods=cube.months, freq="MS")
    keep = counts > 0
    return pd.DataFrame({"month": months[keep], "count": counts[keep]})


def under_25_hours(records: pd.DataFrame) -> pd.DataFrame:
    """month, ward_code, hour (-1 unknown), count of the SNA's population (``svd.metrics.affecting_under_25``).

    A small table built once per record set, so the SNA-comparable share for any period is a sum, not a pass
    over the records.
    """
    from svd.metrics import affecting_under_25

    sel = records[affecting_under_25(records)]
    ward = (
        sel["ward_code"].astype("object") if "ward_code" in sel.columns else pd.Series(None, index=sel.index)
    )
    hour = pd.to_numeric(sel["hour"], errors="coerce").fillna(-1).astype("int64")
    frame = pd.DataFrame(
        {
            "month": pd.to_datetime(sel["month"]).to_numpy(),
            "ward_code": ward.fillna("").to_numpy(),
            "hour": hour,
        }
    )
    out = frame.groupby(["month", "ward_code", "hour"], as_index=False).size()
    return out.rename(columns={"size": "count"}).astype({"count": "int64"})


def table_window_share(
    table: pd.DataFrame,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    wards: tuple[str, ...] = (),
    window: tuple[int, int] = PRIORITY_WINDOW,
) -> tuple[int, int, float | None]:
    """``window_share`` on an ``under_25_hours`` table for months [start, end] and the wards (empty = all)."""
    t = table
    if start is not None:
        t = t[t["month"] >= start]
    if end is not None:
        t = t[t["month"] <= end]
    if wards:
        t = t[t["ward_code"].isin(wards)]
    known = t[t["hour"] >= 0]
    n_known = int(known["count"].sum())
    inside = int(known.loc[np.asarray(hour_mask(known["hour"], window), dtype=bool), "count"].sum())
    return inside, n_known, (inside / n_known if n_known else None)


def suppress_counts(frame: pd.DataFrame, group_cols: tuple[str, ...] = ()) -> pd.DataFrame:
    """Counts of 1–4 hidden (public mode): ``count`` NaN where hidden, ``shown`` the text ("12", "<5", "[c]").

    The rule and its secondary suppression are ``svd.public.suppress_table``'s (within ``group_cols``, whose
    totals are published); a hidden count's ``share`` is blanked too. Charts leave a hidden cell or bar empty.
    """
    from svd import public

    shown = public.suppress_table(
        frame, "lsoa", True, count_cols=["count"], group_cols=list(group_cols), derived_cols=["share"]
    )
    hidden = public.hidden_rows(shown)
    return shown.assign(
        count=frame["count"].astype("float64").mask(hidden.to_numpy()).to_numpy(),
        shown=shown["count"].astype(str).to_numpy(),
    )


def for_download(frame: pd.DataFrame) -> pd.DataFrame:
    """A ``suppress_counts`` frame as the file carries it: ``count`` is the shown text ("<5"); else unchanged."""
    if "shown" not in frame.columns:
        return frame
    return frame.assign(count=frame["shown"]).drop(columns="shown")


def peak(grid: pd.DataFrame, field: str = "count") -> tuple[str, int, int]:
    """The busiest (day, hour, count) cell of the grid (ties: the earliest weekday, then hour); ``field``
    "weighted" finds the cell with the largest weighted sum (the count returned is still its offences)."""
    count = grid[field].to_numpy(dtype="float64")
    # lexsort's last key sorts first: count descending (NaN last), then weekday and hour ascending.
    i = np.lexsort((grid["hour"].to_numpy(), grid["weekday"].to_numpy(), -count))[0]
    return str(grid["day"].iloc[i]), int(grid["hour"].iloc[i]), int(grid["count"].iloc[i])


def headline_sentence(
    inside: int,
    known: int,
    share: float | None,
    reference: float | None,
    grid: pd.DataFrame,
    what: str,
    sna_share: float | None = None,
    simulated: bool = False,
    period: str | None = None,
) -> str:
    """'For serious violence affecting under-25s (the SNA's measure) 44% were between 15:00 and 21:00 (2023
    SNA: 46%); across all 3,210 offences with a known time it was 41%; …'.

    The SNA's 46% describes violence affecting under-25s, so it is set beside ``sna_share`` (the same measure
    on these records); the all-offence ``share`` is given as the current filters' figure, not compared.
    With ``simulated`` records the sentence says so, and that the simulation draws times to match the SNA.
    ``period`` (e.g. 'Apr 2025 to Mar 2026') opens the sentence when given.
    """
    when = f"In {period}, " if period else ""
    if not known or share is None:
        return (
            f"{when}no {what} with a known time of day match the current filters."
            if when
            else (f"No {what} with a known time of day match the current filters.")
        )
    ref = f" (2023 SNA: {reference:.0f}%)" if reference is not None else ""
    day, hour, _ = peak(grid)
    filters = f"{share:.0%} of the {known:,} {what} with a known time"
    if sna_share is None:
        lead = f"{filters} (current filters) were between 15:00 and 21:00"
        if ref:
            lead += f"; the SNA's figure{ref} is for serious violence affecting under-25s"
    else:
        lead = (
            f"{sna_share:.0%} of serious violence affecting under-25s (the SNA's measure) was between 15:00 "
            f"and 21:00{ref}; for the current filters it was {filters}"
        )
    sentence = f"{when}{lead}; the busiest hour was {day} {hour:02d}:00–{hour:02d}:59."
    if simulated:
        sentence = (
            f"In simulated records, {sentence[0].lower()}{sentence[1:-1]} (the simulation draws times to match "
            "the SNA, so the two agree by construction)."
        )
    return sentence


# ------------------------------------------------------------------------------------------------- charts


def vega_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec without JSON-schema validation.

    Validation is most of altair's cost on every rerun (~20 ms a chart); the chart builders here are fixed
    code, validated by the tests (tests/test_temporal.py), so the pages skip it.
    """
    return chart.to_dict(validate=False)


def heatmap_rows(grid: pd.DataFrame) -> pd.DataFrame:
    """The heatmap's rows: the grid with each cell's end hour and its count as text (unless already ``shown``)."""
    data = grid.assign(hour_end=grid["hour"] + 1)
    if "shown" not in data.columns:
        data = data.assign(shown=[f"{int(c):,}" for c in data["count"].tolist()])
    return data


def heatmap_chart(
    grid: pd.DataFrame,
    window: tuple[int, int] = PRIORITY_WINDOW,
    title: str = "",
    style: ChartStyle = NORMAL,
    axis: ValueAxis = COUNT_AXIS,
) -> alt.LayerChart:
    """Hour × weekday heatmap with the priority window outlined (a rect outline, not colour alone)."""
    return finish(_heatmap(heatmap_rows(grid), window, title, style, axis), style)


def heatmap_spec(
    grid: pd.DataFrame,
    window: tuple[int, int] = PRIORITY_WINDOW,
    title: str = "",
    style: ChartStyle = NORMAL,
    axis: ValueAxis = COUNT_AXIS,
) -> dict:
    """``heatmap_chart``'s Vega-Lite spec, from a template built once (``svd.charts.spec_template``)."""
    if axis == COUNT_AXIS:
        template = spec_template(_heatmap, tuple(window), title, style=style)
    else:
        template = spec_template(_heatmap_weighted, tuple(window), title, axis, style=style)
    return spec_with_rows(template, heatmap_rows(grid))


def _heatmap_weighted(data, window, title: str, axis: ValueAxis, style: ChartStyle = NORMAL):
    # spec_template calls build(data, *args, style): the axis comes before the style here.
    return _heatmap(data, window, title, style, axis)


def _heatmap(
    data, window: tuple[int, int], title: str, style: ChartStyle = NORMAL, axis: ValueAxis = COUNT_AXIS
) -> alt.LayerChart:
    base = alt.Chart(data)
    y = alt.Y("day:N", sort=list(WEEKDAYS), title=None, axis=alt.Axis(labelOverlap=False))
    cells = base.mark_rect().encode(
        x=alt.X(
            "hour:Q",
            title="Hour of day",
            scale=alt.Scale(domain=[0, 24], nice=False),
            axis=alt.Axis(values=list(range(0, 25, 3)), format="02d"),
        ),
        x2="hour_end:Q",
        y=y,
        color=alt.Color(
            f"{axis.field}:Q",
            title=[axis.tooltip, f"({axis.unit})"] if axis.unit else axis.title,
            scale=alt.Scale(scheme=SEQUENTIAL),
        ),
        tooltip=[
            alt.Tooltip("day:N", title="Day"),
            alt.Tooltip("hour:Q", title="Hour"),
            alt.Tooltip("shown:N", title=axis.tooltip),
            *(
                [
                    alt.Tooltip("count:Q", title="Offences", format=","),
                    alt.Tooltip("left_out:Q", title="Of which left out (no published weight)", format=","),
                ]
                if axis.weighted
                else []
            ),
            alt.Tooltip("share:Q", title="Share", format=".1%"),
        ],
    )
    start, end = window
    band = alt.Chart(pd.DataFrame({"start": [start], "end": [end], "label": ["15:00–21:00 window"]}))
    outline = band.mark_rect(filled=False, stroke=BAND_COLOUR, strokeWidth=3).encode(x="start:Q", x2="end:Q")
    label = band.mark_text(
        align="left",
        baseline="bottom",
        dy=-4,
        color=BAND_COLOUR,
        fontWeight="bold",
        fontSize=style.label_size,
    ).encode(x="start:Q", text="label:N", y=alt.value(0))
    return alt.layer(cells, outline, label).properties(
        title=title or "Offences by hour and day of the week",
        description=f"Heatmap of {'offence counts' if not axis.weighted else axis.title.lower()} by hour "
        "(0 to 23) and weekday; the 15:00 to 21:00 window is outlined.",
        height=style.h(7 * 30),
    )


def hour_chart(profile: pd.DataFrame, style: ChartStyle = NORMAL, axis: ValueAxis = COUNT_AXIS) -> alt.Chart:
    """Bars of offences by hour; the priority-window hours are hatched by outline and labelled in the legend."""
    return finish(_hour(profile, style, axis), style)


def hour_spec(profile: pd.DataFrame, style: ChartStyle = NORMAL, axis: ValueAxis = COUNT_AXIS) -> dict:
    """``hour_chart``'s Vega-Lite spec, from a template built once."""
    if axis == COUNT_AXIS:
        return spec_with_rows(spec_template(_hour, style=style), profile)
    return spec_with_rows(spec_template(_hour_weighted, axis, style=style), profile)


def _hour_weighted(data, axis: ValueAxis, style: ChartStyle = NORMAL) -> alt.Chart:
    return _hour(data, style, axis)


def _weighted_tooltip(axis: ValueAxis) -> list:
    """The weighted value and the offences behind it (a weighted chart's tooltip shows both)."""
    if not axis.weighted:
        return [alt.Tooltip("count:Q", title="Offences", format=",")]
    return [
        alt.Tooltip(f"{axis.field}:Q", title=axis.tooltip, format=axis.fmt),
        alt.Tooltip("count:Q", title="Offences", format=","),
    ]


def _hour(data, style: ChartStyle = NORMAL, axis: ValueAxis = COUNT_AXIS) -> alt.Chart:
    return (
        alt.Chart(data)
        .mark_bar(stroke="#0b0c0c")
        .encode(
            # Every third hour labelled in presentation mode: 24 upright labels of 20 px do not fit half a screen.
            x=alt.X(
                "hour:O",
                title="Hour of day",
                axis=alt.Axis(labelAngle=0, labelExpr="datum.value % 3 ? '' : datum.label")
                if style.scale > 1
                else alt.Axis(labelAngle=0),
            ),
            y=alt.Y(f"{axis.field}:Q", title=axis.title),
            color=alt.Color(
                "window:N",
                title=None,
                legend=alt.Legend(orient="top"),
                scale=alt.Scale(domain=["15:00–21:00", "other hours"], range=[BAND_COLOUR, BAR_COLOUR]),
            ),
            strokeWidth=alt.condition("datum.window == '15:00–21:00'", alt.value(1.5), alt.value(0)),
            tooltip=[
                alt.Tooltip("hour:O", title="Hour"),
                *_weighted_tooltip(axis),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
        .properties(
            title="By hour of day" if not axis.weighted else f"{axis.tooltip} by hour of day",
            description=f"Bar chart of {'offences' if not axis.weighted else axis.title.lower()} by hour of "
            "day; bars inside the 15:00 to 21:00 window are outlined and labelled in the legend.",
            height=style.h(160),
        )
    )


def weekday_chart(
    profile: pd.DataFrame, style: ChartStyle = NORMAL, axis: ValueAxis = COUNT_AXIS
) -> alt.LayerChart:
    """Bars of offences by weekday with the share printed on each bar."""
    return finish(_weekday(profile, style, axis), style)


def weekday_spec(profile: pd.DataFrame, style: ChartStyle = NORMAL, axis: ValueAxis = COUNT_AXIS) -> dict:
    """``weekday_chart``'s Vega-Lite spec, from a template built once."""
    if axis == COUNT_AXIS:
        return spec_with_rows(spec_template(_weekday, style=style), profile)
    return spec_with_rows(spec_template(_weekday_weighted, axis, style=style), profile)


def _weekday_weighted(data, axis: ValueAxis, style: ChartStyle = NORMAL) -> alt.LayerChart:
    return _weekday(data, style, axis)


def _weekday(data, style: ChartStyle = NORMAL, axis: ValueAxis = COUNT_AXIS) -> alt.LayerChart:
    # Three-letter days, upright: full names turned on their side squash the plot.
    base = alt.Chart(data).encode(
        x=alt.X(
            "day:N",
            sort=list(WEEKDAYS),
            title=None,
            axis=alt.Axis(labelAngle=0, labelExpr="slice(datum.label, 0, 3)"),
        ),
        y=alt.Y(f"{axis.field}:Q", title=axis.title),
    )
    bars = base.mark_bar(color=BAR_COLOUR).encode(
        tooltip=[
            alt.Tooltip("day:N", title="Day"),
            *_weighted_tooltip(axis),
            alt.Tooltip("share:Q", title="Share", format=".1%"),
        ]
    )
    text = base.mark_text(baseline="bottom", dy=-3, color="#0b0c0c", fontSize=style.label_size).encode(
        text=alt.Text("share:Q", format=".0%")
    )
    return alt.layer(bars, text).properties(
        title="By day of the week" if not axis.weighted else f"{axis.tooltip} by day of the week",
        description=f"Bar chart of {'offences' if not axis.weighted else axis.title.lower()} by weekday with "
        "each day's share labelled.",
        height=style.h(160),
    )


def seasonality_chart(season: pd.DataFrame, title: str, style: ChartStyle = NORMAL) -> alt.LayerChart:
    """Line of the month-of-year average with points, labelled with the number of years averaged."""
    return finish(_seasonality(season, title, style), style)


def seasonality_spec(season: pd.DataFrame, title: str, style: ChartStyle = NORMAL) -> dict:
    """``seasonality_chart``'s Vega-Lite spec, from a template built once per title."""
    return spec_with_rows(spec_template(_seasonality, title, style=style), season)


def _seasonality(data, title: str, style: ChartStyle = NORMAL) -> alt.LayerChart:
    base = alt.Chart(data).encode(
        x=alt.X(
            "month_name:N",
            sort=list(MONTHS),
            title=None,
            axis=alt.Axis(labelAngle=0),
        ),
        y=alt.Y("mean:Q", title="Average offences per month"),
    )
    line = base.mark_line(color=BAR_COLOUR, point=True).encode(
        tooltip=[
            alt.Tooltip("month_name:N", title="Month"),
            alt.Tooltip("mean:Q", title="Average", format=",.0f"),
            alt.Tooltip("years:Q", title="Years averaged"),
        ]
    )
    return alt.layer(line).properties(
        title=title,
        description="Line chart of the average number of offences in "
        "each calendar month, averaged over the years available.",
        height=style.h(160),
    )


def borough_monthly(table: pd.DataFrame, borough_code: str, groups: tuple[str, ...] = ()) -> pd.DataFrame:
    """Monthly totals for one borough from the tidy MPS borough table (optionally some offence groups)."""
    t = table[table["area_code"] == borough_code]
    if groups:
        t = t[t["offence_group"].isin(groups)]
    return t.groupby("month", as_index=False)["count"].sum()


def select_offences(records: pd.DataFrame, offences: tuple[str, ...]) -> pd.DataFrame:
    """The records of the chosen offences (``offence`` column; empty = all)."""
    if not offences:
        return records
    return records[records["offence"].isin(offences).to_numpy()]


def offence_label(code: str) -> str:
    """'personal_robbery' → 'Personal robbery'; GBH/ABH kept as acronyms."""
    return {"gbh": "GBH", "abh": "ABH"}.get(code, code.replace("_", " ").capitalize())


def offence_options(records: pd.DataFrame) -> list[str]:
    """The offences present in the records (sorted codes)."""
    s = records["offence"] if "offence" in records.columns else pd.Series(dtype=str)
    values = s.cat.categories if isinstance(s.dtype, pd.CategoricalDtype) else s.dropna().unique()
    return sorted(str(v) for v in values)


def place_options(priority: pd.DataFrame) -> dict[str, str]:
    """place_id → name for the strategy's priority places that have a polygon."""
    pr = priority[(priority["kind"] == "priority") & ~priority.geometry.is_empty]
    return dict(zip(pr["place_id"], pr["name"], strict=True))


def place_geometry_and_lsoas(
    priority: pd.DataFrame, place_lsoas: pd.DataFrame, place_id: str, min_share: float = 0.5
):
    """The place's polygon and the LSOAs at least ``min_share`` inside it (for records without a location)."""
    geom = priority.loc[priority["place_id"] == place_id].geometry.iloc[0]
    codes = place_lsoas.loc[
        (place_lsoas["place_id"] == place_id) & (place_lsoas["share"] >= min_share), "lsoa_code"
    ]
    return geom, tuple(codes)
