"""The level-shift stage: steps in the deseasonalized series that stay.

A candidate is where the median of the next ``L`` points differs from the median of the
previous ``L`` by far more than noise (two L-point medians differ by sd·sqrt(π/2)·sqrt(2/L)
when nothing happens) and by more than a ramp explains: a ramp moves the medians one window
earlier and one window later as much as here, a step does not, so the part of the
difference that both neighbours share is removed first. It is kept as a level shift when the
change is abrupt (most of it happens across a few points) and when the new level stays:
a surge that comes back within ``horizon`` points is an event on top of the baseline (a
temporary change), not a new baseline, and so is a step whose new level was the level
before it (the end of such a surge).
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import NamedTuple

import numpy as np
from scipy.special import ndtri

from .. import rawnp as rnp
from .merging import runs
from .robust import MAD_TO_SD, MEAN_ABS_TO_SD, median, rolling_median

# Expected false splits per series of pure noise: the z a step's median difference needs is
# the Bonferroni bound for this over the series' points, the same as a point needs at the
# default sensitivity (4.1 at 261 points, 4.9 at 10⁵). Not tied to the sensitivity: a shift
# re-cuts the baseline, and the candidates must not move when the sensitivity does.
SHIFT_FALSE_SPLITS = 0.01
# Points on each side of a candidate compared to judge how abrupt it is: a third of the
# comparison window (medians of a few points, not one noisy pair), 2 to 6.
STEP_K_SHARE, STEP_K_MIN, STEP_K_MAX = 3, 2, 6
# Share of the change between the two L-point medians that must happen across the first point
# (medians of k points either side): a step does all of it there, a linear ramp over the
# comparison window k/L (a third); three fifths leaves room for noise and for the drift that
# follows a real step (a launched product keeps growing for months after its launch).
STEP_SHARPNESS = 0.6
# The new level "comes back" when the running median returns within this share of the step.
RETURN_SHARE = 0.5
# For counts and shares (no negative values), a shift moves the level by at least a third of
# the lower of the two levels: search interest drifts by a fifth between calm years, and the
# shifts an analyst marks (a launch, a lockdown) double or halve it.
REL_SHIFT = 1.0 / 3.0
# Parameters of the two models of a pair of same-way steps (see ``_staircase_is_ramp``).
STAIRCASE_PARAMS = 5  # three levels and two breakpoints
LINE_PARAMS = 2


@functools.lru_cache(maxsize=64)
def _shift_z(n: int) -> float:
    """The z a step's median difference needs on ``n`` points (see SHIFT_FALSE_SPLITS)."""
    return float(ndtri(1.0 - SHIFT_FALSE_SPLITS / (2.0 * n)))


class LevelShift(NamedTuple):
    index: int  # first point at the new level
    before: float  # old level (deseasonalized)
    after: float  # new level (deseasonalized)
    z: float  # significance of the median difference


def _split(y: np.ndarray, c: int, k: int) -> int:
    """The first index of the second level near ``c``: the split of y[c - k : c + k] into a
    before and an after part whose medians leave the least absolute deviation. (The same
    2k points for every split: windows that slid with the split would both fit inside the
    old level, and a split several points early would look best.)"""
    a0, b0 = max(c - k, 0), min(c + k, y.size)
    seg = y[a0:b0].tolist()  # a dozen points: plain floats beat array calls
    best, cost = c, float("inf")
    for s in range(1, len(seg)):
        e = _spread(seg[:s]) + _spread(seg[s:])
        if e < cost - 1e-12:
            best, cost = a0 + s, e
    return best


def _spread(v: list[float]) -> float:
    """Sum of absolute deviations of ``v`` from its median."""
    w = sorted(v)
    mid = _middle(w)
    return sum([abs(a - mid) for a in w])


def _middle(w: list[float]) -> float:
    """The median of the sorted list ``w`` (as ``median`` finds it)."""
    m = len(w)
    return w[m // 2] if m % 2 else 0.5 * (w[m // 2 - 1] + w[m // 2])


def _ramp_fits_better(y: np.ndarray, t0: int, half: int) -> bool:
    """Whether a straight line explains the ``half`` points either side of ``t0`` at least as
    well as a step there does (sums of absolute deviations; the line passes through the two
    halves' medians at their centres, the step is those two medians): a take-off or a fast
    rise over weeks moves both halves' medians as a step would, but only a step leaves the
    points flat on either side. Two models of two numbers each, the better one wins."""
    a, b = max(t0 - half, 0), min(t0 + half, y.size)
    left, right = y[a:t0].tolist(), y[t0:b].tolist()
    if len(left) < 2 or len(right) < 2:
        return False
    ml, mr = _middle(sorted(left)), _middle(sorted(right))
    step_cost = sum([abs(v - ml) for v in left]) + sum([abs(v - mr) for v in right])
    cl, cr = 0.5 * (a + t0 - 1), 0.5 * (t0 + b - 1)
    slope = (mr - ml) / (cr - cl)
    line_cost = sum([abs(v - ml - slope * (i - cl)) for i, v in enumerate(left + right, a)])
    return line_cost <= step_cost


def _staircase_is_ramp(y: np.ndarray, first: int, second: int, half: int) -> bool:
    """Whether two steps the same way (first points ``first`` < ``second``) are one ramp
    taken in two strides. Over the stretch from ``half`` points before the first to ``half``
    points after the second, three flat levels (3 levels and 2 chosen breakpoints) are
    compared with one straight line (2 numbers, the Theil-Sen line) by an information
    criterion on their sums of absolute deviations, n·ln(SAD / n) + 2·parameters: the levels
    always fit a noisy ramp a little better, because their breakpoints were chosen where the
    noise made the steps look steepest, and the penalty is what that choice is worth. A
    second launch after a first leaves a plateau between them that no line fits."""
    a, b = max(first - half, 0), min(second + half, y.size)
    seg = y[a:b]
    parts = (seg[: first - a], seg[first - a : second - a], seg[second - a :])
    if min(p.size for p in parts) < 2:
        return False
    steps = sum(_spread(p.tolist()) for p in parts)
    i = np.arange(seg.size, dtype=float)
    pairs = np.triu_indices(seg.size, 1)
    slope = median((seg[pairs[1]] - seg[pairs[0]]) / (i[pairs[1]] - i[pairs[0]]))
    line = _spread((seg - slope * i).tolist())  # the intercept is the residuals' median
    n = seg.size
    tiny = 1e-12 * n
    steps_ic = n * math.log(max(steps, tiny) / n) + 2 * STAIRCASE_PARAMS
    line_ic = n * math.log(max(line, tiny) / n) + 2 * LINE_PARAMS
    return line_ic <= steps_ic


def _jumps(y: np.ndarray, cands: np.ndarray, k: int) -> np.ndarray:
    """median(y[c : c + k]) - median(y[c - k : c]) at every c of ``cands`` (consecutive)."""
    span = y[cands[0] - k : cands[-1] + k]
    win = span.take(np.arange(span.size - k + 1)[:, None] + np.arange(k))  # every k-window
    win.sort(axis=1)
    h = k // 2
    med = win[:, h] if k % 2 else 0.5 * (win[:, h - 1] + win[:, h])
    return med[k:] - med[: cands.size]


def find_shifts(
    y: np.ndarray, sigma: np.ndarray, window: int, horizon: int, relative: bool = False
) -> list[LevelShift]:
    """Level shifts of the deseasonalized series ``y`` (noise scale ``sigma`` per point);
    ``relative``: the series is a count or share (see REL_SHIFT)."""
    n = y.size
    L = max(int(window), 3)
    if n < 2 * L + 1:
        return []
    m = rolling_median(y, L, "nearest")
    h = L // 2
    t = slice(L, n - L + 1)  # the points with a full window on both sides
    after = m[L + h : n - L + 1 + h]
    before = m[L - 1 - h : n - L - h]
    diff = after - before
    sd = sigma[t] * MEAN_ABS_TO_SD
    sd *= math.sqrt(2.0 / L)
    need = _shift_z(n)
    ratio = np.abs(diff)  # |d| / sd, in place
    ratio /= sd
    if not rnp.count_nonzero(ratio > need):
        return []  # the ramp correction and the calibration only lower |d| / sd: none passes
    d = np.zeros(n)
    d[t] = diff
    prev, nxt = np.zeros(n), np.zeros(n)
    prev[L:], nxt[:-L] = d[:-L], d[L:]
    ramp = rnp.where(prev * nxt > 0, np.sign(prev) * np.minimum(np.abs(prev), np.abs(nxt)), 0.0)
    step = rnp.where(ramp * d > 0, np.sign(d) * np.maximum(np.abs(d) - np.abs(ramp), 0.0), d)
    d, step = d[t], step[t]
    z = np.abs(step) / sd
    # Wandering or autocorrelated series move window medians far more than white noise
    # would: the statistic is calibrated by its own robust spread over the series (almost
    # every point is not a shift), never below the white-noise model. (|step / sd| is z:
    # sd > 0, and a quotient's sign is its numerator's.)
    spread = MAD_TO_SD * median(z)
    if spread > 1.0:
        z = z / spread
    big = z > need
    if not big.any():
        return []
    out: list[LevelShift] = []
    k = min(max(L // STEP_K_SHARE, STEP_K_MIN), STEP_K_MAX)
    for first, last in runs(big, gap=0):
        j = first + int(z[first : last + 1].argmax())
        sign = 1.0 if step[j] > 0 else -1.0
        lo, hi = max(L + first - h, k), min(L + last + h, n - k)
        # The first point at the new level: where the local jump (median of k points after
        # minus before) is largest within the candidate's stretch.
        cands = np.arange(lo, hi + 1)
        jumps = _jumps(y, cands, k)
        best = int((sign * jumps).argmax())
        jump = float(jumps[best])
        # Exactly where: the split of the 2k points around it that two flat levels fit best.
        t0 = _split(y, int(cands[best]), k)
        size = abs(float(d[j]))  # the whole difference: a ramp makes it, not its jump
        if sign * jump < STEP_SHARPNESS * size or _ramp_fits_better(y, t0, L):
            continue  # a ramp, not a step
        old, new = float(before[j]), float(after[j])
        if relative and abs(new - old) < REL_SHIFT * max(min(old, new), 0.0):
            continue  # a drift of the level, not a shift
        if t0 > n - L:
            continue  # fewer than L points at the new level: too early to tell it stays
        # Stays? The running median from t0 on must not come back near the old level; and the
        # old level must have held before (else this step ends a surge that came back).
        ahead = m[t0 + h : min(t0 + horizon, n)]
        if ahead.size and (sign * (ahead - old) < RETURN_SHARE * size).any():
            continue
        behind = m[max(t0 - horizon, 0) : max(t0 - h - 1, 0)]
        if behind.size and (np.abs(behind - new) < RETURN_SHARE * size).any():
            continue
        if out and t0 - out[-1].index < L:
            if z[j] <= out[-1].z:
                continue
            out.pop()
        out.append(LevelShift(t0, old, new, float(z[j])))
    return _without_ramps(y, out, L, horizon)


def _without_ramps(
    y: np.ndarray, shifts: list[LevelShift], half: int, horizon: int
) -> list[LevelShift]:
    """``shifts`` without the pairs of same-way steps within ``horizon`` of each other that
    are one ramp (see ``_staircase_is_ramp``): neither is a level shift."""
    drop: set[int] = set()
    for i, (p, q) in enumerate(itertools.pairwise(shifts)):
        same_way = (p.after - p.before) * (q.after - q.before) > 0
        if (
            same_way
            and q.index - p.index <= horizon
            and _staircase_is_ramp(y, p.index, q.index, half)
        ):
            drop.update((i, i + 1))
    return [s for i, s in enumerate(shifts) if i not in drop]
