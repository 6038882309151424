"""The series-end stage: a burst on the last rows is judged against the level before it.

At the end a running median continues the series by a point reflection through the median of
its last three points: once two of them are a burst, the continuation is lifted with it and
the baseline follows the burst. These series are flat with a little noise and end on a surge
of two, three or four rows (a term that trebles in its last weeks)."""

from __future__ import annotations

import numpy as np
import pytest
from trends_anomaly.auto.decomposition import Decomposition
from trends_anomaly.auto.ending import _end_level, end_burst
from trends_anomaly.auto.noise import NoiseScale
from trends_anomaly.auto.robust import rolling_median

from .test_pipeline import detect


def _flat(n: int = 156, level: float = 10.0, seed: int = 5) -> np.ndarray:
    """Three years of weekly counts at a steady level with a little noise (no season)."""
    rng = np.random.default_rng(seed)
    return np.round(level + rng.normal(0.0, 1.0, n))


@pytest.mark.parametrize("surge", [[30.0, 34.0], [26.0, 31.0, 35.0], [24.0, 28.0, 35.0, 30.0]])
def test_a_surge_on_the_last_rows_is_reported_and_lies_outside_the_band(surge):
    x = _flat()
    x[-len(surge) :] = surge
    d = detect(x, period=0)
    # One event, up, over the surge's rows; nothing before it (a baseline lifted by the surge
    # made the flat rows just before it read as a dip).
    assert [(a.direction, a.start, a.end) for a in d.anomalies] == [
        ("up", x.size - len(surge), x.size - 1)
    ]
    # The expected value stays at the level before the surge (about 10), not on the surge,
    # and every row of the surge lies above the band (the picture agrees with the flag).
    assert np.all(d.expected[-len(surge) :] < 12.0)
    assert np.all(x[-len(surge) :] > d.upper[-len(surge) :])


def test_the_surge_is_reported_at_every_higher_sensitivity():
    x = _flat()
    x[-3:] = [26.0, 31.0, 35.0]
    found = [{a.index for a in detect(x, period=0, sensitivity=s).anomalies} for s in (0.5, 1.0)]
    assert found[0] and found[0] <= found[1]


def test_a_flat_series_and_a_gentle_rise_at_the_end_are_left_alone():
    x = _flat()
    assert detect(x, period=0).anomalies == []
    ramp = _flat() + np.linspace(0.0, 6.0, x.size)  # a slow trend, not a burst
    assert detect(ramp, period=0).anomalies == []


def _dec(x: np.ndarray, trend: np.ndarray) -> Decomposition:
    n = x.size
    noise = NoiseScale(np.full(n, 1.0), 1.0, 1.0)
    ok = np.ones(n, dtype=bool)
    return Decomposition(trend, trend, np.zeros(n), ok, ~ok, "none", noise, 1)


def test_the_stage_holds_the_baseline_at_the_level_before_the_burst():
    x = np.full(40, 10.0)
    x[-3:] = [30.0, 32.0, 31.0]
    lifted = x.copy()  # what a baseline that follows the burst reads
    dec, k = end_burst(x, _dec(x, lifted), 9, 3.0)
    assert k == 3
    assert np.all(dec.trend[-3:] == 10.0) and np.all(dec.trend[:-3] == 10.0)


def test_the_stage_leaves_rows_within_the_noise_and_a_lone_mixed_end_alone():
    x = np.full(40, 10.0)
    x[-2:] = [12.0, 12.5]  # within 3 noise units
    dec = _dec(x, x.copy())
    assert end_burst(x, dec, 9, 3.0) == (dec, 0)
    x[-2:] = [30.0, 2.0]  # one up, one down: no burst of two, and the last row alone is low
    out, k = end_burst(x, dec, 9, 3.0)
    assert k == 1 and out.trend[-1] == 10.0  # the drop is judged (the last-row stage decides)


def test_the_stage_needs_a_local_window_before_the_burst():
    x = np.full(12, 10.0)
    x[-4:] = 30.0
    dec = _dec(x, x.copy())
    assert end_burst(x, dec, 9, 3.0, cuts=[6]) == (dec, 0)


@pytest.mark.parametrize("window", [5, 7, 9])
def test_the_level_before_is_the_local_baselines_own_value_at_the_cut(window):
    rng = np.random.default_rng(window)
    for _ in range(50):
        y = np.round(rng.normal(20.0, 5.0, 30)) + np.arange(30) * rng.normal(0.0, 0.5)
        want = rolling_median(y, window, leave_out=True)[-1]
        assert _end_level(y.tolist(), y.size, window // 2) == pytest.approx(want, abs=1e-12)
