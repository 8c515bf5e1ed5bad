"""Class breaks, legend, choropleth join, the 250 m grid and the deck spec."""

from __future__ import annotations

import json
import math
import re

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


def test_class_breaks_are_quantile_upper_bounds_snapped_to_whole_numbers():
    # Quantiles 2.8, 4.6, 6.4, 8.2, 10 of whole numbers: nothing lies between 2 and 2.8, so the bound is 2.
    assert maps.class_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], k=5) == [2, 4, 6, 8, 10]
    assert maps.class_breaks([0.5, 1.0, 1.5, 2.0, 2.5], k=5) == pytest.approx([0.9, 1.3, 1.7, 2.1, 2.5])
    assert maps.class_breaks([0.5, 1.0, 1.5, 2.0, 2.5], k=5, step=0.5) == pytest.approx([0.5, 1, 1.5, 2, 2.5])


def test_class_breaks_collapse_ties_and_ignore_missing():
    assert maps.class_breaks([0, 0, 0, 0, 5, None], k=4) == [0.0, 5.0]
    assert maps.class_breaks([]) == []


def test_classify_puts_each_value_in_its_class():
    assert list(maps.classify([0, 2, 3, 10, None], [2, 5, 10])) == [0, 0, 1, 2, -1]


def test_legend_labels_integer_ranges_and_counts_areas():
    leg = maps.legend([2, 5, 10], values=[0, 1, 2, 3, 10])
    assert list(leg["range"]) == ["0\u20132", "3\u20135", "6\u201310"]
    assert list(leg["areas"]) == [3, 1, 1]
    assert leg["colour"].str.match(r"^#[0-9a-f]{6}$").all()
    assert leg["colour"].nunique() == 3


def test_legend_ranges_never_overlap_and_cover_every_value():
    # The case: "242 to 251" then "251 to 340" put 251 in two classes.
    values = [120, 150, 185, 190, 200, 210, 225, 226, 230, 241, 242, 245, 250, 251, 260, 280, 300, 333, 340]
    breaks = maps.class_breaks(values)
    leg = maps.legend(breaks, values=values)
    spans = [tuple(int(x.replace(",", "")) for x in r.split("\u2013")) for r in leg["range"]]
    assert spans[0][0] == 120 and spans[-1][1] == 340
    for (_, hi), (lo, _) in zip(spans, spans[1:], strict=False):
        assert lo == hi + 1
    cls = maps.classify(values, breaks)
    for v, c in zip(values, cls, strict=True):
        assert spans[c][0] <= v <= spans[c][1]
    assert leg["areas"].sum() == len(values)


def test_legend_for_rates_uses_two_decimals_without_overlap():
    leg = maps.legend([0.64, 1.73, 11.2], values=[0.0, 0.5, 1.23, 3.45, 11.2], integer=False)
    assert list(leg["range"]) == ["0.00\u20130.64", "0.65\u20131.73", "1.74\u201311.20"]


def test_class_labels_single_value_class_and_no_lowest():
    assert maps.class_labels([0, 4], 0) == ["0", "1\u20134"]
    assert maps.class_labels([5, 9]) == ["up to 5", "6\u20139"]


def _polygons(codes):
    return pd.DataFrame({"code": list(codes), "polygon": [[0, 0, 100, 0, 100, 100]] * len(codes)})


def test_choropleth_rows_join_values_and_colours_by_code():
    values = pd.DataFrame({"code": ["A", "B"], "count": [1, 9], "tip": ["Aye", "Bee"]})
    rows = {r["code"]: r for r in maps.choropleth_rows(_polygons("ABC"), values, "code", "count", [1, 9])}
    assert rows["A"]["count"] == 1 and rows["B"]["tip"] == "Bee"
    assert rows["A"]["fill"][:3] != rows["B"]["fill"][:3]
    assert rows["C"]["fill"][:3] == list(maps.NO_DATA) and "count" not in rows["C"]
    assert rows["A"]["polygon"] == [0, 0, 100, 0, 100, 100]
    json.dumps(list(rows.values()))  # serialisable (numpy ints converted)


def test_metre_offsets_invert_deck_gls_meter_offsets_projection():
    # Points 1 km due east and 2 km due north of the origin (on the WGS84 ellipsoid) are about (1000, 0) and
    # (0, 2000): deck.gl's spherical web-mercator scale differs from the ellipsoid by well under 1%.
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    lon0, lat0 = maps.ORIGIN
    east = geod.fwd(lon0, lat0, 90, 1000)[:2]
    north = geod.fwd(lon0, lat0, 0, 2000)[:2]
    dx, dy = maps.metre_offsets(np.array([east[0], north[0]]), np.array([east[1], north[1]]))
    assert abs(dx[0] - 1000) < 8 and abs(dy[0]) < 2
    assert abs(dx[1]) < 1 and abs(dy[1] - 2000) < 15
    zero = maps.metre_offsets(np.array([lon0]), np.array([lat0]))
    assert abs(zero[0][0]) < 1e-6 and abs(zero[1][0]) < 1e-6


def test_meter_offsets_constant_is_the_one_streamlits_deck_gl_knows():
    # The deck.gl bundled with Streamlit defines COORDINATE_SYSTEM; an unknown value stops the map drawing.
    from pathlib import Path

    import streamlit

    js = Path(streamlit.__file__).parent / "static" / "static" / "js"
    bundle = next(js.glob("DeckGlJsonChart.*.js")).read_text(encoding="utf-8")
    assert f"METER_OFFSETS:`{maps.METER_OFFSETS}`" in bundle


def test_deck_polygons_are_whole_unit_offsets_one_row_per_part():
    import geopandas as gpd
    from shapely.geometry import MultiPolygon, box

    lon0, lat0 = maps.ORIGIN
    square = box(lon0, lat0, lon0 + 0.01, lat0 + 0.01)
    two = MultiPolygon(
        [
            box(lon0 - 0.02, lat0, lon0 - 0.015, lat0 + 0.005),
            box(lon0 - 0.03, lat0, lon0 - 0.025, lat0 + 0.005),
        ]
    )
    gdf = gpd.GeoDataFrame({"c": ["S", "M"]}, geometry=[square, two], crs="EPSG:4326")
    polys = maps.deck_polygons(gdf, "c", gap_m=0)
    assert list(polys["code"]) == ["S", "M", "M"]
    s = polys["polygon"][0]
    assert all(isinstance(v, int) for v in s) and len(s) == 8  # four corners, ring not closed
    xs, ys = s[0::2], s[1::2]
    # In tens of metres: 0.01 degrees of longitude at 51.56° N is ~693 m, of latitude ~1,113 m.
    assert maps.POLYGON_UNIT_M == 10
    assert 68 <= max(xs) - min(xs) <= 70 and 110 <= max(ys) - min(ys) <= 112
    # With the default gap every side moves in by 15 m: 30 m (3 units) narrower and shorter, still 4 corners.
    g = maps.deck_polygons(gdf, "c")["polygon"][0]
    assert maps.AREA_GAP_M == 30 and len(g) == 8
    assert 65 <= max(g[0::2]) - min(g[0::2]) <= 67 and 107 <= max(g[1::2]) - min(g[1::2]) <= 109


def test_deck_polygons_leave_a_gap_between_neighbours():
    import geopandas as gpd
    from shapely.geometry import box

    lon0, lat0 = maps.ORIGIN
    gdf = gpd.GeoDataFrame(
        {"c": ["W", "E"]},
        geometry=[box(lon0 - 0.01, lat0, lon0, lat0 + 0.01), box(lon0, lat0, lon0 + 0.01, lat0 + 0.01)],
        crs="EPSG:4326",
    )
    west, east = maps.deck_polygons(gdf, "c")["polygon"]
    # The shared edge at x = 0 becomes a 30 m gap: west ends ~15 m before it, east starts ~15 m after.
    assert max(west[0::2]) in (-1, -2) and min(east[0::2]) in (1, 2)


def test_deck_polygons_clip_to_the_outline():
    import geopandas as gpd
    from shapely.geometry import box

    lon0, lat0 = maps.ORIGIN
    # An area reaching 0.01° south of the outline (into "the river") is cut at the outline's edge.
    area = gpd.GeoDataFrame(
        {"c": ["R"]}, geometry=[box(lon0, lat0 - 0.01, lon0 + 0.01, lat0 + 0.01)], crs=4326
    )
    outline = gpd.GeoDataFrame(geometry=[box(lon0 - 0.05, lat0, lon0 + 0.05, lat0 + 0.05)], crs=4326)
    full = maps.deck_polygons(area, "c", gap_m=0)["polygon"][0]
    cut = maps.deck_polygons(area, "c", gap_m=0, clip=outline)["polygon"][0]
    assert min(full[1::2]) < -100 and min(cut[1::2]) >= 0  # tens of metres north of the origin
    assert max(cut[1::2]) == max(full[1::2])


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
    rows = maps.choropleth_rows(
        _polygons("A"), pd.DataFrame({"code": ["A"], "count": [3]}), "code", "count", [3]
    )
    labels = pd.DataFrame({"name": ["Barking"], "lon": [0.08], "lat": [51.54], "kind": ["station"]})
    cells = pd.DataFrame({"lon": [0.1], "lat": [51.5], "count": [4], "radius": [125.0], "tip": ["x"]})
    deck = maps.hotspot_deck(rows, _layer(["B"]), _layer(["P"]), labels, cells=cells, period="Jan 2025")
    spec = json.loads(deck.to_json())
    types = [lay["@@type"] for lay in spec["layers"]]
    assert types == ["PolygonLayer", "ScatterplotLayer", "GeoJsonLayer", "TextLayer"]
    # borough and priority outlines share one layer, as lines with their own colour and width in pixels
    outlines = spec["layers"][2]
    assert {f["geometry"]["type"] for f in outlines["data"]["features"]} == {"MultiLineString"}
    assert [f["properties"]["width"] for f in outlines["data"]["features"]] == [2, 3]
    assert outlines["lineWidthUnits"] == "pixels"
    assert set(spec["layers"][3]["characterSet"]) == set("Barking")  # only the glyphs the labels use
    areas, grid = spec["layers"][0], spec["layers"][1]
    for layer in (areas, grid):  # offsets from the borough centre
        assert layer["coordinateSystem"] == maps.METER_OFFSETS and layer["coordinateOrigin"] == list(
            maps.ORIGIN
        )
    assert areas["modelMatrix"][0] == areas["modelMatrix"][5] == maps.POLYGON_UNIT_M  # tens of metres
    # The squares too are in tens of metres, scaled by the same model matrix; their radii stay in metres.
    assert grid["modelMatrix"] == areas["modelMatrix"]
    want = np.round(np.ravel(maps.metre_offsets([0.1], [51.5])) / maps.POLYGON_UNIT_M)
    assert grid["data"][0]["p"] == [int(v) for v in want]
    assert areas["opacity"] == round(maps.FILL_ALPHA / 255, 3)  # the fill colours carry no alpha
    # st.pydeck_chart sends the tooltip beside the spec; the tags are the template's, the data are placeholders
    assert deck._tooltip["html"] == "<b>{name}</b><br>{tip}<br><i>Jan 2025</i>"
    assert grid["data"][0]["name"] == "250 m square" and grid["data"][0]["tip"] == "x"
    # Streamlit replaces a missing mapStyle with a hosted basemap; pydeck's sentinel means "none".
    assert spec.get("mapStyle") == "__MAP_STYLE__"
    assert deck.map_provider is None and "mapProvider" not in spec
    assert "\n" not in deck.to_json()  # compact: no indentation
    on = maps.hotspot_deck(rows, _layer(["B"]), None, labels, basemap=True)
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


def test_tooltip_template_has_only_its_own_tags_and_every_pickable_row_fills_it():
    rows = maps.choropleth_rows(
        _polygons("AB"),
        pd.DataFrame(
            {"code": ["A"], "count": [3], "name": ["015F \u00b7 Abbey"], "tip": ["3 offences\nnew"]}
        ),
        "code",
        "count",
        [3],
    )
    cells = pd.DataFrame(
        {"lon": [0.1], "lat": [51.5], "count": [4], "radius": [125.0], "tip": ["4 offences"]}
    )
    deck = maps.hotspot_deck(rows, _layer(["B"]), None, pd.DataFrame(), cells=cells, period="<Jan> & Feb")
    tip = deck._tooltip
    # The period is the template's own text, so it is escaped here; {name} and {tip} are escaped by Streamlit.
    assert tip["html"].endswith("<i>&lt;Jan&gt; &amp; Feb</i>")
    assert set(re.findall(r"{(\w+)}", tip["html"])) == {"name", "tip"}
    # A row with data fills both placeholders (a missing one would print as "{name}" in the browser).
    spec = json.loads(deck.to_json())
    pickable = [lay for lay in spec["layers"] if lay.get("pickable")]
    assert [lay["id"] for lay in pickable] == ["areas", "grid"]
    assert {"name", "tip"} <= set(spec["layers"][0]["data"][0]) and {"name", "tip"} <= set(
        pickable[1]["data"][0]
    )
    # Lines break on "\n" and the panel stays inside the map, whatever the pointer.
    assert tip["style"]["whiteSpace"] == "pre-line" and tip["style"]["transform"] == "none"
    assert "100%" in tip["style"]["maxWidth"]


def _labels(rows):
    return pd.DataFrame(rows, columns=["name", "lon", "lat", "kind"])


def test_place_labels_move_or_drop_the_lower_priority_label():
    # Labels on one point: the second (lower priority) moves above, the third below; beside the point they
    # would still cover the first, so the fourth is dropped.
    same = [(f"Place {i}", 0.13, 51.54, "station") for i in range(4)]
    out = maps.place_labels(_labels(same))
    assert out["name"].tolist() == ["Place 0", "Place 1", "Place 2"]
    step = round(maps.LABEL_SIZE * 1.2 + maps.LABEL_GAP_PX + 1)
    assert out["offset"].tolist() == [[0, 0], [0, -step], [0, step]]
    # A short label whose point the end of a long one covers, with labels above and below it, goes right.
    width = len("A much longer label") * maps.LABEL_SIZE * maps.LABEL_CHAR_EM
    lon_per_px = 360 / (512 * 2 ** maps.VIEW["zoom"])
    lon = 0.13 + 0.52 * width * lon_per_px
    dlat = (
        (maps.LABEL_SIZE * 1.2 + maps.LABEL_GAP_PX + 1)
        / (512 * 2 ** maps.VIEW["zoom"] / 360)
        * math.cos(math.radians(51.54))
    )
    rows = [
        ("A much longer label", 0.13, 51.54, "station"),
        ("Top", lon, 51.54 + dlat, "x"),
        ("Bottom", lon, 51.54 - dlat, "x"),
        ("Short", lon, 51.54, "x"),
    ]
    out = maps.place_labels(_labels(rows)).set_index("name")
    assert out.loc["Top", "offset"] == [0, 0] and out.loc["Bottom", "offset"] == [0, 0]
    assert out.loc["Short", "offset"][0] > 0 and out.loc["Short", "offset"][1] == 0
    # Far apart (2 km), nothing moves.
    apart = maps.place_labels(_labels([("A", 0.10, 51.54, "station"), ("B", 0.13, 51.54, "station")]))
    assert apart["offset"].tolist() == [[0, 0], [0, 0]]
    assert maps.place_labels(_labels([])).empty


def test_label_boxes_of_placed_labels_never_overlap():
    rows = [(f"Label number {i}", 0.13 + 0.002 * (i % 3), 51.54 + 0.001 * i, "station") for i in range(8)]
    out = maps.place_labels(_labels(rows))
    boxes = maps.label_boxes(out)
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (
                out["name"][i],
                out["name"][j],
            )
    # The first label is never the one to give way.
    assert out["name"].iloc[0] == "Label number 0" and out["offset"].iloc[0] == [0, 0]


def test_label_layer_uses_the_offsets():
    labels = maps.place_labels(_labels([("A", 0.13, 51.54, "station"), ("B", 0.13, 51.54, "station")]))
    rows = maps.choropleth_rows(
        _polygons("A"), pd.DataFrame({"code": ["A"], "count": [3]}), "code", "count", [3]
    )
    spec = json.loads(maps.hotspot_deck(rows, _layer(["B"]), None, labels).to_json())
    text = next(lay for lay in spec["layers"] if lay["@@type"] == "TextLayer")
    assert (
        text["getPixelOffset"] == "@@=offset"
        and [d["offset"] for d in text["data"]] == labels["offset"].tolist()
    )


def test_cells_inside_moves_squares_whose_centre_is_outside_the_outline():
    import geopandas as gpd
    from shapely.geometry import box

    # Outline: 1 km square in BNG from (545000, 184200). Square row 736 (184000 to 184250) has its centre
    # 75 m outside and a 50 m strip inside; row 735 (183750 to 184000) is wholly outside; row 738 inside.
    outline = gpd.GeoDataFrame(geometry=[box(545_000, 184_200, 546_000, 185_200)], crs="EPSG:27700").to_crs(
        "EPSG:4326"
    )
    edge = 2181 * maps._KEY_BASE + 736
    straddle = 2181 * maps._KEY_BASE + 735
    inside = 2182 * maps._KEY_BASE + 738
    cells = maps.grid_counts(np.array([edge, inside, straddle], dtype=np.int64))
    out = maps.cells_inside(cells, outline)
    assert out["key"].tolist() == cells["key"].tolist() and out["count"].tolist() == cells["count"].tolist()
    pts = gpd.GeoSeries(gpd.points_from_xy(out["lon"], out["lat"]), crs="EPSG:4326").to_crs("EPSG:27700")
    area = outline.to_crs("EPSG:27700").geometry.iloc[0]
    moved = out.set_index("key")
    # the square on the edge is drawn in its strip inside; the square wholly inside keeps its centre
    assert 184_200 <= pts[out["key"] == edge].y.iloc[0] <= 184_250
    assert (moved.loc[inside, ["lon", "lat"]] == cells.set_index("key").loc[inside, ["lon", "lat"]]).all()
    for key, pt in zip(out["key"], pts, strict=True):
        if key != straddle:
            assert area.buffer(1).contains(pt), key
    # the square wholly outside has no position, and the deck does not draw it
    assert moved.loc[straddle, ["lon", "lat"]].isna().all()
    drawn = out.assign(radius=50.0, tip="x")
    rows = maps.choropleth_rows(
        _polygons("A"), pd.DataFrame({"code": ["A"], "count": [3]}), "code", "count", [3]
    )
    spec = json.loads(maps.hotspot_deck(rows, _layer(["B"]), None, pd.DataFrame(), cells=drawn).to_json())
    assert len(next(lay for lay in spec["layers"] if lay["id"] == "grid")["data"]) == 2


@pytest.mark.realdata
def test_real_map_labels_do_not_overlap_and_keep_every_priority_place():
    from svd import geo

    out = maps.labels_frame(geo.places(), geo.priority_places())
    pp = geo.priority_places()
    assert set(pp.loc[pp["kind"] == "priority", "name"]) <= set(out["name"])
    boxes = maps.label_boxes(out)
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (
                out["name"][i],
                out["name"][j],
            )
