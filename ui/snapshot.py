"""Derived public data kept on disk between server runs, so a restarted server has it in milliseconds.

Only what is computed from the published reference files (MPS releases, boundaries, Census) and from the
simulation is kept, never anything from a partnership extract. A snapshot is used only when its key matches:
the name, every input file's path, size and modification time, and a fingerprint of the code that builds it
(``svd/``, ``ui/``, the definitions in ``data/``, and the Python, pandas and numpy versions); anything else,
including a file that cannot be read, means building afresh. Snapshots are written atomically, readable by
the server's user only (they are pickles: the folder must not be writable by anyone else).

Where: ``SVD_CACHE_DIR`` if set (empty or ``off`` turns snapshots off), else ``$XDG_CACHE_HOME/svd-dashboard``
or ``~/.cache/svd-dashboard``. Safe to delete at any time.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import platform
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from svd.config import definitions_dir, repo_root

CACHE_ENV = "SVD_CACHE_DIR"
_LOG = logging.getLogger(__name__)
T = TypeVar("T")
# Snapshots a child process is building now (name → set when it has finished): a page that needs one waits for
# it rather than building it a second time in the server.
_in_child: dict[str, threading.Event] = {}


def cache_dir() -> Path | None:
    """The snapshot folder, or None when snapshots are turned off."""
    value = os.environ.get(CACHE_ENV)
    if value is not None:
        value = value.strip()
        return None if value.lower() in ("", "off", "0", "none") else Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "svd-dashboard"


@functools.cache  # once per process: the code does not change under a running server
def code_fingerprint() -> str:
    """A hash of the code and definitions that build the snapshots, and of the library versions."""
    import numpy
    import pandas

    h = hashlib.sha256(f"{platform.python_version()} {pandas.__version__} {numpy.__version__}".encode())
    root = repo_root()
    files = [*sorted((root / "svd").glob("*.py")), *sorted((root / "ui").glob("*.py"))]
    for folder in (Path(definitions_dir()), root / "geo"):  # definitions: data/*.json|csv, geo/places.json
        files += sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for p in files:
        h.update(str(p.relative_to(root) if p.is_relative_to(root) else p).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def input_files(root: Path, folders: Iterable[str]) -> list[Path]:
    """Every file under the given folders of the data directory (their stats go into the key)."""
    out = []
    for folder in folders:
        base = Path(root) / folder
        if base.is_dir():
            out += sorted(p for p in base.rglob("*") if p.is_file())
    return out


def key(name: str, inputs: Iterable[Path]) -> str:
    """The snapshot key: name, code fingerprint, and each input's resolved path, size and mtime."""
    h = hashlib.sha256(name.encode())
    h.update(code_fingerprint().encode())
    for p in inputs:
        st = Path(p).stat()
        h.update(f"{Path(p).resolve()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:24]


def _path(folder: Path, name: str, inputs: Iterable[Path]) -> Path:
    return folder / f"{name}-{key(name, inputs)}.pickle"


def is_saved(name: str, inputs: Iterable[Path]) -> bool:
    """True if snapshot ``name`` for these inputs is on disk (always False when snapshots are off)."""
    folder = cache_dir()
    try:
        return folder is not None and _path(folder, name, inputs).is_file()
    except OSError:
        return False


def build_in_child(root: str, names: list[str], timeout_s: float = 900) -> bool:
    """Build snapshots (``ui.cache.snapshot_builders`` names) in a fresh Python process; True if it succeeded.

    Parsing the London-wide MPS files and simulating the records leave tens of MB of fragmented heap behind
    (and load pandera): done in a child process, the server only ever loads the finished snapshots.
    """
    if cache_dir() is None or not names:
        return False
    events = {n: _in_child.setdefault(n, threading.Event()) for n in names}
    for ev in events.values():
        ev.clear()
    try:
        return _run_child(root, names, timeout_s)
    finally:
        for ev in events.values():
            ev.set()


def _run_child(root: str, names: list[str], timeout_s: float) -> bool:
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "ui.snapshot", root, *names],
            cwd=repo_root(),
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        _LOG.warning("snapshots %s not built in a child process: %s", names, exc)
        return False
    if proc.returncode != 0:
        _LOG.warning("snapshots %s not built in a child process: %s", names, proc.stderr[-2000:])
    return proc.returncode == 0


def main(argv: list[str] | None = None) -> int:
    """``python -m ui.snapshot ROOT NAME...``: build the named snapshots (used by ``build_in_child``)."""
    logging.disable(logging.WARNING)  # cached functions outside a server warn about the missing runtime
    root, *names = sys.argv[1:] if argv is None else argv
    from ui import cache

    builders = cache.snapshot_builders(root)
    for name in names:
        builders[name]()
    return 0


def wait_for_child(name: str, timeout_s: float = 900) -> None:
    """If a child process is building ``name`` (``build_in_child``), wait until it has finished."""
    building = _in_child.get(name)
    if building is not None:
        building.wait(timeout_s)


def load_or_build(name: str, inputs: Iterable[Path], build: Callable[[], T]) -> T:
    """The snapshot ``name`` for these inputs if one is on disk, else ``build()`` (then saved for next time)."""
    folder = cache_dir()
    if folder is None:
        return build()
    plain = name.split("+", 1)[0]  # without the store's tag ("mps-ward-E09…+store3" → "mps-ward-E09…")
    building = _in_child.get(plain) or _in_child.get(
        plain.rsplit("-", 1)[0]
    )  # ("mps-ward-E09…" → "mps-ward")
    if building is not None:
        building.wait(900)
    try:
        path = _path(folder, name, inputs)
    except OSError:  # an input vanished: build, and let the builder report the problem
        return build()
    try:
        if _trusted(folder, path):
            with path.open("rb") as fh:
                return pickle.load(fh)
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 — a damaged or foreign snapshot is rebuilt, never trusted
        _LOG.warning("snapshot %s unreadable; rebuilding", path.name)
    value = build()
    _save(folder, path, name, value)
    return value


def _trusted(folder: Path, path: Path) -> bool:
    """Only unpickle what this user wrote: folder and file owned by us, neither writable by anyone else."""
    for p in (folder, path):
        st = p.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o022:
            _LOG.warning("snapshot %s ignored: %s is writable by others or not ours", path.name, p)
            return False
    return True


def _save(folder: Path, path: Path, name: str, value: object) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}-", suffix=".tmp")  # mode 0600
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for old in folder.glob(f"{name}-*.pickle"):  # older keys of the same snapshot are stale
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only or full disk: serve without snapshots
        _LOG.warning("snapshot %s not saved: %s", name, exc)


if __name__ == "__main__":
    raise SystemExit(main())
