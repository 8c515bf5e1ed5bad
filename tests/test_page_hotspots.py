"""AppTest of the Hotspots page on the default data: map layers, feature counts, totals, filters, table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from svd import export
from svd import filters as sf
from svd import hotspots as hs
from svd.incidents import SERIOUS_VIOLENCE_OFFENCES

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


def _areas(spec) -> dict[str, dict]:
    """The choropleth's rows by area code (a ward in several parts has one row per part)."""
    return {row["code"]: row for row in _layer(spec, "areas")["data"]}


def _areas_total(spec) -> int:
    return sum(row.get("count") or 0 for row in _areas(spec).values())


def _expected_total(at) -> int:
    from ui import cache

    shared = at.session_state["shared_filter"]
    data = cache.tasking_records(cache.data_root(), cache.extract_path())
    f = sf.RecordFilter(
        start=shared["start"], end=shared["end"], wards=shared["wards"], hours=sf.PRIORITY_WINDOW
    )
    # The page's default offences: serious violence, the London definition's offence types.
    return int(sf.apply(data, f)["offence"].isin(SERIOUS_VIOLENCE_OFFENCES).sum())


def test_page_renders_with_notice_headline_and_no_errors():
    at = _app()
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Hotspots"
    assert any("simulat" in w.value.lower() for w in at.warning)  # the simulated-data notice
    assert any("busiest ward" in m.value for m in at.markdown if "svd-headline" in m.value)


def test_ward_map_has_19_features_no_basemap_and_counts_add_up():
    at = _app()
    spec = _deck(at)
    assert len(_areas(spec)) == 19
    assert "mapProvider" not in spec and spec.get("mapStyle") == "__MAP_STYLE__"  # no hosted basemap
    types = {la["@@type"] for la in spec["layers"]}
    assert {"PolygonLayer", "GeoJsonLayer", "TextLayer"} <= types
    # default filter is the 15:00-21:00 window; the choropleth counts add up to the filtered records
    assert _areas_total(spec) == _expected_total(at) > 0
    grid = _layer(spec, "grid")
    # each square's tooltip is its count ("12 offences"); located records are all or some of the total
    assert 0 < sum(int(c["tip"].split()[0].replace(",", "")) for c in grid["data"]) <= _expected_total(at)
    assert len(grid["data"]) <= 5000


def test_lsoa_level_has_115_features_and_the_same_total():
    at = _app()
    ward_total = _areas_total(_deck(at))
    _widget(at, "radio", "hs_level").set_value("lsoa")
    at.run()
    assert not at.exception
    spec = _deck(at)
    assert len(_areas(spec)) == 115
    # every record with a ward also has an LSOA in the canonical frame
    assert _areas_total(spec) == ward_total
    assert len(at.get("deck_gl_json_chart")[0].proto.json) <= 300_000
    # the 250 m squares are off by default for LSOAs (on for wards); the toggle brings them back
    assert "grid" not in {la["id"] for la in spec["layers"]}
    at.toggle(key="hs_grid_lsoa").set_value(True).run()
    assert "grid" in {la["id"] for la in _deck(at)["layers"]}
    assert len(at.get("deck_gl_json_chart")[0].proto.json.encode()) <= 100_000


def test_changing_a_filter_changes_the_map_and_the_table():
    at = _app()
    before = _areas_total(_deck(at))
    table_before = at.table[-1].value.copy()
    _widget(at, "selectbox", "hs_hours").set_value("All hours")
    at.run()
    after = _areas_total(_deck(at))
    assert after > before
    assert not at.table[-1].value.equals(table_before)


def test_ranked_table_has_gi_and_emerging_labels_and_downloads():
    at = _app()
    top = at.table[-1].value  # a static table: every word shown, none cut off
    gi = "Gi\\* hotspot"  # cells and headers are markdown: the star is escaped, and shown as "Gi* hotspot"
    assert {gi, "Trend, last 12 months", "Offences", "Per 1,000 residents", "Change"} <= set(top.columns)
    from svd import stats

    assert top[gi].isin(stats.HOTSPOT_LABELS).all()
    assert top["Trend, last 12 months"].isin([*stats.EMERGING_LABELS, "Not tested (simulated)"]).all()
    # The caption states both methods (and where their error rates are measured).
    captions = " ".join(c.value for c in at.caption)
    assert "Getis-Ord Gi*, queen contiguity, two-sided, Benjamini–Hochberg FDR 5%" in captions
    assert "quasi-Poisson test per area" in captions and "Error rates of the statistical labels" in captions
    counts = [int(v.replace(",", "")) for v in top["Offences"]]
    assert counts == sorted(counts, reverse=True)
    labels = [b.label for b in at.get("download_button")]
    assert {"CSV", "Excel", "Map (PNG)", "All areas (CSV)"} <= set(labels)


def test_mps_source_is_ward_only_and_says_so():
    at = _app()
    at.segmented_control(key="hs_source").set_value("mps")
    at.run()
    assert not at.exception
    assert any("Real MPS ward counts" in i.value for i in at.info)
    assert [w.key for w in at.selectbox if w.key in ("hs_hours", "hs_da")] == []
    spec = _deck(at)
    assert len(_areas(spec)) == 19
    # the choropleth equals the MPS table filtered by the shared period
    from ui import cache

    shared = at.session_state["shared_filter"]
    _, table = cache.mps_ward(cache.data_root())
    # Preset to the serious-violence proxy: the taxonomy's proxy categories, by major and minor category.
    from svd.taxonomy import SERIOUS_VIOLENCE_PROXY

    proxy = table[
        [(a, b) in SERIOUS_VIOLENCE_PROXY for a, b in zip(table["major"], table["minor"], strict=True)]
    ]
    expected = int(
        sf.apply_mps(proxy, sf.RecordFilter(start=shared["start"], end=shared["end"]))["count"].sum()
    )
    assert _areas_total(spec) == expected
    assert set(_widget(at, "multiselect", "hs_mps_groups").value) == {
        "Homicide",
        "Violence with injury",
        "Rape",
        "Other sexual offences",
        "Personal robbery",
    }
    assert hs.LEVELS  # module import used


def _headline(at) -> str:
    return next(m.value for m in at.markdown if '<p class="svd-headline">' in m.value)


def test_headline_describes_what_the_map_shows():
    at = _app()
    totals = []
    for hours in (None, "All hours"):
        if hours:
            _widget(at, "selectbox", "hs_hours").set_value(hours)
            at.run()
        text = _headline(at)
        total = int(re.search(r"of the ([\d,]+) offences", text).group(1).replace(",", ""))
        assert total == _areas_total(_deck(at)) > 0
        assert ("15:00 to 20:59" in text) == (hours is None)  # the filter, in words, follows the map
        totals.append(total)
    assert totals[1] > totals[0]


def test_layer_source_and_measure_are_in_the_query_string():
    at = _app()
    _widget(at, "radio", "hs_level").set_value("lsoa")
    _widget(at, "radio", "hs_measure").set_value("rate_per_1000")
    at.run()
    assert at.query_params["hs_level"] == "lsoa" and at.query_params["hs_measure"] == "rate_per_1000"
    at.segmented_control(key="hs_source").set_value("mps")
    at.run()
    assert not at.exception
    assert at.query_params["hs_source"] == "mps"
    assert "hs_level" not in at.query_params  # ward-only source: back to the default level
    # a copied link reopens the layer
    from streamlit.testing.v1 import AppTest

    again = AppTest.from_file(APP, default_timeout=120)
    again.query_params["hs_level"] = "lsoa"
    again.query_params["hs_measure"] = "rate_per_1000"
    again.run()
    again.switch_page("views/hotspots.py")
    again.run()
    assert not again.exception
    assert _widget(again, "radio", "hs_level").value == "lsoa"
    assert _widget(again, "radio", "hs_measure").value == "rate_per_1000"
    assert len(_areas(_deck(again))) == 115


def test_public_mode_hides_small_lsoa_counts_in_table_map_and_csv(monkeypatch):
    from streamlit.runtime.media_file_manager import MediaFileManager

    deferred = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, *args, **kwargs):
        file_id = original(self, data_callable, *args, **kwargs)
        deferred[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    monkeypatch.setenv("SVD_PUBLIC", "1")
    from streamlit.testing.v1 import AppTest

    from svd import public

    # Public mode's periods one month long (the latest month by default): wards with 1 to 4 sexual offences.
    monkeypatch.setattr(public, "PERIOD_MONTHS", 1)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/hotspots.py")
    at.run()
    assert not at.exception
    assert any("Public mode" in i.value for i in at.info)
    # Issue 12: "All" less "Exclude flagged" gave each ward's hidden domestic-abuse count: public mode
    # offers no flag or time filter here.
    keys = {
        w.key for kind in ("radio", "selectbox", "multiselect", "segmented_control") for w in at.get(kind)
    }
    assert not keys & {"hs_da", "hs_knife", "hs_hours", "hs_days"}
    _widget(at, "radio", "hs_level").set_value("lsoa")
    _widget(at, "multiselect", "hs_groups").set_value(["Rape", "Homicide"])
    at.run()
    assert not at.exception
    # Sexual offences are mapped by ward only; rape and homicide together is sensitive (issue 12).
    assert any("not by neighbourhood" in i.value for i in at.info)
    top = at.table[-1].value
    assert len(top) == 10
    shown = [str(v).replace("\\", "") for v in top["Offences"]]
    assert all(v in ("<5", "[c]") or int(v.replace(",", "")) >= 5 for v in shown)
    # the map's properties and tooltips carry no count of 1-4 either
    rows = _areas(_deck(at)).values()
    values = [row.get("count") for row in rows]
    assert not any(v is not None and 1 <= v <= 4 for v in values)
    # (a month's borough total this small leaves no ward of 5 or more to pair with: all shown "[c]")
    assert any(re.search(r"(^|\n)(<5|\[c\]) offences", row.get("tip") or "") for row in rows)
    assert not any(re.search(r"(^|\n)[1-4] offences", row.get("tip") or "") for row in rows)
    # the downloads: every CSV the page offers (top ten and all areas) has no count of 1-4
    csv_ids = [b.proto.deferred_file_id for b in at.get("download_button") if "CSV" in b.label]
    assert len(csv_ids) == 2

    all_areas = None
    for fid in csv_ids:
        table = export.read_table_csv(deferred[fid](), dtype=str)
        assert not table["Offences"].isin(["1", "2", "3", "4"]).any()  # plain column names in downloads
        assert not table["Previous period"].isin(["1", "2", "3", "4"]).any()
        all_areas = table if len(table) > 10 else all_areas
    assert all_areas is not None and len(all_areas) == 19 and all_areas["Offences"].isin(["<5", "[c]"]).any()
    # rates of hidden counts are blanked (a rate times the population would give the count back)
    hidden = all_areas["Offences"].isin(["<5", "[c]"])
    assert all_areas.loc[hidden, "Per 1,000 residents"].isna().all()


def test_defaults_are_serious_violence_with_display_names_and_no_empty_groups():
    at = _app()
    assert _widget(at, "selectbox", "hs_offences").value == hs.SERIOUS_VIOLENCE
    assert "hs_offences" not in at.query_params  # the default is not written into the link
    groups = _widget(at, "multiselect", "hs_groups")
    # Groups with no record-level data are not offered; a note names them.
    assert not {"Burglary", "Drug offences", "Fraud and forgery"} & set(groups.options)
    assert any("No record-level data for" in c.value and "burglary" in c.value for c in at.caption)
    assert any("London-definition serious violence" in c.value for c in at.caption)
    spec = _deck(at)
    # Tooltips: a bold name from the template, plain-text data (no tag in any row), the period escaped.
    assert spec and at.get("deck_gl_json_chart")[0].proto.tooltip
    tip = json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)
    assert tip["html"].startswith("<b>{name}</b><br>{tip}")
    rows = list(_areas(spec).values())
    assert all("<" not in r["name"] and "<" not in r["tip"] for r in rows)
    assert any(r["name"].startswith("Abbey") for r in rows)
    # LSOA level: display names with the ward and, where one covers it, the priority place.
    _widget(at, "radio", "hs_level").set_value("lsoa")
    at.run()
    names = [r["name"] for r in _areas(_deck(at)).values()]
    assert len(names) == 115 and all(re.match(r"^\d{3}[A-Z] \u00b7 \S", n) for n in names)
    assert any(n.endswith("(Barking Town Centre)") for n in names)
    top = at.table[-1].value
    assert top["Area"].str.match(r"^\d{3}[A-Z] \u00b7 ").all()
    # The legend's ranges do not overlap: each class starts one above the last one's end.
    legend = next(m.value for m in at.markdown if "svd-legend" in m.value)
    ranges = re.findall(r"<td style='white-space:nowrap'>([^<]*)</td>", legend)
    spans = [tuple(int(x.replace(",", "")) for x in (r.split("\u2013") * 2)[:2]) for r in ranges]
    assert len(spans) >= 2 and all(b[0] == a[1] + 1 for a, b in zip(spans, spans[1:], strict=False))
    # Clearing the offences maps every offence: more than serious violence alone.
    before = _areas_total(_deck(at))
    _widget(at, "selectbox", "hs_offences").set_value(hs.ALL_OFFENCES)
    at.run()
    assert at.query_params["hs_offences"] == hs.ALL_OFFENCES
    assert _areas_total(_deck(at)) > before
