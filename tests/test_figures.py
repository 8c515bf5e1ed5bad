"""``python -m svd figures``: every page tile with its provenance, equal to what the pages show."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from svd.config import repo_root
from tests.pagetest import open_page

pytestmark = pytest.mark.realdata


def _figures(*args: str, env: dict | None = None) -> dict:
    import os

    p = subprocess.run(
        [sys.executable, "-m", "svd", "figures", "--json", *args],
        cwd=repo_root(),
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    return json.loads(p.stdout)


@pytest.fixture(scope="module")
def figures() -> dict:
    return _figures(env={"SVD_EXTRACT": "", "SVD_PUBLIC": ""})


def _by_page(figures: dict, page: str) -> dict[str, dict]:
    return {f["id"]: f for f in figures["figures"] if f["page"] == page}


def _shown(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_every_figure_states_its_source(figures):
    assert figures["records"] == "simulated"
    for f in figures["figures"]:
        p = f["provenance"]
        assert (
            p["kind"] in ("official", "partnership extract", "simulated") and p["source"] and p["period"]
        ), f
        if p["simulated"]:
            assert "real:" in p["notes"] and "assumed:" in p["notes"], f
    # Every rate says its denominator.
    rates = [f for f in figures["figures"] if f["detail"].get("rate_per_1000") or "rate" in f["id"]]
    assert rates and all(
        "per 1,000 residents, all ages, Census 2021" in f["provenance"]["method"] for f in rates
    )
    # A quantity the simulation fixes carries no change test.
    da = _by_page(figures, "overview")["domestic_abuse"]
    assert da["detail"]["change"].startswith("change not tested") and da["detail"]["p_value"] is None


def test_overview_tiles_equal_figures(figures):
    at = open_page("overview.py")
    shown = _shown(at)
    for f in _by_page(figures, "overview").values():
        assert shown[f["label"]] == f["display"], f["id"]


def test_knife_page_tiles_equal_figures_and_one_robbery_rate(figures):
    at = open_page("knife_crime_robbery.py")
    shown = _shown(at)
    knife = _by_page(figures, "knife-crime-robbery")
    assert shown["Personal robbery, chosen months"] == knife["personal_robbery_12m"]["display"]
    assert shown["Rate per 1,000 residents"] == knife["personal_robbery_rate"]["display"]
    assert (
        shown["Knife offences that are personal robbery (simulated records)"]
        == (knife["knife_share_personal_robbery"]["display"])
    )
    assert (
        shown["Robberies with 2+ suspects (simulated records)"]
        == knife["robbery_multiple_suspects"]["display"]
    )
    # One definition: the knife page's robbery rate is the Overview's (same source, period and London).
    over = _by_page(figures, "overview")["personal_robbery"]
    rate = knife["personal_robbery_rate"]
    assert rate["value"] == pytest.approx(over["detail"]["rate_per_1000"])
    assert rate["detail"]["london_rate_per_1000"] == pytest.approx(over["detail"]["london_rate_per_1000"])
    assert rate["provenance"]["period"] == over["provenance"]["period"]
    # The London rank (the ward table summed by borough, for the same months) is in the tile's caption.
    rank = knife.get("personal_robbery_london_rank")
    if rank is not None:
        captions = " ".join(c.value for c in at.caption)
        assert f"rank {rank['display']} London boroughs" in captions


def test_sexual_offences_tiles_equal_figures(figures):
    at = open_page("sexual_offences.py")
    shown = _shown(at)
    for f in _by_page(figures, "sexual-offences").values():
        assert shown[f["label"]] == f["display"], f["id"]
    captions = " ".join(c.value for c in at.caption)
    # The rank beside the ward sums is labelled with its source and period.
    assert re.search(
        r"Source: the MPS (ward file summed by borough|borough file), \w{3} \d{4} to \w{3} \d{4}", captions
    )


def test_domestic_abuse_tile_equals_figures(figures):
    at = open_page("domestic_abuse.py")
    (f,) = _by_page(figures, "domestic-abuse").values()
    assert _shown(at)[f"{f['label']} (simulated records)"] == f["display"]
    assert "change not tested" in f["detail"]["change"]


def test_temporal_and_hotspots_figures_equal_the_pages(figures):
    at = open_page("temporal.py")
    shown = {m.label: m.value for m in at.metric}
    for f in _by_page(figures, "temporal").values():
        # The page adds the source to the label: "(the SNA's measure; simulated records)".
        (value,) = [v for label, v in shown.items() if label.startswith(f["label"].rstrip(")"))]
        assert value == f["display"], f["id"]
    (total,) = _by_page(figures, "hotspots").values()
    at = open_page("hotspots.py")
    assert any(c.value.startswith(f"**{total['display']} offences**") for c in at.caption)
    assert total["provenance"]["method"].startswith("change not tested")


@pytest.mark.slow
def test_extract_env_is_honoured(tmp_path):
    """A generated (simulated) extract stays simulated; the same rows marked as an extract are tested."""
    from svd.simulate import main_simulate

    sim = tmp_path / "generated.csv"
    assert main_simulate(sim) == 0
    out = _figures(env={"SVD_EXTRACT": str(sim)})
    assert out["records"] == "simulated"
    assert all(f["provenance"]["simulated"] for f in out["figures"] if f["id"] == "domestic_abuse")
    real = tmp_path / "extract.csv"
    rows = pd.read_csv(sim, dtype=str)
    rows.assign(source="extract").to_csv(real, index=False)
    out = _figures("--public", env={"SVD_EXTRACT": str(real)})
    assert out["records"] == "partnership extract" and out["public"] is True
    da = _by_page(out, "overview")["domestic_abuse"]
    assert da["provenance"]["kind"] == "partnership extract" and "extract.csv" in da["provenance"]["source"]
    assert da["detail"]["change"] in ("significant increase", "significant decrease", "no significant change")
