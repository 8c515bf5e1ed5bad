"""SVD_BOROUGH: any London borough's partnership, from the data; reconciliation with the official MPS files.

The real-data tests compute each figure independently from the MPS CSV files with the csv module (the newest
release of each kind, its months read from its own header), so they follow whatever release is in the data
directory rather than pinning this month's numbers.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from svd import config
from svd.config import data_dir
from svd.overview import PAGE_FILES

NEWHAM, CROYDON, BD = "E09000025", "E09000008", "E09000002"


# --- Choosing the borough ----------------------------------------------------------------------------------------


def _borough_table(root: Path, rows: list[tuple[str, str]]) -> Path:
    path = root / config.BOROUGHS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "geography", "geography code", "all_ages"])
        for code, name in rows:
            w.writerow(["2021", name, code, "100"])
    return path


@pytest.fixture
def tiny_london(tmp_path, monkeypatch):
    """A data directory whose borough table names three authorities (one the City) and the region."""
    _borough_table(
        tmp_path,
        [
            ("E09000001", "City of London"),
            (BD, "Barking and Dagenham"),
            ("E09000099", "Testford upon Sea"),
            ("E12000007", "London"),
        ],
    )
    monkeypatch.setenv("SVD_DATA_DIR", str(tmp_path))
    return tmp_path


def test_default_is_barking_and_dagenham(monkeypatch):
    monkeypatch.delenv("SVD_BOROUGH", raising=False)
    b = config.borough()
    assert (b.code, b.name, b.is_default) == (BD, "Barking and Dagenham", True)
    assert b.partnership == "Barking and Dagenham Community Safety Partnership"


def test_names_come_from_the_data_by_code_or_name_in_any_case(tiny_london, monkeypatch):
    for value in ("E09000099", "e09000099", "testford upon sea", "  Testford Upon Sea "):
        monkeypatch.setenv("SVD_BOROUGH", value)
        assert config.borough() == config.Borough("E09000099", "Testford upon Sea")
    assert config.borough().partnership == "Testford upon Sea Community Safety Partnership"
    assert not config.borough().is_default


def test_the_city_of_london_is_refused_with_the_reason(tiny_london, monkeypatch):
    for value in ("E09000001", "city of london"):
        monkeypatch.setenv("SVD_BOROUGH", value)
        with pytest.raises(config.BoroughError, match="City of London Police") as exc:
            config.borough()
        assert "SVD_BOROUGH" in str(exc.value) and "E09000025" in str(exc.value)


def test_an_unknown_borough_lists_the_choices(tiny_london, monkeypatch):
    monkeypatch.setenv("SVD_BOROUGH", "Narnia")
    with pytest.raises(config.BoroughError) as exc:
        config.borough()
    text = str(exc.value)
    assert "'Narnia' is not a London borough" in text
    assert "Testford upon Sea (E09000099)" in text and "Barking and Dagenham (E09000002)" in text
    assert "City of London (" not in text and "London (E12000007)" not in text


def test_definitions_are_per_borough(monkeypatch):
    from svd import evaluate, funding, strategy

    monkeypatch.delenv("SVD_BOROUGH", raising=False)
    monkeypatch.delenv("SVD_EVALUATIONS_DIR", raising=False)
    assert config.borough_definitions_dir() == config.definitions_dir() / "boroughs" / BD
    assert strategy.available() and funding.available()
    assert strategy.load_strategy()["organisation"] == "Barking and Dagenham Community Safety Partnership"
    assert evaluate.project_evaluations_dir().is_dir()
    # Every file a borough's borough.json names is relative to the data directory, never an absolute path.
    for path in (config.definitions_dir() / "boroughs").glob("*/borough.json"):
        assert re.fullmatch(r"E09\d{6}", path.parent.name)
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            if key.endswith("_file"):
                assert not Path(value).is_absolute(), (path, key)


def test_a_borough_without_definitions_gets_notes_not_another_boroughs_text(tiny_london, monkeypatch):
    from svd import evaluate, funding, provenance, strategy

    monkeypatch.setenv("SVD_BOROUGH", "E09000099")
    monkeypatch.delenv("SVD_EVALUATIONS_DIR", raising=False)
    assert not strategy.available() and not funding.available()
    s = strategy.load_strategy()
    assert s["objectives"] == [] and s["references"] == []
    assert s["organisation"] == "Testford upon Sea Community Safety Partnership"
    assert strategy.value("da_victim_home") is None and strategy.sna_delta("da_victim_home") is None
    note = strategy.missing_note()
    assert "Testford upon Sea" in note and "Barking" not in note
    assert "Barking" not in strategy.citation()
    assert evaluate.saved_evaluations() == {}
    assert evaluate.evaluations_dir() == tiny_london / "evaluations" / "E09000099"
    # Provenance names the chosen borough, and the simulation's shares are not passed off as its own SNA.
    p = provenance.mps("Apr 2025 to Mar 2026")
    assert p.area == "Testford upon Sea"
    assert provenance.Provenance(provenance.OFFICIAL, "x").area == "Testford upon Sea"
    sim = provenance.records(True, "Apr 2025 to Mar 2026")
    assert "another London borough's 2023 Strategic Needs Assessment" in sim.source
    assert "another London borough" in provenance.simulation_sentence()


def test_catalogue_leaves_out_another_boroughs_own_files(tiny_london, monkeypatch):
    from svd import catalogue

    monkeypatch.delenv("SVD_BOROUGH", raising=False)
    mine = {d.id for d in catalogue.load_catalogue()}
    monkeypatch.setenv("SVD_BOROUGH", "E09000099")
    other = {d.id for d in catalogue.load_catalogue()}
    assert {"wards", "lsoas", "places"} <= mine
    assert not {"wards", "lsoas", "places", "population_lsoa"} & other
    assert {"mps_ward", "mps_borough", "population_london"} <= other


def test_residents_by_age_never_invents_ward_bands():
    from svd import population as pop

    bands = {c: [float("nan")] * 2 for c in [*pop.BAND_COLUMNS, *pop.DERIVED_COLUMNS]}
    wards = pd.DataFrame({"ward_code": ["W1", "W2"], "ward_name": ["a", "b"], "all_ages": [10, 20], **bands})
    boroughs = pd.DataFrame(
        {"borough_code": ["E09000099"], "all_ages": [30], **{c: [1] for c in pop.BAND_COLUMNS}}
    )
    assert not pop.has_age_bands(wards)
    assert pop.residents_by_age(wards, boroughs, ["W1"], "E09000099") is None
    whole = pop.residents_by_age(wards, boroughs, [], "E09000099")
    assert list(whole["borough_code"]) == ["E09000099"]


# --- Real data: Newham and Croydon against the official files, cell by cell ----------------------------------------

realdata = pytest.mark.realdata


def _months(header: list[str]) -> list[str]:
    return [c for c in header if re.fullmatch(r"20\d{4}", c)]


def _newest(pattern: str) -> Path:
    """The release whose latest month column is the latest (read from each file's header)."""
    files = sorted((data_dir() / "crime" / "mps").glob(pattern))
    assert files, pattern

    def last(p: Path) -> str:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            return max(_months(next(csv.reader(fh))))

    return max(files, key=last)


def _ward_cells(name: str) -> tuple[dict, list[str]]:
    """(ward code, major, minor, YYYYMM) → count for one borough from the newest ward release, and its months."""
    path = _newest("MPS Ward Level Crime*.csv")
    cells = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = csv.DictReader(fh)
        months = _months(rows.fieldnames)
        for r in rows:
            if r["LookUp_BoroughName"].strip() == name:
                for m in months:
                    cells[(r["WardCode"].strip(), r["MajorText"], r["MinorText"], m)] = int(r[m] or 0)
    return cells, months


def _borough_cells(name: str) -> tuple[dict, list[str]]:
    path = _newest("MPS Borough Level Crime*.csv")
    cells = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = csv.DictReader(fh)
        months = _months(rows.fieldnames)
        for r in rows:
            if r["BoroughName"].strip() == name:
                for m in months:
                    cells[(r["MajorText"], r["MinorText"], m)] = int(r[m] or 0)
    return cells, months


def _proxy() -> list[tuple[str, str]]:
    doc = json.loads((config.definitions_dir() / "metrics.json").read_text(encoding="utf-8"))
    return [tuple(c) for m in doc["metrics"] if m["id"] == "serious_violence" for c in m["categories"]]


def _residents(code: str) -> int:
    with (data_dir() / config.BOROUGHS_FILE).open(newline="", encoding="utf-8-sig") as fh:
        return next(int(r["all_ages"]) for r in csv.DictReader(fh) if r["geography code"] == code)


@realdata
@pytest.mark.slow
@pytest.mark.parametrize("code", [NEWHAM, CROYDON, BD])
def test_summary_reconciles_with_the_newest_ward_release(code, monkeypatch):
    from svd import metrics

    monkeypatch.setenv("SVD_BOROUGH", code)
    name = config.borough().name
    cells, months = _ward_cells(name)
    last12 = months[-12:]
    proxy = set(_proxy())
    by_ward: dict[str, int] = defaultdict(int)
    for (ward, major, minor, m), n in cells.items():
        if (major, minor) in proxy and m in last12:
            by_ward[ward] += n
    s = metrics.summary()
    assert s["borough_code"] == code and s["borough_name"] == name
    assert s["latest_month"] == f"{last12[-1][:4]}-{last12[-1][4:]}"
    assert s["by_ward_serious_violence_12m"] == dict(sorted(by_ward.items()))
    assert s["serious_violence_12m"] == sum(by_ward.values())
    rape = sum(n for (w, ma, mi, m), n in cells.items() if mi == "RAPE" and m in last12)
    assert s["rape_12m"] == rape
    rate = sum(by_ward.values()) / _residents(code) * 1000
    assert s["rate_per_1000_serious_violence_12m"] == round(rate, 2)


@realdata
@pytest.mark.slow
@pytest.mark.parametrize("code", [NEWHAM, CROYDON])
def test_merged_ward_series_matches_the_newest_release_cell_by_cell(code, monkeypatch):
    from svd import geo, mps

    monkeypatch.setenv("SVD_BOROUGH", code)
    name = config.borough().name
    cells, months = _ward_cells(name)
    table = mps.for_borough(mps.load_mps(level="ward"), code).table
    # The first column of a release can be a partial month, which the merge sets aside for an older release's.
    compared = set(months[1:])
    got = {
        (str(r.area_code), str(r.major), str(r.minor), f"{r.month:%Y%m}"): int(r.count)
        for r in table.itertuples()
        if f"{r.month:%Y%m}" in compared
    }
    want = {k: v for k, v in cells.items() if k[3] in compared}
    # Cells the file leaves out are zero; the merged table may list them as zeros.
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}
    # The maps show exactly the borough's wards, from the London-wide boundaries.
    shapes = geo.wards()
    assert set(shapes["ward_code"]) == {k[0] for k in cells}
    if code == NEWHAM:
        assert len(shapes) == 24
    assert geo.lsoas()["ward_code"].isin(shapes["ward_code"]).all()
    assert geo.borough_outline()["borough_code"].tolist() == [code]


@realdata
@pytest.mark.slow
@pytest.mark.parametrize("code", [NEWHAM, CROYDON])
def test_borough_series_matches_the_newest_borough_release_cell_by_cell(code, monkeypatch):
    from svd import mps

    monkeypatch.setenv("SVD_BOROUGH", code)
    name = config.borough().name
    cells, months = _borough_cells(name)
    merged = mps.load_mps(level="borough")
    table = merged.table[merged.table["area_code"] == code]
    compared = set(months[1:])
    got = {
        (str(r.major), str(r.minor), f"{r.month:%Y%m}"): int(r.count)
        for r in table.itertuples()
        if f"{r.month:%Y%m}" in compared
    }
    want = {k: v for k, v in cells.items() if k[2] in compared}
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}


@realdata
def test_ward_residents_are_the_sum_of_their_lsoas_ts001(monkeypatch):
    from svd import london, population

    monkeypatch.setenv("SVD_BOROUGH", NEWHAM)
    lookup = london.gla_lookup(borough_code=NEWHAM)
    ts001 = london.lsoa_residents().set_index("lsoa_code")["all_ages"]
    want = lookup.assign(n=lookup["lsoa_code"].map(ts001)).groupby("ward_code")["n"].sum()
    wp = population.ward_population().set_index("ward_code")
    assert len(wp) == 24
    assert wp["all_ages"].to_dict() == want.to_dict()
    # No age band is made up below borough level.
    assert wp["age_0_24"].isna().all() and not population.has_age_bands(wp)
    assert population.borough_population()["all_ages"].iloc[0] == _residents(NEWHAM)


# --- Pages and board pack for Newham -------------------------------------------------------------------------------

# Every page of the route list. The London-wide pages are about the other boroughs too (a funnel of the 32, the
# wards across the border, London's 679 wards): there other boroughs' names are the data, so they are checked
# for naming Newham and never showing Barking and Dagenham's own places, evaluations or partnership.
PAGES = [Path(f).stem for f in PAGE_FILES.values()]
LONDON_WIDE = {"london", "london_map", "border"}


def _rendered(at) -> list[str]:
    """Every element's text as Streamlit sends it (markdown, captions, tables, chart specs and their data)."""
    out = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return out


def _london_names() -> set[str]:
    return set(config.london_borough_names().values())


def _outside_london_comparisons(texts: list[str]) -> str:
    """The rendered text without the charts and tables that list every London borough (a London ranking names
    Barking and Dagenham as one of the 32, which is a comparison, not its text under Newham's name)."""
    names = _london_names()
    return "\n".join(t for t in texts if sum(n in t for n in names) < len(names) - 2)


@pytest.fixture(scope="module")
def newham_pages():
    mp = pytest.MonkeyPatch()
    mp.setenv("SVD_BOROUGH", NEWHAM)
    mp.delenv("SVD_PUBLIC", raising=False)
    mp.delenv("SVD_EXTRACT", raising=False)
    from streamlit.testing.v1 import AppTest

    from tests.pagetest import APP

    pages = {}
    try:
        for view in PAGES:
            at = AppTest.from_file(APP, default_timeout=600)
            at.run()
            at.switch_page(f"views/{view}.py")
            at.run()
            pages[view] = at
        yield pages
    finally:
        mp.undo()


@realdata
@pytest.mark.slow
@pytest.mark.parametrize("view", PAGES)
def test_every_page_for_newham_names_newham_only(newham_pages, view):
    at = newham_pages[view]
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    if view in LONDON_WIDE:
        text = "\n".join(_rendered(at))
        assert "Newham" in text
        for word in ("Heathway", "Parsloes Park", "Barking and Dagenham Community Safety Partnership"):
            assert word not in text, (view, word)
        return
    text = _outside_london_comparisons(_rendered(at))
    for word in ("Barking", "Dagenham", "Abbey", "Becontree", "Heathway"):
        assert word not in text, (view, word, text[max(0, text.find(word) - 200) : text.find(word) + 50])


@realdata
@pytest.mark.slow
def test_newham_overview_reconciles_and_notes_what_is_missing(newham_pages, monkeypatch):
    monkeypatch.setenv("SVD_BOROUGH", NEWHAM)
    cells, months = _ward_cells("Newham")
    proxy = set(_proxy())
    sv = sum(n for (w, ma, mi, m), n in cells.items() if (ma, mi) in proxy and m in months[-12:])
    at = newham_pages["overview"]
    assert at.title[0].value == "Serious violence in Newham"
    tiles = {m.label: m.value for m in at.metric}
    assert f"{sv:,}" in tiles.values(), tiles
    assert any("Not available for Newham" in c.value for c in [*at.caption, *at.info])
    assert any("Newham Community Safety Partnership" in m.value for m in at.sidebar.markdown)
    funding = newham_pages["funding"]
    assert "Not available for Newham" in "\n".join(_rendered(funding))
    hot = "\n".join(_rendered(newham_pages["hotspots"]))
    assert "no priority places have been defined for Newham" in hot
    # Without station locations: said once, and no "0% near a station" tile or empty station chart.
    knife = newham_pages["knife_crime_robbery"]
    assert any("No station locations have been added for Newham" in i.value for i in knife.info)
    assert not [m for m in knife.metric if "of a station" in m.label]
    assert "each station" not in "\n".join(_rendered(knife))


@realdata
@pytest.mark.slow
def test_newham_board_pack_has_no_barking_and_dagenham_text(tmp_path, monkeypatch):
    import shutil
    import subprocess

    from svd import boardpack as bp
    from svd import metrics

    monkeypatch.setenv("SVD_BOROUGH", NEWHAM)
    monkeypatch.delenv("SVD_EXTRACT", raising=False)
    out = tmp_path / "newham.pdf"
    data = bp.write_pack(out)
    s = metrics.summary()
    assert data.tiles[0].value == f"{s['serious_violence_12m']:,}"
    assert len(data.ward_table) == 24 and data.ward_table["current"].sum() == s["serious_violence_12m"]
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    text = " ".join(
        subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "Newham Community Safety Partnership" in text
    assert "Barking" not in text and "Dagenham" not in text


@realdata
@pytest.mark.slow
def test_default_borough_figures_do_not_depend_on_how_it_is_chosen(monkeypatch):
    from svd import metrics

    monkeypatch.delenv("SVD_BOROUGH", raising=False)
    default = metrics.summary()
    monkeypatch.setenv("SVD_BOROUGH", "barking and dagenham")
    assert metrics.summary() == default
    assert default["borough_code"] == BD and len(default["by_ward_serious_violence_12m"]) == 19


@realdata
def test_the_map_is_centred_on_the_chosen_borough(monkeypatch):
    from svd import geo, maps

    monkeypatch.delenv("SVD_BOROUGH", raising=False)
    assert maps.map_view() == maps.VIEW  # Barking and Dagenham's view is unchanged
    monkeypatch.setenv("SVD_BOROUGH", NEWHAM)
    v = maps.map_view()
    minx, miny, maxx, maxy = geo.borough_outline().total_bounds
    assert minx < v["longitude"] < maxx and miny < v["latitude"] < maxy
    assert maps.map_origin() == (v["longitude"], v["latitude"])
    assert 10.5 < v["zoom"] < 12.5


@realdata
@pytest.mark.slow
@pytest.mark.parametrize("view", ["knife_crime_robbery", "domestic_abuse", "overview"])
def test_a_newham_ward_chosen_says_ages_are_not_available_and_invents_none(view, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from svd import geo
    from tests.pagetest import APP

    monkeypatch.setenv("SVD_BOROUGH", NEWHAM)
    ward = geo.wards()["ward_code"].iloc[0]
    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state["wards"] = [ward]
    at.run()
    at.switch_page(f"views/{view}.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert list(at.session_state["shared_filter"]["wards"]) == [ward]
    text = _outside_london_comparisons(_rendered(at))
    assert "Barking" not in text and "Dagenham" not in text
    if view != "overview":
        assert any(
            "Residents by age are not available for single wards of Newham" in i.value for i in at.info
        )
