"""Sensitive data leaves when asked: a withdrawn extract's records are freed from every cache in the process."""

from __future__ import annotations

import gc
import weakref

import pytest

from svd.config import definitions_dir
from ui import cache

TEMPLATE = definitions_dir() / "templates" / "incidents_template.csv"


@pytest.fixture
def applied(tmp_path, monkeypatch):
    monkeypatch.setenv("SVD_STORE", str(tmp_path / "svd.duckdb"))
    root = str(tmp_path)  # no reference data needed: records of a load come from the store alone
    load = cache.store(root).apply(TEMPLATE, who="ana").load
    yield root, load
    cache.forget_extract(root, f"{cache.STORE_PREFIX}{load.id}")


def _referrers_in_caches(obj) -> list:
    """Streamlit's cache storages that still hold ``obj`` (directly or as a value's attribute)."""
    return [r for r in gc.get_referrers(obj) if type(r).__module__.startswith("streamlit")]


def test_the_store_extract_is_read_through_the_records_cache(applied):
    root, load = applied
    key = cache.store_extract(root)
    assert key == f"store:{load.id}"
    rs = cache.records(root, key)
    assert rs.source == "extract" and len(rs.data) == 3
    assert f"(load {load.id}, applied" in rs.label and "by ana" in rs.label  # the provenance names the load
    assert cache.records(root, key) is rs  # cached: one copy per process


def test_withdrawal_frees_the_records_and_everything_built_from_them(applied):
    root, load = applied
    key = cache.store_extract(root)
    rs = cache.records(root, key)
    hours = cache.under_25_hours(root, key)
    frame, built = weakref.ref(rs.data), weakref.ref(hours)
    assert cache.records(root, key).data is frame()  # held by the cache while in use
    del rs, hours
    gc.collect()
    assert frame() is not None, "the cache should keep the records while the extract is in use"

    cache.store(root).withdraw(load.id, who="ana")
    assert cache.store_extract(root) is None  # the next run finds nothing in use, and forgets the old key
    gc.collect()
    assert frame() is None, _referrers_in_caches(frame()) if frame() is not None else None
    assert built() is None


@pytest.mark.realdata
def test_stopping_a_session_upload_forgets_it_too(tmp_path):
    root = cache.data_root()  # reading a file places its rows with the reference geography
    path = str(tmp_path / "extract.csv")
    (tmp_path / "extract.csv").write_bytes(TEMPLATE.read_bytes())
    frame = weakref.ref(cache.records(root, path).data)
    other = cache.records(root, str(TEMPLATE))  # another session's extract stays
    cache.forget_extract(root, path)
    gc.collect()
    assert frame() is None
    assert cache.records(root, str(TEMPLATE)) is other
    cache.forget_extract(root, str(TEMPLATE))
