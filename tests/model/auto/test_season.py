"""The seasonal stage: calendar phases, per-phase shapes, holidays that move, seasons that grow."""

from __future__ import annotations

import numpy as np
import pytest
from trends_anomaly.auto.season import (
    SHARP_PROFILE,
    Phases,
    calendar_weeks,
    fit_season,
    phases_for,
)
from trends_anomaly.timeaxis import infer_step
from trends_anomaly.types import Series


def weekly(n: int, start: str = "2019-01-06") -> Series:
    ts = (np.datetime64(start) + 7 * np.arange(n)).astype("datetime64[s]")
    return Series("t", ts, [str(t) for t in ts], np.zeros(n), infer_step(ts))


def test_calendar_weeks_follow_the_year_not_a_52_week_cycle():
    s = weekly(261)
    w = calendar_weeks(s)
    assert w is not None and w.min() >= 0 and w.max() < 52
    days = s.timestamps.astype("datetime64[D]")
    doy = (days - days.astype("datetime64[Y]")).astype(int)
    assert np.array_equal(np.floor(w).astype(int), np.minimum(doy // 7, 51))
    broken = Series("t", s.timestamps.copy(), s.labels, s.values, s.step)
    broken.timestamps[3] = np.datetime64("NaT")
    assert calendar_weeks(broken) is None
    assert phases_for(broken, 261, 52).calendar is False  # index phases instead


def test_phases_table_holds_every_point_once():
    p = Phases(np.arange(30) % 7, 7, calendar=False)
    held = p.rows[p.rows < 30]
    assert sorted(held.tolist()) == list(range(30))
    assert p.rows[3][p.rows[3] < 30].tolist() == [3, 10, 17, 24]


def test_profiles_recover_a_season_and_ignore_one_unusual_cycle():
    n, period = 120, 12
    t = np.arange(n)
    season = 5 * np.sin(2 * np.pi * t / period)
    d = season.copy()
    d[48:60] += 40  # one whole unusual cycle
    p = Phases(t % period, period, calendar=False)
    own, prev, nxt, _ = p.profiles(d[None])
    assert np.allclose(own[0], season, atol=0.5)
    assert np.allclose(prev[0][1:], own[0][:-1], atol=1e-9)
    assert np.allclose(nxt[0][:-1], own[0][1:], atol=1e-9)


def test_the_season_is_the_median_of_the_other_cycles_however_many():
    """17 years of monthly data, a peak month each year: the season there is the median of the
    other 16 years, one wild year ignored (a growing season is the recurrence stage's job)."""
    n, period = 204, 12
    t = np.arange(n)
    peak = (t % period == 0) * (20.0 + (t // period == 9) * 200.0)  # one year ten times
    p = Phases(t % period, period, calendar=False)
    own = p.profiles(peak[None])[0][0]
    assert own[0] == pytest.approx(20 - 20 / 12, abs=0.5)  # centred over the year
    assert own[9 * 12] == pytest.approx(20 - 20 / 12, abs=0.5)  # the wild year's own


def test_fit_season_is_proportional_without_negative_values_and_additive_with_them():
    """One model, chosen by the data's sign (not the better fitting of two): a season of a
    fixed amount on a level that grows fivefold is still fitted as a share of the level."""
    n = 260
    t = np.arange(n)
    trend = np.linspace(10, 100, n)
    x = trend * (1 + 0.3 * np.sin(2 * np.pi * t / 52))
    p = Phases(t % 52, 52, calendar=False)
    mul = fit_season(x, trend, p)
    assert mul.model == "multiplicative"
    assert np.allclose(mul.values, x - trend, atol=0.1 * trend.max() * 0.3)
    neg = fit_season(x - 200, trend - 200, p)
    assert neg.model == "additive"
    assert fit_season(x, trend, None).model == "none"
    fixed = trend + 8 * np.sin(2 * np.pi * t / 52)  # what an additive season fits exactly
    assert fit_season(fixed, trend, p).model == "multiplicative"


def test_a_proportional_season_keeps_its_shares_on_another_level():
    """What the decomposition does once an event lifted the level the season was scaled by:
    the same shares, of the level without the event."""
    n = 260
    t = np.arange(n)
    trend = np.full(n, 40.0)
    x = trend * (1 + 0.3 * np.sin(2 * np.pi * t / 52))
    p = Phases(t % 52, 52, calendar=False)
    mul = fit_season(x, trend, p)
    assert mul.model == "multiplicative" and mul.base is not None
    half = mul.rescaled(trend / 2)
    assert np.allclose(half.values, mul.values / 2)
    assert np.allclose(half.base, trend / 2)
    add = fit_season(x - 200, trend - 200, p)
    assert add.base is None and add.rescaled(trend / 2) is add


def test_a_holiday_that_moves_by_a_week_takes_the_neighbouring_week():
    s = weekly(261)
    days = s.timestamps.astype("datetime64[D]")
    doy = (days - days.astype("datetime64[Y]")).astype(int)
    holiday = ((doy >= 355) & (doy < 362)).astype(float) * 30
    w = calendar_weeks(s)
    p = Phases(w.astype(np.intp), 52, calendar=True, position=w)
    own, prev, nxt, with_point = p.profiles(holiday[None])
    fitted = p.tile(own[0], prev[0], nxt[0], holiday, with_point[0])
    assert np.abs(fitted - holiday).max() < 8  # every holiday point and its neighbours fit


def test_a_point_is_judged_by_its_own_jump_whatever_the_rest_of_the_season_does():
    """No phase of this season jumps (every week-to-week step is 1), but one point's own
    phase's median with itself (``with_point``) is 20 away and fits it: it takes that value.
    It did not when no step anywhere was sharp, so a row's season depended on whether another
    row fitted in the same pass had a holiday."""
    s = weekly(261)
    w = calendar_weeks(s)
    p = Phases(w.astype(np.intp), 52, calendar=True, position=w)
    n = w.size
    own, prev, nxt = np.zeros(n), np.zeros(n), np.ones(n)
    with_point, d = np.zeros(n), np.zeros(n)
    with_point[100] = d[100] = 20.0
    fitted = p.tile(own, prev, nxt, d, with_point)
    assert fitted[100] == 20.0
    assert np.abs(np.delete(fitted, 100)).max() <= 1.0
    # The same row fitted beside one whose season has a sharp step: the same answer.
    jump = np.zeros(n)
    jump[50] = 40.0  # a sharp step between two weeks of the other row's season
    other = (np.zeros(n), np.zeros(n), jump, np.zeros(n), np.zeros(n))
    rows = [np.stack(pair) for pair in zip(other, (own, prev, nxt, d, with_point), strict=True)]
    assert np.array_equal(p.tile(*rows)[1], fitted)


def test_months_do_not_borrow_a_neighbouring_month():
    """A sport whose season starts sharply in September: August stays August every year (only
    calendar weeks drift), so a quiet August is not read as a missing September."""
    n, period = 120, 12
    t = np.arange(n)
    shape = np.where(t % period == 8, 50.0, np.where(t % period == 7, 10.0, 0.0))
    d = shape.copy()
    d[7::12] = 30.0  # Augusts between the usual 10 and September's 50
    p = Phases(t % period, period, calendar=False)
    own, prev, nxt, _ = p.profiles(d[None])
    fitted = p.tile(own[0], prev[0], nxt[0], d)
    assert np.allclose(fitted, own[0])


def test_a_point_is_left_out_of_its_own_season():
    """Five cycles whose first phase reads 0, 0, 10, 10, 10: each point's season is the median
    of the four other cycles, so it never follows the point itself (the two 0s read 10, the
    three 10s read 5): a residual is never pinned at zero by its own value."""
    period = 4
    d = np.zeros(5 * period)
    d[np.array([2, 3, 4]) * period] = 10.0
    p = Phases(np.arange(d.size) % period, period, calendar=False)
    own = p.profiles(d[None])[0][0]
    at_zero, at_ten = own[[0, period]], own[[2 * period, 3 * period, 4 * period]]
    assert np.allclose(at_zero, at_zero[0]) and np.allclose(at_ten, at_ten[0])
    assert at_zero[0] == pytest.approx(2 * at_ten[0])  # 10 and 5, each less its year's mean


@pytest.mark.parametrize("calendar", [True, False])
def test_one_series_reads_the_same_season_as_a_row_of_many(calendar):
    """``profiles`` and ``tile`` take one series as a 1-D array (the detector's call, without
    2-D broadcasting) and give exactly what the same series as a row of a 2-D call gives."""
    s = weekly(261)
    p = phases_for(s, 261, 52) if calendar else Phases.cyclic(261, 52)
    assert p.calendar is calendar
    rng = np.random.default_rng(3)
    t = np.arange(261)
    rows = np.stack([np.sin(2 * np.pi * t / 52) + rng.normal(0, 0.2, 261) for _ in range(3)])
    rows[1, 100:104] += 5  # a holiday-like jump in one row
    many = p.profiles(rows)
    for k, row in enumerate(rows):
        one = p.profiles(row)
        assert all(a.ndim == 1 for a in one)
        for a, b in zip(one, many, strict=True):
            assert np.array_equal(a, b[k])
        fitted = p.tile(*one[:3], row, one[3])
        assert np.array_equal(fitted, p.tile(*(a[k] for a in many[:3]), row, many[3][k]))


def test_short_layouts_index_with_numpys_own_type():
    """A short series' layout keeps its indices as intp (a ``take`` converts int32 ones on every
    call); a long one keeps int32 (half the memory)."""
    from trends_anomaly.auto.season import NATIVE_INDEX_POINTS

    short = phases_for(weekly(261), 261, 52)
    assert short.rows.dtype == np.intp and short.point_stats.dtype == np.intp
    assert short.prev_phase.dtype == np.intp and short.phase_mid.dtype == np.intp
    n = NATIVE_INDEX_POINTS + 1
    long = Phases.cyclic(n, 24)
    assert long.rows.dtype == np.int32 and long.point_stats.dtype == np.int32


def _tile_one_by_one(p: Phases, own, prev, nxt, d, with_point) -> np.ndarray:
    """``tile`` as first written for one series: each alternative's jump and distance computed
    on its own, in turn."""
    step = np.abs(nxt - own)
    part = np.sort(step)
    k = step.size // 2
    usual = SHARP_PROFILE * (part[k] if step.size % 2 else 0.5 * (part[k - 1] + part[k]))
    toward, w = p.lerp
    other = np.where(toward, nxt, prev) - own
    out = np.where(np.abs(other) <= usual, own + other * w, own)
    gap = np.abs(out - d)
    for alt in (with_point, prev, nxt):
        jump = step if alt is nxt else np.abs(alt - own)
        alt_gap = np.abs(alt - d)
        better = (jump > usual) & (alt_gap < gap)
        out = np.where(better, alt, out)
        if alt is not nxt:
            gap = np.where(better, alt_gap, gap)
    return out


@pytest.mark.parametrize("n", [156, 260, 261, 520])
def test_the_stacked_alternatives_pick_what_one_by_one_picks(n):
    """The detector's path (``_profiles`` and ``_tile``, the three alternatives as one block)
    gives exactly the season of the alternatives taken one by one, holidays and all."""
    s = weekly(n)
    p = phases_for(s, n, 52)
    days = s.timestamps.astype("datetime64[D]")
    doy = (days - days.astype("datetime64[Y]")).astype(int)
    rng = np.random.default_rng(n)
    for holiday in (0.0, 30.0):
        v = np.sin(2 * np.pi * doy / 365.25) + rng.normal(0, 0.3, n)
        v += ((doy >= 355) & (doy < 362)) * holiday
        own, alts = p._profiles(v)
        want = _tile_one_by_one(p, own, alts[1], alts[2], v, alts[0])
        assert np.array_equal(p._tile(own, alts, v), want)
        assert np.array_equal(p.tile(own, alts[1], alts[2], v, alts[0]), want)
