"""Moving holidays: the weeks around Easter are the same time of year as the weeks around
Easter a year earlier or later, whichever calendar weeks they fall in.

Easter moves over five weeks (22 March to 25 April), and with it Holy Week and the Easter
holidays: school and work terms dip, travel peaks, every year, in a different week. Seasonal
adjustment models the same effect (X-13ARIMA-SEATS and TRAMO have an Easter regressor). A
season fitted per calendar week cannot hold it, so the recurrence stage also compares a peak
or a dip near Easter in a weekly series with the same weeks around Easter in the neighbouring
years. (A month holds most of the holiday whichever week it falls in: monthly series are
left to the season.)
"""

from __future__ import annotations

import functools
from datetime import date

import numpy as np

from .season import NAT, ticks_per_day, year_of

# Weeks before and after Easter's own that move with it (Holy Week, the week after).
EASTER_WEEKS = 1


def easter(year: int) -> date:
    """Easter Sunday of ``year`` in the Gregorian calendar (the anonymous algorithm of
    Meeus, Jones and Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


# Calendar weeks (0-51, see the season stage) that can hold a week moving with Easter: Easter
# falls from 22 March to 25 April, so the weeks within EASTER_WEEKS of it start between
# 8 March and 2 May (with a week's slack for the week start): weeks 9 to 18.
EASTER_SPAN = (9, 18)


class EasterWeeks:
    """``easter_weeks`` of one weekly series, the axis read only when a point is asked about
    (most peaks are nowhere near Easter). ``week_of_year``: each point's calendar week (of a
    calendar season's layout), when known, to pass over the other weeks at once."""

    def __init__(self, timestamps: np.ndarray | None, n: int, week_of_year=None) -> None:
        self.timestamps, self.n, self.week_of_year = timestamps, n, week_of_year
        self.axis: tuple[int, int] | bool | None = False  # False: not read yet

    def __call__(self, t: int) -> list[int]:
        weeks = self.week_of_year
        if weeks is not None and not EASTER_SPAN[0] <= weeks.item(t) <= EASTER_SPAN[1]:
            return []
        if self.axis is False:
            self.axis = weekly_axis(self.timestamps, self.n)
        return [] if self.axis is None else easter_weeks(*self.axis, t)


def weekly_axis(timestamps: np.ndarray | None, n: int) -> tuple[int, int] | None:
    """(first day since 1970, n) of a regular axis of ``n`` whole weeks (what a weekly
    export is), None for any other axis (or one beyond the years Easter is told for). Read
    from its two ends in plain ints (a datetime cast costs several times more)."""
    if timestamps is None or timestamps.size != n or n < 2 or timestamps.dtype.kind != "M":
        return None
    ticks = ticks_per_day(timestamps.dtype)
    raw = timestamps.view(np.int64)
    a, b = raw.item(0), raw.item(n - 1)
    if ticks is None or NAT in (a, b):
        return None
    first, last = a // ticks, b // ticks
    if last - first != 7 * (n - 1) or first < _FIRST_DAY or last > _LAST_DAY:
        return None
    return first, n


def easter_weeks(first: int, n: int, t: int) -> list[int]:
    """The weeks one year before and after week ``t`` of a regular weekly axis (``first``,
    ``n``: see ``weekly_axis``) at the same place relative to Easter, when week ``t`` holds
    Easter or lies within ``EASTER_WEEKS`` of it (else none)."""
    start = first + 7 * t  # week t holds the days start .. start + 6
    year = year_of(start)
    k = -((_easter_day(year) - start) // 7)  # the week t holds Easter + 7k days
    if abs(k) > EASTER_WEEKS:
        return []
    out = []
    for other in (year - 1, year + 1):
        i = (_easter_day(other) + 7 * k - first) // 7
        if 0 <= i < n:
            out.append(i)
    return out


@functools.cache
def _easter_day(year: int) -> int:
    """Easter Sunday of ``year`` in days since 1970 (the same few years recur in every
    request)."""
    return (easter(year) - _EPOCH).days


_EPOCH = date(1970, 1, 1)
_FIRST_DAY = (date(1583, 1, 1) - _EPOCH).days  # the Gregorian calendar's first whole year
_LAST_DAY = (date(9998, 12, 31) - _EPOCH).days  # (a year after still has a ``date``)
