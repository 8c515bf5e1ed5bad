"""What the analysts' data page shows: the catalogue check, per-file import reports, MPS revisions and gaps,
the quarantined rows, and the simulation's calibration table (target against measured, within tolerance)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import pandas as pd

from svd import catalogue as cat
from svd.charts import NORMAL, ChartStyle, finish
from svd.mps import release_problems
from svd.store import KIND
from svd.validate import FORMATS, add_set_aside, usable, validate_with_result

REPORT_COLUMNS = [
    "dataset",
    "file",
    "format",
    "rows_in",
    "rows_accepted",
    "rows_quarantined",
    "first_month",
    "last_month",
    "months",
    "months_ignored",
    "offences",
    "usable",
]
QUARANTINE_EXPORT_COLUMNS = ["dataset", "file", "row", "column", "reason"]
# "dataset" is the catalogue's title (what people read); the id (data/catalogue.json) only where an analyst
# needs it, as "dataset_id" ("Dataset id" on screen).
CATALOGUE_COLUMNS = ["dataset", "required", "files", "status", "problems", "dataset_id"]
EXTRACT_TITLE = "The partnership's extract (record format v1)"
REVISION_EXPORT_COLUMNS = [
    "level",
    "month",
    "older_vintage",
    "newer_vintage",
    "old_count",
    "new_count",
    "diff",
    "pct",
]
CALIBRATION_COLUMNS = [
    "check",
    "result",
    "target_pct",
    "measured_pct",
    "tolerance_points",
    "kind",
    "measured_on",
    "detail",
]

# The monthly refresh as the analyst performs it; {root} is the data directory in use.
REFRESH_STEPS = (
    'Download the new release of "MPS Ward Level Crime (most recent 24 months)" (and the borough file) from the '
    "London Datastore and save it, unchanged and under its own name, in `{root}/crime/mps/`. Keep the older "
    "releases: overlapping months are merged, the most recent release wins and revisions are reported on this page.",
    'Check it before the dashboard reads it: `python -m svd validate "{root}/crime/mps/<new file>.csv"` '
    "(rows read, accepted and quarantined, the months covered and any partial month ignored).",
    'Press "Reload the data" below (or restart the dashboard) so it reads the data directory again.',
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
        rows.append(
            {
                "dataset": c.dataset.title,
                "required": "yes" if c.dataset.required else "no",
                "files": len(c.files),
                "status": status,
                "problems": "; ".join(c.problems),
                "dataset_id": c.dataset.id,
            }
        )
    return pd.DataFrame(rows, columns=CATALOGUE_COLUMNS)


def import_reports(root: Path, checks: Iterable[cat.DatasetCheck] | None = None) -> list[dict]:
    """``validate_file`` on every file of every catalogued dataset that an importer reads (the crime files).

    Each report is the ``python -m svd validate --json`` dict with the catalogue's ``dataset`` id and its
    ``dataset_title`` added. The
    geography and population files have no importer format; the catalogue check covers them.
    """
    checks = cat.check(Path(root)) if checks is None else checks
    reports, results = [], []
    for c in checks:
        if c.dataset.format not in FORMATS:
            continue
        for f in c.files:
            report, result = validate_with_result(Path(f), check_release=False)
            reports.append({"dataset": c.dataset.id, "dataset_title": c.dataset.title, **report})
            results.append(result)
    # MPS releases judged together, as the merge judges them: an incomplete one is set aside with its reason.
    releases = [
        (k, r) for k, r in enumerate(results) if r is not None and r.format in ("mps_ward", "mps_borough")
    ]
    aside = release_problems([r for _, r in releases], data_dir=Path(root))
    for n, reason in aside.items():
        k = releases[n][0]
        reports[k] = add_set_aside(reports[k], reason)
    return reports


def result_report(result, dataset: str = "records_extract", title: str = EXTRACT_TITLE) -> dict:
    """An ``ImportResult`` (e.g. the partnership's extract as loaded) as a report row like ``validate_file``'s."""
    months = []
    if "month" in result.data and not result.data.empty:
        months = sorted({f"{m:%Y-%m}" for m in result.data["month"].dropna().unique()})
    problems = [
        {
            "row": None if r.row != r.row else int(r.row),
            "column": None if r.column != r.column else r.column,
            "reason": r.reason,
        }
        for r in result.quarantine.itertuples(index=False)
    ]
    return {
        "dataset": dataset,
        "dataset_title": title,
        "path": result.path,
        "format": result.format,
        "rows_in": result.rows_in,
        "rows_accepted": result.rows_accepted,
        "rows_quarantined": result.rows_quarantined,
        "months": months,
        "months_ignored": list(result.months_ignored),
        "offences": result.rows_accepted,
        "problems": problems,
    }


def _title(report: dict) -> str:
    """The dataset a report is of, as people read it: the catalogue's title (the id if it has none)."""
    return report.get("dataset_title") or report.get("dataset", "")


def report_table(reports: Sequence[dict]) -> pd.DataFrame:
    """The import reports as a table: rows in / accepted / quarantined, months covered and ignored, per file."""
    rows = [
        {
            "dataset": _title(r),
            "file": Path(r["path"]).name,
            "format": KIND.get(r["format"], "not recognised"),  # in words, not the importer's id
            "rows_in": r["rows_in"],
            "rows_accepted": r["rows_accepted"],
            "rows_quarantined": r["rows_quarantined"],
            "first_month": r["months"][0] if r["months"] else None,
            "last_month": r["months"][-1] if r["months"] else None,
            "months": len(r["months"]),
            "months_ignored": ", ".join(r["months_ignored"]),
            "offences": r["offences"],
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
        {
            "dataset": _title(r),
            "file": Path(r["path"]).name,
            "row": p.get("row"),
            "column": p.get("column"),
            "reason": p["reason"],
        }
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
        {
            "level": r["level"],
            # A release applied in the store says so beside its name (the same name as a file's copy, perhaps).
            "file": Path(r["path"]).name
            + (f" (store {r['load'].split(':', 1)[0]})" if r.get("load") else ""),
            "vintage": r["vintage"],
            "months_used": len(r["months_used"]),
            "used_from": r["months_used"][0] if r["months_used"] else None,
            "used_to": r["months_used"][-1] if r["months_used"] else None,
            "months_ignored": ", ".join(r["months_ignored"]),
            "rows_in": r["rows_in"],
            "rows_quarantined": r["rows_quarantined"],
            "set_aside": r.get("reason", ""),
            "store_load": r.get("load", ""),
        }
        for r in sources
    ]
    cols = [
        "level",
        "file",
        "vintage",
        "months_used",
        "used_from",
        "used_to",
        "months_ignored",
        "rows_in",
        "rows_quarantined",
        "set_aside",
    ]
    if any(r.get("load") for r in sources):  # (no such column when every release is a file, as before)
        cols.append("store_load")
    return pd.DataFrame(rows, columns=cols)


def store_use(loads: Sequence, sources: Sequence[dict]) -> dict[int, str]:
    """For each load in the store (``svd.store.Load``), what the pages take from it, in words: an MPS release's
    months (from the merge's ``sources``), or why none; a police.uk month is kept with its checks (no page reads
    police.uk months); a partnership extract's use is said by the record-level pages."""
    by_citation = {}
    for s in sources:
        if not s.get("load"):
            continue
        if s.get("reason"):
            text = "no months: " + s["reason"]
        elif s["months_used"]:
            text = f"{s['level']} months {s['months_used'][0]} to {s['months_used'][-1]}"
        else:
            text = "no months: later releases have all of its months"
        by_citation[s["load"]] = text
    out = {}
    for x in loads:
        if not x.active:
            out[x.id] = ""
        elif x.format.startswith("mps_"):
            out[x.id] = by_citation.get(x.citation(), "not read yet (reload the data)")
        elif x.format == "police_uk_street":
            out[x.id] = "kept with its checks; no page reads police.uk months"
        else:
            out[x.id] = "record-level pages, while it is the newest extract"
    return out


def set_aside_notes(set_aside: Sequence[dict]) -> list[str]:
    """One sentence per MPS release set aside as incomplete (``MergeResult.set_aside``): file and reason."""
    return [
        f"The {s['level']} release “{Path(s['path']).name}” ({s['vintage']}) was set aside as incomplete and "
        f"supplies no month: {s['reason'].removeprefix('set aside as incomplete: ')}."
        for s in set_aside
    ]


def revision_sentence(summary: dict) -> str:
    """The revisions in words, from ``revision_summary``."""
    if not summary["compared"]:
        return "No month appears in two releases, so there are no revisions to report."
    text = (
        f"{summary['compared']:,} times a monthly borough total appears in two consecutive releases; the later "
        f"release changed it {summary['revised']:,} times"
    )
    if summary["max_abs_pct"] is not None and summary["revised"]:
        text += (
            f", by at most {summary['max_abs_pct']:.1f}% ({summary['max_abs_diff']:,} offences). "
            "The dashboard always uses the most recent release"
        )
    return text + "."


def revisions_chart(
    revisions: pd.DataFrame, title: str, subtitle: str | None = None, style: ChartStyle = NORMAL
) -> alt.LayerChart:
    """Revision (%) per month, one point per pair of releases (shape and colour both name the pair), a 0 line."""
    data = revisions.assign(pair=revisions["older_vintage"] + " → " + revisions["newer_vintage"])[
        ["month", "pair", "old_count", "new_count", "diff", "pct"]
    ]
    if len(data) > 5000:
        raise ValueError("too many revisions for one chart; aggregate first")
    pairs = list(dict.fromkeys(data["pair"]))
    legend = alt.Legend(
        title="Releases compared (older → newer)",
        orient="top",
        direction="horizontal",
        labelLimit=400,
        titleLimit=400,
    )
    shapes = ["circle", "triangle-up", "square", "diamond", "cross", "triangle-down"]
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=style.h(style.h(70)))
        .encode(
            x=alt.X("month:O", title="Month", axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("pct:Q", title="Revision of the borough total (%)"),
            shape=alt.Shape(
                "pair:N", sort=pairs, legend=legend, scale=alt.Scale(domain=pairs, range=shapes[: len(pairs)])
            ),
            color=alt.Color(
                "pair:N",
                sort=pairs,
                legend=legend,
                scale=alt.Scale(
                    domain=pairs,
                    range=["#0072B2", "#D55E00", "#009E73", "#CC79A7"][: len(pairs)]
                    if len(pairs) <= 4
                    else alt.Undefined,
                ),
            ),
            tooltip=[
                alt.Tooltip("month:O", title="Month"),
                alt.Tooltip("pair:N", title="Releases"),
                alt.Tooltip("old_count:Q", title="Older figure", format=","),
                alt.Tooltip("new_count:Q", title="Newer figure", format=","),
                alt.Tooltip("diff:Q", title="Change", format="+,"),
                alt.Tooltip("pct:Q", title="Change (%)", format="+.2f"),
            ],
        )
    )
    zero = alt.Chart(data).mark_rule(color="#444", strokeDash=[4, 3]).encode(y=alt.datum(0))
    return finish(
        alt.layer(zero, points).properties(
            title=alt.TitleParams(title, subtitle=subtitle or alt.Undefined, anchor="start"),
            description=(
                "Points: for each month present in two consecutive MPS releases, the percentage change of the "
                "borough's monthly total from the older release to the newer one; the point's shape and colour "
                "name the pair of releases; a dashed line marks no change."
            ),
            # The plot's own height (svd.charts.finish): title, legend and month labels are drawn around it.
            height=style.h(260),
        ),
        style,
    )


def records_sentence(source: str, rows: int, extract: str | None = None) -> str:
    """Where the record-level figures come from, in words."""
    if source == "extract":
        return (
            f"Record-level figures come from the partnership's extract `{Path(extract or '').name}` ({rows:,} records), "
            "read with the svd incident format v1."
        )
    return (
        f"Record-level figures come from the simulated dataset ({rows:,} records): generated "
        "deterministically from the real MPS ward counts and calibrated to the needs assessment's published "
        "shares. Set `SVD_EXTRACT` to a partnership extract to use real records."
    )


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


def calibration_table(measured: pd.DataFrame) -> pd.DataFrame:
    """The simulation's calibration (``simulate.measure``) for people: shares in percent, checks in words.

    ``measured`` has id, description, target, measured, tolerance, kind ("share" | "check"), measured_on,
    detail. Shares become percentages and the tolerance percentage points; a check (a ranking or shape, target
    1 = holds) has no numbers, only its result. ``result`` says in words whether the target is met.
    """
    share = measured["kind"].eq("share")
    diff = (measured["measured"] - measured["target"]).abs()
    within = share & (diff <= measured["tolerance"] + 1e-9)
    holds = ~share & measured["measured"].eq(measured["target"])
    result = pd.Series("outside tolerance", index=measured.index)
    result[within] = "within tolerance"
    result[~share] = "does not hold"
    result[holds] = "holds"
    pct = measured[["target", "measured", "tolerance"]].astype("float64").mul(100).where(share)
    return pd.DataFrame(
        {
            "check": measured["description"],
            "kind": measured["kind"],
            "target_pct": pct["target"].round(1),
            "measured_pct": pct["measured"].round(1),
            "tolerance_points": pct["tolerance"].round(1),
            "result": result,
            "measured_on": measured["measured_on"],
            "detail": measured["detail"],
        }
    )[CALIBRATION_COLUMNS].reset_index(drop=True)


def calibration_sentence(table: pd.DataFrame) -> str:
    """'All 32 calibration targets are met.' or how many are not."""
    met = int(table["result"].isin(["within tolerance", "holds"]).sum())
    if met == len(table):
        return f"All {len(table)} calibration targets from the needs assessment are met by the simulated records."
    return (
        f"{met} of {len(table)} calibration targets are met; {len(table) - met} are not (listed as "
        "'outside tolerance' or 'does not hold')."
    )


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


LONDON_CHECK_COLUMNS = [
    "dataset",
    "file",
    "rows_read",
    "lines_skipped",
    "skipped_because",
    "polygons_repaired",
    "problem",
]


@dataclass(frozen=True)
class LondonChecks:
    """The London-wide files as the importers read them, and the best fit from the polygons against the GLA's.

    ``table``: one row per file (``LONDON_CHECK_COLUMNS``); ``disagreements``: ``svd.london.lookup_disagreements``
    (LSOAs whose GLA ward differs from the ward holding most of their area); ``sentences``: what to say.
    """

    table: pd.DataFrame
    disagreements: pd.DataFrame
    sentences: list[str]


def london_checks(root: Path) -> LondonChecks:
    """Read the four London-wide files with ``svd.london``'s importers and compare the two LSOA→ward best fits.

    A file that cannot be read is one row with its problem (in words, no folder); the comparison needs the
    ward, LSOA and lookup files and is left out, with a sentence saying why, when one is unusable.
    """
    from svd import london

    readers = [
        ("london_wards", london.WARDS_FILE, london.read_wards),
        ("london_lsoas", london.LSOAS_FILE, london.read_lsoas),
        ("london_lsoa_ward_lookup", london.GLA_LOOKUP_FILE, london.read_gla_lookup),
        ("london_population_lsoa", london.TS001_FILE, london.read_ts001),
    ]
    titles = {d.id: d.title for d in cat.load_catalogue()}
    rows, frames, sentences = [], {}, []
    for dataset, relative, read in readers:
        try:
            frame, report = read(Path(root) / relative)
        except london.LondonFileError as exc:
            rows.append(
                {"dataset": titles.get(dataset, dataset), "file": Path(relative).name, "problem": str(exc)}
            )
            continue
        frames[dataset] = frame
        reasons = report.skipped_by_reason()
        rows.append(
            {
                "dataset": titles.get(dataset, dataset),
                "file": report.file,
                "rows_read": report.rows_read,
                "lines_skipped": report.rows_skipped,
                "skipped_because": "; ".join(f"{n:,} {r}" for r, n in reasons.items()),
                "polygons_repaired": len(report.repaired),
                "problem": "",
            }
        )
        sentences.append(report.sentence())
    table = pd.DataFrame(rows, columns=LONDON_CHECK_COLUMNS)
    table = table.astype({c: "Int64" for c in ("rows_read", "lines_skipped", "polygons_repaired")})
    table = table.fillna({"skipped_because": "", "problem": ""})
    needed = ("london_wards", "london_lsoas", "london_lsoa_ward_lookup")
    if all(k in frames for k in needed):
        wards, lsoas, gla = (frames[k] for k in needed)
        derived = london.bestfit_from_polygons(lsoas, wards)
        disagreements = london.lookup_disagreements(gla, derived, london.lsoa_ward_overlaps(lsoas, wards))
        agree = len(gla) - int((disagreements["reason"] != "not in the GLA lookup").sum())
        sentences.append(
            f"LSOA → ward best fit: the ward holding most of each LSOA's area (from the polygons, in British "
            f"National Grid) agrees with the GLA's lookup for {agree:,} of {len(gla):,} LSOAs; "
            f"{len(disagreements):,} differ, all LSOAs split between wards (the GLA places each LSOA by its "
            "population-weighted centroid, which the polygons do not have)."
            if set(disagreements["reason"]) <= {"different ward"}
            else f"LSOA → ward best fit: {agree:,} of {len(gla):,} LSOAs agree with the GLA's lookup; "
            f"{len(disagreements):,} differ or are missing from one side (listed with the reason)."
        )
    else:
        disagreements = pd.DataFrame()
        sentences.append(
            "The best fit from the polygons is not compared: a ward, LSOA or lookup file is unusable."
        )
    return LondonChecks(table, disagreements, sentences)
