"""The band stage: the value expected at every point and the range it takes without an event.

``expected`` is trend + season; at the first point of a level shift it is the old level (the
value the point would have had without the shift), with the old level's noise, from the next
point on the new one. The band is expected ± the larger of threshold × noise scale and the
visibility floor: exactly the range outside which a point is reported, so every flagged point
lies outside its band and every point outside it belongs to a reported event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .shifts import LevelShift

# A recurring excursion's band reaches a hair past its values, so that they lie inside it.
COVER_SLACK = 1e-9


class Band(NamedTuple):
    expected: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    # (3, n): expected, lower and upper as its rows (the three arrays above are views of it),
    # so a caller keeps all three within a range with two ufunc calls instead of six
    rows: np.ndarray


def expected_values(
    trend: np.ndarray,
    seasonal: np.ndarray,
    shifts: Sequence[LevelShift],
    proportional: bool = False,
) -> np.ndarray:
    """trend + season, with the old level at each level shift's first point.
    ``proportional``: the season is a share of the level (multiplicative)."""
    expected = trend + seasonal
    for s in shifts:
        t = s.index
        if t > 0:
            # The old segment's baseline, carried one step on (its last value is the level
            # the series had just before the shift), with the season it would have had: a
            # proportional season scaled from the new level to the old one (the new level's
            # swing on the old level put a quiet term's expected value below zero).
            old, season = trend[t - 1], seasonal[t]
            if proportional and trend[t] > 0:
                season = season * max(old, 0.0) / trend[t]
            expected[t] = old + season
    return expected


def shift_sigma(sigma: np.ndarray, shifts: Sequence[LevelShift]) -> np.ndarray:
    """The noise scale with each level shift's first point given the old level's scale (the
    point is judged against the level it left)."""
    if not shifts:
        return sigma
    out = sigma.copy()
    for s in shifts:
        if s.index > 0:
            out[s.index] = sigma[s.index - 1]
    return out


def band(
    expected: np.ndarray,
    sigma: np.ndarray,
    threshold: float,
    visible: float = 0.0,
    cover: np.ndarray | None = None,
) -> Band:
    """expected ± max(threshold × sigma, visible), and at least ``cover`` where given (the
    reach of a recurring seasonal excursion: what this time of year does without an event)."""
    half = threshold * sigma
    np.maximum(half, visible, out=half)  # (in place: one array of the series' length fewer)
    if cover is not None:
        np.maximum(half, cover * (1.0 + COVER_SLACK), out=half)
    rows = np.empty((3, expected.size))
    mid, lower, upper = rows  # (views: the three curves are written in place)
    mid[...] = expected
    np.subtract(expected, half, out=lower)
    np.add(expected, half, out=upper)
    return Band(mid, lower, upper, rows)
