"""Phase layouts kept per time axis: shared by the terms of an export, never stale."""

from __future__ import annotations

import numpy as np
import pytest
from trends_anomaly.auto import layouts
from trends_anomaly.auto.layouts import cached_phases
from trends_anomaly.auto.pipeline import detect_auto
from trends_anomaly.auto.season import phases_for
from trends_anomaly.timeaxis import infer_step
from trends_anomaly.types import Series


def weekly(n: int, start: str, values: np.ndarray | None = None) -> Series:
    ts = (np.datetime64(start) + 7 * np.arange(n)).astype("datetime64[s]")
    v = np.zeros(n) if values is None else values
    return Series("t", ts, [str(t) for t in ts], v, infer_step(ts))


def same_layout(a, b) -> bool:
    return all(
        np.array_equal(getattr(a, k), getattr(b, k))
        for k in ("phase", "rows", "point_stats", "phase_mid", "prev_phase", "next_phase")
    )


def test_one_layout_per_time_axis_and_it_is_read_only():
    a, b = weekly(261, "2019-01-06"), weekly(261, "2019-01-06", np.ones(261))
    other = weekly(261, "2019-01-13")
    pa = cached_phases(a, 261, 52)
    assert cached_phases(b, 261, 52) is pa  # another term of the same export
    assert same_layout(pa, phases_for(a, 261, 52))
    po = cached_phases(other, 261, 52)
    assert po is not pa and same_layout(po, phases_for(other, 261, 52))
    with pytest.raises(ValueError):
        pa.rows[0, 0] = 1
    assert cached_phases(a, 261, 0) is None


def test_the_cache_holds_a_few_axes_and_drops_the_oldest():
    starts = [str(np.datetime64("2000-01-02") + 7 * k) for k in range(layouts.LAYOUT_CACHE + 1)]
    first = cached_phases(weekly(120, starts[0]), 120, 52)
    for s in starts[1:]:
        cached_phases(weekly(120, s), 120, 52)
    assert len(layouts._LAYOUTS) <= layouts.LAYOUT_CACHE
    again = cached_phases(weekly(120, starts[0]), 120, 52)
    assert again is not first and same_layout(again, first)


def test_answers_are_the_same_with_and_without_the_cache(monkeypatch):
    rng = np.random.default_rng(3)
    t = np.arange(261)
    x = np.round(40 + 15 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 3, 261))
    x[100] += 40
    s = weekly(261, "2018-03-04", x)
    warm = [detect_auto(s, {}) for _ in range(2)]  # the second reads the kept layout
    monkeypatch.setattr(layouts, "LAYOUT_CACHE", 0)
    monkeypatch.setattr(layouts, "_LAYOUTS", {})
    cold = detect_auto(s, {})
    for d in warm:
        assert np.array_equal(d.expected, cold.expected)
        assert np.array_equal(d.lower, cold.lower) and np.array_equal(d.upper, cold.upper)
        assert d.anomalies == cold.anomalies and d.chosen == cold.chosen


def test_clear_forgets_every_kept_layout():
    s = weekly(150, "2020-02-02")
    kept = cached_phases(s, 150, 52)
    assert cached_phases(s, 150, 52) is kept
    layouts.clear()
    assert not layouts._LAYOUTS
    rebuilt = cached_phases(s, 150, 52)
    assert rebuilt is not kept and same_layout(rebuilt, kept)
