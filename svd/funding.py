"""The strategy's funding table (``data/funding.csv``): line items, totals, year-on-year change, Excel export.

Amounts are held as whole pence (``amount_pence``) so totals are exact; ``amount_gbp`` is the same figure in
pounds for display and charts.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from svd.config import borough_definitions_dir
from svd.reference import Reference, current, kept

COLUMNS = ["fund", "fund_source", "description", "year", "item", "amount_gbp"]
YEARS = ("2022/23", "2023/24")
TOTAL_LABEL = "Total"


def _pence(text: str) -> int:
    """'10767.58' → 1076758; anything that is not a positive amount in pounds and pence raises ValueError."""
    try:
        d = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if not d.is_finite() or d <= 0 or d != d.quantize(Decimal("0.01")):
        raise ValueError(f"not a positive amount in pounds and pence: {text!r}")
    return int(d * 100)


@kept
def _read(ref: Reference, path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if list(raw.columns) != COLUMNS:
        raise ValueError(f"{path}: columns must be exactly {COLUMNS}, found {list(raw.columns)}")
    problems = []
    for i, row in raw.iterrows():
        line = int(i) + 2  # header is line 1
        if row["year"] not in YEARS:
            problems.append(f"line {line}: year {row['year']!r} is not one of {YEARS}")
        if not all(row[c].strip() for c in ("fund", "fund_source", "item")):
            problems.append(f"line {line}: fund, fund_source and item are required")
        try:
            _pence(row["amount_gbp"])
        except ValueError as e:
            problems.append(f"line {line}: {e}")
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    pence = raw["amount_gbp"].map(_pence).astype("int64")
    return raw.assign(amount_gbp=pence / 100, amount_pence=pence)


def funding_path() -> Path:
    """The partnership's funding table: ``funding.csv`` in its borough's definitions folder."""
    return borough_definitions_dir() / "funding.csv"


def available() -> bool:
    """Whether the partnership's borough has its strategy's funding table as data."""
    return funding_path().is_file()


def load_funding(path: Path | str | None = None) -> pd.DataFrame:
    """The funding line items: fund, fund_source, description, year, item, amount_gbp, amount_pence."""
    p = Path(path) if path else funding_path()
    return _read(current(), p.resolve()).copy()


def totals(df: pd.DataFrame) -> pd.DataFrame:
    """Total per fund and year (fund order as in the table), then a grand-total row per year (fund 'Total')."""
    funds = list(dict.fromkeys(df["fund"]))
    per = df.groupby(["fund", "year"], as_index=False, sort=False).agg(
        fund_source=("fund_source", "first"), items=("item", "size"), amount_pence=("amount_pence", "sum")
    )
    per = per.assign(order=per["fund"].map(funds.index)).sort_values(["order", "year"], kind="stable")
    grand = df.groupby("year", as_index=False).agg(
        items=("item", "size"), amount_pence=("amount_pence", "sum")
    )
    grand = grand.assign(fund=TOTAL_LABEL, fund_source="", order=len(funds))
    out = pd.concat([per, grand], ignore_index=True)
    out = out.assign(amount_gbp=out["amount_pence"] / 100)
    return out[["fund", "fund_source", "year", "items", "amount_gbp", "amount_pence"]].reset_index(drop=True)


def change_between_years(df: pd.DataFrame, first: str = YEARS[0], second: str = YEARS[1]) -> pd.DataFrame:
    """Per fund (and in total): the two years side by side, the change in pounds and in percent."""
    t = totals(df)
    wide = t.pivot_table(index="fund", columns="year", values="amount_pence", aggfunc="sum", sort=False)
    wide = wide.reindex(columns=[first, second]).fillna(0).astype("int64")
    change = wide[second] - wide[first]
    pct = (100 * change / wide[first]).where(wide[first] > 0)
    return pd.DataFrame(
        {
            "fund": wide.index,
            first: (wide[first] / 100).to_numpy(),
            second: (wide[second] / 100).to_numpy(),
            "change": (change / 100).to_numpy(),
            "pct_change": pct.to_numpy(dtype=float),
        }
    ).reset_index(drop=True)


def format_gbp(x: float | Decimal | None) -> str:
    """£ with thousands separators and pence: 644188.58 → '£644,188.58'; negatives '-£…'; missing → ''."""
    if x is None or (isinstance(x, float) and x != x):
        return ""
    d = Decimal(str(x)).quantize(Decimal("0.01"))
    return f"{'-' if d < 0 else ''}£{abs(d):,.2f}"


_PCT = re.compile(r"(^|_)(pct|percent)(_|$)")


def to_excel_bytes(frames: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook, one sheet per frame; money columns formatted £#,##0.00, percent columns 0.0%.

    Numeric columns are money unless named like ``pct``/``percent`` (percent values, e.g. 8.8) or ``items``/
    ``amount_pence`` (counts). Sheet names are trimmed to Excel's 31 characters and its forbidden characters.
    """
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as writer:
        book = writer.book
        money = book.add_format({"num_format": "£#,##0.00"})
        pct = book.add_format({"num_format": '0.0"%"'})
        count = book.add_format({"num_format": "#,##0"})
        used: set[str] = set()
        for name, frame in frames.items():
            sheet = re.sub(r"[\[\]:*?/\\]", "-", str(name))[:31] or "Sheet"
            while sheet in used:
                sheet = sheet[:28] + f"~{len(used)}"
            used.add(sheet)
            frame.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            for j, col in enumerate(frame.columns):
                width = min(60, max(12, len(str(col)) + 2, *(len(str(v)) + 2 for v in frame[col].head(200))))
                fmt = None
                if pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
                    if _PCT.search(str(col)):
                        fmt = pct
                    elif str(col) in ("items", "amount_pence"):
                        fmt = count
                    else:
                        fmt = money
                ws.set_column(j, j, width, fmt)
            ws.freeze_panes(1, 0)
    return buf.getvalue()


def provenance():
    """Where the funding figures come from: the strategy's own table, as transcribed into ``data/funding.csv``."""
    from svd import strategy
    from svd.provenance import reference

    return reference(
        f"{strategy.citation()}, table of identified funding streams, transcribed in funding.csv",
        period=" and ".join(YEARS),
        method="amounts as published; change = later year minus earlier year",
    )
