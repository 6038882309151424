"""The phase layout is built fast on the request path: it must hold exactly what the plain
construction it replaced held (every array, value and dtype), over random phases, periods and
calendar weekly series of every length. The plain construction is kept here as the oracle."""

from __future__ import annotations

import numpy as np
import pytest
from trends_anomaly.auto.season import (
    KEPT_PERIOD_MAX,
    KEPT_WIDTH_MAX,
    NATIVE_INDEX_POINTS,
    WEEKS,
    Phases,
    calendar_weeks,
    phases_for,
)
from trends_anomaly.timeaxis import Step
from trends_anomaly.types import Series

NAT = np.iinfo(np.int64).min
ATTRS = (
    "n", "cycles", "counts", "rows", "prev_phase", "next_phase", "point_stats", "phase_mid",
    "phase_ok", "phase_two", "point_odd", "point_ok", "point_three", "readings", "mean_at",
)  # fmt: skip


def oracle_layout(phase: np.ndarray, period: int, position: np.ndarray | None) -> dict:
    """The layout as the first implementation built it (one numpy step per quantity); its
    indices numpy's own type on short series (no conversion in each ``take``), int32 on long
    ones (memory)."""
    n = phase.size
    INDEX = np.intp if n <= NATIVE_INDEX_POINTS else np.int32
    counts = np.bincount(phase, minlength=period)
    order = phase.astype(np.int16).argsort(kind="stable")
    width = max(int(counts.max()), 1) if n else 1
    base = np.arange(0, period * width, width)
    slot = np.arange(n) + np.repeat(base - (counts.cumsum() - counts), counts)
    rows = np.full(period * width, n, dtype=INDEX)
    rows[slot] = order
    wrap = np.arange(-1, period + 1, dtype=INDEX)
    wrap[0], wrap[-1] = period - 1, 0
    ph = phase.astype(INDEX)
    c = counts
    half, odd, upper = (c - 1) // 2, c % 2, c // 2
    ranks = np.stack([half - odd, half, upper, upper + odd])
    ranks = np.minimum(np.maximum(ranks, 0), np.maximum(c - 1, 0))
    at = (ranks + base).astype(INDEX)
    out = dict(n=n, cycles=width, counts=counts, rows=rows.reshape(period, width))
    out.update(prev_phase=wrap.take(ph), next_phase=wrap[2:].take(ph))
    out.update(point_stats=at.take(phase, axis=1), phase_mid=at[1:3].reshape(-1))
    out.update(phase_ok=c >= 3, phase_two=c == 2, point_odd=(odd == 1).take(phase))
    out.update(point_ok=(c >= 4).take(phase), point_three=(c == 3).take(phase))
    out["readings"] = np.stack([ph, out["prev_phase"], out["next_phase"]])
    centred = np.arange(n) - period // 2
    out["mean_at"] = np.clip(centred, 0, n - period).astype(INDEX) if n > period else None
    out["lerp"] = None
    if position is not None and n > 1:
        frac = position - phase - 0.5
        out["lerp"] = (frac >= 0, np.abs(frac))
    return out


def oracle_weeks(ts: np.ndarray) -> np.ndarray | None:
    """Calendar weeks by datetime64 casts."""
    di = ts.astype("datetime64[D]").view(np.int64)
    if di.min() == NAT:
        return None
    ends = np.array([di.min(), di.max()]).view("datetime64[D]").astype("datetime64[Y]")
    starts = np.arange(ends[0], ends[1] + 1).astype("datetime64[D]").view(np.int64)
    doy = di - starts[starts.searchsorted(di, side="right") - 1]
    return np.minimum(doy / 7.0, WEEKS - 1e-9)


def identical(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


def assert_same_layout(p: Phases, phase: np.ndarray, period: int, position=None) -> None:
    want = oracle_layout(phase, period, position)
    for k in ATTRS:
        got = getattr(p, k)
        if isinstance(got, np.ndarray):
            assert identical(got, want[k]), k
        else:
            assert got == want[k], k
    if want["lerp"] is None:
        assert p.lerp is None
    else:
        assert all(identical(g, w) for g, w in zip(p.lerp, want["lerp"], strict=True))


def weekly_at(ts: np.ndarray) -> Series:
    return Series("t", ts, [""] * ts.size, np.zeros(ts.size), Step(7 * 86400.0, "weekly"))


def untimed(n: int) -> Series:
    return Series("t", None, [""] * n, np.zeros(n), Step(0.0, "unknown"))


@pytest.mark.parametrize("seed", range(6))
def test_the_layout_of_random_phases_is_the_plain_one(seed):
    rng = np.random.default_rng(seed)
    for _ in range(60):
        period = int(rng.integers(2, 401))
        n = int(rng.choice([0, 1, 2, 3, int(rng.integers(0, period)), int(rng.integers(0, 3000))]))
        kind = rng.integers(3)
        if kind == 0:  # any phases, some never seen
            phase = rng.integers(0, period, n)
        elif kind == 1:  # few phases, many cycles
            phase = rng.integers(0, min(period, 4), n)
        else:  # the index modulo the period
            phase = np.arange(n) % period
        assert_same_layout(Phases(phase, period, calendar=False), phase, period)
        if kind == 2:  # as the detector builds it
            assert_same_layout(Phases.cyclic(n, period), phase, period)
            assert_same_layout(phases_for(untimed(n), n, period), phase, period)


def test_wide_tables_are_the_plain_ones_too():
    """Past ``KEPT_WIDTH_MAX`` cycles the per-count tables are computed, not kept."""
    rng = np.random.default_rng(7)
    for n, period in [(KEPT_WIDTH_MAX * 3 + 1, 3), (5000, 2), (KEPT_WIDTH_MAX + 1, 1)]:
        phase = np.arange(n) % period
        assert Phases.cyclic(n, period).cycles > KEPT_WIDTH_MAX
        assert_same_layout(Phases.cyclic(n, period), phase, period)
        phase = rng.integers(0, period, n)
        assert_same_layout(Phases(phase, period, calendar=False), phase, period)
        assert_same_layout(Phases(phase, period + 5, calendar=False), phase, period + 5)


def test_the_index_layout_of_every_short_length_is_the_plain_one():
    for period in (2, 7, 12, 24, 52, 53):
        for n in range(0, 3 * period + 2):
            phase = np.arange(n) % period
            p = phases_for(untimed(n), n, period)
            assert_same_layout(p, phase, period)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns", "m", "h", "D"])
def test_calendar_weeks_are_the_datetime64_ones(unit):
    rng = np.random.default_rng(len(unit))
    for _ in range(120):
        years = int(rng.integers(0, 21))
        n = int(rng.choice([0, 1, 2, 5, 51, 52, 53, years * 52 + int(rng.integers(0, 53))]))
        start = np.datetime64("1900-01-01") + int(rng.integers(0, 200 * 365))  # leap years too
        days = start + 7 * np.arange(n)
        if rng.random() < 0.3:  # uneven and unsorted days, times of day
            days = start + rng.integers(0, 7 * max(n, 1), n)
        ts = days.astype(f"datetime64[{unit}]")
        if unit != "D":
            ts = ts + rng.integers(0, 24, n).astype("timedelta64[h]")
        want = oracle_weeks(ts) if n else None
        got = calendar_weeks(weekly_at(ts))
        if want is None:
            assert got is None
            continue
        assert identical(got, want)
        p = phases_for(weekly_at(ts), n, WEEKS)
        assert p.calendar
        assert_same_layout(p, want.astype(np.intp), WEEKS, want)


def test_calendar_weeks_at_far_dates_and_with_nat():
    for start, n in [
        ("1600-02-20", 400),
        ("0001-01-01", 30),
        ("9990-06-01", 1000),
        ("-2000-03-01", 60),
        ("1970-01-01", 52 * 120),
        ("1969-12-25", 3),
    ]:
        ts = (np.datetime64(start, "D") + 7 * np.arange(n)).astype("datetime64[s]")
        assert identical(calendar_weeks(weekly_at(ts)), oracle_weeks(ts)), start
    ts = (np.datetime64("2019-01-06") + 7 * np.arange(10)).astype("datetime64[s]")
    ts[4] = np.datetime64("NaT")
    assert calendar_weeks(weekly_at(ts)) is None
    ts2 = (np.datetime64("2019-01-06") + 7 * np.arange(10)).astype("datetime64[2s]")
    assert identical(calendar_weeks(weekly_at(ts2)), oracle_weeks(ts2))


def test_long_periods_keep_no_frame():
    """A request may set any period: frames of long ones (6 × 4 bytes a phase) were kept 64 at
    a time per worker. Only periods up to ``KEPT_PERIOD_MAX`` are kept now; longer ones give
    the same layout, built each time."""
    from trends_anomaly.auto import season

    season._kept_frame.cache_clear()
    for period in (KEPT_PERIOD_MAX + 1, 3 * KEPT_PERIOD_MAX):
        n = 2 * period + 7
        phase = np.arange(n) % period
        assert_same_layout(Phases.cyclic(n, period), phase, period)
    assert season._kept_frame.cache_info().currsize == 0
    assert_same_layout(Phases.cyclic(300, 52), np.arange(300) % 52, 52)
    assert season._kept_frame.cache_info().currsize == 1
