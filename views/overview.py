"""Overview: the board's landing page — a few large figures, each opening its page, and the objectives table."""

import streamlit as st

from svd import config, harm, overview, public, strategy
from svd import metrics as mx
from svd import provenance as prov
from svd.taxonomy import PROXY_NOTE
from ui import cache, exports, frame, present
from ui import harm as uharm

ROOT = cache.data_root()
MPS_TILES = ("violence_with_injury", "personal_robbery", "rape", "other_sexual")
RECORD_TILES = ("domestic_abuse", "share_3pm_9pm")


def _tile(
    figs: dict,
    metric_id: str,
    level: str = "borough",
    hidden: dict | None = None,
    weighted: dict | None = None,
) -> None:
    """A tile, or a plain message when its data are unavailable (``weighted``: harm/cost figures, ``svd.harm``)."""
    if weighted and metric_id in weighted:
        uharm.tile(weighted[metric_id])
        return
    fig = figs.get(metric_id)
    if fig is None:
        with st.container(border=True):
            st.markdown(f"**{mx.metric(metric_id).title}**")
            st.caption("Needs record-level data, which could not be loaded.")
        return
    frame.tile(
        fig,
        on_click_page=overview.page_file(fig.metric.page),
        level=level,
        hidden=(hidden or {}).get(metric_id),
    )


def body() -> None:
    """Lay out the overview."""
    shared = st.session_state.get("shared_filter", {})
    wards = tuple(shared.get("wards", ()))
    _, borough = cache.mps_ward(ROOT)

    record_set, records_problem = None, None
    try:
        record_set = cache.records(ROOT, cache.extract_path())
    except Exception as exc:  # noqa: BLE001 — the MPS tiles still stand without record-level data
        records_problem = str(exc)
    simulated = record_set is None or record_set.source == "simulated"
    figs, area = cache.board_figures(
        ROOT, cache.extract_path(), record_set is not None, wards, cache.months_key(shared.get("periods"))
    )

    level = public.area_level(wards)
    # Public mode: a sum over chosen wards is hidden where one of them is hidden on the Sexual offences page.
    hidden = overview.public_hidden(borough, cache.ward_population(ROOT), wards) if public.is_public() else {}
    frame.headline(
        f"Serious violence in {config.borough().name}",
        overview.headline(figs, area),
        provenance=figs["serious_violence"].provenance,
    )
    if record_set is not None:
        frame.records_notice(record_set)
    else:
        st.error(
            f"Record-level data could not be loaded ({records_problem}); the domestic abuse and 3pm–9pm "
            "tiles are not shown.",
            icon=":material/error:",
        )
    exports.public_notice()
    sv = figs["serious_violence"]
    if sv.extra.get("period_note"):
        st.warning(
            sv.extra["period_note"] + " Choose later months in the sidebar.", icon=":material/event_busy:"
        )
    st.caption(
        f"Each tile: the months chosen in the sidebar ({sv.period}) against the same months a year earlier "
        f"({sv.previous_period}), with a significance test "
        "(quasi-Poisson for counts, quasi-binomial for shares, both allowing for month-to-month variation; "
        "not compared when a month is missing; none where simulated records fix the quantity), the "
        f"rate {prov.RATE_DENOMINATOR} and "
        + ("London's rate. " if not wards else "no London rate while wards are selected. ")
        + (
            "Showing the wards chosen in the sidebar."
            if wards
            else "Whole borough; choose wards in the sidebar."
        )
    )

    weighting = uharm.weighting()
    weighted = (
        harm.tile_figures(borough, weighting, shared.get("periods"), wards=wards, area=area)
        if weighting != "count"
        else {}
    )
    left, right = st.columns([1, 2])
    with left:
        _tile(figs, "serious_violence", level, hidden, weighted)
    with right, st.container(border=True):
        st.markdown("**A proxy, not the London definition**")
        st.markdown(PROXY_NOTE)

    for col, mid in zip(st.columns(len(MPS_TILES)), MPS_TILES, strict=True):
        with col:
            _tile(figs, mid, level, hidden, weighted)
    if weighted:
        uharm.shares_section(borough, weighting, shared.get("periods"))

    if not wards and shared.get("periods") is not None:
        with frame.friendly_errors("The London comparison"):
            periods = shared["periods"]
            london_line = overview.london_line(
                cache.london_funnels(ROOT, periods.start, periods.end, ("serious_violence",))
            )
            if london_line:
                st.markdown(london_line[0], help=london_line[1].text())
                st.page_link("views/london.py", label="London comparisons", icon=":material/leaderboard:")

    st.subheader("From record-level data" + (" (simulated)" if simulated else ""))
    if simulated:
        st.caption(prov.simulation_sentence())
    c1, c2, c3 = st.columns(3)
    with c1:
        _tile(figs, "domestic_abuse", level)
    with c2:
        _tile(figs, "share_3pm_9pm", level)
    with c3, st.container(border=True):
        ref = strategy.reference(mx.metric("share_3pm_9pm").reference) if strategy.available() else None
        if ref is None:
            st.caption(strategy.missing_note("the needs assessment's reference figures"))
        else:
            st.metric(
                "Published reference (needs assessment)",
                f"{ref['value']:g}%",
                border=False,
                help=f"\u201c{ref['quote']}\u201d",
            )
            st.caption(
                f"{ref['text']} · {ref['period']} · {ref['source']}. The tile beside it measures the same thing "
                "(the eight London serious-violence offence types, victim under 25, reported at the time) on the "
                "record-level data."
            )

    st.subheader("Strategy objectives and the metrics that monitor them")
    if not strategy.available():
        st.info(strategy.missing_note("the strategy's objectives"))
    table = overview.objective_table(strategy.load_strategy()["objectives"], figs)
    if public.is_public():
        table = public.suppress_objectives(table, figs, public.area_level(wards), hidden)
    # Page titles, not their addresses; the whole text of every cell (a static table wraps, never cuts).
    shown = table.drop(columns=["metric_id"]).assign(page=table["page"].map(overview.PAGE_TITLES))
    present.table(
        shown,
        static=True,
        column_config={
            "objective": st.column_config.NumberColumn("Objective", width="small"),
            "objective_title": st.column_config.TextColumn("Objective title", width="large"),
            "metric": "Metric",
            "value": "Chosen months",
            "change": "Change on the same months a year earlier",
            "period": "Period",
            "page": "Page",
            "source": "Source",
        },
    )
    exports.table_downloads(
        shown,
        "Objectives and metrics",
        label="Objectives and metrics",
        provenance=overview.table_provenance(figs),
    )

    kinds = ["mps", "census"]
    if record_set is not None:
        kinds.append("records_simulated" if simulated else "records_extract")
    frame.sources([*kinds, "strategy"], as_of=overview.as_of(borough["month"]))


frame.run_page(body)
