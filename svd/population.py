"""Census 2021 usual residents by age (ONS TS007A) for LSOAs, wards, the borough and London.

Two published tables are read and never mixed silently:

* ``census2021_age_lsoa_barking_dagenham.csv`` (LSOA level). ``lsoa_population`` and ``ward_population``
  (the sum of each ward's best-fit LSOAs) come from it. Its 115 LSOAs add up to 218,840 residents and
  82,189 under-25s.
* ``census2021_age_london_boroughs.csv`` (borough level). ``borough_population`` and ``london_populations``
  come from it: Barking and Dagenham 218,869 and 82,176 under-25s; London 8,799,725.

The two disagree slightly (the borough table has 29 more residents in all but 13 fewer under-25s) because ONS applies statistical disclosure
control (cell-key perturbation) to each table and geography separately, so small-area cells need not add to
the published larger-area totals. Rates for the borough and London comparisons use the borough table;
rates for wards and LSOAs use the LSOA table; a ward share of the borough is computed within the LSOA
table. ``reconciliation()`` reports the difference.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from svd import config
from svd.reference import Reference, current, kept

LSOA_FILE = "population/census2021_age_lsoa_barking_dagenham.csv"
BOROUGHS_FILE = "population/census2021_age_london_boroughs.csv"

# The 5-year bands as (column, first age, last age); the last band is open (85 and over).
BANDS: tuple[tuple[str, int, int | None], ...] = tuple(
    [(f"age_{lo}_{lo + 4}", lo, lo + 4) for lo in range(0, 85, 5)] + [("age_85_plus", 85, None)]
)
BAND_COLUMNS = [b[0] for b in BANDS]
DERIVED_COLUMNS = ["age_0_24", "age_10_24"]
COUNT_COLUMNS = ["all_ages", *BAND_COLUMNS, *DERIVED_COLUMNS]
LEVELS = ("lsoa", "ward", "borough")


def _resolve(data_dir: Path | None) -> Path:
    return Path(data_dir if data_dir is not None else config.data_dir()).expanduser().resolve()


def _counts(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The count columns as int64, checked: bands add up to all_ages and the derived columns to their bands."""
    counts = raw[COUNT_COLUMNS].apply(pd.to_numeric, errors="coerce")
    bad = counts.isna().any(axis=1) | (counts < 0).any(axis=1)
    if bad.any():
        raise ValueError(
            f"{path}: non-numeric or negative counts on data rows {list(np.flatnonzero(bad) + 1)}"
        )
    counts = counts.astype("int64")
    if not counts[BAND_COLUMNS].sum(axis=1).eq(counts["all_ages"]).all():
        raise ValueError(f"{path}: age bands do not add up to all_ages")
    if not counts[BAND_COLUMNS[:5]].sum(axis=1).eq(counts["age_0_24"]).all():
        raise ValueError(f"{path}: age_0_24 is not the sum of the 0-24 bands")
    if not counts[BAND_COLUMNS[2:5]].sum(axis=1).eq(counts["age_10_24"]).all():
        raise ValueError(f"{path}: age_10_24 is not the sum of the 10-24 bands")
    return counts


def _lsoa_london(root: Path, code: str) -> pd.DataFrame:
    """A borough without its own age-band LSOA file: Census 2021 TS001 residents (all ages only) per LSOA, with
    the GLA best-fit ward. The age bands are not published in that file: they are left empty (NaN), never
    estimated, so no under-25 figure below borough level can be computed from them."""
    from svd import london

    lookup = london.gla_lookup(root, code)[["lsoa_code", "lsoa_name", "ward_code", "ward_name"]]
    residents = london.lsoa_residents(root)[["lsoa_code", "all_ages"]]
    out = lookup.merge(residents, on="lsoa_code", how="left", validate="one_to_one")
    missing = out["all_ages"].isna()
    if missing.any():
        raise ValueError(
            f"{london.TS001_FILE}: no residents for LSOA(s) {sorted(out.loc[missing, 'lsoa_code'])}"
        )
    out = out.astype({"all_ages": "int64"})
    for col in [*BAND_COLUMNS, *DERIVED_COLUMNS]:
        out[col] = np.nan
    return out.sort_values("lsoa_code").reset_index(drop=True)


def has_age_bands(frame: pd.DataFrame) -> bool:
    """Whether a population frame (LSOA or ward) has age bands: only for boroughs with their own LSOA age file
    (Barking and Dagenham). Elsewhere only all-ages residents exist below borough level."""
    return bool(len(frame)) and bool(frame[BAND_COLUMNS].notna().all().all())


@kept
def _lsoa(ref: Reference, root: Path, code: str) -> pd.DataFrame:
    own = config.borough_files(code).get("lsoa_population_file")
    if own is None:
        return _lsoa_london(root, code)
    path = root / own
    raw = pd.read_csv(path, dtype=str)
    ids = pd.DataFrame(
        {
            "lsoa_code": raw["LSOA21CD"].str.strip(),
            "lsoa_name": raw["LSOA21NM"].str.strip(),
            # The file's ward is the ONS best-fit ward (2025 codes = the 2022 wards), as in svd.geo.
            "ward_code": raw["WD25CD"].str.strip(),
            "ward_name": raw["WD25NM"].str.strip(),
        }
    )
    out = pd.concat([ids, _counts(raw, path)], axis=1)
    return out.sort_values("lsoa_code").reset_index(drop=True)


def lsoa_population(data_dir: Path | None = None) -> pd.DataFrame:
    """Residents per 2021 LSOA: lsoa_code, lsoa_name, ward_code, ward_name, all_ages, 5-year bands, 0-24, 10-24.

    The bands are NaN for a borough without its own LSOA age file (``has_age_bands``)."""
    return _lsoa(current(), _resolve(data_dir), config.borough().code).copy()


def ward_population(data_dir: Path | None = None) -> pd.DataFrame:
    """Residents per ward: the sum of its best-fit LSOAs (LSOA table; totals 218,840, not 218,869)."""
    lsoa = _lsoa(current(), _resolve(data_dir), config.borough().code)
    # min_count=1: a band that is not published stays NaN rather than summing to 0.
    out = lsoa.groupby(["ward_code", "ward_name"], as_index=False)[COUNT_COLUMNS].sum(min_count=1)
    return out.sort_values("ward_code").reset_index(drop=True)


@kept
def _boroughs(ref: Reference, root: Path) -> pd.DataFrame:
    path = root / BOROUGHS_FILE
    raw = pd.read_csv(path, dtype=str)
    ids = pd.DataFrame(
        {"borough_code": raw["geography code"].str.strip(), "borough_name": raw["geography"].str.strip()}
    )
    out = pd.concat([ids, _counts(raw, path)], axis=1)
    return out.assign(is_region=out["borough_code"].str.startswith("E12")).reset_index(drop=True)


def london_populations(data_dir: Path | None = None) -> pd.DataFrame:
    """The 33 London authorities and the London region: borough_code, borough_name, counts…, is_region."""
    return _boroughs(current(), _resolve(data_dir)).copy()


def borough_population(data_dir: Path | None = None) -> pd.DataFrame:
    """One row for the partnership's borough from the borough-level table (Barking and Dagenham: 218,869)."""
    out = _boroughs(current(), _resolve(data_dir))
    return out[out["borough_code"] == config.borough().code].drop(columns="is_region").reset_index(drop=True)


def reconciliation(data_dir: Path | None = None) -> pd.DataFrame:
    """Borough table vs the sum of the LSOA table, per count column (rows: borough_table, lsoa_sum, difference)."""
    b = borough_population(data_dir)[COUNT_COLUMNS].iloc[0]
    s = lsoa_population(data_dir)[COUNT_COLUMNS].sum()
    return pd.DataFrame({"borough_table": b, "lsoa_sum": s, "difference": b - s}).T


def _band_label(lo: int, hi: int | None) -> str:
    return f"{lo}+" if hi is None else f"{lo}-{hi}"


def age_range_population(counts: pd.DataFrame, lo: int, hi: int | None) -> pd.Series:
    """Residents aged lo..hi (inclusive; hi None = no upper limit) per row, from the 5-year band columns.

    A 5-year band that the range only partly covers contributes pro rata, assuming single years of age are
    spread evenly within the band (so 18-24 = 2/5 of age_15_19 + age_20_24). The open 85+ band cannot be
    split, so a range must either stop below 85 or be open-ended from 85 or younger.
    """
    if lo < 0 or (hi is not None and hi < lo):
        raise ValueError(f"bad age range {lo}-{hi}")
    if hi is not None and hi >= 85:
        raise ValueError(f"age range {lo}-{hi} splits the open 85+ band; use an upper limit below 85 or none")
    if hi is None and lo > 85:
        raise ValueError(f"age range {lo}+ lies inside the open 85+ band and cannot be estimated")
    total = pd.Series(0.0, index=counts.index)
    for col, b_lo, b_hi in BANDS:
        if b_hi is None:
            # Reached only by open-ended ranges starting at 85 or younger, which take the whole 85+ band.
            if hi is None:
                total = total + counts[col]
            continue
        top = b_hi if hi is None else min(hi, b_hi)
        years = top - max(lo, b_lo) + 1
        if years > 0:
            total = total + counts[col] * (years / (b_hi - b_lo + 1))
    return total


def _parse_band(band: str | tuple[int, int | None]) -> tuple[int, int | None]:
    if isinstance(band, tuple):
        return int(band[0]), (None if band[1] is None else int(band[1]))
    m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)|(\+))\s*", band)
    if not m:
        raise ValueError(f"bad age band {band!r}: use '18-24', '25+' or a (lo, hi) tuple")
    return int(m.group(1)), (int(m.group(2)) if m.group(2) else None)


def age_band_population(
    level: str,
    code: str,
    bands: Iterable[str | tuple[int, int | None]],
    data_dir: Path | None = None,
) -> pd.Series:
    """Residents of one area in arbitrary age ranges, e.g. bands=["10-17", "18-24", "25+"] → Series by label.

    ``level`` is "lsoa", "ward" or "borough" (any London authority or the London region, from the borough
    table). Partial 5-year bands are split pro rata (see ``age_range_population``).
    """
    if level == "lsoa":
        frame, key = lsoa_population(data_dir), "lsoa_code"
    elif level == "ward":
        frame, key = ward_population(data_dir), "ward_code"
    elif level == "borough":
        frame, key = london_populations(data_dir), "borough_code"
    else:
        raise ValueError(f"unknown level {level!r}; expected one of {LEVELS}")
    row = frame[frame[key] == code]
    if len(row) != 1:
        raise KeyError(f"{level} {code!r} not found")
    parsed = [_parse_band(b) for b in bands]
    values = {_band_label(lo, hi): float(age_range_population(row, lo, hi).iloc[0]) for lo, hi in parsed}
    return pd.Series(values, name=code, dtype=float)


def residents_by_age(
    ward_pop: pd.DataFrame, boroughs: pd.DataFrame, wards: Iterable[str] = (), borough_code: str | None = None
) -> pd.DataFrame | None:
    """Rows whose age bands describe the chosen wards (all wards when none are chosen), or None.

    ``ward_pop`` is ``ward_population()``, ``boroughs`` ``london_populations()``. Where the wards' age bands are
    held (Barking and Dagenham's LSOA table) they are used; otherwise, with no ward chosen, the borough table's
    row (which has the bands); with wards chosen, None: the ages of a ward's residents are not available.
    """
    wards = list(wards)
    rows = ward_pop[ward_pop["ward_code"].isin(wards)] if wards else ward_pop
    if has_age_bands(rows):
        return rows
    if wards:
        return None
    code = borough_code or config.borough().code
    return boroughs[boroughs["borough_code"] == code].reset_index(drop=True)


def ages_not_available(area: str) -> str:
    """What a page says where residents' ages are needed for single wards of a borough without them."""
    return (
        f"Residents by age are not available for single wards of {area}: the Census age table by LSOA has not "
        "been added for this borough (only all ages). Choose no ward to compare with the whole borough's residents."
    )
