"""AppTest: the London comparisons and Across the border pages render their figures from svd.london_compare."""

from __future__ import annotations

import pytest

from tests.pagetest import charts, headline, open_page

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


def test_london_page_shows_funnel_wards_and_similar_boroughs():
    at = open_page("london.py")
    text = headline(at)
    assert "highest of 32 boroughs" in text and "funnel plot" in text
    titles = " ".join(str(c.proto.spec) for c in charts(at))
    assert "London's boroughs" in titles and "every London ward" in titles
    subheaders = [s.value for s in at.subheader]
    assert "Boroughs most like this one" in subheaders
    # The funnel's method and the similar boroughs' distance are stated on the page.
    captions = " ".join(c.value for c in at.caption)
    assert "Spiegelhalter 2005" in captions and "dissimilarity index" in captions


def test_border_page_shows_map_tables_and_pairs():
    at = open_page("border.py")
    assert "share a border with" in headline(at)
    assert len(at.get("deck_gl_json_chart")) == 1
    assert "Which border wards move together" in [s.value for s in at.subheader]
    # The border wards in a wrapping table (long test text is never cut off), the pairs in a data grid.
    assert len(at.table) >= 1 and len(at.dataframe) >= 1
    wards = at.table[0].value
    assert {"Ward", "Borough", "Change test"} <= set(wards.columns) and "Side" not in wards.columns


def test_public_mode_border_page_offers_no_sexual_offences(monkeypatch):
    monkeypatch.setenv("SVD_PUBLIC", "1")
    at = open_page("border.py")
    options = at.selectbox(key="measure").options
    assert options and not any(
        "sexual" in o.lower() or "rape" in o.lower() or "serious" in o.lower() for o in options
    )
    assert any("Public mode" in i.value for i in at.info)


def test_overview_links_to_london_comparisons():
    at = open_page("overview.py")
    line = next(m.value for m in at.markdown if m.value.startswith("Across London ("))
    assert "boroughs" in line and "funnel plot" in line
