"""The London map page (views/london_map.py) in the whole app, on the real London-wide files."""

from __future__ import annotations

import json

import pytest

from tests.pagetest import headline, open_page

pytestmark = [pytest.mark.realdata, pytest.mark.slow]  # builds the London store (~10 s) once per session


def _areas(at) -> list[dict]:
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    return next(layer for layer in spec["layers"] if layer["id"] == "areas")["data"]


def test_every_london_ward_and_a_filter_change_redraws_the_map():
    at = open_page("london_map.py", timeout=300)
    assert "across London's 679 wards" in headline(at)
    rows = _areas(at)
    assert len({r["code"] for r in rows}) == 679
    assert all(r["tip"] and "London percentile" in r["tip"] for r in rows)
    before = {r["code"]: r["fill"] for r in rows}
    at.selectbox(key="lm_offences").set_value("all").run()
    assert not at.exception
    assert "(all offences)" in headline(at) and at.query_params["lm_offences"] == "all"
    after = {r["code"]: r["fill"] for r in _areas(at)}
    assert after != before and len(after) == 679
    top = at.table[0].value
    assert "London percentile" in top.columns and len(top) == 20
    assert top["London percentile"].astype(float).is_monotonic_decreasing  # ranked by rate, highest first


def test_lsoa_level_draws_the_partnerships_lsoas_and_says_simulated():
    at = open_page("london_map.py", timeout=300)
    at.radio(key="lm_level").set_value("lsoa").run()
    assert not at.exception
    assert "simulated" in headline(at).lower()
    assert any("Simulated records" in w.value for w in at.warning)
    rows = _areas(at)
    assert 100 <= len({r["code"] for r in rows}) <= 200  # one borough's LSOAs, not London's 4,994
    assert all(r["tip"].endswith("Simulated records") for r in rows)


def test_public_mode_hides_small_rape_counts(monkeypatch):
    monkeypatch.setenv("SVD_PUBLIC", "1")
    at = open_page("london_map.py", timeout=300)
    at.selectbox(key="lm_offences").set_value("Rape").run()
    assert not at.exception
    tips = [r["tip"] for r in _areas(at)]
    assert any("Offences: <5" in t for t in tips) and any("Offences: [c]" in t for t in tips)
    # The LSOA level is refused for a sensitive selection.
    at.radio(key="lm_level").set_value("lsoa").run()
    assert any("not by neighbourhood" in i.value for i in at.info)
    assert len({r["code"] for r in _areas(at)}) == 679
