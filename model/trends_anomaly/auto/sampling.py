"""The sampling stage: the noise floor of a low-volume term, told by its lone values.

Google Trends answers from a sample of searches. A term with few of them reads 0 most of the
time and now and then one search's worth, which can be a large value: a tenth or a third of
the scale when the file's 100 is a few searches, or another, bigger term. An analyst reads
such a value, alone between zeros, as sampling noise, not news ("noisy low-volume series
whose zeros and spikes are sampling noise" are not anomalies). The noise scale fitted on the
whole term sees mostly zeros and calls it near zero, so every lone value would stand out.

So where a term has lone values (a positive value with a zero on each side), what one of them
is usually worth sets a floor under the noise wherever the term reads mostly zeros: the
running median of ``LONE_RUN`` neighbouring lone values, taken by each point from the lone
value nearest to it (the early years of a term that has since grown have larger lone values
than its later ones, when a search weighs less), over every stretch whose points are mostly
zeros, however long since the last lone value (the sampling does not stop between them), and
nowhere else (where a term took off, its noise is its own). The floor is
that worth over ``LONE_Z``: an ordinary lone value sits at ``LONE_Z`` noise units, one twice
as large at twice that, at the reporting threshold. A surge is several searches' worth on
consecutive points and stands out as before.
"""

from __future__ import annotations

import numpy as np

from .robust import rolling_median

# Lone values needed before they say what one search is worth (fewer are as likely events).
LONE_MIN = 3
# Lone values in each running median (a few unusual ones do not move it).
LONE_RUN = 7
# A stretch whose points are at least this share zeros is sampled thinly (half: most weeks
# read no search).
SPARSE_SHARE = 0.25
# An ordinary lone value, in noise units: 2 leaves it well inside the band (the lowest
# reporting threshold is 2.3 at 52 points, 2.9 at 261), and twice its size at 4, the threshold.
LONE_Z = 2.0


def lone_values(x: np.ndarray) -> np.ndarray:
    """Indices of the positive values of ``x`` that have a zero (or the series' end) on each
    side."""
    pos = x > 0
    alone = pos.copy()
    alone[1:] &= ~pos[:-1]
    alone[:-1] &= ~pos[1:]
    return alone.nonzero()[0]


def sampling_floor(x: np.ndarray, reach: int) -> np.ndarray | None:
    """Per point, the noise floor the lone values set where the term reads mostly zeros (0
    elsewhere); None when the term has fewer than ``LONE_MIN`` lone values (no floor).
    ``reach``: half the span over which "mostly zeros" is judged (the long window's half).
    ``x`` is non-negative (counts); the caller checks."""
    at = lone_values(x)
    if at.size < LONE_MIN:
        return None
    worth = rolling_median(x[at], min(LONE_RUN, at.size), "nearest")
    t = np.arange(x.size)
    right = np.minimum(at.searchsorted(t), at.size - 1)  # the first lone value at or after t
    left = np.maximum(right - 1, 0)
    nearest = np.where(np.abs(t - at[left]) <= np.abs(at[right] - t), left, right)
    floor = worth[nearest] / LONE_Z
    floor[~_mostly_zeros(x, reach)] = 0.0
    return floor


def _mostly_zeros(x: np.ndarray, reach: int) -> np.ndarray:
    """Whether at least ``SPARSE_SHARE`` of the points within ``reach`` of each point are
    zeros: the stretches where the term is sampled too thinly to read more than a search at a
    time (a term that took off later has its own noise there, not its early lone values')."""
    zeros = np.empty(x.size + 1)
    zeros[0] = 0.0
    np.cumsum(x == 0, out=zeros[1:])
    t = np.arange(x.size)
    lo, hi = np.maximum(t - reach, 0), np.minimum(t + reach + 1, x.size)
    return zeros[hi] - zeros[lo] >= SPARSE_SHARE * (hi - lo)
