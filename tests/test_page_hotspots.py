"""AppTest of the Hotspots page on the default data: map layers, feature counts, totals, filters, table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from svd import filters as sf
from svd import hotspots as hs

APP = str(Path(__file__).resolve().parents[1] / "app.py")

pytestmark = pytest.mark.realdata


def _app():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/hotspots.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _widget(at, kind, key):
    return next(w for w in getattr(at, kind) if w.key == key)


def _deck(at) -> dict:
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1
    return json.loads(decks[0].proto.json)


def _layer(spec, layer_id):
    return next(la for la in spec["layers"] if la.get("id") == layer_id)


def _areas_total(spec) -> int:
    return sum(f["properties"].get("count") or 0 for f in _layer(spec, "areas")["data"]["features"])


def _expected_total(at) -> int:
    from ui import cache

    shared = at.session_state["shared_filter"]
    data = cache.tasking_records(cache.data_root(), cache.extract_path())
    f = sf.RecordFilter(
        start=shared["start"], end=shared["end"], wards=shared["wards"], hours=sf.PRIORITY_WINDOW
    )
    return len(sf.apply(data, f))


def test_page_renders_with_notice_headline_and_no_errors():
    at = _app()
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Hotspots"
    assert any("simulat" in w.value.lower() for w in at.warning)  # the simulated-data notice
    assert any("busiest ward" in m.value for m in at.markdown if "svd-headline" in m.value)


def test_ward_map_has_19_features_no_basemap_and_counts_add_up():
    at = _app()
    spec = _deck(at)
    assert len(_layer(spec, "areas")["data"]["features"]) == 19
    assert "mapProvider" not in spec and spec.get("mapStyle") == "__MAP_STYLE__"  # no hosted basemap
    types = {la["@@type"] for la in spec["layers"]}
    assert {"GeoJsonLayer", "TextLayer"} <= types
    # default filter is the 15:00-21:00 window; the choropleth counts add up to the filtered records
    assert _areas_total(spec) == _expected_total(at) > 0
    grid = _layer(spec, "grid")
    assert sum(c["count"] for c in grid["data"]) <= _expected_total(at)
    assert len(grid["data"]) <= 5000


def test_lsoa_level_has_115_features_and_the_same_total():
    at = _app()
    ward_total = _areas_total(_deck(at))
    _widget(at, "radio", "hs_level").set_value("lsoa")
    at.run()
    assert not at.exception
    spec = _deck(at)
    assert len(_layer(spec, "areas")["data"]["features"]) == 115
    # every record with a ward also has an LSOA in the canonical frame
    assert _areas_total(spec) == ward_total
    assert len(at.get("deck_gl_json_chart")[0].proto.json) <= 300_000


def test_changing_a_filter_changes_the_map_and_the_table():
    at = _app()
    before = _areas_total(_deck(at))
    table_before = at.dataframe[-1].value.copy()
    _widget(at, "selectbox", "hs_hours").set_value("All hours")
    at.run()
    after = _areas_total(_deck(at))
    assert after > before
    assert not at.dataframe[-1].value.equals(table_before)


def test_ranked_table_has_gi_and_emerging_labels_and_downloads():
    at = _app()
    top = at.dataframe[-1].value
    assert {"hotspot", "emerging", "count", "rate_per_1000", "change_text"} <= set(top.columns)
    assert top["hotspot"].notna().all() and top["emerging"].isin(["Emerging", "Declining", "Stable"]).all()
    assert list(top["count"]) == sorted(top["count"], reverse=True)
    assert any(b.label == "Download CSV" for b in at.get("download_button"))


def test_mps_source_is_ward_only_and_says_so():
    at = _app()
    at.segmented_control(key="hs_source").set_value("mps")
    at.run()
    assert not at.exception
    assert any("Real MPS ward counts" in i.value for i in at.info)
    assert [w.key for w in at.selectbox if w.key in ("hs_hours", "hs_da")] == []
    spec = _deck(at)
    assert len(_layer(spec, "areas")["data"]["features"]) == 19
    # the choropleth equals the MPS table filtered by the shared period
    from ui import cache

    shared = at.session_state["shared_filter"]
    _, table = cache.mps_ward(cache.data_root())
    expected = int(
        sf.apply_mps(table, sf.RecordFilter(start=shared["start"], end=shared["end"]))["count"].sum()
    )
    assert _areas_total(spec) == expected
    assert hs.LEVELS  # module import used
