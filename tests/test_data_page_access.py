"""The Data page in public mode and without sign-in; stale reference files; the store section for analysts."""

from __future__ import annotations

import pytest

from svd.config import definitions_dir
from tests.pagetest import open_page
from ui import cache

TEMPLATE = definitions_dir() / "templates" / "incidents_template.csv"


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.info] + [w.value for w in at.warning]
    parts += [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts)


def _uploaders(at) -> list:
    return list(at.get("file_uploader"))


@pytest.mark.realdata
def test_public_mode_shows_no_server_path_and_no_uploader(monkeypatch):
    monkeypatch.setenv("SVD_PUBLIC", "1")
    at = open_page("data.py")
    text = _texts(at)
    root = cache.data_root()
    assert root not in text and "/tmp" not in text
    assert not _uploaders(at)
    assert "not offered in public mode" in text
    assert "Applied files and the audit log" not in [h.value for h in at.subheader]


@pytest.mark.realdata
def test_without_sign_in_the_page_says_so_and_analysts_manage_the_store(monkeypatch, tmp_path):
    monkeypatch.delenv("SVD_PUBLIC", raising=False)
    monkeypatch.setenv("SVD_STORE", str(tmp_path / "svd.duckdb"))
    store = cache.store()
    load = store.apply(TEMPLATE, who="ana").load
    at = open_page("data.py")
    text = _texts(at)
    assert "Sign-in is not set up" in text and "single trusted machine" in text
    assert cache.data_root() in text  # an analyst on the trusted machine may see where the data are
    assert _uploaders(at)
    assert "Applied files and the audit log" in [h.value for h in at.subheader]
    # The page rests on the load, and says so.
    assert f"(load {load.id}, applied" in text
    # Withdraw it from the page: the records leave, the audit log shows each step.
    at.selectbox[0].select(load.id)
    next(b for b in at.button if b.label == "Withdraw").click()
    at.run()
    assert not at.exception
    assert not store.load(load.id).active
    assert list(store.audit_log()["action"]) == ["load", "withdrawal"]
    assert "Simulated records" in _texts(at)


def test_a_reference_file_changed_while_running_is_noticed(tmp_path):
    root = str(tmp_path)
    (tmp_path / "crime" / "mps").mkdir(parents=True)
    (tmp_path / "geo").mkdir()
    first = cache.data_checks(root)
    cache._mps_files_when_read(root)
    assert not cache.mps_files_changed(root)
    (
        tmp_path / "crime" / "mps" / "MPS Ward Level Crime (most recent 24 months) 2024-01 to 2025-12.csv"
    ).write_text("not,a,release\n1,2,3\n")
    assert cache.mps_files_changed(root)
    second = cache.data_checks(root)  # read again: the new file is in the report
    assert len(second[1]) == len(first[1]) + 1
    assert cache.data_checks(root) is not first
