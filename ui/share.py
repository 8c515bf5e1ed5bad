"""'Copy link to this view': the page's address with the full state of every bound widget in its query string.

One mechanism: each widget that changes a view is bound to a query parameter by ``ui.filters.bound``, which
records the widget's current value here (``remember``). The link is built after the page has run, from that
full set — defaults included, so a link keeps its months and filters even when the defaults later change — and
rebuilt at the end of every fragment rerun (``fragment``), since a filter inside a fragment reruns only the
fragment, not the script that drew the link.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

STATE = "_svd_view_state"  # key → encoded value of every bound widget drawn in this run of the page
SLOT = "_svd_link_slot"  # the sidebar placeholder the link is drawn into


def view_url(base_url: str, params: dict[str, str]) -> str:
    """The address of the current page with ``params`` as its query string (replacing any it had)."""
    parts = urlsplit(base_url)
    path = parts.path or ("/" if parts.netloc else "")
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(sorted(params.items())), ""))


def begin() -> None:
    """Forget the widgets of the previous run: call at the top of every whole-script run (app.py)."""
    st.session_state[STATE] = {}


def remember(key: str, encoded: str) -> None:
    """Record a bound widget's current value (``ui.filters.bound`` calls this for every widget it draws)."""
    st.session_state.setdefault(STATE, {})[key] = encoded


def view_params() -> dict[str, str]:
    """The full state of the view: the address's own parameters (e.g. presentation mode) and every bound widget."""
    return {**st.query_params.to_dict(), **st.session_state.get(STATE, {})}


def placeholder():
    """The sidebar slot for the link, made before the page runs; ``link_control`` fills it afterwards."""
    slot = st.empty()
    st.session_state[SLOT] = slot
    return slot


def link_control(slot=None) -> None:
    """Fill ``slot`` (default: the one ``placeholder`` made) with the link to the view as it now stands."""
    slot = slot if slot is not None else st.session_state.get(SLOT)
    if slot is None:
        return
    url = view_url(st.context.url or "", view_params())
    with slot.container(), st.popover("Copy link to this view", icon=":material/link:", width="stretch"):
        st.caption(
            "Whoever opens this address sees this page with these months, filters and choices. Copy it with "
            "the button at its right."
        )
        st.code(url, language=None, wrap_lines=True)


def fragment(func: Callable[..., Any]) -> Callable[..., Any]:
    """``st.fragment`` whose every run ends by redrawing the link, so it follows the filters inside it."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        finally:
            link_control()

    return st.fragment(run)
