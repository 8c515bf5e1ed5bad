"""Public mode on the command line: ``python -m svd hotspots`` and ``python -m svd evaluate`` publish nothing
that gives a hidden count back (the attacker of tests/test_public_attack.py, on the CLI's own output)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box
from test_public_attack import Attacker

from svd import public
from svd.cli import main
from svd.records import RecordSet

GROUPS = ("Violence with injury", "Rape")


def _borough(seed: int = 3) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """9 wards on a 3×3 grid, 24 months of serious-violence records: violence with injury ~10 a month, rape
    rare (most wards 0 to 4 a year, so public mode hides some)."""
    rng = np.random.default_rng(seed)
    wards = gpd.GeoDataFrame(
        {"ward_code": [f"W{i}" for i in range(9)], "ward_name": [f"Ward {i}" for i in range(9)]},
        geometry=[box(x, y, x + 1, y + 1) for y in range(3) for x in range(3)],
        crs="EPSG:27700",
    )
    rows = []
    for month in pd.date_range("2024-04-01", periods=24, freq="MS"):
        for w in range(9):
            for group, mean in zip(GROUPS, (10, 0.25 + 0.1 * w), strict=True):
                rows += [{"month": month, "ward_code": f"W{w}", "ward_name": f"Ward {w}", "offence_group": group,
                          "serious_violence_proxy": True}] * int(rng.poisson(mean))  # fmt: skip
    return pd.DataFrame(rows), wards


def _run(monkeypatch, capsys, argv: list[str]) -> tuple[int, str]:
    records, wards = _borough()
    monkeypatch.setattr("svd.records.load_records", lambda *a, **k: RecordSet(records, "extract", "test"))
    monkeypatch.setattr("svd.geo.wards", lambda *a, **k: wards)
    code = main(argv)
    return code, capsys.readouterr().out


def _key(att: Attacker, atom: tuple) -> tuple[int, ...]:
    """The attacker's key for one atom (as ``Attacker.publish`` builds it)."""
    return (att.index[atom],)


def _attack(areas: list[dict]) -> tuple[Attacker, int]:
    """The published ward counts (latest 12 months) as sums of atoms (ward, group); the borough totals of each
    group and every non-sensitive count are known to the attacker (published in full elsewhere)."""
    records, _ = _borough()
    now = records[records["month"] >= records["month"].max() - pd.DateOffset(months=11)]
    truth = {(f"W{w}", g): 0.0 for w in range(9) for g in GROUPS}
    for (w, g), n in now.groupby(["ward_code", "offence_group"]).size().items():
        truth[(w, g)] = float(n)
    att = Attacker(truth, sensitive=lambda a: a[1] in public.sensitive_groups())
    for g in GROUPS:
        att.publish([a for a in truth if a[1] == g], int(sum(v for a, v in truth.items() if a[1] == g)),
                    f"borough {g}", borough=True)  # fmt: skip
    for a, v in truth.items():  # violence with injury by ward: published in full (the MPS ward files)
        if a[1] not in public.sensitive_groups():
            att.publish([a], int(v), f"known {a}")
    small = 0
    for r in areas:
        att.publish([(r["code"], g) for g in GROUPS], r["count"], f"CLI {r['code']}")
        if r["count"] in ("<5", "[c]") and 1 <= truth[(r["code"], "Rape")] <= 4:
            # A hidden ward's rape count of 1 to 4: even told it is 1 to 4, the attacker must not narrow it.
            att.small[_key(att, (r["code"], "Rape"))] = f"CLI {r['code']} rape"
            small += 1
    return att, small


def test_hotspots_cli_in_public_mode_hides_what_cannot_be_recovered(monkeypatch, capsys):
    monkeypatch.setenv("SVD_PUBLIC", "1")
    code, out = _run(monkeypatch, capsys, ["hotspots", "--json"])
    report = json.loads(out)
    assert code == 0 and report["public"]
    att, small = _attack(report["areas"])
    assert small >= 1  # the fixture has hidden cells, so the audit below has something to attack
    assert att.audit() == []
    # No statistic that would give a count back: no z, p or q, nor the other 12-month window.
    assert all(set(r) == {"code", "name", "count", "hotspot", "emerging"} for r in report["areas"])
    hidden = [r for r in report["areas"] if r["count"] in ("<5", "[c]")]
    assert hidden and all(r["emerging"] is None for r in hidden)
    # The text output shows the same cells.
    _, text = _run(monkeypatch, capsys, ["hotspots"])
    assert "<5" in text and "z " not in text


def test_hotspots_cli_without_public_mode_would_give_them_away(monkeypatch, capsys):
    # The control: the same attack on the ordinary output pins the rape counts exactly.
    monkeypatch.delenv("SVD_PUBLIC", raising=False)
    _, out = _run(monkeypatch, capsys, ["hotspots", "--json"])
    areas = json.loads(out)["areas"]
    _, public_out = _run(monkeypatch, capsys, ["hotspots", "--json", "--public"])
    hidden = {r["code"] for r in json.loads(public_out)["areas"] if r["count"] in ("<5", "[c]")}
    att_open, _ = _attack(areas)
    small = [a for a in att_open.truth if a[0] in hidden and a[1] == "Rape" and 1 <= att_open.truth[a] <= 4]
    for a in small:  # the same rape counts of 1 to 4 audited, now against the ordinary output
        att_open.small[_key(att_open, a)] = f"open {a[0]} rape"
    # With the true ward totals published, each rape count is the ward total less its known violence.
    assert small and len(att_open.audit()) == len(small)
    assert all(isinstance(r["count"], int) for r in areas) and "gi_z" in areas[0]


def test_hotspots_cli_refuses_sensitive_lsoas_in_public_mode(monkeypatch, capsys):
    monkeypatch.setenv("SVD_PUBLIC", "1")
    assert main(["hotspots", "--level", "lsoa"]) == 1
    assert "by ward, not by neighbourhood" in capsys.readouterr().err


@pytest.mark.realdata
def test_evaluate_cli_in_public_mode_does_not_depend_on_the_hidden_counts(monkeypatch, capsys):
    """Whatever the sexual-offence counts are, public mode's evaluation output is the same: nothing in it can
    give them back. Without public mode it changes (the control)."""
    from svd import mps

    real = mps.load_mps

    def perturbed(*a, **k):
        from dataclasses import replace

        merged = real(*a, **k)
        t = merged.table
        pairs = public.sensitive_categories()
        sens = np.array([(x, y) in pairs for x, y in zip(t["major"], t["minor"], strict=True)])
        assert sens.any()
        return replace(merged, table=t.assign(count=np.where(sens, t["count"] + 3, t["count"])))

    name = "Dagenham Heathway police team"
    outs = {}
    for public_on in (True, False):
        for label, loader in (("real", real), ("perturbed", perturbed)):
            monkeypatch.setattr(mps, "load_mps", loader)
            argv = ["evaluate", "--json", "--name", name] + (["--public"] if public_on else [])
            assert main(argv) == 0
            outs[(public_on, label)] = json.loads(capsys.readouterr().out)
    assert outs[(True, "real")]["public_note"].startswith("Public mode")
    assert outs[(True, "real")]["offence_group"] == "Violence with injury"
    assert outs[(True, "real")] == outs[(True, "perturbed")]
    assert outs[(False, "real")]["table"] != outs[(False, "perturbed")]["table"]


@pytest.mark.realdata
def test_board_pack_evaluation_in_public_mode_leaves_out_sensitive_offences(monkeypatch, tmp_path):
    from svd import boardpack as bp

    monkeypatch.setenv("SVD_PUBLIC", "1")
    data = bp.write_pack(tmp_path / "p.pdf", evaluations=("Dagenham Heathway police team",))
    assert [e.offence_title for e in data.evaluations] == ["Violence with injury"]
