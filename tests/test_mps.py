"""MPS wide files → tidy counts: parsing, quarantine, partial months, vintage merging; real-data reconciliation."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from svd import mps

BD = "E09000002"

# Just the properties the importer reads; geometry is irrelevant to the name → code map.
BOROUGHS = {"Barking and Dagenham": BD, "Havering": "E09000016", "City of London": "E09000001"}


def _data_dir(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "geo").mkdir(parents=True)
    (root / "crime" / "mps").mkdir(parents=True)
    features = [
        {"type": "Feature", "properties": {"LAD22CD": c, "LAD22NM": n}, "geometry": None}
        for n, c in BOROUGHS.items()
    ]
    (root / "geo" / "london_boroughs_2022.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return root


def _write(path: Path, lines: list[str], bom: bool = False) -> Path:
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


WARD_HEADER = "MajorText,MinorText,WardName,WardCode,LookUp_BoroughName"


def _ward_file(
    root: Path, name: str, months: list[str], rows: list[tuple[str, ...]], bom: bool = False
) -> Path:
    lines = [WARD_HEADER + "," + ",".join(months)] + [",".join(r) for r in rows]
    return _write(root / "crime" / "mps" / name, lines, bom=bom)


# A 3-ward file whose first month (202401) is nearly empty: total 1 against 30 and 36 in the full months.
PARTIAL_ROWS = [
    (
        "ROBBERY",
        "ROBBERY OF PERSONAL PROPERTY",
        "Abbey",
        "E05014053",
        "Barking and Dagenham",
        "1",
        "10",
        "12",
    ),
    ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY", "Alibon", "E05014054", "Barking and Dagenham", "0", "5", "6"),
    ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY", "Cranham", "E05013975", "Havering", "0", "15", "18"),
]


def test_ward_file_partial_month_dropped_and_bom_read(tmp_path):
    root = _data_dir(tmp_path)
    path = _ward_file(
        root, "MPS Ward Level Crime x.csv", ["202401", "202402", "202403"], PARTIAL_ROWS, bom=True
    )
    r = mps.read_mps_file(path, data_dir=root)
    assert r.format == "mps_ward"
    assert r.months_ignored == ("2024-01",)
    assert (r.rows_in, r.rows_accepted, r.rows_quarantined) == (3, 3, 0)
    assert list(r.data.columns) == mps.DATA_COLUMNS
    assert len(r.data) == 6  # 3 wards × 2 complete months
    assert r.data["month"].dtype == "datetime64[ns]"
    assert r.data["count"].dtype == "int64"
    assert set(r.data["vintage"]) == {"2024-01 to 2024-03"}
    assert set(r.data["level"]) == {"ward"}
    abbey = r.data[r.data["area_code"] == "E05014053"].set_index("month")["count"]
    assert abbey.to_dict() == {pd.Timestamp("2024-02-01"): 10, pd.Timestamp("2024-03-01"): 12}
    codes = r.data.drop_duplicates("area_code").set_index("area_code")["borough_code"]
    assert codes.to_dict() == {"E05014053": BD, "E05014054": BD, "E05013975": "E09000016"}
    assert (
        r.data.loc[r.data["area_code"] == "E05014053", "major"].iloc[0] == "ROBBERY"
    )  # BOM not in column name


def test_no_partial_month_when_months_are_similar(tmp_path):
    root = _data_dir(tmp_path)
    rows = [r[:5] + ("9", "10", "12") for r in PARTIAL_ROWS]
    r = mps.read_mps_file(_ward_file(root, "w.csv", ["202401", "202402", "202403"], rows), data_dir=root)
    assert r.months_ignored == ()
    assert r.data["month"].nunique() == 3


def test_bad_rows_quarantined_with_line_and_column(tmp_path):
    root = _data_dir(tmp_path)
    rows = [
        (
            "ROBBERY",
            "ROBBERY OF PERSONAL PROPERTY",
            "Abbey",
            "E05014053",
            "Barking and Dagenham",
            "4",
            "5",
        ),  # line 2
        (
            "ROBBERY",
            "ROBBERY OF PERSONAL PROPERTY",
            "Alibon",
            "E05014054",
            "Barking and Dagenham",
            "x",
            "5",
        ),  # 3
        ("", "ROBBERY OF PERSONAL PROPERTY", "Becontree", "E05014055", "Barking and Dagenham", "1", "1"),  # 4
        (
            "ROBBERY",
            "ROBBERY OF PERSONAL PROPERTY",
            "Chadwell Heath",
            "E05014056",
            "Barking and Dagenham",
            "1",
        ),  # 5
        (
            "ROBBERY",
            "ROBBERY OF PERSONAL PROPERTY",
            "Eastbury",
            "E05014057",
            "Barking and Dagenham",
            "2",
            "-3",
        ),  # 6
        (
            "ROBBERY",
            "ROBBERY OF PERSONAL PROPERTY",
            "Abbey",
            "E05014053",
            "Barking and Dagenham",
            "4",
            "5",
        ),  # 7 dup
        ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY", "Gascoigne", "", "Barking and Dagenham", "1", "1"),  # 8
        (
            "ROBBERY",
            "ROBBERY OF PERSONAL PROPERTY",
            "Heath",
            "E05014059",
            "Barking and Dagenham",
            "3",
            "4",
        ),  # 9
    ]
    r = mps.read_mps_file(_ward_file(root, "w.csv", ["202401", "202402"], rows), data_dir=root)
    assert (r.rows_in, r.rows_accepted, r.rows_quarantined) == (8, 2, 6)
    q = r.quarantine.set_index("row")
    assert (
        q.loc[3, "column"] == "202401" and "non-numeric" in q.loc[3, "reason"] and "'x'" in q.loc[3, "reason"]
    )
    assert q.loc[4, "column"] == "MajorText" and q.loc[4, "reason"] == "missing MajorText"
    assert "wrong number of fields" in q.loc[5, "reason"]
    assert q.loc[6, "column"] == "202402" and "negative" in q.loc[6, "reason"]
    assert "duplicate of line 2" in q.loc[7, "reason"]
    assert q.loc[8, "column"] == "WardCode"
    assert r.extra["duplicates"] == 1
    # The good rows are unaffected: Abbey 4 + 5, Heath 3 + 4.
    assert r.data.groupby("area_code")["count"].sum().to_dict() == {"E05014053": 9, "E05014059": 7}


def test_missing_columns_quarantines_every_row_without_raising(tmp_path):
    root = _data_dir(tmp_path)
    path = _write(
        tmp_path / "bad.csv",
        [
            "MajorText,WardName,WardCode,LookUp_BoroughName,202401",
            "ROBBERY,Abbey,E05014053,Barking and Dagenham,4",
            "ROBBERY,Alibon,E05014054,Barking and Dagenham,5",
        ],
    )
    r = mps.read_mps_file(path, data_dir=root)
    assert (r.rows_in, r.rows_accepted, r.rows_quarantined) == (2, 0, 2)
    assert r.data.empty and list(r.data.columns) == mps.DATA_COLUMNS
    assert set(r.quarantine["row"]) == {2, 3}
    assert all("MinorText" in reason for reason in r.quarantine["reason"])
    with pytest.raises(mps.FormatError, match="MinorText"):
        mps.sniff(path)


def test_no_month_columns_quarantines_every_row(tmp_path):
    root = _data_dir(tmp_path)
    path = _write(
        tmp_path / "bad.csv", ["MajorText,MinorText,BoroughName,Jan-24", "ROBBERY,ROBBERY,Havering,4"]
    )
    r = mps.read_mps_file(path, data_dir=root)
    assert (r.format, r.rows_in, r.rows_quarantined) == ("mps_borough", 1, 1)
    assert "no YYYYMM month columns" in r.quarantine["reason"].iloc[0]
    with pytest.raises(mps.FormatError):
        mps.sniff(path)


def test_borough_file_maps_names_to_codes_and_keeps_non_borough_rows(tmp_path):
    root = _data_dir(tmp_path)
    path = _write(
        root / "crime" / "mps" / "MPS Borough Level Crime (Historical).csv",
        [
            "MajorText,MinorText,BoroughName,202301,202302",
            "ROBBERY,ROBBERY OF PERSONAL PROPERTY,Barking And Dagenham,40,41",
            "ROBBERY,ROBBERY OF PERSONAL PROPERTY,London Heathrow and London City Airports,2,3",
            "ROBBERY,ROBBERY OF PERSONAL PROPERTY,City of London,5,5",
        ],
    )
    assert mps.sniff(path) == "mps_borough"
    r = mps.read_mps_file(path, data_dir=root)
    assert r.format == "mps_borough" and set(r.data["level"]) == {"borough"}
    jan = r.data[r.data["month"] == "2023-01-01"].set_index("area_name")
    assert jan.loc["Barking And Dagenham", "area_code"] == BD  # case differs from ONS, still mapped
    assert jan.loc["Barking And Dagenham", "count"] == 40
    assert pd.isna(jan.loc["London Heathrow and London City Airports", "area_code"])
    assert r.extra["unmapped_boroughs"] == ["London Heathrow and London City Airports"]


def _vintage(root: Path, name: str, months: list[str], abbey: list[int], alibon: list[int]) -> Path:
    rows = [
        (
            "ROBBERY",
            "ROBBERY OF PERSONAL PROPERTY",
            "Abbey",
            "E05014053",
            "Barking and Dagenham",
            *map(str, abbey),
        ),
        (
            "ROBBERY",
            "ROBBERY OF PERSONAL PROPERTY",
            "Alibon",
            "E05014054",
            "Barking and Dagenham",
            *map(str, alibon),
        ),
    ]
    return _ward_file(root, name, months, rows)


def test_merge_newer_vintage_wins_and_revision_reported(tmp_path):
    root = _data_dir(tmp_path)
    old = _vintage(
        root, "MPS Ward Level Crime a.csv", ["202401", "202402", "202403"], [10, 11, 12], [20, 21, 22]
    )
    # The newer release revises Abbey 2024-03 from 12 to 15 and adds 2024-04.
    new = _vintage(
        root, "MPS Ward Level Crime b.csv", ["202402", "202403", "202404"], [11, 15, 13], [21, 22, 23]
    )
    merged = mps.merge_vintages(
        [mps.read_mps_file(new, root), mps.read_mps_file(old, root)]
    )  # order irrelevant
    t = merged.table
    assert len(t) == 8  # 2 wards × 4 months, each month once
    assert t.groupby("month")["vintage"].first().to_dict() == {
        pd.Timestamp("2024-01-01"): "2024-01 to 2024-03",
        pd.Timestamp("2024-02-01"): "2024-02 to 2024-04",
        pd.Timestamp("2024-03-01"): "2024-02 to 2024-04",
        pd.Timestamp("2024-04-01"): "2024-02 to 2024-04",
    }
    abbey_mar = t[(t["area_code"] == "E05014053") & (t["month"] == "2024-03-01")]["count"]
    assert abbey_mar.tolist() == [15]
    rev = merged.revisions
    assert list(rev.columns) == mps.REVISION_COLUMNS
    assert len(rev) == 2  # B&D borough total for the two overlapping months
    mar = rev[rev["month"] == "2024-03-01"].iloc[0]
    assert (mar["area_code"], mar["old_count"], mar["new_count"], mar["diff"]) == (BD, 34, 37, 3)
    assert mar["pct"] == pytest.approx(100 * 3 / 34)
    assert (mar["older_vintage"], mar["newer_vintage"]) == ("2024-01 to 2024-03", "2024-02 to 2024-04")
    assert rev[rev["month"] == "2024-02-01"]["diff"].tolist() == [0]
    assert merged.gaps == []
    assert {s["vintage"]: s["months_used"] for s in merged.sources} == {
        "2024-01 to 2024-03": ["2024-01"],
        "2024-02 to 2024-04": ["2024-02", "2024-03", "2024-04"],
    }


def test_partial_month_of_newer_vintage_never_overwrites_older_figure(tmp_path):
    root = _data_dir(tmp_path)
    old = _vintage(root, "a.csv", ["202401", "202402", "202403"], [10, 11, 12], [20, 21, 22])
    new = _vintage(root, "b.csv", ["202403", "202404", "202405"], [0, 13, 14], [1, 23, 24])  # 2024-03 partial
    merged = mps.merge_vintages([mps.read_mps_file(old, root), mps.read_mps_file(new, root)])
    mar = merged.table[merged.table["month"] == "2024-03-01"]
    assert mar["count"].sum() == 34 and set(mar["vintage"]) == {"2024-01 to 2024-03"}
    assert merged.table["month"].nunique() == 5
    by_vintage = {s["vintage"]: s for s in merged.sources}
    assert by_vintage["2024-03 to 2024-05"]["months_ignored"] == ["2024-03"]


def test_tie_on_last_month_latest_first_month_wins_and_gaps_listed(tmp_path):
    root = _data_dir(tmp_path)
    a = _vintage(root, "a.csv", ["202401", "202402", "202403"], [10, 11, 12], [20, 21, 22])
    b = _vintage(root, "b.csv", ["202402", "202403"], [11, 99], [21, 22])
    c = _vintage(root, "c.csv", ["202406", "202407"], [5, 5], [5, 5])
    merged = mps.merge_vintages([mps.read_mps_file(p, root) for p in (a, b, c)])
    mar = merged.table[(merged.table["month"] == "2024-03-01") & (merged.table["area_code"] == "E05014053")]
    assert mar["count"].tolist() == [99]
    assert merged.gaps == ["2024-04", "2024-05"]
    assert merged.gaps_by_level == {"ward": ["2024-04", "2024-05"]}


def test_load_mps_reads_folder_filters_borough_and_returns_copies(tmp_path):
    root = _data_dir(tmp_path)
    _ward_file(
        root,
        "MPS Ward Level Crime (most recent 24 months) 2024-01 to 2024-03.csv",
        ["202401", "202402", "202403"],
        PARTIAL_ROWS,
    )
    _write(root / "crime" / "mps" / "notes.csv", ["not,an,mps,file"])  # ignored: name lacks "Ward Level"
    full = mps.load_mps("ward", data_dir=root)
    assert full.table["area_code"].nunique() == 3
    bd = mps.load_mps("ward", data_dir=root, borough_code=BD)
    assert set(bd.table["area_code"]) == {"E05014053", "E05014054"}
    assert bd.table["count"].sum() == 10 + 12 + 5 + 6
    bd.table.loc[:, "count"] = 0  # a caller mutating its copy must not change the cache
    assert mps.load_mps("ward", data_dir=root, borough_code=BD).table["count"].sum() == 33
    assert mps.load_mps("borough", data_dir=root).table.empty
    with pytest.raises(ValueError):
        mps.load_mps("lsoa", data_dir=root)


def test_london_totals_sum_boroughs_excluding_city_and_airports(tmp_path):
    root = _data_dir(tmp_path)
    _write(
        root / "crime" / "mps" / "MPS Borough Level Crime x.csv",
        [
            "MajorText,MinorText,BoroughName,202401,202402",
            "ROBBERY,ROBBERY OF PERSONAL PROPERTY,Barking and Dagenham,40,41",
            "ROBBERY,ROBBERY OF PERSONAL PROPERTY,Havering,30,31",
            "ROBBERY,ROBBERY OF PERSONAL PROPERTY,City of London,5,5",
            "ROBBERY,ROBBERY OF PERSONAL PROPERTY,London Heathrow and London City Airports,2,3",
        ],
    )
    lt = mps.london_totals("borough", data_dir=root)
    assert lt.set_index("month")["count"].to_dict() == {
        pd.Timestamp("2024-01-01"): 70,
        pd.Timestamp("2024-02-01"): 72,
    }


def test_single_month_file_with_bad_cell(tmp_path):
    root = _data_dir(tmp_path)
    path = _write(
        tmp_path / "b.csv",
        [
            "MajorText,MinorText,BoroughName,202401",
            "THEFT,SHOPLIFTING,Havering,12",
            "THEFT,OTHER THEFT,Havering,n/a",
        ],
    )
    r = mps.read_mps_file(path, data_dir=root)
    assert (r.rows_accepted, r.rows_quarantined) == (1, 1)
    assert r.quarantine[["row", "column"]].values.tolist() == [[3, "202401"]]
    assert r.data["count"].tolist() == [12]


def test_cp1252_file_is_read(tmp_path):
    root = _data_dir(tmp_path)
    path = tmp_path / "w.csv"
    path.write_bytes(
        ("MajorText,MinorText,BoroughName,202401\nTHEFT,OTHER THEFT,Havering \u2013 East,3\n").encode(
            "cp1252"
        )
    )
    r = mps.read_mps_file(path, data_dir=root)
    assert r.rows_accepted == 1 and r.data["area_name"].iloc[0] == "Havering \u2013 East"


def test_text_columns_are_sorted_categoricals_and_survive_the_merge(tmp_path):
    """Memory: the text columns are categoricals; merging files with different wards unions the categories
    (a plain concat would silently turn them into objects), and sorting by a column still sorts by text."""
    root = _data_dir(tmp_path)
    old = _vintage(root, "a.csv", ["202401", "202402"], [10, 11], [20, 21])
    new = _ward_file(
        root,
        "b.csv",
        ["202402", "202403"],
        [
            (
                "ROBBERY",
                "ROBBERY OF PERSONAL PROPERTY",
                "Abbey",
                "E05014053",
                "Barking and Dagenham",
                "12",
                "13",
            ),
            ("THEFT", "SHOPLIFTING", "Cranham", "E05013975", "Havering", "7", "8"),
            (
                "ROBBERY",
                "ROBBERY OF PERSONAL PROPERTY",
                "Alibon",
                "E05014054",
                "Barking and Dagenham",
                "21",
                "22",
            ),
        ],
    )
    r = mps.read_mps_file(new, root)
    for c in mps.CATEGORY_COLUMNS:
        assert isinstance(r.data[c].dtype, pd.CategoricalDtype), c
    # Sorted, not file order.
    assert list(r.data["area_code"].cat.categories) == ["E05013975", "E05014053", "E05014054"]
    merged = mps.merge_vintages([mps.read_mps_file(old, root), r])
    t = merged.table
    for c in mps.CATEGORY_COLUMNS:
        assert isinstance(t[c].dtype, pd.CategoricalDtype), c
    assert list(t["area_code"].cat.categories) == ["E05013975", "E05014053", "E05014054"]
    assert list(t["major"].cat.categories) == ["ROBBERY", "THEFT"]
    assert t["month"].dtype == "datetime64[ns]" and t["count"].dtype == "int64"
    # Jan from a.csv (Abbey, Alibon), Feb and Mar from b.csv (Abbey, Cranham, Alibon), in file order within a
    # month (b.csv has all of a.csv's wards, or it would be set aside as incomplete).
    assert t[["area_code", "count"]].astype({"area_code": str}).values.tolist() == [
        ["E05014053", 10],
        ["E05014054", 20],
        ["E05014053", 12],
        ["E05013975", 7],
        ["E05014054", 21],
        ["E05014053", 13],
        ["E05013975", 8],
        ["E05014054", 22],
    ]
    assert t.sort_values("area_code", kind="stable")["area_code"].iloc[0] == "E05013975"
    by_borough = t.groupby("borough_code")["count"].sum()  # only observed categories
    assert by_borough.to_dict() == {BD: 55 + 21 + 22, "E09000016": 15}


def test_one_borough_table_keeps_only_its_own_categories(tmp_path):
    root = _data_dir(tmp_path)
    _ward_file(root, "MPS Ward Level Crime y.csv", ["202401", "202402", "202403"], PARTIAL_ROWS)
    bd = mps.load_mps("ward", data_dir=root, borough_code=BD).table
    assert list(bd["area_code"].cat.categories) == ["E05014053", "E05014054"]
    assert list(bd["borough_name"].cat.categories) == ["Barking and Dagenham"]
    assert bd["area_code"].value_counts().to_dict() == {"E05014053": 2, "E05014054": 2}


def test_bad_cell_in_a_later_month_column_after_good_ones(tmp_path):
    """Counts are parsed a month column at a time: a bad cell in the last column, after columns that parsed,
    still quarantines only its row, and a quoted thousands separator is still read as a count."""
    root = _data_dir(tmp_path)
    path = _write(
        tmp_path / "b.csv",
        [
            "MajorText,MinorText,BoroughName,202401,202402,202403",
            'THEFT,SHOPLIFTING,Havering,12,"1,204",9',
            "THEFT,OTHER THEFT,Havering,3,4,",
            "THEFT,THEFT FROM THE PERSON,Havering,5,6,-1",
        ],
    )
    r = mps.read_mps_file(path, data_dir=root)
    assert (r.rows_in, r.rows_accepted, r.rows_quarantined) == (3, 1, 2)
    assert r.quarantine.values.tolist() == [
        [3, "202403", "missing count"],
        [4, "202403", "negative count '-1'"],
    ]
    assert r.data["count"].tolist() == [12, 1204, 9]


# --------------------------------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_real_files_every_row_accounted_for():
    files = mps.mps_files("ward") + mps.mps_files("borough")
    assert len(files) == 5
    for path in files:
        r = mps.read_mps_file(path)
        lines = sum(1 for line in path.read_text(encoding="utf-8-sig").splitlines()[1:] if line.strip())
        assert r.rows_in == lines == r.rows_accepted + r.rows_quarantined, path.name
        assert r.rows_quarantined == 0, path.name


@pytest.mark.realdata
def test_real_partial_month_detected_only_in_march_2026_vintage():
    results = [mps.read_mps_file(p) for p in mps.mps_files("ward")]
    ignored = {r.extra["vintage"]: r.months_ignored for r in results}
    assert ignored == {"2023-04 to 2025-03": (), "2024-01 to 2025-12": (), "2024-03 to 2026-03": ("2024-03",)}


@pytest.mark.realdata
def test_real_bd_ward_series():
    merged = mps.load_mps("ward", borough_code=BD)
    t = merged.table
    months = sorted(t["month"].unique())
    assert (f"{months[0]:%Y-%m}", f"{months[-1]:%Y-%m}", len(months)) == ("2023-04", "2026-03", 36)
    assert merged.gaps == []
    assert t["area_code"].nunique() == 19 and t["area_code"].str.startswith("E05").all()
    by_month = t.groupby("month")["vintage"].unique()
    assert list(by_month[pd.Timestamp("2024-03-01")]) == ["2024-01 to 2025-12"]  # not the partial column
    assert list(by_month[pd.Timestamp("2024-04-01")]) == ["2024-03 to 2026-03"]
    assert list(by_month[pd.Timestamp("2023-04-01")]) == ["2023-04 to 2025-03"]
    totals = t.groupby("month")["count"].sum()
    assert totals.min() > 1000  # no partial month slipped through (B&D has ~1,500-1,800 a month)


@pytest.mark.realdata
def test_real_ward_total_reconciles_with_borough_file():
    ward = mps.load_mps("ward", borough_code=BD).table
    borough = mps.load_mps("borough", borough_code=BD).table
    jan = pd.Timestamp("2024-01-01")
    b = borough.loc[borough["month"] == jan, "count"].sum()
    w = ward.loc[ward["month"] == jan, "count"].sum()
    assert b == 1680
    assert abs(w - b) / b < 0.05


@pytest.mark.realdata
def test_real_borough_gap_and_revisions_small():
    borough = mps.load_mps("borough")
    assert borough.gaps == [f"2023-{m:02d}" for m in range(3, 13)]
    assert f"{borough.table['month'].min():%Y-%m}" == "2010-04"
    ward = mps.load_mps("ward")
    bd = ward.revisions[ward.revisions["area_code"] == BD]
    assert len(bd) > 0 and bd["pct"].abs().max() < 1.2  # SOURCES.md: vintages differ by under about 1.2%
    london = ward.revisions.groupby(["month", "older_vintage", "newer_vintage"])[
        ["old_count", "new_count"]
    ].sum()
    assert ((london["new_count"] - london["old_count"]).abs() / london["old_count"]).max() < 0.012


@pytest.mark.realdata
def test_real_london_totals_cover_32_boroughs():
    table = mps.load_mps("borough").table
    codes = table.loc[table["borough_code"].notna(), "borough_code"].unique()
    assert len(set(codes) - {"E09000001"}) == 32
    lt = mps.london_totals("borough")
    jan = lt[lt["month"] == "2024-01-01"]["count"].sum()
    assert 60_000 < jan < 80_000


def test_london_summary_sums_each_of_the_32_boroughs_and_keeps_the_data_columns(tmp_path):
    root = _data_dir(tmp_path)
    _write(
        root / "crime" / "mps" / "MPS Borough Level Crime x.csv",
        [
            "MajorText,MinorText,BoroughName,202401,202402",
            "ROBBERY,ROBBERY OF PERSONAL PROPERTY,Barking and Dagenham,40,41",
            "ROBBERY,ROBBERY OF PERSONAL PROPERTY,Havering,30,31",
            "ROBBERY,ROBBERY OF BUSINESS PROPERTY,Havering,1,2",
            "ROBBERY,ROBBERY OF PERSONAL PROPERTY,City of London,5,5",
            "ROBBERY,ROBBERY OF PERSONAL PROPERTY,London Heathrow and London City Airports,2,3",
        ],
    )
    table = mps.load_mps("borough", data_dir=root).table
    london = mps.london_summary(table)
    assert list(london.columns) == mps.DATA_COLUMNS
    assert (london["area_code"].astype(str) == london["borough_code"].astype(str)).all()
    assert set(london["area_name"].astype(str)) == {"Barking and Dagenham", "Havering"}
    personal = london[london["minor"] == "ROBBERY OF PERSONAL PROPERTY"]
    assert personal.groupby("month")["count"].sum().tolist() == [70, 72]  # no City of London, no airports
    assert london["count"].sum() == 70 + 72 + 1 + 2
    # Every row is a London row, so metrics.london_rows keeps it whole (the London rate's numerator).
    from svd.metrics import london_rows

    assert len(london_rows(london)) == len(london)


def test_for_borough_narrows_rows_revisions_and_categories(tmp_path):
    root = _data_dir(tmp_path)
    _ward_file(
        root,
        "MPS Ward Level Crime (most recent 24 months) 2024-01 to 2024-03.csv",
        ["202401", "202402", "202403"],
        PARTIAL_ROWS,
    )
    merged = mps.load_mps("ward", data_dir=root)
    bd = mps.for_borough(merged, BD)
    assert set(bd.table["area_code"]) == {"E05014053", "E05014054"}
    assert list(bd.table["area_code"].cat.categories) == ["E05014053", "E05014054"]
    assert (bd.revisions["area_code"] == BD).all()
    assert merged.table["area_code"].nunique() == 3  # the input is not changed
