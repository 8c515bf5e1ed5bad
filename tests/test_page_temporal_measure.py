"""AppTest: Days and times under each measure the switch offers — the heatmap and the hour and weekday profiles
plot the weighted sums named by the measure and its unit (or count and say why), and the busiest-cell caption
follows; public mode offers no switch."""

from __future__ import annotations

import json

import pytest

from svd import charts as sv
from svd import harm
from tests.pagetest import charts, open_page

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


def _specs(at) -> list[dict]:
    return [json.loads(c.spec) if isinstance(c.spec, str) else sv.spec_json_ready(c.spec) for c in charts(at)]


def _time_specs(at) -> list[str]:
    """The heatmap and the two profiles (not the seasonality charts), as text."""
    out = [json.dumps(s, ensure_ascii=False) for s in _specs(at)]
    return [s for s in out if "month_name" not in s]


def _plotted(spec: str) -> set[tuple[str, str]]:
    """(field, title) of every colour and y encoding in a spec: what the chart plots and what it calls it."""
    found: set[tuple[str, str]] = set()

    def walk(o):
        if isinstance(o, dict):
            enc = o.get("encoding", {})
            for ch in ("color", "y"):
                e = enc.get(ch)
                if isinstance(e, dict) and "field" in e and e.get("type") == "quantitative":
                    title = e.get("title", "")  # a legend's title may be lines: joined
                    found.add((e["field"], " ".join(title) if isinstance(title, list) else title))
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(json.loads(spec))
    return found


@pytest.mark.parametrize("measure_id", harm.offered()[0])
def test_days_and_times_under_each_offered_measure(measure_id):
    at = open_page("temporal.py")
    if measure_id != "count":
        at.radio(key="tp_weighting").set_value(measure_id).run()
        assert not at.exception, [e.message for e in at.exception]
        assert not at.error, [e.value for e in at.error]
    specs = _time_specs(at)
    assert len(specs) == 3, len(specs)  # heatmap, hour, weekday
    captions = " ".join(c.value for c in at.caption)
    m = harm.measure(measure_id)
    if measure_id == "count":
        assert all(_plotted(s) == {("count", "Offences")} for s in specs)
        assert "Busiest hour:" in captions
        return
    unit = harm.unit_text(measure_id)
    if "The charts count offences" in captions:
        # None of the chosen offences has a published weight: counts, and why, never a chart of zeros.
        assert harm.NO_WEIGHT in captions
        assert all(_plotted(s) == {("count", "Offences")} for s in specs)
        return
    for s in specs:
        assert _plotted(s) == {("weighted", f"{m.short[:1].upper()}{m.short[1:]} ({unit})")}
    assert f"{m.short[:1].upper()}{m.short[1:]} by hour and day of the week ({unit})" in specs[0]
    assert f"Largest {m.short}:" in captions
    assert harm.CHANGE_NOTE_SHORT in captions
    # Serious violence includes offence types without a weight under most measures: named, not counted as 0.
    if "Left out" in captions:
        assert "not counted as 0" in captions


def test_public_mode_offers_counts_only(monkeypatch):
    monkeypatch.setenv("SVD_PUBLIC", "1")
    at = open_page("temporal.py")
    assert not [r for r in at.radio if r.key == "tp_weighting"]
    assert all(_plotted(s) == {("count", "Offences")} for s in _time_specs(at))
