"""AppTest of the Days and times page: heatmap, the 15:00–21:00 share beside the SNA figure, filters."""

from __future__ import annotations

from pathlib import Path

import pytest

from svd import filters as sf
from svd import temporal as tp
from svd.incidents import SERIOUS_VIOLENCE_OFFENCES

APP = str(Path(__file__).resolve().parents[1] / "app.py")

pytestmark = pytest.mark.realdata
SHARE = "15:00–21:00 share, current filters"
SNA = "Serious violence affecting under-25s (the SNA's measure"  # then "; simulated records)" or the extract


def _app():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/temporal.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _charts(at):
    return at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")


def _metric(at, label):
    return next(m for m in at.metric if m.label.startswith(label))


def test_page_renders_charts_notice_and_sna_reference():
    at = _app()
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Days and times"
    assert any("simulat" in w.value.lower() for w in at.warning)
    assert len(_charts(at)) >= 4  # heatmap, hour, weekday, seasonality
    assert _metric(at, "2023 SNA figure").value == "46%"
    assert any("2023 SNA: 46%" in m.value for m in at.markdown)


def test_share_matches_svd_on_the_filtered_records():
    from ui import cache

    at = _app()
    shared = at.session_state["shared_filter"]
    data = cache.tasking_records(cache.data_root(), cache.extract_path())
    recs = sf.apply(data, sf.RecordFilter(start=shared["start"], end=shared["end"], wards=shared["wards"]))
    # The page's default offences: serious violence, the London definition's offence types.
    recs = recs[recs["offence"].isin(SERIOUS_VIOLENCE_OFFENCES)]
    _, _, share = tp.window_share(recs)
    assert _metric(at, SHARE).value == f"{share * 100:.0f}%"


def test_changing_a_filter_changes_the_output():
    at = _app()
    before = _metric(at, SHARE).help
    next(w for w in at.selectbox if w.key == "tp_da").set_value("Only flagged")
    at.run()
    assert not at.exception
    assert _metric(at, SHARE).help != before
    place = next(w for w in at.selectbox if w.key == "tp_place")
    place.set_value("barking_town_centre")
    at.run()
    assert not at.exception
    assert "Barking Town Centre" in _metric(at, SHARE).help


def test_under_25_share_is_the_sna_measure_on_the_same_records():
    from svd import metrics
    from ui import cache

    at = _app()
    shared = at.session_state["shared_filter"]
    data = cache.records(cache.data_root(), cache.extract_path()).data
    period = sf.apply(data, sf.RecordFilter(start=shared["start"], end=shared["end"], wards=shared["wards"]))
    young = period[metrics.affecting_under_25(period)]
    inside, known, share = tp.window_share(young)
    assert known > 100
    assert _metric(at, SNA).value == f"{share * 100:.0f}%"
    assert f"{inside:,} of the {known:,}" in _metric(at, SNA).help
    headline = next(m.value for m in at.markdown if '<p class="svd-headline">' in m.value)
    assert f"{share:.0%} of serious violence affecting under-25s" in headline and "2023 SNA: 46%" in headline
    # the SNA measure ignores the page filters; the current-filters share follows them
    before = _metric(at, SHARE).value
    next(w for w in at.selectbox if w.key == "tp_knife").set_value("Only flagged")
    at.run()
    assert _metric(at, SNA).value == f"{share * 100:.0f}%"
    assert _metric(at, SHARE).help != before or _metric(at, SHARE).value != before


def test_charts_and_tables_have_downloads():
    at = _app()
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("PNG") >= 5 and labels.count("SVG") >= 5  # heatmap, hour, weekday, two seasonality
    assert "Hour × day table (CSV)" in labels and "Hour × day table (Excel)" in labels


def test_public_mode_blanks_small_cells_for_a_place(monkeypatch):
    monkeypatch.setenv("SVD_PUBLIC", "1")
    at = _app()
    assert any("Public mode" in i.value for i in at.info)
    next(w for w in at.selectbox if w.key == "tp_place").set_value("barking_town_centre")
    next(w for w in at.selectbox if w.key == "tp_knife").set_value("Only flagged")
    at.run()
    assert not at.exception
    assert any("cells and bars of 1 to 4 offences are left blank" in c.value for c in at.caption)
    import pyarrow as pa

    heatmap = _charts(at)[0]
    frames = [pa.ipc.open_stream(ds.data.data).read_all().to_pandas() for ds in heatmap.proto.datasets]
    cells = next(f for f in frames if {"weekday", "hour", "shown"} <= set(f.columns))
    assert len(cells) == 7 * 24
    assert not cells["count"].between(1, 4).any()
    # A day whose total is too small to pair a hidden cell with one of 5 or more is hidden whole, zeros too,
    # as "[c]" (svd.public.protect): "<5" beside shown zeros would say where in the day the offences were.
    hidden = cells["shown"].isin(["<5", "[c]"])
    assert hidden.any() and cells.loc[hidden, "count"].isna().all()


def test_offences_default_to_serious_violence_and_groups_without_records_are_named():
    at = _app()
    assert next(w for w in at.selectbox if w.key == "tp_offences").value == "serious_violence"
    assert any("London-definition serious violence" in c.value for c in at.caption)
    groups = next(w for w in at.multiselect if w.key == "tp_groups")
    assert "Burglary" not in groups.options and "Violence with injury" in groups.options
    assert any("No record-level data for" in c.value and "burglary" in c.value for c in at.caption)
