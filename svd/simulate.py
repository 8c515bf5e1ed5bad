"""Deterministic simulated records (format v1) built on the real MPS ward counts and calibrated to the 2023 SNA.

What is real: for every ward × month × MPS (major, minor) of the simulated categories the number of records is
the merged MPS ward count. What is simulated: the LSOA within the ward (population-weighted, weighted up around
the strategy's priority places), the point, the date and time, the flags, the victim and suspect, the place.

Every attribute is drawn by *quota*: for a group of n records and shares p, exactly round(n·p) records get
each value (largest remainder), then the values are shuffled. So the calibrated shares hold for any seed up to
rounding, and a target measured over several groups is hit by giving the last group the complement of what
the others already contribute (``_calibrate``). ``CALIBRATION`` lists the SNA figures reproduced and
``measure`` measures them on a record frame, so the app can show how well the simulation matches the SNA.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from svd import config, geo
from svd.incidents import COLUMN_NAMES, LOCATION_TYPES, OFFENCES, RELATIONSHIPS, SERIOUS_VIOLENCE_OFFENCES
from svd.taxonomy import simulated_categories

DEFAULT_SEED = 20240131
# LSOA weight = residents × (1 + K × the largest share of the LSOA's area inside a priority place): an LSOA
# wholly inside a priority place draws three times the records its population alone would.
PRIORITY_WEIGHT_K = 2.0
# Share of current (non-historical) records whose time is unknown (date only), as in real extracts; historical
# offences mostly have no time. Time-of-day shares are measured on records with a known time.
TIME_UNKNOWN_SHARE = 0.06
HISTORICAL_TIME_UNKNOWN_SHARE = 0.70
VICTIM_AGE_UNKNOWN_SHARE = 0.04
SUSPECT_AGE_UNKNOWN_SHARE = 0.05

VAP, SO, ROB = "VIOLENCE AGAINST THE PERSON", "SEXUAL OFFENCES", "ROBBERY"
WEAPONS, ACD = "POSSESSION OF WEAPONS", "ARSON AND CRIMINAL DAMAGE"
PUBLIC_ORDER, MISC = "PUBLIC ORDER OFFENCES", "MISCELLANEOUS CRIMES AGAINST SOCIETY"
RAPE, OSO = "RAPE", "OTHER SEXUAL OFFENCES"
PERSONAL, BUSINESS = "ROBBERY OF PERSONAL PROPERTY", "ROBBERY OF BUSINESS PROPERTY"

AGE_BANDS: tuple[tuple[int, int], ...] = (
    (0, 9), (10, 14), (15, 17), (18, 19), (20, 24), (25, 29), (30, 34), (35, 39), (40, 44), (45, 49),
    (50, 54), (55, 59), (60, 64), (65, 74), (75, 89),
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# --- the shares drawn (each a distribution; a test checks they sum to 1) -------------------------------------
OFFENCE_SPLIT = {
    "HOMICIDE": {"homicide": 1.0},
    "VIOLENCE WITH INJURY": {"gbh": 0.15, "abh": 0.85},
    "VIOLENCE WITHOUT INJURY": {"threats_to_kill": 0.08, "other": 0.92},
    RAPE: {"rape": 1.0},
    OSO: {"sexual_assault": 0.72, "assault_by_penetration": 0.08, "other": 0.20},
    PERSONAL: {"personal_robbery": 1.0},
}
SO_HISTORICAL = 0.21
DA_RATE = {VAP: 0.40, SO: 0.26, ACD: 0.14, MISC: 0.13, PUBLIC_ORDER: 0.085, PERSONAL: 0.01, BUSINESS: 0.0,
           WEAPONS: 0.0}  # fmt: skip
DA_SO_ALL = 0.22  # SO current records carry 26 %; historical ones get whatever makes all SO 22 %
KNIFE_PERSONAL_ROBBERY = 0.25
KNIFE_PR_SHARE = 0.52  # share of knife-flagged records that are personal robbery
KNIFE_WEIGHT = {"homicide": 6.0, "gbh": 2.0, "abh": 0.3, "threats_to_kill": 1.0, "rape": 0.1,
                "assault_by_penetration": 0.1, "sexual_assault": 0.05}  # fmt: skip
KNIFE_WEIGHT_BUSINESS_ROBBERY = 3.0
KNIFE_WEIGHT_OTHER_VAP = 0.05
FIREARM_RATE = {"homicide": 0.10, "gbh": 0.02, "personal_robbery": 0.01}
CORROSIVE_RATE = {"gbh": 0.01, "abh": 0.002, "personal_robbery": 0.003}

VICTIM_AGE = {  # over AGE_BANDS
    "da": (0, 0, 0.02, 0.04, 0.11, 0.16, 0.17, 0.15, 0.12, 0.09, 0.06, 0.04, 0.02, 0.015, 0.005),
    "personal_robbery": (
        0.01,
        0.17,
        0.281,
        0.07,
        0.11,
        0.09,
        0.07,
        0.05,
        0.04,
        0.03,
        0.03,
        0.02,
        0.015,
        0.01,
        0.004,
    ),
    "oso": (0.08, 0.17, 0.22, 0.06, 0.11, 0.09, 0.07, 0.06, 0.045, 0.035, 0.025, 0.015, 0.01, 0.007, 0.003),
    "rape": (0, 0.04, 0.12, 0.08, 0.16, 0.15, 0.13, 0.10, 0.08, 0.06, 0.04, 0.02, 0.01, 0.01, 0),
    "vap": (0.04, 0.08, 0.09, 0.05, 0.09, 0.10, 0.12, 0.10, 0.09, 0.08, 0.06, 0.04, 0.03, 0.02, 0.01),
    "other": (0, 0.02, 0.04, 0.03, 0.08, 0.11, 0.13, 0.13, 0.12, 0.10, 0.09, 0.07, 0.04, 0.03, 0.01),
}
SUSPECT_AGE = {
    "da": (0, 0, 0.02, 0.03, 0.12, 0.16, 0.16, 0.15, 0.11, 0.09, 0.07, 0.04, 0.02, 0.02, 0.01),
    "personal_robbery": (0, 0.12, 0.42, 0.15, 0.16, 0.07, 0.04, 0.02, 0.01, 0.01, 0, 0, 0, 0, 0),
    "so": (0, 0.04, 0.08, 0.07, 0.15, 0.15, 0.13, 0.11, 0.09, 0.07, 0.05, 0.03, 0.02, 0.01, 0),
    "other": (0, 0.03, 0.08, 0.06, 0.13, 0.13, 0.13, 0.12, 0.10, 0.08, 0.06, 0.04, 0.02, 0.015, 0.005),
}
SEX = ("female", "male", "unknown")
VICTIM_SEX = {"da": (0.78, 0.21, 0.01), "so": (0.88, 0.11, 0.01), "personal_robbery": (0.27, 0.72, 0.01),
              "vap": (0.42, 0.57, 0.01), "other": (0.44, 0.55, 0.01)}  # fmt: skip
SUSPECT_SEX = {"da": (0.17, 0.83, 0), "so": (0.03, 0.97, 0), "personal_robbery": (0.10, 0.90, 0),
               "other": (0.20, 0.80, 0)}  # fmt: skip
SUSPECTS_UNKNOWN = {"da": 0.05, "personal_robbery": 0.15, "weapons": 0.0, "other": 0.20}
SUSPECTS = {  # 1..6 suspects
    "personal_robbery": (0.36, 0.30, 0.18, 0.10, 0.04, 0.02),
    "all": (0.71, 0.15, 0.08, 0.04, 0.015, 0.005),
}
RELATIONSHIP = {  # over RELATIONSHIPS: partner_ex, family, friend_acquaintance, stranger, unknown
    "da": (0.72, 0.25, 0.02, 0, 0.01),
    "rape": (0.46, 0.08, 0.34, 0.12, 0),  # where recorded, all current rape
    "oso": (0.20, 0.21, 0.25, 0.34, 0),  # where recorded, all current other sexual offences
    "so_historical": (0.10, 0.35, 0.30, 0.10, 0.15),
    "personal_robbery": (0, 0.01, 0.06, 0.85, 0.08),
    "vap": (0.04, 0.06, 0.28, 0.40, 0.22),
    "other": (0.02, 0.03, 0.15, 0.35, 0.45),
}
RELATIONSHIP_UNKNOWN_SO = 0.08
LOCATION = {  # over LOCATION_TYPES: victim_home, street, transport_hub, school, park, commercial, other
    "da": (0.66, 0.14, 0.02, 0.01, 0.02, 0.03, 0.12),
    "so": (0.33, 0.20, 0.05, 0.04, 0.05, 0.06, 0.27),  # all current sexual offences
    "so_historical": (0.40, 0.10, 0.03, 0.07, 0.05, 0.05, 0.30),
    "personal_robbery": (0.01, 0.62, 0.16, 0.02, 0.07, 0.08, 0.04),
    "business_robbery": (0, 0.10, 0, 0, 0, 0.90, 0),
    "vap": (0.12, 0.35, 0.06, 0.06, 0.05, 0.15, 0.21),
    "weapons": (0.05, 0.60, 0.10, 0.05, 0.05, 0.10, 0.05),
    "acd": (0.35, 0.30, 0.02, 0.03, 0.03, 0.17, 0.10),
    "public_order": (0.10, 0.45, 0.10, 0.03, 0.02, 0.20, 0.10),
    "misc": (0.15, 0.15, 0.05, 0.10, 0, 0.15, 0.40),
}
WEEKDAY = {  # Monday..Sunday
    "vu25": (0.13, 0.135, 0.16, 0.14, 0.165, 0.14, 0.13),  # Wednesday and Friday busiest
    "oso": (0.138, 0.138, 0.138, 0.17, 0.138, 0.139, 0.139),  # Thursday busiest
    "da": (0.15, 0.13, 0.13, 0.13, 0.14, 0.16, 0.16),
    "default": (0.14, 0.13, 0.13, 0.13, 0.15, 0.17, 0.15),
}
HOUR = {  # 00..23
    "vu25": (
        0.012,
        0.008,
        0.006,
        0.005,
        0.004,
        0.005,
        0.012,
        0.025,
        0.038,
        0.045,
        0.045,
        0.040,
        0.062,
        0.055,
        0.058,
        0.080,
        0.090,
        0.084,
        0.078,
        0.070,
        0.058,
        0.050,
        0.040,
        0.030,
    ),
    "oso": (
        0.020,
        0.015,
        0.012,
        0.008,
        0.005,
        0.005,
        0.010,
        0.025,
        0.040,
        0.045,
        0.045,
        0.050,
        0.085,
        0.060,
        0.060,
        0.065,
        0.080,
        0.060,
        0.065,
        0.060,
        0.055,
        0.050,
        0.045,
        0.035,
    ),
    "da": (
        0.040,
        0.035,
        0.030,
        0.020,
        0.015,
        0.012,
        0.015,
        0.020,
        0.030,
        0.035,
        0.040,
        0.042,
        0.045,
        0.045,
        0.045,
        0.050,
        0.050,
        0.055,
        0.060,
        0.066,
        0.070,
        0.070,
        0.060,
        0.050,
    ),
    "default": (
        0.035,
        0.030,
        0.025,
        0.018,
        0.012,
        0.010,
        0.015,
        0.025,
        0.035,
        0.040,
        0.042,
        0.045,
        0.050,
        0.055,
        0.057,
        0.063,
        0.065,
        0.065,
        0.065,
        0.058,
        0.055,
        0.050,
        0.045,
        0.040,
    ),
}
REPORT_LAG_DAYS = ((0, 0), (1, 1), (2, 6), (7, 30))
REPORT_LAG = (0.60, 0.20, 0.12, 0.08)
HISTORICAL_LAG_YEARS = (1, 25)


# ------------------------------------------------------------------------------------------------ quotas


def quota_counts(n: int, p) -> np.ndarray:
    """Exactly n items split in shares p by largest remainder (ties to the earlier category)."""
    p = np.asarray(p, dtype=float)
    p = p / p.sum()
    raw = n * p
    counts = np.floor(raw).astype(np.int64)
    short = n - int(counts.sum())
    if short:
        order = np.argsort(-(raw - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


def _fill(rng: np.random.Generator, n: int, p) -> np.ndarray:
    """n category codes in exact quota shares p, shuffled."""
    return rng.permutation(np.repeat(np.arange(len(p)), quota_counts(n, p)))


def _assign(rng: np.random.Generator, out: np.ndarray, mask: np.ndarray, p) -> None:
    """Fill ``out`` (a private working array) at ``mask`` with quota draws of shares p."""
    idx = np.flatnonzero(mask)
    if len(idx):
        out[idx] = _fill(rng, len(idx), p)


def complement_shares(target, fixed_counts, n_free: int) -> np.ndarray:
    """Shares for n_free records so fixed + free together have shares ``target`` (clipped at 0)."""
    target = np.asarray(target, dtype=float)
    fixed_counts = np.asarray(fixed_counts, dtype=float)
    need = np.clip(target / target.sum() * (fixed_counts.sum() + n_free) - fixed_counts, 0, None)
    return target / target.sum() if need.sum() <= 0 else need / need.sum()


def _calibrate(rng: np.random.Generator, out: np.ndarray, target: np.ndarray, free: np.ndarray, p) -> None:
    """Fill ``out`` at target & free so that the whole target population (incl. fixed values) has shares p."""
    fixed = target & ~free & (out >= 0)
    counts = np.bincount(out[fixed], minlength=len(p))[: len(p)]
    n_free = int((target & free).sum())
    _assign(rng, out, target & free, complement_shares(p, counts, n_free))


# -------------------------------------------------------------------------------------------------- inputs


def target_counts(data_dir: Path | None = None, ward_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The real counts the simulation reproduces: month, ward_code, mps_major, mps_minor, count (> 0).

    ``ward_table``: the borough's merged MPS ward table when the caller has it already (else read here).
    """
    from svd.mps import load_mps

    if ward_table is None:
        ward_table = load_mps(level="ward", data_dir=data_dir, borough_code=config.borough().code).table
    table = ward_table[["month", "area_code", "major", "minor", "count"]]
    cats = simulated_categories()[["major", "minor"]]
    t = table.merge(cats, on=["major", "minor"], how="inner")
    t = t[t["count"] > 0].rename(
        columns={"area_code": "ward_code", "major": "mps_major", "minor": "mps_minor"}
    )
    t = t.groupby(["month", "ward_code", "mps_major", "mps_minor"], as_index=False)["count"].sum()
    return t.sort_values(["month", "ward_code", "mps_major", "mps_minor"]).reset_index(drop=True)


def lsoa_weights(data_dir: Path | None = None, k: float = PRIORITY_WEIGHT_K) -> pd.DataFrame:
    """Drawing weight of each LSOA within its ward: lsoa_code, ward_code, population, priority_share, weight."""
    from svd.population import lsoa_population

    pop = lsoa_population(data_dir)[["lsoa_code", "ward_code", "all_ages"]]
    kinds = {d["id"]: d["kind"] for d in geo.load_place_definitions()}
    pl = geo.place_lsoas(data_dir)
    pl = pl[pl["place_id"].map(kinds) == "priority"]
    share = pl.groupby("lsoa_code")["share"].max()
    out = pop.assign(priority_share=pop["lsoa_code"].map(share).fillna(0.0).clip(0, 1))
    out = out.rename(columns={"all_ages": "population"})
    out["weight"] = out["population"] * (1 + k * out["priority_share"])
    return out.sort_values("lsoa_code").reset_index(drop=True)


# --------------------------------------------------------------------------------------------- simulation


def _points(
    rng: np.random.Generator, lsoa: np.ndarray, data_dir: Path | None
) -> tuple[np.ndarray, np.ndarray]:
    """A uniformly random point (rounded to 5 dp, still inside) in each record's LSOA polygon."""
    shapes = geo.lsoas(data_dir).set_index("lsoa_code").geometry
    lon = np.full(len(lsoa), np.nan)
    lat = np.full(len(lsoa), np.nan)
    for code in np.unique(lsoa):
        idx = np.flatnonzero(lsoa == code)
        poly = shapes[code]
        x0, y0, x1, y1 = poly.bounds
        got_x, got_y, need = [], [], len(idx)
        while need > 0:
            m = 2 * need + 16
            x = np.round(rng.uniform(x0, x1, m), 5)
            y = np.round(rng.uniform(y0, y1, m), 5)
            ok = shapely.contains_xy(poly, x, y)
            got_x.append(x[ok][:need])
            got_y.append(y[ok][:need])
            need -= int(min(ok.sum(), need))
        lon[idx] = np.concatenate(got_x)
        lat[idx] = np.concatenate(got_y)
    return lon, lat


def _dates_in_month(rng, month: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """A random day of the given weekday (0 = Monday) within each month (datetime64[D])."""
    first = month.astype("datetime64[D]")
    nxt = (month.astype("datetime64[M]") + 1).astype("datetime64[D]")
    days = (nxt - first).astype(np.int64)
    w0 = (first.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    d0 = (weekday - w0) % 7
    count = (days - 1 - d0) // 7 + 1
    j = np.floor(rng.random(len(month)) * count).astype(np.int64)
    return first + (d0 + 7 * j).astype("timedelta64[D]")


def _ages(rng, band: np.ndarray) -> np.ndarray:
    lo = np.array([b[0] for b in AGE_BANDS])
    hi = np.array([b[1] for b in AGE_BANDS])
    b = np.clip(band, 0, None)
    age = lo[b] + np.floor(rng.random(len(band)) * (hi[b] - lo[b] + 1)).astype(np.int64)
    return np.where(band >= 0, age, -1)


def _text(values: np.ndarray, known: np.ndarray, labels=None) -> np.ndarray:
    vals = (
        np.asarray(labels, dtype=object)[np.clip(values, 0, None)]
        if labels is not None
        else values.astype(str)
    )
    return np.where(known, vals.astype(object), "")


def simulate(
    seed: int = DEFAULT_SEED, data_dir: Path | None = None, ward_table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Simulated format-v1 records for the borough (string columns exactly as written to CSV).

    The same seed gives the same frame (and ``write_csv`` the same bytes). Every record has source
    "simulated". ``ward_table``: the borough's merged MPS ward table, if the caller has it (``target_counts``).
    """
    rng = np.random.default_rng(seed)
    counts = target_counts(data_dir, ward_table)
    reps = counts["count"].to_numpy()
    month = np.repeat(counts["month"].to_numpy().astype("datetime64[D]"), reps)
    ward = np.repeat(counts["ward_code"].to_numpy(dtype=object), reps)
    major = np.repeat(counts["mps_major"].to_numpy(dtype=object), reps)
    minor = np.repeat(counts["mps_minor"].to_numpy(dtype=object), reps)
    n = len(month)
    is_ = {m: major == m for m in (VAP, SO, ROB, WEAPONS, ACD, PUBLIC_ORDER, MISC)}
    pr, br, rape, oso = minor == PERSONAL, minor == BUSINESS, minor == RAPE, minor == OSO

    # Offence type from the MPS minor category.
    offence = np.full(n, OFFENCES.index("other"))
    for mn in np.unique(minor):
        split = OFFENCE_SPLIT.get(mn)
        if split:
            tmp = np.full(n, -1)
            _assign(rng, tmp, minor == mn, list(split.values()))
            codes = np.array([OFFENCES.index(k) for k in split])
            offence = np.where(tmp >= 0, codes[np.clip(tmp, 0, None)], offence)
    sv8 = np.isin(offence, [OFFENCES.index(o) for o in SERIOUS_VIOLENCE_OFFENCES])

    # Historical: a share of sexual offences, per minor category.
    hist = np.zeros(n, dtype=np.int64)
    for mn in (RAPE, OSO):
        _assign(rng, hist, minor == mn, (1 - SO_HISTORICAL, SO_HISTORICAL))
    historical = hist == 1
    current = ~historical

    # Domestic abuse: per (minor, historical) group; historical sexual offences take up the SO-wide 22 %.
    da = np.full(n, -1)
    for mn in np.unique(minor):
        mj = major[minor == mn][0]
        rate = DA_RATE.get(mn, DA_RATE.get(mj, 0.0))
        _assign(rng, da, (minor == mn) & current, (1 - rate, rate))
    _calibrate(rng, da, is_[SO], is_[SO] & historical, (1 - DA_SO_ALL, DA_SO_ALL))
    da_ = da == 1

    # Knife: a quota of personal robberies, and enough other offences (weighted) that PR is 52 % of all.
    knife = np.zeros(n, dtype=bool)
    tmp = np.full(n, -1)
    _assign(rng, tmp, pr, (1 - KNIFE_PERSONAL_ROBBERY, KNIFE_PERSONAL_ROBBERY))
    knife |= tmp == 1
    k_other = int(round(knife.sum() * (1 - KNIFE_PR_SHARE) / KNIFE_PR_SHARE))
    w = np.zeros(n)
    for off, wt in KNIFE_WEIGHT.items():
        w[offence == OFFENCES.index(off)] = wt
    w[br] = KNIFE_WEIGHT_BUSINESS_ROBBERY
    w[is_[VAP] & (offence == OFFENCES.index("other"))] = KNIFE_WEIGHT_OTHER_VAP
    w[pr] = 0
    keys = np.where(w > 0, -np.log(rng.random(n)) / np.where(w > 0, w, 1), np.inf)  # Efraimidis–Spirakis
    knife[np.argsort(keys, kind="stable")[: min(k_other, int((w > 0).sum()))]] = True

    def rate_flag(rates: dict) -> np.ndarray:
        flag = np.zeros(n, dtype=bool)
        for off, r in rates.items():
            t = np.full(n, -1)
            _assign(rng, t, offence == OFFENCES.index(off), (1 - r, r))
            flag |= t == 1
        return flag

    firearm, corrosive = rate_flag(FIREARM_RATE), rate_flag(CORROSIVE_RATE)

    # Victims: none for possession of weapons and for non-DA crimes against society.
    has_victim = ~is_[WEAPONS] & ~(is_[MISC] & ~da_)
    v_known = np.zeros(n, dtype=np.int64)
    for mj in np.unique(major):
        _assign(
            rng, v_known, has_victim & (major == mj), (VICTIM_AGE_UNKNOWN_SHARE, 1 - VICTIM_AGE_UNKNOWN_SHARE)
        )
    v_known = (v_known == 1) & has_victim
    vband = np.full(n, -1)
    rest = v_known.copy()
    _assign(rng, vband, v_known & da_, VICTIM_AGE["da"])
    rest &= ~da_
    _calibrate(rng, vband, pr & v_known, pr & rest, VICTIM_AGE["personal_robbery"])
    _calibrate(rng, vband, oso & current & v_known, oso & current & rest, VICTIM_AGE["oso"])
    _assign(rng, vband, oso & historical & rest, VICTIM_AGE["oso"])
    _assign(rng, vband, rape & rest, VICTIM_AGE["rape"])
    rest &= ~(pr | oso | rape)
    _assign(rng, vband, rest & is_[VAP], VICTIM_AGE["vap"])
    _assign(rng, vband, rest & ~is_[VAP], VICTIM_AGE["other"])
    victim_age = _ages(rng, vband)

    vsex = np.full(n, -1)
    _assign(rng, vsex, has_victim & da_, VICTIM_SEX["da"])
    _assign(rng, vsex, has_victim & ~da_ & is_[SO], VICTIM_SEX["so"])
    _assign(rng, vsex, has_victim & ~da_ & pr, VICTIM_SEX["personal_robbery"])
    _assign(rng, vsex, has_victim & ~da_ & is_[VAP], VICTIM_SEX["vap"])
    _assign(rng, vsex, has_victim & ~da_ & ~is_[SO] & ~pr & ~is_[VAP], VICTIM_SEX["other"])

    # Suspects: how many (unknown for some), their age and sex.
    s_known = np.full(n, -1)
    groups = {
        "da": da_,
        "personal_robbery": pr & ~da_,
        "weapons": is_[WEAPONS],
        "other": ~da_ & ~pr & ~is_[WEAPONS],
    }
    for g, m in groups.items():
        _assign(rng, s_known, m, (SUSPECTS_UNKNOWN[g], 1 - SUSPECTS_UNKNOWN[g]))
    s_known = s_known == 1
    nsus = np.full(n, -1)
    _assign(rng, nsus, s_known & pr, SUSPECTS["personal_robbery"])
    _calibrate(rng, nsus, s_known, s_known & ~pr, SUSPECTS["all"])
    sa_known = np.zeros(n, dtype=np.int64)
    _assign(rng, sa_known, s_known, (SUSPECT_AGE_UNKNOWN_SHARE, 1 - SUSPECT_AGE_UNKNOWN_SHARE))
    sa_known = (sa_known == 1) & s_known
    sband = np.full(n, -1)
    _assign(rng, sband, sa_known & da_, SUSPECT_AGE["da"])
    _calibrate(rng, sband, pr & sa_known, pr & sa_known & ~da_, SUSPECT_AGE["personal_robbery"])
    _assign(rng, sband, sa_known & ~da_ & ~pr & is_[SO], SUSPECT_AGE["so"])
    _assign(rng, sband, sa_known & ~da_ & ~pr & ~is_[SO], SUSPECT_AGE["other"])
    suspect_age = _ages(rng, sband)
    ssex = np.full(n, -1)
    _assign(rng, ssex, s_known & da_, SUSPECT_SEX["da"])
    _assign(rng, ssex, s_known & ~da_ & is_[SO], SUSPECT_SEX["so"])
    _assign(rng, ssex, s_known & ~da_ & pr, SUSPECT_SEX["personal_robbery"])
    _assign(rng, ssex, s_known & ~da_ & ~is_[SO] & ~pr, SUSPECT_SEX["other"])

    # Relationship (only where there is a victim).
    unknown_rel = RELATIONSHIPS.index("unknown")
    rel = np.full(n, -1)
    _assign(rng, rel, has_victim & da_, RELATIONSHIP["da"])
    for mask, key in ((rape & current, "rape"), (oso & current, "oso")):
        free = mask & ~da_ & has_victim
        t = np.full(n, -1)
        _assign(rng, t, free, (1 - RELATIONSHIP_UNKNOWN_SO, RELATIONSHIP_UNKNOWN_SO))
        rel[t == 1] = unknown_rel
        free &= rel < 0
        _calibrate(rng, rel, (mask & (rel >= 0) & (rel != unknown_rel)) | free, free, RELATIONSHIP[key])
    rest = has_victim & ~da_ & (rel < 0)
    _assign(rng, rel, rest & is_[SO], RELATIONSHIP["so_historical"])
    _assign(rng, rel, rest & pr, RELATIONSHIP["personal_robbery"])
    _assign(rng, rel, rest & is_[VAP], RELATIONSHIP["vap"])
    _assign(rng, rel, rest & ~is_[SO] & ~pr & ~is_[VAP], RELATIONSHIP["other"])

    # Location type.
    loc = np.full(n, -1)
    _assign(rng, loc, da_, LOCATION["da"])
    _calibrate(rng, loc, is_[SO] & current, is_[SO] & current & ~da_, LOCATION["so"])
    nda = ~da_
    for mask, key in (
        (is_[SO] & historical, "so_historical"),
        (pr, "personal_robbery"),
        (br, "business_robbery"),
        (is_[VAP], "vap"),
        (is_[WEAPONS], "weapons"),
        (is_[ACD], "acd"),
        (is_[PUBLIC_ORDER], "public_order"),
        (is_[MISC], "misc"),
    ):
        _assign(rng, loc, mask & nda & (loc < 0), LOCATION[key])

    # When: weekday and hour by quota (the SNA's under-25 and sexual-offence profiles), date within the month.
    vu25 = sv8 & (victim_age >= 0) & (victim_age < 25) & current
    wday = np.full(n, -1)
    _assign(rng, wday, oso & current, WEEKDAY["oso"])
    _calibrate(rng, wday, vu25, vu25 & ~oso, WEEKDAY["vu25"])
    _assign(rng, wday, current & (wday < 0) & da_, WEEKDAY["da"])
    _assign(rng, wday, current & (wday < 0) & ~da_, WEEKDAY["default"])
    t_known = np.zeros(n, dtype=np.int64)
    for mj in np.unique(major):
        _assign(rng, t_known, current & (major == mj), (TIME_UNKNOWN_SHARE, 1 - TIME_UNKNOWN_SHARE))
        _assign(
            rng,
            t_known,
            historical & (major == mj),
            (HISTORICAL_TIME_UNKNOWN_SHARE, 1 - HISTORICAL_TIME_UNKNOWN_SHARE),
        )
    t_known = t_known == 1
    hour = np.full(n, -1)
    _assign(rng, hour, oso & current & t_known, HOUR["oso"])
    _calibrate(rng, hour, vu25 & t_known, vu25 & t_known & ~oso, HOUR["vu25"])
    _assign(rng, hour, t_known & (hour < 0) & da_ & current, HOUR["da"])
    _assign(rng, hour, t_known & (hour < 0), HOUR["default"])
    minute = rng.integers(0, 60, n)

    offence_day = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    offence_day[current] = _dates_in_month(rng, month[current], wday[current])
    lag_band = np.full(n, -1)
    _assign(rng, lag_band, current, REPORT_LAG)
    lo = np.array([b[0] for b in REPORT_LAG_DAYS])
    hi = np.array([b[1] for b in REPORT_LAG_DAYS])
    lb = np.clip(lag_band, 0, None)
    lag = lo[lb] + np.floor(rng.random(n) * (hi[lb] - lo[lb] + 1)).astype(np.int64)
    month_end = (month.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    reported = offence_day + lag.astype("timedelta64[D]")
    # The record must stay in its MPS month: a lag running past the month end means reported the same day.
    reported = np.where(reported > month_end, offence_day, reported)
    # Historical: reported on a random day of the month, happened 1–25 years earlier.
    days = (month_end - month).astype(np.int64) + 1
    rep_h = month + np.floor(rng.random(n) * days).astype("timedelta64[D]")
    yrs = rng.uniform(*HISTORICAL_LAG_YEARS, n)
    off_h = rep_h - np.round(yrs * 365.25).astype("timedelta64[D]")
    offence_day = np.where(historical, off_h, offence_day)
    reported = np.where(historical, rep_h, reported)

    # Where: an LSOA of the ward (weighted), then a point inside it.
    weights = lsoa_weights(data_dir)
    lsoa = np.empty(n, dtype=object)
    for wc in np.unique(ward):
        idx = np.flatnonzero(ward == wc)
        cand = weights[weights["ward_code"] == wc]
        if cand.empty:
            raise ValueError(f"ward {wc} has no 2021 LSOA in the best-fit lookup: cannot place its records")
        p = cand["weight"].to_numpy(dtype=float)
        lsoa[idx] = cand["lsoa_code"].to_numpy(dtype=object)[
            rng.choice(len(cand), size=len(idx), p=p / p.sum())
        ]
    lon, lat = _points(rng, lsoa, data_dir)

    # Stable order: month, ward, major, minor, then when it happened; then number the records.
    day_txt = np.datetime_as_string(offence_day, unit="D")
    time_txt = np.char.add(
        np.char.add(np.char.zfill(hour.astype(str), 2), ":"), np.char.zfill(minute.astype(str), 2)
    )
    dt_txt = np.where(t_known, np.char.add(np.char.add(day_txt.astype(str), "T"), time_txt), day_txt)
    order = np.lexsort(
        (
            np.arange(n),
            np.where(t_known, hour * 60 + minute, 24 * 60),
            offence_day.astype(np.int64),
            minor,
            major,
            ward,
            month.astype(np.int64),
        )
    )

    def yn(flag: np.ndarray) -> np.ndarray:
        return np.where(flag, "true", "false").astype(object)

    frame = pd.DataFrame(
        {
            "incident_id": [f"SIM-{i:06d}" for i in range(1, n + 1)],
            "offence_datetime": dt_txt[order],
            "reported_date": np.datetime_as_string(reported, unit="D")[order],
            "mps_major": major[order],
            "mps_minor": minor[order],
            "offence": np.asarray(OFFENCES, dtype=object)[offence][order],
            "domestic_abuse": yn(da_)[order],
            "knife": yn(knife)[order],
            "firearm": yn(firearm)[order],
            "corrosive": yn(corrosive)[order],
            "historical": yn(historical)[order],
            "lsoa21_code": lsoa[order],
            "latitude": np.char.mod("%.5f", lat)[order],
            "longitude": np.char.mod("%.5f", lon)[order],
            "location_type": _text(loc, loc >= 0, LOCATION_TYPES)[order],
            "victim_age": _text(victim_age, victim_age >= 0)[order],
            "victim_sex": _text(vsex, vsex >= 0, SEX)[order],
            "suspect_age": _text(suspect_age, suspect_age >= 0)[order],
            "suspect_sex": _text(ssex, ssex >= 0, SEX)[order],
            "relationship": _text(rel, rel >= 0, RELATIONSHIPS)[order],
            "suspects_count": _text(nsus + 1, nsus >= 0)[order],
            "source": "simulated",
        },
        dtype="str",
    )
    return frame[list(COLUMN_NAMES)]


def to_csv_text(df: pd.DataFrame) -> str:
    """The frame as format-v1 CSV text (UTF-8, "\\n" line ends)."""
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def write_csv(df: pd.DataFrame, path: Path | str) -> Path:
    """Write simulated records as format-v1 CSV; the same frame always gives the same bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_csv_text(df).encode("utf-8"))
    return path


def main_simulate(out: Path, seed: int = DEFAULT_SEED) -> int:
    """``python -m svd simulate``: write the simulated CSV and print a one-line summary; exit status."""
    df = simulate(seed)
    write_csv(df, out)
    print(f"wrote {len(df):,} simulated records (seed {seed}) to {out}")
    return 0


# ------------------------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class Target:
    """One SNA 2023 figure the simulation reproduces and how it is measured on the records."""

    id: str
    description: str
    target: float
    tolerance: float
    measured_on: str
    kind: str = "share"  # share (target ± tolerance) | check (a ranking or shape; target 1 = holds)


TOLERANCE = 0.02
CALIBRATION: tuple[Target, ...] = (
    Target(
        "vu25_15_to_21",
        "Violence and exploitation affecting under-25s between 15:00 and 20:59",
        0.46,
        TOLERANCE,
        "serious-violence offence types, victim under 25, current, time known",
    ),
    Target(
        "vu25_wed_fri",
        "Wednesday and Friday are the two busiest days for under-25 violence",
        1,
        0,
        "same records, all dates",
        "check",
    ),
    Target(
        "vu25_hour_shape",
        "Under-25 violence rises 06-09, at 12 and 14-16, then declines to 22",
        1,
        0,
        "same records, time known: counts rise hour by hour 06→09 and 14→16, 12 above 11 and 13, "
        "fall hour by hour 16→22",
        "check",
    ),
    Target(
        "oso_12_to_18",
        "Other sexual offences between 12:00 and 17:59",
        0.41,
        TOLERANCE,
        "MPS other sexual offences, current, time known",
    ),
    Target(
        "oso_peaks",
        "Other sexual offences peak 12-13 and 16-17",
        1,
        0,
        "same records: hour 12 above 11 and 13, hour 16 above 15 and 17",
        "check",
    ),
    Target(
        "oso_thursday", "Other sexual offences: Thursday the busiest day", 1, 0, "current records", "check"
    ),
    Target(
        "da_vap",
        "Domestic abuse flag: violence against the person",
        0.40,
        TOLERANCE,
        "all records of the major",
    ),
    Target("da_so", "Domestic abuse flag: sexual offences", 0.22, TOLERANCE, "all sexual offences"),
    Target(
        "da_so_current",
        "Domestic abuse flag: current (non-historical) sexual offences",
        0.26,
        TOLERANCE,
        "sexual offences not flagged historical",
    ),
    Target(
        "da_acd",
        "Domestic abuse flag: arson and criminal damage",
        0.14,
        TOLERANCE,
        "all records of the major",
    ),
    Target(
        "da_misc",
        "Domestic abuse flag: miscellaneous crimes against society",
        0.13,
        TOLERANCE,
        "all records of the major",
    ),
    Target(
        "da_public_order",
        "Domestic abuse flag: public order offences",
        0.085,
        TOLERANCE,
        "all records of the major",
    ),
    Target(
        "da_personal_robbery",
        "Domestic abuse flag: personal robbery",
        0.01,
        TOLERANCE,
        "all personal robbery",
    ),
    Target(
        "da_victim_home", "Domestic abuse at the victim's home", 0.66, TOLERANCE, "DA-flagged, location known"
    ),
    Target(
        "da_partner",
        "Domestic abuse suspects: partner or ex-partner",
        0.72,
        TOLERANCE,
        "DA-flagged, relationship given",
    ),
    Target(
        "da_family",
        "Domestic abuse suspects: family member",
        0.25,
        TOLERANCE,
        "DA-flagged, relationship given",
    ),
    Target(
        "da_victim_female",
        "Domestic abuse victims mostly female",
        1,
        0,
        "DA-flagged, sex known: over half female",
        "check",
    ),
    Target(
        "da_victim_18_44",
        "Domestic abuse victims mostly aged 18-44",
        1,
        0,
        "DA-flagged, age known: over half",
        "check",
    ),
    Target(
        "da_victim_25_29",
        "Domestic abuse victims aged 25-29 the most over-represented",
        1,
        0,
        "victims' share in each 5-year band ÷ the band's share of residents (Census 2021): highest for 25-29",
        "check",
    ),
    Target(
        "da_suspect_male",
        "Domestic abuse suspects mostly male",
        1,
        0,
        "DA-flagged, sex known: over half male",
        "check",
    ),
    Target(
        "da_suspect_25_39",
        "Domestic abuse suspects aged 25-39",
        0.47,
        TOLERANCE,
        "DA-flagged, suspect age known",
    ),
    Target("so_historical", "Sexual offences that are historical", 0.21, TOLERANCE, "all sexual offences"),
    Target(
        "so_victim_home",
        "Sexual offences at the victim's home",
        0.33,
        TOLERANCE,
        "current sexual offences, location known",
    ),
    Target(
        "rape_partner",
        "Rape suspects: partner or ex-partner",
        0.46,
        TOLERANCE,
        "current rape, relationship recorded (not unknown)",
    ),
    Target(
        "rape_friend",
        "Rape suspects: friend or acquaintance",
        0.34,
        TOLERANCE,
        "current rape, relationship recorded (not unknown)",
    ),
    Target(
        "oso_victim_under_18",
        "Other sexual offences: victims aged under 18",
        0.47,
        TOLERANCE,
        "current other sexual offences, victim age known",
    ),
    Target(
        "knife_personal_robbery",
        "Knife-flagged offences that are personal robbery",
        0.52,
        TOLERANCE,
        "all knife-flagged records",
    ),
    Target(
        "pr_victim_under_18", "Personal robbery victims aged under 18", 0.46, TOLERANCE, "victim age known"
    ),
    Target(
        "pr_suspect_under_25", "Personal robbery suspects aged under 25", 0.85, TOLERANCE, "suspect age known"
    ),
    Target(
        "pr_suspect_under_18", "Personal robbery suspects aged under 18", 0.54, TOLERANCE, "suspect age known"
    ),
    Target(
        "pr_2_to_4_suspects",
        "Personal robberies with 2-4 suspects",
        0.58,
        TOLERANCE,
        "personal robbery with a recorded suspect count of 1 or more",
    ),
    Target(
        "one_suspect",
        "Offences with one suspect",
        0.71,
        TOLERANCE,
        "all records with a recorded suspect count of 1 or more",
    ),
)


def _share(mask: pd.Series, within: pd.Series) -> float:
    within = within.fillna(False).astype(bool)
    n = int(within.sum())
    return float("nan") if n == 0 else float((mask.fillna(False).astype(bool) & within).sum() / n)


def _b(s: pd.Series) -> pd.Series:
    return s.fillna(False).astype(bool)


def _measurements(df: pd.DataFrame, data_dir: Path | None) -> dict[str, tuple[float, str]]:
    """id → (measured value, detail) on a canonical record frame."""
    major, minor, off = df["mps_major"].astype(str), df["mps_minor"].astype(str), df["offence"].astype(str)
    hist = _b(df["historical"])
    cur = ~hist
    da = _b(df["domestic_abuse"])
    known_t = _b(df["time_known"])
    vage, sage = df["victim_age"], df["suspect_age"]
    vu25 = off.isin(SERIOUS_VIOLENCE_OFFENCES) & _b(vage < 25) & cur
    oso = (minor == OSO) & cur
    so = major == SO
    pr = minor == PERSONAL
    out: dict[str, tuple[float, str]] = {}

    def share(key, mask, within):
        out[key] = (_share(mask, within), f"n={int(_b(within).sum())}")

    hour = df["hour"]
    share("vu25_15_to_21", _b(hour.between(15, 20)), vu25 & known_t)
    wd = df.loc[vu25, "weekday"].value_counts().reindex(range(7), fill_value=0)
    top2 = set(wd.sort_values(ascending=False, kind="stable").index[:2])
    out["vu25_wed_fri"] = (float(top2 == {2, 4}), "by weekday " + ", ".join(str(int(v)) for v in wd))
    h = df.loc[vu25 & known_t, "hour"].value_counts().reindex(range(24), fill_value=0).to_numpy()
    ok = (
        all(h[i] < h[i + 1] for i in range(6, 9))
        and h[12] > h[11]
        and h[12] > h[13]
        and all(h[i] < h[i + 1] for i in range(14, 16))
        and all(h[i] > h[i + 1] for i in range(16, 22))
    )
    out["vu25_hour_shape"] = (float(ok), "by hour " + ", ".join(str(int(v)) for v in h))
    share("oso_12_to_18", _b(hour.between(12, 17)), oso & known_t)
    ho = df.loc[oso & known_t, "hour"].value_counts().reindex(range(24), fill_value=0).to_numpy()
    out["oso_peaks"] = (
        float(ho[12] > max(ho[11], ho[13]) and ho[16] > max(ho[15], ho[17])),
        "by hour " + ", ".join(str(int(v)) for v in ho),
    )
    wo = df.loc[oso, "weekday"].value_counts().reindex(range(7), fill_value=0)
    out["oso_thursday"] = (
        float(int(wo.idxmax()) == 3 and (wo == wo.max()).sum() == 1),
        "by weekday " + ", ".join(str(int(v)) for v in wo),
    )
    share("da_vap", da, major == VAP)
    share("da_so", da, so)
    share("da_so_current", da, so & cur)
    share("da_acd", da, major == ACD)
    share("da_misc", da, major == MISC)
    share("da_public_order", da, major == PUBLIC_ORDER)
    share("da_personal_robbery", da, pr)
    loc = df["location_type"].astype(str)
    share("da_victim_home", loc == "victim_home", da & df["location_type"].notna())
    rel = df["relationship"].astype(str)
    has_rel = df["relationship"].notna()
    share("da_partner", rel == "partner_ex", da & has_rel)
    share("da_family", rel == "family", da & has_rel)
    vsex, ssex = df["victim_sex"].astype(str), df["suspect_sex"].astype(str)
    f = _share(vsex == "female", da & vsex.isin(["female", "male"]))
    out["da_victim_female"] = (float(f > 0.5), f"female {f:.1%}")
    a = _share(_b(vage.between(18, 44)), da & vage.notna())
    out["da_victim_18_44"] = (float(a > 0.5), f"aged 18-44 {a:.1%}")
    out["da_victim_25_29"] = _overrepresented(vage[da & vage.notna()], data_dir)
    m = _share(ssex == "male", da & ssex.isin(["female", "male"]))
    out["da_suspect_male"] = (float(m > 0.5), f"male {m:.1%}")
    share("da_suspect_25_39", _b(sage.between(25, 39)), da & sage.notna())
    share("so_historical", hist, so)
    share("so_victim_home", loc == "victim_home", so & cur & df["location_type"].notna())
    rec = has_rel & (rel != "unknown")
    share("rape_partner", rel == "partner_ex", (minor == RAPE) & cur & rec)
    share("rape_friend", rel == "friend_acquaintance", (minor == RAPE) & cur & rec)
    share("oso_victim_under_18", _b(vage < 18), oso & vage.notna())
    share("knife_personal_robbery", off == "personal_robbery", _b(df["knife"]))
    share("pr_victim_under_18", _b(vage < 18), pr & vage.notna())
    share("pr_suspect_under_25", _b(sage < 25), pr & sage.notna())
    share("pr_suspect_under_18", _b(sage < 18), pr & sage.notna())
    nsus = df["suspects_count"]
    share("pr_2_to_4_suspects", _b(nsus.between(2, 4)), pr & _b(nsus >= 1))
    share("one_suspect", _b(nsus == 1), _b(nsus >= 1))
    return out


def _overrepresented(ages: pd.Series, data_dir: Path | None) -> tuple[float, str]:
    """Whether 25-29 has the highest ratio of victims' share to residents' share among 5-year bands 15-64."""
    from svd.population import borough_population, has_age_bands, lsoa_population

    pop = lsoa_population(data_dir)
    if not has_age_bands(pop):  # ages by LSOA are held for Barking and Dagenham only: the borough table's
        pop = borough_population(data_dir)
    bands = [(lo, lo + 4) for lo in range(15, 65, 5)]
    res = np.array([pop[f"age_{lo}_{hi}"].sum() for lo, hi in bands], dtype=float)
    res = res / pop["all_ages"].sum()
    a = ages.astype("float64")
    vic = np.array([a.between(lo, hi).sum() for lo, hi in bands], dtype=float) / max(len(a), 1)
    ratio = vic / res
    best = bands[int(np.argmax(ratio))]
    detail = "ratio " + ", ".join(f"{lo}-{hi}: {r:.2f}" for (lo, hi), r in zip(bands, ratio, strict=True))
    return float(best == (25, 29)), detail


def measure(records: pd.DataFrame, data_dir: Path | None = None) -> pd.DataFrame:
    """Each calibration target measured on canonical records: id, description, target, measured, tolerance, ok."""
    got = _measurements(records, data_dir)
    rows = []
    for t in CALIBRATION:
        value, detail = got[t.id]
        ok = bool(abs(value - t.target) <= t.tolerance + 1e-9) if value == value else False
        rows.append(
            {
                "id": t.id,
                "description": t.description,
                "target": t.target,
                "measured": value,
                "tolerance": t.tolerance,
                "ok": ok,
                "kind": t.kind,
                "measured_on": t.measured_on,
                "detail": detail,
            }
        )
    return pd.DataFrame(rows)
