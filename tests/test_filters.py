"""Record filters on a tiny hand-made record frame."""

from __future__ import annotations

import pandas as pd

from svd import filters as F


def _records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-02-01", "2025-03-01", "2025-03-01"]),
            "offence_group": ["Personal robbery", "Rape", "Personal robbery", "Violence with injury", "Rape"],
            "domestic_abuse": pd.array([False, True, None, True, False], dtype="boolean"),
            "knife": pd.array([True, False, True, False, False], dtype="boolean"),
            "hour": pd.array([16, 23, 1, None, 20], dtype="Int8"),
            "weekday": pd.array([2, 4, 4, 0, 6], dtype="Int8"),
            "ward_code": ["W1", "W2", "W1", "W1", "W2"],
            "historical": pd.array([False, True, False, False, False], dtype="boolean"),
        }
    )


def test_no_filter_keeps_everything():
    assert len(F.apply(_records(), F.RecordFilter())) == 5


def test_each_filter():
    r = _records()
    assert F.apply(r, F.RecordFilter(start=pd.Timestamp("2025-02-01"))).index.tolist() == [1, 2, 3, 4]
    assert F.apply(r, F.RecordFilter(end=pd.Timestamp("2025-02-01"))).index.tolist() == [0, 1, 2]
    assert F.apply(r, F.RecordFilter(offence_groups=("Rape",))).index.tolist() == [1, 4]
    assert F.apply(r, F.RecordFilter(domestic_abuse=True)).index.tolist() == [1, 3]
    assert F.apply(r, F.RecordFilter(knife=True)).index.tolist() == [0, 2]
    assert F.apply(r, F.RecordFilter(weekdays=(4,))).index.tolist() == [1, 2]
    assert F.apply(r, F.RecordFilter(wards=("W2",))).index.tolist() == [1, 4]
    assert F.apply(r, F.RecordFilter(exclude_historical=True)).index.tolist() == [0, 2, 3, 4]


def test_time_window_excludes_unknown_times_and_wraps_midnight():
    r = _records()
    # 15:00-20:59 holds 16 and 20; the record with no time is never counted inside a window.
    assert F.apply(r, F.RecordFilter(hours=F.PRIORITY_WINDOW)).index.tolist() == [0, 4]
    assert F.apply(r, F.RecordFilter(hours=(22, 2))).index.tolist() == [1, 2]


def test_describe_reads_as_english():
    f = F.RecordFilter(
        start=pd.Timestamp("2025-01-01"),
        end=pd.Timestamp("2025-12-01"),
        hours=(15, 21),
        weekdays=(2, 4),
        knife=True,
    )
    assert (
        F.describe(f)
        == "Jan 2025 to Dec 2025; all offence groups; knife-flagged only; 15:00 to 20:59; Wed, Fri"
    )
