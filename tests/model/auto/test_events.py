"""The event stage: candidates with their extent, peak and kind, from the standardized residual."""

from __future__ import annotations

import numpy as np
from trends_anomaly.auto import events
from trends_anomaly.auto.events import SUPPORT_Z, candidates
from trends_anomaly.auto.shifts import LevelShift

ONES = np.ones(100)


def z_with(*bumps: tuple[int, list[float]]) -> np.ndarray:
    z = np.zeros(100)
    for start, values in bumps:
        z[start : start + len(values)] = values
    return z


def test_a_spike_is_reported_at_its_peak_with_its_extent():
    (c,) = candidates(z_with((40, [2.5, 9.0, 2.2])), None, ONES)
    assert (c.start, c.end, c.index, c.sign, c.kind) == (40, 42, 41, 1, "spike")
    assert c.score == 9.0


def test_a_dip_and_a_sustained_surge():
    dip, surge = candidates(z_with((20, [-8.0]), (60, [3, 5, 6, 7, 6, 5, 3])), None, ONES)
    assert (dip.kind, dip.sign, dip.index) == ("dip", -1, 20)
    assert (surge.kind, surge.start, surge.end, surge.index) == ("temporary_change", 60, 66, 63)


def test_one_point_below_the_support_level_does_not_split_an_event():
    (c,) = candidates(z_with((30, [6, 7, 1.0, 6, 8])), None, ONES)
    assert (c.start, c.end, c.index) == (30, 34, 34)


def test_a_point_of_the_other_side_inside_a_joined_run_is_never_its_peak():
    cs = candidates(z_with((3, [2.5, -9.0, 2.5])), None, ONES)
    up = [c for c in cs if c.sign > 0]
    assert all(c.index != 4 for c in up)
    assert any(c.sign < 0 and c.index == 4 and c.kind == "dip" for c in cs)


def test_a_failed_season_is_a_seasonal_break():
    t = np.arange(100)
    season = 5 * np.sin(2 * np.pi * t / 20)
    z = np.zeros(100)
    z[40:50] = -season[40:50]  # the value sat on the trend where the season swung
    z[40:50][np.abs(z[40:50]) < SUPPORT_Z + 0.5] = SUPPORT_Z + 0.5  # keep one run
    cs = candidates(z, season, ONES)
    assert any(c.kind == "seasonal_break" for c in cs)


def test_a_level_shift_is_its_own_event_at_its_first_point():
    z = z_with((50, [3.0, 3.5, 2.5]))
    shift = LevelShift(50, 10.0, 16.0, 7.5)
    cs = candidates(z, None, ONES, [shift])
    ls = [c for c in cs if c.kind == "level_shift"]
    assert [(c.index, c.start, c.end, c.sign) for c in ls] == [(50, 50, 50, 1)]
    assert ls[0].score == 7.5  # the new level as a whole is the stronger evidence
    assert all(c.start > 50 for c in cs if c.kind != "level_shift")


def test_a_level_shift_whose_step_is_too_small_to_see_is_as_strong_as_its_first_point():
    """Its step between the levels below the visibility floor: the shift is still its first
    point's event when that point is far enough off to be seen (then it lies outside its band
    exactly when that point's own z passes the threshold); skipped only when neither is."""
    z = z_with((50, [6.0, 2.5]))
    shift = LevelShift(50, 10.0, 16.0, 9.0)  # a step of 6
    seen = np.zeros(100, dtype=bool)
    seen[50] = True
    (c,) = [c for c in candidates(z, None, ONES, [shift], 0.0, seen, 8.0) if c.index == 50]
    assert (c.kind, c.sign, c.score) == ("level_shift", 1, 6.0)  # the point alone, not 9.0
    unseen = np.zeros(100, dtype=bool)
    assert not [c for c in candidates(z, None, ONES, [shift], 0.0, unseen, 8.0) if c.index == 50]
    # A visible step keeps the stronger of the two pieces of evidence.
    (big,) = [c for c in candidates(z, None, ONES, [shift], 0.0, unseen, 5.0) if c.index == 50]
    assert big.score == 9.0


def test_below_the_support_level_a_point_joins_a_run_when_a_threshold_can_be_lower():
    """On a series of fewer than 22 points the threshold at sensitivity 1 is below SUPPORT_Z:
    a point between the two lies outside the band there, so it must be able to be an event."""
    z = z_with((30, [-1.9]))
    assert candidates(z, None, ONES, least=1.7) == []
    (c,) = candidates(z, None, ONES, least=1.7, support=1.7)
    assert (c.index, c.sign, c.kind, c.score) == (30, -1, "dip", 1.9)


def test_runs_no_sensitivity_can_report_are_skipped():
    z = z_with((10, [3.0]), (50, [9.0]))
    assert [c.index for c in candidates(z, None, ONES, least=4.0)] == [50]
    assert [c.index for c in candidates(z, None, ONES)] == [10, 50]


def test_two_surges_with_a_deep_trough_between_are_two_events():
    """The Hebrew term in 2023: 81 in early June, back to ~30 (still above ~8, never normal),
    74 in mid-July. The trough is below half of both peaks: two events, each at its peak; a
    shallow dip between two tops of one surge does not split it."""
    two = candidates(z_with((50, [4, 9, 11, 8, 3, 3.5, 3, 9.5, 10, 4])), None, ONES)
    assert [(c.start, c.end, c.index) for c in two] == [(50, 54, 52), (55, 59, 58)]
    one = candidates(z_with((50, [4, 9, 11, 8, 7, 9.5, 10, 4])), None, ONES)
    assert [(c.start, c.end, c.index) for c in one] == [(50, 57, 52)]


def test_a_few_points_off_are_grouped_as_the_array_calls_group_them(monkeypatch):
    """Runs of a few points are grouped in plain Python (see FEW_POINTS): the same candidates
    as the array calls find, with level shifts cutting runs, joined runs, troughs that split
    them, points out of reach, and infinite values."""
    rng = np.random.default_rng(12)
    for trial in range(300):
        n = int(rng.integers(8, 120))
        z = rng.normal(0, 1.6, n)
        for t in rng.integers(0, n, 3):
            z[t : t + int(rng.integers(1, 6))] += rng.choice([-1, 1]) * rng.uniform(2, 9)
        if trial % 5 == 0:
            z[rng.integers(0, n)] = rng.choice([np.inf, -np.inf])
        shifts = [LevelShift(int(t), 0.0, float(rng.normal()), 5.0) for t in rng.integers(0, n, 2)]
        seasonal = rng.normal(0, 2, n) if trial % 2 else None
        reach = rng.random(n) < 0.9
        args = (z, seasonal, np.ones(n), shifts[: trial % 3], 2.5, reach)
        few = candidates(*args)
        monkeypatch.setattr(events, "FEW_POINTS", -1)
        arrays = candidates(*args)
        monkeypatch.undo()
        assert few == arrays, trial


# --- at_peak: where an event is reported ---------------------------------------------------


def _surge() -> tuple[events.Candidate, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """An evening surge (points 10-15): strongest in noise units at its second point, where
    the expected value and the noise are still low, highest in value at its fifth."""
    expected = np.full(30, 20.0)
    expected[10:16] = [22, 24, 30, 40, 50, 45]
    sigma = np.full(30, 2.0)
    sigma[10:16] = [2, 2, 3, 4, 5, 4.5]
    x = expected.copy()
    x[10:16] = [40, 60, 62, 70, 86, 60]
    z = (x - expected) / sigma
    half = 4.0 * sigma
    c = events.Candidate(10, 15, 11, 1, float(z[11]), "temporary_change")
    return c, x, z, expected - half, expected + half


def test_a_surge_is_reported_at_its_highest_value_not_its_steepest_point():
    c, x, z, lower, upper = _surge()
    assert c.index == int(np.argmax(z)) == 11  # the candidate's strongest point
    moved = events.at_peak(c, x, z, lower, upper, bar=5.0)
    assert moved.index == 14 and x[14] == x[10:16].max()
    assert (moved.start, moved.end, moved.score, moved.kind) == (c.start, c.end, c.score, c.kind)


def test_the_peak_is_chosen_only_among_points_past_the_bar_and_outside_the_band():
    c, x, z, lower, upper = _surge()
    assert events.at_peak(c, x, z, lower, upper, bar=z[14] + 0.01).index != 14
    wide = upper.copy()
    wide[14] = x[14] + 1  # the highest value inside its band (a recurring excursion's cover)
    assert events.at_peak(c, x, z, lower, wide, bar=5.0).index == 13


def test_an_event_down_is_reported_at_its_lowest_value():
    c, x, z, lower, upper = _surge()
    flip = events.Candidate(c.start, c.end, c.index, -1, c.score, c.kind)
    mid = 100.0
    moved = events.at_peak(flip, 2 * mid - x, -z, 2 * mid - upper, 2 * mid - lower, bar=5.0)
    assert moved.index == 14


def test_level_shifts_one_point_events_and_events_below_the_bar_stay_where_they_are():
    c, x, z, lower, upper = _surge()
    shift = c._replace(kind="level_shift")
    assert events.at_peak(shift, x, z, lower, upper, bar=5.0) == shift
    point = events.Candidate(11, 11, 11, 1, c.score, "spike")
    assert events.at_peak(point, x, z, lower, upper, bar=5.0) == point
    assert events.at_peak(c, x, z, lower, upper, bar=c.score) == c


def test_a_tie_for_the_highest_value_keeps_the_strongest_point():
    expected, sigma = np.full(30, 20.0), np.full(30, 2.0)
    x = expected.copy()
    x[10:14] = [40, 60, 50, 60]  # 11 and 13 both at the top; 11 the stronger (13 noisier)
    sigma[13] = 4.0
    z = (x - expected) / sigma
    c = events.Candidate(10, 13, 11, 1, float(z[11]), "temporary_change")
    assert z[11] > z[13] > 5.0
    moved = events.at_peak(c, x, z, expected - 4 * sigma, expected + 4 * sigma, bar=5.0)
    assert moved.index == 11
