"""London-wide geography and population, read from the publishers' files as downloaded.

* ``geo/london/wards_2022_london_E12000007.topojson``: ONS wards (Dec 2022), TopoJSON, no CRS declared (WGS84).
  15 of the 704 polygons are invalid as read (quantisation makes rings touch themselves); they are repaired
  with ``shapely.make_valid`` and counted, never dropped.
* ``geo/london/london-2021-lsoa-gen20.shp``: ONS LSOAs (Dec 2021), 20 m generalised, British National Grid;
  reprojected to WGS84.
* ``geo/london/lsoa_2021_to_ward_2022_bestfit_london_GLA.csv``: the GLA's best-fit LSOA → ward lookup.
* ``population/census2021_TS001_usual_residents_lsoa_london_nomis.csv``: the Nomis TS001 export, banner lines
  and footnotes included; rows read and skipped are reported.

No module-level caches: callers that need one (the app) own it (``ui/cache.py``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from svd import config
from svd.schema import read_text

DISPLAY_CRS = "EPSG:4326"
WARDS_FILE = "geo/london/wards_2022_london_E12000007.topojson"
LSOAS_FILE = "geo/london/london-2021-lsoa-gen20.shp"
GLA_LOOKUP_FILE = "geo/london/lsoa_2021_to_ward_2022_bestfit_london_GLA.csv"
TS001_FILE = "population/census2021_TS001_usual_residents_lsoa_london_nomis.csv"


class LondonFileError(ValueError):
    """A London-wide file that cannot be used: the message names the file (never its folder) and what is wrong."""


def _columns(raw: pd.DataFrame, name: str, needed: dict[str, str], what: str) -> pd.DataFrame:
    """The needed columns renamed, or a plain error naming the missing ones."""
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        raise LondonFileError(f"{name}: not {what} (no {', '.join(missing)} {noun}).")
    return raw.rename(columns=needed)[list(needed.values())]


def _read_geo(path: Path, what: str, **kwargs) -> gpd.GeoDataFrame:
    name = Path(path).name
    if not Path(path).is_file():
        raise LondonFileError(f"{name}: the file is missing from the data directory.")
    try:
        return gpd.read_file(path, engine="pyogrio", **kwargs)
    except Exception:  # noqa: BLE001 — GDAL's message carries the full path; the user gets a plain one
        raise LondonFileError(f"{name}: cannot be read as {what}.") from None


def _root(data_dir: Path | None) -> Path:
    return Path(data_dir if data_dir is not None else config.data_dir()).expanduser().resolve()


@dataclass(frozen=True)
class ReadReport:
    """What an importer did with a file: rows accepted, rows skipped (with their reason), geometries repaired."""

    file: str
    rows_read: int
    skipped: list[tuple[int, str]] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    @property
    def rows_skipped(self) -> int:
        """How many lines were skipped."""
        return len(self.skipped)

    def skipped_by_reason(self) -> dict[str, int]:
        """Lines skipped per reason, in order of first appearance."""
        out: dict[str, int] = {}
        for _, reason in self.skipped:
            out[reason] = out.get(reason, 0) + 1
        return out

    def sentence(self) -> str:
        """One plain sentence for the Data page."""
        parts = [f"{self.rows_read:,} rows read"]
        if self.skipped:
            reasons = "; ".join(f"{n:,} {r}" for r, n in self.skipped_by_reason().items())
            parts.append(f"{len(self.skipped):,} lines skipped ({reasons})")
        if self.repaired:
            n = len(self.repaired)
            parts.append(f"{n:,} invalid polygon{'' if n == 1 else 's'} repaired")
        return f"{self.file}: " + ", ".join(parts) + "."


def _repair(gdf: gpd.GeoDataFrame, code_column: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Invalid polygons made valid (``shapely.make_valid``), keeping only their polygonal parts."""
    bad = ~gdf.geometry.is_valid
    repaired = gdf.loc[bad, code_column].astype(str).tolist()
    if bad.any():
        fixed = shapely.make_valid(gdf.geometry[bad].to_numpy(), method="structure", keep_collapsed=False)
        # make_valid can return a GeometryCollection with stray lines where a ring touched itself; a ward is an
        # area, so keep the polygonal part.
        fixed = [
            shapely.unary_union([p for p in getattr(g, "geoms", [g]) if p.geom_type.endswith("Polygon")])
            for g in fixed
        ]
        gdf = gdf.copy()
        gdf.loc[bad, "geometry"] = fixed
    return gdf, repaired


def read_wards(path: Path) -> tuple[gpd.GeoDataFrame, ReadReport]:
    """The TopoJSON ward file: ward_code, ward_name, borough_code, geometry (EPSG:4326), and its report."""
    raw = _read_geo(path, "TopoJSON with a 'ward' object", layer="ward")
    if raw.crs is None:  # TopoJSON declares none; the ONS file is WGS84 lon/lat
        raw = raw.set_crs(DISPLAY_CRS)
    needed = {"WD22CD": "ward_code", "WD22NM": "ward_name", "LAD22CD": "borough_code", "geometry": "geometry"}
    out = gpd.GeoDataFrame(_columns(raw, Path(path).name, needed, "the ONS ward file"), crs=raw.crs)
    out, repaired = _repair(out.to_crs(DISPLAY_CRS), "ward_code")
    out = out.sort_values("ward_code").reset_index(drop=True)
    return out, ReadReport(Path(path).name, len(out), repaired=repaired)


def wards(data_dir: Path | None = None, borough_code: str | None = None) -> gpd.GeoDataFrame:
    """London's wards (all 704, City included), or one borough's when ``borough_code`` is given."""
    out, _ = read_wards(_root(data_dir) / WARDS_FILE)
    if borough_code is not None:
        out = out[out["borough_code"] == borough_code].reset_index(drop=True)
    return out


def read_lsoas(path: Path) -> tuple[gpd.GeoDataFrame, ReadReport]:
    """The LSOA shapefile: lsoa_code, lsoa_name, msoa_code, borough_code, borough_name, geometry (EPSG:4326)."""
    raw = _read_geo(path, "a shapefile")
    if raw.crs is None:  # the .prj is part of the download; without it, the file is in British National Grid
        raw = raw.set_crs("EPSG:27700")
    needed = {
        "LSOA21CD": "lsoa_code",
        "LSOA21NM": "lsoa_name",
        "MSOA21CD": "msoa_code",
        "LAD22CD": "borough_code",
        "LAD22NM": "borough_name",
        "geometry": "geometry",
    }
    out = gpd.GeoDataFrame(_columns(raw, Path(path).name, needed, "the ONS LSOA file"), crs=raw.crs)
    out, repaired = _repair(out.to_crs(DISPLAY_CRS), "lsoa_code")
    out = out.sort_values("lsoa_code").reset_index(drop=True)
    return out, ReadReport(Path(path).name, len(out), repaired=repaired)


def lsoas(data_dir: Path | None = None, borough_code: str | None = None) -> gpd.GeoDataFrame:
    """London's 4,994 LSOAs, or one borough's when ``borough_code`` is given."""
    out, _ = read_lsoas(_root(data_dir) / LSOAS_FILE)
    if borough_code is not None:
        out = out[out["borough_code"] == borough_code].reset_index(drop=True)
    return out


def read_gla_lookup(path: Path) -> tuple[pd.DataFrame, ReadReport]:
    """The GLA best-fit lookup: lsoa_code, lsoa_name, ward_code, ward_name, borough_code, borough_name."""
    name = Path(path).name
    if not Path(path).is_file():
        raise LondonFileError(f"{name}: the file is missing from the data directory.")
    try:
        raw = pd.read_csv(io.StringIO(read_text(path)), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        raise LondonFileError(f"{name}: not a readable CSV table.") from None
    needed = {
        "LSOA21CD": "lsoa_code",
        "LSOA21NM": "lsoa_name",
        "WD22CD": "ward_code",
        "WD22NM": "ward_name",
        "LAD22CD": "borough_code",
        "LAD22NM": "borough_name",
    }
    out = _columns(raw, name, needed, "the GLA best-fit lookup").apply(lambda s: s.str.strip())
    # A row without an LSOA or a ward code is no lookup at all: skipped and reported, never guessed.
    bad = (out["lsoa_code"] == "") | (out["ward_code"] == "")
    skipped = [(int(i) + 2, "no LSOA or ward code") for i in out.index[bad]]  # +2: header is line 1
    dup = out["lsoa_code"].duplicated() & ~bad
    skipped += [(int(i) + 2, "LSOA listed twice (first kept)") for i in out.index[dup]]
    out = out[~bad & ~dup].sort_values("lsoa_code").reset_index(drop=True)
    return out, ReadReport(name, len(out), skipped=sorted(skipped))


def gla_lookup(data_dir: Path | None = None, borough_code: str | None = None) -> pd.DataFrame:
    """The GLA best-fit LSOA → ward lookup, London-wide or for one borough."""
    out, _ = read_gla_lookup(_root(data_dir) / GLA_LOOKUP_FILE)
    if borough_code is not None:
        out = out[out["borough_code"] == borough_code].reset_index(drop=True)
    return out


def read_ts001(path: Path) -> tuple[pd.DataFrame, ReadReport]:
    """The Nomis TS001 export as downloaded: lsoa_code, lsoa_name, all_ages (int), and the lines skipped.

    A data row is a line of three cells whose second is a 2021 LSOA code and whose third is a whole number;
    every other line (the banner, the header, blank lines, the footnotes) is skipped and reported.
    """
    name = Path(path).name
    if not Path(path).is_file():
        raise LondonFileError(f"{name}: the file is missing from the data directory.")
    text = read_text(path)
    rows, skipped = [], []
    for line_no, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in cells]
        if len(cells) == 3 and cells[1].startswith("E01") and cells[2].isdigit():
            rows.append((cells[1], cells[0], int(cells[2])))
        else:
            if not any(cells):
                reason = "blank"
            elif len(cells) >= 2 and cells[1].startswith("E01"):
                reason = "LSOA row without a whole-number count"  # e.g. a suppressed or edited cell
            else:
                reason = "not an LSOA row (banner, header or footnote)"
            skipped.append((line_no, reason))
    if not rows:
        raise LondonFileError(f"{name}: no LSOA rows found (expected the Nomis TS001 export by 2021 LSOA).")
    out = pd.DataFrame(rows, columns=["lsoa_code", "lsoa_name", "all_ages"]).astype({"all_ages": "int64"})
    out = out.sort_values("lsoa_code").reset_index(drop=True)
    return out, ReadReport(name, len(out), skipped=skipped)


def lsoa_residents(data_dir: Path | None = None) -> pd.DataFrame:
    """Usual residents per 2021 LSOA, London (Census 2021 TS001): lsoa_code, lsoa_name, all_ages."""
    out, _ = read_ts001(_root(data_dir) / TS001_FILE)
    return out


PROJECTED_CRS = "EPSG:27700"  # British National Grid: metres, for distances, overlaps and areas
ADJACENCY_TOLERANCE_M = 8.0


def ward_adjacency(wards_gdf: gpd.GeoDataFrame, tolerance_m: float = ADJACENCY_TOLERANCE_M) -> pd.DataFrame:
    """Pairs of wards that touch, from the polygons, each pair listed once from each side.

    Two wards touch when their polygons come within ``tolerance_m`` metres of each other in British National
    Grid: the TopoJSON is quantised, so neighbours' shared edges are not exactly identical lines and a strict
    ``touches`` misses some. ``shared_boundary_m`` is the length of the ward's boundary lying within the
    tolerance of the neighbour (about the length of the common border; near 0 where they meet at a corner).

    Columns: ward_code, ward_name, borough_code, neighbour_code, neighbour_name, neighbour_borough_code,
    cross_border (the two wards are in different boroughs), shared_boundary_m. Sorted by ward_code,
    neighbour_code.
    """
    columns = [
        "ward_code",
        "ward_name",
        "borough_code",
        "neighbour_code",
        "neighbour_name",
        "neighbour_borough_code",
        "cross_border",
        "shared_boundary_m",
    ]
    gdf = wards_gdf.reset_index(drop=True)
    if gdf.crs is None:
        gdf = gdf.set_crs(DISPLAY_CRS)
    geoms = gdf.to_crs(PROJECTED_CRS).geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=tolerance_m)
    keep = left != right
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return pd.DataFrame(columns=columns)
    # The part of the ward's boundary within the tolerance of its neighbour.
    shared = shapely.length(
        shapely.intersection(shapely.boundary(geoms[left]), shapely.buffer(geoms[right], tolerance_m))
    )
    out = pd.DataFrame(
        {
            "ward_code": gdf["ward_code"].to_numpy()[left],
            "ward_name": gdf["ward_name"].to_numpy()[left],
            "borough_code": gdf["borough_code"].to_numpy()[left],
            "neighbour_code": gdf["ward_code"].to_numpy()[right],
            "neighbour_name": gdf["ward_name"].to_numpy()[right],
            "neighbour_borough_code": gdf["borough_code"].to_numpy()[right],
        }
    )
    out["cross_border"] = out["borough_code"] != out["neighbour_borough_code"]
    out["shared_boundary_m"] = shared.round(1)
    return out.sort_values(["ward_code", "neighbour_code"]).reset_index(drop=True)[columns]


def border_pairs(adjacency: pd.DataFrame, borough_code: str, min_shared_m: float = 0.0) -> pd.DataFrame:
    """The borough's wards that touch a neighbouring borough's, one row per pair seen from the borough's side.

    ``adjacency`` is ``ward_adjacency()``; ``min_shared_m`` leaves out pairs sharing less border than that
    (e.g. 50 to drop wards meeting only at a corner). Same columns, sorted by ward_code, neighbour_code.
    """
    mine = adjacency[
        (adjacency["borough_code"] == borough_code)
        & adjacency["cross_border"]
        & (adjacency["shared_boundary_m"] >= min_shared_m)
    ]
    return mine.sort_values(["ward_code", "neighbour_code"]).reset_index(drop=True)


BESTFIT_METHODS = ("overlap", "point")


def _projected(gdf: gpd.GeoDataFrame):
    gdf = gdf.reset_index(drop=True)
    return (
        (gdf if gdf.crs is not None else gdf.set_crs(DISPLAY_CRS)).to_crs(PROJECTED_CRS).geometry.to_numpy()
    )


def lsoa_ward_overlaps(lsoas_gdf: gpd.GeoDataFrame, wards_gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """How much of each LSOA lies in each ward, from the polygons in British National Grid.

    Columns: lsoa_code, ward_code, area_m2, share (area_m2 over the LSOA's area, 0–1); one row per LSOA × ward
    whose polygons intersect, sorted by lsoa_code then largest share first.
    """
    ls, ws = lsoas_gdf.reset_index(drop=True), wards_gdf.reset_index(drop=True)
    lg, wg = _projected(ls), _projected(ws)
    li, wi = shapely.STRtree(wg).query(lg, predicate="intersects")
    area = shapely.area(shapely.intersection(lg[li], wg[wi])) if len(li) else []
    out = pd.DataFrame(
        {
            "lsoa_code": ls["lsoa_code"].to_numpy()[li],
            "ward_code": ws["ward_code"].to_numpy()[wi],
            "area_m2": area,
            "share": area / shapely.area(lg[li]) if len(li) else [],
        }
    )
    out = out[out["area_m2"] > 0]
    return out.sort_values(["lsoa_code", "share"], ascending=[True, False]).reset_index(drop=True)


def bestfit_from_polygons(
    lsoas_gdf: gpd.GeoDataFrame, wards_gdf: gpd.GeoDataFrame, method: str = "overlap"
) -> pd.DataFrame:
    """Each LSOA's best-fit ward derived from the polygons, computed in British National Grid.

    ``method="overlap"``: the ward covering the largest part of the LSOA's area. ``method="point"``: the ward
    containing the LSOA's representative point (a point guaranteed inside the polygon), the nearest ward if the
    point falls in none (slivers at the edge of London). The GLA's lookup is built from population-weighted
    centroids, which neither method has, so a few hundred LSOAs split between wards can differ.

    Columns: lsoa_code, ward_code, ward_name, borough_code, share (the fraction of the LSOA's area inside that
    ward, 0–1), wards_overlapped (how many wards cover at least 1% of the LSOA). Sorted by lsoa_code; an LSOA
    touching no ward gets no row with ``method="overlap"``.
    """
    if method not in BESTFIT_METHODS:
        raise ValueError(f"method must be one of {', '.join(BESTFIT_METHODS)}, not {method!r}")
    ls, ws = lsoas_gdf.reset_index(drop=True), wards_gdf.reset_index(drop=True)
    overlaps = lsoa_ward_overlaps(ls, ws)
    overlapped = overlaps[overlaps["share"] >= 0.01].groupby("lsoa_code").size().rename("wards_overlapped")
    if method == "overlap":
        best = overlaps.drop_duplicates("lsoa_code")[["lsoa_code", "ward_code", "share"]]
    else:
        lg, wg = _projected(ls), _projected(ws)
        tree = shapely.STRtree(wg)
        points = shapely.point_on_surface(lg)
        pl, pw = tree.query(points, predicate="within")
        inside = pd.DataFrame({"l": pl, "w": pw}).drop_duplicates("l")
        missing = sorted(set(range(len(lg))) - set(inside["l"]))
        if missing:
            ml, mw = tree.query_nearest(points[missing], all_matches=False)
            inside = pd.concat([inside, pd.DataFrame({"l": [missing[i] for i in ml], "w": mw})])
        best = pd.DataFrame(
            {
                "lsoa_code": ls["lsoa_code"].to_numpy()[inside["l"]],
                "ward_code": ws["ward_code"].to_numpy()[inside["w"]],
            }
        ).merge(overlaps[["lsoa_code", "ward_code", "share"]], on=["lsoa_code", "ward_code"], how="left")
        best["share"] = best["share"].fillna(0.0)
    names = ws[["ward_code", "ward_name", "borough_code"]].drop_duplicates("ward_code")
    out = best.merge(names, on="ward_code", how="left").merge(overlapped, on="lsoa_code", how="left")
    out["share"] = out["share"].round(4)
    out["wards_overlapped"] = out["wards_overlapped"].fillna(0).astype("int64")
    cols = ["lsoa_code", "ward_code", "ward_name", "borough_code", "share", "wards_overlapped"]
    return out[cols].sort_values("lsoa_code").reset_index(drop=True)


def lookup_disagreements(
    gla: pd.DataFrame, derived: pd.DataFrame, overlaps: pd.DataFrame | None = None
) -> pd.DataFrame:
    """LSOAs whose GLA best-fit ward differs from the ward derived from the polygons (or is missing in either).

    ``gla`` is ``gla_lookup()``, ``derived`` is ``bestfit_from_polygons()``; with ``overlaps``
    (``lsoa_ward_overlaps()``) the GLA ward's share of the LSOA is filled in too, which shows how close the call
    was. Columns: lsoa_code, lsoa_name, gla_ward_code, gla_ward_name, gla_share, derived_ward_code,
    derived_ward_name, derived_share, reason ("different ward", "not in the GLA lookup", "no ward from the
    polygons"). Sorted by lsoa_code.
    """
    g = gla[["lsoa_code", "lsoa_name", "ward_code", "ward_name"]].rename(
        columns={"ward_code": "gla_ward_code", "ward_name": "gla_ward_name"}
    )
    d = derived[["lsoa_code", "ward_code", "ward_name", "share"]].rename(
        columns={"ward_code": "derived_ward_code", "ward_name": "derived_ward_name", "share": "derived_share"}
    )
    both = g.merge(d, on="lsoa_code", how="outer", indicator=True)
    both["reason"] = "different ward"
    both.loc[both["_merge"] == "right_only", "reason"] = "not in the GLA lookup"
    both.loc[both["_merge"] == "left_only", "reason"] = "no ward from the polygons"
    differ = both[(both["_merge"] != "both") | (both["gla_ward_code"] != both["derived_ward_code"])]
    if overlaps is not None:
        o = overlaps[["lsoa_code", "ward_code", "share"]].rename(
            columns={"ward_code": "gla_ward_code", "share": "gla_share"}
        )
        differ = differ.merge(o, on=["lsoa_code", "gla_ward_code"], how="left")
        differ["gla_share"] = differ["gla_share"].fillna(0.0).round(4)
    else:
        differ = differ.assign(gla_share=float("nan"))
    cols = [
        "lsoa_code",
        "lsoa_name",
        "gla_ward_code",
        "gla_ward_name",
        "gla_share",
        "derived_ward_code",
        "derived_ward_name",
        "derived_share",
        "reason",
    ]
    return differ[cols].sort_values("lsoa_code").reset_index(drop=True)
