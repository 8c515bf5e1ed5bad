"""The strategy definitions: shape, review status on fixed dates, and every quote checked against the text."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from svd import strategy
from svd.config import definitions_dir

TEXT = strategy.strategy_text_path()


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _numbers(s: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", s)]


def test_six_objectives_five_ds_six_review_rows():
    s = strategy.load_strategy()
    obj = strategy.objectives(s)
    assert obj["number"].tolist() == [1, 2, 3, 4, 5, 6]
    assert strategy.five_ds(s)["name"].tolist() == ["Deter", "Disrupt", "Duty", "Develop", "Data"]
    assert len(s["review_dates"]) == 6
    assert len(s["duty_holders"]) == 5 and [n["id"] for n in s["definition"]["notes"]] == ["A", "B", "C"]
    assert s["definition"]["text"].startswith(
        "Any violence and exploitation affecting young people under the age of 25, domestic abuse, and sexual "
        "violence. Within the context"
    )
    assert len(s["sna_recommendations"]) == 5


def test_objectives_without_data_say_what_would_monitor_them():
    obj = strategy.objectives().set_index("number")
    for n in (1, 2, 6):
        assert obj.loc[n, "metrics"] == []
        assert "not in this dashboard's data" in obj.loc[n, "monitored_by"]
    for n in (3, 4, 5):
        assert obj.loc[n, "metrics"], n


def test_objective_metrics_agree_with_the_metric_registry():
    """Both directions: a metric listed under objective n names n among its objectives, and vice versa."""
    registry = json.loads((definitions_dir() / "metrics.json").read_text(encoding="utf-8"))["metrics"]
    by_metric = {m["id"]: set(m["objectives"]) for m in registry}
    obj = strategy.objectives()
    from_strategy = {(mid, int(n)) for n, ms in zip(obj["number"], obj["metrics"], strict=True) for mid in ms}
    from_registry = {(mid, n) for mid, ns in by_metric.items() for n in ns}
    assert from_strategy == from_registry
    # Every reference a metric cites is a published figure here.
    for m in registry:
        if m.get("reference"):
            assert strategy.reference(m["reference"])["source"]


@pytest.mark.parametrize(
    ("today", "jan_2025", "jan_2027"),
    [
        (date(2024, 6, 1), "Not yet due", "Not yet due"),  # 244 days before 31 Jan 2025
        (date(2024, 11, 2), "Due within 90 days", "Not yet due"),  # 90 days before: due soon
        (date(2024, 11, 1), "Not yet due", "Not yet due"),  # 91 days before: not yet
        (date(2025, 1, 31), "Due within 90 days", "Not yet due"),  # on the day: not yet overdue
        (date(2025, 2, 1), "Overdue", "Not yet due"),
        (date(2026, 10, 1), "Overdue", "Not yet due"),  # 122 days before 31 Jan 2027
        (date(2026, 11, 25), "Overdue", "Due within 90 days"),  # 67 days before 31 Jan 2027
        (date(2027, 2, 1), "Overdue", "Overdue"),
    ],
)
def test_review_status_on_fixed_dates(today, jan_2025, jan_2027):
    rs = strategy.review_status(today)
    assert len(rs) == 6
    assert rs.loc[rs["review_due"] == date(2025, 1, 31), "status"].unique().tolist() == [jan_2025]
    assert rs.loc[rs["review_due"] == date(2027, 1, 31), "status"].tolist() == [jan_2027]
    assert rs.loc[rs["element"] == "Definition of Serious Violence", "review_due"].item() == date(2027, 1, 31)
    assert (rs["published"] == date(2024, 1, 31)).all()


def test_reference_figures_are_unique_sourced_and_carry_their_number():
    refs = strategy.references()
    assert refs["id"].is_unique
    assert refs["source"].str.contains("Strategic Needs Assessment 2023").all()
    for r in refs.itertuples():
        assert float(r.value) in _numbers(r.quote), r.id
    assert strategy.reference("share_3pm_9pm")["value"] == 46
    assert strategy.reference("knife_personal_robbery")["value"] == 52
    assert strategy.reference("da_offences_12m")["value"] == 3670
    with pytest.raises(KeyError, match="share_3pm_9pm"):
        strategy.reference("no_such_figure")


def test_load_strategy_returns_an_independent_copy():
    a = strategy.load_strategy()
    a["objectives"].clear()
    assert len(strategy.load_strategy()["objectives"]) == 6


@pytest.mark.realdata
@pytest.mark.skipif(not TEXT.is_file(), reason="strategy text not present in ../shared/strategy")
def test_every_quote_and_definition_is_verbatim_in_the_strategy_text():
    """Quotes are compared with whitespace collapsed (the text came from a PDF)."""
    text = _norm(TEXT.read_text(encoding="utf-8"))
    s = strategy.load_strategy()
    for r in s["references"]:
        assert _norm(r["quote"]) in text, r["id"]
    d = s["definition"]
    for quoted in (
        d["text"],
        d["statutory"],
        d["domestic_abuse"],
        *s["sna_recommendations"],
        *s["prevention_levels"].values(),
        *(o["title"] for o in s["objectives"]),
        *(e["element"] for e in s["review_dates"]),
    ):
        assert _norm(quoted) in text, quoted[:60]
    for five_d in s["five_ds"]:
        for sentence in five_d["text"].split(". "):
            assert _norm(sentence) in text, five_d["name"]
        assert re.search(
            rf"\*\*{five_d['name']} - \(|\*\*{five_d['name']} – \(", TEXT.read_text(encoding="utf-8")
        )


@pytest.mark.realdata
@pytest.mark.skipif(not TEXT.is_file(), reason="strategy text not present in ../shared/strategy")
def test_review_dates_match_the_table_in_the_text():
    """'31 st January 2027' in the PDF text → 2027-01-31."""
    raw = TEXT.read_text(encoding="utf-8")
    for e in strategy.load_strategy()["review_dates"]:
        # The contents page also starts lines with some element names; the review table has three cells.
        line = next(
            ln for ln in raw.splitlines() if ln.startswith(e["element"] + "\t") and ln.count("\t") == 2
        )
        published, due = (date.fromisoformat(x) for x in (e["published"], e["review_due"]))
        cells = line.split("\t")[1:]
        assert cells == [f"{published.day} st {published:%B %Y}", f"{due.day} st {due:%B %Y}"]
