"""Presentation mode: the toggle and ?present=1, the CSS and altair theme, and Previous / Next navigation."""

from __future__ import annotations

import altair as alt
import pytest
from streamlit.testing.v1 import AppTest

from ui import present

SCRIPT = """
import streamlit as st
from ui import present

with st.sidebar:
    present.toggle()
on = present.apply()
st.markdown('<p class="svd-headline">Headline</p>', unsafe_allow_html=True)
st.write("presenting" if on else "not presenting")

def a():
    st.write("page A")

def b():
    st.write("page B")

pages = [st.Page(a, title="Alpha", url_path="alpha", default=True), st.Page(b, title="Beta", url_path="beta")]
pg = st.navigation(pages)
pg.run()
present.page_nav(pages, pg)
"""


@pytest.fixture(autouse=True)
def _default_theme():
    yield
    alt.theme.enable("default")  # the registry is process-wide: leave it as other tests expect


def _app() -> AppTest:
    return AppTest.from_string(SCRIPT, default_timeout=30)


def _css(at: AppTest) -> str:
    return "".join(m.value for m in at.markdown if "<style>" in m.value)


def test_theme_has_large_labels_and_titles():
    cfg = present.presentation_theme()["config"]
    for axis in ("axis", "axisX", "axisY"):
        assert cfg[axis]["labelFontSize"] >= 18 and cfg[axis]["titleFontSize"] >= 22
    assert cfg["legend"]["labelFontSize"] >= 18 and cfg["title"]["fontSize"] >= 22
    assert present.THEME in alt.theme.names()


def test_off_by_default():
    at = _app().run()
    assert not at.exception
    assert at.toggle(key=present.KEY).value is False
    assert "not presenting" in [m.value for m in at.markdown]
    assert _css(at) == ""
    assert not [b for b in at.button if b.key in ("present-prev", "present-next")]
    assert "present" not in at.query_params


def test_query_param_turns_it_on():
    at = _app()
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception
    assert at.toggle(key=present.KEY).value is True
    css = _css(at)
    assert 'section[data-testid="stSidebar"]' in css and "display: none" in css
    assert "font-size: 24px" in css and "2.2rem" in css
    assert alt.theme.active == present.THEME
    assert at.button(key="present-next").disabled is False
    assert at.button(key="present-prev").disabled is True  # the first page has no previous page


def test_toggle_writes_the_url_and_exit_turns_it_off():
    at = _app().run()
    at.toggle(key=present.KEY).set_value(True).run()
    assert at.query_params.get("present") == ["1"] or at.query_params.get("present") == "1"
    assert _css(at) != ""
    at.button(key="present-exit").click().run()
    assert not at.exception
    assert at.toggle(key=present.KEY).value is False
    assert _css(at) == ""
    assert "present" not in at.query_params
    assert alt.theme.active != present.THEME


def test_next_goes_to_the_next_page():
    at = _app()
    at.query_params["present"] = "1"
    at.run()
    at.button(key="present-next").click().run()
    assert not at.exception
    assert "page B" in [m.value for m in at.markdown]
    assert at.button(key="present-next").disabled is True  # the last page has no next page
    assert at.button(key="present-prev").disabled is False


def test_neighbours():
    pages = ["a", "b", "c"]
    assert present.neighbours(pages, "a") == (None, "b")
    assert present.neighbours(pages, "b") == ("a", "c")
    assert present.neighbours(pages, "c") == ("b", None)
    assert present.neighbours(pages, "z") == (None, None)
