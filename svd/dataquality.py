"""What the analysts' data page shows: the catalogue check, per-file import reports, MPS revisions and gaps,
the quarantined rows, and the simulation's calibration table (target against measured, within tolerance)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from svd import catalogue as cat
from svd.validate import FORMATS, usable, validate_file

REPORT_COLUMNS = [
    "dataset", "file", "format", "rows_in", "rows_accepted", "rows_quarantined", "first_month", "last_month",
    "months", "months_ignored", "offences", "usable",
]
QUARANTINE_EXPORT_COLUMNS = ["dataset", "file", "row", "column", "reason"]
CATALOGUE_COLUMNS = ["dataset", "title", "required", "files", "status", "problems"]
REVISION_EXPORT_COLUMNS = ["level", "month", "older_vintage", "newer_vintage", "old_count", "new_count", "diff", "pct"]
CALIBRATION_COLUMNS = ["check", "target", "measured", "tolerance", "within"]

# The monthly refresh as the analyst performs it; {root} is the data directory in use.
REFRESH_STEPS = (
    "Download the new release of \"MPS Ward Level Crime (most recent 24 months)\" (and the borough file) from the "
    "London Datastore and save it, unchanged and under its own name, in `{root}/crime/mps/`. Keep the older "
    "releases: overlapping months are merged, the most recent release wins and revisions are reported below.",
    "Check it before the dashboard reads it: `python -m svd validate \"{root}/crime/mps/<new file>.csv\"` "
    "(rows read, accepted and quarantined, the months covered and any partial month ignored).",
    "Restart the dashboard (or clear its cache from the ⋮ menu) so it reloads the data directory.",
)


def catalogue_table(checks: Iterable[cat.DatasetCheck]) -> pd.DataFrame:
    """One row per catalogued dataset: files found, OK / missing / problem, and the problems in words."""
    rows = []
    for c in checks:
        if c.ok:
            status = "OK"
        elif not c.files:
            status = "Missing"
        else:
            status = "Problem"
        rows.append({
            "dataset": c.dataset.id, "title": c.dataset.title, "required": "yes" if c.dataset.required else "no",
            "files": len(c.files), "status": status, "problems": "; ".join(c.problems),
        })
    return pd.DataFrame(rows, columns=CATALOGUE_COLUMNS)


def import_reports(root: Path, checks: Iterable[cat.DatasetCheck] | None = None) -> list[dict]:
    """``validate_file`` on every file of every catalogued dataset that an importer reads (the crime files).

    Each report is the ``python -m svd validate --json`` dict with the catalogue's ``dataset`` id added. The
    geography and population files have no importer format; the catalogue check covers them.
    """
    checks = cat.check(Path(root)) if checks is None else checks
    reports = []
    for c in checks:
        if c.dataset.format not in FORMATS:
            continue
        for f in c.files:
            reports.append({"dataset": c.dataset.id, **validate_file(Path(f))})
    return reports


def report_table(reports: Sequence[dict]) -> pd.DataFrame:
    """The import reports as a table: rows in / accepted / quarantined, months covered and ignored, per file."""
    rows = [
        {
            "dataset": r.get("dataset", ""), "file": Path(r["path"]).name, "format": r["format"],
            "rows_in": r["rows_in"], "rows_accepted": r["rows_accepted"], "rows_quarantined": r["rows_quarantined"],
            "first_month": r["months"][0] if r["months"] else None,
            "last_month": r["months"][-1] if r["months"] else None,
            "months": len(r["months"]), "months_ignored": ", ".join(r["months_ignored"]), "offences": r["offences"],
            "usable": usable(r),
        }
        for r in reports
    ]
    out = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    int_cols = ["rows_in", "rows_accepted", "rows_quarantined", "months", "offences"]
    return out.astype({c: "int64" for c in int_cols}).astype({"usable": bool})


def quarantine_table(reports: Sequence[dict]) -> pd.DataFrame:
    """Every problem every file reported: dataset, file, row (line in the file; empty = whole file), column, reason."""
    rows = [
        {"dataset": r.get("dataset", ""), "file": Path(r["path"]).name, "row": p.get("row"),
         "column": p.get("column"), "reason": p["reason"]}
        for r in reports
        for p in r["problems"]
    ]
    out = pd.DataFrame(rows, columns=QUARANTINE_EXPORT_COLUMNS)
    return out.astype({"row": "Int64"})


def import_totals(reports: Sequence[dict]) -> dict[str, int]:
    """Files, rows read, accepted and quarantined, and files that could not be used, over all reports."""
    return {
        "files": len(reports),
        "rows_in": sum(r["rows_in"] for r in reports),
        "rows_accepted": sum(r["rows_accepted"] for r in reports),
        "rows_quarantined": sum(r["rows_quarantined"] for r in reports),
        "unusable_files": sum(not usable(r) for r in reports),
    }


def revisions_for(revisions: pd.DataFrame, area_code: str) -> pd.DataFrame:
    """The vintage-to-vintage revisions of one area's monthly totals, largest revision first within a month."""
    rows = revisions[revisions["area_code"] == area_code]
    out = rows[REVISION_EXPORT_COLUMNS].assign(month=pd.to_datetime(rows["month"]).dt.strftime("%Y-%m"))
    return out.sort_values(["level", "month", "older_vintage"], ignore_index=True)


def revision_summary(revisions: pd.DataFrame) -> dict[str, float | int | None]:
    """How much later releases changed earlier figures: months compared, months revised, largest |%| revision."""
    if revisions.empty:
        return {"compared": 0, "revised": 0, "max_abs_pct": None, "max_abs_diff": None}
    pct = revisions["pct"].abs()
    return {
        "compared": len(revisions),
        "revised": int((revisions["diff"] != 0).sum()),
        "max_abs_pct": float(pct.max()) if pct.notna().any() else None,
        "max_abs_diff": int(revisions["diff"].abs().max()),
    }


def vintage_table(sources: Sequence[dict]) -> pd.DataFrame:
    """Which release supplies which months (``MergeResult.sources``): level, file, vintage, months used/ignored."""
    rows = [
        {"level": r["level"], "file": Path(r["path"]).name, "vintage": r["vintage"],
         "months_used": len(r["months_used"]),
         "used_from": r["months_used"][0] if r["months_used"] else None,
         "used_to": r["months_used"][-1] if r["months_used"] else None,
         "months_ignored": ", ".join(r["months_ignored"]), "rows_in": r["rows_in"],
         "rows_quarantined": r["rows_quarantined"]}
        for r in sources
    ]
    cols = ["level", "file", "vintage", "months_used", "used_from", "used_to", "months_ignored", "rows_in",
            "rows_quarantined"]
    return pd.DataFrame(rows, columns=cols)


def revision_sentence(summary: dict) -> str:
    """The revisions in words, from ``revision_summary``."""
    if not summary["compared"]:
        return "No month appears in two releases, so there are no revisions to report."
    text = (f"{summary['compared']:,} monthly borough totals appear in two releases; later releases changed "
            f"{summary['revised']:,} of them")
    if summary["max_abs_pct"] is not None and summary["revised"]:
        text += (f", by at most {summary['max_abs_pct']:.1f}% ({summary['max_abs_diff']:,} offences). "
                 "The dashboard always uses the most recent release")
    return text + "."


def records_sentence(source: str, rows: int, extract: str | None = None) -> str:
    """Where the record-level figures come from, in words."""
    if source == "extract":
        return (f"Record-level figures come from the partnership's extract `{extract}` ({rows:,} records), "
                "read with the svd incident format v1.")
    return (f"Record-level figures come from the simulated dataset ({rows:,} records): generated "
            "deterministically from the real MPS ward counts and calibrated to the needs assessment's published "
            "shares. Set `SVD_EXTRACT` to a partnership extract to use real records.")


def simulation_calibration(records: pd.DataFrame) -> pd.DataFrame | None:
    """The simulation's calibration table measured on ``records`` (None when svd.simulate offers none)."""
    try:
        from svd import simulate
    except ImportError:
        return None
    measure = getattr(simulate, "measure", None)
    targets = getattr(simulate, "CALIBRATION", None)
    if measure is None or targets is None:
        return None
    return calibration_table(_calibration_checks(targets, measure(records)))


def _calibration_checks(targets, measured) -> list[dict]:
    """Pair each calibration target with its measured value (placeholder until svd.simulate's shape is known)."""
    return [{"check": k, "target": t["target"], "measured": measured[k], "tolerance": t["tolerance"]}
            for k, t in dict(targets).items()]


def gaps_table(gaps_by_level: dict[str, Sequence[str]]) -> pd.DataFrame:
    """Months missing inside each level's covered span, as contiguous runs: level, first, last, months."""
    rows = []
    for level, months in gaps_by_level.items():
        periods = sorted(pd.Period(m, freq="M") for m in months)
        run: list[pd.Period] = []
        for p in periods:
            if run and p != run[-1] + 1:
                rows.append({"level": level, "first": str(run[0]), "last": str(run[-1]), "months": len(run)})
                run = []
            run.append(p)
        if run:
            rows.append({"level": level, "first": str(run[0]), "last": str(run[-1]), "months": len(run)})
    return pd.DataFrame(rows, columns=["level", "first", "last", "months"]).astype({"months": "int64"})


def calibration_table(checks: Iterable[dict]) -> pd.DataFrame:
    """The simulation's calibration: each published target, what the simulated records give, and the tolerance.

    Each check is a dict with ``check`` (what is measured), ``target``, ``measured`` and ``tolerance`` (absolute,
    in the target's unit); ``within`` is True when |measured − target| ≤ tolerance.
    """
    out = pd.DataFrame(list(checks), columns=CALIBRATION_COLUMNS[:-1])
    out = out.astype({"target": "float64", "measured": "float64", "tolerance": "float64"})
    return out.assign(within=(out["measured"] - out["target"]).abs() <= out["tolerance"] + 1e-9)


def headline(catalogue: pd.DataFrame, totals: dict[str, int], gaps: pd.DataFrame) -> str:
    """The page's sentence: datasets found, rows read and quarantined, and any gap in the MPS series."""
    found = int((catalogue["status"] == "OK").sum())
    parts = [f"{found} of {len(catalogue)} catalogued datasets are present and as described"]
    q = totals["rows_quarantined"]
    parts.append(
        f"{totals['rows_in']:,} rows were read from {totals['files']} crime files and "
        + ("none was quarantined" if q == 0 else f"{q:,} {'was' if q == 1 else 'were'} quarantined")
    )
    sentence = "; ".join(parts) + "."
    if not gaps.empty:
        g = gaps.iloc[0]
        span = g["first"] if g["first"] == g["last"] else f"{g['first']} to {g['last']}"
        extra = f" (and {len(gaps) - 1} more)" if len(gaps) > 1 else ""
        sentence += f" The MPS {g['level']} series has a gap: {span}{extra}."
    return sentence
