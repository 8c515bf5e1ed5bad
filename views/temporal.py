"""Days and times: when offences happen, against the strategy's 15:00–21:00 window, for tasking."""

import streamlit as st

from svd import filters as sf
from svd import hotspots as hs
from svd import temporal as tp
from svd.config import BOROUGH_CODE
from ui import cache, frame
from ui import filters as uf

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
    record_set = cache.records(ROOT, cache.extract_path())
    cube = cache.tasking_cube(ROOT, cache.extract_path())
    ref = sna_reference()
    ref_value = float(ref["value"]) if ref else None

    base = hs.cube_mask(cube, uf.record_filter(start, end, shared["wards"]))
    inside, known, share = tp.cube_window_share(cube, base)
    frame.headline(
        "Days and times",
        tp.headline_sentence(inside, known, share, ref_value, tp.cube_hour_weekday(cube, base), "offences"),
    )
    frame.records_notice(record_set)
    timed = hs.cube_has_times(cube)
    if not timed:
        st.info(
            "These records have no times of day, so the hour and weekday charts cannot be drawn. They need "
            "record-level data with the offence date and time (an extract in record format v1, or the "
            "simulation). The real seasonality below comes from the monthly MPS borough series.",
            icon=":material/schedule:",
        )
    else:
        times_section(ref)
    seasonality_section()
    frame.sources(
        [
            "records_simulated" if record_set.source == "simulated" else "records_extract",
            "mps_borough",
            "strategy",
        ],
        as_of=f"{end:%B %Y}",
    )


@st.fragment
def times_section(ref: dict | None) -> None:
    """Filters and the hour × weekday charts: a filter change reruns only this section."""
    shared = st.session_state["shared_filter"]
    cube = cache.tasking_cube(ROOT, cache.extract_path())
    priority = cache.priority_places(ROOT)
    places = tp.place_options(priority)

    with st.container(border=True):
        c1, c2, c3 = st.columns([1.4, 1.4, 1.2])
        groups = uf.offence_groups(hs.cube_offence_groups(cube), key="tp_groups", container=c1)
        offences = c1.multiselect(
            "Offences",
            sorted(cube.labels["offence"]),
            format_func=tp.offence_label,
            key="tp_offences",
            placeholder="All offences",
        )
        da = uf.flag("Domestic abuse", key="tp_da", container=c2)
        knife = uf.flag("Knife or bladed article", key="tp_knife", container=c2)
        place = c3.selectbox(
            "Place",
            [None, *places],
            format_func=lambda p: "Whole borough (or the sidebar wards)" if p is None else places[p],
            key="tp_place",
            help="A priority place from the strategy; records are placed by their location.",
        )

    f = uf.record_filter(
        shared["start"], shared["end"], shared["wards"], offence_groups=groups, domestic_abuse=da, knife=knife
    )
    # The place test (point in polygon, else the LSOA) was done once per record when the cube was built.
    selected = hs.cube_mask(cube, f, offences=tuple(offences), place=place)
    grid = tp.cube_hour_weekday(cube, selected)
    inside, known, share = tp.cube_window_share(cube, selected)
    where = places[place] if place is not None else "the selection"
    st.caption(
        f"{sf.describe(f)}"
        + (f"; {', '.join(map(tp.offence_label, offences))}" if offences else "")
        + (f"; {places[place]}" if place is not None else "")
    )

    chart_col, figure_col = st.columns([3, 1])
    with chart_col, frame.friendly_errors("The heatmap"):
        st.vega_lite_chart(tp.vega_spec(tp.heatmap_chart(grid)), width="stretch")
    with figure_col:
        st.metric(
            "Share between 15:00 and 21:00",
            frame.fmt_pct(None if share is None else share * 100),
            help=f"{inside:,} of the {known:,} offences with a known time in {where}.",
        )
        if ref:
            st.metric(
                "2023 SNA figure",
                f"{float(ref['value']):.0f}%",
                help=f"{ref.get('text', '')} ({ref.get('period', '')}). {ref.get('source', '')}",
            )
            st.caption(
                f"The published figure ('2023 SNA: {float(ref['value']):.0f}%') is from the Strategic "
                "Needs Assessment, for all offences; the share above is for the current filters."
            )
        else:
            st.caption("The SNA reference figure is not defined in data/strategy.json.")
        if known:
            day, hour, count = tp.peak(grid)
            st.caption(f"Busiest hour: **{day} {hour:02d}:00–{hour:02d}:59** ({count:,} offences).")

    a, b = st.columns(2)
    with a, frame.friendly_errors("The hour profile"):
        st.vega_lite_chart(tp.vega_spec(tp.hour_chart(tp.hour_profile(grid))), width="stretch")
    with b, frame.friendly_errors("The weekday profile"):
        st.vega_lite_chart(tp.vega_spec(tp.weekday_chart(tp.weekday_profile(grid))), width="stretch")
    st.download_button(
        "Download CSV (hour × day)",
        lambda: grid.to_csv(index=False).encode("utf-8"),
        "offences_by_hour_and_day.csv",
        "text/csv",
        key="tp_csv",
        icon=":material/download:",
    )


def seasonality_section() -> None:
    """Month-of-year averages: the record set and the real MPS borough series."""
    st.subheader("Seasonality")
    cube = cache.tasking_cube(ROOT, cache.extract_path())
    groups = tuple(st.session_state.get("tp_groups") or ())
    a, b = st.columns(2)
    with a, frame.friendly_errors("The real seasonality"):
        _, table = cache.mps_borough(ROOT)
        season = tp.seasonality(tp.borough_monthly(table, BOROUGH_CODE, groups))
        st.altair_chart(
            tp.seasonality_chart(season, "Real MPS recorded crime: average by calendar month"),
            width="stretch",
        )
        st.caption(
            f"Barking and Dagenham, {('; '.join(groups)) if groups else 'all offence groups'}; each month "
            f"averaged over {season['years'].min()}–{season['years'].max()} years (gaps in the published "
            "series are left out, not counted as zero)."
        )
    with b, frame.friendly_errors("The record seasonality"):
        season_r = tp.seasonality(tp.cube_monthly(cube))
        st.altair_chart(
            tp.seasonality_chart(season_r, "Record-level data: average by calendar month"), width="stretch"
        )
        st.download_button(
            "Download CSV (seasonality)",
            lambda: season.to_csv(index=False).encode("utf-8"),
            "seasonality_mps.csv",
            "text/csv",
            key="tp_season_csv",
            icon=":material/download:",
        )


frame.run_page(body)
