"""AppTest: the funding page shows the strategy's totals, the change, a chart and the downloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from svd import funding, overview

APP = str(Path(__file__).resolve().parents[1] / "app.py")

pytestmark = pytest.mark.realdata  # the app's router needs the reference data to start


@pytest.fixture(scope="module")
def page():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("views/funding.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_runs_without_error(page) -> None:
    assert not page.error, [e.value for e in page.error]
    assert page.title[0].value == "Funding"


def test_totals_appear_on_the_page(page) -> None:
    values = {m.label: m.value for m in page.metric}
    assert values["All funds 2022/23"] == "£644,188.58"
    assert values["All funds 2023/24"] == "£700,540.86"
    assert values["Change"] == "£56,352.28"


def test_headline_is_computed_from_the_data(page) -> None:
    sentence = overview.funding_headline(funding.change_between_years(funding.load_funding()))
    assert any(sentence in md.value for md in page.markdown)


def test_change_table_equals_the_svd_figures(page) -> None:
    change = funding.change_between_years(funding.load_funding())
    shown = page.table[0].value  # a static table: every word shown, none cut off
    assert shown["Fund"].tolist() == change["fund"].tolist()
    assert shown["2022/23"].tolist() == [funding.format_gbp(v) for v in change["2022/23"]]
    total = shown[shown["Fund"] == funding.TOTAL_LABEL].iloc[0]
    assert (total["2022/23"], total["2023/24"], total["Change (%)"]) == (
        "£644,188.58",
        "£700,540.86",
        "+8.7%",
    )
    items = page.table[1].value
    assert len(items) == len(funding.load_funding())


def test_chart_downloads_and_sources(page) -> None:
    charts = page.get("vega_lite_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    assert spec["title"]["text"] == "Funding per fund and year" and spec["description"]
    labels = [b.proto.label for b in page.get("download_button")]
    assert any("Excel" in lab for lab in labels) and sum("CSV" in lab for lab in labels) == 3
    captions = " ".join(c.value for c in page.caption)
    assert "Sources" in captions and "Open Government Licence" in captions and "January 2024" in captions
