"""AppTest: the analysts' data page — catalogue check, import reports, quarantine, revisions, gaps, calibration."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from svd import dataquality as dq
from svd.catalogue import load_catalogue
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


def _unescaped(table: pd.DataFrame) -> pd.DataFrame:
    """A static table's cells as read (st.table's cells are markdown: "mps\\_ward" is "mps_ward")."""
    return table.replace(r"\\(.)", r"\1", regex=True)


def _frame(at, column):
    """The first table on the page with ``column``: a grid's frame (raw column names) or a static table's,
    by its label (text cells; thousands separators removed from the counts)."""
    for d in at.dataframe:
        if column in d.value.columns:
            return d.value
    for t in at.table:
        if column in t.value.columns:
            out = _unescaped(t.value)
            for c in out.columns:
                numbers = pd.to_numeric(out[c].str.replace(",", ""), errors="coerce")
                if numbers.notna().all() and len(out):
                    out[c] = numbers.astype("int64") if (numbers % 1 == 0).all() else numbers
            return out
    raise AssertionError(f"no table with {column!r}")


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
    table = _frame(at, "Accepted")
    assert len(table) == len(reports)
    assert (table["Rows read"] == table["Accepted"] + table["Quarantined"]).all()
    # police.uk: 42,564 rows as SOURCES.md lists them, every one accepted or quarantined.
    assert table.loc[table["Format"] == "police.uk month", "Rows read"].sum() == 42_564


def test_catalogue_revisions_gaps_and_vintages(at) -> None:
    catalogue = _frame(at, "Status")
    assert {"mps_ward", "wards", "population_lsoa"} <= set(catalogue["Dataset id"])
    assert set(catalogue["Dataset"]) == {d.title for d in load_catalogue()}
    vintages = _frame(at, "Months used")
    latest = vintages[vintages["Release (months)"] == "2024-03 to 2026-03"].iloc[0]
    assert latest["Months ignored"] == "2024-03"
    revisions = _frame(at, "older_vintage")
    assert (revisions["diff"] == revisions["new_count"] - revisions["old_count"]).all()
    gaps = _frame(at, "first")
    assert gaps.to_dict("records") == [
        {"level": "borough", "first": "2023-03", "last": "2023-12", "months": 10}
    ]
    assert len(at.get("vega_lite_chart")) == 1


def test_datasets_are_named_by_title_not_id(at) -> None:
    """No catalogue or importer id in a cell, caption or sentence, except under "Dataset id"."""
    import re

    from svd.validate import FORMATS

    ids = {d.id for d in load_catalogue()} | set(FORMATS) | {"records_extract"}
    tables = [d.value for d in at.dataframe] + [_unescaped(t.value) for t in at.table]
    for t in tables:
        for c in t.columns:
            if c in ("dataset_id", "Dataset id"):
                continue
            shown = set(t[c].astype(str))
            assert not shown & ids, (c, shown & ids)
    texts = [x.value for x in (*at.caption, *at.markdown, *at.warning, *at.info)]
    snake = re.compile(
        r"\b(" + "|".join(sorted((i for i in ids if "_" in i), key=len, reverse=True)) + r")\b"
    )
    for text in texts:
        assert not snake.search(text), snake.search(text).group(0)
    labels = [b.proto.label for b in at.get("download_button")]
    assert not [x for x in labels if snake.search(x)], labels


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
    calibration = _frame(at, "Measured (%)").rename(columns={"Result": "result"})
    assert len(calibration) == len(CALIBRATION)
    assert not calibration.isin(["None", "nan"]).any().any()  # a check without a figure: an empty cell
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
    title = {d.id: d.title for d in load_catalogue()}
    shown = _frame(at, "Polygons repaired").set_index("Dataset")
    shown = shown.rename(index={t: i for i, t in title.items()}).rename(
        columns={
            "Rows read": "rows_read",
            "Lines skipped": "lines_skipped",
            "Polygons repaired": "polygons_repaired",
        }
    )
    with (root / london.GLA_LOOKUP_FILE).open(newline="", encoding="utf-8-sig") as fh:
        gla_rows = sum(1 for _ in csv.DictReader(fh))
    assert shown.loc["london_lsoa_ward_lookup", "rows_read"] == gla_rows
    lines = list(csv.reader((root / london.TS001_FILE).read_text(encoding="utf-8-sig").splitlines()))
    data_rows = sum(1 for r in lines if len(r) == 3 and r[1].startswith("E01"))
    ts = shown.loc["london_population_lsoa"]
    assert (ts["rows_read"], ts["lines_skipped"]) == (data_rows, len(lines) - data_rows)
    assert shown.loc["london_wards", "polygons_repaired"] > 0
    assert (shown["Problem"] == "").all()
    disagreements = _frame(at, "gla_share")
    text = " ".join(md.value for md in at.markdown)
    assert f"{len(disagreements):,} differ" in text
