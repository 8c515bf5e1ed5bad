"""The reference-dataset catalogue (``data/catalogue.json``) and a check of a data directory against it."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from svd.config import data_dir as default_data_dir
from svd.config import definitions_dir
from svd.reference import Reference, current, kept


@dataclass(frozen=True)
class Dataset:
    """One reference dataset as the catalogue describes it."""

    id: str
    title: str
    path: str
    format: str
    publisher: str
    licence: str
    attribution: str
    columns: tuple[str, ...]
    key: str | None
    rows: int | None
    min_files: int
    required: bool

    def files(self, root: Path) -> list[Path]:
        """The files in ``root`` that match this dataset's path pattern, sorted."""
        return sorted(p for p in root.glob(self.path) if p.is_file())


@dataclass(frozen=True)
class DatasetCheck:
    """What was found for one dataset in a data directory."""

    dataset: Dataset
    files: tuple[Path, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the files are present and match the description."""
        return not self.problems


@kept
def _read_catalogue(ref: Reference, path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def load_catalogue(path: Path | None = None) -> list[Dataset]:
    """The datasets listed in the catalogue for the partnership's borough: a dataset with a ``borough`` (one
    borough's own files, e.g. Barking and Dagenham's boundaries) is left out for every other borough."""
    from svd.config import borough

    raw = _read_catalogue(current(), (path or definitions_dir() / "catalogue.json").resolve())
    code = borough().code
    return [
        Dataset(
            id=d["id"],
            title=d["title"],
            path=d["path"],
            format=d["format"],
            publisher=d["publisher"],
            licence=d["licence"],
            attribution=d["attribution"],
            columns=tuple(d["columns"]),
            key=d.get("key"),
            rows=d.get("rows"),
            min_files=d.get("min_files", 1),
            required=d["required"],
        )
        for d in raw["datasets"]
        if d.get("borough") in (None, code)
    ]


def attribution_lines(path: Path | None = None) -> list[str]:
    """The attribution statements the dashboard must show (as SOURCES.md gives them)."""
    return list(
        _read_catalogue(current(), (path or definitions_dir() / "catalogue.json").resolve())["attribution"]
    )


def _dbf_table(file: Path) -> tuple[list[str], list[list[str]]]:
    """A shapefile's attribute table (its .dbf) as field names and text rows, read without GDAL."""
    raw = file.with_suffix(".dbf").read_bytes()
    n, header_len, record_len = (
        int.from_bytes(raw[4:8], "little"),
        int.from_bytes(raw[8:10], "little"),
        int.from_bytes(raw[10:12], "little"),
    )
    fields, pos = [], 32
    while pos < header_len - 1 and raw[pos] != 0x0D:
        fields.append((raw[pos : pos + 11].split(b"\0")[0].decode("ascii"), raw[pos + 16]))
        pos += 32
    rows = []
    for i in range(n):
        rec, at = (
            raw[header_len + i * record_len : header_len + (i + 1) * record_len],
            1,
        )  # byte 0: deleted flag
        row = []
        for _, width in fields:
            row.append(rec[at : at + width].decode("utf-8", errors="replace").strip())
            at += width
        rows.append(row)
    return [f for f, _ in fields], rows


def _columns_and_rows(file: Path, fmt: str, key: str | None = None) -> tuple[list[str], int, list[str]]:
    """Columns, row count and values of the key column of a CSV, GeoJSON, TopoJSON, shapefile or Nomis export."""
    if fmt == "topojson":
        with file.open(encoding="utf-8") as fh:
            objects = json.load(fh).get("objects") or {}
        geoms = [g for o in objects.values() for g in (o.get("geometries") or [])]
        fields = dict.fromkeys(k for g in geoms for k in (g.get("properties") or {}))
        return list(fields), len(geoms), [str((g.get("properties") or {}).get(key, "")) for g in geoms]
    if fmt == "shapefile":
        fields, rows = _dbf_table(file)
        at = fields.index(key) if key in fields else None
        return fields, len(rows), [r[at] for r in rows] if at is not None else []
    if fmt == "nomis":
        from svd.london import read_ts001  # the one reader of the export (banner, header, footnotes)

        table, report = read_ts001(file)
        lines = list(csv.reader(file.read_text(encoding="utf-8-sig").splitlines()))
        skipped = {n for n, _ in report.skipped}
        first_row = next((n for n in range(1, len(lines) + 1) if n not in skipped), len(lines) + 1)
        # The column header is the last non-blank line the reader skipped before the first data row.
        above = [n for n, reason in report.skipped if n < first_row and reason != "blank"]
        header = [c.strip() for c in lines[above[-1] - 1]] if above else []
        return header, len(table), table["lsoa_code"].tolist()
    if fmt == "geojson":
        # json, not GDAL's read_info: loading GDAL costs the server ~45 MB of memory (see svd.geo._read_geo).
        with file.open(encoding="utf-8") as fh:
            features = json.load(fh).get("features") or []
        fields = dict.fromkeys(k for f in features for k in (f.get("properties") or {}))
        return list(fields), len(features), []
    with file.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        rows = list(reader)
    return header, len(rows), [r[0] if r else "" for r in rows]


def check_dataset(ds: Dataset, root: Path) -> DatasetCheck:
    """Check one dataset's files in ``root``: present, expected columns, expected row count, unique keys."""
    files = ds.files(root)
    problems: list[str] = []
    if len(files) < ds.min_files:
        problems.append(f"missing: expected {ds.path} in {root}")
    for f in files:
        try:
            cols, nrows, keys = _columns_and_rows(f, ds.format, ds.key)
        except Exception as exc:  # noqa: BLE001 — any unreadable file is reported, not raised
            problems.append(f"{f.name}: cannot be read ({exc})")
            continue
        missing = [c for c in ds.columns if c not in cols]
        if missing:
            problems.append(f"{f.name}: missing columns {', '.join(missing)}")
        if ds.rows is not None and nrows != ds.rows:
            problems.append(f"{f.name}: {nrows} rows, expected {ds.rows}")
        if ds.key and not missing and ds.format != "geojson":
            if ds.format not in ("topojson", "shapefile", "nomis"):
                with f.open(newline="", encoding="utf-8-sig") as fh:
                    keys = [row[ds.key] for row in csv.DictReader(fh)]
            if len(set(keys)) != len(keys):
                problems.append(f"{f.name}: duplicate values in key column {ds.key}")
    return DatasetCheck(ds, tuple(files), tuple(problems))


def check(root: Path | None = None) -> list[DatasetCheck]:
    """Check every catalogued dataset in the data directory."""
    root = root or default_data_dir()
    return [check_dataset(ds, root) for ds in load_catalogue()]


def missing_required(root: Path | None = None) -> list[DatasetCheck]:
    """The required datasets that are missing or malformed: the app cannot start without them.

    Checks the required datasets only: every page run asks this before anything else, and the optional London-wide
    files (the Census export alone takes ~0.5 s of CPU to read) are checked on the Data page.
    """
    root = root or default_data_dir()
    checks = (check_dataset(ds, root) for ds in load_catalogue() if ds.required)
    return [c for c in checks if not c.ok]
