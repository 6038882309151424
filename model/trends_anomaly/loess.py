"""LOESS smoothing as fixed linear filters, the building block of the fast STL.

Cleveland's STL smooths equally spaced points with tricube-weighted local-linear fits over a
window of ``span`` neighbours. On a regular grid the weights depend only on where the point
sits in its window, so every interior point shares one kernel (a convolution) and only the
``span // 2`` points at each end need weights of their own. The weights here follow the
original Fortran (and statsmodels' port) exactly, so results match statsmodels' STL to
rounding error, at a fraction of its cost for short series.
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import suppress

import numpy as np
from scipy.ndimage import correlate1d


def _weights(n: int, span: int, degree: int, x: int, nleft: int, nright: int) -> np.ndarray:
    """Weights of the local fit at 1-based position ``x`` over the window ``[nleft, nright]``."""
    j = np.arange(nleft, nright + 1, dtype=float)
    h = float(max(x - nleft, nright - x))
    if span > n:
        h += (span - n) // 2
    r = np.abs(j - x)
    w = np.where(r <= 0.999 * h, (1.0 - (r / h) ** 3) ** 3 if h > 0 else 1.0, 0.0)
    w = np.where(r <= 0.001 * h, 1.0, w)
    total = w.sum()
    if total <= 0:
        return np.full(len(j), np.nan)
    w = w / total
    if h > 0 and degree > 0:
        mean = float(w @ j)
        c = float(w @ (j - mean) ** 2)
        if np.sqrt(c) > 0.001 * (n - 1.0):
            w = w * ((x - mean) / c * (j - mean) + 1.0)
    return w


# Plans are kept for later calls (every request of a weekly export asks for the same few)
# up to this many bytes in all, the least recently used dropped first: a season's plans hold
# about 8·q² bytes (q = min(span, n)), 80 KB for 52 weeks, 29 MB for the trend of a season of
# 1000 points. They were kept by count, 256 of them: that season left ~36 MB per series
# length in the worker, and about fifty 8 KB requests with different lengths or seasons grew
# a worker past a 2 GB container's limit. A plan over the budget is built for the call alone.
PLAN_CACHE_BYTES = 32 * 2**20

Plan = tuple[np.ndarray | None, np.ndarray, np.ndarray, int]
_plans: OrderedDict[tuple[int, int, int, bool], Plan] = OrderedDict()


def plan(n: int, span: int, degree: int = 1, extrapolate: bool = False) -> Plan:
    """Weights for a series of length ``n``: (interior kernel, left rows, right rows, q).

    With ``extrapolate`` the outputs are positions 0..n+1 in 1-based terms, i.e. one point
    before and one after the data, as STL's cycle-subseries step needs.

    Kept in ``_plans`` within PLAN_CACHE_BYTES. A worker computes on its event loop's thread
    (small requests) and on one pool thread (app.py): every step here is one dict operation,
    and one that a concurrent eviction made fail only costs a rebuild.
    """
    key = (n, span, degree, extrapolate)
    found = _plans.get(key)
    if found is not None:
        with suppress(KeyError):
            _plans.move_to_end(key)
        return found
    made = _build_plan(*key)
    if _nbytes(made) <= PLAN_CACHE_BYTES:
        _plans[key] = made
        while sum(map(_nbytes, list(_plans.values()))) > PLAN_CACHE_BYTES:
            with suppress(KeyError):
                _plans.popitem(last=False)
    return made


def _nbytes(weights: Plan) -> int:
    kernel, left, right, _ = weights
    return left.nbytes + right.nbytes + (kernel.nbytes if kernel is not None else 0)


def _build_plan(n: int, span: int, degree: int, extrapolate: bool) -> Plan:
    q = min(span, n)
    half = (q + 1) // 2  # nsh in the Fortran
    positions = list(range(0, n + 2)) if extrapolate else list(range(1, n + 1))
    left, right, kernel = [], [], None
    for x in positions:
        if extrapolate and x == 0:
            rows = _weights(n, span, degree, 0, 1, min(span, n))
            left.append(rows)
            continue
        if extrapolate and x == n + 1:
            rows = _weights(n, span, degree, n + 1, max(1, n - span + 1), n)
            right.append(rows)
            continue
        if span >= n:
            (left if x <= (n + 1) // 2 else right).append(_weights(n, span, degree, x, 1, n))
        elif x < half:
            left.append(_weights(n, span, degree, x, 1, q))
        elif x >= n - half + 1:
            right.append(_weights(n, span, degree, x, n - q + 1, n))
        elif kernel is None:
            kernel = _weights(n, span, degree, x, x - half + 1, x - half + q)
    left_m = np.array(left) if left else np.zeros((0, q))
    right_m = np.array(right) if right else np.zeros((0, q))
    return kernel, left_m, right_m, q


def smooth(
    y: np.ndarray,
    span: int,
    degree: int = 1,
    extrapolate: bool = False,
    weights: Plan | None = None,
) -> np.ndarray:
    """LOESS of ``y`` along axis 0 (1-D, or 2-D with one series per column).

    Returns ``len(y)`` values, or ``len(y) + 2`` with ``extrapolate`` (one before, one after).
    ``weights`` is ``plan(len(y), span, degree, extrapolate)`` when the caller has it already.
    """
    n = y.shape[0]
    if n < 2:
        return np.concatenate([y, y, y]).astype(float) if extrapolate else y.astype(float)
    kernel, left, right, q = weights if weights is not None else plan(n, span, degree, extrapolate)
    parts = [np.tensordot(left, y[:q], axes=(1, 0))]
    if kernel is not None:
        h = (q - 1) // 2  # interior 1-based positions h+1 .. n-h-1 use the shared kernel
        parts.append(correlate1d(y, kernel, axis=0, mode="constant")[h : n - h - 1])
    parts.append(np.tensordot(right, y[n - q :], axes=(1, 0)))
    out = np.concatenate(parts, axis=0)
    if extrapolate and np.isnan(out[0]).any() | np.isnan(out[-1]).any():
        # As the Fortran does: an end point with no weight copies its neighbour.
        out[0] = np.where(np.isnan(out[0]), out[1], out[0])
        out[-1] = np.where(np.isnan(out[-1]), out[-2], out[-1])
    return out
