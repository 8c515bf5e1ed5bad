"""The downloads' one formula guard (svd.export.neutralise_formulas): numbers stay numbers; text beginning with
= + - − (U+2212) @, a tab or a carriage return gets a leading quote, rises and falls alike."""

import io

import pandas as pd
from openpyxl import load_workbook

from svd import export
from svd.hotspots import change_text


def _csv_cells(df: pd.DataFrame) -> list[list[str]]:
    text = export.table_csv(df).decode("utf-8-sig")
    return [line.split(",") for line in text.splitlines()]


def test_a_rise_and_a_fall_written_as_text_are_guarded_alike():
    rise, fall = change_text(11, 0), change_text(76, 100)  # '+11 (none before)', '−24 (−24%)'
    assert rise.startswith("+") and fall.startswith("\u2212")
    df = pd.DataFrame({"change": [rise, fall, "+11", "\u221224", "-24"]})
    cells = [row[0] for row in _csv_cells(df)[1:]]
    assert cells == ["'" + rise, "'" + fall, "'+11", "'\u221224", "'-24"]


def test_numbers_stay_numbers_in_csv_and_excel():
    df = pd.DataFrame({"count": [11, -24], "pct": [5.5, -2.25], "mixed": pd.Series([-3, "x"], dtype=object)})
    rows = _csv_cells(df)[1:]
    assert rows == [["11", "5.5", "-3"], ["-24", "-2.25", "x"]]
    wb = load_workbook(io.BytesIO(export.table_xlsx({"t": df})))
    assert [c.value for c in wb["t"][2]] == [11, 5.5, -3]
    assert [c.value for c in wb["t"][3]] == [-24, -2.25, "x"]


def test_every_formula_start_is_guarded_and_nothing_else():
    starts = ["=1+1", "+1", "-1", "\u22121", "@SUM(A1)", "\tx", "\rx"]
    safe = ["Abbey", "a=b", "1-2", "", "Mayesbrook +5"]
    out = export.neutralise_formulas(pd.DataFrame({"t": pd.Series(starts + safe, dtype="str")}))
    assert list(out["t"]) == ["'" + s for s in starts] + safe
    # The same rule for object, categorical columns and the column names.
    obj = export.neutralise_formulas(pd.DataFrame({"\u2212x": pd.Series(starts, dtype=object)}))
    assert list(obj.columns) == ["'\u2212x"] and list(obj.iloc[:, 0]) == ["'" + s for s in starts]
    cat = export.neutralise_formulas(pd.DataFrame({"c": pd.Categorical(["\u22122", "ok"])}))
    assert list(cat["c"]) == ["'\u22122", "ok"]


def test_the_guard_characters_are_one_definition():
    assert set(export.FORMULA_STARTS) == {"=", "+", "-", "\u2212", "@", "\t", "\r"}
    for c in export.FORMULA_STARTS:
        assert export._FORMULA_START.match(c + "1"), repr(c)
