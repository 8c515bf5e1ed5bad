"""The monthly board pack: a PDF of the headline tiles, the trend, the ward map, methods and attribution.

``python -m svd board-pack --out pack.pdf [--month YYYY-MM]``. ``gather()`` computes everything from the data
directory (limited to months up to ``--month``, so an earlier month's pack can be reproduced);
``build_pdf()`` lays it out with fpdf2. Neither imports Streamlit.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from svd import config, strategy
from svd import metrics as mx
from svd import provenance as prov

PACK_TITLE = "Serious Violence Duty: board pack"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MIN_MONTHS = 24  # the latest 12 months and the 12 before them

POISSON_NOTE = (
    "Change: the latest 12 months are compared with the 12 before by a two-sided quasi-Poisson test on the "
    "24 monthly counts (the month-to-month variation beyond Poisson is estimated and allowed for; never "
    "less cautious than the exact Poisson test). 'Significant' means p < 0.05; anything else is reported as "
    "no significant change, however large the percentage looks. When a month of either window is missing, "
    "the periods are not compared."
)
BYAR_NOTE = (
    "Uncertainty: 95% confidence intervals for counts and rates are exact Poisson (Garwood) limits below 10 "
    "events and Byar's approximation from 10 (the PHE/OHID method). Rates are per 1,000 residents (Census 2021 usual residents; ward "
    "populations are the sum of their best-fit 2021 LSOAs)."
)
SHARE_NOTE = (
    "Shares (such as the share of serious violence between 3pm and 9pm) are compared with a quasi-binomial "
    "two-proportion test on the monthly shares of offences with a known time."
)
SUPPRESSION_NOTE = (
    'Small numbers: in public mode (SVD_PUBLIC=1) the dashboard shows counts of 1 to 4 as "<5" at LSOA level, '
    'and for sexual offences and domestic abuse also at ward level, and hides a second cell ("[c]") where a '
    "published total would let a reader work a hidden count out; rates of hidden counts are left blank. The "
    "serious-violence proxy includes rape and other sexual offences, so a public pack applies the same rule "
    "to its ward table and map."
)
LONDON_NOTE = (
    "London comparisons use every ward the Metropolitan Police publishes (the City of London has its own "
    "police force and is excluded from both the counts and the population)."
)

# Characters DejaVu has but the PDF core fonts do not: used only when DejaVu is not installed.
_ASCII = {
    "–": "-",
    "—": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "…": "...",
    "·": "-",
    "≥": ">=",
    "≤": "<=",
    "×": "x",
    "→": "->",
}


@dataclass(frozen=True)
class Tile:
    """One overview tile as the pack prints it."""

    title: str
    value: str
    change: str
    rate: str
    period: str
    simulated: bool
    source: str = ""  # the figure's provenance in one line ("Simulated records · Apr 2025 to Mar 2026")


@dataclass(frozen=True)
class PackData:
    """Everything the PDF shows, computed from the data; ``build_pdf`` only lays it out."""

    latest_month: pd.Timestamp
    period: str
    previous_period: str
    headline: str
    tiles: tuple[Tile, ...]
    trend_png: bytes | None
    monthly_table: pd.DataFrame
    map_png: bytes | None
    ward_table: pd.DataFrame
    records_label: str | None
    records_simulated: bool
    vintages: tuple[str, ...]
    gaps: tuple[str, ...]
    attribution: tuple[str, ...]
    proxy_note: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    generated: dt.date = field(default_factory=dt.date.today)
    evaluations: tuple = field(default_factory=tuple)  # svd.evaluate.Evaluation, one page each
    # Under a harm or cost measure (``measure_sentence``): what the trend and the map show, '' for counts.
    measure_label: str = ""
    trend_text: str = ""
    map_text: str = ""
    measure_method: str = ""  # the weights' method and source, for Methods and notes ('' for counts)

    @property
    def as_of(self) -> str:
        """'March 2026': the latest month in the pack."""
        return f"{self.latest_month:%B %Y}"


class DataMissing(RuntimeError):
    """The data the pack needs is not there (a one-line message for the command line)."""


# ----------------------------------------------------------------------------------------------- months


def parse_month(text: str | None) -> pd.Timestamp | None:
    """'2025-12' → Timestamp('2025-12-01'); None stays None; anything else is a ValueError."""
    if text is None:
        return None
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text.strip()):
        raise ValueError(f"--month must be YYYY-MM, got {text!r}")
    return pd.Timestamp(f"{text.strip()}-01")


def limit_months(df: pd.DataFrame, month: pd.Timestamp | None, col: str = "month") -> pd.DataFrame:
    """Rows whose month is on or before ``month`` (all rows when None)."""
    if month is None:
        return df
    return df[(df[col] <= month).to_numpy()]


# ------------------------------------------------------------------------------------------------ tiles


def tile_text(fig: mx.Figure) -> Tile:
    """The printed tile for a figure: value, change with its significance, rate and London rate."""
    from svd.overview import change_words, format_value, significance_words

    m = fig.metric
    if fig.previous is None or fig.current is None:
        change = "No earlier period to compare with."
    else:
        prev = f"{fig.previous:.0f}%" if m.unit == "percent" else f"{fig.previous:,.0f}"
        change = (
            f"{change_words(fig).capitalize()} (from {prev}) — {significance_words(fig.change_label, fig)}."
        )
    rate = ""
    if fig.rate_per_1000 is not None:
        rate = f"{fig.rate_per_1000:.2f} per 1,000 residents"
        if fig.london_rate_per_1000 is not None:
            rate += f" (London {fig.london_rate_per_1000:.2f})"
    return Tile(
        title=m.title,
        value=format_value(fig),
        change=change,
        rate=rate,
        period=fig.period,
        simulated=bool(fig.simulated),
        source=fig.provenance.short() if fig.provenance is not None else fig.period,
    )


# ------------------------------------------------------------------------------------------------ gather


def _ward_rates(
    borough: pd.DataFrame, ward_pop: pd.DataFrame, periods, metric_id: str = "serious_violence"
) -> pd.DataFrame:
    """A metric's offences (serious violence by default) and rate per 1,000 (95% CI, ``stats.count_interval``)
    per ward over the pack's latest 12 months."""
    from svd import aggregate as agg
    from svd.stats import rates_with_ci

    sv = mx.select_mps(borough, mx.metric(metric_id))
    tot = agg.period_totals(sv, periods, by=["area_code"]).rename(columns={"area_code": "ward_code"})
    out = ward_pop[["ward_code", "ward_name", "all_ages"]].merge(
        tot[["ward_code", "current", "previous"]], on="ward_code", how="left"
    )
    out = out.fillna({"current": 0, "previous": 0}).astype({"current": "int64", "previous": "int64"})
    out = rates_with_ci(out.rename(columns={"all_ages": "population"}), count_col="current")
    return out.sort_values("rate", ascending=False).reset_index(drop=True)


def public_ward_table(
    table: pd.DataFrame, public: bool | None = None, parts: dict[str, pd.DataFrame] | None = None
) -> pd.DataFrame:
    """The ward table as a public pack prints it (``svd.public``: the proxy includes sexual offences).

    ``parts``: the same table for each sensitive offence inside the proxy (rape, other sexual offences), so a
    ward is hidden wherever one of them is, as on the Sexual offences page.
    """
    from svd import public as pub

    tables = {**(parts or {}), "proxy": table}
    return pub.split_tables(tables, {"proxy": list(parts or {})}, public=public)["proxy"]


def ward_rows(table: pd.DataFrame) -> list[tuple[str, ...]]:
    """The printed cells of each ward: name, offences, previous, residents, rate, interval ("–" when hidden)."""

    def n(x) -> str:
        return x if isinstance(x, str) else f"{int(x):,}"

    def r(x) -> str:
        return "–" if pd.isna(x) else f"{x:.1f}"

    return [
        (
            str(row.ward_name),
            n(row.current),
            n(row.previous),
            f"{row.population:,.0f}",
            r(row.rate),
            "–" if pd.isna(row.rate_lower) else f"{row.rate_lower:.1f} – {row.rate_upper:.1f}",
        )
        for row in table.itertuples()
    ]


def _trend_png(borough: pd.DataFrame, measure: str = "count") -> bytes:
    """The monthly serious-violence trend chart (``trend_chart``) as PNG (via vl-convert)."""
    from svd.export import chart_png

    return chart_png(trend_chart(borough, measure), scale=2)


def trend_chart(borough: pd.DataFrame, measure: str = "count"):
    """The monthly serious-violence trend chart: offences, or under a harm or cost measure each month's weighted
    sum (``svd.harm.series``; ValueError with the reason when a category has no published weight)."""
    from svd import charts, harm, trends

    categories = mx.metric("serious_violence").categories
    if measure == "count":
        series, value = trends.monthly(borough, categories), "count"
        what = "offences"
    else:
        weighted = harm.series(borough, categories, measure)
        if weighted.frame is None:
            raise ValueError(weighted.reason)
        series, value, what = weighted.frame, weighted.value, harm.measure(measure).short
    return charts.trend_chart(
        series,
        title=f"Serious violence (proxy), {what} per month",
        description=f"Monthly serious-violence {what} in {config.borough().name}, MPS ward data.",
        value=value,
        value_title=harm.value_title(measure),
        events=[charts.CONNECT_EVENT],
        subtitle=f"{config.borough().name}, {series['month'].min():%b %Y} to {series['month'].max():%b %Y}"
        + (f"; {harm.price_basis()}" if measure == "cost" else ""),
        height=300,
    ).properties(width=720)


def measure_sentence(wf, fig: mx.Figure, figs, area: str = "the borough") -> str:
    """The pack's headline under a harm or cost measure, from the serious-violence proxy's weighted figure
    (``svd.harm.WeightedFigure``) and its count figure: the weighted total, its change in per cent without a
    significance label, and the offences behind it. When some of its offences have no published weight the
    weighted total is not given, the sentence says which, and the count's headline follows."""
    from svd import harm
    from svd.overview import headline

    m = harm.measure(wf.measure)
    if wf.current is None:
        n = wf.missing.count(
            " offences)"
        )  # the categories named on the tile ('Left out …: A (12 offences), …')
        return (
            f"Serious violence (the MPS-category proxy) in {area}: its {m.short} is not given, as {n} of its "
            f"categor{'y has' if n == 1 else 'ies have'} no published weight (named on its tile; never counted "
            "as 0), so the headline, trend and map count offences. " + headline(figs, area)
        )
    pct = wf.pct_change
    change = (
        f"There are no figures for {wf.previous_period} to compare with"
        if pct is None
        else f"{abs(pct):.0f}% {'higher' if pct > 0 else 'lower'} than in {wf.previous_period} "
        f"({harm.value_text(wf.previous, wf.measure)})"
    )
    return (
        f"Serious violence (the MPS-category proxy) in {area}, weighed by {m.short} "
        f"({harm.unit_text(wf.measure)}): {wf.value_text} in {wf.period}, {change} — "
        f"{harm.CHANGE_NOTE_SHORT.lower()}; {fig.current:,.0f} offences."
    )


def monthly_table(borough: pd.DataFrame, months: int = 12) -> pd.DataFrame:
    """The latest ``months`` months of serious violence beside the same month a year earlier: month, count, year_before."""
    from svd import trends

    series = trends.monthly(borough, mx.metric("serious_violence").categories)
    year_before = series.set_index("month")["count"].shift(12, freq="MS")
    out = series.tail(months)[["month", "count"]]
    return out.assign(year_before=out["month"].map(year_before).astype("Int64")).reset_index(drop=True)


def _records(data_dir: Path | None, month: pd.Timestamp | None):
    """(records frame up to ``month``, label, simulated) or (None, reason, False) when they cannot be read."""
    try:
        from svd.records import find_extract, load_records

        # The same records as the dashboard: SVD_EXTRACT when set, else the labelled simulation.
        rs = load_records(extract=find_extract(data_dir), data_dir=data_dir)
    except Exception as exc:  # noqa: BLE001 — the pack still has the published figures without the records
        return None, f"Record-level figures are not available ({exc}).", False
    return limit_months(rs.data, month), rs.label, rs.source == "simulated"


def weighted_tile(wf) -> Tile:
    """A weighted tile (``svd.harm.WeightedFigure``) as the pack prints it: the value in the measure's unit, the
    change in per cent without a significance test, what was left out; no rate (rates are of offences)."""
    from svd import harm

    change = f"{wf.change_text}. {harm.CHANGE_NOTE_SHORT}." + (f" {wf.missing}" if wf.missing else "")
    source = wf.provenance.short() if wf.provenance else wf.period
    return Tile(wf.title, wf.value_text, change, "", wf.period, False, source)


def gather(
    month: pd.Timestamp | None = None,
    data_dir: Path | None = None,
    public: bool | None = None,
    measure: str = "count",
) -> PackData:
    """Compute the pack's contents from the data directory, using months up to ``month`` (default: all).

    ``public`` (default: ``SVD_PUBLIC``) suppresses small ward counts in the table and on the map. ``measure``
    (``svd.harm.MEASURES``) weighs the MPS tiles as the Overview's switch does; public mode offers the count
    only (ValueError otherwise).
    """
    from svd import harm
    from svd import public as pub

    harm.measure(measure)
    if measure != "count" and (pub.is_public() if public is None else public):
        raise ValueError(
            "public mode shows counts only: a weighted total would give back the counts it hides"
        )
    from svd import aggregate as agg
    from svd import catalogue, geo, overview, population, trends
    from svd.export import map_png
    from svd.mps import load_mps
    from svd.taxonomy import PROXY_NOTE

    missing = catalogue.missing_required(data_dir)
    if missing:
        raise DataMissing("; ".join(p for c in missing for p in c.problems))

    merged = load_mps(level="ward", data_dir=data_dir)
    london = limit_months(merged.table, month)
    pops = population.london_populations(data_dir)
    borough_name = str(pops.loc[pops["borough_code"] == config.borough().code, "borough_name"].iloc[0])
    borough = london[(london["borough_name"] == borough_name).to_numpy()]
    months = pd.DatetimeIndex(borough["month"].unique()).sort_values()
    if len(months) == 0:
        raise DataMissing(
            f"no MPS ward data for {config.borough().name} up to {month:%Y-%m}"
            if month is not None
            else f"no MPS ward data for {config.borough().name}"
        )
    if month is not None and months[-1] < month:
        raise DataMissing(f"no data for {month:%Y-%m}: the latest month available is {months[-1]:%Y-%m}")
    if len(months) < MIN_MONTHS:
        raise DataMissing(
            f"the pack needs {MIN_MONTHS} months of data up to the chosen month; "
            f"only {len(months)} ({months[0]:%Y-%m} to {months[-1]:%Y-%m})"
        )

    borough_pop, london_pop = overview.populations(pops)
    records, records_label, simulated = _records(data_dir, month)
    # London as the MPS reports it (32 boroughs), exactly as ``svd summary`` and the overview count it.
    figs = overview.tile_figures(borough, records, borough_pop, simulated, mx.london_rows(london), london_pop)
    heavy = harm.tile_figures(borough, measure) if measure != "count" else {}
    tiles = tuple(
        weighted_tile(heavy[mid]) if mid in heavy else tile_text(figs[mid])
        for mid in overview.TILES
        if mid in figs
    )
    notes: list[str] = []
    # Under a measure the weights' method and source are under Methods and notes (``measure_method``): the
    # headline names the measure, and the tiles keep to one page.
    # The headline, trend and map follow the measure when every offence of the proxy has a published weight
    # (as its tile: a total of part of the offences would read as the whole); else they count, and say why.
    sv_weighted = heavy.get("serious_violence")
    weighed = sv_weighted is not None and sv_weighted.current is not None
    if records is None:
        notes.append(records_label)
        records_label = None

    periods = agg.latest_periods(borough["month"])
    ward_pop = population.ward_population(data_dir)
    parts = {m: _ward_rates(borough, ward_pop, periods, m) for m in ("rape", "other_sexual")}
    rates = public_ward_table(_ward_rates(borough, ward_pop, periods), public, parts)
    wards = geo.wards(data_dir).merge(rates, on=["ward_code"], how="left", suffixes=("", "_pop"))
    attribution = tuple(catalogue.attribution_lines())
    if weighed:
        wards, map_args, map_text = _weighted_wards(wards, borough, periods, measure)
    else:
        map_args = dict(
            value_col="rate",
            title=f"Serious violence (proxy) per 1,000 residents by ward, {periods.label}",
            legend_title="Offences per 1,000 residents\n(quintiles)",
            provenance=prov.mps(periods.label, method=f"rate {prov.RATE_DENOMINATOR}"),
        )
        map_text = ""
    ward_map = map_png(
        wards,
        map_args.pop("value_col"),
        map_args.pop("title"),
        None,
        attribution,
        geo.borough_outline(data_dir),
        **map_args,
    )
    used = [s for s in merged.sources if s.get("level", "ward") == "ward"]
    vintages = tuple(sorted({str(s.get("vintage")) for s in used if s.get("vintage")}))
    return PackData(
        latest_month=months[-1],
        period=periods.label,
        previous_period=periods.previous_label,
        headline=measure_sentence(sv_weighted, figs["serious_violence"], figs)
        if sv_weighted is not None
        else overview.headline(figs),
        tiles=tiles,
        trend_png=_trend_png(borough, measure if weighed else "count"),
        monthly_table=monthly_table(borough),
        map_png=ward_map,
        ward_table=rates,
        records_label=records_label,
        records_simulated=simulated,
        vintages=vintages,
        gaps=tuple(g for g in merged.gaps if month is None or pd.Timestamp(f"{g}-01") <= month),
        attribution=attribution,
        proxy_note=PROXY_NOTE,
        notes=(*notes, trends.CONNECT_NOTE),
        measure_label=harm.measure(measure).short if weighed else "",
        measure_method=harm.method_text(measure)[:1].upper() + harm.method_text(measure)[1:] if heavy else "",
        trend_text=_trend_text(measure) if weighed else "",
        map_text=map_text,
    )


def _trend_text(measure: str) -> str:
    """The trend page's sentence under a weighted measure: what is plotted, whose weights, no test."""
    from svd import harm

    m = harm.measure(measure)
    return (
        f"{m.short[:1].upper()}{m.short[1:]} per month ({harm.unit_text(measure)}) of the five MPS categories "
        f"that stand in for serious violence: each month's offences in a category times its weight ({m.source}"
        f"). {harm.CHANGE_NOTE_SHORT}: no significance label. The dashed line marks the MPS move to its "
        "CONNECT recording system in March 2024. The table below counts offences."
    )


def _weighted_wards(wards, borough: pd.DataFrame, periods, measure: str):
    """The ward map under a weighted measure: each ward's weighted serious-violence total over the latest 12
    months (not per resident: a rate of a weighted sum is not comparable between areas, ``harm.COUNT_ONLY``).
    Costs are mapped in £ thousands so the ward labels stay short. Returns (wards, map arguments, sentence)."""
    from svd import harm

    m = harm.measure(measure)
    sv = mx.select_mps(borough, mx.metric("serious_violence"))
    values = harm.mps_area_values(sv[sv["month"].isin(periods.current)], measure)
    out = harm.with_weighted(wards.rename(columns={"ward_code": "area_code"}), values)
    scale, unit = (
        (1000.0, f"£ thousands, {harm.price_basis().split(' (')[0]}")
        if measure == "cost"
        else (
            1.0,
            harm.unit_text(measure),
        )
    )
    # Whole units on the map and in its legend (a ward's cost to the nearest £1,000).
    out = out.rename(columns={"area_code": "ward_code"}).assign(mapped=(out["weighted"] / scale).round(0))
    short = m.short[:1].upper() + m.short[1:]
    args = dict(
        value_col="mapped",
        title=f"Serious violence (proxy): {m.short} by ward ({unit}), {periods.label}",
        legend_title=f"{short}, {'£ thousands' if measure == 'cost' else m.unit}\n(quintiles)",
        provenance=prov.mps(periods.label, method=harm.method_text(measure).rstrip(".")),
    )
    text = (
        f"The map shows each ward's total {m.short}, not per resident (a rate of a weighted sum is not "
        "comparable between areas); the table counts offences."
    )
    return out, args, text


# ----------------------------------------------------------------------------------------------- layout


def _pdf_class():
    from fpdf import FPDF

    class _Pack(FPDF):
        """A4 portrait with a running footer."""

        footer_text = ""

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(self.font_family, "", 8)
            self.set_text_color(90)
            self.cell(0, 6, self.footer_text, align="L")
            self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="R")
            self.set_text_color(0)

    return _Pack


def add_fonts(pdf, font_dir: Path = FONT_DIR) -> tuple[str, bool]:
    """Register DejaVu Sans (Unicode: £, – and —) when installed; else core Helvetica. Returns (family, unicode)."""
    regular, bold = font_dir / "DejaVuSans.ttf", font_dir / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu", True
    return "Helvetica", False


def ascii_text(text: str) -> str:
    """Text safe for the core PDF fonts (latin-1): dashes and quotes replaced, anything else as '?'."""
    for a, b in _ASCII.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def build_pdf(data: PackData, font_dir: Path = FONT_DIR):
    """The board pack as an fpdf2 document (call ``.output(path)`` to write it)."""
    pdf = _pdf_class()(orientation="P", unit="mm", format="A4")
    family, unicode = add_fonts(pdf, font_dir)

    def t(s: str) -> str:
        return s if unicode else ascii_text(s)

    pdf.set_title(t(f"{PACK_TITLE}, {data.period}"))
    pdf.set_author(t(config.borough().partnership))
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_margins(18, 18, 18)
    pdf.footer_text = t(f"{PACK_TITLE} · {data.period} · data as of {data.as_of}")
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text: str, size: int = 18) -> None:
        pdf.set_font(family, "B", size)
        pdf.multi_cell(width, size * 0.5, t(text), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(3)

    def para(
        text: str, size: float = 10.5, bold: bool = False, colour: tuple[int, int, int] = (0, 0, 0)
    ) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(width, size * 0.5, t(text), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_text_color(0)
        pdf.ln(2)

    simulated_banner = ("SIMULATED record-level data. " + prov.simulation_sentence()).strip()

    # 1. Title page
    pdf.add_page()
    pdf.ln(45)
    para(config.borough().partnership, 14, bold=True, colour=(0, 60, 110))
    pdf.ln(4)
    heading(PACK_TITLE, 26)
    pdf.ln(6)
    para(f"Period: {data.period} (compared with {data.previous_period})", 13)
    para(f"Data as of {data.as_of}", 13)
    para(
        f"Produced {data.generated:%d %B %Y} by the Serious Violence Duty dashboard.", 11, colour=(80, 80, 80)
    )
    pdf.ln(8)
    if data.records_simulated:
        para(simulated_banner, 11, bold=True, colour=(170, 40, 0))
    pdf.ln(8)
    para("Contents", 12, bold=True)
    for line in (
        "1. Headline figures",
        "2. Monthly trend",
        "3. Ward map and table",
        *(
            ["3a. Evaluations: " + "; ".join(e.definition.name for e in data.evaluations)]
            if data.evaluations
            else []
        ),
        "4. Methods and notes",
        "5. Sources and attribution",
    ):
        para(line, 11)

    # 2. Overview tiles
    pdf.add_page()
    heading("Headline figures")
    para(data.headline, 12)
    if data.records_simulated:
        para(simulated_banner, 9.5, bold=True, colour=(170, 40, 0))
    for note in data.notes[:-1]:
        para(note, 9.5, colour=(170, 40, 0))
    gap = 5
    box_w = (width - gap) / 2
    box_h = 46
    for i, tile in enumerate(data.tiles):
        col = i % 2
        if col == 0:
            if pdf.get_y() + box_h > pdf.h - pdf.b_margin:
                pdf.add_page()
            y = pdf.get_y()
        x = pdf.l_margin + col * (box_w + gap)
        pdf.set_draw_color(150)
        pdf.rect(x, y, box_w, box_h)
        pdf.set_xy(x + 3, y + 3)
        size = (
            10.5  # a weighted tile's title carries its measure: shrink it to fit the box rather than overrun
        )
        pdf.set_font(family, "B", size)
        while size > 6.5 and pdf.get_string_width(t(tile.title)) > box_w - 6:
            size -= 0.5
            pdf.set_font(family, "B", size)
        pdf.cell(box_w - 6, 5, t(tile.title))
        pdf.set_xy(x + 3, y + 9)
        pdf.set_font(family, "B", 22)
        pdf.cell(box_w - 6, 10, t(tile.value))
        if tile.simulated:
            pdf.set_xy(x + 3, y + 9)
            pdf.set_font(family, "B", 9)
            pdf.set_text_color(170, 40, 0)
            pdf.cell(box_w - 6, 10, "SIMULATED", align="R")
            pdf.set_text_color(0)
        pdf.set_xy(x + 3, y + 20)
        body = t("\n".join(s for s in (tile.change, tile.rate, tile.source) if s))
        # A weighted tile names what it leaves out: a smaller type where that would overrun the box.
        size = 8.5
        while True:
            pdf.set_font(family, "", size)
            lines = pdf.multi_cell(box_w - 6, size * 0.47, body, dry_run=True, output="LINES")
            if len(lines) * size * 0.47 <= box_h - 22 or size <= 6:
                break
            size -= 0.5
        pdf.multi_cell(box_w - 6, size * 0.47, body, align="L")
        if col == 1 or i == len(data.tiles) - 1:
            pdf.set_xy(pdf.l_margin, y + box_h + gap)

    # 3. Trend
    pdf.add_page()
    heading(
        "Monthly trend: serious violence (proxy)" + (f", {data.measure_label}" if data.measure_label else "")
    )
    para(
        data.trend_text
        or "Offences per month in the five MPS categories that stand in for serious violence. The dashed line "
        "marks the MPS move to its CONNECT recording system in March 2024.",
        10.5,
    )
    if data.trend_png:
        pdf.image(_image(data.trend_png), w=width)
    else:
        para("The trend chart could not be drawn.", 10.5, colour=(170, 40, 0))
    pdf.ln(4)
    _monthly_table(pdf, family, t, data.monthly_table, width)

    # 4. Map and ward table
    pdf.add_page()
    heading("Serious violence by ward" + (f", {data.measure_label}" if data.measure_label else ""))
    if data.map_text:
        para(data.map_text, 9.5)
    if data.map_png:
        # A little narrower under a measure, so the sentence above and the ward table keep to one page.
        pdf.image(_image(data.map_png), w=width * (0.88 if data.map_text else 1))
    pdf.ln(2)
    _ward_table(pdf, family, t, data.ward_table, width, data.period)
    for e in data.evaluations:
        evaluation_page(pdf, family, t, e, width)

    # 5. Methods
    pdf.add_page()
    heading("Methods and notes")
    para("Serious violence (proxy)", 11.5, bold=True)
    para(data.proxy_note)
    para("Statistics", 11.5, bold=True)
    for note in (POISSON_NOTE, BYAR_NOTE, SHARE_NOTE, LONDON_NOTE):
        para(note)
    para("Data vintages", 11.5, bold=True)
    para(
        "The MPS republishes its ward files each month and revises recent months; where releases overlap the "
        "most recent release is used. Releases used: " + ("; ".join(data.vintages) or "not recorded") + "."
    )
    if data.gaps:
        para("Months missing from the published series: " + ", ".join(data.gaps) + ".")
    for note in data.notes[-1:]:
        para(note)
    para("Small-number suppression", 11.5, bold=True)
    para(SUPPRESSION_NOTE)
    para("Record-level data", 11.5, bold=True)
    para(
        data.records_label or "Record-level figures are not included in this pack.",
        colour=(170, 40, 0) if data.records_simulated else (0, 0, 0),
    )

    # 6. Sources and attribution
    pdf.add_page()
    heading("Sources and attribution")
    if data.measure_method:  # the weights are a source: here, where the Methods page has room
        para("Harm and cost weights", 11.5, bold=True)
        para(data.measure_method)
    for line in (
        "Metropolitan Police Service recorded crime by ward and month (London Datastore).",
        "Census 2021 usual residents (ONS), for rates per 1,000 residents.",
        "ONS ward and LSOA boundaries (May 2022 wards, 2021 LSOAs).",
        *(
            [f"{strategy.citation()} and its 2023 Strategic Needs Assessment."]
            if strategy.available()
            else []
        ),
    ):
        para("• " + line)
    pdf.ln(3)
    para("Attribution", 11.5, bold=True)
    for line in data.attribution:
        para(line, 10)
    return pdf


def evaluation_page(pdf, family: str, t, e, width: float) -> None:
    """A page for one evaluation (``svd.evaluate.Evaluation``): conclusions, before/after table, the
    month-by-month chart, the power note, the method and the source, so a reader can reproduce the figures."""
    from svd import evaluate as ev
    from svd.export import chart_png

    def para(
        text: str, size: float = 10, bold: bool = False, colour: tuple[int, int, int] = (0, 0, 0)
    ) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(width, size * 0.5, t(text), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_text_color(0)
        pdf.ln(1.5)

    pdf.add_page()
    para(f"Evaluation: {e.definition.name}", 16, bold=True)
    para(
        f"{e.offence_title}; treated: {', '.join(e.names.get(c, c) for c in e.treated)}; from "
        f"{pd.Timestamp(e.definition.start + '-01'):%B %Y}.",
        10.5,
    )
    if e.provenance.simulated:  # said first, in red: a demonstration of the method, not a result
        para(ev.DEMONSTRATION, 10.5, bold=True, colour=(170, 40, 0))
    window = ev.window_words(e.definition)
    if window:
        para(f"Time window: {window}.", 10.5)
    for sentence in e.conclusions[:2]:
        para(sentence, 10.5)
    para(e.power_note, 9.5, colour=(170, 40, 0) if len(e.months_before) < ev.SHORT_PRE_MONTHS else (0, 0, 0))
    areas = e.table.columns[1]  # "Wards", or "Areas" for LSOAs and places
    head = (
        "Area",
        areas,
        "Before",
        "After",
        "A month before",
        "A month after",
        "Rate before",
        "Rate after",
    )
    cols = ("Area", areas, "Offences before", "Offences after", "A month before", "A month after",
            "Rate before", "Rate after")  # fmt: skip
    pdf.set_font(family, "", 8)
    with pdf.table(
        col_widths=(20, 44, 12, 12, 14, 14, 13, 13),
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=4.2,
        width=width,
        first_row_as_headings=True,
    ) as tbl:
        for row in (head, *e.table[list(cols)].itertuples(index=False)):
            r = tbl.row()
            for cell in row:
                r.cell(
                    t(
                        "–"
                        if cell is None or cell != cell
                        else f"{cell:,}"
                        if isinstance(cell, int)
                        else str(cell)
                    )
                )
    para(f"Rates: {ev.RATE_WORDS}.", 8.5)
    try:
        png = chart_png(ev.its_chart(e).properties(width=720), scale=2)
        pdf.image(_image(png), w=width * 0.85)  # leaves room for the method on the same page
    except Exception:  # noqa: BLE001 — a chart that cannot be drawn never stops the pack
        para("The month-by-month chart could not be drawn.", 9.5, colour=(170, 40, 0))
    para(e.conclusions[2], 9)
    para("Method: " + e.method + ".", 8.5)
    para(e.provenance.but(method=None).text(), 8.5)  # the method is stated just above


def _image(png: bytes):
    import io

    return io.BytesIO(png)


def _monthly_table(pdf, family: str, t, table: pd.DataFrame, width: float) -> None:
    """The latest months' counts beside the same month a year earlier."""
    pdf.set_font(family, "B", 9.5)
    pdf.multi_cell(
        width,
        5,
        t("Serious violence (proxy) by month, with the same month a year earlier"),
        new_x="LMARGIN",
        new_y="NEXT",
        align="L",
    )
    pdf.ln(1)
    pdf.set_font(family, "", 9)

    def n(x) -> str:
        return "–" if pd.isna(x) else f"{int(x):,}"

    with pdf.table(
        col_widths=(30, 20, 20, 20),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=4.8,
        width=width * 0.7,
        align="LEFT",
        first_row_as_headings=True,
    ) as tbl:
        for row in (
            ("Month", "Offences", "A year earlier", "Change"),
            *(
                (
                    f"{r.month:%B %Y}",
                    n(r.count),
                    n(r.year_before),
                    "–"
                    if pd.isna(r.count) or pd.isna(r.year_before)
                    else f"{int(r.count) - int(r.year_before):+,}",
                )
                for r in table.itertuples()
            ),
        ):
            cells = tbl.row()
            for cell in row:
                cells.cell(t(cell))


def _ward_table(pdf, family: str, t, table: pd.DataFrame, width: float, period: str) -> None:
    """Ward, offences (latest 12 months), residents and rate per 1,000 with its 95% interval."""
    pdf.set_font(family, "B", 9.5)
    pdf.multi_cell(
        width,
        5,
        t(f"Wards by serious-violence rate, {period} (highest first)"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(1)
    rows = ward_rows(table)
    head = ("Ward", "Offences", "Previous 12m", "Residents", "Rate per 1,000", "95% interval")
    pdf.set_font(family, "", 8.5)
    with pdf.table(
        col_widths=(34, 14, 16, 15, 16, 20),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=4.6,
        width=width,
        first_row_as_headings=True,
    ) as tbl:
        for row in (head, *rows):
            r = tbl.row()
            for cell in row:
                r.cell(t(cell))


# ------------------------------------------------------------------------------------------------- main


def write_pack(
    out: Path,
    month: pd.Timestamp | None = None,
    data_dir: Path | None = None,
    evaluations: tuple[str, ...] = (),
    measure: str = "count",
) -> PackData:
    """Gather the data and write the PDF to ``out``; returns what was written. ``evaluations``: names of saved
    evaluations (``svd.evaluate``) to add, one page each, on the months up to ``month``; ``measure``: the
    headline tiles' measure (``gather``)."""
    from dataclasses import replace

    from svd import evaluate as ev
    from svd import public as pub

    chosen = [ev.load_evaluation(name) for name in evaluations]  # an unknown name fails before the work
    if (
        pub.is_public()
    ):  # as the Evaluate page and the CLI: no sensitive offence group (svd.evaluate.for_public)
        chosen = [d for d in (ev.for_public(c)[0] for c in chosen) if d is not None]
    data = gather(month, data_dir, measure=measure)
    if chosen:
        data = replace(data, evaluations=tuple(ev.run(d, data_dir, month) for d in chosen))
    pdf = build_pdf(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))
    return data


def main_board_pack(
    out: Path, month: str | None, evaluations: tuple[str, ...] = (), measure: str = "count"
) -> int:
    """The ``board-pack`` command: 0 and the PDF written, or 1 and a one-line error on stderr."""
    try:
        when = parse_month(month)
        data = write_pack(Path(out), when, evaluations=tuple(evaluations), measure=measure)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 1
    except (DataMissing, ValueError, FileNotFoundError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 — a scheduled job logs a sentence, never a traceback
        print(f"error: the board pack could not be made: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({data.period}, data as of {data.as_of})")
    return 0
