"""Overview computations: tile figures, the share test, ward subsets, sentences and the objective table."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from svd import aggregate as agg
from svd import funding, strategy
from svd import metrics as mx
from svd import overview as ov

MONTHS = pd.date_range("2024-01-01", periods=24, freq="MS")
ROB = ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY")
VWI = ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY")
DRUGS = ("DRUG OFFENCES", "POSSESSION OF DRUGS")


def _mps(rows: list[tuple[str, tuple[str, str], int, int]]) -> pd.DataFrame:
    """(ward, category, count in each of the first 12 months, count in each of the last 12) → tidy table."""
    out = []
    for ward, (major, minor), before, after in rows:
        for i, m in enumerate(MONTHS):
            out.append(
                {
                    "month": m,
                    "area_code": ward,
                    "major": major,
                    "minor": minor,
                    "count": before if i < 12 else after,
                }
            )
    return pd.DataFrame(out)


@pytest.fixture
def borough() -> pd.DataFrame:
    return _mps([("W1", ROB, 2, 3), ("W2", ROB, 1, 1), ("W1", VWI, 5, 5), ("W1", DRUGS, 50, 50)])


def _records() -> pd.DataFrame:
    """Previous year: 4 proxy records, 1 in 15-21, 1 unknown hour; current: 4 proxy, 3 in 15-21; 2 DA each."""
    prev, cur = MONTHS[0], MONTHS[12]
    rows = [
        (prev, 16, True, False, "W1"),
        (prev, 9, True, True, "W1"),
        (prev, 10, True, False, "W2"),
        (prev, None, True, True, "W2"),
        (prev, 18, False, False, "W1"),
        (cur, 15, True, True, "W1"),
        (cur, 20, True, False, "W1"),
        (cur, 17, True, True, "W2"),
        (cur, 21, True, False, "W2"),
        (cur, 8, False, False, "W2"),
    ]
    df = pd.DataFrame(
        rows, columns=["month", "hour", "serious_violence_proxy", "domestic_abuse", "ward_code"]
    )
    df["hour"] = df["hour"].astype("Int8")
    # records_figure takes the latest 12 months from the records' own months: make them span both years.
    # The 3pm-9pm share counts serious violence affecting under-25s: the proxy rows here are ABH on a victim of 20.
    return df.assign(
        offence=df["serious_violence_proxy"].map({True: "abh", False: "other"}),
        victim_age=pd.array([20] * len(df), dtype="Int16"),
        historical=pd.array([False] * len(df), dtype="boolean"),
    )


def test_mps_tiles_count_the_registry_categories(borough: pd.DataFrame) -> None:
    london = pd.concat([borough, _mps([("L1", ROB, 10, 10)])], ignore_index=True)
    figs = ov.tile_figures(
        borough,
        None,
        1000.0,
        True,
        london,
        10_000.0,
        metric_ids=("personal_robbery", "violence_with_injury", "serious_violence"),
    )
    rob = figs["personal_robbery"]
    assert (rob.current, rob.previous) == (12 * 4, 12 * 3)
    assert rob.rate_per_1000 == pytest.approx(48.0)
    assert rob.london_rate_per_1000 == pytest.approx((48 + 120) / 10)
    assert rob.period == "Jan 2025 to Dec 2025" and rob.previous_period == "Jan 2024 to Dec 2024"
    # The proxy includes robbery and violence with injury but never drug offences.
    assert figs["serious_violence"].current == 48 + 60
    assert figs["violence_with_injury"].change_label == "no significant change"
    p = rob.provenance
    assert (p.kind, p.period, p.comparison_period) == ("official", rob.period, rob.previous_period)
    assert "per 1,000 residents, all ages, Census 2021" in p.method and "Poisson" in p.method


def test_record_tiles_need_records_and_are_marked_simulated(borough: pd.DataFrame) -> None:
    figs = ov.tile_figures(borough, None, 1000.0, True)
    assert "domestic_abuse" not in figs and "share_3pm_9pm" not in figs
    # The chosen months are the MPS tiles' (Jan–Dec 2025 against Jan–Dec 2024); the record set spans both years.
    periods = agg.periods_for(MONTHS[12], MONTHS[-1])
    figs = ov.tile_figures(
        borough, _records(), 1000.0, True, periods=periods, record_months=pd.Series(MONTHS)
    )
    da = figs["domestic_abuse"]
    assert (da.current, da.previous, da.simulated) == (2, 2, True)
    share = figs["share_3pm_9pm"]
    # Current: hours 15, 20, 17, 21 → 3 of 4 in [15, 21). Previous: 16, 9, 10 known (None dropped) → 1 of 3.
    assert share.current == pytest.approx(75.0)
    assert share.previous == pytest.approx(100 / 3)
    assert {k: v for k, v in share.extra.items() if k != "monthly"} == {
        "numerator": 3,
        "base": 4,
        "numerator_previous": 1,
        "base_previous": 3,
    }
    # Simulated records fix the time-of-day profile and the DA share per category: no change test on either.
    assert share.change_label is None and share.change_note.startswith("change not tested")
    assert da.change_label is None and da.p_value is None and "domestic-abuse share" in da.change_note
    assert da.provenance.simulated and "simulated" in da.provenance.short().lower()
    assert "real:" in da.provenance.notes and "assumed:" in da.provenance.notes
    # The same records from the partnership's extract are tested (quasi-Poisson / quasi-binomial).
    real = ov.tile_figures(
        borough, _records(), 1000.0, False, periods=periods, record_months=pd.Series(MONTHS)
    )
    assert real["share_3pm_9pm"].change_label == "no significant change"
    assert "quasi-binomial" in real["share_3pm_9pm"].provenance.method
    assert real["domestic_abuse"].change_label == "no significant change"
    assert real["domestic_abuse"].provenance.kind == "partnership extract"
    # By default the records' own latest 12 months are compared with the 12 before, which the records do
    # not reach: nothing is compared, and the figure says why.
    bare = ov.tile_figures(borough, _records(), 1000.0, False)
    for k in ("share_3pm_9pm", "domestic_abuse"):
        assert bare[k].change_label is None and bare[k].p_value is None and bare[k].previous is None
        assert "do not reach back far enough" in bare[k].extra["period_note"]
        assert bare[k].provenance.method.startswith("change not compared")


def test_share_change_two_proportion_test() -> None:
    # 60/100 against 40/100: pooled 0.5, se = sqrt(0.25 * 0.02) = 0.0707, z = 2.828, p = 0.00468.
    label, p = ov.share_change(60, 100, 40, 100)
    assert label == "significant increase" and p == pytest.approx(0.004678, rel=1e-3)
    assert ov.share_change(40, 100, 60, 100)[0] == "significant decrease"
    assert ov.share_change(5, 10, 4, 10)[0] == "no significant change"
    assert ov.share_change(1, 0, 1, 5) == ("no significant change", 1.0)


def test_for_wards_narrows_rows_records_and_residents(borough: pd.DataFrame) -> None:
    pops = pd.DataFrame({"ward_code": ["W1", "W2", "W3"], "all_ages": [100, 200, 400]})
    rows, recs, pop = ov.for_wards(borough, _records(), pops, ["W2"])
    assert set(rows["area_code"]) == {"W2"} and set(recs["ward_code"]) == {"W2"} and pop == 200.0
    figs, area = ov.board_figures(
        borough, _records(), True, pd.DataFrame(), None, pops, ["W2"], metric_ids=("personal_robbery",)
    )
    assert area == "the selected ward"  # no ward names in this table
    assert figs["personal_robbery"].current == 12 and figs["personal_robbery"].london_rate_per_1000 is None
    named = pops.assign(ward_name=["Abbey", "Alibon", "Becontree"])
    assert (
        ov.board_figures(borough, None, True, pd.DataFrame(), None, named, ["W2"], metric_ids=("rape",))[1]
        == "Alibon"
    )
    assert (
        ov.board_figures(
            borough, None, True, pd.DataFrame(), None, named, ["W1", "W2"], metric_ids=("rape",)
        )[1]
        == "the 2 selected wards"
    )
    with pytest.raises(ValueError):
        ov.board_figures(borough, None, True, pd.DataFrame(), None, None, ["W2"])


def test_populations_leave_out_the_city() -> None:
    pops = pd.DataFrame(
        {
            "borough_code": ["E09000002", "E09000001", "E12000007"],
            "all_ages": [200, 10, 1000],
            "is_region": [False, False, True],
        }
    )
    assert ov.populations(pops) == (200.0, 990.0)


def _fig(current, previous, pct, label, rate=None, london=None, unit="offences") -> mx.Figure:
    m = mx.metric("serious_violence")
    m = mx.Metric(**{**m.__dict__, "unit": unit})
    return mx.Figure(
        metric=m,
        current=current,
        previous=previous,
        period="Apr 2025 to Mar 2026",
        previous_period="Apr 2024 to Mar 2025",
        rate_per_1000=rate,
        london_rate_per_1000=london,
        change_label=label,
        pct_change=pct,
    )


def test_headline_sentence() -> None:
    fig = _fig(920, 1000, -8.0, "significant decrease", 4.2, 3.1)
    assert ov.headline({"serious_violence": fig}) == (
        "Serious violence (the MPS-category proxy) in the borough fell by 8% in Apr 2025 to Mar 2026 against "
        "Apr 2024 to Mar 2025, to 920 offences — a significant decrease; at 4.2 per 1,000 residents it is above London's 3.1."
    )
    rise = ov.headline({"serious_violence": _fig(1030, 1000, 3.0, "no significant change")}, "Abbey")
    assert "in Abbey rose by 3%" in rise and "not a significant change." in rise and "London" not in rise


def test_change_words() -> None:
    assert ov.change_words(_fig(10, 0, None, None)) == "rose from none"
    assert ov.change_words(_fig(100, 100, 0.2, None)) == "was almost unchanged"
    assert ov.change_words(_fig(48.0, 45.5, None, None, unit="percent")) == "rose by 2.5 percentage points"
    assert ov.format_value(_fig(48.4, 45.5, None, None, unit="percent")) == "48%"
    assert ov.format_value(_fig(12345, 1, None, None)) == "12,345"


def test_objective_table_lists_every_objective() -> None:
    objectives = [
        {"number": 1, "title": "Governance", "metrics": [], "monitored_by": "CSP records"},
        {
            "number": 3,
            "title": "Knife crime and robbery",
            "metrics": ["personal_robbery", "knife_offences"],
            "monitored_by": "dashboard",
        },
    ]
    figs = {"personal_robbery": _fig(920, 1000, -8.0, "significant decrease")}
    t = ov.objective_table(objectives, figs)
    assert t["objective"].tolist() == [1, 3, 3]
    assert pd.isna(t.loc[0, "metric"]) and t.loc[0, "change"] == "CSP records"
    assert t.loc[1, "value"] == "920" and t.loc[1, "change"] == "fell by 8% (significant decrease)"
    assert t.loc[1, "page"] == "knife-crime-robbery"
    assert t.loc[2, "metric_id"] == "knife_offences" and pd.isna(t.loc[2, "value"])


def test_page_files_cover_every_registry_page() -> None:
    for m in mx.load_metrics().values():
        assert ov.page_file(m.page).startswith("views/")


def test_as_of() -> None:
    assert ov.as_of(pd.Series(pd.to_datetime(["2026-01-01", "2026-03-01"]))) == "March 2026"


def test_funding_headline_and_chart_frame() -> None:
    items = funding.load_funding()
    s = ov.funding_headline(funding.change_between_years(items))
    assert s.startswith(
        "The four funding streams in the strategy total £700,540.86 in 2023/24, £56,352.28 (8.7%)"
    )
    assert "£644,188.58 of 2022/23" in s
    assert "MOPAC London Crime Prevention Fund 2022-25, which rose by £33,479.00" in s
    f = ov.funding_chart_frame(funding.totals(items))
    assert len(f) == 8 and f["amount_gbp"].sum() == pytest.approx(644188.58 + 700540.86)
    assert f.loc[0, "label"] == "2022/23: £379,075"
    spec = ov.funding_chart(f).to_dict()
    assert spec["description"].startswith("Grouped horizontal bars: for each of the 4 funds")
    assert spec["title"]["text"] == "Funding per fund and year"
    assert any(
        layer["mark"]["type"] == "text" for layer in spec["layer"]
    )  # amounts written, not colour alone


def test_funding_headline_on_a_fall() -> None:
    change = pd.DataFrame(
        {
            "fund": ["A", "Total"],
            "2022/23": [100.0, 100.0],
            "2023/24": [80.0, 80.0],
            "change": [-20.0, -20.0],
            "pct_change": [-20.0, -20.0],
        }
    )
    assert ov.funding_headline(change) == (
        "The one funding streams in the strategy total £80.00 in 2023/24, £20.00 (20.0%) less than the £100.00 "
        "of 2022/23; the largest change is A, which fell by £20.00."
    )


def test_strategy_headline_uses_the_date_given() -> None:
    s = strategy.load_strategy()
    late = ov.strategy_headline(
        strategy.review_status(date(2026, 11, 25), s), len(s["objectives"]), s["published"]
    )
    assert late == (
        "The strategy published in January 2024 sets six objectives; five of its six review dates have "
        "passed, the earliest on 31 January 2025, 663 days ago."
    )
    early = ov.strategy_headline(strategy.review_status(date(2024, 6, 1), s), 6, s["published"])
    assert "none of its six review dates has passed — the next is 31 January 2025." in early


@pytest.mark.realdata
def test_board_figures_equal_the_summary() -> None:
    from svd.mps import load_mps
    from svd.population import london_populations
    from svd.taxonomy import classify_mps

    summary = mx.summary()
    ward = classify_mps(load_mps("ward").table)
    borough = ward[ward["borough_code"] == "E09000002"]
    figs, area = ov.board_figures(borough, None, True, london_populations(), ward)
    assert area == "Barking and Dagenham"
    sv = figs["serious_violence"]
    assert (sv.current, sv.previous, sv.change_label) == (
        summary["serious_violence_12m"],
        summary["serious_violence_prev_12m"],
        summary["serious_violence_change"],
    )
    assert round(sv.rate_per_1000, 2) == summary["rate_per_1000_serious_violence_12m"]
    assert round(sv.london_rate_per_1000, 2) == summary["london_rate_per_1000_serious_violence_12m"]
    assert figs["personal_robbery"].current == summary["robbery_personal_12m"]
    assert figs["rape"].current == summary["rape_12m"]
    assert sv.period == "Apr 2025 to Mar 2026"


def test_figures_overview_page_is_what_the_tiles_show_public_or_not(borough: pd.DataFrame) -> None:
    """``svd figures`` reads the same board figures; in public mode a ward's small sensitive count is '<5'."""
    from svd import figures

    pops = pd.DataFrame({"ward_code": ["W1", "W2"], "ward_name": ["Abbey", "Alibon"], "all_ages": [100, 200]})
    rape = ("SEXUAL OFFENCES", "RAPE")
    table = pd.concat([borough, _mps([("W2", rape, 0, 0)])], ignore_index=True)
    table.loc[(table["minor"] == "RAPE") & (table["month"] == MONTHS[-1]), "count"] = (
        3  # 3 in the latest year
    )
    kw = dict(
        records=_records().assign(knife=False),
        simulated=True,
        populations=pd.DataFrame(),
        ward_population=pops,
        wards=["W2"],
    )
    shown = {f.id: f for f in figures.overview_page(table, None, **kw)}
    assert shown["rape"].display == "3" and shown["rape"].detail["current"] == 3
    assert (
        shown["domestic_abuse"].provenance.simulated and shown["domestic_abuse"].provenance.area == "Alibon"
    )
    assert shown["domestic_abuse"].detail["change"].startswith("change not tested")
    public = {f.id: f for f in figures.overview_page(table, None, public=True, **kw)}
    rape_shown = public["rape"]
    assert rape_shown.display == "<5" and rape_shown.value is None
    assert rape_shown.detail["current"] is None and rape_shown.detail["change"] is None
    assert public["personal_robbery"].display == shown["personal_robbery"].display  # not sensitive
    assert shown["personal_robbery"].to_dict()["provenance"]["kind"] == "official"
