"""What every importer shares: the result type (accepted rows, quarantined rows and their reasons) and the CSV reader."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

QUARANTINE_COLUMNS = ["row", "column", "reason"]


def empty_quarantine() -> pd.DataFrame:
    """An empty quarantine frame with the standard columns."""
    return pd.DataFrame(
        {
            "row": pd.Series(dtype="int64"),
            "column": pd.Series(dtype="object"),
            "reason": pd.Series(dtype="object"),
        }
    )


@dataclass(frozen=True)
class ImportResult:
    """What an importer read from one file.

    ``data`` holds the accepted rows (tidy); ``quarantine`` one row per rejected input row with
    ``row`` (1-based line number in the file, the header being line 1), ``column`` and ``reason``.
    ``rows_in`` counts data rows read (header excluded); it always equals accepted + quarantined.
    """

    path: str
    format: str
    data: pd.DataFrame
    quarantine: pd.DataFrame = field(default_factory=empty_quarantine)
    rows_in: int = 0
    rows_accepted: int = 0
    months_ignored: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def rows_quarantined(self) -> int:
        """Number of distinct input rows quarantined."""
        if self.quarantine.empty:
            return 0
        return int(self.quarantine["row"].nunique())

    def __post_init__(self) -> None:
        if self.rows_in != self.rows_accepted + self.rows_quarantined:
            raise ValueError(
                f"{self.path}: rows_in {self.rows_in} != accepted {self.rows_accepted}"
                f" + quarantined {self.rows_quarantined}"
            )


def read_text(path: Path) -> str:
    """A published CSV's text: UTF-8 (with or without BOM), or cp1252 for a file re-saved by Excel on Windows."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def csv_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, fields) for every non-blank data row; line numbers count the header as 1.

    Blank lines (e.g. a trailing one) are not data rows. A quoted field spanning lines keeps the number of the
    line it starts on, so a quarantined row can be found in the file.
    """
    reader = csv.reader(io.StringIO(read_text(path), newline=""))
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    start = 1
    for fields in reader:
        line, start = start, reader.line_num + 1
        if not any(f.strip() for f in fields):
            continue
        if header is None:
            header = [f.strip() for f in fields]
        else:
            rows.append((line, fields))
    return header or [], rows


def current_month() -> pd.Timestamp:
    """The first of the current month (local clock): no published or recorded month can be later than this."""
    return pd.Timestamp.now().normalize().replace(day=1)


def future_month_reason(month: str) -> str:
    """Why a month (``YYYY-MM``) later than the current month is not believed, in words."""
    return f"month {month} is later than the current month ({current_month():%Y-%m}): it cannot have been recorded"
