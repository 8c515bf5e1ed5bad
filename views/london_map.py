"""London map: every London ward (official MPS counts), or the LSOAs of chosen boroughs (simulated records), with
the partnership's borough outlined and the areas ranked with their London percentile."""

import streamlit as st

from svd import config, maps, public
from svd import londonmap as lm
from ui import cache, exports, frame, present, share
from ui import filters as uf

ROOT = cache.data_root()


def body() -> None:
    head = st.empty()
    notices = st.container()
    with notices:
        exports.public_notice()
        if st.session_state["shared_filter"]["wards"]:
            st.info(
                "The London map covers every ward: the wards chosen in the sidebar do not narrow it.",
                icon=":material/info:",
            )
    map_section(head)


@share.fragment
def map_section(head) -> None:
    """Filters, headline, map, legend and ranked table: a filter change reruns only this part of the page."""
    shared = st.session_state["shared_filter"]
    store = cache.london_store(ROOT)
    geo = cache.london_geography(ROOT)
    partnership = config.borough().code
    public_on = public.is_public()

    first, second = st.container(), st.container()
    # Presentation mode: the map straight under the headline, the filters folded away under it.
    map_area, filter_area = (first, second) if present.is_presenting() else (second, first)
    with filter_area, present.filters_box():
        c1, c2, c3 = st.columns([1.2, 1.4, 1.6])
        with c1:
            level = uf.choice(
                st.radio,
                "lm_level",
                list(lm.LEVELS),
                "ward",
                label="Areas",
                format_func=lm.LEVELS.get,
                horizontal=True,
                help="All 679 London wards (official MPS counts), or the LSOAs of the boroughs you choose "
                "(simulated records: the real ward counts placed by residents).",
            )
            measure = uf.choice(
                st.radio,
                "lm_measure",
                list(lm.MEASURES),
                "rate_per_1000",
                label="Measure",
                format_func=lm.MEASURES.get,
                horizontal=True,
                help="Rates use Census 2021 usual residents; busy centres with few residents have high rates.",
            )
        with c2:
            choice = uf.offences(cache.london_offence_choices(ROOT), "lm_offences")
            boroughs = uf.several(
                "lm_boroughs",
                sorted(geo.names, key=geo.names.get),
                [partnership],
                label="Boroughs (LSOA level)",
                format_func=geo.names.get,
                placeholder="The partnership's borough",
                disabled=level != "lsoa",
                help="Whose LSOAs to draw: one or a few boroughs (all London's LSOAs at once would be too slow "
                "to send on every change).",
            )
        window, days = None, ()
        with c3:
            if level == "lsoa" and not public_on:
                window = uf.time_window(key="lm_hours")
                days = uf.weekdays(key="lm_days")
                st.caption("Times and days are simulated, like the LSOA of each record.")
            elif public_on:
                st.caption(lm.PUBLIC_TIME_NOTE)
            else:
                st.caption(lm.WARD_TIME_NOTE)
            basemap = uf.switch(
                "Street basemap (needs internet)",
                "lm_basemap",
                False,
                help="Off by default so the map works offline and with no map-service key.",
            )

    v = lm.view(
        store,
        geo,
        lm.Choice(
            level=level,
            offences=choice,
            start=f"{shared['start']:%Y-%m}",
            end=f"{shared['end']:%Y-%m}",
            window=window,
            days=days,
            boroughs=tuple(boroughs),
            measure=measure,
        ),
        partnership,
        public_on=public_on,
        basemap=basemap,
    )
    with head.container():
        frame.headline("London map", v.headline, provenance=v.provenance)
    for note in v.notes:
        map_area.info(note, icon=":material/visibility_off:")
    if v.simulated:
        map_area.warning(
            "Simulated records: below the ward, each offence's LSOA, hour and weekday are simulated from the "
            "real MPS ward counts. The ward totals are real; the LSOA pattern is not evidence.",
            icon=":material/science:",
        )

    map_col, legend_col = map_area.columns([2.6, 1])
    with map_col, frame.friendly_errors("The map"):
        present.pydeck_chart(v.deck, 560, key="lm_map")
    with legend_col:
        st.markdown(f"**{v.legend_title}**")
        st.caption(v.provenance.short())
        st.markdown(maps.legend_html(v.legend), unsafe_allow_html=True)
        st.caption(
            "Colours run from dark purple (lowest) to yellow (highest); grey areas have no data"
            + (" or a hidden count (1 to 4)" if v.hidden else "")
            + f". Black outline: {config.borough().name}."
            + (
                " The blank area in the centre is the City of London, policed by the City of London Police"
                " (not in the MPS figures)."
                if v.level == "ward"
                else ""
            )
        )

    area_word = "wards" if v.level == "ward" else "LSOAs"
    st.subheader(f"Highest {area_word}")
    with frame.friendly_errors("The ranked table"):
        exports.show_table(
            v.ranked.head(20),
            f"London map top {area_word}",
            key="lm_top",
            static=True,
            column_config={
                "rank": "Rank",
                "area_code": "Code",
                "area_name": "Ward" if v.level == "ward" else "LSOA",
                "borough_name": "Borough",
                "offences": "Offences",
                "residents": st.column_config.NumberColumn("Residents", format="localized"),
                "rate_per_1000": st.column_config.NumberColumn("Per 1,000 residents", format="%.2f"),
                "london_percentile": st.column_config.NumberColumn(
                    "London percentile", format="%.0f", help=lm.PERCENTILE_HELP
                ),
            },
            provenance=v.provenance,
        )
        exports.table_downloads(
            v.ranked,
            f"London map all {area_word}",
            key="lm_all",
            label=f"All {area_word}",
            provenance=v.provenance,
        )
    st.caption(f"London percentile: {lm.PERCENTILE_HELP} Method: {v.provenance.method}.")
    frame.sources(
        ["mps", "census", "geo"] + (["records_simulated"] if v.simulated else []),
        as_of=f"{shared['end']:%B %Y}",
    )


frame.run_page(body)
