"""``detect_auto``: one series in, expected value, band and anomalies out (stages in order)."""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import numpy as np

from .. import rawnp as rnp
from ..scale import bounds, clip, whole_or_half_points, within_scale
from ..types import Anomaly, Detection, Series
from .band import band, expected_values, shift_sigma
from .decomposition import MASK_Z, decompose, first_level
from .events import SUPPORT_Z, at_peak, candidates
from .holidays import EasterWeeks
from .layouts import cached_phases
from .noise import quantum_floor
from .period import MIN_CYCLES_REQUESTED, calendar_period, choose_period
from .recurrence import routine
from .robust import MAD_TO_SD, fit_window, median, odd
from .sampling import NOISE_KEY, sampling_floor, sparse_stretches
from .shifts import find_shifts
from .tail import LAST_ROW_KEY, partial_last_row
from .threshold import DEFAULT_SENSITIVITY, capped_threshold, z_threshold
from .visible import visible_floor

MIN_POINTS = 8  # below this nothing can be told apart from noise: band only
# ``parameters.tested`` is False for such a term: no point was tested, so its lack of anomalies
# says nothing (sparse_note says so to a person, the page writes "not judged").
TESTED_KEY = "tested"
# Default cap on anomalies: max(CAP_MIN, n // POINTS_PER_EVENT), the strongest first (a
# screenful for an analyst; long metrics get more). It grows past CAP_MIN from 18 000 points (no
# Trends export is that long); one per 2000 points rather than 1000: on the long NAB metrics
# (10 000 - 23 000 points) the extra flags were almost all outside the labelled windows.
CAP_MIN = 8
POINTS_PER_EVENT = 2000
# The baseline ignores bursts narrower than about half its window: a full calendar cycle
# (a year of weeks, a day of hours), and at least TREND_SQRT·sqrt(n) points, so that on any
# series an event must be short compared with the whole to stand out as one. With a cycle,
# the window spans whole cycles (plus one point, to have a centre): a running median over
# 2.4 years of a sport that peaks four months a year holds 8 to 12 peak months depending on
# where it stands, and its level jumps with that count.
TREND_SQRT = 2.0
MIN_TREND_WINDOW = 5
TREND_SHARE_MAX = 3  # ... and at most a third of the series (a one-year weekly export)
# Level shifts compare the medians of a quarter of the baseline window on each side (a
# quarter-year for weekly data), at least SHIFT_MIN points: half a year of months (with four,
# two wild months move a median, and a rise over half a year of a short monthly export - a
# ramp - passed for a step).
SHIFT_SHARE = 4
SHIFT_MIN = 6


# The local baseline follows the level's wandering over a fifth of the long window (two
# months of weeks, seven months of a monthly export), at least LOCAL_MIN points (a median of 5
# ignores 2-point spikes). Its own error is part of every point's noise scale (a point is
# judged against the median of its w - 1 neighbours: about (π/2)·σ²/(w - 1) more variance):
# six neighbours widened every band of a five-year weekly export by 12 %, eight by 9 %.
LOCAL_SHARE = 5
LOCAL_MIN = 5
# ... and at most LOCAL_MAX: a leave-one-out median of eight neighbours already ignores a
# burst of three, and a wider stretch off the usual level is a broad event judged against the
# long baseline anyway; a longer local window on a long metric only blurs its wandering (and
# costs three filter passes instead of one sorting network).
LOCAL_MAX = 9


class Scales(NamedTuple):
    long_window: int  # running-median window of the usual level (odd)
    local_window: int  # running-median window of the local level (odd)
    shift_window: int  # points compared on each side of a level-shift candidate
    horizon: int  # a new level must hold this long to be a level shift


@functools.lru_cache(maxsize=64)
def time_scales(n: int, cycle: int) -> Scales:
    """The time scales of ``n`` points with the cycle ``cycle`` (0: none). (Kept for the last
    few lengths: every request asks, and the same few lengths recur.)"""
    w = max(cycle, TREND_SQRT * math.sqrt(n), MIN_TREND_WINDOW)
    if cycle:
        w = cycle * max(1, round(w / cycle)) + 1
    w = fit_window(min(odd(int(w)), max(odd(n // TREND_SHARE_MAX), MIN_TREND_WINDOW)), n)
    local = fit_window(min(max(w // LOCAL_SHARE, LOCAL_MIN), LOCAL_MAX), n)
    return Scales(w, local, max(SHIFT_MIN, w // SHIFT_SHARE), w)


def _finite(x: np.ndarray) -> np.ndarray:
    """NaN/inf replaced by linear interpolation (the parser should not send them)."""
    ok = np.isfinite(x)
    finite = rnp.count_nonzero(ok)  # (one count: .all() and .any() each cost more)
    if finite == x.size:
        return x
    if not finite:
        return np.zeros_like(x)
    idx = np.arange(x.size)
    return np.interp(idx, idx[ok], x[ok])


def _too_short(x: np.ndarray, threshold: float, chosen: dict[str, Any]) -> Detection:
    n = x.size
    chosen["note"] = f"fewer than {MIN_POINTS} points: band only, no anomaly test"
    chosen[TESTED_KEY] = False
    if n == 0:
        z = np.zeros(0)
        return Detection(z, z.copy(), z.copy(), [], chosen)
    centre = median(x)
    s = max(MAD_TO_SD * median(np.abs(x - centre)), quantum_floor(x))
    exp = np.full(n, centre)
    return Detection(exp, exp - threshold * s, exp + threshold * s, [], chosen)


def detect_auto(series: Series, params: dict) -> Detection:
    """Expected value, band and anomalies (one per event, with kind and extent)."""
    return _detect(series, params, False)


def detect_within_scale(series: Series, params: dict) -> Detection:
    """``detect_auto`` with its band kept within the series' scale (``scale.within_scale``,
    what ``run_method`` serves), the scale read from what the stages already know (the lowest
    value, whole points): on a few hundred points reading it again cost 2-3 % of a request."""
    return _detect(series, params, True)


def _detect(series: Series, params: dict, within: bool) -> Detection:
    values = np.asarray(series.values, dtype=float)
    x = _finite(values)
    if within and (x is not values or x.size < MIN_POINTS):
        # (NaN filled in, or too short to have the stages read the scale: as run_method does)
        return within_scale(series.values, _detect(series, params, False))
    n = x.size
    sens = params.get("sensitivity")
    sens = DEFAULT_SENSITIVITY if sens is None else float(sens)
    alpha = params.get("alpha")
    thr = z_threshold(sens, alpha, n)
    hint = calendar_period(series)
    scales = time_scales(n, hint) if n >= MIN_POINTS else None
    # One running median serves the season check and the decomposition's first level.
    rough = None
    if scales is not None and hint and n >= MIN_CYCLES_REQUESTED * hint:
        rough = first_level(x, scales.long_window, hint)
    period = choose_period(series, x, params.get("period"), rough)
    chosen: dict[str, Any] = {
        "sensitivity": sens,
        "period": period.period or None,
        "period_source": period.source,
        "threshold": round(thr, 4),
    }
    if alpha is not None:
        chosen["alpha"] = alpha
    if n < MIN_POINTS:
        return _too_short(x, thr, chosen)

    if period.period != hint:  # a caller's own period sets the time scales
        scales = time_scales(n, period.period or period.hint)
        rough = None
    chosen["window"] = scales.long_window
    chosen["local_window"] = scales.local_window
    phases = cached_phases(series, n, period.period)
    if phases is not None and phases.calendar:
        chosen["seasonal_phase"] = "week_of_year"
    whole = whole_or_half_points(x)
    floor = quantum_floor(x, whole)
    visible = visible_floor(x)
    lowest = float(np.minimum.reduce(x))  # (x.min() adds a wrapper)
    nonneg = lowest >= 0

    least = z_threshold(1.0, None, n)  # no sensitivity or alpha reports anything below this
    mask = min(MASK_Z, least)  # ... and nothing that some sensitivity reports is fitted on
    dec = decompose(
        x,
        scales.long_window,
        scales.local_window,
        phases,
        floor,
        rough=rough,
        visible=visible,
        mask_z=mask,
        nonneg=nonneg,
    )
    noise = dec.noise
    # A count with zeros: lone values may be sampling noise, which sets a floor under the
    # noise for level shifts as for single points (a sparse term's median steps between 0
    # and one search's worth).
    lone = None
    if lowest == 0:
        lone = sampling_floor(x, scales.long_window // 2, z_threshold(DEFAULT_SENSITIVITY, None, n))
    shift_noise = noise.sigma if lone is None else np.maximum(noise.sigma, lone)
    shifts = find_shifts(
        x - dec.seasonal, shift_noise, scales.shift_window, scales.horizon, relative=nonneg
    )
    if shifts:
        cuts = [s.index for s in shifts]
        dec = decompose(
            x,
            scales.long_window,
            scales.local_window,
            phases,
            floor,
            cuts,
            visible=visible,
            mask_z=mask,
            nonneg=nonneg,
        )
        noise = dec.noise
    if lone is not None:
        noise = noise._replace(sigma=np.maximum(noise.sigma, lone))
        stretches = sparse_stretches(lone)
        if stretches:
            labels = series.labels
            chosen[NOISE_KEY] = " and ".join(
                f"from {labels[a]} to {labels[b]}" for a, b in stretches
            )
    chosen["seasonal_model"] = dec.model
    chosen["tail_factor"] = round(noise.tail, 4)
    chosen["noise_scale"] = round(noise.overall, 6)

    chosen["visible_floor"] = round(visible, 6)

    expected = expected_values(
        dec.trend, dec.seasonal, shifts, proportional=dec.model == "multiplicative"
    )
    sigma = shift_sigma(noise.sigma, shifts)
    dev = x - expected
    z = dev / sigma
    seasonal = dec.seasonal if phases is not None else None
    reach = np.abs(dev) > visible
    found = candidates(z, seasonal, sigma, shifts, least, reach, visible, min(SUPPORT_Z, least))
    cover = None
    cycle = phases.period if phases is not None else hint
    if cycle and found:
        # What a neighbouring cycle also reaches at this time is the season (or routine):
        # not reported, and inside the band (see the recurrence stage).
        calendar = phases is not None and phases.calendar
        moving = None
        if series.step.name == "weekly":
            moving = EasterWeeks(series.timestamps, n, phases.phase if calendar else None)
        found, cover = routine(
            found, x, expected, dec.long, cycle, visible, calendar, phases is not None, moving
        )
    if nonneg and found:
        # A count's last row may be a partial period, which only reads low (see the stage).
        kept, cover = partial_last_row(found, x, expected, cover)
        if len(kept) < len(found):  # said beside the term (trends_anomaly.partial)
            chosen[LAST_ROW_KEY] = "partial_period"
        found = kept
    max_anom = params.get("max_anomalies")
    cap = int(max_anom) if max_anom is not None else max(CAP_MIN, n // POINTS_PER_EVENT)
    chosen["max_anomalies"] = cap
    thr = capped_threshold(found, thr, cap)
    chosen["threshold_used"] = round(thr, 4)
    b = band(expected, sigma, thr, visible, cover)
    # Reported at their peaks, among the points beyond the highest threshold any sensitivity
    # sets (or the one used, when the cap or ``alpha`` set it higher): the same point at every
    # sensitivity.
    bar = max(thr, z_threshold(0.0, None, n))
    reported = sorted(
        (at_peak(c, x, z, b.lower, b.upper, bar) for c in found if c.score > thr),
        key=lambda c: c.index,
    )
    anomalies = [
        Anomaly(
            index=c.index,
            score=round(c.score, 3),
            direction="up" if c.sign > 0 else "down",
            kind=c.kind,
            start=c.start,
            end=c.end,
            peak=c.index,
        )
        for c in reported
    ]
    if within and nonneg:  # (a series with negatives is unbounded: nothing to clip)
        lo, hi = bounds(lowest, float(np.maximum.reduce(x)), whole)
        clip(b.rows, lo, hi, out=b.rows)  # the three curves, new arrays of this call, in place
    return Detection(b.expected, b.lower, b.upper, anomalies, chosen)
