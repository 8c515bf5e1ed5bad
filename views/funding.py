"""Funding: the strategy's funding streams per fund and year, the change between years, a chart and downloads."""

import streamlit as st

from svd import funding, overview
from ui import frame


def body() -> None:
    """Lay out the funding page."""
    items = funding.load_funding()
    totals = funding.totals(items)
    change = funding.change_between_years(items)
    first, second = funding.YEARS

    frame.headline("Funding", overview.funding_headline(change, first, second, funding.TOTAL_LABEL))
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
    st.dataframe(shown, hide_index=True, width="stretch")

    with frame.friendly_errors("The funding chart"):
        chart = overview.funding_chart(overview.funding_chart_frame(totals, funding.TOTAL_LABEL))
        st.altair_chart(chart, width="stretch")

    st.subheader("Line items")
    st.dataframe(
        items.drop(columns=["amount_pence"])
        .assign(amount_gbp=items["amount_gbp"].map(funding.format_gbp))
        .rename(columns={"amount_gbp": "amount"}),
        hide_index=True,
        width="stretch",
    )

    per_fund = totals.drop(columns=["amount_pence"])
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(
        "Totals (CSV)",
        per_fund.to_csv(index=False).encode("utf-8-sig"),
        file_name="funding_totals.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    c2.download_button(
        "Change between years (CSV)",
        change.to_csv(index=False).encode("utf-8-sig"),
        file_name="funding_change.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    c3.download_button(
        "Line items (CSV)",
        items.drop(columns=["amount_pence"]).to_csv(index=False).encode("utf-8-sig"),
        file_name="funding_items.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    c4.download_button(
        "All three (Excel)",
        funding.to_excel_bytes(
            {"Totals": per_fund, "Change": change, "Line items": items.drop(columns=["amount_pence"])}
        ),
        file_name="funding.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )
    frame.sources(["strategy"], as_of="January 2024 (the strategy's funding table)")


frame.run_page(body)
