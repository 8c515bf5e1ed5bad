"""The incident format v1 template (3 rows, one partial month) loaded as the extract: every page opens, none
shows raw pandas text, and each page with record-level figures says in a plain sentence how many complete
months the extract covers and what the page needs."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from svd import aggregate as agg
from svd import metrics as mx
from svd import profiles
from svd.config import definitions_dir
from svd.schema import NothingToShow
from tests.pagetest import APP

TEMPLATE = definitions_dir() / "templates" / "incidents_template.csv"

# Raw library text that must never reach a page (the bug: "Neither `start` nor `end` can be NaT").
RAW = ("NaT", "Timestamp(", "Traceback", "nanosecond", "dtype", "KeyError", "could not be shown")

PAGES = {
    "overview.py": "Overview",
    "domestic_abuse.py": "Domestic abuse",
    "sexual_offences.py": "Sexual offences",
    "knife_crime_robbery.py": "Knife crime and robbery",
    "london.py": None,  # London comparisons: MPS ward counts only, no record-level figures
    "london_map.py": None,  # simulated LSOA records of the London store, never the extract
    "funding.py": None,
    "strategy.py": "Strategy",
    "hotspots.py": "Hotspots",
    "temporal.py": "Days and times",
    "border.py": None,
    "data.py": "Data and methods",
    "evaluate.py": None,  # ward evaluations on the MPS counts by default
}


def _records(rows: list[tuple[str, str]]) -> pd.DataFrame:
    """Records with a month and an offence date, from (month, offence date) pairs."""
    return pd.DataFrame(
        {
            "month": pd.to_datetime([m for m, _ in rows]),
            "offence_date": pd.to_datetime([d for _, d in rows]),
        }
    )


# ------------------------------------------------------------------------------------------ svd


def test_a_single_partial_month_covers_no_complete_month():
    # The template's dates: 17 and 18 May 2024, and a historical offence recorded in May 2024.
    recs = _records(
        [("2024-05-01", "2024-05-17"), ("2024-05-01", "2024-05-18"), ("2024-05-01", "2009-06-01")]
    )
    periods = agg.periods_for(pd.Timestamp("2025-04-01"), pd.Timestamp("2026-03-01"))
    note = mx.coverage_note(recs, periods, "The extract", "The Overview page")
    assert note == (
        "The extract covers 0 complete months; May 2024 is left out as partial (its last offence is on "
        "18 May 2024). The Overview page needs Apr 2025 to Mar 2026 and, to compare them, Apr 2024 to "
        "Mar 2025, so its record-level figures are incomplete and not compared."
    )


def test_enough_months_need_no_sentence_and_too_few_are_counted():
    months = pd.date_range("2023-01-01", "2024-12-01", freq="MS")
    recs = _records([(str(m.date()), str((m + pd.offsets.MonthEnd(0)).date())) for m in months])
    whole = agg.periods_for(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-01"))
    assert mx.coverage_note(recs, whole) is None
    later = agg.periods_for(pd.Timestamp("2024-07-01"), pd.Timestamp("2025-06-01"))
    assert mx.coverage_note(recs, later).startswith(
        "The extract covers 24 complete months (Jan 2023 to Dec 2024). This page needs Jul 2024 to Jun 2025"
    )


def test_a_records_figure_with_no_complete_month_is_not_compared_instead_of_failing():
    recs = pd.DataFrame(
        {
            "month": pd.to_datetime(["2024-05-01"] * 3),
            "offence_date": pd.to_datetime(["2024-05-17", "2024-05-18", "2009-06-01"]),
            "domestic_abuse": [False, True, False],
            "mps_major": ["ROBBERY", "VIOLENCE AGAINST THE PERSON", "SEXUAL OFFENCES"],
            "mps_minor": ["ROBBERY OF PERSONAL PROPERTY", "VIOLENCE WITH INJURY", "RAPE"],
            "offence": ["personal_robbery", "abh", "rape"],
            "ward_code": ["E05014053"] * 3,
            "hour": [15, pd.NA, pd.NA],
        }
    )
    periods = agg.periods_for(pd.Timestamp("2025-04-01"), pd.Timestamp("2026-03-01"))
    m = mx.metric("domestic_abuse")
    fig = mx.records_figure(m, recs, 1000.0, False, periods=periods, available=mx.covered_months(recs))
    assert fig.previous is None and fig.p_value is None
    assert "Apr 2025 to Mar 2026 missing" in fig.extra["period_note"]


def test_no_known_age_is_a_sentence_not_a_statistics_error():
    recs = pd.DataFrame({"victim_age": [pd.NA, pd.NA]})
    population = pd.Series(100.0, index=list(profiles.AGE_BANDS))
    with pytest.raises(NothingToShow, match="No victim with a known age"):
        profiles.overrepresentation_by_age(recs, "victim_age", population)


# ------------------------------------------------------------------------------------------ pages


@pytest.fixture(scope="module")
def template_extract():
    """SVD_EXTRACT set to the template for this module; its records forgotten afterwards."""
    import os

    from ui import cache

    before = os.environ.get("SVD_EXTRACT")
    os.environ["SVD_EXTRACT"] = str(TEMPLATE)
    yield str(TEMPLATE)
    if before is None:
        os.environ.pop("SVD_EXTRACT", None)
    else:
        os.environ["SVD_EXTRACT"] = before
    cache.forget_extract(cache.data_root(), str(TEMPLATE))


def _texts(at) -> list[str]:
    return [
        e.value
        for kind in ("error", "warning", "info", "success", "markdown", "caption")
        for e in at.get(kind)
    ]


def _page(view: str, **state):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    if view != "overview.py":
        at.switch_page(f"views/{view}")
        at.run()
    return at


@pytest.mark.realdata
@pytest.mark.parametrize("view", list(PAGES))
def test_every_page_opens_on_the_template_extract_with_plain_sentences(template_extract, view):
    at = _page(view)
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    raw = [t for t in _texts(at) if any(r in t for r in RAW)]
    assert not raw, raw
    title = PAGES[view]
    notes = [w.value for w in at.warning if w.value.startswith("The extract covers 0 complete months")]
    if title is None:
        assert notes == []
    else:
        assert len(notes) == 1, [w.value for w in at.warning]
        assert f"The {title} page needs " in notes[0] and "May 2024 is left out as partial" in notes[0]


@pytest.mark.realdata
def test_the_template_uploaded_in_a_session_gets_the_same_sentence(tmp_path):
    """The Data page's upload keeps the session's copy under ``extract_path``: the Overview reads it as the
    extract and says the same, without the pandas error."""
    from ui import cache

    copy = tmp_path / "incidents_template.csv"
    shutil.copy(TEMPLATE, copy)
    try:
        at = _page("overview.py", **{cache.EXTRACT_SESSION_KEY: str(copy)})
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert any(w.value.startswith("The extract covers 0 complete months") for w in at.warning)
        assert not [t for t in _texts(at) if "NaT" in t]
    finally:
        cache.forget_extract(cache.data_root(), str(copy))
