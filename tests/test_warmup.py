"""ui/warmup.py: the loading message on a cold server, and the warming thread's bookkeeping."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


@pytest.fixture(autouse=True)
def _warmup_state_restored():
    """These tests clear the process's warm-up events; give them back as they were for the tests after."""
    from ui import warmup

    events = (warmup._core_ready, warmup._first_run_done, warmup._all_ready)
    before = [e.is_set() for e in events]
    yield
    for event, was_set in zip(events, before, strict=True):
        event.set() if was_set else event.clear()


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

    assert [m.value for m in at.markdown if LOADING_MESSAGE in m.value] == [
        f":material/hourglass_top: **{LOADING_MESSAGE}**"
    ]


def test_the_message_goes_when_the_page_has_run_and_the_process_counts_as_warm():
    from ui import warmup

    at = AppTest.from_function(_cold_then, kwargs={"clear": True}).run()
    assert not [m for m in at.markdown if "Loading the data" in m.value]
    assert warmup.is_warm()
    assert warmup.loading_message() is None  # a warm process shows nothing


def test_a_finished_warming_thread_is_never_waited_for():
    """The full suite's slow test once waited 180 s: an earlier AppTest of app.py (AppTest has a Runtime) ran
    the warming thread to its end, these tests then cleared its event, and app.py waited for a dead thread."""
    import threading
    import time

    from ui import warmup

    finished = threading.Thread(target=lambda: None)
    finished.start()
    finished.join()
    saved = list(warmup._thread)
    warmup._thread[:] = [finished]
    warmup._core_ready.clear()
    try:
        t0 = time.perf_counter()
        warmup.wait_for_core(timeout=5)
        assert time.perf_counter() - t0 < 1
    finally:
        warmup._thread[:] = saved


@pytest.mark.slow
def test_the_app_leaves_no_loading_message_behind():
    from tests.pagetest import APP

    at = AppTest.from_file(APP, default_timeout=600).run()
    assert not at.exception
    assert not [m for m in at.markdown if "Loading the data" in m.value]


def test_a_finished_run_gives_the_freed_heap_back(monkeypatch):
    """The end of every page run trims the heap (glibc ``malloc_trim(0)``), so RSS does not stay at a run's peak."""
    from ui import warmup

    calls = []
    monkeypatch.setattr(warmup, "_malloc_trim", lambda: calls.append)
    warmup.done(None)
    assert calls == [0]
    monkeypatch.setattr(warmup, "_malloc_trim", lambda: None)  # not glibc: nothing to trim, no error
    warmup.done(None)


def test_the_other_pages_data_wait_for_the_first_page(monkeypatch):
    """After the first page's data, the warming waits until a page run has finished (or FIRST_PAGE_FIRST_S), so a
    cold server's first page does not share the GIL with the other pages' loads."""
    import threading

    from ui import cache, warmup

    steps: list[str] = []

    def fake_warm(root, extract):
        steps.append("core")
        yield "records", "core"
        steps.append("rest")
        yield "tasking", "rest"

    monkeypatch.setattr(cache, "warm", fake_warm)
    monkeypatch.setattr(warmup, "FIRST_PAGE_FIRST_S", 30.0)
    for event in (warmup._core_ready, warmup._first_run_done, warmup._all_ready):
        event.clear()
    thread = threading.Thread(target=warmup._warm, args=("root", None), daemon=True)
    thread.start()
    assert warmup._core_ready.wait(10)
    thread.join(0.5)
    assert steps == ["core"] and thread.is_alive()  # waiting for the first page
    warmup.done(None)  # the first page has run
    thread.join(10)
    assert steps == ["core", "rest"] and warmup._all_ready.is_set()
