"""Exports for board papers: charts as PNG/SVG (vl-convert, offline), the map as a static PNG, tables as CSV/xlsx.

Everything here returns bytes (or SVG text) so the dashboard, the board pack and tests can use the same code.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd

from svd.provenance import Provenance, wrap_title

METRIC_CRS = "EPSG:27700"  # British National Grid: metres, north up, so a scale bar is honest
NO_DATA_COLOUR = "#d9d9d9"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------------------------------------ charts


def chart_png(chart, scale: float = 2) -> bytes:
    """An altair chart as PNG bytes (rendered offline by vl-convert; ``scale=2`` for print quality)."""
    import vl_convert as vlc

    return bytes(vlc.vegalite_to_png(chart.to_json(), scale=scale))


def chart_svg(chart) -> str:
    """An altair chart as SVG text (rendered offline by vl-convert)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_json())


def spec_with_provenance(spec: dict, provenance: Provenance | None, width: int = 70) -> dict:
    """A Vega-Lite spec whose title is wrapped into lines (never cut off in a PNG/SVG) and whose subtitle says
    "Simulated records" when the provenance is simulated. The spec is copied at the top level, not changed."""
    out = dict(spec)
    title = out.get("title")
    if title is None and provenance is None:
        return out
    if isinstance(out.get("width"), int | float):  # a fixed-width chart: about 7.5 px a character of title
        width = max(40, min(width, int(out["width"] / 7.5)))
    if isinstance(title, (str, list)):
        title = {"text": title}
    title = dict(title or {"text": ""})
    text = title.get("text", "")
    if isinstance(text, str) and len(text) > width:
        title["text"] = wrap_title(text, width)
    sub = title.get("subtitle")
    sub_text = " ".join(sub) if isinstance(sub, list) else (sub or "")
    if provenance is not None and provenance.simulated and "simulated" not in f"{text} {sub_text}".lower():
        sub_text = f"Simulated records · {sub_text}" if sub_text else "Simulated records"
    if sub_text:
        title["subtitle"] = (
            wrap_title(sub_text, int(width * 1.3)) if len(sub_text) > width * 1.3 else sub_text
        )
    out["title"] = title
    return out


# ------------------------------------------------------------------------------------------------ tables


# The one formula guard for downloads ("CSV injection"). A spreadsheet runs a text cell starting with one of
# these as a formula, so such a cell gets a leading single quote (OWASP's advice). The rule, for CSV and xlsx:
# - numbers stay numbers: a numeric cell is written as it is (-24 is a number, never a formula);
# - text beginning with =, +, -, @, a tab or a carriage return gets the guard, and so does text beginning with
#   the typographic minus U+2212 that the pages write for falls ("−24 (−10%)"), so that a rise ("+11 (+5%)")
#   and a fall are written alike.
FORMULA_STARTS = ("=", "+", "-", "\u2212", "@", "\t", "\r")
_FORMULA_START = re.compile("^[" + re.escape("".join(FORMULA_STARTS)) + "]")


def _neutral(value: object) -> object:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table safe to open in a spreadsheet: every text cell (and column name) starting with ``=``,
    ``+``, ``-``, ``−`` (U+2212), ``@``, tab or carriage return gets a leading single quote (``FORMULA_STARTS``),
    so it is shown as text and never run as a formula. Numbers stay numbers (−3 is a number, not a formula)."""
    out = df.copy()
    out.columns = [_neutral(c) for c in out.columns]
    for k in range(out.shape[1]):
        s = out.iloc[:, k]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = list(s.cat.categories)
            new = [_neutral(c) for c in cats]
            if new != cats:
                # Renaming the few categories is cheap; two that collide (x and 'x) fall back to objects.
                s = (
                    s.cat.rename_categories(new)
                    if len(set(new)) == len(new)
                    else s.astype(object).map(_neutral)
                )
                out.isetitem(k, s)
        elif pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
            risky = s.str.match(_FORMULA_START).fillna(False).to_numpy(dtype=bool)
            if risky.any():
                out.isetitem(k, s.where(~risky, "'" + s))
        elif s.dtype == object:
            out.isetitem(k, s.map(_neutral))
    return out


ABOUT_SHEET = "About this data"


def metadata_lines(provenance: Provenance, generated: date | None = None) -> list[str]:
    """The CSV header comment block: '# Source kind: SIMULATED', '# Source: …', … (``pd.read_csv(comment="#")``)."""
    rows = [("About this data", "")] + provenance.as_rows(generated)
    lines = [f"# {k}: {v}".rstrip(": ") if v else f"# {k}" for k, v in rows]
    return [line.replace("\n", " ").replace("\r", " ") for line in lines]


def table_csv(df: pd.DataFrame, provenance: Provenance | None = None, generated: date | None = None) -> bytes:
    """A table as CSV bytes, UTF-8 with a byte-order mark so Excel shows "£" and "–" correctly; no index.

    With ``provenance`` the file opens with a comment block saying where the figures come from (source kind —
    "SIMULATED" where it is — source, period, filters, method, generated date), then a blank line, then the table.
    """
    body = neutralise_formulas(df).to_csv(index=False)
    if provenance is not None:
        body = "\n".join(metadata_lines(provenance, generated)) + "\n\n" + body
    return body.encode("utf-8-sig")


def read_table_csv(raw: bytes, **read_csv_kwargs) -> pd.DataFrame:
    """The table of a CSV written by ``table_csv``, its metadata block (if any) skipped."""
    text = raw.decode("utf-8-sig")
    if text.startswith("# "):
        text = text.split("\n\n", 1)[1]
    return pd.read_csv(io.StringIO(text), **read_csv_kwargs)


def read_metadata_csv(raw: bytes) -> dict[str, str]:
    """The metadata block of a CSV written by ``table_csv`` as {field: value} (empty when it has none)."""
    text = raw.decode("utf-8-sig")
    if not text.startswith("# "):
        return {}
    head = text.split("\n\n", 1)[0]
    return dict(line[2:].split(": ", 1) for line in head.splitlines() if ": " in line)


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_names(names: Sequence[str]) -> list[str]:
    """Valid, unique Excel sheet names: forbidden characters removed, at most 31 characters, never empty."""
    out: list[str] = []
    for raw in names:
        base = _BAD_SHEET_CHARS.sub(" ", str(raw)).strip().strip("'")[:31] or "Sheet"
        name, n = base, 2
        while name.lower() in (o.lower() for o in out):
            suffix = f" ({n})"
            name = base[: 31 - len(suffix)] + suffix
            n += 1
        out.append(name)
    return out


def _excel_ready(df: pd.DataFrame) -> pd.DataFrame:
    """A copy Excel can store: timezone-naive datetimes, plain objects for nullable/categorical columns."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            out[col] = s.dt.tz_localize(None)
        elif isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = s.astype(object)
        elif pd.api.types.is_extension_array_dtype(s.dtype) and not isinstance(s.dtype, pd.DatetimeTZDtype):
            # Nullable ints/booleans/strings: pd.NA becomes an empty cell rather than an error.
            out[col] = s.astype(object).where(s.notna(), None)
    return out


def table_xlsx(
    frames: Mapping[str, pd.DataFrame], provenance: Provenance | None = None, generated: date | None = None
) -> bytes:
    """One .xlsx workbook with a sheet per frame (sheet name = key): bold header, frozen top row, sized columns.

    With ``provenance`` the first sheet is "About this data": source kind ("SIMULATED" where it is), source,
    period, filters, method and the date the file was generated.
    """
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    frames = {name: neutralise_formulas(df) for name, df in frames.items()}
    buf = io.BytesIO()
    names = sheet_names(list(frames))
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        if provenance is not None:
            names = sheet_names([ABOUT_SHEET, *frames])[1:]
            about = pd.DataFrame(provenance.as_rows(generated), columns=["Field", "Value"])
            about.to_excel(writer, sheet_name=ABOUT_SHEET, index=False)
            ws = writer.sheets[ABOUT_SHEET]
            for cell in ws[1]:
                cell.font = Font(bold=True)
            ws.column_dimensions["A"].width = 16
            ws.column_dimensions["B"].width = 100
        if not frames and provenance is None:
            pd.DataFrame().to_excel(writer, sheet_name="Sheet", index=False)
        for name, df in zip(names, frames.values(), strict=True):
            data = _excel_ready(df)
            data.to_excel(writer, sheet_name=name, index=False)
            ws = writer.sheets[name]
            ws.freeze_panes = "A2"
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for i, col in enumerate(data.columns, start=1):
                width = max([len(str(col)), *(len(str(v)) for v in data[col].head(200))])
                ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------ the map


def quantile_breaks(values: Sequence[float] | pd.Series, k: int = 5) -> list[float]:
    """Class edges (up to k classes: the lowest value, then ascending upper bounds) from the maps' one classifier
    (``svd.maps.class_breaks``)."""
    from svd import maps

    v = pd.Series(values, dtype="float64").dropna()
    if v.empty:
        return [0.0, 1.0]
    edges = maps.class_edges(v, maps.class_breaks(v, k))
    if len(edges) < 2 or edges[0] == edges[-1]:
        edges = [edges[0], edges[0] + 1]
    return [float(e) for e in edges]


def _decimals(breaks: Sequence[float]) -> int:
    """Enough decimals to tell the class edges apart (0 for counts, 1–2 for rates)."""
    span = max(breaks) - min(breaks)
    if all(float(b).is_integer() for b in breaks):
        return 0
    return 0 if span >= 50 else 1 if span >= 5 else 2


def classify(values: pd.Series, breaks: Sequence[float]) -> tuple[pd.Series, list[str]]:
    """Class index (0-based, NA for missing) per value and the legend label of each class ("186–225").

    ``breaks`` are edges: the lowest value, then each class's upper bound. Classes and labels are the
    on-screen map's (``svd.maps.classify`` and ``svd.maps.class_labels``): a value equal to an edge joins the
    lower class, values outside the edges fall in the nearest end class, and ranges never overlap.
    """
    from svd import maps

    edges = sorted(float(b) for b in breaks)
    if len(edges) < 2:
        raise ValueError("breaks need at least two edges")
    v = pd.Series(values, dtype="float64")
    idx = maps.classify(v, edges[1:])
    cls = pd.Series(idx, index=v.index, dtype="Int64").where(v.notna())
    whole = all(e.is_integer() for e in edges) and maps.value_step(v) == 1
    step = 1.0 if whole else 10.0 ** -max(_decimals(edges), 2 if maps.value_step(v) < 1 else 0)
    return cls, maps.class_labels(edges[1:], edges[0], step)


def _scale_bar_length(width_m: float) -> float:
    """A round scale-bar length about a fifth of the map width: 500 m, 1 km, 2 km…"""
    target = width_m / 5
    mag = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * mag <= target:
            return step * mag
    return mag


def map_png(
    gdf,
    value_col: str,
    title: str,
    breaks: Sequence[float] | None,
    attribution: str | Sequence[str],
    outline_gdf=None,
    *,
    label_col: str | None = None,
    legend_title: str | None = None,
    cmap: str = "viridis",
    dpi: int = 150,
    size: tuple[float, float] = (10, 8),
    no_data_label: str = "No data",
    provenance: Provenance | None = None,
) -> bytes:
    """A classed choropleth as PNG bytes: legend of class breaks, north arrow, scale bar and attribution.

    ``breaks`` are ascending class edges (None: quintiles). Each polygon is also labelled with its value
    (or ``label_col``) so nothing is read from colour alone. Drawn north up in British National Grid.
    """
    import matplotlib

    if provenance is not None and provenance.simulated and "simulated" not in title.lower():
        title = f"{title} (simulated records)"
    if provenance is not None:
        attribution = [provenance.short(), *([attribution] if isinstance(attribution, str) else attribution)]
    matplotlib.use("Agg")  # no display on a server or in a scheduled job
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrow, Patch, Rectangle

    data = gdf.to_crs(METRIC_CRS) if gdf.crs is not None else gdf
    values = pd.to_numeric(data[value_col], errors="coerce")
    edges = quantile_breaks(values) if breaks is None else sorted(float(b) for b in breaks)
    cls, labels = classify(values, edges)
    if cmap == "viridis":
        from svd.maps import palette_for

        # The on-screen map's colours for the same classes.
        colour_list = ["#{:02x}{:02x}{:02x}".format(*c) for c in palette_for(len(labels))]
    else:
        colours = plt.get_cmap(cmap, len(labels))
        colour_list = [matplotlib.colors.to_hex(colours(i)) for i in range(len(labels))]
    face = [NO_DATA_COLOUR if pd.isna(c) else colour_list[int(c)] for c in cls]

    fig, ax = plt.subplots(figsize=size, dpi=dpi)
    try:
        data.plot(ax=ax, color=face, edgecolor="white", linewidth=0.8)
        if outline_gdf is not None and len(outline_gdf):
            outline = outline_gdf.to_crs(METRIC_CRS) if outline_gdf.crs is not None else outline_gdf
            outline.boundary.plot(ax=ax, color="black", linewidth=1.6)
        dp = _decimals(edges)
        points = data.geometry.representative_point()
        for pt, val, c, lab in zip(
            points, values, cls, data[label_col] if label_col else values, strict=True
        ):
            if pd.isna(val) and not label_col:
                continue
            text = str(lab) if label_col else f"{val:,.{dp}f}"
            dark = not pd.isna(c) and int(c) < len(labels) / 2 and cmap in ("viridis", "cividis", "magma")
            ax.annotate(
                text, (pt.x, pt.y), ha="center", va="center", fontsize=7, color="white" if dark else "black"
            )
        ax.set_aspect("equal")
        ax.set_axis_off()
        # A long title (offence, filters, "simulated") is wrapped into lines, never cut off at the figure edge.
        # About 0.6 em per character: as many characters a line as the figure's width holds at that size.
        title_size = 14 if len(title) <= 2 * size[0] * 72 / (14 * 0.6) else 12
        title_lines = wrap_title(title, int(size[0] * 0.96 * 72 / (title_size * 0.6)))
        # At the figure's left edge, not the map axes' (narrower: the map keeps its aspect), so the width
        # the lines were wrapped to is the width they have.
        fig.suptitle("\n".join(title_lines), x=0.02, y=0.98, ha="left", va="top", fontsize=title_size)
        title_height = len(title_lines) * title_size * 1.3 / 72 / size[1]

        handles = [
            Patch(facecolor=colour_list[i], edgecolor="grey", label=labels[i]) for i in range(len(labels))
        ]
        if cls.isna().any():
            handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="grey", label=no_data_label))
        ax.legend(
            handles=handles,
            title=legend_title or value_col,
            loc="lower right",
            frameon=False,
            fontsize=9,
            title_fontsize=10,
        )

        # Room below the polygons for the scale bar, and at the right for the legend.
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        x1 += 0.3 * (x1 - x0)
        y0 -= 0.08 * (y1 - y0)
        w, h = x1 - x0, y1 - y0
        # North arrow: the map is in British National Grid, so grid north is up.
        ax.add_patch(
            FancyArrow(
                x1 - 0.05 * w,
                y1 - 0.16 * h,
                0,
                0.09 * h,
                width=0.012 * w,
                head_width=0.04 * w,
                head_length=0.04 * h,
                color="black",
                length_includes_head=True,
            )
        )
        ax.text(x1 - 0.05 * w, y1 - 0.19 * h, "N", ha="center", va="center", fontsize=12, fontweight="bold")
        ax.text(x1 - 0.05 * w, y1 - 0.22 * h, "north up", ha="center", va="center", fontsize=7)

        # Scale bar in metres along the bottom-left.
        length = _scale_bar_length(w)
        bx, by = x0 + 0.03 * w, y0 + 0.04 * h
        ax.add_patch(Rectangle((bx, by), length / 2, 0.012 * h, facecolor="black", edgecolor="black"))
        ax.add_patch(
            Rectangle((bx + length / 2, by), length / 2, 0.012 * h, facecolor="white", edgecolor="black")
        )
        unit = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
        ax.text(bx, by + 0.02 * h, "0", fontsize=8, ha="center", va="bottom")
        ax.text(bx + length, by + 0.02 * h, unit, fontsize=8, ha="center", va="bottom")
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)

        lines = [attribution] if isinstance(attribution, str) else list(attribution)
        fig.text(
            0.01, 0.01, "\n".join(lines), fontsize=6.5, color="#333333", ha="left", va="bottom", wrap=True
        )
        fig.subplots_adjust(left=0.02, right=0.98, top=0.96 - title_height, bottom=0.04 + 0.022 * len(lines))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    finally:
        plt.close(fig)
    return buf.getvalue()
