"""Class breaks, legend, choropleth join, the 250 m grid and the deck spec."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from svd import maps

SQUARE = {"type": "Polygon", "coordinates": [[[0, 51], [0.01, 51], [0.01, 51.01], [0, 51.01], [0, 51]]]}


def _layer(codes):
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"code": c}, "geometry": SQUARE} for c in codes],
    }


def test_class_breaks_are_quantile_upper_bounds():
    assert maps.class_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], k=5) == pytest.approx(
        [2.8, 4.6, 6.4, 8.2, 10.0]
    )


def test_class_breaks_collapse_ties_and_ignore_missing():
    assert maps.class_breaks([0, 0, 0, 0, 5, None], k=4) == [0.0, 5.0]
    assert maps.class_breaks([]) == []


def test_classify_puts_each_value_in_its_class():
    assert list(maps.classify([0, 2, 3, 10, None], [2, 5, 10])) == [0, 0, 1, 2, -1]


def test_legend_labels_integer_ranges_and_counts_areas():
    leg = maps.legend([2, 5, 10], values=[0, 1, 2, 3, 10])
    assert list(leg["range"]) == ["up to 2", "3 to 5", "6 to 10"]
    assert list(leg["areas"]) == [3, 1, 1]
    assert leg["colour"].str.match(r"^#[0-9a-f]{6}$").all()
    assert leg["colour"].nunique() == 3


def test_choropleth_joins_values_and_colours_without_changing_input():
    layer = _layer(["A", "B", "C"])
    before = json.dumps(layer)
    values = pd.DataFrame({"code": ["A", "B"], "count": [1, 9], "name": ["Aye", "Bee"]})
    out = maps.choropleth_geojson(layer, values, "code", "count", [1, 9])
    props = {f["properties"]["code"]: f["properties"] for f in out["features"]}
    assert props["A"]["count"] == 1 and props["B"]["name"] == "Bee"
    assert props["A"]["fill"][:3] != props["B"]["fill"][:3]
    assert props["C"]["fill"][:3] == list(maps.NO_DATA) and props["C"]["class"] is None
    assert json.dumps(layer) == before
    json.dumps(out)  # serialisable (numpy ints converted)


def test_grid_counts_bin_points_into_250m_squares():
    # Two points ~20 m apart share a square; a third 1 km east is in another; a missing one is ignored.
    lon = [0.1300, 0.1302, 0.1445, None]
    lat = [51.5450, 51.5451, 51.5450, None]
    keys = maps.grid_keys(lon, lat)
    assert keys[3] == -1
    cells = maps.grid_counts(keys)
    assert sorted(cells["count"]) == [1, 2]
    assert cells["count"].sum() == 3
    # Centres are within half a diagonal (~177 m) of their points: ~0.0026 degrees of longitude.
    big = cells.loc[cells["count"].idxmax()]
    assert abs(big["lon"] - 0.1301) < 0.003 and abs(big["lat"] - 51.545) < 0.002


def test_deck_has_no_basemap_by_default_and_all_layers():
    layer = maps.choropleth_geojson(
        _layer(["A"]), pd.DataFrame({"code": ["A"], "count": [3]}), "code", "count", [3]
    )
    labels = pd.DataFrame({"name": ["Barking"], "lon": [0.08], "lat": [51.54], "kind": ["station"]})
    cells = pd.DataFrame({"lon": [0.1], "lat": [51.5], "count": [4], "radius": [125.0], "tip": ["x"]})
    deck = maps.hotspot_deck(layer, _layer(["B"]), _layer(["P"]), labels, cells=cells)
    spec = json.loads(deck.to_json())
    types = [lay["@@type"] for lay in spec["layers"]]
    assert types == ["GeoJsonLayer", "ScatterplotLayer", "GeoJsonLayer", "GeoJsonLayer", "TextLayer"]
    # Streamlit replaces a missing mapStyle with a hosted basemap; pydeck's sentinel means "none".
    assert spec.get("mapStyle") == "__MAP_STYLE__"
    assert deck.map_provider is None and "mapProvider" not in spec
    assert "\n" not in deck.to_json()  # compact: no indentation
    on = maps.hotspot_deck(layer, _layer(["B"]), None, labels, basemap=True)
    assert on.map_provider == "carto"


def test_labels_frame_keeps_in_borough_stations_and_unnamed_priority_places():
    import geopandas as gpd
    from shapely.geometry import Point

    places = gpd.GeoDataFrame(
        {
            "place_type": ["station", "station", "park"],
            "name": ["Barking", "Far", "P"],
            "in_borough": [True, False, True],
        },
        geometry=[Point(0.08, 51.54), Point(0, 51), Point(0.1, 51.5)],
    )
    prio = gpd.GeoDataFrame(
        {"kind": ["priority", "priority", "outreach"], "name": ["Barking", "Mayesbrook Park", "X"]},
        geometry=[
            Point(0.08, 51.54).buffer(0.01),
            Point(0.1, 51.55).buffer(0.01),
            Point(0.2, 51.5).buffer(0.01),
        ],
    )
    out = maps.labels_frame(places, prio)
    # "Barking" station is inside "Barking" the priority place's name: only one label is printed
    assert list(out["name"]) == ["Barking", "Mayesbrook Park"]
    assert list(out["kind"]) == ["priority place", "priority place"]
    assert np.isfinite(out[["lon", "lat"]].to_numpy(dtype=float)).all()
