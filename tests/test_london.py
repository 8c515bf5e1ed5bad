"""London-wide importers (svd.london): tiny hand-made fixtures, then the real files reconciled independently."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from svd import london


def _bng_squares(squares: dict[str, tuple[float, float, float, float, str]]) -> gpd.GeoDataFrame:
    """Wards from boxes in British National Grid metres: code -> (minx, miny, maxx, maxy, borough)."""
    return gpd.GeoDataFrame(
        {
            "ward_code": list(squares),
            "ward_name": [f"Ward {c}" for c in squares],
            "borough_code": [s[4] for s in squares.values()],
        },
        geometry=[box(*s[:4]) for s in squares.values()],
        crs="EPSG:27700",
    ).to_crs("EPSG:4326")


def test_ward_adjacency_touching_gap_and_far():
    wards = _bng_squares(
        {
            "A": (530000, 180000, 531000, 181000, "B1"),
            "B": (531000, 180000, 532000, 181000, "B1"),  # shares A's east edge (1,000 m)
            "C": (532004, 180000, 533000, 181000, "B2"),  # 4 m gap from B: quantisation, still neighbours
            "D": (540000, 180000, 541000, 181000, "B2"),  # far away
        }
    )
    adj = london.ward_adjacency(wards)
    pairs = set(zip(adj["ward_code"], adj["neighbour_code"], strict=True))
    assert pairs == {("A", "B"), ("B", "A"), ("B", "C"), ("C", "B")}
    ab = adj[(adj["ward_code"] == "A") & (adj["neighbour_code"] == "B")].iloc[0]
    assert not ab["cross_border"]
    assert ab["shared_boundary_m"] == pytest.approx(1000, abs=20)
    bc = adj[(adj["ward_code"] == "B") & (adj["neighbour_code"] == "C")].iloc[0]
    assert bc["cross_border"] and bc["neighbour_borough_code"] == "B2"
    assert london.border_pairs(adj, "B1")[["ward_code", "neighbour_code"]].values.tolist() == [["B", "C"]]
    assert london.border_pairs(adj, "B2")[["ward_code", "neighbour_code"]].values.tolist() == [["C", "B"]]
    assert london.border_pairs(adj, "B1", min_shared_m=1500).empty
    # A tighter tolerance than the gap separates B and C.
    strict = london.ward_adjacency(wards, tolerance_m=1.0)
    assert set(zip(strict["ward_code"], strict["neighbour_code"], strict=True)) == {("A", "B"), ("B", "A")}


# --- fixtures written by hand -------------------------------------------------------------------------------


def _lonlat(x: float, y: float) -> list[float]:
    """A point of a tiny grid near Barking (1 unit = 0.001 degree)."""
    return [0.08 + x / 1000, 51.53 + y / 1000]


def _write_topojson(path, wards: list[tuple[str, str, str, list[tuple[float, float]]]]) -> None:
    """A TopoJSON topology (no transform, one arc per ward ring) with object ``ward``."""
    arcs, geoms = [], []
    for i, (code, name, borough, ring) in enumerate(wards):
        arcs.append([_lonlat(*p) for p in ring])
        geoms.append(
            {
                "type": "Polygon",
                "arcs": [[i]],
                "properties": {"WD22CD": code, "WD22NM": name, "LAD22CD": borough},
            }
        )
    topo = {"type": "Topology", "objects": {"ward": {"type": "GeometryCollection", "geometries": geoms}}}
    topo["arcs"] = arcs
    path.write_text(json.dumps(topo))


SQUARE = [(0, 0), (4, 0), (4, 4), (0, 4), (0, 0)]
# Two 2 x 2 lobes whose one ring passes twice through (6, 2): a ring touching itself, as quantisation leaves a
# narrow neck of a ward in the ONS file. Invalid as read; the repair keeps both lobes and their whole area.
SELF_TOUCHING = [(4, 0), (6, 0), (6, 2), (8, 2), (8, 4), (6, 4), (6, 2), (4, 2), (4, 0)]


def test_read_wards_repairs_the_self_touching_ring_and_keeps_every_ward(tmp_path):
    path = tmp_path / "wards.topojson"
    _write_topojson(
        path, [("E05000002", "Two", "E09000002", SELF_TOUCHING), ("E05000001", "One", "E09000002", SQUARE)]
    )
    wards, report = london.read_wards(path)
    assert report.repaired == ["E05000002"] and report.rows_read == 2
    assert list(wards["ward_code"]) == ["E05000001", "E05000002"]  # sorted, none dropped
    assert wards.crs.to_epsg() == 4326
    assert wards.geometry.is_valid.all()
    fixed = wards.loc[wards["ward_code"] == "E05000002", "geometry"].iloc[0]
    assert fixed.geom_type == "MultiPolygon" and len(fixed.geoms) == 2
    assert fixed.area == pytest.approx(8e-6, rel=1e-6)  # two lobes of 4 square units (1 unit = 0.001 degree)
    assert report.sentence() == "wards.topojson: 2 rows read, 1 invalid polygon repaired."
    adj = london.ward_adjacency(wards)
    assert set(adj["ward_code"]) == {"E05000001", "E05000002"} and not adj["cross_border"].any()


def test_read_lsoas_reprojects_a_british_national_grid_shapefile(tmp_path):
    gdf = gpd.GeoDataFrame(
        {
            "LSOA21CD": ["E01000002", "E01000001"],
            "LSOA21NM": ["Demo 001B", "Demo 001A"],
            "MSOA21CD": ["E02000001", "E02000001"],
            "LAD22CD": ["E09000002", "E09000002"],
            "LAD22NM": ["Demo", "Demo"],
        },
        geometry=[box(545000, 184000, 545500, 184500), box(544500, 184000, 545000, 184500)],
        crs="EPSG:27700",
    )
    path = tmp_path / "lsoas.shp"
    gdf.to_file(path, engine="pyogrio")
    lsoas, report = london.read_lsoas(path)
    assert lsoas.crs.to_epsg() == 4326 and report.rows_read == 2 and report.repaired == []
    assert list(lsoas["lsoa_code"]) == ["E01000001", "E01000002"]
    assert list(lsoas.columns) == [
        "lsoa_code",
        "lsoa_name",
        "msoa_code",
        "borough_code",
        "borough_name",
        "geometry",
    ]
    # Reprojected, not relabelled: back in BNG each square is 500 m x 500 m where it was.
    back = lsoas.to_crs("EPSG:27700")
    assert back.area.tolist() == pytest.approx([250_000, 250_000], rel=1e-6)
    assert back.geometry.iloc[0].bounds == pytest.approx((544500, 184000, 545000, 184500), abs=0.01)
    assert 0.0 < lsoas.geometry.iloc[0].centroid.x < 0.2 and 51.5 < lsoas.geometry.iloc[0].centroid.y < 51.6


NOMIS = """\ufeff
"TS001 - Number of usual residents in households and communal establishments"
"ONS Crown Copyright Reserved [from Nomis on 6 January 2026]"
"Population :","All usual residents"
"Units      :","Persons"
"Residence type:","Total: All usual residents"

"2021 super output area - lower layer","mnemonic","2021"
"Demo 001B","E01000002",1500
"Demo 001A","E01000001",2082
"Demo 001C","E01000003",c


"","In order to protect against disclosure of personal information, records"
"","have been swapped between different geographic areas."
"""


def test_read_ts001_skips_banner_blank_header_and_footnotes_and_says_so(tmp_path):
    path = tmp_path / "ts001.csv"
    path.write_text(NOMIS, encoding="utf-8")
    out, report = london.read_ts001(path)
    assert list(out["lsoa_code"]) == ["E01000001", "E01000002"]
    assert out["all_ages"].tolist() == [2082, 1500] and out["all_ages"].dtype == "int64"
    assert report.rows_read == 2
    # Lines 1, 7, 12, 13 blank; 2-6 banner, 8 header, 11 a suppressed count, 14-15 footnotes.
    reasons = report.skipped_by_reason()
    assert [n for n, r in report.skipped if r == "blank"] == [1, 7, 12, 13]
    assert [n for n, r in report.skipped if r.startswith("not an LSOA")] == [2, 3, 4, 5, 6, 8, 14, 15]
    assert report.skipped[8] == (11, "LSOA row without a whole-number count")
    assert report.rows_skipped == 13 == sum(reasons.values())
    assert "2 rows read, 13 lines skipped (4 blank; 8 not an LSOA row" in report.sentence()


GLA = (
    "\ufeffLSOA21CD,LSOA21NM,WD22CD,WD22NM,LAD22CD,LAD22NM\n"
    "E01000002,Demo 001B,E05000001,One ,E09000002,Demo\n"
    "E01000001,Demo 001A,E05000002,Two,E09000002,Demo\n"
    ",Demo 001C,E05000002,Two,E09000002,Demo\n"
    "E01000001,Demo 001A,E05000001,One,E09000002,Demo\n"
)


def test_read_gla_lookup_strips_and_reports_unusable_rows(tmp_path):
    path = tmp_path / "gla.csv"
    path.write_text(GLA, encoding="utf-8")
    out, report = london.read_gla_lookup(path)
    assert out.to_dict("records") == [
        {
            "lsoa_code": "E01000001",
            "lsoa_name": "Demo 001A",
            "ward_code": "E05000002",
            "ward_name": "Two",
            "borough_code": "E09000002",
            "borough_name": "Demo",
        },
        {
            "lsoa_code": "E01000002",
            "lsoa_name": "Demo 001B",
            "ward_code": "E05000001",
            "ward_name": "One",
            "borough_code": "E09000002",
            "borough_name": "Demo",
        },
    ]
    assert report.skipped == [(4, "no LSOA or ward code"), (5, "LSOA listed twice (first kept)")]


@pytest.mark.parametrize(
    ("reader", "name", "content", "message"),
    [
        (london.read_wards, "wards.topojson", "{not json", "wards.topojson: cannot be read as TopoJSON"),
        (london.read_lsoas, "lsoas.shp", "not a shapefile", "lsoas.shp: cannot be read as a shapefile"),
        (
            london.read_gla_lookup,
            "gla.csv",
            "a,b\n1,2\n",
            "gla.csv: not the GLA best-fit lookup (no LSOA21CD",
        ),
        (london.read_ts001, "ts001.csv", '"banner"\n\n"a","b"\n', "ts001.csv: no LSOA rows found"),
        (london.read_ts001, "absent.csv", None, "absent.csv: the file is missing"),
        (london.read_wards, "absent.topojson", None, "absent.topojson: the file is missing"),
    ],
)
def test_bad_input_gives_a_plain_message_without_the_folder(tmp_path, reader, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(london.LondonFileError) as err:
        reader(path)
    assert str(err.value).startswith(message)
    assert str(tmp_path) not in str(err.value) and "Traceback" not in str(err.value)
    assert err.value.__context__ is None or err.value.__suppress_context__  # no chained traceback


def test_wards_with_a_missing_property_are_refused_plainly(tmp_path):
    path = tmp_path / "wards.topojson"
    _write_topojson(path, [("E05000001", "One", "E09000002", SQUARE)])
    path.write_text(path.read_text().replace('"LAD22CD"', '"LAD21CD"'))
    with pytest.raises(
        london.LondonFileError, match=r"wards.topojson: not the ONS ward file \(no LAD22CD column\)"
    ):
        london.read_wards(path)


# --- best fit from the polygons, and its comparison with the GLA lookup ----------------------------------------


def _bng_lsoas(squares: dict[str, tuple[float, float, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"lsoa_code": list(squares)}, geometry=[box(*s) for s in squares.values()], crs="EPSG:27700"
    ).to_crs("EPSG:4326")


def test_bestfit_from_polygons_by_overlap_and_by_point():
    wards = _bng_squares(
        {
            "W1": (530000, 180000, 531000, 181000, "B1"),
            "W2": (531000, 180000, 532000, 181000, "B1"),
        }
    )
    lsoas = _bng_lsoas(
        {
            "L1": (530100, 180100, 530500, 180500),  # inside W1
            "L2": (530700, 180100, 531100, 180500),  # 75% in W1, 25% in W2
            "L3": (530900, 180100, 531300, 180500),  # 25% in W1, 75% in W2
            "L4": (600000, 180000, 600100, 180100),  # outside every ward
        }
    )
    by_overlap = london.bestfit_from_polygons(lsoas, wards)
    assert by_overlap["lsoa_code"].tolist() == ["L1", "L2", "L3"]  # L4 touches no ward: no row
    assert by_overlap["ward_code"].tolist() == ["W1", "W1", "W2"]
    assert by_overlap["share"].tolist() == pytest.approx([1.0, 0.75, 0.75], abs=1e-3)
    assert by_overlap["wards_overlapped"].tolist() == [1, 2, 2]
    by_point = london.bestfit_from_polygons(lsoas, wards, method="point")
    assert dict(zip(by_point["lsoa_code"], by_point["ward_code"], strict=True)) == {
        "L1": "W1",
        "L2": "W1",
        "L3": "W2",
        "L4": "W2",  # nearest ward to a point outside London's wards
    }
    with pytest.raises(ValueError, match="method must be one of overlap, point"):
        london.bestfit_from_polygons(lsoas, wards, method="centroid")

    gla = pd.DataFrame(
        {
            "lsoa_code": ["L1", "L2", "L3", "L5"],
            "lsoa_name": ["One", "Two", "Three", "Five"],
            "ward_code": ["W1", "W2", "W2", "W1"],
            "ward_name": ["Ward W1", "Ward W2", "Ward W2", "Ward W1"],
        }
    )
    overlaps = london.lsoa_ward_overlaps(lsoas, wards)
    assert overlaps.groupby("lsoa_code")["share"].sum().tolist() == pytest.approx([1.0, 1.0, 1.0], abs=1e-6)
    dis = london.lookup_disagreements(gla, by_overlap, overlaps)
    assert dis["lsoa_code"].tolist() == ["L2", "L5"]
    l2 = dis.iloc[0]
    assert (l2["gla_ward_code"], l2["derived_ward_code"], l2["reason"]) == ("W2", "W1", "different ward")
    assert l2["gla_share"] == pytest.approx(0.25, abs=1e-3) and l2["derived_share"] == pytest.approx(
        0.75, abs=1e-3
    )
    assert dis.iloc[1]["reason"] == "no ward from the polygons"


# --- the real files, reconciled with plain parses in the test ---------------------------------------------------


def _real(relative: str):
    from svd.config import data_dir

    path = data_dir() / relative
    if not path.is_file():
        pytest.skip(f"{relative} not in the data directory")
    return path


@pytest.mark.realdata
def test_real_wards_match_the_topojson_and_the_mps_ward_codes():
    import csv

    from svd import mps
    from svd.config import data_dir

    path = _real(london.WARDS_FILE)
    props = [g["properties"] for g in json.loads(path.read_text())["objects"]["ward"]["geometries"]]
    wards, report = london.read_wards(path)
    assert len(wards) == len(props) == report.rows_read
    assert set(wards["ward_code"]) == {p["WD22CD"] for p in props}
    boroughs = {p["LAD22CD"] for p in props} - {mps.CITY_OF_LONDON}
    assert len(boroughs) == 32
    in_boroughs = {p["WD22CD"] for p in props if p["LAD22CD"] != mps.CITY_OF_LONDON}
    # Every ward of the 32 boroughs is in the MPS ward file, and the MPS file has no other ward code.
    latest = mps.mps_files("ward", data_dir())[-1]
    with latest.open(newline="", encoding="utf-8-sig") as fh:
        mps_codes = {r["WardCode"] for r in csv.DictReader(fh)}
    assert in_boroughs == mps_codes
    # Every polygon invalid as read was repaired, none dropped, and all are valid now.
    raw = gpd.read_file(path, layer="ward", engine="pyogrio")
    assert sorted(raw.loc[~raw.geometry.is_valid, "WD22CD"]) == sorted(report.repaired)
    assert wards.geometry.is_valid.all() and not wards.geometry.is_empty.any()
    assert wards.crs.to_epsg() == 4326
    # Repair keeps the area: London's wards cover the same ground before and after (within 0.1%).
    before = raw.set_crs("EPSG:4326", allow_override=True).to_crs(london.PROJECTED_CRS)
    after = wards.to_crs(london.PROJECTED_CRS)
    ok = before.geometry.is_valid.to_numpy()
    assert after.area.sum() == pytest.approx(before.area[ok].sum() + after.area[~ok].sum(), rel=1e-9)
    repaired_after = after.set_index("ward_code").loc[report.repaired].area
    repaired_before = before.set_index("WD22CD").loc[report.repaired].geometry.buffer(0).area
    assert repaired_after.sum() == pytest.approx(repaired_before.sum(), rel=1e-3)


@pytest.mark.realdata
def test_real_lsoas_match_the_dbf_header_and_sit_in_london():
    import struct

    path = _real(london.LSOAS_FILE)
    n_records = struct.unpack("<I", path.with_suffix(".dbf").read_bytes()[4:8])[0]
    lsoas, report = london.read_lsoas(path)
    assert len(lsoas) == n_records == report.rows_read == lsoas["lsoa_code"].nunique()
    assert "British_National_Grid" in path.with_suffix(".prj").read_text()
    assert lsoas.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = lsoas.total_bounds
    assert -0.6 < minx < maxx < 0.4 and 51.2 < miny < maxy < 51.8  # London in lon/lat, so reprojected
    wards = london.wards()
    assert set(lsoas["borough_code"]) == set(wards["borough_code"])


@pytest.mark.realdata
def test_real_gla_lookup_and_ts001_reconcile_with_plain_parses():
    import csv

    gla_path, ts_path = _real(london.GLA_LOOKUP_FILE), _real(london.TS001_FILE)
    with gla_path.open(newline="", encoding="utf-8-sig") as fh:
        plain = list(csv.DictReader(fh))
    gla, gla_report = london.read_gla_lookup(gla_path)
    assert len(gla) == len(plain) and gla_report.skipped == []
    assert dict(zip(gla["lsoa_code"], gla["ward_code"], strict=True)) == {
        r["LSOA21CD"]: r["WD22CD"] for r in plain
    }
    wards = london.wards()
    assert set(gla["ward_code"]) <= set(wards["ward_code"])
    borough_wards = set(wards.loc[wards["borough_code"] != "E09000001", "ward_code"])
    assert borough_wards <= set(gla["ward_code"])  # every borough ward gets at least one LSOA

    text = ts_path.read_text(encoding="utf-8-sig")
    lines = list(csv.reader(text.splitlines()))
    data = [r for r in lines if len(r) == 3 and r[1].startswith("E01")]
    ts, report = london.read_ts001(ts_path)
    assert report.rows_read == len(data) == len(ts)
    assert int(ts["all_ages"].sum()) == sum(int(r[2]) for r in data)
    assert report.rows_read + report.rows_skipped == len(lines)
    assert report.skipped_by_reason().get("LSOA row without a whole-number count", 0) == 0
    assert set(ts["lsoa_code"]) <= set(gla["lsoa_code"])


@pytest.mark.realdata
def test_real_bestfit_mostly_agrees_with_the_gla_and_every_disagreement_is_a_split_lsoa():
    wards, lsoas, gla = london.wards(), london.lsoas(), london.gla_lookup()
    overlaps = london.lsoa_ward_overlaps(lsoas, wards)
    derived = london.bestfit_from_polygons(lsoas, wards)
    assert len(derived) == len(lsoas)
    dis = london.lookup_disagreements(gla, derived, overlaps)
    assert set(dis["reason"]) <= {"different ward"}
    assert len(dis) < 0.1 * len(lsoas)
    # Overlap is the largest share, so where the GLA (population-weighted) differs its ward holds less area.
    assert (dis["gla_share"] < dis["derived_share"]).all()
    assert (derived.set_index("lsoa_code").loc[dis["lsoa_code"], "wards_overlapped"] >= 2).all()


@pytest.mark.realdata
def test_real_adjacency_is_symmetric_and_knows_barking_and_dagenhams_neighbours():
    wards = london.wards()
    adj = london.ward_adjacency(wards)
    pairs = set(zip(adj["ward_code"], adj["neighbour_code"], strict=True))
    assert pairs == {(b, a) for a, b in pairs}
    assert set(wards["ward_code"]) == set(adj["ward_code"])  # no ward is an island
    bd = adj[(adj["borough_code"] == "E09000002") & adj["cross_border"]]
    # Newham, Redbridge and Havering share a land border with Barking and Dagenham (the Thames is not one here).
    assert set(bd["neighbour_borough_code"]) == {"E09000025", "E09000026", "E09000016"}


def test_data_page_checks_say_what_is_wrong_without_the_folder(tmp_path):
    from svd import dataquality as dq

    (tmp_path / "population").mkdir()
    (tmp_path / london.TS001_FILE).write_text(NOMIS, encoding="utf-8")
    checks = dq.london_checks(tmp_path)
    from svd.catalogue import load_catalogue

    title = {d.id: d.title for d in load_catalogue()}  # each file named by the catalogue's title, not its id
    table = checks.table.set_index("dataset")
    assert table.loc[title["london_population_lsoa"], "rows_read"] == 2
    assert table.loc[title["london_population_lsoa"], "lines_skipped"] == 13
    assert table.loc[title["london_wards"], "problem"] == (
        "wards_2022_london_E12000007.topojson: the file is missing from the data directory."
    )
    assert checks.disagreements.empty
    assert checks.sentences[-1].startswith("The best fit from the polygons is not compared")
    assert not any(str(tmp_path) in s for s in [*checks.sentences, *table["problem"]])
