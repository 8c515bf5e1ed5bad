"""Days and times: when offences happen, against the strategy's 15:00–21:00 window, for tasking."""

import streamlit as st

from svd import config, harm, mps, public, strategy
from svd import hotspots as hs
from svd import metrics as mx
from svd import provenance as prov
from svd import temporal as tp
from ui import cache, exports, frame, present, share
from ui import filters as uf
from ui import harm as uharm

ROOT = cache.data_root()
REFERENCE_ID = "share_3pm_9pm"


def sna_reference() -> dict | None:
    """The SNA's published share of offences between 15:00 and 21:00 (None if the definition is missing)."""
    from svd import strategy

    try:
        return strategy.reference(REFERENCE_ID)
    except KeyError:
        return None


def body() -> None:
    shared = st.session_state["shared_filter"]
    start, end = shared["start"], shared["end"]
    wards = public.profile_wards(shared["wards"])  # public mode: the whole borough
    extract = cache.extract_path()
    record_set = cache.records(ROOT, extract)
    ref = sna_reference()
    ref_value = float(ref["value"]) if ref else None

    # The SNA's 46% is for serious violence affecting under-25s: the same measure on these records, this period.
    sna = sna_measure(start, end, wards)
    period = shared["periods"].label
    uf.period_note(
        "Seasonality, at the foot of this page, needs every calendar month: it uses all months published."
    )
    recs = _provenance(record_set, start, end, wards)
    # The headline describes what the charts show, so the charts' section (a fragment, with the page's own
    # filters) fills it in; without times, the shared filters' counts do.
    head = st.empty()
    has_times = cache.tasking_has_times(ROOT, extract)
    if not has_times:
        counts = cache.tasking_time_counts(ROOT, extract, start, end, tuple(wards))
        inside, known, share = tp.time_window_share(counts)
        with head.container():
            frame.headline(
                "Days and times",
                tp.headline_sentence(
                    inside,
                    known,
                    share,
                    ref_value,
                    tp.time_grid(counts),
                    "offences",
                    sna_share=sna[2],
                    simulated=record_set.source == "simulated",
                    period=period,
                ),
                provenance=recs,
            )
    frame.records_notice(record_set)
    exports.public_notice()
    if not has_times:
        st.info(
            "These records have no times of day, so the hour and weekday charts cannot be drawn. They need "
            "record-level data with the offence date and time (an extract in record format v1, or the "
            "simulation). The real seasonality below comes from the monthly MPS borough series.",
            icon=":material/schedule:",
        )
    else:
        times_section(ref, sna, head)
    seasonality_section()
    frame.sources(
        [
            "records_simulated" if record_set.source == "simulated" else "records_extract",
            "mps_borough",
            "strategy",
        ],
        as_of=f"{end:%B %Y}",
    )


def _provenance(record_set, start, end, wards, filters: str | None = None) -> prov.Provenance:
    """The record-level figures' provenance for the shared months and wards (and the section's filters)."""
    return prov.for_record_set(
        record_set,
        period=f"{start:%b %Y} to {end:%b %Y}",
        area=f"{len(wards)} selected ward(s)" if wards else config.borough().name,
        filters=filters,
        method="offences with a known time of day",
        fixes=mx.metric(REFERENCE_ID).simulation_fixes,
    )


def _shared_months():
    shared = st.session_state["shared_filter"]
    return shared["start"], shared["end"]


def sna_measure(start, end, wards: tuple[str, ...]) -> tuple[int, int, float | None]:
    """(inside, known, share) of 15:00–21:00 for serious violence affecting under-25s (svd.metrics)."""
    return cache.sna_window_share(ROOT, cache.extract_path(), start, end, tuple(wards))


@share.fragment
def times_section(ref: dict | None, sna: tuple[int, int, float | None], head) -> None:
    """Filters, the headline (into ``head``) and the hour × weekday charts: a filter change reruns only this.

    ``sna`` (``sna_measure``) depends only on the shared filters, whose change reruns the whole page.
    """
    shared = st.session_state["shared_filter"]
    # Public mode: the whole borough only. The hour × weekday grid of a place or a ward, its hour and weekday
    # profiles, the 15:00–21:00 share and the busiest hour are four views of the same small counts, which no
    # suppression of one table can hold together; borough figures are published in full (svd.public).
    public_on = public.is_public()
    wards = public.profile_wards(shared["wards"])
    extract = cache.extract_path()
    cube = cache.tasking_cube(ROOT, extract)
    places = {} if public_on else cache.priority_place_options(ROOT)

    with present.filters_box():
        c1, c2, c3 = st.columns([1.4, 1.4, 1.2])
        choice = uf.offences(hs.offence_choices(cube), "tp_offences", container=c1)
        offences = hs.offences_for(choice, cube)
        groups = uf.offence_groups(hs.cube_offence_groups(cube), key="tp_groups", container=c1)
        missing = hs.cube_groups_without_records(cube)
        if missing:
            c1.caption(f"No record-level data for {', '.join(missing).lower()}.")
        da = uf.flag("Domestic abuse", key="tp_da", container=c2)
        knife = uf.flag("Knife or bladed article", key="tp_knife", container=c2)
        if public_on:
            c3.caption("Public mode: the whole borough only, not a place or a ward (small counts).")
        weighting = uharm.weighting(
            "tp_weighting", container=c3, help_extra=" Gives the 15:00–21:00 share of the weighted total too."
        )
        with c3:
            # "" (not None, which a selectbox shows as "no choice") is the whole borough.
            place = (
                None
                if public_on
                else (
                    uf.choice(
                        st.selectbox,
                        "tp_place",
                        ["", *places],
                        "",
                        label="Place",
                        format_func=lambda p: places[p] if p else "Whole borough (or the sidebar wards)",
                        help="A priority place from the strategy; records are placed by their location.",
                    )
                    or None
                )
            )

    f = uf.record_filter(
        shared["start"], shared["end"], wards, offence_groups=groups, domestic_abuse=da, knife=knife
    )
    # The place test (point in polygon, else the LSOA) was done once per record when the cube was built.
    selected = hs.cube_mask(cube, f, offences=tuple(offences), place=place)
    # The heatmap and profiles under the measure chosen (counts, or each cell's sum of weights).
    charts = tp.time_charts(cube, selected, cache.tasking_time_bins(ROOT, extract), weighting)
    counts = tp.cube_time_counts(cube, selected, cache.tasking_time_bins(ROOT, extract))
    grid = charts.grid  # the headline counts offences: its busiest hour is by count
    inside, known, share = tp.time_window_share(counts)
    record_set = cache.records(ROOT, extract)
    sim = record_set.source == "simulated"
    recs = _provenance(
        record_set,
        shared["start"],
        shared["end"],
        wards,
        hs.describe(f, offences, hs.serious_violence_offences(cube)),
    )
    with head.container():
        frame.headline(
            "Days and times",
            tp.headline_sentence(
                inside,
                known,
                share,
                None if ref is None else float(ref["value"]),
                grid,
                "offences",
                sna_share=sna[2],
                simulated=sim,
                period=shared["periods"].label,
            ),
            provenance=recs,
        )
    where = places[place] if place is not None else "the selection"
    shown_recs = charts.provenance(recs)
    st.caption(
        hs.describe(f, offences, hs.serious_violence_offences(cube))
        + (f"; {places[place]}" if place is not None else "")
        + f" · {recs.kind_label().lower()}"
    )

    sna_inside, sna_known, sna_share = sna
    # The SNA measure sits beside the SNA figure, wide enough for its label.
    m1, m2, m3 = st.columns([1.1, 2.2, 0.9])
    if weighting != "count":
        # The weighted share of the current filters, over the offence types the heatmap weighs (partial, as
        # the charts: the types without a weight are named once, under the heatmap).
        values = harm.cube_time_values(
            cube, selected, weighting, cache.tasking_time_bins(ROOT, extract), partial=True
        )
        w_share = None if values.frame is None else harm.window_share(values.frame["value"].to_numpy())
        with st.container(border=True):
            st.metric(
                harm.title("15:00–21:00 share, current filters", weighting),
                frame.fmt_pct(w_share),
                help=harm.method_text(weighting),
            )
            st.caption(harm.window_share_note(values))
    m1.metric(
        f"15:00–21:00 share, current filters ({recs.kind_label().lower()})",
        frame.fmt_pct(None if share is None else share * 100),
        help=f"{inside:,} of the {known:,} offences with a known time in {where}, "
        f"{shared['periods'].label}, with the filters above.",
    )
    m2.metric(
        f"Serious violence affecting under-25s (the SNA's measure; {recs.kind_label().lower()})",
        frame.fmt_pct(None if sna_share is None else sna_share * 100),
        help=f"{sna_inside:,} of the {sna_known:,} offences with a known time: the eight London "
        "serious-violence offence types, victim under 25, reported at the time (svd.metrics), for the "
        "chosen months and sidebar wards. The filters above do not apply.",
    )
    if ref:
        m3.metric(
            "2023 SNA figure",
            f"{float(ref['value']):.0f}%",
            help=f"{ref.get('text', '')} ({ref.get('period', '')}). {ref.get('source', '')}",
        )
        st.caption(
            f"The published figure ('2023 SNA: {float(ref['value']):.0f}%') is from the Strategic Needs "
            "Assessment and measures violence and exploitation affecting under-25s: compare it with the "
            "middle figure, computed the same way on these records. The first figure is for the current filters."
            + (
                f" Simulated records: the simulation fixes {mx.metric(REFERENCE_ID).simulation_fixes}, so the "
                "middle figure matches the SNA by construction and says nothing new about when offences happen."
                if sim
                else ""
            )
        )
    else:
        st.caption(
            strategy.missing_note("the needs assessment's reference figures")
            if not strategy.available()
            else "The SNA reference figure is not defined in the strategy's data."
        )

    heat_spec, hour_spec, day_spec = charts.specs(present.chart_style())
    if charts.weighted or charts.note:
        # What the weighted charts leave out, or why they count; and that a weighted sum is not a count.
        st.caption(
            " ".join(x for x in (charts.note, harm.CHANGE_NOTE_SHORT + "." if charts.weighted else "") if x)
        )
    with frame.friendly_errors("The heatmap"):
        exports.show_chart(heat_spec, charts.title, key="tp_heat", provenance=shown_recs)
    if known:
        st.caption(charts.peak_text(recs.kind_label().lower()))

    a, b = st.columns(2)
    by = charts.axis.tooltip if charts.weighted else "Offences"
    with a, frame.friendly_errors("The hour profile"):
        exports.show_chart(hour_spec, f"{by} by hour", key="tp_hour", provenance=shown_recs)
    with b, frame.friendly_errors("The weekday profile"):
        exports.show_chart(day_spec, f"{by} by weekday", key="tp_day", provenance=shown_recs)
    exports.table_downloads(
        charts.downloads(),
        charts.title,
        key="tp_grid",
        label="Hour × day table",
        provenance=shown_recs,
    )


def seasonality_section() -> None:
    """Month-of-year averages: the record set and the real MPS borough series (cached: shared inputs only)."""
    st.subheader("Seasonality")
    real = prov.mps(
        method="average by calendar month; months not published are left out",
        level="borough",
        # Every month published: the store's releases among them.
        loads=mps.loads_in(cache.mps_borough(ROOT)[1]),
    )
    recs = _provenance(
        cache.records(ROOT, cache.extract_path()), *_shared_months(), (), "average by calendar month"
    )
    groups = tuple(st.session_state.get("tp_groups") or ())
    a, b = st.columns(2)
    with a, frame.friendly_errors("The real seasonality"):
        season = cache.mps_seasonality(ROOT, groups)
        exports.show_chart(
            tp.seasonality_spec(
                season, "Real MPS recorded crime: average by calendar month", style=present.chart_style()
            ),
            "Seasonality MPS",
            key="tp_season_mps",
            provenance=real,
        )
        st.caption(
            f"{config.borough().name}, {('; '.join(groups)) if groups else 'all offence groups'}; each month "
            f"averaged over {season['years'].min()}–{season['years'].max()} years (gaps in the published "
            "series are left out, not counted as zero). Seasonality needs every calendar month, so these "
            "charts use all the months published, not the months chosen in the sidebar."
        )
        exports.table_downloads(
            season, "Seasonality MPS", key="tp_season_mps_t", label="Table", provenance=real
        )
    with b, frame.friendly_errors("The record seasonality"):
        season_r = cache.records_seasonality(ROOT, cache.extract_path())
        exports.show_chart(
            tp.seasonality_spec(
                season_r, "Record-level data: average by calendar month", style=present.chart_style()
            ),
            "Seasonality records",
            key="tp_season_rec",
            provenance=recs,
        )
        exports.table_downloads(
            season_r, "Seasonality records", key="tp_season_rec_t", label="Table", provenance=recs
        )
        st.caption("Every month of the record-level data, not only the months chosen in the sidebar.")


frame.run_page(body)
