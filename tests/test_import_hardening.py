"""Import hardening: every bad row of an extract is accepted or quarantined with its reason and line number,
never a traceback, a raw pandas message or a filesystem path; hostile files are refused with a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from svd import incidents, validate
from svd.schema import RefusedFile
from tests.test_incidents import HEADER, row, tiny_data_dir


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return tiny_data_dir(tmp_path / "data")


@pytest.mark.parametrize("chunk_rows", [incidents.CHUNK_ROWS, 2])
def test_out_of_range_dates_and_huge_counts_quarantine_their_row_only(tmp_path, tiny, chunk_rows):
    bad = {
        3: {"offence_datetime": "0000-05-17"},
        4: {"offence_datetime": "9999-01-01T10:00"},
        5: {"offence_datetime": "2262-05-01"},
        6: {"reported_date": "9999-12-31"},
        7: {"offence_datetime": "2099-01-01T10:00", "reported_date": "2099-01-02"},
        8: {"suspects_count": "12345678901234567890"},
        9: {"victim_age": "99999999999999999999"},
    }
    lines = [HEADER, row(incident_id="OK1")]
    lines += [row(incident_id=f"B{n}", **kw) for n, kw in bad.items()]
    lines.append(row(incident_id="OK2"))
    path = tmp_path / "x.csv"
    path.write_text("\n".join(lines) + "\n")
    r = incidents.read_incidents(path, data_dir=tiny, chunk_rows=chunk_rows)
    assert (r.rows_in, r.rows_accepted, r.rows_quarantined) == (9, 2, 7)
    q = r.quarantine.set_index("row")
    assert sorted(q.index) == sorted(bad)
    assert "'0000-05-17' is not valid" in q.loc[3, "reason"]
    assert "later than the current month" in q.loc[7, "reason"] and q.loc[7, "column"] == "offence_datetime"
    assert "'12345678901234567890'" in q.loc[8, "reason"]
    assert not any("Out of bounds" in x or "nanosecond" in x for x in q["reason"])


# ------------------------------------------------------------------------------------------------ xlsx bombs


def _workbook(path: Path, rows: list[list[str]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in [HEADER.split(","), *rows]:
        ws.append(r)
    wb.save(path)
    return path


def _bomb(tmp_path: Path, empty_rows: int, numbered: bool = False) -> Path:
    """A real workbook whose sheet is followed by ``empty_rows`` empty rows (``<row/>``, or ``<row r="n"/>``)."""
    import zipfile

    good = _workbook(tmp_path / "good.xlsx", [row().split(",")])
    bomb = tmp_path / "bomb.xlsx"
    with (
        zipfile.ZipFile(good) as src,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                filler = (
                    "".join(f'<row r="{n}"/>' for n in range(3, empty_rows + 3))
                    if numbered
                    else "<row/>" * empty_rows
                )
                text = text.replace("</sheetData>", filler + "</sheetData>")
                data = text.encode()
            dst.writestr(item, data)
    return bomb


def test_xlsx_zip_bomb_is_refused_before_parsing(tmp_path, tiny, monkeypatch):
    import time

    bomb = _bomb(tmp_path, 4_000_000)
    assert bomb.stat().st_size < 1_000_000  # well under a megabyte on disk
    t0 = time.monotonic()
    with pytest.raises(RefusedFile, match="expands .* times"):
        incidents.read_incidents(bomb, data_dir=tiny)
    monkeypatch.setenv("SVD_DATA_DIR", str(tiny))
    report = validate.validate_file(bomb)
    assert time.monotonic() - t0 < 5  # refused from the zip directory alone, not after parsing
    assert report["problems"][0]["reason"].startswith("refused: the Excel file's part sheet1.xml expands")
    assert str(tmp_path) not in report["problems"][0]["reason"] and not validate.usable(report)

    # Numbered empty rows compress less (a few MB), but are counted on the zip stream before any parsing.
    numbered = _bomb(tmp_path, 2_000_000, numbered=True)
    t0 = time.monotonic()
    with pytest.raises(RefusedFile, match="has 2,000,002 rows"):
        incidents.read_incidents(numbered, data_dir=tiny)
    assert time.monotonic() - t0 < 5


def test_xlsx_rows_cells_and_time_are_bounded_while_reading(tmp_path, tiny, monkeypatch):
    from svd import schema

    path = _workbook(tmp_path / "x.xlsx", [row(incident_id=f"X{i}").split(",") for i in range(60)])
    assert incidents.read_incidents(path, data_dir=tiny).rows_in == 60
    monkeypatch.setattr(schema, "XLSX_MAX_ROWS", 50)
    with pytest.raises(RefusedFile, match="has 61 rows and 1,342 cells"):  # counted on the zip stream
        incidents.read_incidents(path, data_dir=tiny)
    # While reading, too (openpyxl pads rows to the sheet's declared width, which the stream count cannot see).
    monkeypatch.setattr(schema, "_count_rows_and_cells", lambda *_: (0, 0))
    with pytest.raises(RefusedFile, match="more than 50 rows"):
        incidents.read_incidents(path, data_dir=tiny)
    monkeypatch.setattr(schema, "XLSX_MAX_ROWS", 10**6)
    monkeypatch.setattr(schema, "XLSX_MAX_CELLS", 100)
    with pytest.raises(RefusedFile, match="more than 100 cells"):
        incidents.read_incidents(path, data_dir=tiny)
    monkeypatch.setattr(schema, "XLSX_MAX_CELLS", 10**9)
    monkeypatch.setattr(schema, "XLSX_MAX_SECONDS", -1.0)
    big = _workbook(tmp_path / "big.xlsx", [row(incident_id=f"X{i}").split(",") for i in range(1001)])
    with pytest.raises(RefusedFile, match="took more than"):
        incidents.read_incidents(big, data_dir=tiny)
    monkeypatch.setenv("SVD_DATA_DIR", str(tiny))
    report = validate.validate_file(big)
    assert report["problems"][0]["reason"].startswith("refused: reading the Excel sheet took more than")


# ------------------------------------------------------------------------------------------------ all-bad files


def test_vectorised_checks_find_what_the_pandera_schema_finds():
    import pandas as pd
    import pandera.pandas as pa

    lines = [
        row(incident_id="A"),
        row(incident_id="B", offence="stabbing", victim_age="130", lsoa21_code="W01000001"),
        row(incident_id="C", victim_sex="x", suspects_count="-1", mps_major=""),
        row(incident_id="", location_type="moon", relationship="rival"),
    ]
    raw = pd.DataFrame([ln.split(",") for ln in lines], columns=HEADER.split(","), dtype="str")
    typed, _, _ = incidents._parse(raw)
    ours = {(int(i), f.column) for f in incidents._pandera_failures(typed, raw) for i in f.idx}
    try:
        incidents.incident_schema().validate(typed, lazy=True)
        theirs = set()
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases[err.failure_cases["index"].notna()]
        theirs = {(int(i), c) for i, c in zip(fc["index"], fc["column"], strict=True)}
    assert ours == theirs and len(ours) >= 8


def _all_bad(n: int) -> str:
    # Every row wrong the way real exports go wrong: UK dates, ages with words, unknown categories.
    bad = [
        row(
            incident_id=f"B{i}",
            offence_datetime="17/05/2024 15:40",
            victim_age="15 years",
            mps_major="Robery",
            victim_sex="x",
        )
        for i in range(n)
    ]
    return "\n".join([HEADER, *bad]) + "\n"


def test_an_all_bad_file_gives_each_row_its_reasons_without_writing_thousands(tmp_path, tiny):
    path = tmp_path / "bad.csv"
    path.write_text(_all_bad(50))
    r = incidents.read_incidents(path, data_dir=tiny)
    assert (r.rows_in, r.rows_quarantined) == (50, 50)
    first = r.quarantine.iloc[0]
    assert first["row"] == 2 and first["column"] == "offence_datetime"
    assert first["reason"].count(";") <= incidents.MAX_REASONS_PER_ROW
    assert "'17/05/2024 15:40' is not valid" in first["reason"]
    # Four problems (date, major, age, sex): three written, the fourth counted.
    assert first["reason"].endswith("and 1 more problem")


@pytest.mark.slow
def test_quarantining_costs_no_more_than_accepting(tmp_path, tiny):
    import time

    n = 60_000
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("\n".join([HEADER, *(row(incident_id=f"G{i}") for i in range(n))]) + "\n")
    bad.write_text(_all_bad(n))

    def cpu(path: Path) -> float:
        t = time.process_time()
        incidents.read_incidents(path, data_dir=tiny)
        return time.process_time() - t

    cpu(good)  # warm
    assert cpu(bad) <= 3 * cpu(good) + 0.5


# ------------------------------------------------------------------------------------------------ unknown formats


def _three_rows() -> list[str]:
    return [row(incident_id=f"U{i}") for i in range(3)]


@pytest.mark.parametrize(
    ("name", "write", "cause"),
    [
        (
            "utf16.csv",
            lambda p: p.write_bytes(("\n".join([HEADER, *_three_rows()]) + "\n").encode("utf-16")),
            "encoded as UTF-16",
        ),
        (
            "semi.csv",
            lambda p: p.write_text("\n".join(x.replace(",", ";") for x in [HEADER, *_three_rows()]) + "\n"),
            "separated by semicolons",
        ),
        (
            "banner.csv",
            lambda p: p.write_text(
                "\n".join(["Extract from CRIS, run 2024-06-01", "", HEADER, *_three_rows()]) + "\n"
            ),
            "column names are on line 3, below 2 banner lines",
        ),
    ],
)
def test_unknown_csv_formats_say_the_likely_cause_and_count_rows(tmp_path, monkeypatch, name, write, cause):
    monkeypatch.setenv("SVD_DATA_DIR", str(tmp_path / "no-data"))
    path = tmp_path / name
    write(path)
    report = validate.validate_file(path)
    assert report["format"] == "unknown"
    reason = report["problems"][0]["reason"]
    assert "looks like a svd_incidents file" in reason and cause in reason, reason
    assert (report["rows_in"], report["rows_accepted"], report["rows_quarantined"]) == (3, 0, 3)


def test_unknown_xlsx_with_data_on_the_second_sheet_says_so(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Notes"
    wb.active.append(["Prepared by the analyst"])
    wb.active.append(["Data on the next sheet"])
    data = wb.create_sheet("Incidents")
    for r in [HEADER, *_three_rows()]:
        data.append(r.split(","))
    path = tmp_path / "two.xlsx"
    wb.save(path)
    report = validate.validate_file(path)
    reason = report["problems"][0]["reason"]
    assert report["format"] == "unknown" and "on sheet 2 (“Incidents”)" in reason, reason
    assert (report["rows_in"], report["rows_quarantined"]) == (
        1,
        1,
    )  # the first sheet's rows, read and set aside


# ------------------------------------------------------------------------------------------------ formulas


def test_downloads_neutralise_formula_cells_in_csv_and_excel():
    import io

    import pandas as pd
    from openpyxl import load_workbook

    from svd import export
    from svd.hotspots import change_text

    df = pd.DataFrame(
        {
            "area": pd.Series(
                ["=HYPERLINK('http://x')", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "Abbey"], dtype="str"
            ),
            "kind": pd.Categorical(["=1+1", "ok", "ok", "ok", "ok", "ok", "ok"]),
            "obj": pd.Series([change_text(2, 0), None, 3, "a=b", "", "-", "x"], dtype=object),
            "count": [1, -2, 3, 4, 5, 6, 7],
        }
    )
    csv_text = export.table_csv(df).decode("utf-8-sig")
    for cell in (
        "'=HYPERLINK('http://x')",
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "'=1+1",
        "'+2 (none before)",
    ):
        assert cell in csv_text, cell
    lines = csv_text.split("\n")
    assert lines[1].startswith("'=HYPERLINK") and lines[2] == "'+1,ok,,-2"  # -2 in 'count' is a number
    assert ",a=b," in csv_text and "\n'-,ok,'-," not in csv_text
    assert "\n=" not in csv_text and ",=" not in csv_text and ",+" not in csv_text and ",@" not in csv_text
    wb = load_workbook(io.BytesIO(export.table_xlsx({"t": df})))
    cells = [c.value for c in wb["t"]["A"]][1:]
    assert cells[0] == "'=HYPERLINK('http://x')" and all(not str(v).startswith("=") for v in cells)
    assert wb["t"]["B2"].data_type == "s" and wb["t"]["D3"].value == -2
    assert df["area"].iloc[0].startswith("=")  # the caller's table is not changed


# ------------------------------------------------------------------------------------------------ optional files


def _corrupt_places_dir(tmp_path: Path) -> Path:
    """The real data directory, but with an unreadable places CSV (random bytes)."""
    import random

    from svd.config import data_dir

    real = data_dir()
    root = tmp_path / "data"
    (root / "geo").mkdir(parents=True)
    for item in real.iterdir():
        if item.name != "geo":
            (root / item.name).symlink_to(item)
    for f in (real / "geo").iterdir():
        (root / "geo" / f.name).symlink_to(f)
    places = root / "geo" / "places_barking_dagenham.csv"
    places.unlink()
    places.write_bytes(bytes(random.Random(1).randrange(128, 256) for _ in range(3000)))
    return root


def test_unreadable_places_file_gives_a_plain_reason(tmp_path):
    from svd import geo

    path = tmp_path / "places.csv"
    path.write_bytes(b"type,name\n\xff\xfe\xfa,broken\n")
    with pytest.raises(geo.PlacesUnavailable, match="it is not UTF-8 text") as err:
        geo._read_places(path)
    assert str(tmp_path) not in str(err.value)
    path.write_text("a,b\n1,2\n")
    with pytest.raises(geo.PlacesUnavailable, match="it has no type, name, lat, lon"):
        geo._read_places(path)


@pytest.mark.realdata
def test_corrupt_places_file_leaves_priority_places_and_the_simulation_standing(tmp_path):
    from svd import geo

    root = _corrupt_places_dir(tmp_path)
    pp = geo.priority_places(root)
    by_method = pp.groupby("method")["geometry"].apply(lambda g: g.is_empty.all())
    assert by_method.get("station_buffer", True) and not by_method.get("ward", True)
    assert (
        pp.loc[pp["method"] == "station_buffer", "definition"]
        .str.startswith("Not located: The places file")
        .all()
    )
    assert not geo.place_lsoas(root).empty  # the ward- and LSOA-defined places still have their LSOAs


@pytest.mark.realdata
@pytest.mark.slow
def test_corrupt_places_file_degrades_one_section_not_the_pages(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.pagetest import APP

    monkeypatch.setenv("SVD_DATA_DIR", str(_corrupt_places_dir(tmp_path)))
    for view in ("knife_crime_robbery", "hotspots", "temporal"):
        at = AppTest.from_file(APP, default_timeout=300)
        at.run()
        at.switch_page(f"views/{view}.py")
        at.run()
        assert not at.exception, view
        errors = [e.value for e in at.error]
        if view == "knife_crime_robbery":
            assert errors == [
                "The stations section could not be shown: The places file (places_barking_dagenham.csv, stations "
                "and parks) could not be read: it is not UTF-8 text (damaged, or saved in another encoding)."
            ]
            assert any(
                "Victims and suspects" in h.value for h in at.subheader
            )  # the rest of the page is there
        else:
            assert errors == [], (view, errors)
        assert not any("codec" in e or str(tmp_path) in e for e in errors)
