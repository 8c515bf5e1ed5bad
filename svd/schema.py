"""Result types shared by every importer: accepted rows, quarantined rows and their reasons."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

QUARANTINE_COLUMNS = ["row", "column", "reason"]


def empty_quarantine() -> pd.DataFrame:
    """An empty quarantine frame with the standard columns."""
    return pd.DataFrame(
        {
            "row": pd.Series(dtype="int64"),
            "column": pd.Series(dtype="object"),
            "reason": pd.Series(dtype="object"),
        }
    )


@dataclass(frozen=True)
class ImportResult:
    """What an importer read from one file.

    ``data`` holds the accepted rows (tidy); ``quarantine`` one row per rejected input row with
    ``row`` (1-based line number in the file, the header being line 1), ``column`` and ``reason``.
    ``rows_in`` counts data rows read (header excluded); it always equals accepted + quarantined.
    """

    path: str
    format: str
    data: pd.DataFrame
    quarantine: pd.DataFrame = field(default_factory=empty_quarantine)
    rows_in: int = 0
    rows_accepted: int = 0
    months_ignored: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def rows_quarantined(self) -> int:
        """Number of distinct input rows quarantined."""
        if self.quarantine.empty:
            return 0
        return int(self.quarantine["row"].nunique())

    def __post_init__(self) -> None:
        if self.rows_in != self.rows_accepted + self.rows_quarantined:
            raise ValueError(
                f"{self.path}: rows_in {self.rows_in} != accepted {self.rows_accepted}"
                f" + quarantined {self.rows_quarantined}"
            )
