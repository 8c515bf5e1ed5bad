"""Domestic abuse (objective four): trend, who, where — from record-level data only (no open source has a DA flag)."""

from dataclasses import replace

import streamlit as st

from svd import charts, config, geo, harm, metrics, population, profiles, public, strategy, trends
from svd import filters as rf
from svd import provenance as prov
from ui import cache, exports, frame, present
from ui import filters as uf
from ui import harm as uharm

ROOT = cache.data_root()
AGE_DERIVED = ["share", "ratio", "lower", "upper", "label"]


def body() -> None:
    rs = cache.records(ROOT, cache.extract_path())
    sim = rs.source == "simulated"
    tag = "Simulated records" if sim else "Partnership extract"
    shared = st.session_state["shared_filter"]
    everything = rs.data
    da_all = rf.apply(everything, rf.RecordFilter(domestic_abuse=True))
    series = trends.add_rolling(
        trends.records_monthly(da_all, everything["month"].min(), everything["month"].max())
    )
    periods = shared["periods"]
    # Public mode: the whole borough (svd.public.profile_wards), so no ward's small counts are printed.
    wards = public.profile_wards(shared["wards"])
    # The chosen months against the same months a year earlier, in the chosen wards.
    da_wards = rf.apply(da_all, rf.RecordFilter(wards=wards)) if wards else da_all
    change = trends.compare_periods(
        trends.records_monthly(da_wards, everything["month"].min(), everything["month"].max()), periods
    )
    period = rf.RecordFilter(start=shared["start"], end=shared["end"], wards=wards)
    in_period = rf.apply(everything, period)
    da = rf.apply(in_period, rf.RecordFilter(domestic_abuse=True))
    where = rf.describe(period) + (f"; {len(wards)} ward(s)" if wards else "; whole borough")

    uf.period_note("The trend charts show every month of the records; everything else follows the months.")
    # Simulated records fix the domestic-abuse share of each MPS category: their "trend" is the categories'.
    untested = metrics.untested_note("domestic_abuse", sim)
    sentence = (
        change.sentence("domestic abuse", untested)
        if change
        else f"{len(da):,} domestic abuse offences in {periods.label}. "
        + (periods.problem(series["month"], "the record-level data") or "")
    )
    recs = prov.for_record_set(
        rs,
        period=change.current_period if change else None,
        comparison_period=change.previous_period if change else None,
        filters=f"domestic abuse flag; {where}",
        fixes=metrics.metric("domestic_abuse").simulation_fixes,
    )
    frame.headline("Domestic abuse", f"{'Simulated data: ' if sim else ''}{sentence}", provenance=recs)
    frame.records_notice(rs)
    exports.public_notice()
    if shared["wards"] and not wards:
        st.caption(public.PROFILE_NOTE)
    if sim:
        st.warning(
            "Every figure on this page comes from **simulated** records: no open dataset carries a domestic "
            "abuse flag. Load the partnership's extract (SVD_EXTRACT) for real figures.",
            icon=":material/science:",
        )
    st.info(trends.CONNECT_NOTE + " The line on each chart marks the change.", icon=":material/history:")
    weighting = uharm.weighting(
        "da_weighting",
        help_extra=" Weighs by the record's offence type; changes the first tile and the trend.",
    )
    if weighting != "count":
        st.caption(f"The shares and profiles are {harm.COUNT_ONLY}.")

    has_sna = strategy.available()
    ref_n = strategy.reference("da_offences_12m") if has_sna else None
    ref_pct = strategy.reference("da_offences_change") if has_sna else None
    home = profiles.share_of(da, "location_type", "victim_home")
    c1, c2, c3, c4 = st.columns(4)
    if weighting != "count":
        with c1:
            uharm.tile(
                harm.records_figure(
                    da_wards,
                    "domestic_abuse",
                    f"DA offences, chosen months ({tag.lower()})",
                    weighting,
                    periods,
                    recs,
                )
            )
    else:
        with c1:
            st.metric(
                f"DA offences, chosen months ({tag.lower()})",
                frame.fmt_int(change.current if change else None),
                delta=None
                if change is None
                else f"{change.current - change.previous:+,} on {change.previous_period}",
                delta_color="inverse",
                help=f"{change.current_period} against {change.previous_period}" if change else None,
            )
            said = untested or change.label if change else ""
            st.caption(f"{said[:1].upper()}{said[1:]} · {tag.lower()}" if change else tag)
    if not has_sna:
        c2.caption(strategy.missing_note("the needs assessment's reference figures"))
    else:
        c2.metric(
            f"SNA published: {ref_n['period']}",
            frame.fmt_int(ref_n["value"]),
            delta=f"+{ref_pct['value']:g}% on previous year",
            delta_color="off",
            delta_arrow="off",  # a published reference, not a change
            help=f"{ref_n['source']}. Quote: “{ref_n['quote']}”",
        )
        c2.caption(
            "Published reference (real). The SNA also reports the highest DA rate per 1,000 in London."
        )
    c3.metric(
        f"DA share of all offences ({tag.lower()})",
        frame.fmt_pct(profiles.flag_share(in_period, "domestic_abuse").pct),
    )
    c3.caption(f"{where} · {tag.lower()}")
    c4.metric(
        f"At the victim's home ({tag.lower()})",
        frame.fmt_pct(home.pct),
        delta=strategy.sna_delta("da_victim_home"),
        delta_color="off",
        delta_arrow="off",  # a published reference, not a change
    )
    c4.caption(f"{rf.describe(replace(period, domestic_abuse=True))} · {tag.lower()}")
    if change and change.straddles(trends.CONNECT_MONTH):
        st.warning("The 12-month comparison crosses March 2024 (CONNECT): treat the change with caution.")

    st.subheader("Trend")
    # Under a weighted measure the charts plot the weighted sums (svd.harm.records_series), or say why not.
    per = (
        harm.records_series(da_all, everything["month"].min(), everything["month"].max(), weighting)
        if weighting != "count"
        else harm.Series("count", series)
    )
    chart_recs = recs if weighting == "count" else recs.but(method=harm.method_text(weighting).rstrip("."))
    if per.frame is None:
        st.caption(per.reason)
    left, right = st.columns(2)
    with left, frame.friendly_errors("The monthly chart"):
        if per.frame is not None:
            exports.show_chart(
                charts.trend_chart(
                    per.frame,
                    harm.chart_title("Domestic abuse offences per month", weighting),
                    "Line chart of domestic abuse offences per month, with March 2024 (CONNECT) marked.",
                    value=per.value,
                    value_title=harm.value_title(weighting),
                    events=[charts.CONNECT_EVENT],
                    subtitle=tag,
                    style=present.chart_style(),
                ),
                harm.chart_title("Domestic abuse offences per month", weighting),
                provenance=chart_recs,
            )
    with right, frame.friendly_errors("The rolling chart"):
        if per.frame is not None:
            exports.show_chart(
                charts.trend_chart(
                    per.frame,
                    harm.chart_title("Domestic abuse, rolling 12-month total", weighting),
                    "Line chart of the 12-month total to each month.",
                    value="rolling_12m",
                    value_title=harm.value_title(weighting, "in 12 months")
                    if weighting != "count"
                    else "12-month total",
                    events=[charts.CONNECT_EVENT],
                    subtitle=tag,
                    style=present.chart_style(),
                ),
                harm.chart_title("Domestic abuse rolling 12-month total", weighting),
                provenance=chart_recs,
            )
    with st.expander("Monthly figures"):
        exports.show_table(
            series, "Domestic abuse monthly", provenance=recs
        )  # borough totals: never suppressed

    st.subheader("Which offences are domestic abuse")
    groups = profiles.flag_share_by_group(in_period, "domestic_abuse", "major_group")
    with frame.friendly_errors("The offence-group chart"):
        exports.show_chart(
            charts.bar_chart(
                groups,
                "Share of each offence group flagged as domestic abuse",
                "Bar chart of the domestic abuse share by offence group.",
                category="group",
                value="share",
                subtitle=f"{tag} · {where}",
                style=present.chart_style(),
            ),
            "Domestic abuse share by offence group",
            provenance=recs,
        )
    refs = strategy.references()
    if not refs.empty:
        st.caption(
            "SNA published shares (24 months to May 2023): "
            + "; ".join(
                f"{r.text.replace('Share of ', '').replace(' flagged as domestic abuse', '')} {r.value:g}%"
                for r in refs[refs["id"].str.startswith("da_flag_")].itertuples()
            )
            + "."
        )

    st.subheader("Victims and suspects")
    pop = population.residents_by_age(cache.ward_population(ROOT), cache.london_populations(ROOT), wards)
    by_band = profiles.population_by_band(pop, profiles.AGE_BANDS) if pop is not None else None
    tabs = st.tabs(["Victims", "Suspects"])
    for tab, who in zip(tabs, ("victim", "suspect"), strict=True):
        with tab, frame.friendly_errors(f"The {who} profile"):
            a, b = st.columns([1, 2])
            sex = profiles.shares(da, f"{who}_sex", profiles.SEX_LABELS)
            with a:
                exports.show_chart(
                    charts.bar_chart(
                        sex,
                        f"{who.capitalize()} sex",
                        f"Bar chart of {who} sex shares.",
                        subtitle=tag,
                        style=present.chart_style(),
                    ),
                    f"Domestic abuse {who} sex",
                    provenance=recs,
                )
                st.caption(
                    "The Census files held give age only, so sex is shown without a population comparison."
                )
            if by_band is None:
                b.info(population.ages_not_available(config.borough().name))
                continue
            over = profiles.overrepresentation_by_age(da, f"{who}_age", by_band)
            with b:
                exports.show_chart(
                    charts.overrepresentation_chart(
                        over,
                        f"{who.capitalize()} age against the Census population",
                        f"Dot plot of each age band's share of {who}s divided by its share of residents, "
                        "with 95% intervals.",
                        subtitle=f"{tag} · Census 2021 · {over['unknown'].iloc[0]:,} with no age left out",
                        style=present.chart_style(),
                    ),
                    f"Domestic abuse {who} age",
                    provenance=recs,
                )
                # With wards chosen these are ward-level counts of a sensitive offence.
                exports.table_downloads(
                    public.apply(
                        over,
                        public.area_level(wards),
                        sensitive=True,
                        count_cols=["count", "unknown"],
                        derived_cols=AGE_DERIVED,
                    ),
                    f"Domestic abuse {who} age table",
                    label="Age table",
                    provenance=recs,
                )

    st.subheader("Relationship and place")
    a, b = st.columns(2)
    with a, frame.friendly_errors("The relationship chart"):
        rel = profiles.shares(
            da, "relationship", profiles.RELATIONSHIP_LABELS, order=list(profiles.RELATIONSHIP_LABELS)
        )
        exports.show_chart(
            charts.bar_chart(
                rel,
                "Suspect's relationship to the victim",
                "Bar chart of relationships.",
                subtitle=tag,
                reference=strategy.value("da_suspect_partner"),
                reference_label="SNA: 72% partner/ex",
                style=present.chart_style(),
            ),
            "Domestic abuse relationship",
            provenance=recs,
        )
    with b, frame.friendly_errors("The location chart"):
        loc = profiles.shares(da, "location_type", profiles.LOCATION_LABELS)
        exports.show_chart(
            charts.bar_chart(
                loc,
                "Where domestic abuse took place",
                "Bar chart of location types.",
                subtitle=tag,
                reference=strategy.value("da_victim_home"),
                reference_label="SNA: 66% victim's home",
                style=present.chart_style(),
            ),
            "Domestic abuse location",
            provenance=recs,
        )

    st.subheader("Where in the borough")
    level = uf.choice(
        st.radio,
        "da_map_level",
        ["ward", "lsoa"],
        "ward",
        label="Areas",
        format_func={"ward": "Wards", "lsoa": "LSOAs"}.get,
        horizontal=True,
    )
    if not public.level_allowed(level, sensitive=True):
        level = "ward"
        st.info(public.LSOA_NOTE, icon=":material/visibility_off:")
    da_borough = rf.apply(
        everything, rf.RecordFilter(start=shared["start"], end=shared["end"], domestic_abuse=True)
    )
    area_pop = cache.ward_population(ROOT) if level == "ward" else cache.lsoa_population(ROOT)
    # Public mode: LSOA and ward counts of domestic abuse are sensitive; map, table and files agree.
    rates = public.apply(
        # LSOAs and wards by their display names ("015F · Abbey (Barking Town Centre)"), as on Hotspots.
        geo.with_display_names(profiles.area_rates(da_borough, area_pop, level), cache.areas(ROOT, level)[0]),
        level,
        sensitive=True,
        derived_cols=["rate_per_1000"],
    )
    areas = {"ward": "ward", "lsoa": "LSOA"}[level]
    map_title = f"Domestic abuse offences per 1,000 residents by {areas}"
    with frame.friendly_errors("The map"):
        exports.show_chart(
            charts.choropleth(
                cache.layer_geojson(ROOT, "wards" if level == "ward" else "lsoas"),
                rates.rename(columns={"code": f"{level}_code"}),
                f"{level}_code",
                "rate_per_1000",
                "Domestic abuse offences per 1,000 residents",
                f"Map of the domestic abuse rate by {areas}.",
                "Per 1,000",
                subtitle=f"{tag} · {rf.describe(period).split(';')[0]}",
                label_values=level == "ward",
                style=present.chart_style(),
            ),
            map_title,
            provenance=recs,
        )
        shapes = cache.wards(ROOT) if level == "ward" else cache.lsoas(ROOT)
        exports.map_download(
            profiles.rates_on_shapes(shapes, rates, level),
            "rate_per_1000",
            f"{map_title}, {rf.describe(period).split(';')[0]} ({tag.lower()})",
            f"domestic abuse map {level}",
            legend_title="Offences per 1,000 residents",
            no_data_label="Hidden (small numbers)" if public.is_public() else "No data",
            provenance=recs,
        )
    st.caption("The map shows every area for the chosen months (the ward filter is not applied here).")
    exports.show_table(
        rates, f"Domestic abuse by {level}", provenance=recs.but(filters="domestic abuse flag; every ward")
    )

    frame.sources(
        ["records_simulated" if sim else "records_extract", "census", "strategy", "geo"],
        as_of=f"{everything['month'].max():%B %Y}",
    )


frame.run_page(body)
