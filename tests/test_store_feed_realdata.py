"""A newer MPS ward release applied in the store changes what the CLI and the Overview show, and names its load.

The release is hand-made from the newest real ward release in the data directory: its last two months only, with
7 more offences of violence with injury in one ward of the borough in the last month. The expected figures are
computed here from the real file itself (not pinned to a release): the latest 12 months' violence with injury of
the borough, and the same plus 7 with the release applied. Withdrawing the load gives the files' figures back.
"""

from __future__ import annotations

import csv
import json

import pytest

from svd import config
from svd import store as st_

pytestmark = [pytest.mark.realdata, pytest.mark.slow]
VWI = ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY")
ADDED = 7


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """(hand-made release path, the borough's violence with injury over the newest file's last 12 months)."""
    newest = sorted((config.data_dir() / "crime" / "mps").glob("MPS Ward Level Crime*.csv"))[-1]
    with newest.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    months = [c for c in header if c.isdigit() and len(c) == 6]
    ids = header.index("MajorText"), header.index("MinorText"), header.index("LookUp_BoroughName")
    keep = [header.index(c) for c in header if not (c.isdigit() and len(c) == 6)]
    last_two = [header.index(m) for m in months[-2:]]
    name = config.borough().name
    mine = [r for r in body if r[ids[2]] == name and (r[ids[0]], r[ids[1]]) == VWI]
    expected = sum(int(r[header.index(m)]) for r in mine for m in months[-12:])
    first, last = months[-2], months[-1]
    out = tmp_path_factory.mktemp("release") / (
        f"MPS Ward Level Crime (most recent 24 months) {first[:4]}-{first[4:]} to {last[:4]}-{last[4:]}.csv"
    )
    changed = False
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([header[i] for i in keep + last_two])
        for r in body:
            cells = [r[i] for i in keep + last_two]
            if not changed and r in mine:
                cells[-1] = str(int(cells[-1]) + ADDED)
                changed = True
            w.writerow(cells)
    assert changed
    return out, expected, f"{last[:4]}-{last[4:]}"


@pytest.fixture
def store(tmp_path, monkeypatch):
    s = st_.Store(tmp_path / "store" / "svd.duckdb")
    monkeypatch.setenv("SVD_STORE", str(s.path))
    return s


def _figures(capsys) -> dict:
    from svd.cli import main

    capsys.readouterr()
    assert main(["figures", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    return {f["id"]: f for f in out["figures"] if f["page"] == "overview"}


def test_the_cli_figure_follows_an_applied_release_names_it_and_returns_when_withdrawn(
    release, store, capsys
):
    from svd.cli import main

    path, expected, last = release
    assert main(["load", str(path)]) == 0
    assert main(["load", str(path)]) == 0  # the same file again: a no-op
    assert "Nothing to do" in capsys.readouterr().out
    load = store.load(1)
    assert [x.id for x in store.loads()] == [1]

    with_load = _figures(capsys)
    vwi = with_load["violence_with_injury"]
    assert vwi["value"] == expected + ADDED
    assert vwi["provenance"]["loads"] == [load.citation()]
    assert load.citation().startswith(f"load 1: {path.name}, SHA-256 {load.checksum[:12]}…, applied ")

    assert main(["unload", "1"]) == 0
    without = _figures(capsys)
    assert without["violence_with_injury"]["value"] == expected
    assert all("loads" not in f["provenance"] for f in without.values())


def test_the_overview_shows_the_applied_release_and_names_its_load(release, store):
    from tests.pagetest import open_page

    path, expected, _ = release
    load = store.apply(path, who="a test").load

    def vwi_tile(at):
        metric = next(m for m in at.metric if m.label == "Violence with injury")
        return metric.value, metric.help

    at = open_page("overview.py")
    value, help_text = vwi_tile(at)
    assert value == f"{expected + ADDED:,}"
    assert load.citation() in help_text
    captions = " ".join(c.value for c in at.caption)
    assert f"store load {load.id}" in captions
    assert f"MPS releases applied in the store: {load.citation()}" in captions

    store.withdraw(load.id, who="a test")
    at.run()
    value, help_text = vwi_tile(at)
    assert value == f"{expected:,}"
    assert "store load" not in " ".join(c.value for c in at.caption)
