"""The London map's figures (svd.londonmap.view) on a tiny hand-made store: ranks, percentiles, public mode."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from svd import londonmap as lm
from svd import londonstore as ls
from svd import public

M1 = dt.date(2025, 4, 1)
VWI = ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY")
RAPE = ("SEXUAL OFFENCES", "RAPE")
BURGLARY = ("BURGLARY", "BURGLARY - RESIDENTIAL")

WARDS = pd.DataFrame(
    {
        "ward_code": ["W1", "W2", "W3", "W4", "W5"],
        "ward_name": ["One", "Two", "Three", "Four <b>", "Five"],
        "borough_code": ["B1", "B1", "B1", "B2", "B2"],
        "borough_name": ["Bee one"] * 3 + ["Bee two"] * 2,
        "residents": pd.array([1000, 1000, 3000, 1000, 2000], dtype="Int64"),
    }
)
LSOAS = pd.DataFrame(
    {
        "lsoa_code": ["L1", "L2", "L3", "L4", "L5", "L6"],
        "lsoa_name": ["l1", "l2", "l3", "l4", "l5", "l6"],
        "ward_code": ["W1", "W2", "W3", "W4", "W4", "W5"],
        "borough_code": ["B1", "B1", "B1", "B2", "B2", "B2"],
        "borough_name": ["Bee one"] * 3 + ["Bee two"] * 3,
        "residents": pd.array([1000, 1000, 3000, 500, 500, 2000], dtype="Int64"),
    }
)
# ward: (violence with injury, rape, burglary)
CELLS = {"W1": (100, 2, 40), "W2": (50, 0, 9), "W3": (30, 7, 3), "W4": (10, 3, 8), "W5": (20, 6, 1)}


def _counts() -> pd.DataFrame:
    borough = dict(zip(WARDS["ward_code"], WARDS["borough_code"], strict=True))
    rows = [
        {"month": M1, "ward_code": w, "borough_code": borough[w], "major": o[0], "minor": o[1], "count": n}
        for w, ns in CELLS.items()
        for o, n in zip((VWI, RAPE, BURGLARY), ns, strict=True)
        if n
    ]
    return pd.DataFrame(rows).assign(vintage="v")


def _square(i: int) -> list[int]:
    return [i * 10, 0, i * 10 + 9, 0, i * 10 + 9, 9, i * 10, 9]


GEO = lm.Geography(
    ward_polygons=pd.DataFrame({"code": WARDS["ward_code"], "polygon": [_square(i) for i in range(5)]}),
    lsoa_polygons=pd.DataFrame({"code": LSOAS["lsoa_code"], "polygon": [_square(i) for i in range(6)]}),
    lsoa_borough=dict(zip(LSOAS["lsoa_code"], LSOAS["borough_code"], strict=True)),
    outlines={"B1": {"type": "FeatureCollection", "features": []}},
    bounds={"B1": (0.0, 51.5, 0.1, 51.6), "B2": (0.1, 51.5, 0.2, 51.6)},
    names={"B1": "Bee one", "B2": "Bee two"},
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("londonmap")
    counts = _counts()
    frames = {
        "wards": WARDS,
        "lsoas": LSOAS,
        "ward_counts": counts,
        "records": ls.simulate_records(counts, LSOAS, seed=1),
    }
    for name, frame in frames.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    s = ls.LondonStore(folder)
    yield s
    s.close()


def _by_code(v: lm.LondonMapView) -> pd.DataFrame:
    return v.ranked.set_index("area_code")


def test_wards_ranked_with_london_percentile(store):
    v = lm.view(store, GEO, lm.Choice(offences=lm.SERIOUS_VIOLENCE), "B1")
    t = _by_code(v)
    # Serious violence proxy = violence with injury + rape (burglary left out): 102, 50, 37, 13, 26.
    assert t["offences"].to_dict() == {"W1": "102", "W2": "50", "W3": "37", "W4": "13", "W5": "26"}
    assert v.ranked["area_code"].tolist() == ["W1", "W2", "W4", "W5", "W3"]  # rates 102, 50, 13, 13, 12.3
    assert t.loc["W3", "rate_per_1000"] == pytest.approx(37 / 3)
    # Share of the 4 other wards below (ties half): W1 4/4, W4 and W5 (tied) 1.5/4, W3 0.
    assert t["london_percentile"].to_dict() == pytest.approx(
        {"W1": 100, "W2": 75, "W3": 0, "W4": 37.5, "W5": 37.5}
    )
    assert v.features == 5 and v.level == "ward" and not v.simulated and not v.hidden
    assert "228 offences" in v.headline and "One (Bee one)" in v.headline
    assert v.legend["areas"].sum() == 5
    # A filter change changes the figures: burglary alone.
    b = _by_code(lm.view(store, GEO, lm.Choice(offences="Burglary", measure="offences"), "B1"))
    assert b["offences"].to_dict() == {"W1": "40", "W2": "9", "W3": "3", "W4": "8", "W5": "1"}


def test_tooltips_are_plain_text_and_the_template_escapes_them(store):
    v = lm.view(store, GEO, lm.Choice(offences=lm.ALL_OFFENCES), "B1")
    spec = json.loads(v.deck.to_json())
    areas = next(layer for layer in spec["layers"] if layer["id"] == "areas")
    four = next(r for r in areas["data"] if r["code"] == "W4")
    assert four["name"] == "Four <b>" and four["tip"].startswith("Bee two\nOffences: 21\n")
    assert v.deck._tooltip["html"].startswith("<b>{name}</b><br>{tip}")


def test_lsoa_level_is_the_chosen_boroughs_and_says_simulated(store):
    v = lm.view(store, GEO, lm.Choice(level="lsoa", offences=lm.ALL_OFFENCES, boroughs=("B2",)), "B1")
    assert v.level == "lsoa" and v.simulated and v.provenance.kind == "simulated"
    assert set(v.ranked["area_code"]) == {"L4", "L5", "L6"} and v.features == 3
    # Each ward's simulated records add up to its real count: W4 = 21 over L4 and L5, W5 = 27 in L6.
    counts = v.ranked.set_index("area_code")["offences"].astype(int)
    assert counts["L4"] + counts["L5"] == 21 and counts["L6"] == 27
    assert "simulated" in v.headline.lower()
    spec = json.loads(v.deck.to_json())
    rows = next(layer for layer in spec["layers"] if layer["id"] == "areas")["data"]
    assert all(r["tip"].endswith("Simulated records") for r in rows)
    # Default borough: the partnership's.
    assert set(lm.view(store, GEO, lm.Choice(level="lsoa"), "B1").ranked["area_code"]) == {"L1", "L2", "L3"}


def test_public_mode_hides_small_sensitive_counts_within_each_borough(store):
    rape = lm.view(store, GEO, lm.Choice(offences="Rape"), "B1", public_on=True)
    t = _by_code(rape)
    assert rape.hidden
    assert t.loc["W1", "offences"] == "<5" and t.loc["W4", "offences"] == "<5"  # 2 and 3
    # B2's other ward is hidden too (else 9 − 6 gives W4 away); its rate and percentile with it.
    assert t.loc["W5", "offences"] == "[c]"
    for code in ("W1", "W4", "W5"):
        assert pd.isna(t.loc[code, "rate_per_1000"]) and pd.isna(t.loc[code, "london_percentile"])
    hidden_b1 = t[(t["borough_name"] == "Bee one") & t["offences"].isin(["<5", "[c]"])]
    assert len(hidden_b1) >= 2  # never one hidden ward alone in a borough whose total is published
    # Serious violence contains rape: a ward is hidden wherever its rape count is, whatever its total.
    sv = _by_code(lm.view(store, GEO, lm.Choice(offences=lm.SERIOUS_VIOLENCE), "B1", public_on=True))
    assert {"W1", "W4", "W5"} <= set(sv.index[sv["offences"].isin(["<5", "[c]"])])
    # Burglary is not sensitive: nothing hidden, small counts shown.
    burg = lm.view(store, GEO, lm.Choice(offences="Burglary"), "B1", public_on=True)
    assert not burg.hidden and _by_code(burg).loc["W5", "offences"] == "1"


def test_public_mode_no_lsoas_for_sensitive_offences_and_no_time_filters(store):
    v = lm.view(store, GEO, lm.Choice(level="lsoa", offences="Rape"), "B1", public_on=True)
    assert v.level == "ward" and public.LSOA_NOTE in v.notes
    w = lm.view(
        store,
        GEO,
        lm.Choice(level="lsoa", offences="Burglary", window=(15, 21), days=(0,)),
        "B1",
        public_on=True,
    )
    assert w.level == "lsoa" and lm.PUBLIC_TIME_NOTE in w.notes and "hours" not in w.provenance.filters


def test_time_filters_narrow_the_lsoa_level(store):
    every = lm.view(store, GEO, lm.Choice(level="lsoa", offences=lm.ALL_OFFENCES), "B1")
    evening = lm.view(store, GEO, lm.Choice(level="lsoa", offences=lm.ALL_OFFENCES, window=(15, 21)), "B1")
    total = lambda v: v.ranked["offences"].astype(int).sum()  # noqa: E731
    assert total(every) == 241 and 0 < total(evening) < 241
    assert "hours 15, 16, 17, 18, 19, 20" in evening.provenance.filters


def test_hours_in_wraps_past_midnight():
    assert lm.hours_in((21, 6)) == (21, 22, 23, 0, 1, 2, 3, 4, 5)
    assert lm.hours_in((15, 19)) == (15, 16, 17, 18) and lm.hours_in(None) is None


def test_lsoas_are_named_as_everywhere_in_the_app(store):
    """ "l4 · Four <b>" (the LSOA name's last word, its ward: svd.geo.area_display_name) on the map, the
    tooltip's name and the ranked table, not the ONS name alone."""
    from svd.geo import area_display_name

    v = lm.view(store, GEO, lm.Choice(level="lsoa", offences=lm.ALL_OFFENCES, boroughs=("B2",)), "B1")
    want = {area_display_name(n, w) for n, w in (("l4", "Four <b>"), ("l5", "Four <b>"), ("l6", "Five"))}
    assert set(v.ranked["area_name"]) == want
    assert '"name":"l6 \u00b7 Five"' in v.deck.to_json() or '"name":"l6 · Five"' in v.deck.to_json()
    assert "highest rate: l4 · Four <b> (Bee two)" in v.headline
