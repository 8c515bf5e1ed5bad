"""Record-level incident format v1 (partnership extracts): the column description, import and validation.

The format is described once, as data (``INCIDENT_COLUMNS``); the documentation table, the CSV template
header and the pandera schema are all generated from it. ``read_incidents`` reads a CSV or Excel extract and
returns an ``ImportResult`` whose ``data`` is the canonical record frame the whole app uses; every row is
either accepted or quarantined with a reason. ``from_frame`` is the same conversion for a frame of strings
(the simulation goes through it, so simulated and real records have identical columns and dtypes).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from svd import geo
from svd.schema import (
    QUARANTINE_COLUMNS,
    ImportResult,
    XlsxBudget,
    check_xlsx,
    current_month,
    empty_quarantine,
    future_month_reason,
)
from svd.taxonomy import classify_mps, load_taxonomy

if TYPE_CHECKING:
    import pandera.pandas

FORMAT = "svd_incidents"
FORMAT_VERSION = 1

OFFENCES = (
    "homicide",
    "gbh",
    "abh",
    "rape",
    "assault_by_penetration",
    "sexual_assault",
    "personal_robbery",
    "threats_to_kill",
    "other",
)
# The eight offence types of the London serious-violence definition (everything but "other").
SERIOUS_VIOLENCE_OFFENCES = OFFENCES[:-1]
LOCATION_TYPES = ("victim_home", "street", "transport_hub", "school", "park", "commercial", "other")
SEXES = ("female", "male", "other", "unknown")
RELATIONSHIPS = ("partner_ex", "family", "friend_acquaintance", "stranger", "unknown")
FLAG_COLUMNS = ("domestic_abuse", "knife", "firearm", "corrosive", "historical")
TRUE_WORDS = ("true", "yes", "y", "1", "t")
FALSE_WORDS = ("false", "no", "n", "0", "f")

PLACE_REASON = "cannot be placed in an LSOA of the partnership's borough"


@dataclass(frozen=True)
class ColumnSpec:
    """One column of format v1: name, whether it is required, its type, allowed values and meaning."""

    name: str
    required: bool
    kind: str  # text | datetime | date | category | bool | int | float | lsoa
    description: str
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    rule_text: str = ""

    def rule(self) -> str:
        """The accepted values, in words (for the docs table and for quarantine reasons)."""
        if self.rule_text:
            return self.rule_text
        if self.kind == "datetime":
            return "ISO 8601 local date-time `2024-05-17T15:40` or a date alone `2024-05-17` (time unknown)"
        if self.kind == "date":
            return "ISO 8601 date `2024-05-17`"
        if self.kind == "bool":
            return "true/false (also yes/no, y/n, 1/0)"
        if self.kind == "category":
            return "one of " + ", ".join(f"`{a}`" for a in self.allowed)
        if self.kind == "int":
            return f"whole number {self.minimum:g} to {self.maximum:g}"
        if self.kind == "float":
            return f"decimal number {self.minimum:g} to {self.maximum:g}"
        if self.kind == "lsoa":
            return "2021 LSOA code `E01…` of the partnership's borough"
        return "text"


def _mps_values(col: str) -> tuple[str, ...]:
    tax = load_taxonomy()
    return tuple(dict.fromkeys(tax.loc[tax["source"] == "mps", col]))


INCIDENT_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("incident_id", True, "text", "Unique identifier of the record in the extract."),
    ColumnSpec(
        "offence_datetime",
        True,
        "datetime",
        "When the offence happened, local (London) time. A date alone means the time is unknown; "
        "it is kept as unknown, never read as midnight. A UTC offset, if given, is converted to London time.",
    ),
    ColumnSpec(
        "reported_date",
        False,
        "date",
        "When the offence was reported / recorded. Sets the record's month, as MPS published counts do; "
        "must not be before the offence date.",
    ),
    ColumnSpec(
        "mps_major",
        True,
        "category",
        "MPS major category (MajorText), as in data/taxonomy.csv.",
        allowed=_mps_values("major"),
        rule_text="an MPS major category listed in data/taxonomy.csv (case-insensitive)",
    ),
    ColumnSpec(
        "mps_minor",
        True,
        "category",
        "MPS minor category (MinorText), as in data/taxonomy.csv; "
        "the (major, minor) pair must be one the taxonomy lists.",
        allowed=_mps_values("minor"),
        rule_text="an MPS minor category listed in data/taxonomy.csv (case-insensitive)",
    ),
    ColumnSpec(
        "offence",
        False,
        "category",
        "London serious-violence offence type; `other` for the rest.",
        allowed=OFFENCES,
    ),
    ColumnSpec("domestic_abuse", False, "bool", "Flagged as domestic abuse."),
    ColumnSpec("knife", False, "bool", "A knife or sharp instrument was used, threatened or intimated."),
    ColumnSpec("firearm", False, "bool", "A firearm was used, threatened or intimated."),
    ColumnSpec("corrosive", False, "bool", "A corrosive substance was used or threatened."),
    ColumnSpec("historical", False, "bool", "Reported long after it happened (months, years or decades)."),
    ColumnSpec(
        "lsoa21_code",
        False,
        "lsoa",
        "2021 LSOA of the offence location. Either this or "
        "latitude + longitude is required; the LSOA code wins when both are given.",
    ),
    ColumnSpec(
        "latitude",
        False,
        "float",
        "WGS84 latitude of the offence location (may be snapped).",
        minimum=-90,
        maximum=90,
    ),
    ColumnSpec(
        "longitude", False, "float", "WGS84 longitude of the offence location.", minimum=-180, maximum=180
    ),
    ColumnSpec("location_type", False, "category", "Kind of place.", allowed=LOCATION_TYPES),
    ColumnSpec("victim_age", False, "int", "Victim's age in years at the offence.", minimum=0, maximum=120),
    ColumnSpec("victim_sex", False, "category", "Victim's sex.", allowed=SEXES),
    ColumnSpec("suspect_age", False, "int", "Age of the (first) suspect in years.", minimum=0, maximum=120),
    ColumnSpec("suspect_sex", False, "category", "Sex of the (first) suspect.", allowed=SEXES),
    ColumnSpec(
        "relationship", False, "category", "Suspect's relationship to the victim.", allowed=RELATIONSHIPS
    ),
    ColumnSpec(
        "suspects_count", False, "int", "Number of suspects (empty when not recorded).", minimum=0, maximum=50
    ),
    ColumnSpec(
        "source",
        False,
        "text",
        "Where the record comes from; `extract` when absent. The simulation writes `simulated`.",
    ),
)
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in INCIDENT_COLUMNS)
REQUIRED: tuple[str, ...] = tuple(c.name for c in INCIDENT_COLUMNS if c.required)
_SPEC = {c.name: c for c in INCIDENT_COLUMNS}

# The canonical record frame (what ``ImportResult.data`` holds), in this column order.
CANONICAL_COLUMNS = [
    "incident_id", "offence_datetime", "offence_date", "time_known", "hour", "weekday", "month",
    "reported_date", "mps_major", "mps_minor", "offence_group", "major_group", "serious_violence_proxy",
    "offence", "domestic_abuse", "knife", "firearm", "corrosive", "historical", "lsoa_code", "lsoa_name",
    "ward_code", "ward_name", "latitude", "longitude", "location_type", "victim_age", "victim_sex",
    "suspect_age", "suspect_sex", "relationship", "suspects_count", "source",
]  # fmt: skip

_DATE_RE = r"\d{4}-\d{2}-\d{2}"
_TIME_RE = r"[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
_TZ_RE = r"(?:Z|[+-]\d{2}:?\d{2})"


# --------------------------------------------------------------------------------------------- documents


def columns_markdown() -> str:
    """The format's column table in Markdown (docs/incident-format.md embeds exactly this)."""
    lines = ["| column | required | accepted values | meaning |", "|---|---|---|---|"]
    for c in INCIDENT_COLUMNS:
        req = "yes" if c.required else ("one of the place columns" if c.name in _PLACE_COLUMNS else "no")
        lines.append(f"| `{c.name}` | {req} | {c.rule()} | {c.description} |")
    return "\n".join(lines) + "\n"


_PLACE_COLUMNS = ("lsoa21_code", "latitude", "longitude")


def template_header() -> str:
    """The header line of data/templates/incidents_template.csv."""
    return ",".join(COLUMN_NAMES)


# ------------------------------------------------------------------------------------------------ schema


def incident_schema() -> pandera.pandas.DataFrameSchema:
    """The pandera schema for the parsed (typed, normalised) columns of an extract.

    Required columns may not be empty; enumerations must be one of the allowed values; numbers within range.
    Columns are optional so an extract may leave out any optional column.
    """
    # Imported here, not at module level: pandera adds ~17 MB to every process that imports this module,
    # and the dashboard needs it only when it checks a file.
    import pandera.pandas as pa

    cols = {}
    for c in INCIDENT_COLUMNS:
        checks = []
        if c.kind == "category":
            checks.append(pa.Check.isin(list(c.allowed)))
        elif c.kind in ("int", "float"):
            checks.append(pa.Check.in_range(c.minimum, c.maximum))
        elif c.kind == "lsoa":
            checks.append(pa.Check.str_matches(r"^E01\d{6}$"))
        cols[c.name] = pa.Column(checks=checks, nullable=not c.required, required=False)
    return pa.DataFrameSchema(cols)


# ------------------------------------------------------------------------------------------------ reading


def _cell_text(value: object, number_format: str) -> str:
    """An Excel cell as the text a CSV export would hold; a date-formatted cell without time stays a date."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        # Excel stores a typed date as midnight; only a number format showing hours means a time was entered.
        if "h" not in number_format.lower():
            return value.date().isoformat()
        return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_excel(path: Path) -> pd.DataFrame:
    """The first sheet as strings; refused (``RefusedFile``) when it would expand or take beyond the bounds."""
    from openpyxl import load_workbook

    check_xlsx(path)
    budget = XlsxBudget()
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = wb.worksheets[0].iter_rows()
        header_cells = next(rows, ())
        header = [_cell_text(c.value, "") for c in header_cells]
        body = []
        for r in rows:
            budget.take(len(r))
            body.append([_cell_text(c.value, getattr(c, "number_format", "") or "") for c in r])
    finally:
        wb.close()
    width = len(header)
    body = [(r + [""] * width)[:width] for r in body]
    return pd.DataFrame(body, columns=header, dtype="str")


def _count_lines(path: Path) -> int:
    n, last = 0, b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")


def _read_csv_fast(path: Path) -> pd.DataFrame | None:
    """Read with pyarrow (many times faster on big extracts); None when line numbers would not be exact."""
    import pyarrow
    import pyarrow.csv as pcsv

    with path.open(newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh), [])
    if not header or len(set(header)) != len(header):
        return None
    table = pcsv.read_csv(
        path,
        read_options=pcsv.ReadOptions(encoding="utf8"),
        convert_options=pcsv.ConvertOptions(
            column_types={h: pyarrow.string() for h in header},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    # Blank lines are skipped and quoted fields may span lines: then only the slow reader keeps line numbers.
    if table.num_rows != _count_lines(path) - 1:
        return None
    out = table.to_pandas()
    out.columns = [str(c).lstrip("\ufeff") for c in out.columns]
    return out


PROBLEM_COLUMN = "_svd_problem"  # a reader's note on a row (ragged line), turned into a quarantine reason


def _read_csv_slow(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The tolerant reader: exact line numbers (blank lines, quoted line breaks) and ragged lines kept, noted."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV" export on Windows is cp1252.
        text = path.read_text(encoding="cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None) or []
    width = len(header)
    rows, lines, problems = [], [], []
    start = reader.line_num + 1
    for rec in reader:
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in rec):
            continue
        problems.append(
            "" if len(rec) == width else f"the line has {len(rec)} fields but the header has {width}"
        )
        rows.append((rec + [""] * width)[:width])
        lines.append(line)
    raw = pd.DataFrame(rows, columns=header, dtype="str") if header else pd.DataFrame()
    if header and any(problems):
        raw[PROBLEM_COLUMN] = pd.Series(problems, dtype="str")
    return raw, np.asarray(lines, dtype=np.int64)


def _drop_blank(raw: pd.DataFrame, lines: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop rows whose every cell is empty (not records). Only rows with an empty first cell can be blank."""
    if not len(raw.columns):
        return raw, lines
    first = raw.iloc[:, 0].fillna("").astype("str").str.strip().eq("").to_numpy()
    blank = first.copy()
    if first.any():
        cand = raw.loc[first].fillna("").astype("str")
        blank[first] = cand.apply(lambda s: s.str.strip().eq("")).all(axis=1).to_numpy()
    if blank.any():
        return raw.loc[~blank].reset_index(drop=True), lines[~blank]
    return raw, lines


def read_raw(path: Path | str) -> tuple[pd.DataFrame, np.ndarray]:
    """The extract as strings (blank lines dropped) and each row's 1-based line number in the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raw = _read_excel(path)
    else:
        try:
            raw = _read_csv_fast(path)
        except Exception:  # noqa: BLE001 — any trouble (encoding, ragged rows): the tolerant reader decides
            raw = None
        if raw is None:
            raw, lines = _read_csv_slow(path)
            raw.columns = [str(c).strip().lower().replace(" ", "_") for c in raw.columns]
            return raw.loc[:, ~pd.Index(raw.columns).duplicated()], lines
    raw.columns = [str(c).strip().lower().replace(" ", "_") for c in raw.columns]
    raw = raw.loc[:, ~pd.Index(raw.columns).duplicated()]
    return _drop_blank(raw, np.arange(2, len(raw) + 2, dtype=np.int64))


CHUNK_ROWS = 100_000  # rows checked at a time in a big CSV extract


def read_incidents(
    path: Path | str, data_dir: Path | None = None, chunk_rows: int = CHUNK_ROWS
) -> ImportResult:
    """Read a format-v1 extract (.csv or .xlsx): accepted canonical records plus quarantined rows with reasons.

    A CSV of more than ``chunk_rows`` rows is read and checked that many rows at a time, with the same result.
    """
    path = Path(path)
    if path.is_file() and path.suffix.lower() not in (".xlsx", ".xlsm"):
        try:
            chunked = _read_csv_in_chunks(path, data_dir, chunk_rows)
        except Exception:  # noqa: BLE001 — anything the fast reader cannot take: the whole-file readers decide
            chunked = None
        if chunked is not None:
            return chunked
    raw, lines = read_raw(path)
    return from_frame(raw, lines=lines, path=str(path), data_dir=data_dir)


def _concat_records(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Canonical frames stacked, keeping categorical columns categorical (categories that depend on the data,
    such as ``source``, are unioned and sorted, as a whole-file read sorts them)."""
    from pandas.api.types import union_categoricals

    out = pd.concat(frames, ignore_index=True)
    for col in frames[0].columns:
        dtypes = [f[col].dtype for f in frames]
        if all(isinstance(d, pd.CategoricalDtype) for d in dtypes) and any(d != dtypes[0] for d in dtypes):
            merged = union_categoricals([f[col] for f in frames], sort_categories=True)
            out[col] = pd.Series(merged, index=out.index).astype(
                pd.CategoricalDtype(merged.categories.astype(dtypes[0].categories.dtype))
            )
    return out


def _read_csv_in_chunks(path: Path, data_dir: Path | None, chunk_rows: int) -> ImportResult | None:
    """A big CSV read and checked ``chunk_rows`` rows at a time, so the file is never all held as text at once
    (a 2M-row extract read whole peaks near 2 GB). Incident ids are read first, over the whole file, so a
    repeat in a later chunk is caught as in a whole-file read. None when the file is small, or when exact
    line numbers need the tolerant reader (blank lines, line breaks inside quotes): then it is read whole.
    """
    import pyarrow
    import pyarrow.csv as pcsv

    n_rows = _count_lines(path) - 1
    if n_rows <= chunk_rows:
        return None
    with path.open(newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh), [])
    names = [str(c).strip().lower().replace(" ", "_") for c in header]
    if not header or len(set(names)) != len(names) or "incident_id" not in names:
        return None

    def convert(columns: list[str] | None = None) -> pcsv.ConvertOptions:
        return pcsv.ConvertOptions(
            column_types={h: pyarrow.string() for h in (columns or header)},
            include_columns=columns or [],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )

    read = pcsv.ReadOptions(encoding="utf8")
    id_col = header[names.index("incident_id")]
    id_table = pcsv.read_csv(path, read_options=read, convert_options=convert([id_col]))
    if id_table.num_rows != n_rows:
        return None
    all_lines = np.arange(2, n_rows + 2, dtype=np.int64)
    first_line, report = find_duplicates(incident_ids(id_table.column(0).to_pandas()), all_lines)
    del id_table

    parts: list[ImportResult] = []
    start = 0

    def check(table) -> None:
        nonlocal start
        raw = table.to_pandas()
        raw.columns = names
        lines = all_lines[start : start + len(raw)]
        start += len(raw)
        raw, lines = _drop_blank(raw, lines)
        dups = (first_line[lines - 2], report)
        parts.append(from_frame(raw, lines=lines, path=str(path), data_dir=data_dir, duplicates=dups))

    with pcsv.open_csv(path, read_options=read, convert_options=convert()) as reader:
        pending = None  # rows read but not yet checked (slices and concatenation do not copy)
        for batch in reader:
            table = pyarrow.Table.from_batches([batch])
            pending = table if pending is None else pyarrow.concat_tables([pending, table])
            while pending.num_rows >= chunk_rows:
                check(pending.slice(0, chunk_rows))
                pending = pending.slice(chunk_rows)
    if pending is not None and pending.num_rows:
        check(pending)
    if start != n_rows:
        return None
    data = _concat_records([p.data for p in parts])
    found = [p.quarantine for p in parts if len(p.quarantine)]
    quarantine = pd.concat(found, ignore_index=True) if found else empty_quarantine()
    return ImportResult(
        path=str(path),
        format=FORMAT,
        data=data,
        quarantine=quarantine[QUARANTINE_COLUMNS] if len(quarantine) else empty_quarantine(),
        rows_in=sum(p.rows_in for p in parts),
        rows_accepted=len(data),
        extra={**parts[0].extra, "duplicates": report},
    )


# ------------------------------------------------------------------------------------------------ parsing


def _text(raw: pd.DataFrame, col: str) -> pd.Series:
    s = raw[col].astype("str").str.strip()
    return s.where(s != "", None)


# Years a record can carry: pandas timestamps end in 1677 and 2262, and no record of this duty is older than
# 1900. Outside them (0000, 9999, 2262) the value is quarantined as invalid, never parsed (which would raise).
YEAR_RANGE = (1900, 2261)


def _year_ok(s: pd.Series) -> pd.Series:
    year = pd.to_numeric(s.str.slice(0, 4), errors="coerce")
    return year.between(*YEAR_RANGE).fillna(False).astype(bool)


def _parse_datetime(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(offence_date, offence_datetime or NaT when the time is unknown, bad) from ISO 8601 strings."""
    year_ok = _year_ok(s)
    is_date = s.str.fullmatch(_DATE_RE).fillna(False).astype(bool) & year_ok
    is_local = s.str.fullmatch(_DATE_RE + _TIME_RE).fillna(False).astype(bool) & year_ok
    is_tz = s.str.fullmatch(_DATE_RE + _TIME_RE + _TZ_RE).fillna(False).astype(bool) & year_ok
    date = pd.to_datetime(
        s.str.slice(0, 10).where(is_date | is_local | is_tz), format="%Y-%m-%d", errors="coerce"
    )
    stamp = pd.to_datetime(
        s.where(is_local).str.replace(" ", "T", regex=False), format="ISO8601", errors="coerce"
    )
    if is_tz.any():
        zoned = pd.to_datetime(s.where(is_tz), format="ISO8601", errors="coerce", utc=True)
        local = zoned.dt.tz_convert("Europe/London").dt.tz_localize(None).astype(stamp.dtype)
        stamp = stamp.where(~is_tz, local)
        date = date.where(~is_tz, local.dt.normalize())
    stamp = stamp.astype("datetime64[ns]")
    date = date.astype("datetime64[ns]").where(~(is_local & stamp.isna()))
    bad = s.notna() & (date.isna() | ((is_local | is_tz) & stamp.isna()))
    return date, stamp, bad


def _parse_date(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    ok_shape = s.str.match(_DATE_RE + r"(?:$|[T ])").fillna(False).astype(bool) & _year_ok(s)
    date = pd.to_datetime(s.str.slice(0, 10).where(ok_shape), format="%Y-%m-%d", errors="coerce")
    date = date.astype("datetime64[ns]")
    return date, s.notna() & date.isna()


def _parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    low = s.str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out = out.mask(low.isin(TRUE_WORDS).fillna(False).astype(bool), True)
    out = out.mask(low.isin(FALSE_WORDS).fillna(False).astype(bool), False)
    return out, s.notna() & out.isna()


def _parse_number(s: pd.Series, integer: bool) -> tuple[pd.Series, pd.Series]:
    num = pd.to_numeric(s, errors="coerce").astype("Float64")
    bad = s.notna() & num.isna()
    if integer:
        frac = num.notna() & (num != num.round())
        bad = bad | frac.fillna(False).astype(bool)
        num = num.where(~frac)
    return num, bad.astype(bool)


_SYNONYMS = {
    "victim_sex": {"f": "female", "m": "male", "not known": "unknown", "u": "unknown"},
    "suspect_sex": {"f": "female", "m": "male", "not known": "unknown", "u": "unknown"},
}


def _parse_category(s: pd.Series, col: str) -> pd.Series:
    # pyarrow's regex kernels: pandas fell back to Python's re once per value (1.4M calls on an all-bad file).
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(s.to_numpy(dtype=object, na_value=None), type=pa.string())
    if col in ("mps_major", "mps_minor"):
        out = pc.replace_substring_regex(pc.utf8_upper(arr), r"\s+", " ")
        return pd.Series(out.to_numpy(zero_copy_only=False), index=s.index, dtype="str")
    low = pd.Series(pc.utf8_lower(arr).to_numpy(zero_copy_only=False), index=s.index, dtype="str")
    if col in _SYNONYMS:
        low = low.replace(_SYNONYMS[col])
    arr = pa.array(low.to_numpy(dtype=object, na_value=None), type=pa.string())
    out = pc.replace_substring_regex(arr, r"[\s\-/]+", "_")
    return pd.Series(out.to_numpy(zero_copy_only=False), index=s.index, dtype="str")


def _uniques(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes into the distinct stripped values (-1 for empty). Parsing runs once per distinct value: extract
    columns repeat few values (categories, ages, dates), which keeps a 2-million-row import fast."""
    codes, uniq = pd.factorize(s.astype("str"), use_na_sentinel=True)
    stripped = pd.Series(uniq, dtype="str").str.strip()
    # Values that differ only by spaces, and empty strings, collapse onto one code (-1 for empty).
    norm_codes, norm = pd.factorize(stripped.where(stripped != "", None), use_na_sentinel=True)
    full = np.where(codes >= 0, norm_codes[np.clip(codes, 0, None)] if len(norm_codes) else -1, -1)
    return full.astype(np.int64), pd.Series(norm, dtype="str")


def _expand(values: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Per-distinct-value results back to one per row (code -1 → missing)."""
    return pd.Series(values.array.take(codes, allow_fill=True), index=index)


def _category_from(norm: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """A categorical of normalised values: distinct raw values mapping to one value share a category."""
    c2, cats = pd.factorize(norm, use_na_sentinel=True)
    full = np.where(codes >= 0, c2[np.clip(codes, 0, None)] if len(c2) else -1, -1)
    return pd.Series(pd.Categorical.from_codes(full, categories=pd.Index(cats, dtype="str")), index=index)


def _parse(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.Series], list[tuple[str, pd.Series, str]]]:
    """Typed values under the format's column names, extra parsed series, and parse failures."""
    parsed: dict[str, pd.Series] = {}
    extras: dict[str, pd.Series] = {}
    failures: list[tuple[str, pd.Series, str]] = []
    idx = raw.index
    for c in INCIDENT_COLUMNS:
        if c.name not in raw.columns:
            continue
        if c.name == "incident_id":
            parsed[c.name] = incident_ids(raw[c.name])
            continue
        codes, u = _uniques(raw[c.name])
        bad_u = None
        if c.kind == "datetime":
            date, stamp, bad_u = _parse_datetime(u)
            parsed[c.name], extras["offence_datetime"] = _expand(date, codes, idx), _expand(stamp, codes, idx)
        elif c.kind == "date":
            val, bad_u = _parse_date(u)
            parsed[c.name] = _expand(val, codes, idx)
        elif c.kind == "bool":
            val, bad_u = _parse_bool(u)
            parsed[c.name] = _expand(val, codes, idx)
        elif c.kind in ("int", "float"):
            val, bad_u = _parse_number(u, integer=c.kind == "int")
            parsed[c.name] = _expand(val, codes, idx)
        elif c.kind == "category":
            parsed[c.name] = _category_from(_parse_category(u, c.name), codes, idx)
        elif c.kind == "lsoa":
            parsed[c.name] = _category_from(u.str.upper(), codes, idx)
        else:
            parsed[c.name] = _expand(u, codes, idx).astype("str")
        if bad_u is not None and bad_u.any():
            bad = pd.Series(
                np.where(codes >= 0, bad_u.to_numpy(dtype=bool)[np.clip(codes, 0, None)], False), index=idx
            )
            failures.append((c.name, bad, f"{c.name} {{value!r}} is not valid: expected {c.rule()}"))
            parsed[c.name] = parsed[c.name].where(~bad)
            # The file's values, looked up only for the failing rows when their reasons are written.
            extras["_raw_" + c.name] = (u.to_numpy(dtype=object), codes)
    return pd.DataFrame(parsed, index=idx), extras, failures


@dataclass(frozen=True)
class _Fail:
    """Failing rows of one check: positions, the column, and the reason, written only when it is shown.

    ``template`` may quote the value (``{value!r}``), looked up in ``values`` (or ``values[codes]`` when
    ``codes`` maps rows to distinct values); ``reasons`` holds reasons already written, one per failing row.
    """

    idx: np.ndarray
    column: str | None
    template: str = ""
    values: np.ndarray | None = None
    codes: np.ndarray | None = None
    reasons: np.ndarray | None = None

    def reasons_at(self, ks: np.ndarray) -> np.ndarray:
        """The reasons of this check's failing rows number ``ks`` (positions in ``idx``), as text."""
        if self.reasons is not None:
            return np.asarray(self.reasons, dtype=object)[ks]
        if self.values is None or "{value" not in self.template:
            return np.full(len(ks), self.template, dtype=object)
        # Without codes, ``values`` holds the failing rows' values only (in ``idx`` order).
        vals = self.values[ks] if self.codes is None else self.values[self.codes[self.idx[ks]]]
        fmt = self.template.format
        return np.array([fmt(value=v) for v in vals], dtype=object)


def _failure_rows(mask: pd.Series | np.ndarray, column: str | None, reason: str, values=None) -> _Fail:
    """The rows where ``mask`` holds, failing with ``reason`` (``values``: the file's values, for ``{value!r}``,
    as an array by row or a (distinct values, codes) pair)."""
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    if isinstance(values, tuple):
        return _Fail(idx, column, reason, values=values[0], codes=values[1])
    if values is None or not len(idx):
        return _Fail(idx, column, reason)
    # Only the failing rows' values are kept (a whole column as Python objects would cost ~100 MB per 1M rows).
    taken = values.iloc[idx] if isinstance(values, pd.Series) else np.asarray(values)[idx]
    return _Fail(idx, column, reason, values=np.asarray(taken, dtype=object))


def _pandera_failures(typed: pd.DataFrame, text: pd.DataFrame) -> list[_Fail]:
    """Row failures of the pandera schema, per column, quoting the value as the file has it.

    The checks of ``incident_schema`` are evaluated column by column as vectorised masks (pandera's own
    failure report costs a Python object per failing cell: an all-bad 200k-row file took minutes and GBs);
    ``tests/test_import_hardening.py`` checks that both find the same failures.
    """
    parts = []
    for c in INCIDENT_COLUMNS:
        if c.name not in typed.columns:
            continue
        v = typed[c.name]
        present = v.notna().to_numpy(dtype=bool)
        if c.kind == "category":
            bad = present & ~v.isin(list(c.allowed)).to_numpy(dtype=bool)
        elif c.kind in ("int", "float"):
            num = v.astype("Float64")
            bad = present & ~num.between(c.minimum, c.maximum).fillna(False).to_numpy(dtype=bool)
        elif c.kind == "lsoa":
            bad = present & ~v.astype("str").str.match(r"^E01\d{6}$").fillna(False).to_numpy(dtype=bool)
        else:
            bad = np.zeros(len(v), dtype=bool)
        if c.required:
            parts.append(_failure_rows(~present, c.name, f"{c.name} is empty but required"))
        quoted = text[c.name] if c.name in text.columns else v
        parts.append(
            _failure_rows(bad, c.name, f"{c.name} {{value!r}} is not allowed: expected {c.rule()}", quoted)
        )
    return parts


def _categorical(values: pd.Series | np.ndarray, categories) -> pd.Series:
    """Values as a categorical with exactly these categories (fixed by the format, so frames concatenate)."""
    cats = pd.Index(list(categories), dtype="str")
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        return pd.Series(values.cat.set_categories(cats).array)
    return pd.Series(pd.Categorical(values, categories=cats))


def _place(typed: pd.DataFrame, data_dir: Path | None) -> pd.DataFrame:
    """lsoa_code per row (categorical of the borough's LSOAs): from a valid LSOA code, else from the point."""
    cats = sorted(geo.lsoa_ward_lookup(data_dir)["lsoa_code"])
    n = len(typed)
    pos = np.full(n, -1, dtype=np.int64)
    if "lsoa21_code" in typed:
        pos = typed["lsoa21_code"].astype("category").cat.set_categories(cats).cat.codes.to_numpy(np.int64)
    need = pos < 0
    if need.any() and {"latitude", "longitude"} <= set(typed.columns):
        lon = typed["longitude"].to_numpy(dtype="float64", na_value=np.nan)
        lat = typed["latitude"].to_numpy(dtype="float64", na_value=np.nan)
        rows = np.flatnonzero(need & np.isfinite(lon) & np.isfinite(lat))
        if len(rows):
            # Extracts repeat points (addresses, snap points): place each distinct point once.
            pcodes, upts = pd.factorize(lon[rows] + 1j * lat[rows])
            pts = pd.DataFrame({"longitude": upts.real, "latitude": upts.imag})
            hit = geo.assign_areas(pts, data_dir=data_dir)["lsoa_code"]
            upos = pd.Categorical(hit, categories=cats).codes.astype(np.int64)
            pos[rows] = upos[pcodes]
    lsoa = pd.Categorical.from_codes(pos, categories=pd.Index(cats, dtype="str"))
    return pd.DataFrame({"lsoa_code": lsoa}, index=typed.index)


# At most this many reasons are written for one row; the rest are counted ("and 3 more problems"). An all-bad
# file has a reason for every cell: written out, they cost more than the file itself.
MAX_REASONS_PER_ROW = 3


def _combine(failures: list[_Fail], lines: np.ndarray) -> pd.DataFrame:
    """One quarantine row per rejected input row: the first failing column and its reasons in column order.

    Vectorised over all failing cells: only the reasons shown are ever written as text.
    """
    parts = [f for f in failures if len(f.idx)]
    if not parts:
        return empty_quarantine()
    order = {name: i for i, name in enumerate(COLUMN_NAMES)}
    idx = np.concatenate([f.idx for f in parts]).astype(np.int64)
    col_order = np.concatenate([np.full(len(f.idx), order.get(f.column, -1), dtype=np.int64) for f in parts])
    part = np.concatenate([np.full(len(f.idx), k, dtype=np.int64) for k, f in enumerate(parts)])
    pos = np.concatenate([np.arange(len(f.idx), dtype=np.int64) for f in parts])
    # Sorted by row, then column order, then check order (stable): the first check of a column wins.
    sort = np.lexsort((part, col_order, idx))
    idx, col_order, part, pos = idx[sort], col_order[sort], part[sort], pos[sort]
    first_of_cell = np.r_[True, (idx[1:] != idx[:-1]) | (col_order[1:] != col_order[:-1])]
    idx, part, pos = idx[first_of_cell], part[first_of_cell], pos[first_of_cell]
    starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
    ends = np.r_[starts[1:], len(idx)]
    # Rank of each failing cell within its row; only the first MAX_REASONS_PER_ROW are written, check by check.
    rank = np.arange(len(idx)) - np.repeat(starts, ends - starts)
    shown = rank < MAX_REASONS_PER_ROW
    text = np.empty(len(idx), dtype=object)
    for k, f in enumerate(parts):
        sel = np.flatnonzero(shown & (part == k))
        if len(sel):
            text[sel] = f.reasons_at(pos[sel])
    reasons = []
    for a, b in zip(starts, ends, strict=True):
        if b - a == 1:
            reasons.append(text[a])
            continue
        words = list(text[a : min(b, a + MAX_REASONS_PER_ROW)])
        if b - a > MAX_REASONS_PER_ROW:
            more = b - a - MAX_REASONS_PER_ROW
            words.append(f"and {more} more problem{'s' if more > 1 else ''}")
        reasons.append("; ".join(words))
    columns = np.array([f.column for f in parts], dtype=object)
    out = pd.DataFrame(
        {
            "row": lines[idx[starts]].astype("int64"),
            "column": columns[part[starts]],
            "reason": np.asarray(reasons, dtype=object),
        }
    )
    return out[QUARANTINE_COLUMNS]


def incident_ids(values: pd.Series) -> pd.Series:
    """Incident ids as the importer reads them: text, stripped; an empty cell is missing (None)."""
    s = values.astype("str").str.strip()
    return s.where(s != "", None)


def find_duplicates(ids: pd.Series, lines: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """For rows repeating an earlier row's incident id, that first row's line (0 for the others), and the
    report's list of repeated ids with all their lines. ``ids`` as ``incident_ids`` gives them."""
    lines = np.asarray(lines, dtype=np.int64)
    first_line = np.zeros(len(ids), dtype=np.int64)
    dup = (ids.notna() & ids.duplicated(keep="first")).to_numpy()
    if not dup.any():
        return first_line, []
    firsts = ids.notna().to_numpy() & ~ids.duplicated(keep="first").to_numpy()
    by_id = pd.Series(lines[firsts], index=ids[firsts].to_numpy())
    first_line[dup] = by_id.reindex(ids[dup].to_numpy()).to_numpy()
    repeated = pd.unique(ids[dup])
    where = ids[ids.isin(repeated)]
    line_lists = pd.Series(lines[where.index.to_numpy()] if len(where) else [], dtype="int64").groupby(
        where.to_numpy()
    )
    report = [{"incident_id": str(k), "lines": [int(x) for x in line_lists.get_group(k)]} for k in repeated]
    return first_line, report


def from_frame(
    raw: pd.DataFrame,
    lines: np.ndarray | None = None,
    path: str = "<frame>",
    data_dir: Path | None = None,
    duplicates: tuple[np.ndarray, list[dict]] | None = None,
) -> ImportResult:
    """Validate a frame of format-v1 strings and convert the good rows to the canonical record frame.

    ``lines`` are the rows' 1-based line numbers in the source file (default: row position + 2, after the
    header). ``duplicates``: ``find_duplicates`` over the whole file when this frame is one part of it.
    Never raises for bad rows: each one is quarantined with its reason.
    """
    raw = raw.reset_index(drop=True)
    raw.columns = [str(c).strip().lower().replace(" ", "_") for c in raw.columns]
    lines = np.arange(2, len(raw) + 2, dtype=np.int64) if lines is None else np.asarray(lines, dtype=np.int64)
    present = [c for c in COLUMN_NAMES if c in raw.columns]
    missing_required = [c for c in REQUIRED if c not in raw.columns]
    has_place = "lsoa21_code" in raw.columns or {"latitude", "longitude"} <= set(raw.columns)
    extra = {
        "format_version": FORMAT_VERSION,
        "missing_optional_columns": [c for c in COLUMN_NAMES if c not in REQUIRED and c not in raw.columns],
        "unknown_columns": [c for c in raw.columns if c not in COLUMN_NAMES and c != PROBLEM_COLUMN],
        "duplicates": [],
    }
    if missing_required or not has_place:
        need = list(missing_required) + ([] if has_place else ["lsoa21_code or latitude+longitude"])
        reason = "the file has no " + ", ".join(need) + " column (required by format v1)"
        q = pd.DataFrame({"row": lines, "column": need[0], "reason": reason})[QUARANTINE_COLUMNS]
        return ImportResult(
            path=path,
            format=FORMAT,
            data=_empty_canonical(data_dir),
            quarantine=q,
            rows_in=len(raw),
            rows_accepted=0,
            extra=extra,
        )

    typed, extras, parse_fail = _parse(raw[present])
    failures = [_failure_rows(bad, col, reason, extras.get("_raw_" + col)) for col, bad, reason in parse_fail]
    failures.extend(_pandera_failures(typed, raw[present]))
    if PROBLEM_COLUMN in raw.columns:
        note = raw[PROBLEM_COLUMN].fillna("").astype("str")
        idx = np.flatnonzero(note.ne("").to_numpy())
        failures.append(_Fail(idx, None, reasons=note.iloc[idx].to_numpy(dtype=object)))

    tax = load_taxonomy()
    mps = tax[tax["source"] == "mps"]
    valid = pd.MultiIndex.from_arrays([mps["major"], mps["minor"]])
    # Check each distinct (major, minor) pair once, then map the answer back to the rows.
    mj, mn = typed["mps_major"].astype("category"), typed["mps_minor"].astype("category")
    width = len(mn.cat.categories) + 1
    # Codes shifted by one so the missing code (-1) encodes as 0.
    combo = (mj.cat.codes.to_numpy(np.int64) + 1) * width + (mn.cat.codes.to_numpy(np.int64) + 1)
    pair_codes, ucombo = pd.factorize(combo)
    umj = pd.Categorical.from_codes(ucombo // width - 1, categories=mj.cat.categories)
    umn = pd.Categorical.from_codes(ucombo % width - 1, categories=mn.cat.categories)
    valid_pairs = set(zip(valid.get_level_values(0), valid.get_level_values(1), strict=True))
    pair_ok = np.array(
        [
            (a, b) in valid_pairs
            for a, b in zip(np.asarray(umj, dtype=object), np.asarray(umn, dtype=object), strict=True)
        ],
        dtype=bool,
    )
    bad_pair = pd.Series(~pair_ok[pair_codes], index=typed.index)
    parts_ok = typed["mps_major"].isin(_SPEC["mps_major"].allowed) & typed["mps_minor"].isin(
        _SPEC["mps_minor"].allowed
    )
    bad_pair = bad_pair & parts_ok.to_numpy(dtype=bool)
    failures.append(
        _failure_rows(
            bad_pair, "mps_minor", "mps_major/mps_minor pair is not an MPS category in data/taxonomy.csv"
        )
    )

    if "reported_date" in typed:
        early = (typed["reported_date"] < typed["offence_datetime"]).fillna(False).astype(bool)
        failures.append(_failure_rows(early, "reported_date", "reported_date is before the offence date"))
    # A date later than the current month cannot have been recorded (2099, a mistyped year): never merged.
    next_month = current_month() + pd.offsets.MonthBegin(1)
    for col in ("offence_datetime", "reported_date"):
        if col in typed:
            future = (typed[col] >= next_month).fillna(False).astype(bool)
            if future.any():
                idx = np.flatnonzero(future.to_numpy(dtype=bool))
                months = typed[col].iloc[idx].dt.strftime("%Y-%m").to_numpy(dtype=object)
                reasons = np.array([f"{col}: " + future_month_reason(m) for m in months], dtype=object)
                failures.append(_Fail(idx, col, reasons=reasons))

    placed = _place(typed, data_dir)
    unplaced = placed["lsoa_code"].isna()
    failures.append(_failure_rows(unplaced, "lsoa21_code", PLACE_REASON))

    if duplicates is None:
        duplicates = find_duplicates(typed["incident_id"], lines)
    first_line, extra["duplicates"] = duplicates
    first_line = np.asarray(first_line)
    idx = np.flatnonzero(first_line > 0)
    if idx.size:
        failures.append(
            _Fail(idx, "incident_id", "duplicate incident_id (first at line {value})", values=first_line[idx])
        )

    quarantine = _combine(failures, lines)
    bad_idx = np.isin(lines, quarantine["row"].to_numpy()) if len(quarantine) else np.zeros(len(raw), bool)
    keep = ~bad_idx
    data = _canonical(typed[keep], extras["offence_datetime"][keep], placed[keep], data_dir)
    return ImportResult(
        path=path,
        format=FORMAT,
        data=data,
        quarantine=quarantine,
        rows_in=len(raw),
        rows_accepted=len(data),
        extra=extra,
    )


# ----------------------------------------------------------------------------------------------- canonical


def _empty_canonical(data_dir: Path | None) -> pd.DataFrame:
    """A canonical frame with no rows (every row of the file was quarantined)."""
    typed = pd.DataFrame(
        {
            "incident_id": pd.Series(dtype="str"),
            "offence_datetime": pd.Series(dtype="datetime64[ns]"),
            "mps_major": pd.Series(dtype="str"),
            "mps_minor": pd.Series(dtype="str"),
        }
    )
    try:
        lookup = geo.lsoa_ward_lookup(data_dir)
    except OSError:
        lookup = pd.DataFrame(columns=["lsoa_code", "lsoa_name", "ward_code", "ward_name"])
    placed = pd.DataFrame({"lsoa_code": pd.Series(dtype="str")})
    return _canonical(typed, pd.Series(dtype="datetime64[ns]"), placed, data_dir, lookup=lookup)


def _canonical(
    typed: pd.DataFrame,
    stamp: pd.Series,
    placed: pd.DataFrame,
    data_dir: Path | None,
    lookup: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The canonical record frame from validated typed columns (vectorised; categories fixed by the format)."""
    n = len(typed)
    lookup = geo.lsoa_ward_lookup(data_dir) if lookup is None else lookup
    idx = typed.index

    def col(name: str) -> pd.Series:
        return typed[name] if name in typed else pd.Series([pd.NA] * n, index=idx, dtype="object")

    date = typed["offence_datetime"].astype("datetime64[ns]")
    stamp = stamp.astype("datetime64[ns]")
    reported = (
        col("reported_date").astype("datetime64[ns]")
        if "reported_date" in typed
        else pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    )
    # The record's month is its recording month (as in MPS published counts): reported date, else offence date.
    month = pd.Series(
        reported.fillna(date).to_numpy().astype("datetime64[M]").astype("datetime64[ns]"), index=idx
    )

    tax = load_taxonomy()
    mps = tax[tax["source"] == "mps"]
    majors, minors = _SPEC["mps_major"].allowed, _SPEC["mps_minor"].allowed
    major_s = _categorical(col("mps_major").reset_index(drop=True), majors)
    minor_s = _categorical(col("mps_minor").reset_index(drop=True), minors)
    # Classify each distinct (major, minor) pair once and map back through the codes (rows are all valid).
    width = len(minors)
    inverse, upair = pd.factorize(
        major_s.cat.codes.to_numpy(np.int64) * width + minor_s.cat.codes.to_numpy(np.int64)
    )
    upairs = pd.DataFrame(
        {
            "major": np.asarray(majors, dtype=object)[upair // width],
            "minor": np.asarray(minors, dtype=object)[upair % width],
        }
    )
    ucls = classify_mps(upairs)
    group_cats = list(dict.fromkeys(mps["offence_group"])) + ["Unclassified"]
    major_group_cats = list(dict.fromkeys(mps["major_group"])) + ["Unclassified"]

    def per_pair(values: pd.Series, cats) -> pd.Series:
        codes = pd.Categorical(values, categories=cats).codes
        return pd.Series(
            pd.Categorical.from_codes(
                codes[inverse] if len(codes) else inverse, categories=pd.Index(cats, dtype="str")
            )
        )

    ltab = lookup.set_index("lsoa_code")
    lsoa_cats = sorted(ltab.index)
    ward_codes = sorted(set(ltab["ward_code"]))
    ward_names = sorted(set(ltab["ward_name"]))
    lsoa = _categorical(placed["lsoa_code"].reset_index(drop=True), lsoa_cats)
    # Map through the categorical codes: one lookup per LSOA, not per row.
    pos = lsoa.cat.codes.to_numpy()
    name_by = ltab.reindex(lsoa_cats)

    def via(field: str, cats) -> pd.Series:
        per_lsoa = pd.Categorical(name_by[field].to_numpy(dtype=object), categories=cats).codes
        codes = np.where(pos >= 0, per_lsoa[np.clip(pos, 0, None)] if len(per_lsoa) else -1, -1)
        return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype="str")))

    def flag(name: str) -> pd.Series:
        return col(name).astype("boolean").reset_index(drop=True)

    def num(name: str, dtype: str) -> pd.Series:
        return col(name).astype("Float64").round().astype(dtype).reset_index(drop=True)

    def cat(name: str) -> pd.Series:
        return _categorical(col(name).reset_index(drop=True), _SPEC[name].allowed)

    source = col("source").fillna("extract") if "source" in typed else pd.Series(["extract"] * n, dtype="str")
    hour = stamp.dt.hour.astype("Int8").reset_index(drop=True)
    out = pd.DataFrame(
        {
            "incident_id": col("incident_id").astype("str").reset_index(drop=True),
            "offence_datetime": stamp.reset_index(drop=True),
            "offence_date": date.reset_index(drop=True),
            "time_known": stamp.notna().reset_index(drop=True),
            "hour": hour,
            "weekday": date.dt.day_of_week.astype("Int8").reset_index(drop=True),
            "month": month.reset_index(drop=True),
            "reported_date": reported.reset_index(drop=True),
            "mps_major": major_s,
            "mps_minor": minor_s,
            "offence_group": per_pair(ucls["offence_group"], group_cats),
            "major_group": per_pair(ucls["major_group"], major_group_cats),
            "serious_violence_proxy": ucls["serious_violence_proxy"].to_numpy(dtype=bool)[inverse]
            if len(ucls)
            else np.zeros(0, dtype=bool),
            "offence": cat("offence"),
            **{f: flag(f) for f in FLAG_COLUMNS},
            "lsoa_code": lsoa,
            "lsoa_name": via("lsoa_name", sorted(set(ltab["lsoa_name"]))),
            "ward_code": via("ward_code", ward_codes),
            "ward_name": via("ward_name", ward_names),
            "latitude": col("latitude").astype("Float64").astype("float64").reset_index(drop=True),
            "longitude": col("longitude").astype("Float64").astype("float64").reset_index(drop=True),
            "location_type": cat("location_type"),
            "victim_age": num("victim_age", "Int16"),
            "victim_sex": cat("victim_sex"),
            "suspect_age": num("suspect_age", "Int16"),
            "suspect_sex": cat("suspect_sex"),
            "relationship": cat("relationship"),
            "suspects_count": num("suspects_count", "Int16"),
            "source": source.astype("category").reset_index(drop=True),
        }
    )
    return out[CANONICAL_COLUMNS]
