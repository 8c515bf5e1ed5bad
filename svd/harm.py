"""Harm and cost: weigh offences as the needs assessment does, not only count them.

The weights are data (``data/harm_weights.csv``: one row per offence category and measure, each value with its
source and the quoted text it was checked against; ``data/harm_measures.json``: the measures, their methods and
the deflator). A category without a published weight has an empty value: it is reported as "no published
weight", never counted as 0, and every weighted total says which categories it leaves out.

Weighted sums are not Poisson counts (one homicide weighs as much as thousands of thefts), so no count-based
change test (``svd.stats.change_test``) is applied to them: a weighted figure shows its change in per cent
without a significance label, and says so (``CHANGE_NOTE``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from svd import aggregate as agg
from svd import provenance as prov
from svd.config import definitions_dir
from svd.provenance import Provenance
from svd.reference import Reference, current, kept

MEASURES: tuple[str, ...] = ("count", "harm_css", "harm_cchi", "cost")
WEIGHTED: tuple[str, ...] = MEASURES[1:]
KINDS = ("mps", "offence")  # MPS MajorText/MinorText categories; the record-level offence types
NO_WEIGHT = "no published weight"
CHANGE_NOTE_SHORT = "Change not tested: a weighted sum is not a count"  # on a tile; CHANGE_NOTE in the method
CHANGE_NOTE = (
    "change not tested: a weighted sum is not a count of independent events, so the count test does not apply"
)
WEIGHT_COLUMNS = (
    "kind",
    "major",
    "category",
    "measure",
    "value",
    "unit",
    "source_title",
    "publisher",
    "year",
    "table_page",
    "url",
    "quote",
    "quoted_in",
    "notes",
)


@dataclass(frozen=True)
class Measure:
    """One way of adding offences up: a count, a harm index or a cost."""

    id: str
    label: str  # "Harm (Crime Severity Score)"
    short: str  # "CSS-weighted harm"
    unit: str
    method: str
    source: str
    poisson: bool  # True only for the plain count: the one total the count change tests apply to


@kept
def _read_json(ref: Reference, path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@kept
def _read_csv(ref: Reference, path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return df.assign(value=pd.to_numeric(df["value"].replace("", np.nan), errors="raise"))


def _measures_path(path: Path | str | None) -> Path:
    return Path(path or definitions_dir() / "harm_measures.json").resolve()


def load_measures(path: Path | str | None = None) -> dict[str, Measure]:
    """The measures by id, in ``MEASURES`` order."""
    raw = _read_json(current(), _measures_path(path))["measures"]
    out = {m["id"]: Measure(**m) for m in raw}
    return {k: out[k] for k in MEASURES}


def measure(measure_id: str) -> Measure:
    """One measure (ValueError naming the known ones if unknown)."""
    if measure_id not in MEASURES:
        raise ValueError(f"unknown measure {measure_id!r}; known: {', '.join(MEASURES)}")
    return load_measures()[measure_id]


def offered() -> tuple[list[str], list[str]]:
    """(measures a view offers, measures it leaves out): a measure with no published weight at all in the
    catalogue (today the Cambridge Crime Harm Index) would only show "–" everywhere, so it is not offered."""
    cat = load_weights()
    has = set(cat.loc[cat["value"].notna(), "measure"])
    return [m for m in MEASURES if m == "count" or m in has], [
        m for m in MEASURES if m != "count" and m not in has
    ]


def deflator(path: Path | str | None = None) -> dict:
    """The deflator the unit costs are uprated with: name, from_year, to_year, factor (None until verified)."""
    return dict(_read_json(current(), _measures_path(path))["deflator"])


def price_basis() -> str:
    """The prices the costs are shown at: '2015/16 prices' or '2024/25 prices (GDP deflator …)'."""
    d = deflator()
    if d.get("factor"):
        return f"{d['to_year'].replace('-', '/')} prices (uprated from {d['from_year'].replace('-', '/')} by the {d['name']})"
    return f"{d['from_year'].replace('-', '/')} prices (not uprated)"


def load_weights(path: Path | str | None = None) -> pd.DataFrame:
    """The weights catalogue: one row per (kind, category, measure); ``value`` NaN where none was published."""
    return _read_csv(current(), Path(path or definitions_dir() / "harm_weights.csv").resolve()).copy()


def weights(measure_id: str, kind: str = "mps") -> pd.DataFrame:
    """The weight of each category of ``kind`` for a measure, as used (costs uprated when a deflator is set).

    ``kind="mps"``: columns major, minor, weight, source, notes; ``kind="offence"``: offence, weight, source,
    notes. ``count`` weighs every category 1. ``weight`` is NaN where no weight was published.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    measure(measure_id)
    cat = load_weights()
    cat = cat[cat["kind"] == kind]
    if measure_id == "count":
        rows = cat.drop_duplicates(["major", "category"]).assign(value=1.0, source="", notes="")
    else:
        rows = cat[cat["measure"] == measure_id]
        rows = rows.assign(
            source=rows["source_title"]
            + ", "
            + rows["publisher"]
            + ", "
            + rows["year"]
            + ", "
            + rows["table_page"]
        )
    factor = deflator().get("factor")
    value = rows["value"].astype(float)
    if measure_id == "cost" and factor:
        value = value * float(factor)
    out = pd.DataFrame(
        {
            "major": rows["major"].to_numpy(),
            "minor": rows["category"].to_numpy(),
            "weight": value.to_numpy(),
            "source": rows["source"].to_numpy(),
            "notes": rows["notes"].to_numpy(),
        }
    )
    if kind == "offence":
        out = out.drop(columns="major").rename(columns={"minor": "offence"})
    return out.reset_index(drop=True)


def group_weights(measure_id: str) -> pd.DataFrame:
    """One weight per offence group (``data/taxonomy.csv``): the weight its MPS categories share, or NaN when
    any of them has none or they differ (e.g. vehicle offences: theft of and theft from a vehicle cost
    differently). For record-level counts, which carry the offence group but not the MPS category."""
    from svd.taxonomy import load_taxonomy

    tax = load_taxonomy()
    tax = tax[tax["source"] == "mps"][["major", "minor", "offence_group"]]
    w = tax.merge(weights(measure_id, "mps"), on=["major", "minor"], how="left")

    def one(s: pd.Series) -> float:
        return float(s.iloc[0]) if s.notna().all() and s.nunique() == 1 else math.nan

    g = w.groupby("offence_group", sort=False)["weight"].agg(one)
    return g.rename("weight").reset_index()


@dataclass(frozen=True)
class Weighed:
    """A table weighed by a measure: its rows with ``weight`` and ``weighted`` (NaN where no weight), and the
    categories left out for want of a published weight, with the offences they hold."""

    table: pd.DataFrame
    measure: str
    missing: pd.DataFrame = field(default_factory=pd.DataFrame)  # category, count

    @property
    def total(self) -> float:
        """The weighted total over the categories that have a weight."""
        return float(self.table["weighted"].sum(min_count=0))

    @property
    def any_weight(self) -> bool:
        """True when at least one row had a published weight (else there is nothing to rank or total)."""
        col = "weight" if "weight" in self.table.columns else "weighted"
        return bool(self.table[col].notna().any())

    @property
    def complete(self) -> bool:
        """True when every offence in the table had a weight."""
        return self.missing.empty or float(self.missing["count"].sum()) == 0

    def missing_text(self) -> str:
        """'Left out (no published weight): Violence with injury (1,234 offences), …' or ''."""
        if self.complete:
            return ""
        rows = self.missing[self.missing["count"] > 0]
        items = ", ".join(f"{r.category} ({int(r.count):,} offences)" for r in rows.itertuples())
        return f"Left out ({NO_WEIGHT}, not counted as 0): {items}."


def _key(table: pd.DataFrame, on: str | None) -> tuple[str, list[str]]:
    """Which weights a table joins to: ('mps', [major col, minor col]), ('offence', ['offence']) or ('group', …)."""
    cols = set(table.columns)
    if on in (None, "mps") and {"major", "minor"} <= cols:
        return "mps", ["major", "minor"]
    if on in (None, "mps") and {"mps_major", "mps_minor"} <= cols:
        return "mps", ["mps_major", "mps_minor"]
    if on in (None, "offence") and "offence" in cols:
        return "offence", ["offence"]
    if on in (None, "group") and "offence_group" in cols:
        return "group", ["offence_group"]
    raise ValueError("the table has no major/minor, mps_major/mps_minor, offence or offence_group columns")


def weigh(
    table: pd.DataFrame, measure_id: str, count_col: str | None = "count", on: str | None = None
) -> Weighed:
    """``table`` with ``weight`` and ``weighted`` (= count × weight) columns, and the categories without a weight.

    Rows are joined to the weights by MPS category (``major``/``minor`` or ``mps_major``/``mps_minor``), else
    by record-level ``offence``, else by ``offence_group`` (``on`` forces one). ``count_col=None`` (or absent)
    counts each row once, as for records. A row whose category has no published weight keeps ``weighted``
    NaN — never 0 — and its category is listed in ``missing``.
    """
    kind, keys = _key(table, on)
    if kind == "group":
        w = group_weights(measure_id).rename(columns={"offence_group": keys[0]})
    elif kind == "offence":
        w = weights(measure_id, "offence")[["offence", "weight"]]
    else:
        w = weights(measure_id, "mps")[["major", "minor", "weight"]]
        w = w.rename(columns={"major": keys[0], "minor": keys[1]})
    counts = (
        table[count_col].astype(float)
        if count_col and count_col in table.columns
        else pd.Series(1.0, index=table.index)
    )
    left = table[keys].astype(str).reset_index(drop=True)
    weight = left.merge(w.drop_duplicates(keys), on=keys, how="left")["weight"].to_numpy(dtype=float)
    out = table.reset_index(drop=True).assign(weight=weight, weighted=counts.to_numpy() * weight)
    label = keys[-1]
    gone = out[np.isnan(weight)]
    names = gone[label].astype(str)
    if (
        kind == "mps"
    ):  # 'ROBBERY OF PERSONAL PROPERTY' → 'Robbery of personal property', as the pages write it
        names = names.str.capitalize()
    elif kind == "offence":  # 'threats_to_kill' → 'Threats to kill', as the pages write it
        from svd.temporal import offence_label

        names = names.map(offence_label)
    missing = (
        pd.DataFrame({"category": names.to_numpy(), "count": counts.to_numpy()[np.isnan(weight)]})
        .groupby("category", sort=True)["count"]
        .sum()
        .reset_index()
    )
    return Weighed(out, measure_id, missing)


def shares(
    table: pd.DataFrame,
    measure_id: str,
    by: str = "offence_group",
    count_col: str | None = "count",
    on: str | None = None,
) -> pd.DataFrame:
    """Volume share against weighted share per group (e.g. personal robbery's share of serious violence).

    Columns: ``by``, count, count_share (%), weighted, weighted_share (%), has_weight. Weighted shares are of
    the groups that have a weight; a group without one has NaN, and ``attrs["missing"]`` lists what was left
    out (so a share computed without a group says so).
    """
    wd = weigh(table, measure_id, count_col, on)
    t = wd.table
    counts = t[count_col] if count_col and count_col in t.columns else pd.Series(1, index=t.index)
    g = (
        t.assign(_n=counts.astype(float), _has=t["weight"].notna())
        .groupby(by, observed=True, sort=False)
        .agg(
            count=("_n", "sum"),
            weighted=("weighted", lambda s: s.sum(min_count=1)),
            has_weight=("_has", "all"),
        )
        .reset_index()
    )
    g.loc[~g["has_weight"], "weighted"] = np.nan
    # A weighted share is of the whole total: while any group in it has no weight, the denominator would leave it
    # out (robbery would read "100% of harm" when only robbery and homicide are weighted), so no group gets one.
    complete = bool(g["has_weight"].all())
    total_n, total_w = g["count"].sum(), g["weighted"].sum(min_count=1) if complete else np.nan
    out = g.assign(
        count=g["count"].astype("int64"),
        count_share=(g["count"] / total_n * 100) if total_n else np.nan,
        weighted_share=(g["weighted"] / total_w * 100) if total_w and not np.isnan(total_w) else np.nan,
    )[[by, "count", "count_share", "weighted", "weighted_share", "has_weight"]]
    out = out.sort_values("count", ascending=False).reset_index(drop=True)
    out.attrs["missing"] = wd.missing
    out.attrs["measure"] = measure_id
    out.attrs["complete"] = complete
    return out


def share_sentence(row: Mapping, measure_id: str, by: str = "offence_group") -> str:
    """'Personal robbery: 25% of volume, 31% of CSS-weighted harm' (or '…, no published weight', or why no share)."""
    m = measure(measure_id)
    head = f"{row[by]}: {row['count_share']:.0f}% of volume"
    if not row.get("has_weight"):
        return f"{head}, {NO_WEIGHT} for {m.short}"
    if pd.isna(row.get("weighted_share")):
        return f"{head}; its share of {m.short} is not computed: other offences in the total have {NO_WEIGHT}"
    return f"{head}, {row['weighted_share']:.0f}% of {m.short}"


def value_text(value: float | None, measure_id: str) -> str:
    """A weighted value as a tile says it: '£12.3m', '45,678 severity points', '1,234 offences'; '–' if none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if measure_id == "cost":
        for size, word in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
            if abs(value) >= size:
                return f"£{value / size:,.1f}{word}"
        return f"£{value:,.0f}"
    return f"{value:,.0f} {measure(measure_id).unit}"


def method_text(measure_id: str) -> str:
    """The method statement for a figure of this measure (for its provenance)."""
    m = measure(measure_id)
    if measure_id == "count":
        return m.method
    text = f"{m.short}: {m.method} Source: {m.source}."
    if measure_id == "cost":
        text += f" Shown at {price_basis()}."
    return text + f" Categories without a published weight are left out, not counted as 0; {CHANGE_NOTE}."


def title(base: str, measure_id: str) -> str:
    """A figure's title with its measure: 'Personal robbery · CSS-weighted harm'."""
    if measure_id == "count":
        return base
    m = measure(measure_id)
    return f"{base} · {m.short}" + (f" (£, {price_basis().split(' (')[0]})" if measure_id == "cost" else "")


def chart_title(base: str, measure_id: str) -> str:
    """A chart's title with its measure, short enough for a half-width chart: 'Rape per month · estimated cost'
    (the value axis gives the unit and the prices: ``value_title``)."""
    return base if measure_id == "count" else f"{base} · {measure(measure_id).short}"


TILE_METRICS = ("serious_violence", "violence_with_injury", "personal_robbery", "rape", "other_sexual")

# --- figures the pages show ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightedFigure:
    """A tile's figure under a weighted measure: the chosen months against the same months a year earlier."""

    metric_id: str
    title: str
    measure: str
    current: float | None
    previous: float | None
    period: str
    previous_period: str
    missing: str  # what was left out for want of a weight ('' when nothing)
    method: str
    provenance: Provenance | None = None

    @property
    def pct_change(self) -> float | None:
        """Change on the same months a year earlier, in per cent (no significance test: ``CHANGE_NOTE``)."""
        if self.current is None or not self.previous:
            return None
        return (self.current - self.previous) / self.previous * 100

    @property
    def value_text(self) -> str:
        return value_text(self.current, self.measure)

    @property
    def change_text(self) -> str:
        """'+12% on Apr 2024 to Mar 2025 (not tested: …)' or 'not compared'."""
        pct = self.pct_change
        if pct is None:
            return "Not compared"
        return f"{pct:+.0f}% on {self.previous_period}"


def mps_weighted_figure(
    rows: pd.DataFrame,
    metric_id: str,
    base_title: str,
    measure_id: str,
    periods: agg.Periods,
    area: str | None = None,
) -> WeightedFigure:
    """A weighted tile figure from the rows of an MPS tidy table (major, minor, month, count)."""
    from svd.mps import loads_in as mps_loads_in

    wd = weigh(rows, measure_id)
    t = wd.table
    cur = t[t["month"].isin(periods.current)]
    prev = t[t["month"].isin(periods.previous)]

    def total(x: pd.DataFrame) -> float | None:
        s = x["weighted"].sum(min_count=1)
        return None if pd.isna(s) else float(s)

    # A total that leaves offences out is not the figure's total: shown as not computed, with what is missing
    # (only a figure whose every offence has a weight is added up; 'serious violence' in CSS is not homicide).
    partial = not weigh(pd.concat([cur, prev]), measure_id).complete
    missing = weigh(cur, measure_id) if len(cur) else wd
    return WeightedFigure(
        metric_id=metric_id,
        title=title(base_title, measure_id),
        measure=measure_id,
        current=None if partial else total(cur),
        previous=None if partial else total(prev),
        period=periods.label,
        previous_period=periods.previous_label,
        missing=missing.missing_text(),
        method=method_text(measure_id),
        provenance=prov.mps(
            periods.label,
            periods.previous_label,
            area=area,
            method=method_text(measure_id).rstrip("."),
            loads=mps_loads_in(rows, periods.current.append(periods.previous)),
        ),
    )


def tile_figures(
    borough: pd.DataFrame,
    measure_id: str,
    periods: agg.Periods | None = None,
    metric_ids: Sequence[str] = TILE_METRICS,
    wards: Sequence[str] = (),
    area: str | None = None,
) -> dict[str, WeightedFigure]:
    """The Overview's MPS tiles under a weighted measure, keyed by metric id (for the chosen ``wards`` if any)."""
    from svd import metrics as mx

    reg = mx.load_metrics()
    periods = periods or agg.latest_periods(borough["month"])
    if wards:
        borough = borough[borough["area_code"].isin(list(wards))]
    out = {}
    for mid in metric_ids:
        m = reg[mid]
        if m.source != "mps":
            continue
        out[mid] = mps_weighted_figure(mx.select_mps(borough, m), mid, m.title, measure_id, periods, area)
    return out


# --- the needs assessment's robbery shares -------------------------------------------------------------

SNA_VOLUME_REF = "personal_robbery_share_volume"
SNA_HARM_REF = "personal_robbery_share_harm"
ROBBERY_GROUP = "Personal robbery"


def proxy_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The serious-violence proxy's rows of a classified MPS table."""
    return table[table["serious_violence_proxy"].astype(bool)]


def sna_comparison(table: pd.DataFrame, periods: agg.Periods | None = None) -> pd.DataFrame:
    """Personal robbery's share of serious violence by volume and by each weighted measure, on the MPS proxy
    for the chosen months, beside the needs assessment's published 25% and 31%.

    Columns: measure, label, current (%), published (%), published_text, note. The SNA counted the eight London
    offence types on record-level data and does not name its harm weights; this is the published-data proxy.
    """
    from svd import strategy

    periods = periods or agg.latest_periods(table["month"])
    rows = proxy_rows(table)
    rows = rows[rows["month"].isin(periods.current)]
    vol, harm = strategy.reference(SNA_VOLUME_REF), strategy.reference(SNA_HARM_REF)
    out = []
    for mid in MEASURES:
        sh = shares(rows, mid)
        r = sh[sh["offence_group"] == ROBBERY_GROUP]
        miss = sh.attrs["missing"]
        if mid == "count":
            value = float(r["count_share"].iloc[0]) if len(r) else math.nan
            ref, note = vol, "share of the offences"
        else:
            value = (
                float(r["weighted_share"].iloc[0]) if len(r) and bool(r["has_weight"].iloc[0]) else math.nan
            )
            ref = harm
            gone = miss[miss["count"] > 0]["category"].tolist()
            if gone:
                note = f"not computed: {NO_WEIGHT} for {', '.join(gone).lower()}, so no share of the total"
            elif math.isnan(value):
                note = f"not computed: {NO_WEIGHT} for personal robbery"
            else:
                note = "share of the weighted total; the assessment's 31% is of 'estimated harm', weights not named"
        out.append(
            {
                "measure": mid,
                "label": load_measures()[mid].label,
                "current": round(value, 1) if not math.isnan(value) else math.nan,
                "published": float(ref["value"]),
                "published_text": ref["text"],
                "quote": ref["quote"],
                "period": periods.label,
                "note": note,
            }
        )
    return pd.DataFrame(out)


SNA_COST_REFS = ("personal_robbery_cost_recorded", "personal_robbery_cost_with_under_reporting")


def sna_cost(table: pd.DataFrame, periods: agg.Periods | None = None) -> dict:
    """Personal robbery's estimated cost over the chosen months (recorded offences × the Home Office unit cost)
    beside the needs assessment's £5 million (recorded) and £21.5 million (allowing for under-reporting).

    Keys: period, offences, current (£), current_text, published (the two references), note."""
    from svd import strategy

    periods = periods or agg.latest_periods(table["month"])
    rows = table[(table["offence_group"].astype(str) == ROBBERY_GROUP) & table["month"].isin(periods.current)]
    wd = weigh(rows, "cost")
    value = wd.total if wd.complete and len(rows) else math.nan
    refs = [strategy.reference(r) for r in SNA_COST_REFS]
    return {
        "period": periods.label,
        "offences": int(rows["count"].sum()),
        "current": value,
        "current_text": value_text(value, "cost"),
        "published": [{"text": r["text"], "value": float(r["value"]), "unit": r["unit"]} for r in refs],
        "quote": refs[0]["quote"],
        "note": (
            f"recorded offences × the Home Office unit cost, at {price_basis()}; the assessment does not state "
            "its period's length, its unit costs or their price year, so the two are alike in kind, not a "
            "like-for-like comparison"
        ),
    }


# --- areas (Hotspots) ----------------------------------------------------------------------------------


def mps_area_values(table: pd.DataFrame, measure_id: str, area_col: str = "area_code") -> Weighed:
    """Weighted totals per area from a (filtered) MPS tidy table: ``Weighed.table`` has area_code, weighted."""
    wd = weigh(table, measure_id)
    by_area = wd.table.groupby(area_col, observed=True)["weighted"].sum(min_count=1).rename("weighted")
    if (
        wd.any_weight
    ):  # an area with none of the weighted categories has 0 of them (the rest are named as left out)
        by_area = by_area.fillna(0.0)
    return Weighed(by_area.reset_index().rename(columns={area_col: "area_code"}), measure_id, wd.missing)


def cube_area_values(cube, f, level: str, measure_id: str, offences: Sequence[str] = ()) -> Weighed:
    """Weighted totals per area from the Hotspots count cube (``svd.hotspots.Cube``), by offence group weights
    (``group_weights``): area_code, weighted; the groups left out for want of a weight in ``missing``."""
    from svd import hotspots as hs

    mask = hs.cube_mask(cube, f, offences=tuple(offences))
    labels = list(cube.labels["offence_group"])
    gw = group_weights(measure_id).set_index("offence_group")["weight"]
    w = np.array([float(gw.get(g, math.nan)) for g in labels] + [math.nan])
    k = cube.codes["offence_group"]
    row_w = w[np.where(k >= 0, k, len(labels))]
    has = ~np.isnan(row_w)
    code = hs.LEVELS[level][0]
    ka = cube.codes[code]
    size = cube.size(code)
    vals = np.bincount(
        np.where(ka >= 0, ka, size), weights=cube.weight * mask * np.where(has, row_w, 0), minlength=size + 1
    )
    per_group = np.bincount(
        np.where(k >= 0, k, len(labels)), weights=cube.weight * mask, minlength=len(labels) + 1
    )
    missing = pd.DataFrame(
        {
            "category": [g for i, g in enumerate(labels) if np.isnan(w[i]) and per_group[i] > 0],
            "count": [per_group[i] for i in range(len(labels)) if np.isnan(w[i]) and per_group[i] > 0],
        }
    )
    if not (has & mask).any():
        vals = np.full(size + 1, np.nan)  # nothing chosen has a weight: no total to show or rank by
    table = pd.DataFrame(
        {"area_code": np.asarray(cube.labels[code], dtype=object).astype(str), "weighted": vals[:size]}
    )
    return Weighed(table, measure_id, missing)


def with_weighted(table: pd.DataFrame, weighed: Weighed) -> pd.DataFrame:
    """An area table (``area_code``…) with the ``weighted`` value of each area (NaN where there is none)."""
    v = weighed.table.set_index("area_code")["weighted"]
    return table.assign(weighted=table["area_code"].astype(str).map(v).astype(float).to_numpy())


def rerank(ranked: pd.DataFrame, values: pd.DataFrame, measure_id: str) -> pd.DataFrame:
    """The ranked areas re-ordered by a weighted measure: adds ``weighted`` and ``count_rank`` (the area's rank
    by offences), and renumbers ``rank``. When no area has a weighted value (nothing chosen has a published
    weight) the order stays the count's."""
    v = values.set_index("area_code")["weighted"]
    if v.isna().all():
        return ranked.assign(count_rank=ranked["rank"], weighted=np.nan)
    out = ranked.assign(
        count_rank=ranked["count"].rank(method="min", ascending=False).astype("int64"),
        weighted=ranked["area_code"].astype(str).map(v).astype(float),
    )
    out = out.sort_values(
        ["weighted", "count", "area_name"], ascending=[False, False, True], na_position="last"
    )
    return out.assign(rank=range(1, len(out) + 1)).reset_index(drop=True)


def ranking_sentence(reranked: pd.DataFrame, measure_id: str) -> str:
    """'Ranked by estimated cost: Abbey first (2nd by offences); 3 of the top 10 differ from the count ranking.'"""
    m = measure(measure_id)
    if reranked.empty or reranked["weighted"].isna().all():
        return f"Not ranked by {m.short}: {NO_WEIGHT} for any of the offences chosen; ranked by offences."
    first = reranked.iloc[0]
    top = reranked.head(10)
    moved = int((top["rank"] != top["count_rank"]).sum())
    by_count = set(reranked.nsmallest(10, "count_rank")["area_code"])
    new = len(set(top["area_code"]) - by_count)
    return (
        f"Ranked by {m.short}: {first['area_name']} first ({_ordinal(int(first['count_rank']))} by offences); "
        f"{moved} of the top {len(top)} change place and {new} enter it."
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- the command line's report ---------------------------------------------------------------------------


def report(borough: pd.DataFrame, periods: agg.Periods | None = None) -> dict:
    """What ``python -m svd harm`` prints: per measure its method, how many categories have a cited weight,
    the serious-violence proxy's volume against weighted shares, the Overview tiles and the Hotspots wards
    (top 5 against their rank by offences), and the needs assessment's robbery shares beside today's.

    ``borough``: the borough's classified tidy MPS ward table; ``periods``: the months (default latest 12).
    """
    periods = periods or agg.latest_periods(borough["month"])
    now = borough[borough["month"].isin(periods.current)]
    proxy = proxy_rows(now)
    cat = load_weights()
    out: dict = {"period": periods.label, "comparison_period": periods.previous_label, "measures": {}}
    for mid, m in load_measures().items():
        cited = cat[(cat["measure"] == mid) & cat["value"].notna()]
        sh = shares(proxy, mid)
        tiles = tile_figures(borough, mid, periods) if mid != "count" else {}
        areas = mps_area_values(proxy, mid)
        counts = proxy.groupby("area_code", observed=True)["count"].sum()
        names = proxy.drop_duplicates("area_code").set_index("area_code")["area_name"]
        ranked = pd.DataFrame({"area_code": counts.index.astype(str), "count": counts.to_numpy()})
        ranked = ranked.assign(
            area_name=ranked["area_code"].map(names).astype(str),
            rank=ranked["count"].rank(method="first", ascending=False).astype("int64"),
        ).sort_values("rank")
        rer = rerank(ranked, areas.table, mid) if mid != "count" else ranked.assign(count_rank=ranked["rank"])
        out["measures"][mid] = {
            "label": m.label,
            "method": method_text(mid),
            "categories_with_weight": {k: int((cited["kind"] == k).sum()) for k in KINDS},
            "shares": [
                {
                    "offence_group": r["offence_group"],
                    "count": int(r["count"]),
                    "count_share": round(float(r["count_share"]), 1),
                    "weighted_share": None
                    if pd.isna(r["weighted_share"])
                    else round(float(r["weighted_share"]), 1),
                    "sentence": share_sentence(r, mid)
                    if mid != "count"
                    else f"{r['offence_group']}: {r['count_share']:.0f}% of volume",
                }
                for r in sh.to_dict("records")
            ],
            "left_out": Weighed(proxy, mid, sh.attrs["missing"]).missing_text(),
            "tiles": [
                {
                    "metric": k,
                    "title": f.title,
                    "value": f.current,
                    "value_text": f.value_text,
                    "change": f.change_text,
                    "left_out": f.missing,
                }
                for k, f in tiles.items()
            ],
            "hotspots_top5": [
                {
                    "rank": int(r["rank"]),
                    "area_name": r["area_name"],
                    "count": int(r["count"]),
                    "rank_by_offences": int(r["count_rank"]),
                    "value": None if pd.isna(r.get("weighted", np.nan)) else float(r["weighted"]),
                }
                for r in rer.head(5).to_dict("records")
            ],
            "hotspots_sentence": ranking_sentence(rer, mid) if mid != "count" else "",
        }
    out["needs_assessment"] = sna_comparison(borough, periods).to_dict("records")
    out["needs_assessment_cost"] = sna_cost(borough, periods)
    return out


def monthly(table: pd.DataFrame, measure_id: str) -> pd.DataFrame | None:
    """The monthly series of a measure over a tidy MPS table's rows (e.g. the serious-violence proxy):
    month, offences, weighted, covered, rolling_12m (the weighted 12 months to each month).

    None when some of the offences have no published weight: a trend of part of the offences would read as
    the whole (``weigh(...).missing_text()`` says what is missing)."""
    wd = weigh(table, measure_id)
    if not wd.complete:
        return None
    covered = pd.DatetimeIndex(table["month"].unique())
    if covered.empty:
        return None
    months = pd.date_range(covered.min(), covered.max(), freq="MS")
    t = wd.table
    offences = t.groupby("month")["count"].sum().reindex(months).fillna(0)
    weighted = t.groupby("month")["weighted"].sum().reindex(months).fillna(0.0)
    is_cov = months.isin(covered)
    weighted[~is_cov] = np.nan
    roll = pd.Series(weighted.to_numpy()).rolling(12, min_periods=12).sum()
    return pd.DataFrame(
        {
            "month": months,
            "offences": offences.to_numpy(),
            "weighted": weighted.to_numpy(),
            "covered": is_cov,
            "rolling_12m": roll.to_numpy(),
        }
    )


# --- the other pages: MPS trends and tiles, record-level figures -----------------------------------------


def unit_text(measure_id: str) -> str:
    """The unit a weighted value is in, as an axis says it: 'severity points', '£, 2015/16 prices'."""
    return f"£, {price_basis().split(' (')[0]}" if measure_id == "cost" else measure(measure_id).unit


def value_title(measure_id: str, per: str = "per month") -> str:
    """A chart's value axis under a measure: 'Offences per month', 'Estimated cost per month (£, 2015/16 prices)'."""
    m = measure(measure_id)
    if measure_id == "count":
        return f"Offences {per}"
    unit = f"£, {price_basis().split(' (')[0]}" if measure_id == "cost" else m.unit
    return f"{m.short[:1].upper()}{m.short[1:]} {per} ({unit})"


@dataclass(frozen=True)
class Series:
    """A monthly series under a measure, for a trend chart: ``frame`` (month, count, weighted, covered,
    rolling_12m; ``value`` names the column to plot) or None with ``reason`` when the total would leave
    offences out."""

    measure: str
    frame: pd.DataFrame | None
    reason: str = ""

    @property
    def value(self) -> str:
        return "count" if self.measure == "count" else "weighted"


def series(
    table: pd.DataFrame,
    categories: Sequence[tuple[str, str]],
    measure_id: str,
    area_codes: Sequence[str] | None = None,
) -> Series:
    """The monthly series of the chosen MPS categories (and areas) under a measure, the months not published
    left as gaps (as ``trends.monthly``), with the rolling 12-month total of each month (complete windows only).

    Under a weighted measure the series is None when a chosen category has no published weight (a trend of part
    of the offences would read as the whole); ``reason`` says which."""
    from svd import trends

    base = trends.add_rolling(trends.monthly(table, categories, area_codes))
    if measure_id == "count":
        return Series(measure_id, base)
    rows = table if area_codes is None else table[table["area_code"].isin(list(area_codes))]
    wd = weigh(trends.select(rows, categories), measure_id)
    # Every chosen category must have a weight, whether or not it happened here (none = a month of 0).
    chosen = weigh(pd.DataFrame(list(categories), columns=["major", "minor"]).assign(count=0), measure_id)
    if not wd.complete or not chosen.table["weight"].notna().all():
        why = wd if not wd.complete else None
        text = _why(why) if why else f"{NO_WEIGHT} for {', '.join(chosen.missing['category']).lower()}."
        return Series(measure_id, None, f"No trend of {measure(measure_id).short}: " + text)
    per_month = wd.table.groupby("month")["weighted"].sum()
    weighted = (
        pd.Series(base["month"].map(per_month).to_numpy(dtype=float))
        .fillna(0.0)
        .where(base["covered"].to_numpy())
    )
    roll = weighted.rolling(12, min_periods=12).sum()
    # The year-on-year columns are the count's; a weighted series carries its own rolling total only.
    out = base.drop(columns=["previous_12m", "yoy_pct"], errors="ignore")
    return Series(measure_id, out.assign(weighted=weighted.to_numpy(), rolling_12m=roll.to_numpy()))


def _why(wd: Weighed) -> str:
    return wd.missing_text() or f"{NO_WEIGHT} for any of the offences chosen."


def records_figure(
    records: pd.DataFrame,
    metric_id: str,
    base_title: str,
    measure_id: str,
    periods: agg.Periods,
    provenance: Provenance | None = None,
) -> WeightedFigure:
    """A weighted tile from record-level rows (``offence``, ``month``; one offence each): the chosen months
    against the same months a year earlier, weighted by offence type. Not computed ('–', with what is missing)
    when an offence type in either window has no published weight."""
    cur = records[records["month"].isin(periods.current)]
    prev = records[records["month"].isin(periods.previous)]
    both = weigh(pd.concat([cur, prev]), measure_id, None, on="offence")
    partial = not both.complete or not both.any_weight

    def total(x: pd.DataFrame) -> float | None:
        return None if partial or x.empty else weigh(x, measure_id, None, on="offence").total

    return WeightedFigure(
        metric_id=metric_id,
        title=title(base_title, measure_id),
        measure=measure_id,
        current=total(cur),
        previous=total(prev),
        period=periods.label,
        previous_period=periods.previous_label,
        missing=weigh(cur, measure_id, None, on="offence").missing_text()
        if len(cur)
        else both.missing_text(),
        method=method_text(measure_id),
        provenance=provenance.but(method=method_text(measure_id).rstrip(".")) if provenance else None,
    )


def records_share(records: pd.DataFrame, inside: np.ndarray, measure_id: str) -> tuple[float | None, str]:
    """The weighted share (%) of the records for which ``inside`` is true (e.g. the 15:00–21:00 window), and
    '' — or None and why, when an offence type among them has no published weight."""
    wd = weigh(records, measure_id, None, on="offence")
    if not wd.any_weight or not wd.complete:
        return None, _why(wd)
    w = wd.table["weighted"].to_numpy(dtype=float)
    whole = float(w.sum())
    return (100 * float(w[np.asarray(inside, dtype=bool)].sum()) / whole if whole else None), ""


def mps_figure(
    table: pd.DataFrame,
    categories: Sequence[tuple[str, str]],
    metric_id: str,
    base_title: str,
    measure_id: str,
    periods: agg.Periods,
    wards: Sequence[str] = (),
    area: str | None = None,
) -> WeightedFigure:
    """A page tile's weighted figure from a tidy MPS ward table: the chosen categories and wards (all if none)."""
    from svd import trends

    rows = table[table["area_code"].isin(list(wards))] if wards else table
    return mps_weighted_figure(
        trends.select(rows, categories), metric_id, base_title, measure_id, periods, area
    )


LONDON_NOTE = (
    "Counts of offences only, whatever the measure chosen on other pages: a rate per 1,000 residents of a harm "
    "or cost total is not comparable between areas (one homicide outweighs thousands of thefts, so a funnel's "
    "Poisson limits and a ward's percentile would not hold), and the weights cover only some categories."
)
COUNT_ONLY = (
    "of offences whatever the measure: a rate, rank or share of a weighted sum is not comparable, and the "
    "count's change test does not apply to it"
)


def records_series(records: pd.DataFrame, start, end, measure_id: str) -> Series:
    """The monthly series of record-level rows (one offence each) under a measure, every month in [start, end]
    covered (as ``trends.records_monthly``), with the rolling 12-month total. Under a weighted measure None, and
    why, when an offence type among the rows has no published weight."""
    from svd import trends

    base = trends.add_rolling(trends.records_monthly(records, start, end))
    if measure_id == "count":
        return Series(measure_id, base)
    wd = weigh(records, measure_id, None, on="offence")
    if not wd.any_weight or not wd.complete:
        return Series(measure_id, None, f"No trend of {measure(measure_id).short}: " + _why(wd))
    per_month = wd.table.groupby("month")["weighted"].sum()
    weighted = pd.Series(base["month"].map(per_month).to_numpy(dtype=float)).fillna(0.0)
    out = base.drop(columns=["previous_12m", "yoy_pct"], errors="ignore")
    return Series(
        measure_id,
        out.assign(
            weighted=weighted.to_numpy(), rolling_12m=weighted.rolling(12, min_periods=12).sum().to_numpy()
        ),
    )


def _offence_label_weights(cube, measure_id: str) -> np.ndarray:
    """The weight of each of the cube's offence labels, and NaN last (for rows with no offence)."""
    w = weights(measure_id, "offence").set_index("offence")["weight"]
    return np.array([float(w.get(o, math.nan)) for o in cube.labels["offence"]] + [math.nan])


def cube_row_weights(cube, measure_id: str) -> np.ndarray:
    """Each tasking-cube row's weight by its record-level offence type (NaN: no published weight)."""
    k = cube.codes["offence"]
    return _offence_label_weights(cube, measure_id)[np.where(k >= 0, k, len(cube.labels["offence"]))]


def cube_time_values(
    cube, mask: np.ndarray, measure_id: str, bins: np.ndarray | None = None, partial: bool = False
) -> Series:
    """The weighted sum per time bin of the masked rows of a tasking cube (``svd.hotspots.Cube``), weighted by
    record-level offence type, as ``svd.temporal.cube_time_counts`` counts them: ``Series.frame`` is a one-column
    frame ``value`` over the bins, or None and why when a chosen offence type has no published weight.

    ``partial=True`` (a distribution, as the Hotspots map's ``cube_area_values``): the offence types with a
    weight are summed and ``reason`` names those left out (never counted as 0); None only when none has one."""
    from svd import temporal as tp

    labels = list(cube.labels["offence"])
    per_label = _offence_label_weights(cube, measure_id)
    k = cube.codes["offence"]
    row_w = cube_row_weights(cube, measure_id)
    m = np.asarray(mask, dtype=bool)
    per_offence = np.bincount(
        np.where(k >= 0, k, len(labels)), weights=cube.weight * m, minlength=len(labels) + 1
    )
    gone = [
        (tp.offence_label(o) if o else "Offence not recorded", per_offence[i])
        for i, o in enumerate([*labels, ""])
        if math.isnan(per_label[i]) and per_offence[i] > 0
    ]
    missing = pd.DataFrame(gone, columns=["category", "count"])
    any_weighted = bool((m & ~np.isnan(row_w)).any())
    if (gone and not (partial and any_weighted)) or not m.any():
        why = Weighed(pd.DataFrame({"weight": [math.nan]}), measure_id, missing)
        return Series(measure_id, None, f"Not weighted by {measure(measure_id).short}: " + _why(why))
    bins = tp.cube_time_bins(cube) if bins is None else bins
    vals = np.bincount(bins, weights=cube.weight * m * np.nan_to_num(row_w), minlength=tp.TIME_BINS)
    left_out = Weighed(pd.DataFrame({"weight": [1.0]}), measure_id, missing).missing_text() if gone else ""
    return Series(measure_id, pd.DataFrame({"value": vals[: tp.TIME_BINS]}), left_out)


def window_share_note(values: Series) -> str:
    """What the weighted 15:00–21:00 share (``window_share`` of ``cube_time_values(..., partial=True)``) is of,
    for the sentence under its tile: the offence types without a weight are named once, under the heatmap."""
    short = measure(values.measure).short
    if values.frame is None:
        return (
            f"Not weighted by {short}: no offence chosen has a published weight. The share of the {short} between "
            f"15:00 and 21:00, of the offences with a known time. The three figures below are {COUNT_ONLY}."
        )
    partial = (
        " and a published weight (those without one are named under the heatmap)" if values.reason else ""
    )
    return (
        f"The share of the {short} between 15:00 and 21:00, of the offences with a known time{partial}. The three "
        f"figures below are {COUNT_ONLY}; the heatmap and the profiles are weighted."
    )


def window_share(values: np.ndarray, window: tuple[int, int] | None = None) -> float | None:
    """The share (%) of a weighted time-bin array (``cube_time_values``) inside the hour window (default the
    strategy's 15:00–21:00), of the bins with a known hour; None when nothing has a known hour."""
    from svd import filters as rf

    by_hour = np.asarray(values, dtype=float)[: 8 * 24].reshape(8, 24).sum(axis=0)
    known = by_hour.sum()
    inside = by_hour[rf.hour_mask(pd.Series(np.arange(24)), window or rf.PRIORITY_WINDOW)].sum()
    return 100 * float(inside) / float(known) if known else None
