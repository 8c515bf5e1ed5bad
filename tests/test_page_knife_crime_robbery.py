"""AppTest of the Knife crime and robbery page: real robbery trend and rank, knife share and stations from records."""

from __future__ import annotations

from pathlib import Path

import pytest

from svd import filters as rf
from svd import metrics, profiles, trends
from tests.pagetest import headline, open_page

APP = str(Path(__file__).resolve().parents[1] / "app.py")

pytestmark = pytest.mark.realdata
ROBBERY = metrics.metric("personal_robbery").categories


def _app():
    return open_page("knife_crime_robbery.py")


def _metric(at, start):
    return next(m for m in at.metric if m.label.startswith(start))


@pytest.fixture(scope="module")
def at():
    return _app()


def _period_records(at):
    from ui import cache

    rs = cache.records(cache.data_root(), cache.extract_path())
    shared = at.session_state["shared_filter"]
    return rf.apply(rs.data, rf.RecordFilter(start=shared["start"], end=shared["end"], wards=shared["wards"]))


def test_page_shows_title_notice_charts_and_sources(at):
    assert at.title[0].value == "Knife crime and personal robbery"
    assert any("simulat" in w.value.lower() for w in at.warning) or any("extract" in i.value for i in at.info)
    charts = list(at.get("vega_lite_chart")) + list(at.get("arrow_vega_lite_chart"))
    assert len(charts) >= 6  # monthly, long-term, rank, 2 ages, stations
    assert any("Data as of March 2026" in c.value for c in at.caption)


def test_figures_equal_the_svd_results(at):
    from ui import cache

    ward = cache.mps_ward(cache.data_root())[1]
    change = trends.compare_periods(
        trends.monthly(ward, ROBBERY), at.session_state["shared_filter"]["periods"]
    )
    assert _metric(at, "Personal robbery, chosen months").value == f"{change.current:,}"
    assert change.sentence("personal robbery") in headline(at)
    recs = _period_records(at)
    knife = profiles.knife_personal_robbery_share(recs)
    assert _metric(at, "Knife offences that are personal robbery").value == f"{knife.pct:.0f}%"
    assert "SNA 52%" in _metric(at, "Knife offences that are personal robbery").delta
    robbery = rf.apply(recs, rf.RecordFilter(offence_groups=("Personal robbery",)))
    multi = profiles.multiple_suspects_share(robbery)
    assert _metric(at, "Robberies with 2+ suspects").value == f"{multi.pct:.0f}%"
    _, near = profiles.near_points(robbery, profiles.stations(cache.places(cache.data_root())), radius_m=400)
    assert _metric(at, "Personal robbery within 400 m").value == f"{near.pct:.0f}%"


def test_station_distance_changes_the_output(at):
    before = _metric(at, "Personal robbery within").value
    at.select_slider(key="kr_radius").set_value(800).run()
    assert not at.exception
    after = _metric(at, "Personal robbery within 800 m")
    assert after.value != before
