"""``python -m svd load FILE``, ``loads``, ``unload ID`` and ``audit``: the persistent store from the command line.

Kept apart from ``svd/cli.py`` (which only registers them) so the store's commands live beside each other.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from svd import store


def _store() -> store.Store:
    return store.Store.default()


def cmd_load(args: argparse.Namespace) -> int:
    """Check and apply one file; exit 1 when it is refused."""
    s = _store()
    try:
        applied = s.apply(Path(args.file), who=store.command_line_user())
    except store.StoreError as exc:
        print(str(exc))
        return 1
    if applied.new:
        print(f"Applied {applied.load.describe()}.")
        print(
            f"  rows read {applied.load.rows_in:,}, accepted {applied.load.rows_accepted:,}, "
            f"quarantined {applied.load.rows_quarantined:,}"
        )
    else:
        print(f"Nothing to do: the same file is already applied as {applied.load.describe()}.")
    if applied.load.format.startswith("mps_"):
        print(
            "The MPS release joins the data directory's releases for every page and command (the most recent "
            "complete release wins each month); the dashboard reads it from its next page."
        )
    elif applied.load.format == "police_uk_street":
        print("The police.uk month is kept with its checks; no page reads police.uk months.")
    else:
        print(
            "A partnership extract is used by the dashboard from its next page (it checks the store on every "
            "page)."
        )
    return 0


def cmd_loads(args: argparse.Namespace) -> int:
    """List every load, newest first."""
    table = store.loads_table(_store().loads())
    if args.json:
        print(table.to_json(orient="records", date_format="iso", indent=2))
    elif table.empty:
        print("No loads: nothing has been applied to the store.")
    else:
        print(table.drop(columns=["sha256"]).to_string(index=False))
    return 0


def cmd_unload(args: argparse.Namespace) -> int:
    """Withdraw one load (its rows are deleted; its line and the audit log stay)."""
    try:
        load = _store().withdraw(args.id, who=store.command_line_user())
    except store.StoreError as exc:
        print(str(exc))
        return 1
    print(f"Withdrew {load.describe()}. Its rows are deleted from the store.")
    print("The dashboard forgets them on its next page (it checks the store on every page).")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """Print the audit log, and whether its chain is intact (exit 1 when an entry was changed or removed)."""
    s = _store()
    log = s.audit_log()
    broken = s.verify_audit()
    if args.json:
        print(
            json.dumps(
                {"entries": json.loads(log.to_json(orient="records", date_format="iso")), "broken": broken}
            )
        )
    elif log.empty:
        print("The audit log is empty.")
    else:
        print(log.to_string(index=False))
    if broken:
        print(f"The audit log was changed outside the dashboard at entries {broken}.")
        return 1
    return 0


def add_commands(sub) -> None:
    """Register the store's commands on ``svd.cli``'s subparsers."""
    ld = sub.add_parser(
        "load", help="check a file and apply it to the store (MPS release, police.uk month, extract)"
    )
    ld.add_argument("file")
    ld.set_defaults(func=cmd_load)
    ls = sub.add_parser("loads", help="list the store's loads")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_loads)
    ul = sub.add_parser("unload", help="withdraw a load: its rows leave the store")
    ul.add_argument("id", type=int)
    ul.set_defaults(func=cmd_unload)
    au = sub.add_parser("audit", help="print the audit log (sign-ins, loads, withdrawals, downloads)")
    au.add_argument("--json", action="store_true")
    au.set_defaults(func=cmd_audit)
