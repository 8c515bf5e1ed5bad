"""London at scale: every ward's MPS counts and a simulated record table for all 4,994 LSOAs, in DuckDB over Parquet.

``build(out_dir)`` writes four Parquet files from the publishers' files (nothing here parses them again: the MPS
releases go through ``svd.mps.load_mps``, the geography and population through ``svd.london``):

* ``wards.parquet``: the 679 wards of the 32 MPS boroughs (ONS Dec 2022) with usual residents (Census 2021
  TS001 summed over the LSOAs the GLA best-fits to each ward);
* ``lsoas.parquet``: London's 4,994 LSOAs with their best-fit ward, borough and usual residents;
* ``ward_counts.parquet``: the merged MPS ward releases, one row per ward × month × offence (official);
* ``records.parquet``: **simulated** records, one per offence in ``ward_counts``: each is placed in one of its
  ward's LSOAs in proportion to the LSOA's residents, with an hour and a weekday drawn from
  ``svd.simulate``'s default profiles (``source = 'simulated'``). Counts by ward × month × offence are the real
  MPS counts; everything below the ward is simulated and must be labelled so.

``LondonStore`` opens the folder in an in-process DuckDB database and answers the London map's questions in
plain SQL (SELECT, JOIN, GROUP BY, COALESCE, NULLIF, CAST, IN): the same statements run on PostgreSQL once the
four tables are loaded there (see docs/architecture.md); only ``read_parquet`` in ``_load_tables`` is DuckDB's.

No module-level state: the caller owns the store (the app keeps one per server in ``ui/cache.py``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from svd import london, mps
from svd import provenance as prov
from svd import simulate as sim
from svd.config import data_dir as default_data_dir
from svd.provenance import Provenance

CITY_OF_LONDON = mps.CITY_OF_LONDON
TABLES = ("wards", "lsoas", "ward_counts", "records")
MANIFEST = "manifest.json"
STORE_VERSION = 1
DEFAULT_SEED = sim.DEFAULT_SEED
SIMULATED = "simulated"
OFFICIAL_SOURCE = "MPS Ward Level Crime (most recent 24 months), London Datastore: releases merged"
SIMULATED_SOURCE = (
    "simulated records: the real MPS ward counts placed in each ward's LSOAs by residents, with simulated "
    "hour and weekday"
)


@dataclass(frozen=True)
class BuildReport:
    """What ``build`` wrote: rows per table, seconds, megabytes read and written, the MPS releases used."""

    out_dir: str
    rows: dict[str, int]
    seconds: float
    input_mb: float
    output_mb: float
    releases: list[str]
    seed: int

    def sentence(self) -> str:
        """One plain sentence (no folder: the report may reach a user)."""
        return (
            f"{len(self.releases)} MPS ward releases ({self.input_mb:.1f} MB) imported in {self.seconds:.1f} s: "
            f"{self.rows['ward_counts']:,} ward × month × offence rows and {self.rows['records']:,} simulated "
            f"records for {self.rows['lsoas']:,} LSOAs in {self.rows['wards']:,} wards ({self.output_mb:.1f} MB)."
        )


def _sources(root: Path) -> list[Path]:
    files = [root / london.WARDS_FILE, root / london.LSOAS_FILE, root / london.GLA_LOOKUP_FILE]
    return [*files, root / london.TS001_FILE, *mps.mps_files("ward", root)]


def _fingerprint(root: Path, seed: int) -> dict:
    """What the store was built from: each source file's name, size and modification time, the seed, and the MPS
    ward releases applied in ``svd.store`` that ``mps.load_mps`` merges in (only when there are any)."""
    out = {
        "version": STORE_VERSION,
        "seed": seed,
        "sources": [
            [p.name, p.stat().st_size, int(p.stat().st_mtime)] for p in _sources(root) if p.is_file()
        ],
    }
    from svd.store import Store

    applied = Store.default(root)
    if applied.exists:
        loads = [x.citation() for x in applied.official_loads() if x.format == "mps_ward"]
        if loads:
            out["store_loads"] = loads
    return out


def geography(data_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The wards (32 boroughs, with residents) and LSOAs (best-fit ward, residents) tables of the store."""
    root = Path(data_dir or default_data_dir())
    wards = london.wards(root)
    wards = pd.DataFrame(wards[wards["borough_code"] != CITY_OF_LONDON].drop(columns="geometry"))
    lsoas = pd.DataFrame(london.lsoas(root).drop(columns="geometry"))[
        ["lsoa_code", "lsoa_name", "borough_code", "borough_name"]
    ]
    lookup = london.gla_lookup(root)[["lsoa_code", "ward_code"]]
    residents = london.lsoa_residents(root)[["lsoa_code", "all_ages"]].rename(
        columns={"all_ages": "residents"}
    )
    lsoas = lsoas.merge(lookup, on="lsoa_code", how="left").merge(residents, on="lsoa_code", how="left")
    by_ward = lsoas.groupby("ward_code", as_index=False)["residents"].sum(min_count=1)
    names = lsoas[["borough_code", "borough_name"]].drop_duplicates("borough_code")
    wards = wards.merge(names, on="borough_code", how="left").merge(by_ward, on="ward_code", how="left")
    lsoas = lsoas.astype({"residents": "Int64"})
    wards = wards.astype({"residents": "Int64"})
    ward_cols = ["ward_code", "ward_name", "borough_code", "borough_name", "residents"]
    lsoa_cols = ["lsoa_code", "lsoa_name", "ward_code", "borough_code", "borough_name", "residents"]
    return (
        wards[ward_cols].sort_values("ward_code").reset_index(drop=True),
        lsoas[lsoa_cols].sort_values("lsoa_code").reset_index(drop=True),
    )


def ward_counts_table(merged: pd.DataFrame, wards: pd.DataFrame) -> pd.DataFrame:
    """The merged MPS ward table, plain columns, boroughs from the ONS ward file (the MPS leaves a few blank)."""
    t = merged[["month", "area_code", "major", "minor", "count", "vintage"]].rename(
        columns={"area_code": "ward_code"}
    )
    t = t.astype({c: "str" for c in ("ward_code", "major", "minor", "vintage")})
    t = t.merge(wards[["ward_code", "borough_code"]], on="ward_code", how="inner")
    t["month"] = pd.to_datetime(t["month"]).dt.date
    cols = ["month", "ward_code", "borough_code", "major", "minor", "count", "vintage"]
    return t[cols].sort_values(["month", "ward_code", "major", "minor"]).reset_index(drop=True)


def simulate_records(
    ward_counts: pd.DataFrame, lsoas: pd.DataFrame, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """One simulated record per offence counted in ``ward_counts``, placed in an LSOA of its ward by residents.

    Deterministic for a seed. Per ward, month and offence the number of records equals the MPS count (real);
    the LSOA (drawn with probability proportional to its residents among the ward's best-fit LSOAs, equal
    weights where the ward's LSOAs have no population figure), the hour and the weekday (``svd.simulate``'s
    default profiles) are simulated. Columns: month, lsoa_code, ward_code, borough_code, major, minor, hour
    (0–23), weekday (1 = Monday … 7 = Sunday), source ('simulated').
    """
    rng = np.random.default_rng(seed)
    ls = lsoas.dropna(subset=["ward_code"]).sort_values(["ward_code", "lsoa_code"]).reset_index(drop=True)
    weight = ls["residents"].astype("float64").fillna(0.0).to_numpy()
    ward_of = ls["ward_code"].to_numpy()
    # A ward whose LSOAs have no residents figure gets equal weights, not no records.
    totals = pd.Series(weight).groupby(ward_of).transform("sum").to_numpy()
    weight = np.where(totals > 0, weight, 1.0)
    cum = np.cumsum(weight)
    start = pd.Series(cum - weight).groupby(ward_of).min()
    end = pd.Series(cum).groupby(ward_of).max()
    wc = ward_counts[ward_counts["ward_code"].isin(start.index) & (ward_counts["count"] > 0)]
    n = wc["count"].to_numpy()
    rep = np.repeat(np.arange(len(wc)), n)
    lo = start.reindex(wc["ward_code"]).to_numpy()[rep]
    hi = end.reindex(wc["ward_code"]).to_numpy()[rep]
    pick = np.searchsorted(cum, lo + rng.random(len(rep)) * (hi - lo), side="right")
    pick = np.minimum(pick, len(cum) - 1)
    hour_p = np.asarray(sim.HOUR["default"], dtype=float)
    day_p = np.asarray(sim.WEEKDAY["default"], dtype=float)
    out = pd.DataFrame(
        {
            "month": wc["month"].to_numpy()[rep],
            "lsoa_code": pd.Categorical(ls["lsoa_code"])[pick],
            "ward_code": pd.Categorical(wc["ward_code"])[rep],
            "borough_code": pd.Categorical(wc["borough_code"])[rep],
            "major": pd.Categorical(wc["major"])[rep],
            "minor": pd.Categorical(wc["minor"])[rep],
            "hour": rng.choice(24, size=len(rep), p=hour_p / hour_p.sum()).astype("int16"),
            "weekday": (rng.choice(7, size=len(rep), p=day_p / day_p.sum()) + 1).astype("int16"),
        }
    )
    out["source"] = SIMULATED
    # Categoricals: ~2.7 million London records as Python strings would cost ~1 GB while building.
    text = ["lsoa_code", "ward_code", "borough_code", "major", "minor", "source"]
    return out.astype({c: "category" for c in text})


def build(out_dir: Path, data_dir: Path | None = None, seed: int = DEFAULT_SEED) -> BuildReport:
    """Import the London-wide files (three or more MPS ward releases, geography, population) into Parquet."""
    root = Path(data_dir or default_data_dir()).resolve()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    releases = mps.mps_files("ward", root)
    merged = mps.load_mps("ward", root)
    wards, lsoas = geography(root)
    counts = ward_counts_table(merged.table, wards)
    del merged
    records = simulate_records(counts, lsoas, seed)
    frames = {"wards": wards, "lsoas": lsoas, "ward_counts": counts, "records": records}
    for name, frame in frames.items():
        frame.to_parquet(out / f"{name}.parquet", index=False, compression="zstd")
    seconds = time.perf_counter() - t0
    (out / MANIFEST).write_text(json.dumps(_fingerprint(root, seed), indent=1), encoding="utf-8")
    return BuildReport(
        out_dir=str(out),
        rows={k: len(v) for k, v in frames.items()},
        seconds=seconds,
        input_mb=sum(p.stat().st_size for p in releases) / 1e6,
        output_mb=sum((out / f"{n}.parquet").stat().st_size for n in TABLES) / 1e6,
        releases=[p.name for p in releases],
        seed=seed,
    )


def is_current(out_dir: Path, data_dir: Path | None = None, seed: int = DEFAULT_SEED) -> bool:
    """True when ``out_dir`` holds a store built from the data directory's current files with this seed."""
    out = Path(out_dir)
    try:
        built = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    root = Path(data_dir or default_data_dir()).resolve()
    have = all((out / f"{n}.parquet").is_file() for n in TABLES)
    return have and built == json.loads(json.dumps(_fingerprint(root, seed)))


def ensure(out_dir: Path, data_dir: Path | None = None, seed: int = DEFAULT_SEED) -> BuildReport | None:
    """Build the store unless ``out_dir`` already holds a current one; the report when it was built."""
    return None if is_current(out_dir, data_dir, seed) else build(out_dir, data_dir, seed)


# ----------------------------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Filters:
    """The London map's filters. ``None`` means no restriction.

    ``start``/``end``: first and last month, ``YYYY-MM`` (inclusive); ``majors``/``minors``: MPS categories
    (an offence matches when it is in either list given); ``hours``: hours of the day 0–23 and ``weekdays``
    1 (Monday) to 7 (Sunday), record level only (simulated); ``boroughs``: E09 codes.
    """

    start: str | None = None
    end: str | None = None
    majors: tuple[str, ...] | None = None
    minors: tuple[str, ...] | None = None
    hours: tuple[int, ...] | None = None
    weekdays: tuple[int, ...] | None = None
    boroughs: tuple[str, ...] | None = None

    def describe(self) -> str:
        """The filters in words, for a figure's provenance."""
        bits = []
        if self.start or self.end:
            bits.append(f"months {self.start or 'first'} to {self.end or 'latest'}")
        offences = [*(self.majors or ()), *(self.minors or ())]
        bits.append("offences: " + ("; ".join(o.capitalize() for o in offences) if offences else "all"))
        if self.hours is not None:
            bits.append(f"hours {', '.join(f'{h:02d}' for h in self.hours)}")
        if self.weekdays is not None:
            bits.append("days " + ", ".join(sim.WEEKDAYS[d - 1][:3] for d in self.weekdays))
        if self.boroughs is not None:
            bits.append(f"{len(self.boroughs)} borough(s)")
        return "; ".join(bits)


def _in(column: str, values, params: list) -> str:
    """``column IN (?, ?, …)`` with the values bound (an empty list matches nothing)."""
    values = list(values)
    if not values:
        return "1 = 0"
    params.extend(values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


def _month(value: str) -> str:
    return f"{pd.Period(value, freq='M').start_time:%Y-%m-%d}"


def _where(f: Filters, params: list, record_level: bool) -> str:
    clauses = []
    if f.start:
        clauses.append("month >= CAST(? AS DATE)")
        params.append(_month(f.start))
    if f.end:
        clauses.append("month <= CAST(? AS DATE)")
        params.append(_month(f.end))
    if f.majors is not None or f.minors is not None:
        parts = []
        if f.majors is not None:
            parts.append(_in("major", f.majors, params))
        if f.minors is not None:
            parts.append(_in("minor", f.minors, params))
        clauses.append("(" + " OR ".join(parts) + ")")
    if f.boroughs is not None:
        clauses.append(_in("borough_code", f.boroughs, params))
    if record_level:
        if f.hours is not None:
            clauses.append(_in("hour", [int(h) for h in f.hours], params))
        if f.weekdays is not None:
            clauses.append(_in("weekday", [int(d) for d in f.weekdays], params))
    elif f.hours is not None or f.weekdays is not None:
        raise ValueError(
            "hours and weekdays are record-level filters: the MPS ward counts have no time of day"
        )
    return " AND ".join(clauses) or "1 = 1"


class LondonStore:
    """An open London store: an in-process DuckDB database over the four Parquet tables, and the map's queries.

    Open once per server and share it: each query runs on its own cursor, so sessions do not block one another's
    Python code. Every query returns a new pandas frame.
    """

    def __init__(self, out_dir: Path):
        self.folder = Path(out_dir)
        missing = [n for n in TABLES if not (self.folder / f"{n}.parquet").is_file()]
        if missing:
            raise FileNotFoundError(f"the London store has no {', '.join(missing)} table: build it first")
        import duckdb  # here, not at import: the start-up warming checks the store without loading DuckDB

        self._con = duckdb.connect(":memory:")
        self._load_tables()

    def _load_tables(self) -> None:
        # Views over the Parquet files, not tables copied into DuckDB: copying 2.7 million records costs
        # ~340 MB of server memory for ~7 ms less per LSOA query (measured once by hand, 2026-12-03). On PostgreSQL
        # these four names are ordinary tables and the queries below run unchanged.
        for name in TABLES:
            path = str(self.folder / f"{name}.parquet").replace("'", "''")
            self._con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")

    def close(self) -> None:
        """Release the database."""
        self._con.close()

    def sql(self, statement: str, params: list | None = None) -> pd.DataFrame:
        """Run one SELECT on the store and return its rows as a frame (on a cursor of its own)."""
        cur = self._con.cursor()
        try:
            return cur.execute(statement, params or []).df()
        finally:
            cur.close()

    def months(self) -> list[str]:
        """The months in the store, ``YYYY-MM``, oldest first."""
        out = self.sql("SELECT DISTINCT month FROM ward_counts ORDER BY month")
        return [f"{pd.Timestamp(m):%Y-%m}" for m in out["month"]]

    def offences(self) -> pd.DataFrame:
        """The MPS (major, minor) categories in the store, with their London total count."""
        return self.sql(
            "SELECT major, minor, SUM(count) AS offences FROM ward_counts GROUP BY major, minor ORDER BY major, minor"
        )

    def ward_rates(self, filters: Filters = Filters()) -> pd.DataFrame:
        """Every ward of the 32 boroughs (679) with its MPS count under the filters and its rate per 1,000 residents.

        Official counts (MPS ward file). Wards with no offence under the filters have 0, never a missing row.
        Columns: ward_code, ward_name, borough_code, borough_name, residents, offences, rate_per_1000.
        """
        params: list = []
        where = _where(filters, params, record_level=False)  # placeholders bind in text order: subquery first
        ward_filter = "1 = 1"
        if filters.boroughs is not None:
            ward_filter = _in("w.borough_code", filters.boroughs, params)
        return self.sql(
            f"""
            SELECT w.ward_code, w.ward_name, w.borough_code, w.borough_name, w.residents,
                   CAST(COALESCE(c.offences, 0) AS BIGINT) AS offences,
                   1000.0 * COALESCE(c.offences, 0) / NULLIF(w.residents, 0) AS rate_per_1000
            FROM wards w
            LEFT JOIN (
                SELECT ward_code, SUM(count) AS offences FROM ward_counts WHERE {where} GROUP BY ward_code
            ) c ON c.ward_code = w.ward_code
            WHERE {ward_filter}
            ORDER BY w.ward_code
            """,
            params,
        )

    def ward_months(self, filters: Filters = Filters()) -> pd.DataFrame:
        """Ward × month MPS counts under the filters (offences × months for all 679 wards), zeros omitted.

        Columns: ward_code, borough_code, month, offences.
        """
        params: list = []
        where = _where(filters, params, record_level=False)
        return self.sql(
            f"""
            SELECT ward_code, borough_code, month, CAST(SUM(count) AS BIGINT) AS offences
            FROM ward_counts WHERE {where}
            GROUP BY ward_code, borough_code, month
            ORDER BY ward_code, month
            """,
            params,
        )

    def lsoa_counts(self, filters: Filters = Filters()) -> pd.DataFrame:
        """Every London LSOA (4,994) with its count of **simulated** records under the filters and rate per 1,000.

        The LSOA, hour and weekday of each record are simulated (see the module docstring); summed over a
        ward's LSOAs the counts equal the MPS ward counts for the same months and offences. An LSOA outside the
        MPS's 32 boroughs (the City of London's, policed by the City of London Police) has no count (missing,
        not 0), and an LSOA without a Census figure no rate.
        Columns: lsoa_code, lsoa_name, ward_code, borough_code, borough_name, residents, offences, rate_per_1000.
        """
        params: list = []
        where = _where(filters, params, record_level=True)
        lsoa_params: list = []
        lsoa_filter = "1 = 1"
        if filters.boroughs is not None:
            lsoa_filter = _in("l.borough_code", filters.boroughs, lsoa_params)
        return self.sql(
            f"""
            SELECT l.lsoa_code, l.lsoa_name, l.ward_code, l.borough_code, l.borough_name, l.residents,
                   CASE WHEN l.ward_code IN (SELECT ward_code FROM wards)
                        THEN CAST(COALESCE(c.offences, 0) AS BIGINT) END AS offences,
                   CASE WHEN l.ward_code IN (SELECT ward_code FROM wards)
                        THEN 1000.0 * COALESCE(c.offences, 0) / NULLIF(l.residents, 0) END AS rate_per_1000
            FROM lsoas l
            LEFT JOIN (
                SELECT lsoa_code, COUNT(*) AS offences FROM records WHERE {where} GROUP BY lsoa_code
            ) c ON c.lsoa_code = l.lsoa_code
            WHERE {lsoa_filter}
            ORDER BY l.lsoa_code
            """,
            params + lsoa_params,
        )


@dataclass(frozen=True)
class LondonMap:
    """What a London map shows for one level and set of filters: the table, its provenance and a headline."""

    level: str
    table: pd.DataFrame
    provenance: Provenance
    headline: str

    @property
    def simulated(self) -> bool:
        """True for the LSOA level: the records below the ward are simulated."""
        return self.provenance.simulated


def _period_words(filters: Filters, months: list[str]) -> str:
    first = filters.start or (months[0] if months else "")
    last = filters.end or (months[-1] if months else "")
    fmt = lambda m: f"{pd.Period(m, freq='M'):%b %Y}"  # noqa: E731
    return fmt(first) if first == last else f"{fmt(first)} to {fmt(last)}"


def london_map(store: LondonStore, level: str, filters: Filters = Filters()) -> LondonMap:
    """The London map's figures for ``level`` "ward" (679 wards, official MPS counts) or "lsoa" (4,994 LSOAs,
    simulated records), under ``filters``: the table (``ward_rates`` / ``lsoa_counts``), its provenance
    (source kind, period, area London, filters, method) and a one-sentence headline naming the highest rate.

    For a page: call once per filter change and lay out ``table`` on the map; show ``provenance.short()`` and,
    for the LSOA level, that the records are simulated (``simulated``).
    """
    if level not in ("ward", "lsoa"):
        raise ValueError(f"level must be 'ward' or 'lsoa', not {level!r}")
    table = store.ward_rates(filters) if level == "ward" else store.lsoa_counts(filters)
    period = _period_words(filters, store.months())
    method = f"count of offences; rate {prov.RATE_DENOMINATOR}"
    if level == "ward":
        p = prov.mps(
            period=period, area="London (the 32 MPS boroughs)", filters=filters.describe(), method=method
        )
        name_col, what = "ward_name", "ward"
    else:
        p = prov.Provenance(
            prov.SIMULATED,
            SIMULATED_SOURCE,
            period,
            area="London (the 32 MPS boroughs)",
            filters=filters.describe(),
            method=method + "; each ward's records add up to its MPS count",
            notes="Below the ward, every record's LSOA, hour and weekday are simulated",
        )
        name_col, what = "lsoa_name", "LSOA"
    total = int(table["offences"].sum(skipna=True))
    ranked = table.dropna(subset=["rate_per_1000"]).sort_values("rate_per_1000", ascending=False)
    if ranked.empty or total == 0:
        headline = f"No offences under these filters in {period}."
    else:
        top = ranked.iloc[0]
        headline = (
            f"{total:,} offences in {period} across {int(table['offences'].notna().sum()):,} {what}s"
            + (" (simulated records)" if level == "lsoa" else "")
            + f"; highest rate: {top[name_col]} ({top['borough_name']}), {top['rate_per_1000']:.1f} per 1,000 residents."
        )
    return LondonMap(level, table, p, headline)


def provenance_sentence(level: str, filters: Filters = Filters()) -> str:
    """Where a London map's figures come from, in words: official for wards, simulated for LSOAs."""
    if level == "ward":
        return f"Official data: {OFFICIAL_SOURCE}. Filters: {filters.describe()}. Rate per 1,000 usual residents (Census 2021)."
    if level == "lsoa":
        return (
            f"Simulated records ({SIMULATED_SOURCE}); ward totals equal the MPS counts. "
            f"Filters: {filters.describe()}. Rate per 1,000 usual residents (Census 2021)."
        )
    raise ValueError(f"level must be 'ward' or 'lsoa', not {level!r}")
