"""Provenance: what each figure says about where it comes from, and the simulation's fixed shares as data."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from svd import metrics as mx
from svd import provenance as prov
from svd import simulate
from svd.config import definitions_dir


def test_official_figure_text_short_and_rows():
    p = prov.mps("Apr 2025 to Mar 2026", "Apr 2024 to Mar 2025", method="rate per 1,000 residents")
    assert not p.simulated and p.kind == "official"
    assert p.short() == "Official data (MPS ward data) · Apr 2025 to Mar 2026"
    assert "compared with Apr 2024 to Mar 2025" in p.text() and "SIMULATED" not in p.text()
    rows = dict(p.as_rows(date(2026, 4, 1)))
    assert (
        rows["Source kind"] == "official" and rows["Filters"] == "none" and rows["Generated"] == "2026-04-01"
    )


def test_simulated_figure_always_says_so_and_what_is_assumed():
    p = prov.records(True, "Apr 2025 to Mar 2026", fixes="the domestic-abuse share of each MPS category")
    assert p.simulated
    for text in (p.short(), p.text()):
        assert "simulated" in text.lower()
    assert dict(p.as_rows())["Source kind"] == "SIMULATED"
    assert "real: the number of offences in each ward, month and MPS offence category" in p.notes
    assert "assumed: the domestic-abuse share of each MPS category" in p.notes


def test_extract_and_unknown_kind():
    p = prov.records(False, extract_name="extract-2026-03.csv")
    assert p.kind == "partnership extract" and "extract-2026-03.csv" in p.source and p.notes is None
    with pytest.raises(ValueError, match="unknown source kind"):
        prov.Provenance("guess", "somewhere")


def test_combine_is_simulated_when_any_part_is():
    real = prov.mps("Apr 2025 to Mar 2026")
    assert prov.combine(real, real).kind == "official"
    mixed = prov.combine(real, prov.records(False), prov.records(True))
    assert mixed.simulated and "Metropolitan Police" in mixed.source and "real:" in mixed.notes
    assert prov.combine(real, prov.records(False)).kind == "partnership extract"


def test_wrap_title_keeps_every_word():
    title = "Personal robbery within 400 m of each station: Apr 2025 to Mar 2026 (simulated records)"
    lines = prov.wrap_title(title, 30)
    assert len(lines) > 1 and all(len(x) <= 30 for x in lines) and " ".join(lines) == title


def _pct(text: str) -> list[float]:
    return [float(x) / 100 for x in re.findall(r"(\d+(?:\.\d+)?)%", text)]


def test_simulation_fixes_quote_the_simulation_constants():
    """The shares data/metrics.json says the simulation fixes are the ones svd/simulate.py draws."""
    reg = mx.load_metrics()
    da = _pct(reg["domestic_abuse"].simulation_fixes)
    assert da == [simulate.DA_RATE[simulate.VAP], simulate.DA_RATE[simulate.SO]]
    knife = _pct(reg["knife_offences"].simulation_fixes)
    assert knife == [simulate.KNIFE_PERSONAL_ROBBERY, simulate.KNIFE_PR_SHARE]
    assert _pct(reg["knife_share_personal_robbery"].simulation_fixes) == [simulate.KNIFE_PR_SHARE]
    # Only record-level metrics can be fixed by the simulation, and each fixed one has a short form.
    for m in reg.values():
        assert (m.simulation_fixes is None) or (m.source == "records" and m.simulation_fixes_short)
    notes = json.loads((definitions_dir() / "metrics.json").read_text())["simulation"]
    assert notes["real"] and notes["assumed"] and prov.simulation_notes() == notes


def test_time_of_day_fix_is_the_calibration_target():
    """The 46% the time-of-day note quotes is the SNA calibration target the simulation reproduces."""
    targets = {c.id: c for c in simulate.CALIBRATION}
    assert _pct(mx.metric("share_3pm_9pm").simulation_fixes) == [targets["vu25_15_to_21"].target]


def test_untested_by_simulation_names_what_the_simulation_draws():
    assert prov.untested_by_simulation(False, hours=(15, 21)) is None  # an extract: tested
    assert prov.untested_by_simulation(True) is None  # all records, wards: the real MPS counts
    text = prov.untested_by_simulation(True, hours=(15, 21), knife=True, level="lsoa")
    assert text == "change not tested: the simulation draws the time of day, knife flag, LSOA in fixed shares"
    assert "domestic-abuse flag" in prov.untested_by_simulation(True, domestic_abuse=False)
    assert "weekday" in prov.untested_by_simulation(True, weekdays=(5, 6))


def test_hotspots_headline_says_why_no_change_is_tested():
    import pandas as pd

    from svd import hotspots as hs

    s = hs.summarise(
        pd.DataFrame({"area_name": ["Abbey", "Alibon"], "count": [300, 100], "previous": [100, 100]})
    )
    reason = prov.untested_by_simulation(True, hours=(15, 21))
    text = hs.headline_sentence(s, "ward", "Jan 2025", "offences", untested=reason)
    assert text.endswith(f"up from 200 in the period before — {reason}.") and "significant" not in text


def test_temporal_headline_says_simulated_and_by_construction():
    import pandas as pd

    from svd import temporal as tp

    counts = [1] * 15 + [5] + [1] * 8  # busiest: 15:00
    grid = pd.DataFrame({"weekday": [0] * 24, "day": ["Monday"] * 24, "hour": range(24), "count": counts})
    text = tp.headline_sentence(2, 4, 0.5, 46.0, grid, "offences", sna_share=0.47, simulated=True)
    assert "Monday 15:00" in text
    assert tp.headline_sentence(2, 4, 0.5, 46.0, grid, "offences", sna_share=0.47).startswith("47%")
    assert text.startswith("In simulated records, 47% of serious violence affecting under-25s")
    assert "agree by construction" in text and text.endswith(").")


def test_short_names_the_official_file():
    assert prov.mps("Jan 2025 to Dec 2025", level="borough").short() == (
        "Official data (MPS borough file) · Jan 2025 to Dec 2025"
    )
    assert (
        prov.reference("Barking and Dagenham strategy (2024)").short()
        == "Official data (Barking and Dagenham strategy)"
    )


def test_a_comparison_states_its_source_and_test():
    import pandas as pd

    from svd import trends

    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    series = pd.DataFrame({"month": months, "count": [10] * 12 + [12] * 12, "covered": True})
    c = trends.compare(series)
    p = c.provenance()
    assert (p.kind, p.period, p.comparison_period) == (
        "official",
        "Jan 2025 to Dec 2025",
        "Jan 2024 to Dec 2024",
    )
    assert "Poisson" in p.method and p.source == prov.MPS_WARD_SOURCE
    assert c.provenance(level="borough").source == prov.MPS_BOROUGH_SOURCE
