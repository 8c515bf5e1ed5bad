"""Altair chart builders for the board pages: trends, profiles, over-representation, ranks and a choropleth.

Every builder takes a small, already aggregated frame and returns an altair chart with a title and a
description (read out by screen readers). Nothing is told by colour alone: bars carry value labels, events
and gaps carry text, and the palette is colour-blind safe (Okabe-Ito; viridis for sequential scales).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd
import pyarrow as pa
import shapely.geometry
import shapely.geometry.polygon

from svd import trends

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
MAIN = OKABE_ITO[0]
ACCENT = OKABE_ITO[3]
MUTED = "#9a9a9a"
MAX_ROWS = 5000
_SHORT = {"Over-represented": "over", "Under-represented": "under", "In line with population": "in line"}


@dataclass(frozen=True)
class Event:
    """A dated event drawn as a vertical rule with a text label (e.g. the CONNECT change)."""

    month: pd.Timestamp
    label: str


CONNECT_EVENT = Event(
    trends.CONNECT_MONTH, "Mar 2024: MPS moves to CONNECT — before and after not comparable"
)


# ------------------------------------------------------------------------------------- spec templates
# A chart whose shape is fixed and whose rows change on every rerun is built once as a Vega-Lite spec that
# reads a named dataset (ROWS); each rerun only swaps in the rows. Building an altair chart and its to_dict
# cost tens of ms a chart; a template and a new dataset cost well under one.
ROWS = "rows"


def spec_template(build: Callable[..., alt.TopLevelMixin], *args) -> dict:
    """``build(alt.NamedData(ROWS), *args)`` as an unvalidated Vega-Lite spec, built once per ``args`` and
    altair theme (the theme is baked into the spec). Its own fixed datasets (e.g. a band) are Arrow tables.

    The result is shared: never change it in place (``spec_with_rows`` makes a new top-level dict).
    """
    return _spec_template(build, args, alt.theme.active)


@functools.lru_cache(maxsize=128)
def _spec_template(build: Callable[..., alt.TopLevelMixin], args: tuple, theme: str) -> dict:
    spec = build(alt.NamedData(ROWS), *args).to_dict(validate=False)
    if "datasets" in spec:
        spec["datasets"] = {
            name: pa.Table.from_pandas(pd.DataFrame(values), preserve_index=False)
            for name, values in spec["datasets"].items()
        }
    return spec


def spec_with_rows(template: dict, rows: pd.DataFrame | pa.Table) -> dict:
    """A copy of a template spec (``spec_template``) with ``rows`` as its ROWS dataset.

    The copy is deep (but for the Arrow datasets, which are immutable): Streamlit patches some specs in place
    (e.g. a null legend title), which must not reach the shared template. It costs a few microseconds.
    """
    if len(rows) > MAX_ROWS:
        raise ValueError(f"a chart may carry at most {MAX_ROWS} rows; aggregate first ({len(rows)} given)")
    spec = {k: _copied(v) for k, v in template.items() if k != "datasets"}
    spec["datasets"] = {**template.get("datasets", {}), ROWS: arrow_table(rows)}
    return spec


def _copied(o):
    if isinstance(o, dict):
        return {k: _copied(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_copied(v) for v in o]
    return o


def arrow_table(rows: pd.DataFrame | pa.Table) -> pa.Table:
    """A small frame as an Arrow table (the form Streamlit sends; built column by column, NaN as null)."""
    if isinstance(rows, pa.Table):
        return rows
    try:
        return pa.table({str(c): pa.array(rows[c], from_pandas=True) for c in rows.columns})
    except (pa.ArrowException, TypeError, ValueError):
        return pa.Table.from_pandas(rows, preserve_index=False)


def spec_json_ready(spec: dict) -> dict:
    """The spec with every dataset as a list of JSON records (as altair's own to_dict writes them), for files."""
    from altair.utils.data import to_values

    datasets = spec.get("datasets")
    if not datasets:
        return spec

    def values(data):
        if isinstance(data, pa.Table):
            data = data.to_pandas()
        return to_values(data)["values"] if isinstance(data, pd.DataFrame) else data

    return {**spec, "datasets": {name: values(data) for name, data in datasets.items()}}


def _titled(text: str, subtitle: str | None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined, anchor="start")


def _fit_height(rows: int, per_row: int, overhead: int = 110) -> int:
    """Total chart height for ``rows`` bands: Streamlit sizes charts with autosize "fit", so the height must
    also hold the title, subtitle and axis title (``overhead``), not only the plot."""
    return overhead + per_row * max(rows, 2)


def _check(df: pd.DataFrame) -> pd.DataFrame:
    if len(df) > MAX_ROWS:
        raise ValueError(f"a chart may carry at most {MAX_ROWS} rows; aggregate first ({len(df)} given)")
    return df


def trend_chart(
    series: pd.DataFrame,
    title: str,
    description: str,
    value: str = "count",
    value_title: str = "Offences per month",
    events: Sequence[Event] = (),
    subtitle: str | None = None,
    height: int = 280,
) -> alt.LayerChart:
    """A monthly line (with points) of ``value``; uncovered months shaded and labelled, events as rules."""
    data = _check(
        series[["month", value, "covered"]].assign(value=lambda d: d[value].astype("Float64").astype(float))
    )
    base = alt.Chart(data)
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))
    y = alt.Y("value:Q", title=value_title, scale=alt.Scale(zero=True))
    tooltip = [
        alt.Tooltip("month:T", title="Month", format="%B %Y"),
        alt.Tooltip("value:Q", title=value_title, format=",.0f"),
    ]
    layers = [
        base.mark_line(color=MAIN, strokeWidth=2).encode(x=x, y=y),
        base.mark_point(color=MAIN, filled=True, size=18).encode(x=x, y=y, tooltip=tooltip),
    ]
    g = trends.gaps(series)
    if not g.empty:
        spans = g.assign(
            stop=g["end"] + pd.offsets.MonthBegin(1),
            label=[f"No data {a:%b %Y}–{b:%b %Y}" for a, b in zip(g["start"], g["end"], strict=True)],
        )
        gap = alt.Chart(spans)
        layers.append(gap.mark_rect(color=MUTED, opacity=0.25).encode(x="start:T", x2="stop:T"))
        layers.append(
            gap.mark_text(
                align="right", baseline="top", dx=3, dy=4, fontSize=11, color="#444", angle=270
            ).encode(x="start:T", y=alt.value(0), text="label:N")
        )
    lo, hi = series["month"].min(), series["month"].max()
    shown = [e for e in events if lo <= e.month <= hi]
    if shown:
        ev = alt.Chart(pd.DataFrame({"month": [e.month for e in shown], "label": [e.label for e in shown]}))
        layers.append(ev.mark_rule(color="#222", strokeDash=[5, 3]).encode(x="month:T"))
        for e in shown:
            # Label on the side with more room, so it stays inside the plot.
            right_half = e.month > lo + (hi - lo) / 2
            one = alt.Chart(pd.DataFrame({"month": [e.month], "label": [e.label]}))
            layers.append(
                one.mark_text(
                    align="right" if right_half else "left",
                    baseline="top",
                    dx=-4 if right_half else 4,
                    dy=2,
                    fontSize=11,
                    color="#222",
                ).encode(x="month:T", y=alt.value(0), text="label:N")
            )
    return alt.layer(*layers).properties(
        title=_titled(title, subtitle), description=description, height=height
    )


def bar_chart(
    frame: pd.DataFrame,
    title: str,
    description: str,
    category: str = "label",
    value: str = "share",
    value_title: str = "Share of offences (%)",
    fmt: str = ".0f",
    suffix: str = "%",
    sort: Sequence[str] | None = None,
    subtitle: str | None = None,
    reference: float | None = None,
    reference_label: str | None = None,
) -> alt.LayerChart:
    """Horizontal bars with their value written at the end; an optional labelled reference line."""
    data = _check(frame[[category, value]].rename(columns={category: "category", value: "value"}))
    data = data.assign(text=[("–" if pd.isna(v) else format(v, fmt) + suffix) for v in data["value"]])
    order = list(sort) if sort is not None else list(data["category"])
    y = alt.Y("category:N", title=None, sort=order)
    x = alt.X("value:Q", title=value_title, scale=alt.Scale(zero=True))
    base = alt.Chart(data)
    layers = [
        base.mark_bar(color=MAIN).encode(
            y=y, x=x, tooltip=[alt.Tooltip("category:N", title=" "), alt.Tooltip("text:N", title=value_title)]
        ),
        base.mark_text(align="left", dx=3, color="#222").encode(y=y, x=x, text="text:N"),
    ]
    if reference is not None:
        ref = alt.Chart(pd.DataFrame({"value": [reference], "label": [reference_label or f"{reference:g}"]}))
        layers.append(ref.mark_rule(color=ACCENT, strokeDash=[4, 3], strokeWidth=2).encode(x="value:Q"))
        layers.append(
            # At the foot of the line, clear of the value labels at the ends of the bars.
            ref.mark_text(
                align="left", baseline="bottom", dx=4, dy=-2, color=ACCENT, fontWeight="bold"
            ).encode(x="value:Q", y=alt.value(alt.expr("height")), text="label:N")
        )
    height = _fit_height(len(data), 28)
    return alt.layer(*layers).properties(
        title=_titled(title, subtitle), description=description, height=height
    )


def column_chart(
    frame: pd.DataFrame,
    title: str,
    description: str,
    category: str = "label",
    value: str = "count",
    value_title: str = "Offences",
    subtitle: str | None = None,
    highlight: Sequence[str] = (),
    highlight_label: str | None = None,
) -> alt.Chart:
    """Vertical bars in the frame's order (e.g. hours, weekdays); ``highlight`` bars are also hatched by text."""
    data = _check(frame[[category, value]].rename(columns={category: "category", value: "value"}))
    data = data.assign(group=["highlight" if c in set(highlight) else "other" for c in data["category"]])
    colour = alt.Color(
        "group:N", scale=alt.Scale(domain=["highlight", "other"], range=[ACCENT, MAIN]), legend=None
    )
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("category:N", title=None, sort=list(data["category"]), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("value:Q", title=value_title),
            color=colour if highlight else alt.value(MAIN),
            tooltip=[
                alt.Tooltip("category:N", title=" "),
                alt.Tooltip("value:Q", title=value_title, format=",.0f"),
            ],
        )
    )
    if highlight and highlight_label:
        subtitle = f"{subtitle + ' · ' if subtitle else ''}Orange bars: {highlight_label}."
    return chart.properties(title=_titled(title, subtitle), description=description, height=240)


def overrepresentation_chart(
    frame: pd.DataFrame, title: str, description: str, category: str = "band", subtitle: str | None = None
) -> alt.LayerChart:
    """Ratio of share of people to share of residents per group, with its interval, a line at 1 and labels."""
    data = _check(
        frame[[category, "ratio", "lower", "upper", "label", "share", "population_share"]].rename(
            columns={category: "category"}
        )
    )
    data = data.assign(
        text=[f"{r:.1f}× ({_SHORT[lab]})" for r, lab in zip(data["ratio"], data["label"], strict=True)]
    )
    y = alt.Y("category:N", title=None, sort=list(data["category"]))
    x_title = "Share of people ÷ share of residents (1 = in line with the population)"
    tooltip = [
        alt.Tooltip("category:N", title="Group"),
        alt.Tooltip("share:Q", title="Share (%)", format=".1f"),
        alt.Tooltip("population_share:Q", title="Share of residents (%)", format=".1f"),
        alt.Tooltip("ratio:Q", title="Ratio", format=".2f"),
        alt.Tooltip("lower:Q", format=".2f", title="95% low"),
        alt.Tooltip("upper:Q", format=".2f", title="95% high"),
    ]
    base = alt.Chart(data)
    shape = alt.Shape(
        "label:N",
        title=None,
        legend=alt.Legend(orient="bottom", direction="horizontal"),
        scale=alt.Scale(
            domain=["Over-represented", "In line with population", "Under-represented"],
            range=["triangle-right", "circle", "triangle-left"],
        ),
    )
    layers = [
        alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="#444", strokeDash=[4, 3]).encode(x="x:Q"),
        base.mark_rule(color=MAIN, strokeWidth=2).encode(
            y=y, x=alt.X("lower:Q", title=x_title), x2="upper:Q"
        ),
        base.mark_point(color=MAIN, filled=True, size=90).encode(
            y=y, x="ratio:Q", shape=shape, tooltip=tooltip
        ),
        base.mark_text(align="left", dx=8, dy=-9, fontSize=11, color="#222").encode(
            y=y, x="ratio:Q", text="text:N"
        ),
    ]
    height = _fit_height(len(data), 40)
    return alt.layer(*layers).properties(
        title=_titled(title, subtitle), description=description, height=height
    )


def rank_chart(
    rates: pd.DataFrame,
    code: str,
    title: str,
    description: str,
    value: str = "rate_per_1000",
    subtitle: str | None = None,
) -> alt.LayerChart:
    """Boroughs by rate (highest first); the chosen borough is orange and named in a text label."""
    data = _check(rates[["borough_code", "borough_name", value]].rename(columns={value: "value"}))
    data = data.assign(
        group=["This borough" if c == code else "Other boroughs" for c in data["borough_code"]],
        text=[
            f"◀ {n} {v:.2f}" if c == code else ""
            for c, n, v in zip(data["borough_code"], data["borough_name"], data["value"], strict=True)
        ],
    )
    y = alt.Y(
        "borough_name:N",
        title=None,
        sort=list(data["borough_name"]),
        axis=alt.Axis(labelOverlap=False, labelLimit=180),
    )
    x = alt.X("value:Q", title="Offences per 1,000 residents")
    base = alt.Chart(data)
    colour = alt.Color(
        "group:N",
        scale=alt.Scale(domain=["This borough", "Other boroughs"], range=[ACCENT, MAIN]),
        legend=alt.Legend(title=None, orient="bottom"),
    )
    layers = [
        base.mark_bar().encode(
            y=y,
            x=x,
            color=colour,
            tooltip=[
                alt.Tooltip("borough_name:N", title="Borough"),
                alt.Tooltip("value:Q", title="Rate", format=".2f"),
            ],
        ),
        base.mark_text(align="left", dx=3, fontWeight="bold", color="#222").encode(y=y, x=x, text="text:N"),
    ]
    return alt.layer(*layers).properties(
        title=_titled(title, subtitle), description=description, height=_fit_height(len(data), 22)
    )


def _clockwise(geometry: dict) -> dict:
    """The geometry with clockwise exterior rings: Vega's d3-geo reads the GeoJSON (RFC 7946, anticlockwise)
    winding as 'everything but this polygon' and would fill the whole map."""
    geom = shapely.geometry.shape(geometry)
    if geom.geom_type == "Polygon":
        geom = shapely.geometry.polygon.orient(geom, sign=-1.0)
    elif geom.geom_type == "MultiPolygon":
        geom = shapely.geometry.MultiPolygon(
            [shapely.geometry.polygon.orient(g, sign=-1.0) for g in geom.geoms]
        )
    return shapely.geometry.mapping(geom)


def choropleth(
    geojson: dict,
    values: pd.DataFrame,
    key: str,
    value: str,
    title: str,
    description: str,
    value_title: str,
    name: str = "name",
    subtitle: str | None = None,
    label_values: bool = False,
    fmt: str = ".1f",
) -> alt.LayerChart:
    """An altair geoshape map of ``value`` (viridis, with legend and tooltips), joined on ``key``.

    ``label_values`` writes each area's value at a point inside it, so the map does not rely on colour alone.
    """
    rows = values.drop_duplicates(key).set_index(key)
    feats = []
    for f in geojson["features"]:
        code = f["properties"].get(key)
        v = rows[value].get(code) if code in rows.index else None
        n = rows[name].get(code) if (code in rows.index and name in rows.columns) else code
        props = {"code": code, "name": n, "value": None if v is None or pd.isna(v) else float(v)}
        feats.append({"type": "Feature", "properties": props, "geometry": _clockwise(f["geometry"])})
    if len(feats) > MAX_ROWS:
        raise ValueError("too many areas for one chart")
    shapes = (
        alt.Chart(alt.Data(values=feats))
        .mark_geoshape(stroke="white", strokeWidth=0.7)
        .encode(
            color=alt.Color(
                "properties.value:Q",
                title=value_title,
                scale=alt.Scale(scheme="viridis"),
                legend=alt.Legend(orient="right", format=fmt),
            ),
            tooltip=[
                alt.Tooltip("properties.name:N", title="Area"),
                alt.Tooltip("properties.value:Q", title=value_title, format=fmt),
            ],
        )
    )
    layers = [shapes]
    if label_values:
        pts = []
        for f in feats:
            p = shapely.geometry.shape(f["geometry"]).representative_point()
            v = f["properties"]["value"]
            pts.append({"lon": p.x, "lat": p.y, "text": "–" if v is None else format(v, fmt)})
        layers.append(
            alt.Chart(pd.DataFrame(pts))
            .mark_text(fontSize=10, fontWeight="bold", color="black", stroke="white", strokeWidth=0.3)
            .encode(longitude="lon:Q", latitude="lat:Q", text="text:N")
        )
    return (
        alt.layer(*layers)
        .project(type="mercator")
        .properties(title=_titled(title, subtitle), description=description, height=420)
    )
