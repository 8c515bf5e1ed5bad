"""AppTest: the overview's tiles, headline, notices, links and objective table equal the svd figures."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from svd import metrics as mx
from svd import overview, strategy
from svd.taxonomy import PROXY_NOTE

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ABBEY = "E05014053"

pytestmark = pytest.mark.realdata


def _run(**state):
    """One run of the app on the overview (the default page), with session state seeded before it starts."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=180)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@cache
def _inputs():
    from svd.mps import load_mps
    from svd.population import london_populations, ward_population
    from svd.records import load_records
    from svd.taxonomy import classify_mps

    ward = classify_mps(load_mps("ward").table)
    borough = ward[ward["borough_code"] == "E09000002"]
    rs = load_records()
    return ward, borough, rs, london_populations(), ward_population()


def _figures(wards=()):
    ward, borough, rs, pops, wpop = _inputs()
    return overview.board_figures(borough, rs.data, rs.source == "simulated", pops, ward, wpop, wards)


@pytest.fixture(scope="module")
def at():
    return _run()


def test_no_error_and_title(at) -> None:
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Serious violence in Barking and Dagenham"


def test_headline_sentence_is_the_computed_one(at) -> None:
    figs, area = _figures()
    sentence = overview.headline(figs, area)
    assert any(sentence in md.value for md in at.markdown)
    assert "in Barking and Dagenham" in sentence and "London's" in sentence


def test_tiles_equal_the_svd_figures(at) -> None:
    figs, _ = _figures()
    summary = mx.summary()
    shown = {m.label: m.value for m in at.metric}
    assert shown["Serious violence (proxy)"] == f"{summary['serious_violence_12m']:,}"
    assert shown["Personal robbery"] == f"{summary['robbery_personal_12m']:,}"
    assert shown["Rape"] == f"{summary['rape_12m']:,}"
    for mid in overview.TILES:
        fig = figs[mid]
        expected = f"{fig.current:.0f}%" if fig.metric.unit == "percent" else f"{fig.current:,.0f}"
        assert shown[fig.metric.title] == expected, mid
    assert shown["Published reference (needs assessment)"] == "46%"
    captions = " ".join(c.value for c in at.caption)
    assert f"London {figs['serious_violence'].london_rate_per_1000:.2f}" in captions
    assert f"{figs['serious_violence'].rate_per_1000:.2f} per 1,000 residents" in captions
    assert figs["serious_violence"].change_label.capitalize() in captions


def test_simulated_records_are_labelled(at) -> None:
    _, _, rs, _, _ = _inputs()
    if rs.source != "simulated":
        pytest.skip("an extract is configured")
    assert any("Simulated records" in w.value for w in at.warning)
    tiles = [c.value for c in at.caption if "  \n" in c.value]  # a tile's caption: figures, then its source
    record_tiles = [c for c in tiles if "Simulated records ·" in c]
    assert len(record_tiles) == 2  # the DA and 3pm–9pm tiles say where they come from
    assert all("Official data" in c for c in tiles if c not in record_tiles)  # the five MPS tiles
    assert any("(simulated)" in s.value for s in at.subheader)
    # What the simulation can and cannot tell, in plain words beside the simulated tiles.
    assert any("real: the number of offences" in c.value and "assumed:" in c.value for c in at.caption)


def test_simulated_quantities_carry_no_change_test(at) -> None:
    """The domestic-abuse share per category is fixed by the simulation: its change is not tested."""
    _, _, rs, _, _ = _inputs()
    if rs.source != "simulated":
        pytest.skip("an extract is configured")
    table = at.table[0].value  # static: every word shown
    records_metrics = [m.title for m in mx.load_metrics().values() if m.source == "records"]
    rows = table[table["Metric"].isin(records_metrics)]
    assert len(rows) and (rows["Source"] == "Simulated records").all()
    da = rows[rows["Metric"] == "Domestic abuse offences"].iloc[0]
    assert (
        "change not tested: the simulation fixes the domestic-abuse share"
        in da["Change on the same months a year earlier"]
    )
    assert "significant" not in da["Change on the same months a year earlier"]
    da_tile = next(
        c.value for c in at.caption if "Simulated records ·" in c.value and "Change not" in c.value
    )
    assert "significant" not in da_tile.lower()


def test_proxy_note_links_and_sources(at) -> None:
    assert any(PROXY_NOTE in md.value for md in at.markdown)
    links = [pl.proto.page for pl in at.get("page_link")]  # the url path of each tile's page
    assert links.count("london") == 1  # the London line's link to London comparisons
    assert [p for p in links if p != "london"] == [mx.metric(m).page for m in overview.TILES]
    captions = " ".join(c.value for c in at.caption)
    assert "Data as of March 2026" in captions and "Open Government Licence" in captions


def test_objective_table(at) -> None:
    figs, _ = _figures()
    expected = overview.objective_table(strategy.load_strategy()["objectives"], figs)
    shown = at.table[0].value  # a static table: every word shown, none cut off
    assert len(shown) == len(expected)
    assert sorted(set(shown["Objective"])) == ["1", "2", "3", "4", "5", "6"]
    assert shown["Chosen months"].tolist() == expected["value"].fillna("").tolist()
    # Page titles, not their addresses.
    assert (
        "knife-crime-robbery" not in shown["Page"].tolist()
        and "Knife crime and robbery" in shown["Page"].tolist()
    )


def test_choosing_a_ward_changes_the_tiles() -> None:
    at = _run(wards=[ABBEY])
    figs, area = _figures((ABBEY,))
    assert area == "Abbey"
    shown = {m.label: m.value for m in at.metric}
    assert shown["Serious violence (proxy)"] == f"{mx.summary()['by_ward_serious_violence_12m'][ABBEY]:,}"
    assert shown["Domestic abuse offences"] == f"{figs['domestic_abuse'].current:,.0f}"
    assert any(overview.headline(figs, area) in md.value for md in at.markdown)
    assert not any(re.search(r"London \d", c.value) for c in at.caption)  # no London rate for one ward
