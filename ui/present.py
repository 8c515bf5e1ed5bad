"""Presentation mode for the projector: large type, high contrast, no sidebar, keyboard page-to-page navigation.

On with the sidebar toggle or ``?present=1`` in the URL. ``apply()`` injects the CSS; ``chart_style()`` is the
chart style this session's pages pass to the chart builders (``svd.charts.PRESENT`` or ``NORMAL``: never a
process-wide altair theme, which would restyle other sessions' charts); ``page_nav()`` draws Previous / Exit /
Next at the foot of each page.
"""

from __future__ import annotations

import copy
import datetime
import math
import re
from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from svd import charts

KEY = "present"  # the session-state key and the query parameter

# Okabe–Ito: distinguishable with the common colour-vision deficiencies, and on a washed-out projector.
OKABE_ITO = list(charts.OKABE_ITO)

# Chart type sizes (px): defined with the chart styles in svd.charts.
LABEL_SIZE = charts.PRESENT_LABEL_SIZE
TITLE_SIZE = charts.PRESENT_TITLE_SIZE
AXIS_TITLE_SIZE = charts.PRESENT_AXIS_TITLE_SIZE
# Table cells and body text on the projector (px).
TABLE_SIZE = 22
BODY_SIZE = 24
ROOM_ROWS = 25  # rows of a data table shown in presentation mode (static tables show all theirs)

# The map in presentation mode: what the screen leaves under the headline, the view zoomed to fit it. A deck
# cannot refit itself to the window (and CSS zoom breaks its canvas), so the room gets one deck per screen
# height and CSS shows the one that fits: TALL from 801 px of window height (1920×1080), SHORT below (1280×720).
MAP_HEIGHT = 620
MAP_HEIGHT_SHORT = 400
SHORT_SCREEN_PX = 800  # the media query's max-height for the short deck (and the short screens' smaller type)
MAP_LABEL_SIZE = 20


CSS = f"""<style>
/* Presentation mode: no sidebar and no control to reopen it; the room sees only the page. */
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"],
button[data-testid="stExpandSidebarButton"], div[data-testid="stSidebarCollapseButton"],
header[data-testid="stHeader"] {{ display: none !important; }}
.stApp {{ background: #ffffff !important; color: #000000 !important; }}
/* Every piece of text in the page at {BODY_SIZE - 2}px or more: text, controls, their options, tables. */
.stApp [data-testid="stMain"] :is(p, li, td, th, label, summary, input, textarea, button),
.stApp [data-baseweb="select"] :is(div, span, input), .stApp [data-baseweb="tag"] span,
.stApp [data-baseweb="popover"] :is(li, div, span), .stApp [data-testid="stSliderThumbValue"],
.stApp [data-testid="stSliderTickBarMin"], .stApp [data-testid="stSliderTickBarMax"],
.stApp [data-testid="stTooltipHoverTarget"] p {{ font-size: {BODY_SIZE - 2}px !important; }}
/* Body text {BODY_SIZE}px; rem (Streamlit's unit for headings and metrics) stays at the browser's 16px. */
.stApp .stMarkdown p, .stApp .stMarkdown li, .stApp [data-testid="stCaptionContainer"],
.stApp [data-testid="stCaptionContainer"] p, .stApp .stAlert p {{ font-size: {BODY_SIZE}px !important;
  line-height: 1.5; }}
/* Tables: large cells that wrap, never cut off with "…". */
.stApp [data-testid="stTable"] :is(td, th), .stApp .stMarkdown :is(td, th) {{
  font-size: {TABLE_SIZE}px !important; line-height: 1.35; white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; padding: 0.35rem 0.6rem !important; }}
.stApp [data-testid="stTable"] th {{ color: #000000 !important; font-weight: 700; }}
/* A map legend's ranges stay on one line ("78–110", not "78–" over "110"). */
.stApp table.svd-legend td {{ white-space: nowrap !important; }}
/* Controls: big enough to hit and to read from the back of the room. */
.stApp [data-baseweb="select"] > div {{ min-height: 3rem; }}
.stApp [data-baseweb="select"] div {{ white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; }}
.stApp [data-testid="stRadio"] label, .stApp [data-testid="stCheckbox"] label {{ align-items: center; }}
.stApp h1 {{ font-size: 3rem !important; color: #000000 !important; }}
.stApp h2 {{ font-size: 2.4rem !important; color: #000000 !important; }}
.stApp h3 {{ font-size: 2rem !important; color: #000000 !important; }}
.stApp .stMarkdown p.svd-headline, .stApp p.svd-headline {{ font-size: 2.2rem !important; line-height: 1.35 !important; font-weight: 600;
  color: #000000 !important; max-width: none !important; }}
.stApp [data-testid="stMain"] [data-testid="stMetricValue"],
.stApp [data-testid="stMain"] [data-testid="stMetricValue"] :is(div, p) {{ font-size: 3.5rem !important;
  color: #000000 !important; }}
.stApp [data-testid="stMetricLabel"] p {{ font-size: 1.5rem !important; color: #000000 !important;
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }}
.stApp [data-testid="stMetricLabel"] div {{ overflow: visible !important; white-space: normal !important; }}
.stApp [data-testid="stMetricDelta"], .stApp [data-testid="stMetricDelta"] div {{ font-size: 1.4rem !important; }}
.stApp [data-testid="stCaptionContainer"], .stApp [data-testid="stCaptionContainer"] p, .stApp [data-testid="stCaptionContainer"] * {{ color: #1a1a1a !important; opacity: 1 !important; }}
.block-container, [data-testid="stMainBlockContainer"] {{ max-width: 100% !important;
  padding: 1.5rem 2.5rem 3rem 2.5rem !important; }}
/* One map per screen height (map_for_room): the one that fits this window. */
@media (max-height: {SHORT_SCREEN_PX}px) {{ .st-key-svd-room-map-tall {{ display: none !important; }} }}
@media (min-height: {SHORT_SCREEN_PX + 1}px) {{ .st-key-svd-room-map-short {{ display: none !important; }} }}
/* Short screens (1280×720): smaller title and headline, so the map and charts start higher. */
@media (max-height: {SHORT_SCREEN_PX}px) {{
  .stApp h1 {{ font-size: 2.2rem !important; padding-top: 0 !important; }}
  .stApp .stMarkdown p.svd-headline, .stApp p.svd-headline {{ font-size: 1.6rem !important; }}
  .block-container, [data-testid="stMainBlockContainer"] {{ padding-top: 0.5rem !important; }}
}}
a:focus-visible, button:focus-visible {{ outline: 4px solid {OKABE_ITO[1]} !important; outline-offset: 3px; }}
</style>"""


def _truthy(raw: str | None) -> bool:
    return str(raw).strip().lower() in ("1", "true", "yes", "on")


def is_presenting() -> bool:
    """True in presentation mode: the session toggle when set, otherwise ``?present=1`` in the URL."""
    if KEY in st.session_state:
        return bool(st.session_state[KEY])
    return _truthy(st.query_params.get(KEY))


def toggle(label: str = "Presentation mode") -> bool:
    """The toggle (for the sidebar), seeded from and written back to ``?present=1``."""
    if KEY not in st.session_state:
        st.session_state[KEY] = _truthy(st.query_params.get(KEY))
    on = st.toggle(
        label,
        key=KEY,
        help="Large type, high contrast and no sidebar, for the projector. "
        "Leave it with the Exit button at the foot of the page, or remove ?present=1 from the address.",
    )
    _sync_url(on)
    return on


def _sync_url(on: bool) -> None:
    if on:
        st.query_params[KEY] = "1"
    elif KEY in st.query_params:
        del st.query_params[KEY]


def _exit() -> None:
    st.session_state[KEY] = False


def apply() -> bool:
    """Apply presentation mode when it is on (its CSS); the charts follow ``chart_style()``."""
    on = is_presenting()
    if on:
        st.markdown(CSS, unsafe_allow_html=True)
        _sync_url(True)
    return on


def pydeck_chart(deck, height: int, key: str) -> None:
    """``st.pydeck_chart`` of ``deck`` ``height`` tall; in presentation mode one deck per screen height
    (``map_for_room``: ``MAP_HEIGHT`` and ``MAP_HEIGHT_SHORT``), of which the CSS shows the one that fits."""
    if not is_presenting():
        st.pydeck_chart(deck, height=height, key=key)
        return
    for name, room_height in (("tall", MAP_HEIGHT), ("short", MAP_HEIGHT_SHORT)):
        with st.container(key=f"svd-room-map-{name}"):
            room, shown = map_for_room(deck, height, room_height)
            st.pydeck_chart(room, height=shown, key=f"{key}-{name}")


@st.cache_data(show_spinner=False, max_entries=16)
def _room_labels(rows: tuple[tuple, ...], zoom: float, size: int) -> list[dict]:
    """The map's labels laid out again for the room's zoom and type size (``svd.maps.place_labels``)."""
    from svd import maps

    labels = pd.DataFrame(list(rows), columns=["name", "lon", "lat", "kind"])
    return maps.place_labels(labels, zoom=zoom, size=size).to_dict(orient="records")


def map_for_room(deck, height: int, room_height: int = MAP_HEIGHT):
    """(deck, height) for ``st.pydeck_chart``: as given normally; in presentation mode a copy ``room_height``
    tall, its view zoomed to fit, with labels (laid out again for that zoom and size, so that none overlap)
    and tooltips of 20 px. The deck given is not changed: other sessions may hold it."""
    if not is_presenting():
        return deck, height
    room = copy.copy(deck)
    view = copy.copy(deck.initial_view_state)
    view.zoom = view.zoom - math.log2(height / room_height)
    room.initial_view_state = view
    layers = []
    for layer in deck.layers:
        if getattr(layer, "type", None) == "TextLayer":
            layer = copy.copy(layer)
            layer.get_size = MAP_LABEL_SIZE
            rows = tuple((r["name"], r["lon"], r["lat"], r.get("kind", "")) for r in layer.data)
            layer.data = _room_labels(rows, round(view.zoom, 3), MAP_LABEL_SIZE)
        layers.append(layer)
    room.layers = layers
    tooltip = getattr(deck, "_tooltip", None)
    if isinstance(tooltip, dict):
        room._tooltip = {**tooltip, "style": {**tooltip.get("style", {}), "fontSize": f"{LABEL_SIZE}px"}}
    return room, room_height


def filters_box():
    """The box a page's filters sit in: bordered normally; folded away under the chart or map in presentation
    mode (the room sees the figures; the presenter can still open it)."""
    if is_presenting():
        return st.expander("Filters", expanded=False, icon=":material/tune:")
    return st.container(border=True)


def chart_style() -> charts.ChartStyle:
    """The chart style for this session: large type for the projector in presentation mode."""
    return charts.PRESENT if is_presenting() else charts.NORMAL


def _key(page) -> str:
    """A page's identity: its url path (StreamlitPage) or its path/string."""
    return str(getattr(page, "url_path", page))


def neighbours(pages: Sequence, current) -> tuple[object | None, object | None]:
    """The page before and after ``current`` in ``pages`` (None at either end, or when it is not listed)."""
    keys = [_key(p) for p in pages]
    cur = _key(current)
    if cur not in keys:
        return None, None
    i = keys.index(cur)
    return (pages[i - 1] if i > 0 else None), (pages[i + 1] if i + 1 < len(pages) else None)


def page_nav(pages_in_order: Sequence, current) -> None:
    """Previous / Exit / Next buttons at the foot of the page in presentation mode (Tab/Enter or ←/→ keys)."""
    if not is_presenting():
        return
    prev, nxt = neighbours(pages_in_order, current)
    st.divider()
    with st.container(horizontal=True, gap="large", horizontal_alignment="distribute"):
        go_prev = st.button(
            f"Previous: {getattr(prev, 'title', '')}" if prev is not None else "Previous",
            key="present-prev",
            icon=":material/arrow_back:",
            disabled=prev is None,
            shortcut="Left",
        )
        st.button(
            "Exit presentation",
            key="present-exit",
            icon=":material/close_fullscreen:",
            on_click=_exit,
            type="tertiary",
        )
        go_next = st.button(
            f"Next: {getattr(nxt, 'title', '')}" if nxt is not None else "Next",
            key="present-next",
            icon=":material/arrow_forward:",
            icon_position="right",
            disabled=nxt is None,
            shortcut="Right",
            type="primary",
        )
    if go_prev and prev is not None:
        st.switch_page(prev, query_params={KEY: "1"})
    if go_next and nxt is not None:
        st.switch_page(nxt, query_params={KEY: "1"})


# ------------------------------------------------------------------------------------------------- tables
# Column names as people read them, for every table on screen and in every download: one definition.
COLUMN_LABELS = {
    "code": "Area code",
    "name": "Area",
    "ward_code": "Ward code",
    "ward_name": "Ward",
    "lsoa_code": "LSOA code",
    "lsoa_name": "Neighbourhood (LSOA)",
    "borough_code": "Borough code",
    "borough_name": "Borough",
    "count": "Offences",
    "rate_per_1000": "Per 1,000 residents",
    "rate": "Per 1,000 residents",
    "population": "Residents",
    "fund": "Fund",
    "fund_source": "Source of the fund",
    "amount_gbp": "Amount (£)",
    "pct_change": "Change (%)",
    "change": "Change",
    "share": "Share (%)",
    "population_share": "Share of residents (%)",
    "lower": "95% lower",
    "upper": "95% upper",
    "ratio": "Ratio",
    "month": "Month",
    "month_name": "Month",
    "mean": "Average per month",
    "years": "Years averaged",
    "objective": "Objective",
    "objective_title": "Objective title",
    "metric": "Metric",
    "value": "Latest 12 months",
    "period": "Period",
    "page": "Page",
    "label": "Label",
    "band": "Age band",
    "hour": "Hour",
    "day": "Day",
    "weekday": "Day",
    "area_code": "Area code",
    "area_name": "Area",
    "change_text": "Change",
    "previous": "Previous period",
    "rank": "Rank",
    "hotspot": "Gi* hotspot",
    "emerging": "Trend, last 12 months",
    "last_12m": "Offences, last 12 months",
    "prior_12m": "Offences, 12 months before",
    "year": "Year",
    # The Data and methods page's tables (svd.dataquality, svd.london) and their downloads.
    "dataset_id": "Dataset id",
    "rows_in": "Rows read",
    "rows_read": "Rows read",
    "rows_accepted": "Accepted",
    "rows_quarantined": "Quarantined",
    "months_used": "Months used",
    "used_from": "Used from",
    "used_to": "Used to",
    "set_aside": "Set aside because",
    "store_load": "Load in the store",
    "vintage": "Release (months)",
    "older_vintage": "Earlier release",
    "newer_vintage": "Later release",
    "old_count": "Earlier count",
    "new_count": "Later count",
    "lines_skipped": "Lines skipped",
    "polygons_repaired": "Polygons repaired",
    "gla_ward_code": "GLA ward code",
    "gla_ward_name": "GLA ward",
    "gla_share": "Share of the LSOA in the GLA ward",
    "derived_ward_code": "Ward code from the polygons",
    "derived_ward_name": "Ward from the polygons",
    "derived_share": "Share of the LSOA in it",
    "target_pct": "Target (%)",
    "measured_pct": "Measured (%)",
    "tolerance_points": "Tolerance (± points)",
}
_WORDS = {"lsoa": "LSOA", "mps": "MPS", "sna": "SNA", "gbp": "(£)", "pct": "(%)", "1000": "1,000", "da": "DA"}
_MARKDOWN = re.compile(r"([\\`*_~$|#\[\]<>])")


def column_label(name: str) -> str:
    """'rate_per_1000' → 'Per 1,000 residents'; an unknown snake_case name in plain words."""
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    if "_" not in name and not name.islower():
        return name  # already a label
    words = [_WORDS.get(w, w) for w in str(name).split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _config_of(column_config: Mapping | None, col: str):
    if not column_config or col not in column_config:
        return {}
    cfg = column_config[col]
    if cfg is None:
        return None
    return {"label": cfg} if isinstance(cfg, str) else dict(cfg)


def readable(df: pd.DataFrame, column_config: Mapping | None = None, dp: int = 2) -> pd.DataFrame:
    """The table as people read it, for screens and downloads: plain column names (``column_config`` labels
    first, then ``COLUMN_LABELS``), values rounded to ``dp`` places, no "None" text; columns configured None
    are left out."""
    out = {}
    for col in df.columns:
        cfg = _config_of(column_config, col)
        if cfg is None:
            continue
        values = df[col]
        if pd.api.types.is_float_dtype(values):
            values = values.round(dp)
            whole = values.dropna()
            if len(whole) and (whole == whole.round()).all():
                values = values.astype("Int64")  # residents 5357, not 5357.0
        elif values.dtype == object or pd.api.types.is_string_dtype(values):
            values = values.astype(object).where(values.notna(), "")
        label = cfg.get("label") or column_label(str(col))
        out[label if label not in out else f"{label} ({col})"] = values.array  # keeps Int64
    return pd.DataFrame(out, index=df.index)


def _formatted(values: pd.Series, fmt: str | None) -> list[str]:
    # One number of decimals for the whole column ("19.00" above "17.30", never "19" above "17.30").
    numbers = [
        v for v in values.tolist() if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v
    ]
    whole = all(float(v).is_integer() for v in numbers)

    def one(v) -> str:
        if v is None or (isinstance(v, float) and v != v) or v is pd.NaT or v is pd.NA:
            return ""
        if isinstance(v, (pd.Timestamp, datetime.date)):
            # Joined by non-breaking spaces: a narrow column wraps between cells' words, never inside a date.
            return f"{v.day}\u00a0{v:%b}\u00a0{v:%Y}" if fmt else f"{v:%Y-%m-%d}"
        if isinstance(v, bool):
            return "Yes" if v else "No"
        if isinstance(v, (int, float)):
            if fmt and "%" in fmt:
                try:
                    return fmt % v
                except (TypeError, ValueError):
                    return str(v)
            return f"{v:,.0f}" if whole else f"{v:,.2f}"
        return str(v)

    return [one(v) for v in values.tolist()]


def display_frame(df: pd.DataFrame, column_config: Mapping | None = None) -> pd.DataFrame:
    """``readable(df)`` with every value as text in its column's format, markdown characters escaped (for
    ``st.table``, which reads cells as markdown)."""
    out = {}
    for col in df.columns:
        cfg = _config_of(column_config, col)
        if cfg is None:
            continue
        fmt = (cfg.get("type_config") or {}).get("format")
        label = cfg.get("label") or column_label(str(col))
        text = _formatted(df[col], fmt)
        out[_MARKDOWN.sub(r"\\\1", label)] = [_MARKDOWN.sub(r"\\\1", t) for t in text]
    return pd.DataFrame(out)


def table(
    df: pd.DataFrame, column_config: Mapping | None = None, *, static: bool = False, **dataframe_kwargs
) -> None:
    """A table: ``st.dataframe`` normally; a static, wrapping ``st.table`` (large type, nothing cut off with
    "…") in presentation mode, or always when ``static`` (short tables of long text).

    ``column_config`` is ``st.dataframe``'s: its labels and number formats are used for the static table too.
    """
    if static:
        st.table(display_frame(df, column_config), hide_index=True)
    elif is_presenting():
        # A room reads a screenful: a long table shows its first rows and says where the rest are.
        st.table(display_frame(df.head(ROOM_ROWS), column_config), hide_index=True)
        if len(df) > ROOM_ROWS:
            st.caption(
                f"The first {ROOM_ROWS} of {len(df):,} rows; the downloads and the normal view have them all."
            )
    else:
        kwargs = {"hide_index": True, "width": "stretch", **dataframe_kwargs}
        st.dataframe(_blank_missing_text(df), column_config=human_config(df, column_config), **kwargs)


def human_config(df: pd.DataFrame, column_config: Mapping | None = None) -> dict:
    """``column_config`` for ``st.dataframe`` with every other column labelled in plain words and its decimals
    rounded to 2 places."""
    config = dict(column_config or {})
    for col in df.columns:
        if col in config:
            continue
        label = column_label(str(col))
        if pd.api.types.is_float_dtype(df[col]):
            config[col] = st.column_config.NumberColumn(label, format="%.2f")
        elif _thousands(df[col], label):
            config[col] = st.column_config.NumberColumn(label, format="localized")  # 12,391, not 12391
        else:
            config[col] = label
    return config


def _thousands(values: pd.Series, label: str) -> bool:
    """Whole numbers of 1,000 or more, written with a thousands separator (not years, hours or codes)."""
    if not pd.api.types.is_integer_dtype(values) or pd.api.types.is_bool_dtype(values) or values.empty:
        return False
    if any(w in label.lower() for w in ("year", "hour", "code", "rank")):
        return False
    return bool(values.abs().max() >= 1000)


def _blank_missing_text(df: pd.DataFrame) -> pd.DataFrame:
    """Missing text as an empty cell, not "None"."""
    text = [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]
    if not text or not df[text].isna().any().any():
        return df
    return df.assign(**{c: df[c].astype(object).where(df[c].notna(), "") for c in text})
