"""The decomposition stage: a baseline that follows the level and runs under the events."""

from __future__ import annotations

import numpy as np
from trends_anomaly.auto.decomposition import (
    _lifts_long,
    decompose,
    first_level,
    kept_median,
    segment_median,
)
from trends_anomaly.auto.season import Phases
from trends_anomaly.auto.visible import visible_floor


def test_the_baseline_runs_under_a_sustained_surge():
    """A 20-week surge to three times the level: the band's centre stays at the usual level
    (an analyst's "vs ~30 before"), it is not lifted onto the surge."""
    rng = np.random.default_rng(0)
    x = np.round(30 + rng.normal(0, 2, 261))
    x[120:140] += 60
    d = decompose(x, 53, 7, None, 1.0)
    assert np.abs(d.trend[120:140] - 30).max() < 4
    assert not d.normal[120:140].any() and d.broad[120:140].all()
    assert d.passes >= 2


def test_the_baseline_follows_a_trend_and_ordinary_wandering():
    rng = np.random.default_rng(1)
    t = np.arange(261)
    x = 20 + 0.2 * t + 5 * np.sin(2 * np.pi * t / 90) + rng.normal(0, 1, 261)
    d = decompose(x, 53, 7, None, 1e-9)
    assert np.abs(d.trend - (x - rng.normal(0, 0, 261))).mean() < 2.5
    assert d.normal.mean() > 0.97
    assert np.abs(x - d.trend)[-5:].max() < 5  # the trend continues to the last point


def test_a_cut_keeps_a_step_sharp():
    rng = np.random.default_rng(2)
    x = np.concatenate((np.full(130, 20.0), np.full(131, 50.0))) + rng.normal(0, 1, 261)
    cut = decompose(x, 53, 7, None, 1e-9, cuts=[130])
    assert abs(cut.trend[129] - 20) < 2 and abs(cut.trend[130] - 50) < 2
    assert segment_median(x, 7, [130])[129] < 25


def test_the_season_is_fitted_and_the_noise_comes_with_it():
    rng = np.random.default_rng(3)
    t = np.arange(260)
    x = 50 * (1 + 0.3 * np.sin(2 * np.pi * t / 52)) + rng.normal(0, 1.5, 260)
    p = Phases(t % 52, 52, calendar=False)
    d = decompose(x, 53, 7, p, 1e-9, rough=first_level(x, 53, 52))
    assert d.model in ("multiplicative", "additive")
    assert np.abs(x - d.trend - d.seasonal).std() < 2.5
    assert 1.0 < np.median(d.noise.sigma) < 3.0


def test_a_season_that_outgrows_its_fit_is_not_set_aside():
    """American football: peaks of ~45 for years, then ~85 for the last seven. Each recent
    peak stands off the fitted season, but so does the one a year before: the season grew;
    the peaks are not events and the baseline follows them."""
    t = np.arange(210)
    peak = np.where(t < 120, 40.0, 80.0)
    shape = np.clip(1 - np.abs((t % 12) - 9) / 2.0, 0, None)  # Aug-Nov, top in October
    x = np.round(8 + peak * shape + np.random.default_rng(4).normal(0, 1, 210))
    p = Phases(t % 12, 12, calendar=False)
    d = decompose(x, 25, 5, p, 1.0, rough=first_level(x, 25, 12), visible=visible_floor(x))
    assert not d.broad.any()


def test_a_surge_set_aside_in_pieces_is_refitted_underneath():
    """A 20-week surge whose local level only partly clears the bar (five of seven points in
    one window, not four in a row): still enough to move a 7-point median, so the baselines are
    refitted and the centre stays at the usual level under the surge's top."""
    from trends_anomaly.auto.decomposition import _stretch_changed

    before = np.zeros(30, dtype=bool)
    after = before.copy()
    after[[10, 11, 12, 14, 15]] = True  # a gap at 13
    assert _stretch_changed(before, after, 7)
    after = before.copy()
    after[[10, 12, 14]] = True  # three of seven: half of a point's six neighbours
    assert _stretch_changed(before, after, 7)
    after = before.copy()
    after[[10, 14]] = True  # two of seven: a median of six neighbours ignores them
    assert not _stretch_changed(before, after, 7)


def test_a_stretch_changes_when_some_window_holds_half_its_points_changed():
    """The span test agrees with counting changed points in every window, at every size."""
    from trends_anomaly.auto.decomposition import _stretch_changed

    rng = np.random.default_rng(3)
    for _ in range(3000):
        n, window = int(rng.integers(1, 200)), int(rng.integers(1, 20))
        before = rng.random(n) < rng.choice([0.0, 0.02, 0.2])
        after = rng.random(n) < rng.choice([0.0, 0.02, 0.2])
        w, need = min(window, n), window // 2
        changed = (before != after).astype(int)
        counts = [changed[j : j + w].sum() for j in range(n - w + 1)]
        assert _stretch_changed(before, after, window) == (max(counts) >= need)
        if not before.any():
            assert _stretch_changed(None, ~after, window) == (max(counts) >= need)


def test_a_three_day_surge_is_refitted_under_a_five_day_local_level():
    """Daily data: the local level is the median of a point's four neighbours, and two of
    them on a three-day surge lift it halfway up; once the surge's points are set aside the
    level is refitted underneath, so a surge of seven noise units is found on every seed."""
    from trends_anomaly.auto import detect_auto

    from .test_pipeline import DEFAULTS, make_series

    found = 0
    for seed in range(20):
        x = np.round(40 + np.random.default_rng(700 + seed).normal(0, 2, 90))
        x[50:53] += 14
        d = detect_auto(make_series(x, "daily"), {**DEFAULTS, "period": 0})
        found += any(50 <= a.index <= 52 for a in d.anomalies)
    assert found == 20


def test_what_some_sensitivity_can_report_is_not_fitted_on():
    """On a short series the lowest reporting threshold is below 3 noise units (2.5 at 90
    points): a point at 2.8 is set aside from the baselines when the caller passes that
    threshold, and kept at the default of 3."""
    from trends_anomaly.auto.threshold import z_threshold

    x = 30 + np.random.default_rng(11).normal(0, 2, 90)
    x[45] = 34.0
    least = z_threshold(1.0, None, x.size)
    kept = decompose(x, 23, 5, None, 1e-6)
    z = (x[45] - kept.trend[45]) / kept.noise.sigma[45]
    assert least < z < 3.0  # the case in question
    assert kept.normal[45]
    assert not decompose(x, 23, 5, None, 1e-6, mask_z=least).normal[45]


def test_kept_median_is_the_running_median_of_the_kept_points_only():
    """Inside the series, each window's value is the median of its kept points: with an odd
    number of them exactly, with an even number one of their two middle values."""
    rng = np.random.default_rng(5)
    for trial in range(40):
        n, w = 120, int(rng.choice([5, 9, 25, 53]))
        v = np.round(rng.normal(30, 8, n))
        keep = rng.random(n) > rng.uniform(0.05, 0.6)
        keep[rng.integers(0, n - 10) :][:8] = False  # and a stretch set aside
        got = kept_median(v, keep, w)
        h = w // 2
        for t in range(h, n - h):
            kept = np.sort(v[t - h : t + h + 1][keep[t - h : t + h + 1]])
            if kept.size == 0:
                continue
            k = kept.size
            if k % 2:
                assert got[t] == kept[k // 2], (trial, t)
            else:
                assert got[t] in (kept[k // 2 - 1], kept[k // 2]), (trial, t)
    assert np.array_equal(kept_median(v, np.ones(n, bool), 9), segment_median(v, 9, ()))


def test_kept_median_reads_across_windows_without_a_kept_point():
    x = np.arange(60, dtype=float)
    keep = np.ones(60, bool)
    keep[20:40] = False  # wider than the window: its middle windows hold no kept point
    m = kept_median(x, keep, 5)
    inside = m[20:40]
    assert np.all((inside >= 18) & (inside <= 41))  # between the kept points on each side
    assert np.all(np.diff(inside) >= 0)
    assert np.array_equal(m[:18], segment_median(x, 5, ())[:18])
    assert np.array_equal(kept_median(x, np.zeros(60, bool), 5), np.full(60, 29.5))


def _hourly_with_evening_surge(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A week of hours, level 25 with a proportional daily season peaking in the evening, and
    a 12-hour evening surge on day five (to ~85 at its top, where ~35 is usual)."""
    rng = np.random.default_rng(seed)
    t = np.arange(168)
    clean = 25 * (1 + 0.45 * np.sin(2 * np.pi * (t % 24 - 14) / 24))
    x = np.round(clean + rng.normal(0, 1.5, 168))
    x[110:122] += [10, 25, 40, 38, 36, 35, 38, 42, 50, 45, 30, 15]
    return x, clean


def test_an_evening_surge_does_not_lift_its_own_season():
    """The surge fills half of a day's window, and a proportional season is a share of the
    first level: both were lifted under it (the expected value at the top 4-9 above the usual
    evening, 3-6 noise units). Once it is set aside, level and shares are taken without it."""
    for seed in range(8):
        x, clean = _hourly_with_evening_surge(seed)
        p = Phases(np.arange(168) % 24, 24, calendar=False)
        d = decompose(x, 25, 5, p, 1.0, rough=first_level(x, 25, 24), visible=visible_floor(x))
        assert d.model == "multiplicative"
        assert d.broad[112:120].all()
        top = 118
        expected = d.trend[top] + d.seasonal[top]
        assert clean[top] - 4 * 1.5 <= expected <= clean[top] + 1.5, seed


def test_the_last_fit_runs_where_a_long_window_lost_a_tenth_of_its_points():
    """Spikes set aside one at a time (a long metric's) leave every long window nearly whole:
    no last fit, whose running medians would move by a hair at the cost of a whole pass."""
    normal = np.ones(500, bool)
    normal[::13] = False  # 1 or 2 in every 25: 8 % at most
    assert not _lifts_long(normal, 25)
    normal[200:203] = False  # 3 in a row among them: some window holds 5 (20 %)
    assert _lifts_long(normal, 25)
    assert _lifts_long(~np.ones(10, bool), 25)  # a window longer than the series
