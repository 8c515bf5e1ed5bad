"""Error rates of the statistical labels, measured on null data built from the real counts.

Not a test (``tests/test_error_rates.py`` runs a fast version). ``.venv/bin/python bench/error_rates.py
[--shuffles 1000] [--series 2000] [--maps 1000] [--seed 1]`` prints Markdown tables:

(a) **Gi* hotspots.** The real serious-violence counts of the latest 12 months — per ward from the MPS ward
    files, per LSOA from the simulated records (whose ward × month × category counts are the MPS ones; the
    LSOA within each ward is simulated) — are shuffled at random across the areas, which removes any spatial
    clustering. For each shuffle the labels are computed as the page does; the table gives the share of maps
    showing any hot or cold spot (target ≤ 5%), for the shipped method (two-sided exact p, Benjamini–Hochberg
    FDR 5%) and for the method it replaced (esda's one-sided pseudo p ≤ 0.05, 999 permutations, no FDR).
(b) **Change test.** For each MPS category of the board's figures, the mean and Pearson dispersion of the
    borough's 24 latest monthly counts are measured; 12 + 12 no-change months are drawn from a negative
    binomial with that mean and dispersion (Poisson where the dispersion is below 1), and the share of series
    labelled a significant change is counted (target ≤ 5%), for ``change_test`` and the exact Poisson test.
(c) **Emerging areas.** Each ward's 24 monthly serious-violence counts are redrawn with no change (negative
    binomial, the ward's own mean, the pooled dispersion measured across wards); the share of maps with any
    ward labelled emerging or declining is counted (target ≤ 5%), for the shipped labels and the old ones
    (exact Poisson test per ward at 0.05, no FDR).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from svd import aggregate as agg  # noqa: E402
from svd import (  # noqa: E402
    config,  # noqa: E402
    geo,
    stats,
)
from svd import metrics as mx  # noqa: E402

CHANGE_METRICS = ("serious_violence", "violence_with_injury", "rape", "other_sexual", "personal_robbery")


def borough_table(data_dir: Path | None = None) -> pd.DataFrame:
    """The borough's merged MPS ward table."""
    from svd.mps import load_mps

    ward = load_mps(level="ward", data_dir=data_dir).table
    return ward[ward["borough_code"] == config.borough().code]


def ward_counts(borough: pd.DataFrame, data_dir: Path | None = None):
    """Wards (geometry) with ``value``: serious-violence offences in the latest 12 months (MPS, real)."""
    sv = mx.select_mps(borough, mx.load_metrics()["serious_violence"])
    periods = agg.latest_periods(borough["month"])
    by = sv[sv["month"].isin(periods.current)].groupby("area_code")["count"].sum()
    w = geo.wards(data_dir)
    return w.assign(value=w["ward_code"].map(by).fillna(0).astype(float))


def lsoa_counts(data_dir: Path | None = None):
    """LSOAs with ``value``: serious-violence records in the latest 12 months of the simulated records."""
    from svd.records import load_records

    r = load_records(data_dir=data_dir).data
    periods = agg.latest_periods(r["month"])
    keep = r["serious_violence_proxy"].fillna(False).astype(bool) & r["month"].isin(periods.current)
    by = r.loc[keep.to_numpy(), "lsoa_code"].astype(str).value_counts()
    g = geo.lsoas(data_dir)
    return g.assign(value=g["lsoa_code"].map(by).fillna(0).astype(float))


def gi_any_label_share(gdf, shuffles: int, seed: int, old: bool = False) -> float:
    """Share of random shuffles of gdf's ``value`` whose Gi* map shows any hot or cold spot."""
    rng = np.random.default_rng(seed)
    graph = stats.contiguity_graph(gdf)
    y = gdf["value"].to_numpy()
    hits = 0
    for _ in range(shuffles):
        shuffled = gdf.assign(value=rng.permutation(y))
        if old:
            hits += bool(_old_gi_any(shuffled["value"].to_numpy(), graph, int(rng.integers(1 << 31))))
        else:
            out = stats.getis_ord(shuffled, "value", graph=graph)
            hits += bool((out["label"] != stats.NOT_SIGNIFICANT).any())
    return hits / shuffles


def _old_gi_any(y: np.ndarray, graph, seed: int) -> bool:
    """The replaced method: esda's one-sided pseudo p-value at 0.05 (the old "95%" label), no FDR."""
    import esda

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(
            y, graph.to_libpysal(), transform="R", permutations=999, star=True, seed=seed, n_jobs=1
        )
    return bool((np.asarray(g.p_sim) <= 0.05).any())


def negative_binomial(rng: np.random.Generator, mean: float, dispersion: float, size) -> np.ndarray:
    """Counts with the given mean and variance ``dispersion × mean`` (Poisson when dispersion ≤ 1)."""
    if dispersion <= 1:
        return rng.poisson(mean, size)
    r = mean / (dispersion - 1)
    return rng.negative_binomial(r, r / (r + mean), size)


def category_dispersion(borough: pd.DataFrame) -> pd.DataFrame:
    """Per figure's MPS categories: the mean and Pearson dispersion of its 24 latest monthly counts."""
    periods = agg.latest_periods(borough["month"])
    rows = []
    for mid in CHANGE_METRICS:
        sel = mx.select_mps(borough, mx.load_metrics()[mid])
        monthly = sel.groupby("month")["count"].sum()
        cur = monthly.reindex(periods.current).to_numpy(float)
        prev = monthly.reindex(periods.previous).to_numpy(float)
        raw, df = stats.pearson_dispersion([cur, prev])
        rows.append({"metric": mid, "mean": float(np.r_[cur, prev].mean()), "dispersion": raw, "df": df})
    return pd.DataFrame(rows)


def change_false_positive_rate(mean: float, dispersion: float, series: int, seed: int) -> tuple[float, float]:
    """(change_test's, the exact Poisson test's) share of no-change 12 + 12 month series called significant."""
    rng = np.random.default_rng(seed)
    ours = old = 0
    for _ in range(series):
        y = negative_binomial(rng, mean, dispersion, 24)
        ours += stats.change_test(y[12:], y[:12]).significant
        old += stats.poisson_change(int(y[12:].sum()), int(y[:12].sum())).significant
    return ours / series, old / series


def ward_monthly(borough: pd.DataFrame) -> tuple[pd.Series, np.ndarray, float]:
    """(ward codes, ward × 24 months serious-violence counts, pooled raw dispersion) of the latest 24 months."""
    sv = mx.select_mps(borough, mx.load_metrics()["serious_violence"])
    periods = agg.latest_periods(borough["month"])
    months = periods.previous.append(periods.current)
    grid = sv.pivot_table(index="area_code", columns="month", values="count", aggfunc="sum").reindex(
        columns=months
    )
    m = grid.fillna(0).to_numpy(float)
    raw, _ = stats.pearson_dispersion([m[:, 12:], m[:, :12]])
    return pd.Series(grid.index.astype(str)), m, raw


def emerging_any_label_share(
    codes: pd.Series, means: np.ndarray, dispersion: float, maps: int, seed: int
) -> tuple[float, float]:
    """(shipped, old) share of no-change maps (each ward's 24 months redrawn around its own mean) with any ward
    labelled emerging or declining."""
    from svd.hotspots import _emerging_columns, emerging_from_totals

    rng = np.random.default_rng(seed)
    ours = old = 0
    for _ in range(maps):
        y = np.stack([negative_binomial(rng, mu, dispersion, 24) for mu in means]).astype(float)
        totals = _emerging_columns(codes, y[:, 12:], y[:, :12], True)
        labels = emerging_from_totals(totals)["emerging"]
        ours += bool((labels != stats.NOT_SIGNIFICANT).any())
        old += bool(
            (
                stats.two_sided_half_p(
                    totals["current"].to_numpy(), (totals["current"] + totals["previous"]).to_numpy()
                )
                < 0.05
            ).any()
        )
    return ours / maps, old / maps


def main(argv: list[str] | None = None) -> int:
    """Print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shuffles", type=int, default=1000)
    ap.add_argument("--old-shuffles", type=int, default=200, help="shuffles for the replaced Gi* method")
    ap.add_argument("--series", type=int, default=2000)
    ap.add_argument("--maps", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    t0 = time.time()
    borough = borough_table()
    print("### (a) Gi* hotspots on randomly shuffled real counts (share of maps with any label)\n")
    print(
        "| areas | counts | shuffles | shipped: two-sided, BH FDR 5% | replaced: one-sided p ≤ 0.05, no FDR |"
    )
    print("|---|---|---:|---:|---:|")
    for name, gdf, what in (
        ("19 wards", ward_counts(borough), "MPS serious violence, latest 12 months (real)"),
        ("115 LSOAs", lsoa_counts(), "simulated records' serious violence, latest 12 months"),
    ):
        ours = gi_any_label_share(gdf, a.shuffles, a.seed)
        old = gi_any_label_share(gdf, a.old_shuffles, a.seed, old=True)
        print(f"| {name} | {what} | {a.shuffles} ({a.old_shuffles}) | {ours:.1%} | {old:.1%} |")
    print(
        "\n### (b) Change test on no-change series with the measured dispersion (share called significant)\n"
    )
    print("| figure | monthly mean | measured dispersion (df) | series | change_test | exact Poisson test |")
    print("|---|---:|---:|---:|---:|---:|")
    for i, r in enumerate(category_dispersion(borough).itertuples()):
        ours, old = change_false_positive_rate(r.mean, r.dispersion, a.series, a.seed + i)
        print(
            f"| {r.metric} | {r.mean:.1f} | {r.dispersion:.2f} ({r.df}) | {a.series} | {ours:.1%} | {old:.1%} |"
        )
    codes, m, raw = ward_monthly(borough)
    print("\n### (c) Emerging wards on no-change series (share of maps with any ward labelled)\n")
    print(
        "| areas | pooled dispersion | maps | shipped: quasi-Poisson, BH FDR 5% | replaced: Poisson 0.05, no FDR |"
    )
    print("|---|---:|---:|---:|---:|")
    ours, old = emerging_any_label_share(codes, m.mean(axis=1), raw, a.maps, a.seed)
    print(f"| 19 wards, serious violence | {raw:.2f} | {a.maps} | {ours:.1%} | {old:.1%} |")
    print(f"\n({time.time() - t0:.0f} s; seed {a.seed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
