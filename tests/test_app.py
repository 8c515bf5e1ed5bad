"""The whole app: every page runs with no data, on the simulation, and on a partnership extract."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from svd.config import repo_root

APP = str(repo_root() / "app.py")
VIEWS = sorted(p.name for p in (repo_root() / "views").glob("*.py") if p.name != "missing_data.py")


def _run(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    if page and page != "overview.py":
        at.switch_page(f"views/{page}")
        at.run()
    return at


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def test_no_data_shows_what_is_missing_and_no_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("SVD_DATA_DIR", str(tmp_path))
    _clear_caches()
    at = _run()
    assert not at.exception
    assert at.title[0].value == "The dashboard needs its reference data"
    text = " ".join(m.value for m in at.markdown)
    assert "MPS Ward Level Crime" in text and "wards_2022_barking_dagenham.geojson" in text
    assert str(tmp_path) in at.error[0].value


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("extract", ["template", "generated"])
def test_every_page_switches_to_an_extract(monkeypatch, tmp_path, extract):
    from svd.simulate import simulate, write_csv

    if extract == "template":
        path = repo_root() / "data" / "templates" / "incidents_template.csv"
    else:
        # A partnership-like extract made by the test: 3,000 records in format v1, marked as an extract.
        sim = simulate(seed=7)
        path = Path(write_csv(sim.sample(3000, random_state=1).assign(source="extract"), tmp_path / "x.csv"))
    monkeypatch.setenv("SVD_EXTRACT", str(path))
    _clear_caches()
    for page in VIEWS:
        at = _run(page)
        assert not at.exception, (page, [e.message for e in at.exception])
        notices = " ".join(w.value for w in at.warning)
        assert "Simulated records" not in notices, page  # the extract replaces the simulation everywhere
    _clear_caches()


@pytest.mark.realdata
@pytest.mark.slow
def test_an_extract_loaded_in_the_session_replaces_the_simulation(tmp_path):
    from svd.simulate import simulate, write_csv

    path = write_csv(
        simulate(seed=3).sample(2000, random_state=2).assign(source="extract"), tmp_path / "e.csv"
    )
    _clear_caches()
    at = AppTest.from_file(APP, default_timeout=240)
    at.session_state["extract_path"] = str(path)  # what the Data page's "use this extract" button sets
    at.run()
    assert not at.exception
    assert any("e.csv" in i.value for i in at.info)
    assert not any("Simulated records" in w.value for w in at.warning)
    at.switch_page("views/data.py")
    at.run()
    assert not at.exception
    assert any("This session uses the extract" in s.value for s in at.success)
