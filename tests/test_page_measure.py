"""AppTest: the measure switch on the Knife crime and robbery, Sexual offences, Days and times and Domestic abuse
pages — switching to cost changes the tile labels and values and the trend axis, and no change-test label
appears on a weighted figure."""

from __future__ import annotations

import pytest

from tests.pagetest import charts, open_page

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

COST = "estimated cost (£, 2015/16 prices)"
# The labels of the count's change test (svd.stats via trends.Comparison.label): never on a weighted figure.
TEST_WORDS = ("significant", "p =", "p=")


def _switch(view: str, key: str, measure: str | None):
    at = open_page(view)
    if measure is not None:
        at.radio(key=key).set_value(measure).run()
        assert not at.exception, [e.message for e in at.exception]
        assert not at.error, [e.value for e in at.error]
    return at


def _weighted_captions(at) -> list[str]:
    """The captions under weighted tiles (they carry the 'change not tested' note)."""
    return [c.value for c in at.caption if c.value.startswith("Change not tested")]


def _axis_titles(at) -> str:
    import json

    return " ".join(json.dumps(json.loads(c.spec), ensure_ascii=False) for c in charts(at))


@pytest.mark.parametrize(
    ("view", "key", "label"),
    [
        ("knife_crime_robbery.py", "kr_weighting", "Personal robbery, chosen months"),
        ("sexual_offences.py", "so_weighting", "Rape, chosen months"),
    ],
)
def test_switching_to_cost_changes_the_tiles_and_the_trend(view, key, label):
    count = _switch(view, key, None)
    cost = _switch(view, key, "cost")
    before = next(m for m in count.metric if m.label == label)
    after = next(m for m in cost.metric if m.label == f"{label} · {COST}")
    assert before.value != after.value and after.value.startswith("£")
    weighted = _weighted_captions(cost)
    assert weighted and not any(w in c.lower() for c in weighted for w in TEST_WORDS)
    assert "Estimated cost per month (£, 2015/16 prices)" in _axis_titles(cost)
    assert "Estimated cost per month" not in _axis_titles(count)
