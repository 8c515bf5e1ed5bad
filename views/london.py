"""London comparisons: the borough's rate and rank among the 32 (funnel plots), its wards against London's wards
and the boroughs whose age structure is most like its own."""

from dataclasses import replace

import streamlit as st

from svd import harm, mps, public
from svd import london_compare as lc
from svd import provenance as prov
from ui import cache, exports, frame, present
from ui import filters as uf

ROOT = cache.data_root()


def body() -> None:
    shared = st.session_state["shared_filter"]
    periods = shared["periods"]
    fs = cache.london_funnels(ROOT, periods.start, periods.end)
    if fs.problem:
        frame.headline("London comparisons", fs.problem, provenance=None)
        return
    ids = list(fs.funnels)
    head = st.container()
    first, second = st.container(), st.container()
    # Filters above the figures; in presentation mode folded away under them (as on the tasking pages).
    figures, filters = (first, second) if present.is_presenting() else (second, first)
    with filters, present.filters_box():
        mid = uf.choice(
            st.selectbox,
            "measure",
            ids,
            ids[0],
            label="Measure",
            format_func=lambda m: fs.funnels[m].metric.title,
            help="The dashboard's MPS measures (data/metrics.json), counted the same way for every borough.",
        )
        st.caption(harm.LONDON_NOTE)  # no harm or cost switch here: why (svd.harm)
    f = fs.funnels[mid]
    # The store's MPS releases the chosen months come from (the same merge as London's ward table).
    f = replace(f, provenance=f.provenance.but(loads=mps.loads_in(cache.mps_ward(ROOT)[1], periods.current)))
    with head:
        frame.headline(f"{f.borough_name} against London", f.sentence(), provenance=f.provenance)
    with figures:
        _sections(fs, f, shared, periods)


def _sections(fs, f, shared, periods) -> None:
    """The funnel, the measures table, the wards against London's and the similar boroughs."""
    mid = f.metric.id
    if shared["wards"]:
        st.info(
            "London comparisons are for the whole borough: the wards chosen in the sidebar do not narrow them.",
            icon=":material/info:",
        )
    style = present.chart_style()

    st.subheader("Rate and rank among London's 32 boroughs")
    with frame.friendly_errors("The funnel plot"):
        exports.show_chart(
            lc.funnel_chart(f, style), f"Funnel plot {f.metric.title}", provenance=f.provenance
        )
    st.caption(
        f"Each point is a borough: its rate {prov.RATE_DENOMINATOR} against its residents. "
        f"{f.method}. {f.rank.note}"
    )
    table = fs.table()
    present.table(
        table,
        column_config={
            "measure": "Measure",
            "offences": st.column_config.NumberColumn("Offences", format="localized"),
            "rate_per_1000": st.column_config.NumberColumn("Rate per 1,000", format="%.2f"),
            "london_rate_per_1000": st.column_config.NumberColumn("London rate", format="%.2f"),
            "rank": "Rank (1 = highest)",
            "funnel_position": "Funnel plot",
            "limits": "Limits",
            "period": "Period",
        },
        static=True,  # one row a measure, with sentences: wrapped, never scrolled sideways
    )
    exports.table_downloads(
        table, "London comparisons", label="London comparisons", provenance=f.provenance.but(filters=None)
    )

    st.subheader("The borough's wards against London's wards")
    if mid not in {m.id for m in lc.ward_metrics(public.is_public())}:
        st.info(lc.PUBLIC_WARD_NOTE, icon=":material/visibility_off:")
        dist = None
    else:
        dist = cache.london_ward_distribution(ROOT, mid, periods.start, periods.end)
        dist = replace(dist, provenance=dist.provenance.but(loads=f.provenance.loads))  # the same months
        st.markdown(dist.sentence())
    if dist is not None and dist.problem is None:
        with frame.friendly_errors("The ward chart"):
            exports.show_chart(
                lc.ward_chart(dist, style),
                f"Wards against London {f.metric.title}",
                provenance=dist.provenance,
            )
        wards = dist.borough_table()
        present.table(
            wards,
            column_config={
                "ward_name": "Ward",
                "count": st.column_config.NumberColumn("Offences", format="localized"),
                "population": st.column_config.NumberColumn("Residents", format="localized"),
                "rate_per_1000": st.column_config.NumberColumn("Rate per 1,000", format="%.2f"),
                "london_percentile": st.column_config.NumberColumn(
                    "London percentile",
                    format="%.0f",
                    help="The share of London's other wards with a lower rate (100 = the highest in London).",
                ),
            },
        )
        exports.table_downloads(wards, "Wards against London", label="Wards", provenance=dist.provenance)
        st.caption(f"Method: {dist.provenance.method}.")

    st.subheader("Boroughs most like this one")
    similar = lc.similar_boroughs(cache.london_populations(ROOT))
    sim_table = lc.similar_table(similar, fs)
    st.markdown(
        f"The {len(similar)} boroughs whose residents' ages are distributed most like {f.borough_name}'s, "
        f"and their rates {prov.RATE_DENOMINATOR} (rank among 32 in brackets), {fs.period}."
    )
    present.table(
        sim_table,
        column_config={
            "borough": "Borough",
            "distance": st.column_config.NumberColumn(
                "Age-structure distance (%)", format="%.1f", help="0 = the same age structure."
            ),
        },
    )
    exports.table_downloads(
        sim_table,
        "Similar boroughs",
        label="Similar boroughs",
        provenance=f.provenance.but(method=lc.SIMILAR_METHOD, filters=None),
    )
    st.caption(f"Distance: {lc.SIMILAR_METHOD}.")
    frame.sources(["mps", "mps_borough", "census"], as_of=fs.period.split(" to ")[-1])


frame.run_page(body)
