"""Shared fixtures and markers: real-data tests skip cleanly when the reference files are absent."""

from __future__ import annotations

import pytest

from svd.config import data_dir


def _have_real_data() -> bool:
    d = data_dir()
    return (d / "crime" / "mps").is_dir() and (d / "geo").is_dir() and (d / "population").is_dir()


def pytest_collection_modifyitems(config, items):
    if _have_real_data():
        return
    skip = pytest.mark.skip(reason=f"reference data not found in {data_dir()} (set SVD_DATA_DIR)")
    for item in items:
        if "realdata" in item.keywords:
            item.add_marker(skip)
