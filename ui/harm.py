"""The measure switch (count, CSS harm, CCHI harm, cost) and the weighted tiles and share table it shows."""

from __future__ import annotations

import math
from contextlib import nullcontext

import pandas as pd
import streamlit as st

from svd import aggregate as agg
from svd import charts, harm, public
from svd import provenance as prov
from ui import exports, frame, present
from ui import filters as uf

KEY = "weighting"
PUBLIC_NOTE = (
    "Public mode shows counts only: a weighted total divided by its published weight would give back a count "
    "that public mode hides."
)


def weighting(key: str = KEY, container=None, help_extra: str = "") -> str:
    """'Weigh offences by': count, harm (CSS), harm (CCHI) or cost, bound to the address (``ui.filters``).

    Public mode offers the count only (``PUBLIC_NOTE``)."""
    ms = harm.load_measures()
    with container if container is not None else nullcontext():
        if public.is_public():
            st.caption(PUBLIC_NOTE)
            return "count"
        shown, left_out = harm.offered()
        if left_out:
            help_extra += (
                " Not offered, as no published weight could be cited for any offence: "
                + ", ".join(ms[k].label for k in left_out)
                + "."
            )
        return uf.choice(
            st.radio,
            key,
            shown,
            "count",
            label="Weigh offences by",
            format_func=lambda k: ms[k].label,
            horizontal=True,
            help="Count every offence once, or weigh each by its published harm (ONS Crime Severity Score, "
            "Cambridge Crime Harm Index) or its estimated cost to society (Home Office, 2018). Categories with "
            "no published weight are left out and named, never counted as 0." + help_extra,
        )


def tile(fig: harm.WeightedFigure) -> None:
    """A weighted tile: the value, its change in per cent (no significance test) and what was left out."""
    with st.container(border=True):
        st.metric(
            fig.title,
            fig.value_text,
            delta=fig.change_text if fig.pct_change is not None else None,
            delta_color="inverse",
            border=False,
            help=f"{fig.period} against {fig.previous_period}. "
            + (fig.provenance.text() if fig.provenance else fig.method),
        )
        bits = [harm.CHANGE_NOTE_SHORT]
        if fig.missing:
            bits.append(fig.missing)
        source = fig.provenance.short() if fig.provenance else fig.period
        st.caption(" · ".join(bits) + f"  \n{source}")


def shares_section(table: pd.DataFrame, measure_id: str, periods=None) -> None:
    """Volume against weighted shares of the serious-violence proxy, and the SNA's robbery shares beside them."""
    m = harm.measure(measure_id)
    periods = periods or agg.latest_periods(table["month"])
    rows = harm.proxy_rows(table)
    rows = rows[rows["month"].isin(periods.current)] if periods is not None else rows
    sh = harm.shares(rows, measure_id)
    st.markdown(
        f"**Serious violence (proxy) by volume and by {m.short}**, {periods.label if periods else ''}"
    )
    for r in sh.to_dict("records"):
        st.markdown(f"- {harm.share_sentence(r, measure_id)}")
    series = harm.monthly(harm.proxy_rows(table), measure_id)
    if series is None:
        st.caption(f"No monthly trend of {m.short}: {harm.NO_WEIGHT} for some of the offences.")
    else:
        unit = "£" if measure_id == "cost" else m.unit
        with frame.friendly_errors("The monthly chart"):
            exports.show_chart(
                charts.trend_chart(
                    series,
                    f"Serious violence (proxy), {m.short} per month",
                    f"Line chart of the {m.short} of the serious-violence proxy categories per month, MPS ward data.",
                    value="weighted",
                    value_title=f"{m.short.capitalize()} per month ({unit})",
                    subtitle=f"Metropolitan Police, real data; {harm.price_basis() if measure_id == 'cost' else m.source}",
                    style=present.chart_style(),
                ),
                f"Serious violence {m.short} per month",
                key="harm_trend",
                provenance=prov.mps(
                    filters="serious-violence proxy categories",
                    method=harm.method_text(measure_id).rstrip("."),
                ),
            )
    if measure_id == "cost":
        c = harm.sna_cost(table, periods)
        pub = "; ".join(f"{p['text'].lower()}: £{p['value']:g} million" for p in c["published"])
        st.markdown(
            f"**Personal robbery's estimated cost, {c['period']}: {c['current_text']}** "
            f"({c['offences']:,} offences). The 2023 needs assessment: {pub}."
        )
        st.caption(f"\u201c{c['quote']}\u201d Here: {c['note']}.")
    comp = harm.sna_comparison(table, periods)
    shown = pd.DataFrame(
        {
            "Measure": comp["label"],
            "Personal robbery's share now (%)": comp["current"].map(
                lambda v: "–" if math.isnan(v) else f"{v:.0f}"
            ),
            "Needs assessment 2023 (%)": comp["published"].map(lambda v: f"{v:.0f}"),
            "Note": comp["note"],
        }
    )
    st.markdown("**Personal robbery's share of serious violence: now and in the 2023 needs assessment**")
    provenance = prov.mps(
        periods.label if periods is not None else None,
        filters="serious-violence proxy categories",
        method=harm.method_text(measure_id).rstrip("."),
    )
    exports.show_table(
        shown, "Robbery share of serious violence", key="harm_sna", static=True, provenance=provenance
    )
    st.caption(
        f"\u201c{comp['quote'].iloc[0]}\u201d (LBBD Serious Violence Strategic Needs Assessment 2023). The "
        "assessment counted the eight London offence types on police records and does not name its harm "
        "weights; the figures here are the published MPS proxy categories over the chosen months. "
        + harm.method_text(measure_id)
    )


def trend(
    series: harm.Series,
    title: str,
    description: str,
    subtitle: str,
    weighting: str,
    provenance: prov.Provenance,
    rolling: bool = False,
) -> None:
    """A trend chart of a count or weighted monthly series (``svd.harm.series``) with its downloads, or the
    sentence saying why the weighted series cannot be drawn; ``rolling`` plots the 12-month totals."""
    if series.frame is None:
        st.caption(series.reason)
        return
    if rolling:
        value = "rolling_12m"
        value_title = (
            harm.value_title(weighting, "in 12 months") if weighting != "count" else "12-month total"
        )
    else:
        value, value_title = series.value, harm.value_title(weighting)
    chart_title = harm.chart_title(title, weighting)
    exports.show_chart(
        charts.trend_chart(
            series.frame,
            chart_title,
            description,
            value=value,
            value_title=value_title,
            subtitle=subtitle,
            style=present.chart_style(),
        ),
        chart_title,
        provenance=provenance,
    )
