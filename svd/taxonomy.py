"""Offence taxonomy: MPS categories and police.uk crime types mapped to the dashboard's offence groups.

The mapping is data (``data/taxonomy.csv``); this module only reads and applies it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from svd.config import definitions_dir
from svd.reference import Reference, current, kept

# The London serious-violence definition is offence-level (homicide, GBH, ABH, rape, assault by penetration,
# sexual assault, personal robbery, threats to kill). Aggregate MPS data can only approximate it with these
# five categories, so the dashboard calls it a proxy wherever it shows it.
SERIOUS_VIOLENCE_PROXY: tuple[tuple[str, str], ...] = (
    ("VIOLENCE AGAINST THE PERSON", "HOMICIDE"),
    ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY"),
    ("SEXUAL OFFENCES", "RAPE"),
    ("SEXUAL OFFENCES", "OTHER SEXUAL OFFENCES"),
    ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY"),
)

PROXY_NOTE = (
    "Serious violence here is a proxy built from published MPS categories: homicide, violence with injury, "
    "rape, other sexual offences and robbery of personal property. The London definition adopted by the "
    "partnership is offence-level: any violence and exploitation affecting young people under 25, domestic "
    "abuse and sexual violence — homicide, GBH, ABH, rape, assault by penetration, sexual assault, personal "
    "robbery and threats to kill. Published aggregate data cannot apply the age and domestic-abuse parts."
)


@kept
def _read(ref: Reference, path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in ("serious_violence_proxy", "simulated", "sensitive"):
        df[col] = df[col].map({"True": True, "False": False})
    return df


def load_taxonomy(path: Path | None = None) -> pd.DataFrame:
    """The taxonomy table: source, major, minor, offence_group, major_group, serious_violence_proxy, simulated,
    sensitive (small counts could identify a victim: public mode hides them, ``svd.public``)."""
    return _read(current(), (path or definitions_dir() / "taxonomy.csv").resolve()).copy()


def classify_mps(df: pd.DataFrame) -> pd.DataFrame:
    """Return a new frame with offence_group, major_group and serious_violence_proxy added (by major, minor).

    Categories missing from the taxonomy get offence_group "Unclassified" so nothing is silently dropped.
    """
    tax = load_taxonomy()
    tax = tax[tax["source"] == "mps"][
        ["major", "minor", "offence_group", "major_group", "serious_violence_proxy"]
    ]
    # Classified once per distinct (major, minor) pair, then spread to the rows by position: a row-level merge
    # of a London-wide table turned its categorical columns into text (~85 MB instead of ~17 MB) and copied it.
    keys = df[["major", "minor"]].astype("str")
    pairs = keys.drop_duplicates().reset_index(drop=True)
    labels = pairs.merge(tax.astype({"major": "str", "minor": "str"}), how="left", on=["major", "minor"])
    labels = labels.drop_duplicates(["major", "minor"]).reset_index(drop=True)
    pos = pd.MultiIndex.from_frame(labels[["major", "minor"]]).get_indexer(pd.MultiIndex.from_frame(keys))
    group = labels["offence_group"].fillna("Unclassified").to_numpy(dtype=object)[pos]
    major_group = labels["major_group"].fillna("Unclassified").to_numpy(dtype=object)[pos]
    proxy = labels["serious_violence_proxy"].fillna(False).to_numpy(dtype=bool)[pos]
    return df.reset_index(drop=True).assign(
        offence_group=pd.Categorical(pd.Series(group, dtype="str")),
        major_group=pd.Categorical(pd.Series(major_group, dtype="str")),
        serious_violence_proxy=proxy,
    )


def classify_police_uk(df: pd.DataFrame, crime_type: str = "crime_type") -> pd.DataFrame:
    """Return a new frame with offence_group and major_group for police.uk crime types."""
    tax = load_taxonomy()
    tax = tax[tax["source"] == "police_uk"][["minor", "offence_group", "major_group"]]
    out = df.merge(tax.rename(columns={"minor": crime_type}), how="left", on=crime_type)
    out["offence_group"] = out["offence_group"].fillna("Unclassified")
    out["major_group"] = out["major_group"].fillna("Unclassified")
    return out


def simulated_categories() -> pd.DataFrame:
    """MPS (major, minor) pairs that the simulation reproduces record by record."""
    tax = load_taxonomy()
    return tax[(tax["source"] == "mps") & tax["simulated"]][["major", "minor", "offence_group"]].reset_index(
        drop=True
    )


def offence_groups(source: str = "mps") -> list[str]:
    """Distinct offence groups for a source, in taxonomy order."""
    tax = load_taxonomy()
    return list(dict.fromkeys(tax.loc[tax["source"] == source, "offence_group"]))
