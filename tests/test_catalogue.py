"""The catalogue describes every reference file; the data directory is checked against it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from svd import catalogue
from svd.config import data_dir


def test_every_dataset_is_fully_described():
    ids = [d.id for d in catalogue.load_catalogue()]
    assert len(ids) == len(set(ids))
    for ds in catalogue.load_catalogue():
        # The GLA states no licence for its lookup: the catalogue says so, and names the ONS source's licence.
        assert ds.publisher and (
            ds.licence.startswith("Open Government Licence")
            or (ds.licence.startswith("Not stated") and "Open Government Licence" in ds.licence)
        )
        assert ds.attribution and ds.columns
        assert ds.rows is not None or ds.min_files >= 1


def test_attribution_matches_sources_md_lines():
    lines = catalogue.attribution_lines()
    assert any("Crown copyright" in line for line in lines)
    assert any("Open Government Licence v3.0" in line for line in lines)
    assert any("Open Government Licence v2.0" in line for line in lines)


def _write_geojson(path: Path, n: int, props: dict) -> None:
    feats = [
        {
            "type": "Feature",
            "properties": {k: f"{v}{i}" for k, v in props.items()},
            "geometry": {"type": "Point", "coordinates": [0.1, 51.5]},
        }
        for i in range(n)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))


def test_check_reports_missing_and_wrong_files(tmp_path):
    (tmp_path / "geo").mkdir()
    _write_geojson(
        tmp_path / "geo" / "wards_2022_barking_dagenham.geojson",
        18,
        {"WD22CD": "E05", "WD22NM": "W", "LAD22CD": "E09", "LAD22NM": "B"},
    )
    (tmp_path / "geo" / "lsoa_2021_to_ward_lookup_barking_dagenham.csv").write_text(
        "LSOA21CD,LSOA21NM\nE01,a\nE01,b\n"
    )
    results = {c.dataset.id: c for c in catalogue.check(tmp_path)}
    assert results["wards"].problems == ("wards_2022_barking_dagenham.geojson: 18 rows, expected 19",)
    lookup = " ".join(results["lsoa_ward_lookup"].problems)
    assert "missing columns WD25CD" in lookup and "expected 115" in lookup
    assert results["lsoas"].problems[0].startswith("missing: expected geo/lsoa_2021")
    assert {c.dataset.id for c in catalogue.missing_required(tmp_path)} >= {"wards", "lsoas", "mps_ward"}


def test_missing_required_reads_only_the_required_datasets(tmp_path, monkeypatch):
    """Every page run asks it first: the optional London-wide files (seconds to read) are the Data page's."""
    read: list[str] = []
    real = catalogue.check_dataset
    monkeypatch.setattr(catalogue, "check_dataset", lambda ds, root: read.append(ds.id) or real(ds, root))
    missing = catalogue.missing_required(tmp_path)
    required = {ds.id for ds in catalogue.load_catalogue() if ds.required}
    optional = {ds.id for ds in catalogue.load_catalogue() if not ds.required}
    assert set(read) == required and optional  # the catalogue has optional datasets, and none was read
    assert {c.dataset.id for c in missing} == required  # an empty folder: every required one is missing


def test_check_reads_topojson_shapefile_and_nomis_formats(tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    (tmp_path / "geo" / "london").mkdir(parents=True)
    (tmp_path / "population").mkdir()
    geoms = [
        {"type": "Polygon", "arcs": [], "properties": {"WD22CD": code, "WD22NM": "W", "LAD22CD": "E09"}}
        for code in ["E05000001", "E05000001"]
    ]
    topo = {
        "type": "Topology",
        "arcs": [],
        "objects": {"ward": {"type": "GeometryCollection", "geometries": geoms}},
    }
    (tmp_path / "geo" / "london" / "wards_2022_london_E12000007.topojson").write_text(json.dumps(topo))
    gpd.GeoDataFrame(
        {
            "LSOA21CD": ["E01000001"],
            "LSOA21NM": ["a"],
            "MSOA21CD": ["m"],
            "LAD22CD": ["E09"],
            "LAD22NM": ["B"],
        },
        geometry=[box(530000, 180000, 530100, 180100)],
        crs="EPSG:27700",
    ).to_file(tmp_path / "geo" / "london" / "london-2021-lsoa-gen20.shp", engine="pyogrio")
    (tmp_path / "population" / "census2021_TS001_usual_residents_lsoa_london_nomis.csv").write_text(
        '"TS001 banner"\n\n"2021 super output area - lower layer","mnemonic","2021"\n"A 001A","E01000001",10\n'
        '"A 001B","E01000002",12\n\n"","footnote"\n'
    )
    results = {c.dataset.id: c for c in catalogue.check(tmp_path)}
    wards = results["london_wards"].problems
    assert wards == (
        "wards_2022_london_E12000007.topojson: 2 rows, expected 704",
        "wards_2022_london_E12000007.topojson: duplicate values in key column WD22CD",
    )
    lsoas = results["london_lsoas"].problems
    assert lsoas == (
        "london-2021-lsoa-gen20.shp: missing columns MSOA21NM",
        "london-2021-lsoa-gen20.shp: 1 rows, expected 4994",
    )
    nomis = results["london_population_lsoa"].problems
    assert nomis == ("census2021_TS001_usual_residents_lsoa_london_nomis.csv: 2 rows, expected 4988",)
    assert results["london_lsoa_ward_lookup"].problems[0].startswith("missing: expected geo/london/")


@pytest.mark.realdata
def test_real_data_directory_matches_catalogue():
    bad = {c.dataset.id: c.problems for c in catalogue.check(data_dir()) if not c.ok}
    assert bad == {}
