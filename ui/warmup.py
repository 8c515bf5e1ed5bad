"""The shared caches warmed in a background thread, and the loading message shown until they are.

Imports nothing heavy (no pandas, no svd): ``app.py`` imports this module first, so its first run can show
"Loading the data…" within a fraction of a second on a cold server, before the imports and loads that take
seconds. ``serve.py`` starts the warming when the server starts; ``app.py`` starts it (if not yet started) on
its first run under a real server, so a plain ``streamlit run app.py`` warms the other pages' data too.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import streamlit as st

_LOG = logging.getLogger(__name__)

LOADING_MESSAGE = "Loading the data… The first page after the dashboard starts takes a few seconds."

# What the first page needs (app.py's filters, the Overview) is warmed first; then the other pages' data, once the
# first page has run or after this many seconds.
FIRST_PAGE_FIRST_S = 10.0
_core_ready = threading.Event()
_all_ready = threading.Event()
_first_run_done = threading.Event()
_started = threading.Lock()
_thread: list[threading.Thread] = []
timings: dict[str, float] = {}  # step → seconds, for the benchmark and the server log


def _warm(root: str | None, extract: str | None) -> None:
    t0 = time.perf_counter()
    # Cached functions called outside a page run log "missing ScriptRunContext" for their spinners: expected here.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
    try:
        from ui import cache

        root = root or cache.data_root()
        timings["imports"] = time.perf_counter() - t0
        for step, done in cache.warm(root, extract):
            timings[step] = time.perf_counter() - t0
            if done == "core":
                _core_ready.set()
                # The other pages' data wait until the first page has been drawn (or a while, if nobody comes):
                # loaded meanwhile, they would take the GIL from that page's run on a cold server.
                _first_run_done.wait(FIRST_PAGE_FIRST_S)
    except Exception:  # noqa: BLE001 — a page loading the same data will show the problem to its user
        _LOG.exception("warming the shared caches failed")
    finally:
        _core_ready.set()
        _all_ready.set()
        _LOG.info("shared caches warmed in %.1f s: %s", time.perf_counter() - t0, timings)


def start(root: str | None = None, extract: str | None = None) -> bool:
    """Warm the shared caches in a daemon thread, once per process; True if this call started it.

    ``extract`` defaults to ``SVD_EXTRACT`` (the extract every session sees unless it loads its own).
    """
    with _started:
        if _thread:
            return False
        extract = extract if extract is not None else (os.environ.get("SVD_EXTRACT") or None)
        thread = threading.Thread(target=_warm, args=(root, extract), name="svd-warm-caches", daemon=True)
        _thread.append(thread)
        thread.start()  # inside the lock: wait_for_core never sees a listed thread that is not yet alive
    return True


def is_warm() -> bool:
    """True once the first page's data is loaded: by the warming thread, or by a completed run."""
    return _core_ready.is_set() or _first_run_done.is_set()


def wait_for_core(timeout: float = 180) -> None:
    """While the warming thread loads the first page's data, wait for it rather than load it a second time.

    On a first start it builds the snapshots in a child process (ui/snapshot.py); a page loading the same
    data in the server meanwhile would undo that (its parsing garbage would stay in the server's heap).
    """
    # Only while the thread is alive: a finished thread never sets the event again (and under AppTest, which
    # also counts as a server, an earlier test may have run the thread to its end).
    if _thread and _thread[0].is_alive() and not _core_ready.is_set():
        _core_ready.wait(timeout)


def wait(timeout: float | None = None) -> bool:
    """Block until every page's shared data is warm (for tests and the benchmark); False on timeout."""
    return _all_ready.wait(timeout)


def loading_message():
    """A "Loading the data…" message at the top of the page while the caches are cold, else nothing.

    Returns the placeholder to clear (``done``) once the page has run, or None.
    """
    if is_warm():
        return None
    # One markdown element (emptied by ``done``), not an empty placeholder then an alert: the browser would
    # draw the placeholder first and fetch the alert's code on its first use (~0.3 s later on a cold page).
    return st.markdown(f":material/hourglass_top: **{LOADING_MESSAGE}**")


def done(slot) -> None:
    """The page has run: clear the loading message, count the process as warm from now on, and give the memory
    the run freed back to the system."""
    _first_run_done.set()
    if slot is not None:
        slot.empty()
    release_freed_memory()


def release_freed_memory() -> None:
    """Return the heap's free pages to the system (glibc ``malloc_trim``; nothing elsewhere).

    Parsing and building frames free most of what they allocate, but glibc keeps the freed pages in the process,
    so the server's RSS stays at the run's peak. Measured with ``bench/coldstart.py``: see the README. A trim of
    this heap takes a few milliseconds.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _malloc_trim():
    import ctypes

    # The symbols the process has loaded already (dlopen(NULL)): no library search, which costs ~3 ms a run
    # (ctypes.util.find_library runs ldconfig), on every page run.
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        return None


def start_under_server() -> None:
    """Start warming from a page run, but only under a server (AppTest counts as one: it has a Runtime)."""
    from streamlit import runtime

    if runtime.exists():
        start()
