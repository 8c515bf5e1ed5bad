"""AppTest: the strategy page shows the definition, duty holders, Five D's, objectives with their metric values,
the SNA recommendations and the review dates with today's status."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from svd import overview, strategy

APP = str(Path(__file__).resolve().parents[1] / "app.py")

pytestmark = pytest.mark.realdata

STATUS_MARK = {
    "Overdue": "⚠ Overdue",
    "Due within 90 days": "◷ Due within 90 days",
    "Not yet due": "✓ Not yet due",
}


@pytest.fixture(scope="module")
def at():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=180)
    app.switch_page("views/strategy.py")
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def _text(at) -> str:
    return " ".join(
        [m.value for m in at.markdown] + [i.value for i in at.info] + [c.value for c in at.caption]
    )


def test_no_error_title_and_headline(at) -> None:
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Strategy"
    s = strategy.load_strategy()
    sentence = overview.strategy_headline(
        strategy.review_status(date.today(), s), len(s["objectives"]), s["published"]
    )
    assert any(sentence in md.value for md in at.markdown)


def test_review_table_status_is_computed_from_today(at) -> None:
    expected = strategy.review_status(date.today())
    shown = at.table[0].value  # a static table: every word shown, none cut off
    assert shown["Strategy element"].tolist() == expected["element"].tolist()
    assert shown["Status"].tolist() == [STATUS_MARK[s] for s in expected["status"]]
    days = [int(d.replace(",", "")) for d in shown["Days to review (negative = overdue)"]]
    assert days == expected["days_to_review"].tolist()


def test_definition_duty_holders_five_ds_and_recommendations(at) -> None:
    s = strategy.load_strategy()
    text = _text(at)
    assert s["definition"]["text"] in text
    for note in s["definition"]["notes"]:
        assert note["summary"] in text
    for holder in s["duty_holders"]:
        assert f"- {holder}" in text
    for d in s["five_ds"]:
        assert f"**{d['name']}**" in text
    for rec in s["sna_recommendations"]:
        assert rec in text


def test_every_objective_with_its_metric_values(at) -> None:
    from svd.mps import load_mps
    from svd.population import london_populations
    from svd.records import load_records
    from svd.taxonomy import classify_mps

    s = strategy.load_strategy()
    text = _text(at)
    for obj in s["objectives"]:
        assert f"**Objective {obj['number']}: {obj['title']}**" in text
        if not obj["metrics"]:
            assert obj["monitored_by"] in text
    ward = classify_mps(load_mps("ward").table)
    rs = load_records()
    figs, _ = overview.board_figures(
        ward[ward["borough_code"] == "E09000002"], rs.data, rs.simulated, london_populations(), ward
    )
    table = overview.objective_table(s["objectives"], figs)
    with_metrics = table[table["metric_id"].notna()]
    shown = [df.value for df in at.table[1:]]
    assert len(shown) == with_metrics["objective"].nunique()  # objectives 3, 4 and 5
    values = [v for df in shown for v in df["Chosen months"]]
    assert values == with_metrics["value"].tolist()
    assert len(at.get("page_link")) >= 4
    if rs.simulated:
        assert any("Simulated records" in w.value for w in at.warning)


def test_sources_and_download(at) -> None:
    captions = " ".join(c.value for c in at.caption)
    assert "Serious Violence Duty Strategy" in captions and "Open Government Licence" in captions
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Review dates (CSV)" in labels and "Objectives and metrics (CSV)" in labels
