"""Boundaries, the LSOA→ward lookup, places, point-in-polygon assignment and compact GeoJSON map layers.

Display CRS is EPSG:4326; every distance, buffer and area is computed in British National Grid (EPSG:27700).
Loaders read the reference files under ``svd.config.data_dir()`` (or an explicit ``data_dir``), keep what they
read in the caller's ``svd.reference.Reference`` (none: read afresh), keyed by resolved path and borough, and
return copies so a caller cannot alter what is kept. LSOAs are placed in wards with the ONS
best-fit lookup, never by polygon overlay (LSOAs do not nest exactly in the generalised ward polygons).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from svd import config
from svd.reference import Reference, current, kept

DISPLAY_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:27700"

WARDS_FILE = "geo/wards_2022_barking_dagenham.geojson"
LSOAS_FILE = "geo/lsoa_2021_barking_dagenham.geojson"
LOOKUP_FILE = "geo/lsoa_2021_to_ward_lookup_barking_dagenham.csv"
BOROUGH_FILE = "geo/borough_outline_barking_dagenham.geojson"
LONDON_FILE = "geo/london_boroughs_2022.geojson"
PLACES_FILE = "geo/places_barking_dagenham.csv"

PLACE_METHODS = ("station_buffer", "point_buffer", "ward", "lsoa_set")
PLACE_KINDS = ("priority", "outreach")
LAYERS = ("wards", "lsoas", "borough", "london", "priority_places")

# Simplification tolerance for map layers, metres in EPSG:27700: invisible at borough zoom, and it keeps the
# LSOA layer small enough to ship to the browser on every page view.
SIMPLIFY_TOLERANCE_M = 10.0
COORD_DECIMALS = 5  # ~1 m at London's latitude

# A places row is approximate when its source says so (the parks are unverified pins; one station's grid
# reference is rounded to 100 m). Derived from the data, not from a list of names.
_APPROX_SOURCE = re.compile(r"approximate|not authoritative|unverified|rounded", re.IGNORECASE)

_AREA_COLUMNS = ["lsoa_code", "lsoa_name", "ward_code", "ward_name"]


def _resolve(data_dir: Path | None) -> Path:
    """The data directory as an absolute path (part of every key kept)."""
    return Path(data_dir if data_dir is not None else config.data_dir()).expanduser().resolve()


def _default_definitions() -> Path:
    return (config.borough_definitions_dir() / "places.json").resolve()


def _code() -> str:
    """The partnership's borough code: part of every key kept below, so switching borough reads afresh."""
    return config.borough().code


def _file(code: str, key: str) -> str | None:
    """The borough's own file for ``key`` (``config.borough_files``), or None: read the London-wide files."""
    return config.borough_files(code).get(key)


def geojson_crs(doc: dict) -> str:
    """The CRS a GeoJSON document declares (its legacy ``crs`` member), else WGS84 as RFC 7946 says."""
    name = str(((doc.get("crs") or {}).get("properties") or {}).get("name", ""))
    epsg = re.search(r"EPSG::?(\d+)$", name)
    return f"EPSG:{epsg.group(1)}" if epsg else DISPLAY_CRS  # (OGC CRS84 is WGS84 lon/lat)


def _read_geo(path: Path) -> gpd.GeoDataFrame:
    # Read with json and shapely, not GDAL (pyogrio): loading GDAL's library alone adds ~45 MB to the server's
    # memory, for a few small GeoJSON files.
    with Path(path).open(encoding="utf-8") as fh:
        doc = json.load(fh)
    features = doc.get("features") or []
    gdf = gpd.GeoDataFrame.from_features(features, crs=geojson_crs(doc))
    props = list(dict.fromkeys(k for f in features for k in (f.get("properties") or {})))
    gdf = gdf[[*props, "geometry"]] if features else gpd.GeoDataFrame(geometry=[], crs=geojson_crs(doc))
    return gdf.to_crs(DISPLAY_CRS)


# ---------------------------------------------------------------------------------------------- boundaries


@kept
def _wards(ref: Reference, root: Path, code: str) -> gpd.GeoDataFrame:
    if _file(code, "wards_file") is None:
        from svd import london

        return london.wards(root, code)[["ward_code", "ward_name", "geometry"]]
    raw = _read_geo(root / _file(code, "wards_file"))
    out = raw.rename(columns={"WD22CD": "ward_code", "WD22NM": "ward_name"})[
        ["ward_code", "ward_name", "geometry"]
    ]
    return out.sort_values("ward_code").reset_index(drop=True)


def wards(data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """The borough's May-2022 wards (19 in Barking and Dagenham): ward_code, ward_name, geometry (EPSG:4326)."""
    return _wards(current(), _resolve(data_dir), _code()).copy()


@kept
def _lookup(ref: Reference, root: Path, code: str) -> pd.DataFrame:
    if _file(code, "lookup_file") is None:
        from svd import london

        # The GLA's best-fit lookup (2022 wards, as the MPS ward files).
        return london.gla_lookup(root, code)[["lsoa_code", "lsoa_name", "ward_code", "ward_name"]]
    raw = pd.read_csv(root / _file(code, "lookup_file"), dtype=str)
    # The lookup carries 2025 ward codes; SOURCES.md notes they are identical to the 19 2022 wards.
    out = raw.rename(
        columns={
            "LSOA21CD": "lsoa_code",
            "LSOA21NM": "lsoa_name",
            "WD25CD": "ward_code",
            "WD25NM": "ward_name",
        }
    )[["lsoa_code", "lsoa_name", "ward_code", "ward_name"]]
    out = out.apply(lambda s: s.str.strip())
    return out.sort_values("lsoa_code").reset_index(drop=True)


def lsoa_ward_lookup(data_dir: Path | None = None) -> pd.DataFrame:
    """The ONS best-fit LSOA 2021 → ward lookup: lsoa_code, lsoa_name, ward_code, ward_name."""
    return _lookup(current(), _resolve(data_dir), _code()).copy()


@kept
def _lsoas(ref: Reference, root: Path, code: str) -> gpd.GeoDataFrame:
    if _file(code, "lsoas_file") is None:
        from svd import london

        raw = london.lsoas(root, code).rename(
            columns={"lsoa_code": "lsoa21cd", "lsoa_name": "lsoa21nm", "msoa_code": "msoa21cd"}
        )
    else:
        raw = _read_geo(root / _file(code, "lsoas_file"))
    shapes = raw.rename(columns={"lsoa21cd": "lsoa_code", "lsoa21nm": "lsoa_name", "msoa21cd": "msoa_code"})[
        ["lsoa_code", "lsoa_name", "msoa_code", "geometry"]
    ]
    lookup = _lookup(ref, root, code)[["lsoa_code", "ward_code", "ward_name"]]
    out = shapes.merge(lookup, on="lsoa_code", how="left", validate="one_to_one")
    out = out[["lsoa_code", "lsoa_name", "msoa_code", "ward_code", "ward_name", "geometry"]]
    return (
        gpd.GeoDataFrame(out, geometry="geometry", crs=DISPLAY_CRS)
        .sort_values("lsoa_code")
        .reset_index(drop=True)
    )


def lsoas(data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """The borough's 2021 LSOAs (115 in Barking and Dagenham) with msoa_code and their best-fit ward (from the
    lookup, not overlay)."""
    return _lsoas(current(), _resolve(data_dir), _code()).copy()


@kept
def _borough(ref: Reference, root: Path, code: str) -> gpd.GeoDataFrame:
    if _file(code, "outline_file") is None:
        london = _london(ref, root)
        return london[london["borough_code"] == code].reset_index(drop=True)
    raw = _read_geo(root / _file(code, "outline_file"))
    out = raw.rename(columns={"LAD22CD": "borough_code", "LAD22NM": "borough_name"})
    if "borough_code" not in out.columns:
        chosen = config.borough()
        out = out.assign(borough_code=chosen.code, borough_name=chosen.name)
    return out[["borough_code", "borough_name", "geometry"]].reset_index(drop=True)


def borough_outline(data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """The borough outline: one row, borough_code, borough_name, geometry."""
    return _borough(current(), _resolve(data_dir), _code()).copy()


@kept
def _london(ref: Reference, root: Path) -> gpd.GeoDataFrame:
    raw = _read_geo(root / LONDON_FILE)
    out = raw.rename(columns={"LAD22CD": "borough_code", "LAD22NM": "borough_name"})
    return (
        out[["borough_code", "borough_name", "geometry"]].sort_values("borough_code").reset_index(drop=True)
    )


def london_boroughs(data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """The 33 London local authorities: borough_code, borough_name, geometry."""
    return _london(current(), _resolve(data_dir)).copy()


def area_km2(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    """Area of each geometry in km², measured in EPSG:27700."""
    return gdf.to_crs(METRIC_CRS).area / 1e6


# ------------------------------------------------------------------------------------------------- places


def _to_bool(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip().str.lower().isin(["true", "1", "yes", "y", "t"])


class PlacesUnavailable(ValueError):
    """The optional places file (stations and parks) cannot be read; the message says why, in plain words."""


def _read_places(path: Path) -> pd.DataFrame:
    """The places CSV as text, or ``PlacesUnavailable`` saying what is wrong (never a codec or parser dump)."""
    what = f"The places file ({path.name}, stations and parks) could not be read"
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise PlacesUnavailable(f"{what}: it is missing.") from None
    except UnicodeDecodeError:
        raise PlacesUnavailable(
            f"{what}: it is not UTF-8 text (damaged, or saved in another encoding)."
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, ValueError):
        raise PlacesUnavailable(f"{what}: it is not a readable CSV table.") from None
    needed = ["type", "name", "lat", "lon", "WD22CD", "WD22NM", "in_bd", "source"]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise PlacesUnavailable(f"{what}: it has no {', '.join(missing)} column.")
    return raw


@kept
def _places(ref: Reference, root: Path, code: str) -> gpd.GeoDataFrame:
    if _file(code, "places_file") is None:
        # No places (stations and parks) are defined for this borough: none are drawn.
        return no_places()
    raw = _read_places(root / _file(code, "places_file"))
    lat = pd.to_numeric(raw["lat"], errors="coerce")
    lon = pd.to_numeric(raw["lon"], errors="coerce")
    # A row without usable coordinates cannot be a place on the map; it is left out (there are none today).
    ok = lat.between(-90, 90) & lon.between(-180, 180)
    raw, lat, lon = raw[ok], lat[ok], lon[ok]
    source = raw["source"].str.strip()
    kind_text = raw["type"].str.strip()
    out = pd.DataFrame(
        {
            # "park (APPROXIMATE)" -> "park": the qualifier lives in the `approximate` column.
            "place_type": kind_text.str.extract(r"^\s*(\w+)", expand=False).str.lower(),
            "name": raw["name"].str.strip(),
            "ward_code": raw["WD22CD"].str.strip().replace("", pd.NA),
            "ward_name": raw["WD22NM"].str.strip().replace("", pd.NA),
            "in_borough": _to_bool(raw["in_bd"]),
            "approximate": source.str.contains(_APPROX_SOURCE) | kind_text.str.contains(_APPROX_SOURCE),
            "source": source,
        }
    )
    gdf = gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(lon, lat), crs=DISPLAY_CRS)
    return gdf.reset_index(drop=True)


def no_places() -> gpd.GeoDataFrame:
    """``places()`` with no rows (same columns): what a map shows when the places file cannot be read."""
    cols = {c: pd.Series(dtype="str") for c in ("place_type", "name", "ward_code", "ward_name", "source")}
    cols |= {"in_borough": pd.Series(dtype=bool), "approximate": pd.Series(dtype=bool)}
    frame = pd.DataFrame(cols)[
        ["place_type", "name", "ward_code", "ward_name", "in_borough", "approximate", "source"]
    ]
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=DISPLAY_CRS), crs=DISPLAY_CRS)


def places(data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """Stations and parks: place_type, name, ward_code, ward_name, in_borough, approximate, source, geometry."""
    return _places(current(), _resolve(data_dir), _code()).copy()


def load_place_definitions(path: Path | None = None) -> list[dict]:
    """The borough's place definitions (``places.json`` in its definitions folder), checked: unique ids, known
    kinds and methods. A borough without the file has no places (an empty list)."""
    path = Path(path) if path is not None else _default_definitions()
    if not path.is_file():
        return []
    doc = json.loads(path.read_text(encoding="utf-8"))
    defs = doc["places"]
    ids = [d["id"] for d in defs]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: duplicate place ids")
    for d in defs:
        if d["kind"] not in PLACE_KINDS:
            raise ValueError(f"{path}: place {d['id']}: unknown kind {d['kind']!r}")
        if d["method"] not in PLACE_METHODS:
            raise ValueError(f"{path}: place {d['id']}: unknown method {d['method']!r}")
    return defs


def _point_27700(pts: gpd.GeoDataFrame, name: str, station_only: bool, place_id: str):
    mask = pts["name"].str.casefold() == name.casefold()
    if station_only:
        mask &= pts["place_type"] == "station"
    hit = pts[mask]
    if len(hit) != 1:
        what = "station" if station_only else "place"
        raise ValueError(f"place {place_id}: {what} {name!r} matches {len(hit)} rows of the places file")
    row = hit.iloc[0]
    return hit.to_crs(METRIC_CRS).geometry.iloc[0], bool(row["approximate"])


def _describe(d: dict) -> str:
    """A one-sentence, human-readable account of how a place's polygon is drawn."""
    p = d["parameters"]
    if d["method"] == "station_buffer":
        head = f"Within {p['radius_m']} m of {p['station']} station (TfL point), clipped to the borough."
    elif d["method"] == "point_buffer":
        head = f"Within {p['radius_m']} m of the {p['place']} point, clipped to the borough."
    elif d["method"] == "ward":
        head = f"{p['ward_name']} ward (the 2021 LSOAs best-fitted to it)."
    elif p["lsoa_codes"]:
        head = f"The {len(p['lsoa_codes'])} LSOA(s) {', '.join(p['lsoa_codes'])}."
    else:
        head = "Not located: no polygon."
    note = d.get("note", "").strip()
    return f"{head} {note}".strip()


@kept
def _priority_places(ref: Reference, root: Path, definitions: Path, code: str) -> gpd.GeoDataFrame:
    defs = load_place_definitions(definitions)
    if not defs:
        cols = ["place_id", "name", "kind", "method", "definition"]
        frame = pd.DataFrame({c: pd.Series(dtype="str") for c in cols}).assign(
            approximate=pd.Series(dtype=bool)
        )
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=DISPLAY_CRS), crs=DISPLAY_CRS)
    try:
        pts = _places(ref, root, code)
    except PlacesUnavailable as exc:
        # Places defined by a station or park cannot be located; the others (wards, LSOAs) still can.
        pts, unavailable = None, str(exc)
    lsoa_m = _lsoas(ref, root, code).to_crs(METRIC_CRS)
    outline = _borough(ref, root, code).to_crs(METRIC_CRS).geometry.union_all()
    rows = []
    for d in defs:
        p = d["parameters"]
        approx = bool(d.get("approximate", False))
        if d["method"] in ("station_buffer", "point_buffer") and pts is None:
            geom, approx = shapely.Polygon(), True
        elif d["method"] in ("station_buffer", "point_buffer"):
            key = p["station"] if d["method"] == "station_buffer" else p["place"]
            point, point_approx = _point_27700(pts, key, d["method"] == "station_buffer", d["id"])
            # Clipped because every count the dashboard has stops at the borough boundary.
            geom = point.buffer(float(p["radius_m"]), quad_segs=16).intersection(outline)
            approx = approx or point_approx
        elif d["method"] == "ward":
            members = lsoa_m[lsoa_m["ward_name"].str.casefold() == p["ward_name"].casefold()]
            if members.empty:
                raise ValueError(f"place {d['id']}: no LSOA is best-fitted to ward {p['ward_name']!r}")
            geom = members.geometry.union_all()
        else:
            codes = list(p["lsoa_codes"])
            unknown = sorted(set(codes) - set(lsoa_m["lsoa_code"]))
            if unknown:
                raise ValueError(f"place {d['id']}: unknown LSOA codes {unknown}")
            members = lsoa_m[lsoa_m["lsoa_code"].isin(codes)]
            # An empty set is a place the strategy names but the data cannot locate: kept, with no polygon.
            geom = members.geometry.union_all() if codes else shapely.Polygon()
            approx = approx or not codes
        rows.append(
            {
                "place_id": d["id"],
                "name": d["name"],
                "kind": d["kind"],
                "method": d["method"],
                "definition": (
                    f"Not located: {unavailable} {_describe(d)}"
                    if pts is None and d["method"] in ("station_buffer", "point_buffer")
                    else _describe(d)
                ),
                "approximate": approx,
                "geometry": geom,
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS).to_crs(DISPLAY_CRS)
    return gdf.astype({"approximate": bool})


def priority_places(data_dir: Path | None = None, definitions: Path | None = None) -> gpd.GeoDataFrame:
    """Priority places and outreach areas as polygons built from geo/places.json and the reference data.

    Columns place_id, name, kind ("priority" | "outreach"), method, definition, approximate, geometry
    (EPSG:4326). A place that cannot be located has an empty geometry.
    """
    defs = Path(definitions).resolve() if definitions is not None else _default_definitions()
    return _priority_places(current(), _resolve(data_dir), defs, _code()).copy()


@kept
def _place_lsoas(ref: Reference, root: Path, definitions: Path, code: str) -> pd.DataFrame:
    defs = {d["id"]: d for d in load_place_definitions(definitions)}
    pp = _priority_places(ref, root, definitions, code).to_crs(METRIC_CRS)
    ls = _lsoas(ref, root, code).to_crs(METRIC_CRS)
    parts = []
    # Places made of whole LSOAs cover exactly those LSOAs (share 1); overlaying the union with the LSOAs
    # would only add floating-point slivers along the shared edges.
    for pid in pp.loc[pp["method"].isin(["ward", "lsoa_set"]), "place_id"]:
        p = defs[pid]["parameters"]
        if defs[pid]["method"] == "ward":
            codes = ls.loc[ls["ward_name"].str.casefold() == p["ward_name"].casefold(), "lsoa_code"]
        else:
            codes = pd.Series(sorted(p["lsoa_codes"]), dtype="str")
        parts.append(pd.DataFrame({"place_id": pid, "lsoa_code": codes.to_numpy(), "share": 1.0}))
    buffers = pp[pp["method"].isin(["station_buffer", "point_buffer"]) & ~pp.geometry.is_empty]
    if not buffers.empty:
        cells = ls[["lsoa_code", "geometry"]].assign(lsoa_area=ls.area)
        hits = gpd.overlay(buffers[["place_id", "geometry"]], cells, how="intersection", keep_geom_type=True)
        share = (hits.area / hits["lsoa_area"]).clip(upper=1.0)
        parts.append(
            pd.DataFrame({"place_id": hits["place_id"], "lsoa_code": hits["lsoa_code"], "share": share})
        )
    out = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["place_id", "lsoa_code", "share"])
    )
    # A circle grazing an LSOA by less than a square metre is not coverage.
    out = out[out["share"] * ls.set_index("lsoa_code").area.reindex(out["lsoa_code"]).to_numpy() >= 1.0]
    order = {pid: i for i, pid in enumerate(pp["place_id"])}
    out = out.assign(_o=out["place_id"].map(order)).sort_values(["_o", "lsoa_code"]).drop(columns="_o")
    return out.astype({"place_id": "str", "lsoa_code": "str", "share": float}).reset_index(drop=True)


def place_lsoas(data_dir: Path | None = None, definitions: Path | None = None) -> pd.DataFrame:
    """For each place, the LSOAs it covers: place_id, lsoa_code, share of the LSOA's area inside the place."""
    defs = Path(definitions).resolve() if definitions is not None else _default_definitions()
    return _place_lsoas(current(), _resolve(data_dir), defs, _code()).copy()


def places_for_lsoas(
    df: pd.DataFrame, lsoa_col: str = "lsoa_code", data_dir: Path | None = None, min_share: float = 0.0
) -> pd.DataFrame:
    """Records (with an LSOA code) × the places whose polygon covers part of that LSOA.

    Returns a new frame: one row per (record, place) pair with the record's columns plus place_id and share;
    records in no place are dropped. ``min_share`` keeps only LSOAs at least that much inside the place.
    """
    pl = place_lsoas(data_dir)
    pl = pl[pl["share"] >= min_share].rename(columns={"lsoa_code": lsoa_col})
    return df.merge(pl, on=lsoa_col, how="inner")


# A priority place names an area when it covers at least this share of it: a 500 m circle grazing a corner
# of an LSOA does not make the LSOA part of the town centre.
PLACE_NAME_MIN_SHARE = 0.1


def area_display_name(area_name: str, ward_name: str | None = None, place: str | None = None) -> str:
    """The name people read for an area: "015F · Abbey (Barking Town Centre)" for an LSOA, "Abbey (Barking
    Town Centre)" for a ward.

    ``area_name`` is the LSOA's ONS name ("Barking and Dagenham 015F": its last word is kept) or the ward's
    name; ``ward_name`` is the LSOA's best-fit ward (None for a ward); ``place`` the priority place covering
    it, if any. The one definition of an area's display name, for the map, tooltip, tables and downloads.
    """
    name = str(area_name).strip()
    head = f"{name.rsplit(' ', 1)[-1]} \u00b7 {ward_name}" if ward_name else name
    return f"{head} ({place})" if place else head


def with_display_names(
    frame: pd.DataFrame, names: pd.DataFrame, code_col: str = "code", name_col: str = "name"
) -> pd.DataFrame:
    """A copy of ``frame`` whose ``name_col`` is the display name (``names``: area_code, area_name, as from
    ``area_display_names``) of its ``code_col``; a code without one keeps its name."""
    lookup = dict(zip(names["area_code"].astype(str), names["area_name"], strict=True))
    shown = frame[code_col].astype(str).map(lookup)
    return frame.assign(**{name_col: shown.fillna(frame[name_col]).to_numpy()})


def area_display_names(
    level: str,
    data_dir: Path | None = None,
    definitions: Path | None = None,
    min_share: float = PLACE_NAME_MIN_SHARE,
) -> pd.DataFrame:
    """area_code, area_name (``area_display_name``), ward_name and priority_place of every ward or LSOA.

    An area's priority place is the one (kind "priority" in geo/places.json) covering the largest share of
    it, when that share is at least ``min_share``; a ward's share is summed over its best-fit LSOAs.
    """
    if level not in ("ward", "lsoa"):
        raise ValueError(f"unknown level {level!r}; expected 'ward' or 'lsoa'")
    root, ref = _resolve(data_dir), current()
    defs = Path(definitions).resolve() if definitions is not None else _default_definitions()
    code = _code()
    ls = _lsoas(ref, root, code)
    pp = _priority_places(ref, root, defs, code)
    shares = _place_lsoas(ref, root, defs, code).merge(
        pp.loc[pp["kind"] == "priority", ["place_id", "name"]], on="place_id"
    )
    if level == "lsoa":
        areas = ls[["lsoa_code", "lsoa_name", "ward_name"]].set_axis(
            ["area_code", "name", "ward_name"], axis=1
        )
        cover = shares.rename(columns={"lsoa_code": "area_code"})[["area_code", "name", "share"]]
    else:
        wd = _wards(ref, root, code)
        areas = wd[["ward_code", "ward_name"]].set_axis(["area_code", "name"], axis=1).assign(ward_name=None)
        # A ward's share of a place: the covered area of its best-fit LSOAs over the area of those LSOAs.
        size = ls[["lsoa_code", "ward_code"]].assign(m2=ls.to_crs(METRIC_CRS).area.to_numpy())
        part = shares.merge(size, on="lsoa_code")
        covered = part.assign(m2=part["share"] * part["m2"]).groupby(["ward_code", "name"], as_index=False)[
            "m2"
        ]
        total = size.groupby("ward_code")["m2"].sum()
        cover = covered.sum().assign(share=lambda d: d["m2"] / d["ward_code"].map(total).to_numpy())
        cover = cover.rename(columns={"ward_code": "area_code"})[["area_code", "name", "share"]]
    best = (
        cover[cover["share"] >= min_share]
        .sort_values(["share", "name"], ascending=[False, True])
        .drop_duplicates("area_code")
        .set_index("area_code")["name"]
    )
    place = areas["area_code"].map(best)
    display = [
        area_display_name(n, w if isinstance(w, str) else None, p if isinstance(p, str) else None)
        for n, w, p in zip(areas["name"], areas["ward_name"], place, strict=True)
    ]
    return pd.DataFrame(
        {
            "area_code": areas["area_code"].astype(str).to_numpy(),
            "area_name": display,
            "ward_name": areas["ward_name"].to_numpy(),
            "priority_place": place.to_numpy(),
        }
    ).reset_index(drop=True)


# --------------------------------------------------------------------------------------- point-in-polygon


@kept
def _lsoa_index(ref: Reference, root: Path, code: str) -> tuple[shapely.STRtree, np.ndarray]:
    ls = _lsoas(ref, root, code)
    geoms = ls.geometry.values
    shapely.prepare(geoms)
    return shapely.STRtree(geoms), ls[_AREA_COLUMNS].to_numpy(dtype=object)


def assign_areas(
    df: pd.DataFrame, lon: str = "longitude", lat: str = "latitude", data_dir: Path | None = None
) -> pd.DataFrame:
    """A new frame with lsoa_code, lsoa_name, ward_code, ward_name added by point-in-polygon on 2021 LSOAs.

    Points outside every LSOA of the borough, or with missing / non-numeric coordinates, get NA. Existing
    columns of those names are replaced. The ward comes from the best-fit lookup.
    """
    missing = [c for c in (lon, lat) if c not in df.columns]
    if missing:
        raise ValueError(f"assign_areas: column(s) {missing} not in frame")
    tree, attrs = _lsoa_index(current(), _resolve(data_dir), _code())
    x = pd.to_numeric(df[lon], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(df[lat], errors="coerce").to_numpy(dtype=float)
    valid = np.isfinite(x) & np.isfinite(y)
    pos = np.flatnonzero(valid)
    match = np.full(len(df), -1, dtype=np.int64)
    if len(pos):
        points = shapely.points(x[pos], y[pos])
        pt_idx, poly_idx = tree.query(points, predicate="intersects")
        # A point on a shared boundary touches two LSOAs; keep the first (lowest code) so each point gets one.
        order = np.lexsort((poly_idx, pt_idx))
        pt_idx, poly_idx = pt_idx[order], poly_idx[order]
        first = np.unique(pt_idx, return_index=True)[1]
        match[pos[pt_idx[first]]] = poly_idx[first]
    out = df.copy()
    found = match >= 0
    for j, col in enumerate(_AREA_COLUMNS):
        values = np.full(len(df), None, dtype=object)
        values[found] = attrs[match[found], j]
        out[col] = pd.Series(values, index=df.index, dtype="str")
    return out


# ---------------------------------------------------------------------------------------------- GeoJSON


def _layer_frame(ref: Reference, name: str, root: Path, code: str) -> tuple[gpd.GeoDataFrame, bool]:
    """The frame behind a map layer and whether it is a coverage (polygons sharing edges)."""
    if name == "wards":
        return _wards(ref, root, code), True
    if name == "lsoas":
        # ward_code only (no ward_name): the layer has to stay small, and names join on the code.
        return _lsoas(ref, root, code)[["lsoa_code", "lsoa_name", "ward_code", "geometry"]], True
    if name == "borough":
        return _borough(ref, root, code), False
    if name == "london":
        return _london(ref, root), True
    pp = _priority_places(ref, root, _default_definitions(), code)
    return pp[~pp.geometry.is_empty][["place_id", "name", "kind", "approximate", "geometry"]], False


@kept
def _layer_text(ref: Reference, name: str, root: Path, code: str) -> str:
    gdf, coverage = _layer_frame(ref, name, root, code)
    metric = gdf.to_crs(METRIC_CRS)
    if coverage:
        # Coverage simplification moves each shared edge once, so neighbours keep a common border.
        simple = metric.geometry.simplify_coverage(SIMPLIFY_TOLERANCE_M)
    else:
        simple = metric.geometry.simplify(SIMPLIFY_TOLERANCE_M, preserve_topology=True)
    geoms = gpd.GeoSeries(simple, crs=METRIC_CRS).to_crs(DISPLAY_CRS)
    geoms = shapely.transform(geoms.to_numpy(), lambda c: np.round(c, COORD_DECIMALS))
    # Rounding can make neighbouring vertices coincide; dropping the repeats changes nothing on screen.
    geoms = shapely.remove_repeated_points(geoms)
    props = gdf.drop(columns="geometry")
    features = []
    for rec, geom in zip(props.to_dict(orient="records"), geoms, strict=True):
        clean = {
            k: (None if pd.isna(v) else (bool(v) if isinstance(v, np.bool_) else v)) for k, v in rec.items()
        }
        features.append({"type": "Feature", "properties": clean, "geometry": shapely.geometry.mapping(geom)})
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, separators=(",", ":"))


def layer_geojson(name: str, data_dir: Path | None = None) -> dict:
    """A compact GeoJSON FeatureCollection (EPSG:4326) for a map layer.

    ``name`` is one of "wards", "lsoas", "borough", "london", "priority_places". Geometries are simplified
    (10 m), coordinates rounded to 5 decimals; properties are only codes and names.
    """
    if name not in LAYERS:
        raise ValueError(f"unknown layer {name!r}; expected one of {LAYERS}")
    return json.loads(_layer_text(current(), name, _resolve(data_dir), _code()))
