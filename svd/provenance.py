"""Where a figure comes from: source kind, source, period, area, filters and method, travelling with the figure.

Every renderer (tiles, headlines, table downloads, chart titles, the map PNG, the board pack, ``svd figures``)
takes a ``Provenance`` rather than a bare number, so a simulated figure can never be shown without the word
"simulated". What the simulation fixes by construction is data (``data/metrics.json``: ``simulation`` and each
metric's ``simulation_fixes``), read here.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path

from svd.config import borough, definitions_dir

OFFICIAL = "official"
EXTRACT = "partnership extract"
SIMULATED = "simulated"
KINDS = (OFFICIAL, EXTRACT, SIMULATED)

MPS_WARD_SOURCE = (
    "Metropolitan Police Service recorded crime by ward and month (London Datastore), releases merged"
)
MPS_BOROUGH_SOURCE = "Metropolitan Police Service recorded crime by borough and month (London Datastore)"
RATE_DENOMINATOR = "per 1,000 residents, all ages, Census 2021"
UNDER_25_DENOMINATOR = "per 1,000 residents aged under 25, Census 2021"
POISSON_METHOD = "change: exact Poisson test of the two 12-month counts, 5% level"


SNA = "the 2023 Strategic Needs Assessment"


def sna_source() -> str:
    """Whose needs assessment the simulation's shares come from, as a reader should be told it: the
    partnership's own, or (for a borough without one) another borough's, never passed off as its own."""
    from svd import strategy

    if strategy.available():
        return SNA
    return (
        f"another London borough's 2023 Strategic Needs Assessment (none has been added for {borough().name})"
    )


def simulation_notes() -> dict:
    """``{"real": ..., "assumed": ...}``: what a simulated record-level figure rests on, in plain words.

    Read each time (a few kilobytes; no cache in ``svd``: caching belongs to ``ui/cache.py``).
    """
    raw = json.loads((definitions_dir() / "metrics.json").read_text(encoding="utf-8"))
    return {k: str(v).replace(SNA, sna_source()) for k, v in raw.get("simulation", {}).items()}


def simulation_sentence(fixes: str | None = None) -> str:
    """'Simulated: real — the MPS category counts …; assumed — …' for a caption beside a simulated figure."""
    notes = simulation_notes()
    real = notes.get("real", "the number of offences in each ward, month and MPS category")
    assumed = fixes or notes.get("assumed", "every other attribute of each record")
    return f"Simulated records — real: {real}; assumed: {assumed}."


@dataclass(frozen=True)
class Provenance:
    """Where one figure (or table, chart, map) comes from, and how it was computed."""

    kind: str  # official | partnership extract | simulated
    source: str
    period: str | None = None
    comparison_period: str | None = None
    area: str = field(default_factory=lambda: borough().name)
    filters: str | None = None
    method: str | None = None
    notes: str | None = None
    # The store loads the figure rests on (``svd.store.Load.citation``); empty when it rests on the data
    # directory's files only (and then it is said nowhere, so such a figure reads exactly as before).
    loads: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown source kind {self.kind!r}: one of {', '.join(KINDS)}")

    @property
    def simulated(self) -> bool:
        """True when any part of the figure comes from the simulated records."""
        return self.kind == SIMULATED

    def kind_label(self) -> str:
        """'Simulated records', 'Partnership extract' or 'Official data' — the word a reader needs first."""
        return {SIMULATED: "Simulated records", EXTRACT: "Partnership extract", OFFICIAL: "Official data"}[
            self.kind
        ]

    def short(self) -> str:
        """One line for a tile or a chart subtitle: 'Simulated records · Apr 2025 to Mar 2026'."""
        bits = [self.kind_label()]
        if self.kind == OFFICIAL:
            bits = [f"Official data ({_short_source(self.source)})"]
        if self.loads:
            bits.append(_loads_short(self.loads))
        if self.period:
            bits.append(self.period)
        return " · ".join(bits)

    def text(self) -> str:
        """The full statement in sentences: source, period, area, filters, method and notes."""
        kind = "SIMULATED — " if self.simulated else ""
        parts = [f"Source: {kind}{self.source}."]
        if self.period:
            parts.append(
                f"Period: {self.period}"
                + (f", compared with {self.comparison_period}" if self.comparison_period else "")
                + "."
            )
        parts.append(f"Area: {self.area}.")
        if self.filters:
            parts.append(f"Filters: {self.filters}.")
        if self.method:
            parts.append(f"Method: {self.method}.")
        if self.notes:
            parts.append(self.notes if self.notes.endswith(".") else self.notes + ".")
        if self.loads:
            parts.append(f"Applied in the store: {'; '.join(self.loads)}.")
        return " ".join(parts)

    def as_rows(self, generated: date | None = None) -> list[tuple[str, str]]:
        """(field, value) rows for a download's metadata block or an Excel "About this data" sheet."""
        rows = [
            ("Source kind", "SIMULATED" if self.simulated else self.kind),
            ("Source", self.source),
            ("Period", self.period or "–"),
            ("Compared with", self.comparison_period or "–"),
            ("Area", self.area),
            ("Filters", self.filters or "none"),
            ("Method", self.method or "–"),
        ]
        if self.notes:
            rows.append(("Notes", self.notes))
        if self.loads:
            rows.append(("Store loads", "; ".join(self.loads)))
        rows.append(("Generated", f"{generated or date.today():%Y-%m-%d}"))
        return rows

    def to_dict(self) -> dict:
        """The fields as JSON-ready values (for ``python -m svd figures --json``)."""
        out = {**asdict(self), "simulated": self.simulated}
        if not self.loads:  # a figure from the data directory's files reads exactly as before
            del out["loads"]
        else:
            out["loads"] = list(self.loads)
        return out

    def but(self, **changes) -> Provenance:
        """A copy with some fields changed (e.g. the filters of one chart)."""
        return replace(self, **changes)


def _loads_short(loads: tuple[str, ...]) -> str:
    """'store load 3' or 'store loads 3, 5' for a tile's one line (the full citation is in ``text``)."""
    ids = [c.split(":", 1)[0].removeprefix("load ") for c in loads]
    return f"store load{'s' if len(ids) > 1 else ''} {', '.join(ids)}"


def _short_source(source: str) -> str:
    """'MPS ward data', 'MPS borough file', or the source's name before any parenthesis."""
    if source == MPS_WARD_SOURCE:
        return "MPS ward data"
    if source == MPS_BOROUGH_SOURCE:
        return "MPS borough file"
    return source.split(" (")[0]


def mps(
    period: str | None = None,
    comparison_period: str | None = None,
    area: str | None = None,
    filters: str | None = None,
    method: str | None = None,
    level: str = "ward",
    loads: tuple[str, ...] = (),
) -> Provenance:
    """Provenance of a figure from the published MPS counts (``level`` "ward" or "borough" file); the area is
    the partnership's borough unless given; ``loads``: the store loads its rows come from (``svd.mps.loads_in``)."""
    area = borough().name if area is None else area
    source = MPS_WARD_SOURCE if level == "ward" else MPS_BOROUGH_SOURCE
    return Provenance(OFFICIAL, source, period, comparison_period, area, filters, method, loads=tuple(loads))


def records(
    simulated: bool,
    period: str | None = None,
    comparison_period: str | None = None,
    area: str | None = None,
    filters: str | None = None,
    method: str | None = None,
    fixes: str | None = None,
    extract_name: str | None = None,
) -> Provenance:
    """Provenance of a record-level figure: the simulation (with what it assumes) or the partnership's extract."""
    area = borough().name if area is None else area
    if simulated:
        return Provenance(
            SIMULATED,
            f"simulated records built on the real MPS ward counts, calibrated to {sna_source()}",
            period,
            comparison_period,
            area,
            filters,
            method,
            notes=simulation_sentence(fixes),
        )
    name = f" ({extract_name})" if extract_name else ""
    return Provenance(EXTRACT, f"the partnership's record-level extract{name}", period, comparison_period, area,
                      filters, method)  # fmt: skip


def extract_name(record_set) -> str | None:
    """The file name of a record set's extract (never its folder: no path reaches a user), else None."""
    result = getattr(record_set, "import_result", None)
    if record_set is None or record_set.source == SIMULATED or result is None or not result.path:
        return None
    return Path(str(result.path)).name


def for_record_set(record_set, **kwargs) -> Provenance:
    """``records`` for a ``svd.records.RecordSet`` (its source and, for an extract, the file's name)."""
    return records(record_set.source == SIMULATED, extract_name=extract_name(record_set), **kwargs)


def reference(source: str, period: str | None = None, method: str | None = None) -> Provenance:
    """A published document's figure or table (the strategy, its needs assessment, its funding table)."""
    return Provenance(OFFICIAL, source, period, method=method)


def combine(*parts: Provenance, period: str | None = None, method: str | None = None) -> Provenance:
    """One provenance for a view that joins several sources: simulated if any part is, the sources listed."""
    kinds = {p.kind for p in parts}
    kind = SIMULATED if SIMULATED in kinds else EXTRACT if EXTRACT in kinds else OFFICIAL
    sources = "; ".join(dict.fromkeys(p.source for p in parts))
    notes = " ".join(dict.fromkeys(p.notes for p in parts if p.notes)) or None
    first = parts[0]
    return Provenance(
        kind,
        sources,
        period or first.period,
        first.comparison_period,
        first.area,
        first.filters,
        method or first.method,
        notes,
        loads=tuple(dict.fromkeys(c for p in parts for c in p.loads)),
    )


def untested_by_simulation(
    simulated: bool,
    hours: tuple[int, int] | None = None,
    domestic_abuse: bool | None = None,
    knife: bool | None = None,
    weekdays: tuple[int, ...] = (),
    level: str = "ward",
) -> str | None:
    """Why a change in simulated counts is not tested, when a filter uses what the simulation draws; else None.

    Simulated records keep the real count of each ward, month and MPS category, so a ward count of all records
    is real; the time of day, weekday, flags and LSOA are drawn in fixed shares, so a count filtered on them
    changes only as the real category counts do, and a test of it would test the simulation's assumptions.
    """
    if not simulated:
        return None
    drawn = [
        name
        for name, used in (
            ("time of day", hours is not None),
            ("weekday", bool(weekdays)),
            ("domestic-abuse flag", domestic_abuse is not None),
            ("knife flag", knife is not None),
            ("LSOA", level == "lsoa"),
        )
        if used
    ]
    if not drawn:
        return None
    return f"change not tested: the simulation draws the {', '.join(drawn)} in fixed shares"


def ensure_simulated_word(text: str, prov: Provenance | None) -> str:
    """``text`` with "(simulated)" added when the provenance is simulated and the text does not say so."""
    if prov is not None and prov.simulated and "simulated" not in text.lower():
        return f"{text} (simulated)"
    return text


def wrap_title(text: str, width: int = 70) -> list[str]:
    """A long title as lines of at most ``width`` characters (Vega-Lite and matplotlib titles do not wrap)."""
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [text]
