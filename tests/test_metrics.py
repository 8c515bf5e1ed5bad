"""The metric registry (data/metrics.json) checked against what it describes: taxonomy, pages, strategy, records."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from svd import metrics as mx
from svd import overview, strategy, taxonomy
from svd.config import repo_root
from svd.incidents import CANONICAL_COLUMNS, FLAG_COLUMNS, OFFENCES
from svd.reference import Reference

REGISTRY = mx.load_metrics()


def _app_routes() -> list[tuple[str, str, str]]:
    """(page file, title, url_path) for each page app.py routes."""
    text = (repo_root() / "app.py").read_text(encoding="utf-8")
    return re.findall(r'st\.Page\(\s*"([^"]+)",\s*title="([^"]+)"[^)]*?url_path="([^"]*)"', text, flags=re.S)


def _app_pages() -> dict[str, str]:
    """url_path → page file, as app.py routes them."""
    return {url: file for file, _, url in _app_routes()}


def test_registry_ids_are_unique_and_units_known() -> None:
    raw = mx._read(Reference(), (repo_root() / "data" / "metrics.json").resolve())
    assert len({m.id for m in raw}) == len(raw)
    for m in REGISTRY.values():
        assert m.unit in ("offences", "percent"), m.id
        assert m.source in ("mps", "records"), m.id
        assert m.title and m.caption, m.id


def test_every_mps_category_pair_exists_in_the_taxonomy() -> None:
    tax = taxonomy.load_taxonomy()
    pairs = set(
        zip(tax.loc[tax["source"] == "mps", "major"], tax.loc[tax["source"] == "mps", "minor"], strict=True)
    )
    for m in REGISTRY.values():
        if m.source == "mps":
            assert m.categories, f"{m.id} counts no MPS category"
            missing = [c for c in m.categories if c not in pairs]
            assert not missing, f"{m.id}: {missing} not in data/taxonomy.csv"
        else:
            assert not m.categories, f"{m.id} is a records metric but lists MPS categories"


def test_the_proxy_metric_is_the_taxonomy_proxy() -> None:
    tax = taxonomy.load_taxonomy()
    flagged = tax[(tax["source"] == "mps") & tax["serious_violence_proxy"]]
    assert set(REGISTRY["serious_violence"].categories) == set(taxonomy.SERIOUS_VIOLENCE_PROXY)
    assert set(zip(flagged["major"], flagged["minor"], strict=True)) == set(taxonomy.SERIOUS_VIOLENCE_PROXY)


def test_every_metric_page_is_a_real_url_path() -> None:
    routes = _app_pages()
    assert "" in routes and "data" in routes, "app.py routes could not be read"
    for m in REGISTRY.values():
        assert m.page in routes, f"{m.id}: page {m.page!r} is not a url path in app.py"


def test_overview_page_files_match_the_router() -> None:
    # The tiles' st.page_link targets must be the files app.py routes.
    assert _app_pages() == overview.PAGE_FILES
    assert {url: title for _, title, url in _app_routes()} == overview.PAGE_TITLES


def test_every_metric_referenced_by_the_strategy_exists_and_agrees() -> None:
    s = strategy.load_strategy()
    numbers = {o["number"] for o in s["objectives"]}
    for obj in s["objectives"]:
        for mid in obj["metrics"]:
            assert mid in REGISTRY, f"objective {obj['number']} names unknown metric {mid!r}"
            assert obj["number"] in REGISTRY[mid].objectives, f"{mid} does not list objective {obj['number']}"
    for m in REGISTRY.values():
        assert m.objectives, f"{m.id} monitors no objective"
        for n in m.objectives:
            assert n in numbers, f"{m.id}: objective {n} does not exist"
            obj = next(o for o in s["objectives"] if o["number"] == n)
            assert m.id in obj["metrics"], f"strategy.json objective {n} does not list {m.id}"


def test_references_exist_in_the_strategy() -> None:
    for m in REGISTRY.values():
        if m.reference:
            ref = strategy.reference(m.reference)
            assert ref["unit"] == m.unit, m.id


def test_records_filters_name_real_boolean_columns() -> None:
    for m in REGISTRY.values():
        if m.source != "records":
            continue
        assert m.filter in (*CANONICAL_COLUMNS, *mx.RECORD_PREDICATES), (
            f"{m.id}: filter {m.filter!r} is unknown"
        )
        assert m.filter in (*FLAG_COLUMNS, *mx.RECORD_PREDICATES, "serious_violence_proxy", "time_known"), (
            f"{m.id}: not a boolean column or a named predicate"
        )
        if m.unit == "percent":
            assert (m.window is None) != (m.numerator is None), (
                f"{m.id} needs exactly one of window/numerator"
            )
        if m.numerator is not None:
            assert m.numerator in OFFENCES, m.id
        if m.window is not None:
            assert 0 <= m.window[0] < m.window[1] <= 24, m.id


def test_select_mps_and_window_mask() -> None:
    table = pd.DataFrame(
        {
            "major": ["ROBBERY", "ROBBERY", "SEXUAL OFFENCES"],
            "minor": ["ROBBERY OF PERSONAL PROPERTY", "ROBBERY OF BUSINESS PROPERTY", "RAPE"],
            "count": [1, 2, 3],
        }
    )
    assert mx.select_mps(table, REGISTRY["personal_robbery"])["count"].tolist() == [1]
    assert mx.select_mps(table, REGISTRY["serious_violence"])["count"].tolist() == [1, 3]
    recs = pd.DataFrame({"hour": pd.array([14, 15, 20, 21, None], dtype="Int8")})
    assert mx.window_mask(recs, (15, 21)).fillna(False).tolist() == [False, True, True, False, False]


def test_share_counts_count_within_the_rows_given() -> None:
    from dataclasses import replace

    import numpy as np

    recs = pd.DataFrame(
        {
            "hour": pd.array([14, 15, 20, None, 16, 3], dtype="Int8"),
            "offence": pd.Categorical(["abh", "rape", "personal_robbery", "abh", None, "abh"]),
            "victim_age": pd.array([16, 20, 40, 18, 12, 22], dtype="Int16"),
            "historical": pd.array([False, False, False, False, False, True], dtype="boolean"),
            "knife": pd.array([True, False, True, False, True, True], dtype="boolean"),
        }
    )
    rows = np.array([True, True, True, True, True, False])  # row 5 is outside the months asked for
    window = REGISTRY["share_3pm_9pm"]
    # No filter: rows 0-4 less the unknown hour (row 3); 15, 20 and 16 are in 15:00-20:59, 14 is not.
    assert mx.share_counts(recs, replace(window, filter=None), rows) == (3, 4)
    # The metric's filter (under 25, a serious-violence offence, current): rows 0 and 1 (row 2 is 40, row 3
    # has no hour, row 4 no offence); of those only row 1 (15:00) is in the window.
    assert mx.share_counts(recs, window, rows) == (1, 2)
    # A numerator offence: knife-flagged rows 0, 2 and 4, of which row 2 is personal robbery.
    assert mx.share_counts(recs, REGISTRY["knife_share_personal_robbery"], rows) == (1, 3)


@pytest.mark.parametrize("mid", list(REGISTRY))
def test_every_metric_page_file_exists(mid: str) -> None:
    # A tile's st.page_link to a missing file would break the overview.
    assert (repo_root() / overview.page_file(REGISTRY[mid].page)).is_file()


def test_affecting_under_25_is_the_sna_population():
    import pandas as pd

    records = pd.DataFrame(
        {
            "offence": ["abh", "abh", "personal_robbery", "other", "rape"],
            "victim_age": pd.array([17, 30, 24, 10, None], dtype="Int16"),
            "historical": pd.array([False, False, True, False, False], dtype="boolean"),
        }
    )
    # row 0: ABH, victim 17, current -> in; row 1: victim 30 -> out; row 2: historical -> out;
    # row 3: not a London serious-violence type -> out; row 4: victim age unknown -> out
    assert mx.affecting_under_25(records).tolist() == [True, False, False, False, False]


def test_under_25_counts_get_no_all_ages_rate():
    """A count of offences against under-25s over all residents would understate their rate: none is given."""
    from dataclasses import replace

    import pandas as pd

    from svd import metrics as mx

    recs = pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-01-01"] * 2 + ["2024-01-01"]),
            "offence": ["gbh", "gbh", "gbh"],
            "victim_age": [17, 40, 20],
            "historical": [False, False, False],
            "domestic_abuse": [True, False, True],
        }
    )
    young = replace(mx.metric("domestic_abuse"), filter="affecting_under_25", unit="offences")
    fig = mx.records_figure(young, recs, 1000.0, simulated=False)
    assert fig.current == 1 and fig.rate_per_1000 is None
    assert "needs under-25 residents" in fig.provenance.method
    da = mx.records_figure(mx.metric("domestic_abuse"), recs, 1000.0, simulated=False)
    assert da.rate_per_1000 == 1.0 and "per 1,000 residents, all ages, Census 2021" in da.provenance.method


def test_covered_months_leave_out_a_partial_latest_month():
    """Records to 12 March: March is partial (19 days short of its end); to 30 March it is complete."""
    from svd.metrics import covered_months

    dates = pd.to_datetime(["2025-01-15", "2025-02-28", "2025-03-12"])
    recs = pd.DataFrame({"month": dates.to_period("M").to_timestamp(), "offence_date": dates})
    assert list(covered_months(recs)) == list(pd.to_datetime(["2025-01-01", "2025-02-01"]))
    recs.loc[2, "offence_date"] = pd.Timestamp("2025-03-30")
    assert len(covered_months(recs)) == 3
    assert len(covered_months(recs.drop(columns="offence_date"))) == 3


def test_records_figure_does_not_compare_a_partial_month():
    """24 months of 10 domestic-abuse records; the extract stops on 10 March (3 records that month): the
    change is not compared, where the totals alone (120 against 113) would have been tested."""
    months = pd.date_range("2024-04-01", "2026-03-01", freq="MS")
    rows = []
    for m in months:
        n = 3 if m == months[-1] else 10
        day = 10 if m == months[-1] else m.days_in_month
        rows += [{"month": m, "offence_date": m + pd.Timedelta(days=day - 1), "domestic_abuse": True}] * n
    recs = pd.DataFrame(rows)
    fig = mx.records_figure(mx.metric("domestic_abuse"), recs, 1000.0, simulated=False)
    assert (fig.current, fig.previous) == (113, 120)
    assert fig.change_label == "not compared: a month is missing" and fig.p_value is None
    full = recs.assign(offence_date=recs["month"] + pd.offsets.MonthEnd(0))
    fig = mx.records_figure(mx.metric("domestic_abuse"), full, 1000.0, simulated=False)
    assert fig.change_label == "no significant change" and "quasi-Poisson" in fig.change_method
