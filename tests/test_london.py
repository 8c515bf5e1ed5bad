"""London-wide importers (svd.london): tiny hand-made fixtures, then the real files reconciled independently."""

from __future__ import annotations

import geopandas as gpd
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
    # A tighter tolerance than the gap separates B and C.
    strict = london.ward_adjacency(wards, tolerance_m=1.0)
    assert set(zip(strict["ward_code"], strict["neighbour_code"], strict=True)) == {("A", "B"), ("B", "A")}
