"""AppTest: the analysts' data page — catalogue check, import reports, quarantine, revisions, gaps, calibration."""

from __future__ import annotations

from pathlib import Path

import pytest

from svd import dataquality as dq
from svd.config import data_dir

APP = str(Path(__file__).resolve().parents[1] / "app.py")

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def at():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=240)
    app.switch_page("views/data.py")
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


@pytest.fixture(scope="module")
def reports():
    return dq.import_reports(data_dir())


def _frame(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_no_error_title_and_headline(at, reports) -> None:
    from svd.catalogue import check
    from svd.mps import load_mps

    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Data and methods"
    gaps = dq.gaps_table({**load_mps("borough").gaps_by_level, **load_mps("ward").gaps_by_level})
    sentence = dq.headline(dq.catalogue_table(check(data_dir())), dq.import_totals(reports), gaps)
    assert any(sentence in md.value for md in at.markdown)
    assert "The MPS borough series has a gap: 2023-03 to 2023-12." in sentence


def test_counts_equal_the_import_reports(at, reports) -> None:
    totals = dq.import_totals(reports)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Files"] == f"{totals['files']:,}"
    assert shown["Rows read"] == f"{totals['rows_in']:,}"
    assert shown["Accepted"] == f"{totals['rows_accepted']:,}"
    assert shown["Quarantined"] == f"{totals['rows_quarantined']:,}"
    table = _frame(at, "rows_accepted")
    assert len(table) == len(reports)
    assert (table["rows_in"] == table["rows_accepted"] + table["rows_quarantined"]).all()
    # police.uk: 42,564 rows as SOURCES.md lists them, every one accepted or quarantined.
    assert table.loc[table["dataset"] == "police_uk_street", "rows_in"].sum() == 42_564


def test_catalogue_revisions_gaps_and_vintages(at) -> None:
    catalogue = _frame(at, "status")
    assert {"mps_ward", "wards", "population_lsoa"} <= set(catalogue["dataset"])
    vintages = _frame(at, "months_used")
    latest = vintages[vintages["vintage"] == "2024-03 to 2026-03"].iloc[0]
    assert latest["months_ignored"] == "2024-03"
    revisions = _frame(at, "older_vintage")
    assert (revisions["diff"] == revisions["new_count"] - revisions["old_count"]).all()
    gaps = _frame(at, "first")
    assert gaps.to_dict("records") == [
        {"level": "borough", "first": "2023-03", "last": "2023-12", "months": 10}
    ]
    assert len(at.get("vega_lite_chart")) == 1


def test_quarantine_download_and_refresh_steps(at, reports) -> None:
    q = dq.quarantine_table(reports)
    labels = [b.proto.label for b in at.get("download_button")]
    assert f"{len(q):,} quarantined rows (CSV)" in labels and "Import report (Excel)" in labels
    text = " ".join(md.value for md in at.markdown)
    assert "python -m svd validate" in text and f"{data_dir()}/crime/mps/" in text
    assert f"`{data_dir()}`" in text  # the data directory in use


def test_record_source_and_calibration(at) -> None:
    from svd.records import load_records
    from svd.simulate import CALIBRATION

    rs = load_records()
    if not rs.simulated:
        pytest.skip("an extract is configured")
    assert any("Simulated records" in w.value for w in at.warning)
    calibration = _frame(at, "measured_pct")
    assert len(calibration) == len(CALIBRATION)
    assert any(dq.calibration_sentence(calibration) in md.value for md in at.markdown)


def test_reload_button_clears_the_caches_the_refresh_steps_name(at, monkeypatch) -> None:
    """Step 3 names a control that exists on the page (not a "⋮ menu" item the toolbar does not have)."""
    import streamlit as st

    text = " ".join(md.value for md in at.markdown)
    assert "⋮" not in text and '"Reload the data"' in text
    cleared = []
    monkeypatch.setattr(st.cache_data, "clear", lambda: cleared.append("data"))
    monkeypatch.setattr(st.cache_resource, "clear", lambda: cleared.append("resource"))
    button = at.button(key="data-reload")
    assert button.label == "Reload the data"
    button.click().run()
    assert not at.exception
    assert cleared == ["data", "resource"]


def test_london_files_checked_as_read(at) -> None:
    """The London-wide files: rows read and skipped, polygons repaired, and the best fit's disagreements."""
    import csv

    from svd import london

    root = data_dir()
    if not (root / london.TS001_FILE).is_file():
        pytest.skip("the London-wide files are not in the data directory")
    shown = _frame(at, "polygons_repaired").set_index("dataset")
    with (root / london.GLA_LOOKUP_FILE).open(newline="", encoding="utf-8-sig") as fh:
        gla_rows = sum(1 for _ in csv.DictReader(fh))
    assert shown.loc["london_lsoa_ward_lookup", "rows_read"] == gla_rows
    lines = list(csv.reader((root / london.TS001_FILE).read_text(encoding="utf-8-sig").splitlines()))
    data_rows = sum(1 for r in lines if len(r) == 3 and r[1].startswith("E01"))
    ts = shown.loc["london_population_lsoa"]
    assert (ts["rows_read"], ts["lines_skipped"]) == (data_rows, len(lines) - data_rows)
    assert shown.loc["london_wards", "polygons_repaired"] > 0
    assert (shown["problem"] == "").all()
    disagreements = _frame(at, "gla_ward_code")
    text = " ".join(md.value for md in at.markdown)
    assert f"{len(disagreements):,} differ" in text
