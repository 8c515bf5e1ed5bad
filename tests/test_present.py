"""Presentation mode: the toggle and ?present=1, the CSS and altair theme, and Previous / Next navigation."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from svd import charts
from ui import present

SCRIPT = """
import streamlit as st
from ui import present

with st.sidebar:
    present.toggle()
on = present.apply()
st.markdown('<p class="svd-headline">Headline</p>', unsafe_allow_html=True)
st.write("presenting" if on else "not presenting")
st.write("style " + present.chart_style().name)

def a():
    st.write("page A")

def b():
    st.write("page B")

pages = [st.Page(a, title="Alpha", url_path="alpha", default=True), st.Page(b, title="Beta", url_path="beta")]
pg = st.navigation(pages)
pg.run()
present.page_nav(pages, pg)
"""


def _app() -> AppTest:
    return AppTest.from_string(SCRIPT, default_timeout=30)


def _css(at: AppTest) -> str:
    return "".join(m.value for m in at.markdown if "<style>" in m.value)


def test_presentation_style_has_large_labels_and_titles():
    cfg = charts.PRESENT.config
    for axis in ("axis", "axisX", "axisY"):
        assert cfg[axis]["labelFontSize"] >= 20 and cfg[axis]["titleFontSize"] >= 22
    assert cfg["legend"]["labelFontSize"] >= 20 and cfg["title"]["fontSize"] >= 22
    assert present.LABEL_SIZE >= 20 and present.TABLE_SIZE >= 20 and present.BODY_SIZE >= 20


def test_off_by_default():
    at = _app().run()
    assert not at.exception
    assert at.toggle(key=present.KEY).value is False
    assert "not presenting" in [m.value for m in at.markdown]
    assert "style normal" in [m.value for m in at.markdown]
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
    assert "font-size: 24px" in css and "font-size: 22px" in css and "2.2rem" in css
    assert "style present" in [m.value for m in at.markdown]
    assert alt.theme.active == "default"  # nothing process-wide: other sessions' charts keep their style
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
    assert "style normal" in [m.value for m in at.markdown]


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


def test_column_labels_are_plain_words():
    assert present.column_label("rate_per_1000") == "Per 1,000 residents"
    assert present.column_label("fund_source") == "Source of the fund"
    assert present.column_label("lsoa_code") == "LSOA code"
    assert present.column_label("months_ignored") == "Months ignored"
    assert present.column_label("Already a label") == "Already a label"


def test_readable_and_display_frames():
    df = pd.DataFrame(
        {
            "ward_code": ["E1", "E2"],
            "rate_per_1000": [1.23456, None],
            "count": [1200, 3],
            "note": [None, "a_b"],
        }
    )
    out = present.readable(df)
    assert list(out.columns) == ["Ward code", "Per 1,000 residents", "Offences", "Note"]
    assert out["Per 1,000 residents"].iloc[0] == 1.23 and out["Note"].tolist() == ["", "a_b"]
    shown = present.display_frame(
        df,
        {
            "count": st.column_config.NumberColumn("Offences", format="localized"),
            "rate_per_1000": st.column_config.NumberColumn("Rate", format="%.2f"),
            "ward_code": None,
        },
    )
    assert list(shown.columns) == ["Rate", "Offences", "Note"]
    assert shown["Offences"].tolist() == ["1,200", "3"]
    assert shown["Rate"].tolist() == ["1.23", ""]
    assert shown["Note"].tolist() == ["", "a\\_b"]  # escaped: st.table reads cells as markdown
    # One number of decimals per column, whatever each value's own (a column of 19 and 17.3 reads 19.00, 17.30).
    mixed = present.display_frame(pd.DataFrame({"a_month": [19.0, 17.3], "whole": [2.0, 3.0]}))
    assert mixed["A month"].tolist() == ["19.00", "17.30"] and mixed["Whole"].tolist() == ["2", "3"]


def test_downloads_write_whole_numbers_without_a_decimal_point():
    out = present.readable(pd.DataFrame({"population": [5357.0, None], "rate": [1.234, 2.0]}))
    assert out.to_csv(index=False).splitlines() == ['Residents,"Per 1,000 residents"', "5357,1.23", ",2.0"]


def test_whole_numbers_of_thousands_get_a_separator_but_years_and_codes_do_not():
    df = pd.DataFrame({"population": [12391, 5], "year": [2024, 2025], "small": [3, 4], "rank": [1, 2000]})
    cfg = present.human_config(df)
    assert cfg["population"]["type_config"]["format"] == "localized"
    assert all(isinstance(cfg[c], str) for c in ("year", "small", "rank"))


TABLE_SCRIPT = """
import pandas as pd
import streamlit as st
from ui import present

present.apply()
df = pd.DataFrame({"fund_source": ["A", None], "amount_gbp": [1.5, 2.25]})
present.table(df)
present.table(df, static=True)
"""


def test_a_long_table_shows_a_screenful_in_presentation_mode():
    script = (
        "import pandas as pd\nfrom ui import present\npresent.apply()\n"
        "present.table(pd.DataFrame({'n': range(100)}))\n"
        "present.table(pd.DataFrame({'n': range(30)}), static=True)\n"
    )
    at = AppTest.from_string(script, default_timeout=30)
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception
    assert len(at.table[0].value) == present.ROOM_ROWS and len(at.table[1].value) == 30
    assert any(f"The first {present.ROOM_ROWS} of 100 rows" in c.value for c in at.caption)


@pytest.mark.parametrize("presenting", [False, True])
def test_tables_are_static_and_large_in_presentation_mode(presenting):
    at = AppTest.from_string(TABLE_SCRIPT, default_timeout=30)
    if presenting:
        at.query_params["present"] = "1"
    at.run()
    assert not at.exception
    assert len(at.table) == (
        2 if presenting else 1
    )  # st.table: HTML, styled by the CSS (a canvas grid is not)
    assert len(at.dataframe) == (0 if presenting else 1)
    if not presenting:
        cfg = json.loads(at.dataframe[0].proto.columns)
        assert cfg["fund_source"]["label"] == "Source of the fund"  # plain names on the grid too
        assert (
            cfg["amount_gbp"]["label"] == "Amount (£)"
            and cfg["amount_gbp"]["type_config"]["format"] == "%.2f"
        )


def test_dates_in_a_static_table_never_break_inside():
    """A date column given a format reads "31 Jan 2024" with non-breaking spaces, for a date object as for a
    timestamp (a date object was written "2024-01-31" and wrapped at its hyphen in a narrow column)."""
    import datetime

    df = pd.DataFrame({"due": [datetime.date(2024, 1, 31), pd.Timestamp("2025-03-04"), None]})
    shown = present.display_frame(df, {"due": st.column_config.DateColumn("Due", format="D MMM YYYY")})
    assert shown["Due"].tolist() == ["31\u00a0Jan\u00a02024", "4\u00a0Mar\u00a02025", ""]
