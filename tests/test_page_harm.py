"""AppTest: the measure switch changes the Overview tiles (values and labels) and the Hotspots ranking order."""

from __future__ import annotations

from pathlib import Path

import pytest

APP = str(Path(__file__).resolve().parents[1] / "app.py")

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


def _overview(weighting: str | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    if weighting is not None:
        at.radio(key="weighting").set_value(weighting).run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _table_with(at, column: str):
    """The first static table on the page with ``column``."""
    return next(t.value for t in at.table if column in t.value.columns)


def _labels(at) -> list[str]:
    return [m.label for m in at.metric]


def test_switching_to_cost_relabels_the_overview_tiles():
    count = _overview()
    cost = _overview("cost")
    assert "Personal robbery" in _labels(count)
    labels = _labels(cost)
    assert "Personal robbery · estimated cost (£, 2024/25 prices)" in labels
    assert "Serious violence (proxy) · estimated cost (£, 2024/25 prices)" in labels
    robbery = next(m for m in cost.metric if m.label.startswith("Personal robbery"))
    assert robbery.value.startswith("£")
    captions = " ".join(c.value for c in cost.caption)
    assert "change not tested: a weighted sum is not a count" in captions.lower()
    # The volume against cost shares and the needs assessment's published figures beside them.
    md = " ".join(m.value for m in cost.markdown)
    assert "Personal robbery:" in md and "% of volume" in md and "of estimated cost" in md
    assert "Personal robbery's estimated cost" in md and "£5 million" in md and "£21.5 million" in md
    from pagetest import charts

    titles = [str(c.spec) for c in charts(cost)]
    assert any("estimated cost per month" in t for t in titles), titles
    assert not any("estimated cost per month" in str(c.spec) for c in charts(count))
    sna = _table_with(cost, "Needs assessment 2023 (%)")
    assert sna["Needs assessment 2023 (%)"].tolist() == ["25", "31", "31", "31"]


def test_css_harm_says_no_published_weight_rather_than_zero():
    at = _overview("harm_css")
    captions = " ".join(c.value for c in at.caption)
    assert "no published weight, not counted as 0" in captions
    # Violence with injury spans offences whose CSS weights differ: no weight, no total (robbery has one).
    injury = next(m for m in at.metric if m.label.startswith("Violence with injury"))
    assert injury.value == "–"


def _hotspots(weighting: str | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    at.switch_page("views/hotspots.py")
    at.run()
    at.segmented_control(key="hs_source").set_value("mps").run()
    if weighting is not None:
        at.radio(key="hs_weighting").set_value(weighting).run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _top_areas(at) -> list[str]:
    return _table_with(at, "Area")["Area"].tolist()


def test_switching_to_cost_reorders_the_hotspots_ranking():
    count = _hotspots()
    cost = _hotspots("cost")
    by_count, by_cost = _top_areas(count), _top_areas(cost)
    assert set(by_count) != set() and by_count != by_cost
    top = _table_with(cost, "Area")
    assert "Rank by offences" in top.columns


def test_the_hotspots_map_legend_says_the_measure_and_records_mode_reranks_too():
    cost = _hotspots("cost")
    md = [m.value for m in cost.markdown]
    assert "**Offences · estimated cost (£, 2024/25 prices)**" in md
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    at.switch_page("views/hotspots.py")
    at.run()
    at.radio(key="hs_weighting").set_value("cost").run()  # record-level (simulated) source, the default
    assert not at.exception and not at.error
    top = _table_with(at, "Area")
    assert "Rank by offences" in top.columns
    assert any("Ranked by estimated cost" in c.value for c in at.caption)


def test_the_share_link_carries_the_measure():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=240)
    at.query_params["weighting"] = "cost"
    at.run()
    assert not at.exception
    assert at.radio(key="weighting").value == "cost"
    assert any(m.label.startswith("Personal robbery · estimated cost") for m in at.metric)
