"""Command line: ``python -m svd --help`` lists every command. Exit 0 when usable, 1 when not; never a traceback."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# svd.harm.MEASURES, written out so that building the parser imports no data package (tests/test_harm_measure
# checks that the two agree).
MEASURE_CHOICES = ("count", "harm_css", "harm_cchi", "cost")


def _print_validation(reports: list[dict]) -> None:
    for r in reports:
        print(f"{r['path']}")
        print(f"  format: {r['format']}")
        print(
            f"  rows read: {r['rows_in']:,}  accepted: {r['rows_accepted']:,}  quarantined: {r['rows_quarantined']:,}"
        )
        if r["months"]:
            print(f"  months: {r['months'][0]} to {r['months'][-1]} ({len(r['months'])})")
        if r["months_ignored"]:
            print(f"  months ignored (partial): {', '.join(r['months_ignored'])}")
        print(
            f"  offences: {r['offences']:,}"
            + (f"  anti-social behaviour: {r['asb']:,}" if "asb" in r else "")
        )
        for p in r["problems"][:20]:
            where = f"line {p['row']}" if p["row"] is not None else "file"
            col = f", column {p['column']}" if p["column"] else ""
            print(f"  - {where}{col}: {p['reason']}")
        if len(r["problems"]) > 20:
            print(f"  … and {len(r['problems']) - 20:,} more problems (use --json for all)")


def cmd_validate(args: argparse.Namespace) -> int:
    from svd.validate import usable, validate_file

    reports = [validate_file(Path(f)) for f in args.files]
    if args.json:
        print(json.dumps({"files": reports}, indent=2, default=str))
    else:
        _print_validation(reports)
    return 0 if all(usable(r) for r in reports) else 1


def cmd_summary(args: argparse.Namespace) -> int:
    from svd.catalogue import missing_required
    from svd.metrics import summary

    missing = [c for c in missing_required() if c.dataset.id in ("mps_ward", "population_london")]
    if missing:
        for c in missing:
            print("; ".join(c.problems), file=sys.stderr)
        return 1
    s = summary(args.borough)
    if args.json:
        print(json.dumps(s, indent=2))
    else:
        width = max(len(k) for k in s)
        for k, v in s.items():
            if k == "problems":
                for prob in v:
                    print(f"problem: {prob['file']}: {prob['reason']}")
                continue
            if isinstance(v, dict):
                print(f"{k}:")
                for kk, vv in v.items():
                    print(f"  {kk}: {vv}")
            else:
                print(f"{k.ljust(width)}  {v}")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from svd.simulate import main_simulate

    return main_simulate(Path(args.out), args.seed)


def cmd_board_pack(args: argparse.Namespace) -> int:
    from svd.boardpack import main_board_pack

    return main_board_pack(Path(args.out), args.month, tuple(args.evaluation or ()), args.measure)


def cmd_needs_assessment(args: argparse.Namespace) -> int:
    from svd.needs import main_needs_assessment

    return main_needs_assessment(Path(args.out), args.month)


def _number(x):
    """A JSON-safe number: None for NaN."""
    f = float(x)
    return None if f != f else round(f, 6)


def cmd_hotspots(args: argparse.Namespace) -> int:
    """Gi* and emerging labels per area; in public mode (SVD_PUBLIC=1 or --public) as the Hotspots page shows
    them: small counts of sensitive offences hidden, no z/p/q values, no LSOAs for sensitive offences."""
    from svd import geo, public
    from svd.hotspots import area_statistics
    from svd.records import find_extract, load_records

    rs = load_records(find_extract())
    gdf = geo.wards() if args.level == "ward" else geo.lsoas()
    table, context = area_statistics(rs.data, args.level, gdf, serious_violence=not args.all_offences)
    source = "simulated" if rs.simulated else "partnership extract"
    if args.public or public.is_public():
        from svd.hotspots import public_statistics

        try:
            shown = public_statistics(table, rs.data, args.level, serious_violence=not args.all_offences)
        except ValueError as e:
            print(str(e), file=sys.stderr)
            return 1
        rows = [
            {
                "code": r.area_code,
                "name": r.area_name,
                "count": r.count,
                "hotspot": r.hotspot,
                "emerging": r.emerging,
            }
            for r in shown.itertuples(index=False)
        ]
        report = {"level": args.level, "source": source, "source_label": rs.label, "public": True,
                  "public_note": public.PUBLIC_NOTE, **context, "areas": rows}  # fmt: skip
        if args.json:
            print(json.dumps(report, indent=2, ensure_ascii=False))
            return 0
        print(f"{args.level} hotspots, {context['offences']}, {context['period']} ({source.upper()})")
        print(public.PUBLIC_NOTE)
        for r in rows:
            count = r["count"] if isinstance(r["count"], str) else f"{r['count']:,}"
            print(f"  {r['code']}  {r['name'][:28]:28}  {count:>6}  {r['hotspot']:18}  {r['emerging'] or ''}")
        return 0
    rows = [
        {
            "code": r.area_code,
            "name": r.area_name,
            "count": int(r.count),
            "gi_z": _number(r.gi_z),
            "gi_p": _number(r.gi_p),
            "gi_q": _number(r.gi_q),
            "hotspot": r.hotspot,
            "last_12m": int(r.last_12m),
            "prior_12m": int(r.prior_12m),
            "emerging_p": _number(r.emerging_p),
            "emerging_q": _number(r.emerging_q),
            "emerging": r.emerging,
        }
        for r in table.itertuples(index=False)
    ]
    report = {"level": args.level, "source": source, "source_label": rs.label, **context, "areas": rows}
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    print(f"{args.level} hotspots, {context['offences']}, {context['period']} ({source.upper()})")
    print(f"Gi*: {context['gi_method']}")
    print(f"Emerging: {context['emerging_method']}")
    for r in rows:
        print(
            f"  {r['code']}  {r['name'][:28]:28}  {r['count']:6,}  z {r['gi_z']:6.2f}  q {r['gi_q']:.3f}  {r['hotspot']:18}  {r['emerging']}"
        )
    return 0


def cmd_figures(args: argparse.Namespace) -> int:
    """Every figure the pages show, with its provenance (SVD_DATA_DIR, SVD_EXTRACT and --public honoured)."""
    from svd.catalogue import missing_required
    from svd.figures import all_figures

    missing = [c for c in missing_required() if c.dataset.id in ("mps_ward", "population_london")]
    if missing:
        for c in missing:
            print("; ".join(c.problems), file=sys.stderr)
        return 1
    try:
        out = all_figures(public=True if args.public else None, measure=args.measure)
    except ValueError as exc:  # a weighted measure in public mode: say why, no traceback
        print(str(exc), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(out, indent=2, default=str))
        return 0
    print(
        f"records: {out['records']}  period: {out['period']}  public: {out['public']}  "
        f"measure: {out['measure_label']}"
    )
    for f in out["figures"]:
        p = f["provenance"]
        kind = "SIMULATED" if p["simulated"] else p["kind"]
        print(f"{f['page'] or 'overview'}: {f['label']}: {f['display']}  [{kind}; {p['period'] or '-'}]")
        for load in p.get("loads", ()):  # only figures resting on releases applied in the store
            print(f"    rests on store {load}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """An evaluation of an intervention (a saved one by --name, or an area and --start): on the MPS ward series,
    or on record-level data for LSOAs, a place or a time window. Public mode (SVD_PUBLIC=1 or --public) leaves
    out offence groups whose small ward counts it hides, as the Evaluate page does."""
    from dataclasses import replace

    from svd import evaluate as ev
    from svd import public
    from svd.catalogue import missing_required

    if args.list:
        for name, (d, shipped) in ev.saved_evaluations().items():
            area = {"ward": "wards " + ", ".join(d.wards), "lsoa": "LSOAs " + ", ".join(d.lsoas),
                    "place": f"place {d.place}"}[d.level]  # fmt: skip
            print(f"{name}: {area} from {d.start}{' (shipped)' if shipped else ''}")
        return 0
    try:
        if args.name:
            d = ev.load_evaluation(args.name)
        elif (args.wards or args.lsoas or args.place) and args.start:
            d = ev.Definition.from_dict(
                {
                    "name": "Evaluation",
                    "wards": _codes(args.wards or ""),
                    "lsoas": _codes(args.lsoas or ""),
                    "place": args.place or "",
                    "radius_m": args.radius,
                    "start": args.start,
                    "offence_group": args.offence_group,
                }  # fmt: skip
            )
        else:
            print(
                "give --name NAME, or --wards, --lsoas or --place with --start YYYY-MM (--list shows saved ones)",
                file=sys.stderr,
            )
            return 1
        if args.comparison:
            d = replace(d, comparison=tuple(_codes(args.comparison)))
        if args.hours or args.weekdays:
            d = ev.Definition.from_dict(
                {
                    **d.to_dict(),
                    "hours": _hours(args.hours) if args.hours else d.to_dict().get("hours"),
                    "weekdays": _weekdays(args.weekdays) if args.weekdays else list(d.weekdays),
                }  # fmt: skip
            )
    except (KeyError, ValueError) as e:
        print(e.args[0] if e.args else "cannot evaluate", file=sys.stderr)
        return 1
    public_note = None
    if args.public or public.is_public():
        d, public_note = ev.for_public(d)
        if d is None:
            print(public_note, file=sys.stderr)
            return 1
    missing = [c for c in missing_required() if c.dataset.id in ("mps_ward",)]
    if missing:
        for c in missing:
            print("; ".join(c.problems), file=sys.stderr)
        return 1
    try:
        result = ev.run(d)
    except ValueError as e:
        print(str(e), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({**result.to_dict(), "public_note": public_note}, indent=2, default=str))
        return 0
    if result.provenance.simulated:
        print("SIMULATED RECORDS: a demonstration of the method, not a result.")
    if public_note:
        print(public_note)
    print(f"{d.name}: {result.offence_title}")
    print(result.table.to_string(index=False))
    for sentence in [*result.conclusions, result.power_note]:
        print(f"- {sentence}")
    print(result.provenance.text())
    return 0


def _print_records(rows: list[dict], columns: list[str]) -> None:
    import pandas as pd

    if rows:
        print(pd.DataFrame(rows)[columns].to_string(index=False))


def cmd_london(args: argparse.Namespace) -> int:
    from svd import london_compare as lc

    d = lc.load(border=False)
    r = lc.funnel_report(d, lc.cli_periods(d["months"], args.start, args.end), args.metric)
    if args.json:
        print(json.dumps(r, indent=2, default=str))
        return 0 if "problem" not in r else 1
    if "problem" in r:
        print(r["problem"])
        return 1
    print(f"{r['borough']} against London's 32 boroughs, {r['period']}")
    _print_records(
        r["funnels"],
        ["measure", "offences", "rate_per_1000", "london_rate_per_1000", "rank", "funnel_position", "limits"],
    )
    print()
    for s in r["sentences"]:
        print(f"- {s}")
    for mid, method in r["methods"].items():
        print(f"Funnel limits, {mid}: {method}.")
    print(r["rank_source"])
    print()
    print(r["wards"]["sentence"])
    _print_records(
        r["wards"]["table"], ["ward_name", "count", "population", "rate_per_1000", "london_percentile"]
    )
    print()
    print("Most similar boroughs by age structure (rate per 1,000, rank among 32):")
    _print_records(r["similar_boroughs"], list(r["similar_boroughs"][0]))
    print(f"Distance: {r['similar_method']}.")
    return 0


def cmd_border(args: argparse.Namespace) -> int:
    from svd import london_compare as lc

    d = lc.load()
    r = lc.border_report(d, lc.cli_periods(d["months"], args.start, args.end), args.metric)
    if args.json:
        print(json.dumps(r, indent=2, default=str))
        return 0
    for s in r["sentences"]:
        print(f"- {s}")
    if not r["wards"]:
        return 1
    print()
    _print_records(
        r["wards"],
        [
            "side",
            "ward_name",
            "borough_name",
            "offences",
            "offences_before",
            "rate_per_1000",
            "change_pct",
            "change_test",
        ],
    )
    print()
    _print_records(
        r["pairs"],
        ["ward_name", "neighbour_name", "neighbour_borough", "shared_boundary_m", "r", "q", "movement"],
    )
    print(f"Method: {r['method']}.")
    return 0


def cmd_harm(args: argparse.Namespace) -> int:
    import pandas as pd

    from svd import aggregate as agg
    from svd import config, harm, mps, taxonomy

    merged = mps.load_mps(level="ward")
    borough = taxonomy.classify_mps(mps.for_borough(merged, config.borough().code).table)
    periods = None
    if args.month:
        end = pd.Timestamp(f"{args.month}-01")
        periods = agg.periods_for(end - pd.DateOffset(months=11), end)
    r = harm.report(borough, periods)
    if args.json:
        print(json.dumps(r, indent=2, default=str))
        return 0
    print(f"Harm and cost of serious violence (MPS proxy categories), {r['period']}")
    for mid, m in r["measures"].items():
        print(f"\n{m['label']}")
        print(f"  method: {m['method']}")
        if mid != "count":
            w = m["categories_with_weight"]
            print(
                f"  categories with a cited weight: {w['mps']} MPS categories, {w['offence']} record offence types"
            )
        print("  volume against weighted share (the Overview's share list):")
        for s in m["shares"]:
            print(f"    {s['sentence']}")
        if m["left_out"]:
            print(f"  {m['left_out']}")
        for t in m["tiles"]:
            print(f"  tile: {t['title']}: {t['value_text']} ({t['change']}; not tested)")
        print("  Hotspots, wards (top 5):" + (f" {m['hotspots_sentence']}" if m["hotspots_sentence"] else ""))
        for h in m["hotspots_top5"]:
            value = "" if h["value"] is None else f", {harm.value_text(h['value'], mid)}"
            print(
                f"    {h['rank']}. {h['area_name']}: {h['count']:,} offences (rank {h['rank_by_offences']} by offences){value}"
            )
    print("\nPersonal robbery's share of serious violence: now and in the 2023 needs assessment")
    for n in r["needs_assessment"]:
        now = "–" if n["current"] != n["current"] else f"{n['current']:.0f}%"
        print(f"  {n['label']}: {now} now; {n['published']:.0f}% published ({n['note']})")
    print(f"  \u201c{r['needs_assessment'][0]['quote']}\u201d")
    c = r["needs_assessment_cost"]
    print(
        f"\nPersonal robbery's estimated cost, {c['period']}: {c['current_text']} ({c['offences']:,} offences)"
    )
    for p in c["published"]:
        print(f"  published: {p['text']}: £{p['value']:g} million")
    print(f"  ({c['note']})")
    return 0


def _hours(text: str) -> list[int]:
    """'15-21' → [15, 21] (15:00 to 20:59); ValueError otherwise."""
    try:
        a, b = (int(x) for x in text.replace("–", "-").split("-"))
    except ValueError:
        raise ValueError(f"--hours {text!r} is not START-END in whole hours, e.g. 15-21") from None
    return [a, b]


def _weekdays(text: str) -> list[int]:
    """'Fri,Sat' or '4,5' → [4, 5] (0 = Monday); ValueError otherwise."""
    from svd.filters import WEEKDAYS

    out = []
    for part in _codes(text):
        names = [i for i, w in enumerate(WEEKDAYS) if w.casefold().startswith(part.casefold()[:3])]
        if part.isdigit():
            out.append(int(part))
        elif len(part) >= 3 and len(names) == 1:
            out.append(names[0])
        else:
            raise ValueError(f"--weekdays: {part!r} is not a day (Mon … Sun, or 0 … 6)")
    return out


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs test)."""
    p = argparse.ArgumentParser(
        prog="python -m svd", description="Serious Violence Duty dashboard data tools."
    )
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check files before loading them (formats, rows, months, problems)")
    v.add_argument("files", nargs="+", help="MPS ward/borough CSV, police.uk street CSV, or incident extract")
    v.add_argument("--json", action="store_true", help="print the report as JSON")
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("summary", help="headline figures from the merged MPS ward data")
    s.add_argument("--json", action="store_true")
    s.add_argument("--borough", default=None, help="ONS borough code (default: SVD_BOROUGH, else E09000002)")
    s.set_defaults(func=cmd_summary)

    m = sub.add_parser("simulate", help="write the deterministic simulated record-level dataset (format v1)")
    m.add_argument("--out", required=True)
    m.add_argument("--seed", type=int, default=20240131)
    m.set_defaults(func=cmd_simulate)

    b = sub.add_parser("board-pack", help="write the monthly board pack PDF")
    b.add_argument("--out", required=True)
    b.add_argument("--month", default=None, help="YYYY-MM: the last month the pack covers (default: latest)")
    b.add_argument(
        "--evaluation", action="append", metavar="NAME", help="add a saved evaluation's page (repeatable)"
    )
    b.add_argument(
        "--measure",
        choices=MEASURE_CHOICES,
        default="count",
        help="weigh the headline tiles: count (default), harm (CSS or CCHI) or cost (£)",
    )
    b.set_defaults(func=cmd_board_pack)

    na = sub.add_parser("needs-assessment", help="write a draft strategic needs assessment (.docx or .pdf)")
    na.add_argument("--out", required=True, help="draft.docx or draft.pdf")
    na.add_argument(
        "--month", default=None, help="YYYY-MM: the last month the draft covers (default: latest)"
    )
    na.set_defaults(func=cmd_needs_assessment)

    h = sub.add_parser("hotspots", help="Gi* hotspot and emerging labels per ward or LSOA (FDR 5%%)")
    h.add_argument("--level", choices=("ward", "lsoa"), default="ward")
    h.add_argument("--json", action="store_true", help="print the areas as JSON")
    h.add_argument("--all-offences", action="store_true", help="count every offence, not serious violence")
    h.add_argument("--public", action="store_true", help="as public mode shows it (also SVD_PUBLIC=1)")
    h.set_defaults(func=cmd_hotspots)
    fg = sub.add_parser("figures", help="every figure the pages show, with its source, period and method")
    fg.add_argument("--json", action="store_true", help="print the figures as JSON")
    fg.add_argument("--public", action="store_true", help="as public mode shows them (also SVD_PUBLIC=1)")
    fg.add_argument(
        "--measure",
        choices=MEASURE_CHOICES,
        default="count",
        help="weigh offences as the pages' switch does: count (default), harm (CSS or CCHI) or cost (£)",
    )
    fg.set_defaults(func=cmd_figures)
    hm = sub.add_parser(
        "harm", help="volume against harm and cost shares, and what the pages show per measure"
    )
    hm.add_argument("--month", default=None, help="YYYY-MM: the last of the 12 months (default: latest)")
    hm.add_argument("--json", action="store_true", help="print the report as JSON")
    hm.set_defaults(func=cmd_harm)
    ev = sub.add_parser(
        "evaluate", help="did it work? an intervention against comparison wards (DiD, WDD, ITS)"
    )
    ev.add_argument("--name", help="a saved evaluation's name")
    ev.add_argument("--wards", help="treated ward codes, comma-separated (with --start)")
    ev.add_argument("--lsoas", help="treated 2021 LSOA codes, comma-separated (record-level data)")
    ev.add_argument(
        "--place", help="a place id of geo/places.json, e.g. becontree_station (record-level data)"
    )
    ev.add_argument("--radius", type=int, help="metres round the place's point (default: the place's own)")
    ev.add_argument("--hours", help="time window START-END in whole hours, e.g. 15-21 (record-level data)")
    ev.add_argument("--weekdays", help="days, e.g. Fri,Sat (record-level data)")
    ev.add_argument("--public", action="store_true", help="as public mode shows it (also SVD_PUBLIC=1)")
    ev.add_argument("--start", help="YYYY-MM: the intervention's first month")
    ev.add_argument(
        "--comparison", help="comparison ward (or LSOA) codes, comma-separated (default: proposed)"
    )
    ev.add_argument("--offence-group", default="serious_violence", help="metric id (default %(default)s)")
    ev.add_argument("--list", action="store_true", help="list the saved evaluations")
    ev.add_argument("--json", action="store_true", help="print the evaluation as JSON")
    ev.set_defaults(func=cmd_evaluate)
    for name, func, text in (
        (
            "london",
            cmd_london,
            "the borough against London: funnel table, wards' London percentiles, similar boroughs",
        ),
        (
            "border",
            cmd_border,
            "across the border: border wards on both sides, change, pairs that move together",
        ),
    ):
        c = sub.add_parser(name, help=text)
        c.add_argument(
            "--metric", default="serious_violence", help="metric id, source mps (default %(default)s)"
        )
        c.add_argument("--start", help="YYYY-MM: first month (default: the latest 12 months)")
        c.add_argument("--end", help="YYYY-MM: last month")
        c.add_argument("--json", action="store_true", help="print the figures as JSON")
        c.set_defaults(func=func)
    from svd.store_cli import add_commands  # load, loads, unload, audit

    add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from svd.reference import Reference

    try:
        # One store of reference data and definitions for the command (each file read once), emptied at its end.
        with Reference():
            return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 — a command-line user gets a sentence, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 1
