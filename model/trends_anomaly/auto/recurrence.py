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

import math
from collections.abc import Callable

import numpy as np

from .. import rawnp as rnp

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
    t = mask.nonzero()[0]  # only these points are judged (a few peaks or stretches)
    if not t.size or period <= 0:
        return out
    if t.size <= FEW_POINTS:
        points = t.tolist()
        ups = (side[t] > 0).tolist()
        out[t] = _recurring_points(points, ups, e, period, margin, slack, both, share)
        return out
    lags = [lag for lag in range(period - slack, period + slack + 1) if 0 < lag < n]
    k = len(lags)
    far = lags[-1] if lags else 0
    # e at t - lag (the cycle before) and t + lag (after) for every lag, read from copies of
    # e padded with -inf / +inf, so a lag past either end counts as no value.
    cols = np.array([far - lag for lag in lags] + [far + lag for lag in lags], dtype=np.intp)
    at = t[:, None] + cols
    highs = np.empty(n + 2 * far)
    highs[:far], highs[far : far + n], highs[far + n :] = -np.inf, e, -np.inf
    lows = highs.copy()
    lows[:far], lows[far + n :] = np.inf, np.inf
    hi, lo = highs.take(at), lows.take(at)  # (points, 2 * lags)
    et = share * e[t]
    up = side[t] > 0
    if not both:  # beyond neither cycle = not beyond the farther reach of the two
        top = hi.max(axis=1, initial=-np.inf)
        bottom = lo.min(axis=1, initial=np.inf)
        res = rnp.where(up, et <= top + margin, et >= bottom - margin)
    else:
        res = (t >= period - slack) | (t + period - slack < n)  # a cycle on some side
        for part in (slice(0, k), slice(k, 2 * k)):  # the cycle before, the cycle after
            h = hi[:, part].max(axis=1, initial=-np.inf)
            within = rnp.where(
                up, et <= h + margin, et >= lo[:, part].min(axis=1, initial=np.inf) - margin
            )
            res &= within | ~np.isfinite(h)  # no cycle on that side: only the other counts
    out[t] = res
    return out


# Up to this many points are judged one by one in plain floats: about 3 µs a point that way,
# against some 45 µs for the padded arrays of ``recurring`` whatever their number.
FEW_POINTS = 10


def _extreme(values: list[float], up: bool) -> float:
    """max (``up``) or min of ``values`` as numpy's reductions find it: -inf / +inf when
    there are none, NaN when any is NaN (Python's max and min skip a NaN that is not first)."""
    if not values:
        return -math.inf if up else math.inf
    total = sum(values)  # NaN when one is (or when +inf and -inf meet: then look closer)
    if total != total and any(v != v for v in values):
        return math.nan
    return max(values) if up else min(values)


def _within(et: float, values: list[float], up: bool, margin: float) -> bool:
    """Whether ``et`` goes no more than ``margin`` beyond the farthest of ``values`` on its
    side."""
    reach = _extreme(values, up)
    return et <= reach + margin if up else et >= reach - margin


def _recurring_points(
    points: list[int],
    ups: list[bool],
    e: np.ndarray,
    period: int,
    margin: float,
    slack: int,
    both: bool,
    share: float,
) -> list[bool]:
    """``recurring`` at a few ``points`` (``ups``: on the upper side), one by one: the same
    comparisons of the same float64 values, without the padded arrays."""
    n = e.size
    lo, hi = max(period - slack, 1), min(period + slack, n - 1)  # the lags (see recurring)
    out = []
    for t, up in zip(points, ups, strict=True):
        et = share * e.item(t)
        before = e[max(t - hi, 0) : max(t - lo + 1, 0)].tolist()  # e[t - lag], lag <= t
        after = e[t + lo : t + hi + 1].tolist()  # e[t + lag], t + lag < n
        if not both:
            out.append(_within(et, before + after, up, margin))
            continue
        res = t >= period - slack or t + period - slack < n  # a cycle on some side
        for cycle in (before, after):
            # A cycle without a finite highest value (none: -inf) counts as none: only the
            # other one does.
            if math.isfinite(_extreme(cycle, True)):
                res = res and _within(et, cycle, up, margin)
        out.append(res)
    return out


def routine(
    found: list,
    x: np.ndarray,
    expected: np.ndarray,
    long: np.ndarray,
    period: int,
    visible: float,
    calendar: bool,
    confirmed: bool,
    moving: Callable[[int], list[int]] | None = None,
) -> tuple[list, np.ndarray | None]:
    """The candidates (``found``) that are neither seasonal nor routine, and the half-width
    the band must reach around ``expected`` (None: nowhere) to hold the ones that are. The
    cycle is ``period``, a season when ``confirmed`` (``calendar``: week-of-year phases), the
    timestamps' suggestion otherwise; ``long`` is the usual level. ``moving``: the same
    place relative to a moving holiday in the neighbouring cycles, for a point that moves
    with it (none for the others; see the holidays stage), also compared. Level
    shifts are never routine."""
    n = x.size
    sides = {c.index: c.sign for c in found if c.kind != "level_shift"}  # each peak's side
    if not sides:
        return found, None
    if confirmed:
        slack = CALENDAR_SLACK if calendar else 0
    else:
        slack = max(1, round(WANDER_SHARE * period))
    e = x - long
    usual = _usual(sides, e, period, visible if confirmed else 0.0, slack, confirmed)
    if moving is not None:
        rest = {t: s for t, s in sides.items() if t not in usual}
        usual |= _usual_moving(rest, e, moving, visible)
    if not usual:
        return found, None
    cover = np.zeros(n)
    kept = []
    for c in found:
        if c.kind != "level_shift" and c.index in usual:
            _widen(cover, x, expected, c.start, c.end)
        else:
            kept.append(c)
    return kept, cover


def _usual(
    sides: dict[int, int], e: np.ndarray, period: int, margin: float, slack: int, confirmed: bool
) -> set[int]:
    """The peaks (point: side) a neighbouring cycle also reaches: seasonal when the cycle is
    ``confirmed``, routine (in both neighbours, at ROUTINE_SHARE) when it is not."""
    points = sorted(sides)
    both, share = not confirmed, 1.0 if confirmed else ROUTINE_SHARE
    if len(points) <= FEW_POINTS:
        ups = [sides[t] > 0 for t in points]
        judged = _recurring_points(points, ups, e, period, margin, slack, both, share)
    else:
        mask = np.zeros(e.size, dtype=bool)
        side = np.zeros(e.size)
        mask[points] = True
        side[points] = [sides[t] for t in points]
        judged = recurring(mask, e, side, period, margin, slack, both, share)[points].tolist()
    return {t for t, u in zip(points, judged, strict=True) if u}


def _usual_moving(
    sides: dict[int, int], e: np.ndarray, moving: Callable[[int], list[int]], margin: float
) -> set[int]:
    """The peaks that go no further (by ``margin``) than the same place relative to a moving
    holiday reaches in a neighbouring cycle: a holiday is a calendar time, judged as a
    season's is (whether or not the rest of the series has one)."""
    out = set()
    for t, side in sides.items():
        others = moving(t)
        if others and _within(e.item(t), [e.item(o) for o in others], side > 0, margin):
            out.add(t)
    return out


def _widen(cover: np.ndarray, x: np.ndarray, expected: np.ndarray, a: int, b: int) -> None:
    """cover[a..b] = np.maximum(cover, |x - expected|) there, point by point in plain floats
    (an event spans a few points; NaN wins, as in np.maximum)."""
    for i in range(a, b + 1):
        d = abs(x.item(i) - expected.item(i))
        c = cover.item(i)
        if c == c and (d > c or d != d):
            cover[i] = d
