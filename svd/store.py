"""The persistent store: checked files applied by analysts, withdrawn when asked, and an append-only audit log.

An embedded DuckDB database (``SVD_STORE``, else ``<data directory>/store/svd.duckdb``). A *load* is one checked
file (an MPS release, a police.uk month or a partnership extract) read by the project's own importers
(``svd.validate.validate_with_result``): the store keeps the file's SHA-256 checksum, who applied it and when, the
import report, the accepted rows and the quarantined rows. Applying a file whose checksum is already applied (and
not withdrawn) changes nothing. Withdrawing a load deletes its rows and quarantined rows; the load's line (who,
when, checksum) stays, and so does every audit entry.

The SQL is plain: tables, INSERT, SELECT, DELETE (of a load's rows only) and one UPDATE (a load's withdrawal). On
PostgreSQL, for a shared deployment: ``BLOB``-free, ``VARCHAR``/``BIGINT``/``DOUBLE``/``BOOLEAN``/``TIMESTAMP`` map
one to one; what changes is the bulk insert of a frame (DuckDB reads the pandas frame in place; PostgreSQL needs
``COPY … FROM STDIN``), ``INSERT … BY NAME`` (list the columns), and the connection (a server, no file lock).

The database is opened for each operation and closed after it, so the command line and the dashboard can take
turns with the same file (DuckDB lets one process write at a time). Nothing is cached here: the dashboard caches
what it reads in ``ui/cache.py``, keyed by ``Store.version()``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from svd.config import data_dir
from svd.schema import ImportResult

STORE_ENV = "SVD_STORE"
FORMATS = ("svd_incidents", "mps_ward", "mps_borough", "police_uk_street")
EXTRACT_FORMAT = "svd_incidents"

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS loads (
        id BIGINT PRIMARY KEY,
        checksum VARCHAR NOT NULL,
        file_name VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        loaded_by VARCHAR NOT NULL,
        loaded_at TIMESTAMP NOT NULL,
        rows_in BIGINT NOT NULL,
        rows_accepted BIGINT NOT NULL,
        rows_quarantined BIGINT NOT NULL,
        months VARCHAR NOT NULL,
        report VARCHAR NOT NULL,
        withdrawn_by VARCHAR,
        withdrawn_at TIMESTAMP
    )""",
    # One line per stored frame of a load: which table holds it and its pandas dtypes (to give back the same frame).
    """CREATE TABLE IF NOT EXISTS frames (
        load_id BIGINT NOT NULL,
        name VARCHAR NOT NULL,
        table_name VARCHAR NOT NULL,
        dtypes VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS audit (
        seq BIGINT PRIMARY KEY,
        at_utc TIMESTAMP NOT NULL,
        who VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        what VARCHAR NOT NULL,
        digest VARCHAR NOT NULL
    )""",
]

# Audit actions (the words the log shows).
SIGN_IN = "sign-in"
LOAD = "load"
LOAD_UNCHANGED = "load (already applied)"
LOAD_REFUSED = "load refused"
WITHDRAW = "withdrawal"
DOWNLOAD = "download of record-level table"


class StoreError(ValueError):
    """A request the store refuses (a file that did not pass its check, an unknown load, a busy database)."""


@dataclass(frozen=True)
class Load:
    """One applied file."""

    id: int
    checksum: str
    file_name: str
    format: str
    loaded_by: str
    loaded_at: dt.datetime
    rows_in: int
    rows_accepted: int
    rows_quarantined: int
    months: tuple[str, ...]
    report: dict = field(repr=False)
    withdrawn_by: str | None = None
    withdrawn_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        """Not withdrawn."""
        return self.withdrawn_at is None

    def describe(self) -> str:
        """One line a reader can follow: "load 3: extract.csv (partnership extract, 2024-01 to 2024-12), …"."""
        span = f", {self.months[0]} to {self.months[-1]}" if self.months else ""
        return (
            f"load {self.id}: {self.file_name} ({KIND[self.format]}{span}), applied by {self.loaded_by} "
            f"on {self.loaded_at:%Y-%m-%d %H:%M} UTC, SHA-256 {self.checksum[:12]}…"
        )

    def citation(self) -> str:
        """How a figure built on this load names it (no person's name: figures reach the public):
        "load 3: file.csv, SHA-256 1a2b3c4d5e6f…, applied 2026-12-03 17:40 UTC"."""
        return (
            f"load {self.id}: {self.file_name}, SHA-256 {self.checksum[:12]}…, "
            f"applied {self.loaded_at:%Y-%m-%d %H:%M} UTC"
        )

    def official(self) -> bool:
        """An official release (MPS, police.uk) rather than a partnership extract."""
        return self.format != EXTRACT_FORMAT


KIND = {
    "svd_incidents": "partnership extract",
    "mps_ward": "MPS ward release",
    "mps_borough": "MPS borough release",
    "police_uk_street": "police.uk month",
}


@dataclass(frozen=True)
class Applied:
    """What ``Store.apply`` did: the load, and whether it is new (False: the same file was already applied)."""

    load: Load
    new: bool


def default_path(root: Path | None = None) -> Path:
    """``SVD_STORE`` if set, else ``store/svd.duckdb`` under the data directory."""
    env = os.environ.get(STORE_ENV, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    return Path(root or data_dir()) / "store" / "svd.duckdb"


def command_line_user() -> str:
    """Who runs a command: the operating-system account (the command line has no sign-in)."""
    try:
        return f"{getpass.getuser()} at the command line"
    except Exception:  # noqa: BLE001 — no account name (a container without one): still say it was the CLI
        return "the command line"


def checksum(path: Path | str) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _sql_type(dtype) -> str:
    kind = str(dtype)
    if kind in ("bool", "boolean"):
        return "BOOLEAN"
    if kind.lower().startswith(("int", "uint")):
        return "BIGINT"
    if kind.startswith("float") or kind.startswith("Float"):
        return "DOUBLE"
    if kind.startswith("datetime64"):
        return "TIMESTAMP"
    return "VARCHAR"  # str, object, category (kept as text; categories restored from ``frames.dtypes``)


def _describe_dtypes(frame: pd.DataFrame) -> dict:
    out = {}
    for col, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):
            out[col] = {
                "dtype": "category",
                "categories": [str(c) for c in dtype.categories],
                "ordered": dtype.ordered,
            }
        else:
            out[col] = {"dtype": str(dtype)}
    return out


def _restore(frame: pd.DataFrame, dtypes: dict) -> pd.DataFrame:
    cols = {}
    for col, spec in dtypes.items():
        s = frame[col]
        if spec["dtype"] == "category":
            cols[col] = pd.Categorical(
                s.astype(object), categories=spec["categories"], ordered=spec["ordered"]
            )
        elif spec["dtype"] in ("str", "object", "string"):
            cols[col] = s.astype(object).where(s.notna(), None).astype(spec["dtype"])
        else:
            cols[col] = s.astype(spec["dtype"])
    return pd.DataFrame(cols, index=pd.RangeIndex(len(frame)))


def _ident(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise StoreError(f"not a plain column name: {name!r}")
    return f'"{name}"'


class Store:
    """The store file and what can be done with it. Holds no data between calls (opened per operation)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @classmethod
    def default(cls, root: Path | None = None) -> Store:
        """The store at ``default_path(root)``."""
        return cls(default_path(root))

    # ------------------------------------------------------------------ connection
    @property
    def exists(self) -> bool:
        """Whether anything was ever written (a store that was never used is not created by reading)."""
        return self.path.is_file()

    def version(self) -> tuple:
        """A key that changes whenever the file changes (its and its write-ahead log's size and time)."""
        parts = []
        for p in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = p.stat()
                parts.append((st.st_mtime_ns, st.st_size))
            except OSError:
                parts.append(None)
        return (str(self.path), *parts)

    @contextlib.contextmanager
    def _connect(self, write: bool):
        import duckdb

        if write:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        last: Exception | None = None
        for attempt in range(20):  # another process (the CLI, or the dashboard) may hold the file briefly
            try:
                con = duckdb.connect(str(self.path), read_only=False)
                break
            except duckdb.IOException as exc:
                last = exc
                time.sleep(0.1 * (attempt + 1))
        else:
            raise StoreError("the store is in use by another program; try again in a moment") from last
        try:
            for statement in SCHEMA:
                con.execute(statement)
            if write:
                con.execute("BEGIN TRANSACTION")
            yield con
            if write:
                con.execute("COMMIT")
        except BaseException:
            if write:
                with contextlib.suppress(Exception):
                    con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    # ------------------------------------------------------------------ loads
    @staticmethod
    def _load_from_row(row) -> Load:
        (id_, cs, name, fmt, by, at, rin, racc, rq, months, report, wby, wat) = row
        return Load(
            int(id_),
            cs,
            name,
            fmt,
            by,
            at,
            int(rin),
            int(racc),
            int(rq),
            tuple(json.loads(months)),
            json.loads(report),
            wby,
            wat,
        )

    def loads(self, include_withdrawn: bool = True) -> list[Load]:
        """Every load, newest first."""
        if not self.exists:
            return []
        with self._connect(write=False) as con:
            where = "" if include_withdrawn else " WHERE withdrawn_at IS NULL"
            rows = con.execute(f"SELECT * FROM loads{where} ORDER BY id DESC").fetchall()
        return [self._load_from_row(r) for r in rows]

    def load(self, load_id: int) -> Load:
        """One load (StoreError if there is none with this id)."""
        for found in self.loads():
            if found.id == int(load_id):
                return found
        raise StoreError(f"there is no load {load_id}")

    def active_extract(self) -> Load | None:
        """The partnership extract the dashboard uses: the most recently applied one not withdrawn, or None."""
        return next((x for x in self.loads(include_withdrawn=False) if x.format == EXTRACT_FORMAT), None)

    def official_loads(self) -> list[Load]:
        """The official releases in use (MPS ward and borough releases, police.uk months), oldest first."""
        return sorted((x for x in self.loads(include_withdrawn=False) if x.official()), key=lambda x: x.id)

    def apply(self, path: Path | str, who: str, name: str | None = None) -> Applied:
        """Check ``path`` with the project's importers and keep it as a new load; the same file again is a no-op.

        ``name``: the file name to record (an upload's original name; default the file's own). A file that does
        not pass its check (unknown format, nothing accepted, an MPS release set aside) is refused: StoreError
        with the reasons, and an audit entry.
        """
        from svd.validate import usable, validate_with_result

        path = Path(path)
        name = name or path.name
        digest = checksum(path)
        for existing in self.loads(include_withdrawn=False):
            if existing.checksum == digest:
                self.record(who, LOAD_UNCHANGED, f"{name}: same file as load {existing.id}")
                return Applied(existing, new=False)
        report, result = validate_with_result(path)
        report = report | {"path": name}  # never the server's folder (an upload lives in a temporary one)
        if result is None or not usable(report) or report["format"] not in FORMATS:
            reasons = "; ".join(p["reason"] for p in report["problems"][:3]) or "nothing could be accepted"
            self.record(who, LOAD_REFUSED, f"{name}: {reasons}")
            raise StoreError(f"{name} was not applied: {reasons}")
        with self._connect(write=True) as con:
            new_id = con.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM loads").fetchone()[0]
            con.execute(
                "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                [
                    new_id,
                    digest,
                    name,
                    report["format"],
                    who,
                    _now(),
                    report["rows_in"],
                    report["rows_accepted"],
                    report["rows_quarantined"],
                    json.dumps(report["months"]),
                    json.dumps(report, default=str),
                ],
            )
            self._put_frame(con, new_id, "data", f"rows_{report['format']}", result.data)
            self._put_frame(con, new_id, "quarantine", "quarantine_rows", result.quarantine)
            self._append_audit(
                con, who, LOAD, f"load {new_id}: {name} ({KIND[report['format']]}, {digest[:12]}…)"
            )
        return Applied(self.load(new_id), new=True)

    def withdraw(self, load_id: int, who: str) -> Load:
        """Withdraw a load: delete its rows and quarantined rows; keep its line and the audit log."""
        load = self.load(load_id)
        if not load.active:
            raise StoreError(f"load {load_id} was already withdrawn on {load.withdrawn_at:%Y-%m-%d %H:%M}")
        with self._connect(write=True) as con:
            for (table,) in con.execute(
                "SELECT table_name FROM frames WHERE load_id = ?", [load.id]
            ).fetchall():
                con.execute(f"DELETE FROM {_ident(table)} WHERE load_id = ?", [load.id])
            con.execute("DELETE FROM frames WHERE load_id = ?", [load.id])
            con.execute(
                "UPDATE loads SET withdrawn_by = ?, withdrawn_at = ? WHERE id = ?", [who, _now(), load.id]
            )
            self._append_audit(con, who, WITHDRAW, f"load {load.id}: {load.file_name}")
        return self.load(load.id)

    def _put_frame(self, con, load_id: int, name: str, table: str, frame: pd.DataFrame) -> None:
        frame = frame.reset_index(drop=True)
        cols = [str(c) for c in frame.columns]
        columns = ", ".join(f"{_ident(c)} {_sql_type(t)}" for c, t in zip(cols, frame.dtypes, strict=True))
        con.execute(f"CREATE TABLE IF NOT EXISTS {_ident(table)} (load_id BIGINT, pos BIGINT, {columns})")
        have = {r[0] for r in con.execute(f"DESCRIBE {_ident(table)}").fetchall()}
        for c, t in zip(cols, frame.dtypes, strict=True):
            if c not in have:  # a later file with a column the first one lacked
                con.execute(f"ALTER TABLE {_ident(table)} ADD COLUMN {_ident(c)} {_sql_type(t)}")
        # Categories and pandas' nullable types go in as plain values; their dtypes are kept in ``frames``.
        plain = pd.DataFrame(
            {
                c: (frame[c].astype(object) if isinstance(frame[c].dtype, pd.CategoricalDtype) else frame[c])
                for c in cols
            }
        )
        con.register("incoming", plain)
        try:
            select = ", ".join(
                f"CAST({_ident(c)} AS {_sql_type(t)}) AS {_ident(c)}"
                for c, t in zip(cols, frame.dtypes, strict=True)
            )
            con.execute(
                f"INSERT INTO {_ident(table)} BY NAME "
                f"SELECT CAST(? AS BIGINT) AS load_id, CAST(row_number() OVER () - 1 AS BIGINT) AS pos, {select} "
                "FROM incoming",
                [load_id],
            )
        finally:
            con.unregister("incoming")
        con.execute(
            "INSERT INTO frames VALUES (?, ?, ?, ?)",
            [load_id, name, table, json.dumps(_describe_dtypes(frame))],
        )

    def _get_frame(self, con, load_id: int, name: str) -> pd.DataFrame:
        row = con.execute(
            "SELECT table_name, dtypes FROM frames WHERE load_id = ? AND name = ?", [load_id, name]
        ).fetchone()
        if row is None:
            raise StoreError(f"load {load_id} holds no {name} (withdrawn?)")
        table, dtypes = row[0], json.loads(row[1])
        select = ", ".join(_ident(c) for c in dtypes) or "1"
        frame = con.execute(
            f"SELECT {select} FROM {_ident(table)} WHERE load_id = ? ORDER BY pos", [load_id]
        ).df()
        return _restore(frame, dtypes)

    def result(self, load_id: int) -> ImportResult:
        """The load's import result as its importer gave it: accepted rows (same columns and dtypes), quarantine."""
        load = self.load(load_id)
        if not load.active:
            raise StoreError(f"load {load_id} was withdrawn: its rows are gone")
        with self._connect(write=False) as con:
            data = self._get_frame(con, load.id, "data")
            quarantine = self._get_frame(con, load.id, "quarantine")
        return ImportResult(
            path=load.file_name,
            format=load.format,
            data=data,
            quarantine=quarantine,
            rows_in=load.rows_in,
            rows_accepted=load.rows_accepted,
            months_ignored=tuple(load.report.get("months_ignored", ())),
            extra={k: load.report[k] for k in ("duplicates", "missing_optional_columns") if k in load.report},
        )

    # ------------------------------------------------------------------ audit (append-only)
    @staticmethod
    def _digest(previous: str, at: dt.datetime, who: str, action: str, what: str) -> str:
        text = json.dumps([previous, at.isoformat(), who, action, what])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _append_audit(self, con, who: str, action: str, what: str) -> None:
        last = con.execute("SELECT seq, digest FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, previous = (last[0] + 1, last[1]) if last else (1, "")
        at = _now()
        con.execute(
            "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?)",
            [seq, at, who, action, what, self._digest(previous, at, who, action, what)],
        )

    def record(self, who: str, action: str, what: str) -> None:
        """Append one entry to the audit log (the only way anything reaches it; nothing changes or removes one)."""
        with self._connect(write=True) as con:
            self._append_audit(con, who, action, what)

    def audit_log(self) -> pd.DataFrame:
        """The audit log, oldest first: seq, at_utc, who, action, what."""
        columns = ["seq", "at_utc", "who", "action", "what"]
        if not self.exists:
            return pd.DataFrame(columns=columns)
        with self._connect(write=False) as con:
            return con.execute(f"SELECT {', '.join(columns)} FROM audit ORDER BY seq").df()

    def verify_audit(self) -> list[int]:
        """The sequence numbers of audit entries that were changed, removed before, or reordered (empty: intact).

        Each entry's digest covers the one before it, so editing or deleting an entry breaks the chain after it.
        """
        if not self.exists:
            return []
        with self._connect(write=False) as con:
            rows = con.execute(
                "SELECT seq, at_utc, who, action, what, digest FROM audit ORDER BY seq"
            ).fetchall()
        broken, previous, expected = [], "", 1
        for seq, at, who, action, what, digest in rows:
            if seq != expected or self._digest(previous, at, who, action, what) != digest:
                broken.append(int(seq))
            previous, expected = digest, seq + 1
        return broken


def loads_table(loads: list[Load], use: dict[int, str] | None = None) -> pd.DataFrame:
    """Loads as a table for the Data page and ``python -m svd loads``; ``use`` (load id → what the pages take
    from it, ``svd.dataquality.store_use``) adds a column ``used_by_pages``."""
    table = pd.DataFrame(
        {
            "load": [x.id for x in loads],
            "file": [x.file_name for x in loads],
            "kind": [KIND[x.format] for x in loads],
            "months": [f"{x.months[0]} to {x.months[-1]}" if x.months else "" for x in loads],
            "rows_accepted": [x.rows_accepted for x in loads],
            "rows_quarantined": [x.rows_quarantined for x in loads],
            "applied_by": [x.loaded_by for x in loads],
            "applied_at": [x.loaded_at for x in loads],
            "status": [
                "in use" if x.active else f"withdrawn by {x.withdrawn_by} on {x.withdrawn_at:%Y-%m-%d %H:%M}"
                for x in loads
            ],
            "sha256": [x.checksum for x in loads],
        }
    )
    if use is not None:
        table.insert(table.columns.get_loc("months") + 1, "used_by_pages", [use.get(x.id, "") for x in loads])
    return table
