"""The persistent store (svd.store): apply, no-op re-apply, withdraw, restart, and the append-only audit log."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from svd import store as st_
from svd.config import definitions_dir
from svd.incidents import read_incidents
from svd.records import load_records

TEMPLATE = definitions_dir() / "templates" / "incidents_template.csv"


@pytest.fixture
def store(tmp_path):
    return st_.Store(tmp_path / "store" / "svd.duckdb")


@pytest.fixture
def extract(tmp_path):
    """The 3-row template plus one bad row (quarantined) and one row with most optional cells empty."""
    lines = TEMPLATE.read_text().splitlines()
    header = lines[0].split(",")
    bad = lines[1].split(",")
    bad[header.index("incident_id")] = "BAD-1"
    bad[header.index("offence")] = "not an offence"
    path = tmp_path / "extract.csv"
    path.write_text("\n".join([*lines, ",".join(bad)]) + "\n")
    return path


def test_a_store_is_not_created_by_reading(store):
    assert store.loads() == [] and store.active_extract() is None
    assert store.audit_log().empty and not store.exists


def test_apply_keeps_checksum_who_when_report_rows_and_quarantine(store, extract):
    applied = store.apply(extract, who="ana@council.gov.uk")
    load = applied.load
    assert applied.new and load.id == 1 and load.active
    assert load.checksum == st_.checksum(extract) and len(load.checksum) == 64
    assert (load.loaded_by, load.format, load.file_name) == (
        "ana@council.gov.uk",
        "svd_incidents",
        "extract.csv",
    )
    assert (load.rows_in, load.rows_accepted, load.rows_quarantined) == (4, 3, 1)
    assert load.report["path"] == "extract.csv"  # never the server's folder
    # The rows come back as the importer gave them: same columns, dtypes and values.
    direct = read_incidents(extract)
    back = store.result(load.id)
    pd.testing.assert_frame_equal(back.data, direct.data)
    pd.testing.assert_frame_equal(
        back.quarantine.reset_index(drop=True), direct.quarantine.reset_index(drop=True)
    )
    assert back.rows_quarantined == 1 and back.quarantine["row"].tolist() == [5]


def test_reapplying_the_same_file_is_a_no_op_and_a_changed_file_is_a_new_load(store, extract, tmp_path):
    first = store.apply(extract, who="a").load
    again = store.apply(extract, who="b")
    assert not again.new and again.load.id == first.id and len(store.loads()) == 1
    changed = tmp_path / "changed.csv"
    changed.write_text(extract.read_text().replace("BAD-1", "BAD-2"))
    assert store.apply(changed, who="a").load.id == 2
    assert store.active_extract().id == 2  # the most recent extract is the one in use


def test_withdrawal_deletes_the_rows_keeps_the_line_and_survives_a_restart(store, extract):
    load = store.apply(extract, who="a").load
    store.withdraw(load.id, who="b")
    # A new Store object on the same file: what a restarted server sees.
    restarted = st_.Store(store.path)
    (line,) = restarted.loads()
    assert not line.active and line.withdrawn_by == "b"
    assert restarted.active_extract() is None
    with pytest.raises(st_.StoreError, match="withdrawn"):
        restarted.result(load.id)
    with duckdb.connect(str(store.path)) as con:
        assert con.execute("SELECT count(*) FROM rows_svd_incidents").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM quarantine_rows").fetchone()[0] == 0
    with pytest.raises(st_.StoreError, match="already withdrawn"):
        restarted.withdraw(load.id, who="b")
    # Once withdrawn, the same file can be applied again as a new load.
    assert restarted.apply(extract, who="a").load.id == 2


def test_a_file_that_fails_its_check_is_refused_and_audited(store, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n")
    with pytest.raises(st_.StoreError, match="junk.csv was not applied: unknown format"):
        store.apply(junk, who="a")
    assert store.loads() == []
    assert store.audit_log()["action"].tolist() == [st_.LOAD_REFUSED]


def test_the_record_set_of_a_load_is_the_extract_s(store, extract):
    load = store.apply(extract, who="a").load
    from svd.records import from_result

    from_store = from_result(store.result(load.id), load.file_name)
    direct = load_records(extract=extract)
    assert from_store.label == direct.label and from_store.source == "extract"
    pd.testing.assert_frame_equal(from_store.data, direct.data)


@pytest.mark.realdata
@pytest.mark.slow  # the release is checked against every other release in the folder (~40 s)
def test_an_mps_release_round_trips(store):
    from svd.config import data_dir
    from svd.mps import read_mps_file

    path = sorted((data_dir() / "crime" / "mps").glob("MPS Ward Level*.csv"))[-1]
    load = store.apply(path, who="a").load
    assert load.format == "mps_ward"
    pd.testing.assert_frame_equal(store.result(load.id).data, read_mps_file(path).data)


def test_the_audit_log_records_each_step_and_is_append_only(store, extract):
    load = store.apply(extract, who="ana").load
    store.apply(extract, who="ana")
    store.record("pat", st_.DOWNLOAD, "Domestic abuse by ward (CSV)")
    store.withdraw(load.id, who="ana")
    log = store.audit_log()
    assert log["action"].tolist() == [st_.LOAD, st_.LOAD_UNCHANGED, st_.DOWNLOAD, st_.WITHDRAW]
    assert log["who"].tolist() == ["ana", "ana", "pat", "ana"]
    assert log["seq"].tolist() == [1, 2, 3, 4]
    assert store.verify_audit() == []
    # The module has no way to change or remove an entry: the only statement touching the audit table inserts.
    source = Path(st_.__file__).read_text()
    assert re.findall(r"(UPDATE|DELETE FROM|INSERT INTO)\s+audit\b", source) == ["INSERT INTO"]
    # Changing an entry behind the store's back is detected, from that entry on.
    with duckdb.connect(str(store.path)) as con:
        con.execute("UPDATE audit SET who = 'someone else' WHERE seq = 2")
    assert store.verify_audit() == [2]
    with duckdb.connect(str(store.path)) as con:
        con.execute("DELETE FROM audit WHERE seq = 3")
    assert store.verify_audit() == [2, 4]


def test_default_path_follows_svd_store_or_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("SVD_STORE", str(tmp_path / "elsewhere.duckdb"))
    assert st_.default_path() == tmp_path / "elsewhere.duckdb"
    monkeypatch.delenv("SVD_STORE")
    assert st_.default_path(tmp_path) == tmp_path / "store" / "svd.duckdb"


def test_the_command_line_loads_lists_withdraws_and_audits(tmp_path, monkeypatch, capsys):
    from svd.cli import main

    monkeypatch.setenv("SVD_STORE", str(tmp_path / "cli.duckdb"))
    assert main(["load", str(TEMPLATE)]) == 0
    assert "Applied load 1: incidents_template.csv" in capsys.readouterr().out
    assert main(["load", str(TEMPLATE)]) == 0
    assert "Nothing to do" in capsys.readouterr().out
    assert main(["loads"]) == 0
    assert "in use" in capsys.readouterr().out
    assert main(["unload", "1"]) == 0 and main(["unload", "1"]) == 1
    capsys.readouterr()
    assert main(["audit", "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert [e["action"] for e in out["entries"]] == ["load", "load (already applied)", "withdrawal"]
    assert out["broken"] == []
    assert main(["load", str(tmp_path / "missing.csv")]) == 1
