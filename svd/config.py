"""Where the project finds its files: the reference-data directory and its own definitions."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_BOROUGH_CODE = "E09000002"
DEFAULT_BOROUGH_NAME = "Barking and Dagenham"
LONDON_CODE = "E12000007"
CITY_OF_LONDON = "E09000001"
# The borough table whose names and codes say which partnerships exist (Census 2021, every London authority).
BOROUGHS_FILE = "population/census2021_age_london_boroughs.csv"


class BoroughError(ValueError):
    """``SVD_BOROUGH`` names no London borough this dashboard can serve; the message says how to choose one."""


@dataclass(frozen=True)
class Borough:
    """The partnership's borough: its ONS code and name (from the data)."""

    code: str
    name: str

    @property
    def partnership(self) -> str:
        """'Newham Community Safety Partnership'."""
        return f"{self.name} Community Safety Partnership"

    @property
    def is_default(self) -> bool:
        """True for Barking and Dagenham, the borough whose own files (age bands by LSOA, places) the project has."""
        return self.code == DEFAULT_BOROUGH_CODE


def london_borough_names(data_dir_: Path | None = None) -> dict[str, str]:
    """ONS code → name of the 32 London boroughs (the City of London left out), read from the borough table."""
    path = Path(data_dir_ if data_dir_ is not None else data_dir()) / BOROUGHS_FILE
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {
        r["geography code"].strip(): r["geography"].strip()
        for r in rows
        if r["geography code"].strip().startswith("E09") and r["geography code"].strip() != CITY_OF_LONDON
    }


def borough() -> Borough:
    """The partnership's borough: ``SVD_BOROUGH`` (an ONS code such as E09000025, or a name, any case), else
    Barking and Dagenham. Read on every call, so a test can switch borough with ``monkeypatch.setenv``.

    Raises ``BoroughError`` for the City of London or a value that names no London borough.
    """
    wanted = (os.environ.get("SVD_BOROUGH") or "").strip()
    if not wanted or wanted.casefold() in (DEFAULT_BOROUGH_CODE.casefold(), DEFAULT_BOROUGH_NAME.casefold()):
        return Borough(DEFAULT_BOROUGH_CODE, DEFAULT_BOROUGH_NAME)
    how = (
        "Set SVD_BOROUGH to a London borough's ONS code (E09000002 to E09000033, e.g. E09000025) or its name "
        "(e.g. Newham), or leave it unset for Barking and Dagenham."
    )
    if wanted.casefold() in (CITY_OF_LONDON.casefold(), "city of london"):
        raise BoroughError(
            f"SVD_BOROUGH={wanted!r}: the City of London is policed by the City of London Police, not the "
            f"Metropolitan Police, so the MPS files do not cover it. {how}"
        )
    try:
        names = london_borough_names()
    except (OSError, KeyError, csv.Error):
        raise BoroughError(
            f"SVD_BOROUGH={wanted!r}: the borough table ({BOROUGHS_FILE}) cannot be read from the data "
            f"directory, so the borough cannot be looked up. {how}"
        ) from None
    for code, name in names.items():
        if wanted.casefold() in (code.casefold(), name.casefold()):
            return Borough(code, name)
    raise BoroughError(
        f"SVD_BOROUGH={wanted!r} is not a London borough. {how} Boroughs: "
        + ", ".join(f"{n} ({c})" for c, n in sorted(names.items(), key=lambda kv: kv[1]))
        + "."
    )


def borough_definitions_dir(code: str | None = None) -> Path:
    """The folder of one borough's own definitions (strategy, funding, priority places, evaluations):
    ``data/boroughs/<ONS code>/``. It may not exist: a borough without definitions gets none of them."""
    return definitions_dir() / "boroughs" / (code or borough().code)


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


def borough_definition(code: str | None = None) -> dict:
    """The borough's ``borough.json`` (its own files and notes), or {} for a borough without one."""
    import json

    path = borough_definitions_dir(code) / "borough.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def borough_files(code: str | None = None) -> dict[str, str]:
    """The borough's own reference files in the data directory (``borough.json`` in its definitions folder:
    ``places_file``, ``wards_file``, ``lsoas_file``, ``lookup_file``, ``outline_file``, ``lsoa_population_file``),
    each a path relative to the data directory. Empty for a borough with none: it is read from the London-wide
    files (``svd.london``)."""
    return {k: str(v) for k, v in borough_definition(code).items() if k.endswith("_file")}
