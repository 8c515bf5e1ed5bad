"""Every figure the pages show as a tile, with its provenance: for ``python -m svd figures`` and its tests.

One function per page computes that page's tiles from the same ``svd`` functions the page calls
(``overview.board_figures``, ``trends.compare``, ``trends.rank``, ``profiles``), so the command line, the board
pack and the screen agree; ``tests/test_figures.py`` compares them with what the pages show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from svd import aggregate as agg
from svd import config
from svd import metrics as mx
from svd import provenance as prov
from svd.provenance import Provenance


@dataclass(frozen=True)
class PageFigure:
    """One figure as a page shows it: its label, value, the text on screen and where it comes from."""

    page: str
    id: str
    label: str
    value: float | None
    display: str
    provenance: Provenance
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready: numbers as numbers, the provenance as its fields."""
        return {
            "page": self.page,
            "id": self.id,
            "label": self.label,
            "value": None if self.value is None else float(self.value),
            "display": self.display,
            "detail": self.detail,
            "provenance": self.provenance.to_dict(),
        }


def _fmt_int(x) -> str:
    return "–" if x is None else f"{x:,.0f}"


def _fmt_pct(x) -> str:
    return "–" if x is None else f"{x:.0f}%"


def weighted(page: str, figure_id: str, wf) -> PageFigure:
    """A page's weighted tile (``svd.harm.WeightedFigure``) as the page shows it: the value in the measure's unit,
    its change in per cent and never a significance test (``harm.CHANGE_NOTE``), and what was left out."""
    from svd import harm

    return PageFigure(
        page,
        figure_id,
        wf.title,
        wf.current,
        wf.value_text,
        wf.provenance,
        {
            "measure": wf.measure,
            "previous": wf.previous,
            "period": wf.period,
            "previous_period": wf.previous_period,
            "change": wf.change_text,
            "change_test": harm.CHANGE_NOTE,
            "left_out": wf.missing,
        },
    )


def default_period(months: Sequence) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The pages' default months: the latest 12 of the MPS ward series (the sidebar's default)."""
    ordered = sorted(pd.Timestamp(m) for m in months)
    return ordered[max(0, len(ordered) - 12)], ordered[-1]


# ------------------------------------------------------------------------------------------------ pages


def overview_page(
    borough: pd.DataFrame,
    london: pd.DataFrame,
    records: pd.DataFrame | None,
    simulated: bool,
    populations: pd.DataFrame,
    ward_population: pd.DataFrame,
    wards: Sequence[str] = (),
    public: bool = False,
    extract_name: str | None = None,
    periods: agg.Periods | None = None,
    measure: str = "count",
) -> list[PageFigure]:
    """The Overview's tiles (``overview.board_figures``), as the tiles show them (public mode applied); under a
    weighted ``measure`` its MPS tiles are the weighted ones (``harm.tile_figures``), as the switch shows them."""
    from svd import harm, overview
    from svd import public as pub

    figs, _area = overview.board_figures(
        borough,
        records,
        simulated,
        populations,
        london,
        ward_population,
        tuple(wards),
        extract_name=extract_name,
        periods=periods,
    )
    level = pub.area_level(wards)
    heavy = (
        harm.tile_figures(borough, measure, periods, wards=tuple(wards), area=_area)
        if measure != "count"
        else {}
    )
    out = []
    for mid in overview.TILES:
        fig = figs.get(mid)
        if mid in heavy:
            out.append(weighted("overview", mid, heavy[mid]))
            continue
        if fig is None:
            continue
        m = fig.metric
        display = overview.format_value(fig)
        detail = {
            "current": fig.current,
            "previous": fig.previous,
            "period": fig.period,
            "previous_period": fig.previous_period,
            "change": fig.change_label or fig.change_note,
            "p_value": fig.p_value,
            "rate_per_1000": fig.rate_per_1000,
            "london_rate_per_1000": fig.london_rate_per_1000,
        }
        if m.unit != "percent":
            shown = pub.tile_display(fig.current, fig.previous, level, m.sensitive, public=public)
            display = shown.value or display
            if shown.value:
                detail.update(current=None, previous=None)
            if not shown.show_change:
                detail.update(change=None, p_value=None, previous=None)
            if not shown.show_rate:
                detail.update(rate_per_1000=None)
        value = None if display.startswith("<") else fig.current
        out.append(PageFigure("overview", mid, m.title, value, display, fig.provenance, detail))
    return out


def knife_crime_page(
    ward: pd.DataFrame,
    borough_file: pd.DataFrame,
    london: pd.DataFrame,
    populations: pd.DataFrame,
    records: pd.DataFrame,
    simulated: bool,
    periods: agg.Periods,
    ward_population: pd.DataFrame | None = None,
    wards: Sequence[str] = (),
    measure: str = "count",
) -> list[PageFigure]:
    """The Knife crime and robbery page's tiles for the chosen months (``periods``) and wards: robbery count
    and rate (real), knife and suspect shares. Under a weighted ``measure`` the robbery tile is weighted; the
    rate, rank and shares stay counts (``harm.COUNT_ONLY``), as on the page."""
    from svd import filters as rf
    from svd import harm, overview, profiles, trends
    from svd.mps import loads_in as mps_loads_in
    from svd.mps import loads_over as mps_loads_over

    robbery_cats = mx.metric("personal_robbery").categories
    change = trends.compare_periods(trends.monthly(ward, robbery_cats, list(wards) or None), periods)
    rate = overview.board_figures(
        ward,
        None,
        simulated,
        populations,
        london,
        ward_population,
        tuple(wards),
        metric_ids=("personal_robbery",),
        periods=periods,
    )[0]["personal_robbery"]
    period = rf.RecordFilter(start=periods.start, end=periods.end, wards=tuple(wards))
    in_period = rf.apply(records, period)
    robbery = rf.apply(in_period, rf.RecordFilter(offence_groups=("Personal robbery",)))
    knife = profiles.knife_personal_robbery_share(in_period)
    multi = profiles.multiple_suspects_share(robbery)
    recs = prov.records(
        simulated,
        rf.describe(period),
        fixes=mx.metric("knife_share_personal_robbery").simulation_fixes,
    )
    lr = trends.london_rank(london, borough_file, robbery_cats, populations, periods)
    ranked = []
    if lr is not None:
        rk = lr.rank
        ranked.append(
            PageFigure(
                "knife-crime-robbery",
                "personal_robbery_london_rank",
                "Personal robbery, London rank",
                rk.rank,
                f"{rk.rank} of {rk.of}",
                prov.mps(
                    rk.period,
                    method=f"rate {prov.RATE_DENOMINATOR}; London: the 32 boroughs the MPS polices",
                    level="borough" if lr.from_borough_file else "ward",
                    loads=mps_loads_in(borough_file if lr.from_borough_file else london, periods.current),
                ).but(notes=lr.note),
                {
                    "rate_per_1000": rk.rate_per_1000,
                    "london_rate_per_1000": rk.london_rate_per_1000,
                    "rank": rk.rank,
                    "of": rk.of,
                },
            )
        )
    robbery_tile = []
    if measure != "count":
        robbery_tile.append(
            weighted(
                "knife-crime-robbery",
                "personal_robbery_12m",
                harm.mps_figure(
                    ward,
                    robbery_cats,
                    "personal_robbery",
                    "Personal robbery, chosen months",
                    measure,
                    periods,
                    tuple(wards),
                ),
            )
        )
    elif change is not None:
        robbery_tile.append(
            PageFigure(
                "knife-crime-robbery",
                "personal_robbery_12m",
                "Personal robbery, chosen months",
                change.current,
                _fmt_int(change.current),
                change.provenance(loads=mps_loads_over(ward, periods)),
                {"previous": change.previous, "change": change.label, "p_value": change.p_value},
            )
        )
    return [
        *robbery_tile,
        PageFigure(
            "knife-crime-robbery",
            "personal_robbery_rate",
            "Rate per 1,000 residents",
            rate.rate_per_1000,
            f"{rate.rate_per_1000:.2f}",
            rate.provenance,
            {"london_rate_per_1000": rate.london_rate_per_1000},
        ),
        PageFigure(
            "knife-crime-robbery",
            "knife_share_personal_robbery",
            "Knife offences that are personal robbery",
            knife.pct,
            _fmt_pct(knife.pct),
            recs,
            {"numerator": knife.numerator, "base": knife.denominator},
        ),
        PageFigure(
            "knife-crime-robbery",
            "robbery_multiple_suspects",
            "Robberies with 2+ suspects",
            multi.pct,
            _fmt_pct(multi.pct),
            recs.but(filters="personal robbery with the number of suspects recorded"),
            {"numerator": multi.numerator, "base": multi.denominator},
        ),
        *ranked,
    ]


SEXUAL_OFFENCES = {
    "All sexual offences": ("rape", "other_sexual"),
    "Rape": ("rape",),
    "Other sexual offences": ("other_sexual",),
}


def sexual_offences_page(
    ward: pd.DataFrame, periods: agg.Periods, wards: Sequence[str] = (), measure: str = "count"
) -> list[PageFigure]:
    """The Sexual offences page's three tiles (MPS ward data summed, the chosen months against the same months
    a year earlier), weighted under a weighted ``measure``."""
    from svd import harm, trends
    from svd.mps import loads_over as mps_loads_over

    out = []
    for name, ids in SEXUAL_OFFENCES.items():
        cats = tuple(c for mid in ids for c in mx.metric(mid).categories)
        if measure != "count":
            wf = harm.mps_figure(ward, cats, name, f"{name}, chosen months", measure, periods, tuple(wards))
            out.append(weighted("sexual-offences", "_".join(name.lower().split()) + "_12m", wf))
            continue
        c = trends.compare_periods(trends.monthly(ward, cats, list(wards) or None), periods)
        if c is None:
            continue
        out.append(
            PageFigure(
                "sexual-offences",
                "_".join(name.lower().split()) + "_12m",
                f"{name}, chosen months",
                c.current,
                _fmt_int(c.current),
                c.provenance(loads=mps_loads_over(ward, periods)),
                {"previous": c.previous, "change": c.label, "p_value": c.p_value},
            )
        )
    return out


def domestic_abuse_page(
    records: pd.DataFrame,
    simulated: bool,
    periods: agg.Periods,
    wards: Sequence[str] = (),
    measure: str = "count",
) -> list[PageFigure]:
    """The Domestic abuse page's count for the chosen months (not tested on simulated records, which fix the
    DA share); under a weighted ``measure`` the weighted total by offence type, or '–' and what has no weight."""
    from svd import filters as rf
    from svd import harm, trends

    da = rf.apply(records, rf.RecordFilter(domestic_abuse=True, wards=tuple(wards)))
    if measure != "count":
        tag = "simulated records" if simulated else "partnership extract"
        recs = prov.records(
            simulated,
            periods.label,
            periods.previous_label,
            filters="domestic abuse flag",
            fixes=mx.metric("domestic_abuse").simulation_fixes,
        )
        wf = harm.records_figure(
            da, "domestic_abuse", f"DA offences, chosen months ({tag})", measure, periods, recs
        )
        return [weighted("domestic-abuse", "domestic_abuse_12m", wf)]
    change = trends.compare_periods(
        trends.records_monthly(da, records["month"].min(), records["month"].max()), periods
    )
    if change is None:
        return []
    untested = mx.untested_note("domestic_abuse", simulated)
    return [
        PageFigure(
            "domestic-abuse",
            "domestic_abuse_12m",
            "DA offences, chosen months",
            change.current,
            _fmt_int(change.current),
            prov.records(
                simulated,
                change.current_period,
                change.previous_period,
                filters="domestic abuse flag",
                method=untested or mx.count_method(change, False),
                fixes=mx.metric("domestic_abuse").simulation_fixes,
            ),
            {"previous": change.previous, "change": untested or change.label},
        )
    ]


def temporal_page(
    records: pd.DataFrame,
    simulated: bool,
    start: pd.Timestamp,
    end: pd.Timestamp,
    wards: Sequence[str] = (),
    measure: str = "count",
) -> list[PageFigure]:
    """The Days and times page's two shares between 15:00 and 21:00: all offences, and the SNA's measure; under
    a weighted ``measure`` also the weighted share of the current filters (``harm.records_share``), as the page."""
    from svd import filters as rf
    from svd import harm
    from svd import temporal as tp
    from svd.incidents import SERIOUS_VIOLENCE_OFFENCES

    period = rf.RecordFilter(start=start, end=end, wards=tuple(wards))
    # The page's default offence choice: serious violence, the London definition's offence types.
    shown = rf.apply(records, period)
    shown = shown[shown["offence"].isin(SERIOUS_VIOLENCE_OFFENCES).to_numpy()]
    known = shown[shown["hour"].notna().to_numpy()]
    inside = int(rf.hour_mask(known["hour"], rf.PRIORITY_WINDOW).sum())
    sna_inside, sna_known, sna_share = tp.table_window_share(
        tp.under_25_hours(records), start, end, tuple(wards)
    )
    recs = prov.records(
        simulated,
        f"{start:%b %Y} to {end:%b %Y}",
        area=f"{len(wards)} selected ward(s)" if wards else config.borough().name,
        method="offences with a known time of day",
        fixes=mx.metric("share_3pm_9pm").simulation_fixes,
    )
    share = 100 * inside / len(known) if len(known) else None
    sna_pct = None if sna_share is None else 100 * sna_share
    extra = []
    if measure != "count":
        w_share, why = harm.records_share(known, rf.hour_mask(known["hour"], rf.PRIORITY_WINDOW), measure)
        extra.append(
            PageFigure(
                "temporal",
                "share_15_21_current_filters_weighted",
                harm.title("15:00–21:00 share, current filters", measure),
                w_share,
                _fmt_pct(w_share),
                recs.but(filters=rf.describe(period), method=harm.method_text(measure).rstrip(".")),
                {"measure": measure, "change_test": harm.CHANGE_NOTE, "left_out": why},
            )
        )
    return [
        *extra,
        PageFigure(
            "temporal",
            "share_15_21_current_filters",
            "15:00–21:00 share, current filters",
            share,
            _fmt_pct(share),
            recs.but(filters=rf.describe(period)),
            {"numerator": inside, "base": len(known)},
        ),
        PageFigure(
            "temporal",
            "share_15_21_sna_measure",
            "Serious violence affecting under-25s (the SNA's measure)",
            sna_pct,
            _fmt_pct(sna_pct),
            recs.but(filters=mx.metric("share_3pm_9pm").caption),
            {"numerator": sna_inside, "base": sna_known},
        ),
    ]


def hotspots_page(
    records: pd.DataFrame, simulated: bool, start: pd.Timestamp, end: pd.Timestamp, wards: Sequence[str] = ()
) -> list[PageFigure]:
    """The Hotspots headline's total: offences matching the map's default filters (serious violence in the
    15:00–21:00 window)."""
    from svd import filters as rf
    from svd.incidents import SERIOUS_VIOLENCE_OFFENCES

    f = rf.RecordFilter(start=start, end=end, wards=tuple(wards), hours=rf.PRIORITY_WINDOW)
    # The map's default offence choice: serious violence, the London definition's offence types.
    matching = rf.apply(records, f)
    n = int(matching["offence"].isin(SERIOUS_VIOLENCE_OFFENCES).sum())
    return [
        PageFigure(
            "hotspots",
            "offences_matching_map",
            "Offences matching the map's filters",
            n,
            _fmt_int(n),
            prov.records(
                simulated,
                f"{start:%b %Y} to {end:%b %Y}",
                filters=rf.describe(f) + "; London-definition serious violence",
                method=prov.untested_by_simulation(simulated, hours=f.hours) or "count of records",
            ),
        )
    ]


# ------------------------------------------------------------------------------------------------ all


def all_figures(
    data_dir: Path | None = None,
    extract: Path | str | None = None,
    public: bool | None = None,
    measure: str = "count",
) -> dict:
    """Every page's tiles for the data directory and record set the dashboard would use (JSON-ready).

    ``extract`` defaults to ``SVD_EXTRACT`` (else the simulation); ``public`` to ``SVD_PUBLIC``. ``measure``
    (``svd.harm.MEASURES``): the pages' "Weigh offences by" switch; public mode offers the count only, so a
    weighted measure with public mode is a ValueError.
    """
    from svd import harm

    harm.measure(measure)
    from svd import public as pub
    from svd.mps import load_mps
    from svd.population import london_populations, ward_population
    from svd.records import find_extract, load_records
    from svd.taxonomy import classify_mps

    on = pub.is_public() if public is None else public
    if on and measure != "count":
        raise ValueError(
            "public mode shows counts only: a weighted total would give back the counts it hides"
        )
    ward = classify_mps(load_mps(level="ward", data_dir=data_dir, borough_code=config.borough().code).table)
    london = classify_mps(load_mps(level="ward", data_dir=data_dir, borough_code=None).table)
    borough_file = classify_mps(load_mps(level="borough", data_dir=data_dir).table)
    pops, wpop = london_populations(data_dir), ward_population(data_dir)
    rs = load_records(extract=extract if extract is not None else find_extract(data_dir), data_dir=data_dir)
    sim = rs.source == "simulated"
    start, end = default_period(ward["month"].unique())
    periods = agg.periods_for(start, end)
    figures = [
        *overview_page(
            ward,
            london,
            rs.data,
            sim,
            pops,
            wpop,
            public=on,
            extract_name=prov.extract_name(rs),
            periods=periods,
            measure=measure,
        ),
        *knife_crime_page(ward, borough_file, london, pops, rs.data, sim, periods, wpop, measure=measure),
        *sexual_offences_page(ward, periods, measure=measure),
        *domestic_abuse_page(rs.data, sim, periods, measure=measure),
        *temporal_page(rs.data, sim, start, end, measure=measure),
        *hotspots_page(rs.data, sim, start, end),
    ]
    for f in figures:
        if "measure" not in f.detail:  # a rate, rank or share: counts whatever the measure, as the page says
            f.detail["measure"] = "count"
            if measure != "count":
                f.detail["note"] = "counts " + harm.COUNT_ONLY
    return {
        "generated": f"{date.today():%Y-%m-%d}",
        "public": on,
        "measure": measure,
        "measure_label": harm.measure(measure).label,
        "records": "simulated" if sim else "partnership extract",
        "period": f"{start:%Y-%m} to {end:%Y-%m}",
        "figures": [f.to_dict() for f in figures],
    }
