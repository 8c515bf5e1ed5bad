"""Format detection and the analyst's pre-flight check behind ``python -m svd validate``."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from svd.schema import ImportResult, RefusedFile, check_xlsx

FORMATS = ("mps_ward", "mps_borough", "police_uk_street", "svd_incidents")

_MONTH_COL = re.compile(r"^\d{6}$")
POLICE_UK_COLUMNS = ("Crime ID", "Month", "Longitude", "Latitude", "LSOA code", "Crime type")


def _header(path: Path) -> list[str]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        check_xlsx(path)  # before openpyxl parses any part of it
        wb = load_workbook(path, read_only=True)
        try:
            row = next(wb.worksheets[0].iter_rows(max_row=1, values_only=True), ())
        finally:
            wb.close()
        return [str(c).strip() for c in row if c is not None]
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
        return [c.strip() for c in next(csv.reader(fh), [])]


def detect_format(path: Path) -> str:
    """One of ``FORMATS`` from the file's header, or ``unknown``."""
    try:
        header = _header(Path(path))
    except Exception:  # noqa: BLE001 — an unreadable file is simply of unknown format
        return "unknown"
    return format_of(header)


def format_of(header: list[str]) -> str:
    """One of ``FORMATS`` for a header row (column names), or ``unknown``."""
    cols = set(header)
    has_months = any(_MONTH_COL.match(c) for c in header)
    if {"MajorText", "MinorText"} <= cols and ("WardCode" in cols or "WardName" in cols):
        return "mps_ward"
    if {"MajorText", "MinorText", "BoroughName"} <= cols or (
        {"MajorText", "MinorText"} <= cols and has_months
    ):
        return "mps_borough"
    if set(POLICE_UK_COLUMNS) <= cols:
        return "police_uk_street"
    if "incident_id" in cols and "offence_datetime" in cols:
        return "svd_incidents"
    return "unknown"


# How far down a file the column names are looked for when they are not on the first line.
_BANNER_SEARCH_ROWS = 30


def _text_rows(text: str, delimiter: str = ",") -> list[list[str]]:
    rows = csv.reader(text.splitlines()[:_BANNER_SEARCH_ROWS], delimiter=delimiter)
    return [[c.strip().lstrip("\ufeff") for c in r] for r in rows]


def _decode(raw: bytes) -> tuple[str, str | None]:
    """The text and, when it is not UTF-8 (with or without BOM) or cp1252, the encoding found."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:200].count(b"\x00") > 20:
        for enc in ("utf-16", "utf-16-le", "utf-16-be"):
            try:
                return raw.decode(enc), "UTF-16"
            except UnicodeDecodeError:
                continue
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), None


def _count_csv_rows(text: str, delimiter: str, skip: int = 1) -> int:
    rows = csv.reader(text.splitlines(), delimiter=delimiter)
    return sum(1 for k, r in enumerate(rows) if k >= skip and any(c.strip() for c in r))


def diagnose_unknown(path: Path) -> tuple[str, int]:
    """Why a file's format was not recognised, as the likely cause and what to do, and the data rows read.

    Tries what goes wrong with exported files: a UTF-16 encoding ("Unicode text" in Excel), a semicolon or tab
    delimiter (Excel in many European locales), banner rows above the column names, and (Excel) the data on a
    sheet other than the first. Rows read are the lines (or sheet rows) after the header, blank ones aside.
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _diagnose_xlsx(path)
    raw = path.read_bytes()
    text, encoding = _decode(raw)
    for delimiter, name in ((",", None), (";", "semicolons"), ("\t", "tabs")):
        rows = _text_rows(text, delimiter)
        for k, header in enumerate(rows):
            fmt = format_of(header)
            if fmt == "unknown":
                continue
            n = _count_csv_rows(text, delimiter, skip=k + 1)
            causes = []
            if encoding:
                causes.append(f"it is encoded as {encoding}, not UTF-8")
            if name:
                causes.append(f"its columns are separated by {name}, not commas")
            if k:
                causes.append(
                    f"the column names are on line {k + 1}, below {k} banner line{'s' if k > 1 else ''}"
                )
            fix = (
                "Save it again as “CSV UTF-8 (comma delimited)”"
                + (f" after deleting the line{'s' if k > 1 else ''} above the column names" if k else "")
                + "."
            )
            return f"it looks like a {fmt} file, but {' and '.join(causes)}. {fix}", n
    n = _count_csv_rows(text, ",")
    hint = f" It is encoded as {encoding}; save it as CSV UTF-8." if encoding else ""
    return "none of the known column layouts was found in its first lines." + hint, n


def _diagnose_xlsx(path: Path) -> tuple[str, int]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        first_rows = 0
        for number, ws in enumerate(wb.worksheets, start=1):
            rows = [
                [("" if c is None else str(c).strip()) for c in r]
                for r in ws.iter_rows(max_row=_BANNER_SEARCH_ROWS, values_only=True)
            ]
            count = sum(1 for r in ws.iter_rows(values_only=True) if any(c is not None for c in r))
            if number == 1:
                first_rows = max(count - 1, 0)
            for k, header in enumerate(rows):
                fmt = format_of([c for c in header if c])
                if fmt == "unknown":
                    continue
                causes = []
                if number > 1:
                    causes.append(
                        f"its data are on sheet {number} (“{ws.title}”), and only the first sheet is read"
                    )
                if k:
                    causes.append(
                        f"the column names are on row {k + 1}, below {k} banner row{'s' if k > 1 else ''}"
                    )
                if not causes:
                    break
                fix = (
                    "Move that sheet first (or save it alone as CSV UTF-8)"
                    if number > 1
                    else "Delete the rows"
                )
                fix += " above the column names." if k else "."
                return f"it looks like a {fmt} file, but {' and '.join(causes)}. {fix}", first_rows
        return "none of the known column layouts was found on any sheet.", first_rows
    finally:
        wb.close()


def import_file(path: Path, fmt: str | None = None) -> ImportResult | None:
    """Run the importer for the file's format; None for an unknown format."""
    fmt = fmt or detect_format(path)
    if fmt in ("mps_ward", "mps_borough"):
        from svd.mps import read_mps_file

        return read_mps_file(path)
    if fmt == "police_uk_street":
        from svd.police_uk import read_street_file

        return read_street_file(path)
    if fmt == "svd_incidents":
        from svd.incidents import read_incidents

        return read_incidents(path)
    return None


def _months(result: ImportResult) -> list[str]:
    data = result.data
    if "month" not in data or data.empty:
        return []
    return sorted({f"{m:%Y-%m}" for m in data["month"].dropna().unique()})


def _offences(result: ImportResult) -> int:
    data = result.data
    if result.format in ("mps_ward", "mps_borough"):
        return int(data["count"].sum()) if not data.empty else 0
    if result.format == "police_uk_street":
        return int((~data["is_asb"]).sum()) if not data.empty else 0
    return len(data)


def release_set_aside(result: ImportResult, data_dir: Path | None = None) -> str | None:
    """Why an MPS release would be set aside beside the releases already in the data directory, or None.

    The file is judged as the merge judges it (``svd.mps.release_problems``) against the other releases of its
    level in ``data_dir()/crime/mps/`` (a copy of the file itself there is left out).
    """
    from svd.config import data_dir as default_data_dir
    from svd.mps import mps_files, read_mps_file, release_problems

    root = Path(data_dir or default_data_dir())
    level = result.extra.get("level")
    if level is None or "vintage" not in result.extra:
        return None
    me = Path(result.path).resolve()
    others = [read_mps_file(p, data_dir=root) for p in mps_files(level, root) if p.resolve() != me]
    return release_problems([result, *others], data_dir=root).get(0)


def validate_file(path: Path, check_release: bool = True) -> dict:
    """The validation report for one file, as ``python -m svd validate --json`` prints it.

    An MPS release is also judged against the releases in the data directory (``release_set_aside``) unless
    ``check_release`` is false.
    """
    return validate_with_result(path, check_release)[0]


def add_set_aside(report: dict, reason: str) -> dict:
    """The report of a release set aside as incomplete: the reason first among its problems; not usable."""
    problem = {"row": None, "column": None, "reason": reason}
    return report | {"set_aside": reason, "problems": [problem, *report["problems"]]}


def validate_with_result(path: Path, check_release: bool = True) -> tuple[dict, ImportResult | None]:
    """``validate_file``'s report and the ``ImportResult`` it came from (None when the file was not read)."""
    path = Path(path)
    base = {
        "path": str(path),
        "format": "unknown",
        "rows_in": 0,
        "rows_accepted": 0,
        "rows_quarantined": 0,
        "months": [],
        "months_ignored": [],
        "offences": 0,
        "problems": [],
    }
    if not path.is_file():
        return base | {"problems": [{"row": None, "column": None, "reason": "file not found"}]}, None
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            check_xlsx(path)
        except RefusedFile as exc:
            return base | {"problems": [{"row": None, "column": None, "reason": f"refused: {exc}"}]}, None
    fmt = detect_format(path)
    if fmt == "unknown":
        reason = (
            "unknown format: expected one of "
            + ", ".join(FORMATS)
            + " (MPS ward or borough CSV, police.uk street CSV, or the svd incident format v1)"
        )
        try:
            cause, n = diagnose_unknown(path)
            reason += f". Likely cause: {cause}"
        except Exception:  # noqa: BLE001 — the diagnosis is a courtesy; the report stands without it
            n = 0
        # Every row read is set aside, none accepted: rows read = accepted + set aside, as for any file.
        return base | {
            "rows_in": n,
            "rows_quarantined": n,
            "problems": [{"row": 1, "column": None, "reason": reason}],
        }, None
    try:
        result = import_file(path, fmt)
    except RefusedFile as exc:
        return base | {
            "format": fmt,
            "problems": [{"row": None, "column": None, "reason": f"refused: {exc}"}],
        }, None
    except Exception as exc:  # noqa: BLE001 — the command must never print a traceback
        # (nor the file's location: an upload's temporary folder is nobody's business)
        text = str(exc).replace(str(path), path.name).replace(str(path.parent), "…")
        return base | {
            "format": fmt,
            "problems": [{"row": None, "column": None, "reason": f"could not be read: {text}"}],
        }, None
    problems = [dict(p) for p in result.extra.get("file_problems", [])]
    problems += [
        {
            "row": None if r.row != r.row else int(r.row),
            "column": None if r.column != r.column else r.column,
            "reason": r.reason,
        }
        for r in result.quarantine.itertuples(index=False)
    ]
    report = base | {
        "format": result.format,
        "rows_in": result.rows_in,
        "rows_accepted": result.rows_accepted,
        "rows_quarantined": result.rows_quarantined,
        "months": _months(result),
        "months_ignored": list(result.months_ignored),
        "offences": _offences(result),
        "problems": problems,
    }
    if result.format == "police_uk_street":
        report["asb"] = int(result.extra.get("asb", 0))
    for key in ("duplicates", "missing_optional_columns"):
        if key in result.extra:
            report[key] = result.extra[key]
    if check_release and result.format in ("mps_ward", "mps_borough"):
        set_aside = release_set_aside(result)
        if set_aside:
            report = add_set_aside(report, set_aside)
    return report, result


def usable(report: dict) -> bool:
    """A file is usable when its format is known, at least one row was accepted and it was not set aside."""
    return report["format"] != "unknown" and report["rows_accepted"] > 0 and not report.get("set_aside")
