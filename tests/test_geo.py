"""Tests for svd.geo: tiny hand-built boundaries in tmp_path, plus reconciliation with the real files."""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box, shape

from svd import config, geo

# ------------------------------------------------------------------------------------------ tiny fixture
# Four 1 km LSOA squares in British National Grid around (545000, 184000):
#   C | D        ward polygons: W1 = left column (A, C), W2 = right column (B, D),
#   --+--        but the best-fit lookup puts C in W2, so a test can tell lookup from overlay.
#   A | B
X0, Y0 = 545_000.0, 184_000.0
SQUARES = {
    "E01900001": (0, 0),  # A
    "E01900002": (1, 0),  # B
    "E01900003": (0, 1),  # C
    "E01900004": (1, 1),  # D
}
LOOKUP_WARD = {"E01900001": "W1", "E01900002": "W2", "E01900003": "W2", "E01900004": "W2"}
WARD_CODES = {"W1": "E05900001", "W2": "E05900002"}


def _sq(i: int, j: int, size: float = 1000.0):
    return box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size)


def _write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    gdf.to_crs(geo.DISPLAY_CRS).to_file(path, driver="GeoJSON", engine="pyogrio")


def _to_lonlat(x: float, y: float) -> tuple[float, float]:
    p = gpd.GeoSeries([Point(x, y)], crs=geo.METRIC_CRS).to_crs(geo.DISPLAY_CRS).iloc[0]
    return p.x, p.y


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A data directory with the real file names and layouts, holding the 4-LSOA toy borough."""
    crs = geo.METRIC_CRS
    lsoa = gpd.GeoDataFrame(
        {
            "lsoa21cd": list(SQUARES),
            "lsoa21nm": [f"Toy {k[-1]}" for k in SQUARES],
            "msoa21cd": ["E02900001"] * 4,
            "msoa21nm": ["Toy 001"] * 4,
            "lad22cd": [config.DEFAULT_BOROUGH_CODE] * 4,
            "lad22nm": [config.DEFAULT_BOROUGH_NAME] * 4,
        },
        geometry=[_sq(*ij) for ij in SQUARES.values()],
        crs=crs,
    )
    _write_geojson(lsoa, tmp_path / geo.LSOAS_FILE)
    wards = gpd.GeoDataFrame(
        {
            "WD22CD": list(WARD_CODES.values()),
            "WD22NM": list(WARD_CODES),
            "LAD22CD": [config.DEFAULT_BOROUGH_CODE] * 2,
            "LAD22NM": [config.DEFAULT_BOROUGH_NAME] * 2,
        },
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 2000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 2000)],
        crs=crs,
    )
    _write_geojson(wards, tmp_path / geo.WARDS_FILE)
    outline = box(X0, Y0, X0 + 2000, Y0 + 2000)
    _write_geojson(
        gpd.GeoDataFrame(
            {"LAD22NM": [config.DEFAULT_BOROUGH_NAME], "LAD22CD": [config.DEFAULT_BOROUGH_CODE]},
            geometry=[outline],
            crs=crs,
        ),
        tmp_path / geo.BOROUGH_FILE,
    )
    _write_geojson(
        gpd.GeoDataFrame(
            {"LAD22NM": ["Elsewhere", config.DEFAULT_BOROUGH_NAME], "LAD22CD": ["E09000099", "E09000002"]},
            geometry=[box(X0 - 2000, Y0, X0, Y0 + 2000), outline],
            crs=crs,
        ),
        tmp_path / geo.LONDON_FILE,
    )
    pd.DataFrame(
        {
            "LSOA21CD": list(SQUARES),
            "LSOA21NM": [f"Toy {k[-1]}" for k in SQUARES],
            "WD25CD": [WARD_CODES[LOOKUP_WARD[k]] for k in SQUARES],
            "WD25NM": [LOOKUP_WARD[k] for k in SQUARES],
            "LAD25CD": config.DEFAULT_BOROUGH_CODE,
            "LAD25NM": config.DEFAULT_BOROUGH_NAME,
        }
    ).to_csv(tmp_path / geo.LOOKUP_FILE, index=False)
    # Station "Centre" sits on the corner shared by all four LSOAs; "Outside" is 5 km west; the park is
    # in the middle of A and its source says the pin is not authoritative.
    rows = [
        ("station", "Centre", X0 + 1000, Y0 + 1000, "E05900002", "W2", "True", "TfL open data"),
        ("station", "Outside", X0 - 5000, Y0 + 500, "", "", "False", "TfL open data"),
        (
            "park (APPROXIMATE)",
            "Toy Park",
            X0 + 500,
            Y0 + 500,
            "E05900001",
            "W1",
            "True",
            "demo pins; NOT authoritative",
        ),
    ]
    recs = []
    for typ, name, x, y, wc, wn, inbd, src in rows:
        lon, lat = _to_lonlat(x, y)
        recs.append(
            {
                "type": typ,
                "name": name,
                "lat": lat,
                "lon": lon,
                "easting": x,
                "northing": y,
                "lines": "",
                "zone": "",
                "WD22CD": wc,
                "WD22NM": wn,
                "in_bd": inbd,
                "source": src,
            }
        )
    pd.DataFrame(recs).to_csv(tmp_path / geo.PLACES_FILE, index=False)
    return tmp_path


def _defs(tmp_path: Path, places: list[dict]) -> Path:
    path = tmp_path / "places.json"
    path.write_text(json.dumps({"version": 1, "places": places}), encoding="utf-8")
    return path


TINY_PLACES = [
    {
        "id": "centre",
        "name": "Centre",
        "kind": "priority",
        "method": "station_buffer",
        "parameters": {"station": "Centre", "radius_m": 100},
        "approximate": False,
        "note": "corner",
    },
    {
        "id": "park",
        "name": "Toy Park",
        "kind": "priority",
        "method": "point_buffer",
        "parameters": {"place": "Toy Park", "radius_m": 200},
        "approximate": False,
        "note": "",
    },
    {
        "id": "w2",
        "name": "Ward two",
        "kind": "outreach",
        "method": "ward",
        "parameters": {"ward_name": "W2"},
        "approximate": True,
        "note": "by name",
    },
    {
        "id": "ab",
        "name": "A and B",
        "kind": "outreach",
        "method": "lsoa_set",
        "parameters": {"lsoa_codes": ["E01900001", "E01900002"]},
        "approximate": False,
        "note": "",
    },
    {
        "id": "nowhere",
        "name": "Nowhere",
        "kind": "outreach",
        "method": "lsoa_set",
        "parameters": {"lsoa_codes": []},
        "approximate": False,
        "note": "not located",
    },
    {
        "id": "edge",
        "name": "Edge",
        "kind": "outreach",
        "method": "station_buffer",
        "parameters": {"station": "Outside", "radius_m": 5500},
        "approximate": False,
        "note": "clipped",
    },
]


# ---------------------------------------------------------------------------------------------- loaders


def test_loaders_columns_and_lookup_not_overlay(tiny):
    w = geo.wards(tiny)
    assert list(w.columns) == ["ward_code", "ward_name", "geometry"]
    ls = geo.lsoas(tiny)
    assert list(ls.columns) == ["lsoa_code", "lsoa_name", "msoa_code", "ward_code", "ward_name", "geometry"]
    # C lies inside ward polygon W1 but the best-fit lookup says W2: the lookup wins.
    c = ls.set_index("lsoa_code").loc["E01900003"]
    assert (c["ward_code"], c["ward_name"]) == ("E05900002", "W2")
    assert str(ls.crs) == geo.DISPLAY_CRS
    lk = geo.lsoa_ward_lookup(tiny)
    assert list(lk.columns) == ["lsoa_code", "lsoa_name", "ward_code", "ward_name"]
    assert len(lk) == 4
    lb = geo.london_boroughs(tiny)
    assert list(lb.columns) == ["borough_code", "borough_name", "geometry"] and len(lb) == 2
    assert geo.borough_outline(tiny)["borough_code"].tolist() == [config.DEFAULT_BOROUGH_CODE]


def test_loaders_return_copies(tiny):
    w = geo.wards(tiny)
    w.loc[0, "ward_name"] = "changed"
    w["ward_code"] = "x"
    again = geo.wards(tiny)
    assert again["ward_name"].tolist() == ["W1", "W2"]


def test_area_km2(tiny):
    assert geo.area_km2(geo.lsoas(tiny)).tolist() == pytest.approx([1.0] * 4, rel=1e-6)


def test_places_approximate_from_source(tiny):
    p = geo.places(tiny).set_index("name")
    assert list(geo.places(tiny).columns) == [
        "place_type",
        "name",
        "ward_code",
        "ward_name",
        "in_borough",
        "approximate",
        "source",
        "geometry",
    ]
    assert p.loc["Toy Park", "place_type"] == "park"
    assert bool(p.loc["Toy Park", "approximate"]) is True
    assert bool(p.loc["Centre", "approximate"]) is False
    assert bool(p.loc["Outside", "in_borough"]) is False and bool(p.loc["Centre", "in_borough"]) is True
    assert pd.isna(p.loc["Outside", "ward_code"])


# ------------------------------------------------------------------------------------- assign_areas


def test_assign_areas_points_outside_and_bad_coords(tiny):
    pts = [(X0 + 500, Y0 + 500), (X0 + 1500, Y0 + 500), (X0 + 500, Y0 + 1500), (X0 - 3000, Y0 + 500)]
    ll = [_to_lonlat(*p) for p in pts]
    df = pd.DataFrame(
        {
            "lon": [str(a) for a, _ in ll] + ["abc", None],
            "lat": [b for _, b in ll] + [51.5, 51.5],
            "n": range(6),
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    before = df.copy()
    out = geo.assign_areas(df, lon="lon", lat="lat", data_dir=tiny)
    pd.testing.assert_frame_equal(df, before)  # argument untouched
    assert out.index.tolist() == df.index.tolist()
    assert out["lsoa_code"].iloc[:3].tolist() == ["E01900001", "E01900002", "E01900003"]
    # C is in ward W2 by the lookup although it lies inside ward polygon W1.
    assert out["ward_name"].iloc[:3].tolist() == ["W1", "W2", "W2"]
    assert out[["lsoa_code", "lsoa_name", "ward_code", "ward_name"]].iloc[3:].isna().all().all()


def test_assign_areas_boundary_point_gets_one_lsoa(tiny):
    lon, lat = _to_lonlat(X0 + 1000, Y0 + 1000)  # the corner of all four squares
    out = geo.assign_areas(pd.DataFrame({"longitude": [lon], "latitude": [lat]}), data_dir=tiny)
    assert len(out) == 1 and out["lsoa_code"].iloc[0] in SQUARES


def test_assign_areas_missing_column(tiny):
    with pytest.raises(ValueError, match="not in frame"):
        geo.assign_areas(pd.DataFrame({"x": [1]}), data_dir=tiny)


# ---------------------------------------------------------------------------------- priority places


def test_priority_places_methods(tiny, tmp_path):
    pp = geo.priority_places(tiny, definitions=_defs(tmp_path, TINY_PLACES)).set_index("place_id")
    assert list(pp.reset_index().columns) == [
        "place_id",
        "name",
        "kind",
        "method",
        "definition",
        "approximate",
        "geometry",
    ]
    area = geo.area_km2(pp) * 1e6
    assert area["centre"] == pytest.approx(math.pi * 100**2, rel=2e-3)
    # The park's pin is approximate, so the place is flagged even though the json said false.
    assert bool(pp.loc["park", "approximate"]) is True
    assert bool(pp.loc["centre", "approximate"]) is False
    # Ward place = union of the LSOAs the lookup gives W2: B, C, D = 3 km², not the W2 polygon's 2 km².
    assert area["w2"] == pytest.approx(3e6, rel=1e-6)
    assert area["ab"] == pytest.approx(2e6, rel=1e-6)
    assert pp.loc["nowhere"].geometry.is_empty and bool(pp.loc["nowhere", "approximate"]) is True
    # 5.5 km around a point 5 km west reaches at most 500 m into the 2 km-tall borough, and is clipped to it:
    # a strip under 500 m x 2000 m, bowed by the circle's curvature (hand estimate 0.88 km²).
    assert 0.85e6 < area["edge"] < 1.0e6
    assert "Within 100 m of Centre station" in pp.loc["centre", "definition"]
    assert "corner" in pp.loc["centre", "definition"]


def test_priority_places_bad_definitions(tiny, tmp_path):
    bad_method = [dict(TINY_PLACES[0], method="teleport")]
    with pytest.raises(ValueError, match="unknown method"):
        geo.priority_places(tiny, definitions=_defs(tmp_path, bad_method))
    dup = [TINY_PLACES[0], TINY_PLACES[0]]
    with pytest.raises(ValueError, match="duplicate"):
        geo.load_place_definitions(_defs(tmp_path, dup))
    missing_station = [dict(TINY_PLACES[0], parameters={"station": "Atlantis", "radius_m": 100})]
    with pytest.raises(ValueError, match="Atlantis"):
        geo.priority_places(tiny, definitions=_defs(tmp_path, missing_station))


def test_place_lsoas_shares(tiny, tmp_path):
    pl = geo.place_lsoas(tiny, definitions=_defs(tmp_path, TINY_PLACES))
    assert list(pl.columns) == ["place_id", "lsoa_code", "share"]
    centre = pl[pl["place_id"] == "centre"]
    # A 100 m circle on the corner of four 1 km² squares: a quarter circle in each.
    assert sorted(centre["lsoa_code"]) == sorted(SQUARES)
    assert centre["share"].tolist() == pytest.approx([math.pi * 100**2 / 4 / 1e6] * 4, rel=2e-3)
    park = pl[pl["place_id"] == "park"]
    assert park["lsoa_code"].tolist() == ["E01900001"]
    assert park["share"].iloc[0] == pytest.approx(math.pi * 200**2 / 1e6, rel=2e-3)
    w2 = pl[pl["place_id"] == "w2"]
    assert sorted(w2["lsoa_code"]) == ["E01900002", "E01900003", "E01900004"] and (w2["share"] == 1.0).all()
    assert "nowhere" not in set(pl["place_id"])
    assert ((pl["share"] > 0) & (pl["share"] <= 1)).all()


def test_places_for_lsoas(tiny, tmp_path, monkeypatch):
    defs = _defs(tmp_path, TINY_PLACES)
    monkeypatch.setattr(geo, "_default_definitions", lambda: defs.resolve())
    recs = pd.DataFrame({"lsoa_code": ["E01900001", "E01900004"], "n": [1, 2]})
    out = geo.places_for_lsoas(recs, data_dir=tiny, min_share=0.5)
    assert sorted(zip(out["n"], out["place_id"], strict=True)) == [(1, "ab"), (2, "w2")]


def test_area_display_name():
    assert geo.area_display_name("Barking and Dagenham 015F", "Abbey", "Barking Town Centre") == (
        "015F \u00b7 Abbey (Barking Town Centre)"
    )
    assert geo.area_display_name("Barking and Dagenham 015F", "Abbey") == "015F \u00b7 Abbey"
    assert geo.area_display_name("Abbey", None, "Barking Town Centre") == "Abbey (Barking Town Centre)"
    assert geo.area_display_name("Valence") == "Valence"


def test_area_display_names_use_lookup_ward_and_the_place_covering_enough(tiny, tmp_path):
    defs = _defs(tmp_path, TINY_PLACES)
    ls = geo.area_display_names("lsoa", tiny, definitions=defs).set_index("area_code")
    # The park's 200 m circle covers 12.6% of A (over the 10% bar); the 100 m circle on the corner covers
    # 0.8% of each square, too little to name any. C takes its ward from the lookup (W2), not the polygon (W1).
    assert ls.loc["E01900001", "area_name"] == "1 \u00b7 W1 (Toy Park)"
    assert ls.loc["E01900003", "area_name"] == "3 \u00b7 W2"
    assert ls["priority_place"].isna().sum() == 3
    # Outreach areas (w2, ab) never name an area: only priority places do.
    assert not ls["area_name"].str.contains("Ward two").any()
    wd = geo.area_display_names("ward", tiny, definitions=defs).set_index("area_code")
    # W1's only best-fit LSOA is A, so the park covers 12.6% of W1 too; a higher bar drops it.
    assert wd["area_name"].to_dict() == {"E05900001": "W1 (Toy Park)", "E05900002": "W2"}
    strict = geo.area_display_names("ward", tiny, definitions=defs, min_share=0.2)
    assert strict["area_name"].tolist() == ["W1", "W2"]
    with pytest.raises(ValueError):
        geo.area_display_names("msoa", tiny, definitions=defs)


def test_with_display_names_replaces_names_by_code():
    frame = pd.DataFrame({"code": ["E1", "E2"], "name": ["B and D 001A", "B and D 001B"], "n": [1, 2]})
    names = pd.DataFrame({"area_code": ["E1"], "area_name": ["001A \u00b7 Abbey"]})
    out = geo.with_display_names(frame, names)
    assert out["name"].tolist() == ["001A \u00b7 Abbey", "B and D 001B"] and out["n"].tolist() == [1, 2]
    assert frame["name"].iloc[0] == "B and D 001A"  # a new frame


@pytest.mark.realdata
def test_real_lsoa_display_names_name_ward_and_place():
    names = geo.area_display_names("lsoa").set_index("area_code")
    lookup = geo.lsoa_ward_lookup().set_index("lsoa_code")
    assert len(names) == 115 and names.index.is_unique
    for code, row in names.iterrows():
        suffix = lookup.loc[code, "lsoa_name"].split()[-1]
        assert row["area_name"].startswith(f"{suffix} \u00b7 {lookup.loc[code, 'ward_name']}")
    # Computed independently: the priority place covering the largest share (>= 10%) of each LSOA.
    pl = geo.place_lsoas().merge(geo.priority_places()[["place_id", "name", "kind"]], on="place_id")
    pl = pl[(pl["kind"] == "priority") & (pl["share"] >= 0.1)].sort_values("share", ascending=False)
    want = pl.drop_duplicates("lsoa_code").set_index("lsoa_code")["name"]
    got = names["priority_place"].dropna()
    assert got.sort_index().to_dict() == want.sort_index().to_dict() and len(got) > 0
    for code, place in got.items():
        assert names.loc[code, "area_name"].endswith(f"({place})")


# ------------------------------------------------------------------------------------------ geojson


def test_layer_geojson_compact(tiny):
    doc = geo.layer_geojson("lsoas", tiny)
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 4
    assert set(doc["features"][0]["properties"]) == {"lsoa_code", "lsoa_name", "ward_code"}
    coords = np.array(doc["features"][0]["geometry"]["coordinates"][0])
    assert np.allclose(coords, np.round(coords, 5), atol=0)
    # Simplification keeps the squares: areas within rounding of 1 km².
    areas = geo.area_km2(gpd.GeoSeries([shape(f["geometry"]) for f in doc["features"]], crs=geo.DISPLAY_CRS))
    assert areas.tolist() == pytest.approx([1.0] * 4, rel=5e-3)
    # The result is a copy: editing it does not change the next call.
    doc["features"].clear()
    assert len(geo.layer_geojson("lsoas", tiny)["features"]) == 4
    assert set(geo.layer_geojson("wards", tiny)["features"][0]["properties"]) == {"ward_code", "ward_name"}
    with pytest.raises(ValueError, match="unknown layer"):
        geo.layer_geojson("rivers", tiny)


# ------------------------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_real_counts_and_lookup():
    w, ls, lk = geo.wards(), geo.lsoas(), geo.lsoa_ward_lookup()
    assert len(w) == 19 and w["ward_code"].is_unique
    assert w["ward_code"].min() == "E05014053" and w["ward_code"].max() == "E05014071"
    assert len(ls) == 115 and ls["lsoa_code"].is_unique
    assert ls["ward_code"].notna().all()
    assert set(lk["ward_code"]) == set(w["ward_code"])  # the 2025 lookup codes are the 2022 wards
    assert set(lk["lsoa_code"]) == set(ls["lsoa_code"])
    names = dict(zip(w["ward_code"], w["ward_name"], strict=True))
    assert all(names[c] == n for c, n in zip(lk["ward_code"], lk["ward_name"], strict=True))
    assert len(geo.london_boroughs()) == 33
    assert geo.area_km2(w).sum() == pytest.approx(36.1, abs=0.1)


@pytest.mark.realdata
def test_real_places():
    p = geo.places()
    assert len(p) == 13
    assert set(p["place_type"]) == {"station", "park"}
    assert p.loc[p["place_type"] == "park", "approximate"].all()
    st = p[p["place_type"] == "station"].set_index("name")
    assert not st.loc[["Barking", "Becontree", "Dagenham Heathway", "Upney"], "approximate"].any()
    assert not st.loc[["Chadwell Heath", "Goodmayes"], "in_borough"].any()


@pytest.mark.realdata
def test_real_assign_areas_hand_points():
    df = pd.DataFrame(
        {
            "longitude": [0.080185, -0.1276, 0.127348],  # Barking station, Trafalgar Square, Becontree
            "latitude": [51.539883, 51.5080, 51.540342],
        }
    )
    out = geo.assign_areas(df)
    expected = geo.places().set_index("name")
    assert out["ward_name"].iloc[0] == expected.loc["Barking", "ward_name"] == "Northbury"
    assert out[["lsoa_code", "ward_code"]].iloc[1].isna().all()
    assert out["ward_name"].iloc[2] == expected.loc["Becontree", "ward_name"] == "Mayesbrook"


@pytest.mark.realdata
def test_real_assign_areas_is_fast():
    rng = np.random.default_rng(1)
    n = 200_000
    df = pd.DataFrame({"longitude": rng.uniform(0.05, 0.20, n), "latitude": rng.uniform(51.50, 51.60, n)})
    from svd.reference import Reference

    with Reference():  # as in the dashboard and the CLI: the index is kept by the caller's reference store
        geo.assign_areas(df.head(1))  # build the index first
        # CPU time, not wall time: on a shared machine the wall clock measures the other jobs (bench/ has timings).
        t = time.process_time()
        out = geo.assign_areas(df)
        assert time.process_time() - t < 3.0
    assert 0.2 < out["lsoa_code"].notna().mean() < 0.8  # the box is bigger than the borough


@pytest.mark.realdata
def test_real_lsoa_layer_under_150kb():
    doc = geo.layer_geojson("lsoas")
    size = len(json.dumps(doc, separators=(",", ":")).encode("utf-8"))
    assert size < 150_000, size
    assert len(doc["features"]) == 115
    for name in geo.LAYERS:
        feats = geo.layer_geojson(name)["features"]
        assert feats and all(f["geometry"]["coordinates"] for f in feats)


PRIORITY = {
    "barking_town_centre": "Barking Town Centre",
    "dagenham_heathway": "Dagenham Heathway",
    "becontree_station": "Becontree Station",
    "parsloes_park": "Parsloes Park",
    "mayesbrook_park": "Mayesbrook Park",
}


@pytest.mark.realdata
def test_real_priority_places():
    pp = geo.priority_places().set_index("place_id")
    pri = pp[pp["kind"] == "priority"]
    assert dict(pri["name"]) == PRIORITY
    outline = geo.borough_outline().to_crs(geo.METRIC_CRS).geometry.iloc[0]
    for pid in PRIORITY:
        g = gpd.GeoSeries([pp.loc[pid].geometry], crs=geo.DISPLAY_CRS).to_crs(geo.METRIC_CRS).iloc[0]
        assert g.area > 100_000  # at least 0.1 km²
        assert g.intersection(outline).area / g.area > 0.99
    becontree = geo.places().set_index("name").loc["Becontree"].geometry
    assert pp.loc["becontree_station"].geometry.contains(becontree)
    assert pp.loc[["parsloes_park", "mayesbrook_park"], "approximate"].all()
    assert set(pp["method"]) <= set(geo.PLACE_METHODS)
    assert pp["definition"].str.len().gt(20).all()
    # Places defined alike under both lists share one polygon.
    for a, b in [
        ("dagenham_heathway", "outreach_dagenham_heathway"),
        ("parsloes_park", "outreach_parsloes_park"),
    ]:
        assert pp.loc[a].geometry.equals(pp.loc[b].geometry)


def _strategy_outreach_list() -> list[str] | None:
    path = config.data_dir().parent / "strategy" / "serious-violence-duty-strategy-lbbd-2024.txt"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    block = text.split("outreach sessions in the following areas", 1)[1].split("\n\n", 2)[1]
    return [re.sub(r"^\s*-\s*", "", line).strip() for line in block.splitlines() if line.strip()]


@pytest.mark.realdata
def test_real_outreach_areas_match_strategy():
    listed = _strategy_outreach_list()
    if listed is None:
        pytest.skip("strategy text not found beside the data directory")
    pp = geo.priority_places()
    assert len(listed) == 19
    assert pp.loc[pp["kind"] == "outreach", "name"].tolist() == listed


@pytest.mark.realdata
def test_real_place_lsoas():
    pl = geo.place_lsoas()
    assert ((pl["share"] > 0) & (pl["share"] <= 1)).all()
    assert set(PRIORITY) <= set(pl["place_id"])
    assert set(pl["lsoa_code"]) <= set(geo.lsoas()["lsoa_code"])
    assert not pl.duplicated(["place_id", "lsoa_code"]).any()
    # The circle around Becontree station (400 m, wholly inside the borough) is shared out among LSOAs.
    area = geo.area_km2(geo.lsoas()).set_axis(geo.lsoas()["lsoa_code"])
    bec = pl[pl["place_id"] == "becontree_station"]
    covered = (bec["share"] * area.reindex(bec["lsoa_code"]).to_numpy()).sum()
    assert covered == pytest.approx(math.pi * 0.4**2, rel=5e-3)


@pytest.mark.realdata
def test_real_geojson_topology_kept():
    doc = geo.layer_geojson("wards")
    shapes = gpd.GeoSeries([shape(f["geometry"]) for f in doc["features"]], crs=geo.DISPLAY_CRS)
    total = geo.area_km2(shapes).sum()
    union = geo.area_km2(gpd.GeoSeries([shapely.union_all(shapes.make_valid().values)], crs=geo.DISPLAY_CRS))
    # Coverage simplification leaves no overlaps: the parts add up to the union.
    assert total == pytest.approx(union.iloc[0], rel=1e-3)


# -------------------------------------------------------------------------- the definitions file itself

REQUIRED_PARAMS = {
    "station_buffer": {"station", "radius_m"},
    "point_buffer": {"place", "radius_m"},
    "ward": {"ward_name"},
    "lsoa_set": {"lsoa_codes"},
}


def test_places_json_is_well_formed():
    defs = geo.load_place_definitions()
    for d in defs:
        assert {"id", "name", "kind", "method", "parameters", "approximate", "note"} <= set(d), d["id"]
        assert set(d["parameters"]) == REQUIRED_PARAMS[d["method"]], d["id"]
        assert isinstance(d["approximate"], bool) and d["note"].strip(), d["id"]
        if "radius_m" in d["parameters"]:
            assert 100 <= d["parameters"]["radius_m"] <= 1000, d["id"]
        # Outreach ids carry a prefix so they never collide with a priority place of the same name.
        assert d["id"].startswith("outreach_") == (d["kind"] == "outreach"), d["id"]
    pri = [d["name"] for d in defs if d["kind"] == "priority"]
    assert pri == list(PRIORITY.values())
    assert sum(d["kind"] == "outreach" for d in defs) == 19
    # Anything not drawn round an exact station point is flagged approximate, except where the json says the
    # station circle itself is the definition.
    for d in defs:
        if d["method"] in ("ward", "lsoa_set", "point_buffer"):
            assert d["approximate"], d["id"]
