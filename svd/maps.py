"""Map building blocks: class breaks and legends, choropleth GeoJSON, a 250 m point grid and the pydeck deck.

Everything here is pure (no Streamlit): pages pass in frames and compact GeoJSON from ``svd.geo.layer_geojson``
and get back new dicts / frames / a ``pydeck.Deck``. The map has no basemap by default (``map_provider=None``)
so it works offline and needs no map-service key.
"""

from __future__ import annotations

import copy
import json
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
# Centre of the borough; zoom that fits it in a ~700 px wide map.
VIEW = {"latitude": 51.558, "longitude": 0.130, "zoom": 11.45, "pitch": 0, "bearing": 0}

_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
_TO_WGS = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
# Grid keys pack (column, row) of the 250 m cell into one int64; BNG eastings/northings are < 1,300 km.
_KEY_BASE = 10_000


def class_breaks(values: Sequence[float] | pd.Series, k: int = 5) -> list[float]:
    """Upper bounds of up to ``k`` quantile classes (ascending, unique; the last is the maximum)."""
    v = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce").dropna().to_numpy()
    if v.size == 0:
        return []
    qs = np.quantile(v, np.linspace(0, 1, k + 1)[1:])
    # Ties (many zeros, few areas) collapse quantiles; repeated bounds would give empty classes.
    return [float(b) for b in np.unique(qs)]


def classify(values: Sequence[float] | pd.Series, breaks: Sequence[float]) -> np.ndarray:
    """Class index of each value (0 = lowest); -1 for missing values or when there are no breaks."""
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


def _fmt(x: float, integer: bool) -> str:
    return f"{x:,.0f}" if integer else f"{x:,.2f}"


def legend(
    breaks: Sequence[float],
    palette: Sequence[tuple[int, int, int]] | None = None,
    values: Sequence[float] | pd.Series | None = None,
    integer: bool = True,
) -> pd.DataFrame:
    """The legend as a table: class, range label, colour (hex) and, when ``values`` are given, areas per class."""
    palette = list(palette) if palette is not None else palette_for(len(breaks))
    rows = []
    lo = None
    for i, hi in enumerate(breaks):
        if lo is None:
            label = f"up to {_fmt(hi, integer)}"
        elif integer:
            label = f"{_fmt(np.floor(lo) + 1, True)} to {_fmt(hi, True)}"
        else:
            label = f"over {_fmt(lo, False)} to {_fmt(hi, False)}"
        r, g, b = palette[i]
        rows.append({"class": i + 1, "range": label, "colour": f"#{r:02x}{g:02x}{b:02x}"})
        lo = hi
    out = pd.DataFrame(rows, columns=["class", "range", "colour"])
    if values is not None:
        cls = classify(values, breaks)
        out = out.assign(areas=[int((cls == i).sum()) for i in range(len(breaks))])
    return out


def legend_html(legend_table: pd.DataFrame) -> str:
    """The legend (from ``legend``) as a small HTML table with a colour swatch beside each range."""
    rows = "".join(
        f"<tr><td>{int(r['class'])}</td><td><span style='display:inline-block;width:1.4em;height:0.9em;"
        f"background:{r['colour']};border:1px solid #0b0c0c' aria-hidden='true'></span></td>"
        f"<td>{r['range']}</td><td style='text-align:right'>{r.get('areas', '')}</td></tr>"
        for r in legend_table.to_dict(orient="records")
    )
    return (
        "<table class='svd-legend' style='width:100%;font-size:0.9em'><thead><tr><th>Class</th>"
        f"<th>Colour</th><th>Range</th><th>Areas</th></tr></thead><tbody>{rows}</tbody></table>"
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


def choropleth_geojson(
    layer_geojson: dict,
    values_df: pd.DataFrame,
    key: str,
    value_col: str,
    breaks: Sequence[float],
    palette: Sequence[tuple[int, int, int]] | None = None,
) -> dict:
    """A new FeatureCollection: each feature gets the row of ``values_df`` with the same ``key`` and a fill colour.

    ``fill`` is [r, g, b, a] from the class of ``value_col``; features with no row (or a missing value) are grey.
    The input dict is not changed.
    """
    palette = list(palette) if palette is not None else palette_for(len(breaks))
    rows = values_df.drop_duplicates(key).set_index(key)
    cls = (
        pd.Series(classify(rows[value_col], breaks), index=rows.index) if len(rows) else pd.Series(dtype=int)
    )
    records = rows.to_dict(orient="index")
    out = {k: v for k, v in layer_geojson.items() if k != "features"}
    features = []
    for f in layer_geojson["features"]:
        props = dict(f["properties"])
        code = props.get(key)
        row = records.get(code)
        c = int(cls.get(code, -1)) if row is not None else -1
        if row is not None:
            props.update({k: _clean(v) for k, v in row.items()})
        rgb = palette[c] if c >= 0 else NO_DATA
        props["fill"] = [*rgb, FILL_ALPHA]
        props["class"] = c + 1 if c >= 0 else None
        # Geometry is shared, not copied: the result is only serialised, and copying 115 polygons per rerun
        # would cost more than the join.
        features.append({"type": "Feature", "properties": props, "geometry": f["geometry"]})
    out["features"] = features
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


def labels_frame(places, priority) -> pd.DataFrame:
    """Text labels for the map: stations (from places) and priority places (label at the polygon's centre)."""
    st_ = places[(places["place_type"] == "station") & places["in_borough"]]
    rows = [
        {"name": n, "lon": round(g.x, 5), "lat": round(g.y, 5), "kind": "station"}
        for n, g in zip(st_["name"], st_.geometry, strict=True)
    ]
    pr = priority[(priority["kind"] == "priority") & ~priority.geometry.is_empty]
    names = [n.casefold() for n in pr["name"]]
    # A station named inside a priority place ("Barking" in "Barking Town Centre") would print on top of it.
    rows = [r for r in rows if not any(r["name"].casefold() in n for n in names)]
    for name, geom in zip(pr["name"], pr.geometry, strict=True):
        pt = geom.representative_point()
        rows.append({"name": name, "lon": round(pt.x, 5), "lat": round(pt.y, 5), "kind": "priority place"})
    return pd.DataFrame(rows, columns=["name", "lon", "lat", "kind"])


class CompactDeck(pydeck.Deck):
    """A pydeck Deck whose JSON has no indentation (pydeck indents by 2, which doubles the map message)."""

    def to_json(self) -> str:
        """The deck spec as compact JSON."""
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def hotspot_deck(
    choropleth: dict,
    outline: dict,
    priority_outline: dict | None,
    labels: pd.DataFrame,
    cells: pd.DataFrame | None = None,
    basemap: bool = False,
    height: int = 560,
) -> pydeck.Deck:
    """The Hotspots map: choropleth, borough outline, priority places, optional point grid and text labels.

    Tooltips read each object's ``tip`` (built by the caller) so every layer shows the same kind of text.
    """
    layers = [
        pydeck.Layer(
            "GeoJsonLayer",
            data=choropleth,
            id="areas",
            pickable=True,
            stroked=True,
            filled=True,
            get_fill_color="properties.fill",
            get_line_color=[255, 255, 255, 255],
            line_width_min_pixels=1,
        ),
    ]
    if cells is not None and len(cells):
        layers.append(
            # Circles sized by count (area proportional to offences) keep the choropleth readable underneath.
            pydeck.Layer(
                "ScatterplotLayer",
                # 4 decimals (~10 m) and whole-metre radii: the grid is the largest part of the map message.
                data=cells[["lon", "lat", "count", "radius", "tip"]]
                .assign(lon=cells["lon"].round(4), lat=cells["lat"].round(4), radius=cells["radius"].round(0))
                .to_dict(orient="records"),
                id="grid",
                pickable=True,
                stroked=True,
                filled=True,
                get_position=["lon", "lat"],
                get_radius="radius",
                get_fill_color=[230, 97, 0, 190],
                get_line_color=[11, 12, 12, 220],
                line_width_min_pixels=1,
            )
        )
    if priority_outline is not None and priority_outline.get("features"):
        layers.append(
            pydeck.Layer(
                "GeoJsonLayer",
                data=priority_outline,
                id="priority",
                pickable=False,
                stroked=True,
                filled=False,
                get_line_color=[213, 94, 0, 255],
                line_width_min_pixels=2,
            )
        )
    layers.append(
        pydeck.Layer(
            "GeoJsonLayer",
            data=outline,
            id="borough",
            pickable=False,
            stroked=True,
            filled=False,
            get_line_color=[11, 12, 12, 255],
            line_width_min_pixels=3,
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
                get_size=13,
                get_color=[11, 12, 12, 255],
                get_text_anchor="'middle'",
                get_alignment_baseline="'center'",
                background=True,
                get_background_color=[255, 255, 255, 210],
                background_padding=[3, 1],
            )
        )
    # No basemap: map_provider=None with pydeck's default map_style sentinel. Streamlit's frontend swaps a
    # *missing* map_style (map_style=None) for a hosted Carto style, so None would still fetch a basemap.
    style = {"map_provider": "carto", "map_style": "light"} if basemap else {"map_provider": None}
    return CompactDeck(
        layers=layers,
        initial_view_state=pydeck.ViewState(**VIEW),
        **style,
        tooltip={
            "html": "{tip}",
            "style": {"backgroundColor": "#0b0c0c", "color": "white", "fontSize": "13px"},
        },
        height=height,
    )


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
