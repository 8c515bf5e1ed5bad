"""Map building blocks: class breaks and legends, choropleth GeoJSON, a 250 m point grid and the pydeck deck.

Everything here is pure (no Streamlit): pages pass in frames and compact GeoJSON from ``svd.geo.layer_geojson``
and get back new dicts / frames / a ``pydeck.Deck``. The map has no basemap by default (``map_provider=None``)
so it works offline and needs no map-service key.
"""

from __future__ import annotations

import copy
import html
import json
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pydeck
from pydeck.bindings.json_tools import default_serialize
from pyproj import Transformer

# Viridis sampled at 5 points: colour-blind safe and ordered in lightness, so classes read in greyscale too.
VIRIDIS = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))
NO_DATA = (200, 200, 200)
FILL_ALPHA = 190
GRID_CELL_M = 250
# Centre of the borough's bounding box; zoom that fits its 9.7 km north to south in the 560 px tall map.
VIEW = {"latitude": 51.5557, "longitude": 0.1284, "zoom": 11.3, "pitch": 0, "bearing": 0}

# The choropleth and the grid go to deck.gl as offsets from the borough centre (deck.gl's
# COORDINATE_SYSTEM.METER_OFFSETS), the polygons in whole tens of metres (scaled back by the layer's model
# matrix) in flat [x1, y1, x2, y2, …] arrays: a third of the characters of 4-decimal longitude/latitude pairs,
# which matters because the map message is re-sent on every filter change.
METER_OFFSETS = "meter-offsets"  # deck.gl 9's COORDINATE_SYSTEM.METER_OFFSETS (a string since 9.0, not 2)
ORIGIN = (VIEW["longitude"], VIEW["latitude"])
# VIEW fits Barking and Dagenham's 9.7 km north to south at zoom 11.3; another borough is fitted the same way.
VIEW_FIT_KM = 9.7


def map_view(data_dir=None) -> dict:
    """The map's initial view for the partnership's borough: VIEW for Barking and Dagenham (unchanged), else the
    centre of its outline's bounding box at the zoom that fits it as VIEW fits Barking and Dagenham."""
    from svd import config, geo

    if config.borough().is_default:
        return dict(VIEW)
    minx, miny, maxx, maxy = (float(v) for v in geo.borough_outline(data_dir).total_bounds)
    lat = (miny + maxy) / 2
    north_south_km = (maxy - miny) * 111.32
    # The map is about 1.6 times as wide as it is tall on the page.
    east_west_km = (maxx - minx) * 111.32 * math.cos(math.radians(lat)) / 1.6
    zoom = VIEW["zoom"] - math.log2(max(north_south_km, east_west_km) / VIEW_FIT_KM)
    return {"latitude": round(lat, 4), "longitude": round((minx + maxx) / 2, 4), "zoom": round(zoom, 2)} | {
        "pitch": 0,
        "bearing": 0,
    }


def map_origin() -> tuple[float, float]:
    """(lon, lat) the map's metre offsets are measured from: the centre of the partnership's borough."""
    v = map_view()
    return (v["longitude"], v["latitude"])


POLYGON_UNIT_M = 10  # like the 4-decimal rounding before it (7 m by 11 m here)
# Polygon simplification for the interactive map only: about a pixel and a half at the default zoom (~19 m a
# pixel). 30 m rather than 25 m: 3 KB less on every LSOA map message.
DECK_TOLERANCE_M = 30
# Areas are drawn shrunk by half this on every side, so a white gap of ~1.5 pixels at the default zoom
# separates neighbours: it reads like a 1-pixel white border, but costs nothing to draw. deck.gl's stroke (its
# path shader) took ~90 ms of every LSOA map redraw in software WebGL (bench/README.md).
AREA_GAP_M = 30
# deck.gl's model matrix (column-major 4 × 4) from POLYGON_UNIT_M units to metres, for polygons and squares.
_UNIT_MATRIX = [POLYGON_UNIT_M, 0, 0, 0, 0, POLYGON_UNIT_M, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
_EARTH_CIRCUMFERENCE_M = 40.03e6  # web-mercator constants as deck.gl (math.gl) uses them
_WORLD = 512

_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
_TO_WGS = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
# Grid keys pack (column, row) of the 250 m cell into one int64; BNG eastings/northings are < 1,300 km.
_KEY_BASE = 10_000


def value_step(values: Sequence[float] | pd.Series) -> float:
    """The resolution the legend shows: 1 for whole numbers (counts), else 0.01 (rates are given to 2 dp)."""
    v = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce").dropna().to_numpy()
    return 1.0 if v.size == 0 or np.all(np.isclose(v, np.round(v))) else 0.01


def _snap_down(x: float, step: float) -> float:
    """``x`` rounded down to a multiple of ``step`` (guarding 3.45 * 100 = 344.999…)."""
    return round(float(np.floor(round(x / step, 6)) * step), 10)


def quantile_bins(values: np.ndarray, k: int) -> np.ndarray:
    """``mapclassify.Quantiles(values, k).bins``, computed as mapclassify does, without importing it.

    mapclassify's import brings scikit-learn and matplotlib (~95 MB of the server's memory) for a rule this
    short: the ``100/k``-th percentiles by ``scipy.stats.scoreatpercentile``'s linear interpolation, unique.
    tests/test_lean.py checks it equals mapclassify's bins exactly.
    """
    v = np.sort(np.asarray(values, dtype=float).ravel())
    w = 100.0 / k
    pcts = np.arange(w, 100 + w, w)
    if pcts[-1] > 100.0:
        pcts[-1] = 100.0
    out = []
    for pct in pcts:
        idx = pct / 100.0 * (v.size - 1)
        i = int(idx)
        if i == idx:
            out.append(v[i] / 1.0)
        else:
            j = i + 1
            lo, hi = j - idx, idx - i
            out.append((v[i] * lo + v[j] * hi) / (lo + hi))
    return np.unique(np.array(out))


def class_breaks(values: Sequence[float] | pd.Series, k: int = 5, step: float | None = None) -> list[float]:
    """Upper bounds of up to ``k`` quantile classes (``mapclassify.Quantiles``), ascending and unique.

    The one classifier of every map (on screen and the PNG export). Bounds are snapped down to the values'
    ``step`` (``value_step``: 1 for counts) so that classes read as whole, non-overlapping ranges ("242–250",
    "251–340"): with whole-number values nothing lies between 250 and a quantile of 250.4. The last bound is
    the maximum.
    """
    v = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce").dropna().to_numpy()
    if v.size == 0:
        return []
    step = value_step(v) if step is None else step
    # Ties (many zeros, few areas) collapse quantiles; mapclassify then returns fewer classes.
    k = max(1, min(k, int(np.unique(v).size)))
    bins = quantile_bins(v, k)
    return sorted({_snap_down(float(b), step) for b in bins} | {_snap_down(float(v.max()), step)})


def classify(values: Sequence[float] | pd.Series, breaks: Sequence[float]) -> np.ndarray:
    """Class index of each value (0 = lowest); -1 for missing values or when there are no breaks.

    A value equal to a bound joins the lower class; values above the last bound join the last class.
    """
    v = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce").to_numpy()
    if not len(breaks):
        return np.full(v.size, -1, dtype=int)
    idx = np.searchsorted(np.asarray(breaks, dtype=float), v, side="left")
    idx = np.minimum(idx, len(breaks) - 1)
    return np.where(np.isnan(v), -1, idx).astype(int)


def palette_for(n: int) -> list[tuple[int, int, int]]:
    """``n`` colours from the viridis ramp (spread over its whole range)."""
    if n <= 0:
        return []
    picks = np.linspace(0, len(VIRIDIS) - 1, n).round().astype(int) if n < len(VIRIDIS) else range(n)
    return [VIRIDIS[min(i, len(VIRIDIS) - 1)] for i in picks]


def _fmt(x: float, step: float) -> str:
    decimals = 0 if step >= 1 else max(0, int(round(-np.log10(step))))
    return f"{x:,.{decimals}f}"


def class_labels(breaks: Sequence[float], lowest: float | None = None, step: float = 1.0) -> list[str]:
    """The range of each class as text, never overlapping: "0–185", "186–225", … (``step`` apart).

    ``lowest`` is the smallest value shown (the first class's lower bound); without it the first class reads
    "up to 185". A class whose range is one value reads as that value.
    """
    labels = []
    lo = None if lowest is None else _snap_down(float(lowest), step)
    for i, hi in enumerate(breaks):
        if i > 0:
            lo = _snap_down(float(breaks[i - 1]), step) + step
        if lo is None:
            labels.append(f"up to {_fmt(hi, step)}")
        elif _fmt(lo, step) == _fmt(hi, step) or lo > hi:
            labels.append(_fmt(hi, step))
        else:
            labels.append(f"{_fmt(lo, step)}\u2013{_fmt(hi, step)}")
    return labels


def class_edges(values: Sequence[float] | pd.Series, breaks: Sequence[float]) -> list[float] | None:
    """``breaks`` (upper bounds) with the lowest value first: the class edges ``svd.export.map_png`` takes,
    so the PNG shows the classes of the screen. None when there is nothing to class."""
    v = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce").dropna()
    if not len(breaks) or v.empty:
        return None
    return [min(float(v.min()), float(breaks[0])), *(float(b) for b in breaks)]


def legend(
    breaks: Sequence[float],
    palette: Sequence[tuple[int, int, int]] | None = None,
    values: Sequence[float] | pd.Series | None = None,
    integer: bool = True,
) -> pd.DataFrame:
    """The legend as a table: class, range label, colour (hex) and, when ``values`` are given, areas per class.

    Ranges come from ``class_labels``: from the lowest value when ``values`` are given, whole numbers when
    ``integer``, else two decimals.
    """
    palette = list(palette) if palette is not None else palette_for(len(breaks))
    step = 1.0 if integer else 0.01
    v = None if values is None else pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce")
    lowest = None if v is None or v.dropna().empty else float(v.min())
    labels = class_labels(breaks, lowest, step)
    rows = []
    for i, label in enumerate(labels):
        r, g, b = palette[i]
        rows.append({"class": i + 1, "range": label, "colour": f"#{r:02x}{g:02x}{b:02x}"})
    out = pd.DataFrame(rows, columns=["class", "range", "colour"])
    if v is not None:
        cls = classify(v, breaks)
        out = out.assign(areas=[int((cls == i).sum()) for i in range(len(breaks))])
    return out


def legend_html(legend_table: pd.DataFrame) -> str:
    """The legend (from ``legend``) as a small HTML table with a colour swatch beside each range."""
    # Three columns (the swatch beside its class number), so the table fits the narrow column beside a map.
    rows = "".join(
        f"<tr><td style='white-space:nowrap'><span style='display:inline-block;width:1.4em;height:0.9em;"
        f"background:{r['colour']};border:1px solid #0b0c0c;vertical-align:middle' aria-hidden='true'></span>"
        f" {int(r['class'])}</td>"
        f"<td style='white-space:nowrap'>{html.escape(str(r['range']))}</td><td style='text-align:right'>{html.escape(str(r.get('areas', '')))}</td></tr>"
        for r in legend_table.to_dict(orient="records")
    )
    return (
        "<table class='svd-legend' style='width:100%;font-size:0.9em'><thead><tr><th>Class</th>"
        f"<th>Range</th><th>Areas</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _clean(v):
    """A JSON-safe scalar (numpy → python, NaN/NA → None)."""
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        return v
    if isinstance(v, np.generic):
        return v.item()
    return v


def _mercator(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = _WORLD * (np.radians(lon) + np.pi) / (2 * np.pi)
    y = _WORLD * (np.pi + np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))) / (2 * np.pi)
    return x, y


def metre_offsets(lon, lat, origin: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """East and north offsets in metres from ``origin`` (lon, lat), as deck.gl's METER_OFFSETS mode reads them.

    deck.gl turns an offset (dx, dy) into web-mercator units as (dx·(u + k·dy), dy·u), u and k being its
    distance scales at the origin; this inverts that, so a vertex lands where its longitude/latitude would.
    """
    lon0, lat0 = origin if origin is not None else map_origin()
    cos0 = np.cos(np.radians(lat0))
    u = _WORLD / _EARTH_CIRCUMFERENCE_M / cos0
    per_degree_y = _WORLD / 360 / cos0
    k = (
        (_WORLD / _EARTH_CIRCUMFERENCE_M)
        * (np.radians(1) * np.tan(np.radians(lat0)) / cos0)
        / per_degree_y
        * u
    )
    x, y = _mercator(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    x0, y0 = _mercator(np.asarray(lon0, dtype=float), np.asarray(lat0, dtype=float))
    dy = (y - y0) / u
    return (x - x0) / (u + k * dy), dy


def deck_polygons(
    gdf, code_col: str, tolerance_m: float = DECK_TOLERANCE_M, gap_m: float = AREA_GAP_M, clip=None
) -> pd.DataFrame:
    """code, polygon: each polygon (one row per part of a multi-polygon) as a flat list of offsets in whole
    ``POLYGON_UNIT_M`` (tens of metres) from ``ORIGIN``.

    Coverage simplification in British National Grid moves each shared edge once, so neighbours keep a common
    border; each area is then shrunk by ``gap_m / 2`` (mitred corners) to leave a ``gap_m`` gap between
    neighbours. Holes are dropped (none of the ward or LSOA boundaries has one). With ``clip`` (the borough
    outline, a GeoDataFrame) each area is cut to it: the LSOAs' full-extent boundaries reach into the Thames,
    past the outline drawn over them. Built once per boundary set.
    """
    import geopandas as gpd
    import shapely

    metric = gdf.to_crs("EPSG:27700")
    simple = gpd.GeoSeries(metric.geometry.simplify_coverage(tolerance_m), crs=metric.crs)
    if gap_m:
        simple = simple.buffer(-gap_m / 2, join_style="mitre")
    if clip is not None:
        simple = simple.intersection(clip.to_crs("EPSG:27700").geometry.union_all())
    simple = simple.to_crs("EPSG:4326")
    rows = []
    for code, geom in zip(gdf[code_col].astype(str), simple, strict=True):
        for part in shapely.get_parts(geom):
            if not isinstance(part, shapely.Polygon) or part.area <= 0:
                continue  # a clip can leave a stray line or point where an area touches the outline
            xy = np.asarray(part.exterior.coords)[:-1]  # deck.gl closes rings itself
            dx, dy = metre_offsets(xy[:, 0], xy[:, 1])
            flat = (np.column_stack([dx, dy]) / POLYGON_UNIT_M).round().astype(int)
            keep = np.r_[True, (np.diff(flat, axis=0) != 0).any(axis=1)]  # repeats after rounding
            rows.append({"code": code, "polygon": flat[keep].ravel().tolist()})
    return pd.DataFrame(rows, columns=["code", "polygon"])


def _whole(v):
    """A float that is a whole number as an int (250 rather than 250.0 in the map message)."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


def choropleth_rows(
    polygons: pd.DataFrame,
    values_df: pd.DataFrame,
    key: str,
    value_col: str,
    breaks: Sequence[float],
    palette: Sequence[tuple[int, int, int]] | None = None,
) -> list[dict]:
    """The rows of the map's PolygonLayer: ``deck_polygons`` joined to ``values_df`` by code, with a fill colour.

    Each row carries polygon, fill ([r, g, b] from the class of ``value_col``; grey for no row or a missing
    value), code, and count, name and tip when ``values_df`` has them. The fill's transparency is the layer's
    ``opacity`` (``FILL_ALPHA``), not repeated on every row.
    """
    palette = list(palette) if palette is not None else palette_for(len(breaks))
    rows = values_df.drop_duplicates(key)
    codes = rows[key].astype(str).tolist()
    cls = dict(zip(codes, classify(rows[value_col], breaks).tolist(), strict=True))
    extra = [c for c in ("count", "name", "tip") if c in rows.columns]
    props = {c: [_whole(_clean(v)) for v in rows[c].tolist()] for c in extra}
    by_code = {code: {c: props[c][i] for c in extra} for i, code in enumerate(codes)}
    out = []
    for code, polygon in zip(polygons["code"], polygons["polygon"], strict=True):
        c = cls.get(code, -1)
        out.append(
            {
                "polygon": polygon,
                "fill": list(palette[c] if c >= 0 else NO_DATA),  # alpha is the layer's opacity
                "code": code,
                **by_code.get(code, {}),
            }
        )
    return out


def grid_keys(
    lon: Sequence[float] | pd.Series, lat: Sequence[float] | pd.Series, cell_m: int = GRID_CELL_M
) -> np.ndarray:
    """The ``cell_m`` grid cell (in EPSG:27700) of each point as one int64 key; -1 where coordinates are missing."""
    x = pd.to_numeric(pd.Series(lon), errors="coerce").to_numpy(dtype="float64")
    y = pd.to_numeric(pd.Series(lat), errors="coerce").to_numpy(dtype="float64")
    ok = np.isfinite(x) & np.isfinite(y)
    keys = np.full(x.size, -1, dtype=np.int64)
    if ok.any():
        e, n = _TO_BNG.transform(x[ok], y[ok])
        col = np.floor(np.asarray(e) / cell_m).astype(np.int64)
        row = np.floor(np.asarray(n) / cell_m).astype(np.int64)
        keys[ok] = col * _KEY_BASE + row
    return keys


def grid_counts(keys: np.ndarray | pd.Series, cell_m: int = GRID_CELL_M) -> pd.DataFrame:
    """Points per grid cell: key, count, and the cell centre as lon/lat (EPSG:4326, 5 decimals)."""
    k = np.asarray(keys, dtype=np.int64)
    k = k[k >= 0]
    uniq, counts = np.unique(k, return_counts=True)
    e = (uniq // _KEY_BASE + 0.5) * cell_m
    n = (uniq % _KEY_BASE + 0.5) * cell_m
    lon, lat = _TO_WGS.transform(e, n) if uniq.size else (np.array([]), np.array([]))
    return pd.DataFrame(
        {"key": uniq, "count": counts.astype("int64"), "lon": np.round(lon, 5), "lat": np.round(lat, 5)}
    )


def cells_inside(cells: pd.DataFrame, outline, cell_m: int = GRID_CELL_M) -> pd.DataFrame:
    """``cells`` (key, lon, lat…) with each square whose centre lies outside ``outline`` (the borough, a
    GeoDataFrame) drawn at a point of the part of the square inside it, so no circle sits in the Thames or a
    neighbouring borough. Every square keeps its row and count (the cube indexes them); a square with no part
    inside (records placed in an LSOA's full-extent boundary, out on the river) gets no position (NaN), and
    ``hotspot_deck`` does not draw it.
    """
    import geopandas as gpd
    import shapely

    if cells.empty:
        return cells.copy()
    area = outline.to_crs("EPSG:27700").geometry.union_all()
    shapely.prepare(area)
    keys = cells["key"].to_numpy(dtype=np.int64)
    c, r = keys // _KEY_BASE, keys % _KEY_BASE
    centres = shapely.points((c + 0.5) * cell_m, (r + 0.5) * cell_m)
    outside = ~shapely.contains_xy(area, (c + 0.5) * cell_m, (r + 0.5) * cell_m)
    if not outside.any():
        return cells.copy()
    squares = shapely.box(
        c[outside] * cell_m, r[outside] * cell_m, (c[outside] + 1) * cell_m, (r[outside] + 1) * cell_m
    )
    inside = shapely.intersection(squares, area)
    empty = shapely.area(inside) < 1.0  # m²: touching the boundary along an edge is not being inside
    points = np.where(empty, centres[outside], shapely.point_on_surface(inside))
    lonlat = gpd.GeoSeries(points, crs="EPSG:27700").to_crs("EPSG:4326")
    lon, lat = cells["lon"].to_numpy(dtype=float).copy(), cells["lat"].to_numpy(dtype=float).copy()
    lon[outside] = np.where(empty, np.nan, np.round(lonlat.x.to_numpy(), 5))
    lat[outside] = np.where(empty, np.nan, np.round(lonlat.y.to_numpy(), 5))
    return cells.assign(lon=lon, lat=lat)


def cell_polygons(cells: pd.DataFrame, cell_m: int = GRID_CELL_M) -> list[list[list[float]]]:
    """The square outline (lon/lat ring) of each grid cell, for a PolygonLayer."""
    rings = []
    for key in cells["key"].to_numpy():
        c, r = divmod(int(key), _KEY_BASE)
        xs = np.array([c, c + 1, c + 1, c]) * cell_m
        ys = np.array([r, r, r + 1, r + 1]) * cell_m
        lon, lat = _TO_WGS.transform(xs, ys)
        rings.append([[round(a, 5), round(b, 5)] for a, b in zip(lon, lat, strict=True)])
    return rings


LABEL_SIZE = 13  # px, the TextLayer's size
# Width of a character of the label font (deck.gl's default, Monaco or the system monospace: 0.6 em) as a
# share of its size, a little over, so an estimate errs towards moving a label rather than printing two on
# top of each other. (A web font here drew tiny labels: the glyph atlas is built before the font loads.)
LABEL_CHAR_EM = 0.62
LABEL_GAP_PX = 8  # clear of both labels' white halos (outline_width 3) with a visible gap between them


def labels_frame(places, priority, zoom: float = VIEW["zoom"]) -> pd.DataFrame:
    """Text labels for the map: priority places (label at the polygon's centre) and stations, laid out so no
    two overlap at ``zoom`` (``place_labels``); priority places first, so a station gives way to them."""
    st_ = places[(places["place_type"] == "station") & places["in_borough"]]
    rows = []
    pr = priority[(priority["kind"] == "priority") & ~priority.geometry.is_empty]
    for name, geom in zip(pr["name"], pr.geometry, strict=True):
        pt = geom.representative_point()
        rows.append({"name": name, "lon": round(pt.x, 5), "lat": round(pt.y, 5), "kind": "priority place"})
    names = [n.casefold() for n in pr["name"]]
    for n, g in zip(st_["name"], st_.geometry, strict=True):
        # A station named inside a priority place ("Barking" in "Barking Town Centre") would print on it.
        if not any(n.casefold() in m for m in names):
            rows.append({"name": n, "lon": round(g.x, 5), "lat": round(g.y, 5), "kind": "station"})
    return place_labels(pd.DataFrame(rows, columns=["name", "lon", "lat", "kind"]), zoom)


def label_boxes(labels: pd.DataFrame, zoom: float = VIEW["zoom"], size: float = LABEL_SIZE) -> np.ndarray:
    """Each label's box on screen at ``zoom`` as (left, top, right, bottom) in pixels of the web-mercator
    world, centred on its point and moved by its ``offset`` ([dx, dy] pixels) when it has one."""
    x, y = _mercator(labels["lon"].to_numpy(dtype=float), labels["lat"].to_numpy(dtype=float))
    scale = 2.0**zoom
    cx, cy = x * scale, -y * scale  # screen y grows downwards
    if "offset" in labels.columns and len(labels):
        off = np.array(labels["offset"].tolist(), dtype=float).reshape(-1, 2)
        cx, cy = cx + off[:, 0], cy + off[:, 1]
    half_w = labels["name"].astype(str).str.len().to_numpy() * size * LABEL_CHAR_EM / 2
    half_h = size * 1.2 / 2
    return np.column_stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h])


def _overlaps(box: np.ndarray, kept: list[np.ndarray], gap: float) -> bool:
    return any(
        box[0] < k[2] + gap and k[0] < box[2] + gap and box[1] < k[3] + gap and k[1] < box[3] + gap
        for k in kept
    )


def place_labels(labels: pd.DataFrame, zoom: float = VIEW["zoom"], size: float = LABEL_SIZE) -> pd.DataFrame:
    """The labels that fit at ``zoom``, in the given order of priority, with a pixel ``offset`` each.

    Each label is tried on its point, then just above it, just below, then wholly to the left or right of
    it; the first place where it overlaps no label already placed wins, and a label that fits nowhere is
    dropped (a lower-priority label gives way, never a higher one).
    """
    if labels.empty:
        return labels.assign(offset=pd.Series(dtype=object))
    step = size * 1.2 + LABEL_GAP_PX + 1  # a label's height and the gap (+1: clear of rounding)
    kept_boxes: list[np.ndarray] = []
    kept_rows, offsets = [], []
    for i in range(len(labels)):
        row = labels.iloc[[i]]
        # Left or right: the label ends (or starts) just beside its point.
        half = len(str(row["name"].iloc[0])) * size * LABEL_CHAR_EM / 2 + LABEL_GAP_PX
        for dx, dy in ((0, 0), (0, -step), (0, step), (-half, 0), (half, 0)):
            box = label_boxes(row.assign(offset=[[dx, dy]]), zoom, size)[0]
            if not _overlaps(box, kept_boxes, LABEL_GAP_PX):
                kept_boxes.append(box)
                kept_rows.append(i)
                offsets.append([round(dx), round(dy)])
                break
    return labels.iloc[kept_rows].assign(offset=offsets).reset_index(drop=True)


class CompactDeck(pydeck.Deck):
    """A pydeck Deck whose JSON has no indentation (pydeck indents by 2, which doubles the map message)."""

    def to_json(self) -> str:
        """The deck spec as compact JSON."""
        # UTF-8 rather than \u escapes: "−" is 3 bytes on the wire, not 6.
        return json.dumps(
            self, sort_keys=True, default=default_serialize, separators=(",", ":"), ensure_ascii=False
        )


def hotspot_deck(
    choropleth: list[dict],
    outline: dict,
    priority_outline: dict | None,
    labels: pd.DataFrame,
    cells: pd.DataFrame | None = None,
    basemap: bool = False,
    height: int = 560,
    period: str = "",
    view: dict | None = None,
) -> pydeck.Deck:
    """The Hotspots map: choropleth (``choropleth_rows``), borough outline, priority places, optional point grid
    and text labels.

    Tooltips read each object's ``tip`` (built by the caller) so every layer shows the same kind of text; the
    ``period`` the counts cover is added under it by the tooltip template, once rather than on every row.
    ``view``: the initial view (default ``map_view()``, the borough; the London map passes London's).
    """
    # pydeck.types.String: a plain string, not an accessor expression (pydeck's reading of a bare str).
    offsets = {
        "coordinate_system": pydeck.types.String(METER_OFFSETS),
        "coordinate_origin": list(map_origin()),
    }
    layers = [
        pydeck.Layer(
            "PolygonLayer",
            data=choropleth,
            id="areas",
            pickable=True,
            # No stroke: the polygons are shrunk (deck_polygons), so white gaps draw the borders.
            stroked=False,
            filled=True,
            position_format=pydeck.types.String("XY"),
            # Polygons come in tens of metres (deck_polygons); the model matrix scales them back to metres.
            model_matrix=_UNIT_MATRIX,
            get_polygon="polygon",
            get_fill_color="fill",
            opacity=round(FILL_ALPHA / 255, 3),
            **offsets,
        ),
    ]
    if cells is not None:
        cells = cells.dropna(subset=["lon", "lat"])  # squares wholly outside the borough (cells_inside)
    if cells is not None and len(cells):
        dx, dy = metre_offsets(cells["lon"].to_numpy(), cells["lat"].to_numpy())
        layers.append(
            # Circles sized by count (area proportional to offences) keep the choropleth readable underneath.
            pydeck.Layer(
                "ScatterplotLayer",
                data=[
                    {"p": [x, y], "r": r, "name": GRID_NAME, "tip": t}
                    for x, y, r, t in zip(
                        np.round(dx / POLYGON_UNIT_M).astype(int).tolist(),
                        np.round(dy / POLYGON_UNIT_M).astype(int).tolist(),
                        cells["radius"].round(0).astype(int).tolist(),
                        cells["tip"].tolist(),
                        strict=True,
                    )
                ],
                id="grid",
                pickable=True,
                stroked=True,
                filled=True,
                # Positions in tens of metres like the polygons (the model matrix scales them); radii in metres.
                model_matrix=_UNIT_MATRIX,
                get_position="p",
                get_radius="r",
                get_fill_color=[230, 97, 0, 190],
                get_line_color=[11, 12, 12, 220],
                line_width_min_pixels=1,
                **offsets,
            )
        )
    # The borough boundary and the priority places in one layer, as lines with their own colour and width:
    # in software WebGL (no GPU) every deck.gl layer compiles its own pipelines before the first frame.
    outlines = _outline_features(priority_outline, [213, 94, 0, 255], 2) + _outline_features(
        outline, [11, 12, 12, 255], 3
    )
    if outlines:
        layers.append(
            pydeck.Layer(
                "GeoJsonLayer",
                data={"type": "FeatureCollection", "features": outlines},
                id="outlines",
                pickable=False,
                stroked=True,
                filled=False,
                get_line_color="properties.line",
                get_line_width="properties.width",
                line_width_units=pydeck.types.String("pixels"),
            )
        )
    if len(labels):
        layers.append(
            pydeck.Layer(
                "TextLayer",
                data=labels.to_dict(orient="records"),
                id="labels",
                pickable=False,
                get_position=["lon", "lat"],
                get_text="name",
                get_size=LABEL_SIZE,
                # Moved up or down by place_labels where two labels would overlap at the default zoom.
                get_pixel_offset="offset" if "offset" in labels.columns else [0, 0],
                get_color=[11, 12, 12, 255],
                get_text_anchor="'middle'",
                get_alignment_baseline="'center'",
                # A white halo (SDF outline) rather than background boxes: one layer fewer to compile.
                font_settings={"sdf": True, "fontSize": 32, "buffer": 6, "radius": 8},
                outline_width=3,
                outline_color=[255, 255, 255, 230],
                font_weight=600,
                # Only the glyphs the labels use: a smaller font atlas to build.
                character_set=pydeck.types.String("".join(sorted(set("".join(labels["name"].astype(str)))))),
            )
        )
    deck = _base_deck(
        basemap, height, tuple(sorted((view or map_view()).items()))
    )  # built per map (~3 ms: pydeck's Deck() probes for Jupyter widgets)
    deck.layers = layers
    deck._tooltip = tooltip(period)  # what st.pydeck_chart reads
    return deck


GRID_NAME = f"{GRID_CELL_M} m square"
# The tooltip is a panel in the map's top-left corner rather than a box beside the pointer: deck.gl places
# its tooltip at the pointer with no regard for the map's edge, so near the east of the borough it was cut
# off. The corner is empty at the default view (the borough's narrow north lies east of it); the panel
# ignores the pointer, so the area under it can still be hovered. ``transform`` overrides deck.gl's
# translate(pointer) because the style is applied after it.
TOOLTIP_STYLE = {
    "transform": "none",
    "top": "8px",
    "left": "8px",
    "maxWidth": "min(320px, calc(100% - 16px))",
    "whiteSpace": "pre-line",
    "overflowWrap": "anywhere",
    "backgroundColor": "#0b0c0c",
    "color": "white",
    "fontSize": "13px",
    "lineHeight": "1.4",
    "padding": "8px 10px",
    "borderRadius": "4px",
    "boxShadow": "0 1px 4px rgba(0, 0, 0, 0.4)",
}


def tooltip(period: str = "") -> dict:
    """The deck's tooltip: every pickable object's ``name`` in bold over its ``tip`` lines, then the period.

    Streamlit fills the ``{name}`` and ``{tip}`` placeholders of an "html" template HTML-escaped, so the data
    cannot inject markup and only this template's own tags are tags; line breaks inside ``tip`` show because
    of ``white-space: pre-line``. Every pickable layer's rows must have both fields (a missing one would print
    as "{name}").
    """
    tail = f"<br><i>{html.escape(period)}</i>" if period else ""
    return {"html": "<b>{name}</b><br>{tip}" + tail, "style": dict(TOOLTIP_STYLE)}


def _base_deck(basemap: bool, height: int, view: tuple = tuple(sorted(VIEW.items()))) -> CompactDeck:
    # No basemap: map_provider=None with pydeck's default map_style sentinel. Streamlit's frontend swaps a
    # *missing* map_style (map_style=None) for a hosted Carto style, so None would still fetch a basemap.
    style = {"map_provider": "carto", "map_style": "light"} if basemap else {"map_provider": None}
    return CompactDeck(layers=[], initial_view_state=pydeck.ViewState(**dict(view)), **style, height=height)


def _outline_features(geojson: dict | None, line: list[int], width: int) -> list[dict]:
    """Polygon features as MultiLineString outlines (drawn by a path layer only), with a line colour and width."""
    out = []
    for f in (geojson or {}).get("features", []):
        g = f.get("geometry") or {}
        if g.get("type") == "Polygon":
            g = {"type": "MultiLineString", "coordinates": g["coordinates"]}
        elif g.get("type") == "MultiPolygon":
            g = {
                "type": "MultiLineString",
                "coordinates": [ring for poly in g["coordinates"] for ring in poly],
            }
        if g:
            out.append({"type": "Feature", "properties": {"line": line, "width": width}, "geometry": g})
    return out


def deck_size(deck: pydeck.Deck) -> int:
    """Length in characters of the deck's JSON spec (what goes over the websocket)."""
    return len(deck.to_json())


def round_coordinates(layer_geojson: dict, decimals: int = 4) -> dict:
    """A copy of a FeatureCollection with coordinates rounded (4 decimals ≈ 10 m: plenty at borough zoom)."""

    def rnd(c):
        return round(c, decimals) if isinstance(c, float) else [rnd(x) for x in c]

    return {
        **layer_geojson,
        "features": [
            {**f, "geometry": {**f["geometry"], "coordinates": rnd(f["geometry"]["coordinates"])}}
            if f.get("geometry")
            else f
            for f in layer_geojson["features"]
        ],
    }


def strip_properties(layer_geojson: dict, keep: Sequence[str]) -> dict:
    """A copy of a FeatureCollection keeping only the ``keep`` properties (smaller map messages)."""
    out = copy.copy(layer_geojson)
    out["features"] = [
        {
            "type": "Feature",
            "properties": {k: f["properties"].get(k) for k in keep},
            "geometry": f["geometry"],
        }
        for f in layer_geojson["features"]
    ]
    return out
