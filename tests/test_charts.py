"""Chart builders: titled and described, gaps and events labelled, values written out, row limit enforced."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from svd import charts, trends


def _spec(chart) -> dict:
    return chart.to_dict()


def _marks(spec: dict) -> list[str]:
    out = []
    for layer in spec.get("layer", []):
        m = layer["mark"]
        out.append(m if isinstance(m, str) else m["type"])
    return out


def _series() -> pd.DataFrame:
    return trends.from_counts(
        pd.date_range("2023-01-01", periods=30, freq="MS"), [5] * 2 + [None] * 3 + [7] * 25
    )


def test_trend_chart_has_title_description_gap_and_event_labels():
    spec = _spec(
        charts.trend_chart(
            _series(),
            "Offences",
            "A line of offences per month.",
            events=[charts.CONNECT_EVENT],
            subtitle="Simulated",
        )
    )
    assert spec["title"]["text"] == "Offences" and spec["title"]["subtitle"] == "Simulated"
    assert spec["description"] == "A line of offences per month."
    marks = _marks(spec)
    assert marks.count("rect") == 1 and marks.count("rule") == 1 and marks.count("text") == 2
    text = json.dumps(spec)
    assert "No data Mar 2023\\u2013May 2023" in text or "No data Mar 2023–May 2023" in text
    assert "CONNECT" in text


def test_trend_chart_leaves_out_events_outside_the_series_and_gaps_when_there_are_none():
    s = trends.from_counts(pd.date_range("2020-01-01", periods=12, freq="MS"), [3] * 12)
    marks = _marks(_spec(charts.trend_chart(s, "T", "D", events=[charts.CONNECT_EVENT])))
    assert marks == ["line", "point"]


def test_trend_chart_can_plot_the_rolling_total():
    r = trends.add_rolling(trends.from_counts(pd.date_range("2020-01-01", periods=14, freq="MS"), [1] * 14))
    spec = _spec(charts.trend_chart(r, "Rolling", "D", value="rolling_12m", value_title="12 months to month"))
    values = [row["value"] for row in next(iter(spec["datasets"].values()))]
    assert values[11] == 12 and values[13] == 12 and values[0] is None


def test_bar_chart_writes_values_and_reference_line():
    df = pd.DataFrame({"label": ["Home", "Street"], "share": [66.4, 20.0]})
    spec = _spec(charts.bar_chart(df, "Where", "Bars by location.", reference=66, reference_label="SNA 66%"))
    assert _marks(spec) == ["bar", "text", "rule", "text"]
    text = json.dumps(spec)
    assert '"66%"' in text and '"20%"' in text and "SNA 66%" in text


def test_overrepresentation_chart_uses_shape_and_text_not_colour_alone():
    df = pd.DataFrame(
        {
            "band": ["0-17", "18-24"],
            "ratio": [0.5, 2.0],
            "lower": [0.3, 1.5],
            "upper": [0.8, 2.6],
            "label": ["Under-represented", "Over-represented"],
            "share": [10.0, 40.0],
            "population_share": [20.0, 20.0],
        }
    )
    spec = _spec(charts.overrepresentation_chart(df, "Ages", "Ratios by age."))
    assert "shape" in spec["layer"][2]["encoding"]
    assert "2.0× (over)" in json.dumps(spec, ensure_ascii=False)


def test_column_chart_names_highlighted_bars_in_the_subtitle():
    df = pd.DataFrame({"label": ["14:00", "15:00"], "count": [3, 5]})
    spec = _spec(
        charts.column_chart(df, "Hours", "Bars by hour.", highlight=["15:00"], highlight_label="15:00-20:59")
    )
    assert "Orange bars: 15:00-20:59." in spec["title"]["subtitle"]


def test_rank_chart_names_the_borough():
    rates = pd.DataFrame(
        {"borough_code": ["A", "B"], "borough_name": ["Alpha", "Beta"], "rate_per_1000": [2.0, 1.0]}
    )
    text = json.dumps(_spec(charts.rank_chart(rates, "B", "Rank", "Boroughs by rate.")), ensure_ascii=False)
    assert "◀ Beta 1.00" in text


def test_choropleth_joins_values_and_labels_areas():
    square = {"type": "Polygon", "coordinates": [[[0, 51], [0.01, 51], [0.01, 51.01], [0, 51.01], [0, 51]]]}
    gj = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"ward_code": "W1"}, "geometry": square},
            {"type": "Feature", "properties": {"ward_code": "W2"}, "geometry": square},
        ],
    }
    vals = pd.DataFrame({"ward_code": ["W1"], "name": ["One"], "rate": [3.25]})
    spec = _spec(charts.choropleth(gj, vals, "ward_code", "rate", "Map", "A map.", "Rate", label_values=True))
    text = json.dumps(spec)
    assert '"value": 3.25' in text and '"value": null' in text
    assert '"3.2"' in text or '"3.3"' in text
    assert spec["description"] == "A map."


def test_charts_refuse_more_than_5000_rows():
    big = trends.from_counts(pd.date_range("1700-01-01", periods=5001, freq="MS"), [1] * 5001)
    with pytest.raises(ValueError, match="at most 5000"):
        charts.trend_chart(big, "T", "D")


def test_choropleth_rings_are_clockwise_for_vega():
    import shapely.geometry

    anticlockwise = {
        "type": "Polygon",
        "coordinates": [[[0, 51], [0.01, 51], [0.01, 51.01], [0, 51.01], [0, 51]]],
    }
    gj = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"k": "A"}, "geometry": anticlockwise}],
    }
    spec = _spec(
        charts.choropleth(gj, pd.DataFrame({"k": ["A"], "v": [1.0]}), "k", "v", "M", "D", "V", name="k")
    )
    feature = spec["data"]["values"][0]
    ring = shapely.geometry.shape(feature["geometry"]).exterior
    assert not ring.is_ccw


def test_band_charts_give_every_band_its_height_whatever_the_titles():
    df = pd.DataFrame({"label": list("abcde"), "share": [1.0] * 5})
    spec = _spec(charts.bar_chart(df, "T", "D"))
    # The height is the plot's own: titles, axes and legends are added around it, never squeezed into it.
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["height"] == 5 * 28
    assert _spec(charts.bar_chart(df, "T", "D", style=charts.PRESENT))["height"] == 5 * 42


def _builders(style: charts.ChartStyle) -> list:
    """One chart of every builder in ``style``."""
    bands = pd.DataFrame(
        {
            "band": ["0-17", "18-24", "25-34", "35+"],
            "ratio": [1.6, 2.0, 1.0, 0.4],
            "lower": [1.5, 1.7, 0.8, 0.3],
            "upper": [1.8, 2.4, 1.2, 0.5],
            "label": ["Over-represented"] * 2 + ["In line with population", "Under-represented"],
            "share": [40.0, 30.0, 20.0, 10.0],
            "population_share": [29.0, 10.0, 20.0, 41.0],
        }
    )
    rates = pd.DataFrame(
        {"borough_code": ["A", "B"], "borough_name": ["Aa", "Bb"], "rate_per_1000": [1.0, 2.0]}
    )
    cols = pd.DataFrame({"label": ["Mon", "Tue"], "count": [3, 4]})
    return [
        charts.trend_chart(_series(), "T", "D", events=[charts.CONNECT_EVENT], style=style),
        charts.bar_chart(pd.DataFrame({"label": ["a"], "share": [1.0]}), "T", "D", style=style),
        charts.column_chart(cols, "T", "D", style=style),
        charts.overrepresentation_chart(bands, "T", "D", style=style),
        charts.rank_chart(rates, "A", "T", "D", style=style),
    ]


def test_presentation_style_is_passed_not_global():
    """The large type travels with each chart's spec; a chart built without it is unchanged by it."""
    import altair as alt

    before = alt.theme.active
    for chart in _builders(charts.PRESENT):
        spec = chart.to_dict()  # validates against the Vega-Lite schema
        assert (
            spec["config"]["axis"]["labelFontSize"] >= 20 and spec["config"]["legend"]["labelFontSize"] >= 20
        )
        assert spec["config"]["title"]["fontSize"] >= 20
        assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"
        text = json.dumps(spec)
        # No mark text below the label size: every explicit fontSize in the spec is at least 20 px.
        sizes = [int(float(x)) for x in re.findall(r'"fontSize": ([0-9.]+)', text)]
        assert sizes and min(sizes) >= 20, sizes
    assert alt.theme.active == before
    for chart in _builders(charts.NORMAL):
        spec = chart.to_dict()
        assert "axis" not in spec.get("config", {}) and "usermeta" not in spec


def test_every_age_band_is_labelled():
    """Category axes never thin their labels out (the knife-crime age charts showed only two of four bands)."""
    for style in (charts.NORMAL, charts.PRESENT):
        spec = _builders(style)[3].to_dict()
        axes = [
            layer["encoding"]["y"].get("axis", {})
            for layer in spec["layer"]
            if "y" in layer.get("encoding", {})
        ]
        assert axes and all(a.get("labelOverlap") is False for a in axes)
        assert spec["height"] >= 4 * 40
