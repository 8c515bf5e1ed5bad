"""AppTest: with simulated records, no record-level figure on any page appears without the word "simulated"."""

from __future__ import annotations

import json

import pytest

from tests.pagetest import charts, headline, open_page

pytestmark = pytest.mark.realdata

# Tiles that show published figures (MPS, the needs assessment), not record-level ones: the only ones allowed
# to leave the word out. Any new tile must either say "simulated records" or be added here with its reason.
OFFICIAL_TILES = {
    "knife_crime_robbery.py": ("Personal robbery, chosen months", "Rate per 1,000 residents"),
    "sexual_offences.py": (
        "All sexual offences, chosen months",
        "Rape, chosen months",
        "Other sexual offences, chosen months",
    ),
    "domestic_abuse.py": ("SNA published:",),
    "temporal.py": ("2023 SNA figure",),
    "hotspots.py": (),
}
# Headlines built on record-level figures.
RECORD_HEADLINES = ("knife_crime_robbery.py", "domestic_abuse.py", "temporal.py", "hotspots.py")
# Charts drawn from the published series on pages that also have record-level charts.
OFFICIAL_CHARTS = ("Real MPS", "per month", "rolling 12-month total", "per 1,000 residents, ")


@pytest.fixture(scope="module")
def simulated():
    from svd.records import load_records

    if not load_records().simulated:
        pytest.skip("an extract is configured")


def _chart_title(chart) -> str:
    title = json.loads(chart.proto.spec).get("title") or {}
    if isinstance(title, str):
        return title
    parts = []
    for key in ("text", "subtitle"):
        v = title.get(key) or ""
        parts.append(" ".join(v) if isinstance(v, list) else v)
    return " · ".join(parts)


@pytest.mark.parametrize("page", sorted(OFFICIAL_TILES))
def test_record_level_figures_say_simulated(page, simulated):
    at = open_page(page)
    if page in RECORD_HEADLINES:
        assert "simulated" in headline(at).lower(), headline(at)
    for m in at.metric:
        if not m.label.startswith(OFFICIAL_TILES[page]):
            assert "simulated" in m.label.lower(), m.label
    record_charts = [
        t
        for t in map(_chart_title, charts(at))
        if "Simulated" in t or not any(o in t for o in OFFICIAL_CHARTS)
    ]
    for title in record_charts:
        assert "simulated" in title.lower(), title
    if page in ("domestic_abuse.py", "temporal.py"):
        assert record_charts  # the check above had charts to look at
    # Captions that give a record-level share say where it comes from.
    for c in at.caption:
        if c.value.startswith(("Aged 0-17:", "Busiest hour", "Change not tested")) or " of " in c.value[:12]:
            assert "simulated" in c.value.lower(), c.value


def test_hotspots_headline_tests_no_simulated_change(simulated):
    """The default Hotspots view filters on the time of day, which the simulation draws: no change test."""
    at = open_page("hotspots.py")
    text = headline(at)
    assert "change not tested: the simulation draws the time of day" in text
    assert "significant" not in text
    top = at.table[-1].value  # the ranked areas: a static table
    assert (
        top["Trend, last 12 months"] == "Not tested (simulated)"
    ).all()  # nor the emerging areas' Poisson test


def test_every_download_says_where_its_figures_come_from(simulated, monkeypatch):
    """Every CSV of the Domestic abuse page opens with the metadata block saying SIMULATED; every workbook has
    the "About this data" sheet saying so."""
    import io

    from openpyxl import load_workbook
    from streamlit.runtime.media_file_manager import MediaFileManager

    from svd import export

    deferred = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, *args, **kwargs):
        file_id = original(self, data_callable, *args, **kwargs)
        deferred[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    at = open_page("domestic_abuse.py")
    buttons = [b for b in at.get("download_button") if "CSV" in b.label or "Excel" in b.label]
    assert len(buttons) >= 6  # the monthly table, two age tables and the area table, each as CSV and Excel
    for b in buttons:
        raw = deferred[b.proto.deferred_file_id]()
        if "CSV" in b.label:
            meta = export.read_metadata_csv(raw)
            assert meta["Source kind"] == "SIMULATED" and "assumed:" in meta["Notes"], b.label
            assert len(export.read_table_csv(raw)) > 0
        else:
            about = load_workbook(io.BytesIO(raw))["About this data"]
            rows = {r[0]: r[1] for r in about.iter_rows(min_row=2, values_only=True)}
            assert rows["Source kind"] == "SIMULATED", b.label
