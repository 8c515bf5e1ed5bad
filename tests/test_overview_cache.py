"""The Overview's figures are computed once for every session with the same months, wards and record set
(``ui.cache.board_figures``): under load they were ~70% of each session's Overview run."""

from __future__ import annotations

import pandas as pd

from svd import aggregate as agg
from svd import overview
from ui import cache


def test_board_figures_are_computed_once_per_filters_and_months_survive_the_key(monkeypatch):
    calls = []

    def fake(*args, **kwargs):
        calls.append((args, kwargs))
        return {}, "the area"

    monkeypatch.setattr(overview, "board_figures", fake)
    monkeypatch.setattr(cache, "mps_ward", lambda root, code="": (None, pd.DataFrame()))
    monkeypatch.setattr(cache, "london_populations", lambda root: pd.DataFrame())
    monkeypatch.setattr(cache, "ward_population", lambda root: pd.DataFrame())
    cache.board_figures.clear()
    periods = agg.periods_for(pd.Timestamp("2025-10-01"), pd.Timestamp("2026-03-01"))
    key = cache.months_key(periods)
    try:
        for _ in range(3):  # three sessions, same filters
            assert cache.board_figures("root", None, False, (), key) == ({}, "the area")
        assert len(calls) == 1
        rebuilt = calls[0][1]["periods"]
        assert list(rebuilt.current) == list(periods.current)
        assert list(rebuilt.previous) == list(periods.previous)  # October–March against October–March
        cache.board_figures("root", None, False, ("E05014053",), key)  # other wards: computed
        cache.board_figures("root", None, False, (), None)  # the default months: computed
        assert len(calls) == 3
        assert calls[2][1]["periods"] is None
    finally:
        cache.board_figures.clear()
