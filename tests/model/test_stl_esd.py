"""The fast STL matches statsmodels' STL; the O(n log n) ESD matches the textbook loop."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.tsa.seasonal import STL
from trends_anomaly import esd
from trends_anomaly.esd import generalized_esd
from trends_anomaly.stl import stl_decompose


@pytest.mark.parametrize(
    ("n", "period"), [(261, 52), (262, 52), (104, 52), (210, 12), (168, 24), (30, 7), (4032, 288)]
)
def test_stl_matches_statsmodels(n, period):
    rng = np.random.default_rng(n + period)
    t = np.arange(n)
    y = 40 + 0.05 * t + 10 * np.sin(2 * np.pi * t / period) + rng.normal(0, 2, n)
    y[n // 3] += 30  # an outlier must not change the agreement
    trend, seasonal, resid = stl_decompose(y, period)
    ref = STL(y, period=period).fit(inner_iter=2)
    np.testing.assert_allclose(trend, ref.trend, atol=1e-8)
    np.testing.assert_allclose(seasonal, ref.seasonal, atol=1e-8)
    np.testing.assert_allclose(resid, ref.resid, atol=1e-8)


def test_stl_refuses_less_than_two_periods():
    with pytest.raises(ValueError, match="two periods"):
        stl_decompose(np.arange(20.0), 12)


def textbook_esd(x, alpha, k):
    """Rosner's generalized ESD, one pass at a time (the definition, O(n²))."""
    left = list(map(float, x))
    idx = list(range(len(x)))
    n = len(x)
    removed, r = [], []
    for i in range(1, k + 1):
        a = np.array(left)
        dev = np.abs(a - a.mean())
        j = int(np.argmax(dev))
        r.append(dev[j] / a.std(ddof=1))
        removed.append(idx.pop(j))
        left.pop(j)
        p = 1 - alpha / (2 * (n - i + 1))
        t = stats.t.ppf(p, n - i - 1)
        lam = (n - i) * t / np.sqrt((n - i - 1 + t**2) * (n - i + 1))
        r[-1] = (r[-1], lam)
    count = max((i + 1 for i, (ri, li) in enumerate(r) if ri > li), default=0)
    return sorted(removed[:count])


@pytest.mark.parametrize("seed", range(25))
def test_esd_matches_the_textbook_loop(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(12, 400))
    x = rng.normal(size=n)
    x[rng.integers(0, n, 4)] += rng.normal(0, 8, 4)
    k = max(1, n // 10)
    assert generalized_esd(x, 0.05, k).indices.tolist() == textbook_esd(x, 0.05, k)


def test_esd_finds_planted_outliers_and_nothing_in_clean_noise():
    rng = np.random.default_rng(7)
    x = rng.normal(size=500)
    assert len(generalized_esd(x, 0.05, 50).indices) == 0
    x[[10, 200, 401]] = [9, -8, 10]
    assert generalized_esd(x, 0.05, 50).indices.tolist() == [10, 200, 401]


def test_esd_on_tiny_or_constant_input():
    assert len(generalized_esd(np.ones(3)).indices) == 0
    assert len(generalized_esd(np.ones(50), 0.05, 5).indices) == 0


@pytest.mark.parametrize("alpha", [1e-17, 1e-100, 1e-300, 5e-324])
def test_a_tiny_alpha_has_finite_critical_values_not_nan(alpha):
    """alpha is any number in (0, 0.5); below ~1e-16, 1 - alpha / (2(n - i + 1)) rounded to 1,
    the t quantile was inf and λ = inf / inf: NaN, with a RuntimeWarning, and the STL band
    collapsed to zero width. A smaller alpha is a larger critical value, bounded by
    (n - i) / sqrt(n - i + 1)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tiny = esd.critical_values(100, alpha, 5)
    usual = esd.critical_values(100, 1e-10, 5)
    i = np.arange(1, 6)
    assert np.isfinite(tiny).all(), tiny
    assert (tiny >= usual).all() and (tiny <= (100 - i) / np.sqrt(100 - i + 1) + 1e-12).all()
