"""Hotspots: where offences concentrate, for tasking patrols and outreach (map, legend, ranked areas)."""

from dataclasses import replace

import streamlit as st

from svd import filters as sf
from svd import hotspots as hs
from svd import maps
from ui import cache, frame
from ui import filters as uf

ROOT = cache.data_root()
SOURCES = {"records": "Record-level data", "mps": "Metropolitan Police ward counts (real, monthly)"}


def body() -> None:
    shared = st.session_state["shared_filter"]
    start, end = shared["start"], shared["end"]
    period = hs.period_label(start, end)

    # The headline comes first on screen, so read the source choice from state before drawing its control.
    source = st.session_state.get("hs_source") or "records"
    if source == "records":
        record_set = cache.records(ROOT, cache.extract_path())
        cube = cache.tasking_cube(ROOT, cache.extract_path())
        base = hs.cube_area_counts(
            cube, hs.cube_mask(cube, uf.record_filter(start, end, shared["wards"])), "ward"
        )
    else:
        _, table = cache.mps_ward(ROOT)
        base = hs.mps_counts(sf.apply_mps(table, uf.record_filter(start, end, shared["wards"])))
    ward_areas = hs.area_frame(cache.wards(ROOT), "ward")
    pstart, pend = hs.previous_period(start, end)
    if source == "records":
        prev = hs.cube_area_counts(
            cube, hs.cube_mask(cube, uf.record_filter(pstart, pend, shared["wards"])), "ward"
        )
    else:
        prev = hs.mps_counts(sf.apply_mps(table, uf.record_filter(pstart, pend, shared["wards"])))
    summary = hs.summarise(
        hs.area_table(ward_areas, hs.population_frame(cache.ward_population(ROOT), "ward"), base, prev)
    )
    frame.headline("Hotspots", hs.headline_sentence(summary, "ward", period, "offences"))
    st.segmented_control(
        "Data source",
        options=list(SOURCES),
        format_func=SOURCES.get,
        default="records",
        key="hs_source",
        help="Record-level data have times, flags and locations; the published "
        "MPS ward counts are monthly totals by ward only.",
    )

    if source == "records":
        frame.records_notice(record_set)
    else:
        st.info(
            "Real MPS ward counts: ward level only, monthly totals. Times of day, weekdays and the "
            "domestic-abuse and knife flags need record-level data, so those filters are switched off.",
            icon=":material/info:",
        )

    tasking_section(source)
    frame.sources(
        [
            "records_simulated"
            if source == "records" and record_set.source == "simulated"
            else "records_extract"
            if source == "records"
            else "mps",
            "census",
            "geo",
            "strategy",
        ],
        as_of=f"{end:%B %Y}",
    )


@st.fragment
def tasking_section(source: str) -> None:
    """Filters, map, legend and ranked table: a filter change reruns only this part of the page."""
    shared = st.session_state["shared_filter"]
    start, end = shared["start"], shared["end"]
    records_mode = source == "records"
    if records_mode:
        cube = cache.tasking_cube(ROOT, cache.extract_path())
        groups = hs.cube_offence_groups(cube)
    else:
        _, table = cache.mps_ward(ROOT)
        groups = hs.offence_groups(table)

    with st.container(border=True):
        c1, c2, c3, c4 = st.columns([1.1, 1.1, 1.6, 1.4])
        with c1:
            level = st.radio(
                "Areas",
                ["ward", "lsoa"] if records_mode else ["ward"],
                format_func=hs.LEVEL_LABELS.get,
                key="hs_level",
                horizontal=True,
                help="19 wards or 115 neighbourhoods (2021 LSOAs).",
            )
            measure = st.radio(
                "Measure",
                list(hs.MEASURES),
                format_func=hs.MEASURES.get,
                key="hs_measure",
                help="Rates use Census 2021 usual residents; busy centres with few residents "
                "have high rates.",
            )
        chosen_groups = uf.offence_groups(groups, key="hs_groups", container=c2)
        if records_mode:
            da = uf.flag("Domestic abuse", key="hs_da", container=c2)
            knife = uf.flag("Knife or bladed article", key="hs_knife", container=c2)
            hours = uf.time_window(key="hs_hours", container=c3)
            days = uf.weekdays(key="hs_days", container=c3)
        else:
            da = knife = hours = None
            days = ()
            c3.caption("Time of day, weekdays and flags: not available in monthly ward counts.")
        with c4:
            show_grid = st.toggle(
                "250 m squares (record locations)", value=True, key="hs_grid", disabled=not records_mode
            )
            basemap = st.toggle(
                "Street basemap (needs internet)",
                value=False,
                key="hs_basemap",
                help="Off by default so the map works offline and with no map-service key.",
            )

    f = uf.record_filter(
        start,
        end,
        shared["wards"],
        offence_groups=chosen_groups,
        domestic_abuse=da,
        knife=knife,
        hours=hours,
        weekdays=days,
    )
    pstart, pend = hs.previous_period(start, end)
    prev_f = replace(f, start=pstart, end=pend)
    all_f = replace(f, start=None, end=None)
    if records_mode:
        # Integer masks over the count cube (svd.hotspots.Cube): the same figures as filtering the records.
        current = hs.cube_mask(cube, f)
        counts = hs.cube_area_counts(cube, current, level)
        prev_counts = hs.cube_area_counts(cube, hs.cube_mask(cube, prev_f), level)
        all_mask = hs.cube_mask(cube, all_f)
        latest = hs.cube_latest_month(cube)
    else:
        current = sf.apply_mps(table, f)
        counts = hs.mps_counts(current)
        prev_counts = hs.mps_counts(sf.apply_mps(table, prev_f))
        monthly = hs.mps_monthly_area_counts(sf.apply_mps(table, all_f))
        latest = table["month"].max()

    gdf = cache.wards(ROOT) if level == "ward" else cache.lsoas(ROOT)
    pop = cache.ward_population(ROOT) if level == "ward" else cache.lsoa_population(ROOT)
    areas = hs.area_frame(gdf, level)
    table_ = hs.with_tooltips(
        hs.area_table(areas, hs.population_frame(pop, level), counts, prev_counts),
        hs.period_label(start, end),
    )
    st.caption(
        f"**{int(table_['count'].sum()):,} offences** · {sf.describe(f)} · change against "
        f"{hs.period_label(pstart, pend)}."
    )

    map_col, legend_col = st.columns([3, 1])
    with map_col, frame.friendly_errors("The map"):
        breaks = maps.class_breaks(table_[measure])
        key = "ward_code" if level == "ward" else "lsoa_code"
        layer = cache.map_layer(ROOT, "wards" if level == "ward" else "lsoas", (key,))
        # Only what the map uses: the tooltip carries name, rate and change as text.
        values = table_[list(dict.fromkeys(["area_code", "count", measure, "tip"]))].rename(
            columns={"area_code": key}
        )
        choropleth = maps.choropleth_geojson(layer, values, key, measure, breaks)
        cells = (
            hs.cube_cell_table(cube, current)
            if records_mode and show_grid and hs.cube_has_coordinates(cube, current)
            else None
        )
        deck = maps.hotspot_deck(
            choropleth,
            cache.map_layer(ROOT, "borough", ()),
            hs.select_features(cache.map_layer(ROOT, "priority_places", ("kind",)), "kind", "priority"),
            cache.map_labels(ROOT),
            cells=cells,
            basemap=basemap,
        )
        st.pydeck_chart(deck, height=560, key="hs_map")
    with legend_col:
        st.markdown(f"**{hs.MEASURES[measure]}**")
        leg = maps.legend(breaks, values=table_[measure], integer=measure == "count")
        # A small HTML table: a styled st.dataframe costs ~25 ms per rerun; the range text carries the meaning.
        st.markdown(maps.legend_html(leg), unsafe_allow_html=True)
        st.caption(
            "Colours run from dark purple (fewest) to yellow (most); grey areas have no data. "
            "Orange outlines: the strategy's priority places; black: the borough boundary."
            + (
                " Orange circles: offences per 250 m square (area proportional to the count; hover for counts)."
                if cells is not None
                else ""
            )
        )

    st.subheader("Top areas")
    with frame.friendly_errors("The ranked table"):
        gi = cache.gi_star(
            ROOT, level, measure, tuple(zip(table_["area_code"], table_[measure].fillna(0), strict=True))
        )
        totals = (
            hs.cube_emerging_totals(cube, all_mask, level, areas["area_code"])
            if records_mode
            else hs.emerging_totals(monthly, areas["area_code"], latest)
        )
        emerging = cache.emerging(
            tuple((str(a), int(c), int(p)) for a, c, p in totals.itertuples(index=False, name=None))
        )
        top = hs.ranked(table_, gi, emerging, measure)
        st.dataframe(
            top,
            hide_index=True,
            width="stretch",
            column_config={
                "rank": "Rank",
                "area_code": "Code",
                "area_name": "Area",
                "count": st.column_config.NumberColumn("Offences", format="localized"),
                "rate_per_1000": st.column_config.NumberColumn("Per 1,000 residents", format="%.2f"),
                "previous": "Previous period",
                "change_text": "Change",
                "hotspot": st.column_config.TextColumn(
                    "Gi* hotspot",
                    help="Getis-Ord Gi* on queen contiguity, 999 "
                    "permutations, fixed seed: is the area part of a cluster of "
                    "high values?",
                ),
                "emerging": st.column_config.TextColumn(
                    "Last 12 months",
                    help="Latest 12 months against the 12 before, Poisson test (not a raw percentage).",
                ),
                "last_12m": "Latest 12 months",
                "prior_12m": "12 months before",
            },
        )
        st.caption(
            f"'Last 12 months' compares the 12 months to {latest:%b %Y} with the 12 before, with the "
            "current offence and time filters. Labels are prompts to look, not findings: with many "
            "areas tested, one spurious label is plausible."
        )
        # Deferred: the CSV is built only when someone clicks, not on every filter change.
        st.download_button(
            "Download CSV",
            lambda: top.to_csv(index=False).encode("utf-8"),
            "hotspots_top_areas.csv",
            "text/csv",
            key="hs_csv",
            icon=":material/download:",
        )


frame.run_page(body)
