"""The sampling stage: the noise floor of a low-volume term, told by its lone values.

Google Trends answers from a sample of searches. A term with few of them reads 0 most of the
time and now and then one search's worth, which can be a large value: a tenth or a third of
the scale when the file's 100 is a few searches, or another, bigger term. An analyst reads
such a value, alone between zeros, as sampling noise, not news ("noisy low-volume series
whose zeros and spikes are sampling noise" are not anomalies). The noise scale fitted on the
whole term sees mostly zeros and calls it near zero, so every lone value would stand out.

So where a term has lone values (a positive value with a zero on each side), what one of them
is usually worth (one search, ``q``) sets a floor under the noise wherever the term reads
mostly zeros: the running median of ``LONE_RUN`` neighbouring lone values, taken by each point
from the lone value nearest to it (the early years of a term that has since grown have larger
lone values than its later ones, when a search weighs less), over every stretch whose points
are mostly zeros, however long since the last lone value (the sampling does not stop between
them), and nowhere else (where a term took off, its noise is its own).

How high the floor stands follows from the counts: a week's searches in the sample are a
Poisson count, whose rate the share of zeros around the point tells (P(0) = e^-λ). Its tail is
much heavier than a Gaussian's at these rates: at λ = 0.3 (three weeks in four read 0) two
searches in one week happen every thirty weeks and four every four thousand. The floor puts
the reporting threshold at the default sensitivity between the count that a Poisson sample
reaches as rarely as Gaussian noise reaches that threshold and the count under it, measured
from the usual count (the median: 0 while most points read 0, else 1): a term of lone values
raises about as many false alarms as a term of Gaussian noise. A surge of several searches'
worth on neighbouring points stands out as before: where a point and its two neighbours hold
more searches than a Poisson count at three times the rate reaches as rarely, the point keeps
the lone value's worth over ``LONE_Z`` as its floor. The level-shift test reads the floor
too: the median of a few months of such a term steps between 0 and one search's worth.

On simulated low-volume terms (Poisson counts at 0.05-1 searches a point, each worth 8-30,
weekly, monthly and daily, no event; two seeds of 63 series) a floor of one lone value's worth
over two raised 25 and 15 false anomalies, this floor 1 and 1; a three-point surge of 6-10
searches added to each was found in all 126 either way.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, ndtr

from .. import rawnp as rnp
from .robust import rolling_median

# Lone values needed before they say what one search is worth (fewer are as likely events).
LONE_MIN = 3
# Lone values in each running median (a few unusual ones do not move it).
LONE_RUN = 7
# A stretch whose points are at least this share zeros is sampled thinly (half: most weeks
# read no search).
SPARSE_SHARE = 0.25
# Counts whose Poisson tails are summed (a count beyond this at a rate at most 3 · -ln 0.25 =
# 4.2 has a tail far under any threshold's).
MAX_COUNT = 60
# Inside a surge (several searches on neighbouring points), a lone value's worth is this many
# noise units: the floor is only the sampling's own (twice that is the reporting threshold).
LONE_Z = 2.0


def lone_values(x: np.ndarray) -> np.ndarray:
    """Indices of the positive values of ``x`` that have a zero (or the series' end) on each
    side."""
    pos = x > 0
    alone = pos.copy()
    alone[1:] &= ~pos[:-1]
    alone[:-1] &= ~pos[1:]
    return alone.nonzero()[0]


def sampling_floor(x: np.ndarray, reach: int, z_ref: float) -> np.ndarray | None:
    """Per point, the noise floor the lone values set where the term reads mostly zeros (0
    elsewhere); None when the term has fewer than ``LONE_MIN`` lone values (no floor).
    ``reach``: half the span over which "mostly zeros" is judged (the long window's half).
    ``z_ref``: the reporting threshold at the default sensitivity (see the module docstring:
    a count is as rare as Gaussian noise beyond it). ``x`` is non-negative (counts); the
    caller checks."""
    at = lone_values(x)
    if at.size < LONE_MIN:
        return None
    worth = rolling_median(x[at], min(LONE_RUN, at.size), "nearest")
    t = np.arange(x.size)
    right = np.minimum(at.searchsorted(t), at.size - 1)  # the first lone value at or after t
    left = np.maximum(right - 1, 0)
    nearest = rnp.where(np.abs(t - at[left]) <= np.abs(at[right] - t), left, right)
    share = _zero_share(x, reach)
    sparse = share >= SPARSE_SHARE
    floor = np.zeros(x.size)
    if not sparse.any():
        return floor
    q = worth[nearest[sparse]]
    rate = -np.log(share[sparse])
    tail = float(ndtr(-z_ref))  # Gaussian noise beyond z_ref upward, at one point
    usual = (share[sparse] < 0.5).astype(float)  # the median count: 1 once under half read 0
    floor[sparse] = q * (_rare_count(rate, tail) - 0.5 - usual) / z_ref
    # Searches on a point and its two neighbours: a Poisson count at three times the rate.
    # Beyond what that reaches as rarely, the point is part of a surge, not a lone value:
    # its floor is what a lone value is worth over LONE_Z.
    counts = np.zeros(x.size + 2)
    counts[1:-1][sparse] = x[sparse] / q
    around = counts[:-2] + counts[1:-1] + counts[2:]
    surge = np.zeros(x.size, dtype=bool)
    surge[sparse] = around[sparse] > _rare_count(3.0 * rate, tail) - 0.5
    floor[surge] = worth[nearest[surge]] / LONE_Z
    return floor


def _zero_share(x: np.ndarray, reach: int) -> np.ndarray:
    """The share of zeros among the points within ``reach`` of each point, counting one
    non-zero point more than there are (a stretch of only zeros still has a rate, just a low
    one). At least ``SPARSE_SHARE`` of them: a stretch sampled too thinly to read more than a
    few searches at a time (a term that took off later has its own noise there, not its early
    lone values')."""
    zeros = np.empty(x.size + 1)
    zeros[0] = 0.0
    np.cumsum(x == 0, out=zeros[1:])
    t = np.arange(x.size)
    lo, hi = np.maximum(t - reach, 0), np.minimum(t + reach + 1, x.size)
    return (zeros[hi] - zeros[lo]) / (hi - lo + 1)


def _rare_count(rate: np.ndarray, tail: float) -> np.ndarray:
    """For each Poisson ``rate``, the first count k that a sample reaches no more often than
    ``tail`` (P(K >= k) <= tail)."""
    values, back = np.unique(rate, return_inverse=True)
    k = np.arange(MAX_COUNT + 1)
    pmf = np.exp(k[:, None] * np.log(values) - values - gammaln(k + 1.0)[:, None])
    # P(K >= k) = 1 - P(K <= k - 1)
    above = 1.0 - rnp.concatenate([np.zeros((1, values.size)), np.cumsum(pmf, axis=0)[:-1]])
    return np.argmax(above <= tail, axis=0)[back].astype(float)


# The ``parameters`` entry that names the stretches read as sampling noise ("from <label> to
# <label> and from ..."; see ``sparse_note`` for the warning made of it).
NOISE_KEY = "sampling_noise"
# A stretch of sampling noise is named in the answer from this many points on (shorter ones are
# a few zeros between values, not a term read from a thin sample); stretches fewer points apart
# are named as one.
NAMED_MIN = 6


def sparse_stretches(floor: np.ndarray) -> list[tuple[int, int]]:
    """The stretches (first and last index) where ``floor`` (of ``sampling_floor``) holds: the
    term reads mostly zeros there, and its values are sampling noise. Stretches under
    ``NAMED_MIN`` points apart are joined; the joined ones of at least ``NAMED_MIN`` points
    are kept."""
    on = rnp.concatenate(([False], floor > 0, [False]))
    edges = np.flatnonzero(on[1:] != on[:-1]).tolist()
    joined: list[list[int]] = []
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if joined and a - joined[-1][1] < NAMED_MIN:
            joined[-1][1] = b
        else:
            joined.append([a, b])
    return [(a, b - 1) for a, b in joined if b - a >= NAMED_MIN]
