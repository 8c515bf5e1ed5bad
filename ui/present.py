"""Presentation mode for the projector: large type, high contrast, no sidebar, keyboard page-to-page navigation.

On with the sidebar toggle or ``?present=1`` in the URL. ``apply()`` injects the CSS and switches altair to a
large-type, colour-blind-safe theme; ``page_nav()`` draws Previous / Exit / Next at the foot of each page.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import streamlit as st

KEY = "present"  # the session-state key and the query parameter
THEME = "svd_present"

# Okabe–Ito: distinguishable with the common colour-vision deficiencies, and on a washed-out projector.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

# Chart type sizes (px, in the chart's own coordinates; Streamlit scales a stretched chart to the page).
LABEL_SIZE = 20
TITLE_SIZE = 26
AXIS_TITLE_SIZE = 22


@alt.theme.register(THEME, enable=False)
def presentation_theme() -> alt.theme.ThemeConfig:
    """Large labels and titles, thick marks, black on white, Okabe–Ito categories and viridis sequences."""
    axis = {
        "labelFontSize": LABEL_SIZE,
        "titleFontSize": AXIS_TITLE_SIZE,
        "labelColor": "#000000",
        "titleColor": "#000000",
        "domainColor": "#000000",
        "tickColor": "#000000",
        "gridColor": "#bdbdbd",
        "labelLimit": 400,
    }
    return {
        "config": {
            "background": "#ffffff",
            "font": "DejaVu Sans, Verdana, Arial, sans-serif",
            "axis": axis,
            "axisX": axis,
            "axisY": axis,
            "header": {"labelFontSize": LABEL_SIZE, "titleFontSize": AXIS_TITLE_SIZE},
            "legend": {
                "labelFontSize": LABEL_SIZE,
                "titleFontSize": AXIS_TITLE_SIZE,
                "symbolSize": 250,
                "labelColor": "#000000",
                "titleColor": "#000000",
                "labelLimit": 400,
            },
            "title": {
                "fontSize": TITLE_SIZE,
                "subtitleFontSize": LABEL_SIZE,
                "color": "#000000",
                "anchor": "start",
            },
            "text": {"fontSize": LABEL_SIZE, "color": "#000000"},
            "line": {"strokeWidth": 4},
            "point": {"size": 120, "filled": True},
            "range": {
                "category": OKABE_ITO,
                "ordinal": {"scheme": "viridis"},
                "ramp": {"scheme": "viridis"},
                "heatmap": {"scheme": "viridis"},
            },
            "view": {"stroke": None},
        }
    }


CSS = f"""<style>
/* Presentation mode: no sidebar and no control to reopen it; the room sees only the page. */
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"],
button[data-testid="stExpandSidebarButton"], div[data-testid="stSidebarCollapseButton"],
header[data-testid="stHeader"] {{ display: none !important; }}
/* Body text 24px; rem (Streamlit's unit for headings and metrics) stays at the browser's 16px. */
.stApp, .stMarkdown, .stMarkdown p, .stMarkdown li, [data-testid="stCaptionContainer"],
[data-testid="stCaptionContainer"] p, [data-testid="stWidgetLabel"] p, .stAlert p, .stButton p,
[data-testid="stPageLink"] p, [data-testid="stDownloadButton"] p {{ font-size: 24px !important;
  line-height: 1.5; }}
.stApp {{ background: #ffffff !important; color: #000000 !important; }}
.stApp h1 {{ font-size: 3rem !important; color: #000000 !important; }}
.stApp h2 {{ font-size: 2.4rem !important; color: #000000 !important; }}
.stApp h3 {{ font-size: 2rem !important; color: #000000 !important; }}
.stApp p.svd-headline, .stMarkdown p.svd-headline {{ font-size: 2.2rem !important; line-height: 1.35 !important; font-weight: 600;
  color: #000000 !important; max-width: none !important; }}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] div {{ font-size: 3.5rem !important;
  color: #000000 !important; }}
[data-testid="stMetricLabel"] p {{ font-size: 1.5rem !important; color: #000000 !important; }}
[data-testid="stMetricDelta"] {{ font-size: 1.4rem !important; }}
.stApp [data-testid="stCaptionContainer"], .stApp [data-testid="stCaptionContainer"] p, .stApp [data-testid="stCaptionContainer"] * {{ color: #1a1a1a !important; opacity: 1 !important; }}
.block-container, [data-testid="stMainBlockContainer"] {{ max-width: 100% !important;
  padding: 2rem 3rem 3rem 3rem !important; }}
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
    """Apply presentation mode when it is on (CSS + altair theme); restore the default theme when off."""
    on = is_presenting()
    # The altair theme registry is process-wide: it is set on every run of every session, so each session's
    # charts are serialised under its own setting (Streamlit serialises charts while the script runs).
    if on:
        alt.theme.enable(THEME)
        st.markdown(CSS, unsafe_allow_html=True)
        _sync_url(True)
    elif alt.theme.active == THEME:
        alt.theme.enable("default")
    return on


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
