"""ui/warmup.py: the loading message on a cold server, and the warming thread's bookkeeping."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def _cold_then(clear: bool):
    from ui import warmup

    warmup._core_ready.clear()
    warmup._first_run_done.clear()
    slot = warmup.loading_message()
    if clear:
        warmup.done(slot)


def test_a_cold_process_shows_the_loading_message():
    at = AppTest.from_function(_cold_then, kwargs={"clear": False}).run()
    from ui.warmup import LOADING_MESSAGE

    assert [m.value for m in at.markdown if LOADING_MESSAGE in m.value] == [f"⏳ **{LOADING_MESSAGE}**"]


def test_the_message_goes_when_the_page_has_run_and_the_process_counts_as_warm():
    from ui import warmup

    at = AppTest.from_function(_cold_then, kwargs={"clear": True}).run()
    assert not [m for m in at.markdown if "Loading the data" in m.value]
    assert warmup.is_warm()
    assert warmup.loading_message() is None  # a warm process shows nothing


@pytest.mark.slow
def test_the_app_leaves_no_loading_message_behind():
    from tests.pagetest import APP

    at = AppTest.from_file(APP, default_timeout=600).run()
    assert not at.exception
    assert not [m for m in at.markdown if "Loading the data" in m.value]
