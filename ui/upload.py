"""The analyst's pre-flight check in the browser: validate an uploaded file, and load an extract for the session.

Partnership extracts are sensitive personal data: an upload is written only to a private temporary folder
(mode 0700) outside the repository, used for this browser session, and removed when the analyst unloads it.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from svd.provenance import EXTRACT, OFFICIAL, Provenance
from svd.validate import usable
from ui import cache, exports


def _save(upload) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="svd-upload-"))  # mkdtemp makes it readable by this user only
    path = folder / Path(upload.name).name
    path.write_bytes(upload.getvalue())
    return path


def _forget(path: str | None) -> None:
    if path and Path(path).parent.name.startswith("svd-upload-"):
        shutil.rmtree(Path(path).parent, ignore_errors=True)


def check_and_load() -> None:
    """File uploader → validation report → (for an incident extract) use it for this session."""
    current = st.session_state.get(cache.EXTRACT_SESSION_KEY)
    if current:
        st.success(
            f"This session uses the extract **{Path(current).name}** on every page.",
            icon=":material/database:",
        )
        if st.button("Stop using it and return to the simulated records", icon=":material/undo:"):
            del st.session_state[cache.EXTRACT_SESSION_KEY]
            _forget(current)
            st.rerun()
    upload = st.file_uploader(
        "Check a file: an MPS release, a police.uk month or a partnership extract (CSV or Excel)",
        type=["csv", "xlsx"],
        help="Nothing is saved in the dashboard's data folder. An extract can then be used for this session only.",
    )
    if upload is None:
        return
    saved = st.session_state.setdefault(
        "_svd_uploads", {}
    )  # one private copy per uploaded file, not per rerun
    if upload.file_id not in saved or not Path(saved[upload.file_id]).exists():
        saved[upload.file_id] = str(_save(upload))
    path = saved[upload.file_id]
    report = cache.validation_report(path) | {"path": upload.name}
    ok = usable(report)
    (st.success if ok and not report["problems"] else st.warning if ok else st.error)(
        f"**{upload.name}** — format: {report['format']}; rows read {report['rows_in']:,}, accepted "
        f"{report['rows_accepted']:,}, set aside {report['rows_quarantined']:,}."
        + (f" Months {report['months'][0]} to {report['months'][-1]}." if report["months"] else "")
        + (
            f" Partial months ignored: {', '.join(report['months_ignored'])}."
            if report["months_ignored"]
            else ""
        )
    )
    if report["problems"]:
        problems = pd.DataFrame(report["problems"])
        checked = Provenance(
            EXTRACT if report["format"] == "svd_incidents" else OFFICIAL,
            f"the uploaded file {upload.name}, as checked",
            method="the dashboard's file check (format, rows, months, problems)",
        )
        exports.show_table(problems, "Rows set aside", width="stretch", provenance=checked)
    if report["format"] == "svd_incidents" and ok:
        if st.button(
            "Use this extract on every page for this session", type="primary", icon=":material/upload:"
        ):
            _forget(current)
            st.session_state[cache.EXTRACT_SESSION_KEY] = path
            st.rerun()
    elif report["format"] != "svd_incidents":
        _forget(saved.pop(upload.file_id))  # an official file was only checked: keep no copy
