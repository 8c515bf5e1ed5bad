"""Altair chart builders for the board pages: trends, profiles, over-representation, ranks and a choropleth.

Every builder takes a small, already aggregated frame and returns an altair chart with a title and a
description (read out by screen readers). Nothing is told by colour alone: bars carry value labels, events
and gaps carry text, and the palette is colour-blind safe (Okabe-Ito; viridis for sequential scales).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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
class ChartStyle:
    """How a chart is drawn for one screen: type sizes, the scale of plot heights, and its Vega-Lite config.

    Passed to every builder (never set process-wide), so one session's presentation mode cannot restyle
    another session's charts. ``config`` None leaves the styling to the host (Streamlit's own theme).
    Plot heights are the plot's own (autosize "fit-x"): titles, axes and legends are added around the plot,
    so large type never squeezes a chart flat.
    """

    name: str
    label_size: int  # axis and legend labels, value labels on marks (px)
    small_text: int  # annotations (event labels, ratios beside points) (px)
    scale: float  # plot heights and mark sizes against the normal style
    label_limit: int  # widest category label before Vega truncates it (px)
    config: dict | None = field(default=None, hash=False, compare=False)
    renderer: str | None = None  # "svg": text stays text in the page (measurable, sharp on a projector)
    title_chars: int | None = None  # titles wrapped to lines of this many characters (half a 1280 px screen)

    def h(self, px: float) -> int:
        """A plot height (or mark size) in this style."""
        return round(px * self.scale)


# Chart type sizes in presentation mode (px). At 1280×720 a half-width chart is ~580 px wide: 20 px labels fit.
PRESENT_LABEL_SIZE = 20
PRESENT_TITLE_SIZE = 26
PRESENT_AXIS_TITLE_SIZE = 22


def _presentation_config() -> dict:
    """Large labels and titles, black on white, Okabe–Ito categories, viridis sequences (for the projector)."""
    axis = {
        "labelFontSize": PRESENT_LABEL_SIZE,
        "titleFontSize": PRESENT_AXIS_TITLE_SIZE,
        "labelColor": "#000000",
        "titleColor": "#000000",
        "domainColor": "#000000",
        "tickColor": "#000000",
        "gridColor": "#bdbdbd",
        "labelLimit": 400,
        "titleLimit": 1000,
    }
    return {
        "background": "#ffffff",
        "font": "'Source Sans', 'Source Sans Pro', 'DejaVu Sans', sans-serif",  # the page's own type
        "axis": axis,
        "axisX": axis,
        "axisY": axis,
        "header": {"labelFontSize": PRESENT_LABEL_SIZE, "titleFontSize": PRESENT_AXIS_TITLE_SIZE},
        "legend": {
            "labelFontSize": PRESENT_LABEL_SIZE,
            "titleFontSize": PRESENT_AXIS_TITLE_SIZE,
            "symbolSize": 250,
            "labelColor": "#000000",
            "titleColor": "#000000",
            "labelLimit": 600,
            "titleLimit": 1000,
            "gradientLength": 260,
            "gradientThickness": 22,
        },
        "title": {
            "fontSize": PRESENT_TITLE_SIZE,
            "subtitleFontSize": PRESENT_LABEL_SIZE,
            "color": "#000000",
            "subtitleColor": "#1a1a1a",
            "anchor": "start",
            "offset": 12,
        },
        "text": {"fontSize": PRESENT_LABEL_SIZE, "color": "#000000"},
        "line": {"strokeWidth": 4},
        "point": {"size": 120, "filled": True},
        "range": {
            "category": list(OKABE_ITO),
            "ordinal": {"scheme": "viridis"},
            "ramp": {"scheme": "viridis"},
            "heatmap": {"scheme": "viridis"},
        },
        "view": {"stroke": None},
    }


NORMAL = ChartStyle("normal", label_size=12, small_text=11, scale=1.0, label_limit=260)
PRESENT = ChartStyle(
    "present",
    label_size=PRESENT_LABEL_SIZE,
    small_text=PRESENT_LABEL_SIZE,
    scale=1.5,
    label_limit=400,
    config=_presentation_config(),
    renderer="svg",
    title_chars=34,
)
STYLES = {s.name: s for s in (NORMAL, PRESENT)}


def _lines(text, width: int):
    """``text`` as a list of lines of at most ``width`` characters (Vega draws a list as lines)."""
    if not isinstance(text, str) or len(text) <= width:
        return text
    return textwrap.wrap(text, width, break_on_hyphens=False)


def finish(chart: alt.TopLevelMixin, style: ChartStyle = NORMAL) -> alt.TopLevelMixin:
    """The chart as drawn in ``style``: heights are the plot's own (fit the width only), plus its config; long
    titles wrapped rather than cut off with "…" where the type is large."""
    chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    title = getattr(chart, "title", alt.Undefined)
    if style.title_chars and title is not alt.Undefined:
        if isinstance(title, str):
            title = alt.TitleParams(text=title, anchor="start")
        sub = title.subtitle
        chart = chart.properties(
            title=alt.TitleParams(
                text=_lines(title.text, style.title_chars),
                subtitle=_lines(sub, round(style.title_chars * 1.25)) if isinstance(sub, str) else sub,
                anchor="start",
            )
        )
    if style.renderer:
        chart = chart.properties(usermeta={"embedOptions": {"renderer": style.renderer}})
    if style.title_chars:
        # Room at the edges: Vega's estimate of large text's extent is a few pixels short of the browser's, which
        # would cut the end of a rotated axis title or of the last date label.
        chart = chart.properties(padding={"left": 8, "right": 12, "top": 4, "bottom": 20})
    if style.config:
        chart = chart.configure(**style.config)
    return chart


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


def spec_template(build: Callable[..., alt.TopLevelMixin], *args, style: ChartStyle = NORMAL) -> dict:
    """``finish(build(alt.NamedData(ROWS), *args, style), style)`` as an unvalidated Vega-Lite spec, built once
    per ``args``, style and altair theme (both baked into the spec) and kept in the active
    ``svd.reference.Reference`` (none: built afresh). Its own fixed datasets are Arrow tables.

    The result is shared: never change it in place (``spec_with_rows`` makes a new top-level dict).
    """
    from svd.reference import current

    theme = alt.theme.active
    return current().get(
        ("svd.charts.spec_template", build, args, style, theme),
        lambda: _spec_template(build, args, style, theme),
        most=TEMPLATES_KEPT,
    )


# Templates kept in the active svd.reference.Reference (the titles in ``args`` follow the filters, so they are
# bounded: the least recently used leave first).
TEMPLATES_KEPT = 128


def _spec_template(
    build: Callable[..., alt.TopLevelMixin], args: tuple, style: ChartStyle, theme: str
) -> dict:
    spec = finish(build(alt.NamedData(ROWS), *args, style), style).to_dict(validate=False)
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


def _fit_height(rows: int, per_row: int, style: ChartStyle = NORMAL) -> int:
    """Plot height for ``rows`` bands (``finish`` makes the height the plot's own: titles and axes are extra)."""
    return style.h(per_row * max(rows, 2))


def _category_axis(style: ChartStyle) -> alt.Axis:
    """A category axis whose every label is drawn in full (no thinning, no "…" up to ``label_limit``)."""
    return alt.Axis(labelOverlap=False, labelLimit=style.label_limit)


def _column_axis(style: ChartStyle, n: int) -> alt.Axis:
    """Upright labels normally; in large type slanted, every one shown for up to 12 columns (weekdays, months),
    thinned where they would overlap beyond that (24 hours on half a 1280 px screen)."""
    if style.title_chars:
        return alt.Axis(labelAngle=-40, labelOverlap="greedy" if n > 12 else False)
    return alt.Axis(labelAngle=0)


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
    height: int = 200,
    style: ChartStyle = NORMAL,
) -> alt.LayerChart:
    """A monthly line (with points) of ``value``; uncovered months shaded and labelled, events as rules.

    ``height`` is the plot's (normal style); ``style`` sets the type sizes and scales the height.
    """
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
        base.mark_line(color=MAIN, strokeWidth=2 * style.scale).encode(x=x, y=y),
        base.mark_point(color=MAIN, filled=True, size=style.h(18)).encode(x=x, y=y, tooltip=tooltip),
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
                align="right",
                baseline="top",
                dx=3,
                dy=4,
                fontSize=style.small_text,
                color="#444",
                angle=270,
            ).encode(x="start:T", y=alt.value(0), text="label:N")
        )
    lo, hi = series["month"].min(), series["month"].max()
    shown = [e for e in events if lo <= e.month <= hi]
    if shown:
        ev = alt.Chart(pd.DataFrame({"month": [e.month for e in shown], "label": [e.label for e in shown]}))
        layers.append(ev.mark_rule(color="#222", strokeDash=[5, 3]).encode(x="month:T"))
        for e in shown:
            # Label on the side with more room, on two lines, so it stays inside the plot; at its foot, where a
            # count axis from zero leaves room (at its top the line of a rolling total runs through it).
            right_half = e.month > lo + (hi - lo) / 2
            label = e.label.replace(" — ", "\n")
            line_height = style.small_text + 3
            one = alt.Chart(pd.DataFrame({"month": [e.month], "label": [label]}))
            layers.append(
                one.mark_text(
                    align="right" if right_half else "left",
                    baseline="bottom",
                    dx=-4 if right_half else 4,
                    # Vega sets the first line on the baseline: lift the block by its further lines.
                    dy=-4 - line_height * label.count("\n"),
                    lineHeight=line_height,
                    y="height",
                    fontSize=style.small_text,
                    color="#222",
                    lineBreak="\n",
                    # Inside the plot: a label wider than its side never squeezes the plot (autosize).
                    clip=True,
                ).encode(x="month:T", text="label:N")
            )
    return finish(
        alt.layer(*layers).properties(
            title=_titled(title, subtitle), description=description, height=style.h(height)
        ),
        style,
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
    style: ChartStyle = NORMAL,
) -> alt.LayerChart:
    """Horizontal bars with their value written at the end; an optional labelled reference line."""
    data = _check(frame[[category, value]].rename(columns={category: "category", value: "value"}))
    data = data.assign(text=[("–" if pd.isna(v) else format(v, fmt) + suffix) for v in data["value"]])
    order = list(sort) if sort is not None else list(data["category"])
    y = alt.Y("category:N", title=None, sort=order, axis=_category_axis(style))
    # Labels that would touch are thinned (in large type on half a 1280 px screen "70" ran into "80").
    x = alt.X("value:Q", title=value_title, scale=alt.Scale(zero=True), axis=alt.Axis(labelSeparation=8))
    base = alt.Chart(data)
    layers = [
        base.mark_bar(color=MAIN).encode(
            y=y, x=x, tooltip=[alt.Tooltip("category:N", title=" "), alt.Tooltip("text:N", title=value_title)]
        ),
        base.mark_text(align="left", dx=3, color="#222", fontSize=style.label_size).encode(
            y=y, x=x, text="text:N"
        ),
    ]
    if reference is not None:
        ref = alt.Chart(pd.DataFrame({"value": [reference], "label": [reference_label or f"{reference:g}"]}))
        layers.append(ref.mark_rule(color=ACCENT, strokeDash=[4, 3], strokeWidth=2).encode(x="value:Q"))
        # Beside the line at its foot, clear of the value labels at the ends of the bars; on the line's left when
        # it is in the right half of the axis, where a label on its right would run off the chart.
        top = max([float(v) for v in data["value"].dropna()] + [float(reference)])
        left_of_line = top > 0 and reference > 0.5 * top
        layers.append(
            ref.mark_text(
                align="right" if left_of_line else "left",
                baseline="bottom",
                dx=-4 if left_of_line else 4,
                dy=-2,
                color=ACCENT,
                fontWeight="bold",
                fontSize=style.label_size,
            ).encode(x="value:Q", y=alt.value(alt.expr("height")), text="label:N")
        )
    height = _fit_height(len(data), 28, style)
    return finish(
        alt.layer(*layers).properties(title=_titled(title, subtitle), description=description, height=height),
        style,
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
    style: ChartStyle = NORMAL,
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
            x=alt.X(
                "category:N", title=None, sort=list(data["category"]), axis=_column_axis(style, len(data))
            ),
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
    return finish(
        chart.properties(title=_titled(title, subtitle), description=description, height=style.h(180)), style
    )


def overrepresentation_chart(
    frame: pd.DataFrame,
    title: str,
    description: str,
    category: str = "band",
    subtitle: str | None = None,
    style: ChartStyle = NORMAL,
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
    # Every band labelled: never thinned out as "overlapping" (the age bands are the point of the chart).
    y = alt.Y("category:N", title=None, sort=list(data["category"]), axis=_category_axis(style))
    x_title = "Share of people ÷ share of residents (1 = in line with the population)"
    if style.title_chars:  # two lines, and the legend in a column: both fit half a 1280 px screen
        x_title = ["Share of people ÷ share of residents", "(1 = in line with the population)"]
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
        legend=alt.Legend(orient="bottom", direction="vertical" if style.title_chars else "horizontal"),
        scale=alt.Scale(
            domain=["Over-represented", "In line with population", "Under-represented"],
            range=["triangle-right", "circle", "triangle-left"],
        ),
    )
    layers = [
        alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="#444", strokeDash=[4, 3]).encode(x="x:Q"),
        base.mark_rule(color=MAIN, strokeWidth=2).encode(
            y=y,
            x=alt.X(
                "lower:Q", title=x_title, axis=alt.Axis(tickCount=5) if style.title_chars else alt.Undefined
            ),
            x2="upper:Q",
        ),
        base.mark_point(color=MAIN, filled=True, size=style.h(style.h(90))).encode(
            y=y, x="ratio:Q", shape=shape, tooltip=tooltip
        ),
        base.mark_text(align="left", dx=8, dy=-style.h(9), fontSize=style.small_text, color="#222").encode(
            y=y, x="ratio:Q", text="text:N"
        ),
    ]
    height = _fit_height(len(data), 40, style)
    return finish(
        alt.layer(*layers).properties(title=_titled(title, subtitle), description=description, height=height),
        style,
    )


def rank_chart(
    rates: pd.DataFrame,
    code: str,
    title: str,
    description: str,
    value: str = "rate_per_1000",
    subtitle: str | None = None,
    style: ChartStyle = NORMAL,
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
        axis=_category_axis(style),
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
        base.mark_text(align="left", dx=3, fontWeight="bold", color="#222", fontSize=style.label_size).encode(
            y=y, x=x, text="text:N"
        ),
    ]
    return finish(
        alt.layer(*layers).properties(
            title=_titled(title, subtitle), description=description, height=_fit_height(len(data), 18, style)
        ),
        style,
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
    style: ChartStyle = NORMAL,
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
        labels = alt.Chart(pd.DataFrame(pts)).encode(longitude="lon:Q", latitude="lat:Q", text="text:N")
        size = 11 if style.scale == 1 else style.label_size
        # A white halo under black text: readable on every colour (a stroke over the text would blur it).
        halo = {"stroke": "white", "strokeWidth": 3, "strokeJoin": "round", "color": "white"}
        layers.append(labels.mark_text(fontSize=size, fontWeight="bold", **halo))
        layers.append(labels.mark_text(fontSize=size, fontWeight="bold", color="black"))
    return finish(
        alt.layer(*layers)
        .project(type="mercator")
        .properties(title=_titled(title, subtitle), description=description, height=style.h(420)),
        style,
    )
