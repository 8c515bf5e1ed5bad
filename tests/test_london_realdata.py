"""The London comparisons and the border view on the real files, reconciled with the MPS ward file and the
Census tables read independently here (plain csv/pandas, not svd's readers)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from svd import cli
from svd.config import data_dir

pytestmark = [pytest.mark.realdata, pytest.mark.slow]
BD = "E09000002"


def _independent_rates(months: list[str], minors: set[str]) -> pd.DataFrame:
    """Each borough's count over ``months`` from the newest ward release holding them, and its rate per 1,000."""
    folder = data_dir() / "crime" / "mps"
    newest = sorted(p for p in folder.iterdir() if "Ward Level" in p.name)[-1]
    raw = pd.read_csv(newest, dtype=str)
    cols = [m.replace("-", "") for m in months]
    raw = raw[raw["MinorText"].isin(minors)]
    counts = raw[cols].astype(int).sum(axis=1).groupby(raw["LookUp_BoroughName"]).sum()
    pops = pd.read_csv(data_dir() / "population" / "census2021_age_london_boroughs.csv", dtype=str)
    pops = pops.set_index(pops["geography"].str.strip())["all_ages"].astype(int)
    counts = counts[counts.index.isin(pops.index) & (counts.index != "City of London")]
    return pd.DataFrame({"count": counts, "rate": counts / pops.reindex(counts.index) * 1000})


def test_london_cli_rank_reconciles_with_the_ward_file(capsys):
    assert cli.main(["london", "--json", "--metric", "personal_robbery"]) == 0
    r = json.loads(capsys.readouterr().out)
    row = next(f for f in r["funnels"] if f["measure"] == "Personal robbery")
    start, end = (pd.to_datetime(x, format="%b %Y") for x in r["period"].split(" to "))
    months = [f"{m:%Y-%m}" for m in pd.date_range(start, end, freq="MS")]
    rates = _independent_rates(months, {"ROBBERY OF PERSONAL PROPERTY"})
    assert len(rates) == 32
    mine = rates.loc["Barking and Dagenham"]
    assert row["offences"] == mine["count"]
    assert row["rate_per_1000"] == pytest.approx(mine["rate"], abs=0.005)
    rank = int((rates["rate"] > mine["rate"]).sum()) + 1
    assert int("".join(ch for ch in row["rank"].split()[0] if ch.isdigit())) == rank
    assert row["rank"].endswith("of 32")
    assert row["london_rate_per_1000"] == pytest.approx(
        rates["count"].sum() / (rates["count"] / rates["rate"]).sum(), abs=0.005
    )
    # 19 wards, each with a percentile, and five similar boroughs after the borough itself.
    assert len(r["wards"]["table"]) == 19
    assert len(r["similar_boroughs"]) == 6 and r["similar_boroughs"][0]["borough"] == "Barking and Dagenham"


def test_border_cli_on_real_wards(capsys):
    assert cli.main(["border", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    wards = pd.DataFrame(r["wards"])
    # Every neighbouring ward is in a borough that touches Barking and Dagenham (Newham, Redbridge, Havering).
    assert set(wards.loc[wards["side"] != "Barking and Dagenham", "borough_name"]) <= {
        "Newham",
        "Redbridge",
        "Havering",
    }
    assert (wards["offences"] >= 0).all() and wards["change_test"].notna().all()
    assert all(0 <= p["q"] <= 1 for p in r["pairs"])
    assert r["sentences"][0].startswith(f"{(wards['side'] == 'Barking and Dagenham').sum()} of Barking")
