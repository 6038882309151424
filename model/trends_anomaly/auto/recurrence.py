"""The recurrence stage: what the neighbouring cycles also do is the season, not an event.

An analyst reads a seasonal series against the same time of year in the years around it: a
peak no higher than the year before's or the year after's at the same time is a seasonal
peak (a holiday, a sport whose season grows), however badly the fitted season matched it;
only what goes beyond both neighbouring cycles is news (a World Cup month, a flood in the
rainy season, a season that fails). The season's fit cannot always say so by itself: a
holiday that falls in week k one year and k + 1 the next, or a season that doubles over a
few years, leaves the same excursion in its residual every year.
"""

from __future__ import annotations

import numpy as np

# The same phase in a neighbouring cycle is t ± period, ± CALENDAR_SLACK points for calendar
# weeks: they drift by a day and a quarter a year against 52 weeks, and a holiday on fixed
# dates falls in one week or the next. A month, an hour of the day or a weekday does not move.
CALENDAR_SLACK = 1


def recurring(
    mask: np.ndarray,
    e: np.ndarray,
    side: np.ndarray,
    period: int,
    margin: float = 0.0,
    slack: int = 0,
) -> np.ndarray:
    """Points of ``mask`` that do not go beyond a neighbouring cycle: ``e`` (the value above
    the long baseline, season included) at t is not more than ``margin`` further on its
    ``side`` (+1/-1) than e reaches at the same phase (within ``slack`` points) one cycle
    earlier or later."""
    n = mask.size
    out = np.zeros(n, dtype=bool)
    if not mask.any() or period <= 0:
        return out
    up = side > 0
    for direction in (-1, 1):  # the cycle before, the cycle after
        hi = np.full(n, -np.inf)  # highest and lowest e around t + direction * period
        lo = np.full(n, np.inf)
        for lag in range(period - slack, period + slack + 1):
            if lag <= 0 or lag >= n:
                continue
            if direction < 0:
                hi[lag:] = np.maximum(hi[lag:], e[:-lag])
                lo[lag:] = np.minimum(lo[lag:], e[:-lag])
            else:
                hi[:-lag] = np.maximum(hi[:-lag], e[lag:])
                lo[:-lag] = np.minimum(lo[:-lag], e[lag:])
        out |= np.where(up, e <= hi + margin, e >= lo - margin)
    return out & mask
