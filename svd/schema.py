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


class NothingToShow(ValueError):
    """A figure or chart with no data behind it for the choices made (e.g. no victim with a known age in the
    chosen months): its message is a plain sentence for the page to show as information, not as an error."""


class RefusedFile(ValueError):
    """A file refused before or while reading it (too big once expanded, too many rows or cells, too slow).

    The message is for the user: what was found, the limit, and what to do; never a path.
    """


# Bounds on an Excel (.xlsx) file, checked before and while it is read. An .xlsx is a zip: a few hundred KB can
# expand to gigabytes of XML ("zip bomb"), and openpyxl would hold it all. Excel itself stops at 1,048,576 rows.
XLSX_MAX_UNCOMPRESSED = 1_000_000_000  # bytes of all members, expanded
XLSX_MAX_RATIO = (
    100  # expanded / compressed size of a member bigger than XLSX_RATIO_FLOOR (real sheets: 5-20)
)
XLSX_RATIO_FLOOR = 20_000_000
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELLS = 25_000_000
XLSX_MAX_SECONDS = 120.0

_XLSX_ADVICE = (
    "Save the sheet as CSV (UTF-8), or delete the empty rows and columns below and beside the data."
)


def check_xlsx(path: Path) -> None:
    """Refuse an .xlsx whose zip members expand too far, before any XML is parsed (``RefusedFile``)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise RefusedFile(
            f"the file is not a readable Excel workbook (.xlsx is a zip archive): {exc}"
        ) from None
    total = sum(m.file_size for m in members)
    if total > XLSX_MAX_UNCOMPRESSED:
        raise RefusedFile(
            f"the Excel file expands to {total / 1e6:,.0f} MB, above the limit of "
            f"{XLSX_MAX_UNCOMPRESSED / 1e6:,.0f} MB; it was not read. {_XLSX_ADVICE}"
        )
    for m in members:
        if m.file_size > XLSX_RATIO_FLOOR and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1):
            raise RefusedFile(
                f"the Excel file's part {Path(m.filename).name} expands {m.file_size / max(m.compress_size, 1):,.0f} "
                f"times ({m.compress_size / 1e3:,.0f} KB to {m.file_size / 1e6:,.0f} MB), as only a sheet of "
                f"empty rows or a deliberately crafted file does; it was not read. {_XLSX_ADVICE}"
            )
    sheets = [m for m in members if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")]
    for m in sheets:
        rows, cells = _count_rows_and_cells(path, m.filename)
        if rows > XLSX_MAX_ROWS or cells > XLSX_MAX_CELLS:
            raise RefusedFile(
                f"the Excel sheet {Path(m.filename).stem} has {rows:,} rows and {cells:,} cells (the limits are "
                f"{XLSX_MAX_ROWS:,} rows and {XLSX_MAX_CELLS:,} cells); it was not read. {_XLSX_ADVICE}"
            )


def _count_rows_and_cells(path: Path, member: str) -> tuple[int, int]:
    """Row and cell elements of a sheet's XML, counted on the decompressed stream (no XML parsing)."""
    import zipfile

    def counts(b: bytes) -> tuple[int, int]:
        return b.count(b"<row"), b.count(b"<c") - b.count(b"<col")

    rows = cells = 0
    tail = b""
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        while chunk := fh.read(1 << 22):
            buf = tail + chunk
            # A tag split between chunks is found in tail + chunk; what lies wholly in the tail was counted.
            (r1, c1), (r0, c0) = counts(buf), counts(tail)
            rows, cells = rows + r1 - r0, cells + c1 - c0
            tail = buf[-3:]
    return rows, cells


class XlsxBudget:
    """Rows, cells and seconds spent reading an .xlsx sheet; ``take(cells)`` per row raises ``RefusedFile``."""

    def __init__(self) -> None:
        import time

        self._clock = time.monotonic
        self._start = self._clock()
        self.rows = 0
        self.cells = 0

    def take(self, cells: int) -> None:
        """Count one row of ``cells`` cells; refuse once a bound is passed."""
        self.rows += 1
        self.cells += cells
        if self.rows > XLSX_MAX_ROWS:
            raise RefusedFile(
                f"the Excel sheet has more than {XLSX_MAX_ROWS:,} rows; it was not read. {_XLSX_ADVICE}"
            )
        if self.cells > XLSX_MAX_CELLS:
            raise RefusedFile(
                f"the Excel sheet has more than {XLSX_MAX_CELLS:,} cells; it was not read. {_XLSX_ADVICE}"
            )
        if self.rows % 1000 == 0 and self._clock() - self._start > XLSX_MAX_SECONDS:
            raise RefusedFile(
                f"reading the Excel sheet took more than {XLSX_MAX_SECONDS:.0f} seconds (after {self.rows:,} "
                f"rows); it was stopped. {_XLSX_ADVICE}"
            )
