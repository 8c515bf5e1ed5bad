"""Days and times charts drawn from spec templates: the same spec as the altair builders, rows swapped per rerun."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from svd import charts
from svd import temporal as tp


def _grid(seed: int = 1) -> pd.DataFrame:
    return tp.time_grid(
        np.concatenate([[0] * 24, np.random.default_rng(seed).integers(0, 9, 7 * 24), [0]]).astype(np.int64)
    )


def _season() -> pd.DataFrame:
    months = pd.date_range("2023-01-01", periods=30, freq="MS")
    return tp.seasonality(pd.DataFrame({"month": months, "count": np.arange(30)}))


def _resolved(spec: dict) -> dict:
    """The spec with each named-data reference replaced by its rows (dataset names differ, content must not)."""
    spec = charts.spec_json_ready(spec)
    datasets = spec.get("datasets", {})

    def walk(o):
        if isinstance(o, dict):
            if set(o) == {"name"} and o["name"] in datasets:
                return {"values": datasets[o["name"]]}
            return {k: walk(v) for k, v in o.items() if k != "datasets"}
        if isinstance(o, list):
            return [walk(v) for v in o]
        return o

    return json.loads(json.dumps(walk(spec)))


def _pairs():
    grid = _grid()
    hidden = tp.suppress_counts(grid, ("weekday",))
    hours, days = tp.hour_profile(grid), tp.weekday_profile(grid)
    return [
        (tp.heatmap_chart(grid), tp.heatmap_spec(grid)),
        (tp.heatmap_chart(hidden), tp.heatmap_spec(hidden)),
        (tp.heatmap_chart(grid, (6, 9), "Mornings"), tp.heatmap_spec(grid, (6, 9), "Mornings")),
        (tp.hour_chart(hours), tp.hour_spec(hours)),
        (tp.weekday_chart(days), tp.weekday_spec(days)),
        (tp.seasonality_chart(_season(), "A title"), tp.seasonality_spec(_season(), "A title")),
    ]


def test_template_specs_equal_the_altair_charts():
    for chart, spec in _pairs():
        assert _resolved(spec) == _resolved(chart.to_dict())  # to_dict validates the builder's spec
        assert spec["title"] and spec["description"]
        assert isinstance(spec["datasets"][charts.ROWS], pa.Table)


def test_templates_are_built_once_and_left_unchanged():
    a, b = tp.hour_spec(tp.hour_profile(_grid(1))), tp.hour_spec(tp.hour_profile(_grid(2)))
    assert a["encoding"] == b["encoding"] and a["datasets"][charts.ROWS] != b["datasets"][charts.ROWS]
    template = charts.spec_template(tp._hour)
    assert charts.spec_template(tp._hour) is template and charts.ROWS not in template.get("datasets", {})
    # Streamlit patches a null legend title in place: on the copy, never on the shared template.
    a["encoding"]["color"]["title"] = " "
    assert template["encoding"]["color"]["title"] is None


def test_templates_follow_the_altair_theme():
    profile = tp.hour_profile(_grid())
    plain = tp.hour_spec(profile)
    with alt.theme.enable("dark"):
        dark = tp.hour_spec(profile)
        assert _resolved(dark) == _resolved(tp.hour_chart(profile).to_dict())
    assert _resolved(dark) != _resolved(plain)
    assert _resolved(tp.hour_spec(profile)) == _resolved(plain)


def test_json_ready_spec_is_valid_vega_lite_with_nulls_for_hidden_counts():
    hidden = tp.suppress_counts(_grid(), ("weekday",))
    spec = json.loads(json.dumps(charts.spec_json_ready(tp.heatmap_spec(hidden))))
    alt.LayerChart.from_dict(spec)  # validates against the schema
    rows = spec["datasets"][charts.ROWS]
    assert len(rows) == 168 and any(r["count"] is None and r["shown"] == "<5" for r in rows)


def test_spec_rows_are_capped():
    with pytest.raises(ValueError, match="at most"):
        charts.spec_with_rows(
            charts.spec_template(tp._hour), pd.DataFrame({"hour": range(charts.MAX_ROWS + 1)})
        )


def test_time_counts_give_the_grid_and_the_known_hours():
    from svd import hotspots as hs
    from svd.filters import RecordFilter

    recs = pd.DataFrame(
        {
            "month": pd.to_datetime(["2024-01-01"] * 4),
            "hour": pd.array([15, 20, 3, None], dtype="Int8"),
            "weekday": pd.array([0, None, 6, 2], dtype="Int8"),
            "offence": ["gbh"] * 4,
            "lsoa_code": ["L1"] * 4,
            "latitude": [None] * 4,
            "longitude": [None] * 4,
        }
    )
    cube = hs.tasking_cube(recs)
    counts = tp.cube_time_counts(cube, hs.cube_mask(cube, RecordFilter()))
    assert counts.size == tp.TIME_BINS and counts.sum() == 4
    # The hour known without a weekday counts towards the window share, not the grid.
    assert tp.time_window_share(counts) == tp.window_share(recs) == (2, 3, pytest.approx(2 / 3))
    pd.testing.assert_frame_equal(tp.time_grid(counts), tp.hour_weekday(recs))


def test_chart_downloads_write_the_spec_only_when_clicked(monkeypatch):
    from ui import exports

    pressed = {}

    def button(label, data, **kw):
        pressed[label] = data

    monkeypatch.setattr(exports.st, "download_button", button)
    spec = tp.weekday_spec(tp.weekday_profile(_grid()))
    exports.chart_downloads(spec, "Offences by weekday", key="t")
    assert set(pressed) == {"PNG", "SVG"} and all(callable(f) for f in pressed.values())
    svg = pressed["SVG"]()
    assert svg.lstrip().startswith("<svg") and "Monday" in svg


@pytest.mark.parametrize("kept", [0.0, 0.2, 0.7, 1.0])  # both ways of counting: gathered rows and a full pass
def test_time_counts_for_sparse_and_dense_masks(kept):
    from types import SimpleNamespace

    rng = np.random.default_rng(3)
    n = 5000
    hour, weekday = rng.integers(-1, 24, n).astype(np.int8), rng.integers(-1, 7, n).astype(np.int8)
    cube = SimpleNamespace(codes={"hour": hour, "weekday": weekday}, n=rng.integers(1, 5, n))
    mask = rng.random(n) < kept
    counts = tp.cube_time_counts(cube, mask)
    grid = np.zeros((7, 24), dtype=np.int64)
    ok = mask & (hour >= 0) & (weekday >= 0)
    np.add.at(grid, (weekday[ok], hour[ok]), cube.n[ok])
    assert (tp.time_grid(counts)["count"].to_numpy() == grid.ravel()).all()
    assert counts.sum() == cube.n[mask].sum()
