"""Does the Evaluate page's difference in differences recover a known change, and stay quiet when there is none?

``.venv/bin/python bench/evaluate_recovery.py [--trials N]`` (SVD_DATA_DIR set). On a copy of the borough's real
MPS serious-violence series by ward:

- the expected count of each ward and month is the ward's mean level times the borough's month factor (so the
  copy keeps the real wards' sizes and the real months' seasonality and shocks), and counts are drawn from a
  negative binomial whose overdispersion is the real series' (Pearson X²/df around those expectations);
- each trial picks a treated ward at random, starts the "intervention" in January 2024 (9 months before it, as
  in the shipped data), multiplies the treated ward's expected counts from then on by ``effect`` (0.8: a 20%
  fall; 1: none), proposes comparison wards on the simulated pre-period exactly as the page does (the ward's
  neighbours left out), and runs ``svd.evaluate.did``;
- it reports how often the 95% interval holds the true ratio, and how often p < 0.05.

A placebo on the untouched real data is also reported: every ward as "treated" at every start month leaving 9
months before and 12 after, with no intervention; the share with p < 0.05 (not independent trials, and real
wards have their own trends, so this is a description, not a bound).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from svd import evaluate as ev  # noqa: E402

START = pd.Timestamp("2024-01-01")


def real_series() -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The borough's serious-violence counts by ward and month, and each ward's neighbours."""
    from svd import geo, mps
    from svd.config import borough

    table = mps.for_borough(mps.load_mps(level="ward"), borough().code).table
    series = ev.ward_series(table)
    wards = geo.wards()
    return series, {w: ev.adjacent_wards(wards, [w]) for w in series.columns}


def expectations(series: pd.DataFrame) -> tuple[np.ndarray, float, float]:
    """(expected counts ward × month, the real Pearson dispersion around them, the negative binomial's k)."""
    y = series.to_numpy(float)
    mu = y.mean(axis=0, keepdims=True) * y.sum(axis=1, keepdims=True) / y.sum(axis=1).mean()
    phi = float(((y - mu) ** 2 / mu).sum() / (y.size - sum(y.shape)))
    # Negative binomial variance μ + μ²/k: the dispersion 1 + μ/k at the mean count.
    return mu, phi, float(mu.mean() / max(phi - 1, 1e-6))


def trials(
    series: pd.DataFrame, buffers: dict[str, list[str]], n: int, effect: float, seed: int
) -> tuple[float, float]:
    """(share of 95% intervals holding ``effect``, share with p < 0.05) over ``n`` simulated evaluations."""
    rng = np.random.default_rng(seed)
    mu0, _, k = expectations(series)
    after = series.index >= START
    cover = reject = 0
    for _ in range(n):
        w = str(series.columns[rng.integers(len(series.columns))])
        mu = mu0 * np.where(after[:, None] & (series.columns == w)[None, :], effect, 1.0)
        sim = pd.DataFrame(rng.negative_binomial(k, k / (k + mu)), index=series.index, columns=series.columns)
        cand = ev.propose_comparison(sim, [w], START, exclude=buffers[w])
        comp = list(cand.loc[cand["proposed"], "ward"])
        r = ev.did(sim[w].to_numpy(), sim[comp].sum(axis=1).to_numpy(), after)
        cover += r.low <= effect <= r.high
        reject += r.p_value < ev.ALPHA
    return cover / n, reject / n


def placebo(series: pd.DataFrame, buffers: dict[str, list[str]]) -> tuple[int, float]:
    """(evaluations run, share with p < 0.05) with every ward treated at every start month, on the real data."""
    months = series.index
    runs = rejected = 0
    for i in range(9, len(months) - 12 + 1):
        start = months[i]
        window = series.iloc[: i + 12]
        after = window.index >= start
        for w in series.columns:
            cand = ev.propose_comparison(window, [w], start, exclude=buffers[w])
            comp = list(cand.loc[cand["proposed"], "ward"])
            r = ev.did(window[w].to_numpy(), window[comp].sum(axis=1).to_numpy(), after)
            runs += 1
            rejected += r.p_value < ev.ALPHA
    return runs, rejected / runs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=1000)
    args = p.parse_args()
    series, buffers = real_series()
    _, phi, k = expectations(series)
    print(
        f"wards {series.shape[1]}, months {series.shape[0]}, real dispersion {phi:.2f}, negative binomial k {k:.1f}"
    )
    cover, power = trials(series, buffers, args.trials, 0.8, seed=1)
    print(
        f"20% fall injected, {args.trials} trials: interval holds 0.8 in {cover:.1%}; detected (p<0.05) {power:.1%}"
    )
    cover0, false_pos = trials(series, buffers, args.trials, 1.0, seed=2)
    print(
        f"no change, {args.trials} trials: interval holds 1 in {cover0:.1%}; false positives at 5%: {false_pos:.1%}"
    )
    runs, share = placebo(series, buffers)
    print(f"placebo on the real data: {runs} evaluations, p < 0.05 in {share:.1%}")


if __name__ == "__main__":
    main()
