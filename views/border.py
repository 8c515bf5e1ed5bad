"""Across the border: the borough's border wards beside the neighbouring boroughs' wards that touch them — counts,
rates and change on both sides of the line, and which pairs of wards move together (for tasking displacement
and the needs assessment's cross-border section)."""

from dataclasses import replace

import streamlit as st

from svd import harm, maps, mps, public
from svd import london_compare as lc
from ui import cache, exports, frame, present
from ui import filters as uf

ROOT = cache.data_root()


def body() -> None:
    shared = st.session_state["shared_filter"]
    periods = shared["periods"]
    shown = lc.ward_metrics(public.is_public())
    ids = [m.id for m in shown]
    titles = {m.id: m.title for m in shown}
    head = st.container()
    first, second = st.container(), st.container()
    # Filters above the figures; in presentation mode folded away under them (as on the tasking pages).
    figures, filters = (first, second) if present.is_presenting() else (second, first)
    with filters, present.filters_box():
        mid = uf.choice(st.selectbox, "measure", ids, ids[0], label="Measure", format_func=titles.get)
        st.caption(harm.LONDON_NOTE)  # no harm or cost switch here: why (svd.harm)
    cb = cache.london_cross_border(ROOT, mid, periods.start, periods.end)
    # The store's MPS releases both windows come from (the same merge as London's ward table).
    cb = replace(cb, provenance=cb.provenance.but(loads=mps.loads_over(cache.mps_ward(ROOT)[1], periods)))
    with head:
        frame.headline("Across the border", cb.sentences()[0], provenance=cb.provenance)
    if cb.problem:
        return
    with figures:
        _sections(cb, shared)


def shared_months(shared) -> tuple:
    """(first, last) chosen month: the cache key of this page's figures."""
    return shared["periods"].start, shared["periods"].end


def _sections(cb, shared) -> None:
    """The sentences, the map of both sides, the border wards' table and the pairs."""
    sentences = cb.sentences()
    if public.is_public():
        st.info(lc.PUBLIC_WARD_NOTE, icon=":material/visibility_off:")
    if shared["wards"]:
        st.info(
            "This page shows every border ward: the wards chosen in the sidebar do not narrow it.",
            icon=":material/info:",
        )
    bullets = "\n".join(f"- {s}" for s in sentences[1:])
    presenting = present.is_presenting()
    if not presenting:
        st.markdown(bullets)

    st.subheader("Both sides of the line")
    with frame.friendly_errors("The border map"):
        deck, legend = cache.london_border_map(ROOT, cb.metric.id, *shared_months(shared))
        left, right = st.columns([3, 1])
        with left:
            # In presentation mode one deck per screen height, the whole map above the fold.
            present.pydeck_chart(deck, 560, key="border_map")
        with right:
            st.markdown(f"**{cb.metric.title} per 1,000 residents**, {cb.period}")
            st.markdown(maps.legend_html(legend), unsafe_allow_html=True)
            st.caption(
                f"Black line: {cb.borough_name}'s boundary; light grey: its wards away from the border. "
                "Hover over a ward for its figures."
            )
            st.caption(cb.provenance.short(), help=cb.provenance.text())
        shapes, outline, edges = lc.border_map_shapes(cache.london_compare_data(ROOT)["wards_gdf"], cb)
        exports.map_download(
            shapes,
            "rate_per_1000",
            f"{cb.metric.title} per 1,000 residents: {cb.borough_name}'s border wards and their neighbours",
            f"border map {cb.metric.id}",
            breaks=edges,
            outline_gdf=outline,
            provenance=cb.provenance,
            label_col="ward_name",
            legend_title="Per 1,000 residents",
        )

    if presenting:  # under the map, which the room sees first
        st.markdown(bullets)

    wards = cb.wards.drop(columns=["ward_code"])
    # A wrapping table: each ward's test and its method are long text, which a data grid would cut off; the side
    # of the line is the Borough column again (it stays in the downloads).
    present.table(
        wards,
        static=True,
        column_config={
            "side": None,
            "ward_name": "Ward",
            "borough_name": "Borough",
            "offences": st.column_config.NumberColumn(f"Offences, {cb.period}", format="localized"),
            "offences_before": st.column_config.NumberColumn(
                f"Offences, {cb.previous_period}", format="localized"
            ),
            "population": st.column_config.NumberColumn("Residents", format="localized"),
            "rate_per_1000": st.column_config.NumberColumn("Rate per 1,000", format="%.2f"),
            "change_pct": st.column_config.NumberColumn("Change %", format="%+.0f"),
            "change_test": "Change test",
            "test_method": "Test",
        },
    )
    exports.table_downloads(wards, "Border wards", label="Border wards", provenance=cb.provenance)

    st.subheader("Which border wards move together")
    pairs = cb.pairs[
        ["ward_name", "neighbour_name", "neighbour_borough", "shared_boundary_m", "r", "q", "movement"]
    ].assign(shared_boundary_m=lambda d: d["shared_boundary_m"].round())
    present.table(
        pairs,
        column_config={
            "ward_name": f"{cb.borough_name} ward",
            "neighbour_name": "Neighbouring ward",
            "neighbour_borough": "Borough",
            "shared_boundary_m": st.column_config.NumberColumn("Shared border (m)", format="localized"),
            "r": st.column_config.NumberColumn("Correlation", format="%.2f"),
            "q": st.column_config.NumberColumn("q (FDR)", format="%.3f"),
            "movement": "Month to month",
        },
    )
    exports.table_downloads(pairs, "Border ward pairs", label="Border ward pairs", provenance=cb.provenance)
    st.caption(
        f"Correlation of the two wards' monthly counts over {cb.months_correlated}, after each ward's level and "
        "London's month-to-month pattern are taken out (so shared seasons do not count as moving together); "
        "t-test, false-discovery rate held at 5% across the pairs (Benjamini–Hochberg). The correlations "
        "themselves are descriptive; only the labels carry the error-rate control."
    )
    frame.sources(["mps", "census", "geo"], as_of=cb.period.split(" to ")[-1])


frame.run_page(body)
