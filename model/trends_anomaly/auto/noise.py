"""The noise stage: how far a value strays from its expected level when nothing happens.

Search interest is sampled, so its noise grows with the level: the scale is fitted as sd =
a·level^β on level bins (a straight line through the bins' log scales against their log levels,
its height the median of the bins' offsets so one bin holding a surge cannot lift it), β between
0 (constant noise) and 1 (noise proportional to the level, interest that swings by a share);
data that can be negative gets a constant one. Stretches already known to be events
(``exclude``) take no part, so a surge cannot widen its own band; single outliers do (the MAD
ignores them), and so does the noise of a sparse, low-volume term (mostly zeros, the rest
scattered), which is its "outliers". The residual is measured against a level and a season that
left the point out, so its spread is the one the point is judged against (noise plus the
baseline's own error) and its shape is the noise's. Finally, when the tail of the bulk is wider
than a Gaussian one (heavy-tailed news, season misfit, autocorrelation), the scale widens until
it is not.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from .. import rawnp as rnp
from ..scale import whole_or_half_points
from .robust import quantile, robust_sd, robust_sd_rows

# Points per level bin: the MAD of 20 points is still blind to a burst of 9 of them, and two
# bins (40 points) let a one-year weekly export show noise that grows with its level (a ticker
# quiet at ~1 for months, then trading at 30-60).
MIN_BIN = 20
MAX_BINS = 4  # level bins for the fit (a straight line needs few, each must be robust)
# The noise grows with the level as level^β, β in [BETA_MIN, BETA_MAX]: from constant noise
# to noise proportional to the level (sampled counts sit between: β = 1/2 for a Poisson
# count, up to 1 when whole days of searching swing by a share). A steeper fit is events in
# the top bin, a falling one is events or zeros in the bottom bin.
BETA_MIN, BETA_MAX = 0.0, 1.0
# The scale stays within these multiples of the series' overall one: a fit on four bins
# must not claim a near-zero or a huge noise anywhere.
SD_MIN_SHARE, SD_MAX_SHARE = 0.3, 4.0
# Calibration quantile of |residual / scale| and its Gaussian value Φ⁻¹((1 + q) / 2): the
# 90 % point, high enough to see the tail, low enough that events (< 10 % of the points)
# cannot set it; from TAIL_LONG_N points on, the 98 % point (events stay a small share of
# a long metric, and its tail is what makes false alarms).
TAIL_Q, TAIL_Z = 0.90, 1.6449
TAIL_LONG_Q, TAIL_LONG_Z = 0.98, 2.3263
TAIL_LONG_N = 1000
TAIL_MAX = 4.0  # a wider "tail" is a crowd of events worth reporting, not noise


class NoiseScale(NamedTuple):
    sigma: np.ndarray  # per point, in the series' units
    overall: float  # the scale of the whole series (for the answer's parameters)
    tail: float  # calibration factor applied (>= 1)
    # (β, height, lo, hi, tiny): sd = clip(exp(height)·max(level, tiny)^β, lo, hi) before the
    # tail factor; None: constant
    law: tuple[float, float, float, float, float] | None = None

    def at(self, level: np.ndarray) -> NoiseScale:
        """The same noise read at another level (a level-dependent scale follows it)."""
        if self.law is None:
            return self
        return self._replace(sigma=_read_law(self.law, level) * self.tail)  # (tail >= 1)


def quantum_floor(x: np.ndarray, whole: bool | None = None) -> float:
    """Smallest scale worth believing: one unit for whole-number data (Google Trends rounds
    to whole points, and writes <1 as a half: differences of a unit are rounding and
    sampling, not news), else a millionth of the range. ``whole``: whether ``x`` is in whole
    points or halves (``whole_or_half_points``), when the caller knows."""
    if whole is None:
        whole = bool(x.size) and whole_or_half_points(x)
    if whole:
        return 1.0
    span = float(x.max() - x.min()) if x.size else 0.0
    return max(span * 1e-6, 1e-12)


def noise_scale(
    r: np.ndarray,
    level: np.ndarray | None,
    floor: float,
    exclude: np.ndarray | None = None,
) -> NoiseScale:
    """Per-point noise scale of the residual ``r`` around ``level`` (None: no level effect).
    The baseline left each point out of its own estimate, so ``r`` spreads like the noise
    plus that estimate's error: its scale is the one a point is judged against. ``floor``
    is a number (``quantum_floor``)."""
    n = r.size
    keep = _kept(exclude)
    rk = r if keep is None else r[keep]
    g = max(robust_sd(rk), floor)
    # Both ways give a scale >= floor already (g is; the level's is held within the scale).
    law = None
    if level is None:
        sd = np.full(n, g)
    else:
        sd, law = _level_dependent(rk, np.maximum(level, 0.0), keep, g, floor)
    z = np.abs(rk)
    z /= sd if keep is None else sd[keep]
    q, qz = (TAIL_LONG_Q, TAIL_LONG_Z) if n >= TAIL_LONG_N else (TAIL_Q, TAIL_Z)
    tail = min(quantile(z, q, overwrite=True) / qz, TAIL_MAX) if z.size else 1.0
    if tail > 1.0:
        sd *= tail
        g *= tail
    return NoiseScale(sd, g, max(tail, 1.0), law)


def _kept(exclude: np.ndarray | None) -> np.ndarray | None:
    """The points that take part: all (None) unless some are excluded, and not all of them."""
    if exclude is None:
        return None
    out = rnp.count_nonzero(exclude)
    return None if out == 0 or out == exclude.size else ~exclude


@functools.lru_cache(maxsize=64)
def _bin_edges(bins: int, size: int) -> np.ndarray:
    """The partition points of ``bins`` level bins of ``size`` points each (read-only: the
    one array is shared by every call)."""
    edges = np.arange(size, bins * size, size)
    edges.flags.writeable = False
    return edges


def _level_dependent(
    rk: np.ndarray, level: np.ndarray, keep: np.ndarray | None, g: float, floor: float
) -> tuple[np.ndarray, tuple[float, float, float, float, float] | None]:
    """The scale at every point, and the law it was read from (None: constant)."""
    n = level.size
    lk = level if keep is None else level[keep]
    bins = min(MAX_BINS, lk.size // MIN_BIN)
    if bins < 2:
        return np.full(n, g), None
    size = lk.size // bins
    # Bins by level: a partial sort at the bin edges is enough (no order within a bin).
    order = lk.argpartition(_bin_edges(bins, size))[: bins * size].reshape(bins, size)
    tiny = max(floor, 1e-12)
    # A handful of bins: their line is fitted in plain floats.
    log_m, log_sd = [], []
    sums = lk.take(order).sum(axis=1).tolist()
    for m, v in zip(sums, robust_sd_rows(rk.take(order)), strict=True):
        log_m.append(math.log(max(m / size, tiny)))
        log_sd.append(math.log(max(v, tiny)))
    beta, height = _fit_line(log_m, log_sd)
    lo, hi = max(floor, SD_MIN_SHARE * g), SD_MAX_SHARE * g
    if beta == 0.0:
        return np.full(n, _within(math.exp(height), lo, hi)), None
    law = (beta, height, lo, hi, tiny)
    return _read_law(law, level), law


def _read_law(law: tuple[float, float, float, float, float], level: np.ndarray) -> np.ndarray:
    """clip(exp(height)·max(level, tiny)^β, lo, hi) at every point."""
    beta, height, lo, hi, tiny = law
    sd = np.maximum(level, tiny)
    np.log(sd, out=sd)
    sd *= beta
    sd += height
    np.exp(sd, out=sd)
    np.maximum(sd, lo, out=sd)
    return np.minimum(sd, hi, out=sd)


def _within(v: float, lo: float, hi: float) -> float:
    """``np.minimum(np.maximum(v, lo), hi)`` in plain floats (a NaN anywhere gives NaN)."""
    if v != v or lo != lo or hi != hi:
        return math.nan
    return min(max(v, lo), hi)


def _fit_line(log_m: list[float], log_sd: list[float]) -> tuple[float, float]:
    """Slope β (held within [BETA_MIN, BETA_MAX]) and height of the line through the bins'
    log scales against their log levels, the height the median of the bins' offsets. One
    loop builds the terms (a few bins: comprehensions would cost more than the arithmetic);
    ``sum`` adds them, as Python sums floats."""
    bins = len(log_m)
    mean_m, mean_sd = sum(log_m) / bins, sum(log_sd) / bins
    squares, products = [], []
    for a, b in zip(log_m, log_sd, strict=True):
        d = a - mean_m
        squares.append(d**2)
        products.append(d * (b - mean_sd))
    den, num = sum(squares), sum(products)
    beta = min(max(num / den if den > 0 else 0.0, BETA_MIN), BETA_MAX)
    offsets = []
    for a, b in zip(log_m, log_sd, strict=True):
        offsets.append(b - beta * a)
    offsets.sort()
    return beta, 0.5 * (offsets[(bins - 1) // 2] + offsets[bins // 2])  # their median
