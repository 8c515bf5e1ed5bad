"""The strategy's definitions as data (``data/strategy.json``): definition, Five D's, objectives, review dates,
and the needs assessment's published reference figures."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd

from svd.config import borough, borough_definitions_dir, repo_root
from svd.reference import Reference, current, kept

DUE_SOON_DAYS = 90
STRATEGY_TEXT = "serious-violence-duty-strategy-lbbd-2024.txt"


@kept
def _text(ref: Reference, path: Path) -> str:
    return path.read_text(encoding="utf-8")


def strategy_path() -> Path:
    """The partnership's strategy definitions: ``strategy.json`` in its borough's definitions folder."""
    return borough_definitions_dir() / "strategy.json"


def available() -> bool:
    """Whether the partnership's borough has its strategy as data (only Barking and Dagenham so far)."""
    return strategy_path().is_file()


def missing_note(what: str = "the strategy's definitions") -> str:
    """The note shown where a borough has no strategy file: plain words, no other borough's text."""
    return (
        f"Not available for {borough().name}: {what} come from the partnership's own Serious Violence Duty "
        "strategy and needs assessment, which have not been added to this dashboard for this borough."
    )


def empty_strategy() -> dict:
    """A strategy with nothing in it, for a borough without a strategy file (``available()`` is False)."""
    return {
        "title": "Serious Violence Duty Strategy",
        "organisation": borough().partnership,
        "missing": True,
        "objectives": [],
        "five_ds": [],
        "review_dates": [],
        "references": [],
        "sna_recommendations": [],
    }


def load_strategy(path: Path | str | None = None) -> dict:
    """The strategy definitions as a fresh dict (safe to modify; the file is read once); an empty strategy
    (``empty_strategy``) for a borough without one."""
    if not path and not available():
        return empty_strategy()
    p = Path(path) if path else strategy_path()
    return json.loads(_text(current(), p.resolve()))


def citation() -> str:
    """The strategy as a source line: 'Barking and Dagenham Serious Violence Duty Strategy (January 2024)'."""
    if not available():
        return missing_note("the strategy's text and figures")
    s = load_strategy()
    published = date.fromisoformat(s["published"])
    return f"{borough().name} {s['title']} ({published:%B %Y})"


def strategy_text_path() -> Path:
    """Where the strategy's own text lives: ``../shared/strategy/`` beside the repository (may be absent)."""
    return repo_root().parent / "shared" / "strategy" / STRATEGY_TEXT


def objectives(strategy: dict | None = None) -> pd.DataFrame:
    """The six objectives: number, title, summary, metrics (list of metric ids), monitored_by."""
    s = strategy or load_strategy()
    return pd.DataFrame(s["objectives"], columns=["number", "title", "summary", "metrics", "monitored_by"])


def five_ds(strategy: dict | None = None) -> pd.DataFrame:
    """The Five D's: name, prevention level, text."""
    s = strategy or load_strategy()
    return pd.DataFrame(s["five_ds"], columns=["name", "prevention", "text"])


def review_status(today: date, strategy: dict | None = None) -> pd.DataFrame:
    """Each strategy element's review date against ``today``.

    Columns: element, published, review_due (dates), days_to_review, status — "Overdue" when the review date
    has passed, "Due within 90 days" when it falls in the next 90 days (today included), else "Not yet due".
    """
    s = strategy or load_strategy()
    rows = []
    for r in s["review_dates"]:
        due = date.fromisoformat(r["review_due"])
        days = (due - today).days
        status = "Overdue" if days < 0 else "Due within 90 days" if days <= DUE_SOON_DAYS else "Not yet due"
        rows.append(
            {
                "element": r["element"],
                "published": date.fromisoformat(r["published"]),
                "review_due": due,
                "days_to_review": days,
                "status": status,
            }
        )
    return pd.DataFrame(rows, columns=["element", "published", "review_due", "days_to_review", "status"])


def references(strategy: dict | None = None) -> pd.DataFrame:
    """All published reference figures: id, text, value, unit, period, source, quote."""
    s = strategy or load_strategy()
    return pd.DataFrame(s["references"], columns=["id", "text", "value", "unit", "period", "source", "quote"])


def reference(ref_id: str, strategy: dict | None = None) -> dict:
    """One published reference figure by id (KeyError naming the known ids if absent)."""
    s = strategy or load_strategy()
    for r in s["references"]:
        if r["id"] == ref_id:
            return dict(r)
    raise KeyError(f"no reference figure {ref_id!r}; known: {', '.join(r['id'] for r in s['references'])}")


def value(ref_id: str) -> float | None:
    """A published reference figure's value, or None for a borough without a strategy (``available()``)."""
    return reference(ref_id)["value"] if available() else None


def sna_delta(ref_id: str, before: str = "SNA ", after: str = "%") -> str | None:
    """'SNA 66%' for a tile's reference line, or None (no line) for a borough without a strategy."""
    v = value(ref_id)
    return None if v is None else f"{before}{v:g}{after}"
