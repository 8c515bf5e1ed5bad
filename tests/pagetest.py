"""Helpers shared by the page tests: open one page inside the whole app, and read what it says."""

from __future__ import annotations

from svd.config import repo_root

APP = str(repo_root() / "app.py")


def open_page(view: str, timeout: int = 180):
    """Run the app, switch to ``views/<view>``, and fail on any exception or error message."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout)
    at.run()
    at.switch_page(f"views/{view}")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def headline(at) -> str:
    """The page's headline sentence."""
    return next(m.value for m in at.markdown if '<p class="svd-headline">' in m.value)


def charts(at) -> list:
    """Every altair chart on the page."""
    return list(at.get("vega_lite_chart")) + list(at.get("arrow_vega_lite_chart"))
