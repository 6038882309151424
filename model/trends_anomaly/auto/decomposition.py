"""The decomposition stage: baseline + season, estimated from the points that are not events.

Two running medians (they keep steps and ramps, and ignore bursts narrower than half their
window) over the deseasonalized series:

* the *long* baseline (a calendar cycle or more) is what an analyst calls "the usual level":
  it runs underneath a surge that lasts weeks;
* the *local* baseline (an eighth of that) follows the ordinary wandering of the level, so
  the band is as narrow as the point-to-point noise allows.

Where the local level leaves the long one by far more than it usually does (``BROAD_Z`` × the
robust spread of their difference) and by more than the chart shows as noise (the visibility
floor), the stretch is a surge or a collapse, not wandering: those points, and single points
beyond ``MASK_Z`` noise units, are set aside and replaced by the long baseline, and the fit is
repeated. A stretch that goes no further than the cycle before or the cycle after did at the
same phase (the recurrence stage) is the season growing faster than its fit follows (a sport
whose peak doubles over a few years), not an event: it stays in. The result follows the series
everywhere except under its events. The season is a per-phase median around a first level, over
the other cycles (a median over a few cycles ignores an unusual one; see the season stage), and
the local baseline leaves each point out of its own median. Level shifts cut the series into
segments that are smoothed apart, so no baseline blurs a step.

A set-aside stretch is replaced by the long baseline, and a proportional season is a share of
the first level: an event that fills much of their window (an evening surge, half a day's)
lifts both. So once stretches are set aside, a last fit takes both as running medians of the
fitted points only, puts the season's shares on that level and reads the noise law there.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .. import rawnp as rnp
from .noise import NoiseScale, noise_scale
from .recurrence import CALENDAR_SLACK, recurring
from .robust import MEAN_ABS_TO_SD, median, robust_sd, rolling_median
from .season import Phases, Season, fit_season

# Single points beyond this many noise units from the local baseline are set aside while the
# baselines are fitted: the 99.7 % range of Gaussian noise, so noise keeps almost all its
# points; and at most the lowest reporting threshold (``mask_z``: 2.9 at 261 points, 2.5 at
# 90, 2.3 at 52), so anything that some sensitivity can report is out.
MASK_Z = 3.0
# A stretch whose local level is this many times the usual (robust) departure away from the
# long baseline is an event, not wandering: about one false stretch in a hundred series of
# ~40 local windows each (Φ⁻¹(1 - 0.01 / 80) = 3.7).
BROAD_Z = 3.7
# The last fit of a proportional season (see ``_off_events``) runs where some window of the long
# baseline had at least this share of its points set aside: a window that lost a tenth of its
# points to one side reads its kept points' 56th percentile instead of their median, about 0.14
# noise units off; less than that is not worth a whole pass.
LIFT_SHARE = 0.1
# Fits at most (each sets aside more of a surge that lifted the previous baseline; two or
# three suffice on every series tried, the fourth is a guard). A refit happens only when a
# stretch long enough to move the local running median was newly set aside.
MAX_PASSES = 4


class Decomposition(NamedTuple):
    trend: np.ndarray  # the local baseline (the band's centre, with the season)
    long: np.ndarray  # the long baseline (the usual level, deseasonalized)
    seasonal: np.ndarray
    normal: np.ndarray  # bool: the points the baselines were fitted on
    broad: np.ndarray  # bool: stretches found to be events (kept out of the noise scale)
    model: str  # season model: "none", "additive", "multiplicative"
    noise: NoiseScale  # of the residual around trend + seasonal
    passes: int


def segment_median(
    x: np.ndarray,
    window: int,
    cuts: Sequence[int],
    mode: str = "trend",
    period: int = 0,
    leave_out: bool = False,
) -> np.ndarray:
    """Running median of x, each segment between ``cuts`` (first indices of new segments)
    smoothed on its own (by default its trend continued past its ends); ``leave_out``: each
    point's neighbours without the point (see ``rolling_median``)."""
    if not cuts:
        return rolling_median(x, window, mode, period, leave_out)
    out = rnp.empty_like(x, dtype=float)
    bounds = [0, *cuts, x.size]
    for a, b in itertools.pairwise(bounds):
        out[a:b] = rolling_median(x[a:b], window, mode, period, leave_out)
    return out


def first_level(x: np.ndarray, window: int, period: int, cuts: Sequence[int] = ()) -> np.ndarray:
    """A first, rough level of the raw series: a running median over ``window`` continued past
    the ends by the neighbouring cycle of ``period`` (mirrored without one)."""
    return segment_median(x, window, cuts, "season" if period else "mirror", period)


def _stretch_changed(before: np.ndarray | None, after: np.ndarray, window: int) -> bool:
    """Whether a refit can change anything: the local level is the median of a point's
    ``window - 1`` neighbours (itself left out), which ignores fewer than half of them as
    outliers, so only a window in which ``window // 2`` points were newly set aside (or
    readmitted) counts, in a row or not (a surge dips between its tops). Two of the four
    neighbours of a 5-point window already lift it halfway onto a three-day surge.
    ``before`` None: every point was in."""
    changed = ~after if before is None else before != after
    need = window // 2
    w = min(window, changed.size)
    if need < 1:
        return w >= 1  # any window at all
    # Some window of w points holds ``need`` changed ones when some ``need`` consecutive
    # changed points span fewer than w: a few changed points, compared in plain ints.
    at = changed.nonzero()[0]
    if at.size < need:
        return False
    if at.size <= FEW_CHANGED:
        at = at.tolist()
        return any(b - a < w for a, b in zip(at, at[need - 1 :], strict=False))
    return bool((at[need - 1 :] - at[: at.size - need + 1] < w).any())


# Up to this many changed points their spans are compared in plain ints (fewer calls).
FEW_CHANGED = 64


def decompose(
    x: np.ndarray,
    long_window: int,
    local_window: int,
    phases: Phases | None,
    floor: float,
    cuts: Sequence[int] = (),
    rough: np.ndarray | None = None,
    visible: float = 0.0,
    mask_z: float = MASK_Z,
    nonneg: bool | None = None,
) -> Decomposition:
    """Baseline and season of ``x`` fitted around its events (see the module docstring).
    ``rough``: the first level (see ``first_level``) when already computed. ``visible``: the
    smallest departure that matters on the chart (a stretch must stand off by more to be an
    event). ``mask_z``: single points beyond this many noise units are set aside (the caller
    passes the lowest reporting threshold when it is below ``MASK_Z``). ``nonneg``: whether
    ``x`` has no negative value, when the caller knows (its noise then grows with its level)."""
    if nonneg is None:
        nonneg = bool(x.size and x.min() >= 0)
    period = phases.period if phases is not None else 0
    if phases is None:
        season = Season(np.zeros(x.size), "none")
    else:
        # A first level on the raw series, season and all, continued past the ends by the
        # neighbouring cycle (a seasonal swing continued as if it were the trend, or half a
        # cycle mirrored, would bias the level there); the season around it takes every
        # point: a median per phase over a few cycles ignores an unusual one, and setting
        # points aside there would feed on itself (a peak that grows over the years, once
        # set aside, could never rejoin the season).
        if rough is None or cuts:
            rough = first_level(x, long_window, period, cuts)
        season = fit_season(x, rough, phases, nonneg)
    s = season.values
    y = x - s
    raw_local = segment_median(y, local_window, cuts, leave_out=True)
    long = segment_median(y, long_window, cuts)
    local = raw_local
    normal = None  # every point (see _stretch_changed)
    broad = None  # no stretch set aside yet (see noise_scale)
    passes = 0
    while True:
        passes += 1
        level = local + s
        r = x - level
        scale = noise_scale(r, level if nonneg else None, floor, broad)
        # How far the local level strays from the long baseline: ordinary wandering sets the
        # yardstick (the robust spread of that distance), white noise the floor under it.
        d = raw_local - long
        white = MEAN_ABS_TO_SD * median(scale.sigma) / math.sqrt(local_window)
        broad = np.abs(d) > max(BROAD_Z * max(robust_sd(d), white), visible)
        stretches = rnp.count_nonzero(broad) > 0
        if period and stretches:
            slack = CALENDAR_SLACK if phases.calendar else 0
            broad &= ~recurring(broad, x - long, np.sign(d), period, visible, slack)
        now = np.abs(r) <= mask_z * scale.sigma
        if stretches:  # (else nothing to take out)
            now &= ~broad
        if (
            passes >= MAX_PASSES
            or not rnp.count_nonzero(now)
            or not _stretch_changed(normal, now, local_window)
        ):
            if season.base is not None and stretches and _lifts_long(now, long_window):
                windows = (long_window, local_window, period)
                return _off_events(x, season, now, broad, windows, cuts, scale, passes + 1)
            return Decomposition(local, long, s, now, broad, season.model, scale, passes)
        normal = now
        long = segment_median(rnp.where(normal, y, long), long_window, cuts)
        local = segment_median(rnp.where(normal, y, long), local_window, cuts, leave_out=True)


def _lifts_long(normal: np.ndarray, window: int) -> bool:
    """Whether some window of the long baseline had ``LIFT_SHARE`` of its points set aside (the
    last fit's running medians move materially only there; a long metric with a few spikes,
    each set aside on its own, does not pay for it)."""
    w = min(window, normal.size)
    aside = np.empty(normal.size + 1, dtype=np.intp)
    aside[0] = 0
    np.cumsum(~normal, out=aside[1:])
    return bool((aside[w:] - aside[:-w]).max() >= LIFT_SHARE * w)


def _off_events(
    x: np.ndarray,
    season: Season,
    normal: np.ndarray,
    broad: np.ndarray,
    windows: tuple[int, int, int],
    cuts: Sequence[int],
    noise: NoiseScale,
    passes: int,
) -> Decomposition:
    """The last fit of a proportional season once stretches were set aside as events: the
    first level and the long baseline are running medians of the fitted points only, the
    season's shares are put on that level, and the noise law (fitted with the events left
    out) is read there. Setting a stretch aside replaces it by the long baseline, which the
    event had already lifted where it filled much of its window (an evening surge is half a
    day's window), and a proportional season is a share of the first level, which the event
    lifted too: a surge to 86 against usual evening peaks of 31-39 had 57 expected at its
    top."""
    long_window, local_window, period = windows
    level = kept_median(x, normal, long_window, cuts, "season", period)  # as first_level
    season = season.rescaled(level)
    s = season.values
    y = x - s
    long = kept_median(y, normal, long_window, cuts)
    local = segment_median(rnp.where(normal, y, long), local_window, cuts, leave_out=True)
    # The noise is the series' own, fitted with the events left out: read at the new level.
    return Decomposition(local, long, s, normal, broad, season.model, noise.at(local + s), passes)


def kept_median(
    v: np.ndarray,
    keep: np.ndarray,
    window: int,
    cuts: Sequence[int] = (),
    mode: str = "trend",
    period: int = 0,
) -> np.ndarray:
    """Running median of the points of ``v`` that ``keep`` holds (``segment_median``'s windows,
    ends and cuts). The others are replaced by values far above and far below the data in
    turn: a window that holds k of them holds k/2 of each (one more of one kind when k is
    odd), which leaves its median on the kept points' median (their lower or upper middle value
    when k is odd). A window without a kept point reads between the nearest ones with some."""
    if keep.all():
        return segment_median(v, window, cuts, mode, period)
    if not keep.any():
        return np.full(v.size, median(v))
    lo, hi = float(v.min()), float(v.max())
    far = 10.0 * (hi - lo) + 1.0
    filled = v.copy()
    out = (~keep).nonzero()[0]
    filled[out[0::2]] = hi + far
    filled[out[1::2]] = lo - far
    m = segment_median(filled, window, cuts, mode, period)
    ok = (m >= lo) & (m <= hi)
    if not ok.all():
        idx = np.arange(v.size)
        m = np.interp(idx, idx[ok], m[ok]) if ok.any() else np.full(v.size, median(v[keep]))
    return m
