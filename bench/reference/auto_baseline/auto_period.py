"""Which seasonal period the `auto` detector uses: a calendar guess checked against the data.

The timestamps suggest a cycle (a year of weeks, a week of days, a day of hours); the data
must then show it, or an absent season would be "learnt" from noise and the anomalies
themselves. The check is the autocorrelation at that lag of a robustly detrended and
winsorized copy of the series, so a few spikes cannot fake or hide a season.
"""

from __future__ import annotations

import numpy as np

from .auto_fast import mean, med, rolling_median
from .timeaxis import default_period
from .types import Series

MIN_CYCLES = 2  # full cycles needed before a season can be estimated at all
ACF_MIN = 0.2  # autocorrelation at the period needed to confirm a calendar season
WEEK_CYCLES = 3  # weeks needed before a sub-daily series may use a weekly period


def odd(k: int) -> int:
    """The odd window length at or just above k (median filters want a centre)."""
    k = max(int(k), 1)
    return k if k % 2 else k + 1


def seasonal_acf(x: np.ndarray, period: int, medians: dict[int, np.ndarray] | None = None) -> float:
    """Autocorrelation at lag ``period`` of ``x`` detrended by a rolling median, winsorized.

    ``medians`` (window -> mirror-mode rolling median of x) receives the median computed
    here: the detector's first trend is often the same one.
    """
    n = x.size
    if period < 2 or n < MIN_CYCLES * period:
        return 0.0
    w = max(min(odd(period), odd(n // 2) - 2 if n // 2 > 2 else 1), 1)
    rm = rolling_median(x, w, "mirror")
    if medians is not None:
        medians[w] = rm
    d = x - rm
    d = d - med(d)
    s = 1.4826 * float(med(np.abs(d)))
    if s <= 0:
        s = float(np.mean(np.abs(d)))
    if s <= 0:
        return 0.0
    np.minimum(np.maximum(d, -3 * s, out=d), 3 * s, out=d)
    d -= mean(d)
    den = float(d @ d)
    if den <= 0:
        return 0.0
    # Normalise by the overlap so that short series are not penalised for the lost lag.
    return float(d[period:] @ d[:-period]) / den * n / (n - period)


def choose_period(
    series: Series,
    x: np.ndarray,
    requested: int | None,
    medians: dict[int, np.ndarray] | None = None,
) -> tuple[int, str, int]:
    """(period or 0, where it came from, calendar hint) for ``x``.

    ``requested``: None = infer, 0 = no seasonality, k >= 2 = use k (if the series holds
    two cycles of it). The hint is the calendar period even when it is not confirmed; the
    detector uses it to pick its time scales.
    """
    n = x.size
    hint = default_period(series.step) if series.step is not None else None
    hint = int(hint) if hint else 0
    if requested == 0:
        return 0, "parameter:none", hint
    if requested is not None and requested >= 2:
        if n >= MIN_CYCLES * requested:
            return int(requested), "parameter", int(requested)
        return 0, "parameter:too_short", int(requested)
    if not hint:
        return 0, "none:no_calendar_period", 0
    if n < MIN_CYCLES * hint:
        return 0, "none:too_short_for_period", hint
    acf = seasonal_acf(x, hint, medians)
    week = 7 * hint if series.step.seconds and series.step.seconds < 86400 else 0
    if week and n >= WEEK_CYCLES * week:
        # Sub-daily data often has a weekly rhythm on top of the daily one (weekends): the
        # weekly period holds both, and is used when it explains clearly more.
        acf_week = seasonal_acf(x, week, medians)
        if acf_week >= max(ACF_MIN, acf + 0.05):
            return week, "timestamps+confirmed:weekly", hint
    if acf >= ACF_MIN:
        return hint, "timestamps+confirmed", hint
    return 0, "none:not_confirmed", hint
