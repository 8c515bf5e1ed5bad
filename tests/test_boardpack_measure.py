"""The board pack under a harm or cost measure: the headline sentence, the trend chart and the ward map follow the
measure (or count, and the headline says why); read back from the PDF's text. Works with whatever weights
data/harm_weights.csv holds: the expected values are computed from ``svd.harm.weights``."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from svd import boardpack as bp
from svd import harm
from svd import metrics as mx

HAVE_PDFTOTEXT = shutil.which("pdftotext") is not None


def _text(pdf_path: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def _weighted_figure(current, previous, missing="") -> harm.WeightedFigure:
    return harm.WeightedFigure(
        metric_id="serious_violence",
        title=harm.title("Serious violence (proxy)", "cost"),
        measure="cost",
        current=current,
        previous=previous,
        period="Apr 2025 to Mar 2026",
        previous_period="Apr 2024 to Mar 2025",
        missing=missing,
        method=harm.method_text("cost"),
    )


def test_headline_under_cost_names_the_measure_its_unit_and_the_change_without_a_test():
    s = bp.measure_sentence(_weighted_figure(46_700_000.0, 55_100_000.0), SimpleNamespace(current=3202), {})
    assert f"weighed by estimated cost ({harm.unit_text('cost')})" in s
    assert "£46.7m in Apr 2025 to Mar 2026" in s and "15% lower than in Apr 2024 to Mar 2025 (£55.1m)" in s
    assert "change not tested" in s and "significant" not in s and "3,202 offences" in s


def test_headline_when_a_category_has_no_weight_says_so_and_counts(monkeypatch):
    from svd import overview

    monkeypatch.setattr(overview, "headline", lambda figs, area="the borough": "COUNT HEADLINE.")
    missing = "Left out (no published weight, not counted as 0): Rape (274 offences), Robbery (678 offences)."
    s = bp.measure_sentence(_weighted_figure(None, None, missing), SimpleNamespace(current=3202), {})
    assert "estimated cost is not given, as 2 of its categories have no published weight" in s
    assert "never counted as 0" in s and s.endswith("COUNT HEADLINE.")


def _proxy_table() -> tuple[pd.DataFrame, list, pd.Series]:
    """Two serious-violence categories with a published cost, over two months (whatever the weights are)."""
    cats = list(mx.metric("serious_violence").categories)
    w = harm.weights("cost", "mps").set_index(["major", "minor"])["weight"]
    has = [c for c in cats if not math.isnan(float(w.get(tuple(c), math.nan)))]
    if len(has) < 1:
        pytest.skip("no serious-violence category has a published cost")
    rows = []
    for month, n in (("2025-01-01", 2), ("2025-02-01", 3)):
        for c in has[:2]:
            rows.append(("W1", pd.Timestamp(month), c[0], c[1], n))
    return pd.DataFrame(rows, columns=["area_code", "month", "major", "minor", "count"]), has[:2], w


def test_trend_chart_under_cost_plots_the_monthly_weighted_sums_titled_with_the_measure():
    table, cats, w = _proxy_table()
    spec = bp.trend_chart(table, "cost").to_dict()
    assert spec["title"]["text"] == "Serious violence (proxy), estimated cost per month"
    flat = str(spec)
    assert harm.value_title("cost") in flat
    per_weight = sum(float(w[tuple(c)]) for c in cats)
    values = [r["value"] for r in next(iter(spec["datasets"].values())) if r.get("value") is not None]
    assert values == pytest.approx([2 * per_weight, 3 * per_weight])
    counted = bp.trend_chart(table, "count").to_dict()
    assert counted["title"]["text"] == "Serious violence (proxy), offences per month"


def _tiny_weighted_pack() -> bp.PackData:
    from dataclasses import replace

    from tests.test_boardpack import _tiny_pack

    return replace(
        _tiny_pack(),
        headline=bp.measure_sentence(
            _weighted_figure(46_700_000.0, 55_100_000.0), SimpleNamespace(current=3202), {}
        ),
        measure_label="estimated cost",
        trend_text=bp._trend_text("cost"),
        map_text="The map shows each ward's total estimated cost, not per resident.",
        measure_method=harm.method_text("cost"),
    )


@pytest.mark.skipif(not HAVE_PDFTOTEXT, reason="pdftotext is not installed")
def test_the_pdf_under_cost_names_the_measure_in_the_headline_trend_and_map(tmp_path):
    out = tmp_path / "pack.pdf"
    bp.build_pdf(_tiny_weighted_pack()).output(str(out))
    text = _text(out)
    assert "weighed by estimated cost" in text and "£46.7m" in text
    assert "Monthly trend: serious violence (proxy), estimated cost" in text
    assert f"Estimated cost per month ({harm.unit_text('cost')})" in text
    assert "Serious violence by ward, estimated cost" in text
    assert "Harm and cost weights" in text and "Home Office" in text


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.skipif(not HAVE_PDFTOTEXT, reason="pdftotext is not installed")
def test_real_pack_under_cost(tmp_path):
    out = tmp_path / "cost.pdf"
    data = bp.write_pack(out, pd.Timestamp("2026-03-01"), measure="cost")
    text = _text(out)
    assert "Headline figures Serious violence (the MPS-category proxy) in the borough" in text
    if data.measure_label:  # every proxy category has a cost: the headline, trend and map follow it
        assert "weighed by estimated cost" in text
        assert "Monthly trend: serious violence (proxy), estimated cost" in text
        assert "Serious violence by ward, estimated cost" in text
        assert "significant" not in data.headline
    else:
        assert "estimated cost is not given" in text
    assert "Harm and cost weights" in text
