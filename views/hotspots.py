"""Hotspots: where offences concentrate, for tasking patrols and outreach (map, legend, ranked areas)."""

from dataclasses import replace

import streamlit as st

from svd import config, harm, maps, mps, public
from svd import filters as sf
from svd import hotspots as hs
from svd import provenance as prov
from ui import cache, exports, frame, present, share
from ui import filters as uf
from ui import harm as uharm

ROOT = cache.data_root()
SOURCES = {"records": "Record-level data", "mps": "Metropolitan Police ward counts (real, monthly)"}


def _choice(options: list[str]):
    """Decode a query-string value that must be one of ``options`` (a bad hand-edited link falls back)."""

    def decode(raw: str) -> str:
        if raw not in options:
            raise ValueError(raw)
        return raw

    return decode


def body() -> None:
    shared = st.session_state["shared_filter"]
    end = shared["end"]
    uf.period_note(
        "The ranked table's 'Trend, last 12 months' column always covers the 12 months to the latest month."
    )
    # The headline describes exactly what the map shows, so the map's section (a fragment) fills it in.
    head = st.empty()
    # Presentation mode: the map straight under the headline, the source and notices under the map.
    first, second = st.container(), st.container()
    notices, tasking = (second, first) if present.is_presenting() else (first, second)
    with notices:
        source = (
            uf._bound(
                st.segmented_control,
                "hs_source",
                "records",
                lambda v: v or "records",
                _choice(list(SOURCES)),
                label="Data source",
                options=list(SOURCES),
                format_func=SOURCES.get,
                help="Record-level data have times, flags and locations; the published "
                "MPS ward counts are monthly totals by ward only.",
            )
            or "records"
        )
        record_set = cache.records(ROOT, cache.extract_path()) if source == "records" else None
        if record_set is not None:
            frame.records_notice(record_set)
        else:
            st.info(
                "Real MPS ward counts: ward level only, monthly totals. Times of day, weekdays and the "
                "domestic-abuse and knife flags need record-level data, so those filters are switched off.",
                icon=":material/info:",
            )
        exports.public_notice()

    with tasking:
        tasking_section(source, head)
    frame.sources(
        [
            "records_simulated"
            if record_set is not None and record_set.source == "simulated"
            else "records_extract"
            if record_set is not None
            else "mps",
            "census",
            "geo",
            "strategy",
        ],
        as_of=f"{end:%B %Y}",
    )


@share.fragment
def tasking_section(source: str, head) -> None:
    """Headline, filters, map, legend and ranked table: a filter change reruns only this part of the page."""
    shared = st.session_state["shared_filter"]
    start, end = shared["start"], shared["end"]
    records_mode = source == "records"
    if records_mode:
        cube = cache.tasking_cube(ROOT, cache.extract_path())
        groups = hs.cube_offence_groups(cube)
        tag = (
            "simulated records"
            if cache.records(ROOT, cache.extract_path()).source == "simulated"
            else ("partnership extract")
        )
    else:
        _, table = cache.mps_ward(ROOT)
        groups = hs.offence_groups(table)
        tag = "MPS ward counts"

    first, second = st.container(), st.container()
    map_area, filter_area = (first, second) if present.is_presenting() else (second, first)
    with filter_area, present.filters_box():
        c1, c2, c3, c4 = st.columns([1.1, 1.1, 1.6, 1.4])
        with c1:
            levels = ["ward", "lsoa"] if records_mode else ["ward"]
            if st.session_state.get("hs_level") not in (None, *levels):
                del st.session_state["hs_level"]  # LSOA chosen, then the ward-only MPS source
            level = uf._bound(
                st.radio,
                "hs_level",
                "ward",
                str,
                _choice(levels),
                label="Areas",
                options=levels,
                format_func=hs.LEVEL_LABELS.get,
                horizontal=True,
                help="19 wards or 115 neighbourhoods (2021 LSOAs).",
            )
            measure = uf._bound(
                st.radio,
                "hs_measure",
                "count",
                str,
                _choice(list(hs.MEASURES)),
                label="Measure",
                options=list(hs.MEASURES),
                format_func=hs.MEASURES.get,
                help="Rates use Census 2021 usual residents; busy centres with few residents "
                "have high rates.",
            )
            weighting = uharm.weighting("hs_weighting", help_extra=" Reorders the ranked areas.")
        offences: list[str] = []
        serious: list[str] = []
        if records_mode and not public.is_public():
            # Tasking starts from serious violence: the London definition's offence types, preset. (Public
            # mode counts offence groups only: one offence type less another would give hidden counts away.)
            serious = hs.serious_violence_offences(cube)
            choice = uf.offences(hs.offence_choices(cube), "hs_offences", container=c2)
            offences = hs.offences_for(choice, cube)
        if records_mode:
            chosen_groups = uf.offence_groups(groups, key="hs_groups", container=c2)
            missing = hs.cube_groups_without_records(cube)
            if missing:
                c2.caption(
                    f"No record-level data for {', '.join(missing).lower()}: choose the MPS ward counts."
                )
        else:
            # Monthly ward counts have no offence types: serious violence is the proxy's groups, preset.
            chosen_groups = uf.offence_groups(
                groups, key="hs_mps_groups", container=c2, default=hs.serious_violence_proxy_groups(groups)
            )
            c2.caption("Preset to the serious-violence proxy from MPS categories.")
        if records_mode and public.is_public():
            # Public mode: flag and time filters would let "All" less "Exclude flagged" (or one hour window
            # less another) give hidden counts away, so the map shows offence groups over the period only.
            da = knife = hours = None
            days = ()
            c3.caption("Public mode: the domestic-abuse, knife, time-of-day and weekday filters are off.")
        elif records_mode:
            hours = uf.time_window(key="hs_hours", container=c3)
            days = uf.weekdays(key="hs_days", container=c3)
            # The flags beside the times: the offence column holds the offence choices and their note.
            da = uf.flag("Domestic abuse", key="hs_da", container=c3)
            knife = uf.flag("Knife or bladed article", key="hs_knife", container=c3)
        else:
            da = knife = hours = None
            days = ()
            c3.caption("Time of day, weekdays and flags: not available in monthly ward counts.")
        with c4:
            # On for wards, off for LSOAs (already small areas): each level keeps its own choice.
            show_grid = uf.switch(
                "250 m squares (record locations)",
                f"hs_grid_{level}",
                level == "ward",
                disabled=not records_mode,
                help="Offences in each 250 m square, drawn as circles over the areas. Off by default for "
                "neighbourhoods (LSOAs), which are already small.",
            )
            basemap = uf.switch(
                "Street basemap (needs internet)",
                "hs_basemap",
                False,
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
    if public.is_public() and f.wards:
        # Public mode maps every ward: a total over chosen wards less the shown ones would reveal a hidden one.
        f = replace(f, wards=())
    if not public.level_allowed(level, hs.is_sensitive(chosen_groups, da)):
        level = "ward"
        st.info(public.LSOA_NOTE, icon=":material/visibility_off:")
    pstart, pend = hs.previous_period(start, end)
    gdf = cache.wards(ROOT) if level == "ward" else cache.lsoas(ROOT)
    areas, population = cache.areas(ROOT, level)
    if records_mode:
        # One mask and two bincounts over the count cube (svd.hotspots.Cube) give the period, the period
        # before, the emerging totals and the 250 m squares: the same figures as filtering the records.
        tc = hs.cube_tasking_counts(cube, f, level, areas["area_code"], offences=offences)
        counts, prev_counts, totals, latest = tc.current, tc.previous, tc.emerging, tc.latest
        change = tc.change
    else:
        counts = hs.mps_counts(sf.apply_mps(table, f))
        prev_counts = hs.mps_counts(sf.apply_mps(table, replace(f, start=pstart, end=pend)))
        any_month = sf.apply_mps(table, replace(f, start=None, end=None))
        monthly = hs.mps_monthly_area_counts(any_month)
        latest = table["month"].max()
        totals = hs.emerging_totals(monthly, areas["area_code"], latest)
        change = hs.mps_period_change(any_month, start, end)

    # Public mode (svd.public): ward counts of sensitive offences, and any selection containing them.
    public_on = public.is_public()
    sensitive = hs.is_sensitive(chosen_groups, da)
    pattern, has_parts = None, False
    if public_on:
        # One pattern for the map, tooltips, table, headline and downloads (sensitive offences: wards only).
        pattern, has_parts = hs.selection_pattern(
            f,
            groups,
            cache.areas(ROOT, "ward")[0]["area_code"].tolist(),
            cube=cube if records_mode else None,
            table=None if records_mode else table,
        )

    raw = hs.area_table(areas, population, counts, prev_counts)
    weighed = None  # harm or cost per area (svd.harm), when the measure switch weighs offences
    map_measure, map_title = measure, hs.MEASURES[measure]
    if weighting != "count":
        weighed = (
            harm.cube_area_values(cube, f, level, weighting, offences)
            if records_mode
            else harm.mps_area_values(sf.apply_mps(table, f), weighting)
        )
        raw = harm.with_weighted(raw, weighed)
        # The map shows the weighted values; with nothing weighted it stays on the count.
        if weighed.any_weight:
            map_measure, map_title = "weighted", harm.title(hs.MEASURES["count"], weighting)
    what = hs.describe(f, offences, serious if records_mode else ())
    period = hs.period_label(start, end)
    if records_mode:
        recs = prov.for_record_set(
            cache.records(ROOT, cache.extract_path()),
            period=period,
            comparison_period=hs.period_label(pstart, pend),
            filters=what,
            method=f"counts and rates {prov.RATE_DENOMINATOR}; change: {change.method if change else 'not tested'}",
        )
    else:
        recs = prov.mps(
            period,
            hs.period_label(pstart, pend),
            filters=what,
            method=f"rates {prov.RATE_DENOMINATOR}; change: {change.method if change else 'not tested'}",
            # The store's MPS releases these months come from, named with the figures (not only in Sources).
            loads=mps.loads_over(table, shared["periods"]),
        )
    shown = hs.with_tooltips(hs.public_areas(raw, level, sensitive, public_on, pattern))
    hidden_now = set(raw["area_code"].astype(str)) & pattern.hidden["now"] if pattern else set()
    hide = bool(hidden_now or (pattern and set(raw["area_code"].astype(str)) & pattern.hidden["before"]))
    top_hidden = bool(hidden_now) and hs.summarise(raw).top_name in set(
        raw.loc[raw["area_code"].astype(str).isin(hidden_now), "area_name"]
    )
    with head.container():
        frame.headline(
            "Hotspots",
            hs.headline_sentence(
                hs.summarise(raw),
                level,
                period,
                "offences",
                what,
                hide_small=top_hidden,
                change=change,
                untested=prov.untested_by_simulation(recs.simulated, hours, da, knife, days, level),
            ),
            provenance=recs,
        )
    # In presentation mode the count line goes under the map, so the map starts higher on a short screen.
    above, map_box, below = map_area.container(), map_area.container(), map_area.container()
    (below if present.is_presenting() else above).caption(
        f"**{int(raw['count'].sum()):,} offences** ({tag}) · {what} · change against "
        f"{hs.period_label(pstart, pend)}."
        + (" Counts of 1 to 4 are hidden on the map, in the table and in the downloads." if hide else "")
    )

    months = hs.cube_months(cube) if records_mode else table["month"]
    if note := shared["periods"].problem(
        months, "the record-level data" if records_mode else "the MPS ward counts"
    ):
        above.warning(note + " Choose other months in the sidebar.", icon=":material/event_busy:")

    map_col, legend_col = map_box.columns([3, 1])
    with map_col, frame.friendly_errors("The map"):
        # Only what the map uses: the tooltip carries name, rate and change as text; hidden areas are grey.
        tips = shown["tip"] + ("\nSimulated records" if recs.simulated else "")
        values = hs.map_values(shown, map_measure).assign(
            name=shown["area_name"].to_numpy(), tip=tips.to_numpy()
        )
        breaks = maps.class_breaks(values[map_measure])
        choropleth = maps.choropleth_rows(
            cache.deck_polygons(ROOT, level), values, "area_code", map_measure, breaks
        )
        cells = tc.cells if records_mode and show_grid and len(tc.cells) else None
        if cells is not None and public_on:
            # A 250 m square is finer than an LSOA; none at all where the selection has sensitive parts.
            cells = None if has_parts else hs.public_cells(cells)
        deck = maps.hotspot_deck(
            choropleth,
            cache.map_layer(ROOT, "borough", ()),
            hs.select_features(cache.map_layer(ROOT, "priority_places", ("kind",)), "kind", "priority"),
            cache.map_labels(ROOT),
            cells=cells,
            basemap=basemap,
            period=period,
        )
        present.pydeck_chart(deck, 560, key="hs_map")
        area_word = "ward" if level == "ward" else "LSOA"
        # The polygons are joined, and the PNG drawn, only when the button is clicked.
        exports.map_download(
            lambda: hs.map_shapes(gdf, values.drop(columns=["name", "tip"]), level),
            map_measure,
            f"{map_title} by {area_word}: {what} ({tag})",
            f"hotspots map {level} {map_measure}",
            breaks=maps.class_edges(values[map_measure], breaks),
            outline_gdf=cache.borough_outline(ROOT),
            key="hs_map_png",
            label_col="label",
            legend_title=map_title,
            no_data_label="Hidden (fewer than 5)" if hide else "No data",
            provenance=recs,
        )
    with legend_col:
        st.markdown(f"**{map_title}**")
        st.caption(recs.short())
        leg = maps.legend(breaks, values=values[map_measure], integer=map_measure != "rate_per_1000")
        # A small HTML table: a styled st.dataframe costs ~25 ms per rerun; the range text carries the meaning.
        st.markdown(maps.legend_html(leg), unsafe_allow_html=True)
        st.caption(
            "Colours run from dark purple (fewest) to yellow (most); grey areas have no data"
            + (" or a hidden count (1 to 4)" if hide else "")
            + (
                ". Orange outlines: the strategy's priority places; black: the borough boundary."
                if not cache.priority_places(ROOT).empty
                else f". Black: the borough boundary (no priority places have been defined for {config.borough().name})."
            )
            + (
                " Orange circles: offences in each 250 m square (circle area proportional to the count; hover for it),"
                " drawn inside the borough; a square wholly on the river is not drawn."
                + (" Public mode: squares with fewer than 5 offences are not drawn." if public_on else "")
                if cells is not None
                else ""
            )
        )

    st.subheader("Top areas")
    with frame.friendly_errors("The ranked table"):
        gi = cache.gi_star(
            ROOT, level, measure, tuple(zip(raw["area_code"], raw[measure].fillna(0), strict=True))
        )
        emerging = cache.emerging(tuple(totals.itertuples(index=False, name=None)))
        # Rank every area, suppress against the published totals, then keep the top ten.
        ranked_all = hs.public_areas(
            hs.ranked(raw, gi, emerging, measure, n=len(raw)), level, sensitive, public_on, pattern
        )
        untested = prov.untested_by_simulation(recs.simulated, hours, da, knife, days, level)
        if untested and "emerging" in ranked_all:  # the emerging test compares counts the simulation fixes
            ranked_all = ranked_all.assign(emerging="Not tested (simulated)")
        if weighed is not None:
            ranked_all = harm.rerank(ranked_all, weighed.table, weighting)
        top = ranked_all.head(10)
        exports.show_table(
            top,
            "Hotspots top areas",
            key="hs_top",
            static=True,
            column_config={
                "rank": "Rank",
                "area_code": "Code",
                "area_name": "Area",
                "count": st.column_config.NumberColumn("Offences", format="localized")
                if not hide
                else "Offences",
                "rate_per_1000": st.column_config.NumberColumn("Per 1,000 residents", format="%.2f"),
                "previous": "Previous period",
                "change_text": "Change",
                "hotspot": st.column_config.TextColumn(
                    "Gi* hotspot",
                    help=f"{hs.GI_METHOD}: is the area part of a cluster of high (or low) values? "
                    "Exact p-values, so the labels do not depend on a random seed.",
                ),
                "emerging": st.column_config.TextColumn(
                    "Trend, last 12 months",
                    help="Latest 12 months against the 12 before: quasi-Poisson test per area (allowing for "
                    "month-to-month variation), two-sided, Benjamini–Hochberg FDR 5% across areas.",
                ),
                "last_12m": "Offences, last 12 months",
                "prior_12m": "Offences, 12 months before",
                "weighted": st.column_config.NumberColumn(harm.measure(weighting).label, format="localized"),
                "count_rank": "Rank by offences",
            },
            provenance=recs
            if weighed is None
            else recs.but(method=f"{recs.method}; {harm.method_text(weighting)}"),
        )
        if weighed is not None:
            st.caption(
                harm.ranking_sentence(ranked_all, weighting)
                + " "
                + weighed.missing_text()
                + " The Gi* and 'Trend, last 12 months' labels are tested on the offence counts, not on the weighted values."
            )
        exports.table_downloads(
            ranked_all, f"Hotspots all areas {level}", key="hs_all", label="All areas", provenance=recs
        )
        st.caption(
            f"Gi* hotspot: {hs.GI_METHOD}. 'Trend, last 12 months' compares the 12 months to {latest:%b %Y} "
            "with the 12 before, with the current offence and time filters: "
            f"{emerging['emerging_method'].iloc[0] if len(emerging) else 'not tested'}. With the false-"
            "discovery rate at 5%, on maps with no real clustering or change at most about 1 in 20 shows "
            "any label (measured: README, 'Error rates of the statistical labels')."
        )


frame.run_page(body)
