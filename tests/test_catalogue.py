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
        assert ds.publisher and ds.licence.startswith("Open Government Licence")
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


@pytest.mark.realdata
def test_real_data_directory_matches_catalogue():
    bad = {c.dataset.id: c.problems for c in catalogue.check(data_dir()) if not c.ok}
    assert bad == {}
