"""The London map page's figures: every London ward (679, official MPS counts) or the LSOAs of chosen boroughs
(simulated records), with a ranked table, London percentiles, a pydeck map and its legend.

One call per filter change: ``view(store, geography, choice, …)`` returns everything the page lays out. The
counts come from ``svd.londonstore`` (DuckDB over Parquet); the polygons are built once per server by
``geography`` (the page's cache keeps them). Public mode (``svd.public``): no time filters, no LSOAs for a
sensitive selection, and ward counts of sensitive offences protected within each borough (primary and
secondary suppression, and wherever a sensitive part of the selection is hidden).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pydeck

from svd import london, maps, public
from svd import londonstore as ls
from svd.geo import area_display_name
from svd.london_compare import percentile
from svd.provenance import Provenance

SERIOUS_VIOLENCE = "serious_violence"
ALL_OFFENCES = "all"
LEVELS = {"ward": "Wards (all London)", "lsoa": "LSOAs (chosen boroughs)"}
MEASURES = {"rate_per_1000": "Rate per 1,000 residents", "offences": "Offences"}
PUBLIC_TIME_NOTE = (
    "Public mode: the time-of-day and weekday filters are off (one window less another could give hidden "
    "counts away)."
)
WARD_TIME_NOTE = (
    "Time of day and weekdays apply to the LSOA level only: the MPS ward counts are monthly totals."
)
PERCENTILE_HELP = (
    "The share of London's other areas with a lower rate (ties count half): 100 = the highest in London."
)


@dataclass(frozen=True)
class Geography:
    """The London map's shapes, built once: ward and LSOA polygons for deck.gl (``maps.deck_polygons``), the
    borough outlines (compact GeoJSON per E09 code), each borough's bounds (lon/lat) and name."""

    ward_polygons: pd.DataFrame
    lsoa_polygons: pd.DataFrame
    lsoa_borough: dict[str, str]
    outlines: dict[str, dict]
    bounds: dict[str, tuple[float, float, float, float]]
    names: dict[str, str]


def geography(data_dir: Path | None = None) -> Geography:
    """The shapes of the 32 MPS boroughs (the City of London, policed by the City of London Police, left out)."""
    wards = london.wards(data_dir)
    wards = wards[wards["borough_code"] != ls.CITY_OF_LONDON].reset_index(drop=True)
    lsoas = london.lsoas(data_dir)
    lsoas = lsoas[lsoas["borough_code"] != ls.CITY_OF_LONDON].reset_index(drop=True)
    boroughs = wards.dissolve(by="borough_code").reset_index()
    # Outlines simplified to ~20 m: drawn as lines over the areas, not measured.
    simple = boroughs[["borough_code", "geometry"]].assign(geometry=boroughs.geometry.simplify(0.0002))
    outlines = {
        str(code): maps.round_coordinates(
            maps.strip_properties(json.loads(simple.iloc[[i]].to_json()), ()), 4
        )
        for i, code in enumerate(simple["borough_code"])
    }
    return Geography(
        ward_polygons=maps.deck_polygons(wards, "ward_code"),
        lsoa_polygons=maps.deck_polygons(lsoas, "lsoa_code"),
        lsoa_borough=dict(
            zip(lsoas["lsoa_code"].astype(str), lsoas["borough_code"].astype(str), strict=True)
        ),
        outlines=outlines,
        bounds={
            str(c): tuple(float(v) for v in g.bounds)
            for c, g in zip(boroughs["borough_code"], boroughs.geometry, strict=True)
        },
        names=dict(zip(lsoas["borough_code"].astype(str), lsoas["borough_name"].astype(str), strict=False)),
    )


def fit_view(bounds: tuple[float, float, float, float]) -> dict:
    """The initial map view fitting ``bounds`` (lon/lat) as ``maps.VIEW`` fits Barking and Dagenham."""
    minx, miny, maxx, maxy = bounds
    lat = (miny + maxy) / 2
    north_south_km = (maxy - miny) * 111.32
    east_west_km = (maxx - minx) * 111.32 * math.cos(math.radians(lat)) / 1.6  # the map is ~1.6 × as wide
    zoom = maps.VIEW["zoom"] - math.log2(max(north_south_km, east_west_km) / maps.VIEW_FIT_KM)
    return {"latitude": round(lat, 4), "longitude": round((minx + maxx) / 2, 4), "zoom": round(zoom, 2)} | {
        "pitch": 0,
        "bearing": 0,
    }


def hours_in(window: tuple[int, int] | None) -> tuple[int, ...] | None:
    """The hours 0–23 of a time window (first hour, hour after the last; (21, 6) wraps past midnight)."""
    if window is None:
        return None
    a, b = window
    return tuple(range(a, b)) if a < b else tuple(range(a, 24)) + tuple(range(0, b))


def _union(bounds: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return (
        min(b[0] for b in bounds),
        min(b[1] for b in bounds),
        max(b[2] for b in bounds),
        max(b[3] for b in bounds),
    )


# ------------------------------------------------------------------------------------------------ offences


def _mps_taxonomy() -> pd.DataFrame:
    from svd.taxonomy import load_taxonomy

    tax = load_taxonomy()
    return tax[tax["source"] == "mps"]


def offence_choices(store: ls.LondonStore) -> dict[str, str]:
    """The "Offences" choice, value → label: the serious-violence proxy (default), all offences, then each MPS
    offence group the store has (``data/taxonomy.csv``)."""
    have = set(store.offences()["minor"].astype(str))
    tax = _mps_taxonomy()
    groups = sorted(set(tax.loc[tax["minor"].isin(have), "offence_group"]))
    head = {SERIOUS_VIOLENCE: "Serious violence (MPS proxy)", ALL_OFFENCES: "All offences"}
    return head | {g: g for g in groups}


def offence_groups(choice: str) -> list[str]:
    """The offence groups a choice stands for (all groups for "all offences")."""
    tax = _mps_taxonomy()
    if choice == SERIOUS_VIOLENCE:
        return sorted(set(tax.loc[tax["serious_violence_proxy"].astype(bool), "offence_group"]))
    if choice == ALL_OFFENCES:
        return sorted(set(tax["offence_group"]))
    return [choice]


def _minors(groups: list[str]) -> tuple[str, ...]:
    tax = _mps_taxonomy()
    return tuple(sorted(tax.loc[tax["offence_group"].isin(groups), "minor"].astype(str)))


def _describe_offences(choice: str) -> str:
    if choice == SERIOUS_VIOLENCE:
        return "serious violence, MPS proxy"
    return "all offences" if choice == ALL_OFFENCES else choice.lower()


# ------------------------------------------------------------------------------------------------ the view


@dataclass(frozen=True)
class Choice:
    """What the page's filters chose. ``start``/``end``: ``YYYY-MM``; LSOA level only: ``window`` (first hour,
    hour after the last; it may wrap past midnight; None = all hours, as ``ui.filters.TIME_WINDOWS``) and
    ``days`` (0 = Monday; empty = every day); ``boroughs``: E09 codes of the LSOA level (empty: the
    partnership's)."""

    level: str = "ward"
    offences: str = SERIOUS_VIOLENCE
    start: str | None = None
    end: str | None = None
    window: tuple[int, int] | None = None
    days: tuple[int, ...] = ()
    boroughs: tuple[str, ...] = ()
    measure: str = "rate_per_1000"


@dataclass(frozen=True)
class LondonMapView:
    """Everything the London map page shows for one choice."""

    level: str
    headline: str
    provenance: Provenance
    notes: list[str]
    deck: pydeck.Deck
    legend: pd.DataFrame
    legend_title: str
    ranked: pd.DataFrame
    features: int
    hidden: bool

    @property
    def simulated(self) -> bool:
        """True at the LSOA level (simulated records)."""
        return self.provenance.simulated


def _counts_by_ward(t: pd.DataFrame) -> dict[str, float]:
    return dict(zip(t["ward_code"].astype(str), t["offences"].astype(float), strict=True))


def _protect(table: pd.DataFrame, parts: list[pd.DataFrame], sensitive: bool) -> tuple[set[str], set[str]]:
    """(hidden, primary) ward codes of a sensitive selection, protected within each borough (whose totals the
    dashboard publishes): ``svd.public.selection_hidden`` per borough, with the sensitive parts' ward counts."""
    whole = _counts_by_ward(table)
    part_counts = [_counts_by_ward(t) for t in parts]
    hidden: set[str] = set()
    primary: set[str] = set()
    for _, ward_codes in table.groupby("borough_code", sort=True)["ward_code"]:
        codes = ward_codes.astype(str).tolist()

        def series(counts: dict[str, float], codes=codes) -> pd.Series:
            return pd.Series([counts.get(c, 0.0) for c in codes], index=codes, dtype="float64")

        h, p = public.selection_hidden(
            (series(whole), None), [(series(c), None) for c in part_counts], None, sensitive
        )
        hidden |= h
        primary |= p
    return hidden, primary


def view(
    store: ls.LondonStore,
    geo: Geography,
    choice: Choice,
    partnership: str,
    public_on: bool = False,
    basemap: bool = False,
    height: int = 560,
) -> LondonMapView:
    """The London map for ``choice``: wards (official) or the chosen boroughs' LSOAs (simulated), with the
    partnership's borough (``partnership``, E09) outlined; public mode applied when ``public_on``."""
    notes: list[str] = []
    groups = offence_groups(choice.offences)
    sensitive = public.is_sensitive(groups)
    level = choice.level if choice.level in LEVELS else "ward"
    hours, weekdays = hours_in(choice.window), (tuple(d + 1 for d in choice.days) if choice.days else None)
    if public_on and (hours is not None or weekdays is not None):
        hours = weekdays = None
        notes.append(PUBLIC_TIME_NOTE)
    if level == "lsoa" and not public.level_allowed("lsoa", sensitive, public_on):
        level = "ward"
        notes.append(public.LSOA_NOTE)
    if level == "ward" and (hours is not None or weekdays is not None):
        hours = weekdays = None
        notes.append(WARD_TIME_NOTE)
    minors = None if choice.offences == ALL_OFFENCES else _minors(groups)
    f = ls.Filters(start=choice.start, end=choice.end, minors=minors, hours=hours, weekdays=weekdays)
    base = ls.london_map(store, level, f)
    table = base.table.copy()
    if level == "lsoa":  # "039B · Canning Town South", as everywhere in the app (geo.area_display_name)
        table["lsoa_name"] = lsoa_display_names(store, table)
    code, name = ("ward_code", "ward_name") if level == "ward" else ("lsoa_code", "lsoa_name")
    method_extra = ""
    hidden: set[str] = set()
    primary: set[str] = set()
    if public_on and sensitive and level == "ward":
        parts = [
            store.ward_rates(replace(f, minors=_minors([g])))
            for g in public.sensitive_parts(groups, groups)
            if len(groups) > 1
        ]
        hidden, primary = _protect(table, parts, sensitive)
        method_extra = "; public mode: sensitive counts of 1 to 4 hidden within each borough"
    is_hidden = table[code].astype(str).isin(hidden)
    shown_rate = table["rate_per_1000"].astype(float).mask(is_hidden)
    # London percentile among the areas whose rate is shown: a hidden area's place would betray its rate.
    table["london_percentile"] = percentile(shown_rate)
    table["rate_per_1000"] = shown_rate
    boroughs = tuple(choice.boroughs) or (partnership,)
    if level == "lsoa":
        table = table[table["borough_code"].astype(str).isin(boroughs)].reset_index(drop=True)
        is_hidden = pd.Series(False, index=table.index)
    table["offences_shown"] = (
        public.show_hidden(table, code, "offences", hidden, primary)
        if hidden
        else table["offences"].map(lambda x: "" if pd.isna(x) else f"{int(x):,}")
    )
    measure = choice.measure if choice.measure in MEASURES else "rate_per_1000"
    values = table.assign(
        value=table[measure].astype(float).mask(is_hidden.to_numpy()),
        name=table[name].astype(str),
        tip=[_tip(r, level, measure) for r in table.to_dict(orient="records")],
    )
    breaks = maps.class_breaks(values["value"])
    polygons = geo.ward_polygons if level == "ward" else geo.lsoa_polygons
    if level == "lsoa":
        polygons = polygons[polygons["code"].isin(set(table[code].astype(str)))]
    rows = maps.choropleth_rows(
        polygons, values.assign(code=values[code].astype(str)), "code", "value", breaks
    )
    frame_bounds = (
        _union(list(geo.bounds.values()))
        if level == "ward"
        else _union([geo.bounds[b] for b in boroughs if b in geo.bounds] or list(geo.bounds.values()))
    )
    deck = maps.hotspot_deck(
        rows,
        geo.outlines.get(partnership, {"type": "FeatureCollection", "features": []}),
        None,
        pd.DataFrame(columns=["name", "lon", "lat", "kind"]),
        basemap=basemap,
        height=height,
        period=base.provenance.period,
        view=fit_view(frame_bounds),
    )
    legend = maps.legend(breaks, values=values["value"], integer=measure == "offences")
    provenance = base.provenance.but(
        filters=f"{_describe_offences(choice.offences)}; {f.describe()}"
        + (f"; boroughs: {', '.join(geo.names.get(b, b) for b in boroughs)}" if level == "lsoa" else ""),
        method=base.provenance.method
        + f"; London percentile among all London's {'wards' if level == 'ward' else 'LSOAs'}"
        + (" (those with a hidden count left out)" if hidden else "")
        + method_extra,
    )
    return LondonMapView(
        level=level,
        headline=_headline(table, level, base.provenance.period, choice.offences, hidden, geo, boroughs),
        provenance=provenance,
        notes=notes,
        deck=deck,
        legend=legend,
        legend_title=MEASURES[measure],
        ranked=_ranked(table, level, measure, code, name),
        features=len({r["code"] for r in rows}),
        hidden=bool(hidden),
    )


def lsoa_display_names(store: ls.LondonStore, table: pd.DataFrame) -> list[str]:
    """Each row's LSOA as people read it ("039B · Canning Town South": ``svd.geo.area_display_name`` with the
    LSOA's best-fit ward from the store), for ``table``'s ``lsoa_name`` and ``ward_code`` columns."""
    wards = store.sql("SELECT ward_code, ward_name FROM wards")
    ward_name = dict(zip(wards["ward_code"].astype(str), wards["ward_name"].astype(str), strict=True))
    return [
        area_display_name(n, ward_name.get(str(w)) if pd.notna(w) else None)
        for n, w in zip(table["lsoa_name"], table["ward_code"], strict=True)
    ]


def _tip(r: dict, level: str, measure: str) -> str:
    """A tooltip's lines as plain text (the deck's template escapes them)."""
    rate = r["rate_per_1000"]
    pct = r["london_percentile"]
    lines = [
        r["borough_name"],
        f"Offences: {r['offences_shown'] if 'offences_shown' in r else r['offences']}",
        f"Rate per 1,000 residents: {'not shown' if pd.isna(rate) else f'{rate:.2f}'}",
        f"London percentile: {'not shown' if pd.isna(pct) else f'{pct:.0f}'}",
    ]
    if level == "lsoa":
        lines.append("Simulated records")
    return "\n".join(str(x) for x in lines)


def _ranked(table: pd.DataFrame, level: str, measure: str, code: str, name: str) -> pd.DataFrame:
    """Every area shown, highest first by the measure (hidden ones last), with its London percentile."""
    t = table.assign(
        _v=table[measure].astype(float).mask(table["rate_per_1000"].isna() & (measure != "offences"))
    )
    if "offences_shown" in t and t["offences_shown"].isin([f"<{public.THRESHOLD}", "[c]"]).any():
        t = t.assign(_v=t["_v"].mask(t["offences_shown"].isin([f"<{public.THRESHOLD}", "[c]"])))
    t = t.sort_values(["_v", code], ascending=[False, True], na_position="last").reset_index(drop=True)
    t.insert(0, "rank", [i + 1 if pd.notna(v) else None for i, v in enumerate(t["_v"])])
    out = t[
        [
            "rank",
            code,
            name,
            "borough_name",
            "offences_shown",
            "residents",
            "rate_per_1000",
            "london_percentile",
        ]
    ]
    return out.rename(columns={code: "area_code", name: "area_name", "offences_shown": "offences"}).astype(
        {"rank": "Int64"}
    )


def _headline(
    table: pd.DataFrame, level: str, period: str, choice: str, hidden: set, geo: Geography, boroughs
) -> str:
    what = _describe_offences(choice)
    shown = table.dropna(subset=["rate_per_1000"])
    if shown.empty or int(table["offences"].sum(skipna=True)) == 0:
        return f"No offences ({what}) in {period}."
    top = shown.sort_values("rate_per_1000", ascending=False).iloc[0]
    name = top["ward_name"] if level == "ward" else top["lsoa_name"]
    if level == "ward":
        where = f"across London's {len(table):,} wards"
        total = f"{int(table['offences'].sum()):,} offences ({what}) in {period} {where}"
    else:
        names = [geo.names.get(b, b) for b in boroughs]
        names_text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        total = (
            f"{int(table['offences'].sum(skipna=True)):,} offences ({what}) in {period} in the "
            f"{len(table):,} LSOAs of {names_text} (simulated records)"
        )
    return (
        f"{total}; highest rate: {name} ({top['borough_name']}), {top['rate_per_1000']:.1f} per 1,000 "
        "residents."
    )
