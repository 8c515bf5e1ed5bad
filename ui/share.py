"""'Copy link to this view': the page's address with every filter in its query string."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st


def view_url(base_url: str, params: dict[str, str]) -> str:
    """The address of the current page with ``params`` as its query string (replacing any it had)."""
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(sorted(params.items())), ""))


def link_control(slot) -> None:
    """Fill ``slot`` (a placeholder made before the page ran) with the link, once every filter is in the URL."""
    url = view_url(st.context.url or "", st.query_params.to_dict())
    with slot.container(), st.popover("Copy link to this view", icon=":material/link:", width="stretch"):
        st.caption(
            "Whoever opens this address sees this page with these filters. The browser's address bar holds the "
            "same link and stays up to date as filters change."
        )
        st.code(url, language=None, wrap_lines=True)
