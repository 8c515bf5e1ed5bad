"""Exports: chart PNG/SVG, the static map PNG, CSV and xlsx — checked by reading the files back."""

from __future__ import annotations

import io
from datetime import date

import altair as alt
import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook
from PIL import Image
from shapely.geometry import box

from svd import export


def _chart() -> alt.Chart:
    df = pd.DataFrame({"month": pd.date_range("2025-01-01", periods=3, freq="MS"), "count": [3, 5, 4]})
    return alt.Chart(df, title="Test chart").mark_line().encode(x="month:T", y="count:Q")


def test_chart_png_is_a_png_image():
    png = export.chart_png(_chart())
    assert png[:8] == export.PNG_MAGIC
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.width > 100 and img.height > 100


def test_chart_png_scale_doubles_the_size():
    one = Image.open(io.BytesIO(export.chart_png(_chart(), scale=1)))
    two = Image.open(io.BytesIO(export.chart_png(_chart(), scale=2)))
    assert two.width == pytest.approx(2 * one.width, abs=2)


def test_chart_svg_is_svg_with_the_title():
    svg = export.chart_svg(_chart())
    assert svg.lstrip().startswith("<svg")
    assert "Test chart" in svg


def test_table_csv_round_trips_with_unicode():
    df = pd.DataFrame({"item": ["Knife – crime", "£ spend"], "n": [1, 2]})
    raw = export.table_csv(df)
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM so Excel reads UTF-8
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert back.equals(df)


def test_table_xlsx_round_trips_values_and_sheets():
    frames = {
        "Wards": pd.DataFrame(
            {"ward": ["Abbey", "Heath"], "count": [205, 141], "flag": pd.array([True, None], dtype="boolean")}
        ),
        "Months/2025": pd.DataFrame(
            {
                "month": pd.to_datetime(["2025-01-01"]).tz_localize("Europe/London"),
                "n": pd.array([None], dtype="Int64"),
            }
        ),
    }
    wb = load_workbook(io.BytesIO(export.table_xlsx(frames)))
    assert wb.sheetnames == ["Wards", "Months 2025"]
    ws = wb["Wards"]
    assert [c.value for c in ws[1]] == ["ward", "count", "flag"]
    assert [c.value for c in ws[2]] == ["Abbey", 205, True]
    assert ws["C3"].value is None
    assert ws["A1"].font.bold and ws.freeze_panes == "A2"
    ws2 = wb["Months 2025"]
    assert ws2["A2"].value == pd.Timestamp("2025-01-01").to_pydatetime()
    assert ws2["B2"].value is None


def test_sheet_names_are_valid_and_unique():
    names = export.sheet_names(["a" * 40, "a" * 40, "x:y", ""])
    assert names[0] == "a" * 31
    assert names[1] != names[0] and len(names[1]) <= 31
    assert names[2] == "x y" and names[3] == "Sheet"


def test_classify_puts_values_in_classes_and_labels_edges():
    cls, labels = export.classify(pd.Series([0, 5, 5.1, 20, None, 99]), [0, 5, 10, 20])
    assert cls.tolist() == [0, 0, 1, 2, pd.NA, 2]
    # 5.1 is not a whole number, so the ranges are given to two decimals and do not overlap.
    assert labels == ["0.00\u20135.00", "5.01\u201310.00", "10.01\u201320.00"]
    _, whole = export.classify(pd.Series([0, 5, 20]), [0, 5, 10, 20])
    assert whole == ["0\u20135", "6\u201310", "11\u201320"]


def test_classify_labels_rates_with_decimals():
    _, labels = export.classify(pd.Series([1.0]), [0.5, 1.25, 2.0])
    assert labels == ["0.50\u20131.25", "1.26\u20132.00"]


def test_quantile_breaks():
    assert export.quantile_breaks([1, 2, 3, 4, 5], k=4) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert export.quantile_breaks([7, 7, 7]) == [7.0, 8.0]  # one value still gives a class
    assert export.quantile_breaks([]) == [0.0, 1.0]


def test_scale_bar_lengths_are_round():
    assert export._scale_bar_length(10_000) == 2000
    assert export._scale_bar_length(3_000) == 500
    assert export._scale_bar_length(700) == 100


def _squares() -> gpd.GeoDataFrame:
    # Four 1 km squares in British National Grid (east London), one without data.
    geoms = [box(545000 + i * 1000, 184000, 546000 + i * 1000, 185000) for i in range(4)]
    return gpd.GeoDataFrame(
        {"name": list("ABCD"), "rate": [1.0, 2.5, 4.0, None]}, geometry=geoms, crs="EPSG:27700"
    ).to_crs("EPSG:4326")


def test_map_png_is_a_png_with_legend_and_attribution():
    gdf = _squares()
    outline = gpd.GeoDataFrame(geometry=[gdf.union_all()], crs=gdf.crs)
    png = export.map_png(
        gdf, "rate", "Rate per 1,000", [0, 2, 5], ["© Crown copyright"], outline, dpi=60, size=(6, 5)
    )
    assert png[:8] == export.PNG_MAGIC
    img = Image.open(io.BytesIO(png))
    assert img.size == (360, 300)
    # The no-data square is drawn in the no-data grey; the classed squares are not grey.
    colours = {c for _, c in img.convert("RGB").getcolors(maxcolors=100_000)}
    assert tuple(int(export.NO_DATA_COLOUR[i : i + 2], 16) for i in (1, 3, 5)) in colours


def test_map_png_leaves_its_input_alone():
    gdf = _squares()
    before = gdf.copy()
    export.map_png(gdf, "rate", "t", None, "a", dpi=40, size=(4, 3))
    pd.testing.assert_frame_equal(
        pd.DataFrame(gdf.drop(columns="geometry")), pd.DataFrame(before.drop(columns="geometry"))
    )
    assert gdf.crs == before.crs


def test_ui_download_buttons_render():
    from streamlit.testing.v1 import AppTest

    script = """
import altair as alt
import pandas as pd
from ui import exports
df = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
exports.chart_downloads(alt.Chart(df).mark_bar().encode(x="x:O", y="y:Q"), "My chart, 2025")
from svd import provenance as prov
exports.table_downloads(df, "My table", provenance=prov.records(True, "Apr 2025 to Mar 2026"))
"""
    at = AppTest.from_string(script, default_timeout=30).run()
    assert not at.exception
    buttons = at.get("download_button")
    assert len(buttons) == 4
    assert sorted(b.proto.label for b in buttons) == ["CSV", "Excel", "PNG", "SVG"]


# ------------------------------------------------------------------------------------------------ provenance


def _sim():
    from svd import provenance as prov

    return prov.records(True, "Apr 2025 to Mar 2026", "Apr 2024 to Mar 2025", filters="domestic abuse flag")


def test_table_downloads_without_provenance_fails():
    """The page cannot offer a download that does not say where its figures come from."""
    from streamlit.testing.v1 import AppTest

    script = """
import pandas as pd
from ui import exports
exports.table_downloads(pd.DataFrame({"x": [1]}), "My table")
"""
    at = AppTest.from_string(script, default_timeout=30).run()
    assert at.exception and "provenance" in at.exception[0].message
    script_none = script.replace('"My table")', '"My table", provenance=None)')
    at = AppTest.from_string(script_none, default_timeout=30).run()
    assert at.exception and "provenance" in at.exception[0].message


def test_csv_opens_with_the_metadata_block_and_reads_back():
    df = pd.DataFrame({"ward": ["Abbey #1", "Eastbrook"], "n": [3, 4]})
    raw = export.table_csv(df, _sim(), generated=date(2026, 4, 2))
    text = raw.decode("utf-8-sig")
    assert text.startswith("# About this data\n# Source kind: SIMULATED\n")
    meta = export.read_metadata_csv(raw)
    assert meta["Period"] == "Apr 2025 to Mar 2026" and meta["Compared with"] == "Apr 2024 to Mar 2025"
    assert meta["Filters"] == "domestic abuse flag" and meta["Generated"] == "2026-04-02"
    assert "real:" in meta["Notes"] and "assumed:" in meta["Notes"]
    back = export.read_table_csv(raw)
    assert back.to_dict("list") == df.to_dict("list")  # a "#" inside a value survives
    assert export.read_metadata_csv(export.table_csv(df)) == {}


def test_xlsx_has_an_about_sheet_first():
    from openpyxl import load_workbook

    raw = export.table_xlsx({"Wards": pd.DataFrame({"n": [1]})}, _sim(), generated=date(2026, 4, 2))
    wb = load_workbook(io.BytesIO(raw))
    assert wb.sheetnames == ["About this data", "Wards"]
    rows = {r[0]: r[1] for r in wb["About this data"].iter_rows(min_row=2, values_only=True)}
    assert rows["Source kind"] == "SIMULATED" and rows["Generated"] == "2026-04-02"


def test_chart_title_wraps_and_a_simulated_subtitle_says_so():
    long = (
        "Personal robbery within 400 m of each station, Apr 2025 to Mar 2026, all wards, all days and hours"
    )
    spec = {"title": {"text": long, "subtitle": "Partnership data", "anchor": "start"}, "mark": "bar"}
    out = export.spec_with_provenance(spec, _sim())
    assert isinstance(out["title"]["text"], list) and all(len(line) <= 70 for line in out["title"]["text"])
    assert " ".join(out["title"]["text"]) == long
    assert out["title"]["subtitle"].startswith("Simulated records")
    assert spec["title"]["text"] == long  # the input is not changed
    official = export.spec_with_provenance({"title": "Short", "mark": "bar"}, None)
    assert official["title"] == {"text": "Short"}


def test_map_png_long_simulated_title_is_wrapped_not_cut(monkeypatch):
    """The title is wrapped into lines and says "simulated"; nothing of it is drawn outside the image."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    titles = []
    real_savefig = matplotlib.figure.Figure.savefig

    def spy(fig, *a, **k):
        fig.canvas.draw()
        t = fig._suptitle  # the title, at the figure's left edge
        box = t.get_window_extent()
        titles.append((t.get_text(), box.x0 >= 0 and box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height))
        return real_savefig(fig, *a, **k)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", spy)
    title = "Offences per 1,000 residents by ward: Apr 2025 to Mar 2026; violence against the person, robbery; 15:00 to 21:00"
    export.map_png(_squares(), "rate", title, None, "attribution", dpi=40, size=(6, 5), provenance=_sim())
    plt.close("all")
    ((text, inside),) = titles
    assert "\n" in text and text.replace("\n", " ").startswith(title) and "simulated" in text
    assert inside


def test_chart_png_is_no_wider_than_its_plot_for_a_long_title():
    """A fixed-width chart's long title wraps to the chart's width: the PNG is not stretched nor cut."""
    import json

    import vl_convert as vlc

    long = "A very long title about personal robbery within 400 m of each station in the chosen months"
    spec = {
        "width": 200,
        "height": 100,
        "title": {"text": long, "anchor": "start"},
        "data": {"values": [{"a": 1}]},
        "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    wide = Image.open(io.BytesIO(vlc.vegalite_to_png(json.dumps(spec))))
    wrapped = Image.open(io.BytesIO(vlc.vegalite_to_png(json.dumps(export.spec_with_provenance(spec, None)))))
    assert wrapped.size[0] < 300 < wide.size[0]  # the plot is 200 px; the unwrapped title made it ~640 px
