"""The scale a series lives on, and its band kept within it.

A band drawn past what the data can take explains nothing and stretches the chart's y-axis
(an upper bound of 140 on a Google Trends chart, a lower one of -17 on search interest).
Search interest and counts cannot go below zero; a Google Trends export is scaled so that its
highest point is 100 and written in whole points (``<1`` read as a half), so nothing on it
goes above 100. The expected value and both bounds are kept within that range. No observed
value changes side: every value is within the range, so one outside the band stays outside
and one inside stays inside.
"""

from __future__ import annotations

import numpy as np

from . import rawnp as rnp
from .types import Detection

TRENDS_TOP = 100.0  # the highest value on Google Trends' scale


def whole_or_half_points(x: np.ndarray) -> bool:
    """Whether every value is a whole number or a half: how Google Trends writes its values
    (rounded to whole points, ``<1`` read as 0.5)."""
    doubled = 2.0 * x
    same = doubled == np.rint(doubled)
    return rnp.count_nonzero(same) == same.size  # (.all() through its wrapper costs more)


def value_range(values: np.ndarray) -> tuple[float, float]:
    """(lowest, highest) value the series' scale allows: 0 below for data without negative
    values, 100 above for data on Google Trends' scale (whole points or halves in 0..100),
    otherwise unbounded."""
    x = np.asarray(values, dtype=float)
    # (ufunc reductions: ndarray.min and .max add a wrapper that costs as much again)
    if not x.size or np.minimum.reduce(x) < 0:
        return -np.inf, np.inf
    highest = float(np.maximum.reduce(x))
    # (whole points asked only where the answer matters: a pass over the values)
    return bounds(0.0, highest, highest <= TRENDS_TOP and whole_or_half_points(x))


def bounds(lowest: float, highest: float, whole: bool) -> tuple[float, float]:
    """`value_range`'s rule from what a caller already knows of the values: the lowest, the
    highest, and whether all are whole points or halves."""
    if lowest < 0:
        return -np.inf, np.inf
    return 0.0, TRENDS_TOP if whole and highest <= TRENDS_TOP else np.inf


def within_scale(values: np.ndarray, d: Detection) -> Detection:
    """``d`` with its expected value and band clipped to the range of ``values``' scale."""
    lo, hi = value_range(values)
    if lo == -np.inf and hi == np.inf:
        return d
    return Detection(
        clip(d.expected, lo, hi),
        clip(d.lower, lo, hi),
        clip(d.upper, lo, hi),
        d.anomalies,
        d.chosen,
    )


def clip(a: np.ndarray, lo: float, hi: float, out: np.ndarray | None = None) -> np.ndarray:
    """``np.clip(a, lo, hi)`` as two ufuncs (a third of np.clip's cost on a few hundred
    points), the upper one skipped when unbounded; ``out``: into that array (``a`` itself
    when its caller owns it), else a new one."""
    out = np.maximum(a, lo, out=out)
    if hi != np.inf:
        np.minimum(out, hi, out=out)
    return out
