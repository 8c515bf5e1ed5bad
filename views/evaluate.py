"""Evaluate (for analysts): did an intervention work? Its wards against comparison wards, on the MPS ward series."""

import streamlit as st

from svd import evaluate as ev
from svd import public
from ui import cache, exports, frame, present
from ui import filters as uf

ROOT = cache.data_root()
NEW = "A new evaluation"
KEYS = ("ev_wards", "ev_start", "ev_group", "ev_comparison")


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
    saved = ev.saved_evaluations()
    starts = ev.chosen_months(table)
    groups = ev.offence_groups(public=public.is_public())

    head = st.container()  # the headline goes first, though it is known only once the choices are made
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
    left, mid, right = st.columns([2, 1, 1])
    with left:
        wards = uf.several(
            "ev_wards",
            sorted(names, key=names.get),
            list(base.wards) if base else [],
            label="Treated wards (where the intervention ran)",
            format_func=lambda c: names.get(c, c),
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
    if base and base.offence_group not in groups:
        st.info(
            "Public mode: monthly ward counts of sensitive offences (the serious-violence proxy includes sexual "
            f"offences) are not shown, so this evaluation uses {groups[group].lower()} instead.",
            icon=":material/visibility_off:",
        )
    if not wards:
        with head:
            frame.headline(
                "Evaluate an intervention", "Choose the wards where the intervention ran.", provenance=None
            )
        return

    # A different treated area, start or offence group means a different proposal: forget the old choice.
    signature = (tuple(wards), start, group)
    if st.session_state.get("ev_signature", signature) != signature:
        _reset(("ev_comparison",))
    st.session_state["ev_signature"] = signature

    proposal = cache.evaluation(ROOT, tuple(wards), start, group, ())
    if isinstance(proposal, str):
        with head:
            frame.headline(
                "Evaluate an intervention", f"This cannot be evaluated: {proposal}", provenance=None
            )
        return
    candidates = proposal.candidates
    proposed = list(candidates.loc[candidates["proposed"], "ward"])
    saved_comparison = [w for w in (base.comparison if base else ()) if w in set(candidates["ward"])]
    comparison = uf.several(
        "ev_comparison",
        list(candidates["ward"]),
        saved_comparison or proposed,
        label="Comparison wards (proposed: the most similar before the start; change them if you know better)",
        format_func=lambda c: names.get(c, c),
    )
    st.caption(
        f"Neighbouring wards, kept out of the comparison as the displacement buffer: "
        f"{', '.join(names.get(c, c) for c in proposal.buffer) or 'none'}. Method: {ev.COMPARISON_METHOD}."
    )
    if not comparison:
        st.warning("Choose at least one comparison ward.", icon=":material/warning:")
        return
    result = cache.evaluation(ROOT, tuple(wards), start, group, tuple(comparison))
    if isinstance(result, str):
        st.warning(f"This cannot be evaluated: {result}", icon=":material/warning:")
        return

    with head:
        frame.headline("Evaluate an intervention", result.conclusions[0], provenance=result.provenance)
        if len(result.months_before) < ev.SHORT_PRE_MONTHS:
            st.warning(result.power_note, icon=":material/info:")
        else:
            st.info(result.power_note, icon=":material/info:")

    st.subheader("Before and after")
    st.caption(
        f"{result.offence_title}, {len(result.months_before)} months before the start and "
        f"{len(result.months_after)} from it. Rates: {ev.RATE_WORDS}."
    )
    exports.show_table(result.table, "Before and after", provenance=result.provenance)

    st.subheader("Difference in differences")
    d = result.did
    a, b, c = st.columns(3)
    a.metric("Rate ratio (treated against comparison)", f"{d.rate_ratio:.2f}")
    b.metric("95% interval", f"{d.low:.2f} to {d.high:.2f}")
    c.metric("p-value", f"{d.p_value:.3f}")
    st.markdown(result.conclusions[0])
    st.caption(f"Method: {d.method}; dispersion {d.dispersion:.2f} on {d.df} degrees of freedom.")

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
        "Saved evaluations keep the wards, start month, offences and comparison wards, so the partnership can "
        "re-run them next month on the latest data."
    )
    name = st.text_input("Name", value=chosen if chosen in saved else "", key="ev_name")
    if st.button("Save this evaluation", disabled=not name.strip()):
        try:
            ev.save_evaluation(
                ev.Definition(
                    name=name.strip(),
                    wards=tuple(wards),
                    start=start,
                    offence_group=group,
                    comparison=tuple(comparison),
                )
            )
            st.success(f"Saved '{name.strip()}'.", icon=":material/check:")
        except OSError:
            st.error("The evaluation could not be saved: the evaluations folder is not writable.")
    if chosen in saved and not saved[chosen][1] and st.button(f"Delete '{chosen}'"):
        ev.delete_evaluation(chosen)
        _reset(("evaluation", *KEYS))
        st.rerun()


frame.run_page(body)
