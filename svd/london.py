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

DISPLAY_CRS = "EPSG:4326"
WARDS_FILE = "geo/london/wards_2022_london_E12000007.topojson"
LSOAS_FILE = "geo/london/london-2021-lsoa-gen20.shp"
GLA_LOOKUP_FILE = "geo/london/lsoa_2021_to_ward_2022_bestfit_london_GLA.csv"
TS001_FILE = "population/census2021_TS001_usual_residents_lsoa_london_nomis.csv"


def _root(data_dir: Path | None) -> Path:
    return Path(data_dir if data_dir is not None else config.data_dir()).expanduser().resolve()


@dataclass(frozen=True)
class ReadReport:
    """What an importer did with a file: rows accepted, rows skipped (with their reason), geometries repaired."""

    file: str
    rows_read: int
    skipped: list[tuple[int, str]] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        """One plain sentence for the Data page."""
        parts = [f"{self.rows_read:,} rows read"]
        if self.skipped:
            parts.append(f"{len(self.skipped):,} lines skipped (banner, blank or footnote)")
        if self.repaired:
            parts.append(f"{len(self.repaired):,} invalid polygons repaired")
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
    raw = gpd.read_file(path, engine="pyogrio", layer="ward")
    if raw.crs is None:  # TopoJSON declares none; the ONS file is WGS84 lon/lat
        raw = raw.set_crs(DISPLAY_CRS)
    out = raw.rename(columns={"WD22CD": "ward_code", "WD22NM": "ward_name", "LAD22CD": "borough_code"})[
        ["ward_code", "ward_name", "borough_code", "geometry"]
    ]
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
    raw = gpd.read_file(path, engine="pyogrio")
    if raw.crs is None:  # the .prj is part of the download; without it, the file is in British National Grid
        raw = raw.set_crs("EPSG:27700")
    out = raw.rename(
        columns={
            "LSOA21CD": "lsoa_code",
            "LSOA21NM": "lsoa_name",
            "MSOA21CD": "msoa_code",
            "LAD22CD": "borough_code",
            "LAD22NM": "borough_name",
        }
    )[["lsoa_code", "lsoa_name", "msoa_code", "borough_code", "borough_name", "geometry"]]
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
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    out = raw.rename(
        columns={
            "LSOA21CD": "lsoa_code",
            "LSOA21NM": "lsoa_name",
            "WD22CD": "ward_code",
            "WD22NM": "ward_name",
            "LAD22CD": "borough_code",
            "LAD22NM": "borough_name",
        }
    )[["lsoa_code", "lsoa_name", "ward_code", "ward_name", "borough_code", "borough_name"]]
    out = out.apply(lambda s: s.str.strip()).sort_values("lsoa_code").reset_index(drop=True)
    return out, ReadReport(Path(path).name, len(out))


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
    text = Path(path).read_text(encoding="utf-8-sig")
    rows, skipped = [], []
    for line_no, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in cells]
        if len(cells) == 3 and cells[1].startswith("E01") and cells[2].isdigit():
            rows.append((cells[1], cells[0], int(cells[2])))
        else:
            reason = "blank" if not any(cells) else "not an LSOA row (banner, header or footnote)"
            skipped.append((line_no, reason))
    out = pd.DataFrame(rows, columns=["lsoa_code", "lsoa_name", "all_ages"]).astype({"all_ages": "int64"})
    out = out.sort_values("lsoa_code").reset_index(drop=True)
    return out, ReadReport(Path(path).name, len(out), skipped=skipped)


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
