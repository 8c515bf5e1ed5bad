"""The offence taxonomy: complete for the real categories, proxy as the issue defines it."""

from __future__ import annotations

import pandas as pd
import pytest

from svd import taxonomy


def test_proxy_is_exactly_the_five_london_categories():
    tax = taxonomy.load_taxonomy()
    proxy = tax[(tax["source"] == "mps") & tax["serious_violence_proxy"]]
    assert set(zip(proxy["major"], proxy["minor"], strict=True)) == set(taxonomy.SERIOUS_VIOLENCE_PROXY)


def test_no_duplicate_mappings():
    tax = taxonomy.load_taxonomy()
    assert not tax.duplicated(["source", "major", "minor"]).any()


def test_simulated_categories_cover_the_seven_major_groups():
    majors = set(taxonomy.simulated_categories()["major"])
    assert majors == {
        "VIOLENCE AGAINST THE PERSON",
        "SEXUAL OFFENCES",
        "ROBBERY",
        "POSSESSION OF WEAPONS",
        "ARSON AND CRIMINAL DAMAGE",
        "PUBLIC ORDER OFFENCES",
        "MISCELLANEOUS CRIMES AGAINST SOCIETY",
    }


def test_classify_keeps_unknown_rows_as_unclassified():
    df = pd.DataFrame(
        {"major": ["ROBBERY", "NEW MAJOR"], "minor": ["ROBBERY OF PERSONAL PROPERTY", "NEW"], "count": [3, 4]}
    )
    out = taxonomy.classify_mps(df)
    assert out["offence_group"].tolist() == ["Personal robbery", "Unclassified"]
    assert out["serious_violence_proxy"].tolist() == [True, False]
    assert len(out) == len(df) and "offence_group" not in df


def test_classify_police_uk():
    out = taxonomy.classify_police_uk(pd.DataFrame({"crime_type": ["Robbery", "Anti-social behaviour"]}))
    assert out["offence_group"].tolist() == ["Robbery (all)", "Anti-social behaviour"]


@pytest.mark.realdata
def test_every_real_mps_category_is_classified():
    import csv

    from svd.config import data_dir

    tax = taxonomy.load_taxonomy()
    known = set(zip(tax["major"], tax["minor"], strict=True))
    seen = set()
    for f in (data_dir() / "crime" / "mps").glob("*.csv"):
        with f.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                seen.add((row["MajorText"], row["MinorText"]))
    assert seen - known == set()
