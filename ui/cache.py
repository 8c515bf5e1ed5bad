"""Every Streamlit cache wrapper lives here. Cached functions take small hashable arguments, never frames.

Big read-only frames use ``st.cache_resource`` (shared, not copied per call) because copying 2M records on
every rerun would cost more than the rerun itself; pages treat them as read-only (svd functions are pure).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from svd import catalogue, config, geo, population, reference, taxonomy
from svd.config import data_dir
from ui import snapshot


def release_memory() -> None:
    """After a big load: collect, freeze the survivors out of the collector's sight, and hand freed memory back
    to the operating system (glibc's malloc_trim, a no-op elsewhere; pyarrow's pool).

    Parsing the MPS files or building the count cube frees hundreds of MB of small objects and temporaries;
    glibc keeps those pages, so the process would carry them on top of everything loaded later. pyarrow's
    own allocator (which read the CSV extract) keeps its freed pages too: ~60 MB after a 2M-row import.
    """
    import contextlib
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    # What survives a big load lives as long as the server: move it out of the collector's sight, so Python's
    # automatic full collections walk only what later runs create (120 ms over ~240k objects → about 1 ms)
    # and so run often enough to free each run's garbage. (Streamlit's own collection after every run is off:
    # .streamlit/config.toml.)
    gc.freeze()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    pa.default_memory_pool().release_unused()


# Caches keyed by an extract hold at most this many record sets (the simulation, SVD_EXTRACT and a few
# sessions' own uploads): each extract's records leave memory when it is evicted, not only at restart.
EXTRACT_ENTRIES = 4

# Snapshots on disk (ui/snapshot.py): each one's name → the data directory's folders it is built from. Only
# public reference data and the simulation: nothing from a partnership extract is ever written.
SNAPSHOT_INPUTS = {
    # The start-up check of the required files (app.py, every run): ~0.15 s of CPU to read them on a cold server.
    "required-checks": ("crime/mps", "geo", "population"),
    "mps-ward": ("crime/mps", "geo"),
    "mps-borough": ("crime/mps", "geo"),
    "simulated-records": ("crime/mps", "geo", "population"),
    "priority-places": ("geo",),
    "place-lsoas": ("geo",),
    "data-checks": ("crime", "geo", "population"),
    "simulation-calibration": ("crime/mps", "geo", "population"),
    "london-compare": ("crime/mps", "geo", "population"),
    "london-geography": ("geo",),
    "london-checks": ("geo", "population"),
    # Not a pickle: the London store's Parquet files (svd.londonstore), in the snapshot folder, built by the
    # warming's child process like the snapshots (building it in the server peaked at ~650 MB).
    "london-store": ("crime/mps", "geo", "population"),
}


def _inputs(root: str, name: str) -> list[Path]:
    """The files snapshot ``name`` is built from (ui/snapshot.py keys it by their stats)."""
    return snapshot.input_files(Path(root), SNAPSHOT_INPUTS[name])


def snapshot_builders(root: str) -> dict[str, object]:
    """Snapshot name (as ``SNAPSHOT_INPUTS``, and as saved) → a call that builds (or loads) it."""
    use_reference()  # a snapshot child process reads the reference files once too
    return {
        "required-checks": lambda: missing_required(root),
        "mps-ward": lambda: _mps_ward_parts(root, config.borough().code),
        "mps-borough": lambda: mps_borough(root),
        "simulated-records": lambda: records(root, None),
        "priority-places": lambda: priority_places(root),
        "place-lsoas": lambda: place_lsoas(root),
        "data-checks": lambda: data_checks(root),
        "simulation-calibration": lambda: simulation_calibration(root),
        "london-compare": lambda: london_compare_data(root),
        "london-geography": lambda: london_geography(root),
        "london-checks": lambda: london_checks(root),
        "london-store": lambda: _ensure_london_store(root),
    }


def snapshots_missing(root: str, names) -> list[str]:
    """Those of ``names`` with no snapshot on disk for the current files and code."""
    return [
        n
        for n in names
        if not (
            _london_store_current(root)
            if n == "london-store"
            else snapshot.is_saved(saved_as(n), _inputs(root, n))
        )
    ]


def _london_store_dir() -> Path | None:
    """The London store's folder in the snapshot folder; None when snapshots are off."""
    base = snapshot.cache_dir()
    return None if base is None else base / "london-store"


def _london_store_current(root: str) -> bool:
    from svd import londonstore

    folder = _london_store_dir()
    return folder is None or londonstore.is_current(folder, Path(root))


def _ensure_london_store(root: str) -> None:
    from svd import londonstore

    folder = _london_store_dir()
    if folder is not None:
        londonstore.ensure(folder, Path(root))


def saved_as(name: str) -> str:
    """The name a snapshot is saved under: the borough's code added to everything but the London-wide ones, and
    the MPS releases applied in the store (``official_loads``) to what is built from the MPS series."""
    london_wide = ("mps-borough", "london-compare", "london-geography", "london-checks")
    base = name if name in london_wide else f"{name}-{config.borough().code}"
    return base + _store_tag(name)


def _store_tag(name: str) -> str:
    """'+store3.5-<hash>' when snapshot ``name`` is built from the MPS series and the store has MPS releases 3 and
    5 in use, the hash of their citations (file, SHA-256, when applied): a snapshot never stands for other
    releases than those, even where another store (a new one, or ``SVD_STORE`` changed) numbers its loads
    alike; '' otherwise (names as before)."""
    if "crime/mps" not in SNAPSHOT_INPUTS.get(name, ()):
        return ""
    loads = [(str(i), cite) for i, fmt, cite in official_loads(str(data_dir())) if fmt.startswith("mps_")]
    if not loads:
        return ""
    digest = hashlib.sha256("\n".join(cite for _, cite in loads).encode()).hexdigest()[:8]
    return f"+store{'.'.join(i for i, _ in loads)}-{digest}"


# The borough the caches below were filled for (SVD_BOROUGH is read on every run, so a test can switch it).
_CACHED_FOR: list[str] = []


def data_root() -> str:
    """The data directory as a string (a cache key).

    Every cache here is for one borough: when ``SVD_BOROUGH`` names another than the caches were filled for
    (one server serves one borough; tests switch it), they are emptied first, so no figure of one borough is
    ever served under another's name.
    """
    code = config.borough().code
    if _CACHED_FOR and _CACHED_FOR[0] != code:
        st.cache_data.clear()
        st.cache_resource.clear()
    _CACHED_FOR[:] = [code]
    root = str(data_dir())
    # Official releases applied in or withdrawn from the store (here or with ``python -m svd load|unload``) change
    # the MPS series and everything built on it (tiles, the simulation, London's tables): all caches are emptied,
    # as for a change of borough. Loads are rare; each page's next run reads the series again.
    official = official_loads(root)
    if _OFFICIAL_SEEN and _OFFICIAL_SEEN[0] != official:
        st.cache_data.clear()
        st.cache_resource.clear()
    _OFFICIAL_SEEN[:] = [official]
    use_reference()
    return root


# The official store loads the caches were filled with (``official_loads``), to notice a load or a withdrawal.
_OFFICIAL_SEEN: list[tuple] = []


@st.cache_data(show_spinner=False, max_entries=4)
def _official_loads(path: str, version: tuple) -> tuple[tuple[int, str, str], ...]:
    from svd.store import Store

    return tuple((x.id, x.format, x.citation()) for x in Store(path).official_loads())


def official_loads(root: str) -> tuple[tuple[int, str, str], ...]:
    """(id, format, citation) of each official release (MPS, police.uk) applied in the store and not withdrawn;
    () without a store (which is then not opened: no duckdb import). Looked up again when the store file changes."""
    s = store(root)
    if not s.exists:
        return ()
    try:
        return _official_loads(str(s.path), s.version())
    except Exception:  # noqa: BLE001 — a busy or damaged store: keep what the caches were filled with
        return _OFFICIAL_SEEN[0] if _OFFICIAL_SEEN else ()


def store_loads_in_use(root: str, kinds) -> list[str]:
    """The store loads the MPS series of a page's sources rest on (``MergeResult.loads``): ward releases for
    "mps", borough releases for "mps_borough"; [] when the store has no official release (nothing is read)."""
    if not official_loads(root):
        return []
    out = list(mps_ward(root)[0].loads()) if "mps" in kinds else []
    if "mps_borough" in kinds:
        out += mps_borough(root)[0].loads()
    return list(dict.fromkeys(out))


# ------------------------------------------------------------------------------------- reference data
# svd keeps no caches of its own: the boundary files, Census tables and definition files it reads (and what is
# built from them alone: map layers, contiguity graphs, chart templates) are kept in one svd.reference.Reference,
# held here. Clearing Streamlit's resource caches (the Data page's "Reload the data", a borough change) releases
# it and empties it; the next run makes a new one.


@st.cache_resource(show_spinner=False, on_release=lambda store: store.clear())
def reference_store() -> reference.Reference:
    """The process's store of reference data and definitions (``svd.reference``), shared by every session."""
    return reference.Reference()


def use_reference() -> reference.Reference:
    """Make this process's store the one svd's loaders use (svd holds it weakly: this cache owns it)."""
    store = reference_store()
    reference.activate(store)
    return store


@st.cache_data(show_spinner=False)
def missing_required(root: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(id, title, problems) for each required dataset that is missing or malformed."""

    def build():
        return [(c.dataset.id, c.dataset.title, c.problems) for c in catalogue.missing_required(Path(root))]

    return snapshot.load_or_build(saved_as("required-checks"), _inputs(root, "required-checks"), build)


@st.cache_resource(show_spinner="Loading Metropolitan Police ward data…", max_entries=4)
def _mps_ward_parts(root: str, borough_code: str):
    """(borough, London) ward series, each a (``MergeResult``, classified table), from one read of the files.

    The London-wide ward table (~665k rows) is read, cut to the borough's rows and summed to London's
    boroughs (``svd.mps.london_summary``), then dropped: no page shows other boroughs' wards, and keeping it (with its
    classified copy) was the largest block of the server's memory.
    """
    from dataclasses import replace

    from svd import mps

    def build():
        merged = mps.load_mps(level="ward", data_dir=Path(root))
        mine = mps.for_borough(merged, borough_code)
        london = replace(merged, table=mps.london_summary(merged.table))
        del merged
        return (mine, taxonomy.classify_mps(mine.table)), (london, taxonomy.classify_mps(london.table))

    _mps_files_when_read(root)  # before reading: a change during the read shows as a change
    out = snapshot.load_or_build(saved_as("mps-ward"), _inputs(root, "mps-ward"), build)
    release_memory()
    return out


def mps_ward(root: str, borough_code: str | None = ""):
    """The merged MPS ward series (``MergeResult``, classified table) of the borough.

    With ``borough_code=None``: London by borough, each of the 32 boroughs summed over its wards by month and
    category (``svd.mps.london_summary``; area code = borough code), for London rates, totals and ranks. Its
    ``MergeResult`` has every borough's revisions and the files' sources.
    """
    borough, london = _mps_ward_parts(root, borough_code or config.borough().code)
    return london if borough_code is None else borough


@st.cache_resource(show_spinner=False)
def ward_months(root: str) -> tuple:
    """The months of the merged ward series, for the shared period slider (computed once, not per rerun)."""
    _, table = mps_ward(root)
    return tuple(sorted(table["month"].unique()))


@st.cache_resource(show_spinner=False)
def ward_names(root: str) -> dict[str, str]:
    """Ward code → name, for the shared ward filter."""
    _, table = mps_ward(root)
    pairs = table[["area_code", "area_name"]].drop_duplicates()
    return dict(zip(pairs["area_code"], pairs["area_name"], strict=True))


@st.cache_resource(show_spinner="Loading Metropolitan Police borough data…")
def mps_borough(root: str):
    """The merged MPS borough series (historical + recent) for all London boroughs, classified."""
    from svd.mps import load_mps

    def build():
        merged = load_mps(level="borough", data_dir=Path(root))
        return merged, taxonomy.classify_mps(merged.table)

    out = snapshot.load_or_build(saved_as("mps-borough"), _inputs(root, "mps-borough"), build)
    release_memory()
    return out


@st.cache_resource(show_spinner="Loading record-level data…", max_entries=EXTRACT_ENTRIES)
def records(root: str, extract: str | None):
    """The record set: the partnership's extract when one is configured, else the labelled simulation."""
    from svd.records import load_records

    if extract and extract.startswith(STORE_PREFIX):  # a load in the store (svd.store), read like a file
        out = _store_records(root, int(extract[len(STORE_PREFIX) :]))
    elif extract:  # a partnership extract is never written to disk (no snapshot)
        out = load_records(extract=Path(extract), data_dir=Path(root))
    else:
        # The simulation reproduces the borough's MPS ward counts: hand it the table already loaded.
        out = snapshot.load_or_build(
            saved_as("simulated-records"),
            _inputs(root, "simulated-records"),
            lambda: load_records(data_dir=Path(root), ward_table=mps_ward(root)[0].table),
        )
    release_memory()
    return out


EXTRACT_SESSION_KEY = "extract_path"


@st.cache_data(show_spinner="Checking the file…", max_entries=8)
def validation_report(path: str) -> dict:
    """``python -m svd validate``'s report for one file (cached by path: each upload has its own)."""
    from svd.validate import validate_file

    return validate_file(Path(path))


def extract_path() -> str | None:
    """The extract in use: one loaded in this session on the Data page, else the store's extract (``store:<id>``),
    else ``SVD_EXTRACT``, else None. Always None for a role that may not see the partnership's records (public)."""
    from ui import access

    if not access.role().record_level:
        return None
    return (
        st.session_state.get(EXTRACT_SESSION_KEY)
        or store_extract(data_root())
        or os.environ.get("SVD_EXTRACT")
        or None
    )


# ------------------------------------------------------------------------------------------ the store
# svd.store keeps applied files; the record set of its extract is read through ``records`` like a file, under the
# key ``store:<load id>``, so every extract-keyed cache below works on it unchanged.
STORE_PREFIX = "store:"
_store_keys: set[str] = (
    set()
)  # store keys this process has loaded records for (to forget when no longer in use)


def store(root: str | None = None):
    """The persistent store (svd.store.Store) of the data directory, or of ``SVD_STORE``."""
    from svd.store import Store

    return Store.default(Path(root or data_root()))


@st.cache_data(show_spinner=False, max_entries=4)
def _active_store_extract(path: str, version: tuple) -> str | None:
    from svd.store import Store

    load = Store(path).active_extract()
    return f"{STORE_PREFIX}{load.id}" if load else None


def store_extract(root: str) -> str | None:
    """``store:<id>`` of the store's extract in use, or None; looked up again whenever the store file changes.

    An extract that was in use and is no longer (withdrawn here or with ``python -m svd unload``, or replaced by a
    newer load) leaves every cache at once.
    """
    s = store(root)
    if not s.exists:
        current = None
    else:
        try:
            current = _active_store_extract(str(s.path), s.version())
        except Exception:  # noqa: BLE001 — a store that cannot be read (busy, damaged): carry on without it
            current = None
    for stale in [k for k in _store_keys if k != current]:
        forget_extract(root, stale)
    return current


def _store_records(root: str, load_id: int):
    from svd.records import from_result

    s = store(root)
    load = s.load(load_id)
    _store_keys.add(f"{STORE_PREFIX}{load_id}")
    name = f"{load.file_name} (load {load.id}, applied {load.loaded_at:%Y-%m-%d} by {load.loaded_by})"
    return from_result(s.result(load_id), name)


def forget_extract(root: str, extract: str | None) -> None:
    """Drop one extract's records and everything computed from them from every cache in this process.

    Called when an extract is withdrawn from the store or a session stops using its upload: its records leave
    memory now, not when the cache happens to evict them.
    """
    import gc

    if not extract:
        return
    for cached in (
        records,
        tasking_records,
        tasking_cube,
        under_25_hours,
        tasking_time_bins,
        records_seasonality,
        tasking_has_times,
    ):
        cached.clear(root, extract)
    # Keyed by more than the extract (period, wards): small counts, but cleared whole rather than left behind.
    tasking_time_counts.clear()
    sna_window_share.clear()
    board_figures.clear()
    _active_store_extract.clear()
    _store_keys.discard(extract)
    # Survivors of earlier loads were frozen out of the collector's sight (release_memory): let it see them again,
    # so a records frame caught in a reference cycle is freed too, then freeze what remains.
    gc.unfreeze()
    release_memory()


@st.cache_resource(show_spinner=False)
def wards(root: str):
    """Ward polygons (GeoDataFrame)."""
    return geo.wards(Path(root))


@st.cache_resource(show_spinner=False)
def lsoas(root: str):
    """LSOA polygons (GeoDataFrame)."""
    return geo.lsoas(Path(root))


@st.cache_resource(show_spinner=False)
def layer_geojson(root: str, name: str) -> dict:
    """A compact GeoJSON layer for maps."""
    return geo.layer_geojson(name, Path(root))


@st.cache_resource(show_spinner=False)
def places(root: str):
    """Stations and parks."""
    return geo.places(Path(root))


@st.cache_resource(show_spinner=False)
def priority_places(root: str):
    """The strategy's priority places and outreach areas."""
    return snapshot.load_or_build(
        saved_as("priority-places"), _inputs(root, "priority-places"), lambda: geo.priority_places(Path(root))
    )


@st.cache_resource(show_spinner=False)
def lsoa_population(root: str) -> pd.DataFrame:
    """Census 2021 population by LSOA."""
    return population.lsoa_population(Path(root))


@st.cache_resource(show_spinner=False)
def ward_population(root: str) -> pd.DataFrame:
    """Census 2021 population by ward."""
    return population.ward_population(Path(root))


@st.cache_resource(show_spinner=False)
def london_populations(root: str) -> pd.DataFrame:
    """Census 2021 population of the London boroughs and region."""
    return population.london_populations(Path(root))


@st.cache_resource(show_spinner="Preparing records for the tasking pages…", max_entries=EXTRACT_ENTRIES)
def tasking_records(root: str, extract: str | None) -> pd.DataFrame:
    """The record set narrowed to the tasking columns with the 250 m grid cell (svd.hotspots.tasking_columns)."""
    from svd.hotspots import tasking_columns

    return tasking_columns(records(root, extract).data)


# Gi* and the emerging labels: cache_resource, not cache_data, because cache_data unpickles a copy on every
# hit; the frames are small, read-only and keyed by the values they were computed from.
@st.cache_resource(show_spinner=False, max_entries=64)
def gi_star(root: str, level: str, measure: str, values: tuple[tuple[str, float], ...]) -> pd.DataFrame:
    """Gi* labels for (area_code, value) pairs at ward or LSOA level; cached per set of values."""
    from svd.hotspots import gi_labels

    gdf = wards(root) if level == "ward" else lsoas(root)
    code = "ward_code" if level == "ward" else "lsoa_code"
    vals = dict(values)
    shapes = gdf[[code, gdf.geometry.name]].rename(columns={code: "area_code"})
    shapes = shapes.assign(value=shapes["area_code"].map(vals).fillna(0.0).astype(float))
    return gi_labels(shapes, "value")


@st.cache_resource(show_spinner=False)
def place_lsoas(root: str) -> pd.DataFrame:
    """For each priority place, the LSOAs it covers and the share of each inside it."""
    return snapshot.load_or_build(
        saved_as("place-lsoas"), _inputs(root, "place-lsoas"), lambda: geo.place_lsoas(Path(root))
    )


@st.cache_resource(show_spinner="Counting records for the tasking pages…", max_entries=EXTRACT_ENTRIES)
def tasking_cube(root: str, extract: str | None):
    """The record set collapsed to a count cube over the tasking filters (svd.hotspots.Cube), built once.

    The narrow frame it is built from is not kept: pages work from the cube, so a filter change costs the
    same at 20k or 2M records (the cube has at most one row per distinct combination).
    """
    from dataclasses import replace

    from svd.hotspots import tasking_columns, tasking_cube
    from svd.maps import cells_inside
    from svd.temporal import place_masks

    narrow = tasking_columns(records(root, extract).data)
    cube = tasking_cube(narrow, place_masks(narrow, priority_places(root), place_lsoas(root)))
    # The 250 m squares' circles are drawn inside the borough (a square on the boundary spilled into the Thames).
    cube = replace(cube, cells=cells_inside(cube.cells, borough_outline(root)))
    del narrow
    release_memory()
    return cube


@st.cache_resource(show_spinner=False)
def map_layer(root: str, name: str, keep: tuple[str, ...]) -> dict:
    """A map layer for the Hotspots deck: 4-decimal coordinates and only the ``keep`` properties (smaller map
    messages; the map message is re-sent on every filter change)."""
    from svd.maps import round_coordinates, strip_properties

    return round_coordinates(strip_properties(layer_geojson(root, name), keep), 4)


@st.cache_resource(show_spinner=False)
def areas(root: str, level: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(area_code + area_name, area_code + population) of the wards or LSOAs: fixed per data directory."""
    from svd.hotspots import area_frame, population_frame

    gdf, pop = (
        (wards(root), ward_population(root)) if level == "ward" else (lsoas(root), lsoa_population(root))
    )
    return area_frame(gdf, level, geo.area_display_names(level, Path(root))), population_frame(pop, level)


@st.cache_resource(show_spinner=False)
def deck_polygons(root: str, level: str) -> pd.DataFrame:
    """The ward or LSOA polygons for the Hotspots deck (svd.maps.deck_polygons): simplified, whole-metre offsets."""
    from svd.maps import deck_polygons as build

    return build(
        wards(root) if level == "ward" else lsoas(root),
        "ward_code" if level == "ward" else "lsoa_code",
        clip=borough_outline(root),
    )


@st.cache_resource(show_spinner=False)
def map_labels(root: str) -> pd.DataFrame:
    """Station and priority-place labels for the Hotspots map (svd.maps.labels_frame); fixed per data dir."""
    from svd.maps import labels_frame

    try:
        stations = places(root)
    except geo.PlacesUnavailable:  # an unreadable optional places file: the map keeps its other labels
        stations = geo.no_places()
    return labels_frame(stations, priority_places(root))


@st.cache_resource(show_spinner=False, max_entries=256)
def emerging(totals: tuple[tuple, ...]) -> pd.DataFrame:
    """svd.hotspots.emerging_from_totals for rows of svd.hotspots.emerging_totals (EMERGING_TOTALS_COLUMNS)."""
    from svd.hotspots import EMERGING_TOTALS_COLUMNS, emerging_from_totals

    return emerging_from_totals(pd.DataFrame(list(totals), columns=list(EMERGING_TOTALS_COLUMNS)))


def files_key(root: str, name: str) -> tuple:
    """Each input file of snapshot ``name``: (path, size, modification time). Changes when any file changes."""
    out = []
    for p in _inputs(root, name):
        try:
            st_ = p.stat()
        except OSError:
            continue
        out.append((str(p), st_.st_size, st_.st_mtime_ns))
    return tuple(out)


def data_checks(root: str) -> tuple[pd.DataFrame, list[dict]]:
    """The catalogue table and the import report of every catalogued crime file (svd.dataquality); read again
    when a file in the data directory is added, removed or changed while the dashboard runs."""
    return _data_checks(root, files_key(root, "data-checks"))


@st.cache_resource(show_spinner=False)
def _mps_files_when_read(root: str) -> tuple:
    # Called once per data directory, right after the MPS series are first read (mps_files_changed).
    return files_key(root, "mps-ward")


def mps_files_changed(root: str) -> bool:
    """Whether the MPS and geography files changed since this process read the MPS series (stale pages)."""
    return _mps_files_when_read(root) != files_key(root, "mps-ward")


@st.cache_data(show_spinner="Checking the data directory…", max_entries=2)
def _data_checks(root: str, files: tuple) -> tuple[pd.DataFrame, list[dict]]:
    from svd import dataquality

    def build():
        checks = catalogue.check(Path(root))
        return dataquality.catalogue_table(checks), dataquality.import_reports(Path(root), checks)

    # Reading every crime file again costs seconds and leaves ~25 MB of fragmented heap behind, for a result
    # of a few KB: kept on disk (the reference files only, never an extract) and rebuilt when a file changes.
    out = snapshot.load_or_build(saved_as("data-checks"), _inputs(root, "data-checks"), build)
    release_memory()
    return out


@st.cache_data(show_spinner="Measuring the simulation against its calibration targets…")
def simulation_calibration(root: str) -> pd.DataFrame:
    """svd.simulate.measure on the simulated records (the calibration targets, measured)."""
    from svd.simulate import measure

    out = snapshot.load_or_build(
        saved_as("simulation-calibration"),
        _inputs(root, "simulation-calibration"),
        lambda: measure(records(root, None).data, Path(root)),
    )
    release_memory()
    return out


@st.cache_resource(show_spinner=False, max_entries=EXTRACT_ENTRIES)
def under_25_hours(root: str, extract: str | None) -> pd.DataFrame:
    """The SNA's population (serious violence affecting under-25s) by month, ward and hour; once per record set."""
    from svd.temporal import under_25_hours as build

    return build(records(root, extract).data)


@st.cache_resource(show_spinner=False)
def borough_outline(root: str):
    """The borough outline polygon (GeoDataFrame), for static maps."""
    return geo.borough_outline(Path(root))


# ------------------------------------------------------------------------------------------ Days and times
# A filter inside the page's fragment reruns only the fragment on the server; these cache what the rest of
# the page shows (it depends on the shared filters and the data only), so a whole-script rerun is cheap too.


@st.cache_resource(show_spinner=False, max_entries=EXTRACT_ENTRIES)
def tasking_time_bins(root: str, extract: str | None):
    """Each tasking-cube row's hour × weekday bin (svd.temporal.cube_time_bins), built once per record set."""
    from svd.temporal import cube_time_bins

    return cube_time_bins(tasking_cube(root, extract))


@st.cache_data(show_spinner=False, max_entries=64)
def tasking_time_counts(root: str, extract: str | None, start, end, wards: tuple[str, ...]):
    """svd.temporal.cube_time_counts of the tasking cube for the shared filters (period and wards) only."""
    from svd.filters import RecordFilter
    from svd.hotspots import cube_mask
    from svd.temporal import cube_time_counts

    cube = tasking_cube(root, extract)
    mask = cube_mask(cube, RecordFilter(start=start, end=end, wards=tuple(wards)))
    return cube_time_counts(cube, mask, tasking_time_bins(root, extract))


@st.cache_data(show_spinner=False, max_entries=64)
def sna_window_share(root: str, extract: str | None, start, end, wards: tuple[str, ...]):
    """(inside, known, share) of 15:00–21:00 for the SNA's population (serious violence affecting under-25s)."""
    from svd.temporal import table_window_share

    return table_window_share(under_25_hours(root, extract), start, end, tuple(wards))


def months_key(periods) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """An ``svd.aggregate.Periods`` as a key Streamlit's caches can hash: its months as ISO strings."""
    if periods is None:
        return None
    return tuple(m.isoformat() for m in periods.current), tuple(m.isoformat() for m in periods.previous)


@st.cache_data(show_spinner=False, max_entries=64)
def board_figures(root: str, extract: str | None, with_records: bool, wards: tuple[str, ...], months):
    """``svd.overview.board_figures`` for the shared filters: the same for every session with the same months,
    wards and record set, so computed once (it was ~70% of an Overview run, repeated for every session).
    ``with_records``: False when the record set could not be loaded (the MPS tiles only); ``months``:
    ``months_key(periods)``."""
    from svd import overview
    from svd import provenance as prov
    from svd.aggregate import Periods

    periods = None if months is None else Periods(pd.DatetimeIndex(months[0]), pd.DatetimeIndex(months[1]))
    record_set = records(root, extract) if with_records else None
    _, borough = mps_ward(root)
    _, london = mps_ward(root, None)
    return overview.board_figures(
        borough,
        record_set.data if record_set is not None else None,
        record_set is None or record_set.source == "simulated",
        london_populations(root),
        london,
        ward_population(root),
        wards,
        extract_name=prov.extract_name(record_set),
        periods=periods,
    )


@st.cache_resource(show_spinner=False)
def priority_place_options(root: str) -> dict[str, str]:
    """place_id → name of the strategy's priority places with a polygon (svd.temporal.place_options)."""
    from svd.temporal import place_options

    return place_options(priority_places(root))


@st.cache_data(show_spinner=False, max_entries=64)
def mps_seasonality(root: str, groups: tuple[str, ...]) -> pd.DataFrame:
    """Month-of-year averages of the real MPS borough series for the borough (some offence groups, or all)."""
    from svd.temporal import borough_monthly, seasonality

    _, table = mps_borough(root)
    return seasonality(borough_monthly(table, config.borough().code, tuple(groups)))


@st.cache_data(show_spinner=False, max_entries=EXTRACT_ENTRIES)
def records_seasonality(root: str, extract: str | None) -> pd.DataFrame:
    """Month-of-year averages of the record set (all records, from the tasking cube)."""
    from svd.temporal import cube_monthly, seasonality

    return seasonality(cube_monthly(tasking_cube(root, extract)))


@st.cache_resource(show_spinner=False, max_entries=EXTRACT_ENTRIES)
def tasking_has_times(root: str, extract: str | None) -> bool:
    """Whether any record has a time of day (svd.hotspots.cube_has_times), once per record set."""
    from svd.hotspots import cube_has_times

    return cube_has_times(tasking_cube(root, extract))


# ------------------------------------------------------------------------------------------ warming
# ui/warmup.py runs this in a background thread when the server starts, so the first visitor finds the shared
# data loaded. The same cached functions as the pages, with the same arguments: a page that asks for a value
# while it is being warmed waits for it (Streamlit's per-key compute lock) instead of loading it twice.


def warm(root: str, extract: str | None):
    """Load the shared data in the order pages need it; yield (step, phase) after each step.

    Phase "core" is what app.py and the Overview need; "rest" the other pages' data. The Data page's checks
    (every crime file read again) are left to the analysts who open it.
    """
    import importlib

    use_reference()
    core = ["required-checks", "mps-ward"] + ([] if extract else ["simulated-records"])
    rest = ["mps-borough", "priority-places", "place-lsoas", "data-checks", "simulation-calibration"]
    # The London pages' shapes and ward series: built on disk in the child (the server never parses the London
    # shapefile, whose reader, GDAL, is ~30 MB alone), loaded when a London page first asks for them.
    rest += ["london-compare", "london-geography", "london-checks", "london-store"]
    if missing := snapshots_missing(root, core):  # a first start: parse and simulate in a child process
        snapshot.build_in_child(root, missing)
        yield "snapshots built", "snapshots"
    for module in ("ui.frame", "ui.filters", "ui.present", "ui.share", "ui.exports", "svd.overview"):
        importlib.import_module(module)
    yield "page modules", "imports"
    if missing_required(root):
        return
    ward_months(root), ward_names(root)
    yield "mps ward", "loading"
    records(root, extract)
    london_populations(root), ward_population(root)
    yield "records", "core"
    for module in ("svd.trends", "svd.charts", "svd.profiles", "svd.hotspots", "svd.temporal", "svd.maps"):
        importlib.import_module(module)
    if missing := snapshots_missing(root, rest):
        snapshot.build_in_child(root, missing)
        yield "snapshots built", "snapshots"
    mps_borough(root)
    yield "mps borough", "rest"
    tasking_cube(root, extract)
    tasking_time_bins(root, extract), tasking_has_times(root, extract), under_25_hours(root, extract)
    for level in ("ward", "lsoa"):
        areas(root, level), deck_polygons(root, level)
    map_labels(root), priority_place_options(root), borough_outline(root)
    yield "tasking", "rest"
    # London's ward series (London comparisons, Across the border): a 14 MB snapshot loaded, ~15 MB of RSS that
    # every server carries once those pages are opened (bench/pages_rss.py).
    london_compare_data(root)
    yield "london wards", "rest"


@st.cache_data(show_spinner="Evaluating…", max_entries=16)
def evaluation(root: str, treated: tuple[str, ...], start: str, group: str, comparison: tuple[str, ...]):
    """``svd.evaluate.evaluate`` on the borough's MPS ward series (cached per choice); a ValueError's sentence is
    returned as a string, not raised, so the page can show it."""
    from svd import evaluate as ev

    _, table = mps_ward(root)
    d = ev.Definition(
        name="Evaluation", wards=treated, start=start, offence_group=group, comparison=comparison
    )
    try:
        return ev.evaluate(table, d, wards(root), ward_population(root))
    except ValueError as exc:
        return str(exc)


@st.cache_resource(show_spinner="Loading London's wards…")
def london_compare_data(root: str) -> dict:
    """London's ward series of the MPS measures, ward residents, ward polygons and adjacency, for the London
    comparisons and Across the border pages (``svd.london_compare``); the London ward table is read, reduced
    to the measures' monthly counts per ward (~120k rows) and dropped."""
    from svd import london, london_compare, mps

    def build():
        table = mps.load_mps(level="ward", data_dir=Path(root)).table
        gdf = london.wards(Path(root))
        return {
            "series": london_compare.ward_series(table),
            "residents": london_compare.ward_residents(
                london.gla_lookup(Path(root)), london.lsoa_residents(Path(root))
            ),
            "wards_gdf": gdf,
            "adjacency": london.ward_adjacency(gdf),
        }

    out = snapshot.load_or_build(saved_as("london-compare"), _inputs(root, "london-compare"), build)
    release_memory()
    return out


@st.cache_resource(show_spinner=False, max_entries=16)
def london_funnels(root: str, start, end, metric_ids: tuple[str, ...] | None = None):
    """``london_compare.funnels`` for the chosen months (small; keyed by the months and measures)."""
    from svd import london_compare
    from svd.aggregate import periods_for

    periods = periods_for(start, end)
    _, london_wards = mps_ward(root, None)
    # The borough file is the rank rule's fallback only: not loaded (seconds on a cold server, e.g. for the
    # Overview's London line) when London's ward table covers the chosen months.
    covered = len(periods.missing(london_wards["month"].unique())[0]) == 0
    borough_file = london_wards.iloc[0:0] if covered else mps_borough(root)[1]
    return london_compare.funnels(
        london_wards, borough_file, london_populations(root), periods, metric_ids=metric_ids
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def london_ward_distribution(root: str, metric_id: str, start, end):
    """``london_compare.ward_distribution`` for one measure and the chosen months."""
    from svd import london_compare
    from svd.aggregate import periods_for

    d = london_compare_data(root)
    return london_compare.ward_distribution(d["series"], d["residents"], metric_id, periods_for(start, end))


@st.cache_resource(show_spinner=False, max_entries=32)
def london_cross_border(root: str, metric_id: str, start, end):
    """``london_compare.cross_border`` for one measure and the chosen months."""
    from svd import london_compare
    from svd.aggregate import periods_for

    d = london_compare_data(root)
    return london_compare.cross_border(
        d["series"], d["residents"], d["adjacency"], metric_id, periods_for(start, end)
    )


@st.cache_data(show_spinner=False, max_entries=4)
def needs_assessment(root: str, extract: str | None, fmt: str) -> bytes:
    """The draft needs assessment (``svd.needs``) as .docx or .pdf bytes, on the dashboard's record set."""
    from svd import needs

    return needs.document_bytes(needs.gather(data_dir=Path(root), record_set=records(root, extract)), fmt)


@st.cache_data(show_spinner="Reading the London-wide geography and population files…")
def london_checks(root: str):
    """The London-wide files as read by svd.london's importers, and the best fit against the GLA's (svd.dataquality)."""
    from svd import dataquality

    # Kept on disk like the other checks: reading the London shapefile loads GDAL (~30 MB) into the server.
    out = snapshot.load_or_build(
        saved_as("london-checks"),
        _inputs(root, "london-checks"),
        lambda: dataquality.london_checks(Path(root)),
    )
    release_memory()
    return out


@st.cache_resource(show_spinner="Preparing the London-wide store (first time only)…", max_entries=1)
def london_store(root: str):
    """The London store (svd.londonstore.LondonStore), opened once per server; built on first use or when a
    source file changed, in the snapshot folder (a temporary one when snapshots are off)."""
    import tempfile

    from svd import londonstore

    base = snapshot.cache_dir() or Path(tempfile.mkdtemp(prefix="svd-london-"))
    folder = base / "london-store"
    snapshot.wait_for_child("london-store")  # the warming's child may be building it now
    londonstore.ensure(folder, Path(root))
    release_memory()
    return londonstore.LondonStore(folder)


@st.cache_data(show_spinner="Evaluating on the record-level data…", max_entries=16)
def record_evaluation(root: str, extract: str | None, definition_json: str):
    """``svd.evaluate.evaluate_records`` for a definition (as JSON) on the session's records: LSOAs, a place
    or a time window. A ValueError's sentence is returned as a string, not raised, so the page can show it."""
    import json

    from svd import evaluate as ev
    from svd import provenance as prov

    d = ev.Definition.from_dict(json.loads(definition_json))
    rs = records(root, extract)
    try:
        return ev.evaluate_records(
            rs.data, d, wards(root), lsoas(root), lsoa_population(root), simulated=rs.simulated,
            extract_name=prov.extract_name(rs), names=evaluation_area_names(root),
            place_context=ev.place_context(Path(root)) if d.level == "place" else None,
        )  # fmt: skip
    except ValueError as exc:
        return str(exc)


@st.cache_resource(show_spinner=False)
def evaluation_area_names(root: str) -> dict[str, str]:
    """Ward and LSOA code → display name (``svd.evaluate.area_names``)."""
    from svd import evaluate as ev

    return ev.area_names(Path(root))


@st.cache_resource(show_spinner=False, max_entries=32)
def london_border_map(root: str, metric_id: str, start, end):
    """(pydeck map, legend table) of the border wards for one measure and the chosen months (read-only)."""
    from svd import london_compare

    cb = london_cross_border(root, metric_id, start, end)
    return london_compare.border_deck(london_compare_data(root)["wards_gdf"], cb)


@st.cache_resource(show_spinner="Drawing London's wards and LSOAs (first time only)…", max_entries=1)
def london_geography(root: str):
    """The London map's shapes (``svd.londonmap.geography``): ward and LSOA polygons, borough outlines, built once."""
    from svd import londonmap

    # Built from the London files on disk once (~90 MB of parsing for a 7 MB result): loaded from a snapshot.
    out = snapshot.load_or_build(
        saved_as("london-geography"),
        _inputs(root, "london-geography"),
        lambda: londonmap.geography(Path(root)),
    )
    release_memory()
    return out


@st.cache_resource(show_spinner=False, max_entries=1)
def london_offence_choices(root: str) -> dict[str, str]:
    """The London map's "Offences" choices (``svd.londonmap.offence_choices``): fixed per store."""
    from svd import londonmap

    return londonmap.offence_choices(london_store(root))
