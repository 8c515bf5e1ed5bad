"""Public mode: the suppression rule, hand-worked tables, and the pages and downloads under SVD_PUBLIC=1."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from svd import export, public

APP = str(Path(__file__).resolve().parents[1] / "app.py")


# --- the switch and the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "on"),
    [("1", True), ("true", True), ("YES", True), (" yes ", True), ("0", False), ("no", False), ("", False)],
)
def test_is_public_reads_the_environment_variable(raw, on):
    assert public.is_public({"SVD_PUBLIC": raw}) is on
    assert public.is_public({}) is False


def test_is_public_defaults_to_the_process_environment(monkeypatch):
    monkeypatch.setenv("SVD_PUBLIC", "1")
    assert public.is_public()
    monkeypatch.delenv("SVD_PUBLIC")
    assert not public.is_public()


def test_rule_ward_and_lsoa_when_sensitive_borough_never():
    """Counts of other offences are not hidden at any level: a ward count of 1 (shown) already says what its
    LSOAs hold, so hiding them protected nothing (issue 12: a hidden LSOA was the ward count)."""
    assert not public.needs_suppression("lsoa", sensitive=False)
    assert public.needs_suppression("LSOA", sensitive=True)
    assert public.needs_suppression("ward", sensitive=True)
    assert not public.needs_suppression("ward", sensitive=False)
    assert not public.needs_suppression("borough", sensitive=True)
    with pytest.raises(ValueError, match="level"):
        public.needs_suppression("street", sensitive=True)


def test_area_level():
    assert public.area_level(()) == "borough"
    assert public.area_level(["E05014053"]) == "ward"


# --- hand-worked tables -----------------------------------------------------------------------------------


def _wards() -> pd.DataFrame:
    # Five wards; the page also shows the total, 3 + 12 + 0 + 40 + 7 = 62.
    return pd.DataFrame(
        {
            "code": ["A", "B", "C", "D", "E"],
            "count": [3, 12, 0, 40, 7],
            "population": [1000, 2000, 1500, 4000, 1000],
            "rate_per_1000": [3.0, 6.0, 0.0, 10.0, 7.0],
        }
    )


def test_ward_table_sensitive_primary_and_secondary_by_hand():
    """A: 3 is primary ("<5"). It is the only small cell, so with the total 62 a reader could recover it:
    the smallest other non-zero cell, E (7), is hidden too ("[c]"). C's zero is shown. A's and E's rates
    are blanked; the others stay."""
    out = public.suppress_table(_wards(), "ward", sensitive=True)
    assert out["count"].tolist() == ["<5", "12", "0", "40", "[c]"]
    rates = out["rate_per_1000"].tolist()
    assert np.isnan(rates[0]) and np.isnan(rates[4]) and rates[1:4] == [6.0, 0.0, 10.0]
    assert out["population"].tolist() == [1000, 2000, 1500, 4000, 1000]  # not derived from a count
    assert public.hidden_rows(out).tolist() == [True, False, False, False, True]
    assert _wards()["count"].tolist() == [3, 12, 0, 40, 7]  # the argument is untouched


def test_table_not_sensitive_is_unchanged_and_sensitive_lsoas_suppressed():
    df = _wards()
    assert public.suppress_table(df, "ward", sensitive=False) is df
    assert public.suppress_table(df, "lsoa", sensitive=False) is df
    assert public.suppress_table(df, "lsoa", sensitive=True)["count"].tolist() == [
        "<5",
        "12",
        "0",
        "40",
        "[c]",
    ]


def test_two_small_cells_still_need_a_secondary_and_columns_suppress_separately():
    """current: 2 and 4 are both primary, but the total (46) less the shown 30 gives their sum 6, so each is
    2 to 4, not 1 to 4: the smallest cell of 5 or more (10) is hidden too. previous: only 1 is small, so
    the smallest other cell of 5 or more (9) is hidden. A row with any hidden count loses its rate."""
    df = pd.DataFrame(
        {
            "ward": ["A", "B", "C", "D"],
            "current": [2, 4, 30, 10],
            "previous": [9, 1, 25, 11],
            "rate": [1.0, 2.0, 3.0, 4.0],
            "rate_lower": [0.5, 1.5, 2.5, 3.5],
            "rate_upper": [1.5, 2.5, 3.5, 4.5],
        }
    )
    out = public.suppress_table(df, "ward", sensitive=True, count_cols=["current", "previous"])
    assert out["current"].tolist() == ["<5", "<5", "30", "[c]"]
    assert out["previous"].tolist() == ["[c]", "<5", "25", "11"]
    for col in ("rate", "rate_lower", "rate_upper"):
        assert out[col].isna().tolist() == [True, True, False, True]


def test_groups_are_suppressed_within_themselves():
    """Two offences per ward, a total published per offence: each offence column-group is one group."""
    df = pd.DataFrame(
        {
            "offence": ["Rape", "Rape", "Rape", "Other", "Other", "Other"],
            "ward": ["A", "B", "C", "A", "B", "C"],
            "count": [2, 8, 15, 20, 30, 40],
        }
    )
    out = public.suppress_table(df, "ward", sensitive=True, group_cols=["offence"])
    assert out["count"].tolist() == ["<5", "[c]", "15", "20", "30", "40"]


def test_apply_only_in_public_mode_and_explicit_derived_columns(monkeypatch):
    df = _wards().assign(label=["x"] * 5)
    monkeypatch.delenv("SVD_PUBLIC", raising=False)
    assert public.apply(df, "lsoa", True) is df
    monkeypatch.setenv("SVD_PUBLIC", "yes")
    out = public.apply(df, "lsoa", True, derived_cols=["rate_per_1000", "label"])
    assert out["count"].tolist()[0] == "<5" and pd.isna(out["label"].iloc[0]) and out["label"].iloc[1] == "x"
    assert public.apply(df, "lsoa", True, public=False) is df


def test_objective_table_hides_small_sensitive_ward_counts():
    from types import SimpleNamespace

    def fig(current, previous=40, unit="count", sensitive=True):
        return SimpleNamespace(
            current=current, previous=previous, metric=SimpleNamespace(unit=unit, sensitive=sensitive)
        )

    table = pd.DataFrame(
        {
            "metric_id": ["rape", "personal_robbery", "domestic_abuse", "other_sexual", None],
            "value": ["3", "2", "40", "4", None],
            "change": ["up 2", "down 1", "up 5", "no change", "monitored by X"],
        }
    )
    figs = {
        "rape": fig(3),
        "personal_robbery": fig(2, sensitive=False),
        "domestic_abuse": fig(40),
        "other_sexual": fig(4),
    }
    out = public.suppress_objectives(table, figs, "ward")
    assert out["value"].tolist()[:4] == ["<5", "2", "40", "<5"]  # robbery is not sensitive
    assert out["change"].isna().tolist() == [True, False, False, True, False]
    assert public.suppress_objectives(table, figs, "borough") is table


def test_objective_table_blanks_a_change_whose_previous_count_is_hidden():
    """Issue 12: "8 · rose by 167%" gave away a previous count of 3 (8 / 3 − 1 = 167%)."""
    from types import SimpleNamespace

    m = SimpleNamespace(unit="count", sensitive=True)
    table = pd.DataFrame({"metric_id": ["rape"], "value": ["8"], "change": ["rose by 167%"]})
    out = public.suppress_objectives(
        table, {"rape": SimpleNamespace(current=8, previous=3, metric=m)}, "ward"
    )
    assert out["value"].tolist() == ["8"] and out["change"].isna().all()
    # A chosen ward hidden in a sensitive part hides the figure however large the sum.
    hid = public.suppress_objectives(
        table, {"rape": SimpleNamespace(current=8, previous=30, metric=m)}, "ward", hidden={"rape": "current"}
    )
    assert hid["value"].tolist() == ["[c]"] and hid["change"].isna().all()


# --- the board pack's ward table --------------------------------------------------------------------------


def test_board_pack_ward_table_is_suppressed_in_public_mode():
    from svd import boardpack

    table = pd.DataFrame(
        {
            "ward_code": ["A", "B", "C"],
            "ward_name": ["Abbey", "Becontree", "Chadwell"],
            "current": [3, 50, 60],
            "previous": [40, 45, 70],
            "population": [1000.0, 2000.0, 3000.0],
            "rate": [3.0, 25.0, 20.0],
            "rate_lower": [0.6, 18.0, 15.0],
            "rate_upper": [8.8, 33.0, 26.0],
        }
    )
    out = boardpack.public_ward_table(table, public=True)
    assert out["current"].tolist() == ["<5", "[c]", "60"]
    assert out["rate"].isna().tolist() == [True, True, False]
    assert boardpack.public_ward_table(table, public=False) is table
    rows = boardpack.ward_rows(out)
    assert rows[0][1] == "<5" and rows[0][4] == "–" and rows[2][1] == "60"


# --- the pages under SVD_PUBLIC=1 -------------------------------------------------------------------------


def _small_counts(df: pd.DataFrame) -> list:
    """Counts of 1 to 4 in any count column of a table (the columns named count/current/previous)."""
    from ui.present import column_label

    names = ("count", "current", "previous", "offences", "flagged")
    names += tuple(column_label(n) for n in names)  # downloads carry the plain names
    bad = []
    for col in [c for c in df.columns if c in names]:
        v = pd.to_numeric(df[col], errors="coerce")
        bad += v[(v >= 1) & (v <= 4)].tolist()
    return bad


def _page(path: str, **state):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    for k, v in state.items():
        at.session_state[k] = v
    at.switch_page(path)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.realdata
def test_public_mode_hides_small_area_counts_on_screen_and_in_downloads(monkeypatch):
    from streamlit.runtime.media_file_manager import MediaFileManager

    monkeypatch.setenv("SVD_PUBLIC", "1")
    # Catch every deferred download the pages register, to build exactly the bytes a click would serve.
    served: dict[str, object] = {}
    real_add = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        served[file_name] = data_callable
        return real_add(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)

    # Public mode's periods one month long (the latest month by default): small enough that many LSOAs (and
    # some wards) have 1 to 4 offences to hide.
    monkeypatch.setattr(public, "PERIOD_MONTHS", 1)
    at = _page("views/domestic_abuse.py")
    assert any(public.PUBLIC_NOTE in i.value for i in at.info)
    table = at.dataframe[-1].value
    assert len(table) == 19 and not _small_counts(table)
    # Public mode maps domestic abuse by ward only: choosing LSOAs says so and still shows the wards.
    at.radio(key="da_map_level").set_value("lsoa").run()
    assert not at.exception
    assert any(public.LSOA_NOTE in i.value for i in at.info)
    assert len(at.dataframe[-1].value) == 19 and not _small_counts(at.dataframe[-1].value)
    csvs = {name: fn for name, fn in served.items() if str(name).endswith(".csv")}
    assert "domestic-abuse-by-ward.csv" in csvs and "domestic-abuse-by-lsoa.csv" not in csvs
    for name, fn in csvs.items():
        if "-by-" in name:
            got = export.read_table_csv(fn(), dtype=str)
            assert not _small_counts(got), name
            assert got["Offences"].isin(["<5", "[c]"]).any() or "ward" in name

    so = _page("views/sexual_offences.py")
    assert any(public.PUBLIC_NOTE in i.value for i in so.info)
    ward_tables = [df.value for df in so.dataframe if "ward_name" in df.value.columns]
    assert ward_tables, "the sexual offences page shows a ward table"
    for t in ward_tables:
        assert not _small_counts(t)
    assert [len(t) for t in ward_tables] == [19, 19, 19]  # all, rape, other (real MPS: none below 6 now)
    ward_csvs = [n for n in served if str(n).endswith("-by-ward.csv")]
    assert "rape-by-ward.csv" in ward_csvs
    for name in ward_csvs:
        got = export.read_table_csv(served[name](), dtype=str)
        assert not _small_counts(got), name


# --- accessibility and presentation mode on the board views -----------------------------------------------

BOARD_VIEWS = [
    "views/overview.py",
    "views/domestic_abuse.py",
    "views/sexual_offences.py",
    "views/knife_crime_robbery.py",
    "views/funding.py",
    "views/strategy.py",
    "views/data.py",
]


def _specs(at) -> list[tuple[dict, object]]:
    charts = list(at.get("vega_lite_chart")) + list(at.get("arrow_vega_lite_chart"))
    return [(json.loads(c.proto.spec), c) for c in charts]


def _title(spec: dict) -> str:
    t = spec.get("title")
    return t.get("text", "") if isinstance(t, dict) else str(t or "")


@pytest.mark.realdata
@pytest.mark.parametrize("view", BOARD_VIEWS)
def test_every_chart_has_a_title_description_and_downloads(view):
    at = _page(view)
    specs = _specs(at)
    labels = [b.proto.label for b in at.get("download_button")]
    for spec, _ in specs:
        assert _title(spec), (view, spec.get("description"))
        assert spec.get("description"), (view, _title(spec))
    assert labels.count("PNG") >= len(specs) and labels.count("SVG") >= len(specs)


@pytest.mark.realdata
def test_presentation_mode_renders_charts_with_the_large_type_theme():
    from ui import present

    at = _page("views/knife_crime_robbery.py", present=True)
    specs = _specs(at)
    assert specs
    for spec, chart in specs:
        assert chart.proto.theme == ""  # theme=None: Streamlit leaves the altair theme alone
        assert spec["config"]["axis"]["labelFontSize"] == present.LABEL_SIZE
    plain = _page("views/knife_crime_robbery.py", present=False)
    assert all(c.proto.theme == "streamlit" for _, c in _specs(plain))


@pytest.mark.parametrize(
    ("current", "previous", "level", "sensitive", "expected"),
    [
        (3, 10, "ward", True, public.TileDisplay("<5", False, False)),  # small now: hide value, change, rate
        (12, 2, "ward", True, public.TileDisplay(None, False, True)),  # change would reveal the 2
        (3, 10, "ward", False, public.TileDisplay(None, True, True)),  # not sensitive at ward level
        (3, 10, "borough", True, public.TileDisplay(None, True, True)),  # borough figures are never hidden
        (0, 10, "lsoa", False, public.TileDisplay(None, True, True)),  # zero is shown
    ],
)
def test_tile_display(current, previous, level, sensitive, expected):
    assert public.tile_display(current, previous, level, sensitive, public=True) == expected
    assert public.tile_display(current, previous, level, sensitive, public=False) == public.TileDisplay(
        None, True, True
    )


# --- issue 12: public mode could be undone by subtraction -------------------------------------------------


def test_sensitivity_is_defined_once_as_data():
    from svd import hotspots as hs
    from svd import metrics as mx
    from svd.taxonomy import load_taxonomy

    tax = load_taxonomy()
    assert set(tax.loc[tax["sensitive"], "offence_group"]) == public.sensitive_groups()
    assert public.sensitive_groups() == {"Rape", "Other sexual offences"}
    assert public.sensitive_flags() == {"domestic_abuse"} and public.THRESHOLD == 5
    # Metrics read it: a metric counting any sensitive category or flag is sensitive (the proxy includes rape).
    sens = {mid for mid, m in mx.load_metrics().items() if m.sensitive}
    assert sens == {"serious_violence", "rape", "other_sexual", "domestic_abuse"}
    assert not hasattr(hs, "SENSITIVE_GROUPS") and not hasattr(public, "SENSITIVE_METRICS")
    raw = json.loads((Path(__file__).resolve().parents[1] / "data" / "metrics.json").read_text())
    assert all("sensitive" not in m for m in raw["metrics"])  # no second definition


def test_any_sensitive_group_makes_a_selection_sensitive():
    """Rape and homicide together used to be "not sensitive" and showed rape counts of 1-4 by ward."""
    assert public.is_sensitive(["Rape", "Homicide"])
    assert public.is_sensitive([])  # every group, rape included
    assert public.is_sensitive(["Theft"], domestic_abuse=True)
    assert not public.is_sensitive(["Homicide", "Theft"])


def test_two_hidden_cells_of_one_are_not_revealed_by_the_total():
    """1 + 1 with a total of 32 and 30 shown: the pair's sum (2) gave both away; a cell of 5 or more joins them."""
    df = pd.DataFrame({"count": [1, 1, 30, 9]})
    out = public.suppress(df)
    assert out["display"].tolist() == ["<5", "<5", "30", "[c]"]
    assert out["suppression"].tolist() == ["primary", "primary", "", "secondary"]


def test_offence_split_tabs_are_protected_together():
    """Thames View: other sexual offences 3 was hidden, but all (10) less rape (7) on the next tab gave it."""
    wards = ["T", "A", "B", "C"]
    rape = pd.DataFrame({"ward_code": wards, "current": [7, 20, 30, 12], "previous": [6, 9, 8, 7]})
    other = pd.DataFrame({"ward_code": wards, "current": [3, 25, 40, 15], "previous": [9, 12, 11, 10]})
    both = rape.assign(
        current=rape["current"] + other["current"], previous=rape["previous"] + other["previous"]
    )
    tabs = public.split_tables(
        {"All": both, "Rape": rape, "Other": other}, {"All": ["Rape", "Other"]}, public=True
    )
    assert tabs["Other"]["current"].tolist() == ["<5", "25", "40", "[c]"]  # 3, and the smallest of 5 or more
    assert tabs["All"]["current"].tolist() == ["[c]", "45", "70", "[c]"]  # hidden wherever a part is
    assert tabs["Rape"]["current"].tolist() == ["7", "20", "30", "12"]
    # All less Rape no longer gives Other in T; the previous period is protected on its own.
    assert tabs["All"]["previous"].tolist() == ["15", "21", "19", "17"]
    assert public.split_tables({"All": both}, {}, public=False)["All"] is both


def test_lsoas_are_protected_within_their_ward_not_only_the_borough():
    """A single hidden LSOA in a ward was the ward count less the shown LSOAs."""
    wards = pd.Series({"W1": 23, "W2": 40})
    lsoas = pd.Series({"L1": 3, "L2": 8, "L3": 12, "L4": 20, "L5": 20})
    parent = {"L1": "W1", "L2": "W1", "L3": "W1", "L4": "W2", "L5": "W2"}
    hidden, primary = public.protect_areas(wards, lsoas, parent)
    assert primary == {"L1"}
    assert "L2" in hidden and not hidden & {"L4", "L5", "W1", "W2"}  # the partner is in the same ward


def test_a_tiny_total_hides_its_whole_row_as_c():
    """Borough total 2 in two wards of 1: "<5" would say each is 1; all are "[c]" (zeros too)."""
    hidden, primary = public.protect_areas(pd.Series({"A": 1, "B": 1, "C": 0}))
    assert hidden == {"A", "B", "C"} and primary == set()


def test_a_sum_over_chosen_wards_is_hidden_when_one_of_them_is():
    rape = pd.DataFrame(
        {"ward_code": ["A", "B", "C"], "current": ["<5", "[c]", "30"], "previous": ["9", "8", "7"]}
    )
    assert public.ward_selection_hidden({"rape": rape}, ["A", "C"])
    assert not public.ward_selection_hidden({"rape": rape}, ["C"])
    assert not public.ward_selection_hidden({"rape": rape}, ["A", "C"], col="previous")


def test_sensitive_profiles_cover_the_borough_and_lsoas_are_not_offered_in_public_mode():
    """Captions and charts beside a hidden cell printed it ("1 offences", a bar of 1, "Other 100%")."""
    assert public.profile_wards(("A",), public=True) == ()
    assert public.profile_wards(("A",), public=False) == ("A",)
    assert not public.level_allowed("lsoa", sensitive=True, public=True)
    assert public.level_allowed("lsoa", sensitive=False, public=True)
    assert public.level_allowed("lsoa", sensitive=True, public=False)


def test_a_combined_selection_is_hidden_where_its_sensitive_part_is():
    """Rape and homicide by ward: the ward with 2 rapes is hidden however many homicides it adds."""
    from svd import hotspots as hs

    rape = pd.Series({"A": 2, "B": 9, "C": 30})
    hom = pd.Series({"A": 40, "B": 1, "C": 0})
    whole = hs.AreaCounts(rape + hom, rape + hom)
    part = hs.AreaCounts(rape, rape)
    pattern = hs.public_pattern(whole, [part], None, sensitive=True)
    assert pattern.hidden["now"] == {"A", "B"} and pattern.primary["now"] == set()
    table = pd.DataFrame({"area_code": ["A", "B", "C"], "area_name": ["a", "b", "c"], "count": [42, 10, 30]})
    table = table.assign(previous=table["count"], rate_per_1000=1.0, change_text="no change")
    shown = hs.public_areas(table, "ward", True, True, pattern)
    assert shown["count"].tolist() == ["[c]", "[c]", "30"] and shown["rate_per_1000"].isna().tolist()[:2] == [
        True,
        True,
    ]


def test_public_periods_are_whole_years_back_from_the_latest_month_and_never_overlap():
    """Overlapping periods (Apr–Mar and May–Mar) would give April's count by subtraction: public mode offers
    only aligned 12-month windows, each fully inside the data."""
    months = pd.date_range("2023-04-01", "2026-03-01", freq="MS")
    windows = public.public_periods(months)
    assert windows == [
        (pd.Timestamp("2025-04-01"), pd.Timestamp("2026-03-01")),
        (pd.Timestamp("2024-04-01"), pd.Timestamp("2025-03-01")),
        (pd.Timestamp("2023-04-01"), pd.Timestamp("2024-03-01")),
    ]
    # A missing month takes out only the window it falls in; a short series has no window at all.
    gap = months.delete(months.get_loc(pd.Timestamp("2024-06-01")))
    assert [w[0] for w in public.public_periods(gap)] == [
        pd.Timestamp("2025-04-01"),
        pd.Timestamp("2023-04-01"),
    ]
    assert public.public_periods(months[:11]) == []


def test_public_mode_offers_only_the_aligned_periods_in_the_sidebar(monkeypatch):
    from pagetest import open_page

    monkeypatch.setenv("SVD_PUBLIC", "1")
    at = open_page("overview.py")
    months = next(w for w in at.selectbox if w.key == "period")
    assert not [s for s in at.select_slider if s.key == "period"]
    ends = {o.split(" to ")[1] for o in months.options}
    assert len(ends) == len(months.options) and months.value == "2025-04..2026-03"
    starts = [pd.Timestamp(o.split(" to ")[0]) for o in months.options]
    assert all((a - b).days >= 365 for a, b in zip(starts, starts[1:], strict=False))
