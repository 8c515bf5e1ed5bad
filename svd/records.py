"""The record-level data the app shows: the partnership's extract when one is loaded, else the simulation.

Both paths go through the same canonical conversion (``svd.incidents.from_frame``), so simulated and real
records have identical columns and dtypes and every view works on either.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from svd import config
from svd.incidents import from_frame, read_incidents
from svd.schema import ImportResult
from svd.simulate import DEFAULT_SEED, simulate

EXTRACT_ENV = "SVD_EXTRACT"

SIMULATED_NOTICE = (
    "Simulated records. The number of offences in each ward, month and offence category is the real "
    "Metropolitan Police figure; the time, flags (domestic abuse, knife), victims, suspects, place and the "
    "LSOA within each ward are simulated for demonstration, calibrated to the 2023 Strategic Needs Assessment. "
    "Load the partnership's extract to see real records."
)


def simulated_notice() -> str:
    """``SIMULATED_NOTICE``, naming whose needs assessment the shares come from (``provenance.sna_source``)."""
    from svd.provenance import SNA, sna_source

    return SIMULATED_NOTICE.replace(SNA, sna_source())


@dataclass(frozen=True)
class RecordSet:
    """Canonical records plus where they came from, in words a board member can read."""

    data: pd.DataFrame
    source: str  # "simulated" | "extract"
    label: str
    import_result: ImportResult | None = None

    @property
    def simulated(self) -> bool:
        """True when the records are the simulation, not the partnership's extract."""
        return self.source == "simulated"


def simulated_count(data: pd.DataFrame) -> int:
    """How many records say their source is the simulation (format v1's ``source`` column)."""
    if "source" not in data:
        return 0
    return int(data["source"].astype("string").str.strip().str.lower().eq("simulated").fillna(False).sum())


def find_extract(data_dir: Path | None = None) -> Path | None:
    """The partnership extract to load: the path in the SVD_EXTRACT environment variable, else None."""
    env = os.environ.get(EXTRACT_ENV, "").strip()
    return Path(env).expanduser() if env else None


def _simulated(seed: int, root: Path, ward_table: pd.DataFrame | None) -> ImportResult:
    frame = simulate(seed, data_dir=root, ward_table=ward_table)
    return from_frame(frame, path=f"<simulated seed {seed}>", data_dir=root)


def load_records(
    extract: Path | str | None = None,
    seed: int = DEFAULT_SEED,
    data_dir: Path | None = None,
    ward_table: pd.DataFrame | None = None,
) -> RecordSet:
    """The extract's accepted records when ``extract`` is given, else the simulated records for ``seed``.

    Each call reads or simulates afresh (no cache here: the dashboard caches in ui/cache.py).
    ``ward_table``: the borough's merged MPS ward table, which the simulation reproduces, if already loaded.
    """
    if extract is not None:
        return from_result(read_incidents(Path(extract), data_dir=data_dir), Path(extract).name)
    root = Path(data_dir if data_dir is not None else config.data_dir()).expanduser().resolve()
    result = _simulated(int(seed), root, ward_table)
    return RecordSet(data=result.data, source="simulated", label=simulated_notice(), import_result=None)


def from_result(result: ImportResult, name: str) -> RecordSet:
    """The record set of an extract's import result (read from the file, or from a load in ``svd.store``)."""
    set_aside = (
        f" ({result.rows_quarantined:,} rows set aside with problems)" if result.rows_quarantined else ""
    )
    simulated_rows = simulated_count(result.data)
    if simulated_rows:
        # A file written by ``python -m svd simulate`` (or mixed with it) is simulated, whatever its name.
        label = (
            f"Simulated records in the extract {name}: {simulated_rows:,} of "
            f"{result.rows_accepted:,} records say their source is simulated{set_aside}. "
            + simulated_notice().split(". ", 1)[1]
        )
        return RecordSet(data=result.data, source="simulated", label=label, import_result=result)
    label = f"Partnership extract {name}: {result.rows_accepted:,} records" + set_aside
    return RecordSet(data=result.data, source="extract", label=label, import_result=result)
