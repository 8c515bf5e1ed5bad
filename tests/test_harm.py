"""Harm and cost weights: the catalogue against its citations, and weighing/shares on tiny hand-checked tables."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from svd import harm, taxonomy

# The source text each entered value was checked against, as it was read (the catalogue's `quote` column must
# hold the same text, and the value must be the number in it). Keys: (kind, category, measure).
ECHO = "South Wales Echo, 2 Aug 2019 (quoting Home Office, The economic and social costs of crime, 2018)"
# The ONS data tool's 2016 weights by police.uk category: 'Robbery' holds one weight per robbery code (34A, 34B).
ROBBERY_CSS = '"url": "robbery", "name": "Robbery", "weight": [746, 746]'
# The CCHI 2026 values sheet tabulated per Sherman SUB_GROUP: | name | SUB_GROUP | n | min | **median** | mean | max |
CCHI_ROWS = {
    "ROBBERY OF PERSONAL PROPERTY": "| Robbery of personal property | ROBBERY OF PERSONAL PROPERTY | 4 | 365 | **365** | 365.00 | 365 |",
    "ROBBERY OF BUSINESS PROPERTY": "| Robbery of business property | ROBBERY OF BUSINESS PROPERTY | 4 | 365 | **365** | 365.00 | 365 |",
    "SHOPLIFTING": "| Shoplifting | SHOPLIFTING | 2 | 1 | **1** | 1.00 | 1 |",
    "THEFT FROM THE PERSON": "| Theft from the person | THEFT FROM THE PERSON | 2 | 2 | **2** | 2.00 | 2 |",
    "BICYCLE THEFT": "| Bicycle theft | BICYCLE THEFT | 4 | 2 | **2** | 2.00 | 2 |",
}
# 2015/16 → 2024/25 prices: 100 / 74.5894 (HM Treasury GDP deflator, December 2025, 2024-25 = 100).
UP = 1.340673
QUOTED = {
    ("mps", "ROBBERY OF PERSONAL PROPERTY", "harm_css"): (ROBBERY_CSS, 746),
    ("mps", "ROBBERY OF BUSINESS PROPERTY", "harm_css"): (ROBBERY_CSS, 746),
    ("offence", "personal_robbery", "harm_css"): (ROBBERY_CSS, 746),
    ("mps", "ROBBERY OF PERSONAL PROPERTY", "harm_cchi"): (CCHI_ROWS["ROBBERY OF PERSONAL PROPERTY"], 365),
    ("mps", "ROBBERY OF BUSINESS PROPERTY", "harm_cchi"): (CCHI_ROWS["ROBBERY OF BUSINESS PROPERTY"], 365),
    ("offence", "personal_robbery", "harm_cchi"): (CCHI_ROWS["ROBBERY OF PERSONAL PROPERTY"], 365),
    ("mps", "SHOPLIFTING", "harm_cchi"): (CCHI_ROWS["SHOPLIFTING"], 1),
    ("mps", "THEFT FROM THE PERSON", "harm_cchi"): (CCHI_ROWS["THEFT FROM THE PERSON"], 2),
    ("mps", "BICYCLE THEFT", "harm_cchi"): (CCHI_ROWS["BICYCLE THEFT"], 2),
    ("mps", "HOMICIDE", "harm_css"): ("murder worth 7,979 points per offence", 7979),
    ("offence", "homicide", "harm_css"): ("murder worth 7,979 points per offence", 7979),
    ("offence", "abh", "harm_css"): ("8G Actual bodily harm (ABH) and other injury 127", 127),
    ("mps", "HOMICIDE", "cost"): ("Every murder costs society an estimated £3.2m", 3_200_000),
    ("offence", "homicide", "cost"): ("Every murder costs society an estimated £3.2m", 3_200_000),
    ("mps", "VIOLENCE WITH INJURY", "cost"): ("£14,050 for violence with injury", 14050),
    ("offence", "gbh", "cost"): ("£14,050 for violence with injury", 14050),
    ("offence", "abh", "cost"): ("£14,050 for violence with injury", 14050),
    ("mps", "RAPE", "cost"): ("£39,360 for rape", 39360),
    ("offence", "rape", "cost"): ("£39,360 for rape", 39360),
    ("mps", "OTHER SEXUAL OFFENCES", "cost"): ("a sexual offence - not including rape - costs £6,520", 6520),
    ("offence", "assault_by_penetration", "cost"): (
        "a sexual offence - not including rape - costs £6,520",
        6520,
    ),
    ("offence", "sexual_assault", "cost"): ("a sexual offence - not including rape - costs £6,520", 6520),
    ("mps", "ROBBERY OF PERSONAL PROPERTY", "cost"): ("£11,320 for a robbery", 11320),
    ("offence", "personal_robbery", "cost"): ("£11,320 for a robbery", 11320),
    ("mps", "ARSON", "cost"): ("criminal damage from an arson attack costs £8,420", 8420),
    ("mps", "CRIMINAL DAMAGE", "cost"): ("criminal damage apart from arson costs £1,350", 1350),
    ("mps", "THEFT OR UNAUTH TAKING OF A MOTOR VEH", "cost"): (
        "Vehicle theft costs an estimated £10,290 each time",
        10290,
    ),
    ("mps", "THEFT FROM A VEHICLE", "cost"): ("Theft from a vehicle costs an average £870", 870),
}
RECORD_OFFENCES = {
    "homicide",
    "gbh",
    "abh",
    "rape",
    "assault_by_penetration",
    "sexual_assault",
    "personal_robbery",
    "threats_to_kill",
    "other",
}


def _number_in(quote: str) -> float:
    """The number a quote states: '£3.2m' → 3,200,000; '7,979' → 7979; the last number of a code line."""
    nums = re.findall(r"(\d[\d,]*(?:\.\d+)?)(m\b)?", quote)
    text, millions = nums[-1]
    value = float(text.replace(",", ""))
    return value * 1_000_000 if millions else value


# --- the catalogue against its citations -----------------------------------------------------------------


def test_catalogue_has_one_row_per_category_and_weighted_measure():
    cat = harm.load_weights()
    assert tuple(cat.columns) == harm.WEIGHT_COLUMNS
    tax = taxonomy.load_taxonomy()
    mps = set(
        zip(tax.loc[tax["source"] == "mps", "major"], tax.loc[tax["source"] == "mps", "minor"], strict=True)
    )
    for measure in harm.WEIGHTED:
        rows = cat[cat["measure"] == measure]
        assert not rows.duplicated(["kind", "major", "category"]).any()
        got_mps = set(
            zip(
                rows.loc[rows["kind"] == "mps", "major"],
                rows.loc[rows["kind"] == "mps", "category"],
                strict=True,
            )
        )
        assert got_mps == mps, measure
        assert set(rows.loc[rows["kind"] == "offence", "category"]) == RECORD_OFFENCES, measure
    assert set(cat["measure"]) == set(harm.WEIGHTED)


def test_every_value_has_a_source_and_a_quote():
    cat = harm.load_weights()
    for col in ("unit", "source_title", "publisher", "year", "table_page", "url"):
        assert (cat[col].str.strip() != "").all(), col
    valued = cat[cat["value"].notna()]
    assert len(valued) == len(QUOTED)
    for col in ("quote", "quoted_in"):
        assert (valued[col].str.strip() != "").all(), col
    # A row without a value says why: never a silent blank.
    empty = cat[cat["value"].isna()]
    assert (empty["notes"].str.strip() != "").all()
    assert (empty["quote"] == "").all()


def test_values_equal_the_quoted_source_text():
    cat = harm.load_weights().set_index(["kind", "category", "measure"])
    for key, (quote, value) in QUOTED.items():
        row = cat.loc[key]
        assert row["quote"] == quote, key
        assert row["value"] == value, key
        assert _number_in(quote) == value, key


def test_costs_are_uprated_by_the_quoted_deflator_index():
    cat = harm.load_weights()
    # The catalogue keeps the published 2015/16 unit costs; the deflator is applied where they are used.
    assert (cat.loc[cat["measure"] == "cost", "unit"] == "£ per offence (2015/16 prices)").all()
    d = harm.deflator()
    assert "GDP deflator" in d["name"] and (d["from_year"], d["to_year"]) == ("2015-16", "2024-25")
    # The two index values are the ones in the quoted release, and the factor is their ratio.
    assert f'"{d["from_year"]}": {d["from_index"]:g}' in d["quote"]
    assert f'"{d["to_year"]}": {d["to_index"]:g}' in d["quote"]
    assert d["factor"] == round(d["to_index"] / d["from_index"], 6) == UP
    assert d["release"] and d["quoted_in"] and d["url"]
    assert harm.price_basis() == (
        "2024/25 prices (uprated from 2015/16 by the GDP deflator at market prices (HM Treasury, December 2025))"
    )
    assert harm.weights("cost").set_index("minor").loc["RAPE", "weight"] == pytest.approx(39360 * UP)
    assert harm.weights("harm_css").set_index("minor").loc["HOMICIDE", "weight"] == 7979  # only costs move


def test_css_weights_are_of_one_vintage():
    """ONS revises the weights each year (robbery of personal property is 746 in the 2016 data tool and 993.55
    in a later one): every CSS weight entered comes from the 2016 data tool, so they weigh on one scale."""
    cat = harm.load_weights()
    css = cat[(cat["measure"] == "harm_css") & cat["value"].notna()]
    assert set(css["year"]) == {"2016"}
    assert (css["notes"].str.contains("993.55") | ~css["category"].str.contains("ROBBERY|robbery")).all()
    # One weight per robbery code in the quoted list, and they agree.
    weights = re.findall(r"\d+", ROBBERY_CSS.split("[")[1])
    assert weights == ["746", "746"]


def test_cchi_values_are_sub_groups_whose_every_entry_has_that_value():
    """A CCHI value is entered for a category only where every CCHI 2026 entry of its sub-group has the same
    value (min = max): never a median or mean chosen here."""
    cat = harm.load_weights()
    cchi = cat[(cat["measure"] == "harm_cchi") & cat["value"].notna()]
    assert len(cchi) == 6
    for r in cchi.itertuples():
        cells = [c.strip().strip("*") for c in r.quote.strip("|").split("|")]
        sub_group, n, lo, med, _mean, hi = cells[1:]
        assert sub_group == ("ROBBERY OF PERSONAL PROPERTY" if r.kind == "offence" else r.category)
        assert int(n) >= 2 and float(lo) == float(hi) == float(med) == r.value, r.category
    # Categories whose entries differ say so with their range, and have no value.
    notes = cat.set_index(["kind", "category", "measure"])["notes"]
    assert "730 to 5,475 days" in notes[("mps", "HOMICIDE", "harm_cchi")]
    assert "not entered" in notes[("mps", "VIOLENCE WITH INJURY", "harm_cchi")]


def test_measures_are_defined_in_order_and_only_the_count_is_poisson():
    ms = harm.load_measures()
    assert tuple(ms) == harm.MEASURES
    assert [m.poisson for m in ms.values()] == [True, False, False, False]
    assert ms["harm_css"].short == "CSS-weighted harm"
    for m in list(ms.values())[1:]:
        assert m.source and m.method


# --- categories without a weight are reported, not zeroed ---------------------------------------------------


def test_categories_without_weights_are_reported_not_zeroed():
    table = pd.DataFrame(
        {
            "major": ["VIOLENCE AGAINST THE PERSON", "VIOLENCE AGAINST THE PERSON", "ROBBERY"],
            "minor": ["HOMICIDE", "VIOLENCE WITH INJURY", "ROBBERY OF PERSONAL PROPERTY"],
            "count": [2, 10, 5],
        }
    )
    wd = harm.weigh(table, "harm_css")
    assert wd.table["weighted"].tolist()[0] == 2 * 7979 and wd.table["weighted"].tolist()[2] == 5 * 746
    assert wd.table["weighted"].isna().tolist() == [False, True, False]  # NaN, never 0
    assert dict(zip(wd.missing["category"], wd.missing["count"], strict=True)) == {
        "Violence with injury": 10,
    }
    assert not wd.complete
    assert (
        "no published weight" in wd.missing_text()
        and "Violence with injury (10 offences)" in wd.missing_text()
    )
    # CCHI: homicide's and violence with injury's entries differ, so only robbery (365 days) is weighted, and
    # the total is not a partial sum that looks like a figure.
    cchi = harm.weigh(table, "harm_cchi")
    assert cchi.table["weighted"].isna().tolist() == [True, True, False]
    assert cchi.table["weighted"].iloc[2] == 5 * 365
    fig = harm.mps_weighted_figure(
        table.assign(month=pd.Timestamp("2026-03-01")),
        "x",
        "Serious violence",
        "harm_cchi",
        harm.agg.periods_for(pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-01")),
    )
    assert fig.current is None and fig.value_text == "–"


# --- weigh and shares on tiny tables ----------------------------------------------------------------------


def _proxy_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "major": ["VIOLENCE AGAINST THE PERSON", "ROBBERY", "SEXUAL OFFENCES", "SEXUAL OFFENCES"],
            "minor": [
                "VIOLENCE WITH INJURY",
                "ROBBERY OF PERSONAL PROPERTY",
                "RAPE",
                "OTHER SEXUAL OFFENCES",
            ],
            "offence_group": ["Violence with injury", "Personal robbery", "Rape", "Other sexual offences"],
            "count": [6, 2, 1, 1],
        }
    )


def test_weigh_multiplies_counts_by_the_published_unit_cost():
    wd = harm.weigh(_proxy_table(), "cost")
    assert wd.complete
    assert wd.table["weighted"].tolist() == pytest.approx(
        [6 * 14050 * UP, 2 * 11320 * UP, 39360 * UP, 6520 * UP]
    )
    assert wd.total == pytest.approx((6 * 14050 + 2 * 11320 + 39360 + 6520) * UP)


def test_shares_set_volume_against_cost():
    sh = harm.shares(_proxy_table(), "cost").set_index("offence_group")
    total = 6 * 14050 + 2 * 11320 + 39360 + 6520  # 152,820
    assert sh.loc["Personal robbery", "count_share"] == pytest.approx(20.0)
    assert sh.loc["Personal robbery", "weighted_share"] == pytest.approx(
        2 * 11320 / total * 100
    )  # UP cancels
    assert sh.loc["Rape", "count_share"] == pytest.approx(10.0)
    assert sh.loc["Rape", "weighted_share"] == pytest.approx(
        39360 / total * 100
    )  # 25.8%: ranks above robbery
    assert sh["weighted_share"].sum() == pytest.approx(100)
    row = sh.reset_index().iloc[1].to_dict()
    assert harm.share_sentence(row, "cost") == "Personal robbery: 20% of volume, 15% of estimated cost"


def test_shares_without_weights_say_so():
    sh = harm.shares(_proxy_table(), "harm_css").set_index("offence_group")
    # Of these only personal robbery has a CSS weight; the others have no share, and the rest is named.
    assert sh["has_weight"].to_dict() == {
        "Violence with injury": False,
        "Personal robbery": True,
        "Rape": False,
        "Other sexual offences": False,
    }
    assert sh.loc[["Violence with injury", "Rape", "Other sexual offences"], "weighted_share"].isna().all()
    # Robbery has a weight, but a share of a total that leaves three groups out would read as 100%: none is given.
    assert sh["weighted_share"].isna().all() and sh.attrs["complete"] is False
    robbery = sh.loc["Personal robbery"].to_dict() | {"offence_group": "Personal robbery"}
    assert harm.share_sentence(robbery, "harm_css") == (
        "Personal robbery: 20% of volume; its share of CSS-weighted harm is not computed: "
        "other offences in the total have no published weight"
    )
    row = sh.loc["Rape"].to_dict() | {"offence_group": "Rape"}
    assert (
        harm.share_sentence(row, "harm_css")
        == "Rape: 10% of volume, no published weight for CSS-weighted harm"
    )


def test_weigh_records_by_offence_type_one_row_each():
    recs = pd.DataFrame({"offence": ["homicide", "abh", "abh", "threats_to_kill", "other"]})
    wd = harm.weigh(recs, "harm_css", count_col=None)
    assert wd.table["weighted"].tolist()[:3] == [7979, 127, 127]
    assert set(wd.missing["category"]) == {"Threats to kill", "Other"}


def test_group_weights_only_where_the_group_shares_one_weight():
    g = harm.group_weights("cost").set_index("offence_group")["weight"]
    assert g["Personal robbery"] == pytest.approx(11320 * UP)
    assert math.isnan(g["Vehicle offences"])  # £10,290 and £870 (and none for the other two): no one weight
    assert math.isnan(g["Burglary"])


def test_count_weighs_everything_one_and_is_the_plain_count():
    wd = harm.weigh(_proxy_table(), "count")
    assert wd.table["weighted"].tolist() == [6, 2, 1, 1] and wd.complete


def test_rerank_orders_by_weighted_value_and_keeps_the_count_rank():
    ranked = pd.DataFrame(
        {"rank": [1, 2, 3], "area_code": ["A", "B", "C"], "area_name": ["a", "b", "c"], "count": [10, 8, 1]}
    )
    values = pd.DataFrame({"area_code": ["A", "B", "C"], "weighted": [100.0, 500.0, np.nan]})
    out = harm.rerank(ranked, values, "cost")
    assert out["area_code"].tolist() == ["B", "A", "C"]
    assert out["rank"].tolist() == [1, 2, 3] and out["count_rank"].tolist() == [2, 1, 3]


def test_value_text():
    assert harm.value_text(46_700_000, "cost") == "£46.7m"
    assert harm.value_text(7979.0, "harm_css") == "7,979 severity points"
    assert harm.value_text(float("nan"), "cost") == "–"
    with pytest.raises(ValueError, match="unknown measure"):
        harm.measure("harm")


def test_mps_area_values_sum_weighted_offences_per_area():
    t = _proxy_table().assign(area_code=["W1", "W1", "W2", "W2"])
    wd = harm.mps_area_values(t, "cost")
    got = dict(zip(wd.table["area_code"], wd.table["weighted"], strict=True))
    assert got == pytest.approx({"W1": (6 * 14050 + 2 * 11320) * UP, "W2": (39360 + 6520) * UP})
    css = harm.mps_area_values(t, "harm_css")  # only robbery has a CSS weight: W2 has 0 of it, the rest named
    assert css.table.set_index("area_code")["weighted"].to_dict() == {"W1": 2 * 746, "W2": 0.0}
    assert set(css.missing["category"]) == {"Violence with injury", "Rape", "Other sexual offences"}
    rape = harm.mps_area_values(t[t["minor"] == "RAPE"], "harm_css")  # nothing here has one: no total, not 0
    assert rape.table["weighted"].isna().all() and not rape.any_weight


def test_cube_area_values_weigh_each_record_by_its_offence_group():
    from svd import filters as sf
    from svd import hotspots as hs

    m = pd.Timestamp
    recs = pd.DataFrame(
        {
            "month": [m("2025-01-01")] * 4,
            "offence_group": ["Personal robbery", "Rape", "Personal robbery", "Vehicle offences"],
            "offence": ["personal_robbery", "rape", "personal_robbery", "other"],
            "hour": pd.array([16, 2, 3, 18], dtype="Int8"),
            "weekday": pd.array([0, 1, 2, 6], dtype="Int8"),
            "ward_code": ["W1", "W1", "W2", "W2"],
            "lsoa_code": ["L1", "L2", "L3", "L4"],
            "latitude": [51.545, 51.5451, 51.55, 51.55],
            "longitude": [0.13, 0.1301, 0.14, 0.14],
        }
    )
    cube = hs.tasking_cube(hs.tasking_columns(recs))
    wd = harm.cube_area_values(cube, sf.RecordFilter(), "ward", "cost")
    got = dict(zip(wd.table["area_code"], wd.table["weighted"], strict=True))
    assert got == pytest.approx({"W1": (11320 + 39360) * UP, "W2": 11320 * UP})  # vehicles: no one weight
    assert wd.missing.to_dict("records") == [{"category": "Vehicle offences", "count": 1}]
    none = harm.cube_area_values(cube, sf.RecordFilter(offence_groups=("Vehicle offences",)), "ward", "cost")
    assert none.table["weighted"].isna().all()


def test_rerank_keeps_the_count_order_when_nothing_has_a_weight():
    ranked = pd.DataFrame({"rank": [1, 2], "area_code": ["A", "B"], "area_name": ["a", "b"], "count": [5, 3]})
    out = harm.rerank(
        ranked, pd.DataFrame({"area_code": ["A", "B"], "weighted": [np.nan, np.nan]}), "harm_css"
    )
    assert out["area_code"].tolist() == ["A", "B"]
    assert harm.ranking_sentence(out, "harm_css").startswith(
        "Not ranked by CSS-weighted harm: no published weight"
    )
    moved = harm.rerank(ranked, pd.DataFrame({"area_code": ["A", "B"], "weighted": [1.0, 9.0]}), "cost")
    assert harm.ranking_sentence(moved, "cost") == (
        "Ranked by estimated cost: b first (2nd by offences); 2 of the top 2 change place and 0 enter it."
    )


def test_a_tile_is_not_added_up_when_some_of_its_offences_have_no_weight():
    t = _proxy_table().assign(month=pd.Timestamp("2026-03-01"))
    t = pd.concat(
        [
            t,
            t.iloc[[0]].assign(
                major="VIOLENCE AGAINST THE PERSON", minor="HOMICIDE", offence_group="Homicide"
            ),
        ]
    )
    periods = harm.agg.periods_for(pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-01"))
    css = harm.mps_weighted_figure(t, "serious_violence", "Serious violence (proxy)", "harm_css", periods)
    # Homicide alone has a CSS weight: 6 × 7,979 is not the serious-violence total, so none is shown.
    assert css.current is None and css.value_text == "–"
    assert "Violence with injury (6 offences)" in css.missing
    cost = harm.mps_weighted_figure(t, "serious_violence", "Serious violence (proxy)", "cost", periods)
    assert cost.current == pytest.approx((6 * 14050 + 2 * 11320 + 39360 + 6520 + 6 * 3_200_000) * UP)
    assert cost.title == "Serious violence (proxy) · estimated cost (£, 2024/25 prices)"
    assert "weighted sum is not a count" in cost.provenance.method


@pytest.mark.realdata
@pytest.mark.slow
def test_cli_harm_prints_the_shares_and_the_published_figures(capsys):
    from svd.cli import main

    assert main(["harm"]) == 0
    out = capsys.readouterr().out
    assert "Personal robbery: " in out and "% of estimated cost" in out
    assert "25% published" in out and "31% published" in out
    assert "no published weight" in out


def test_monthly_weighted_series_and_none_when_part_is_unweighted():
    t = pd.concat(
        [
            _proxy_table().assign(month=pd.Timestamp("2025-01-01")),
            _proxy_table().assign(month=pd.Timestamp("2025-03-01"), count=[1, 0, 0, 0]),
        ]
    )
    s = harm.monthly(t, "cost")
    assert s["month"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03"]
    assert s["weighted"].iloc[0] == pytest.approx((6 * 14050 + 2 * 11320 + 39360 + 6520) * UP)
    assert (
        math.isnan(s["weighted"].iloc[1]) and not s["covered"].iloc[1]
    )  # a month not published: a gap, not 0
    assert s["weighted"].iloc[2] == pytest.approx(14050 * UP)
    assert harm.monthly(t, "harm_css") is None  # violence with injury, rape…: no CSS weight


def test_sna_cost_is_robbery_offences_times_the_unit_cost_beside_the_published_range():
    t = _proxy_table().assign(month=pd.Timestamp("2026-03-01"))
    periods = harm.agg.periods_for(pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-01"))
    c = harm.sna_cost(t, periods)
    assert (
        c["offences"] == 2 and c["current"] == pytest.approx(2 * 11320 * UP) and c["current_text"] == "£30.4k"
    )
    assert [p["value"] for p in c["published"]] == [5.0, 21.5]
    assert "£5 million for recorded offences" in c["quote"]


def test_a_measure_with_no_published_weight_is_not_offered(tmp_path, monkeypatch):
    """The switch offers count and every measure with at least one cited weight; one with none is left out."""
    cat = harm.load_weights()
    offered, left_out = harm.offered()
    assert offered[0] == "count" and set(offered) | set(left_out) == set(harm.MEASURES)
    for m in left_out:
        assert cat.loc[cat["measure"] == m, "value"].isna().all()
    for m in offered[1:]:
        assert cat.loc[cat["measure"] == m, "value"].notna().any()
    # Today every measure has at least one cited weight (the CCHI since its robbery value), so all are offered.
    assert (offered, left_out) == (list(harm.MEASURES), [])
    # Blank every cost value: cost is then left out too.
    blank = cat.assign(value=cat["value"].where(cat["measure"] != "cost"))
    monkeypatch.setattr(harm, "load_weights", lambda path=None: blank)
    assert "cost" in harm.offered()[1]


def test_the_needs_assessment_robbery_share_is_not_computed_while_other_offences_lack_a_css_weight():
    """Robbery's CSS weight is cited, but violence with injury, rape and other sexual offences have none: a share of
    a total that leaves them out is no share (it would read 100%), so none is set beside the SNA's 31%."""
    t = _proxy_table().assign(month=pd.Timestamp("2026-03-01"), serious_violence_proxy=True)
    periods = harm.agg.periods_for(pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-01"))
    c = harm.sna_comparison(t, periods).set_index("measure")
    assert c.loc["count", "current"] == 20.0 and c.loc["count", "published"] == 25.0
    assert math.isnan(c.loc["harm_css", "current"]) and c.loc["harm_css", "published"] == 31.0
    assert c.loc["harm_css", "note"].startswith("not computed: no published weight for")
    assert c.loc["cost", "current"] == round(2 * 11320 / (6 * 14050 + 2 * 11320 + 39360 + 6520) * 100, 1)


def test_the_weighted_window_share_says_what_it_is_of():
    """The tile's sentence: partial when offence types were left out (named under the heatmap), and why when no
    offence chosen has a weight (no share is shown)."""
    import pandas as pd

    frame = pd.DataFrame({"value": [1.0]})
    whole = harm.window_share_note(harm.Series("cost", frame, ""))
    partial = harm.window_share_note(
        harm.Series("cost", frame, "Left out (no published weight): Threats to kill.")
    )
    none = harm.window_share_note(harm.Series("cost", None, "Not weighted: …"))
    assert "published weight" not in whole and whole.endswith("the heatmap and the profiles are weighted.")
    assert (
        "of the offences with a known time and a published weight (those without one are named under"
        in partial
    )
    assert none.startswith("Not weighted by") and "the heatmap and the profiles are weighted" not in none
    assert all(harm.COUNT_ONLY in t for t in (whole, partial, none))
