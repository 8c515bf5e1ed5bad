"""MPS releases applied in the store feed the figures (svd.mps.load_mps), and each figure names the loads it rests on.

A tiny hand-made data directory: one ward release of two wards and two offence categories (Jan to Apr 2025). The
store gets a newer hand-made release (Mar to May 2025) with other counts: the merge takes March to May from it, a
figure over those months names its load, and withdrawing it gives back the files' figures exactly.
"""

from __future__ import annotations

import pandas as pd
import pytest

from svd import aggregate as agg
from svd import metrics as mx
from svd import mps
from svd import store as st_

HEADER = "MajorText,MinorText,WardName,WardCode,LookUp_BoroughName"
VWI = ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY")
ROB = ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY")
WARD_NAMES = {"E05014053": "Abbey", "E05014054": "Alibon"}


def _release(path, months: list[str], counts: dict[tuple[tuple[str, str], str], list[int]]):
    """A ward release: one line per category × ward, one column per month (YYYYMM)."""
    lines = [HEADER + "," + ",".join(months)]
    for (cat, code), values in counts.items():
        lines.append(
            f"{cat[0]},{cat[1]},{WARD_NAMES[code]},{code},Barking and Dagenham," + ",".join(map(str, values))
        )
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """(data directory, store, the newer release's path) with the files' release in the data directory."""
    root = tmp_path / "data"
    (root / "crime" / "mps").mkdir(parents=True)
    # Files: Jan–Apr 2025. VWI Abbey 10, 11, 12, 13; Alibon 5 each month; robbery Abbey 3, Alibon 2.
    _release(
        root / "crime" / "mps" / "MPS Ward Level Crime (most recent 24 months) 2025-01 to 2025-04.csv",
        ["202501", "202502", "202503", "202504"],
        {
            (VWI, "E05014053"): [10, 11, 12, 13],
            (VWI, "E05014054"): [5, 5, 5, 5],
            (ROB, "E05014053"): [3, 3, 3, 3],
            (ROB, "E05014054"): [2, 2, 2, 2],
        },
    )
    # Newer release (applied in the store): Mar–May 2025, March and April revised upwards.
    newer = _release(
        tmp_path / "MPS Ward Level Crime (most recent 24 months) 2025-03 to 2025-05.csv",
        ["202503", "202504", "202505"],
        {
            (VWI, "E05014053"): [20, 21, 22],
            (VWI, "E05014054"): [5, 6, 7],
            (ROB, "E05014053"): [3, 3, 4],
            (ROB, "E05014054"): [2, 2, 2],
        },
    )
    monkeypatch.setenv("SVD_DATA_DIR", str(root))  # the store's check compares with this directory's releases
    store = st_.Store(tmp_path / "store" / "svd.duckdb")
    monkeypatch.setenv("SVD_STORE", str(store.path))
    return root, store, newer


def _vwi(table: pd.DataFrame) -> dict[str, int]:
    rows = table[(table["major"] == VWI[0]) & (table["minor"] == VWI[1])]
    return {f"{m:%Y-%m}": int(c) for m, c in rows.groupby("month", observed=True)["count"].sum().items()}


def test_an_applied_release_joins_the_files_by_the_merge_rule_and_leaves_when_withdrawn(tiny):
    root, store, newer = tiny
    files_only = mps.load_mps("ward", root)
    assert _vwi(files_only.table) == {"2025-01": 15, "2025-02": 16, "2025-03": 17, "2025-04": 18}
    assert mps.loads_in(files_only.table) == () and files_only.loads() == ()

    load = store.apply(newer, who="an analyst").load
    merged = mps.load_mps("ward", root)
    # January and February from the file; March to May from the newer release in the store.
    assert _vwi(merged.table) == {"2025-01": 15, "2025-02": 16, "2025-03": 25, "2025-04": 27, "2025-05": 29}
    cite = load.citation()
    assert cite.startswith(f"load {load.id}: {newer.name}, SHA-256 {load.checksum[:12]}…, applied ")
    assert merged.loads() == (cite,)
    assert mps.loads_in(merged.table) == (cite,)
    assert mps.loads_in(merged.table, pd.to_datetime(["2025-01-01", "2025-02-01"])) == ()
    used = {s["vintage"]: s for s in merged.sources}
    assert used["2025-03 to 2025-05"]["load"] == cite
    assert used["2025-03 to 2025-05"]["months_used"] == ["2025-03", "2025-04", "2025-05"]
    assert "load" not in used["2025-01 to 2025-04"]
    # The files only, on request, whatever the store holds.
    pd.testing.assert_frame_equal(mps.load_mps("ward", root, store=False).table, files_only.table)

    # The same file again: a no-op.
    again = store.apply(newer, who="an analyst")
    assert not again.new and again.load.id == load.id
    assert len(store.loads()) == 1

    store.withdraw(load.id, who="an analyst")
    after = mps.load_mps("ward", root)
    pd.testing.assert_frame_equal(after.table, files_only.table)
    assert after.loads() == ()


def test_a_figure_over_the_store_s_months_names_its_load_and_one_over_the_files_does_not(tiny):
    root, store, newer = tiny
    load = store.apply(newer, who="an analyst").load
    table = mps.load_mps("ward", root).table
    m = mx.load_metrics()["violence_with_injury"]
    late = mx.mps_figure(
        m, table, 1000.0, periods=agg.periods_for(pd.Timestamp("2025-04-01"), pd.Timestamp("2025-05-01"))
    )
    assert late.current == 27 + 29
    assert late.provenance.loads == (load.citation(),)
    assert f"store load {load.id}" in late.provenance.short()
    assert load.citation() in late.provenance.text()
    assert ("Store loads", load.citation()) in late.provenance.as_rows()
    assert late.provenance.to_dict()["loads"] == [load.citation()]

    early = mx.mps_figure(
        m, table, 1000.0, periods=agg.periods_for(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01"))
    )
    assert early.current == 15 + 16
    assert early.provenance.loads == ()
    # A figure from the files only reads exactly as before: no loads key, no line, no row.
    assert "loads" not in early.provenance.to_dict()
    assert "applied in the store" not in early.provenance.text().lower()
    assert all(k != "Store loads" for k, _ in early.provenance.as_rows())


def test_a_release_set_aside_in_the_merge_supplies_no_month_and_says_which_load(tiny):
    root, store, newer = tiny
    load = store.apply(newer, who="an analyst").load
    # A later file lacking a ward the store's release has: set aside, the store's months stay.
    _release(
        root / "crime" / "mps" / "MPS Ward Level Crime (most recent 24 months) 2025-04 to 2025-06.csv",
        ["202504", "202505", "202506"],
        {(VWI, "E05014053"): [22, 22, 22], (ROB, "E05014053"): [4, 4, 4]},
    )
    merged = mps.load_mps("ward", root)
    assert merged.loads() == (load.citation(),)
    assert [s["path"] for s in merged.set_aside] == [
        str(root / "crime" / "mps" / "MPS Ward Level Crime (most recent 24 months) 2025-04 to 2025-06.csv")
    ]


def test_the_data_page_says_what_the_pages_take_from_each_load(tiny):
    from svd import dataquality as dq

    root, store, newer = tiny
    load = store.apply(newer, who="an analyst").load
    merged = mps.load_mps("ward", root)
    use = dq.store_use(store.loads(), merged.sources)
    assert use == {load.id: "ward months 2025-03 to 2025-05"}
    table = st_.loads_table(store.loads(), use)
    assert table.loc[0, "used_by_pages"] == "ward months 2025-03 to 2025-05"
    vt = dq.vintage_table(merged.sources)
    assert list(vt["store_load"]) == ["", load.citation()]
    assert vt["file"].iloc[1] == f"{newer.name} (store load {load.id})"
    assert "store_load" not in dq.vintage_table(mps.load_mps("ward", root, store=False).sources)


def test_no_store_means_no_duckdb(tiny):
    """Reading the MPS series without a store never opens one (duckdb stays unimported for the Overview)."""
    import subprocess
    import sys

    root, store, _ = tiny
    code = (
        "import sys; from svd import mps; mps.load_mps('ward', sys.argv[1]); print('duckdb' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False" and not store.exists
