"""AppTest of the Sexual offences page: real trends, 5-year change, rank, record profile with the historical switch."""

from __future__ import annotations

from pathlib import Path

import pytest

from svd import metrics, trends
from svd.config import DEFAULT_BOROUGH_CODE as BOROUGH_CODE
from tests.pagetest import headline, open_page

APP = str(Path(__file__).resolve().parents[1] / "app.py")

pytestmark = pytest.mark.realdata
ALL = metrics.metric("rape").categories + metrics.metric("other_sexual").categories


def _app():
    return open_page("sexual_offences.py")


def _metric(at, start):
    return next(m for m in at.metric if m.label.startswith(start))


@pytest.fixture(scope="module")
def at():
    return _app()


@pytest.fixture(scope="module")
def tables():
    from ui import cache

    return cache.mps_ward(cache.data_root())[1], cache.mps_borough(cache.data_root())[1]


def test_page_shows_title_charts_notice_and_sources(at):
    assert at.title[0].value == "Sexual offences"
    charts = list(at.get("vega_lite_chart")) + list(at.get("arrow_vega_lite_chart"))
    assert len(charts) >= 7  # rape, other, long-term, rank, hour, weekday, location
    assert any("simulat" in w.value.lower() for w in at.warning) or any("extract" in i.value for i in at.info)
    assert any("No figures are published for Mar 2023 to Dec 2023" in c.value for c in at.caption)
    assert any("Data as of March 2026" in c.value for c in at.caption)


def test_figures_equal_the_svd_results(at, tables):
    from svd.population import london_populations

    ward, borough = tables
    periods = at.session_state["shared_filter"]["periods"]
    change = trends.compare_periods(trends.monthly(ward, ALL), periods)
    assert change.sentence("sexual offences") in headline(at)
    assert _metric(at, "All sexual offences, chosen months").value == f"{change.current:,}"
    rape = trends.compare_periods(trends.monthly(ward, metrics.metric("rape").categories), periods)
    assert _metric(at, "Rape, chosen months").value == f"{rape.current:,}"
    long = trends.monthly(borough, ALL, [BOROUGH_CODE])
    # The five-year table wraps (st.table): its cells are the figures as written on screen.
    five = next(t.value for t in at.table if "Offences then" in t.value.columns)
    assert five["Offences"].tolist()[0] == f"{trends.five_year_change(long).current:,}"
    assert five["Offences then"].tolist()[1] == f"{trends.five_year_change(long, end='2023-02').previous:,}"
    from ui import cache

    london_ward = cache.mps_ward(cache.data_root(), None)[1]
    rk = trends.rank(
        london_ward, ALL, london_populations(), end=periods.end, length=12, code_col="borough_code"
    )
    assert any(rk.sentence("sexual offences") == m.value for m in at.markdown)


def test_rank_offence_switch_and_historical_toggle_change_the_output(at):
    at.radio(key="so_rank_offence").set_value("Rape").run()
    assert not at.exception
    assert any(" rape offences, " in m.value for m in at.markdown)
    before = [c.value for c in at.caption if "offences · historical share" in c.value][0]
    at.toggle(key="so_exclude_historical").set_value(False).run()
    assert not at.exception
    after = [c.value for c in at.caption if "offences · historical share" in c.value][0]
    assert (
        before != after and "excluding historical reports" in before and "excluding historical" not in after
    )
