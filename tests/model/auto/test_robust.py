"""Robust statistics shared by the stages: exact medians, running medians and their edges, the
MAD-based scale."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import median_filter
from trends_anomaly.auto.robust import (
    MAD_TO_SD,
    fit_window,
    median,
    odd,
    quantile,
    robust_sd,
    robust_sd_rows,
    rolling_median,
)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 261, 1000])
def test_median_and_quantile_match_numpy(n):
    x = np.round(np.random.default_rng(n).normal(0, 3, n))
    assert median(x) == np.median(x)
    for q in (0.5, 0.75, 0.9, 0.98):
        assert quantile(x, q) == np.quantile(x, q, method="lower")
    assert np.isnan(median(np.zeros(0)))


def test_windows_are_odd_and_fit_the_series():
    assert [odd(k) for k in (0, 1, 2, 7, 52)] == [1, 1, 3, 7, 53]
    assert fit_window(53, 261) == 53
    assert fit_window(53, 40) == 39 and fit_window(53, 41) == 41
    assert fit_window(8, 3) == 3


def test_mad_to_sd_makes_the_mad_an_sd_for_gaussian_noise():
    x = np.random.default_rng(0).normal(0, 2.0, 200_000)
    assert robust_sd(x) == pytest.approx(2.0, rel=0.01)
    assert MAD_TO_SD * np.median(np.abs(x - np.median(x))) == pytest.approx(robust_sd(x))


def test_robust_sd_ignores_bursts_and_survives_runs_of_zeros():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, 500)
    clean = robust_sd(x)
    x[::25] += 50  # 4 % wild points
    assert robust_sd(x) == pytest.approx(clean, rel=0.1)
    sparse = np.zeros(100)
    sparse[::3] = 10.0  # over half exactly on the median
    assert robust_sd(sparse) > 0
    assert robust_sd(np.full(10, 3.0)) == 0.0


def test_robust_sd_rows_is_robust_sd_of_each_row():
    rng = np.random.default_rng(2)
    for k in (5, 6, 40, 41):
        b = np.round(rng.normal(size=(4, k)) * 3)
        b[1] = 0.0
        b[2, : k // 2 + 1] = 0.0
        assert np.allclose(robust_sd_rows(b), [robust_sd(row) for row in b])


@pytest.mark.parametrize("mode", ["mirror", "nearest"])
@pytest.mark.parametrize(("n", "w"), [(5, 3), (261, 27), (261, 53), (1000, 105)])
def test_scipy_modes_are_scipy(n, w, mode):
    x = np.round(np.random.default_rng(n + w).normal(0, 3, n))
    assert np.array_equal(rolling_median(x, w, mode), median_filter(x, size=w, mode=mode))


def test_trend_edges_keep_a_trend_to_the_last_point():
    """A rising series: mirrored ends bend the baseline back down, continued ends do not."""
    x = np.arange(60.0) * 2.0
    assert np.allclose(rolling_median(x, 11)[5:-5], x[5:-5])
    assert abs(rolling_median(x, 11)[-1] - x[-1]) <= 2.0
    assert rolling_median(x, 11, "mirror")[-1] < x[-1] - 4.0


def test_season_edges_continue_the_cycle():
    x = np.tile(np.arange(6.0), 5)
    r = rolling_median(x, 7, "season", period=6)
    assert np.ptp(r) <= 1.0  # a window of a whole cycle sees every phase, even at the ends
    short = rolling_median(np.arange(4.0), 7, "season", period=6)  # no full cycle: trend edges
    assert short.shape == (4,)


def test_degenerate_windows():
    x = np.array([3.0, 1.0])
    assert np.array_equal(rolling_median(x, 1), x)
    assert rolling_median(np.zeros(0), 5).shape == (0,)


@pytest.mark.parametrize("mode", ["trend", "nearest", "mirror"])
def test_leave_out_is_the_median_of_the_neighbours_without_the_point(mode):
    x = np.random.default_rng(9).integers(0, 6, 60).astype(float)  # many ties
    w, h = 7, 3
    got = rolling_median(x, w, mode, leave_out=True)
    for t in range(h, x.size - h):  # away from the edges the windows are plain
        others = np.delete(x[t - h : t + h + 1], h)
        assert got[t] == np.median(others)
    assert np.isfinite(got).all()  # and defined at the ends


def test_selection_networks_select_every_rank_of_every_column():
    """Every set of ranks the running medians ask for (and each single rank) comes out as a
    full sort would give it, ties included, with the input columns untouched."""
    import itertools

    from trends_anomaly.auto.robust import NETWORK_MAX, select_columns

    rng = np.random.default_rng(4)
    for k in range(2, NETWORK_MAX + 1):
        cols = [rng.integers(0, 4, 200).astype(float) for _ in range(k)]  # ties too
        kept = [c.copy() for c in cols]
        want = np.sort(np.array(cols), axis=0)
        asked = [(r,) for r in range(k)] + list(itertools.combinations(range(k), 2))
        for ranks in [*asked, tuple(range(k))]:
            out = select_columns(cols, ranks)
            assert np.array_equal(np.array(out), want[list(ranks)]), (k, ranks)
        assert all(np.array_equal(a, b) for a, b in zip(cols, kept, strict=True))  # untouched


def test_a_pruned_network_makes_only_what_its_ranks_read():
    """The leave-one-out median of 9 points (the decomposition's local level on weekly data)
    selects the middle pair of 8 neighbours: 28 minimum/maximum operations, where sorting
    all 9 took 56."""
    from trends_anomaly.auto.robust import selection_network, sorting_network

    ops = sum(need_min + need_max for _a, _b, need_min, need_max in selection_network(8, (3, 4)))
    assert ops == 28
    assert len(sorting_network(9)) * 2 == 56
    full = selection_network(9, tuple(range(9)))
    assert [(a, b) for a, b, *_ in full] == sorting_network(9)
    assert all(need_min and need_max for _a, _b, need_min, need_max in full)


@pytest.mark.parametrize("w", [3, 5, 7, 9, 11])
def test_network_and_scipy_running_medians_agree(w):
    x = np.random.default_rng(w).integers(0, 9, 300).astype(float)
    for mode in ("trend", "nearest", "mirror"):
        for leave_out in (False, True):
            got = rolling_median(x, w, mode, leave_out=leave_out)
            h = w // 2
            for t in range(h, x.size - h):
                win = x[t - h : t + h + 1]
                want = np.median(np.delete(win, h)) if leave_out else np.median(win)
                assert got[t] == want


@pytest.mark.parametrize("n", [500, 1000, 1100])
def test_short_windows_of_long_series_take_the_network_with_the_rank_filters_values(n, monkeypatch):
    """From NETWORK_MIN_POINTS a window of up to NETWORK_MAX points is sorted by the network
    (no rank filter runs) and gives, edges included, the rank filters' values bit for bit."""
    import trends_anomaly.auto.robust as robust

    x = np.random.default_rng(n).integers(0, 9, n).astype(float)
    x[::7] = 0.0
    modes = ("trend", "nearest", "mirror")
    cases = [(w, mode, leave) for w in (3, 5, 9) for mode in modes for leave in (False, True)]
    with monkeypatch.context() as m:
        m.setattr(robust, "NETWORK_MIN_POINTS", 10**9)  # the rank filters only
        want = [rolling_median(x, w, mode, leave_out=leave) for w, mode, leave in cases]

    def no_rank_filter(*args, **kwargs):
        raise AssertionError("a rank filter ran where the network should")

    monkeypatch.setattr(robust, "running_rank", no_rank_filter)
    for (w, mode, leave), v in zip(cases, want, strict=True):
        got = rolling_median(x, w, mode, leave_out=leave)
        assert np.array_equal(got, v) and np.array_equal(np.signbit(got), np.signbit(v))


@pytest.mark.parametrize("n", [6, 52, 128, 262, 1000, 5000])
def test_even_medians_are_the_two_k_partitions_even_for_zeros(n):
    from trends_anomaly.auto.robust import _row_medians, middle_pair

    rng = np.random.default_rng(n)
    for zeros in (0.0, 0.3, 0.9, 1.0):  # up to all zeros: a low-volume term's residuals
        x = rng.integers(-3, 4, n).astype(float)
        x[rng.random(n) < zeros] = -0.0  # both zeros: the signs must be the two-k ones
        k = n // 2
        b = x.copy()
        b.partition((k - 1, k))
        below, at = middle_pair(x, k)
        assert below == b[k - 1] and np.signbit(below) == np.signbit(b[k - 1])
        assert at == b[k] and np.signbit(at) == np.signbit(b[k])
        assert 0.5 * float(below + at) == 0.5 * float(b[k - 1] + b[k])
        assert median(x) == np.median(x)
        rows = np.stack([x, x[::-1], np.roll(x, 7)])  # the rows of a block, each its own pair
        b = rows.copy()
        b.partition((k - 1, k), axis=1)
        below, at = middle_pair(rows, k)
        assert np.array_equal(np.signbit(below), np.signbit(b[:, k - 1]))
        assert np.array_equal(below, b[:, k - 1]) and np.array_equal(at, b[:, k])
        assert np.array_equal(_row_medians(rows), np.median(rows, axis=1))


def test_overwrite_selects_the_same_value_in_place():
    """A scratch array is partitioned in place, with the value a copy would give."""
    rng = np.random.default_rng(5)
    for n in (3, 6, 7, 261):
        x = np.round(rng.normal(0, 3, n))
        want = (median(x), quantile(x, 0.9))
        got = (median(x.copy(), overwrite=True), quantile(x.copy(), 0.9, overwrite=True))
        assert got == want == (np.median(x), np.quantile(x, 0.9, method="lower"))


@pytest.mark.parametrize("n", [2, 3, 20, 52, 261, 520, 5000])
def test_quantile_pair_is_two_quantiles_bit_for_bit_even_for_zeros(n):
    """Both order statistics from one copy are the ones two ``quantile`` calls select: the same
    values, and the same zero (-0.0 or 0.0) where one is selected."""
    from trends_anomaly.auto.robust import quantile_pair

    rng = np.random.default_rng(n)
    for zeros in (0.0, 0.3, 0.9, 1.0):
        x = rng.integers(-3, 40, n).astype(float)
        at = rng.random(n) < zeros
        x[at] = rng.choice([0.0, -0.0], int(at.sum()))  # both zeros: the signs must be kept
        for lo, hi in ((0.05, 0.95), (0.25, 0.75), (0.0, 1.0), (0.5, 0.5)):
            want = (quantile(x, lo), quantile(x, hi))
            got = quantile_pair(x, lo, hi)
            assert got == want
            assert [np.signbit(v) for v in got] == [np.signbit(v) for v in want]
            assert isinstance(got[0], float) and isinstance(got[1], float)
    assert all(np.isnan(v) for v in quantile_pair(np.zeros(0), 0.05, 0.95))
