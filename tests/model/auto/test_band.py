"""The band stage: expected value (the old level at a level shift) and the band."""

from __future__ import annotations

import numpy as np
from trends_anomaly.auto.band import band, expected_values
from trends_anomaly.auto.shifts import LevelShift


def test_expected_is_trend_plus_season_and_the_old_level_at_a_shift():
    trend = np.array([10.0, 10, 10, 30, 30, 30])
    season = np.array([1.0, -1, 0, 1, -1, 0])
    plain = expected_values(trend, season, [])
    assert np.array_equal(plain, trend + season)
    shifted = expected_values(trend, season, [LevelShift(3, 10.0, 30.0, 9.0)])
    assert shifted[3] == 10.0 + 1.0  # the level just before, with this point's season
    assert np.array_equal(np.delete(shifted, 3), np.delete(plain, 3))


def test_a_proportional_season_at_a_shift_is_scaled_to_the_old_level():
    """A quiet term (level 10) that jumps to 30, in a week whose season is half the level
    below: the old level's expected value is 5, not 10 - 15 (the new level's swing)."""
    trend = np.array([10.0, 10, 10, 30, 30, 30])
    season = np.array([0.0, 0, 0, -15, 0, 0])
    shift = [LevelShift(3, 10.0, 30.0, 9.0)]
    assert expected_values(trend, season, shift, proportional=True)[3] == 5.0
    assert expected_values(trend, season, shift)[3] == -5.0  # additive: the same swing


def test_the_band_is_the_threshold_in_noise_units():
    e = np.array([5.0, 6.0])
    b = band(e, np.array([1.0, 2.0]), 3.0)
    assert np.array_equal(b.lower, [2.0, 0.0]) and np.array_equal(b.upper, [8.0, 12.0])
    assert np.array_equal(b.expected, e) and b.expected is not e  # (a row of its own block)


def test_the_three_curves_are_the_rows_of_one_block():
    """``rows`` holds expected, lower and upper, so a caller clips all three in one call (and
    each curve stays an array of its own: writing one leaves the others)."""
    e = np.array([5.0, 6.0, 7.0])
    b = band(e, np.array([1.0, 2.0, 0.5]), 3.0, visible=2.0)
    assert b.rows.shape == (3, 3)
    for row, curve in zip(b.rows, (b.expected, b.lower, b.upper), strict=True):
        assert np.shares_memory(row, curve) and np.array_equal(row, curve)
    np.minimum(b.rows, 10.0, out=b.rows)
    assert np.array_equal(b.upper, [8.0, 10.0, 9.0]) and np.array_equal(b.expected, e)
    b.lower[0] = -1.0
    assert b.expected[0] == 5.0 and b.upper[0] == 8.0
