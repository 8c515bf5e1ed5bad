"""Uploaded files live only as long as they are needed: checked files at once, extracts with their session."""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

from ui import upload


def test_folder_is_private_and_removed_on_request():
    f = upload.UploadFolder("x.csv", b"a,b\n1,2\n")
    assert Path(f.path).read_bytes() == b"a,b\n1,2\n"
    assert Path(f.folder).name.startswith(upload.PREFIX) and (os.stat(f.folder).st_mode & 0o077) == 0
    f.remove()
    f.remove()  # twice is harmless
    assert not Path(f.folder).exists()


def test_folder_is_removed_when_its_session_state_is_dropped():
    state = {upload.UPLOADS_KEY: {"id1": {}}}
    f = upload.UploadFolder("extract.csv", b"x")
    folder = f.folder
    state[upload.UPLOADS_KEY]["id1"] = {"folder": f, "path": f.path, "report": {}}
    del f
    assert Path(folder).exists()
    state.clear()  # Streamlit drops a session's state when the session ends
    gc.collect()
    assert not Path(folder).exists()


def test_settle_keeps_only_the_current_upload_and_the_extract_in_use():
    a, b, c = (upload.UploadFolder(f"{n}.csv", b"x") for n in "abc")
    uploads = {k: {"folder": f, "path": f.path, "report": {}} for k, f in zip("abc", (a, b, c), strict=True)}
    upload.settle(uploads, current_file_id="b", extract_path=c.path)
    assert set(uploads) == {"b", "c"}
    assert not Path(a.folder).exists() and Path(b.folder).exists() and Path(c.folder).exists()
    upload.settle(uploads, current_file_id=None, extract_path=None)  # uploader cleared, extract stopped
    assert uploads == {} and not Path(b.folder).exists() and not Path(c.folder).exists()


def test_stale_folders_of_a_killed_server_are_swept_but_live_ones_kept(tmp_path):
    import tempfile

    stale = Path(tempfile.mkdtemp(prefix=upload.PREFIX))
    (stale / "left.csv").write_text("x")
    old = time.time() - upload.STALE_AFTER_SECONDS - 60
    os.utime(stale, (old, old))
    live = upload.UploadFolder("live.csv", b"x")
    os.utime(live.folder, (old, old))
    fresh = Path(tempfile.mkdtemp(prefix=upload.PREFIX))  # another server's, just made: not ours to judge
    try:
        assert upload.sweep_stale() >= 1
        assert not stale.exists() and Path(live.folder).exists() and fresh.exists()
    finally:
        live.remove()
        fresh.rmdir()
