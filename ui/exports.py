"""Download buttons for charts (PNG, SVG), tables (CSV, xlsx) and the map (static PNG), for any page to call.

The files are built only when a button is clicked (Streamlit calls the data function then), and cached by
content, so rendering a page never pays for exports nobody asked for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from svd import catalogue, export, public
from svd.provenance import EXTRACT, Provenance
from svd.store import DOWNLOAD
from ui import present

PNG = "image/png"
SVG = "image/svg+xml"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def slug(name: str) -> str:
    """A safe file stem: 'Serious violence, 2025' → 'serious-violence-2025'."""
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return s or "download"


@st.cache_data(show_spinner=False, max_entries=64)
def _png_from_spec(spec: str) -> bytes:
    import vl_convert as vlc

    return bytes(vlc.vegalite_to_png(spec, scale=2))


@st.cache_data(show_spinner=False, max_entries=64)
def _svg_from_spec(spec: str) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec)


def chart_downloads(
    chart, name: str, key: str | None = None, *, provenance: Provenance | None = None
) -> None:
    """'PNG' and 'SVG' download buttons for an altair chart or its Vega-Lite dict (rendered offline by vl-convert).

    A dict may carry its datasets as frames or Arrow tables (``svd.charts.spec_with_rows``); they are written
    out as JSON records only when a button is clicked. The dict must not be changed after this call.
    """
    stem = slug(name)
    key = key or f"dl-chart-{stem}"
    try:
        # The spec fixes the file: theme and data are baked in now, as drawn.
        spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
        spec = export.spec_with_provenance(spec, provenance)
    except Exception as exc:  # noqa: BLE001 — an export problem never breaks the page
        st.caption(f"Chart downloads unavailable: {exc}")
        return

    def text() -> str:
        from svd.charts import spec_json_ready

        return json.dumps(spec_json_ready(spec))

    with st.container(horizontal=True, gap="small"):
        st.download_button(
            "PNG",
            lambda: _png_from_spec(text()),
            file_name=f"{stem}.png",
            mime=PNG,
            key=f"{key}-png",
            icon=":material/image:",
            on_click="ignore",
            help="Download the chart as a PNG image (for board papers).",
        )
        st.download_button(
            "SVG",
            lambda: _svg_from_spec(text()),
            file_name=f"{stem}.svg",
            mime=SVG,
            key=f"{key}-svg",
            icon=":material/draw:",
            on_click="ignore",
            help="Download the chart as an SVG vector image.",
        )


def _audited(make, provenance: Provenance, what: str):
    """``make`` (a download's deferred data), writing an audit entry when it runs if the table rests on the
    partnership's records (who is taken now: the download itself runs outside the page's run)."""
    if provenance.kind != EXTRACT:
        return make
    from ui import access

    by = access.who()

    def audited():
        access.audit(DOWNLOAD, what, by=by)
        return make()

    return audited


def table_downloads(
    df: pd.DataFrame | Mapping[str, pd.DataFrame],
    name: str,
    key: str | None = None,
    label: str | None = None,
    *,
    provenance: Provenance,
) -> None:
    """'CSV' and 'Excel' download buttons for a table (or several tables: one CSV of the first, all in xlsx).

    ``label`` names the table on the buttons ("Totals (CSV)") where the buttons do not sit under it.
    ``provenance`` is required: every CSV opens with a metadata block and every workbook has an "About this
    data" sheet (source, period, filters, generated date, "SIMULATED" where it is).
    """
    if not isinstance(provenance, Provenance):
        raise TypeError("table_downloads needs the table's provenance (svd.provenance.Provenance)")
    stem = slug(name)
    key = key or f"dl-table-{stem}"
    frames = dict(df) if isinstance(df, Mapping) else {name[:31] or "Table": df}
    # Plain column names and rounded values, as on screen (ui.present.readable).
    frames = {sheet: present.readable(frame) for sheet, frame in frames.items()}
    first = next(iter(frames.values())) if frames else pd.DataFrame()
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            f"{label} (CSV)" if label else "CSV",
            _audited(lambda: export.table_csv(first, provenance), provenance, f"{name} (CSV)"),
            file_name=f"{stem}.csv",
            mime=CSV,
            key=f"{key}-csv",
            icon=":material/download:",
            on_click="ignore",
            help="Download the table as CSV (UTF-8).",
        )
        st.download_button(
            f"{label} (Excel)" if label else "Excel",
            _audited(lambda: export.table_xlsx(frames, provenance), provenance, f"{name} (Excel)"),
            file_name=f"{stem}.xlsx",
            mime=XLSX,
            key=f"{key}-xlsx",
            icon=":material/table_view:",
            on_click="ignore",
            help="Download the table as an Excel workbook.",
        )


def map_download(
    gdf,
    value_col: str,
    title: str,
    name: str,
    breaks: Sequence[float] | None = None,
    outline_gdf=None,
    attribution: Sequence[str] | None = None,
    key: str | None = None,
    *,
    provenance: Provenance,
    **map_kwargs,
) -> None:
    """A 'Map (PNG)' button: svd.export.map_png of ``gdf`` (legend, scale bar, north arrow, attribution).

    Drawn only when clicked (a matplotlib map takes about a second); ``gdf`` may be a function returning the
    frame, so that joining it is left until then too. Attribution defaults to the catalogue's.
    """
    stem = slug(name)
    lines = list(attribution) if attribution is not None else catalogue.attribution_lines()

    def data() -> bytes:
        shapes = gdf() if callable(gdf) else gdf
        return export.map_png(
            shapes, value_col, title, breaks, lines, outline_gdf, provenance=provenance, **map_kwargs
        )

    st.download_button(
        "Map (PNG)",
        data,
        file_name=f"{stem}.png",
        mime=PNG,
        key=key or f"dl-map-{stem}",
        icon=":material/map:",
        on_click="ignore",
        help="Download a static map with legend, scale bar, north arrow and attribution.",
    )


def show_chart(
    chart, name: str, key: str | None = None, downloads: bool = True, *, provenance: Provenance
) -> None:
    """An altair chart (or its Vega-Lite dict) at full width with its PNG and SVG buttons underneath.

    In presentation mode the chart is drawn with ``theme=None`` so the large-type altair theme
    (``ui.present``) applies; otherwise Streamlit's own theme, which overrides altair's, is kept. The spec is
    built once without JSON-schema validation, which is most of altair's cost on a rerun: the chart builders
    in ``svd`` are fixed code whose specs the tests validate. A dict (e.g. ``svd.charts.spec_with_rows``: a
    template built once with this rerun's rows) is drawn as it is; it must not be changed afterwards.
    ``provenance`` is required: a simulated chart's subtitle says so, and long titles wrap (never cut off).
    """
    try:
        spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
        spec = export.spec_with_provenance(spec, provenance)
    except Exception as exc:  # noqa: BLE001 — a chart that cannot be built is a message, not a traceback
        st.error(f"The chart '{name}' could not be drawn: {exc}", icon=":material/error:")
        return
    st.vega_lite_chart(spec, width="stretch", theme=None if present.is_presenting() else "streamlit")
    if downloads:
        chart_downloads(spec, name, key, provenance=provenance)


def show_table(
    df: pd.DataFrame,
    name: str,
    key: str | None = None,
    downloads: bool = True,
    *,
    provenance: Provenance | None,
    **dataframe_kwargs,
) -> None:
    """A table (``ui.present.table``: plain column names, index hidden) with its CSV and Excel buttons underneath.

    Pass the frame as the public may see it (``svd.public.apply``): the screen and the files then agree.
    ``provenance`` goes into the downloads (None only with ``downloads=False``).
    """
    present.table(df, dataframe_kwargs.pop("column_config", None), **dataframe_kwargs)
    if downloads:
        table_downloads(df, name, key, provenance=provenance)


def public_notice() -> None:
    """The public-mode note (what is suppressed and why), shown only when public mode is on."""
    if public.is_public():
        st.info(public.PUBLIC_NOTE, icon=":material/visibility_off:")
