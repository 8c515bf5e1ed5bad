"""The funding table: transcription checked against the strategy's totals and text, and the Excel export."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

from svd import funding
from svd.config import repo_root

STRATEGY_TXT = repo_root().parent / "shared" / "strategy" / "serious-violence-duty-strategy-lbbd-2024.txt"


def test_four_funds_total_as_published():
    """2022/23: 379,075 (LCPF) + 237,193 (VRU) + 10,767.58 (SVD) + 17,153 (SNB) = 644,188.58.
    2023/24: 412,554 + 231,105 + 39,728.86 + 17,153 = 700,540.86."""
    df = funding.load_funding()
    assert df["fund"].nunique() == 4
    t = funding.totals(df)
    grand = t[t["fund"] == funding.TOTAL_LABEL].set_index("year")["amount_pence"]
    assert grand["2022/23"] == 64418858 and grand["2023/24"] == 70054086
    per = t.set_index(["fund", "year"])["amount_pence"]
    assert per[("MOPAC London Crime Prevention Fund 2022-25", "2022/23")] == 37907500
    assert per[("MOPAC Violence Reduction Unit Funding", "2023/24")] == 23110500
    assert (
        per[("Safer Neighbourhood Board", "2022/23")]
        == per[("Safer Neighbourhood Board", "2023/24")]
        == 1715300
    )
    assert t["fund"].iloc[-1] == funding.TOTAL_LABEL and t["fund"].iloc[0].startswith("MOPAC London")


def test_file_has_the_exact_columns_and_valid_years():
    raw = pd.read_csv(funding.funding_path(), dtype=str)
    assert list(raw.columns) == funding.COLUMNS
    assert set(raw["year"]) == set(funding.YEARS)
    assert not raw.duplicated(["fund", "year", "item"]).any()
    assert set(raw["fund_source"]) == {"MOPAC", "Safer Neighbourhood Board"}


def test_change_between_years():
    """LCPF: 412,554 - 379,075 = +33,479 = +8.83%; SVD: 39,728.86 - 10,767.58 = +28,961.28 (+268.97%);
    total: 700,540.86 - 644,188.58 = +56,352.28 = +8.748%."""
    ch = funding.change_between_years(funding.load_funding()).set_index("fund")
    assert ch.loc["MOPAC London Crime Prevention Fund 2022-25", "change"] == pytest.approx(33479)
    assert ch.loc["MOPAC London Crime Prevention Fund 2022-25", "pct_change"] == pytest.approx(
        8.832, abs=1e-3
    )
    assert ch.loc["MOPAC Serious Violence Duty Funding", "change"] == pytest.approx(28961.28)
    assert ch.loc["Safer Neighbourhood Board", "change"] == 0
    assert ch.loc["Total", "2022/23"] == pytest.approx(644188.58)
    assert ch.loc["Total", "pct_change"] == pytest.approx(100 * 56352.28 / 644188.58)


def test_format_gbp():
    assert funding.format_gbp(644188.58) == "£644,188.58"
    assert funding.format_gbp(Decimal("700540.86")) == "£700,540.86"
    assert funding.format_gbp(4000) == "£4,000.00"
    assert funding.format_gbp(-6088) == "-£6,088.00"
    assert funding.format_gbp(None) == "" and funding.format_gbp(float("nan")) == ""


def test_excel_bytes_open_and_hold_the_figures():
    df = funding.load_funding()
    data = funding.to_excel_bytes(
        {"Totals": funding.totals(df), "Change 2022/23 to 2023/24": funding.change_between_years(df)}
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Totals", "Change 2022-23 to 2023-24"]
    ws = wb["Totals"]
    header = [c.value for c in ws[1]]
    col = header.index("amount_gbp") + 1
    values = [ws.cell(row=r, column=col).value for r in range(2, ws.max_row + 1)]
    assert pytest.approx(644188.58) in values and pytest.approx(700540.86) in values
    assert ws.cell(row=2, column=col).number_format == "£#,##0.00"
    ch = wb["Change 2022-23 to 2023-24"]
    assert [c.value for c in ch[1]] == ["fund", "2022/23", "2023/24", "change", "pct_change"]
    assert ch.cell(row=2, column=5).number_format == '0.0"%"'


def test_bad_definition_file_is_refused_with_line_numbers(tmp_path):
    p = tmp_path / "funding.csv"
    p.write_text(
        "fund,fund_source,description,year,item,amount_gbp\n"
        "F,MOPAC,d,2022/23,CVS,100.00\n"
        "F,MOPAC,d,2021/22,CVS,1.234\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"line 3: year .*line 3: not a positive amount"):
        funding.load_funding(p)
    ok = tmp_path / "ok.csv"
    ok.write_text(
        "fund,fund_source,description,year,item,amount_gbp\nF,MOPAC,d,2022/23,CVS,100.50\n", encoding="utf-8"
    )
    assert funding.load_funding(ok)["amount_pence"].tolist() == [10050]


@pytest.mark.realdata
@pytest.mark.skipif(not STRATEGY_TXT.is_file(), reason="strategy text not present")
def test_every_fund_and_amount_appears_in_the_strategy_text():
    """Each amount, written as the PDF writes it (£125,305 or £10,767.58), is in the funding-table lines."""
    text = STRATEGY_TXT.read_text(encoding="utf-8")
    start = text.index("Name and source of fund")
    table = text[start : text.index("SVNA 2023 Executive summary", start)]
    df = funding.load_funding()
    for fund in df["fund"].unique():
        assert fund in table
    for amount in df["amount_pence"].unique():
        pounds, pence = divmod(int(amount), 100)
        shown = f"£{pounds:,}" + (f".{pence:02d}" if pence else "")
        assert re.search(re.escape(shown) + r"(?![\d,])", table), shown
    for item in ("CVS", "IOM & ECINS", "ReMove Abuse", "Perpetrator Programme", "LifeLine", "S3A", "EWC"):
        assert item in table
