"""Public mode: small-number suppression applied identically on screen, in downloads and in the board pack.

Public mode is on when the environment variable ``SVD_PUBLIC`` is 1, true or yes. The rule: counts at LSOA
level are always suppressed; at ward level only for sensitive offences (sexual offences, domestic abuse),
whose small ward counts could identify a victim. Borough figures are never suppressed. The arithmetic
(primary "<5", secondary "[c]" against a published total) is ``svd.stats.suppress``; this module decides
when it applies and turns a table into what the public may see.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from svd.stats import suppress

ENV = "SVD_PUBLIC"
THRESHOLD = 5
LEVELS = ("lsoa", "ward", "borough")
PUBLIC_NOTE = (
    "Public mode: to protect victims, counts of 1 to 4 are shown as \u201c<5\u201d for LSOAs, and for sexual "
    "offences and domestic abuse also for wards. Where a total would let a hidden count be worked out, a "
    "second count is hidden as \u201c[c]\u201d. Rates and shares of a hidden count are left blank. Downloads "
    "and the board pack follow the same rule."
)


def is_public(env: Mapping[str, str] | None = None) -> bool:
    """True when ``SVD_PUBLIC`` (in ``env``, default the process environment) is 1, true or yes."""
    raw = (os.environ if env is None else env).get(ENV, "")
    return str(raw).strip().lower() in ("1", "true", "yes")


def needs_suppression(level: str, sensitive: bool) -> bool:
    """Whether counts at ``level`` are suppressed in public mode: LSOA always, ward when sensitive, else not."""
    level = level.lower()
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    return level == "lsoa" or (level == "ward" and sensitive)


def area_level(wards: Sequence[str] | None) -> str:
    """The level of figures filtered to ``wards``: 'ward' when any ward is chosen, else 'borough'."""
    return "ward" if wards else "borough"


def _default_derived(df: pd.DataFrame, count_cols: Sequence[str]) -> list[str]:
    """Columns computed from a count (rates, shares, ratios and their intervals), found by name."""
    words = ("rate", "share", "ratio", "lower", "upper", "pct")
    return [
        c
        for c in df.columns
        if c not in count_cols and c != "population_share" and any(w in str(c).lower() for w in words)
    ]


def suppress_table(
    df: pd.DataFrame,
    level: str,
    sensitive: bool,
    count_cols: Sequence[str] = ("count",),
    group_cols: Sequence[str] = (),
    derived_cols: Sequence[str] | None = None,
    threshold: int = THRESHOLD,
) -> pd.DataFrame:
    """``df`` as public mode shows and exports it: small counts as "<5"/"[c]", their rates blanked.

    When the rule (``needs_suppression``) does not apply the frame is returned unchanged. Otherwise each
    count column is suppressed separately (a total is assumed published per group of ``group_cols``, the
    whole table when empty), the count columns become display text ("12", "<5", "[c]") and the
    ``derived_cols`` of any row with a hidden count are blanked (NaN). ``derived_cols`` defaults to the columns
    whose names say rate, share, ratio, pct, lower or upper (a population share is not derived from a count).
    """
    if not needs_suppression(level, sensitive):
        return df
    derived = _default_derived(df, count_cols) if derived_cols is None else list(derived_cols)
    hidden = np.zeros(len(df), dtype=bool)
    out = df
    for col in count_cols:
        s = suppress(df, value_col=col, threshold=threshold, group_cols=list(group_cols))
        hidden |= s["suppressed"].to_numpy(dtype=bool)
        out = out.assign(**{col: s["display"].to_numpy(dtype=object)})
    for col in derived:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            blanked = s.astype(float).mask(hidden)
        else:  # text derived from a count (e.g. "Over-represented") is blanked too
            blanked = s.astype(object).mask(hidden, None)
        out = out.assign(**{col: blanked.to_numpy()})
    return out


def apply(
    df: pd.DataFrame,
    level: str,
    sensitive: bool,
    count_cols: Sequence[str] = ("count",),
    group_cols: Sequence[str] = (),
    derived_cols: Sequence[str] | None = None,
    public: bool | None = None,
) -> pd.DataFrame:
    """``suppress_table`` when public mode is on (``public``, default ``is_public()``), else ``df`` itself."""
    on = is_public() if public is None else public
    if not on:
        return df
    return suppress_table(df, level, sensitive, count_cols, group_cols, derived_cols)


def hidden_rows(shown: pd.DataFrame, count_cols: Sequence[str] = ("count",)) -> pd.Series:
    """True for rows of a ``suppress_table`` result with any hidden count ("<5" or "[c]")."""
    mask = pd.Series(False, index=shown.index)
    for col in count_cols:
        mask |= shown[col].astype(str).isin([f"<{THRESHOLD}", "[c]"])
    return mask


# Metrics whose small counts could identify a victim (metric ids in data/metrics.json).
SENSITIVE_METRICS = frozenset({"rape", "other_sexual", "domestic_abuse"})


def suppress_objectives(table: pd.DataFrame, figs: Mapping, level: str) -> pd.DataFrame:
    """The overview's objective table with each sensitive count metric of 1-4 shown as "<5" (change blanked).

    ``figs`` maps metric id to its figure (``svd.metrics.Figure``); one figure per row, no total across rows,
    so no secondary suppression is needed.
    """
    hide = []
    for mid in table["metric_id"]:
        fig = figs.get(mid) if isinstance(mid, str) else None
        small = (
            fig is not None
            and fig.metric.unit != "percent"
            and fig.current is not None
            and 1 <= fig.current < THRESHOLD
        )
        hide.append(bool(small and mid in SENSITIVE_METRICS and needs_suppression(level, True)))
    mask = np.array(hide, dtype=bool)
    if not mask.any():
        return table
    return table.assign(
        value=table["value"].mask(mask, f"<{THRESHOLD}"), change=table["change"].mask(mask, None)
    )


@dataclass(frozen=True)
class TileDisplay:
    """What a headline tile may show in public mode."""

    value: str | None  # None: show the figure as it is
    show_change: bool
    show_rate: bool


def tile_display(
    current: float | None,
    previous: float | None,
    level: str,
    sensitive: bool,
    public: bool | None = None,
    threshold: int = 5,
) -> TileDisplay:
    """Suppression for a tile of counts: a count of 1-4 shows as "<5", and neither the change nor the rate is
    shown when either period is small, since the change plus the shown count would give the hidden one away."""
    on = is_public() if public is None else public
    if not on or not needs_suppression(level, sensitive):
        return TileDisplay(None, True, True)

    def small(x: float | None) -> bool:
        return x is not None and 0 < x < threshold

    if small(current):
        return TileDisplay(f"<{threshold}", False, False)
    if small(previous):
        return TileDisplay(None, False, True)
    return TileDisplay(None, True, True)
