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

import numpy as np
import pandas as pd
import pandera.pandas as pa

from svd import geo
from svd.schema import QUARANTINE_COLUMNS, ImportResult, empty_quarantine
from svd.taxonomy import classify_mps, load_taxonomy

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

PLACE_REASON = "cannot be placed in a Barking and Dagenham LSOA"


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

    def rule(self) -> str:
        """The accepted values, in words (for the docs table and for quarantine reasons)."""
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
            return "2021 LSOA code `E01…` of Barking and Dagenham"
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
    ColumnSpec("mps_major", True, "category", "MPS major category (MajorText), as in data/taxonomy.csv.",
               allowed=_mps_values("major")),
    ColumnSpec("mps_minor", True, "category", "MPS minor category (MinorText), as in data/taxonomy.csv; "
               "the (major, minor) pair must be one the taxonomy lists.", allowed=_mps_values("minor")),
    ColumnSpec("offence", False, "category", "London serious-violence offence type; `other` for the rest.",
               allowed=OFFENCES),
    ColumnSpec("domestic_abuse", False, "bool", "Flagged as domestic abuse."),
    ColumnSpec("knife", False, "bool", "A knife or sharp instrument was used, threatened or intimated."),
    ColumnSpec("firearm", False, "bool", "A firearm was used, threatened or intimated."),
    ColumnSpec("corrosive", False, "bool", "A corrosive substance was used or threatened."),
    ColumnSpec("historical", False, "bool", "Reported long after it happened (months, years or decades)."),
    ColumnSpec("lsoa21_code", False, "lsoa", "2021 LSOA of the offence location. Either this or "
               "latitude + longitude is required; the LSOA code wins when both are given."),
    ColumnSpec("latitude", False, "float", "WGS84 latitude of the offence location (may be snapped).",
               minimum=-90, maximum=90),
    ColumnSpec("longitude", False, "float", "WGS84 longitude of the offence location.", minimum=-180,
               maximum=180),
    ColumnSpec("location_type", False, "category", "Kind of place.", allowed=LOCATION_TYPES),
    ColumnSpec("victim_age", False, "int", "Victim's age in years at the offence.", minimum=0, maximum=120),
    ColumnSpec("victim_sex", False, "category", "Victim's sex.", allowed=SEXES),
    ColumnSpec("suspect_age", False, "int", "Age of the (first) suspect in years.", minimum=0, maximum=120),
    ColumnSpec("suspect_sex", False, "category", "Sex of the (first) suspect.", allowed=SEXES),
    ColumnSpec("relationship", False, "category", "Suspect's relationship to the victim.", allowed=RELATIONSHIPS),
    ColumnSpec("suspects_count", False, "int", "Number of suspects (empty when not recorded).", minimum=0,
               maximum=50),
    ColumnSpec("source", False, "text", "Where the record comes from; `extract` when absent. The simulation "
               "writes `simulated`."),
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


def incident_schema() -> pa.DataFrameSchema:
    """The pandera schema for the parsed (typed, normalised) columns of an extract.

    Required columns may not be empty; enumerations must be one of the allowed values; numbers within range.
    Columns are optional so an extract may leave out any optional column.
    """
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
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = wb.worksheets[0].iter_rows()
        header_cells = next(rows, ())
        header = [_cell_text(c.value, "") for c in header_cells]
        body = [[_cell_text(c.value, getattr(c, "number_format", "") or "") for c in r] for r in rows]
    finally:
        wb.close()
    width = len(header)
    body = [(r + [""] * width)[:width] for r in body]
    return pd.DataFrame(body, columns=header, dtype="str")


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV" export on Windows is cp1252.
        text = raw.decode("cp1252", errors="replace")
    return pd.read_csv(io.StringIO(text), dtype="str", keep_default_na=False, skip_blank_lines=False,
                       quoting=csv.QUOTE_MINIMAL)


def read_raw(path: Path | str) -> tuple[pd.DataFrame, np.ndarray]:
    """The extract as strings (blank lines dropped) and each row's 1-based line number in the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found")
    raw = _read_excel(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _read_csv(path)
    raw.columns = [str(c).strip().lower().replace(" ", "_") for c in raw.columns]
    raw = raw.loc[:, ~pd.Index(raw.columns).duplicated()]
    lines = np.arange(2, len(raw) + 2, dtype=np.int64)
    if len(raw.columns):
        blank = (raw.fillna("").apply(lambda s: s.str.strip()) == "").all(axis=1).to_numpy()
        raw, lines = raw.loc[~blank].reset_index(drop=True), lines[~blank]
    return raw, lines


def read_incidents(path: Path | str, data_dir: Path | None = None) -> ImportResult:
    """Read a format-v1 extract (.csv or .xlsx): accepted canonical records plus quarantined rows with reasons."""
    raw, lines = read_raw(path)
    return from_frame(raw, lines=lines, path=str(path), data_dir=data_dir)


# ------------------------------------------------------------------------------------------------ parsing


def _text(raw: pd.DataFrame, col: str) -> pd.Series:
    s = raw[col].astype("str").str.strip()
    return s.where(s != "", None)


def _parse_datetime(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(offence_date, offence_datetime or NaT when the time is unknown, bad) from ISO 8601 strings."""
    is_date = s.str.fullmatch(_DATE_RE).fillna(False).astype(bool)
    is_local = s.str.fullmatch(_DATE_RE + _TIME_RE).fillna(False).astype(bool)
    is_tz = s.str.fullmatch(_DATE_RE + _TIME_RE + _TZ_RE).fillna(False).astype(bool)
    date = pd.to_datetime(s.str.slice(0, 10).where(is_date | is_local | is_tz), format="%Y-%m-%d",
                          errors="coerce")
    stamp = pd.to_datetime(s.where(is_local).str.replace(" ", "T", regex=False), format="ISO8601",
                           errors="coerce")
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
    ok_shape = s.str.match(_DATE_RE + r"(?:$|[T ])").fillna(False).astype(bool)
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
    if col in ("mps_major", "mps_minor"):
        return s.str.upper().str.replace(r"\s+", " ", regex=True)
    low = s.str.lower()
    if col in _SYNONYMS:
        low = low.replace(_SYNONYMS[col])
    return low.str.replace(r"[\s\-/]+", "_", regex=True)


def _parse(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.Series], list[tuple[str, pd.Series, str]]]:
    """Typed values under the format's column names, extra parsed series, and parse failures."""
    parsed: dict[str, pd.Series] = {}
    extras: dict[str, pd.Series] = {}
    failures: list[tuple[str, pd.Series, str]] = []
    for c in INCIDENT_COLUMNS:
        if c.name not in raw.columns:
            continue
        s = _text(raw, c.name)
        if c.kind == "datetime":
            date, stamp, bad = _parse_datetime(s)
            parsed[c.name], extras["offence_datetime"] = date, stamp
        elif c.kind == "date":
            parsed[c.name], bad = _parse_date(s)
        elif c.kind == "bool":
            parsed[c.name], bad = _parse_bool(s)
        elif c.kind in ("int", "float"):
            parsed[c.name], bad = _parse_number(s, integer=c.kind == "int")
        elif c.kind == "category":
            parsed[c.name], bad = _parse_category(s, c.name), None
        elif c.kind == "lsoa":
            parsed[c.name], bad = s.str.upper(), None
        else:
            parsed[c.name], bad = s, None
        if bad is not None and bad.any():
            failures.append((c.name, bad, f"{c.name} {{value!r}} is not valid: expected {c.rule()}"))
            parsed[c.name] = parsed[c.name].where(~bad)
            extras.setdefault("_raw_" + c.name, s)
    return pd.DataFrame(parsed, index=raw.index), extras, failures


def _failure_rows(mask: pd.Series, column: str | None, reason: str, values: pd.Series | None = None) -> pd.DataFrame:
    idx = np.flatnonzero(mask.to_numpy(dtype=bool))
    if "{value!r}" in reason and values is not None:
        vals = values.to_numpy(dtype=object)[idx]
        reasons = [reason.format(value=v) for v in vals]
    else:
        reasons = [reason] * len(idx)
    return pd.DataFrame({"idx": idx, "column": column, "reason": reasons})


def _pandera_failures(typed: pd.DataFrame) -> pd.DataFrame:
    """Row failures of the pandera schema as (idx, column, reason)."""
    try:
        incident_schema().validate(typed, lazy=True)
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
        fc = fc[fc["index"].notna()]
        reasons = []
        for col, check, value in zip(fc["column"], fc["check"], fc["failure_case"], strict=True):
            spec = _SPEC.get(col)
            if check == "not_nullable":
                reasons.append(f"{col} is empty but required")
            elif spec is not None:
                reasons.append(f"{col} {value!r} is not allowed: expected {spec.rule()}")
            else:
                reasons.append(f"{col} {value!r} failed {check}")
        return pd.DataFrame({"idx": fc["index"].astype("int64").to_numpy(), "column": fc["column"].to_numpy(),
                             "reason": reasons})
    return pd.DataFrame({"idx": pd.Series(dtype="int64"), "column": [], "reason": []})


def _categorical(values: pd.Series | np.ndarray, categories) -> pd.Series:
    return pd.Series(pd.Categorical(values, categories=list(categories)))


def _place(typed: pd.DataFrame, data_dir: Path | None) -> pd.DataFrame:
    """lsoa_code/lsoa_name/ward_code/ward_name per row: from a valid LSOA code, else from the point; NA if neither."""
    lookup = geo.lsoa_ward_lookup(data_dir).set_index("lsoa_code")
    n = len(typed)
    code = typed["lsoa21_code"] if "lsoa21_code" in typed else pd.Series([None] * n, index=typed.index, dtype="str")
    code = code.where(code.isin(lookup.index))
    need = code.isna()
    if need.any() and {"latitude", "longitude"} <= set(typed.columns):
        pts = typed.loc[need, ["latitude", "longitude"]].astype("float64")
        hit = geo.assign_areas(pts, data_dir=data_dir)["lsoa_code"]
        code = code.where(~need, hit)
    return pd.DataFrame({"lsoa_code": code}, index=typed.index)


def _combine(failures: list[pd.DataFrame], lines: np.ndarray) -> pd.DataFrame:
    """One quarantine row per rejected input row: the first failing column and all reasons joined."""
    parts = [f for f in failures if len(f)]
    if not parts:
        return empty_quarantine()
    order = {name: i for i, name in enumerate(COLUMN_NAMES)}
    allf = pd.concat(parts, ignore_index=True).drop_duplicates(["idx", "column"], keep="first")
    allf = allf.assign(_o=allf["column"].map(order).fillna(len(order))).sort_values(["idx", "_o"], kind="stable")
    grouped = allf.groupby("idx", sort=True).agg(column=("column", "first"), reason=("reason", "; ".join))
    out = pd.DataFrame({"row": lines[grouped.index.to_numpy()].astype("int64"),
                        "column": grouped["column"].to_numpy(dtype=object),
                        "reason": grouped["reason"].to_numpy(dtype=object)})
    return out[QUARANTINE_COLUMNS]


def from_frame(
    raw: pd.DataFrame, lines: np.ndarray | None = None, path: str = "<frame>", data_dir: Path | None = None
) -> ImportResult:
    """Validate a frame of format-v1 strings and convert the good rows to the canonical record frame.

    ``lines`` are the rows' 1-based line numbers in the source file (default: row position + 2, after the
    header). Never raises for bad rows: each one is quarantined with its reason.
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
        "unknown_columns": [c for c in raw.columns if c not in COLUMN_NAMES],
        "duplicates": [],
    }
    if missing_required or not has_place:
        need = list(missing_required) + ([] if has_place else ["lsoa21_code or latitude+longitude"])
        reason = "the file has no " + ", ".join(need) + " column (required by format v1)"
        q = pd.DataFrame({"row": lines, "column": need[0], "reason": reason})[QUARANTINE_COLUMNS]
        return ImportResult(path=path, format=FORMAT, data=_empty_canonical(data_dir), quarantine=q, rows_in=len(raw),
                            rows_accepted=0, extra=extra)

    typed, extras, parse_fail = _parse(raw[present])
    failures = [_failure_rows(bad, col, reason, extras.get("_raw_" + col)) for col, bad, reason in parse_fail]
    failures.append(_pandera_failures(typed))

    tax = load_taxonomy()
    pairs = set(zip(tax.loc[tax["source"] == "mps", "major"], tax.loc[tax["source"] == "mps", "minor"], strict=True))
    pair_key = pd.Series(list(zip(typed["mps_major"], typed["mps_minor"], strict=True)), index=typed.index)
    known_parts = typed["mps_major"].notna() & typed["mps_minor"].notna()
    major_ok = typed["mps_major"].isin(_SPEC["mps_major"].allowed) & typed["mps_minor"].isin(_SPEC["mps_minor"].allowed)
    bad_pair = known_parts & major_ok & ~pair_key.isin(pairs)
    failures.append(_failure_rows(bad_pair, "mps_minor", "mps_major/mps_minor pair is not an MPS category in "
                                  "data/taxonomy.csv"))

    if "reported_date" in typed:
        early = (typed["reported_date"] < typed["offence_datetime"]).fillna(False).astype(bool)
        failures.append(_failure_rows(early, "reported_date", "reported_date is before the offence date"))

    placed = _place(typed, data_dir)
    unplaced = placed["lsoa_code"].isna()
    failures.append(_failure_rows(unplaced, "lsoa21_code", PLACE_REASON))

    ids = typed["incident_id"]
    dup = ids.notna() & ids.duplicated(keep="first")
    if dup.any():
        first_pos = pd.Series(np.arange(len(ids)), index=ids.index).groupby(ids).transform("min")
        first_line = pd.Series(lines[first_pos.to_numpy()], index=ids.index)
        idx = np.flatnonzero(dup.to_numpy())
        failures.append(pd.DataFrame({"idx": idx, "column": "incident_id",
                                      "reason": [f"duplicate incident_id (first at line {first_line.iloc[i]})"
                                                 for i in idx]}))
        extra["duplicates"] = [
            {"incident_id": str(k), "lines": [int(x) for x in lines[np.flatnonzero((ids == k).to_numpy())]]}
            for k in pd.unique(ids[dup])
        ]

    quarantine = _combine(failures, lines)
    bad_idx = np.isin(lines, quarantine["row"].to_numpy()) if len(quarantine) else np.zeros(len(raw), bool)
    keep = ~bad_idx
    data = _canonical(typed[keep], extras["offence_datetime"][keep], placed[keep], data_dir)
    return ImportResult(path=path, format=FORMAT, data=data, quarantine=quarantine, rows_in=len(raw),
                        rows_accepted=len(data), extra=extra)


# ----------------------------------------------------------------------------------------------- canonical


def _empty_canonical(data_dir: Path | None) -> pd.DataFrame:
    """A canonical frame with no rows (every row of the file was quarantined)."""
    typed = pd.DataFrame({"incident_id": pd.Series(dtype="str"),
                          "offence_datetime": pd.Series(dtype="datetime64[ns]"),
                          "mps_major": pd.Series(dtype="str"), "mps_minor": pd.Series(dtype="str")})
    try:
        lookup = geo.lsoa_ward_lookup(data_dir)
    except OSError:
        lookup = pd.DataFrame(columns=["lsoa_code", "lsoa_name", "ward_code", "ward_name"])
    placed = pd.DataFrame({"lsoa_code": pd.Series(dtype="str")})
    return _canonical(typed, pd.Series(dtype="datetime64[ns]"), placed, data_dir, lookup=lookup)


def _canonical(
    typed: pd.DataFrame, stamp: pd.Series, placed: pd.DataFrame, data_dir: Path | None,
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
    reported = col("reported_date").astype("datetime64[ns]") if "reported_date" in typed else pd.Series(
        pd.NaT, index=idx, dtype="datetime64[ns]")
    # The record's month is its recording month (as in MPS published counts): reported date, else offence date.
    month = reported.fillna(date).dt.to_period("M").dt.to_timestamp().astype("datetime64[ns]")

    tax = load_taxonomy()
    mps = tax[tax["source"] == "mps"]
    majors, minors = _SPEC["mps_major"].allowed, _SPEC["mps_minor"].allowed
    pairs = pd.DataFrame({"mps_major": col("mps_major").to_numpy(), "mps_minor": col("mps_minor").to_numpy()})
    renamed = pairs.drop_duplicates().rename(columns={"mps_major": "major", "mps_minor": "minor"})
    classes = classify_mps(renamed).rename(columns={"major": "mps_major", "minor": "mps_minor"})
    cls = pairs.merge(classes, on=["mps_major", "mps_minor"], how="left")

    ltab = lookup.set_index("lsoa_code")
    lsoa_cats = sorted(ltab.index)
    ward_codes = sorted(set(ltab["ward_code"]))
    ward_names = sorted(set(ltab["ward_name"]))
    code = placed["lsoa_code"].to_numpy(dtype=object)
    lsoa = _categorical(code, lsoa_cats)
    # Map through the categorical codes: one lookup per LSOA, not per row.
    pos = lsoa.cat.codes.to_numpy()
    name_by = ltab.reindex(lsoa_cats)
    def via(field: str, cats) -> pd.Series:  # noqa: E306
        arr = name_by[field].to_numpy(dtype=object)
        vals = np.where(pos >= 0, arr[np.clip(pos, 0, None)] if len(arr) else None, None)
        return _categorical(vals, cats)

    def flag(name: str) -> pd.Series:
        return col(name).astype("boolean").reset_index(drop=True)

    def num(name: str, dtype: str) -> pd.Series:
        return col(name).astype("Float64").round().astype(dtype).reset_index(drop=True)

    def cat(name: str) -> pd.Series:
        return _categorical(col(name).to_numpy(dtype=object), _SPEC[name].allowed)

    source = col("source").fillna("extract") if "source" in typed else pd.Series(["extract"] * n, dtype="str")
    hour = stamp.dt.hour.astype("Int8").reset_index(drop=True)
    out = pd.DataFrame(
        {
            "incident_id": col("incident_id").astype("str").reset_index(drop=True),
            "offence_datetime": stamp.reset_index(drop=True),
            "offence_date": date.reset_index(drop=True),
            "time_known": stamp.notna().reset_index(drop=True),
            "hour": hour,
            "weekday": date.dt.weekday.astype("Int8").reset_index(drop=True),
            "month": month.reset_index(drop=True),
            "reported_date": reported.reset_index(drop=True),
            "mps_major": _categorical(cls["mps_major"].to_numpy(dtype=object), majors),
            "mps_minor": _categorical(cls["mps_minor"].to_numpy(dtype=object), minors),
            "offence_group": _categorical(cls["offence_group"].to_numpy(dtype=object),
                                          list(dict.fromkeys(mps["offence_group"])) + ["Unclassified"]),
            "major_group": _categorical(cls["major_group"].to_numpy(dtype=object),
                                        list(dict.fromkeys(mps["major_group"])) + ["Unclassified"]),
            "serious_violence_proxy": cls["serious_violence_proxy"].fillna(False).astype(bool).to_numpy(),
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
