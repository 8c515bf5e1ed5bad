"""The board's landing page: the tile figures, the headline sentence and the objective → metric table.

Everything here is built on ``svd.metrics`` (the registry and ``mps_figure`` / ``records_figure``), so the
overview shows exactly what ``python -m svd summary`` prints for the same data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import altair as alt
import pandas as pd

from svd import aggregate as agg
from svd import config, stats
from svd import metrics as mx
from svd import provenance as prov
from svd.charts import NORMAL, OKABE_ITO, ChartStyle, finish
from svd.provenance import Provenance

# The tiles in the order the board reads them: the proxy first, then its parts, then the record-level ones.
TILES: tuple[str, ...] = (
    "serious_violence",
    "violence_with_injury",
    "personal_robbery",
    "rape",
    "other_sexual",
    "domestic_abuse",
    "share_3pm_9pm",
)

# url path (as the registry names pages) → the page file app.py routes it to; tests/test_metrics.py checks
# this against app.py so a renamed page cannot leave a tile linking nowhere.
PAGE_FILES: dict[str, str] = {
    "": "views/overview.py",
    "domestic-abuse": "views/domestic_abuse.py",
    "sexual-offences": "views/sexual_offences.py",
    "knife-crime-robbery": "views/knife_crime_robbery.py",
    "london": "views/london.py",
    "london-map": "views/london_map.py",
    "funding": "views/funding.py",
    "strategy": "views/strategy.py",
    "hotspots": "views/hotspots.py",
    "temporal": "views/temporal.py",
    "border": "views/border.py",
    "data": "views/data.py",
    "evaluate": "views/evaluate.py",
}

# url path → the page's title in the navigation (for link labels); checked against app.py too.
PAGE_TITLES: dict[str, str] = {
    "": "Overview",
    "domestic-abuse": "Domestic abuse",
    "sexual-offences": "Sexual offences",
    "knife-crime-robbery": "Knife crime and robbery",
    "london": "London comparisons",
    "london-map": "London map",
    "funding": "Funding",
    "strategy": "Strategy",
    "hotspots": "Hotspots",
    "temporal": "Days and times",
    "border": "Across the border",
    "data": "Data and methods",
    "evaluate": "Evaluate",
}

OBJECTIVE_COLUMNS = [
    "objective",
    "objective_title",
    "metric",
    "metric_id",
    "value",
    "change",
    "period",
    "page",
    "source",
]


def page_file(url_path: str) -> str:
    """The page file for a registry ``page`` (a url path)."""
    return PAGE_FILES[url_path]


def populations(pops: pd.DataFrame, borough_code: str | None = None) -> tuple[float, float]:
    """(borough residents, London residents) from ``population.london_populations()``.

    MPS "London" excludes the City of London, so its population is taken off the region's, as in ``summary``.
    """
    borough_code = config.borough().code if borough_code is None else borough_code
    borough = float(pops.loc[pops["borough_code"] == borough_code, "all_ages"].iloc[0])
    return borough, mx.london_population(pops)


def for_wards(
    borough: pd.DataFrame, records: pd.DataFrame | None, ward_population: pd.DataFrame, wards: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame | None, float]:
    """The MPS rows, records and residents of the chosen wards (ward codes), for tiles on a subset of wards.

    Residents come from the LSOA-based ward table (``population.ward_population``), as for every ward rate.
    """
    chosen = list(wards)
    sub = borough[borough["area_code"].isin(chosen).to_numpy()]
    recs = None if records is None else records[records["ward_code"].isin(chosen).to_numpy()]
    pop = float(ward_population.loc[ward_population["ward_code"].isin(chosen), "all_ages"].sum())
    return sub, recs, pop


def share_change(k1: int, n1: int, k0: int, n0: int, alpha: float = 0.05) -> tuple[str, float]:
    """Two-proportion z-test of k1/n1 (current) against k0/n0 (previous): (label, p-value), totals only.

    The labels are the change test's (``stats.CHANGE_LABELS``) so every tile reads the same way. Tiles use
    ``stats.share_change_test`` on the monthly numerators and bases, which allows for overdispersion and
    refuses incomplete windows; this is its test with the dispersion at 1.
    """
    if min(n1, n0) == 0:
        return "no significant change", 1.0
    pooled = (k1 + k0) / (n1 + n0)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    if se == 0:
        return "no significant change", 1.0
    z = (k1 / n1 - k0 / n0) / se
    p = float(2 * stats.norm_sf(abs(z)))
    if p >= alpha:
        return "no significant change", p
    return ("significant increase" if z > 0 else "significant decrease"), p


def tile_figures(
    borough: pd.DataFrame,
    records: pd.DataFrame | None,
    population: float,
    simulated: bool,
    london: pd.DataFrame | None = None,
    london_population: float | None = None,
    registry: Mapping[str, mx.Metric] | None = None,
    metric_ids: Sequence[str] = TILES,
    area: str | None = None,
    extract_name: str | None = None,
    periods: agg.Periods | None = None,
    record_months: pd.Series | None = None,
) -> dict[str, mx.Figure]:
    """The tile figures, keyed by metric id: MPS metrics from the ward table, record metrics from the records.

    ``borough`` is the borough's tidy MPS ward table (or a subset of its wards, with ``population`` theirs);
    ``london`` the London rows (``metrics.london_rows``) for the London rate (None when comparing a subset of wards). Percentage
    metrics get a two-proportion significance label, which ``records_figure`` leaves empty. ``periods``
    (``aggregate.periods_for``) are the chosen months for every tile (default: each source's latest 12);
    ``record_months`` the months the whole record set covers, when ``records`` is a subset of it.
    """
    reg = registry or mx.load_metrics()
    out: dict[str, mx.Figure] = {}
    for mid in metric_ids:
        m = reg[mid]
        if m.source == "mps":
            out[mid] = mx.mps_figure(
                m, borough, population, london, london_population, area=area, periods=periods
            )
        elif records is not None and len(records):
            fig = mx.records_figure(
                m,
                records,
                population,
                simulated,
                area=area,
                extract_name=extract_name,
                periods=periods,
                available=record_months,
            )
            if m.unit == "percent" and fig.change_tested and fig.previous is not None:
                x = fig.extra.get("monthly", {})
                res = stats.share_change_test(
                    x["numerator"], x["base"], x["numerator_previous"], x["base_previous"]
                )
                method = f"{fig.provenance.method}; change: {res.method}, 5% level"
                fig = replace(
                    fig,
                    change_label=res.label,
                    p_value=res.p_value,
                    change_method=res.method,
                    provenance=fig.provenance.but(method=method),
                )
            out[mid] = fig
    return out


def board_figures(
    borough: pd.DataFrame,
    records: pd.DataFrame | None,
    simulated: bool,
    populations_table: pd.DataFrame,
    london: pd.DataFrame | None = None,
    ward_population: pd.DataFrame | None = None,
    wards: Sequence[str] = (),
    metric_ids: Sequence[str] | None = None,
    extract_name: str | None = None,
    periods: agg.Periods | None = None,
) -> tuple[dict[str, mx.Figure], str]:
    """Every registry metric's figure for the whole borough (with London's rate) or for the chosen wards.

    Returns the figures and the area's name as the headline says it ("Barking and Dagenham", "Abbey", "the 2
    selected wards"). ``london`` is the all-London MPS table (filtered here with ``metrics.london_rows``);
    ``populations_table`` is ``population.london_populations()``; ``ward_population`` is needed only
    when ``wards`` are given. ``periods`` (``aggregate.periods_for``): the chosen months and their comparison,
    for every figure (default: the latest 12 months of each source).
    """
    ids = tuple(metric_ids) if metric_ids is not None else tuple(mx.load_metrics())
    record_months = mx.covered_months(records) if records is not None else None
    if wards:
        if ward_population is None:
            raise ValueError("ward_population is needed to compute figures for selected wards")
        rows, recs, pop = for_wards(borough, records, ward_population, wards)
        area = f"the {len(wards)} selected wards"
        if len(wards) == 1:
            names = ward_population.loc[ward_population["ward_code"] == wards[0]].get("ward_name")
            area = str(names.iloc[0]) if names is not None and len(names) else "the selected ward"
        figs = tile_figures(
            rows,
            recs,
            pop,
            simulated,
            metric_ids=ids,
            area=area,
            extract_name=extract_name,
            periods=periods,
            record_months=record_months,
        )
        return figs, area
    borough_pop, london_pop = populations(populations_table)
    # London as the MPS reports it (32 boroughs, no units without a borough), exactly as ``summary`` counts it.
    london_table = mx.london_rows(london) if london is not None else None
    figs = tile_figures(
        borough,
        records,
        borough_pop,
        simulated,
        london_table,
        london_pop if london is not None else None,
        metric_ids=ids,
        area=config.borough().name,
        extract_name=extract_name,
        periods=periods,
        record_months=record_months,
    )
    return figs, config.borough().name


def london_line(funnels, metric_id: str = "serious_violence") -> tuple[str, Provenance] | None:
    """The Overview's London line: 'Across London (Apr 2025 to Mar 2026): Serious violence (proxy) 11th highest
    rate of 32 boroughs, within the 95% limits of the funnel plot.' and its provenance; None when no funnel
    could be drawn.

    ``funnels`` is ``svd.london_compare.funnels`` for the chosen months (its rank is ``trends.london_rank``).
    """
    f = funnels.funnels.get(metric_id)
    if f is None:
        return None
    rk = f.rank.rank
    from svd.london_compare import ordinal

    return (
        f"Across London ({rk.period}): {f.metric.title.lower()} {rk.rate_per_1000:.2f} per 1,000 residents, "
        f"the {ordinal(rk.rank)} highest rate of {rk.of} boroughs (London {f.london_rate:.2f}), {f.position} "
        "of the funnel plot."
    ), f.provenance


def as_of(months: Iterable) -> str:
    """The latest month as the page says it: 'March 2026'."""
    return f"{max(pd.Timestamp(m) for m in months):%B %Y}"


def change_words(fig: mx.Figure) -> str:
    """'fell by 8%', 'rose by 3%' or 'was unchanged' for a count figure; points for a percentage."""
    if fig.previous is None or fig.current is None:
        return "has no earlier period to compare with"
    if fig.metric.unit == "percent":
        d = fig.current - fig.previous
        if round(d, 1) == 0:
            return "was unchanged"
        return f"{'rose' if d > 0 else 'fell'} by {abs(d):.1f} percentage points"
    if fig.pct_change is None:
        return "rose from none" if fig.current else "was unchanged"
    if round(fig.pct_change) == 0:
        return "was almost unchanged"
    return f"{'rose' if fig.pct_change > 0 else 'fell'} by {abs(fig.pct_change):.0f}%"


def significance_words(label: str | None, fig: mx.Figure | None = None) -> str:
    """'a significant decrease' / 'not a significant change' from a change label (or why it is not tested)."""
    if fig is not None and fig.change_note:
        return fig.change_note
    if not label:
        return "not tested"
    if label in stats.NOT_COMPARED_LABELS:
        return label.replace(": ", " (", 1) + ")"  # "not compared (a month is missing)"
    return "not a significant change" if label == "no significant change" else f"a {label}"


def headline(figs: Mapping[str, mx.Figure], area: str = "the borough") -> str:
    """The one-sentence headline from the serious-violence proxy figure (count, change, significance, London)."""
    fig = figs["serious_violence"]
    if fig.previous is None:  # a window outside the data: the count alone, and why nothing is compared
        note = fig.extra.get(
            "period_note", f"There are no figures for {fig.previous_period} to compare with."
        )
        return f"Serious violence (the MPS-category proxy) in {area}: {fig.current:,.0f} offences in {fig.period}. {note}"
    else:
        sentence = (
            f"Serious violence (the MPS-category proxy) in {area} {change_words(fig)} in {fig.period} against "
            f"{fig.previous_period}, to {fig.current:,.0f} offences — {significance_words(fig.change_label)}"
        )
    if fig.rate_per_1000 is not None and fig.london_rate_per_1000 is not None:
        side = "above" if fig.rate_per_1000 > fig.london_rate_per_1000 else "below"
        sentence += (
            f"; at {fig.rate_per_1000:.1f} per 1,000 residents it is {side} London's "
            f"{fig.london_rate_per_1000:.1f}"
        )
    return sentence + "."


def table_provenance(figs: Mapping[str, mx.Figure]) -> Provenance:
    """One provenance for a table of several figures (simulated if any of them is), as its downloads state it."""
    parts = [f.provenance for f in figs.values() if f.provenance is not None]
    if not parts:
        return prov.mps()
    return prov.combine(*parts, method="per figure: see each row's source; change tests as on the tiles")


def format_value(fig: mx.Figure) -> str:
    """A figure's current value as a tile shows it: '5,432' or '44%'."""
    if fig.current is None:
        return "–"
    return f"{fig.current:.0f}%" if fig.metric.unit == "percent" else f"{fig.current:,.0f}"


def objective_table(
    objectives: Sequence[Mapping],
    figs: Mapping[str, mx.Figure],
    registry: Mapping[str, mx.Metric] | None = None,
) -> pd.DataFrame:
    """One row per objective × monitoring metric, with the metric's current value, change and page.

    ``objectives`` are the strategy's (``strategy.json``): dicts with ``number``, ``title``, ``metrics`` (metric
    ids) and ``monitored_by``. An objective no metric monitors still gets a row, saying how it is monitored
    instead, so the table shows every objective and where the dashboard cannot help.
    """
    reg = registry or mx.load_metrics()
    rows = []
    for obj in objectives:
        n, ids = int(obj["number"]), list(obj.get("metrics") or [])
        if not ids:
            rows.append(
                {
                    "objective": n,
                    "objective_title": obj["title"],
                    "metric": None,
                    "metric_id": None,
                    "value": None,
                    "change": obj.get("monitored_by"),
                    "period": None,
                    "page": None,
                    "source": None,
                }
            )
        for mid in ids:
            m, fig = reg[mid], figs.get(mid)
            change = None
            if fig is not None:
                note = fig.change_label or fig.change_note
                change = change_words(fig) + (f" ({note})" if note else "")
            rows.append(
                {
                    "objective": n,
                    "objective_title": obj["title"],
                    "metric": m.title,
                    "metric_id": m.id,
                    "value": format_value(fig) if fig else None,
                    "change": change,
                    "period": fig.period if fig else None,
                    "page": m.page,
                    "source": fig.provenance.kind_label() if fig and fig.provenance else None,
                }
            )
    return pd.DataFrame(rows, columns=OBJECTIVE_COLUMNS)


# --- sentences and frames for the funding page (svd.funding holds the data and totals) ---------------------


def _count_word(n: int) -> str:
    """'four' for small counts (as a sentence reads), digits otherwise."""
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    return words[n] if 0 <= n < len(words) else f"{n:,}"


def funding_headline(
    change: pd.DataFrame, first: str = "2022/23", second: str = "2023/24", total_label: str = "Total"
) -> str:
    """The funding page's sentence from ``funding.change_between_years``: the totals, the change, the biggest mover."""
    from svd.funding import format_gbp

    total = change[change["fund"] == total_label].iloc[0]
    funds = change[change["fund"] != total_label]
    diff = float(total["change"])
    direction = "more" if diff > 0 else "less"
    sentence = (
        f"The {_count_word(len(funds))} funding streams in the strategy total {format_gbp(total[second])} in {second}, "
        f"{format_gbp(abs(diff))} ({abs(total['pct_change']):.1f}%) {direction} than the "
        f"{format_gbp(total[first])} of {first}"
    )
    if diff == 0:
        sentence = (
            f"The {_count_word(len(funds))} funding streams in the strategy total {format_gbp(total[second])} in "
            f"{second}, the same as in {first}"
        )
    moved = funds[funds["change"] != 0]
    if len(moved):
        top = moved.loc[moved["change"].abs().idxmax()]
        verb = "rose" if top["change"] > 0 else "fell"
        sentence += f"; the largest change is {top['fund']}, which {verb} by {format_gbp(abs(top['change']))}"
    return sentence + "."


def funding_chart_frame(totals: pd.DataFrame, total_label: str = "Total") -> pd.DataFrame:
    """One row per fund × year (the grand total left out): fund, year, amount_gbp and its label '2022/23: £379,075'."""
    rows = totals[totals["fund"] != total_label]
    amount = rows["amount_gbp"].astype(float)
    return pd.DataFrame(
        {
            "fund": rows["fund"].to_numpy(),
            "year": rows["year"].to_numpy(),
            "amount_gbp": amount.to_numpy(),
            "label": [f"{y}: £{a:,.0f}" for y, a in zip(rows["year"], amount, strict=True)],
        }
    )


def funding_chart(
    frame: pd.DataFrame, title: str = "Funding per fund and year", style: ChartStyle = NORMAL
) -> alt.LayerChart:
    """Grouped horizontal bars, one group per fund, one bar per year; each bar names its year and amount."""
    years = list(dict.fromkeys(frame["year"]))
    funds = list(dict.fromkeys(frame["fund"]))
    y = alt.Y(
        "fund:N",
        title=None,
        sort=funds,
        axis=alt.Axis(labelLimit=style.label_limit + 60, labelFontSize=style.label_size),
    )
    # Room on the right for the longest label, so no amount is clipped.
    top = float(frame["amount_gbp"].max()) * 1.3 if len(frame) else 1.0
    x = alt.X(
        "amount_gbp:Q", title="Funding (£)", axis=alt.Axis(format="~s"), scale=alt.Scale(domain=[0, top])
    )
    base = alt.Chart(frame).encode(y=y, yOffset=alt.YOffset("year:N", sort=years), x=x)
    bars = base.mark_bar().encode(
        color=alt.Color(
            "year:N",
            sort=years,
            title="Year",
            scale=alt.Scale(domain=years, range=list(OKABE_ITO[:2])),
            legend=alt.Legend(orient="top"),
        ),
        tooltip=[
            alt.Tooltip("fund:N", title="Fund"),
            alt.Tooltip("year:N", title="Year"),
            alt.Tooltip("amount_gbp:Q", title="Amount (£)", format=",.2f"),
        ],
    )
    text = base.mark_text(align="left", dx=4, fontSize=style.label_size, color="#222").encode(text="label:N")
    return finish(
        alt.layer(bars, text).properties(
            title=alt.TitleParams(
                title, subtitle="Each bar is labelled with its year and amount.", anchor="start"
            ),
            description=(
                f"Grouped horizontal bars: for each of the {len(funds)} funds, one bar per year "
                f"({', '.join(years)}) showing the amount in pounds, labelled with the year and amount."
            ),
            height=alt.Step(style.h(22)),
        ),
        style,
    )


# --- the strategy page's sentence (svd.strategy holds the definitions and review dates) ---------------------


def strategy_headline(reviews: pd.DataFrame, objectives: int, published: str) -> str:
    """The strategy page's sentence: objectives, and how many review dates have passed (from ``review_status``)."""
    overdue = reviews[reviews["status"] == "Overdue"]
    pub = f"{pd.Timestamp(published):%B %Y}"
    sentence = f"The strategy published in {pub} sets {_count_word(objectives)} objectives; "
    if overdue.empty:
        upcoming = reviews.sort_values("review_due").iloc[0] if len(reviews) else None
        if upcoming is None:
            return sentence + "it lists no review dates."
        return sentence + (
            f"none of its {_count_word(len(reviews))} review dates has passed — the next is "
            f"{pd.Timestamp(upcoming['review_due']):%-d %B %Y}."
        )
    first = overdue.sort_values("review_due").iloc[0]
    return sentence + (
        f"{_count_word(len(overdue))} of its {_count_word(len(reviews))} review dates "
        f"{'has' if len(overdue) == 1 else 'have'} passed, the earliest on "
        f"{pd.Timestamp(first['review_due']):%-d %B %Y}, {abs(int(first['days_to_review'])):,} days ago."
    )


def public_hidden(ward_table: pd.DataFrame, ward_pop: pd.DataFrame, wards) -> dict[str, str]:
    """Public mode with wards chosen: which MPS metrics must be hidden ("current": the figure and its change;
    "previous": the change only) because a chosen ward is hidden in the
    protected ward table of a sensitive offence inside them (``svd.public.split_tables``, as on the Sexual
    offences page). Otherwise the sum over two wards less one of them would give the other away."""
    from svd import public, trends

    if not wards:
        return {}
    sens = sorted(public.sensitive_categories())
    parts = {f"{a}/{b}": trends.ward_rates(ward_table, [(a, b)], ward_pop) for a, b in sens}
    shown = public.split_tables(parts, {}, public=True)
    out = {}
    for mid, m in mx.load_metrics().items():
        inside = {f"{a}/{b}" for a, b in m.categories} & set(shown)
        if m.source == "mps" and inside:
            mine = {k: shown[k] for k in inside}
            if public.ward_selection_hidden(mine, wards):
                out[mid] = "current"
            elif public.ward_selection_hidden(mine, wards, col="previous"):
                out[mid] = "previous"
        elif m.source == "records" and m.sensitive and m.unit != "percent":
            # Record-level counts of a sensitive flag by chosen wards: the Domestic abuse page protects them
            # over its own period, not these 12 months, so the sum is not shown at all.
            out[mid] = "current"
    return out
