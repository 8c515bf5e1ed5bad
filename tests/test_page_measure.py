"""AppTest: the measure switch on the Knife crime and robbery, Sexual offences, Days and times and Domestic abuse
pages — switching to cost changes the tile labels and values and the trend axis, and no change-test label
appears on a weighted figure."""

from __future__ import annotations

import pytest

from tests.pagetest import charts, open_page

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

COST = "estimated cost (£, 2024/25 prices)"
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
    assert "Estimated cost per month (£, 2024/25 prices)" in _axis_titles(cost)
    assert "Estimated cost per month" not in _axis_titles(count)


def test_domestic_abuse_under_cost_says_what_has_no_weight_rather_than_a_partial_total():
    at = _switch("domestic_abuse.py", "da_weighting", "cost")
    tile = next(m for m in at.metric if m.label.startswith("DA offences, chosen months") and COST in m.label)
    # Most DA records are 'other' offences, which have no published cost: no total, and why.
    assert tile.value == "–"
    captions = " ".join(c.value for c in at.caption)
    assert "no published weight, not counted as 0" in captions and "Other" in captions
    assert "No trend of estimated cost" in captions
    assert not any(w in c.lower() for c in _weighted_captions(at) for w in TEST_WORDS)


def test_days_and_times_gives_the_weighted_window_share_where_every_offence_has_a_weight():
    count = open_page("temporal.py")
    assert not any(COST in m.label for m in count.metric)
    at = _switch("temporal.py", "tp_weighting", "cost")
    label = f"15:00–21:00 share, current filters · {COST}"
    # Serious violence includes threats to kill, which has no published cost: the share is of the offence types
    # with one, as the heatmap's, and the tile says so; the left-out types are named (under the heatmap).
    assert next(m for m in at.metric if m.label == label).value.endswith("%")
    assert any(
        "and a published weight (those without one are named under the heatmap)" in c.value
        for c in at.caption
    )
    assert any("Threats to kill" in c.value and "no published weight" in c.value for c in at.caption)
    at.selectbox(key="tp_offences").set_value("personal_robbery").run()
    assert not at.exception
    share = next(m for m in at.metric if m.label == label).value
    assert share.endswith("%") and share != "–"


@pytest.fixture(scope="module")
def cost_figures() -> dict:
    import json
    import os
    import subprocess
    import sys

    from svd.config import repo_root

    p = subprocess.run(
        [sys.executable, "-m", "svd", "figures", "--json", "--measure", "cost"],
        cwd=repo_root(),
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SVD_EXTRACT": "", "SVD_PUBLIC": ""},
    )
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    return json.loads(p.stdout)


@pytest.mark.parametrize(
    ("view", "key", "page"),
    [
        ("knife_crime_robbery.py", "kr_weighting", "knife-crime-robbery"),
        ("sexual_offences.py", "so_weighting", "sexual-offences"),
        ("domestic_abuse.py", "da_weighting", "domestic-abuse"),
    ],
)
def test_the_figures_command_under_cost_shows_what_the_page_shows(cost_figures, view, key, page):
    assert cost_figures["measure"] == "cost"
    at = _switch(view, key, "cost")
    shown = {m.label: m.value for m in at.metric}
    weighted = [f for f in cost_figures["figures"] if f["page"] == page and f["detail"]["measure"] == "cost"]
    assert weighted
    for f in weighted:
        assert shown[f["label"]] == f["display"], f["label"]
        assert "change not tested" in f["detail"]["change_test"] and "Estimated cost" not in f["display"]
        assert "Home Office" in f["provenance"]["method"]
    # The figures that stay counts say so.
    counted = [f for f in cost_figures["figures"] if f["page"] == page and f["detail"]["measure"] == "count"]
    assert all("whatever the measure" in f["detail"]["note"] for f in counted)


def test_the_figures_command_refuses_a_weighted_measure_in_public_mode():
    import subprocess
    import sys

    from svd.config import repo_root

    p = subprocess.run(
        [sys.executable, "-m", "svd", "figures", "--measure", "cost", "--public"],
        cwd=repo_root(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 2 and "counts only" in p.stderr and "Traceback" not in p.stderr


def test_the_london_comparisons_say_they_are_counts_whatever_the_measure():
    from svd import harm

    at = open_page("london.py")
    assert harm.LONDON_NOTE in [c.value for c in at.caption]
