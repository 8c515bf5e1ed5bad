"""Sign-in and roles in the dashboard: who is here, what role they have, and the pages they may open.

With ``[auth]`` in ``.streamlit/secrets.toml`` (or the file ``--secrets.files`` names) the dashboard signs people in
through the identity provider with ``st.login``: nobody signed in is *public*; a signed-in person gets the role
their claims or the allow list give (``svd.roles``, ``data/roles.json``). Without ``[auth]`` the dashboard is for
one trusted machine: everyone is an analyst, and the Data page says so.

The role lives in the session's state, so a fragment's rerun (which does not run ``app.py``) sees it too.
"""

from __future__ import annotations

import logging

import streamlit as st

from svd import public, roles, store

ROLE_KEY = "_svd_role"
SIGNED_IN_KEY = (
    "_svd_signed_in_logged"  # the identity whose sign-in this session has written to the audit log
)
NO_SIGN_IN_NOTE = (
    "Sign-in is not set up: this dashboard is running for a single trusted machine, and everyone who can open it "
    "can see the partnership's records and manage the data. To put it on a network, set up sign-in and roles "
    "(docs/deployment.md)."
)

log = logging.getLogger(__name__)


def auth_configured() -> bool:
    """Whether ``[auth]`` is configured in the secrets (sign-in on)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 — no secrets file at all: no sign-in
        return False


def _claims() -> dict | None:
    try:
        return st.user.to_dict() if st.user.get("is_logged_in") else None
    except Exception:  # noqa: BLE001 — no user information (not under a server, or no auth): nobody signed in
        return None


def _allow_list(defs: roles.Definitions) -> dict[str, str]:
    path = roles.allow_list_path(defs)
    if path is None:
        return {}
    try:
        return roles.read_allow_list(path, defs)
    except (OSError, ValueError) as exc:
        # A broken allow list grants nothing (everyone falls back to their claims); the reason goes to the log.
        log.error("allow list not used: %s", exc)
        return {}


def begin() -> roles.Role:
    """Work out this session's role (called by ``app.py`` on every run) and keep it in the session's state."""
    defs = roles.load_definitions()
    if not auth_configured():
        role = roles.unrestricted(defs)
        st.session_state[ROLE_KEY] = role
        return role
    claims = _claims()
    role = roles.role_from_claims(claims, _allow_list(defs), defs)
    st.session_state[ROLE_KEY] = role
    who_ = roles.identity(claims, defs) if claims else None
    if who_ and st.session_state.get(SIGNED_IN_KEY) != who_:
        st.session_state[SIGNED_IN_KEY] = who_
        audit(store.SIGN_IN, f"signed in as {role.title.lower()}", by=who_)
    return role


def role() -> roles.Role:
    """This session's role (the unrestricted one outside a run of ``app.py``, as in the page tests and warming)."""
    try:
        found = st.session_state.get(ROLE_KEY)
    except Exception:  # noqa: BLE001 — no session (a background thread)
        found = None
    return found or roles.unrestricted()


def who() -> str:
    """Who is doing something, for the audit log: the signed-in identity, or who the machine is."""
    if not auth_configured():
        return roles.NO_SIGN_IN
    claims = _claims()
    return (roles.identity(claims) if claims else None) or "not signed in"


def allowed_pages(pages: dict[str, list], current: roles.Role) -> dict[str, list]:
    """``pages`` (section → st.Page) without the pages ``current`` may not open: they are not offered, and a link
    to one opens the Overview instead."""
    out = {}
    for section, items in pages.items():
        keep = [p for p in items if roles.may_open(current, p.url_path)]
        if keep:
            out[section] = keep
    return out


def sign_in_control() -> None:
    """Sidebar: who is signed in and their role, with Sign in / Sign out (only when sign-in is configured)."""
    if not auth_configured():
        return
    claims = _claims()
    current = role()
    if claims is None:
        st.caption("You are seeing the public dashboard: aggregate figures only.")
        if st.button("Sign in", icon=":material/login:", key="svd-sign-in"):
            st.login()
        return
    name = claims.get("name") or roles.identity(claims) or "signed in"
    st.caption(f"Signed in as {name} · {current.title}")
    if st.button("Sign out", icon=":material/logout:", key="svd-sign-out"):
        st.logout()


def _session_forces_public() -> bool:
    return role().public_mode


def audit(action: str, what: str, by: str | None = None) -> None:
    """Append to the store's audit log; a store that cannot be written is logged, never shown as a traceback."""
    try:
        store.Store.default().record(by or who(), action, what)
    except Exception as exc:  # noqa: BLE001 — the page goes on; the operator sees the reason in the server log
        log.error("audit entry not written (%s: %s): %s", action, what, exc)


# Public mode is also on for a session whose role forces it (public), on top of SVD_PUBLIC for the whole server.
public.set_session_rule(_session_forces_public)
