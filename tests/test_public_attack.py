"""The attacker: everything public mode publishes, solved as linear constraints; no hidden count may be narrowed.

The test collects what public mode shows for each ward, LSOA, offence group, domestic-abuse filter and period
(the same svd functions the pages call, and an AppTest render of the Sexual offences page on the real data),
writes each published figure as a sum of "atoms" (the true counts by area, offence group, flag and period)
and, for every count shown as "<5", minimises and maximises it with ``scipy.optimize.linprog`` subject to every
published equality (totals, parts, the other tab, the other filter, the period before) and atoms >= 0. A "<5"
cell is safe only if the attacker's interval still runs from 1 (or lower) to 4 (or higher).

Scope: one period and the period before it (as every page shows them). Differencing two overlapping periods
chosen on the Hotspots slider, or the 250 m squares against areas, is not modelled (see the report).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from svd import hotspots as hs
from svd import public
from svd.filters import RecordFilter

HIDDEN = ("<5", "[c]")


@dataclass
class Attacker:
    """Published figures as linear expressions over atoms; ``audit`` solves for every "<5" figure.

    ``sensitive(atom)`` says which atoms public mode protects (sexual offences, flagged records); the others
    are published in full at every level, so the attacker knows them exactly.
    """

    truth: Mapping[tuple, float]
    sensitive: Callable[[tuple], bool]
    equalities: dict[tuple, float] = field(default_factory=dict)
    borough: set[tuple] = field(default_factory=set)
    small: dict[tuple, str] = field(default_factory=dict)  # shown "<5": where
    index: dict[tuple, int] = field(default_factory=dict)

    def __post_init__(self):
        self.index = {a: i for i, a in enumerate(sorted(self.truth, key=str))}

    def publish(self, atoms: Iterable[tuple], shown, where: str, borough: bool = False) -> None:
        """A published cell: the sum of ``atoms`` shown as ``shown`` (a number, "<5", "[c]" or blank);
        ``borough``: a borough total (never hidden)."""
        key = tuple(sorted({self.index[a] for a in atoms}))
        if not key:
            return
        text = "" if shown is None or (isinstance(shown, float) and np.isnan(shown)) else str(shown).strip()
        if text == "<5":
            self.small.setdefault(key, where)
        elif text and text not in HIDDEN:
            value = float(text.replace(",", ""))
            true = sum(self.truth[a] for a in self._atoms(key))
            assert value == true, f"{where}: published {value}, the atoms sum to {true}"
            self.equalities[key] = value
            if borough:
                self.borough.add(key)

    def _atoms(self, key):
        inv = {i: a for a, i in self.index.items()}
        return [inv[i] for i in key]

    def _range(self, key, rows, a_ub=None, b_ub=None, bounds=None) -> tuple[float, float]:
        n = len(self.index)
        a_eq = np.zeros((len(rows), n))
        for r, k in enumerate(rows):
            a_eq[r, list(k)] = 1
        b_eq = np.array([self.equalities[k] for k in rows]) if rows else None
        c = np.zeros(n)
        c[list(key)] = 1
        kw = dict(A_eq=a_eq if rows else None, b_eq=b_eq, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
        lo = linprog(c, **kw)
        hi = linprog(-c, **kw)
        assert lo.status == 0 and hi.status in (0, 3)  # 3: unbounded above (nothing caps it)
        return lo.fun, (np.inf if hi.status == 3 else -hi.fun)

    def audit(self) -> list[str]:
        """Every "<5" figure that the published figures pin to narrower than 1 to 4 — or, where the borough
        totals and the figures of other offences alone already bound it more tightly, narrower than that."""
        rows = list(self.equalities)
        smalls = list(self.small)
        n = len(self.index)
        # The attacker also knows every "<5" figure is 1 to 4.
        a_ub = np.zeros((2 * len(smalls), n))
        for r, key in enumerate(smalls):
            a_ub[2 * r, list(key)] = 1
            a_ub[2 * r + 1, list(key)] = -1
        b_ub = np.tile([4.0, -1.0], len(smalls))
        inv = {i: a for a, i in self.index.items()}
        known = [
            (self.truth[inv[i]], self.truth[inv[i]]) if not self.sensitive(inv[i]) else (0, None)
            for i in range(n)
        ]
        bad = []
        for key, where in self.small.items():
            lo, hi = self._range(key, rows, a_ub if smalls else None, b_ub if smalls else None, (0, None))
            plo, phi = self._range(key, sorted(self.borough), bounds=known)
            if lo > max(1, plo) + 1e-6 or hi < min(4, phi) - 1e-6:
                true = sum(self.truth[a] for a in self._atoms(key))
                bad.append(f"{where}: between {lo:g} and {hi:g} (true {true:g})")
        return bad


# --- a generated borough: 6 wards, 15 LSOAs, 4 offence groups, a domestic-abuse flag, two years -------------

WARDS = {
    "W1": ["L11", "L12", "L13"],
    "W2": ["L21", "L22"],
    "W3": ["L31", "L32", "L33", "L34"],
    "W4": ["L41"],
    "W5": ["L51", "L52"],
    "W6": ["L61", "L62", "L63"],
}
LSOA_WARD = pd.Series({lsoa: w for w, ls in WARDS.items() for lsoa in ls})
GROUPS = ["Homicide", "Other sexual offences", "Rape", "Violence with injury"]
MEANS = {"Homicide": 0.4, "Other sexual offences": 1.2, "Rape": 0.8, "Violence with injury": 12.0}
CURRENT = (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-01"))
PERIODS = {"now": 2025, "before": 2024}


def _fixture(seed: int) -> tuple[pd.DataFrame, dict[tuple, float]]:
    """Records (one row per offence) and the true atoms (lsoa, group, flagged, period)."""
    rng = np.random.default_rng(seed)
    rows, truth = [], {}
    for lsoa, group, da, (key, year) in itertools.product(
        LSOA_WARD.index, GROUPS, (True, False), PERIODS.items()
    ):
        n = int(rng.poisson(MEANS[group] * (0.35 if da else 0.65)))
        truth[(lsoa, group, da, key)] = n
        months = rng.integers(1, 13, n)
        rows += [
            {
                "month": pd.Timestamp(year=year, month=int(m), day=1),
                "offence_group": group,
                "domestic_abuse": da,
                "knife": False,
                "hour": 12,
                "weekday": 1,
                "ward_code": LSOA_WARD[lsoa],
                "lsoa_code": lsoa,
            }
            for m in months
        ]
    return pd.DataFrame(rows), truth


def _areas(level: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    codes = list(WARDS) if level == "ward" else list(LSOA_WARD.index)
    return (
        pd.DataFrame({"area_code": codes, "area_name": [f"Area {c}" for c in codes]}),
        pd.DataFrame({"area_code": codes, "population": [1000.0] * len(codes)}),
    )


def _atoms(truth, areas: Iterable[str], groups, da: bool | None, period: str) -> list[tuple]:
    """The atoms of a published cell: LSOAs (of the wards) x groups x flag states x period."""
    lsoas = [x for a in areas for x in (WARDS.get(a) or [a])]
    flags = (True, False) if da is None else (da,)
    return [
        (lsoa, g, d, period) for lsoa in lsoas for g in groups for d in flags if (lsoa, g, d, period) in truth
    ]


def hotspots_page(cube, f: RecordFilter, level: str) -> tuple[pd.DataFrame, int, int, str]:
    """What the Hotspots page publishes for ``f`` in public mode (views/hotspots.py, the same calls): every
    area's row, the total and the previous total in the caption and headline, and the headline."""
    areas, population = _areas(level)
    tc = hs.cube_tasking_counts(cube, f, level, areas["area_code"])
    raw = hs.area_table(areas, population, tc.current, tc.previous)
    pattern, _ = hs.selection_pattern(f, GROUPS, list(WARDS), cube=cube)
    sensitive = hs.is_sensitive(f.offence_groups, f.domestic_abuse)
    shown = hs.with_tooltips(hs.public_areas(raw, level, sensitive, True, pattern))
    hidden_now = set(raw["area_code"]) & pattern.hidden["now"]
    top_hidden = hs.summarise(raw).top_name in set(raw.loc[raw["area_code"].isin(hidden_now), "area_name"])
    head = hs.headline_sentence(hs.summarise(raw), level, "2025", "offences", hide_small=top_hidden)
    return shown, int(raw["count"].sum()), int(raw["previous"].sum()), head


def _counts(cube, f, level):
    tc = hs.cube_tasking_counts(cube, f, level, _areas(level)[0]["area_code"])
    return tc.current, tc.previous


SELECTIONS = [(g,) for g in GROUPS] + [
    ("Homicide", "Rape"),
    ("Other sexual offences", "Rape"),
    ("Homicide", "Violence with injury"),
    (),
]


def _publish_hotspots(att: Attacker, cube, truth) -> int:
    """Every selection x flag filter x level the Hotspots page offers, published into ``att``."""
    pages = 0
    # Public mode offers no flag filter on Hotspots (views/hotspots.py): "All" only.
    for groups, da, level in itertools.product(SELECTIONS, (None,), ("ward", "lsoa")):
        if not public.level_allowed(level, hs.is_sensitive(groups, da), public=True):
            continue  # public mode shows sexual offences by ward only (views/hotspots.py)
        f = RecordFilter(start=CURRENT[0], end=CURRENT[1], offence_groups=groups, domestic_abuse=da)
        shown, total, before, head = hotspots_page(cube, f, level)
        chosen = list(groups) or GROUPS
        where = f"Hotspots {level} {'+'.join(chosen)} DA={da}"
        all_areas = list(WARDS)
        att.publish(_atoms(truth, all_areas, chosen, da, "now"), total, f"{where} total", borough=True)
        att.publish(_atoms(truth, all_areas, chosen, da, "before"), before, f"{where} previous", borough=True)
        for r in shown.itertuples():
            for col, key in (("count", "now"), ("previous", "before")):
                att.publish(
                    _atoms(truth, [r.area_code], chosen, da, key),
                    getattr(r, col),
                    f"{where} {r.area_code} {key}",
                )
            hidden = str(r.count) in HIDDEN or str(r.previous) in HIDDEN
            # Figures derived from a hidden count are blank; the tooltip repeats only what the row shows.
            assert not hidden or (pd.isna(r.rate_per_1000) and pd.isna(r.change_text)), (where, r)
            assert re.search(rf"<br>{re.escape(str(r.count))} offences", r.tip), (where, r.tip)
        top = hs.summarise(hs.area_table(*_areas(level), *_counts(cube, f, level)))
        if (
            top.top_name is not None
            and str(shown.set_index("area_name").loc[top.top_name, "count"]) in HIDDEN
        ):
            assert f" {top.top_count:,} of the" not in head, head
        pages += 1
    return pages


def _split_tables(truth) -> dict[str, pd.DataFrame]:
    """The Sexual offences page's three ward tabs from the fixture (ward sums, both periods)."""
    out = {}
    for name, groups in {
        "All sexual offences": ["Rape", "Other sexual offences"],
        "Rape": ["Rape"],
        "Other sexual offences": ["Other sexual offences"],
    }.items():
        out[name] = pd.DataFrame(
            {
                "ward_code": list(WARDS),
                "ward_name": list(WARDS),
                "current": [sum(truth[a] for a in _atoms(truth, [w], groups, None, "now")) for w in WARDS],
                "previous": [
                    sum(truth[a] for a in _atoms(truth, [w], groups, None, "before")) for w in WARDS
                ],
                "rate": [1.0] * len(WARDS),
            }
        )
    return out


def _publish_sexual_tabs(att: Attacker, tabs: Mapping[str, pd.DataFrame], truth, atoms: Callable) -> None:
    """The three tabs, their borough totals (the page's tiles) and the rates beside them."""
    groups = {
        "All sexual offences": ["Rape", "Other sexual offences"],
        "Rape": ["Rape"],
        "Other sexual offences": ["Other sexual offences"],
    }
    for name, t in tabs.items():
        for col, key in (("current", "now"), ("previous", "before")):
            att.publish(atoms(None, groups[name], key), None, "")
            for r in t.itertuples():
                shown = getattr(r, col)
                att.publish(
                    atoms([r.ward_code], groups[name], key),
                    shown,
                    f"Sexual offences {name} {r.ward_name} {key}",
                )
                if col == "current" and str(shown) in HIDDEN:
                    assert pd.isna(r.rate), f"the rate reveals the hidden {name} count in {r.ward_name}"


def _sexual_totals(att: Attacker, truth, atoms: Callable) -> None:
    for groups, key in itertools.product(
        (["Rape", "Other sexual offences"], ["Rape"], ["Other sexual offences"]), ("now", "before")
    ):
        rows = atoms(None, groups, key)
        att.publish(rows, sum(truth[a] for a in rows), f"Sexual offences tile {groups} {key}", borough=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_attacker_cannot_narrow_any_hidden_count_in_a_generated_borough(seed):
    records, truth = _fixture(seed)
    cube = hs.tasking_cube(records)
    att = Attacker(truth, lambda a: a[1] in public.sensitive_groups() or a[2])
    pages = _publish_hotspots(att, cube, truth)
    assert pages == len(SELECTIONS) + 3  # every selection by ward; by LSOA the three without sexual offences
    assert len(att.small) >= 8, "the fixture has small counts to hide (the test has teeth)"
    assert att.audit() == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_attacker_cannot_narrow_any_hidden_count_in_the_sexual_offences_tabs(seed):
    """The three ward tabs and the borough tiles of the Sexual offences page (MPS ward counts: another source
    than the records behind Hotspots, so a world of its own here; the real-data test joins it to Hotspots on
    the same MPS counts)."""
    _, truth = _fixture(seed)
    # MPS counts have no flag: atoms are ward x group x period.
    mps = {}
    for (lsoa, g, _, key), n in truth.items():
        mps[(LSOA_WARD[lsoa], g, key)] = mps.get((LSOA_WARD[lsoa], g, key), 0) + n
    att = Attacker(mps, lambda a: a[1] in public.sensitive_groups())

    def atoms(areas, groups, key):
        return [(w, g, key) for w in (areas if areas is not None else list(WARDS)) for g in groups]

    tabs = public.split_tables(
        _split_tables(truth), {"All sexual offences": ["Rape", "Other sexual offences"]}, public=True
    )
    _publish_sexual_tabs(att, tabs, mps, atoms)
    _sexual_totals(att, mps, atoms)
    assert att.audit() == []


def test_the_attacker_finds_what_the_old_rule_gave_away():
    """The attacker on a table protected against its total only, with all = rape + other beside it (issue 12:
    Thames View's other sexual offences were 10 − 7 = 3), and two hidden cells of 1 summing to 2."""
    truth = {("A", "R"): 7, ("A", "O"): 3, ("B", "R"): 20, ("B", "O"): 30, ("C", "R"): 1, ("C", "O"): 1}
    att = Attacker(truth, lambda a: True)
    att.publish([("A", "R"), ("A", "O")], "10", "All A")
    att.publish([("A", "R")], "7", "Rape A")
    att.publish([("A", "O")], "<5", "Other A")
    att.publish([("C", "R")], "<5", "Rape C")
    att.publish([("C", "O")], "<5", "Other C")
    att.publish([("C", "R"), ("C", "O")], "2", "All C")
    assert sorted(att.audit()) == [
        "Other A: between 3 and 3 (true 3)",
        "Other C: between 1 and 1 (true 1)",
        "Rape C: between 1 and 1 (true 1)",
    ]


# --- the real data: the Sexual offences page (rendered), Hotspots on MPS ward counts, board pack, overview --


@pytest.mark.realdata
@pytest.mark.slow  # an AppTest render and some thousand linear programmes: about a minute
def test_attacker_cannot_narrow_any_hidden_count_in_the_real_ward_data(monkeypatch):
    from pathlib import Path

    from svd import aggregate as agg
    from svd import boardpack, overview, taxonomy
    from svd import filters as sf
    from svd import metrics as mx
    from svd.config import data_dir
    from svd.mps import load_mps
    from svd.population import ward_population

    root = Path(data_dir())
    table = taxonomy.classify_mps(load_mps(level="ward", data_dir=root).table)
    pop = ward_population(root)
    periods = agg.latest_periods(table["month"])
    key_of = {m: "now" for m in periods.current} | {m: "before" for m in periods.previous}
    in_window = table[table["month"].isin(list(key_of))]
    sums = (
        in_window.assign(key=in_window["month"].map(key_of))
        .groupby(["area_code", "offence_group", "key"], observed=True)["count"]
        .sum()
    )
    wards = sorted(pop["ward_code"])
    groups = sorted(in_window["offence_group"].unique())
    truth = {
        (w, g, k): float(sums.get((w, g, k), 0)) for w in wards for g in groups for k in ("now", "before")
    }
    att = Attacker(truth, lambda a: a[1] in public.sensitive_groups())

    def atoms(areas, gs, key):
        return [(w, g, key) for w in (areas if areas is not None else wards) for g in gs]

    # The Sexual offences page under SVD_PUBLIC=1, its three ward tabs read from the rendered page.
    monkeypatch.setenv("SVD_PUBLIC", "1")
    from tests.pagetest import open_page

    at = open_page("sexual_offences.py")
    rendered = [df.value for df in at.dataframe if "ward_name" in df.value.columns]
    assert len(rendered) == 3
    tabs = dict(zip(["All sexual offences", "Rape", "Other sexual offences"], rendered, strict=True))
    _publish_sexual_tabs(att, tabs, truth, atoms)
    _sexual_totals(att, truth, atoms)

    # Hotspots on MPS ward counts, the same 12 months, every selection with a sensitive group and their
    # complements.
    start, end = periods.current[0], periods.current[-1]
    names = dict(zip(pop["ward_code"], pop["ward_name"], strict=True))
    areas = pd.DataFrame({"area_code": wards, "area_name": [names[w] for w in wards]})
    population = pd.DataFrame(
        {"area_code": wards, "population": pop.set_index("ward_code").loc[wards, "all_ages"]}
    )
    sv = sorted({g for g in groups if g in {"Homicide", "Violence with injury", "Personal robbery"}})
    selections = [
        ("Rape",),
        ("Other sexual offences",),
        ("Rape", "Other sexual offences"),
        ("Homicide", "Rape"),
        (),
        *[(g,) for g in sv],
        tuple(sv),
    ]
    for chosen in selections:
        f = RecordFilter(start=start, end=end, offence_groups=chosen)
        pstart, pend = hs.previous_period(start, end)
        cur = hs.mps_counts(sf.apply_mps(table, f))
        prev = hs.mps_counts(sf.apply_mps(table, RecordFilter(start=pstart, end=pend, offence_groups=chosen)))
        raw = hs.area_table(areas, population, cur, prev)
        pattern, _ = hs.selection_pattern(f, groups, wards, table=table)
        shown = hs.public_areas(raw, "ward", hs.is_sensitive(chosen, None), True, pattern)
        gs = list(chosen) or groups
        att.publish(atoms(None, gs, "now"), int(raw["count"].sum()), f"Hotspots total {gs}", borough=True)
        att.publish(
            atoms(None, gs, "before"), int(raw["previous"].sum()), f"Hotspots previous {gs}", borough=True
        )
        for r in shown.itertuples():
            att.publish(atoms([r.area_code], gs, "now"), r.count, f"Hotspots {gs} {names[r.area_code]} now")
            att.publish(
                atoms([r.area_code], gs, "before"), r.previous, f"Hotspots {gs} {names[r.area_code]} before"
            )

    # The board pack's serious-violence ward table.
    proxy = [
        g
        for g in groups
        if g in {"Homicide", "Violence with injury", "Rape", "Other sexual offences", "Personal robbery"}
    ]
    parts = {m: boardpack._ward_rates(table, pop, periods, m) for m in ("rape", "other_sexual")}
    pack = boardpack.public_ward_table(boardpack._ward_rates(table, pop, periods), True, parts)
    for r in pack.itertuples():
        att.publish(atoms([r.ward_code], proxy, "now"), r.current, f"Board pack {r.ward_name} now")
        att.publish(atoms([r.ward_code], proxy, "before"), r.previous, f"Board pack {r.ward_name} before")

    # The overview with one or two wards chosen: each sensitive tile is shown unless public_hidden says not.
    for chosen in [(w,) for w in wards] + list(zip(wards, wards[1:], strict=False)):
        hidden = overview.public_hidden(table, pop, chosen)
        for mid in ("rape", "other_sexual", "serious_violence"):
            gs = sorted({taxonomy_group(c) for c in mx.metric(mid).categories} & set(groups))
            now, before = atoms(list(chosen), gs, "now"), atoms(list(chosen), gs, "before")
            cur, prev = sum(truth[a] for a in now), sum(truth[a] for a in before)
            if hidden.get(mid) == "current":
                continue
            att.publish(now, "<5" if 1 <= cur < 5 else cur, f"Overview {mid} {chosen} now")
            # The tile's change gives the previous count unless it is hidden (either period small).
            if hidden.get(mid) is None and not (1 <= cur < 5 or 1 <= prev < 5):
                att.publish(before, prev, f"Overview {mid} {chosen} change")

    assert len(att.small) >= 1, "the real data have small counts to hide (the test has teeth)"
    assert att.audit() == []


def taxonomy_group(category: tuple[str, str]) -> str:
    """The dashboard's offence group of an MPS (major, minor) category."""
    from svd.taxonomy import load_taxonomy

    tax = load_taxonomy()
    row = tax[(tax["source"] == "mps") & (tax["major"] == category[0]) & (tax["minor"] == category[1])]
    return str(row["offence_group"].iloc[0])
