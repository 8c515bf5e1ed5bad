"""Public mode: the one module that decides which counts the public may see, on screen, in downloads, in
tooltips and in the board pack.

Public mode is on when the environment variable ``SVD_PUBLIC`` is 1, true or yes. Which offences are sensitive
is data: the ``sensitive`` column of ``data/taxonomy.csv`` (offence groups) and ``data/disclosure.json``
(record flags such as domestic abuse, and the threshold). A selection containing ANY sensitive offence group,
or only flagged records, is sensitive; a metric is sensitive when it counts any sensitive group or flag.

The rule: ward and LSOA counts from 1 to 4 of sensitive offences are hidden ("<5", primary suppression);
borough figures are never hidden, nor counts of other offences (``needs_suppression`` says why). Secondary suppression ("[c]") holds across every
published total a reader can see together: a hidden cell never stands alone in a row whose total is shown,
and a row holding a "<5" cell also hides a cell of 5 or more (so two hidden cells of 1 cannot be worked out
from a total of 2). Totals are LSOAs within their ward, wards within the borough, and offence splits (all
sexual offences = rape + other sexual offences): a combined figure is hidden wherever one of its sensitive
parts is hidden, with the parts protected first (``protect_areas``, ``split_tables``, ``selection_hidden``).
Changes, rates and shares derived from a hidden count are blanked.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

ENV = "SVD_PUBLIC"


def definitions() -> dict:
    """``data/disclosure.json``: the threshold and the sensitive record flags."""
    from svd.config import definitions_dir

    return json.loads((definitions_dir() / "disclosure.json").read_text(encoding="utf-8"))


THRESHOLD = int(definitions()["threshold"])
LEVELS = ("lsoa", "ward", "borough")
PUBLIC_NOTE = (
    "Public mode: to protect victims, ward and LSOA counts of 1 to 4 of sexual offences and domestic abuse "
    "are shown as \u201c<5\u201d, and so is any figure that includes them. Where a total, another tab or "
    "another filter would let a hidden count be worked out, further counts are hidden as \u201c[c]\u201d. "
    "Rates, changes and shares of a hidden count are left blank. Downloads and the board pack follow the "
    "same rule."
)
LSOA_NOTE = (
    "Public mode: sexual offences and domestic abuse are shown by ward, not by neighbourhood (LSOA). With "
    "most neighbourhoods holding 1 to 4 such offences a year, hiding them would also hide most wards."
)


_session_rule: Callable[[], bool] | None = None  # set once by the dashboard (ui/access.py), never per run


def set_session_rule(rule: Callable[[], bool] | None) -> None:
    """Register how to tell that the current session must see public mode (a signed-in role that forces it)."""
    global _session_rule
    _session_rule = rule


def is_public(env: Mapping[str, str] | None = None) -> bool:
    """True when ``SVD_PUBLIC`` (in ``env``, default the process environment) is 1, true or yes, or (reading the
    process environment) when the current session's role forces public mode (``set_session_rule``)."""
    if env is None and _session_rule is not None and _session_rule():
        return True
    raw = (os.environ if env is None else env).get(ENV, "")
    return str(raw).strip().lower() in ("1", "true", "yes")


def profile_wards(wards: Sequence[str], public: bool | None = None) -> tuple[str, ...]:
    """The wards a record-level profile of a sensitive offence is drawn for: none (the whole borough) in public
    mode, where a ward's profile would print its small counts beside the hidden ones ("1 offences", a bar of
    1, "Other 100%"); else ``wards``."""
    on = is_public() if public is None else public
    return () if on else tuple(wards)


PROFILE_NOTE = "Public mode: these record-level profiles cover the whole borough, whatever the ward choice."


def level_allowed(level: str, sensitive: bool, public: bool | None = None) -> bool:
    """Whether figures at ``level`` may be shown: in public mode, sensitive offences not by LSOA (``LSOA_NOTE``)."""
    on = is_public() if public is None else public
    return not (on and sensitive and level.lower() == "lsoa")


def needs_suppression(level: str, sensitive: bool) -> bool:
    """Whether counts at ``level`` are suppressed in public mode: ward and LSOA counts of sensitive offences.

    Counts of other offences are not hidden at any level: a ward count of 1 to 4 (published in full, like
    police.uk's street-level data) already says what its LSOAs hold, and "all offences" less "all but
    homicide" gives any group's LSOA count, so hiding them would protect nothing (tests/test_public_attack.py).
    """
    level = level.lower()
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    return level in ("ward", "lsoa") and sensitive


def area_level(wards: Sequence[str] | None) -> str:
    """The level of figures filtered to ``wards``: 'ward' when any ward is chosen, else 'borough'."""
    return "ward" if wards else "borough"


# --- sensitivity, defined once (data/taxonomy.csv "sensitive", data/disclosure.json "sensitive_flags") ------


def sensitive_groups() -> frozenset[str]:
    """The offence groups whose small counts could identify a victim (``sensitive`` in data/taxonomy.csv)."""
    from svd.taxonomy import load_taxonomy

    tax = load_taxonomy()
    return frozenset(tax.loc[tax["sensitive"].astype(bool), "offence_group"])


def sensitive_categories() -> frozenset[tuple[str, str]]:
    """The MPS (major, minor) categories of the sensitive offence groups."""
    from svd.taxonomy import load_taxonomy

    tax = load_taxonomy()
    rows = tax[(tax["source"] == "mps") & tax["sensitive"].astype(bool)]
    return frozenset(zip(rows["major"], rows["minor"], strict=True))


def sensitive_flags() -> frozenset[str]:
    """The record flags (columns such as ``domestic_abuse``) whose flagged records are sensitive."""
    return frozenset(definitions()["sensitive_flags"])


def is_sensitive(offence_groups: Iterable[str] = (), domestic_abuse: bool | None = None) -> bool:
    """Whether a selection is sensitive: it contains ANY sensitive offence group (no groups chosen means
    every group), or only records flagged as domestic abuse."""
    groups = set(offence_groups)
    sens = sensitive_groups()
    if domestic_abuse is True and "domestic_abuse" in sensitive_flags():
        return True
    return bool(groups & sens) if groups else bool(sens)


def metric_sensitive(categories: Iterable[Sequence[str]] = (), record_filter: str | None = None) -> bool:
    """Whether a metric is sensitive: it counts any sensitive MPS category, or a sensitive record flag."""
    cats = sensitive_categories()
    return any(tuple(c) in cats for c in categories) or record_filter in sensitive_flags()


def sensitive_parts(offence_groups: Iterable[str], all_groups: Iterable[str]) -> list[str]:
    """The sensitive offence groups inside a selection (no groups chosen means ``all_groups``)."""
    chosen = list(offence_groups) or list(all_groups)
    return sorted(set(chosen) & sensitive_groups())


# --- the arithmetic: primary and secondary suppression over cells linked by published totals ---------------


@dataclass(frozen=True)
class Protection:
    """Which cells are hidden: ``primary`` (1 to 4, "<5"), ``hidden`` (primary or secondary "[c]") and
    ``exposed`` (cells of a row with no cell of 5 or more to hide: all hidden, shown "[c]")."""

    hidden: np.ndarray
    primary: np.ndarray
    exposed: np.ndarray


def _partner(
    v: np.ndarray, hid: np.ndarray, fixed: np.ndarray, total: int, parts: np.ndarray, threshold: int
) -> int | None:
    """The cell to hide next in a row: the smallest part of ``threshold`` or more, else the total, else the
    smallest non-zero part, else any part."""
    free = parts[~hid[parts] & ~fixed[parts]]
    order = free[np.lexsort((free, v[free]))]
    wide = order[v[order] >= threshold]
    if len(wide):
        return int(wide[0])
    if not hid[total] and not fixed[total]:
        return int(total)
    nonzero = order[v[order] > 0]
    if len(nonzero):
        return int(nonzero[0])
    return int(order[0]) if len(order) else None


def _row_rule(
    v: np.ndarray,
    hid: np.ndarray,
    primary: np.ndarray,
    fix: np.ndarray,
    exposed: np.ndarray,
    arrs: Sequence[tuple[int, np.ndarray]],
    threshold: int,
) -> None:
    """The secondary rule, row by row until nothing changes (``hid`` and ``exposed`` updated in place)."""
    for _ in range(4 * len(v) + 4):
        changed = False
        for t, parts in arrs:
            cells = np.append(parts, t)
            h = hid[cells]
            if not h.any():
                continue
            wide = bool((h & ~primary[cells] & (v[cells] >= threshold)).any()) or bool(
                hid[t] and not exposed[t]
            )
            if h.sum() >= 2 and (not (primary[parts] & hid[parts]).any() or wide):
                continue
            pick = _partner(v, hid, fix, t, parts, threshold)
            if pick is None:
                # Nothing of 5 or more to hide (a tiny total): hide every cell of the row, zeros too, all as
                # "[c]", so the row says no more than its published total does; so do the rows below it.
                free = cells[~fix[cells] & ~hid[cells]]
                exposed[cells[~fix[cells]]] = True
                if len(free):
                    hid[free] = True
                    changed = True
                continue
            hid[pick] = True
            changed = True
        for t, parts in arrs:
            if exposed[t] and not exposed[parts[~fix[parts]]].all():
                exposed[parts[~fix[parts]]] = True
                hid[parts[~fix[parts]]] = True
                changed = True
        if not changed:
            return


def _narrowed(
    v: np.ndarray,
    hid: np.ndarray,
    bounded: np.ndarray,
    fix: np.ndarray,
    arrs: Sequence[tuple[int, np.ndarray]],
    threshold: int,
) -> list[int]:
    """Hidden cells of 1 to ``threshold - 1`` that the published cells pin to narrower than 1 to
    ``threshold - 1`` (or to the published total, when smaller), by linear programming: each hidden cell is
    at least 0, a "<5" cell (``bounded``) 1 to 4, and every row's total equals the sum of its parts."""
    from scipy.optimize import linprog

    targets = np.flatnonzero(hid & (v >= 1) & (v < threshold))
    if not len(targets):
        return []
    # Cheap proof first: a feasible move of the cell to 1 and to 4, passed along the rows (each row it breaks
    # is mended by another hidden cell with room, and so on down the tree). Only where none is found does
    # the linear programme decide.
    rows_of: dict[int, list[int]] = {}
    for r, (t, parts) in enumerate(arrs):
        for c in (int(t), *map(int, parts)):
            rows_of.setdefault(c, []).append(r)
    lo_b = np.where(bounded, 1.0, 0.0)
    hi_b = np.where(bounded, float(threshold - 1), np.inf)

    def mend(r: int, moved: int, delta: float, used: set[int], depth: int) -> bool:
        t, parts = arrs[r]
        side = moved == int(t)
        for y in (int(t), *map(int, parts)):
            if y == moved or not hid[y] or fix[y] or y in used:
                continue
            step = -delta if (y == int(t)) == side else delta
            if not lo_b[y] <= v[y] + step <= hi_b[y]:
                continue
            if depth > 0 and all(
                mend(r2, y, step, used | {y}, depth - 1) for r2 in rows_of.get(y, []) if r2 != r
            ):
                return True
            if depth == 0 and len(rows_of.get(y, [])) == 1:
                return True
        return False

    def shiftable(c: int) -> bool:
        cap = float(v[fix].max()) if fix.any() else np.inf
        goals = [1.0 - v[c], min(threshold - 1, cap) - v[c]]
        return all(d == 0 or all(mend(r, c, d, {c}, 4) for r in rows_of.get(c, [])) for d in goals)

    targets = np.array([c for c in targets if not shiftable(int(c))], dtype=int)
    if not len(targets):
        return []
    var = np.flatnonzero(hid)
    col = {int(c): i for i, c in enumerate(var)}
    a_eq, b_eq = [], []
    for t, parts in arrs:
        row = np.zeros(len(var))
        const = 0.0
        for c, sign in [(int(p), 1.0) for p in parts] + [(int(t), -1.0)]:
            if hid[c]:
                row[col[c]] += sign
            else:
                const -= sign * v[c]
        if row.any():
            a_eq.append(row)
            b_eq.append(const)
    if not a_eq:
        return []
    bounds = [(1, threshold - 1) if bounded[c] else (0, None) for c in var]
    cap = float(v[fix].max()) if fix.any() else np.inf
    out = []
    for c in targets:
        obj = np.zeros(len(var))
        obj[col[int(c)]] = 1
        lo = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        hi = linprog(-obj, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if lo.status != 0 or hi.status != 0:
            continue
        if lo.fun > 1 + 1e-6 or -hi.fun < min(threshold - 1, cap) - 1e-6:
            out.append(int(c))
    return out


def protect(
    values: Sequence[float],
    protectable: Sequence[bool],
    rows: Sequence[tuple[int, Sequence[int]]],
    fixed: Sequence[bool] | None = None,
    hidden: Sequence[bool] | None = None,
    threshold: int = THRESHOLD,
    audit: bool = True,
) -> Protection:
    """Primary and secondary suppression of ``values`` (cells) linked by published totals.

    ``rows``: (total cell, part cells) with total = sum of parts; a total can itself be a part of another row
    (a ward in the borough, its LSOAs in the ward). ``protectable`` cells of 1 to ``threshold - 1`` are
    primary; ``fixed`` cells are never hidden (borough totals); ``hidden`` cells start hidden.
    Secondary rule, repeated until nothing changes, in every row with a hidden cell: at least two cells are
    hidden, and a row holding a primary part also hides a cell of ``threshold`` or more (or its total), so
    the hidden cells of the row sum to at least ``threshold`` more than the primary ones and each primary
    cell can still be anything from 1 to ``threshold - 1``. Zero is shown (ONS practice). ``tests/
    test_public_attack.py`` checks the result with a linear-programming attacker.
    """
    v = np.asarray(values, dtype=float)
    n = len(v)
    prot = np.asarray(protectable, dtype=bool)
    fix = np.zeros(n, dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    pre = np.zeros(n, dtype=bool) if hidden is None else np.asarray(hidden, dtype=bool)
    # A cell hidden already (one of its parts is) is shown "[c]": "<5" would tell a reader it is at least 1
    # for each hidden part, narrowing it.
    primary = prot & ~fix & ~pre & (v >= 1) & (v < threshold)
    hid = primary | pre
    exposed = np.zeros(n, dtype=bool)
    arrs = [(int(t), np.asarray(p, dtype=int)) for t, p in rows]
    for _ in range(2 * n + 2):
        _row_rule(v, hid, primary, fix, exposed, arrs, threshold)
        # The row rule is necessary, not sufficient (several "<5" cells tell a reader each is at least 1): the
        # attacker's linear programme decides, and each cell it narrows gets one more cell hidden beside it.
        narrowed = _narrowed(v, hid, primary & ~exposed, fix, arrs, threshold) if audit else []
        if not narrowed:
            break
        c = narrowed[0]
        mine = [(t, p) for t, p in arrs if c == t or c in p]
        near = np.unique(np.concatenate([np.append(p, t) for t, p in mine])) if mine else np.array([], int)
        free = near[~hid[near] & ~fix[near]]
        if len(free):
            order = free[np.lexsort((free, v[free]))]
            wide = order[v[order] >= threshold]
            nonzero = order[v[order] > 0]
            hid[int(wide[0] if len(wide) else nonzero[0] if len(nonzero) else order[0])] = True
            continue
        shown_small = near[hid[near] & ~exposed[near] & ~fix[near]]
        if not len(shown_small):
            break
        exposed[shown_small] = True  # "[c]" instead of "<5": the reader loses the bounds 1 to 4
    return Protection(hidden=hid, primary=primary & ~exposed, exposed=exposed & hid)


def suppress(
    df: pd.DataFrame, value_col: str = "count", threshold: int = THRESHOLD, group_cols: Sequence[str] = ()
) -> pd.DataFrame:
    """``df`` with ``value_col`` suppressed, a total assumed published for each group of ``group_cols`` (the
    whole frame when empty): ``value_col`` (Int64, NA where hidden), ``suppressed``, ``suppression``
    ("", "primary", "secondary"), ``display`` ("12", "<5", "[c]", "[x]" when missing) and
    ``total_discloses`` (rows of a group that could not be protected: its total must not be published)."""
    values = pd.to_numeric(df[value_col], errors="coerce").astype("Float64")
    v = values.fillna(0).to_numpy(dtype=float)
    n = len(df)
    keys = list(group_cols) if group_cols else pd.Series(0, index=df.index)
    gid = df.groupby(keys, sort=False, dropna=False).ngroup().to_numpy() if n else np.zeros(0, int)
    groups = np.unique(gid)
    # One virtual total cell per group (published, so fixed) after the n real cells.
    rows = [(n + i, np.flatnonzero(gid == g)) for i, g in enumerate(groups)]
    allv = np.concatenate([v, [v[gid == g].sum() for g in groups]])
    known = np.concatenate([values.notna().to_numpy(dtype=bool), np.ones(len(groups), dtype=bool)])
    fixed = np.concatenate([~known[:n], np.ones(len(groups), dtype=bool)])
    res = protect(allv, known, rows, fixed=fixed, threshold=threshold)
    hidden, primary = res.hidden[:n], res.primary[:n]
    secondary = hidden & ~primary
    display = values.map(
        lambda x: "[x]" if pd.isna(x) else f"{int(x):,}" if float(x).is_integer() else f"{x:,}"
    ).astype(object)
    display[primary] = f"<{threshold}"
    display[secondary] = "[c]"
    kept = values.mask(hidden)
    numeric = kept.astype("Int64") if bool((kept.dropna() % 1 == 0).all()) else kept
    return df.assign(
        **{
            value_col: numeric,
            "suppressed": hidden,
            "suppression": np.select([primary, secondary], ["primary", "secondary"], ""),
            "display": display.to_numpy(dtype=object),
            "total_discloses": res.exposed[:n],
        }
    )


def protect_areas(
    wards: pd.Series,
    lsoas: pd.Series | None = None,
    lsoa_ward: Mapping[str, str] | pd.Series | None = None,
    ward_protected: bool = True,
    hidden: Iterable[str] = (),
    threshold: int = THRESHOLD,
) -> tuple[set[str], set[str]]:
    """(hidden codes, primary codes) of an area table: LSOAs within their ward, wards within the borough.

    ``wards``/``lsoas``: counts indexed by area code. Ward and LSOA counts of 1 to 4 are primary when
    ``ward_protected`` (a sensitive offence); the borough total is never hidden. A ward whose LSOAs cannot
    otherwise be protected is hidden too ("[c]"), and then a second ward. ``hidden``: codes already hidden
    (for example where a sensitive part of the figure is hidden), shown "[c]".
    """
    wcodes = [str(c) for c in wards.index]
    lcodes = [] if lsoas is None else [str(c) for c in lsoas.index]
    values = np.concatenate([[float(wards.sum())], wards.to_numpy(dtype=float)])
    if lsoas is not None:
        values = np.concatenate([values, lsoas.to_numpy(dtype=float)])
    nw = len(wcodes)
    protectable = np.concatenate([[False], np.full(nw + len(lcodes), ward_protected)])
    fixed = np.zeros(len(values), dtype=bool)
    fixed[0] = True
    rows: list[tuple[int, Sequence[int]]] = [(0, list(range(1, nw + 1)))]
    if lsoas is not None and lsoa_ward is not None:
        parent = pd.Series(lsoa_ward).astype(str)
        pos = {c: i + 1 for i, c in enumerate(wcodes)}
        members: dict[int, list[int]] = {}
        for j, c in enumerate(lcodes):
            w = parent.get(c)
            if w in pos:
                members.setdefault(pos[w], []).append(1 + nw + j)
        rows += [(w, m) for w, m in members.items()]
    elif lsoas is not None:
        rows.append((0, list(range(1 + nw, 1 + nw + len(lcodes)))))
    codes = ["", *wcodes, *lcodes]
    pre = np.array([c in set(hidden) for c in codes], dtype=bool)
    res = protect(values, protectable, rows, fixed=fixed, hidden=pre, threshold=threshold)
    return (
        {c for c, h in zip(codes, res.hidden, strict=True) if h and c},
        {c for c, h in zip(codes, res.primary, strict=True) if h and c},
    )


def selection_hidden(
    whole: tuple[pd.Series, pd.Series | None],
    parts: Sequence[tuple[pd.Series, pd.Series | None]],
    lsoa_ward: Mapping[str, str] | pd.Series | None,
    sensitive: bool,
    threshold: int = THRESHOLD,
) -> tuple[set[str], set[str]]:
    """(hidden, primary) area codes of a selection whose sensitive ``parts`` (ward and LSOA counts of each
    sensitive offence group or flagged subset inside it) a reader could isolate by subtraction.

    Each part is protected on its own (primary and secondary, at ward and LSOA level); the selection hides
    every area where a part is hidden — so "Rape and homicide" minus "Homicide" never reveals a hidden rape
    count, nor "All" minus "Exclude flagged" a hidden domestic-abuse count — and is then protected itself.
    """
    pre: set[str] = set()
    part_primary: list[tuple[dict[str, float], set[str]]] = []
    for w, ls in parts:
        h, p = protect_areas(w, ls, lsoa_ward, ward_protected=True, threshold=threshold)
        pre |= h
        part_primary.append((_values(w, ls), p))
    w, ls = whole
    # With its sensitive parts given, the selection is hidden only where a part is: its own small count
    # of other offences is published like any other.
    hidden, primary = protect_areas(
        w, ls, lsoa_ward, ward_protected=sensitive and not parts, hidden=pre, threshold=threshold
    )
    return hidden, primary | _single_part_primary(_values(w, ls), part_primary, hidden)


def _values(wards: pd.Series, lsoas: pd.Series | None) -> dict[str, float]:
    """Counts by code, wards and LSOAs together."""
    out = {str(k): float(v) for k, v in wards.items()}
    if lsoas is not None:
        out |= {str(k): float(v) for k, v in lsoas.items()}
    return out


def _single_part_primary(
    whole: Mapping[str, float], parts: Sequence[tuple[Mapping[str, float], set[str]]], hidden: set[str]
) -> set[str]:
    """Hidden codes where the figure is all one "<5" part (the rest zero): shown "<5" like that part. Where
    two parts are hidden it stays "[c]", since "<5" would tell a reader it is at least 2."""
    out = set()
    for code in hidden:
        for values, primary in parts:
            if code in primary and values.get(code) == whole.get(code):
                out.add(code)
    return out


def show_hidden(
    table: pd.DataFrame,
    code_col: str,
    count_col: str,
    hidden: Iterable[str],
    primary: Iterable[str],
    threshold: int = THRESHOLD,
) -> pd.Series:
    """``table[count_col]`` as published: "<5" for primary codes, "[c]" for other hidden codes, else text."""
    hidden, primary = set(hidden), set(primary)
    out = []
    for code, x in zip(table[code_col].astype(str), table[count_col], strict=True):
        if code in primary:
            out.append(f"<{threshold}")
        elif code in hidden:
            out.append("[c]")
        else:
            out.append("[x]" if pd.isna(x) else f"{int(x):,}")
    return pd.Series(out, index=table.index, dtype=object)


def blank_derived(table: pd.DataFrame, mask: np.ndarray, derived: Sequence[str]) -> pd.DataFrame:
    """``derived`` columns blanked (NaN, or None for text) where ``mask``: figures computed from a hidden count."""
    out = table
    for col in derived:
        if col not in out.columns:
            continue
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            blanked = s.astype(float).mask(mask)
        else:
            blanked = s.astype(object).mask(mask, None)
        out = out.assign(**{col: blanked.to_numpy()})
    return out


def split_tables(
    tables: Mapping[str, pd.DataFrame],
    parts: Mapping[str, Sequence[str]],
    sensitive: bool = True,
    count_cols: Sequence[str] = ("current", "previous"),
    code_col: str = "ward_code",
    derived_cols: Sequence[str] | None = None,
    public: bool | None = None,
) -> dict[str, pd.DataFrame]:
    """Ward tables of an offence and its parts (e.g. all sexual offences = rape + other sexual offences) as
    public mode shows them together: each part protected within the borough, each combined table hidden
    wherever one of its parts is, every period separately, derived columns blanked where a count is hidden.

    ``parts`` maps a table name to the names of its parts (a part maps to itself or is absent).
    """
    on = is_public() if public is None else public
    if not on or not sensitive:
        return dict(tables)
    out: dict[str, pd.DataFrame] = {}
    done: dict[tuple[str, str], set[str]] = {}
    prim: dict[tuple[str, str], set[str]] = {}
    atoms = [n for n in tables if list(parts.get(n, [n])) in ([n], [])]
    order = atoms + [n for n in tables if n not in atoms]
    shown: dict[str, pd.DataFrame] = {}
    for name in order:
        t = tables[name]
        derived = _default_derived(t, count_cols) if derived_cols is None else list(derived_cols)
        mask = np.zeros(len(t), dtype=bool)
        view = t
        for col in count_cols:
            counts = pd.Series(t[col].to_numpy(dtype=float), index=t[code_col].astype(str))
            pre: set[str] = set()
            for p in parts.get(name, []):
                if p != name:
                    pre |= done.get((p, col), set())
            own = [p for p in parts.get(name, []) if p != name and (p, col) in done]
            hidden, primary = protect_areas(counts, ward_protected=not own, hidden=pre)
            singles = [
                (
                    dict(zip(tables[p][code_col].astype(str), tables[p][col].astype(float), strict=True)),
                    prim[(p, col)],
                )
                for p in own
            ]
            primary = primary | _single_part_primary(dict(counts.items()), singles, hidden)
            done[(name, col)] = hidden
            prim[(name, col)] = primary
            mask |= t[code_col].astype(str).isin(hidden).to_numpy()
            view = view.assign(**{col: show_hidden(t, code_col, col, hidden, primary).to_numpy()})
        shown[name] = blank_derived(view, mask, derived)
    for name in tables:
        out[name] = shown[name]
    return out


def ward_selection_hidden(
    tables: Mapping[str, pd.DataFrame],
    wards: Iterable[str],
    col: str = "current",
    code_col: str = "ward_code",
) -> bool:
    """Whether a figure summed over ``wards`` must be hidden: any chosen ward is hidden (primary or secondary)
    in the protected ward table of any sensitive part (``split_tables`` output, one per part)."""
    chosen = {str(w) for w in wards}
    for t in tables.values():
        rows = t[t[code_col].astype(str).isin(chosen)]
        if rows[col].astype(str).isin([f"<{THRESHOLD}", "[c]"]).any():
            return True
    return False


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


def suppress_objectives(
    table: pd.DataFrame, figs: Mapping, level: str, hidden: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The overview's objective table as its tiles show it (``tile_display``): a sensitive count of 1-4 as
    "<5", and no change where either period is small — "8, rose by 167%" would give away a previous 3.

    ``figs`` maps metric id to its figure (``svd.metrics.Figure``, whose metric says if it is sensitive);
    ``hidden`` (``svd.overview.public_hidden``) marks metrics summed over chosen wards of which one is hidden in
    a sensitive part: "current" hides the figure and its change, "previous" the change.
    """
    value = table["value"].astype(object).copy()
    change = table["change"].astype(object).copy()
    touched = False
    for i, mid in zip(table.index, table["metric_id"], strict=True):
        fig = figs.get(mid) if isinstance(mid, str) else None
        if fig is None or fig.metric.unit == "percent":
            continue
        why = (hidden or {}).get(mid) if needs_suppression(level, True) else None
        if why == "current":
            value[i], change[i], touched = "[c]", None, True
            continue
        if why == "previous":
            change[i], touched = None, True
        shown = tile_display(fig.current, fig.previous, level, bool(fig.metric.sensitive), public=True)
        if shown.value is not None:
            value[i], touched = shown.value, True
        if not shown.show_change:
            change[i], touched = None, True
    if not touched:
        return table
    return table.assign(value=value, change=change)


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
    threshold: int = THRESHOLD,
    hidden: str | None = None,
) -> TileDisplay:
    """Suppression for a tile of counts: a count of 1-4 shows as "<5", and neither the change nor the rate is
    shown when either period is small, since the change plus the shown count would give the hidden one away.
    ``hidden`` (``svd.overview.public_hidden``): "current" when the figure sums chosen wards of which one is
    hidden in a sensitive part ("[c]"), "previous" when only the period before is."""
    on = is_public() if public is None else public
    if not on or not needs_suppression(level, sensitive):
        return TileDisplay(None, True, True)
    if hidden == "current":
        return TileDisplay("[c]", False, False)
    if hidden == "previous":
        return TileDisplay(None, False, True)

    def small(x: float | None) -> bool:
        return x is not None and 0 < x < threshold

    if small(current):
        return TileDisplay(f"<{threshold}", False, False)
    if small(previous):
        return TileDisplay(None, False, True)
    return TileDisplay(None, True, True)


PERIOD_MONTHS = 12
PERIOD_NOTE = (
    "Public mode: whole 12-month periods only, each ending a whole number of years before the latest month. "
    "Periods that overlap, or differ by a month or two, would let a reader subtract one from the other and "
    "read a single month's small count."
)


def public_periods(months: Iterable, length: int = PERIOD_MONTHS) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The periods public mode offers: ``length`` consecutive months ending at the latest month, and every
    ``length`` months before it, latest first; only windows whose every month is in ``months``.

    Aligned windows that never overlap publish nothing that one window's (protected) figures do not: the
    difference of two of them is never a part of either.
    """
    have = {pd.Timestamp(m).to_period("M") for m in months}
    if not have:
        return []
    first, end = min(have), max(have)
    out = []
    while end - (length - 1) >= first:
        start = end - (length - 1)
        if all(start + k in have for k in range(length)):
            out.append((start.to_timestamp(), end.to_timestamp()))
        end = end - length
    return out
