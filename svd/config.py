"""Where the project finds its files: the reference-data directory and its own definitions."""

from __future__ import annotations

import os
from pathlib import Path

BOROUGH_CODE = "E09000002"
BOROUGH_NAME = "Barking and Dagenham"
LONDON_CODE = "E12000007"


def repo_root() -> Path:
    """The repository root (the folder holding ``svd/``)."""
    return Path(__file__).resolve().parents[1]


def definitions_dir() -> Path:
    """The project's own definition files (catalogue, taxonomy, metrics, funding): ``data/`` in the repo."""
    return repo_root() / "data"


def geo_definitions_dir() -> Path:
    """The project's own place definitions (priority places, outreach areas): ``geo/`` in the repo."""
    return repo_root() / "geo"


def data_dir() -> Path:
    """The reference-data directory.

    ``SVD_DATA_DIR`` if set; else ``../shared/data`` beside the repository when it exists; else ``data/``.
    """
    env = os.environ.get("SVD_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    shared = repo_root().parent / "shared" / "data"
    if shared.is_dir():
        return shared.resolve()
    return definitions_dir()
