"""Knife crime and personal robbery (objective three): real robbery trend and rank; knife, ages, stations from records."""

from dataclasses import replace

import streamlit as st

from svd import charts, config, harm, metrics, mps, overview, population, profiles, public, strategy, trends
from svd import filters as rf
from svd import provenance as prov
from ui import cache, exports, frame, present
from ui import filters as uf
from ui import harm as uharm

ROOT = cache.data_root()
ROBBERY = metrics.metric("personal_robbery").categories


def body() -> None:
    _, ward = cache.mps_ward(ROOT)
    _, borough = cache.mps_borough(ROOT)
    shared = st.session_state["shared_filter"]
    periods = shared["periods"]
    # Every tile covers the months chosen in the sidebar, compared with the same months a year earlier.
    recent = trends.monthly(ward, ROBBERY, shared["wards"] or None)
    change = trends.compare_periods(recent, periods)
    long = trends.add_rolling(trends.monthly(borough, ROBBERY, [config.borough().code]))
    # London's ward table reaches later than the borough files; the borough files reach further back.
    lr = trends.london_rank(
        cache.mps_ward(ROOT, None)[1], borough, ROBBERY, cache.london_populations(ROOT), periods
    )
    rk = lr.rank if lr else None
    rs = cache.records(ROOT, cache.extract_path())
    sim = rs.source == "simulated"
    tag = "Simulated records" if sim else "Partnership extract"
    period = rf.RecordFilter(start=shared["start"], end=shared["end"], wards=shared["wards"])
    # The rate is the Overview's (svd.overview.board_figures): one source and period for the measure.
    _, london = cache.mps_ward(ROOT, None)
    figs, _ = overview.board_figures(
        ward,
        None,
        sim,
        cache.london_populations(ROOT),
        london,
        cache.ward_population(ROOT),
        shared["wards"],
        metric_ids=("personal_robbery",),
        periods=periods,
    )
    rate = figs["personal_robbery"]
    real = change.provenance(loads=mps.loads_over(ward, periods))
    long_prov = prov.mps(
        method="rolling 12-month total; months not published are gaps",
        level="borough",
        loads=mps.loads_in(borough),
    )
    rank_prov = prov.mps(
        rk.period if rk else None,
        method=f"rate {prov.RATE_DENOMINATOR}; London: the 32 boroughs the MPS polices, without the City",
        level="borough",
        loads=mps.loads_in(borough if lr.from_borough_file else ward, periods.current) if lr else (),
    )
    recs = prov.for_record_set(
        rs, period=rf.describe(period), fixes=metrics.metric("knife_share_personal_robbery").simulation_fixes
    )
    in_period = rf.apply(rs.data, period)
    robbery = rf.apply(in_period, rf.RecordFilter(offence_groups=("Personal robbery",)))
    knife = profiles.knife_personal_robbery_share(in_period)
    ref_knife = strategy.reference("knife_personal_robbery") if strategy.available() else None

    uf.period_note("The trend charts show every month published; everything else follows the months.")
    not_compared = periods.problem(trends.covered_months(recent), "the MPS ward counts")
    frame.headline(
        "Knife crime and personal robbery",
        (change.sentence("personal robbery") if change else not_compared)
        + f" {'In simulated records, ' if sim else ''}{frame.fmt_pct(knife.pct)} of knife-flagged offences "
        f"were personal robbery"
        + (f" (the needs assessment found {ref_knife['value']}%)." if ref_knife else "."),
        provenance=prov.combine(real, recs),
    )
    frame.records_notice(rs)
    exports.public_notice()
    weighting = uharm.weighting("kr_weighting", help_extra=" Changes the robbery tile and the trend charts.")
    if weighting != "count":
        st.caption(f"The rate, the London rank and the record-level shares are {harm.COUNT_ONLY}.")

    c1, c2, c3, c4 = st.columns(4)
    if weighting != "count":
        with c1:
            uharm.tile(
                harm.mps_figure(
                    ward,
                    ROBBERY,
                    "personal_robbery",
                    "Personal robbery, chosen months",
                    weighting,
                    periods,
                    shared["wards"],
                )
            )
    elif change is not None:
        c1.metric(
            "Personal robbery, chosen months",
            frame.fmt_int(change.current),
            delta=f"{change.current - change.previous:+,} on {change.previous_period}",
            delta_color="inverse",
            help=f"{change.current_period} against {change.previous_period}. MPS ward data summed"
            + (" for the wards chosen in the sidebar." if shared["wards"] else "."),
        )
        c1.caption(f"{change.label.capitalize()} · {real.short()}")  # source, store loads, months
    else:
        c1.metric("Personal robbery, chosen months", "–")
        c1.caption(not_compared)
    c2.metric(
        "Rate per 1,000 residents",
        frame.fmt_int(None) if rate.rate_per_1000 is None else f"{rate.rate_per_1000:.2f}",
        delta=None if rate.london_rate_per_1000 is None else f"London {rate.london_rate_per_1000:.2f}",
        delta_color="off",
        delta_arrow="off",  # a published reference, not a change
        help=rate.provenance.text(),
    )
    c2.caption(
        f"{rate.provenance.short()} · {prov.RATE_DENOMINATOR} · as on the Overview"
        + (f" · rank {rk.rank} of {rk.of} London boroughs ({rk.period})" if rk is not None else "")
    )
    c3.metric(
        f"Knife offences that are personal robbery ({tag.lower()})",
        frame.fmt_pct(knife.pct),
        delta=f"SNA {ref_knife['value']}% ({ref_knife['period']})" if ref_knife else None,
        delta_color="off",
        delta_arrow="off",  # a published reference, not a change
    )
    c3.caption(
        f"{knife.text()} · {rf.describe(period)} · {tag.lower()}"
        + (
            f" — the simulation fixes {metrics.metric('knife_share_personal_robbery').simulation_fixes_short}"
            if sim
            else ""
        )
    )
    multi = profiles.multiple_suspects_share(robbery)
    c4.metric(
        f"Robberies with 2+ suspects ({tag.lower()})",
        frame.fmt_pct(multi.pct),
        delta=strategy.sna_delta("robbery_multiple_suspects"),
        delta_color="off",
        delta_arrow="off",  # a published reference, not a change
    )
    c4.caption(f"{multi.text()} with the number of suspects recorded · {periods.label} · {tag.lower()}")

    st.subheader("Trend (real data)")
    # Under a weighted measure the same charts plot the weighted sums (svd.harm.series), or say why not.
    per = harm.series(ward, ROBBERY, weighting, shared["wards"] or None)
    per_long = harm.series(borough, ROBBERY, weighting, [config.borough().code])
    if weighting != "count":
        method = harm.method_text(weighting).rstrip(".")
        real, long_prov = real.but(method=method), long_prov.but(method=f"rolling 12-month total; {method}")
    a, b = st.columns(2)
    with a, frame.friendly_errors("The monthly chart"):
        uharm.trend(
            per,
            "Personal robbery per month",
            "Line chart of personal robbery per month, MPS ward data summed.",
            "Metropolitan Police, real data",
            weighting,
            real,
        )
    with b, frame.friendly_errors("The long-term chart"):
        uharm.trend(
            per_long,
            "Personal robbery, rolling 12-month total",
            "Line chart of the 12-month total to each month, borough files, gap shaded.",
            "MPS borough files",
            weighting,
            long_prov,
            rolling=True,
        )
    st.caption(
        trends.gap_text(long)
        + " The trend charts show every month published; the tiles above cover the months "
        f"chosen in the sidebar ({periods.label})."
    )
    if rk is not None:
        with st.expander(f"All London boroughs, {rk.period} (MPS borough file)"):
            st.caption(
                trends.rank_source_note(rk, rate.period) + " " + rk.sentence("personal robbery offences")
            )
            exports.show_chart(
                charts.rank_chart(
                    rk.table,
                    config.borough().code,
                    f"Personal robbery per 1,000 residents, {rk.period}",
                    "Bar chart of the 32 London boroughs by rate.",
                    subtitle="London excludes the City of London",
                    style=present.chart_style(),
                ),
                "Personal robbery rate London boroughs",
                provenance=rank_prov,
            )
            exports.table_downloads(rk.table, "Personal robbery rate London boroughs", provenance=rank_prov)

    st.subheader(f"Victims and suspects of personal robbery ({tag.lower()})")
    pop = population.residents_by_age(
        cache.ward_population(ROOT), cache.london_populations(ROOT), shared["wards"]
    )
    bands_known = pop is not None
    if not bands_known:
        st.info(population.ages_not_available(config.borough().name))
    by_band = profiles.population_by_band(pop, profiles.ROBBERY_AGE_BANDS) if bands_known else None
    refs = {"victim": "robbery_victims_under_18", "suspect": "robbery_suspects_under_18"}
    cols = st.columns(2) if bands_known else []
    for col, who in zip(cols, ("victim", "suspect") if bands_known else (), strict=True):
        with col, frame.friendly_errors(f"The {who} age chart"):
            over = profiles.overrepresentation_by_age(
                robbery, f"{who}_age", by_band, profiles.ROBBERY_AGE_BANDS
            )
            exports.show_chart(
                charts.overrepresentation_chart(
                    over,
                    f"{who.capitalize()} age against the Census population",
                    f"Dot plot of each age band's share of robbery {who}s over its share of residents, 95% intervals.",
                    subtitle=f"{tag} · {over['unknown'].iloc[0]:,} with no age left out",
                    style=present.chart_style(),
                ),
                f"Robbery {who} age",
                provenance=recs,
            )
            ref = strategy.reference(refs[who]) if strategy.available() else None
            st.caption(
                f"Aged 0-17: {over['share'].iloc[0]:.0f}% of {who}s ({tag.lower()}), "
                f"{over['population_share'].iloc[0]:.0f}% of residents."
                + (
                    f" SNA: {ref['value']}% of {who}s (1-17), "
                    f"{strategy.reference('population_under_18')['value']}% of residents."
                    if ref
                    else ""
                )
            )
            # Robbery is not a sensitive offence: ward figures are shown in full even in public mode.
            exports.table_downloads(
                public.apply(over, public.area_level(shared["wards"]), sensitive=False),
                f"Robbery {who} age",
                provenance=recs,
            )

    st.subheader(f"Stations and transport hubs ({tag.lower()})")
    # The stations come from an optional reference file: if it is unreadable, only this section says so.
    with frame.friendly_errors("The stations section"):
        no_stations = cache.places(ROOT).empty
        if not no_stations:
            radius = uf.choice(
                st.select_slider,
                "kr_radius",
                [200, 300, 400, 500, 800],
                400,
                label="Distance from a station (metres)",
            )
        else:
            # No locations: no "0% near a station" tile and no empty chart, only the share recorded at a hub.
            st.info(f"No station locations have been added for {config.borough().name}.")
        hub = profiles.share_of(robbery, "location_type", "transport_hub")
        m1, m2 = st.columns(2)
        m2.metric(f"Recorded at a station or transport hub ({tag.lower()})", frame.fmt_pct(hub.pct))
        m2.caption(f"{hub.text()} · {tag.lower()}")
        if not no_stations:
            per_station, near = profiles.near_points(
                robbery, profiles.stations(cache.places(ROOT)), radius_m=radius
            )
            m1.metric(
                f"Personal robbery within {radius} m of a station ({tag.lower()})", frame.fmt_pct(near.pct)
            )
            m1.caption(f"{near.text()} · {tag.lower()}")
            with frame.friendly_errors("The station chart"):
                exports.show_chart(
                    charts.bar_chart(
                        per_station,
                        f"Personal robbery within {radius} m of each station",
                        "Bar chart of robbery counts near each station.",
                        category="name",
                        value="count",
                        value_title="Offences",
                        fmt=",.0f",
                        suffix="",
                        subtitle=f"{tag} · {rf.describe(replace(period, offence_groups=('Personal robbery',)))}",
                        style=present.chart_style(),
                    ),
                    f"Robbery near stations {radius} m",
                    provenance=recs,
                )
            st.caption(
                config.borough_definition().get(
                    "stations_note", f"Only offences inside {config.borough().name} are counted."
                )
                + " An offence near two stations counts for each."
            )
            exports.table_downloads(per_station, f"Robbery near stations {radius} m", provenance=recs)

    frame.sources(
        [
            "mps",
            "mps_borough",
            "census",
            "records_simulated" if sim else "records_extract",
            "strategy",
            "geo",
        ],
        as_of=f"{ward['month'].max():%B %Y}",
    )


frame.run_page(body)
