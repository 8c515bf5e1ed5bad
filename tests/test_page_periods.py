"""AppTest: the sidebar months drive every page's tiles and headline, compared with the same months a year earlier.

Oct 2024 to Mar 2025 is chosen; every page must say that period and Oct 2023 to Mar 2024 (not Apr to Sep 2024),
and its figures are recounted here from the raw tables by month, independently of the pages' code.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from svd import metrics as mx
from tests.pagetest import headline, open_page

pytestmark = pytest.mark.realdata

CHOSEN = ("2024-10", "2025-03")
CUR, PREV = "Oct 2024 to Mar 2025", "Oct 2023 to Mar 2024"
CUR_MONTHS = pd.date_range("2024-10-01", "2025-03-01", freq="MS")
PREV_MONTHS = pd.date_range("2023-10-01", "2024-03-01", freq="MS")


def _open(view: str, months=CHOSEN):
    at = open_page(view)
    at.select_slider(key="period").set_value(months).run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _metric(at, start: str):
    return next(m for m in at.metric if m.label.startswith(start))


def _ward_table():
    from ui import cache

    return cache.mps_ward(cache.data_root())[1]


def _mps_total(metric_id: str, months) -> int:
    """The metric's MPS categories summed over ``months``, straight from the ward table."""
    t = _ward_table()
    pairs = set(mx.metric(metric_id).categories)
    keep = [(a, b) in pairs for a, b in zip(t["major"], t["minor"], strict=True)]
    rows = t[keep]
    return int(rows.loc[rows["month"].isin(months), "count"].sum())


def _records():
    from ui import cache

    return cache.records(cache.data_root(), cache.extract_path()).data


def test_overview_tiles_and_headline_follow_the_sidebar_months():
    at = _open("overview.py")
    sv, sv_prev = _mps_total("serious_violence", CUR_MONTHS), _mps_total("serious_violence", PREV_MONTHS)
    assert f"in {CUR} against {PREV}, to {sv:,} offences" in headline(at)
    tile = _metric(at, mx.metric("serious_violence").title)
    assert tile.value == f"{sv:,}"
    assert f"{sv - sv_prev:+,} on {PREV}" in tile.delta
    rob = _metric(at, mx.metric("personal_robbery").title)
    assert rob.value == f"{_mps_total('personal_robbery', CUR_MONTHS):,}"
    recs = _records()
    da = int((recs["month"].isin(CUR_MONTHS) & recs["domestic_abuse"].fillna(False).astype(bool)).sum())
    assert _metric(at, mx.metric("domestic_abuse").title).value == f"{da:,}"
    # Every tile (MPS and record-level) says the same period; the objectives table too.
    assert sum(CUR in c.value for c in at.caption) >= 7
    table = at.table[0].value  # static: every word shown
    assert set(table["Period"].replace("", pd.NA).dropna()) == {CUR}


def test_overview_says_when_the_year_before_is_outside_the_data():
    months = sorted(_ward_table()["month"].unique())
    first = pd.Timestamp(months[0])
    chosen = (f"{first:%Y-%m}", f"{first + pd.DateOffset(months=5):%Y-%m}")
    at = _open("overview.py", chosen)
    assert any("cannot be compared with" in w.value for w in at.warning)
    assert "cannot be compared with" in headline(at)
    tile = _metric(at, mx.metric("serious_violence").title)
    assert tile.delta in (None, "")  # nothing to compare with, so no change is shown


def test_knife_crime_tiles_cover_one_period():
    at = _open("knife_crime_robbery.py")
    cur, prev = _mps_total("personal_robbery", CUR_MONTHS), _mps_total("personal_robbery", PREV_MONTHS)
    tile = _metric(at, "Personal robbery, chosen months")
    assert tile.value == f"{cur:,}" and tile.delta == f"{cur - prev:+,} on {PREV}"
    assert f"in {CUR} ({cur:,} offences against {prev:,} in {PREV})" in headline(at)
    # The rank tile and the record tiles are for the same months.
    assert any("London boroughs" in c.value and CUR in c.value for c in at.caption)
    assert sum(CUR in c.value for c in at.caption[:4]) == 4, [c.value for c in at.caption[:4]]


def test_domestic_abuse_tile_and_headline_follow_the_months():
    at = _open("domestic_abuse.py")
    recs = _records()
    flagged = recs["domestic_abuse"].fillna(False).astype(bool)
    cur = int((recs["month"].isin(CUR_MONTHS) & flagged).sum())
    prev = int((recs["month"].isin(PREV_MONTHS) & flagged).sum())
    tile = _metric(at, "DA offences, chosen months")
    assert tile.value == f"{cur:,}" and tile.delta == f"{cur - prev:+,} on {PREV}"
    assert f"in {CUR} ({cur:,} offences against {prev:,} in {PREV})" in headline(at)


def test_sexual_offences_tiles_headline_and_ward_table_follow_the_months():
    at = _open("sexual_offences.py")
    cur = _mps_total("rape", CUR_MONTHS) + _mps_total("other_sexual", CUR_MONTHS)
    prev = _mps_total("rape", PREV_MONTHS) + _mps_total("other_sexual", PREV_MONTHS)
    tile = _metric(at, "All sexual offences, chosen months")
    assert tile.value == f"{cur:,}" and tile.delta == f"{cur - prev:+,} on {PREV}"
    assert f"in {CUR} ({cur:,} offences against {prev:,} in {PREV})" in headline(at)
    assert any(f"Offences in each ward, {CUR} and {PREV}" in c.value for c in at.caption)
    assert any(m.value.startswith(f"{CUR}: ") for m in at.markdown)  # the London rank sentence


def test_hotspots_compares_with_the_same_months_a_year_earlier():
    at = _open("hotspots.py")
    assert f"change against {PREV}" in " ".join(c.value for c in at.caption)
    assert CUR in headline(at)


def test_days_and_times_headline_names_the_months_and_seasonality_says_it_cannot():
    at = _open("temporal.py")
    text = headline(at)
    assert f'class="svd-headline">In {CUR}, ' in text or f"In simulated records, in {CUR}, " in text
    assert any("not the months chosen in the sidebar" in c.value for c in at.caption)


def test_strategy_objectives_follow_the_months():
    at = _open("strategy.py")
    periods = {p for df in at.table for p in df.value.get("Period", pd.Series(dtype=str))}
    assert periods == {CUR}


def test_days_and_times_headline_follows_the_page_filters():
    """Domestic abuse 'only flagged': the headline's share and busiest hour are the tile's and the caption's."""
    at = open_page("temporal.py")
    before = headline(at)
    at.selectbox(key="tp_da").set_value("Only flagged").run()
    assert not at.exception
    after = headline(at)
    assert after != before
    tile = next(m for m in at.metric if m.label.startswith("15:00–21:00 share, current filters")).value
    busiest = next(c.value for c in at.caption if c.value.startswith("Busiest hour:"))
    day_hour = re.search(r"\*\*(\w+) (\d\d:00)", busiest).groups()
    assert f"for the current filters it was {tile} of the" in after, (after, tile)
    assert f"the busiest hour was {day_hour[0]} {day_hour[1]}" in after, (after, busiest)
