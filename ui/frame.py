"""Page furniture shared by every page: headline, notices, sources and attribution, tiles, errors."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from svd import catalogue, public
from svd.provenance import Provenance
from svd.schema import NothingToShow

SOURCE_TEXT = {
    "mps": "Metropolitan Police Service recorded crime by ward and month (London Datastore).",
    "mps_borough": "Metropolitan Police Service recorded crime by borough and month (London Datastore).",
    "census": "Census 2021 usual residents (ONS), for rates per 1,000 residents.",
    "records_simulated": "Record-level data: simulated from the real MPS ward counts (see the notice above).",
    "records_extract": "Record-level data: the partnership's own extract.",
    "police_uk": "police.uk street-level crime (locations anonymised to snap points).",
    "strategy": "{strategy} and its 2023 Strategic Needs Assessment.",
    "geo": "ONS ward and LSOA boundaries; TfL station locations.",
}


def source_text(kind: str) -> str:
    """One source line; the strategy's names the partnership's own strategy (or says it has none)."""
    from svd import strategy

    if kind == "strategy":
        return (
            SOURCE_TEXT[kind].format(strategy=strategy.citation())
            if strategy.available()
            else strategy.citation()
        )
    return SOURCE_TEXT[kind]


def headline_text(sentence: str, provenance: Provenance | None) -> str:
    """The headline as shown: a simulated one always says so (prefixed "Simulated data:" when it does not)."""
    if provenance is not None and provenance.simulated and "simulated" not in sentence.lower():
        return f"Simulated data: {sentence}"
    return sentence


def headline(title: str, sentence: str, *, provenance: Provenance | None) -> None:
    """The page title and its one-sentence, data-computed headline (large, for the room).

    ``provenance`` is required (None only for sentences that state no data figure, e.g. the strategy's): a
    sentence built on simulated records then always says so, and its source is one hover away.
    """
    st.title(title)
    # Escaped: the sentence carries data (area names) and is drawn as HTML; a name must never become an element.
    text = html.escape(headline_text(sentence, provenance), quote=False)
    st.markdown(
        f'<p class="svd-headline">{text}</p>',
        unsafe_allow_html=True,
        help=provenance.text() if provenance is not None else None,
    )


def records_notice(record_set) -> None:
    """The persistent notice saying where the record-level figures come from, and, when the records do not
    cover the chosen months and the same months a year earlier, a plain sentence saying so (svd.metrics)."""
    if record_set.source == "simulated":
        st.warning(record_set.label, icon=":material/science:")
    else:
        st.info(record_set.label, icon=":material/database:")
    from svd.metrics import coverage_note

    source = "The simulated record set" if record_set.source == "simulated" else "The extract"
    title = st.session_state.get("svd_page_title")
    page = f"The {title} page" if title else "This page"
    note = coverage_note(
        record_set.data, st.session_state.get("shared_filter", {}).get("periods"), source, page
    )
    if note:
        st.warning(
            note + " Choose other months in the sidebar, or load a longer extract.",
            icon=":material/event_busy:",
        )


def sources(kinds: Iterable[str], as_of: str | None = None) -> None:
    """Sources used on this page, the 'data as of' month and the attribution the licences require."""
    st.divider()
    kinds = list(kinds)
    lines = [f"- {source_text(k)}" for k in kinds]
    if {"mps", "mps_borough"} & set(kinds):
        from ui import cache

        loads = cache.store_loads_in_use(cache.data_root(), kinds)
        if loads:  # official releases applied in the store that supply months to this page's MPS figures
            lines.append("- MPS releases applied in the store: " + "; ".join(loads) + ".")
    if as_of:
        lines.insert(0, f"**Data as of {as_of}.**")
    st.caption("\n".join(["**Sources**", *lines]))
    st.caption(" ".join(catalogue.attribution_lines()))


@contextmanager
def friendly_errors(what: str):
    """Show a failed section as a plain message instead of a traceback."""
    try:
        yield
    except ScriptControlException:
        raise
    except NothingToShow as exc:  # no data for the choices made: information, not an error
        st.info(str(exc), icon=":material/info:")
    except Exception as exc:  # noqa: BLE001 — no traceback ever reaches the user
        st.error(f"{what} could not be shown: {exc}", icon=":material/error:")


def fmt_int(x: float | None) -> str:
    """12,345 or an en dash when missing."""
    return "–" if x is None else f"{x:,.0f}"


def fmt_pct(x: float | None, dp: int = 0) -> str:
    """46% or an en dash when missing."""
    return "–" if x is None else f"{x:.{dp}f}%"


def tile(fig, on_click_page: str | None = None, level: str = "borough", hidden: str | None = None) -> None:
    """A headline tile: the chosen months, change on the same months a year earlier, rate, London rate.

    ``level`` is the area the figure covers ("borough" or "ward"): in public mode small counts of sensitive
    metrics are hidden at ward level, as everywhere else; ``hidden`` is ``svd.overview.public_hidden``'s word.
    """
    m = fig.metric
    shown = (
        public.tile_display(fig.current, fig.previous, level, m.sensitive, hidden=hidden)
        if m.unit != "percent"
        else None
    )
    with st.container(border=True):
        if m.unit == "percent":
            value = fmt_pct(fig.current)
            delta = (
                None
                if fig.previous is None or fig.current is None
                else f"{fig.current - fig.previous:+.1f} points"
            )
        else:
            value = shown.value or fmt_int(fig.current)
            delta = (
                None if fig.previous is None else f"{fig.current - fig.previous:+,} on {fig.previous_period}"
            )
            if not shown.show_change:
                delta = None
        st.metric(
            m.title,
            value,
            delta=delta,
            delta_color="inverse",
            border=False,
            help=f"{m.caption} {fig.period} against {fig.previous_period}."
            + (f" {fig.extra['period_note']}" if fig.extra.get("period_note") else "")
            + (f" {fig.provenance.text()}" if fig.provenance else ""),
        )
        bits = []
        if fig.change_label and (shown is None or shown.show_change):
            bits.append(fig.change_label.capitalize())
        elif fig.change_note:
            bits.append(fig.change_note[0].upper() + fig.change_note[1:])
        if fig.rate_per_1000 is not None and (shown is None or shown.show_rate):
            bits.append(f"{fig.rate_per_1000:.2f} per 1,000 residents")
        if fig.london_rate_per_1000 is not None:
            bits.append(f"London {fig.london_rate_per_1000:.2f}")
        if shown is not None and (shown.value or not shown.show_change):
            bits.append("small numbers hidden (public mode)")
        source = fig.provenance.short() if fig.provenance else fig.period
        text = " · ".join(bits) + f"  \n{source}"
        if fig.simulated and "simulated" not in text.lower():  # a simulated figure always says so
            text += " · simulated records"
        st.caption(text)
        if on_click_page:
            st.page_link(on_click_page, label="Open the page", icon=":material/arrow_forward:")


def styles() -> None:
    """Minimal CSS: a large headline sentence, readable captions, labels that wrap instead of ending in "…"."""
    st.markdown(
        """<style>
        .svd-headline { font-size: 1.35rem; line-height: 1.45; margin: 0 0 1rem 0; max-width: 60rem; }
        /* Tile labels, changes and control labels wrap rather than end in "…" (no cut-off text at 1440 px). */
        [data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *, [data-testid="stMetricDelta"],
        [data-testid="stMetricDelta"] *, label[data-baseweb="checkbox"] *, [data-testid="stWidgetLabel"] * {
          white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
        </style>""",
        unsafe_allow_html=True,
    )


def run_page(body: Callable[[], None]) -> None:
    """Run a page body; an unexpected failure becomes a message, never a traceback."""
    try:
        body()
    except ScriptControlException:  # Streamlit's own rerun/stop signals must pass through
        raise
    except Exception as exc:  # noqa: BLE001
        st.error(f"This page could not be shown: {exc}", icon=":material/error:")
