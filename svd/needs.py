"""A draft of next year's Strategic Needs Assessment (SNA), computed from the current data.

``python -m svd needs-assessment --out draft.docx|draft.pdf [--month YYYY-MM]``. ``gather()`` builds the
sections of the 2023 SNA (place and population; violence affecting under-25s; domestic abuse; sexual violence;
harm and cost; cross-border; data gaps). Every finding is computed by the functions the pages use
(``svd.figures`` for the page tiles, ``svd.profiles``, ``svd.hotspots``, ``svd.population``) and set beside the
2023 published figure (``data/strategy.json`` via ``svd.strategy``); every finding carries its ``Provenance``.
``write_docx()`` and ``build_pdf()`` only lay the draft out. Neither imports Streamlit.

Charts are vector graphics in the PDF (vl-convert SVG drawn by fpdf2). python-docx cannot insert SVG (Word
needs an ``asvg:svgBlip`` extension python-docx does not write), so the Word file embeds a PNG at 300 dpi.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from svd import config, strategy
from svd import provenance as prov
from svd.provenance import Provenance

TITLE = "Serious Violence Strategic Needs Assessment: draft"
LANGUAGE = "en-GB"
COMMENTARY = "Commentary"
COMMENTARY_HINT = "For the analyst: interpretation, context and recommendations for this section."
NOT_YET = "Not yet computed by this version of the dashboard"
PNG_SCALE = 300 / 72  # vl-convert draws at 72 dpi at scale 1: this gives 300 dpi in the Word file
DOCX_NOTE = (
    "Charts in this Word file are PNG images at 300 dpi: Word files written by python-docx cannot hold SVG. "
    "The PDF version has the same charts as vector graphics."
)


# ------------------------------------------------------------------------------------------------ types


@dataclass(frozen=True)
class Finding:
    """One finding: the figure now, the 2023 published figure beside it, and where the figure comes from.

    ``figure``: (page, id) of the ``svd figures`` tile this finding is, when it is one (the tests compare them).
    ``statistic``: a test label, only where the computing function gives one (never invented here).
    """

    id: str
    label: str
    value: float | None
    display: str
    provenance: Provenance
    reference_id: str | None = None
    statistic: str | None = None
    figure: tuple[str, str] | None = None

    @property
    def reference(self) -> dict | None:
        """The 2023 published figure (``data/strategy.json``), or None when the SNA gave none."""
        return strategy.reference(self.reference_id) if self.reference_id else None

    def reference_display(self) -> str:
        """'52% (24 months to May 2023)', or '–' when there is no published figure."""
        ref = self.reference
        if ref is None:
            return "–"
        return f"{format_reference(ref)} ({ref['period']})"


@dataclass(frozen=True)
class Chart:
    """A chart with its title, alternative text and provenance (an altair chart, rendered on output)."""

    title: str
    alt: str
    chart: object
    provenance: Provenance


@dataclass(frozen=True)
class Table:
    """A small table: a title, a header row and rows of text."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    provenance: Provenance | None = None
    widths: tuple[float, ...] | None = (
        None  # relative column widths in the PDF (default: names twice as wide)
    )


@dataclass(frozen=True)
class Section:
    """One section of the draft, in the SNA's order."""

    id: str
    title: str
    intro: str
    findings: tuple[Finding, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    gaps: tuple[str, ...] = ()
    points: tuple[str, ...] = ()  # findings in sentences, from the computing function (bullets)

    @property
    def simulated(self) -> bool:
        """True when any finding, table or chart of the section rests on simulated records."""
        provs = [f.provenance for f in self.findings] + [c.provenance for c in self.charts]
        provs += [t.provenance for t in self.tables if t.provenance is not None]
        return any(p.simulated for p in provs)


@dataclass(frozen=True)
class Draft:
    """The whole draft: what ``write_docx`` and ``build_pdf`` lay out."""

    latest_month: pd.Timestamp
    period: str
    previous_period: str
    records_label: str
    records_simulated: bool
    sections: tuple[Section, ...]
    generated: dt.date = field(default_factory=dt.date.today)

    @property
    def title(self) -> str:
        """'Serious Violence Strategic Needs Assessment: draft, Apr 2025 to Mar 2026'."""
        return f"{TITLE}, {self.period}"

    def findings(self) -> list[Finding]:
        """Every finding of every section, in order."""
        return [f for s in self.sections for f in s.findings]


@dataclass
class Context:
    """The data a section builder needs, limited to the months up to the draft's month."""

    ward: pd.DataFrame  # MPS ward counts, Barking and Dagenham, classified
    london: pd.DataFrame  # MPS ward counts, every London ward
    borough_file: pd.DataFrame  # MPS borough file
    populations: pd.DataFrame
    ward_population: pd.DataFrame
    records: pd.DataFrame
    simulated: bool
    record_set: object
    start: pd.Timestamp
    end: pd.Timestamp
    gaps: tuple[str, ...]
    data_dir: Path | None = None

    @property
    def periods(self):
        """The chosen months and the same months a year earlier (``aggregate.periods_for``)."""
        from svd import aggregate as agg

        return agg.periods_for(self.start, self.end)

    def in_period(self, **filters) -> pd.DataFrame:
        """The records of the draft's 12 months, with ``svd.filters.RecordFilter`` fields applied."""
        from svd import filters as rf

        return rf.apply(self.records, rf.RecordFilter(start=self.start, end=self.end, **filters))

    def recs(self, **kwargs) -> Provenance:
        """Provenance of a record-level figure over the draft's months (the simulation says so)."""
        kwargs.setdefault("period", self.periods.label)
        return prov.for_record_set(self.record_set, **kwargs)


# ------------------------------------------------------------------------------------------------ text


def format_reference(ref: dict) -> str:
    """A published figure as text: '46%', '3,670 offences', '2 times the population share'."""
    v = ref["value"]
    unit = ref.get("unit", "")
    if unit == "percent":
        return f"{v:g}%"
    if unit == "offences":
        return f"{v:,.0f} offences"
    return f"{v:g} {unit}".strip()


def _pct(x: float | None, dp: int = 0) -> str:
    return "–" if x is None else f"{x:.{dp}f}%"


def _int(x) -> str:
    return "–" if x is None else f"{x:,.0f}"


def _from_page(page_figures: Sequence, fid: str, reference_id: str | None = None, label: str | None = None):
    """A ``Finding`` from the ``svd.figures`` tile with id ``fid`` (None when the page did not give it)."""
    for f in page_figures:
        if f.id == fid:
            change = f.detail.get("change") if f.detail else None
            return Finding(
                id=fid,
                label=label or f.label,
                value=f.value,
                display=f.display,
                provenance=f.provenance,
                reference_id=reference_id,
                statistic=change,
                figure=(f.page, f.id),
            )
    return None


UNTESTED_AGES = "not tested (simulated ages)"


def _age_label(label: object, simulated: bool) -> str:
    """The over-representation label of ``profiles.overrepresentation_by_age``, unless the ages are simulated
    (a test of simulated ages would test the simulation's assumptions)."""
    return UNTESTED_AGES if simulated else str(label)


def _share(fid: str, label: str, share, provenance: Provenance, reference_id: str | None) -> Finding:
    """A finding from a ``profiles.Share`` (numerator of denominator)."""
    return Finding(fid, label, share.pct, share.text(), provenance, reference_id)


# ------------------------------------------------------------------------------------------------ load


class DataMissing(RuntimeError):
    """The data the draft needs is not there (a one-line message for the command line)."""


def load_context(month: pd.Timestamp | None = None, data_dir: Path | None = None, record_set=None) -> Context:
    """The data ``svd figures`` reads (same loaders, same record set), limited to months up to ``month``.

    ``record_set``: a ``svd.records.RecordSet`` already loaded (the dashboard's, with a session's extract);
    default: ``SVD_EXTRACT`` when set, else the simulation, as ``svd figures``.
    """
    from svd import catalogue
    from svd.boardpack import limit_months
    from svd.figures import default_period
    from svd.mps import for_borough, load_mps
    from svd.population import london_populations, ward_population
    from svd.records import find_extract, load_records
    from svd.taxonomy import classify_mps

    missing = [
        c for c in catalogue.missing_required(data_dir) if c.dataset.id in ("mps_ward", "population_london")
    ]
    if missing:
        raise DataMissing("; ".join(p for c in missing for p in c.problems))
    # One read of London's ward files, cut to the borough as the dashboard does (``ui.cache.mps_ward``).
    london_merged = load_mps(level="ward", data_dir=data_dir, borough_code=None)
    merged = for_borough(london_merged, config.borough().code)
    ward = limit_months(classify_mps(merged.table), month)
    if ward.empty:
        raise DataMissing("no MPS ward data up to the chosen month")
    latest = pd.Timestamp(ward["month"].max())
    if month is not None and latest < month:
        raise DataMissing(f"no data for {month:%Y-%m}: the latest month available is {latest:%Y-%m}")
    london = limit_months(classify_mps(london_merged.table), month)
    del london_merged
    borough_file = limit_months(classify_mps(load_mps(level="borough", data_dir=data_dir).table), month)
    # The simulation reproduces the borough's ward table: hand it the one already read.
    rs = record_set or load_records(
        extract=find_extract(data_dir), data_dir=data_dir, ward_table=merged.table
    )
    start, end = default_period(ward["month"].unique())
    return Context(
        ward=ward,
        london=london,
        borough_file=borough_file,
        populations=london_populations(data_dir),
        ward_population=ward_population(data_dir),
        records=limit_months(rs.data, month),
        simulated=rs.source == prov.SIMULATED,
        record_set=rs,
        start=start,
        end=end,
        gaps=tuple(g for g in merged.gaps if month is None or pd.Timestamp(f"{g}-01") <= month),
        data_dir=data_dir,
    )


# ------------------------------------------------------------------------------------------------ sections


def place_and_population(ctx: Context) -> Section:
    """Residents and their ages (Census 2021) and serious violence (proxy) in the borough against London."""
    from svd import charts, trends
    from svd import metrics as mx
    from svd.figures import overview_page
    from svd.population import age_band_population

    census = prov.reference("Census 2021 usual residents (ONS), borough table", "Census 2021",
                            "residents by age; bands splitting a 5-year Census band are estimated pro rata")  # fmt: skip
    ages = age_band_population(
        "borough", config.borough().code, ["0+", "0-17", "0-24", "25-39"], ctx.data_dir
    )
    total = ages["0+"]

    def share(band: str, fid: str, label: str, ref: str | None) -> Finding:
        pct = 100 * ages[band] / total
        return Finding(fid, label, pct, f"{pct:.1f}%", census, ref)

    tiles = overview_page(ctx.ward, ctx.london, ctx.records, ctx.simulated, ctx.populations,
                          ctx.ward_population, periods=ctx.periods,
                          extract_name=prov.extract_name(ctx.record_set))  # fmt: skip
    sv = _from_page(tiles, "serious_violence")
    findings = [
        Finding("residents", "Residents (all ages)", total, _int(total), census),
        share("0-17", "residents_under_18", "Residents aged 0-17 (the SNA: 1-17)", "population_under_18"),
        share("0-24", "residents_under_25", "Residents aged under 25", None),
        share("25-39", "residents_25_39", "Residents aged 25-39", "population_25_39_share"),
    ]
    tables = []
    if sv is not None:
        findings.append(sv)
        fig = next(t for t in tiles if t.id == "serious_violence")
        rate, london = fig.detail.get("rate_per_1000"), fig.detail.get("london_rate_per_1000")
        if rate is not None:
            findings.append(
                Finding(
                    "serious_violence_rate",
                    "Serious violence (proxy) per 1,000 residents",
                    rate,
                    f"{rate:.2f}" + (f" (London {london:.2f})" if london is not None else ""),
                    sv.provenance.but(method=f"rate {prov.RATE_DENOMINATOR}"),
                    figure=("overview", "serious_violence"),
                )
            )
    series = trends.monthly(ctx.ward, mx.metric("serious_violence").categories)
    chart = charts.trend_chart(
        series,
        "Serious violence (proxy), offences per month",
        "Line chart of serious-violence offences per month in Barking and Dagenham, MPS ward data.",
        events=[charts.CONNECT_EVENT],
        subtitle=f"Barking and Dagenham, {series['month'].min():%b %Y} to {series['month'].max():%b %Y}, MPS",
        height=220,
    ).properties(width=640)
    alt_text = (
        f"Line chart: serious violence (proxy) offences each month from {series['month'].min():%B %Y} to "
        f"{series['month'].max():%B %Y}, between {series['count'].min():,.0f} and {series['count'].max():,.0f} "
        "a month; a dashed line marks the MPS move to CONNECT in March 2024."
    )
    return Section(
        "place",
        "Place and population",
        "Barking and Dagenham's residents by age (Census 2021) and serious violence in the published police "
        "counts. " + trends.CONNECT_NOTE,
        tuple(findings),
        tuple(tables),
        (Chart("Serious violence (proxy) per month", alt_text, chart, prov.mps(method="monthly counts")),),
    )


def under_25s(ctx: Context) -> Section:
    """Violence affecting under-25s: knife share of robbery, 3pm–9pm, hotspots and emerging areas, victim and
    suspect profiles, multiple suspects."""
    from svd import charts, geo, hotspots, profiles
    from svd import metrics as mx
    from svd.figures import knife_crime_page, temporal_page

    knife_page = knife_crime_page(ctx.ward, ctx.borough_file, ctx.london, ctx.populations, ctx.records,
                                  ctx.simulated, ctx.periods, ctx.ward_population)  # fmt: skip
    time_page = temporal_page(ctx.records, ctx.simulated, ctx.start, ctx.end)
    findings = [
        _from_page(knife_page, "personal_robbery_12m"),
        _from_page(knife_page, "personal_robbery_london_rank"),
        _from_page(knife_page, "knife_share_personal_robbery", "knife_personal_robbery"),
        _from_page(time_page, "share_15_21_sna_measure", "share_3pm_9pm"),
        _from_page(knife_page, "robbery_multiple_suspects", "robbery_multiple_suspects"),
    ]
    findings = [f for f in findings if f is not None]

    period = ctx.in_period()
    young = period[mx.affecting_under_25(period)]
    young_prov = ctx.recs(filters=mx.metric("share_3pm_9pm").caption.rstrip("."))
    multi = profiles.multiple_suspects_share(young)
    single = profiles.Share(multi.denominator - multi.numerator, multi.denominator)
    findings.append(_share("single_suspect", "Offences affecting under-25s with one suspect", single,
                           young_prov.but(method="of offences with the number of suspects recorded"),
                           "single_suspect"))  # fmt: skip
    findings.append(_share("u25_da_flag", "Offences affecting under-25s flagged as domestic abuse",
                           profiles.flag_share(young, "domestic_abuse"),
                           young_prov.but(method="domestic abuse flag, of all such offences"),
                           "u25_da_flag"))  # fmt: skip

    # Robbery victims and suspects by age, as on the Knife crime and robbery page.
    robbery = ctx.in_period(offence_groups=("Personal robbery",))
    by_band = profiles.population_by_band(ctx.ward_population, profiles.ROBBERY_AGE_BANDS)
    rob_prov = ctx.recs(filters="personal robbery; people with an age recorded",
                        method="share of victims (suspects) against the share of residents, Census 2021")  # fmt: skip
    rows = []
    for who, ref18, ref25 in (("victim", "robbery_victims_under_18", None),
                              ("suspect", "robbery_suspects_under_18", "robbery_suspects_under_25")):  # fmt: skip
        over = profiles.overrepresentation_by_age(robbery, f"{who}_age", by_band, profiles.ROBBERY_AGE_BANDS)
        first = over.iloc[0]
        findings.append(Finding(f"robbery_{who}s_under_18", f"Personal robbery {who}s aged 0-17 (the SNA: 1-17)",
                                float(first["share"]), _pct(first["share"]), rob_prov, ref18))  # fmt: skip
        if ref25:
            u25 = float(over["share"].iloc[:2].sum())
            findings.append(Finding(f"robbery_{who}s_under_25", f"Personal robbery {who}s aged under 25",
                                    u25, _pct(u25), rob_prov, ref25))  # fmt: skip
        for r in over.itertuples():
            rows.append((who.capitalize() + "s", str(r.band), _pct(r.share), _pct(r.population_share),
                         "–" if pd.isna(r.ratio) else f"{r.ratio:.2f}", _age_label(r.label, ctx.simulated)))  # fmt: skip
    tables = [
        Table(
            "Personal robbery victims and suspects by age against residents",
            ("People", "Age", "Share of people", "Share of residents", "Ratio", "Label"),
            tuple(rows),
            rob_prov,
        )
    ]

    # Hotspots and emerging areas: what ``python -m svd hotspots`` prints (ward level, serious violence).
    try:
        table, context = hotspots.area_statistics(ctx.records, "ward", geo.wards(ctx.data_dir))
        hot_prov = ctx.recs(period=context["period"], filters=context["offences"],
                            method=f"{context['gi_method']}; emerging: {context['emerging_method']}")  # fmt: skip
        hot = table["hotspot"].astype(str).str.contains("hot", case=False).to_numpy()
        emerging = table["emerging"].astype(str).str.lower().str.startswith("emerging").to_numpy()
        ranked = table.sort_values("gi_z", ascending=False).head(10)
        tables.append(
            Table(
                f"The 10 wards with the highest Gi* z-score, serious violence, {context['period']}",
                (
                    "Ward",
                    "Offences",
                    "Gi* z",
                    "Gi* label",
                    "Last 12 months",
                    "12 months before",
                    "Emerging label",
                ),
                tuple(
                    (
                        str(r.area_name),
                        _int(r.count),
                        f"{r.gi_z:.2f}",
                        str(r.hotspot),
                        _int(r.last_12m),
                        _int(r.prior_12m),
                        str(r.emerging),
                    )
                    for r in ranked.itertuples()
                ),  # fmt: skip
                hot_prov,
                widths=(2.4, 1.3, 1, 2, 1.3, 1.4, 2),  # the labels' words whole ("Not significant")
            )
        )
        places = ", ".join(geo.priority_places(ctx.data_dir)["name"].astype(str))
        sna = f"The 2023 SNA named these hotspots and emerging areas: {places}."
        sna = f"{hot_prov.notes} {sna}" if hot_prov.notes else sna

        def names(mask) -> str:
            return ", ".join(table.loc[mask, "area_name"].astype(str)) or "none at a 5% false-discovery rate"

        findings += [
            Finding("hotspot_wards", "Wards that are Gi* hotspots of serious violence", float(hot.sum()),
                    names(hot), hot_prov.but(notes=sna)),
            Finding("emerging_wards", "Wards with serious violence emerging (12 months against the 12 before)",
                    float(emerging.sum()), names(emerging), hot_prov.but(notes=sna)),
        ]  # fmt: skip
    except Exception as exc:  # noqa: BLE001 — the draft still has its other findings; the gap is said
        tables.append(Table("Hotspots and emerging areas", ("Note",), ((f"Could not be computed: {exc}",),)))

    hours = profiles.hour_profile(young)
    chart = charts.bar_chart(
        hours,
        "Offences affecting under-25s by hour of the day",
        "Bar chart of the share of offences affecting under-25s in each hour of the day.",
        category="label",
        value="share",
        sort=list(hours["label"]),
        subtitle=young_prov.short(),
    ).properties(width=640, height=220)
    peak = hours.loc[hours["share"].idxmax()] if hours["count"].sum() else None
    alt_text = "Bar chart: share of offences affecting under-25s in each hour of the day" + (
        f"; the busiest hour is {peak['label']} with {peak['share']:.1f}%." if peak is not None else "."
    )
    return Section(
        "under_25s",
        "Violence and exploitation affecting under-25s",
        "Knife crime and personal robbery, the times and places of violence affecting young people, and who "
        "the victims and suspects are.",
        tuple(findings),
        tuple(tables),
        (Chart("Offences affecting under-25s by hour", alt_text, chart, young_prov),),
    )


DA_FLAG_REFERENCES = {
    "Violence against the person": "da_flag_vap",
    "Sexual offences": "da_flag_sexual",
    "Arson and criminal damage": "da_flag_arson_criminal_damage",
    "Miscellaneous crimes against society": "da_flag_miscellaneous",
    "Public order offences": "da_flag_public_order",
}
DA_VICTIM_BANDS = ("0-17", "18-24", "25-29", "30-39", "40-54", "55+")
DA_SUSPECT_BANDS = ("0-17", "18-24", "25-39", "40-54", "55+")


def domestic_abuse(ctx: Context) -> Section:
    """Domestic abuse: the count (the Domestic abuse page's tile), flags by offence group, where, who."""
    from svd import charts, profiles, trends
    from svd.figures import domestic_abuse_page

    findings = [_from_page(domestic_abuse_page(ctx.records, ctx.simulated, ctx.periods), "domestic_abuse_12m",
                           "da_offences_12m")]  # fmt: skip
    findings = [f for f in findings if f is not None]
    period = ctx.in_period()
    da = ctx.in_period(domestic_abuse=True)
    da_prov = ctx.recs(filters="domestic abuse flag")
    for r in profiles.flag_share_by_group(period, "domestic_abuse", "major_group").itertuples():
        ref = DA_FLAG_REFERENCES.get(str(r.group))
        if ref:
            findings.append(Finding(ref, f"{r.group} flagged as domestic abuse", float(r.share),
                                    f"{r.share:.0f}% ({r.flagged:,} of {r.offences:,})",
                                    ctx.recs(filters=str(r.group), method="domestic abuse flag"), ref))  # fmt: skip
    findings.append(_share("da_victim_home", "Domestic abuse at the victim's home",
                           profiles.share_of(da, "location_type", "victim_home"), da_prov, "da_victim_home"))  # fmt: skip
    for cat, ref in (("partner_ex", "da_suspect_partner"), ("family", "da_suspect_family")):
        findings.append(_share(ref, f"Domestic abuse suspects who were a {profiles.RELATIONSHIP_LABELS[cat].lower()}",
                               profiles.share_of(da, "relationship", cat), da_prov, ref))  # fmt: skip
    pop = ctx.ward_population
    victims = profiles.overrepresentation_by_age(da, "victim_age", profiles.population_by_band(pop, DA_VICTIM_BANDS),
                                                 DA_VICTIM_BANDS)  # fmt: skip
    v = victims.set_index("band").loc["25-29"]
    findings.append(Finding("da_victims_25_29", "Domestic abuse victims aged 25-29: share of victims over share "
                            "of residents", None if pd.isna(v["ratio"]) else float(v["ratio"]),
                            "–" if pd.isna(v["ratio"]) else f"{v['ratio']:.1f} times",
                            da_prov.but(method="share of victims with an age over the share of residents, Census 2021"),
                            "da_victims_25_29_overrepresentation", statistic=_age_label(v["label"], ctx.simulated)))  # fmt: skip
    suspects = profiles.overrepresentation_by_age(da, "suspect_age", profiles.population_by_band(pop, DA_SUSPECT_BANDS),
                                                  DA_SUSPECT_BANDS)  # fmt: skip
    s = suspects.set_index("band").loc["25-39"]
    findings.append(Finding("da_suspects_25_39", "Domestic abuse suspects aged 25-39", float(s["share"]),
                            _pct(s["share"], 1), da_prov.but(method="of suspects with an age recorded"),
                            "da_suspects_25_39_share"))  # fmt: skip
    rows = tuple((who, str(r.band), _pct(r.share), _pct(r.population_share),
                  "–" if pd.isna(r.ratio) else f"{r.ratio:.2f}", _age_label(r.label, ctx.simulated))
                 for who, frame in (("Victims", victims), ("Suspects", suspects)) for r in frame.itertuples())  # fmt: skip
    from svd import filters as rf

    everything = ctx.records
    da_all = rf.apply(everything, rf.RecordFilter(domestic_abuse=True))
    series = trends.records_monthly(da_all, everything["month"].min(), everything["month"].max())
    chart = charts.trend_chart(
        series,
        "Domestic abuse offences per month",
        "Line chart of domestic abuse offences per month, with March 2024 (CONNECT) marked.",
        events=[charts.CONNECT_EVENT],
        subtitle=da_prov.but(period=None).short(),
        height=220,
    ).properties(width=640)
    alt_text = (
        f"Line chart: domestic abuse offences each month from {series['month'].min():%B %Y} to "
        f"{series['month'].max():%B %Y}, between {series['count'].min():,.0f} and {series['count'].max():,.0f} a "
        "month" + (" (simulated records)" if ctx.simulated else "") + "."
    )
    return Section(
        "domestic_abuse",
        "Domestic abuse",
        "Domestic abuse offences, the share of each offence group flagged as domestic abuse, where it happens "
        "and who the victims and suspects are. No open dataset carries a domestic abuse flag: these figures "
        "come from record-level data.",
        tuple(findings),
        (
            Table(
                "Domestic abuse victims and suspects by age against residents",
                ("People", "Age", "Share of people", "Share of residents", "Ratio", "Label"),
                rows,
                da_prov.but(method="share against the share of residents, Census 2021"),
            ),
        ),  # fmt: skip
        (Chart("Domestic abuse offences per month", alt_text, chart, da_prov.but(period=None)),),
    )


SEXUAL_GROUPS = ("Rape", "Other sexual offences")


def sexual_violence(ctx: Context) -> Section:
    """Sexual violence: the Sexual offences page's counts (real), and the record-level profiles."""
    from svd import charts, profiles, trends
    from svd import metrics as mx
    from svd.figures import sexual_offences_page

    page = sexual_offences_page(ctx.ward, ctx.periods)
    findings = []
    for fid in ("all_sexual_offences_12m", "rape_12m", "other_sexual_offences_12m"):
        f = _from_page(page, fid)
        if f is None:
            continue
        fig = next(p for p in page if p.id == fid)
        prev = fig.detail.get("previous")
        if prev:
            pct = 100 * (fig.value - prev) / prev
            f = Finding(f.id, f.label, f.value, f"{f.display} ({pct:+.1f}% on {prev:,.0f})", f.provenance,
                        "sexual_offences_change_12_24m" if fid.startswith("all") else None, f.statistic, f.figure)  # fmt: skip
        findings.append(f)
    everything = ctx.in_period(offence_groups=SEXUAL_GROUPS)
    current = ctx.in_period(offence_groups=SEXUAL_GROUPS, exclude_historical=True)
    sx = ctx.recs(filters="rape and other sexual offences; current (not historical) reports")
    findings += [
        _share("sexual_historical", "Sexual offences reported that were historical",
               profiles.historical_share(everything), ctx.recs(filters="rape and other sexual offences"),
               "sexual_historical"),
        _share("sexual_da_flag", "Sexual offences flagged as domestic abuse",
               profiles.flag_share(current, "domestic_abuse"), sx, "sexual_da_flag"),
        _share("sexual_victim_home", "Sexual offences at the victim's home",
               profiles.share_of(current, "location_type", "victim_home"), sx, "sexual_victim_home"),
    ]  # fmt: skip
    rape = current[(current["offence_group"] == "Rape").to_numpy()]
    other = current[(current["offence_group"] == "Other sexual offences").to_numpy()]
    rp = ctx.recs(filters="rape; current reports")
    op = ctx.recs(filters="other sexual offences; current reports")
    findings += [
        _share("rape_suspect_partner", "Rape suspects who were a partner or ex-partner",
               profiles.share_of(rape, "relationship", "partner_ex"), rp, "rape_suspect_partner"),
        _share("rape_suspect_friend", "Rape suspects who were a friend or acquaintance",
               profiles.share_of(rape, "relationship", "friend_acquaintance"), rp, "rape_suspect_friend"),
        _share("other_sexual_noon_6pm", "Other sexual offences between 12 noon and 6pm",
               profiles.window_share(other, (12, 18)), op.but(method="of offences with a known time"),
               "other_sexual_noon_6pm"),
    ]  # fmt: skip
    young = profiles.overrepresentation_by_age(other, "victim_age",
                                               profiles.population_by_band(ctx.ward_population, profiles.AGE_BANDS))  # fmt: skip
    first = young.iloc[0]
    findings.append(Finding("other_sexual_victims_under_18", "Other sexual offence victims aged 0-17 (the SNA: 1-17)",
                            float(first["share"]), _pct(first["share"]), op.but(method="of victims with an age recorded"),
                            "other_sexual_victims_under_18"))  # fmt: skip
    cats = tuple(c for mid in ("rape", "other_sexual") for c in mx.metric(mid).categories)
    series = trends.monthly(ctx.ward, cats)
    chart = charts.trend_chart(
        series,
        "Sexual offences per month (rape and other sexual offences)",
        "Line chart of sexual offences per month, MPS ward data.",
        events=[charts.CONNECT_EVENT],
        subtitle="Barking and Dagenham, MPS ward data",
        height=220,
    ).properties(width=640)
    alt_text = (
        f"Line chart: rape and other sexual offences each month from {series['month'].min():%B %Y} to "
        f"{series['month'].max():%B %Y}, between {series['count'].min():,.0f} and {series['count'].max():,.0f} a month."
    )
    return Section(
        "sexual_violence",
        "Sexual violence",
        "Rape and other sexual offences in the published police counts, and who, where and when from "
        "record-level data (current offences only, as the SNA analysed). Sexual offences are under-reported.",
        tuple(findings),
        (),
        (Chart("Sexual offences per month", alt_text, chart, prov.mps(method="monthly counts")),),
    )


def harm_and_cost(ctx: Context) -> Section:
    """Harm and cost: personal robbery's share of serious violence by volume, harm and cost beside the SNA's
    25% and 31% (``svd.harm.sna_comparison``, as on the Overview's harm view), and the shares by offence group."""
    from svd import harm

    ref = strategy.reference(harm.SNA_HARM_REF)
    intro = (
        "The 2023 SNA weighed offences by harm and estimated their socio-economic cost: “"
        + ref["quote"]
        + "” "
        "It estimated the cost of personal robbery at between £5 million (recorded offences) and £21.5 million "
        "(allowing for under-reporting). Here the serious-violence proxy in the published police counts is "
        "weighed by published harm and cost weights; the SNA counted the eight London offence types on "
        "record-level data and does not name its harm weights, so the comparison is approximate."
    )
    periods = ctx.periods
    findings = []
    for r in harm.sna_comparison(ctx.ward, periods).itertuples():
        value = None if pd.isna(r.current) else float(r.current)
        findings.append(
            Finding(
                f"robbery_share_{r.measure}",
                f"Personal robbery's share of serious violence (proxy): {r.label.lower()}",
                value,
                _pct(value, 1) if value is not None else r.note,
                prov.mps(periods.label, filters="serious violence (proxy) categories",
                         method=f"{harm.method_text(r.measure)} {r.note[:1].upper()}{r.note[1:]}"),
                harm.SNA_VOLUME_REF if r.measure == "count" else harm.SNA_HARM_REF,
            )
        )  # fmt: skip
    rows = harm.proxy_rows(ctx.ward[ctx.ward["month"].isin(periods.current).to_numpy()])
    cost = harm.shares(rows, "cost")
    cost_prov = prov.mps(
        periods.label, filters="serious violence (proxy) categories", method=harm.method_text("cost")
    )
    robbery = cost[cost["offence_group"] == harm.ROBBERY_GROUP]
    if len(robbery) and bool(robbery["has_weight"].iloc[0]):
        v = float(robbery["weighted"].iloc[0])
        label = f"Estimated cost of recorded personal robbery ({harm.price_basis()})"
        findings.append(Finding("robbery_cost", label, v, harm.value_text(v, "cost"), cost_prov))
    table = Table(
        f"Serious violence (proxy) by offence group: volume and {harm.measure('cost').short}, {periods.label}",
        ("Offence group", "Offences", "Share of offences", "Cost", "Share of cost"),
        tuple((str(r.offence_group), _int(r.count), _pct(r.count_share, 1), harm.value_text(r.weighted, "cost"),
               _pct(None if pd.isna(r.weighted_share) else r.weighted_share, 1)) for r in cost.itertuples()),
        cost_prov,
    )  # fmt: skip
    return Section("harm_cost", "Harm and cost", intro, tuple(findings), (table,))


def cross_border(ctx: Context) -> Section:
    """Cross-border: the border wards on both sides of the line (``svd.london_compare.cross_border``, as on the
    Across the border page and ``python -m svd border``), serious violence (proxy)."""
    from svd import london
    from svd import london_compare as lc

    gdf = london.wards(ctx.data_dir)
    cb = lc.cross_border(
        lc.ward_series(ctx.london),
        lc.ward_residents(london.gla_lookup(ctx.data_dir), london.lsoa_residents(ctx.data_dir)),
        london.ward_adjacency(gdf),
        "serious_violence",
        ctx.periods,
    )
    intro = (
        "Violence in the wards on the borough's boundary and in the neighbouring boroughs' wards beside them."
    )
    if cb.problem:
        return Section("cross_border", "Cross-border", intro, gaps=(cb.problem,))
    w = cb.wards
    findings = []
    for side, part in (
        ("this side", w[w["side"] == cb.borough_name]),
        ("the other side", w[w["side"] != cb.borough_name]),
    ):
        c, before, pop = (
            int(part["offences"].sum()),
            int(part["offences_before"].sum()),
            float(part["population"].sum()),
        )
        change = f", {(c - before) / before * 100:+.0f}% on {cb.previous_period}" if before else ""
        fid = "border_this_side" if side == "this side" else "border_other_side"
        findings.append(Finding(fid, f"{cb.metric.title}, border wards {side} of the line", float(c),
                                f"{c:,} offences ({c / pop * 1000:.2f} per 1,000 residents){change}",
                                cb.provenance.but(filters=f"{cb.metric.title}; {len(part)} wards {side}")))  # fmt: skip
    rows = tuple((str(r.ward_name), str(r.borough_name), _int(r.offences), _int(r.offences_before),
                  f"{r.rate_per_1000:.2f}", "–" if pd.isna(r.change_pct) else f"{r.change_pct:+.0f}%",
                  str(r.change_test)) for r in w.itertuples())  # fmt: skip
    table = Table(
        f"Border wards, {cb.metric.title.lower()}, {cb.period}",
        ("Ward", "Borough", "Offences", "A year before", "Per 1,000", "Change", "Test"),
        rows,
        cb.provenance,
        widths=(2.6, 2.4, 1.8, 1.7, 1.6, 1.5, 2.6),  # "Offences", "Change" kept whole in Word
    )
    return Section(
        "cross_border", "Cross-border", intro, tuple(findings), (table,), points=tuple(cb.sentences())
    )


SURVEY_REFERENCES = ("residents_not_feeling_safe", "residents_safe_after_dark", "residents_safe_day")


def data_gaps(ctx: Context) -> Section:
    """What this draft cannot say: simulated records, months missing, surveys and partners' data not held."""
    gaps = []
    if ctx.simulated:
        gaps.append(
            "Record-level figures in this draft are SIMULATED: no partnership extract is loaded. "
            + prov.simulation_sentence()
        )
    if ctx.gaps:
        gaps.append("Months missing from the published MPS ward series: " + ", ".join(ctx.gaps) + ".")
    gaps.append(
        "Harm and cost: weighed on the published counts' categories; harm weights are not published for every "
        "category (see the Harm and cost section), and the SNA's own harm weights are not named."
    )
    for rid in SURVEY_REFERENCES:
        r = strategy.reference(rid)
        gaps.append(
            f"{r['text']}: no data source in the dashboard (2023: {format_reference(r)}, {r['period']})."
        )
    gaps += [
        "Repeat victims and repeat suspects of domestic abuse: not in the record-level format.",
        "Health (London Ambulance Service, emergency departments), probation and education data: not held.",
        "Victims' perceptions of the services that supported them: a gap in 2023, still not held.",
    ]
    return Section(
        "data_gaps",
        "Data gaps",
        "What this draft cannot yet say, and what the next needs assessment would need.",
        gaps=tuple(gaps),
    )


SECTION_TITLES = {
    "place_and_population": "Place and population",
    "under_25s": "Violence and exploitation affecting under-25s",
    "domestic_abuse": "Domestic abuse",
    "sexual_violence": "Sexual violence",
    "harm_and_cost": "Harm and cost",
    "cross_border": "Cross-border",
    "data_gaps": "Data gaps",
}


def build_section(build: Callable[[Context], Section], ctx: Context) -> Section:
    """``build(ctx)``, or the section saying plainly that it could not be computed (a data gap): one section's
    missing file (e.g. London's ward boundaries for the cross-border section) never stops the draft."""
    try:
        return build(ctx)
    except Exception:  # noqa: BLE001 — said in the document; no traceback or path reaches the reader
        title = SECTION_TITLES[build.__name__]
        return Section(
            build.__name__,
            title,
            "",
            gaps=(
                f"{NOT_YET}: the data this section needs are not in the data directory or could not be read.",
            ),
        )


SECTIONS: tuple[Callable[[Context], Section], ...] = (
    place_and_population,
    under_25s,
    domestic_abuse,
    sexual_violence,
    harm_and_cost,
    cross_border,
    data_gaps,
)


def gather(month: pd.Timestamp | None = None, data_dir: Path | None = None, record_set=None) -> Draft:
    """The draft's sections computed on the data up to ``month`` (default: the latest); ``record_set`` as
    ``load_context``."""
    ctx = load_context(month, data_dir, record_set)
    periods = ctx.periods
    return Draft(
        latest_month=ctx.end,
        period=periods.label,
        previous_period=periods.previous_label,
        records_label=ctx.record_set.label,
        records_simulated=ctx.simulated,
        sections=tuple(build_section(build, ctx) for build in SECTIONS),
    )


# ----------------------------------------------------------------------------------------------- layout

FINDING_HEADER = ("Finding", "Now", "2023 SNA (published)", "Source and method")


def finding_row(f: Finding) -> tuple[str, str, str, str]:
    """The printed cells of a finding: label, the figure now (period, test label), the 2023 figure, source."""
    p = f.provenance
    now = f.display + (f"\n{p.period}" if p.period else "") + (f"\n{f.statistic}" if f.statistic else "")
    # The method in short (its first clause); the full statement is under "Sources and methods".
    method = (p.method or "").split(" (")[0].split("; emerging")[0]
    source = ("SIMULATED records" if p.simulated else p.kind_label()) + (f"; {method}" if method else "")
    ref = f.reference
    then = "–" if ref is None else f"{format_reference(ref)}\n{ref['period']}"
    return (f.label, now, then, source)


def methods_lines(section: Section) -> list[str]:
    """One line per finding, table and chart: its full provenance (the simulation sentence said once)."""
    lines = []
    for label, p in (
        *((f.label, f.provenance) for f in section.findings),
        *((t.title, t.provenance) for t in section.tables if t.provenance is not None),
        *((c.title, c.provenance) for c in section.charts),
    ):
        text = p.but(notes=None).text() if p.simulated else p.text()
        lines.append(f"{label}. {text}")
    return list(dict.fromkeys(lines))


def front_matter(draft: Draft) -> list[str]:
    """The paragraphs under the title: what the draft is, its months, and the simulated warning."""
    out = [
        f"Period: {draft.period}, compared where stated with {draft.previous_period}. Data as of "
        f"{draft.latest_month:%B %Y}. Produced {draft.generated:%d %B %Y} by the Serious Violence Duty dashboard.",
        "A draft for the analyst: each finding is computed on the current data and set beside the figure the "
        "2023 Strategic Needs Assessment published, with its source, period and method. Each section ends with "
        "an empty Commentary box for the analyst's interpretation.",
        "Statistical labels (significant change, over-represented, hotspot) appear only where the dashboard's "
        "own tests give them, and never on a quantity the simulation fixes.",
    ]
    if draft.records_simulated:
        out.append("SIMULATED record-level data. " + prov.simulation_sentence())
    return out


def svg_for_fpdf(svg: str, family: str) -> bytes:
    """vl-convert's SVG made readable by fpdf2's SVG parser, which needs every ``<line>`` coordinate (SVG
    defaults them to 0), rejects empty paths, and draws text only in fonts registered with the PDF."""

    def coords(m: re.Match) -> str:
        tag = m.group(0)
        for a in ("x1", "y1", "x2", "y2"):
            if not re.search(rf"\s{a}=", tag):
                tag = tag.replace("<line", f'<line {a}="0"', 1)
        return tag

    out = re.sub(r"<line\b[^>]*>", coords, svg)
    out = re.sub(r'<path[^>]*\sd=""[^>]*/>', "", out)
    out = re.sub(r'font-family="[^"]*"', f'font-family="{family}"', out)
    return out.encode("utf-8")


def _png(chart) -> bytes:
    from svd.export import chart_png

    return chart_png(chart, scale=PNG_SCALE)


# ------------------------------------------------------------------------------------------------ docx


def _docx_language(doc, lang: str = LANGUAGE) -> None:
    """The document's language, on the default run properties (screen readers pick their voice from it)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    el = rpr.find(qn("w:lang"))
    if el is None:
        el = OxmlElement("w:lang")
        rpr.append(el)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        el.set(qn(attr), lang)


FINDING_WEIGHTS = (50, 38, 38, 48)  # the findings table's relative column widths (PDF and Word)
TABLE_TEXT_PT = 8.5  # Word tables: smaller than the body, so seven columns keep their words whole


def table_weights(header: Sequence[str], widths: Sequence[float] | None = None) -> list[float]:
    """Relative column widths: ``widths`` if given, else equal columns with the first (names) and the last
    (labels) twice as wide."""
    if widths:
        return list(widths)
    return [2, *[1] * (len(header) - 2), 2] if len(header) > 2 else [1] * len(header)


def _docx_text_width(doc):
    """The width between the margins of the document's (only) section, in EMU."""
    sec = doc.sections[0]
    return sec.page_width - sec.left_margin - sec.right_margin


def _docx_table(
    doc, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float] | None = None
):
    """A table with a real header row (repeated on each page, marked as a header for assistive technology),
    across the text width in the columns' relative ``widths`` (``table_weights``), in a smaller type."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False  # fixed widths: Word and LibreOffice otherwise split the columns equally
    weights = table_weights(header, widths)
    full = _docx_text_width(doc)
    col_widths = [int(full * w / sum(weights)) for w in weights]
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
            run.font.size = Pt(TABLE_TEXT_PT)
    trpr = table.rows[0]._tr.get_or_add_trPr()
    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    trpr.append(mark)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = str(text)
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(TABLE_TEXT_PT)
    for i, w in enumerate(col_widths):
        table.columns[i].width = w  # the grid (LibreOffice reads it) …
        for cell in table.columns[i].cells:
            cell.width = w  # … and each cell (Word reads these)
    for row in table.rows:
        _docx_keep_row(row)
    return table


def _docx_keep_row(row) -> None:
    """A table row is never split across pages (a finding, or the commentary box, read whole)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    if trpr.find(qn("w:cantSplit")) is None:
        trpr.insert(0, OxmlElement("w:cantSplit"))


def build_docx(draft: Draft):
    """The draft as a python-docx ``Document`` (call ``.save(path)``)."""
    from docx import Document
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    # A4 with 2 cm margins (python-docx's template is US Letter): a UK partnership's paper.
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.0)
    sec.top_margin = sec.bottom_margin = Cm(2.0)
    props = doc.core_properties
    props.title = draft.title
    props.subject = "Serious Violence Duty: strategic needs assessment (draft)"
    props.author = "Barking and Dagenham Community Safety Partnership"
    props.language = LANGUAGE
    props.keywords = "serious violence; needs assessment; draft"
    _docx_language(doc)
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.styles["Normal"].font.name = "Arial"  # a plain sans serif, as GOV.UK's guidance on documents asks
    doc.add_heading(draft.title, level=0)
    for i, text in enumerate(front_matter(draft)):
        run = doc.add_paragraph().add_run(text)
        if draft.records_simulated and i == len(front_matter(draft)) - 1:
            run.bold = True
            run.font.color.rgb = RGBColor(170, 40, 0)
    doc.add_paragraph(DOCX_NOTE).runs[0].italic = True
    figure_no = 0
    for n, section in enumerate(draft.sections, start=1):
        # Each section on a new page, as in the PDF version: an analyst edits and circulates them one by one.
        doc.add_heading(f"{n}. {section.title}", level=1).paragraph_format.page_break_before = n > 1
        doc.add_paragraph(section.intro)
        if section.simulated:
            p = doc.add_paragraph().add_run("Record-level figures in this section are SIMULATED.")
            p.bold = True
            p.font.color.rgb = RGBColor(170, 40, 0)
        for point in (*section.points, *section.gaps):
            doc.add_paragraph(point, style="List Bullet")
        if section.findings:
            doc.add_heading("Findings", level=2)
            _docx_table(doc, FINDING_HEADER, [finding_row(f) for f in section.findings], FINDING_WEIGHTS)
        for t in section.tables:
            doc.add_heading(t.title, level=2)
            _docx_table(doc, t.header, t.rows, t.widths)
        for c in section.charts:
            figure_no += 1
            doc.add_heading(c.title, level=2)
            doc.add_picture(io.BytesIO(_png(c.chart)), width=_docx_text_width(doc))
            doc.paragraphs[-1].paragraph_format.keep_with_next = True  # the chart stays with its caption
            shape = doc.inline_shapes[-1]
            shape._inline.docPr.set("descr", c.alt)
            shape._inline.docPr.set("title", c.title)
            doc.add_paragraph(f"Figure {figure_no}. {c.title}. {c.provenance.short()}.").runs[0].italic = True
        lines = methods_lines(section)
        if lines:
            doc.add_heading("Sources and methods", level=2)
            for line in lines:
                doc.add_paragraph(line, style="List Bullet").runs[0].font.size = Pt(8.5)
        doc.add_heading(COMMENTARY, level=2)
        box = doc.add_table(rows=1, cols=1)
        box.style = "Table Grid"
        cell = box.rows[0].cells[0]
        cell.text = ""
        hint = cell.paragraphs[0].add_run(COMMENTARY_HINT)
        hint.italic = True
        hint.font.color.rgb = RGBColor(90, 90, 90)
        for _ in range(5):
            cell.add_paragraph("")
        _docx_keep_row(box.rows[0])
    return doc


# ------------------------------------------------------------------------------------------------- pdf


def build_pdf(draft: Draft):
    """The draft as an fpdf2 document (call ``.output(path)``): headings as outline entries (bookmarks),
    figures as SVG with alternative text, tables with header rows, title and language set."""
    from svd.boardpack import FONT_DIR, _pdf_class, add_fonts, ascii_text
    from svd.export import chart_svg

    pdf = _pdf_class()(orientation="P", unit="mm", format="A4")
    family, unicode = add_fonts(pdf, FONT_DIR)

    def t(s: str) -> str:
        return s if unicode else ascii_text(s)

    pdf.set_title(t(draft.title))
    pdf.set_author("Barking and Dagenham Community Safety Partnership")
    pdf.set_subject("Serious Violence Duty: strategic needs assessment (draft)")
    pdf.set_lang(LANGUAGE)
    pdf.set_creator("Serious Violence Duty dashboard (svd)")
    pdf.set_display_mode("fullwidth")
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_margins(18, 18, 18)
    pdf.footer_text = t(f"{TITLE} · {draft.period}")
    width = pdf.w - pdf.l_margin - pdf.r_margin
    red = (170, 40, 0)

    def para(text: str, size: float = 10, bold: bool = False, colour=(0, 0, 0), italic: bool = False) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(width, size * 0.5, t(text), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_text_color(0)
        pdf.ln(1.5)

    def heading(text: str, level: int, keep: float = 30) -> None:
        """A heading (an outline entry), on a new page when less than ``keep`` mm would follow it."""
        size = (22, 16, 12.5)[level]
        if pdf.get_y() > pdf.h - pdf.b_margin - keep:
            pdf.add_page()
        pdf.start_section(t(text), level=level)
        para(text, size, bold=True, colour=(0, 48, 100))
        pdf.ln(1)

    def table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], size=8) -> None:
        pdf.set_font(family, "", size)
        with pdf.table(
            col_widths=tuple(widths),
            text_align="LEFT",
            line_height=size * 0.48,
            padding=(0.8, 1.2),
            width=width,
            first_row_as_headings=True,
            repeat_headings=1,
        ) as tbl:
            for row in (header, *rows):
                r = tbl.row()
                for cell in row:
                    r.cell(t(str(cell)))
        pdf.ln(3)

    pdf.add_page()
    heading(draft.title, 0)
    for i, text in enumerate(front_matter(draft)):
        sim = draft.records_simulated and i == len(front_matter(draft)) - 1
        para(text, 10.5, bold=sim, colour=red if sim else (0, 0, 0))
    para("Contents", 12, bold=True)
    for n, section in enumerate(draft.sections, start=1):
        para(f"{n}. {section.title}", 10.5)

    figure_no = 0
    for n, section in enumerate(draft.sections, start=1):
        pdf.add_page()
        heading(f"{n}. {section.title}", 1)
        para(section.intro, 10.5)
        if section.simulated:
            para("Record-level figures in this section are SIMULATED.", 10, bold=True, colour=red)
        for point in (*section.points, *section.gaps):
            para("• " + point, 10)
        if section.findings:
            heading("Findings", 2)
            table(FINDING_HEADER, [finding_row(f) for f in section.findings], FINDING_WEIGHTS)
        for tb in section.tables:
            heading(tb.title, 2)
            weights = table_weights(tb.header, tb.widths)
            table(tb.header, tb.rows, [width * w / sum(weights) for w in weights])
        for c in section.charts:
            figure_no += 1
            heading(c.title, 2, keep=100)  # the chart stays with its heading
            svg = chart_svg(c.chart)
            svg = svg if unicode else ascii_text(svg)
            pdf.image(io.BytesIO(svg_for_fpdf(svg, family)), w=width, alt_text=t(c.alt), title=t(c.title))
            para(f"Figure {figure_no}. {c.title}. {c.provenance.short()}.", 8.5, italic=True)
        lines = methods_lines(section)
        if lines:
            heading("Sources and methods", 2)
            for line in lines:
                para("• " + line, 7.5)
        box_h = 45
        heading(COMMENTARY, 2, keep=box_h + 4)  # the box stays with its heading
        y = pdf.get_y()
        pdf.set_draw_color(120)
        pdf.rect(pdf.l_margin, y, width, box_h)
        pdf.set_xy(pdf.l_margin + 2, y + 2)
        pdf.set_font(family, "", 8.5)
        pdf.set_text_color(90)
        pdf.multi_cell(width - 4, 4.5, t(COMMENTARY_HINT), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
        pdf.set_y(y + box_h + 3)
    return pdf


# ------------------------------------------------------------------------------------------------- main

FORMATS = (".docx", ".pdf")
DOWNLOADS = (
    (".docx", "Download the draft (Word)",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (".pdf", "Download the draft (PDF)", "application/pdf"),
)  # fmt: skip
PAGE_NOTE = (
    "A draft of next year's strategic needs assessment in the 2023 SNA's sections, for the analyst to edit: "
    "each finding computed on the latest 12 months of the data in use, beside the figure published in 2023, "
    "with its source and method, and an empty commentary box per section. It takes a few seconds to build. "
    "Also from the command line: `python -m svd needs-assessment --out draft.docx --month YYYY-MM`."
)
PUBLIC_NOTE = (
    "The draft needs assessment is an analyst's working document with unsuppressed figures: it is not "
    "offered in public mode."
)


def file_name(fmt: str, today: dt.date | None = None) -> str:
    """'needs-assessment-draft-2026-12-03.docx'."""
    return f"needs-assessment-draft-{today or dt.date.today():%Y-%m-%d}{fmt}"


def document_bytes(draft: Draft, fmt: str) -> bytes:
    """The draft as the bytes of a ``.docx`` or ``.pdf`` file."""
    if fmt == ".docx":
        buf = io.BytesIO()
        build_docx(draft).save(buf)
        return buf.getvalue()
    if fmt == ".pdf":
        return bytes(build_pdf(draft).output())
    raise ValueError(f"the draft is written as .docx or .pdf, not {fmt or 'a file without an extension'}")


def write(out: Path, month: pd.Timestamp | None = None, data_dir: Path | None = None) -> Draft:
    """Gather the draft and write it to ``out`` (.docx or .pdf, by its extension); returns what was written."""
    fmt = out.suffix.lower()
    if fmt not in FORMATS:
        raise ValueError(f"--out must end in .docx or .pdf, got {out.name!r}")
    draft = gather(month, data_dir)
    raw = document_bytes(draft, fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(raw)
    return draft


def main_needs_assessment(out: Path, month: str | None) -> int:
    """The ``needs-assessment`` command: 0 and the file written, or 1 and a one-line error on stderr."""
    from svd import public
    from svd.boardpack import parse_month

    if public.is_public():  # the Data page does not offer it in public mode either
        print(f"error: {PUBLIC_NOTE}", file=sys.stderr)
        return 2
    try:
        draft = write(Path(out), parse_month(month))
    except (DataMissing, ValueError, FileNotFoundError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 — a sentence, never a traceback
        print(f"error: the needs assessment could not be drafted: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {Path(out).name} ({draft.period}, data as of {draft.latest_month:%B %Y})")
    return 0
