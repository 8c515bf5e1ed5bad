"""Strategy: the definition, duty holders, Five D's, objectives with their metrics, SNA recommendations, reviews."""

from datetime import date

import streamlit as st

from svd import overview, strategy
from svd import provenance as prov
from ui import cache, exports, frame, present

ROOT = cache.data_root()


def body() -> None:
    """Lay out the strategy page."""
    if not strategy.available():
        frame.headline("Strategy", strategy.missing_note(), provenance=None)
        return
    s = strategy.load_strategy()
    today = date.today()
    reviews = strategy.review_status(today, s)
    doc = prov.reference(f"{s['title']} ({s['organisation']})", method="review dates as published")
    frame.headline(
        "Strategy", overview.strategy_headline(reviews, len(s["objectives"]), s["published"]), provenance=doc
    )
    exports.public_notice()
    st.caption(f"{s['title']} · {s['organisation']} · {s['source']}. Review status as of {today:%-d %B %Y}.")

    st.subheader("Review dates")
    shown = reviews.assign(
        status=reviews["status"].map(
            {
                "Overdue": "⚠ Overdue",
                "Due within 90 days": "◷ Due within 90 days",
                "Not yet due": "✓ Not yet due",
            }
        )
    )
    present.table(
        shown,
        static=True,
        column_config={
            "element": st.column_config.TextColumn("Strategy element", width="large"),
            "published": st.column_config.DateColumn("Published", format="D MMM YYYY"),
            "review_due": st.column_config.DateColumn("Review due", format="D MMM YYYY"),
            "days_to_review": st.column_config.NumberColumn("Days to review (negative = overdue)"),
            "status": "Status",
        },
    )
    exports.table_downloads(reviews, "Strategy review dates", label="Review dates", provenance=doc)

    d = s["definition"]
    st.subheader("The definition of serious violence")
    st.markdown(f"Adopted: the **{d['adopted']}**.")
    st.info(d["text"], icon=":material/format_quote:")
    st.markdown(d["statutory"] + " " + d["domestic_abuse"])
    with st.expander("Notes to the definition", expanded=True):
        for note in d["notes"]:
            st.markdown(f"**{note['id']}.** {note['summary']}")
    st.caption(
        "The dashboard's published-data figures use a proxy of MPS categories for this definition; "
        "see the Overview."
    )

    left, right = st.columns(2)
    with left:
        st.subheader("Duty holders")
        st.markdown("\n".join(f"- {h}" for h in s["duty_holders"]))
        st.caption(
            f"Under a separate duty to co-operate: {', '.join(s['duty_to_cooperate'])}. "
            f"Lead partnership: the {s['lead_partnership']}."
        )
    with right:
        st.subheader("The Five D's")
        for item in s["five_ds"]:
            st.markdown(f"**{item['name']}** ({item['prevention'].lower()} prevention) — {item['text']}")
        st.caption(" ".join(f"{k}: {v}" for k, v in s["prevention_levels"].items()))

    st.subheader("The six objectives and what monitors them")
    _, borough = cache.mps_ward(ROOT)
    kinds = ["strategy", "mps", "census"]
    with frame.friendly_errors("The metric values"):
        _, london = cache.mps_ward(ROOT, None)
        record_set = cache.records(ROOT, cache.extract_path())
        kinds.append("records_simulated" if record_set.source == "simulated" else "records_extract")
        shared = st.session_state.get("shared_filter", {})
        figs, _ = overview.board_figures(
            borough,
            record_set.data,
            record_set.source == "simulated",
            cache.london_populations(ROOT),
            london,
            cache.ward_population(ROOT),
            tuple(shared.get("wards", ())),
            periods=shared.get("periods"),
        )
        table = overview.objective_table(s["objectives"], figs)
        frame.records_notice(record_set)
        for obj in s["objectives"]:
            with st.container(border=True):
                st.markdown(f"**Objective {obj['number']}: {obj['title']}**")
                st.markdown(obj["summary"])
                rows = table[(table["objective"] == obj["number"]) & table["metric_id"].notna()]
                if rows.empty:
                    st.caption(f"Monitored by: {obj['monitored_by']}")
                    continue
                present.table(
                    rows[["metric", "value", "change", "period", "source"]],
                    static=True,
                    column_config={
                        "metric": "Metric",
                        "value": "Chosen months",
                        "change": "Change on the same months a year earlier",
                        "period": "Period",
                        "source": "Source",
                    },
                )
                for page in dict.fromkeys(rows["page"]):
                    st.page_link(
                        overview.page_file(page),
                        label=f"Open {overview.PAGE_TITLES[page]}",
                        icon=":material/arrow_forward:",
                    )
        exports.table_downloads(
            table,
            "Objectives and metrics",
            label="Objectives and metrics",
            provenance=overview.table_provenance(figs),
        )

    st.subheader("Needs assessment recommendations")
    st.markdown("\n".join(f"{i}. {r}" for i, r in enumerate(s["sna_recommendations"], start=1)))

    frame.sources(
        kinds,
        as_of=f"{overview.as_of(borough['month'])} (metric values); review status as of {today:%-d %B %Y}",
    )


frame.run_page(body)
