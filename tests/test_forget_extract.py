"""Sensitive data leaves when asked: a withdrawn extract's records are freed from every cache in the process."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

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


@pytest.mark.realdata
def test_reloading_the_data_empties_the_reference_store_too():
    """svd keeps no caches of its own: the boundary files, Census tables and definitions it read sit in the
    app's svd.reference store (ui/cache.py), which the Data page's "Reload the data" (Streamlit's clear) empties
    and lets go, so what it held is freed, as the records are."""
    import streamlit as st

    from svd import geo, reference

    root = cache.data_root()  # every run: makes the app's store the one svd's loaders use
    store = cache.reference_store()
    assert reference.active() is store
    geo.lsoas(Path(root))
    cache.records(root, None)  # the simulation: nothing of a record set goes in the store
    (key,) = [k for k in store if k[0] == "svd.geo._lsoas"]
    held = weakref.ref(store.get(key, lambda: None))
    assert all("record" not in str(k[0]) for k in store)

    st.cache_data.clear()  # what views/data.py's "Reload the data" does
    st.cache_resource.clear()
    gc.collect()
    assert len(store) == 0 and held() is None
    gone = weakref.ref(store)
    del store
    gc.collect()
    assert gone() is None and reference.active() is None  # nothing in svd kept the old store alive


def test_a_withdrawn_extract_leaves_no_key_in_the_reference_store(applied):
    from svd import reference

    root, load = applied
    cache.use_reference()
    key = cache.store_extract(root)
    assert len(cache.records(root, key).data) == 3
    held = [str(k) for k in reference.active() or ()]
    assert not [k for k in held if key in k or "incidents_template" in k]
    cache.forget_extract(root, key)
    assert reference.active() is cache.reference_store()  # forgetting an extract leaves the reference data
