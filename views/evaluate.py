"""Evaluate (for analysts): did an intervention work? Its area (wards, LSOAs, or the ground round a priority place)
against comparison areas, on the MPS ward series or on record-level data (LSOAs, places, time windows)."""

import json
from dataclasses import replace

import streamlit as st

from svd import evaluate as ev
from svd import public
from ui import cache, exports, frame, present
from ui import filters as uf

ROOT = cache.data_root()
NEW = "A new evaluation"
KEYS = ("ev_level", "ev_wards", "ev_lsoas", "ev_place", "ev_radius", "ev_hours", "ev_days", "ev_start", "ev_group",
        "ev_comparison")  # fmt: skip
LEVELS = {"ward": "Wards", "lsoa": "LSOAs", "place": "Round a priority place"}
ANY_TIME = "Any time"
WINDOWS = {ANY_TIME: None, **{k: v for k, v in uf.TIME_WINDOWS.items() if v is not None}}
OWN_RADIUS = 0  # "the place's own area" (geo/places.json)


def _reset(keys=KEYS) -> None:
    """Forget the choices below the saved evaluation (so they take the newly chosen one's values)."""
    for key in keys:
        st.session_state.pop(key, None)
        if key in st.query_params:
            del st.query_params[key]


def _month_words(month: str) -> str:
    import pandas as pd

    return f"{pd.Timestamp(month + '-01'):%B %Y}"


def body() -> None:
    """Lay out the Evaluate page."""
    uf.period_note(
        "An evaluation uses every month published: the months and wards in the sidebar do not apply."
    )
    _, table = cache.mps_ward(ROOT)
    names = cache.ward_names(ROOT)
    area_names = cache.evaluation_area_names(ROOT)
    saved = ev.saved_evaluations()
    starts = ev.chosen_months(table)
    groups = ev.offence_groups(public=public.is_public())

    head = st.container()  # the headline goes first, though it is known only once the choices are made
    presenting = present.is_presenting()
    results = st.container() if presenting else None  # in the room the figures come before the choices
    with present.filters_box():
        chosen_ = _choose(head, table, names, area_names, saved, starts, groups)
    if chosen_ is None:
        return
    with results if results is not None else st.container():
        _show(head, *chosen_)


def _choose(head, table, names, area_names, saved, starts, groups):
    """The choices (saved evaluation, area, start, offences, window, comparison): (result, definition, comparison,
    chosen, saved), or None when there is nothing to show yet."""
    st.subheader("What to evaluate")
    options = [*saved, NEW]
    chosen = uf.choice(
        st.selectbox,
        "evaluation",
        options,
        options[0],
        label="Saved evaluation",
        on_change=_reset,
        help="Evaluations saved by the partnership (and the project's example). Choose one to re-run it on the "
        "latest data, or start a new one.",
    )
    base = saved[chosen][0] if chosen in saved else None
    level = uf.choice(
        st.radio,
        "ev_level",
        list(LEVELS),
        base.level if base else "ward",
        label="Treated area",
        format_func=LEVELS.get,
        horizontal=True,
        help="Wards use the published MPS ward counts. LSOAs, a place and a time window need record-level data "
        "(the partnership's extract, or the simulated records).",
    )
    left, mid, right = st.columns([2, 1, 1])
    with left:
        wards, lsoas, place, radius = [], [], "", None
        if level == "ward":
            wards = uf.several(
                "ev_wards",
                sorted(names, key=names.get),
                list(base.wards) if base else [],
                label="Treated wards (where the intervention ran)",
                format_func=lambda c: names.get(c, c),
            )
        elif level == "lsoa":
            lsoa_names = {c: n for c, n in area_names.items() if c.startswith("E01")}
            lsoas = uf.several(
                "ev_lsoas",
                sorted(lsoa_names, key=lsoa_names.get),
                list(base.lsoas) if base else [],
                label="Treated LSOAs (where the intervention ran)",
                format_func=lambda c: lsoa_names.get(c, c),
            )
        else:
            places = ev.place_choices()
            place = uf.choice(
                st.selectbox,
                "ev_place",
                list(places),
                base.place if base and base.place in places else next(iter(places)),
                label="Priority place",
                format_func=places.get,
            )
            radii = [OWN_RADIUS, 200, 300, 400, 500, 600, 800, 1000]
            radius = (
                uf.choice(
                    st.selectbox,
                    "ev_radius",
                    radii,
                    base.radius_m if base and base.radius_m in radii else OWN_RADIUS,
                    label="Area",
                    format_func=lambda r: (
                        "The place as defined (geo/places.json)" if r == OWN_RADIUS else f"{r} m round it"
                    ),
                    help="A station or park is a circle round its point; the ring of the same width round it is the "
                    "displacement buffer.",
                )
                or None
            )
    with mid:
        start_default = base.start if base and base.start in starts else starts[len(starts) // 2]
        start = uf.choice(
            st.selectbox, "ev_start", starts, start_default, label="Start month", format_func=_month_words
        )
    with right:
        group_default = base.offence_group if base and base.offence_group in groups else ev.DEFAULT_GROUP
        group = uf.choice(
            st.selectbox, "ev_group", list(groups), group_default, label="Offences", format_func=groups.get
        )
    win, days = st.columns([1, 1])
    with win:
        base_window = next((k for k, v in WINDOWS.items() if base and v == base.hours), ANY_TIME)
        window = uf.choice(
            st.selectbox,
            "ev_hours",
            list(WINDOWS),
            base_window,
            label="Time of day (record-level data)",
            help="Only offences in this window: an evaluation of a time-targeted patrol.",
        )
    with days:
        weekdays = uf.weekdays("ev_days", st.container())
    if base and base.offence_group not in groups:
        st.info(
            "Public mode: monthly ward counts of sensitive offences (the serious-violence proxy includes sexual "
            f"offences) are not shown, so this evaluation uses {groups[group].lower()} instead.",
            icon=":material/visibility_off:",
        )
    if not (wards or lsoas or place):
        with head:
            frame.headline(
                "Evaluate an intervention",
                f"Choose the {LEVELS[level].lower()} where the intervention ran.",
                provenance=None,
            )
        return None
    definition = ev.Definition(
        name=chosen if chosen in saved else "Evaluation",
        wards=tuple(wards),
        lsoas=tuple(lsoas),
        place=place,
        radius_m=radius,
        start=start,
        offence_group=group,
        hours=WINDOWS[window],
        weekdays=tuple(weekdays),
    )

    # A different treated area, start, offences or window means a different proposal: forget the old choice.
    signature = json.dumps(definition.to_dict() | {"name": ""}, sort_keys=True)
    if st.session_state.get("ev_signature", signature) != signature:
        _reset(("ev_comparison",))
    st.session_state["ev_signature"] = signature

    def run(comparison: tuple[str, ...]):
        d = replace(definition, comparison=comparison)
        if d.uses_records:
            return cache.record_evaluation(ROOT, cache.extract_path(), json.dumps(d.to_dict()))
        return cache.evaluation(ROOT, d.wards, start, group, comparison)

    proposal = run(())
    if isinstance(proposal, str):
        with head:
            frame.headline(
                "Evaluate an intervention", f"This cannot be evaluated: {proposal}", provenance=None
            )
        return None
    candidates = proposal.candidates
    proposed = list(candidates.loc[candidates["proposed"], "ward"])
    saved_comparison = [w for w in (base.comparison if base else ()) if w in set(candidates["ward"])]
    unit = f"{proposal.unit}s"
    comparison = uf.several(
        "ev_comparison",
        list(candidates["ward"]),
        saved_comparison or proposed,
        label=f"Comparison {unit} (proposed: the most similar before the start; change them if you know better)",
        format_func=lambda c: proposal.names.get(c, c),
    )
    st.caption(
        f"Displacement buffer, kept out of the comparison: "
        f"{', '.join(proposal.names.get(c, c) for c in proposal.buffer) or 'none'}. Method: {proposal.methods[0]}."
    )
    if not comparison:
        st.warning(f"Choose at least one comparison {proposal.unit}.", icon=":material/warning:")
        return None
    result = run(tuple(comparison))
    if isinstance(result, str):
        st.warning(f"This cannot be evaluated: {result}", icon=":material/warning:")
        return None

    return result, definition, comparison, chosen, saved


def _show(head, result, definition, comparison, chosen, saved) -> None:
    """The results, then the Save box."""
    with head:
        frame.headline("Evaluate an intervention", result.conclusions[0], provenance=result.provenance)
        if result.provenance.simulated:
            st.warning(
                ev.DEMONSTRATION if not result.tested else result.provenance.notes, icon=":material/science:"
            )
        if len(result.months_before) < ev.SHORT_PRE_MONTHS:
            st.warning(result.power_note, icon=":material/info:")
        else:
            st.info(result.power_note, icon=":material/info:")

    st.subheader("Before and after")
    window_words = ev.window_words(result.definition)
    st.caption(
        f"{result.offence_title}{f', {window_words}' if window_words else ''}, {len(result.months_before)} months "
        f"before the start and {len(result.months_after)} from it. {result.notes[1 if not result.tested else 0]}"
    )
    # Three rows, nine columns and long ward lists: a wrapping table, no column cut off at 1440 px.
    exports.show_table(result.table, "Before and after", provenance=result.provenance, static=True)

    st.subheader("Difference in differences")
    d = result.did
    a, b, c = st.columns(3)
    a.metric("Rate ratio (treated against comparison)", f"{d.rate_ratio:.2f}")
    b.metric("95% interval", f"{d.low:.2f} to {d.high:.2f}" if result.tested else "Not tested")
    c.metric("p-value", f"{d.p_value:.3f}" if result.tested else "–")
    st.markdown(result.conclusions[0])
    st.caption(
        f"Method: {d.method}; dispersion {d.dispersion:.2f} on {d.df} degrees of freedom."
        + (f" {result.untested[0].upper()}{result.untested[1:]}." if result.untested else "")
    )

    st.subheader("Displacement or diffusion of benefits")
    st.markdown(result.conclusions[1])
    st.caption(f"Method: {result.wdd.method}.")

    st.subheader("Month by month")
    exports.show_chart(
        ev.its_chart(result, present.chart_style()), "Interrupted time series", provenance=result.provenance
    )
    st.markdown(result.conclusions[2])
    st.caption(f"Method: {result.its.method}; dispersion {result.its.dispersion:.2f}.")

    st.subheader("How this was worked out")
    for line in [*result.methods, *result.notes]:
        st.markdown(f"- {line[0].upper()}{line[1:]}")
    st.caption(result.provenance.text())

    st.subheader("Save this evaluation")
    st.caption(
        "Saved evaluations keep the treated area, start month, offences, time window and comparison areas, so "
        "the partnership can re-run them next month on the latest data."
    )
    name = st.text_input("Name", value=chosen if chosen in saved else "", key="ev_name")
    if st.button("Save this evaluation", disabled=not name.strip()):
        try:
            ev.save_evaluation(replace(definition, name=name.strip(), comparison=tuple(comparison)))
            st.success(f"Saved '{name.strip()}'.", icon=":material/check:")
        except OSError:
            st.error("The evaluation could not be saved: the evaluations folder is not writable.")
    if chosen in saved and not saved[chosen][1] and st.button(f"Delete '{chosen}'"):
        ev.delete_evaluation(chosen)
        _reset(("evaluation", *KEYS))
        st.rerun()


frame.run_page(body)
