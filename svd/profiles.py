"""Profiles from record-level data: who (victim and suspect sex and age), where, when, relationships and flags.

Every function takes a canonical record frame (one row per offence, already filtered by the caller with
``svd.filters.apply``) and returns a new small frame or value. Shares are percentages (0-100). A record
whose attribute is missing is counted as "Not recorded" in a profile, and left out of a share's
denominator only where the function says so (a share of *known* values).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from svd import aggregate as agg

NOT_RECORDED = "Not recorded"
# Census-comparable age bands for victims and suspects (Census 5-year bands; 18 splits 15-19 pro rata).
AGE_BANDS: tuple[str, ...] = ("0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
ROBBERY_AGE_BANDS: tuple[str, ...] = ("0-17", "18-24", "25-34", "35+")
LOCATION_LABELS = {
    "victim_home": "Victim's home",
    "street": "Street",
    "transport_hub": "Station or transport hub",
    "school": "School",
    "park": "Park",
    "commercial": "Shop, bar or business",
    "other": "Other",
}
RELATIONSHIP_LABELS = {
    "partner_ex": "Partner or ex-partner",
    "family": "Family member",
    "friend_acquaintance": "Friend or acquaintance",
    "stranger": "Stranger",
    "unknown": "Not known",
}
SEX_LABELS = {
    "female": "Female",
    "f": "Female",
    "male": "Male",
    "m": "Male",
    "other": "Other",
    "unknown": "Not known",
}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Share:
    """``numerator`` of ``denominator`` records; ``pct`` is None when there are none."""

    numerator: int
    denominator: int

    @property
    def pct(self) -> float | None:
        """The share as a percentage."""
        return None if self.denominator == 0 else 100 * self.numerator / self.denominator

    def text(self, dp: int = 0) -> str:
        """E.g. '66% (1,234 of 1,870)'."""
        if self.pct is None:
            return "no records"
        return f"{self.pct:.{dp}f}% ({self.numerator:,} of {self.denominator:,})"


def _flag(s: pd.Series) -> pd.Series:
    """A nullable boolean column as bool, NA as False."""
    return s.astype("boolean").fillna(False).astype(bool)


def shares(
    records: pd.DataFrame,
    column: str,
    labels: dict[str, str] | None = None,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Counts and shares of each value of ``column`` (share of all records): category, label, count, share.

    Missing values are one row, "Not recorded". ``order`` lists categories shown even when empty, first.
    """
    values = records[column].astype("object")
    counts = values.where(values.notna(), NOT_RECORDED).value_counts()
    cats = list(order or [])
    cats += [c for c in counts.index if c not in cats and c != NOT_RECORDED]
    if NOT_RECORDED in counts.index:
        cats.append(NOT_RECORDED)
    count = counts.reindex(cats).fillna(0).astype("int64")
    total = int(count.sum())
    names = labels or {}
    lab = [
        c
        if c == NOT_RECORDED
        else names.get(c, names.get(str(c).lower(), str(c).replace("_", " ").capitalize()))
        for c in cats
    ]
    share = count / total * 100 if total else count * np.nan
    return pd.DataFrame(
        {"category": cats, "label": lab, "count": count.to_numpy(), "share": share.to_numpy(dtype=float)}
    )


def share_of(records: pd.DataFrame, column: str, value: object, known_only: bool = False) -> Share:
    """Records whose ``column`` equals ``value``; the denominator is all records (or those with a value)."""
    col = records[column]
    base = col.notna() if known_only else pd.Series(True, index=records.index)
    return Share(int((col[base] == value).sum()), int(base.sum()))


def flag_share(records: pd.DataFrame, flag: str) -> Share:
    """Records with the boolean ``flag`` set (missing = not set), of all records."""
    return Share(int(_flag(records[flag]).sum()), len(records))


def flag_share_by_group(
    records: pd.DataFrame, flag: str = "domestic_abuse", group: str = "offence_group"
) -> pd.DataFrame:
    """For each ``group``: offences, flagged and share (%) flagged, highest share first."""
    g = records.assign(_f=_flag(records[flag]).to_numpy()).groupby(group, observed=True)["_f"]
    out = pd.DataFrame({"offences": g.size(), "flagged": g.sum().astype("int64")}).reset_index()
    out = out.rename(columns={group: "group"})
    out = out.assign(share=out["flagged"] / out["offences"] * 100)
    return out.sort_values(["share", "offences"], ascending=False, ignore_index=True)


def _parse_band(band: str) -> tuple[int, int | None]:
    lo, _, hi = band.replace("+", "-").partition("-")
    return int(lo), (int(hi) if hi else None)


def age_band(ages: pd.Series, bands: Sequence[str] = AGE_BANDS) -> pd.Series:
    """The band label of each age (NA when the age is missing or outside every band)."""
    a = pd.to_numeric(ages, errors="coerce")
    out = pd.Series(pd.NA, index=ages.index, dtype="object")
    for band in bands:
        lo, hi = _parse_band(band)
        inside = (a >= lo) & (a <= hi) if hi is not None else a >= lo
        out = out.mask(inside.fillna(False).astype(bool), band)
    return out


def age_counts(records: pd.DataFrame, column: str, bands: Sequence[str] = AGE_BANDS) -> pd.Series:
    """Records per age band of ``column`` (victim_age or suspect_age), every band present, unknowns left out."""
    b = age_band(records[column], bands)
    return b.value_counts().reindex(list(bands)).fillna(0).astype("int64").rename("count")


def population_by_band(population: pd.DataFrame, bands: Sequence[str] = AGE_BANDS) -> pd.Series:
    """Residents per age band summed over the rows of a Census frame (e.g. the selected wards' rows).

    Bands that split a Census 5-year band are estimated pro rata (``svd.population.age_range_population``).
    """
    from svd.population import age_range_population

    return pd.Series(
        {b: float(age_range_population(population, *_parse_band(b)).sum()) for b in bands}, dtype=float
    )


def overrepresentation_by_age(
    records: pd.DataFrame, column: str, population: pd.Series, bands: Sequence[str] = AGE_BANDS
) -> pd.DataFrame:
    """Each age band's share of victims (or suspects) against its share of residents, with a 95% interval.

    ``population`` is residents per band (``svd.population.age_band_population``). Records with no age are
    left out (``unknown`` column says how many). Columns: band, count, share, population, population_share,
    ratio, lower, upper, label, unknown; shares in %.
    """
    from svd.stats import overrepresentation

    counts = age_counts(records, column, bands)
    if counts.sum() == 0:
        from svd.schema import NothingToShow

        who = column.removesuffix("_age").replace("_", " ")
        raise NothingToShow(
            f"No {who} with a known age in the chosen months and areas, so there is no age profile to set "
            "against the Census population."
        )
    res = overrepresentation(counts, population.reindex(list(bands)))
    out = res.rename_axis("band").reset_index()
    unknown = int(len(records) - counts.sum())
    return out.assign(
        share=out["share"] * 100, population_share=out["population_share"] * 100, unknown=unknown
    )


def hour_profile(records: pd.DataFrame) -> pd.DataFrame:
    """Offences by hour of day (0-23) among records with a known time: hour, count, share."""
    h = pd.to_numeric(records["hour"], errors="coerce").dropna().astype(int)
    count = h.value_counts().reindex(range(24)).fillna(0).astype("int64")
    total = int(count.sum())
    return pd.DataFrame(
        {
            "hour": range(24),
            "label": [f"{x:02d}:00" for x in range(24)],
            "count": count.to_numpy(),
            "share": (count / total * 100 if total else count * np.nan).to_numpy(),
        }
    )


def weekday_profile(records: pd.DataFrame) -> pd.DataFrame:
    """Offences by day of the week (0 = Monday): weekday, label, count, share."""
    d = pd.to_numeric(records["weekday"], errors="coerce").dropna().astype(int)
    count = d.value_counts().reindex(range(7)).fillna(0).astype("int64")
    total = int(count.sum())
    return pd.DataFrame(
        {
            "weekday": range(7),
            "label": list(WEEKDAY_NAMES),
            "count": count.to_numpy(),
            "share": (count / total * 100 if total else count * np.nan).to_numpy(),
        }
    )


def window_share(records: pd.DataFrame, window: tuple[int, int]) -> Share:
    """Records with a known time whose hour is in [start, end), of records with a known time."""
    from svd.filters import hour_mask

    known = records["hour"].notna()
    return Share(int(hour_mask(records["hour"], window).sum()), int(known.sum()))


def historical_share(records: pd.DataFrame) -> Share:
    """Historical reports (offence long before the report) of the records where the flag is recorded."""
    h = records["historical"].astype("boolean")
    return Share(int(h.fillna(False).sum()), int(h.notna().sum()))


def multiple_suspects_share(records: pd.DataFrame) -> Share:
    """Offences with two or more suspects, of those where the number of suspects is recorded (1 or more)."""
    n = pd.to_numeric(records["suspects_count"], errors="coerce")
    known = n >= 1
    return Share(int((n[known] >= 2).sum()), int(known.sum()))


def knife_personal_robbery_share(records: pd.DataFrame) -> Share:
    """Knife-flagged offences that are personal robbery, of all knife-flagged offences."""
    knife = records[_flag(records["knife"]).to_numpy()]
    return Share(int((knife["offence"] == "personal_robbery").sum()), len(knife))


def monthly_flagged(records: pd.DataFrame, flag: str) -> pd.DataFrame:
    """Flagged records per month over the records' whole span (every month present): month, count."""
    picked = records[_flag(records[flag]).to_numpy()]
    if records.empty:
        return pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"), "count": pd.Series(dtype="int64")})
    months = pd.date_range(records["month"].min(), records["month"].max(), freq="MS")
    count = picked.groupby("month").size().reindex(months).fillna(0).astype("int64")
    return pd.DataFrame({"month": months, "count": count.to_numpy()})


def area_rates(records: pd.DataFrame, population: pd.DataFrame, level: str = "ward") -> pd.DataFrame:
    """Offences and rate per 1,000 residents in every ward (or LSOA) of ``population``, zero where none.

    ``population`` is ``svd.population.ward_population()`` or ``lsoa_population()``. Columns: code, name,
    count, population, rate_per_1000, highest rate first. Records with no area are not counted.
    """
    code, name = f"{level}_code", f"{level}_name"
    # value_counts, not a group-by: a group-by recodes a categorical column into new arrays (~190 MB at 2M).
    counts = records[code].value_counts()
    counts = pd.Series(counts.to_numpy(), index=counts.index.astype(str))
    out = population[[code, name, "all_ages"]].rename(
        columns={code: "code", name: "name", "all_ages": "population"}
    )
    out = out.assign(count=counts.reindex(out["code"]).fillna(0).astype("int64").to_numpy())
    out = out.assign(rate_per_1000=agg.rate_per_1000(out["count"], out["population"]))
    return out[["code", "name", "count", "population", "rate_per_1000"]].sort_values(
        ["rate_per_1000", "code"], ascending=[False, True], ignore_index=True
    )


def near_points(
    records: pd.DataFrame, points: gpd.GeoDataFrame, radius_m: float = 400, name_col: str = "name"
) -> tuple[pd.DataFrame, Share]:
    """Records within ``radius_m`` metres of each point (e.g. stations), and the share within any of them.

    Distances are measured in British National Grid. Records without coordinates cannot be placed: they
    stay in the share's denominator (they are offences that might have been near a station) and are
    counted in no place. Returns (name, count per point, largest first) and Share(records near any, all).
    """
    has = records["latitude"].notna() & records["longitude"].notna()
    pts = gpd.GeoSeries(
        gpd.points_from_xy(records.loc[has, "longitude"], records.loc[has, "latitude"]), crs="EPSG:4326"
    ).to_crs("EPSG:27700")
    where = points.to_crs("EPSG:27700")
    near_any = np.zeros(len(pts), dtype=bool)
    rows = []
    for name, geom in zip(where[name_col], where.geometry, strict=True):
        inside = (pts.distance(geom) <= radius_m).to_numpy()
        near_any |= inside
        rows.append({"name": name, "count": int(inside.sum())})
    per = pd.DataFrame(rows, columns=["name", "count"]).sort_values(
        ["count", "name"], ascending=[False, True], ignore_index=True
    )
    return per, Share(int(near_any.sum()), len(records))


def stations(places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The station rows of ``svd.geo.places()`` (stations just outside the borough included)."""
    return places[places["place_type"] == "station"].reset_index(drop=True)


def rates_on_shapes(shapes: gpd.GeoDataFrame, rates: pd.DataFrame, level: str = "ward") -> gpd.GeoDataFrame:
    """``area_rates`` output (``code`` column) joined onto ward or LSOA polygons, for a static map.

    Every polygon is kept; an area missing from ``rates`` has no value (drawn as no data).
    """
    code = f"{level}_code"
    values = rates.drop(columns=[c for c in ("name",) if c in rates.columns]).rename(columns={"code": code})
    return shapes[[code, f"{level}_name", shapes.geometry.name]].merge(values, on=code, how="left")
