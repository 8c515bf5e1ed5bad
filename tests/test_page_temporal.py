"""AppTest of the Days and times page: heatmap, the 15:00–21:00 share beside the SNA figure, filters."""

from __future__ import annotations

from pathlib import Path

import pytest

from svd import filters as sf
from svd import temporal as tp

APP = str(Path(__file__).resolve().parents[1] / "app.py")

pytestmark = pytest.mark.realdata


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
    return next(m for m in at.metric if m.label == label)


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
    _, _, share = tp.window_share(recs)
    assert _metric(at, "Share between 15:00 and 21:00").value == f"{share * 100:.0f}%"


def test_changing_a_filter_changes_the_output():
    at = _app()
    before = _metric(at, "Share between 15:00 and 21:00").help
    next(w for w in at.selectbox if w.key == "tp_da").set_value("Only flagged")
    at.run()
    assert not at.exception
    assert _metric(at, "Share between 15:00 and 21:00").help != before
    place = next(w for w in at.selectbox if w.key == "tp_place")
    place.set_value("barking_town_centre")
    at.run()
    assert not at.exception
    assert "Barking Town Centre" in _metric(at, "Share between 15:00 and 21:00").help
