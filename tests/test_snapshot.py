"""ui/snapshot.py: derived public data kept on disk between server runs, keyed by inputs and code."""

from __future__ import annotations

import os

import pytest

from ui import snapshot


@pytest.fixture
def folder(tmp_path, monkeypatch):
    out = tmp_path / "snapshots"
    monkeypatch.setenv(snapshot.CACHE_ENV, str(out))
    return out


def _counted(value):
    calls = []

    def build():
        calls.append(1)
        return value

    return build, calls


def test_built_once_then_loaded_from_disk(folder, tmp_path):
    src = tmp_path / "input.csv"
    src.write_text("a,b\n1,2\n")
    build, calls = _counted({"rows": [1, 2]})
    assert snapshot.load_or_build("thing", [src], build) == {"rows": [1, 2]}
    assert snapshot.is_saved("thing", [src])
    assert snapshot.load_or_build("thing", [src], build) == {"rows": [1, 2]}
    assert len(calls) == 1
    (saved,) = folder.glob("thing-*.pickle")
    assert oct(saved.stat().st_mode & 0o777) == "0o600"  # the server's user only


def test_a_changed_input_means_a_rebuild_and_the_stale_snapshot_goes(folder, tmp_path):
    src = tmp_path / "input.csv"
    src.write_text("a\n1\n")
    build, calls = _counted("v1")
    snapshot.load_or_build("thing", [src], build)
    src.write_text("a\n1\n2\n")  # new size (and mtime): a new release of the file
    os.utime(src, ns=(1, 1))
    assert not snapshot.is_saved("thing", [src])
    build2, calls2 = _counted("v2")
    assert snapshot.load_or_build("thing", [src], build2) == "v2"
    assert len(calls2) == 1
    assert len(list(folder.glob("thing-*.pickle"))) == 1


def test_a_damaged_snapshot_is_rebuilt_not_trusted(folder, tmp_path):
    src = tmp_path / "input.csv"
    src.write_text("a\n1\n")
    snapshot.load_or_build("thing", [src], lambda: "good")
    (saved,) = folder.glob("thing-*.pickle")
    saved.write_bytes(b"not a pickle")
    build, calls = _counted("rebuilt")
    assert snapshot.load_or_build("thing", [src], build) == "rebuilt"
    assert calls == [1]


def test_off_means_always_built_and_nothing_written(tmp_path, monkeypatch):
    monkeypatch.setenv(snapshot.CACHE_ENV, "off")
    build, calls = _counted(3)
    assert snapshot.load_or_build("thing", [], build) == 3
    assert snapshot.load_or_build("thing", [], build) == 3
    assert len(calls) == 2
    assert not snapshot.is_saved("thing", [])
    assert not snapshot.build_in_child(str(tmp_path), ["mps-ward"])


def test_every_snapshot_is_built_from_public_files_only():
    """No snapshot is keyed by, or built from, a partnership extract: only data-directory reference folders."""
    from ui import cache

    assert set(cache.SNAPSHOT_INPUTS) == set(cache.snapshot_builders("root"))
    for folders in cache.SNAPSHOT_INPUTS.values():
        assert set(folders) <= {"crime", "crime/mps", "geo", "population"}


class _Asked(Exception):
    """Raised by a stand-in ``load_or_build`` with the name a cache function asked for."""


def test_every_snapshot_is_loaded_under_the_name_the_warming_checks(monkeypatch):
    """The warming asks ``snapshots_missing`` (by ``saved_as``) which snapshots to build in its child process; a
    cache function saving under another name is never found, so the child would be started on every warm start."""
    from ui import cache

    def asked(name, inputs, build):
        raise _Asked(name)

    monkeypatch.setattr(snapshot, "load_or_build", asked)
    builders = cache.snapshot_builders("root")
    for name in cache.SNAPSHOT_INPUTS:
        if name == "london-store":  # Parquet files, not a pickle: ``_london_store_current`` checks them
            continue
        with pytest.raises(_Asked) as got:
            builders[name]()
        assert str(got.value) == cache.saved_as(name), name


def test_records_of_an_extract_are_never_written(folder, tmp_path, monkeypatch):
    from svd.records import RecordSet
    from ui import cache

    monkeypatch.setattr(
        "svd.records.load_records", lambda **kw: RecordSet(data=None, source="extract", label="x")
    )
    cache.records.clear()
    try:
        out = cache.records(str(tmp_path), str(tmp_path / "extract.csv"))
    finally:
        cache.records.clear()
    assert out.source == "extract"
    assert not folder.exists() or not any(folder.iterdir())


def test_a_snapshot_being_built_in_a_child_process_is_waited_for_not_built_again(folder, tmp_path):
    import threading
    import time

    src = tmp_path / "input.csv"
    src.write_text("a\n1\n")
    ev = snapshot._in_child.setdefault("waited", threading.Event())
    ev.clear()

    def child():  # stands in for the child process: saves the snapshot, then says it has finished
        time.sleep(0.2)
        snapshot._save(folder, snapshot._path(folder, "waited", [src]), "waited", "from the child")
        ev.set()

    threading.Thread(target=child).start()
    build, calls = _counted("built here")
    try:
        assert snapshot.load_or_build("waited", [src], build) == "from the child"
    finally:
        snapshot._in_child.pop("waited", None)
    assert calls == []


def test_every_cache_keyed_by_an_extract_is_bounded():
    """An extract's records must leave memory when evicted: no unbounded cache takes an ``extract`` argument."""
    import inspect

    from ui import cache

    keyed = [
        name
        for name, fn in vars(cache).items()
        if hasattr(fn, "_info") and "extract" in inspect.signature(fn._info.func).parameters
    ]
    assert {"records", "tasking_cube", "tasking_time_counts"} <= set(keyed)
    unbounded = [n for n in keyed if getattr(cache, n)._info.max_entries is None]
    assert unbounded == []


def test_a_snapshot_others_could_have_written_is_not_loaded(folder, tmp_path):
    src = tmp_path / "input.csv"
    src.write_text("a\n1\n")
    snapshot.load_or_build("thing", [src], lambda: "ours")
    (saved,) = folder.glob("thing-*.pickle")
    saved.chmod(0o666)
    build, calls = _counted("rebuilt")
    assert snapshot.load_or_build("thing", [src], build) == "rebuilt"
    assert calls == [1]


def test_a_snapshot_of_the_mps_series_names_the_releases_it_rests_on_not_only_their_numbers(monkeypatch):
    """Load 1 of one store is not load 1 of another (a new store, or SVD_STORE changed): their snapshots differ.
    Named by load numbers alone, a series built on one store's release was served under another's."""
    from ui import cache

    def loads(*cites):
        return lambda root: tuple((1, "mps_ward", c) for c in cites)

    monkeypatch.setattr(
        cache, "official_loads", loads("load 1: a.csv, SHA-256 aa…, applied 2026-12-03 22:38 UTC")
    )
    first = cache.saved_as("mps-ward")
    monkeypatch.setattr(
        cache, "official_loads", loads("load 1: b.csv, SHA-256 bb…, applied 2026-12-03 22:39 UTC")
    )
    second = cache.saved_as("mps-ward")
    assert (
        first != second
        and first.split("+")[1].startswith("store1-")
        and second.split("+")[1].startswith("store1-")
    )
    assert cache.saved_as("priority-places") == cache.saved_as(
        "priority-places"
    )  # not built from MPS: no tag
    assert "+" not in cache.saved_as("priority-places")
    monkeypatch.setattr(cache, "official_loads", lambda root: ())
    assert "+" not in cache.saved_as("mps-ward")  # no store: names as before
