"""The recurrence stage: what the neighbouring cycles also do is the season, not an event.

An analyst reads a seasonal series against the same time of year in the years around it: a
peak no higher than the year before's or the year after's at the same time is a seasonal
peak (a holiday, a sport whose season grows), however badly the fitted season matched it;
only what goes beyond both neighbouring cycles is news (a World Cup month, a flood in the
rainy season, a season that fails). The season's fit cannot always say so by itself: a
holiday that falls in week k one year and k + 1 the next, or a season that doubles over a
few years, leaves the same excursion in its residual every year.

Where the timestamps suggest a cycle that the data did not confirm as a season, a spike that
comes back at the same time in the cycles on *both* sides, at least ``ROUTINE_SHARE`` as high,
is routine (a nightly job on a server, a weekly show), within a wander of ``WANDER_SHARE`` of
the cycle.
"""

from __future__ import annotations

import numpy as np

# The same phase in a neighbouring cycle is t ± period, ± CALENDAR_SLACK points for calendar
# weeks: they drift by a day and a quarter a year against 52 weeks, and a holiday on fixed
# dates falls in one week or the next. A month, an hour of the day or a weekday does not move.
CALENDAR_SLACK = 1
# A routine spike of an unconfirmed cycle may wander by this share of the cycle (half an
# hour of a day).
WANDER_SHARE = 1.0 / 50.0
# ... and comes back at least half as high (a job's spike varies with the day's load).
ROUTINE_SHARE = 0.5


def recurring(
    mask: np.ndarray,
    e: np.ndarray,
    side: np.ndarray,
    period: int,
    margin: float = 0.0,
    slack: int = 0,
    both: bool = False,
    share: float = 1.0,
) -> np.ndarray:
    """Points of ``mask`` that do not go beyond a neighbouring cycle: ``e`` (the value above
    the long baseline, season included) at t is not more than ``margin`` further on its
    ``side`` (+1/-1) than e reaches at the same phase (within ``slack`` points) one cycle
    earlier or later; with ``both``, than in each neighbouring cycle the series has. With
    ``share`` < 1, reaching that share of e is enough (a routine's height varies)."""
    n = mask.size
    out = np.zeros(n, dtype=bool)
    if not mask.any() or period <= 0:
        return out
    if both:
        out[:] = True
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
        within = np.where(up, share * e <= hi + margin, share * e >= lo - margin)
        if both:
            exists = np.isfinite(hi)  # no cycle on that side: only the other one counts
            out &= within | ~exists
        else:
            out |= within
    if both:
        out &= _has_neighbour(n, period, slack)
    return out & mask


def _has_neighbour(n: int, period: int, slack: int) -> np.ndarray:
    """Points with at least one cycle before or after them in the series."""
    t = np.arange(n)
    return (t >= period - slack) | (t + period - slack < n)


def routine(
    found: list,
    x: np.ndarray,
    expected: np.ndarray,
    long: np.ndarray,
    period: int,
    visible: float,
    calendar: bool,
    confirmed: bool,
) -> tuple[list, np.ndarray | None]:
    """The candidates (``found``) that are neither seasonal nor routine, and the half-width
    the band must reach around ``expected`` (None: nowhere) to hold the ones that are. The
    cycle is ``period``, a season when ``confirmed`` (``calendar``: week-of-year phases), the
    timestamps' suggestion otherwise; ``long`` is the usual level. Level shifts are never
    routine."""
    n = x.size
    peaks = np.zeros(n, dtype=bool)
    side = np.zeros(n)
    for c in found:
        if c.kind != "level_shift":
            peaks[c.index] = True
            side[c.index] = c.sign
    if not peaks.any():
        return found, None
    if confirmed:
        slack = CALENDAR_SLACK if calendar else 0
    else:
        slack = max(1, round(WANDER_SHARE * period))
    e = x - long
    if confirmed:
        usual = recurring(peaks, e, side, period, visible, slack)
    else:
        usual = recurring(peaks, e, side, period, 0.0, slack, both=True, share=ROUTINE_SHARE)
    if not usual.any():
        return found, None
    cover = np.zeros(n)
    kept = []
    for c in found:
        if c.kind != "level_shift" and usual[c.index]:
            span = slice(c.start, c.end + 1)
            cover[span] = np.maximum(cover[span], np.abs(x[span] - expected[span]))
        else:
            kept.append(c)
    return kept, cover
