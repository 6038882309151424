"""The period stage: the calendar's cycle, kept only when the data shows it."""

from __future__ import annotations

import numpy as np
from trends_anomaly.auto.period import (
    MIN_CYCLES,
    Period,
    calendar_period,
    choose_period,
    seasonal_acf,
)
from trends_anomaly.timeaxis import infer_step
from trends_anomaly.types import Series


def series(values, step_s: int = 7 * 86400) -> Series:
    x = np.asarray(values, dtype=float)
    ts = np.datetime64("2019-01-06T00:00:00") + step_s * np.arange(x.size).astype("timedelta64[s]")
    return Series("t", ts, [str(t) for t in ts], x, infer_step(ts))


def seasonal(n=261, period=52, sd=2.0, seed=0):
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return 50 + 10 * np.sin(2 * np.pi * t / period) + rng.normal(0, sd, n)


def test_a_clear_season_is_confirmed():
    s = series(seasonal())
    assert choose_period(s, s.values, None) == Period(52, "timestamps+confirmed", 52)
    assert seasonal_acf(s.values, 52) > 0.5


def test_noise_and_a_trend_have_no_season():
    rng = np.random.default_rng(1)
    for x in (50 + rng.normal(0, 3, 261), np.linspace(5, 90, 261) + rng.normal(0, 2, 261)):
        s = series(x)
        assert choose_period(s, x, None).period == 0
        assert choose_period(s, x, None).source == "none:not_confirmed"


def test_fewer_than_three_cycles_infer_no_season():
    """Two years of a pandemic term would "confirm" themselves as the season."""
    s = series(seasonal(n=MIN_CYCLES * 52 - 1))
    p = choose_period(s, s.values, None)
    assert p.period == 0 and p.source == "none:too_short_for_period" and p.hint == 52


def test_a_requested_period_needs_two_cycles_and_zero_disables():
    s = series(seasonal(n=120))
    assert choose_period(s, s.values, 26).period == 26
    assert choose_period(s, s.values, 61).source == "parameter:too_short"
    assert choose_period(s, s.values, 0) == Period(0, "parameter:none", 52)


def test_hourly_data_may_use_a_weekly_period():
    t = np.arange(24 * 7 * 4)
    daily = np.sin(2 * np.pi * t / 24)
    weekend = np.where((t // 24) % 7 >= 5, 3.0, 0.0)
    x = 20 + 2 * daily + weekend + np.random.default_rng(0).normal(0, 0.3, t.size)
    s = series(x, 3600)
    assert calendar_period(s) == 24
    assert choose_period(s, x, None).period == 24 * 7


def test_a_given_level_replaces_the_running_median():
    x = seasonal()
    assert seasonal_acf(x, 52, np.full(x.size, 50.0)) > 0.5


def test_the_autocorrelation_is_the_plain_formula_bit_for_bit():
    """The winsorized, detrended series' lag-``period`` autocorrelation, normalised by the
    overlap, exactly as the formula reads with numpy's matrix product (however it is summed)."""
    from trends_anomaly.auto.robust import MAD_TO_SD, median

    for seed, n in ((0, 156), (1, 261), (2, 520), (3, 1000)):
        x = np.round(seasonal(n=n, seed=seed))
        level = np.full(n, 50.0)
        d = x - level
        d -= np.median(d)
        s = MAD_TO_SD * median(np.abs(d))
        d = np.clip(d, -3.0 * s, 3.0 * s)
        d -= d.sum() / n
        want = float(np.matmul(d[52:], d[:-52])) / float(np.matmul(d, d)) * n / (n - 52)
        assert seasonal_acf(x, 52, level) == want
