"""data.police.uk street-level CSVs (``YYYY-MM-<force>-street.csv``) → one record per crime or ASB incident.

police.uk gives each record a snap point (anonymised to a place covering 8+ addresses) and a 2011 LSOA. The
dashboard works on 2021 LSOAs and 2022 wards, so each point is re-assigned by point-in-polygon
(``svd.geo.assign_areas``); points outside the borough are quarantined. Anti-social behaviour rows are kept
but flagged ``is_asb`` so offence counts can leave them out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from svd import config
from svd.config import data_dir as default_data_dir
from svd.schema import (
    QUARANTINE_COLUMNS,
    ImportResult,
    csv_rows,
    current_month,
    empty_quarantine,
    future_month_reason,
)

FORMAT = "police_uk_street"
ASB = "Anti-social behaviour"
REQUIRED_COLUMNS = ("Crime ID", "Month", "Longitude", "Latitude", "Crime type")
OPTIONAL_COLUMNS = ("Location", "LSOA code", "LSOA name", "Last outcome category")
RENAME = {
    "Crime ID": "crime_id",
    "Month": "month",
    "Longitude": "longitude",
    "Latitude": "latitude",
    "Location": "location",
    "LSOA code": "lsoa11_code",
    "LSOA name": "lsoa11_name",
    "Crime type": "crime_type",
    "Last outcome category": "outcome",
}
DATA_COLUMNS = [
    "crime_id",
    "month",
    "longitude",
    "latitude",
    "location",
    "lsoa11_code",
    "lsoa11_name",
    "crime_type",
    "outcome",
    "is_asb",
    "lsoa_code",
    "lsoa_name",
    "ward_code",
    "ward_name",
]
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_FILE_MONTH = re.compile(r"^(\d{4}-\d{2})-.+-street\.csv$", re.IGNORECASE)


def _empty_data() -> pd.DataFrame:
    cols = {c: pd.Series(dtype="str") for c in DATA_COLUMNS}
    cols |= {
        "month": pd.Series(dtype="datetime64[ns]"),
        "longitude": pd.Series(dtype="float64"),
        "latitude": pd.Series(dtype="float64"),
        "is_asb": pd.Series(dtype="bool"),
    }
    return pd.DataFrame(cols)[DATA_COLUMNS]


def _quarantine(records: list[tuple[int, str | None, str]]) -> pd.DataFrame:
    if not records:
        return empty_quarantine()
    q = pd.DataFrame(sorted(records, key=lambda r: r[0]), columns=QUARANTINE_COLUMNS)
    return q.astype({"row": "int64", "column": "object", "reason": "object"})


def read_street_file(path: Path | str, data_dir: Path | None = None) -> ImportResult:
    """One police.uk street CSV → records with 2021 LSOA and ward by point-in-polygon; bad rows quarantined.

    Quarantined: wrong number of fields, malformed Month, missing Crime type, missing or invalid coordinates
    ("no location"), and points outside every 2021 LSOA of the borough ("outside Barking and Dagenham").
    ``extra``: ``asb`` (ASB records accepted), ``crimes`` (non-ASB accepted), ``duplicates`` (repeated Crime IDs,
    kept: police.uk publishes some), ``missing_optional_columns``.
    """
    from svd.geo import assign_areas  # imported here so reading the module never loads the boundaries

    path = Path(path)
    header, rows = csv_rows(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        reason = "not a usable police.uk street file: missing required column(s) " + ", ".join(missing)
        q = _quarantine([(line, None, reason) for line, _ in rows])
        return ImportResult(
            path=str(path),
            format=FORMAT,
            data=_empty_data(),
            quarantine=q,
            rows_in=len(rows),
            rows_accepted=0,
            extra={"missing_columns": missing, "asb": 0, "crimes": 0},
        )
    present = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in header]
    idx = [header.index(c) for c in present]
    problems: list[tuple[int, str | None, str]] = []
    good: list[list[str]] = []
    lines: list[int] = []
    for line, fields in rows:
        if len(fields) != len(header):
            problems.append((line, None, f"wrong number of fields: {len(fields)} (header has {len(header)})"))
            continue
        good.append([fields[i].strip() for i in idx])
        lines.append(line)

    raw = pd.DataFrame(good, columns=present, dtype="str")
    for c in OPTIONAL_COLUMNS:
        if c not in raw:
            raw[c] = pd.Series(pd.NA, index=raw.index, dtype="str")
    raw = raw.rename(columns=RENAME).replace("", pd.NA)
    line_no = np.asarray(lines, dtype=np.int64)

    month_ok = raw["month"].fillna("").str.match(_MONTH.pattern).to_numpy(dtype=bool)
    # A month later than the current one cannot have been recorded (e.g. 2099-01): quarantined, never merged.
    future = month_ok & (raw["month"].fillna("") > f"{current_month():%Y-%m}").to_numpy(dtype=bool)
    type_ok = raw["crime_type"].notna().to_numpy(dtype=bool)
    lon = pd.to_numeric(raw["longitude"], errors="coerce")
    lat = pd.to_numeric(raw["latitude"], errors="coerce")
    # (0, 0) is how some exports write "no location"; anything off the globe is not a location either.
    coord_ok = (lon.between(-180, 180) & lat.between(-90, 90) & ~((lon == 0) & (lat == 0))).to_numpy(
        dtype=bool
    )
    located = assign_areas(
        raw.assign(longitude=lon, latitude=lat), lon="longitude", lat="latitude", data_dir=data_dir
    )
    inside = (located["lsoa_code"].notna().to_numpy(dtype=bool)) & coord_ok

    for i in np.flatnonzero(~month_ok):
        problems.append(
            (int(line_no[i]), "Month", f"malformed month {raw['month'].iloc[i]!r} (expected YYYY-MM)")
        )
    for i in np.flatnonzero(future):
        problems.append((int(line_no[i]), "Month", future_month_reason(raw["month"].iloc[i])))
    for i in np.flatnonzero(~type_ok):
        problems.append((int(line_no[i]), "Crime type", "missing crime type"))
    for i in np.flatnonzero(~coord_ok):
        problems.append((int(line_no[i]), "Longitude/Latitude", "no location"))
    for i in np.flatnonzero(coord_ok & ~inside):
        problems.append((int(line_no[i]), "Longitude/Latitude", f"outside {config.borough().name}"))

    ok = month_ok & ~future & type_ok & coord_ok & inside
    data = located[ok].reset_index(drop=True)
    data = (
        data.assign(
            month=pd.to_datetime(data["month"] + "-01", format="%Y-%m-%d").astype("datetime64[ns]"),
            is_asb=(data["crime_type"] == ASB).to_numpy(dtype=bool),
        )[DATA_COLUMNS]
        if ok.any()
        else _empty_data()
    )
    ids = data["crime_id"].dropna()
    asb = int(data["is_asb"].sum())
    extra = {
        "asb": asb,
        "crimes": len(data) - asb,
        "duplicates": int(ids.duplicated().sum()),
        "missing_optional_columns": [c for c in OPTIONAL_COLUMNS if c not in header],
        "file_problems": duplicate_crime_ids(raw["crime_id"], line_no),
    }
    return ImportResult(
        path=str(path),
        format=FORMAT,
        data=data,
        quarantine=_quarantine(problems),
        rows_in=len(rows),
        rows_accepted=int(ok.sum()),
        extra=extra,
    )


def duplicate_crime_ids(ids: pd.Series, lines: np.ndarray) -> list[dict]:
    """One problem per Crime ID that appears on more than one row, listing its line numbers (the rows are
    kept: police.uk publishes some repeats, and the analyst decides)."""
    s = pd.Series(ids.to_numpy(dtype=object), index=np.asarray(lines, dtype=np.int64)).dropna()
    s = s[s.astype(str).str.strip() != ""]
    rep = s[s.duplicated(keep=False)]
    out = []
    for crime_id, where in rep.groupby(rep, sort=False).groups.items():
        at = ", ".join(str(int(x)) for x in where)
        reason = f"Crime ID {crime_id!r} appears on {len(where)} rows (lines {at})"
        out.append({"row": int(where[0]), "column": "Crime ID", "reason": reason})
    return sorted(out, key=lambda p: p["row"])


@dataclass(frozen=True)
class StreetLoad:
    """All street files of a folder combined.

    ``data`` is every accepted record (plus ``source_file``); ``quarantine`` has ``file``, ``row``, ``column``,
    ``reason``; ``gaps`` lists the ``YYYY-MM`` months missing inside the span; ``files`` the per-file results.
    """

    data: pd.DataFrame
    quarantine: pd.DataFrame
    rows_in: int
    rows_accepted: int
    rows_quarantined: int
    months: list[str]
    gaps: list[str]
    asb: int
    crimes: int
    files: list[ImportResult] = field(default_factory=list)
    format: str = FORMAT

    def copy(self) -> StreetLoad:
        """A copy with its own frames and lists, so a cached load is never shared mutably."""
        return StreetLoad(
            self.data.copy(),
            self.quarantine.copy(),
            self.rows_in,
            self.rows_accepted,
            self.rows_quarantined,
            list(self.months),
            list(self.gaps),
            self.asb,
            self.crimes,
            list(self.files),
        )


def street_files(data_dir: Path | None = None) -> list[Path]:
    """The ``YYYY-MM-*-street.csv`` files in ``data_dir()/crime/police_uk/``, in month order."""
    folder = Path(data_dir or default_data_dir()) / "crime" / "police_uk"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _FILE_MONTH.match(p.name))


def _load(root: Path) -> StreetLoad:
    files = street_files(root)
    results = [read_street_file(p, data_dir=root) for p in files]
    frames = [r.data.assign(source_file=Path(r.path).name) for r in results if not r.data.empty]
    data = (
        pd.concat(frames, ignore_index=True)
        if frames
        else _empty_data().assign(source_file=pd.Series(dtype="str"))
    )
    quarantines = [r.quarantine.assign(file=Path(r.path).name) for r in results if not r.quarantine.empty]
    quarantine = (
        pd.concat(quarantines, ignore_index=True)[["file", *QUARANTINE_COLUMNS]]
        if quarantines
        else empty_quarantine().assign(file=pd.Series(dtype="str"))[["file", *QUARANTINE_COLUMNS]]
    )
    # A month counts as present when its file exists (even if every row was quarantined) or data carry it.
    present = {_FILE_MONTH.match(p.name).group(1) for p in files} | {
        f"{m:%Y-%m}" for m in data["month"].unique()
    }
    months = sorted(present)
    gaps = []
    if months:
        span = pd.period_range(months[0], months[-1], freq="M")
        gaps = [str(p) for p in span if str(p) not in present]
    asb = int(data["is_asb"].sum())
    return StreetLoad(
        data=data,
        quarantine=quarantine,
        rows_in=sum(r.rows_in for r in results),
        rows_accepted=sum(r.rows_accepted for r in results),
        rows_quarantined=sum(r.rows_quarantined for r in results),
        months=months,
        gaps=gaps,
        asb=asb,
        crimes=len(data) - asb,
        files=results,
    )


def load_street(data_dir: Path | None = None) -> StreetLoad:
    """Every police.uk street file in the data directory combined, with counts and the months missing.

    Each call reads the files again (no cache here: the dashboard caches in ui/cache.py)."""
    return _load(Path(data_dir or default_data_dir()).resolve())
