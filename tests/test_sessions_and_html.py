"""Hardening (issue 17 item 5): data never becomes HTML, one session's presentation mode never restyles
another's charts or map, and no raw exception text reaches a user."""

from __future__ import annotations

import json
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from svd.config import repo_root
from tests.pagetest import APP, headline

INJECTED = "<b>x</b><script>alert(1)</script>"


def _headline_with(sentence: str):
    from ui import frame

    frame.headline("Title", sentence, provenance=None)


def test_a_headline_draws_tags_in_its_data_as_text():
    at = AppTest.from_function(
        _headline_with, kwargs={"sentence": f"{INJECTED} & Abbey was the busiest"}
    ).run()
    html = headline(at)
    assert "<b>" not in html and "<script" not in html
    assert "&lt;b&gt;x&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; Abbey" in html


def test_the_map_legend_escapes_its_ranges():
    import pandas as pd

    from svd import maps

    table = pd.DataFrame([{"class": 1, "colour": "#440154", "range": INJECTED, "areas": "<i>3</i>"}])
    out = maps.legend_html(table)
    assert "<script" not in out and "<b>" not in out and "<i>" not in out
    assert "&lt;script&gt;" in out


@pytest.mark.realdata
@pytest.mark.slow
def test_an_area_name_carrying_html_is_text_in_the_hotspots_headline(monkeypatch):
    from svd import hotspots

    real = hotspots.summarise

    def summarise_with_injected_name(table):
        s = real(table)
        return hotspots.Summary(s.total, s.previous, f"{INJECTED} {s.top_name}", s.top_count, s.top_share)

    monkeypatch.setattr(hotspots, "summarise", summarise_with_injected_name)
    at = AppTest.from_file(APP, default_timeout=300).run()
    at.switch_page("views/hotspots.py").run()
    assert not at.exception
    text = headline(at)
    assert "&lt;b&gt;x&lt;/b&gt;&lt;script&gt;" in text, text
    assert "<b>" not in text and "<script" not in text


def _chart_font_sizes(at) -> list[float]:
    charts = list(at.get("vega_lite_chart")) + list(at.get("arrow_vega_lite_chart"))
    assert charts
    return [
        json.loads(c.proto.spec).get("config", {}).get("axis", {}).get("labelFontSize", 0) for c in charts
    ]


def _map_text_sizes(at) -> list[float]:
    decks = [json.loads(d.proto.json) for d in at.get("deck_gl_json_chart")]
    assert decks
    return [
        layer.get("getSize") for d in decks for layer in d["layers"] if layer.get("@@type") == "TextLayer"
    ]


@pytest.mark.realdata
@pytest.mark.slow
def test_one_sessions_presentation_mode_leaves_another_sessions_charts_and_map_alone():
    from ui import present

    def session(presenting: bool, view: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=300)
        if presenting:
            at.query_params[present.KEY] = "1"
        at.run()
        return at.switch_page(view).run()

    # Interleaved: the room's session runs between the desk session's runs, in the same process.
    desk = session(False, "views/knife_crime_robbery.py")
    normal_sizes = _chart_font_sizes(desk)
    room = session(True, "views/knife_crime_robbery.py")
    assert set(_chart_font_sizes(room)) == {present.LABEL_SIZE}
    desk.run()
    assert _chart_font_sizes(desk) == normal_sizes and present.LABEL_SIZE not in normal_sizes

    desk_map = session(False, "views/hotspots.py")
    normal_text = _map_text_sizes(desk_map)
    room_map = session(True, "views/hotspots.py")
    assert set(_map_text_sizes(room_map)) == {present.MAP_LABEL_SIZE}
    desk_map.run()
    assert _map_text_sizes(desk_map) == normal_text and present.MAP_LABEL_SIZE not in normal_text


def test_the_server_shows_no_error_details():
    config = tomllib.loads((repo_root() / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


def _fails():
    raise ValueError("could not open /srv/secret/extract.csv")


def test_an_uncaught_exception_reaches_the_user_without_its_text():
    from streamlit import config

    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "none")  # as .streamlit/config.toml sets it for the server
    try:
        at = AppTest.from_function(_fails).run()
    finally:
        config.set_option("client.showErrorDetails", before)
    shown = " ".join(f"{e.message} {e.proto.message} {' '.join(e.stack_trace)}" for e in at.exception)
    assert at.exception and "/srv/secret" not in shown and "could not open" not in shown
