"""The fast statistics used by `auto` give exactly what numpy / scipy give."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import median_filter
from trends_anomaly.auto_fast import _select, col_median, med, median3, quantile, rolling_median


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 10, 52, 261, 1000])
def test_med_and_quantile_match_numpy(n):
    x = np.round(np.random.default_rng(n).normal(0, 3, n))
    assert med(x) == np.median(x)
    for q in (0.5, 0.75, 0.9, 0.98):
        assert quantile(x, q) == np.quantile(x, q, method="lower")


@pytest.mark.parametrize("n", [129, 261, 1001, 5001])
def test_select_is_bit_identical_to_a_single_k_partition(n):
    """Same value and, for zeros, the same sign of zero as ``partition(k)`` (answers print
    -0.0 and 0.0 differently)."""
    rng = np.random.default_rng(n)
    zeros = rng.choice([-1.0, -0.0, 0.0, 1.0], size=n, p=[0.2, 0.3, 0.3, 0.2])
    ties = np.round(rng.normal(0, 2, n))
    for x in (zeros, ties, -zeros):
        for k in (0, n // 2, int(0.75 * (n - 1)), int(0.9 * (n - 1)), n - 1):
            b = x.copy()
            b.partition(k)
            got = _select(x, k)
            assert got == b[k] and np.signbit(got) == np.signbit(b[k])


@pytest.mark.parametrize("k", [3, 4, 5, 6, 9])
def test_col_median_matches_numpy(k):
    b = np.random.default_rng(k).normal(size=(k, 52))
    assert np.allclose(col_median(b), np.median(b, axis=0))


@pytest.mark.parametrize(
    ("n", "w"),
    [(n, w) for n in (1, 2, 3, 4, 17, 261, 5000) for w in (1, 3, 5, 27, 53, 289) if w <= n],
)
@pytest.mark.parametrize("mode", ["mirror", "nearest"])
def test_rolling_median_matches_scipy(n, w, mode):
    x = np.round(np.random.default_rng(n + w).normal(0, 3, n))
    assert np.array_equal(rolling_median(x, w, mode), median_filter(x, size=w, mode=mode))
    if n >= 3 and w == 3 and mode == "nearest":
        assert np.array_equal(median3(x), median_filter(x, size=3, mode="nearest"))
