"""Aggregate before charting: no chart or map on any page carries more than 5,000 rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

APP = str(Path(__file__).resolve().parents[1] / "app.py")

pytestmark = pytest.mark.realdata

MAX_ROWS = 5000
PAGES = [
    "views/overview.py",
    "views/domestic_abuse.py",
    "views/sexual_offences.py",
    "views/knife_crime_robbery.py",
    "views/funding.py",
    "views/strategy.py",
    "views/hotspots.py",
    "views/temporal.py",
    "views/data.py",
]


def _vega_rows(chart) -> list[int]:
    """Row counts of every dataset in a vega-lite element (inline spec datasets and arrow data)."""
    sizes = []
    spec = json.loads(chart.proto.spec) if chart.proto.spec else {}
    for values in spec.get("datasets", {}).values():
        sizes.append(len(values))
    data = spec.get("data", {})
    if isinstance(data, dict) and isinstance(data.get("values"), list):
        sizes.append(len(data["values"]))
    for ds in list(chart.proto.datasets) + ([chart.proto.data] if chart.proto.HasField("data") else []):
        df = _arrow_rows(ds.data if hasattr(ds, "data") else ds)
        if df is not None:
            sizes.append(df)
    return sizes


def _arrow_rows(arrow) -> int | None:
    raw = getattr(arrow, "data", b"")
    if not raw:
        return None
    import pyarrow as pa

    return pa.ipc.open_stream(raw).read_all().num_rows


def _deck_rows(deck) -> list[int]:
    spec = json.loads(deck.proto.json)
    sizes = []
    for layer in spec.get("layers", []):
        data = layer.get("data")
        if isinstance(data, list):
            sizes.append(len(data))
        elif isinstance(data, dict):
            sizes.append(len(data.get("features", [])))
    return sizes


@pytest.mark.parametrize("page", PAGES)
def test_no_chart_carries_more_than_5000_rows(page):
    from streamlit.testing.v1 import AppTest

    if not (Path(APP).parent / page).exists():
        pytest.skip(f"{page} not written yet")
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    if page != PAGES[0]:  # the overview is the default page: the first run already shows it
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    charts = list(at.get("vega_lite_chart")) + list(at.get("arrow_vega_lite_chart"))
    for chart in charts:
        assert max(_vega_rows(chart), default=0) <= MAX_ROWS, page
    for deck in at.get("deck_gl_json_chart"):
        assert max(_deck_rows(deck), default=0) <= MAX_ROWS, page


def test_the_row_counter_sees_inline_data():
    """Guard the guard: a chart built from 6,000 rows is counted as 6,000."""
    import altair as alt
    import pandas as pd
    from streamlit.testing.v1 import AppTest

    def script():
        import altair as alt
        import pandas as pd
        import streamlit as st

        st.altair_chart(alt.Chart(pd.DataFrame({"x": range(6000)})).mark_point().encode(x="x"))

    at = AppTest.from_function(script, default_timeout=60)
    at.run()
    charts = list(at.get("vega_lite_chart")) + list(at.get("arrow_vega_lite_chart"))
    assert charts and max(_vega_rows(charts[0])) == 6000
    assert alt and pd
