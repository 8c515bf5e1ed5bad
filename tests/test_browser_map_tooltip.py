"""Real-browser test of the Hotspots map's tooltip: formatted text (no raw tags), inside the map, naming the ward.

Hovers the deck.gl map in headless Debian Chromium at ward and LSOA level, at points across the borough and at
its east and south edges (where a tooltip beside the pointer was cut off), and saves 1440 × 900 screenshots with
the tooltip showing to tests/artifacts/. Skipped without Chromium or playwright unless SVD_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import re

import pytest

from tests.localapp import hover_map_tooltips
from tests.test_browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.realdata, pytest.mark.slow]

# Fractions of the map's width and height: the middle, the east edge of the borough, the south (the river)
# and a point north of the middle. At the default view the borough spans about 0.17 to 0.77 of the width.
POINTS = [(0.5, 0.5), (0.74, 0.5), (0.66, 0.62), (0.45, 0.86), (0.55, 0.2), (0.3, 0.6)]


def _hover_tooltips(server: str, query: str, shot: str) -> list[dict]:
    return hover_map_tooltips(f"{server}/hotspots{query}", POINTS, ARTIFACTS / f"{shot}.png")


def _ward_names() -> list[str]:
    from svd import geo

    return sorted(geo.wards()["ward_name"], key=len, reverse=True)


def _check(tips: list[dict], lsoa: bool) -> None:
    assert len(tips) >= 3, f"the tooltip showed at only {len(tips)} of {len(POINTS)} points"
    wards = _ward_names()
    for t in tips:
        text = t["text"]
        # Formatted text: no tag or entity printed as text; the name is bold (the template's own tag).
        assert not re.search(r"<\s*/?\s*(b|br|i)\b|&lt;|&gt;|&amp;", text), text
        assert t["html"].startswith("<b>")
        # Inside the map's bounding box.
        left, top, right, bottom = t["box"]
        m_left, m_top, m_right, m_bottom = t["map"]
        assert m_left <= left and right <= m_right and m_top <= top and bottom <= m_bottom, (
            t["box"],
            t["map"],
        )
        # Names the area: the ward itself, or for an LSOA "015F · <ward>" with its best-fit ward.
        first = text.splitlines()[0]
        if lsoa:
            assert re.match(r"^\d{3}[A-Z] \u00b7 ", first), first
        assert any(w in first for w in wards), first
        assert re.search(r"offences? \u00b7 .* per 1,000 residents", text), text


def test_ward_tooltip_is_formatted_inside_the_map_and_names_the_ward(server):
    _check(_hover_tooltips(server, "", "hotspots_tooltip_ward"), lsoa=False)


def test_lsoa_tooltip_is_formatted_inside_the_map_and_names_the_ward(server):
    _check(_hover_tooltips(server, "?hs_level=lsoa", "hotspots_tooltip_lsoa"), lsoa=True)
