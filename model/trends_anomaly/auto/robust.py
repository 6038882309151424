"""Robust statistics the stages share: medians, running medians, a MAD-based noise scale.

Medians, not means, everywhere: a spike or a month-long surge must not move the baseline or
the noise scale that are supposed to reveal it. Running medians come from scipy's 1-D rank
filter (see the running module) or, on long series with short windows, a sorting network.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import rawnp as rnp
from .running import running_rank

# 1 / Φ⁻¹(3/4): the median absolute deviation of a Gaussian sample times this is its sd.
MAD_TO_SD = 1.4826
# E|X| / sd of a Gaussian is sqrt(2/π): mean absolute deviation times this is the sd
# (the fallback scale when more than half the points sit on the median).
MEAN_ABS_TO_SD = 1.2533
# Φ⁻¹(0.875): the 75 % quantile (Q75) of |X - median| of a Gaussian, in sds (the fallback
# scale for near-constant data).
Q75, Q75_ABS_SD = 0.75, 1.1503


def odd(k: int) -> int:
    """The odd window length at or just above k (a running median wants a centre)."""
    k = max(int(k), 1)
    return k if k % 2 else k + 1


def fit_window(window: int, n: int) -> int:
    """``window`` made odd and no longer than the series (the longest odd length <= n)."""
    longest = n if n % 2 else n - 1
    return max(min(odd(window), longest), 1)


SMALL = 5  # arrays up to this size are cheaper to sort as a list than to partition


def median(a: np.ndarray, overwrite: bool = False) -> float:
    """Median of a 1-D, NaN-free array (``np.median`` without its Python-level dispatch).
    ``overwrite``: ``a`` is a scratch array the caller gives up (reordered, no copy made)."""
    n = a.size
    if n == 0:
        return float("nan")
    k = n // 2
    if n <= SMALL:  # a handful of values: sorted in plain floats
        v = sorted(a.tolist())
        return v[k] if n % 2 else 0.5 * (v[k - 1] + v[k])
    if n % 2:
        return select(a, k, overwrite)
    below, at = middle_pair(a, k)
    return 0.5 * float(below + at)


def quantile(a: np.ndarray, q: float, overwrite: bool = False) -> float:
    """The order statistic at floor(q * (n - 1)) of a 1-D array ("lower" quantile);
    ``overwrite`` as for ``median``."""
    if a.size == 0:
        return float("nan")
    return select(a, int(q * (a.size - 1)), overwrite)


def quantile_pair(a: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """``(quantile(a, lo), quantile(a, hi))`` for ``lo <= hi``, from one copy: after selecting
    the higher one, the values below it are the smaller ones, and the lower one is selected
    among them in place (on a few hundred points this halves the cost of two ``quantile``
    calls: no second copy, and a partition of only the head). Only a zero could come out as
    the other zero there (-0.0 for 0.0), so then the lower one is selected as ``quantile``
    does."""
    n = a.size
    if n == 0:
        return float("nan"), float("nan")
    k_lo, k_hi = int(lo * (n - 1)), int(hi * (n - 1))
    b = a.copy()
    b.partition(k_hi)
    top = float(b[k_hi])
    if k_lo >= k_hi:
        return (top if k_lo == k_hi else select(a, k_lo)), top
    head = b[:k_hi]
    head.partition(k_lo)
    low = float(head[k_lo])
    return (select(a, k_lo) if low == 0.0 else low), top


def select(a: np.ndarray, k: int, overwrite: bool = False) -> float:
    """The k-th smallest value of a 1-D, NaN-free array (numpy's single-k selection: on this
    numpy it is faster at every size than asking for several k, which switches to introselect,
    four times slower at 10⁵ points and slower still on data with many ties). ``overwrite``:
    partition ``a`` itself (the same values, so the same selection, without the copy)."""
    b = a if overwrite else a.copy()
    b.partition(k)
    return float(b[k])


def middle_pair(a: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The (k-1)-th and k-th smallest values along the last axis of ``a``: numpy's two-k
    selection, ``partition((k - 1, k), axis=-1)``. Selecting k alone and taking the largest
    value below it reads more: a pass over k values, and a two-k selection as well wherever
    the pair holds a zero. Timed inside auto requests, the two-k way alone is faster at every
    length from 52 to 100,000 points; numpy's single-k routine is slowest on mostly-zero
    data (a low-volume term: 12 ms against 0.3 ms at 10⁵ points)."""
    b = a.copy()
    b.partition((k - 1, k), axis=-1)
    return b[..., k - 1], b[..., k]


# Points whose median is the pivot of the point reflection at each end (one point is noise).
PIVOT_POINTS = 3


def rolling_median(
    x: np.ndarray, window: int, mode: str = "trend", period: int = 0, leave_out: bool = False
) -> np.ndarray:
    """Centred running median over ``window`` points (made odd, at most len(x)).

    Edges: "trend" (the default) continues the series past each end by a point reflection
    through the median of its last ``PIVOT_POINTS`` points, so a rising or falling trend keeps
    its slope into the edge instead of bending back (mirror) or flattening (nearest): the
    most recent points, the ones an analyst looks at first, get an unbiased baseline.
    "season" continues the series by its values one ``period`` inward (a seasonal series is
    continued by its own last cycle, so the window at an end still spans every phase).
    Otherwise scipy's ``median_filter`` modes ("nearest" repeats the end values, "mirror"
    reflects them).

    ``leave_out``: the median of each point's neighbours without the point itself (the
    middle pair of the other w - 1). A baseline that holds the point it is compared with
    sits exactly on it once in w times and follows it part of the way otherwise: residuals
    pile up at zero and spread wider in the tails than the noise (a 5-point median's residual
    reaches 3.9 noise units 40 times as often as a Gaussian does). Without the point the
    residual is the noise plus the error of a median of w - 1 values: Gaussian again.
    """
    w = fit_window(window, x.size)
    if w <= 1:
        return x.astype(float, copy=True)
    h = w // 2
    if mode == "season" and period > 0 and h <= period <= x.size - h:
        head = x[period - h : period]
        tail = x[x.size - period : x.size - period + h]
    elif mode in ("trend", "season"):
        k = min(PIVOT_POINTS, x.size)
        head = 2.0 * median(x[:k]) - x[h:0:-1]
        tail = 2.0 * median(x[-k:]) - x[-2 : -h - 2 : -1]
    elif w <= NETWORK_MAX and x.size >= NETWORK_MIN_POINTS and mode in ("nearest", "mirror"):
        if mode == "nearest":
            head, tail = np.full(h, x[0]), np.full(h, x[-1])
        else:
            head, tail = x[h:0:-1], x[-2 : -h - 2 : -1]
    else:
        return _median_filter(x, w, mode, leave_out)
    padded = rnp.concatenate((head, x, tail))
    if w <= NETWORK_MAX and x.size >= NETWORK_MIN_POINTS:
        return _network_median(padded, x, w, leave_out)
    return _median_filter(padded, w, "nearest", leave_out)[h : h + x.size]


# Windows up to this many points of series of at least NETWORK_MIN_POINTS are ranked by a
# fixed network of min/max operations over shifted views (a few dozen whole-array operations,
# faster there than three rank-filter passes for a leave-one-out median); the rest by scipy's
# rank filter (on a few hundred points one call costs what two of the network's operations do).
# The decomposition's local leave-one-out median (9 points on weekly data) is three rank
# filters of ~31 µs each at 1,000 points; inside whole requests the full sorting network made
# them 5 % faster at 1,000 and 1,500 points and 2 % at 520, and 4 % slower at 261 (thread CPU
# time). Pruned to the ranks it reads (28 operations instead of 62), it made a 1,000-point
# request another 4 % faster; at 261 and 400 points it was even with the rank filters (0.98 to
# 1.04 in turn with them), so the bound stayed.
NETWORK_MAX = 9
NETWORK_MIN_POINTS = 500


def sorting_network(k: int) -> list[tuple[int, int]]:
    """Batcher's odd-even merge sort for k inputs: the compare-exchange pairs, in order."""
    pairs = []
    p = 1
    while p < k:
        step = p
        while step >= 1:
            for j in range(step % p, k - step, 2 * step):
                for i in range(min(step, k - j - step)):
                    if (i + j) // (2 * p) == (i + j + step) // (2 * p):
                        pairs.append((i + j, i + j + step))
            step //= 2
        p *= 2
    return pairs


@functools.lru_cache(maxsize=64)  # (a few window lengths, each asked for one or two rank sets)
def selection_network(k: int, ranks: tuple[int, ...]) -> tuple[tuple[int, int, bool, bool], ...]:
    """``sorting_network(k)`` with only what the order statistics ``ranks`` depend on: each
    compare-exchange (a, b) whose outputs nothing later reads is dropped, and of the rest only
    the outputs read later are made (``need_min``, ``need_max``). The leave-one-out median of
    9 points is the middle pair of the 8 neighbours: 28 min/max operations here, against 56
    to sort all 9 and 6 more to leave the point out."""
    need = set(ranks)
    kept = []
    for a, b in reversed(sorting_network(k)):
        need_min, need_max = a in need, b in need
        if need_min or need_max:
            kept.append((a, b, need_min, need_max))
            need.update((a, b))
    return tuple(reversed(kept))


def select_columns(cols: list[np.ndarray], ranks: tuple[int, ...]) -> list[np.ndarray]:
    """The order statistics ``ranks`` of ``cols`` (equal-shaped arrays, left untouched),
    elementwise: out[i] is the ranks[i]-th smallest, a new array (or one of ``cols`` when no
    comparison touches it, as with a single column)."""
    out = list(cols)
    for a, b, need_min, need_max in selection_network(len(out), ranks):
        lo, hi = out[a], out[b]
        if need_min:
            out[a] = np.minimum(lo, hi)
        if need_max:
            out[b] = np.maximum(lo, hi)
    return [out[r] for r in ranks]


def _network_median(padded: np.ndarray, x: np.ndarray, w: int, leave_out: bool) -> np.ndarray:
    """Running median (or leave-one-out median) of x from ``padded`` (h points each side).
    Left out, a point's median is the middle pair of its w - 1 neighbours, selected from them
    alone (the same values as ranking all w and picking around the point)."""
    n = x.size
    h = w // 2
    if not leave_out:
        return select_columns([padded[i : i + n] for i in range(w)], (h,))[0]
    neighbours = [padded[i : i + n] for i in range(w) if i != h]
    below, above = select_columns(neighbours, (h - 1, h))
    middle = below + above
    middle *= 0.5
    return middle


def _median_filter(x: np.ndarray, w: int, mode: str, leave_out: bool) -> np.ndarray:
    h = w // 2
    mid = running_rank(x, h, w, mode)
    if not leave_out:
        return mid
    # Without x[t], the middle pair of the other w - 1 values is the median and its upper
    # neighbour when x[t] lies below the median, the lower neighbour and the median when
    # above, the two neighbours when x[t] is the median itself. (below and above are new
    # arrays of their own: the pair is made in them.)
    first = running_rank(x, h - 1, w, mode)
    second = running_rank(x, h + 1, w, mode)
    rnp.putmask(first, x < mid, mid)
    rnp.putmask(second, x > mid, mid)
    first += second
    first *= 0.5
    return first


def robust_sd(e: np.ndarray) -> float:
    """Scale of the bulk of ``e``: MAD_TO_SD × MAD. When over half the points sit exactly on
    the median (runs of zeros), the 75 % quantile of the same deviations, then their mean:
    still blind to a few bursts, never zero unless ``e`` is constant."""
    if e.size == 0:
        return 0.0
    centre = median(e)
    a = e - centre
    np.abs(a, out=a)
    g = MAD_TO_SD * median(a, overwrite=True)  # a is scratch: selected in place
    if g > 0:
        return g
    a = np.abs(e - centre)  # in its own order again: the mean sums in that order
    g = quantile(a, Q75) / Q75_ABS_SD
    return g if g > 0 else MEAN_ABS_TO_SD * float(a.mean())


def robust_sd_rows(block: np.ndarray) -> list[float]:
    """``robust_sd`` of every row of a 2-D array at once, as plain floats (a handful of rows,
    which their caller fits in plain floats)."""
    k = block.shape[1]
    centre = _row_medians(block)[:, None]
    a = block - centre
    np.abs(a, out=a)
    g = [MAD_TO_SD * v for v in _row_medians(a, overwrite=True).tolist()]
    if not any(v <= 0 for v in g):
        return g
    a = np.abs(block - centre)  # in its own order again: the mean sums in that order
    zero = np.array(g) <= 0
    q = int(Q75 * (k - 1))
    b = a.copy()
    b.partition(q, axis=1)
    fallback = rnp.where(b[:, q] > 0, b[:, q] / Q75_ABS_SD, MEAN_ABS_TO_SD * a.mean(axis=1))
    return rnp.where(zero, fallback, g).tolist()


def _row_medians(block: np.ndarray, overwrite: bool = False) -> np.ndarray:
    """The median of every row of a 2-D array (``overwrite``: an odd-length ``block`` is
    scratch, partitioned in place)."""
    k = block.shape[1]
    h = k // 2
    if k % 2:
        b = block if overwrite else block.copy()
        b.partition(h, axis=1)
        return b[:, h]
    below, at = middle_pair(block, h)
    return 0.5 * (below + at)
