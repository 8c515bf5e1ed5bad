"""The board pack: month handling, layout from a hand-made PackData, the command's errors, and the real pack."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from svd import boardpack as bp
from svd import export

HAVE_PDFTOTEXT = shutil.which("pdftotext") is not None


def _text(pdf_path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout


def _pages(pdf_path: Path) -> int:
    # Every fpdf2 page object is written as "/Type /Page" (the tree root is "/Type /Pages").
    raw = pdf_path.read_bytes()
    return raw.count(b"/Type /Page\n") + raw.count(b"/Type /Page>") + raw.count(b"/Type /Page/")


def test_parse_month():
    assert bp.parse_month("2025-12") == pd.Timestamp("2025-12-01")
    assert bp.parse_month(None) is None
    for bad in ("2025-13", "Dec 2025", "2025-1", ""):
        with pytest.raises(ValueError):
            bp.parse_month(bad)


def test_limit_months_keeps_the_month_and_earlier():
    df = pd.DataFrame({"month": pd.to_datetime(["2025-11-01", "2025-12-01", "2026-01-01"]), "n": [1, 2, 3]})
    assert bp.limit_months(df, pd.Timestamp("2025-12-01"))["n"].tolist() == [1, 2]
    assert len(bp.limit_months(df, None)) == 3
    assert len(df) == 3  # input untouched


def test_ascii_text_for_core_fonts():
    assert bp.ascii_text("Apr – Mar — “x” £5") == 'Apr - Mar - "x" £5'
    assert bp.ascii_text("≥ 5 ✓") == ">= 5 ?"


def _tiny_pack(simulated: bool = True) -> bp.PackData:
    tiles = (
        bp.Tile(
            "Serious violence (proxy)",
            "3,202",
            "Rose by 4% (from 3,086) — not a significant change.",
            "14.63 per 1,000 residents (London 12.77)",
            "Apr 2025 to Mar 2026",
            False,
        ),
        bp.Tile(
            "Domestic abuse offences",
            "2,900",
            "Fell by 1% — not a significant change.",
            "",
            "Apr 2025 to Mar 2026",
            simulated,
        ),
    )
    wards = pd.DataFrame(
        {
            "ward_code": ["E05000001"],
            "ward_name": ["Abbey"],
            "population": [5356],
            "current": [205],
            "previous": [172],
            "rate": [38.3],
            "rate_lower": [33.2],
            "rate_upper": [43.9],
        }
    )
    monthly = pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-02-01", "2026-03-01"]),
            "count": pd.array([250, 260], dtype="Int64"),
            "year_before": pd.array([240, None], dtype="Int64"),
        }
    )
    import altair as alt

    chart = alt.Chart(monthly.assign(count=[250, 260])).mark_line().encode(x="month:T", y="count:Q")
    return bp.PackData(
        latest_month=pd.Timestamp("2026-03-01"),
        period="Apr 2025 to Mar 2026",
        previous_period="Apr 2024 to Mar 2025",
        headline="Serious violence rose by 4% — not significant.",
        tiles=tiles,
        trend_png=export.chart_png(chart, scale=1),
        monthly_table=monthly,
        map_png=None,
        ward_table=wards,
        records_label="Simulated records (seed 1).",
        records_simulated=simulated,
        vintages=("2023-04 to 2025-03",),
        gaps=(),
        attribution=("Contains public sector information £ – test.",),
        proxy_note="Proxy note text.",
        notes=("CONNECT note.",),
    )


def test_build_pdf_pages_and_text(tmp_path):
    pdf = bp.build_pdf(_tiny_pack())
    assert pdf.page_no() == 6  # title, tiles, trend, map, methods, sources
    out = tmp_path / "pack.pdf"
    pdf.output(str(out))
    assert out.read_bytes()[:5] == b"%PDF-"
    if HAVE_PDFTOTEXT:
        text = _text(out)
        for s in (
            "Barking and Dagenham Community Safety Partnership",
            "Serious Violence Duty: board pack",
            "Apr 2025 to Mar 2026",
            "Data as of March 2026",
            "SIMULATED",
            "£ – test",
            "Abbey",
            "38.3",
            "February 2026",
            "Proxy note text.",
            "<5",
        ):
            assert s in text, s


def test_build_pdf_without_simulated_records_has_no_simulated_banner(tmp_path):
    out = tmp_path / "pack.pdf"
    bp.build_pdf(_tiny_pack(simulated=False)).output(str(out))
    if HAVE_PDFTOTEXT:
        assert "SIMULATED" not in _text(out)


def test_build_pdf_falls_back_to_core_font(tmp_path):
    pdf = bp.build_pdf(_tiny_pack(), font_dir=tmp_path)  # no DejaVu here
    assert pdf.font_family == "helvetica"
    out = tmp_path / "pack.pdf"
    pdf.output(str(out))  # would raise on "–" or "—" if the text were not made ASCII
    if HAVE_PDFTOTEXT:
        assert "£ - test" in _text(out)


def test_main_bad_month_is_one_line_error(tmp_path, capsys):
    assert bp.main_board_pack(tmp_path / "x.pdf", "December") == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_main_missing_data_is_one_line_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SVD_DATA_DIR", str(tmp_path / "empty"))
    assert bp.main_board_pack(tmp_path / "x.pdf", None) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and err.count("\n") == 1 and "missing" in err
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.realdata
def test_main_month_after_the_data_is_an_error(tmp_path, capsys):
    assert bp.main_board_pack(tmp_path / "x.pdf", "2099-01") == 1
    assert "latest month available" in capsys.readouterr().err


@pytest.mark.realdata
def test_main_month_without_two_years_before_is_an_error(tmp_path, capsys):
    assert bp.main_board_pack(tmp_path / "x.pdf", "2024-06") == 1
    assert "24 months" in capsys.readouterr().err


@pytest.fixture(scope="module")
def real_pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack") / "board-pack.pdf"
    data = bp.write_pack(out)
    return out, data


@pytest.mark.realdata
@pytest.mark.slow
def test_real_pack_contents(real_pack):
    from svd import catalogue
    from svd.metrics import summary

    out, data = real_pack
    assert _pages(out) >= 4
    s = summary()
    assert data.period == s["period_12m"]
    assert data.tiles[0].value == f"{s['serious_violence_12m']:,}"
    assert data.latest_month == pd.Timestamp(f"{s['latest_month']}-01")
    assert len(data.ward_table) == 19 and data.ward_table["current"].sum() == s["serious_violence_12m"]
    # Every tile says where it comes from; a simulated one says so and carries no test of a fixed quantity.
    for tile in data.tiles:
        assert tile.source.startswith("Simulated records" if tile.simulated else "Official data"), tile
    da = next(t for t in data.tiles if t.title == "Domestic abuse offences")
    if da.simulated:
        assert "change not tested" in da.change and "significant" not in da.change
    if HAVE_PDFTOTEXT:
        text = " ".join(_text(out).split())
        assert data.period in text
        assert "Serious violence" in text
        assert "simulated" in text.lower()
        for line in catalogue.attribution_lines():
            assert " ".join(line.split()) in text, line


@pytest.mark.realdata
@pytest.mark.slow
def test_real_pack_for_an_earlier_month(tmp_path):
    out = tmp_path / "dec.pdf"
    data = bp.write_pack(out, pd.Timestamp("2025-12-01"))
    assert data.latest_month == pd.Timestamp("2025-12-01")
    assert data.period == "Jan 2025 to Dec 2025"
    assert data.monthly_table["month"].max() == pd.Timestamp("2025-12-01")
    assert {t.period for t in data.tiles} == {"Jan 2025 to Dec 2025"}  # records are cut at the month too
    assert any(t.simulated for t in data.tiles)
    if HAVE_PDFTOTEXT:
        text = " ".join(_text(out).split())
        assert "Data as of December 2025" in text and "March 2026" not in text


@pytest.mark.realdata
@pytest.mark.slow
def test_cli_board_pack(tmp_path):
    from svd.cli import main

    out = tmp_path / "cli.pdf"
    assert main(["board-pack", "--out", str(out), "--month", "2025-12"]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"
