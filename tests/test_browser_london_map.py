"""Real-browser test of the London map: the deck.gl map draws London's wards and its tooltip shows on hover.

Headless Debian Chromium at 1440 × 900; a screenshot with the tooltip showing goes to tests/artifacts/. Skipped
without Chromium or playwright unless SVD_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import re

import pytest

from tests.localapp import hover_map_tooltips
from tests.test_browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.realdata, pytest.mark.slow]

# Fractions of the map's width and height, all inside London at the default view.
POINTS = [(0.5, 0.5), (0.4, 0.4), (0.6, 0.6), (0.55, 0.35), (0.35, 0.6)]


def test_london_map_draws_and_its_tooltip_shows_on_hover(server):
    tips = hover_map_tooltips(
        f"{server}/london-map",
        POINTS,
        ARTIFACTS / "london_map_tooltip.png",
        h1_timeout=90_000,
        idle_timeout=120_000,
        require_drawn=True,
    )
    found = [t["text"] for t in tips]
    assert len(found) >= 3, f"the tooltip showed at only {len(found)} of {len(POINTS)} points"
    for text in found:
        assert not re.search(r"<\s*/?\s*(b|br|i)\b|&lt;|&gt;|&amp;", text), text
        assert "London percentile" in text and "per 1,000 residents" in text, text
