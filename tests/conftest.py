"""Shared fixtures and markers: real-data tests skip cleanly when the reference files are absent."""

from __future__ import annotations

import pytest

from svd.config import data_dir


def _have_real_data() -> bool:
    d = data_dir()
    return (d / "crime" / "mps").is_dir() and (d / "geo").is_dir() and (d / "population").is_dir()


def pytest_collection_modifyitems(config, items):
    if _have_real_data():
        return
    skip = pytest.mark.skip(reason=f"reference data not found in {data_dir()} (set SVD_DATA_DIR)")
    for item in items:
        if "realdata" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _snapshots_in_a_temporary_folder(tmp_path_factory):
    """The dashboard's on-disk snapshots (ui/snapshot.py) go to a folder of this test session, not the user's."""
    import os

    from ui.snapshot import CACHE_ENV

    before = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("snapshots"))
    yield
    if before is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = before


@pytest.fixture(autouse=True, scope="session")
def _store_in_a_temporary_folder(tmp_path_factory):
    """The store (svd/store.py: loads and the audit log) goes to a folder of this test session, never the data
    directory. A test that needs its own store sets SVD_STORE itself."""
    import os

    before = os.environ.get("SVD_STORE")
    os.environ["SVD_STORE"] = str(tmp_path_factory.mktemp("store") / "svd.duckdb")
    yield
    if before is None:
        os.environ.pop("SVD_STORE", None)
    else:
        os.environ["SVD_STORE"] = before


@pytest.fixture(scope="module")
def server():
    """The dashboard on a free local port for one test module's browser tests: its base address."""
    from tests.localapp import free_port, need_browser, start_app, stop_app

    need_browser()
    port = free_port()
    try:
        proc = start_app(port)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_app(proc)


@pytest.fixture(autouse=True, scope="session")
def _error_details_shown_to_tests():
    """The server hides exception text from users (client.showErrorDetails = "none" in .streamlit/config.toml);
    AppTest reads that file too, so the tests see the details again to assert on them and to report failures."""
    from streamlit import config

    config.set_option("client.showErrorDetails", "full")
    yield
