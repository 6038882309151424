"""Fast medians for the `auto` detector.

At a few hundred points numpy's ``median`` and scipy's ``median_filter`` spend most of their
time in Python-level argument handling (NaN checks, axis and mode plumbing); a 261-point
request calls them dozens of times. These do the same arithmetic with less overhead and the
same results (checked against numpy/scipy in the tests; the running median checks itself
at import and falls back to the public scipy function if the fast path disagrees).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

try:  # scipy's own 1-D rank filter, minus ~15 µs of argument handling per call
    from scipy.ndimage import _ni_support, _rank_filter_1d

    _MODE_CODES = {
        m: _ni_support._extend_mode_to_code(m, is_filter=True) for m in ("mirror", "nearest")
    }
except Exception:  # pragma: no cover - another scipy layout: use the public function
    _rank_filter_1d = None
    _MODE_CODES = {}


_ZERO = np.float64(0.0)
SIMD_SELECT_MIN = 128  # array size from which a two-k partition beats numpy's one-k select


def _fast_rolling(x: np.ndarray, window: int, mode: str) -> np.ndarray:
    out = np.empty_like(x)
    # Exactly scipy's own call: cval must be a scalar of the array's dtype.
    _rank_filter_1d.rank_filter(x, window // 2, window, out, _MODE_CODES[mode], _ZERO, 0)
    return out


def _fast_path_works() -> bool:
    if _rank_filter_1d is None:
        return False
    try:
        x = np.random.default_rng(0).normal(size=41)
        return all(
            np.array_equal(_fast_rolling(x, w, m), median_filter(x, size=w, mode=m))
            for w in (3, 9, 41)  # never 1: the C code crashes on it
            for m in ("mirror", "nearest")
        )
    except Exception:  # pragma: no cover
        return False


_FAST = _fast_path_works()


def rolling_median(x: np.ndarray, window: int, mode: str = "mirror") -> np.ndarray:
    """Centred running median of a float64 array, odd ``window`` <= len(x), edges as scipy's
    ``median_filter`` ``mode`` ("mirror" or "nearest")."""
    if window <= 1:
        return x.copy()  # also: scipy's 1-D rank filter crashes on a window of 1
    if _FAST and x.dtype == np.float64 and x.ndim == 1 and 3 <= window <= x.size:
        return _fast_rolling(np.ascontiguousarray(x), window, mode)
    return median_filter(x, size=window, mode=mode)


def _select(a: np.ndarray, k: int) -> float:
    """The k-th smallest value of a 1-D, NaN-free array of 2 or more elements, exactly as
    ``a.copy().partition(k)`` finds it.

    numpy >= 2 selects a single k with a SIMD routine that is ~4x slower at thousands of
    points than its classic introselect, which it uses for several k: ask for a pair. The
    value is the same order statistic; only when it is zero could the two routines pick
    a different zero (-0.0 vs 0.0), so a zero is looked up the original way.
    """
    b = a.copy()
    if b.size < SIMD_SELECT_MIN:  # below this the single-k routine is the faster one
        b.partition(k)
        return float(b[k])
    b.partition((k, k + 1) if k + 1 < b.size else (k - 1, k))
    v = b[k]
    if v == 0.0:
        b = a.copy()
        b.partition(k)
        v = b[k]
    return float(v)


def med(a: np.ndarray) -> float:
    """Median of a 1-D, NaN-free float array, as ``np.median``."""
    n = a.size
    if n == 0:
        return float("nan")
    if n == 1:
        return float(a[0])
    k = n // 2
    if n % 2:
        return _select(a, k)
    b = a.copy()  # ndarray.partition skips np.partition's Python-level dispatch
    b.partition((k - 1, k))
    return 0.5 * float(b[k - 1] + b[k])


def mean(a: np.ndarray) -> float:
    """Mean of a 1-D array without ``ndarray.mean``'s Python-level wrapper."""
    return float(np.add.reduce(a)) / a.size if a.size else float("nan")


def quantile(a: np.ndarray, q: float) -> float:
    """The q-quantile of a 1-D array (the order statistic at floor(q * (n - 1)))."""
    if a.size == 0:
        return float("nan")
    if a.size == 1:
        return float(a[0])
    return _select(a, int(q * (a.size - 1)))


def col_median(block: np.ndarray) -> np.ndarray:
    """Median of each column of a 2-D array, as ``np.median(block, axis=0)``."""
    k = block.shape[0]
    h = k // 2
    if k % 2:
        b = block.copy()
        b.partition(h, axis=0)
        return b[h]
    b = block.copy()
    b.partition((h - 1, h), axis=0)
    return 0.5 * (b[h - 1] + b[h])


def median3(z: np.ndarray) -> np.ndarray:
    """Running median of 3 with edges repeated (scipy ``median_filter(z, 3, mode='nearest')``)."""
    if z.size < 3:
        return z.copy()
    a, b, c = np.empty_like(z), z, np.empty_like(z)
    a[1:], a[0] = z[:-1], z[0]
    c[:-1], c[-1] = z[1:], z[-1]
    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))
