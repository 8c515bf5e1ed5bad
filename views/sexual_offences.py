"""Sexual offences (objective five): real MPS trends, 5-year change, London rank; time and place from records."""

from dataclasses import replace

import streamlit as st

from svd import charts, config, harm, metrics, mps, profiles, public, strategy, trends
from svd import filters as rf
from svd import provenance as prov
from ui import cache, exports, frame, present
from ui import filters as uf
from ui import harm as uharm

ROOT = cache.data_root()
RAPE = metrics.metric("rape").categories
OTHER = metrics.metric("other_sexual").categories
OFFENCES = {"All sexual offences": RAPE + OTHER, "Rape": RAPE, "Other sexual offences": OTHER}
COUNTED = {
    "All sexual offences": "sexual offences",
    "Rape": "rape offences",
    "Other sexual offences": "other sexual offences",
}
RECORD_GROUPS = ("Rape", "Other sexual offences")


def body() -> None:
    _, ward = cache.mps_ward(ROOT)
    _, borough = cache.mps_borough(ROOT)
    shared = st.session_state["shared_filter"]
    periods = shared["periods"]
    # The charts show the whole borough; the tiles and headline the chosen months and wards, against a year earlier.
    recent = {name: trends.monthly(ward, cats) for name, cats in OFFENCES.items()}
    chosen = {name: trends.monthly(ward, cats, shared["wards"] or None) for name, cats in OFFENCES.items()}
    change = {name: trends.compare_periods(s, periods) for name, s in chosen.items()}
    long = trends.add_rolling(
        trends.monthly(borough, OFFENCES["All sexual offences"], [config.borough().code])
    )
    uf.period_note(
        "The trend charts show every month published, and the five-year change needs whole years: they do "
        "not follow the months."
    )
    not_compared = periods.problem(trends.covered_months(recent["Rape"]), "the MPS ward counts")

    allc = change["All sexual offences"]
    real = (
        allc.provenance(loads=mps.loads_over(ward, periods))
        if allc
        else prov.mps(periods.label, periods.previous_label, method=not_compared or "")
    )
    long_prov = prov.mps(
        method="rolling 12-month totals; each window fully published; months not published are gaps",
        level="borough",
        loads=mps.loads_in(borough),
    )
    frame.headline(
        "Sexual offences",
        (allc.sentence("sexual offences") if allc else not_compared)
        + " Sexual offences remain significantly under-reported.",
        provenance=real,
    )
    exports.public_notice()
    weighting = uharm.weighting("so_weighting", help_extra=" Changes the tiles and the trend charts.")
    if weighting != "count":
        st.caption(f"The five-year change, the London rank and the ward rates are {harm.COUNT_ONLY}.")

    cols = st.columns(3)
    for col, name in zip(cols, OFFENCES, strict=True):
        c = change[name]
        if weighting != "count":
            with col:
                uharm.tile(
                    harm.mps_figure(
                        ward,
                        OFFENCES[name],
                        name,
                        f"{name}, chosen months",
                        weighting,
                        periods,
                        shared["wards"],
                    )
                )
            continue
        if c is None:
            col.metric(f"{name}, chosen months", "–")
            col.caption(not_compared)
            continue
        col.metric(
            f"{name}, chosen months",
            frame.fmt_int(c.current),
            delta=f"{c.current - c.previous:+,} on {c.previous_period}",
            delta_color="inverse",
            help=f"{c.current_period} against {c.previous_period}.",
        )
        # Where the figure comes from, as every tile says it (its provenance: source, store loads, months).
        col.caption(
            f"{c.label.capitalize()} · {c.provenance(loads=mps.loads_over(ward, periods)).short()}"
            + (" · the chosen wards" if shared["wards"] else "")
        )

    st.subheader("Month by month")
    # Under a weighted measure the same charts plot the weighted sums (svd.harm.series), or say why not.
    chart_prov, long_chart_prov = real, long_prov
    if weighting != "count":
        method = harm.method_text(weighting).rstrip(".")
        chart_prov = prov.mps(method=method, loads=mps.loads_in(ward))
        long_chart_prov = long_prov.but(method=f"rolling 12-month totals; {method}")
    a, b = st.columns(2)
    for col, name in zip((a, b), ("Rape", "Other sexual offences"), strict=True):
        per = harm.series(ward, OFFENCES[name], weighting)
        with col, frame.friendly_errors(f"The {name.lower()} chart"):
            uharm.trend(
                per,
                f"{name} per month",
                f"Line chart of {name.lower()} per month, MPS ward data summed for the borough.",
                "Metropolitan Police, real data",
                weighting,
                chart_prov,
            )
    per_long = harm.series(borough, OFFENCES["All sexual offences"], weighting, [config.borough().code])
    with frame.friendly_errors("The long-term chart"):
        uharm.trend(
            per_long,
            "All sexual offences, rolling 12-month total since 2011",
            "Line chart of the 12-month total of sexual offences to each month, borough files, gap shaded.",
            "MPS borough files (historical to Feb 2023, recent from Jan 2024)",
            weighting,
            long_chart_prov,
            rolling=True,
        )
    st.caption(
        trends.gap_text(long)
        + " A 12-month total is drawn only where all 12 months are published. The charts "
        f"show every month published; the tiles above cover the months chosen in the sidebar ({periods.label})."
    )

    st.subheader("Five-year change")
    latest = trends.five_year_change(long)
    pre_gap = trends.five_year_change(long, end=trends.last_before_gap(long))
    five = trends.comparison_table([latest, pre_gap])
    # Two rows of long text (the test and its method): a wrapping table, nothing cut off.
    exports.show_table(
        five, "Sexual offences five-year change", downloads=False, provenance=long_prov, static=True
    )
    ref5 = strategy.reference("sexual_offences_change_5y") if strategy.available() else None
    st.caption(
        "Both windows of each row are fully published (the borough files have no figures for Mar–Dec 2023, so no "
        "window touches that gap): the latest 12 months against the same months five years earlier, and the last "
        "12 months before the gap against five years before that. A five-year comparison needs whole years, so "
        "this table does not follow the months chosen in the sidebar. "
        + (
            f"SNA published reference: +{ref5['value']:g}% over {ref5['period']} (police data, not re-computable here)."
            if ref5
            else ""
        )
    )
    exports.table_downloads(five, "Sexual offences five-year change", provenance=long_prov)

    st.subheader("Rate and London rank")
    which = uf.choice(
        st.radio, "so_rank_offence", list(OFFENCES), "All sexual offences", label="Offence", horizontal=True
    )
    # London's ward table reaches later than the borough files; the borough files reach further back.
    lr = trends.london_rank(
        cache.mps_ward(ROOT, None)[1], borough, OFFENCES[which], cache.london_populations(ROOT), periods
    )
    rk = lr.rank if lr else None
    if rk is None:
        st.caption(f"The MPS files do not cover every month of {periods.label}, so no London rank is shown.")
    if rk is not None:
        rank_prov = prov.mps(
            rk.period,
            method=f"rate {prov.RATE_DENOMINATOR}; London: the 32 boroughs the MPS polices, without the City",
            level="borough" if lr.from_borough_file else "ward",
            loads=mps.loads_in(borough if lr.from_borough_file else ward, periods.current),
        )
        st.markdown(rk.sentence(COUNTED[which]))
        st.caption(lr.note)
        with frame.friendly_errors("The rank chart"):
            exports.show_chart(
                charts.rank_chart(
                    rk.table,
                    config.borough().code,
                    f"{which} per 1,000 residents, {rk.period}",
                    "Bar chart of the 32 London boroughs by rate.",
                    subtitle="MPS borough file; Census 2021; London excludes the City",
                    style=present.chart_style(),
                ),
                f"{which} rate London boroughs",
                provenance=rank_prov,
            )
        exports.table_downloads(rk.table, f"{which} rate London boroughs", provenance=rank_prov)

    st.subheader("By ward")
    ward_pop = cache.ward_population(ROOT)
    by_ward = {name: trends.ward_rates(ward, cats, ward_pop, periods) for name, cats in OFFENCES.items()}
    # Public mode: the three tabs are protected together (all = rape + other sexual offences).
    shown = public.split_tables(by_ward, {"All sexual offences": RECORD_GROUPS})
    st.caption(
        f"Offences in each ward, {periods.label} and {periods.previous_label}, with the rate "
        f"{prov.RATE_DENOMINATOR} (95% interval: exact Poisson below 10 offences, Byar from 10). MPS ward data "
        "(real); every ward, whatever the sidebar's ward choice."
    )
    ward_tabs = st.tabs(list(OFFENCES))
    for tab, (name, t) in zip(ward_tabs, shown.items(), strict=True):
        with tab:
            exports.show_table(
                t,
                f"{name} by ward",
                width="stretch",
                column_config={
                    "ward_code": None,
                    "ward_name": "Ward",
                    "current": periods.label,
                    "previous": periods.previous_label,
                    "population": st.column_config.NumberColumn("Residents", format="localized"),
                    "rate": st.column_config.NumberColumn("Rate per 1,000", format="%.2f"),
                    "rate_lower": st.column_config.NumberColumn("95% lower", format="%.2f"),
                    "rate_upper": st.column_config.NumberColumn("95% upper", format="%.2f"),
                },
                provenance=real.but(method=f"rate {prov.RATE_DENOMINATOR}, Byar 95% interval"),
            )

    st.subheader("When and where (record-level)")
    rs = cache.records(ROOT, cache.extract_path())
    frame.records_notice(rs)
    tag = "Simulated records" if rs.source == "simulated" else "Partnership extract"
    shared = st.session_state["shared_filter"]
    exclude = uf.switch(
        "Exclude historical reports",
        "so_exclude_historical",
        True,
        help="Offences reported long after they happened; the SNA analysed current offences only.",
    )
    # Public mode: the whole borough (svd.public.profile_wards), so no ward's small counts are printed.
    wards = public.profile_wards(shared["wards"])
    if shared["wards"] and not wards:
        st.caption(public.PROFILE_NOTE)
    base = rf.RecordFilter(
        start=shared["start"], end=shared["end"], wards=wards, offence_groups=RECORD_GROUPS
    )
    everything = rf.apply(rs.data, base)
    chosen = replace(base, exclude_historical=exclude)
    recs = rf.apply(rs.data, chosen)
    rec_prov = prov.for_record_set(rs, period=rf.describe(chosen))
    hist = profiles.historical_share(everything)
    noon = profiles.window_share(recs, (12, 18))
    home = profiles.share_of(recs, "location_type", "victim_home")
    m1, m2, m3 = st.columns(3)
    m1.metric(
        f"Historical reports ({tag.lower()})",
        frame.fmt_pct(hist.pct),
        delta=strategy.sna_delta("sexual_historical"),
        delta_color="off",
        delta_arrow="off",  # a published reference, not a change
    )
    m2.metric(
        f"Between 12:00 and 17:59 ({tag.lower()})",
        frame.fmt_pct(noon.pct),
        delta=strategy.sna_delta("other_sexual_noon_6pm", after="% (other sexual)"),
        delta_color="off",
        delta_arrow="off",  # a published reference, not a change
    )
    m3.metric(
        f"At the victim's home ({tag.lower()})",
        frame.fmt_pct(home.pct),
        delta=strategy.sna_delta("sexual_victim_home"),
        delta_color="off",
        delta_arrow="off",  # a published reference, not a change
    )
    st.caption(
        f"{rf.describe(chosen)} · "
        f"{len(recs):,} offences · historical share of all {len(everything):,}: {hist.text()} · {tag.lower()}"
    )
    a, b = st.columns(2)
    with a, frame.friendly_errors("The hour chart"):
        exports.show_chart(
            charts.column_chart(
                profiles.hour_profile(recs),
                "Hour of the day",
                "Bar chart of offences by hour.",
                subtitle=tag,
                highlight=[f"{h:02d}:00" for h in range(12, 18)],
                highlight_label="12:00 to 17:59",
                style=present.chart_style(),
            ),
            "Sexual offences by hour",
            provenance=rec_prov,
        )
    with b, frame.friendly_errors("The weekday chart"):
        exports.show_chart(
            charts.column_chart(
                profiles.weekday_profile(recs),
                "Day of the week",
                "Bar chart of offences by weekday.",
                subtitle=tag,
                style=present.chart_style(),
            ),
            "Sexual offences by weekday",
            provenance=rec_prov,
        )
    with frame.friendly_errors("The location chart"):
        loc = profiles.shares(recs, "location_type", profiles.LOCATION_LABELS)
        exports.show_chart(
            charts.bar_chart(
                loc,
                "Where sexual offences took place",
                "Bar chart of location types.",
                subtitle=tag,
                reference=strategy.value("sexual_victim_home"),
                reference_label="SNA: 33% victim's home",
                style=present.chart_style(),
            ),
            "Sexual offences location",
            provenance=rec_prov,
        )
        exports.show_table(
            public.apply(loc, public.area_level(wards), sensitive=True, derived_cols=["share"]),
            "Sexual offences locations",
            column_config={
                "category": None,
                "label": "Where",
                "count": "Offences",
                "share": st.column_config.NumberColumn("Share (%)", format="%.1f"),
            },
            provenance=rec_prov,
        )

    frame.sources(
        [
            "mps",
            "mps_borough",
            "census",
            "records_simulated" if rs.source == "simulated" else "records_extract",
            "strategy",
        ],
        as_of=f"{ward['month'].max():%B %Y}",
    )


frame.run_page(body)
