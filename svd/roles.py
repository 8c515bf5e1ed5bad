"""Who may see what: roles from the identity provider's claims or an allow-list file (``data/roles.json``).

Pure: the dashboard (``ui/access.py``) hands in the signed-in user's claims and applies the answer in its router.
Roles are ordered (public < partner < analyst); a person's role is the highest one any of their claims or the
allow list gives, else the default (public).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from svd.config import definitions_dir

NO_SIGN_IN = "local"  # who did it, when the dashboard runs without sign-in (one trusted machine)


@dataclass(frozen=True)
class Role:
    """One role: what it may see and do."""

    id: str
    title: str
    description: str
    record_level: bool  # the partnership's records and the record-level views
    manage_data: bool  # the Data page: check, apply and withdraw loads; the audit log
    public_mode: bool  # public mode's small-number protection forced on


@dataclass(frozen=True)
class Definitions:
    """``data/roles.json`` read."""

    roles: tuple[Role, ...]
    default_role: str
    claim_names: tuple[str, ...]
    claim_values: Mapping[str, str]
    identity_claims: tuple[str, ...]
    allow_list_env: str
    pages: Mapping[str, str]

    def role(self, role_id: str) -> Role:
        """The role with this id (KeyError for an unknown one)."""
        for r in self.roles:
            if r.id == role_id:
                return r
        raise KeyError(role_id)


def load_definitions(path: Path | None = None) -> Definitions:
    """Read the role definitions (read afresh each call: a small file, and no hidden cache in ``svd``)."""
    raw = json.loads((path or definitions_dir() / "roles.json").read_text(encoding="utf-8"))
    pages = {k: v for k, v in raw["pages"].items() if k != "about"}
    return Definitions(
        roles=tuple(Role(**r) for r in raw["roles"]),
        default_role=raw["default_role"],
        claim_names=tuple(raw["claims"]["names"]),
        claim_values=dict(raw["claims"]["values"]),
        identity_claims=tuple(raw["identity_claims"]),
        allow_list_env=raw["allow_list"]["env"],
        pages=pages,
    )


def identity(claims: Mapping[str, object], defs: Definitions | None = None) -> str | None:
    """The person's identity (email or user principal name) from their claims, lower case; None if absent."""
    defs = defs or load_definitions()
    for name in defs.identity_claims:
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return None


def read_allow_list(path: Path | str, defs: Definitions | None = None) -> dict[str, str]:
    """email (lower case) → role id from an allow-list CSV (columns ``email``, ``role``).

    Raises ValueError naming the line of an unknown role, so a typo never silently grants or removes access.
    """
    defs = defs or load_definitions()
    known = {r.id for r in defs.roles}
    out: dict[str, str] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            email = (row.get("email") or "").strip().lower()
            role = (row.get("role") or "").strip().lower()
            if not email:
                continue
            if role not in known:
                raise ValueError(
                    f"allow list line {line}: unknown role {role!r} (expected one of {sorted(known)})"
                )
            out[email] = role
    return out


def allow_list_path(defs: Definitions | None = None, env: Mapping[str, str] | None = None) -> Path | None:
    """The allow-list file named by ``SVD_ALLOW_LIST``, or None."""
    defs = defs or load_definitions()
    raw = (os.environ if env is None else env).get(defs.allow_list_env, "").strip()
    return Path(raw).expanduser() if raw else None


def _claim_values(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def role_from_claims(
    claims: Mapping[str, object] | None,
    allow_list: Mapping[str, str] | None = None,
    defs: Definitions | None = None,
) -> Role:
    """The role of a signed-in person: the highest role named by their claims or the allow list; else the default.

    ``claims``: the ID token's claims (``st.user``); None or empty for nobody signed in (the default role).
    """
    defs = defs or load_definitions()
    order = [r.id for r in defs.roles]
    found = [defs.default_role]
    if claims:
        for name in defs.claim_names:
            found += [defs.claim_values[v] for v in _claim_values(claims.get(name)) if v in defs.claim_values]
        who = identity(claims, defs)
        if who and allow_list and who in allow_list:
            found.append(allow_list[who])
    return defs.role(max(found, key=order.index))


def may_open(role: Role, url_path: str, defs: Definitions | None = None) -> bool:
    """Whether ``role`` may open the page at ``url_path`` (a page not listed needs the highest role)."""
    defs = defs or load_definitions()
    order = [r.id for r in defs.roles]
    needed = defs.pages.get(url_path, order[-1])
    return order.index(role.id) >= order.index(needed)


def unrestricted(defs: Definitions | None = None) -> Role:
    """The role of the single trusted machine with no sign-in configured: everything (the highest role)."""
    defs = defs or load_definitions()
    return defs.roles[-1]
