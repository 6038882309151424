"""The visibility stage: how far from its expected value a point must be to matter on the chart.

Google Trends scales every export so that its maximum is 100 and rounds to whole points, and
an analyst reads a term against its own usual range: a departure that is clear against the
noise but small against that range (a bump of 6 points on a term that spans 0-40, a quiet
year's 2 becoming 8 on a term that later reaches 100) is not news. The floor is
``VISIBLE_SHARE`` of the series' p5-p95 range (the span of its ordinary values: the events at
either end do not set it). An event must clear it besides the noise threshold, and the band
is drawn at the larger of the two, so the picture still says exactly what is reported.
"""

from __future__ import annotations

import numpy as np

from .robust import quantile_pair

# Share of the p5-p95 range an event must reach: a fifth of the usual range, the size of a
# step between two gridlines of a chart with five of them over that range.
VISIBLE_SHARE = 0.2
RANGE_LO, RANGE_HI = 0.05, 0.95  # the range of ordinary values (events are rarer than 5 %)


def visible_floor(x: np.ndarray) -> float:
    """Smallest departure (in the series' units) worth reporting on ``x``. (Both ends of the
    range from one copy of ``x``: ``quantile_pair``, about 1 µs less a request at 261 points.)"""
    if x.size < 2:
        return 0.0
    low, high = quantile_pair(x, RANGE_LO, RANGE_HI)
    return VISIBLE_SHARE * (high - low)
