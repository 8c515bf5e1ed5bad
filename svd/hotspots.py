"""Where offences happen: counts and rates by ward or LSOA, change on the previous period, Gi* and 'emerging'.

Pure functions over the canonical record frame (``svd.records``) or the tidy MPS ward table (``svd.mps``).
The Hotspots page lays these out; nothing here knows about Streamlit.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from svd import aggregate as agg
from svd import maps, stats
from svd.filters import RecordFilter

LEVELS = {"ward": ("ward_code", "ward_name"), "lsoa": ("lsoa_code", "lsoa_name")}
LEVEL_LABELS = {"ward": "Ward", "lsoa": "Neighbourhood (LSOA)"}
MEASURES = {"count": "Offences", "rate_per_1000": "Offences per 1,000 residents"}
GI_METHOD = stats.GI_METHOD
# Columns the tasking pages filter, count or place; everything else stays in the cached record set.
TASKING_COLUMNS = (
    "month",
    "offence_group",
    "offence",
    "domestic_abuse",
    "knife",
    "hour",
    "weekday",
    "time_known",
    "historical",
    "ward_code",
    "lsoa_code",
    "latitude",
    "longitude",
)
_CATEGORICAL = ("offence_group", "offence", "ward_code", "lsoa_code")


def tasking_columns(records: pd.DataFrame, cell_m: int = maps.GRID_CELL_M) -> pd.DataFrame:
    """A narrow copy of the records for the tasking pages: codes as categoricals plus the 250 m grid ``cell``.

    Filtering a dozen compact columns is several times faster than filtering the full record frame, which
    matters at 2M records; the grid cell is computed once here rather than reprojected on every rerun.
    """
    cols = [c for c in TASKING_COLUMNS if c in records.columns]
    out = records[cols].reset_index(drop=True)
    out = out.astype({c: "category" for c in _CATEGORICAL if c in out.columns})
    if {"latitude", "longitude"} <= set(out.columns):
        out = out.assign(cell=maps.grid_keys(out["longitude"], out["latitude"], cell_m))
    else:
        out = out.assign(cell=np.full(len(out), -1, dtype=np.int64))
    return out


def has_times(records: pd.DataFrame) -> bool:
    """Whether any record has a known hour (monthly-only data cannot feed times or weekdays)."""
    return "hour" in records.columns and bool(records["hour"].notna().any())


def has_coordinates(records: pd.DataFrame) -> bool:
    """Whether any record has a location (so the 250 m grid can be drawn)."""
    return "cell" in records.columns and bool((records["cell"].to_numpy() >= 0).any())


def previous_period(start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The comparison window of [start, end]: the same months a year earlier (``aggregate.periods_for``)."""
    p = agg.periods_for(start, end)
    return p.previous_start, p.previous_end


def record_counts(records: pd.DataFrame, level: str) -> pd.DataFrame:
    """Records per area: area_code, count (areas with no records are absent)."""
    code = LEVELS[level][0]
    s = records[code].astype("object").dropna()
    counts = s.value_counts()
    return pd.DataFrame({"area_code": counts.index.astype(str), "count": counts.to_numpy(dtype="int64")})


def mps_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Offences per ward in a (filtered) tidy MPS ward table: area_code, count."""
    out = table.groupby("area_code", observed=True, as_index=False)["count"].sum()
    return out.astype({"count": "int64"})


def change_text(current: int, previous: int) -> str:
    """'+12 (+8%)', '−3 (−5%)', 'no change' or 'new' (previous period zero) — for tooltips and tables."""
    d = int(current) - int(previous)
    if d == 0:
        return "no change"
    if previous == 0:
        return f"{d:+,} (none before)"
    return f"{d:+,} ({d / previous:+.0%})".replace("-", "\u2212")


def area_table(
    areas: pd.DataFrame, population: pd.DataFrame, current: pd.DataFrame, previous: pd.DataFrame
) -> pd.DataFrame:
    """Every area with count, previous, change, population and rate per 1,000 (zero where no offences).

    ``areas``: area_code, area_name; ``population``: area_code, population; ``current`` / ``previous``:
    area_code, count (from ``record_counts`` or ``mps_counts``).
    """
    out = areas[["area_code", "area_name"]].drop_duplicates("area_code")
    codes = out["area_code"].to_numpy()
    count = _aligned(codes, current, "count").astype("int64")
    before = _aligned(codes, previous, "count").astype("int64")
    pop = _aligned(codes, population, "population", fill=np.nan).astype("float64")
    change = count - before
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(before > 0, change / np.where(before > 0, before, 1) * 100, np.nan)
    out = out.assign(
        count=count,
        previous=before,
        change=change,
        change_pct=pct,
        change_text=[change_text(c, p) for c, p in zip(count.tolist(), before.tolist(), strict=True)],
        population=pop,
        rate_per_1000=agg.rate_per_1000(pd.Series(count), pd.Series(pop)).round(2).to_numpy(),
    )
    return out.sort_values("area_code").reset_index(drop=True)


def _aligned(codes: np.ndarray, frame: pd.DataFrame, col: str, fill: float = 0) -> np.ndarray:
    """``frame[col]`` in the order of ``codes`` (by ``frame["area_code"]``); ``fill`` where a code is absent."""
    idx = pd.Index(frame["area_code"].astype(str)).get_indexer(codes)
    vals = frame[col].to_numpy(dtype="float64")
    return np.where(idx >= 0, vals[np.maximum(idx, 0)] if len(vals) else fill, fill)


def _count_text(c) -> str:
    """A count for display: 1,234 for a number, the text itself for a suppressed count ("<5", "[c]")."""
    if isinstance(c, str):
        return c
    return "–" if pd.isna(c) else f"{int(c):,}"


def with_tooltips(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``tip``: the map tooltip's lines under the area's name (count and rate, change on the period before).

    Plain text, one line per row ("\\n"): the map's tooltip template sets the name in bold and escapes both, so
    no tag ever shows as text. The period is the same for every area, so the template adds it
    (``svd.maps.hotspot_deck``). Works on the public-mode table too: a suppressed count reads "<5" and its
    blanked rate and change "–".
    """
    tips = [
        f"{_count_text(c)} offences · {_rate_text(r)} per 1,000 residents\n{_change_shown(ch)} on the period before"
        for c, r, ch in zip(
            table["count"].tolist(),
            table["rate_per_1000"].tolist(),
            table["change_text"].tolist(),
            strict=True,
        )
    ]
    return table.assign(tip=tips)


def _offences(c: int) -> str:
    """'1 offence', '1,234 offences': a 250 m square's tooltip (the map's caption says what the circles are)."""
    return f"{c:,} offence" if c == 1 else f"{c:,} offences"


def _rate_text(r) -> str:
    return "–" if r is None or pd.isna(r) else f"{r:.2f}"


def _change_shown(t) -> str:
    return t if isinstance(t, str) else "–"


PUBLIC_COUNTS = ("count", "previous")
PUBLIC_DERIVED = (
    "rate_per_1000",
    "change",
    "change_pct",
    "change_text",
    "emerging",
    "emerging_p",
    "emerging_q",
)
# Counts of other windows (the 12 months to the latest month and the 12 before): not published in public mode,
# since their difference with the chosen period's counts would undo the suppression.
PUBLIC_DROPPED = ("last_12m", "prior_12m")


def is_sensitive(offence_groups: Sequence[str], domestic_abuse: bool | None) -> bool:
    """Whether the selection is sensitive (``svd.public.is_sensitive``: ANY sensitive group, or only flagged)."""
    from svd import public

    return public.is_sensitive(offence_groups, domestic_abuse)


@dataclass(frozen=True)
class AreaCounts:
    """Counts by area code of one selection in the chosen period and the period before, by ward and (from
    records) by LSOA: what public mode protects together."""

    ward_now: pd.Series
    ward_before: pd.Series
    lsoa_now: pd.Series | None = None
    lsoa_before: pd.Series | None = None


@dataclass(frozen=True)
class PublicPattern:
    """The hidden and the primary ("<5") area codes of a selection, per period (``"now"``, ``"before"``)."""

    hidden: Mapping[str, frozenset[str]]
    primary: Mapping[str, frozenset[str]]


def sensitive_part_filters(f: RecordFilter, all_groups: Sequence[str], flags: bool) -> list[RecordFilter]:
    """The sensitive parts of a selection a reader could isolate by changing the offence filter: each sensitive
    offence group in it and, when only flagged records are chosen (``flags``: records carry the flag), each
    group's flagged records. Public mode offers no flag or time filter on Hotspots (``views/hotspots.py``):
    "All" less "Exclude flagged" would give the flagged part away, so no selection here is split by them."""
    from dataclasses import replace

    from svd import public

    sens = public.sensitive_groups()
    groups = list(f.offence_groups) or list(all_groups)
    da_sensitive = flags and "domestic_abuse" in public.sensitive_flags()
    out = []
    for g in groups:
        if g in sens or (f.domestic_abuse is True and da_sensitive):
            out.append(replace(f, offence_groups=(g,)))
    return out


def _series(labels: Sequence[str], counts: np.ndarray, codes: Sequence[str]) -> pd.Series:
    """Counts by ``codes`` (zero where a code has none) from per-label counts."""
    s = pd.Series(counts, index=pd.Index(labels, dtype=object).astype(str))
    return s.groupby(level=0).sum().reindex(pd.Index(codes, dtype=object).astype(str), fill_value=0)


def cube_area_pair(
    cube: Cube, f: RecordFilter, ward_codes: Sequence[str], lsoa_codes: Sequence[str] | None
) -> AreaCounts:
    """``AreaCounts`` of ``f`` (period and period before) from the cube, by ward and LSOA."""
    from dataclasses import replace

    mask = cube_mask(cube, replace(f, start=None, end=None))
    now = month_columns(cube, f.start, f.end)
    before = (
        month_columns(cube, *previous_period(f.start, f.end))
        if f.start is not None and f.end is not None
        else slice(0, 0)
    )
    out = {}
    for level, codes in (("ward", ward_codes), ("lsoa", lsoa_codes)):
        if codes is None:
            out[level] = (None, None)
            continue
        dim = LEVELS[level][0]
        by = cube_area_months(cube, mask, dim)
        labels = cube.labels[dim]
        out[level] = (
            _series(labels, by[:, now].sum(axis=1), codes),
            _series(labels, by[:, before].sum(axis=1), codes),
        )
    return AreaCounts(*out["ward"], *out["lsoa"])


def mps_area_pair(table: pd.DataFrame, f: RecordFilter, ward_codes: Sequence[str]) -> AreaCounts:
    """``AreaCounts`` of ``f`` (period and period before) from a tidy MPS ward table (no LSOAs)."""
    from dataclasses import replace

    from svd import filters as sf

    def counts(ff: RecordFilter) -> pd.Series:
        c = mps_counts(sf.apply_mps(table, ff))
        return _series(c["area_code"].tolist(), c["count"].to_numpy(), ward_codes)

    before = (
        replace(f, start=previous_period(f.start, f.end)[0], end=previous_period(f.start, f.end)[1])
        if f.start is not None and f.end is not None
        else replace(f, start=pd.Timestamp.max, end=pd.Timestamp.max)
    )
    return AreaCounts(counts(f), counts(before))


def public_pattern(
    whole: AreaCounts,
    parts: Sequence[AreaCounts],
    lsoa_ward: Mapping[str, str] | pd.Series | None,
    sensitive: bool,
) -> PublicPattern:
    """Which areas public mode hides for a selection (``svd.public.selection_hidden``), each period on its own:
    every sensitive part protected by ward and LSOA, the selection hidden wherever a part is, then itself
    protected (LSOAs within wards within the borough)."""
    from svd import public

    hidden, primary = {}, {}
    for key, w_attr, l_attr in (("now", "ward_now", "lsoa_now"), ("before", "ward_before", "lsoa_before")):
        h, p = public.selection_hidden(
            (getattr(whole, w_attr), getattr(whole, l_attr)),
            [(getattr(x, w_attr), getattr(x, l_attr)) for x in parts],
            lsoa_ward,
            sensitive,
        )
        hidden[key], primary[key] = frozenset(h), frozenset(p)
    return PublicPattern(hidden, primary)


def public_areas(
    table: pd.DataFrame,
    level: str,
    sensitive: bool,
    public_on: bool,
    pattern: PublicPattern | None = None,
) -> pd.DataFrame:
    """Every area as public mode may show it: counts hidden as "<5" or "[c]" as ``pattern`` says (the same
    pattern for the map, tooltips, table and downloads), rates, changes and labels of a row with a hidden count
    blanked, and other windows' counts (``PUBLIC_DROPPED``) left out.

    Without ``pattern`` the table alone is protected (``svd.public.apply``: its own total only).
    """
    from svd import public

    derived = [c for c in PUBLIC_DERIVED if c in table.columns]
    if not public_on:
        return table
    if pattern is None:
        counts = [c for c in (*PUBLIC_COUNTS, *PUBLIC_DROPPED) if c in table.columns]
        return public.apply(table, level, sensitive, count_cols=counts, derived_cols=derived, public=True)
    out = table.drop(columns=[c for c in PUBLIC_DROPPED if c in table.columns])
    codes = set(out["area_code"].astype(str))
    if not (codes & (pattern.hidden["now"] | pattern.hidden["before"])):
        return out  # nothing hidden: the counts stay numbers
    mask = np.zeros(len(out), dtype=bool)
    for col, key in (("count", "now"), ("previous", "before")):
        if col not in out.columns:
            continue
        mask |= out["area_code"].astype(str).isin(pattern.hidden[key]).to_numpy()
        out = out.assign(
            **{col: public.show_hidden(out, "area_code", col, pattern.hidden[key], pattern.primary[key])}
        )
    return public.blank_derived(out, mask, derived)


def _plain(x):
    """A shown count as a number where it is one ("1,234" -> "1234"); hidden text stays text."""
    return x.replace(",", "") if isinstance(x, str) else x


def map_values(shown: pd.DataFrame, measure: str) -> pd.DataFrame:
    """area_code, count and the measure (numeric; NaN where hidden, so the area is drawn grey) and ``label``.

    ``label`` is the text the static map prints on each area: the shown count or rate, "<5" where hidden.
    """
    # Public mode's counts are text ("1,234", "<5", "[c]"): the separators go before the conversion.
    count = pd.to_numeric(shown["count"].astype(object).map(_plain), errors="coerce")
    value = count if measure == "count" else pd.to_numeric(shown[measure], errors="coerce")
    hidden = count.isna() & shown["count"].notna()
    text = value.map(lambda v: "–" if pd.isna(v) else (f"{v:,.0f}" if measure == "count" else f"{v:.2f}"))
    label = np.where(hidden, shown["count"].astype(str), text)
    out = pd.DataFrame({"area_code": shown["area_code"].to_numpy(), "count": count.to_numpy(dtype=float)})
    return out.assign(**{measure: value.to_numpy(dtype=float)}, label=label)


def map_shapes(gdf, values: pd.DataFrame, level: str):
    """The ward or LSOA polygons with ``values`` (``map_values``) joined by code, for the static map PNG."""
    code = LEVELS[level][0]
    shapes = gdf[[code, gdf.geometry.name]].rename(columns={code: "area_code"})
    idx = pd.Index(values["area_code"]).get_indexer(shapes["area_code"])
    cols = {c: values[c].to_numpy()[np.maximum(idx, 0)] for c in values.columns if c != "area_code"}
    joined = shapes.reset_index(drop=True).assign(**cols)
    # Areas without a row get missing values, as a left merge would give them.
    return joined.assign(**{c: joined[c].where(idx >= 0) for c in cols}) if (idx < 0).any() else joined


def public_cells(cells: pd.DataFrame, threshold: int = 5) -> pd.DataFrame:
    """The 250 m squares public mode may show: those with ``threshold`` or more offences (finer than an LSOA)."""
    return cells[cells["count"] >= threshold].reset_index(drop=True)


def cell_table(records: pd.DataFrame) -> pd.DataFrame:
    """Offences per 250 m grid cell (lon, lat of the centre, count, tooltip) — a few hundred rows at most."""
    if "cell" not in records.columns:
        return pd.DataFrame(columns=["key", "count", "lon", "lat", "radius", "tip"])
    cells = maps.grid_counts(records["cell"].to_numpy())
    top = max(int(cells["count"].max()), 1) if len(cells) else 1
    # Circle area proportional to the count; the busiest square gets a circle as wide as the square.
    radius = (maps.GRID_CELL_M / 2 * np.sqrt(cells["count"] / top)).round(1)
    return cells.assign(radius=radius, tip=[_offences(c) for c in cells["count"].tolist()])


def monthly_area_counts(records: pd.DataFrame, level: str) -> pd.DataFrame:
    """Records per area and month: area_code, month, count."""
    code = LEVELS[level][0]
    g = records.groupby([code, "month"], observed=True).size()
    out = g.rename("count").reset_index().rename(columns={code: "area_code"})
    return out.astype({"area_code": str, "count": "int64"})


def emerging_labels(monthly: pd.DataFrame, areas: pd.Series, latest: pd.Timestamp) -> pd.DataFrame:
    """The emerging label per area (``svd.stats.EMERGING_LABELS``): the 12 months to ``latest`` against the 12
    before, a quasi-Poisson test per area with the false-discovery rate controlled across areas.

    A test, not a raw percentage: 6 against 3 is 'Not significant'.
    """
    return emerging_from_totals(emerging_totals(monthly, areas, latest))


EMERGING_TOTALS_COLUMNS = ("area_code", "current", "previous", "dispersion", "dispersion_df", "complete")


def _emerging_columns(
    codes: pd.Series, current: np.ndarray, previous: np.ndarray, complete: bool
) -> pd.DataFrame:
    """area_code, current, previous (totals of the area × month windows), the dispersion pooled over areas
    and months (``stats.pearson_dispersion``, raw; the test floors it at 1), its df, and ``complete``."""
    raw, df = stats.pearson_dispersion([current, previous])
    return pd.DataFrame(
        {
            "area_code": codes.to_numpy(),
            "current": current.sum(axis=1).astype("int64"),
            "previous": previous.sum(axis=1).astype("int64"),
            "dispersion": float(raw) if np.isfinite(raw) else 1.0,
            "dispersion_df": int(df),
            "complete": bool(complete),
        }
    )


def emerging_totals(monthly: pd.DataFrame, areas: pd.Series, latest: pd.Timestamp) -> pd.DataFrame:
    """Per area (0 when none): current (12 months to ``latest``), previous (the 12 before), and the pooled
    monthly dispersion with its df; ``complete`` is False when the data start after the first of the 24
    months (a window would be short, so nothing is compared). Months inside the data's span with no row
    count 0."""
    periods = agg.latest_periods([latest])
    base = pd.Series(pd.Series(areas, dtype=str).unique())
    months = periods.previous.append(periods.current)
    if len(monthly):
        grid = (
            monthly.assign(area_code=monthly["area_code"].astype(str))
            .pivot_table(index="area_code", columns="month", values="count", aggfunc="sum", observed=True)
            .reindex(index=base, columns=months)
            .fillna(0)
            .to_numpy(dtype=float)
        )
        complete = bool(pd.Timestamp(monthly["month"].min()) <= months[0])
    else:
        grid = np.zeros((len(base), len(months)))
        complete = False
    return _emerging_columns(base, grid[:, 12:], grid[:, :12], complete)


def emerging_from_totals(both: pd.DataFrame) -> pd.DataFrame:
    """The emerging labels from ``emerging_totals`` (``stats.emerging_frame``: quasi-Poisson test per area,
    Benjamini–Hochberg across areas): area_code, last_12m, prior_12m, emerging, emerging_p, emerging_q,
    emerging_method."""
    out = stats.emerging_frame(both)
    return out.rename(
        columns={
            "label": "emerging",
            "p_value": "emerging_p",
            "q_value": "emerging_q",
            "method": "emerging_method",
            "current": "last_12m",
            "previous": "prior_12m",
        }
    )[["area_code", "last_12m", "prior_12m", "emerging", "emerging_p", "emerging_q", "emerging_method"]]


def gi_labels(gdf, value_col: str) -> pd.DataFrame:
    """Gi* hotspot label per area (``stats.getis_ord``: queen contiguity, exact two-sided p, Benjamini–Hochberg
    FDR 5%): area_code, gi_z, gi_p, gi_q, hotspot."""
    res = stats.getis_ord(gdf, value_col)
    return pd.DataFrame(
        {
            "area_code": res["area_code"].astype(str).to_numpy(),
            "gi_z": res["z"].to_numpy(),
            "gi_p": res["p"].to_numpy(),
            "gi_q": res["q"].to_numpy(),
            "hotspot": res["label"].to_numpy(),
        }
    )


def ranked(
    table: pd.DataFrame, gi: pd.DataFrame | None, emerging: pd.DataFrame | None, measure: str, n: int = 10
) -> pd.DataFrame:
    """The top ``n`` areas by ``measure`` with count, rate, change, the Gi* label and the emerging label."""
    # Sort first and join the labels to the top ``n`` only (a lookup by code, not a merge: fewer rows).
    out = table.sort_values([measure, "count", "area_name"], ascending=[False, False, True]).head(n)
    extra = {}
    for frame, cols in ((gi, ("hotspot",)), (emerging, ("emerging", "last_12m", "prior_12m"))):
        if frame is not None:
            idx = pd.Index(frame["area_code"]).get_indexer(out["area_code"])
            for c in cols:
                vals = frame[c].to_numpy()
                extra[c] = (
                    pd.Series(vals[np.maximum(idx, 0)], dtype=frame[c].dtype).where(idx >= 0).to_numpy()
                )
    out = out.assign(**extra, rank=range(1, len(out) + 1))
    cols = [
        "rank",
        "area_code",
        "area_name",
        "count",
        "rate_per_1000",
        "previous",
        "change_text",
        "hotspot",
        "emerging",
        "last_12m",
        "prior_12m",
    ]
    return out[[c for c in cols if c in out.columns]].reset_index(drop=True)


@dataclass(frozen=True)
class Summary:
    """The figures behind the page headline."""

    total: int
    previous: int
    top_name: str | None
    top_count: int
    top_share: float | None


def summarise(table: pd.DataFrame) -> Summary:
    """Total, previous-period total and the leading area with its share of the total."""
    total = int(table["count"].sum())
    prev = int(table["previous"].sum())
    if total == 0:
        return Summary(total, prev, None, 0, None)
    # The busiest area; ties go to the first name alphabetically.
    count = table["count"].to_numpy()
    names = table["area_name"].astype(str).to_numpy()
    top = min(np.flatnonzero(count == count.max()), key=lambda i: names[i])
    return Summary(total, prev, str(names[top]), int(count[top]), float(count[top]) / total)


def period_change(
    monthly: pd.Series, start: pd.Timestamp, end: pd.Timestamp, available: Sequence | pd.Index
) -> stats.ChangeResult:
    """``stats.change_test`` of the months ``start``..``end`` against the period before (``previous_period``).

    ``monthly``: offences by month (index: month); ``available``: the months the data cover — a month of
    either window outside them makes the result "not compared: a month is missing".
    """
    pstart, pend = previous_period(pd.Timestamp(start), pd.Timestamp(end))
    cur = stats.monthly_window(monthly, pd.date_range(start, end, freq="MS"), available)
    prev = stats.monthly_window(monthly, pd.date_range(pstart, pend, freq="MS"), available)
    return stats.change_test(cur, prev)


def mps_period_change(table: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> stats.ChangeResult:
    """``period_change`` for a (filtered, any-month) tidy MPS table; the months it covers are its own."""
    monthly = table.groupby("month", observed=True)["count"].sum()
    return period_change(monthly, start, end, table["month"].unique())


def _significance(change: stats.ChangeResult) -> str:
    if not change.compared:
        return f"{change.label} ({change.method})"
    return f"{'a significant change' if change.significant else 'not a significant change'} ({change.method})"


def headline_sentence(
    s: Summary,
    level: str,
    period_label: str,
    what: str,
    scope: str | None = None,
    hide_small: bool = False,
    change: stats.ChangeResult | None = None,
    untested: str | None = None,
) -> str:
    """'Abbey was the busiest ward with 1,234 of the 10,210 offences in Apr 2025 to Mar 2026 (12%); …'.

    ``scope`` (e.g. ``svd.filters.describe`` of the map's filter) replaces "in <period>" with "matching the
    map's filters (<scope>)", so the sentence describes exactly what the map shows. ``hide_small``: public
    mode hides the leading area's count ("fewer than 5" for 1–4, else "a hidden number") and its share.
    ``change``: the test of the total against the period before (``period_change``); without it the sentence
    makes no claim of significance. ``untested``: the reason no change test is shown
    (``svd.provenance.untested_by_simulation``), in place of the test's verdict.
    """
    where = f"matching the map's filters ({scope})" if scope else f"in {period_label}"
    if s.total == 0 or s.top_name is None:
        return f"No {what} {where}."
    area = "ward" if level == "ward" else "neighbourhood (LSOA)"
    trend = (
        f"{'up' if s.total > s.previous else 'down'} from {s.previous:,} in the period before"
        + (f" — {untested}" if untested else f" — {_significance(change)}" if change is not None else "")
        if s.previous
        else "no data for the period before"
    )
    top = (
        f"fewer than 5 of the {s.total:,}"
        if hide_small and 0 < s.top_count < 5
        else f"a hidden number of the {s.total:,}"
        if hide_small
        else f"{s.top_count:,} of the {s.total:,}"
    )
    share = "" if hide_small else f" ({s.top_share:.0%})"
    return f"{s.top_name} was the busiest {area} with {top} {what}{share} {where}; the total is {trend}."


def area_frame(gdf: pd.DataFrame, level: str, names: pd.DataFrame | None = None) -> pd.DataFrame:
    """area_code, area_name of the ward or LSOA boundaries; ``names`` (area_code, area_name: the display
    names of ``svd.geo.area_display_names``) replace the boundary file's names where given."""
    code, name = LEVELS[level]
    codes = gdf[code].astype(str)
    shown = gdf[name].astype(str)
    if names is not None:
        shown = codes.map(dict(zip(names["area_code"], names["area_name"], strict=True))).fillna(shown)
    return pd.DataFrame({"area_code": codes.to_numpy(), "area_name": shown.to_numpy()})


def population_frame(pop: pd.DataFrame, level: str) -> pd.DataFrame:
    """area_code, population (Census 2021 usual residents) for the level."""
    code = LEVELS[level][0]
    return pd.DataFrame(
        {"area_code": pop[code].astype(str).to_numpy(), "population": pop["all_ages"].to_numpy()}
    )


def mps_monthly_area_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Offences per ward and month in a tidy MPS table: area_code, month, count."""
    out = table.groupby(["area_code", "month"], observed=True, as_index=False)["count"].sum()
    return out.astype({"area_code": str, "count": "int64"})


def offence_groups(frame: pd.DataFrame) -> list[str]:
    """The offence groups present, sorted (for the filter)."""
    s = frame["offence_group"]
    values = s.cat.categories if isinstance(s.dtype, pd.CategoricalDtype) else s.dropna().unique()
    return sorted(str(v) for v in values)


def period_label(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """'Apr 2025 to Mar 2026' (or one month)."""
    return f"{start:%b %Y}" if start == end else f"{start:%b %Y} to {end:%b %Y}"


def select_features(layer_geojson: dict, prop: str, value) -> dict:
    """The features of a FeatureCollection whose property ``prop`` equals ``value`` (a new dict)."""
    return {
        **layer_geojson,
        "features": [f for f in layer_geojson["features"] if f["properties"].get(prop) == value],
    }


# ------------------------------------------------------------------------------------------ the count cube
# Dimensions of the tasking cube: every page filter and every map/chart grouping is one of these.
CUBE_CATEGORIES = ("offence_group", "offence", "ward_code", "lsoa_code")
CUBE_FLAGS = ("domestic_abuse", "knife", "historical")


@dataclass(frozen=True, eq=False)
class Cube:
    """The records collapsed to distinct combinations of the tasking dimensions, each with its count ``n``.

    ``codes[dim]`` are small integers per cube row (-1 = missing): category codes into ``labels[dim]``,
    months since ``month0``, flags 0/1, hour 0–23, weekday 0–6, grid cell index into ``cells``, and ``place``
    a bit mask (bit i = inside ``places[i]``). Filters become integer masks over the rows and every count a
    weighted ``np.bincount``, so a rerun costs the same whatever the number of records behind the cube.
    """

    codes: Mapping[str, np.ndarray]
    n: np.ndarray
    labels: Mapping[str, tuple[str, ...]]
    month0: pd.Timestamp | None
    months: int
    cells: pd.DataFrame = field(default_factory=lambda: maps.grid_counts(np.array([], dtype=np.int64)))
    places: tuple[str, ...] = ()
    records: int = 0

    def __len__(self) -> int:
        return int(self.n.size)

    @functools.cached_property
    def weight(self) -> np.ndarray:
        """``n`` as float64: ``weight * mask`` is the cheapest way to give np.bincount the masked counts (boolean
        indexing of a 2M-row cube costs ~10 ms an array, a multiply under 2 ms)."""
        return self.n.astype(np.float64)

    def size(self, dim: str) -> int:
        """How many codes ``dim`` has (grid cells for "cell")."""
        return len(self.cells) if dim == "cell" else len(self.labels[dim])

    def by_month(self, dim: str) -> np.ndarray:
        """Each row's (``dim`` code, month) bin, ``code * months + month``; rows missing either go to the extra
        last bin. Built once per dimension: one bincount over it gives every area's monthly counts."""
        memo = self.__dict__.setdefault("_by_month", {})
        if dim not in memo:
            k, m = self.codes[dim].astype(np.int32), self.codes["month"].astype(np.int32)
            memo[dim] = np.where((k >= 0) & (m >= 0), k * self.months + m, self.size(dim) * self.months)
        return memo[dim]


def _month_index(months: pd.Series) -> tuple[np.ndarray, pd.Timestamp | None, int]:
    m = pd.to_datetime(months)
    ok = m.notna().to_numpy()
    if not ok.any():
        return np.full(len(m), -1, dtype=np.int16), None, 0
    ym = (m.dt.year * 12 + m.dt.month - 1).to_numpy(dtype="float64", na_value=np.nan)
    lo = int(np.nanmin(ym))
    idx = np.where(ok, ym - lo, -1).astype(np.int16)
    return idx, pd.Timestamp(year=lo // 12, month=lo % 12 + 1, day=1), int(np.nanmax(ym)) - lo + 1


def _small_int(s: pd.Series, dtype=np.int8) -> np.ndarray:
    v = s.to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isnan(v), -1, v).astype(dtype)


def tasking_cube(records: pd.DataFrame, place_masks: Mapping[str, np.ndarray] | None = None) -> Cube:
    """Collapse records (canonical or ``tasking_columns`` frame) into a ``Cube``; ``place_masks``: place → bool."""
    t = records if "cell" in records.columns else tasking_columns(records)
    codes: dict[str, np.ndarray] = {}
    labels: dict[str, tuple[str, ...]] = {}
    for col in CUBE_CATEGORIES:
        cat = (
            t[col]
            if col in t.columns
            else pd.Series(pd.Categorical([None] * len(t), categories=pd.Index([], dtype=object)))
        )
        cat = cat if isinstance(cat.dtype, pd.CategoricalDtype) else cat.astype("category")
        codes[col] = cat.cat.codes.to_numpy().astype(np.int16)
        labels[col] = tuple(str(c) for c in cat.cat.categories)
    codes["month"], month0, months = _month_index(t["month"])
    for col in CUBE_FLAGS:
        codes[col] = (
            _small_int(t[col].astype("boolean")) if col in t.columns else np.full(len(t), -1, np.int8)
        )
    for col in ("hour", "weekday"):
        codes[col] = _small_int(t[col]) if col in t.columns else np.full(len(t), -1, np.int8)
    keys = t["cell"].to_numpy(dtype=np.int64)
    uniq, cell_idx = np.unique(keys, return_inverse=True)
    valid = uniq >= 0
    # Cell index counts only located cells (index into ``cells``); unlocated records get -1.
    remap = np.where(valid, np.cumsum(valid) - 1, -1)
    codes["cell"] = remap[cell_idx.reshape(-1)].astype(np.int32)
    cells = maps.grid_counts(uniq[valid])[["key", "lon", "lat"]]
    place_ids = tuple(place_masks or {})
    bits = np.zeros(len(t), dtype=np.int32)
    for i, pid in enumerate(place_ids):
        bits |= np.asarray(place_masks[pid], dtype=bool).astype(np.int32) << i
    codes["place"] = bits
    first, n = _distinct_rows(codes)
    return Cube(
        codes={c: v[first] for c, v in codes.items()},
        n=n,
        labels=labels,
        month0=month0,
        months=months,
        cells=cells.reset_index(drop=True),
        places=place_ids,
        records=len(t),
    )


def _distinct_rows(codes: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each distinct combination of ``codes``, rows in it), in order of first appearance.

    Each row's codes are packed into one int64 (mixed radix, re-numbered with ``pd.factorize`` whenever the
    next column would overflow it): a DataFrame group-by over a dozen columns holds an int64 label array per
    column, hundreds of MB at 2M records.
    """
    cols = list(codes.values())
    n_rows = len(cols[0]) if cols else 0
    key = np.zeros(n_rows, dtype=np.int64)
    span = 1  # the number of distinct values ``key`` can take
    for v in cols:
        shifted = v.astype(np.int64) - int(v.min(initial=0))  # -1 (missing) and place bit masks are fine
        size = int(shifted.max(initial=0)) + 1
        if span * size >= 2**62:
            key, uniques = pd.factorize(key)
            span = len(uniques)
        key = key * size + shifted
        span *= size
    ids, uniques = pd.factorize(key)
    # factorize numbers groups in order of first appearance: a group starts where the running maximum grows.
    running = np.maximum.accumulate(ids) if n_rows else ids
    first = np.flatnonzero(np.r_[True, running[1:] > running[:-1]]) if n_rows else ids
    return first, np.bincount(ids, minlength=len(uniques)).astype(np.int64)


def _lut(labels: Sequence[str], chosen: Sequence) -> np.ndarray:
    """A lookup table over codes (+1 slot so code -1, missing, maps to False)."""
    lut = np.zeros(len(labels) + 1, dtype=bool)
    want = {str(c) for c in chosen}
    lut[: len(labels)] = [lab in want for lab in labels]
    return lut


def _month_code(cube: Cube, month: pd.Timestamp) -> int:
    m = pd.Timestamp(month)
    return (m.year * 12 + m.month - 1) - (cube.month0.year * 12 + cube.month0.month - 1)


def cube_months(cube: Cube) -> pd.DatetimeIndex:
    """Every month from the cube's first to its last (a month without records inside is a zero)."""
    if cube.month0 is None:
        return pd.DatetimeIndex([])
    return pd.date_range(cube.month0, periods=cube.months, freq="MS")


def cube_mask(
    cube: Cube, f: RecordFilter, offences: Sequence[str] = (), place: str | None = None
) -> np.ndarray:
    """The cube rows that pass ``f`` — the same records as ``svd.filters.apply`` (+ offences and a place)."""
    c = cube.codes
    mask = np.ones(len(cube), dtype=bool)
    if f.start is not None or f.end is not None:
        # A record with no month never passes a period, as in svd.filters.apply (NaT compares False).
        mask &= c["month"] >= 0
        if f.start is not None and cube.month0 is not None:
            mask &= c["month"] >= _month_code(cube, f.start)
        if f.end is not None and cube.month0 is not None:
            mask &= c["month"] <= _month_code(cube, f.end)
    if f.offence_groups:
        mask &= _lut(cube.labels["offence_group"], f.offence_groups)[c["offence_group"]]
    for col in ("domestic_abuse", "knife"):
        want = getattr(f, col)
        if want is not None:
            # Missing counts as not flagged, as in svd.filters.apply.
            mask &= (c[col] == 1) == want
    if f.hours is not None:
        a, b = f.hours
        h = c["hour"]
        inside = (h >= a) & (h < b) if a <= b else (h >= a) | (h < b)
        mask &= inside & (h >= 0)
    if f.weekdays:
        lut = np.zeros(8, dtype=bool)
        lut[[d for d in f.weekdays if 0 <= d < 7]] = True
        mask &= lut[c["weekday"]]
    if f.wards:
        mask &= _lut(cube.labels["ward_code"], f.wards)[c["ward_code"]]
    if f.exclude_historical:
        mask &= c["historical"] != 1
    if offences:
        mask &= _lut(cube.labels["offence"], offences)[c["offence"]]
    if place is not None:
        bit = cube.places.index(place) if place in cube.places else None
        mask &= False if bit is None else (c["place"] >> bit) & 1 == 1
    return mask


def _weights(cube: Cube, mask: np.ndarray) -> np.ndarray:
    return np.where(mask, cube.n, 0)


def cube_total(cube: Cube, mask: np.ndarray) -> int:
    """Records in the masked cube rows."""
    return int(cube.n[mask].sum())


def cube_code_counts(cube: Cube, mask: np.ndarray, dim: str) -> np.ndarray:
    """Records per code of ``dim`` in the masked rows (rows with no code are left out)."""
    k = cube.codes[dim]
    size = cube.size(dim)
    # Code -1 (missing) goes to an extra last bin, dropped: no boolean indexing of the (large) cube.
    flat = np.bincount(np.where(k >= 0, k, size), weights=cube.weight * mask, minlength=size + 1)
    return flat[:size].astype(np.int64)


def cube_area_months(cube: Cube, mask: np.ndarray, dim: str) -> np.ndarray:
    """Records per (code of ``dim``, month) in the masked rows: shape (codes, months), from one bincount."""
    size = cube.size(dim)
    flat = np.bincount(cube.by_month(dim), weights=cube.weight * mask, minlength=size * cube.months + 1)
    return flat[:-1].reshape(size, cube.months).astype(np.int64)


def month_columns(cube: Cube, start: pd.Timestamp | None, end: pd.Timestamp | None) -> slice:
    """The columns of ``cube_area_months`` for the months ``start``..``end`` (inclusive; None = open)."""
    if cube.month0 is None:
        return slice(0, 0)
    lo = 0 if start is None else max(_month_code(cube, start), 0)
    hi = cube.months - 1 if end is None else min(_month_code(cube, end), cube.months - 1)
    return slice(lo, max(hi + 1, lo))


def _code_frame(labels: Sequence[str], counts: np.ndarray) -> pd.DataFrame:
    """area_code, count for the codes with records, busiest first (the order of ``value_counts``)."""
    order = np.argsort(-counts, kind="stable")
    order = order[counts[order] > 0]
    return pd.DataFrame(
        {"area_code": np.asarray(labels, dtype=object)[order].astype(str), "count": counts[order]}
    )


@dataclass(frozen=True)
class TaskingCounts:
    """What the Hotspots page counts for one filter: the period, the period before, the emerging totals
    (12 months to the latest month against the 12 before) and the 250 m cells of the period."""

    current: pd.DataFrame
    previous: pd.DataFrame
    emerging: pd.DataFrame
    cells: pd.DataFrame
    latest: pd.Timestamp | None
    change: stats.ChangeResult | None = None


def cube_tasking_counts(
    cube: Cube, f: RecordFilter, level: str, areas: pd.Series, offences: Sequence[str] = ()
) -> TaskingCounts:
    """``cube_area_counts`` for ``f`` (and ``offences``, the offence types; empty = all) and for the period
    before it, ``cube_emerging_totals`` and ``cube_cell_table`` — from one mask and two bincounts (area ×
    month, cell × month) rather than a mask and a bincount each, since the three periods differ only in
    their months."""
    from dataclasses import replace

    any_month = cube_mask(cube, replace(f, start=None, end=None), offences=tuple(offences))
    code = LEVELS[level][0]
    by_area = cube_area_months(cube, any_month, code)
    now = month_columns(cube, f.start, f.end)
    before = (
        month_columns(cube, *previous_period(f.start, f.end))
        if f.start is not None and f.end is not None
        else slice(0, 0)
    )
    cells = cube_area_months(cube, any_month, "cell")[:, now].sum(axis=1)
    return TaskingCounts(
        current=_code_frame(cube.labels[code], by_area[:, now].sum(axis=1)),
        previous=_code_frame(cube.labels[code], by_area[:, before].sum(axis=1)),
        emerging=_emerging_frame(cube, by_area, level, areas),
        cells=_cell_frame(cube, cells),
        latest=cube_latest_month(cube),
        change=_cube_change(cube, by_area, f),
    )


def _cube_change(cube: Cube, by_area: np.ndarray, f: RecordFilter) -> stats.ChangeResult | None:
    """``period_change`` of the filter's period from the area × month matrix (the months the cube spans)."""
    if f.start is None or f.end is None or cube.month0 is None:
        return None
    span = pd.date_range(cube.month0, periods=cube.months, freq="MS")
    monthly = pd.Series(by_area.sum(axis=0), index=span) if len(by_area) else pd.Series(0, index=span)
    return period_change(monthly, f.start, f.end, span)


def cube_area_counts(cube: Cube, mask: np.ndarray, level: str) -> pd.DataFrame:
    """``record_counts`` from the cube: area_code, count (areas with no records are absent)."""
    code = LEVELS[level][0]
    return _code_frame(cube.labels[code], cube_code_counts(cube, mask, code))


def cube_monthly_area_counts(cube: Cube, mask: np.ndarray, level: str) -> pd.DataFrame:
    """``monthly_area_counts`` from the cube: area_code, month, count."""
    code = LEVELS[level][0]
    labels = cube.labels[code]
    k, m = cube.codes[code], cube.codes["month"]
    ok = mask & (k >= 0) & (m >= 0)
    if not ok.any():
        return pd.DataFrame(
            {
                "area_code": pd.Series(dtype=str),
                "month": pd.Series(dtype="datetime64[ns]"),
                "count": pd.Series(dtype="int64"),
            }
        )
    flat = np.bincount(
        k[ok].astype(np.int64) * cube.months + m[ok], weights=cube.n[ok], minlength=len(labels) * cube.months
    ).astype(np.int64)
    nz = np.flatnonzero(flat)
    area, month = np.divmod(nz, cube.months)
    months = pd.date_range(cube.month0, periods=cube.months, freq="MS")
    return pd.DataFrame(
        {
            "area_code": np.asarray(labels, dtype=object)[area].astype(str),
            "month": months[month].to_numpy(),
            "count": flat[nz],
        }
    )


def _cell_frame(cube: Cube, counts: np.ndarray) -> pd.DataFrame:
    """The cells with records: key, count, centre, radius (circle area proportional to count) and tooltip."""
    keep = np.flatnonzero(counts > 0)
    n = counts[keep]
    top = max(int(n.max()), 1) if n.size else 1
    return pd.DataFrame(
        {
            "key": cube.cells["key"].to_numpy()[keep],
            "count": n,
            "lon": cube.cells["lon"].to_numpy()[keep],
            "lat": cube.cells["lat"].to_numpy()[keep],
            "radius": (maps.GRID_CELL_M / 2 * np.sqrt(n / top)).round(1),
            "tip": [_offences(c) for c in n.tolist()],
        }
    )


def cube_cell_table(cube: Cube, mask: np.ndarray) -> pd.DataFrame:
    """``cell_table`` from the cube: offences per 250 m cell with centre, radius and tooltip."""
    return _cell_frame(cube, cube_code_counts(cube, mask, "cell"))


def cube_latest_month(cube: Cube) -> pd.Timestamp | None:
    """The latest month with records (``records["month"].max()``)."""
    m = cube.codes["month"]
    if cube.month0 is None or not (m >= 0).any():
        return None
    return cube.month0 + pd.DateOffset(months=int(m.max()))


def cube_emerging_totals(cube: Cube, mask: np.ndarray, level: str, areas: pd.Series) -> pd.DataFrame:
    """``emerging_totals`` from the cube: the 12 months to the latest month in the data and the 12 before."""
    return _emerging_frame(cube, cube_area_months(cube, mask, LEVELS[level][0]), level, areas)


def _emerging_frame(cube: Cube, by_area: np.ndarray, level: str, areas: pd.Series) -> pd.DataFrame:
    """``emerging_totals`` from an area × month matrix of the cube: the 12 months to the latest month with
    records and the 12 before (``complete`` False when the records start later than the first of them)."""
    base = pd.Series(pd.Series(areas, dtype=str).unique())
    m = cube.codes["month"]
    if cube.month0 is None or not (m >= 0).any():
        z = np.zeros((len(base), 12))
        return _emerging_columns(base, z, z, False)
    last = int(m.max())
    # Each area's row in ``by_area`` (by code); areas the records never mention count 0.
    idx = pd.Index(cube.labels[LEVELS[level][0]], dtype=object).get_indexer(base.to_numpy())
    found = idx >= 0
    rows = by_area[np.maximum(idx, 0)] if len(by_area) else np.zeros((len(idx), cube.months), np.int64)
    rows = np.where(found[:, None], rows, 0).astype(float)
    # Pad on the left so a short history gives zero columns (and complete=False), not a shorter window.
    pad = max(23 - last, 0)
    rows = np.hstack([np.zeros((len(rows), pad)), rows[:, : last + 1]])[:, -24:]
    return _emerging_columns(base, rows[:, 12:], rows[:, :12], last >= 23)


def cube_has_times(cube: Cube) -> bool:
    """``has_times`` for the cube."""
    return bool((cube.codes["hour"] >= 0).any())


def cube_has_coordinates(cube: Cube, mask: np.ndarray | None = None) -> bool:
    """``has_coordinates`` for the (masked) cube."""
    ok = cube.codes["cell"] >= 0
    return bool((ok if mask is None else ok & mask).any())


def _label_totals(cube: Cube, dim: str) -> np.ndarray:
    """Records per label of ``dim`` (``n`` summed over the cube rows with each code)."""
    codes = cube.codes[dim]
    ok = codes >= 0
    return np.bincount(codes[ok], weights=cube.weight[ok], minlength=len(cube.labels[dim]))


def cube_offence_groups(cube: Cube) -> list[str]:
    """``offence_groups`` for the cube: the groups with at least one record, sorted.

    Groups the taxonomy knows but the records do not have (burglary, drugs, fraud: no record-level data in
    the simulation) are left out; chosen, they would draw an empty map ("up to 0").
    """
    totals = _label_totals(cube, "offence_group")
    return sorted(g for g, t in zip(cube.labels["offence_group"], totals, strict=True) if t > 0)


def cube_groups_without_records(cube: Cube) -> list[str]:
    """The offence groups the records have no row for ("Unclassified" aside), sorted: for a note beside the
    filter, so a user looking for them knows why they are missing."""
    totals = _label_totals(cube, "offence_group")
    return sorted(
        g for g, t in zip(cube.labels["offence_group"], totals, strict=True) if t == 0 and g != "Unclassified"
    )


def serious_violence_offences(cube: Cube) -> list[str]:
    """The London serious-violence definition's offence types (``svd.incidents.SERIOUS_VIOLENCE_OFFENCES``)
    that the records have, in the definition's order: the tasking pages' default offence filter."""
    from svd.incidents import SERIOUS_VIOLENCE_OFFENCES

    present = set(cube.labels.get("offence", ()))
    return [o for o in SERIOUS_VIOLENCE_OFFENCES if o in present]


def serious_violence_proxy_groups(groups: Sequence[str]) -> list[str]:
    """The offence groups of the published serious-violence proxy (``data/taxonomy.csv``'s
    serious_violence_proxy: homicide, violence with injury, rape, other sexual offences, personal robbery)
    among ``groups``, in their order: the default of the MPS ward counts, which have no offence types."""
    from svd.taxonomy import load_taxonomy

    tax = load_taxonomy()
    proxy = set(tax.loc[(tax["source"] == "mps") & tax["serious_violence_proxy"], "offence_group"])
    return [g for g in groups if g in proxy]


SERIOUS_VIOLENCE = "serious_violence"
ALL_OFFENCES = "all"


def offence_choices(cube: Cube) -> dict[str, str]:
    """The tasking pages' "Offences" choice, value → label: serious violence (the London definition's offence
    types, the default) first, then all offences, then each offence type the records have on its own."""
    from svd.temporal import offence_label

    # Short enough for a narrow filter column; the help text and the captions name the definition.
    head = {SERIOUS_VIOLENCE: "Serious violence", ALL_OFFENCES: "All offences"}
    if not serious_violence_offences(cube):
        head.pop(SERIOUS_VIOLENCE)
    return head | {o: offence_label(o) for o in sorted(cube.labels.get("offence", ()))}


def offences_for(choice: str, cube: Cube) -> list[str]:
    """The offence types an "Offences" choice (``offence_choices``) stands for; empty for all offences."""
    if choice == SERIOUS_VIOLENCE:
        return serious_violence_offences(cube)
    if choice == ALL_OFFENCES or choice not in cube.labels.get("offence", ()):
        return []
    return [choice]


def describe(f: RecordFilter, offences: Sequence[str] = (), serious_violence: Sequence[str] = ()) -> str:
    """``svd.filters.describe`` of ``f`` followed by the offence types (``offences_text``) when chosen."""
    from svd.filters import describe as describe_filter

    return "; ".join(p for p in (describe_filter(f), offences_text(offences, serious_violence)) if p)


def offences_text(offences: Sequence[str], serious_violence: Sequence[str]) -> str:
    """The offence filter in words: "" for all offences, "London-definition serious violence" for the
    definition's offence types, else their names ("GBH, ABH")."""
    from svd.temporal import offence_label

    if not offences:
        return ""
    if serious_violence and set(offences) == set(serious_violence):
        return "London-definition serious violence"
    return ", ".join(offence_label(o) for o in offences)


# ------------------------------------------------------------------------------------- the hotspots command


def area_statistics(
    records: pd.DataFrame, level: str, gdf, serious_violence: bool = True
) -> tuple[pd.DataFrame, dict]:
    """Every ward or LSOA with its count over the records' latest 12 months, Gi* (z, p, q, label) and the
    emerging label (the 12 months to the latest month against the 12 before) — what ``python -m svd hotspots``
    prints. ``serious_violence``: only the serious-violence proxy offences (the Hotspots page's default).

    Returns (the table, the context: period, offences counted and the two methods).
    """
    code, _ = LEVELS[level]
    recs = records
    if serious_violence and "serious_violence_proxy" in recs.columns:
        recs = recs[recs["serious_violence_proxy"].fillna(False).astype(bool).to_numpy()]
    areas = area_frame(gdf, level)
    latest = pd.Timestamp(records["month"].max())
    periods = agg.latest_periods([latest])
    current = record_counts(recs[recs["month"].isin(periods.current).to_numpy()], level)
    counts = areas.merge(current, on="area_code", how="left").fillna({"count": 0})
    counts = counts.astype({"count": "int64"})
    shapes = gdf[[code, gdf.geometry.name]].rename(columns={code: "area_code"})
    shapes = shapes.assign(value=shapes["area_code"].map(counts.set_index("area_code")["count"]).fillna(0))
    gi = gi_labels(shapes, "value")
    em = emerging_labels(monthly_area_counts(recs, level), areas["area_code"], latest)
    out = counts.merge(gi, on="area_code", how="left").merge(
        em[["area_code", "last_12m", "prior_12m", "emerging", "emerging_p", "emerging_q"]],
        on="area_code",
        how="left",
    )
    context = {
        "period": periods.label,
        "emerging_period": f"{periods.label} against {periods.previous_label}",
        "offences": "serious violence (MPS proxy categories)" if serious_violence else "all offences",
        "gi_method": stats.GI_METHOD_DETAIL,
        "emerging_method": str(em["emerging_method"].iloc[0]) if len(em) else "",
    }
    return out.sort_values("area_code").reset_index(drop=True), context


def selection_pattern(
    f: RecordFilter,
    all_groups: Sequence[str],
    ward_codes: Sequence[str],
    lsoa_codes: Sequence[str] | None = None,
    lsoa_ward: Mapping[str, str] | pd.Series | None = None,
    cube: Cube | None = None,
    table: pd.DataFrame | None = None,
) -> tuple[PublicPattern, bool]:
    """Public mode's pattern for the selection ``f`` (from the record ``cube`` by ward and LSOA, else the MPS
    ward ``table``) and whether it has sensitive parts (then the 250 m squares are not drawn: a square of
    "All" less the same square of "Exclude flagged" would give a hidden flagged count away)."""
    from svd import public

    flags = cube is not None
    parts = sensitive_part_filters(f, all_groups, flags)
    if cube is not None:
        whole = cube_area_pair(cube, f, ward_codes, lsoa_codes)
        part_counts = [cube_area_pair(cube, p, ward_codes, lsoa_codes) for p in parts]
    else:
        whole = mps_area_pair(table, f, ward_codes)
        part_counts = [mps_area_pair(table, p, ward_codes) for p in parts]
    sensitive = public.is_sensitive(f.offence_groups or all_groups, f.domestic_abuse)
    return public_pattern(whole, part_counts, lsoa_ward, sensitive), bool(parts)


def public_statistics(table: pd.DataFrame, records: pd.DataFrame, level: str, serious_violence: bool = True):
    """``area_statistics``' table as public mode may publish it (``python -m svd hotspots`` with SVD_PUBLIC=1):
    the same rule as the Hotspots page (``svd.public.selection_hidden``: every sensitive offence group in the
    selection protected by ward, the selection hidden wherever a part is), counts shown as "<5" or "[c]", the
    emerging label of a hidden row blanked, and no z, p or q values nor the other 12-month window's counts
    (each would give a hidden count back). ValueError with ``svd.public.LSOA_NOTE`` for sensitive LSOAs."""
    from svd import public

    recs = records
    if serious_violence and "serious_violence_proxy" in recs.columns:
        recs = recs[recs["serious_violence_proxy"].fillna(False).astype(bool).to_numpy()]
    groups = sorted(str(g) for g in recs["offence_group"].dropna().unique())
    sensitive = public.is_sensitive(groups)
    if not public.level_allowed(level, sensitive, public=True):
        raise ValueError(public.LSOA_NOTE)
    out = table[["area_code", "area_name", "count", "hotspot", "emerging"]]
    if not public.needs_suppression(level, sensitive):
        return out
    code, _ = LEVELS[level]
    periods = agg.latest_periods([pd.Timestamp(records["month"].max())])
    now = recs[recs["month"].isin(periods.current).to_numpy()]
    codes = out["area_code"].astype(str)
    whole = pd.Series(out["count"].to_numpy(), index=codes.to_numpy())
    parts = []
    for g in groups:
        if g in public.sensitive_groups():
            c = now.loc[(now["offence_group"] == g).to_numpy(), code].astype(str).value_counts()
            parts.append((c.reindex(codes.to_numpy(), fill_value=0), None))
    hidden, primary = public.selection_hidden((whole, None), parts, None, sensitive)
    mask = codes.isin(hidden).to_numpy()
    shown = out.assign(count=public.show_hidden(out, "area_code", "count", hidden, primary))
    # Blank (None, never "nan") for a hidden row.
    emerging = [None if m else e for m, e in zip(mask, shown["emerging"], strict=True)]
    return shown.assign(emerging=pd.Series(emerging, index=shown.index, dtype=object))
