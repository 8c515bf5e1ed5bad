"""MPS "Recorded Crime: Geographic Breakdown" wide CSVs → tidy monthly counts; overlapping vintages merged.

The London Datastore publishes each month a "most recent 24 months" file per level (ward, borough) plus a
historical borough file. Each file is a *vintage*: recent months are revised from release to release, and a
release may carry an almost empty first month (a partial month). ``read_mps_file`` turns one file into a tidy
long table and drops partial months; ``merge_vintages`` keeps, for every level and month, the figure from the
most recent release that has that month complete, and reports revisions and gaps.
"""

from __future__ import annotations

import json
import operator
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from svd.config import data_dir as default_data_dir
from svd.schema import QUARANTINE_COLUMNS, ImportResult, csv_rows, current_month, future_month_reason

MAJOR, MINOR = "MajorText", "MinorText"
WARD_ID_COLUMNS = (MAJOR, MINOR, "WardName", "WardCode", "LookUp_BoroughName")
BOROUGH_ID_COLUMNS = (MAJOR, MINOR, "BoroughName")
LEVELS = ("ward", "borough")
CITY_OF_LONDON = "E09000001"
# London as one area (the ONS region code), for tables summed over the 32 MPS boroughs.
LONDON_CODE, LONDON_NAME = "E12000007", "London"
# A month whose London-wide total is below this share of the file's median month total is partial.
PARTIAL_MONTH_SHARE = 0.5
# A release is complete when it agrees with the releases it overlaps: a month's London-wide total may be revised
# down by at most this share (the publisher's documented revision band is 1.2%; the shipped releases differ by
# at most 0.9%), ...
RELEASE_TOTAL_TOLERANCE = 0.012
# ... each borough keeps at least this share of its wards (boundary reviews change a borough's count by up to
# ~15%, as in 2022), and the release has at least this share of the offence categories (MPS renames a few).
RELEASE_WARD_SHARE = 0.8
RELEASE_CATEGORY_SHARE = 0.8

DATA_COLUMNS = [
    "month",
    "area_code",
    "area_name",
    "borough_code",
    "borough_name",
    "major",
    "minor",
    "count",
    "vintage",
    "level",
]
REVISION_COLUMNS = [
    "level",
    "month",
    "area_code",
    "area_name",
    "older_vintage",
    "newer_vintage",
    "old_count",
    "new_count",
    "diff",
    "pct",
]

# The text columns of the tidy table are categoricals: ~665k ward rows × 7 text columns as Arrow strings cost
# ~110 MB per copy (and several copies exist while merging); as categoricals the whole table is ~17 MB.
# Categories are sorted, so sorting by a column still sorts by its text.
_CATEGORY = pd.CategoricalDtype(pd.Index([], dtype="str"))
CATEGORY_COLUMNS = [c for c in DATA_COLUMNS if c not in ("month", "count")]

_MONTH_COL = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
# A header cell shaped like a month (``202413``, ``2026-04``) that is not a valid YYYYMM column: reported, not read.
_MONTH_LIKE = re.compile(r"^\d{6}$|^\d{4}[-/]\d{1,2}$")
_COUNT = re.compile(r"^\d+$")


class FormatError(ValueError):
    """The file is not an MPS ward or borough file."""


@dataclass(frozen=True)
class MergeResult:
    """Vintages merged: one figure per level × month × area × category, plus what was revised and missing.

    ``table`` has ``DATA_COLUMNS`` (``vintage`` says which release each month came from); ``revisions`` compares
    overlapping vintages as borough totals per month (``REVISION_COLUMNS``); ``gaps`` lists the ``YYYY-MM``
    months missing inside the covered span (all levels; ``gaps_by_level`` per level); ``sources`` one dict per
    file read (path, vintage, level, months used, months ignored, row counts).
    """

    table: pd.DataFrame
    revisions: pd.DataFrame
    gaps: list[str]
    sources: list[dict]
    gaps_by_level: dict[str, list[str]] = field(default_factory=dict)
    set_aside: list[dict] = field(default_factory=list)

    def copy(self) -> MergeResult:
        """A deep copy (frames and lists), so cached results are never shared mutably."""
        return MergeResult(
            table=self.table.copy(),
            revisions=self.revisions.copy(),
            gaps=list(self.gaps),
            sources=[dict(s) for s in self.sources],
            gaps_by_level={k: list(v) for k, v in self.gaps_by_level.items()},
            set_aside=[dict(s) for s in self.set_aside],
        )

    def loads(self) -> tuple[str, ...]:
        """The store loads (``svd.store.Load.citation``) that supply at least one month, in load order."""
        return tuple(s["load"] for s in self.sources if s.get("load") and s.get("months_used"))

    def problems(self) -> list[dict]:
        """The releases set aside, as problems (file, reason) for ``summary --json`` and the Data page."""
        return [
            {
                "file": Path(s["path"]).name,
                "level": s["level"],
                "vintage": s["vintage"],
                "reason": s["reason"],
            }
            for s in self.set_aside
        ]


# ------------------------------------------------------------------------------------------ borough names


def _norm_name(name: object) -> str:
    # MPS and ONS spell a few names differently in case and "&" vs "and".
    return re.sub(r"\s+", " ", str(name).replace("&", " and ")).strip().casefold()


def _borough_map(root: Path) -> dict[str, str]:
    path = root / "geo" / "london_boroughs_2022.geojson"
    try:
        with path.open(encoding="utf-8") as fh:
            features = json.load(fh)["features"]
    except (OSError, ValueError, KeyError):
        # Without the boundary file borough codes are unknown (NA); the counts themselves are still good.
        return {}
    return {_norm_name(f["properties"]["LAD22NM"]): str(f["properties"]["LAD22CD"]) for f in features}


def borough_codes(data_dir: Path | None = None) -> dict[str, str]:
    """London borough name (normalised: case-folded, '&' → 'and') → ONS E09 code, from the 2022 boundaries."""
    return dict(_borough_map(Path(data_dir or default_data_dir()).resolve()))


def _codes_for(names: pd.Series, mapping: dict[str, str]) -> pd.Series:
    lookup = {n: mapping.get(_norm_name(n)) for n in names.unique()}
    return pd.Series([lookup[n] for n in names], index=names.index, dtype="str")


# ------------------------------------------------------------------------------------------------ reading


def _month_label(col: str) -> str:
    return f"{col[:4]}-{col[4:]}"


def _level_of(header: list[str]) -> str:
    return "ward" if {"WardCode", "WardName", "LookUp_BoroughName"} & set(header) else "borough"


def sniff(path: Path) -> str:
    """``mps_ward`` or ``mps_borough`` from the header; raises ``FormatError`` if the file is neither."""
    try:
        header, _ = csv_rows(Path(path))
    except OSError as exc:
        raise FormatError(f"{path}: cannot be read ({exc})") from exc
    level = _level_of(header)
    required = WARD_ID_COLUMNS if level == "ward" else BOROUGH_ID_COLUMNS
    missing = [c for c in required if c not in header]
    if missing or not any(_MONTH_COL.match(c) for c in header):
        what = ", ".join(missing) if missing else "no YYYYMM month columns"
        raise FormatError(f"{path}: not an MPS {level} file (missing {what})")
    return f"mps_{level}"


def _month_columns(header: list[str]) -> tuple[list[str], list[dict]]:
    """The header's YYYYMM month columns up to the current month, and a problem for every month-shaped column
    that is not one (``202413``, ``2026-04``) or is later than the current month: never read, never silently
    dropped."""
    now = f"{current_month():%Y%m}"
    months, problems = [], []
    for c in header:
        if _MONTH_COL.match(c):
            if c <= now:
                months.append(c)
            else:
                reason = future_month_reason(_month_label(c)) + "; the column was not read"
                problems.append({"row": None, "column": c, "reason": reason})
        elif _MONTH_LIKE.match(c):
            reason = (
                f"column {c!r} looks like a month but is not a valid YYYYMM month; the column was not read"
            )
            problems.append({"row": None, "column": c, "reason": reason})
    return months, problems


def _unknown_wards(id_cols: dict, lines: list[int], data_dir: Path | None) -> list[dict]:
    """A problem for each ward code of the partnership's borough that is not in the ward boundaries (its rows
    are kept: the borough's totals stay right, but no map can place them)."""
    from svd.config import borough

    try:
        from svd.geo import wards

        known = set(wards(data_dir)["ward_code"].astype(str))
    except Exception:  # noqa: BLE001 — without the boundary file there is nothing to check against
        return []
    codes = pd.Series(np.asarray(id_cols["area_code"], dtype=object))
    mine = pd.Series(np.asarray(id_cols["borough_code"], dtype=object)).eq(borough().code)
    unknown = mine & ~codes.isin(known)
    out = []
    line_no = np.asarray(lines, dtype=np.int64)
    for code, idx in codes[unknown].groupby(codes[unknown]).groups.items():
        at = ", ".join(str(int(x)) for x in line_no[np.asarray(idx)][:10])
        more = f" and {len(idx) - 10} more" if len(idx) > 10 else ""
        out.append(
            {
                "row": int(line_no[idx[0]]),
                "column": "WardCode",
                "reason": f"unknown ward code {code!r}: not in the ward boundaries (lines {at}{more})",
            }
        )
    return out


def _empty_data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(dtype="datetime64[ns]" if c == "month" else "int64" if c == "count" else _CATEGORY)
            for c in DATA_COLUMNS
        }
    )


def _category(values: pd.Series | list[str] | np.ndarray) -> pd.Categorical:
    """Strings as a categorical with lexically sorted categories (so sorting by it sorts by the text)."""
    return pd.Categorical(pd.Series(values, dtype="str"))


def _repeat(cat: pd.Categorical, n: int) -> pd.Categorical:
    """Each value of ``cat`` repeated ``n`` times, by repeating the small integer codes only."""
    return pd.Categorical.from_codes(np.repeat(cat.codes, n), dtype=cat.dtype)


def _constant(value: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=pd.Index([value], dtype="str"))


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack tidy tables column by column; categoricals are unioned (pd.concat would turn them into objects)."""
    columns = {}
    for c in DATA_COLUMNS:
        parts = [f[c] for f in frames]
        if c in CATEGORY_COLUMNS:
            # (A table built elsewhere with plain text columns is categorised first.)
            cats = [p if isinstance(p.dtype, pd.CategoricalDtype) else _category(p) for p in parts]
            columns[c] = union_categoricals(cats, sort_categories=True)
        else:
            columns[c] = np.concatenate([p.to_numpy() for p in parts])
    return pd.DataFrame(columns)


def _quarantine(records: list[tuple[int, str | None, str]]) -> pd.DataFrame:
    q = pd.DataFrame(records, columns=QUARANTINE_COLUMNS)
    return q.astype({"row": "int64", "column": "object", "reason": "object"})


def _parse_counts(
    counts: list[list[str]], month_cols: list[str], lines: list[int]
) -> tuple[np.ndarray, list[tuple[int, tuple[int, str, str]]]]:
    """Counts as int64 plus (row index, quarantine record) for every bad cell."""
    shape = (len(counts), len(month_cols))
    values = np.zeros(shape, dtype=np.int64)
    try:
        # Fast path for a clean file: numpy parses one month column at a time (a whole-block text array
        # would be rows × months × the widest cell, several times the size of the counts themselves).
        for j in range(shape[1]):
            values[:, j] = np.array([row[j] for row in counts], dtype=str).astype(np.int64)
        if not (values < 0).any():
            return values, []
    except ValueError:
        pass
    values.fill(0)  # slow path: cell by cell, so each bad cell gets its own reason
    problems = []
    for i, row in enumerate(counts):
        for j, raw in enumerate(row):
            v = raw.strip().replace(",", "")  # a thousands separator is still a count
            if _COUNT.match(v):
                values[i, j] = int(v)
                continue
            if not v:
                reason = "missing count"
            elif re.match(r"^-\d+$", v):
                reason = f"negative count {v!r}"
            else:
                reason = f"non-numeric count {v!r}"
            problems.append((i, (lines[i], month_cols[j], reason)))
    return values, problems


def read_mps_file(path: Path | str, data_dir: Path | None = None) -> ImportResult:
    """One MPS ward or borough file → tidy long counts (``DATA_COLUMNS``); partial months dropped and listed.

    Never raises on bad content: rows with a missing category/area, a non-numeric or negative count or the
    wrong number of fields are quarantined; a file missing required columns has every row quarantined.
    """
    path = Path(path)
    header, rows = csv_rows(path)
    level = _level_of(header)
    fmt = f"mps_{level}"
    required = WARD_ID_COLUMNS if level == "ward" else BOROUGH_ID_COLUMNS
    month_cols, file_problems = _month_columns(header)
    missing = [c for c in required if c not in header]
    if missing or not month_cols:
        what = ("missing required column(s) " + ", ".join(missing)) if missing else "no YYYYMM month columns"
        reason = f"not a usable MPS {level} file: {what}"
        q = _quarantine([(line, None, reason) for line, _ in rows])
        return ImportResult(
            path=str(path),
            format=fmt,
            data=_empty_data(),
            quarantine=q,
            rows_in=len(rows),
            rows_accepted=0,
            extra={"missing_columns": missing, "level": level, "file_problems": file_problems},
        )

    vintage = f"{_month_label(month_cols[0])} to {_month_label(month_cols[-1])}"
    idx = {c: header.index(c) for c in required}
    # itemgetter pulls the month cells in C, which matters on ~18k rows × 25 months.
    month_idx = [header.index(c) for c in month_cols]
    single = month_idx[0]
    # (itemgetter of one index returns the bare cell, not a 1-tuple.)
    get_counts = operator.itemgetter(*month_idx) if len(month_idx) > 1 else (lambda f: (f[single],))
    area_col = "WardCode" if level == "ward" else "BoroughName"
    problems: list[tuple[int, str | None, str]] = []
    good_ids: list[list[str]] = []
    good_counts: list[list[str]] = []
    seen: dict[tuple[str, ...], int] = {}
    good_lines: list[int] = []
    duplicates = 0
    for line, fields in rows:
        if len(fields) != len(header):
            problems.append((line, None, f"wrong number of fields: {len(fields)} (header has {len(header)})"))
            continue
        vals = [fields[idx[c]].strip() for c in required]
        bad = [
            (line, c, f"missing {c}")
            for c, v in zip(required, vals, strict=True)
            if v == "" and c in (MAJOR, MINOR, area_col)
        ]
        counts = get_counts(fields)
        key = tuple(vals)
        if not bad and key in seen:
            # The key is every identifying column: a ward can legitimately appear under two boroughs.
            bad.append((line, None, f"duplicate of line {seen[key]} ({' / '.join(key)})"))
            duplicates += 1
        if bad:
            problems.extend(bad)
            continue
        seen[key] = line
        good_lines.append(line)
        good_ids.append(vals)
        good_counts.append(counts)

    rows_in = len(rows)
    del rows  # the raw cells are the biggest intermediate; the kept ones live on in good_ids/good_counts
    values, count_problems = _parse_counts(good_counts, month_cols, good_lines)
    del good_counts, seen
    if count_problems:
        ok = np.ones(len(good_ids), dtype=bool)
        ok[[i for i, _ in count_problems]] = False
        problems.extend(p for _, p in count_problems)
        good_ids = [v for v, k in zip(good_ids, ok, strict=True) if k]
        good_lines = [v for v, k in zip(good_lines, ok, strict=True) if k]
        values = values[ok]
    problems.sort(key=lambda p: p[0])
    ids = {c: [v[k] for v in good_ids] for k, c in enumerate(required)}

    # Partial months: judged on the whole file (London-wide), so filtering to one borough never changes them.
    totals = values.sum(axis=0)
    median = float(np.median(totals)) if len(totals) else 0.0
    partial = [i for i, t in enumerate(totals) if t < PARTIAL_MONTH_SHARE * median]
    keep = [i for i in range(len(month_cols)) if i not in partial]
    ignored = tuple(_month_label(month_cols[i]) for i in partial)

    mapping = borough_codes(data_dir)
    if level == "ward":
        borough_names = pd.Series(ids["LookUp_BoroughName"], dtype="str")
        id_cols = {
            "area_code": _category(ids["WardCode"]),
            "area_name": _category(pd.Series(ids["WardName"], dtype="str").replace("", pd.NA)),
            "borough_code": _category(_codes_for(borough_names, mapping)),
            "borough_name": _category(borough_names.replace("", pd.NA)),
        }
    else:
        names = pd.Series(ids["BoroughName"], dtype="str")
        codes = _category(_codes_for(names, mapping))
        id_cols = {"area_code": codes, "area_name": _category(names), "borough_code": codes}
        id_cols["borough_name"] = id_cols["area_name"]
    id_cols |= {"major": _category(ids[MAJOR]), "minor": _category(ids[MINOR])}
    del ids, good_ids

    # Melt only the numeric block: ids are repeated as categorical codes, months tiled, counts reshaped.
    n_rows, n_months = len(values), len(keep)
    months = pd.to_datetime([_month_label(month_cols[i]) + "-01" for i in keep]).astype("datetime64[ns]")
    data = pd.DataFrame(
        {
            "month": np.tile(months.to_numpy(), n_rows),
            **{c: _repeat(v, n_months) for c, v in id_cols.items()},
            "count": values[:, keep].reshape(-1).astype("int64"),
            "vintage": _constant(vintage, n_rows * n_months),
            "level": _constant(level, n_rows * n_months),
        }
    )[DATA_COLUMNS]
    if not n_rows:
        data = _empty_data()
    unmapped = pd.Series(id_cols["borough_name"])[pd.Series(id_cols["borough_code"]).isna()]
    if level == "ward":
        file_problems.extend(_unknown_wards(id_cols, good_lines, data_dir))

    extra = {
        "level": level,
        "vintage": vintage,
        "first_month": _month_label(month_cols[0]),
        "last_month": _month_label(month_cols[-1]),
        "months": [_month_label(month_cols[i]) for i in keep],
        "month_totals": {_month_label(c): int(t) for c, t in zip(month_cols, totals, strict=True)},
        "duplicates": duplicates,
        "unmapped_boroughs": sorted(set(unmapped.dropna().astype(str))),
        "file_problems": file_problems,
    }
    return ImportResult(
        path=str(path),
        format=fmt,
        data=data,
        quarantine=_quarantine(problems),
        rows_in=rows_in,
        rows_accepted=n_rows,
        months_ignored=ignored,
        extra=extra,
    )


# ------------------------------------------------------------------------------------------------ merging


def _month_str(ts: pd.Timestamp) -> str:
    return f"{ts:%Y-%m}"


def _vintage_key(result: ImportResult) -> tuple[str, str]:
    # Most recent = latest last month; tie → latest first month (both from the file's own month columns).
    first, _, last = str(result.extra.get("vintage", "")).partition(" to ")
    return (result.extra.get("last_month", last), result.extra.get("first_month", first))


def _level_gaps(months: pd.Series) -> list[str]:
    present = set(pd.DatetimeIndex(months.dropna().unique()))
    if not present:
        return []
    span = pd.date_range(min(present), max(present), freq="MS")
    return [_month_str(m) for m in span if m not in present]


def _borough_totals(df: pd.DataFrame) -> pd.DataFrame:
    totals = (
        df.groupby(["month", "borough_name"], as_index=False, dropna=False, observed=True)["count"]
        .sum()
        .rename(columns={"borough_name": "area_name"})
    )
    # The totals are small: plain strings from here on, so merges and fills behave as for any text column.
    totals["area_name"] = totals["area_name"].astype("str")
    pairs = df[["borough_name", "borough_code"]].drop_duplicates("borough_name").astype("str")
    codes = pairs.set_index("borough_name")["borough_code"]
    return totals.assign(
        area_code=totals["area_name"].map(codes).astype("str"),
        area_name=totals["area_name"].fillna("(no borough)"),
    )


def _revisions(level: str, ranked: list[ImportResult]) -> list[pd.DataFrame]:
    """Borough totals per month for each pair of consecutive vintages that both have that month."""
    out = []
    totals = [_borough_totals(r.data) for r in ranked]
    for older, newer, t_old, t_new in zip(ranked, ranked[1:], totals, totals[1:], strict=False):
        common = set(t_old["month"]) & set(t_new["month"])
        if not common:
            continue
        m = t_old[t_old["month"].isin(common)].merge(
            t_new[t_new["month"].isin(common)],
            on=["month", "area_name"],
            how="outer",
            suffixes=("_old", "_new"),
        )
        old = m["count_old"].fillna(0).astype("int64")
        new = m["count_new"].fillna(0).astype("int64")
        diff = new - old
        out.append(
            pd.DataFrame(
                {
                    "level": level,
                    "month": m["month"],
                    "area_code": m["area_code_old"].fillna(m["area_code_new"]),
                    "area_name": m["area_name"],
                    "older_vintage": older.extra["vintage"],
                    "newer_vintage": newer.extra["vintage"],
                    "old_count": old,
                    "new_count": new,
                    "diff": diff,
                    "pct": (100.0 * diff / old.where(old != 0)).astype("float64"),
                }
            )
        )
    return out


@dataclass(frozen=True)
class _Profile:
    """What a release's completeness is judged on: areas per borough, categories, London-wide month totals."""

    wards: dict[str, int]  # borough → number of areas (wards; 1 per borough in a borough file)
    names: dict[str, str]  # borough → its name, for the reason
    pairs: frozenset[tuple[str, str]]
    majors: frozenset[str]
    totals: dict[pd.Timestamp, int]


def _profile(result: ImportResult, by_code: bool) -> _Profile:
    d = result.data
    areas = d[["borough_code", "borough_name", "area_code"]].drop_duplicates().astype("object")
    # Real boroughs by their code when the boundaries named them; by name otherwise (no boundary file).
    key = areas["borough_code"].where(
        areas["borough_code"].notna(), "name:" + areas["borough_name"].astype(str)
    )
    if by_code:
        keep = areas["borough_code"].notna()  # airports, "Unknown": not boroughs, may come and go
        areas, key = areas[keep], key[keep]
    wards = areas.groupby(key)["area_code"].nunique().to_dict()
    names = dict(zip(key, areas["borough_name"].astype(str), strict=True))
    cats = d[["major", "minor"]].drop_duplicates().astype(str)
    totals = d.groupby("month")["count"].sum()
    return _Profile(
        wards={str(k): int(v) for k, v in wards.items()},
        names={str(k): v for k, v in names.items()},
        pairs=frozenset(zip(cats["major"], cats["minor"], strict=True)),
        majors=frozenset(cats["major"]),
        totals={pd.Timestamp(k): int(v) for k, v in totals.items()},
    )


def _expected_profile(level: str, data_dir: Path) -> _Profile | None:
    """For a release with no other release to compare with: every London borough in the boundary file (City of
    London aside) and, at ward level, every ward of the partnership's borough in the ward boundaries."""
    from svd.config import borough

    try:
        with (Path(data_dir) / "geo" / "london_boroughs_2022.geojson").open(encoding="utf-8") as fh:
            props = [f["properties"] for f in json.load(fh)["features"]]
        boroughs = {str(f["LAD22CD"]): str(f["LAD22NM"]) for f in props if f["LAD22CD"] != CITY_OF_LONDON}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not boroughs:
        return None
    wards = {c: 1 for c in boroughs}
    if level == "ward":
        try:
            from svd.geo import wards as ward_shapes

            wards[borough().code] = len(ward_shapes(data_dir))
        except Exception:  # noqa: BLE001 — no ward boundaries: the borough only has to be there
            pass
    return _Profile(wards=wards, names=boroughs, pairs=frozenset(), majors=frozenset(), totals={})


def _few(items: list[str], n: int = 3) -> str:
    shown = ", ".join(items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")


def _lacks(mine: _Profile, other: _Profile, against: str, level: str) -> list[str]:
    """What ``mine`` lacks that ``other`` has: boroughs, wards within a borough, offence categories, and (when
    ``other`` is an older release of the same months) London-wide totals beyond the revision band."""
    reasons = []
    missing = sorted(k for k in other.wards if k not in mine.wards)
    if missing:
        names = [other.names.get(k, k).removeprefix("name:") for k in missing]
        reasons.append(
            f"it has no rows for {len(missing)} of the {len(other.wards)} boroughs {against} ({_few(names)})"
        )
    if level == "ward":
        short = [
            f"{other.names.get(k, k).removeprefix('name:')} has {mine.wards[k]} wards against {n}"
            for k, n in sorted(other.wards.items())
            if k in mine.wards and mine.wards[k] < RELEASE_WARD_SHARE * n
        ]
        if short:
            reasons.append(f"{len(short)} borough(s) have fewer wards than {against} ({_few(short, 2)})")
    common = sorted(set(mine.totals) & set(other.totals))
    # Offence categories: minor categories where the months overlap; where they do not, the major categories
    # (MPS splits and renames minor categories between years).
    theirs, ours = (other.pairs, mine.pairs) if common else (other.majors, mine.majors)
    if theirs and len(theirs & ours) < RELEASE_CATEGORY_SHARE * len(theirs):
        reasons.append(f"it has {len(theirs & ours)} of the {len(theirs)} offence categories {against}")
    return reasons


def _short_totals(mine: _Profile, older: _Profile, against: str) -> list[str]:
    worst = None
    for m in sorted(set(mine.totals) & set(older.totals)):
        old, new = older.totals[m], mine.totals[m]
        drop = (old - new) / old if old > 0 else 0.0
        if drop > RELEASE_TOTAL_TOLERANCE and (worst is None or drop > worst[0]):
            worst = (drop, m, old, new)
    if worst is None:
        return []
    drop, m, old, new = worst
    return [
        f"its London total for {m:%Y-%m} is {100 * drop:.1f}% below {against} ({new:,} against {old:,}; "
        f"releases revise a month by at most {100 * RELEASE_TOTAL_TOLERANCE:.1f}%)"
    ]


def release_problems(results: list[ImportResult], data_dir: Path | None = None) -> dict[int, str]:
    """Releases that cannot be complete, by position in ``results``: why each is set aside.

    A release is compared with every older release of its level (and any of the same months): it must have
    each of their boroughs, at least ``RELEASE_WARD_SHARE`` of each borough's wards (ward files) and
    ``RELEASE_CATEGORY_SHARE`` of their offence categories, and no month they share may have a London total
    more than ``RELEASE_TOTAL_TOLERANCE`` below the older figure. The oldest release (nothing to compare with)
    must have every London borough of the boundary file in ``data_dir`` (and, at ward level, the
    partnership's wards). A file with no accepted rows is not judged here (its import report says why).
    """
    out: dict[int, str] = {}
    for level in LEVELS:
        mine = [
            (i, r)
            for i, r in enumerate(results)
            if r.format in ("mps_ward", "mps_borough")
            and r.extra.get("level") == level
            and "vintage" in r.extra
            and not r.data.empty
        ]
        by_code = any(r.data["borough_code"].notna().any() for _, r in mine)
        profiles = {i: _profile(r, by_code) for i, r in mine}
        for i, r in mine:
            reasons: list[str] = []
            # Judged against the releases before it (or of the same months): a newer release may add
            # categories or wards an older one lacks, never the other way round.
            older = [(j, o) for j, o in mine if j != i and _vintage_key(o) <= _vintage_key(r)]
            # Newest first; the reasons against the first release it falls short of are enough to say why.
            for j, o in sorted(older, key=lambda jo: _vintage_key(jo[1]), reverse=True):
                against = f"in the {o.extra['vintage']} release"
                reasons += _lacks(profiles[i], profiles[j], against, level)
                reasons += _short_totals(profiles[i], profiles[j], f"the {o.extra['vintage']} release")
                if reasons:
                    break
            if not older and data_dir is not None:
                expected = _expected_profile(level, Path(data_dir))
                if expected is not None:
                    reasons += _lacks(profiles[i], expected, "in the London boundary files", level)
            if reasons:
                out[i] = "set aside as incomplete: " + "; ".join(dict.fromkeys(reasons))
    return out


def merge_vintages(results: list[ImportResult], data_dir: Path | None = None) -> MergeResult:
    """For each level and month keep the most recent complete vintage; report revisions, gaps and sources.

    A release that ``release_problems`` finds incomplete is set aside (listed in ``set_aside`` and in
    ``sources`` with its reason) and supplies no month.
    """
    usable = [r for r in results if r.format in ("mps_ward", "mps_borough") and "vintage" in r.extra]
    aside = release_problems(usable, data_dir)
    tables, revisions, sources, set_aside = [], [], [], []
    for i, r in enumerate(usable):
        if i in aside:
            entry = {
                "path": r.path,
                "level": r.extra["level"],
                "vintage": r.extra["vintage"],
                "reason": aside[i],
            } | ({"load": r.extra["load"]} if "load" in r.extra else {})
            set_aside.append(entry)
            sources.append(
                entry
                | {
                    "months_used": [],
                    "months_ignored": list(r.months_ignored),
                    "rows_in": r.rows_in,
                    "rows_accepted": r.rows_accepted,
                    "rows_quarantined": r.rows_quarantined,
                }
            )
    usable = [r for i, r in enumerate(usable) if i not in aside]
    gaps_by_level: dict[str, list[str]] = {}
    for level in LEVELS:
        # Same vintage read twice (a duplicate download) must not count twice: the later one replaces it.
        by_vintage = {r.extra["vintage"]: r for r in usable if r.extra["level"] == level}
        ranked = sorted(by_vintage.values(), key=_vintage_key)
        if not ranked:
            continue
        winner: dict[pd.Timestamp, str] = {}
        for r in ranked:  # later (more recent) vintages overwrite earlier ones, month by month
            for m in r.data["month"].unique():
                winner[pd.Timestamp(m)] = r.extra["vintage"]
        for r in ranked:
            mine = [m for m, v in winner.items() if v == r.extra["vintage"]]
            used = r.data["month"].isin(mine)
            # A vintage that wins every month it has is used whole: no filtered copy.
            tables.append(r.data if used.all() else r.data[used])
            sources.append(
                {
                    "path": r.path,
                    "level": level,
                    "vintage": r.extra["vintage"],
                    "months_used": sorted(_month_str(m) for m in mine),
                    "months_ignored": list(r.months_ignored),
                    "rows_in": r.rows_in,
                    "rows_accepted": r.rows_accepted,
                    "rows_quarantined": r.rows_quarantined,
                }
                # A release applied in the store (``store_releases``) says which load it is.
                | ({"load": r.extra["load"]} if "load" in r.extra else {})
            )
        revisions.extend(_revisions(level, ranked))
        gaps_by_level[level] = _level_gaps(pd.Series(list(winner)))
    tables = [t for t in tables if not t.empty]
    table = _concat(tables) if tables else _empty_data()
    del tables  # before sorting, so at most two copies of the table exist at once
    # Stable sort keeps each file's own row order within a month (cheap; a full key sort costs ~0.3 s).
    table = table.sort_values(["level", "month"], kind="stable", ignore_index=True)
    revisions = [r for r in revisions if not r.empty]
    rev = (
        pd.concat(revisions, ignore_index=True).sort_values(
            ["level", "month", "area_name"], ignore_index=True
        )
        if revisions
        else pd.DataFrame(columns=REVISION_COLUMNS)
    )
    gaps = sorted({g for v in gaps_by_level.values() for g in v})
    return MergeResult(
        table=table,
        revisions=rev,
        gaps=gaps,
        sources=sources,
        gaps_by_level=gaps_by_level,
        set_aside=set_aside,
    )


# ------------------------------------------------------------------------------------------------ loading


def mps_files(level: str = "ward", data_dir: Path | None = None) -> list[Path]:
    """The MPS files of one level in ``data_dir()/crime/mps/`` (name contains "Ward Level" / "Borough Level")."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    folder = Path(data_dir or default_data_dir()) / "crime" / "mps"
    tag = "ward level" if level == "ward" else "borough level"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv" and tag in p.name.lower())


def for_borough(merged: MergeResult, borough_code: str) -> MergeResult:
    """One borough's rows and revisions of a merged result, its categories narrowed to that borough's own."""
    mine = merged.table[merged.table["borough_code"] == borough_code].reset_index(drop=True)
    # Drop the other boroughs' areas from the categories too, so value_counts etc. list only this one's.
    cats = [c for c in CATEGORY_COLUMNS if isinstance(mine[c].dtype, pd.CategoricalDtype)]
    table = mine.assign(**{c: mine[c].cat.remove_unused_categories() for c in cats})
    rev = merged.revisions[merged.revisions["area_code"] == borough_code].reset_index(drop=True)
    return replace(merged, table=table, revisions=rev)


# A row of a release applied in the store has this between its vintage and its load's citation in ``vintage``
# ("2026-02 to 2026-03 · store load 3: file.csv, SHA-256 …, applied …"), so a figure can say which loads its
# rows came from (``loads_in``) without a second lookup.
STORE_TAG = " · store "


def store_releases(level: str, store) -> list[ImportResult]:
    """The releases of one level applied in ``store`` (``svd.store.Store``) and not withdrawn, oldest load first.

    Each is its importer's result as kept by the store, with ``extra`` as ``read_mps_file`` gives it (level,
    vintage, first and last month) plus ``load`` (``Load.citation``), and its rows' ``vintage`` naming the load
    (``STORE_TAG``). ``path`` is the file's name as applied.
    """
    fmt = f"mps_{level}"
    out = []
    for load in store.official_loads():
        if load.format != fmt:
            continue
        result = store.result(load.id)
        if result.data.empty:
            continue
        vintage = str(result.data["vintage"].iloc[0])
        first, _, last = vintage.partition(" to ")
        tagged = _constant(f"{vintage}{STORE_TAG}{load.citation()}", len(result.data))
        # The store gives the categories back as plain objects; as text, like a file's, so they merge with them.
        text = {
            c: pd.Categorical.from_codes(
                result.data[c].cat.codes, categories=pd.Index(result.data[c].cat.categories, dtype="str")
            )
            for c in CATEGORY_COLUMNS
            if isinstance(result.data[c].dtype, pd.CategoricalDtype)
        }
        out.append(
            replace(
                result,
                data=result.data.assign(**(text | {"vintage": tagged})),
                extra=result.extra
                | {
                    "level": level,
                    "vintage": vintage,
                    "first_month": first,
                    "last_month": last,
                    "months": list(load.months),
                    "load": load.citation(),
                },
            )
        )
    return out


def loads_in(table: pd.DataFrame, months=None) -> tuple[str, ...]:
    """The store loads (``Load.citation``) some rows of ``table`` come from, in load order; only rows of
    ``months`` when given. Empty when every row comes from the data directory's files.

    What a figure built from these rows rests on, for its provenance (``svd.provenance.mps(loads=…)``).
    """
    if "vintage" not in table.columns or table.empty:
        return ()
    col = table["vintage"]
    values = col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype) else col.unique()
    if not any(STORE_TAG in str(v) for v in values):  # the usual case, decided on a few category values
        return ()
    if months is not None:
        col = col[table["month"].isin(pd.DatetimeIndex(months)).to_numpy()]
    found = {str(v).split(STORE_TAG, 1)[1] for v in col.astype("str").unique() if STORE_TAG in str(v)}
    return tuple(sorted(found, key=lambda c: int(re.match(r"load (\d+)", c).group(1))))


def loads_over(table: pd.DataFrame, periods) -> tuple[str, ...]:
    """``loads_in`` for the rows of both windows of ``periods`` (``svd.aggregate.Periods``): what a figure
    comparing the chosen months with the same months a year earlier rests on."""
    return loads_in(table, periods.current.append(periods.previous))


def _store_of(root: Path, store):
    """The store whose releases are merged: the data directory's by default, None when there is none."""
    if store is False:
        return None
    if store is None or store is True:
        from svd.store import Store

        store = Store.default(root)
    return store if store.exists else None  # (never opened, nor duckdb imported, when there is no store)


def _load(level: str, root: Path, borough_code: str | None, store=None) -> MergeResult:
    # No cache here: the dashboard caches in ui/cache.py (one owner), and a hidden copy of the London-wide
    # table in this module would outlive every cache clear.
    results = [read_mps_file(p, data_dir=root) for p in mps_files(level, root)]
    applied = _store_of(root, store)
    if applied is not None:
        # After the files: a release of the same vintage applied in the store replaces the file's copy.
        results += store_releases(level, applied)
    merged = merge_vintages(results, data_dir=root)
    return merged if borough_code is None else for_borough(merged, borough_code)


def load_mps(
    level: str = "ward", data_dir: Path | None = None, borough_code: str | None = None, store=None
) -> MergeResult:
    """All MPS releases of a level, vintages merged; optionally one borough (E09 code).

    The releases are the data directory's files and those applied in ``store`` (``svd.store.Store``; by default
    the data directory's store, ``svd.store.default_path``, when it exists; ``False``: the files only), merged by
    one rule (``merge_vintages``): for each month the most recent complete release, a store's release replacing
    a file of the same vintage; a withdrawn load is not read. Each call reads again and returns a new result
    (callers own it); cache in the caller.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    return _load(level, Path(data_dir or default_data_dir()).resolve(), borough_code, store)


def london_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of the 32 MPS boroughs: no City of London, no units without a borough (airports, "Unknown")."""
    code = table["borough_code"]
    return table[(code.notna() & (code != CITY_OF_LONDON)).to_numpy()]


def london_summary(table: pd.DataFrame) -> pd.DataFrame:
    """London by borough: each of the 32 MPS boroughs' counts summed over its wards by level, month, major, minor.

    ``DATA_COLUMNS``, with each borough as one area (``area_code`` = ``borough_code``), so it stands wherever
    "the London rows" of a tidy table are used: a London rate or total (``metrics.london_rows`` keeps every
    row) and a borough's rank among the 32 (``trends.rank(..., code_col="borough_code")``), at ~60k rows
    instead of ~665k London ward rows; ``vintage`` is the release each month came from.
    """
    rows = london_rows(table)
    keys = ["level", "month", "major", "minor", "borough_code", "borough_name"]
    out = rows.groupby(keys, observed=True, as_index=False, sort=True).agg(
        count=("count", "sum"), vintage=("vintage", "first")
    )
    out = out.assign(area_code=out["borough_code"], area_name=out["borough_name"])
    out["count"] = out["count"].astype("int64")
    return out[DATA_COLUMNS].reset_index(drop=True)


def london_totals(level: str = "borough", data_dir: Path | None = None) -> pd.DataFrame:
    """London-wide monthly counts by major/minor: the sum over the 32 MPS boroughs (City of London excluded).

    Rows without a borough code (airports, Aviation Security, "Unknown") are left out, as MPS "London" is the
    32 boroughs. Columns: month, major, minor, count, vintage.
    """
    table = london_summary(load_mps(level=level, data_dir=data_dir).table)
    keys = ["month", "major", "minor"]
    out = table.groupby(keys, observed=True, as_index=False, sort=True).agg(
        count=("count", "sum"), vintage=("vintage", "first")
    )
    return out.astype({"count": "int64"})[["month", "major", "minor", "count", "vintage"]]
