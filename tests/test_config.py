"""Where the data directory is, and that svd stays Streamlit-free."""

from __future__ import annotations

import ast
from pathlib import Path

from svd import config


def test_env_var_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("SVD_DATA_DIR", str(tmp_path))
    assert config.data_dir() == tmp_path.resolve()


def test_default_is_shared_data_beside_repo_else_data(monkeypatch):
    monkeypatch.delenv("SVD_DATA_DIR", raising=False)
    shared = config.repo_root().parent / "shared" / "data"
    expected = shared.resolve() if shared.is_dir() else config.repo_root() / "data"
    assert config.data_dir() == expected


def test_svd_never_imports_streamlit():
    offenders = []
    for path in (config.repo_root() / "svd").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] == "streamlit" for n in names):
                offenders.append(str(path.relative_to(config.repo_root())))
    assert offenders == []


def test_no_reference_data_committed_in_repo():
    # The publishers' files are read from SVD_DATA_DIR, never copied into the repository.
    root = config.repo_root()
    for sub in ("crime", "population"):
        assert not (root / "data" / sub).exists() or not any((root / "data" / sub).rglob("*.csv"))
    assert not list(Path(root / "geo").glob("*.geojson"))
