"""Phase layouts kept per time axis.

A layout (which phase each point has, and where each phase's order statistics sit) depends on
the timestamps, the length and the period only: every term of a multi-term export, and every
export of the same date range (a five-year weekly export ends this week for everyone who
downloads it today), shares one. The last few are kept, read-only, so a request with five
terms builds one. A series with a new time axis builds its own (and pays nothing more).
"""

from __future__ import annotations

import threading

import numpy as np

from ..types import Series
from .season import WEEKS, Phases, phases_for

LAYOUT_CACHE = 8  # time axes kept (the oldest is dropped first)
_LAYOUTS: dict[tuple, Phases] = {}
_LOCK = threading.Lock()  # the server may answer requests in threads


def _axis_key(series: Series, n: int, period: int) -> tuple:
    """What the layout depends on: index phases on (period, n); calendar weeks on the
    timestamps too."""
    ts = series.timestamps
    if period != WEEKS or ts is None:
        return (period, n)
    return (period, n, series.step.name, ts.dtype.str, ts.tobytes())


def _freeze(phases: Phases) -> Phases:
    """Every array of the layout made read-only: it is shared from now on."""
    for value in vars(phases).values():
        for a in value if isinstance(value, tuple) else (value,):
            if isinstance(a, np.ndarray):
                a.setflags(write=False)  # (cheaper than through a.flags)
    return phases


def cached_phases(series: Series, n: int, period: int) -> Phases | None:
    """``phases_for`` (see the season stage), reused for a time axis seen lately."""
    if not period:
        return None
    key = _axis_key(series, n, period)
    hit = _LAYOUTS.get(key)
    if hit is not None:
        return hit
    phases = phases_for(series, n, period)
    if phases is not None and LAYOUT_CACHE > 0:
        _freeze(phases)
        with _LOCK:
            while len(_LAYOUTS) >= LAYOUT_CACHE:
                del _LAYOUTS[next(iter(_LAYOUTS))]  # the oldest
            _LAYOUTS[key] = phases
    return phases


def clear() -> None:
    """Forget every kept layout: the next series of any time axis builds its own (what the
    benchmark times as a request on a new time axis)."""
    with _LOCK:
        _LAYOUTS.clear()
