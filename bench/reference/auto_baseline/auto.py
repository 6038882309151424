"""The `auto` detector: robust decomposition, then spikes, level shifts and changes as events.

Why this shape:
* rolling medians keep steps and ramps intact and ignore short bursts, so the baseline is
  not dragged by the anomalies it should reveal (unlike least squares or plain STL);
* the season is a per-phase median of the detrended series, again immune to outliers;
* the noise scale is a local MAD of the residual, because Google Trends noise grows with the
  level;
* level shifts do not show in a median residual (medians preserve steps), so they are found
  separately by comparing medians before and after each point, corrected for ramps;
* neighbouring flags are merged into one event and each event is reported once, at its
  start (shifts, changes) or its peak (spikes, dips).
Everything is vectorised numpy / scipy.ndimage: O(n log n), no per-point Python loops.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.special import ndtri

from .auto_fast import col_median, mean, med, median3, quantile, rolling_median
from .auto_period import choose_period, odd
from .types import Anomaly, Detection, Series

MIN_POINTS = 8  # below this nothing can be told apart from noise: band only
DEFAULT_SENSITIVITY = 0.5
RECUR_MIN = 3  # spikes at one phase in this many cycles are seasonal
DEFAULT_CAP_MIN = 8  # default cap on events: max(DEFAULT_CAP_MIN, n // POINTS_PER_EVENT)
POINTS_PER_EVENT = 1000
REFERENCE_N = 261  # a five-year weekly Trends export: where the sensitivity scale is set
# Residual quantile compared with the Gaussian one to widen heavy-tailed series: a high one
# when the series is long enough that anomalies stay a small share of its points.
TAIL_SHORT = (0.90, 1.6449)
TAIL_LONG = (0.98, 2.3263)
TAIL_LONG_N = 1000
MIN_BIN = 40  # points per level bin when fitting noise against level
BROAD_MIN_SHIFT = 3.5  # mean deviation (in noise sds) a broad event needs at least
REL_CHANGE = 0.5  # a point this share away from its expected level ...
REL_Z = 0.8  # ... needs only this share of the z threshold
TAIL_MAX = 4.0  # past this the "tail" is a crowd of outliers worth reporting, not noise
STEP_SHARPNESS = 0.7  # share of a level shift that must happen within STEP_K points
STEP_K = 6
LS_MIN_WINDOW = 8  # points compared before/after a candidate shift, at least
SHORT_SPREAD_CAP = 1.5
CALENDAR_WEEKS = True  # weekly data: seasonal phase = week of the calendar year
MUL_PREFERENCE = 1.25  # non-negative data: multiplicative unless additive fits this much better
SHARP_PROFILE = 5.0  # a week-to-week profile jump this many times the usual one is a holiday
FADE_LEVEL = 0.25  # additive seasons fade out below this share of the median level
ECHO_RATIO = 0.5  # a same-way step this much weaker, right after a shift, is its echo


@dataclass
class _Event:
    start: int
    end: int
    index: int
    score: float
    sign: float
    kind: str
    rank: int  # merge priority: higher wins the kind and index of a merged event


def _threshold(sensitivity: float, alpha: float | None, n: int) -> float:
    """z threshold: from alpha (Bonferroni over n points) when given, else from sensitivity."""
    if alpha is not None and 0 < alpha < 1:
        return float(ndtri(1.0 - alpha / (2.0 * max(n, 1))))
    s = min(max(float(sensitivity), 0.0), 1.0)
    # The largest of n Gaussian values grows like sqrt(2 ln n): scale the threshold the same
    # way past a five-year weekly export, so a long series gets as few false alarms as a
    # short one.
    return (3.0 + 5.0 * (1.0 - s)) * _growth(n)


@lru_cache(maxsize=256)
def _growth(n: int) -> float:
    """sqrt(ln n / ln REFERENCE_N), at least 1 (numpy scalar maths is slow: kept by n)."""
    return max(1.0, float(np.sqrt(np.log(max(n, 2)) / np.log(REFERENCE_N))))


def _fill_nonfinite(x: np.ndarray) -> np.ndarray:
    """Replace NaN/inf by linear interpolation (the parser should not send them; be safe)."""
    ok = np.isfinite(x)
    if not ok.any():
        return np.zeros_like(x)
    idx = np.arange(x.size)
    return np.interp(idx, idx[ok], x[ok])


def _quantum_floor(x: np.ndarray) -> float:
    """Smallest noise scale worth believing: half a unit for integer (Trends-like) data."""
    h = x * 2.0
    if (h == h.round()).all():
        return 1.0
    span = float(np.ptp(x)) if x.size else 0.0
    return max(span * 1e-6, 1e-12)


def _rolling_median(
    x: np.ndarray, window: int, medians: dict[int, np.ndarray] | None = None
) -> np.ndarray:
    """Mirror-mode running median; ``medians`` holds ones of x already computed, by window."""
    w = min(odd(window), odd(x.size) if x.size % 2 else x.size - 1)
    if w <= 1:
        return x.copy()
    if medians is not None and w in medians:
        return medians[w]
    return rolling_median(x, w, "mirror")


def _minmod(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """What two estimates agree on: the smaller one when they share a sign, else 0."""
    return np.where(a * b > 0, np.sign(a) * np.minimum(np.abs(a), np.abs(b)), 0.0)


class _Season:
    """How points map to seasonal phases, and the per-phase median of a series over them.

    Phases are index modulo period, except for weekly data over a year, where they are the
    week of the calendar year: a 52-week cycle drifts by a day and a quarter a year against
    the calendar that people's habits follow (five years = almost a week off at the peaks).
    """

    def __init__(self, n: int, period: int, calendar: np.ndarray | None) -> None:
        self.n, self.period, self.calendar = n, period, calendar
        if calendar is not None:
            # Each phase's positions, padded to a rectangle (index n = padding): a per-call
            # row sort then gives every phase's median without a full lexsort.
            c = self.counts = np.bincount(calendar, minlength=period)
            order = calendar.argsort(kind="stable")
            width = max(int(c.max()), 1)
            base = np.arange(period) * width  # flat index of each phase's row
            # Flat slot of each sorted point: its row's start plus its rank within the row.
            slot = np.arange(n) + np.repeat(base - (c.cumsum() - c), c)
            self.rows = np.full((period, width), n)
            self.rows.reshape(-1)[slot] = order
            # Flat positions of each row's middle pair (the same one for odd counts).
            self.lo = base + np.maximum((c - 1) // 2, 0)
            self.hi = base + np.minimum(c // 2, width - 1)
            self.thin = bool((c < 3).any())
            self.neighbours: tuple[np.ndarray, np.ndarray] | None = None  # on first use

    def profile(self, d: np.ndarray, flexible: bool = False) -> np.ndarray:
        """Seasonal component (tiled to n) of d: per-phase median, minmod with two cycles."""
        p = self.period
        if self.calendar is None:
            k = d.size // p
            block = d[: k * p].reshape(k, p)
            prof = col_median(block) if k >= 3 else _minmod(block[0], block[1])
            prof = prof - mean(prof)
            return np.resize(prof, self.n)
        # Read-only after __init__ (instances are shared between calls): d gets its own
        # buffer, with the padding (index n) sorting last.
        vals = np.concatenate((d, _PAD))[self.rows]
        vals.sort(axis=1)
        flat = vals.reshape(-1)
        lo, hi = flat.take(self.lo), flat.take(self.hi)
        prof = 0.5 * (lo + hi)
        if self.thin:
            c = self.counts
            prof = np.where(c >= 3, prof, np.where(c == 2, _minmod(lo, hi), 0.0))
        prof -= mean(prof)
        own = prof.take(self.calendar)
        if not flexible:
            return own
        # A holiday falls in week k one year and k+1 the next: where the profile jumps
        # (much more than its usual week-to-week change), let each point take the profile
        # of its own week or a neighbouring one, whichever fits it best. Smooth stretches
        # keep their own week, so this cannot soak up ordinary spikes.
        steps = np.empty(p)
        np.subtract(prof[1:], prof[:-1], out=steps[:-1])
        steps[-1] = prof[0] - prof[-1]
        np.abs(steps, out=steps)
        usual = SHARP_PROFILE * med(steps)
        if not (steps > usual).any():
            return own
        out = own.copy()
        if self.neighbours is None:  # (two threads may both compute it: same value)
            cal = self.calendar
            self.neighbours = ((cal - 1) % p, (cal + 1) % p)
        for nb in self.neighbours:
            alt = prof[nb]
            better = (np.abs(alt - own) > usual) & (np.abs(alt - d) < np.abs(out - d))
            out[better] = alt[better]
        return out


_NAT = np.iinfo(np.int64).min  # NaT as an integer
_PAD = np.array([np.inf])
LAYOUT_CACHE = 8  # weekly time axes whose calendar and season layout are kept
_LAYOUTS: dict[bytes, tuple[np.ndarray, _Season]] = {}
_LAYOUTS_LOCK = threading.Lock()


def _season_layout(series: Series, n: int, period: int) -> tuple[np.ndarray | None, _Season]:
    """(calendar weeks or None, season layout) of a series, reused for the same time axis.

    Every column of a multi-term export, and every export of the same date range, shares
    its timestamps: the layout depends on nothing else.
    """
    ts = series.timestamps
    key = None
    if (
        CALENDAR_WEEKS
        and period == 52
        and ts is not None
        and ts.dtype.kind == "M"
        and ts.size == n
        and series.step.name == "weekly"
    ):
        key = ts.dtype.str.encode() + ts.tobytes()
        hit = _LAYOUTS.get(key)
        if hit is not None:
            return hit
    calendar = _calendar_weeks(series, period) if CALENDAR_WEEKS else None
    season = _Season(n, period, calendar)
    if key is not None and calendar is not None and LAYOUT_CACHE > 0:
        calendar.flags.writeable = False  # shared from now on
        with _LAYOUTS_LOCK:  # the server may run requests in threads
            while len(_LAYOUTS) >= LAYOUT_CACHE:
                del _LAYOUTS[next(iter(_LAYOUTS))]  # the oldest
            _LAYOUTS[key] = (calendar, season)
    return calendar, season


def _calendar_weeks(series: Series, period: int) -> np.ndarray | None:
    """Week of the year (0..51) for weekly data with a yearly period, else None."""
    ts = series.timestamps
    if period != 52 or series.step.name != "weekly" or ts is None or ts.size != series.values.size:
        return None
    try:
        days = ts.astype("datetime64[D]")
        # Day of year via the few year starts the series spans (a per-element conversion
        # to years is slow at thousands of points), in plain integers (days since 1970).
        di = days.view(np.int64)
        if (di == _NAT).any():
            return None
        ends = np.array([di.min(), di.max()]).view("datetime64[D]").astype("datetime64[Y]")
        years = np.arange(ends[0], ends[1] + 1)
        starts = years.astype("datetime64[D]").view(np.int64)
        doy = di - starts[starts.searchsorted(di, side="right") - 1]
    except (TypeError, ValueError):
        return None
    weeks = doy // 7  # >= 0: every day is on or after its year's start
    np.minimum(weeks, 51, out=weeks)
    return weeks.astype(np.intp, copy=False)


def _mad(a: np.ndarray) -> float:
    return float(med(np.abs(a - med(a))))


def _decompose(
    x: np.ndarray,
    period: int,
    window: int,
    calendar: np.ndarray | None = None,
    medians: dict[int, np.ndarray] | None = None,
    season: _Season | None = None,
) -> tuple[np.ndarray, np.ndarray, str, np.ndarray]:
    """(trend, seasonal, model, strict seasonal): rolling-median trend, per-phase-median
    season (for weekly data each point may also take a neighbouring week's value).

    The season is additive or proportional to the trend (search interest usually swings by
    a share of its level), whichever leaves the smaller residual; then refined once against
    the final trend, as STL does.
    """
    n = x.size
    if not period:
        zero = np.zeros(n)
        return _rolling_median(x, window), zero, "none", zero
    if season is None:
        season = _Season(n, period, calendar)
    trend0 = _rolling_median(x, period, medians)
    d = x - trend0
    s_add = season.profile(d)
    model = "additive"
    seasonal = s_add
    nonneg = bool(x.min() >= 0)
    if nonneg:
        floor = max(float(med(trend0)) * 0.1, 1e-9)
        base = np.maximum(trend0, floor)
        s_mul = season.profile(d / base) * base
        # Proportional unless additive fits clearly better: interest swings by a share.
        if _mad(d - s_mul) < MUL_PREFERENCE * _mad(d - s_add):
            seasonal, model = s_mul, "multiplicative"
    trend = _rolling_median(x - seasonal, window)
    d = x - trend
    base = None
    out = None
    mt = med(trend) if nonneg else 0.0
    if model == "multiplicative":
        base = out = np.maximum(trend, max(float(mt) * 0.1, 1e-9))
    elif nonneg and mt > 0:
        # Counts cannot swing by more than they are: where the level is near zero (a term
        # before it took off) an additive season fades out instead of predicting phantoms.
        out = np.minimum(np.maximum(trend / (FADE_LEVEL * mt), 0.0), 1.0)
    # (dividing or multiplying by ones is exact: skipped)
    seasonal = season.profile(d if base is None else d / base)
    if out is not None:
        seasonal = seasonal * out
    trend = _rolling_median(x - seasonal, window)
    if calendar is not None:  # the noise is measured without, the anomalies with
        r = x - trend
        flexible = season.profile(r if base is None else r / base, flexible=True)
        if out is not None:
            flexible = flexible * out
        return trend, flexible, model, seasonal
    return trend, seasonal, model, seasonal


def _robust_sd(e: np.ndarray) -> float:
    """Scale of the bulk of e: the MAD; when over half the points sit exactly on the median
    (zero runs), a higher quantile of the same Gaussian yardstick, still blind to bursts."""
    a = np.abs(e - med(e))
    g = 1.4826 * float(med(a))
    if g > 0:
        return g
    g = quantile(a, 0.75) / 1.1503
    return g if g > 0 else 1.2533 * float(np.mean(a))


def _robust_sd_cols(block: np.ndarray) -> np.ndarray:
    """``_robust_sd`` of every column at once."""
    a = np.abs(block - col_median(block))
    g = 1.4826 * col_median(a)
    zero = g <= 0
    if zero.any():
        k = int(0.75 * (a.shape[0] - 1))
        q = np.partition(a, k, axis=0)[k] / 1.1503
        g = np.where(zero, np.where(q > 0, q, 1.2533 * a.mean(axis=0)), g)
    return g


def _scale(e: np.ndarray, level: np.ndarray | None, floor: float) -> tuple[np.ndarray, float]:
    """Noise scale per point: sd^2 = a + b * level, fitted on level bins (b >= 0, a >= 0).

    Search counts are sampled, so their noise grows with the level; a constant model is
    the special case b = 0 and is what data with negative values get.
    """
    g = max(_robust_sd(e), floor)
    n = e.size
    nbins = min(4, n // MIN_BIN)  # small bins would let one burst set their scale
    if level is None or nbins < 2:
        return np.full(n, g), g
    lv = np.maximum(level, 0.0)
    order = lv.argsort(kind="stable")
    size = n // nbins
    cols = order[: nbins * size].reshape(nbins, size).T  # one level bin per column
    m = np.add.reduce(lv[cols], axis=0) / size
    v = _robust_sd_cols(e[cols]) ** 2
    m_mean = np.add.reduce(m) / nbins
    v_mean = np.add.reduce(v) / nbins
    mc = m - m_mean
    den = float(mc @ mc)
    slope = float(mc @ (v - v_mean)) / den if den > 0 else 0.0
    if slope <= 0:
        return np.full(n, g), g
    icpt = float(v_mean - slope * m_mean)
    if icpt < 0:
        icpt = 0.0
        slope = float(m @ v) / float(m @ m)
    sd = np.sqrt(icpt + slope * lv)
    sd = np.minimum(np.maximum(sd, max(floor, 0.3 * g)), 4.0 * g)
    return sd, g


def _runs(mask: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """(start, end) inclusive of True runs, runs separated by <= gap False joined."""
    idx = mask.nonzero()[0]
    if not idx.size:
        return []
    breaks = ((idx[1:] - idx[:-1]) > gap + 1).nonzero()[0].tolist()
    if not breaks:
        return [(int(idx[0]), int(idx[-1]))]
    il = idx.tolist()
    starts = [il[0]] + [il[b + 1] for b in breaks]
    ends = [il[b] for b in breaks] + [il[-1]]
    return list(zip(starts, ends, strict=True))


def _level_shifts(y: np.ndarray, sigma: np.ndarray, half: int, thr: float) -> list[_Event]:
    """Steps in y: median after minus median before, minus the ramp seen one window away."""
    n = y.size
    L = odd(min(max(half, LS_MIN_WINDOW), max(n // 6, 3)))
    h = L // 2
    if n < 2 * L + 2:
        return []
    mc = rolling_median(y, L, "nearest")
    a0, a1 = L, n - L + 1  # the points with a full window on both sides
    d = np.zeros(n)
    np.subtract(mc[a0 + h : a1 + h], mc[a0 - 1 - h : a1 - 1 - h], out=d[a0:a1])
    lim = 0.45 * thr * sigma[a0:a1]
    ad = np.abs(d)
    if not (ad[a0:a1] > lim).any():
        return []  # |s| <= |d| below: no point could pass the size test (most series)
    prev = np.zeros(n)
    nxt = np.zeros(n)
    prev[L:] = d[:-L]
    nxt[:-L] = d[L:]
    # A ramp moves the medians one window earlier and later as much as here; a step does
    # not. Remove the part of d that both neighbours share (minmod), never adding lobes.
    ramp = np.where(prev * nxt > 0, np.sign(prev) * np.minimum(np.abs(prev), np.abs(nxt)), 0.0)
    s = np.where(ramp * d > 0, np.sign(d) * np.maximum(ad - np.abs(ramp), 0.0), d)
    sd = sigma * 1.2533 * math.sqrt(2.0 / L)  # (sqrt is correctly rounded: as np.sqrt)
    z = s / sd
    # Autocorrelated noise (weather, traffic) moves window medians far more than white noise
    # would: calibrate the statistic by its own robust spread, never below the white model.
    spread = 1.4826 * float(med(np.abs(z[a0:a1])))
    if spread > 1.0:  # short series: capped, as the anomalies weigh more in their spread
        z = z / (spread if n >= TAIL_LONG_N else min(math.sqrt(spread), SHORT_SPREAD_CAP))
    big = np.zeros(n, dtype=bool)
    big[a0:a1] = (np.abs(z[a0:a1]) > thr) & (np.abs(s[a0:a1]) > lim)
    out: list[_Event] = []
    for a, b in _runs(big, 0):
        peak = a + int(np.abs(z[a : b + 1]).argmax())
        # Where exactly: the CUSUM change point of y around the peak.
        lo, hi = max(peak - L, 0), min(peak + L, n)
        seg = y[lo:hi]
        c = (seg - mean(seg)).cumsum()[:-1]
        start = lo + 1 + int(np.abs(c).argmax()) if c.size else peak
        sign = 1.0 if s[peak] > 0 else -1.0
        # A step happens at once; a term slowly taking off does not: most of the change must
        # sit across the change point itself.
        k = max(2, min(STEP_K, L // 3))
        jump = float(med(y[start : start + k]) - med(y[max(start - k, 0) : start]))
        if jump * sign < STEP_SHARPNESS * abs(float(d[peak])):
            continue
        out.append(_Event(start, start, start, float(abs(z[peak])), sign, "level_shift", 3))
    return out


def _pair_shifts(shifts: list[_Event], span: int, y: np.ndarray) -> list[_Event]:
    """A step that is undone within ``span`` points is one temporary change; a much weaker
    step the same way right after a strong one is its echo, not a second shift."""
    kept: list[_Event] = []
    for ev in shifts:
        last = kept[-1] if kept else None
        if last and ev.sign == last.sign and ev.start - last.start <= span:
            if ev.score < ECHO_RATIO * last.score:
                continue
            if last.score < ECHO_RATIO * ev.score:
                kept[-1] = ev
                continue
        kept.append(ev)
    out: list[_Event] = []
    i = 0
    n = y.size
    while i < len(kept):
        a = kept[i]
        if i + 1 < len(kept):
            b = kept[i + 1]
            if b.sign != a.sign and b.start - a.start <= span:
                before = med(y[max(a.start - span // 2, 0) : a.start])
                inside = med(y[a.start : b.start])
                after = med(y[b.start : min(b.start + span // 2, n)])
                if abs(after - before) < 0.5 * abs(inside - before):
                    ev = _Event(a.start, b.start - 1, a.start, max(a.score, b.score), a.sign, "", 2)
                    ev.kind = "temporary_change"
                    out.append(ev)
                    i += 2
                    continue
        out.append(a)
        i += 1
    return out


def _residual_events(
    e: np.ndarray,
    sigma: np.ndarray,
    thr: float,
    gap: int,
    seasonal: np.ndarray | None,
    level: np.ndarray | None,
) -> list[_Event]:
    z = e / sigma
    if level is not None and z.size < TAIL_LONG_N:
        # Shares, not only sigmas: on a count-like series a point at half (or twice) its
        # expected level is news even where sampling noise is wide.
        rel = np.abs(e) >= REL_CHANGE * np.maximum(level, 1e-9)
        z = np.where(rel & (np.abs(z) > REL_Z * thr), z * (1.0 / REL_Z), z)
    zm = median3(z)
    # Same for runs: white noise gives a median of 3 a spread of ~0.67; more means the
    # residual wanders and a run of moderate values is no evidence.
    azm = np.abs(zm)
    spread = 1.4826 * float(med(azm)) / 0.67
    flags = (np.abs(z) > thr) | (azm > 0.6 * thr * max(spread, 1.0))
    out: list[_Event] = []
    for a, b in _runs(flags, gap):
        seg = z[a : b + 1]
        peak = a + int(np.abs(seg).argmax())
        sign = 1.0 if z[peak] > 0 else -1.0
        length = b - a + 1
        if length <= 2:
            if abs(z[peak]) <= thr:
                continue  # a short run only flagged by its neighbours' median
            kind = "spike" if sign > 0 else "dip"
            out.append(_Event(a, b, peak, float(abs(z[peak])), sign, kind, 1))
            continue
        kind = "temporary_change"
        if seasonal is not None and length >= 3:
            s = seasonal[a : b + 1]
            r = e[a : b + 1]
            ss = float(s.std())
            # The cheap test first: most runs fail it, and then need no correlation.
            if ss > 0 and ss > 0.5 * float(med(sigma[a : b + 1])) and float(r.std()) > 0:
                corr = float(np.corrcoef(s, r)[0, 1])
                if abs(corr) > 0.6:
                    kind = "seasonal_break"
        score = float(max(abs(z[peak]), abs(med(seg)) / 0.6))
        out.append(_Event(a, b, a, score, sign, kind, 1))
    return out


def _broad_events(
    y: np.ndarray,
    sigma: np.ndarray,
    half: int,
    thr: float,
    seasonal: np.ndarray | None,
) -> list[_Event]:
    """Stretches of half a window or more that sit off a long baseline.

    The main trend (window 2*half+1) follows any bump wider than half its window, so a
    season that fails for a few months or a long temporary change would vanish into it.
    Against a baseline twice as long, the mean deviation over ``half`` points shows them;
    it is calibrated by its own robust spread, since slow wandering is not news.
    """
    n = y.size
    m = max(3, half)
    w2 = 4 * half + 1
    if n < 2 * w2 or n >= TAIL_LONG_N:  # long metrics: wandering is their normal state
        return []
    e2 = (y - _rolling_median(y, w2)) / sigma
    zb = uniform_filter1d(e2, size=m, mode="nearest")
    azb = np.abs(zb)
    big = azb > BROAD_MIN_SHIFT
    if not big.any():
        return []  # nothing passes the absolute test: the spread is not needed
    white = 1.0 / np.sqrt(m)
    spread = max(1.4826 * float(med(np.abs(zb - med(zb)))), white)
    flags = (azb > thr * spread) & big
    out: list[_Event] = []
    for a, b in _runs(flags, 0):
        peak = a + int(np.abs(zb[a : b + 1]).argmax())
        sign = 1.0 if zb[peak] > 0 else -1.0
        lo, hi = max(a - m // 2, 0), min(b + m // 2 + 1, n)
        inside = np.flatnonzero(sign * e2[lo:hi] > 0.5 * abs(zb[peak]))
        start = lo + int(inside[0]) if inside.size else a
        end = lo + int(inside[-1]) if inside.size else b
        kind = "temporary_change"
        if seasonal is not None and end - start >= 2:
            sv = seasonal[start : end + 1]
            rv = e2[start : end + 1]
            if sv.std() > 0 and rv.std() > 0 and abs(float(np.corrcoef(sv, rv)[0, 1])) > 0.5:
                kind = "seasonal_break"
        score = float(abs(zb[peak]) / spread)
        out.append(_Event(start, end, start, score, sign, kind, 1))
    return out


def _merge(events: list[_Event], gap: int) -> list[_Event]:
    """Overlapping or touching events become one; the higher-ranked one names it."""
    events = sorted(events, key=lambda ev: (ev.start, -ev.rank))
    out: list[_Event] = []
    for ev in events:
        if out and ev.start <= out[-1].end + gap:
            cur = out[-1]
            if ev.rank > cur.rank or (ev.rank == cur.rank and ev.score > cur.score):
                merged = _Event(
                    min(cur.start, ev.start),
                    max(cur.end, ev.end),
                    ev.index,
                    max(cur.score, ev.score),
                    ev.sign,
                    ev.kind,
                    ev.rank,
                )
            else:
                cur.end = max(cur.end, ev.end)
                cur.score = max(cur.score, ev.score)
                continue
            out[-1] = merged
        else:
            out.append(ev)
    return out


def _drop_recurring(events: list[_Event], period: int) -> list[_Event]:
    """Spikes that come back at the same phase cycle after cycle are the season, not news.

    Catches what a per-phase median misses: a daily job whose spike wanders by a few
    samples, a holiday peak in a series whose season was not confirmed.
    """
    short = [ev for ev in events if ev.kind in ("spike", "dip")]
    if len(short) < RECUR_MIN:
        return events
    idx = np.array([ev.index for ev in short])
    sign = np.array([ev.sign for ev in short])
    phase = idx % period
    tol = max(2, period // 50)
    dist = np.abs(phase[:, None] - phase[None, :])
    dist = np.minimum(dist, period - dist)
    same = (dist <= tol) & (sign[:, None] == sign[None, :])
    cycles = idx // period
    cyc = cycles.tolist()  # distinct cycles per row: a set of ints beats np.unique here
    distinct = np.array([len({cyc[j] for j in row.nonzero()[0].tolist()}) for row in same])
    drop = {short[i].index for i in np.flatnonzero(distinct >= RECUR_MIN)}
    return [ev for ev in events if ev.index not in drop]


def _flat_detection(x: np.ndarray, chosen: dict[str, Any], thr: float) -> Detection:
    n = x.size
    if n == 0:
        z = np.zeros(0)
        return Detection(z, z.copy(), z.copy(), [], chosen)
    centre = med(x)
    a = np.abs(x - centre)
    s = max(1.4826 * med(a), _quantum_floor(x))
    exp = np.full(n, centre)
    return Detection(exp, exp - thr * s, exp + thr * s, [], chosen)


def detect_auto(series: Series, params: dict) -> Detection:
    """Expected value, band and anomalies (one per event, with its kind) for one series."""
    x = np.asarray(series.values, dtype=float)
    if x.size and not np.isfinite(x).all():
        x = _fill_nonfinite(x)
    n = x.size
    sens = params.get("sensitivity")
    sens = DEFAULT_SENSITIVITY if sens is None else float(sens)
    alpha = params.get("alpha")
    thr = _threshold(sens, alpha, n)
    max_anom = params.get("max_anomalies")
    medians: dict[int, np.ndarray] = {}  # running medians of x, shared with choose_period
    period, source, hint = choose_period(series, x, params.get("period"), medians)
    chosen: dict[str, Any] = {
        "sensitivity": sens,
        "period": period or None,
        "period_source": source,
        "threshold": round(thr, 4),
    }
    if alpha is not None:
        chosen["alpha"] = alpha
    if n < MIN_POINTS:
        chosen["note"] = f"fewer than {MIN_POINTS} points: band only, no anomaly test"
        return _flat_detection(x, chosen, thr)

    scale_ref = hint or period
    if scale_ref:
        half = min(max(round(scale_ref / 4), 5), 100)
    else:
        half = min(max(round(n**0.5 / 1.5), 5), 50)
    half = max(3, min(half, n // 6))
    chosen["window"] = 2 * half + 1

    calendar, season = _season_layout(series, n, period)
    trend, seasonal, model, strict = _decompose(x, period, 2 * half + 1, calendar, medians, season)
    if calendar is not None:
        chosen["seasonal_phase"] = "week_of_year"
    chosen["seasonal_model"] = model
    y = x - seasonal
    e = y - trend
    level = trend + seasonal if x.min() >= 0 else None
    e_noise = e if strict is seasonal else x - strict - trend
    sigma, g = _scale(e_noise, level, _quantum_floor(x))
    # Heavy tails (real metrics, misfit of the decomposition) would make a Gaussian threshold
    # fire everywhere: widen the scale when the bulk's upper tail is wider than Gaussian.
    q, qz = TAIL_LONG if n >= TAIL_LONG_N else TAIL_SHORT
    tail = min(quantile(np.abs(e_noise) / sigma, q) / qz, TAIL_MAX)
    if tail > 1.0:
        sigma = sigma * tail
        g *= tail
    chosen["tail_factor"] = round(max(tail, 1.0), 4)
    gap = max(1, half if n >= TAIL_LONG_N else half // 2)

    res_events = _residual_events(e, sigma, thr, gap, seasonal if period else None, level)
    shifts = _level_shifts(y, sigma, half, thr)
    res_events += _broad_events(y, sigma, half, thr, seasonal if period else None)
    shifts = _pair_shifts(shifts, 2 * half, y)
    for ev in shifts:  # a shift's first few points are part of the same event
        if ev.kind == "level_shift":
            ev.start = max(ev.start - 1, 0)
            ev.end = min(ev.index + half // 2, n - 1)
    events = _merge(res_events + shifts, gap)
    if hint and len(events) >= RECUR_MIN:
        events = _drop_recurring(events, hint)
    cap = int(max_anom) if max_anom is not None else max(DEFAULT_CAP_MIN, n // POINTS_PER_EVENT)
    chosen["max_anomalies"] = cap
    if len(events) > cap:
        events = sorted(events, key=lambda ev: -ev.score)[: max(cap, 0)]
    events.sort(key=lambda ev: ev.index)
    anomalies = [
        Anomaly(
            index=int(ev.index),
            score=round(float(ev.score), 3),
            direction="up" if ev.sign > 0 else "down",
            kind=ev.kind,  # type: ignore[arg-type]
        )
        for ev in events
    ]
    expected = trend + seasonal if level is None else level  # the same sum
    band = thr * sigma
    chosen["noise_scale"] = round(float(g), 6)
    return Detection(expected, expected - band, expected + band, anomalies, chosen)
