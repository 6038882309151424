"""Which seasonal period to use: the calendar's guess, kept only when the data shows it.

The timestamps suggest a cycle (a year of weeks or months, a week of days, a day of hours);
the data must then show it, or an absent season would be "learnt" from noise and from the
anomalies themselves. The check is the autocorrelation at that lag of a robustly detrended,
winsorized copy of the series, so a few spikes can neither fake nor hide a season.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..timeaxis import default_period
from ..types import Series
from .robust import MAD_TO_SD, fit_window, median, rolling_median

# Cycles needed before a season is inferred: a per-phase median needs three values to outvote
# one unusual cycle (with two, a single pandemic year "confirms" itself as the season).
MIN_CYCLES = 3
# Cycles a caller-given period needs (the documented contract: two full periods).
MIN_CYCLES_REQUESTED = 2
# Autocorrelation at the period needed to confirm a calendar season: clearly above the
# ±2/sqrt(n) noise band of a 261-point (five-year weekly) series (0.12).
ACF_MIN = 0.2
# Weeks needed before sub-daily data may use a weekly period (three of each weekday).
WEEK_CYCLES = 3
# How much more a weekly period must explain than a daily one to be preferred.
WEEKLY_GAIN = 0.05
WINSOR = 3.0  # the detrended series is clipped at ± this many robust sds before the ACF


class Period(NamedTuple):
    """The season used (0 = none), why, and the calendar's cycle even when unconfirmed
    (it still sets the detector's time scales)."""

    period: int
    source: str
    hint: int


def seasonal_acf(x: np.ndarray, period: int, level: np.ndarray | None = None) -> float:
    """Autocorrelation at lag ``period`` of ``x`` detrended by a running median (or by the
    ``level`` given: one at least a period long), winsorized."""
    n = x.size
    if period < 2 or n < MIN_CYCLES_REQUESTED * period:
        return 0.0
    if level is None:
        level = rolling_median(x, fit_window(period, max(n // 2 - 1, 1)))
    d = x - level
    d -= median(d)
    s = MAD_TO_SD * median(np.abs(d), overwrite=True)  # (a scratch array: no copy)
    if s <= 0:
        s = float(np.abs(d).mean())
    if s <= 0:
        return 0.0
    np.minimum(np.maximum(d, -WINSOR * s, out=d), WINSOR * s, out=d)  # (np.clip, cheaper)
    d -= np.add.reduce(d) / n  # its mean (ndarray.mean's own sum, without its wrapper)
    # (ndarray.dot: the same BLAS dot product as ``@``, without the matmul ufunc's dispatch,
    # half its cost on a few hundred points)
    den = float(d.dot(d))
    if den <= 0:
        return 0.0
    # Normalised by the overlap, so a short series is not penalised for the lost lag.
    return float(d[period:].dot(d[:-period])) / den * n / (n - period)


def calendar_period(series: Series) -> int:
    """The cycle the timestamps suggest (0 = none)."""
    hint = default_period(series.step) if series.step is not None else None
    return int(hint) if hint else 0


def choose_period(
    series: Series, x: np.ndarray, requested: int | None, level: np.ndarray | None = None
) -> Period:
    """``requested``: None = infer, 0 = no seasonality, k >= 2 = use k (given two cycles).
    ``level``: a running median of ``x`` over at least the calendar cycle, if one is at hand
    (it detrends the series for the autocorrelation check)."""
    n = x.size
    hint = calendar_period(series)
    if requested == 0:
        return Period(0, "parameter:none", hint)
    if requested is not None and requested >= 2:
        if n >= MIN_CYCLES_REQUESTED * requested:
            return Period(int(requested), "parameter", int(requested))
        return Period(0, "parameter:too_short", int(requested))
    if not hint:
        return Period(0, "none:no_calendar_period", 0)
    if n < MIN_CYCLES * hint:
        return Period(0, "none:too_short_for_period", hint)
    acf = seasonal_acf(x, hint, level)
    week = 7 * hint if series.step.seconds and series.step.seconds < 86400 else 0
    # Sub-daily data often has a weekly rhythm on top of the daily one (weekends): the
    # weekly period holds both, and is used when it explains clearly more.
    if (
        week
        and n >= WEEK_CYCLES * week
        and seasonal_acf(x, week) >= max(ACF_MIN, acf + WEEKLY_GAIN)
    ):
        return Period(week, "timestamps+confirmed:weekly", hint)
    if acf >= ACF_MIN:
        return Period(hint, "timestamps+confirmed", hint)
    return Period(0, "none:not_confirmed", hint)
