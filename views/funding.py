"""Funding: the strategy's funding streams per fund and year, the change between years, a chart and downloads."""

import streamlit as st

from svd import funding, overview, strategy
from ui import exports, frame, present
from ui import filters as uf


def body() -> None:
    """Lay out the funding page."""
    uf.period_note(
        "The funding table is by financial year for the whole borough: the months and wards do not apply on this page."
    )
    if not funding.available():
        frame.headline(
            "Funding", strategy.missing_note("the strategy's funding table and its amounts"), provenance=None
        )
        return
    items = funding.load_funding()
    totals = funding.totals(items)
    change = funding.change_between_years(items)
    first, second = funding.YEARS

    doc = funding.provenance()
    frame.headline(
        "Funding", overview.funding_headline(change, first, second, funding.TOTAL_LABEL), provenance=doc
    )
    exports.public_notice()
    st.caption(
        "As transcribed from the strategy's table \"Identified funding streams or resources that can be used "
        'by the partnership for prevention and reduction activities" (January 2024).'
    )

    grand = totals[totals["fund"] == funding.TOTAL_LABEL].set_index("year")["amount_gbp"]
    diff = change.loc[change["fund"] == funding.TOTAL_LABEL].iloc[0]
    cols = st.columns(3)
    cols[0].metric(f"All funds {first}", funding.format_gbp(grand[first]), border=True)
    cols[1].metric(f"All funds {second}", funding.format_gbp(grand[second]), border=True)
    cols[2].metric(
        "Change",
        funding.format_gbp(diff["change"]),
        delta=f"{diff['pct_change']:+.1f}%",
        delta_color="off",
        border=True,
    )

    st.subheader("Change between years, per fund")
    shown = change.assign(
        **{
            first: change[first].map(funding.format_gbp),
            second: change[second].map(funding.format_gbp),
            "change": change["change"].map(funding.format_gbp),
            "pct_change": change["pct_change"].map(lambda v: "–" if v != v else f"{v:+.1f}%"),
        }
    ).rename(columns={"fund": "Fund", "change": "Change", "pct_change": "Change (%)"})
    present.table(shown, static=True)
    exports.table_downloads(change, "Funding change between years", provenance=doc)

    with frame.friendly_errors("The funding chart"):
        chart = overview.funding_chart(
            overview.funding_chart_frame(totals, funding.TOTAL_LABEL), style=present.chart_style()
        )
        exports.show_chart(chart, "Funding per fund and year", provenance=doc)

    st.subheader("Line items")
    present.table(
        items.drop(columns=["amount_pence"])
        .assign(amount_gbp=items["amount_gbp"].map(funding.format_gbp))
        .rename(columns={"amount_gbp": "amount"}),
        static=True,
    )

    exports.table_downloads(items.drop(columns=["amount_pence"]), "Funding line items", provenance=doc)
    exports.table_downloads(
        totals.drop(columns=["amount_pence"]), "Funding totals", label="Totals per fund", provenance=doc
    )
    frame.sources(["strategy"], as_of="January 2024 (the strategy's funding table)")


frame.run_page(body)
