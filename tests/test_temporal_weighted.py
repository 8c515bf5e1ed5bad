"""Days and times under a harm or cost measure: each heatmap cell and profile bar is the sum of its offences'
weights (hand-computed on a tiny cube, with whatever weights data/harm_weights.csv holds), offence types with
no weight are named and never counted as 0, and the charts name the measure, its unit and its source."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from svd import charts as sv
from svd import filters as sf
from svd import harm
from svd import hotspots as hs
from svd import temporal as tp

m = pd.Timestamp


def _offence_weights(measure_id: str) -> dict[str, float]:
    return harm.weights(measure_id, "offence").set_index("offence")["weight"].to_dict()


def _weighted_and_not(measure_id: str) -> tuple[list[str], str | None]:
    """Two offence types with a published weight for the measure (the same one twice when only one has, as
    for the CCHI's robbery), and one without (None if every one has)."""
    w = _offence_weights(measure_id)
    has = [o for o, v in w.items() if not math.isnan(v)]
    without = next((o for o, v in w.items() if math.isnan(v)), None)
    return (has * 2)[:2], without


def _cube(offences: list[str]):
    """Five records: Monday 16:00 twice (offences[0], offences[1]), Monday 16:00 again (offences[0]),
    Tuesday 02:00 (offences[1]) and Thursday 18:00 (offences[2])."""
    recs = pd.DataFrame(
        {
            "month": [m("2025-02-01")] * 5,
            "offence": [offences[0], offences[1], offences[0], offences[1], offences[2]],
            "hour": pd.array([16, 16, 16, 2, 18], dtype="Int8"),
            "weekday": pd.array([0, 0, 0, 1, 3], dtype="Int8"),
            "offence_group": "Violence against the person",
            "ward_code": "W1",
            "lsoa_code": "L1",
            "latitude": 51.545,
            "longitude": 0.13,
        }
    )
    return hs.tasking_cube(hs.tasking_columns(recs))


def _cell(grid: pd.DataFrame, weekday: int, hour: int) -> pd.Series:
    return grid[(grid["weekday"] == weekday) & (grid["hour"] == hour)].iloc[0]


@pytest.mark.parametrize("measure_id", [x for x in harm.WEIGHTED if x in harm.offered()[0]])
def test_weighted_cells_are_the_hand_computed_sums_of_weights(measure_id):
    (a, b), without = _weighted_and_not(measure_id)
    w = _offence_weights(measure_id)  # as used: costs already uprated when a deflator is set
    third = without or a
    cube = _cube([a, b, third])
    mask = hs.cube_mask(cube, sf.RecordFilter())
    charts = tp.time_charts(cube, mask, None, measure_id)
    assert charts.measure == measure_id and charts.weighted
    g = charts.grid
    assert _cell(g, 0, 16)["weighted"] == pytest.approx(2 * w[a] + w[b])
    assert _cell(g, 0, 16)["count"] == 3
    assert _cell(g, 1, 2)["weighted"] == pytest.approx(w[b])
    total = 2 * w[a] + 2 * w[b] + (0 if without else w[a])
    assert g["weighted"].sum() == pytest.approx(total)
    assert g["share"].sum() == pytest.approx(1.0)
    # Profiles: the sums of the grid's cells by hour and by weekday.
    hours = charts.hours.set_index("hour")["weighted"]
    assert hours[16] == pytest.approx(2 * w[a] + w[b]) and hours[2] == pytest.approx(w[b])
    days = charts.days.set_index("weekday")["weighted"]
    assert days[0] == pytest.approx(2 * w[a] + w[b]) and days[1] == pytest.approx(w[b])
    if without:
        # The offence without a weight: in its cell 0 of the measure, 1 offence left out, and named.
        thursday = _cell(g, 3, 18)
        assert thursday["weighted"] == 0 and thursday["left_out"] == 1 and thursday["count"] == 1
        assert tp.offence_label(without) in charts.note and "not counted as 0" in charts.note
        assert tp.offence_label(without) in (charts.provenance(_base()).notes or "")
    # The busiest cell under the measure is by weighted sum.
    day, hour, _ = tp.peak(g, "weighted")
    best = g.loc[g["weighted"].idxmax()]
    assert (day, hour) == (best["day"], best["hour"])


def _base():
    from svd import provenance as prov

    return prov.Provenance(kind=prov.SIMULATED, source="test records", method="offences with a known time")


def test_weighted_charts_name_the_measure_unit_and_source_and_say_no_significance():
    measure_id = "cost" if "cost" in harm.offered()[0] else harm.offered()[0][-1]
    (a, b), _ = _weighted_and_not(measure_id)
    cube = _cube([a, b, a])
    charts = tp.time_charts(cube, hs.cube_mask(cube, sf.RecordFilter()), None, measure_id)
    unit = harm.unit_text(measure_id)
    short = harm.measure(measure_id).short
    assert short.lower() in charts.title.lower() and unit in charts.title
    heat, hour, day = (json.dumps(sv.spec_json_ready(s), ensure_ascii=False) for s in charts.specs())
    for spec in (heat, hour, day):
        assert f"({unit})" in spec and '"field": "weighted"' in spec
        assert '"field": "count", "title": "Offences", "type"' not in spec  # no axis or legend of counts
    p = charts.provenance(_base())
    assert harm.measure(measure_id).source.split(",")[0] in p.method
    assert "not a count" in p.method and "no significance label" in p.method
    assert "offences with a known time" in p.method  # the records' own method is kept
    files = charts.downloads()
    assert (
        f"weighted_{measure_id}" in files["Hour by day"].columns and "shown" not in files["By hour"].columns
    )


def test_count_is_unchanged_and_a_measure_without_any_weight_counts_and_says_why():
    w = _offence_weights("harm_css")
    none = [o for o, v in w.items() if math.isnan(v)]
    cube = _cube([none[0], none[0], none[-1]] if none else ["homicide"] * 3)
    mask = hs.cube_mask(cube, sf.RecordFilter())
    plain = tp.time_charts(cube, mask, None, "count")
    assert not plain.weighted and plain.note == "" and "weighted" not in plain.grid.columns
    assert plain.grid.equals(tp.time_grid(tp.cube_time_counts(cube, mask)))
    assert plain.specs()[0] == tp.heatmap_spec(plain.grid)
    if none:
        css = tp.time_charts(cube, mask, None, "harm_css")
        assert not css.weighted and css.measure == "count"
        assert "The charts count offences" in css.note and tp.offence_label(none[0]) in css.note


def test_public_mode_is_counts_only(monkeypatch):
    (a, b), _ = _weighted_and_not("cost")
    cube = _cube([a, b, a])
    monkeypatch.setenv("SVD_PUBLIC", "1")
    charts = tp.time_charts(cube, hs.cube_mask(cube, sf.RecordFilter()), None, "cost")
    assert charts.measure == "count" and not charts.weighted


def test_partial_cube_time_values_sum_the_weighted_types_and_name_the_rest():
    (a, b), without = _weighted_and_not("cost")
    if without is None:
        pytest.skip("every offence type has a published cost")
    w = _offence_weights("cost")
    cube = _cube([a, b, without])
    mask = hs.cube_mask(cube, sf.RecordFilter())
    assert harm.cube_time_values(cube, mask, "cost").frame is None  # the window share refuses a partial total
    part = harm.cube_time_values(cube, mask, "cost", partial=True)
    assert np.nansum(part.frame["value"]) == pytest.approx(2 * w[a] + 2 * w[b])
    assert tp.offence_label(without) in part.reason
