"""A lean server (issue 13 item 7): what replaced heavy imports equals them, and pages do not load them.

scikit-learn (via mapclassify and libpysal), matplotlib, scipy.stats, GDAL (pyogrio), DuckDB, fpdf and python-docx
each add 10–95 MB to the server's memory or ~0.5 s to a cold start. The few functions the pages used from them
are computed here with numpy / scipy.special / shapely, and checked equal to the originals below; the
subprocess tests check that opening the pages does not import them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely.geometry as sg

from svd import maps, stats
from svd.config import repo_root

HEAVY = (
    "sklearn",
    "mapclassify",
    "libpysal",
    "esda",
    "matplotlib",
    "scipy.stats",
    "pyogrio",
    "fpdf",
    "docx",
)


# ------------------------------------------------------------------------------------ equal to the originals


@pytest.mark.parametrize(
    "values",
    [
        np.arange(1000.0),
        np.array([0, 0, 0, 0, 1, 5.0]),
        np.array([3.0]),
        np.array([2, 7, 7, 7, 1, 0, 4, 9, 9, 3, 1, 2, 6, 0, 5, 5, 8.0]),
        np.round(np.random.default_rng(1).gamma(1.2, 40, 679), 2),
    ],
)
def test_quantile_bins_are_mapclassifys(values):
    mapclassify = pytest.importorskip("mapclassify")
    for k in range(1, 8):
        kk = max(1, min(k, np.unique(values).size))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # mapclassify warns when ties collapse its classes
            want = mapclassify.Quantiles(values, k=kk).bins
        assert np.array_equal(maps.quantile_bins(values, kk), want)


def test_quantile_bins_by_hand():
    """Quartiles of 0..8: the 25th percentile is index 2, the 50th index 4, … (linear interpolation)."""
    assert maps.quantile_bins(np.arange(9.0), 4).tolist() == [2.0, 4.0, 6.0, 8.0]
    assert maps.quantile_bins(np.array([0.0, 10.0]), 4).tolist() == [2.5, 5.0, 7.5, 10.0]


def _layer() -> gpd.GeoDataFrame:
    """A 3×3 grid of unit squares, a square touching the grid's corner at one point only (queen, not rook), an
    island, and a two-part polygon one of whose parts touches the grid's right side."""
    cells = [sg.box(i, j, i + 1, j + 1) for j in range(3) for i in range(3)]
    corner = sg.box(3, 3, 4, 4)
    island = sg.box(10, 10, 11, 11)
    multi = sg.MultiPolygon([sg.box(3, 0, 4, 1), sg.box(6, 6, 7, 7)])
    return gpd.GeoDataFrame(geometry=[*cells, corner, island, multi])


def test_contiguity_by_hand():
    m = stats.contiguity_graph(_layer(), cache=False).sparse.toarray()
    assert (np.diag(m) == 1).all()  # the self-weight of Gi*
    assert m[4].sum() == 9  # the centre cell: itself and its 8 queen neighbours
    assert m[9].nonzero()[0].tolist() == [8, 9]  # the corner square touches cell (2,2) at a point
    assert m[10].nonzero()[0].tolist() == [10]  # the island: itself only
    assert m[11].nonzero()[0].tolist() == [2, 5, 11]  # the two-part polygon meets cells (2,0) and (2,1)
    assert (m == m.T).all()


def test_contiguity_is_libpysals():
    graph = pytest.importorskip("libpysal.graph")
    for gdf in (_layer(), _layer().iloc[::-1]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # libpysal warns about the island
            want = graph.Graph.build_contiguity(gpd.GeoSeries(gdf.geometry.values), rook=False)
        want = want.assign_self_weight(1).sparse.toarray()
        ours = stats.contiguity_graph(gdf, cache=False)
        assert np.array_equal(ours.sparse.toarray(), want)
        assert np.array_equal(ours.to_libpysal().sparse.toarray(), want)


@pytest.mark.realdata
def test_contiguity_is_libpysals_on_the_real_layers():
    graph = pytest.importorskip("libpysal.graph")
    from svd import geo

    for gdf in (geo.wards(), geo.lsoas()):
        want = graph.Graph.build_contiguity(
            gpd.GeoSeries(gdf.geometry.values), rook=False
        ).assign_self_weight(1)
        assert np.array_equal(
            stats.contiguity_graph(gdf, cache=False).sparse.toarray(), want.sparse.toarray()
        )


def test_distributions_are_scipy_stats():
    sps = pytest.importorskip("scipy.stats")
    mu = np.array([0, 1e-9, 1e-3, 0.5, 1, 2.5, 10, 99.5, 1000, 12345.6, 3e5])
    for q in (0, 1e-12, 0.00135, 0.025, 0.5, 0.975, 0.99865, 1 - 1e-12, 1):
        assert np.array_equal(stats.poisson_ppf(q, mu), sps.poisson.ppf(q, mu), equal_nan=True)
    for k in (-3, -0.5, 0, 0.5, 3, 7.9, 100, 4000):
        assert np.array_equal(stats.poisson_cdf(k, mu), sps.poisson.cdf(k, mu), equal_nan=True)
    x = np.linspace(0, 500, 51)
    for df in (1, 2, 5, 31, 100):
        assert np.array_equal(stats.chi2_sf(x, df), sps.chi2.sf(x, df))
        for q in (0.5, 0.9, 0.975):
            assert stats.t_ppf(q, df) == sps.t.ppf(q, df)


def test_benjamini_hochberg_is_scipys():
    sps = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(2)
    for n in (3, 4, 19, 115, 704):
        p = rng.uniform(0, 1, n) ** 2
        p[[0, 1]] = p[2]  # ties
        assert np.array_equal(stats.benjamini_hochberg(p), sps.false_discovery_control(p, method="bh"))
    # By hand: p = 0.01, 0.04, 0.03 → sorted ×3/rank = 0.03, 0.045, 0.04 → running minimum from the top.
    assert stats.benjamini_hochberg([0.01, np.nan, 0.04, 0.03]).tolist()[::2] == [0.03, 0.04]


# ------------------------------------------------------------------------------------ not imported by pages

_PAGES_RUN = """
import json, logging, sys
logging.disable(logging.WARNING)
from streamlit.testing.v1 import AppTest
from ui import warmup
at = AppTest.from_file({app!r}, default_timeout=600)
at.run()
warmup.wait(600)
out = {{"overview": sorted(m for m in {heavy!r} + ("duckdb",) if m in sys.modules)}}
for page in {pages!r}:
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
out["pages"] = sorted(m for m in {heavy!r} if m in sys.modules)
print(json.dumps(out))
"""


def _imported(pages: list[str]) -> dict:
    code = _PAGES_RUN.format(app=str(repo_root() / "app.py"), heavy=HEAVY, pages=pages)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=repo_root(),
        capture_output=True,
        text=True,
        timeout=900,
        env=os.environ,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.realdata
@pytest.mark.slow
def test_the_overview_and_the_warming_import_nothing_heavy_and_the_maps_no_sklearn():
    """A fresh process: the Overview with the start-up warming finished, then the Hotspots, London map,
    London comparisons and Evaluate pages. None of them needs a heavy package; the Data page may (its
    downloads) and is left out. (duckdb, the London map's store, is checked after the Overview only.)"""
    got = _imported(["views/hotspots.py", "views/london_map.py", "views/london.py", "views/evaluate.py"])
    assert got["overview"] == []
    assert got["pages"] == []


def test_the_cold_start_benchmark_opens_every_page_of_the_route_list():
    sys.path.insert(0, str(repo_root() / "bench"))
    try:
        import coldstart
    finally:
        sys.path.remove(str(repo_root() / "bench"))
    from svd.overview import PAGE_FILES

    assert coldstart.PAGES[0] == ""  # the Overview first: its cold timings are measured
    assert set(PAGE_FILES) <= set(coldstart.PAGES)
    assert "hotspots?hs_level=lsoa" in coldstart.PAGES
