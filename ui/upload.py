"""The analyst's pre-flight check in the browser: validate an uploaded file, and load an extract for the session.

Partnership extracts are sensitive personal data: an upload is written only to a private temporary folder
(mode 0700) outside the repository, and that folder lives only as long as it is needed. A file that was only
checked (an official release, a rejected file) is removed as soon as its report is made; an extract that could
be used is kept while its upload is on the page or while the session uses it, and removed when the analyst
stops using it, uploads another file, or the session ends (the folder's owner lives in the session's state:
when Streamlit drops the state, a finaliser removes the folder; a server stopping removes them all).
"""

from __future__ import annotations

import shutil
import tempfile
import time
import weakref
from pathlib import Path

import pandas as pd
import streamlit as st

from svd.provenance import EXTRACT, OFFICIAL, Provenance
from svd.validate import usable
from ui import cache, exports, loads

PREFIX = "svd-upload-"
UPLOADS_KEY = "_svd_uploads"  # file_id → {"folder": UploadFolder, "path": str, "report": dict}
EXTRACT_FOLDER_KEY = "_svd_extract_folder"  # the UploadFolder of the extract this session uses
# Folders left by a server that stopped without cleaning up (killed): removed once this old.
STALE_AFTER_SECONDS = 24 * 3600

_LIVE: set[str] = set()  # folders owned by this process (never swept as stale)


def _remove(path: str) -> None:
    _LIVE.discard(path)
    shutil.rmtree(path, ignore_errors=True)


class UploadFolder:
    """A private temporary folder for one uploaded file, removed by ``remove()`` or when this object is freed
    (the session that holds it ended) or when the server process exits."""

    def __init__(self, name: str, data: bytes) -> None:
        self.folder = tempfile.mkdtemp(prefix=PREFIX)  # mkdtemp makes it readable by this user only
        _LIVE.add(self.folder)
        self.path = str(Path(self.folder) / (Path(name).name or "upload"))
        Path(self.path).write_bytes(data)
        self._finaliser = weakref.finalize(self, _remove, self.folder)

    def remove(self) -> None:
        """Delete the folder now (idempotent)."""
        self._finaliser()

    @property
    def exists(self) -> bool:
        """Whether the file is still there."""
        return Path(self.path).exists()


def settle(uploads: dict, current_file_id: str | None, extract_path: str | None) -> None:
    """Remove every kept upload that is no longer in use: not the file now in the uploader, not the extract in use."""
    for file_id in list(uploads):
        entry = uploads[file_id]
        if file_id != current_file_id and entry["path"] != extract_path:
            entry["folder"].remove()
            del uploads[file_id]


def sweep_stale(now: float | None = None) -> int:
    """Remove upload folders that no live process owns and that are older than ``STALE_AFTER_SECONDS``."""
    now = time.time() if now is None else now
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            old = now - folder.stat().st_mtime > STALE_AFTER_SECONDS
        except OSError:
            continue
        if str(folder) not in _LIVE and old and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _could_be_used(report: dict) -> bool:
    return report["format"] == "svd_incidents" and usable(report)


def check_and_load() -> None:
    """File uploader → validation report → (for an incident extract) use it for this session."""
    sweep_stale()
    current = st.session_state.get(cache.EXTRACT_SESSION_KEY)
    if current:
        st.success(
            f"This session uses the extract **{Path(current).name}** on every page.",
            icon=":material/database:",
        )
        if st.button("Stop using it and return to the simulated records", icon=":material/undo:"):
            del st.session_state[cache.EXTRACT_SESSION_KEY]
            cache.forget_extract(cache.data_root(), current)  # its records leave memory now, not at eviction
            folder = st.session_state.pop(EXTRACT_FOLDER_KEY, None)
            if folder is not None:
                folder.remove()
            settle(st.session_state.get(UPLOADS_KEY, {}), None, None)
            st.rerun()
    upload = st.file_uploader(
        "Check a file: an MPS release, a police.uk month or a partnership extract (CSV or Excel)",
        type=["csv", "xlsx"],
        help="Nothing is saved in the dashboard's data folder. An extract can then be used for this session only.",
    )
    uploads = st.session_state.setdefault(
        UPLOADS_KEY, {}
    )  # one private copy per uploaded file, not per rerun
    settle(uploads, upload.file_id if upload is not None else None, current)
    if upload is None:
        return
    if upload.file_id not in uploads:
        folder = UploadFolder(upload.name, upload.getvalue())
        report = cache.validation_report(folder.path) | {"path": upload.name}
        uploads[upload.file_id] = {"folder": folder, "path": folder.path, "report": report}
        if not _could_be_used(report):
            folder.remove()  # only checked (an official file, or rejected): keep no copy
    entry = uploads[upload.file_id]
    report = entry["report"]
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
    loads.apply_control(upload, report)
    offer = _could_be_used(report) and entry["folder"].exists and entry["path"] != current
    if offer and st.button(
        "Use this extract on every page for this session", type="primary", icon=":material/upload:"
    ):
        old = st.session_state.pop(EXTRACT_FOLDER_KEY, None)
        if old is not None and old is not entry["folder"]:
            old.remove()
            cache.forget_extract(cache.data_root(), current)
        st.session_state[cache.EXTRACT_SESSION_KEY] = entry["path"]
        st.session_state[EXTRACT_FOLDER_KEY] = entry["folder"]
        st.rerun()
