"""The Data page's store section (analysts): apply a checked file, withdraw a load, read the audit log.

Everything is done by ``svd.store``; this module lays it out and drops a withdrawn extract from the caches.
"""

from __future__ import annotations

import streamlit as st

from svd import dataquality as dq
from svd import store as store_
from svd.provenance import OFFICIAL, Provenance
from ui import access, cache, exports

FLASH_KEY = "_svd_store_flash"  # (kind, message) shown once after the rerun an action triggers


def _flash(kind: str, message: str) -> None:
    st.session_state[FLASH_KEY] = (kind, message)
    st.rerun()


def apply_control(upload, report: dict) -> None:
    """Under a checked upload: "Apply to the store" for an analyst, when the file passed its check."""
    from svd.validate import usable
    from ui.upload import UploadFolder

    if not access.role().manage_data or not usable(report) or report["format"] not in store_.FORMATS:
        return
    if not st.button(
        "Apply to the store (kept after a restart)",
        icon=":material/inventory_2:",
        key=f"store-apply-{upload.file_id}",
        help="Keeps the file's checked rows, import report and quarantined rows in the dashboard's store, with "
        "its checksum, who applied it and when. Applying the same file again changes nothing.",
    ):
        return
    folder = UploadFolder(upload.name, upload.getvalue())
    try:
        applied = cache.store().apply(folder.path, who=access.who(), name=upload.name)
    except store_.StoreError as exc:
        _flash("error", str(exc))
    finally:
        folder.remove()  # the store has what it needs; no copy of the upload stays on disk
    if applied.new:
        _flash("success", f"Applied {applied.load.describe()}.")
    _flash("info", f"Nothing to do: the same file is already applied as {applied.load.describe()}.")


def store_section() -> None:
    """The loads in the store (withdraw one) and the audit log."""
    if (flash := st.session_state.pop(FLASH_KEY, None)) is not None:
        getattr(st, flash[0])(flash[1])
    s = cache.store()
    try:
        loads = s.loads()
        log = s.audit_log()
        broken = s.verify_audit()
    except store_.StoreError as exc:
        st.warning(f"The store could not be read: {exc}.", icon=":material/warning:")
        return
    about = Provenance(OFFICIAL, "the dashboard's store of applied files", method="as recorded by svd.store")
    st.markdown(
        "Files applied to the store stay after a restart. The partnership extract in use is the most recent one "
        "applied and not withdrawn. An MPS release applied here joins the data directory's releases: for each "
        "month the most recent complete release is used (one applied here replaces a file of the same months), "
        "and every figure built on it names its load. police.uk months are kept with their checks (no page "
        "reads police.uk months)."
    )
    if not loads:
        st.markdown("Nothing has been applied yet: check a file below and apply it.")
    else:
        use = None
        if any(x.active and x.official() for x in loads):
            root = cache.data_root()
            use = dq.store_use(loads, [*cache.mps_ward(root)[0].sources, *cache.mps_borough(root)[0].sources])
        table = store_.loads_table(loads, use).drop(columns=["sha256"])
        exports.show_table(table, "Loads", provenance=about)
        active = {x.id: x for x in loads if x.active}
        if active:
            with st.form("store-withdraw", border=False):
                chosen = st.selectbox(
                    "Withdraw a load (its rows are deleted from the store and from the dashboard's memory)",
                    list(active),
                    format_func=lambda i: active[i].describe(),
                )
                if st.form_submit_button("Withdraw", icon=":material/delete:"):
                    try:
                        s.withdraw(chosen, who=access.who())
                    except store_.StoreError as exc:
                        _flash("error", str(exc))
                    cache.forget_extract(cache.data_root(), f"{cache.STORE_PREFIX}{chosen}")
                    _flash("success", f"Withdrew load {chosen}: its rows are deleted.")
    st.markdown(
        "**Audit log** (append-only: sign-ins, loads, withdrawals and downloads of record-level tables)"
    )
    if broken:
        st.error(
            f"The audit log was changed outside the dashboard at entries {broken}.", icon=":material/error:"
        )
    if log.empty:
        st.markdown("The audit log is empty.")
    else:
        exports.show_table(log.iloc[::-1], "Audit log", provenance=about)
