"""The seasonal stage: which phase each point belongs to, and the season's shape.

Phases are the index modulo the period, except for weekly data over a year, where they are
the week of the calendar year: a 52-week cycle drifts by a day and a quarter a year against
the calendar that people's habits follow (five years = almost a week off at the peaks).
The shape at each phase is the median of the detrended series at that phase over the
cycles; with more than ``SEASON_CYCLES`` cycles, a resistant line through the nearest ones,
so a season that changes over the years (a sport whose peak grows) is followed. Medians and
resistant lines ignore an unusual cycle or two: neither a spike nor a month-long surge can
teach the season anything.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..types import Series
from .robust import median

# Cycles whose values at a phase give that phase's season at a point: the nearest seven
# (STL's robust default seasonal window), through which a resistant line is drawn (it ignores
# an unusual cycle in each third, e.g. two World Cups). Up to seven cycles the season is the
# plain per-phase median.
SEASON_CYCLES = 7
# Non-negative data: a proportional season (interest swings by a share of its level) unless
# an additive one leaves residuals this many times smaller; 1.25 = clearly, not by chance.
MUL_PREFERENCE = 1.25
# A proportional season is measured against the trend, floored at this share of its median
# level so that near-zero stretches (a term before it took off) do not divide by ~0.
MUL_BASE_FLOOR = 0.1
# A week-to-week jump of the season this many times its usual one marks a holiday, which may
# fall in the neighbouring calendar week in another year.
SHARP_PROFILE = 5.0
WEEKS = 52  # calendar weeks per year used as phases (day 364/365 joins week 51)
_NAT = np.iinfo(np.int64).min  # NaT as an integer


class Season(NamedTuple):
    """The fitted season: its value at every point, and how it scales."""

    values: np.ndarray  # per point, added to the trend
    model: str  # "none", "additive" or "multiplicative"


class Phases:
    """How points map to phases, laid out as a (period, cycles) table of point indices
    (padded with ``n``) so that sorting across cycles gives every phase's medians at once."""

    def __init__(
        self, phase: np.ndarray, period: int, calendar: bool, position: np.ndarray | None = None
    ) -> None:
        self.phase, self.period, self.calendar = phase, period, calendar
        n = self.n = phase.size
        counts = np.bincount(phase, minlength=period)
        # A stable sort of small integers: numpy's radix sort when they fit in 16 bits.
        small = phase.astype(np.int16) if period < 2**15 else phase
        order = small.argsort(kind="stable")
        width = self.cycles = max(int(counts.max()), 1) if n else 1
        starts = np.arange(period) * width
        slot = np.arange(n) + np.repeat(starts - (counts.cumsum() - counts), counts)
        rows = np.full(period * width, n)
        rows[slot] = order
        self.rows = rows.reshape(period, width)
        # The same table with each phase's missing last cycle(s) filled by its last point.
        last = self.rows[np.arange(period), np.maximum(counts - 1, 0)]
        self.full_rows = np.where(self.rows == n, last[:, None], self.rows)
        self.slot_of = np.empty(n, dtype=np.intp)  # flat slot of each point
        self.slot_of[order] = slot
        self.prev_phase = (phase - 1) % period
        self.next_phase = (phase + 1) % period
        # Which cycles each slot's line goes through: the SEASON_CYCLES nearest ones.
        k = min(SEASON_CYCLES, width)
        first = np.clip(np.arange(width) - k // 2, 0, width - k)
        self.window = first[:, None] + np.arange(k)  # (cycles, k)
        self.offsets = (self.window - np.arange(width)[:, None]).astype(float)  # cycles away
        # Calendar weeks: each point's exact place in the year, in weeks. A week's value
        # belongs to its centre; a point between two centres reads between its own value and
        # its neighbour's in time (the previous or next week), so points of one calendar week
        # that fall on different days of the year (up to six apart) get their own day's value.
        self.lerp: tuple[np.ndarray, np.ndarray] | None = None
        if position is not None and n > 1:
            frac = position - phase - 0.5  # -0.5 .. 0.5 from the week's centre
            self.lerp = (frac >= 0, np.abs(frac))  # (toward the next week?, weight)

    def profiles(self, ds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Seasonal value of each row of ``ds`` (m, n) at every point: the median at its phase
        over the nearest cycles, centred to mean zero over each period; and the values of the
        previous and the next phase at each point. All rows in one sort.

        A phase with two values takes the smaller one when they agree in sign (minmod), else
        zero; with fewer, zero: one value cannot tell season from event.
        """
        m = ds.shape[0]
        pad = np.concatenate((ds, np.full((m, 1), np.nan)), axis=1)
        if self.cycles > SEASON_CYCLES:
            # Each slot's nearest cycles; a slot past a phase's last cycle repeats that
            # cycle's value, so every window is full and a partial selection suffices.
            vals = pad[:, self.full_rows][:, :, self.window]  # (m, period, cycles, k)
            table = _resistant_line_centre(vals, self.offsets)  # (m, period, cycles)
            own = table.reshape(m, -1)[:, self.slot_of]
            mean = _period_means(own, self.period)
            # The neighbouring phases' values in the same cycle column.
            col = self.slot_of % self.cycles
            prev = table[:, self.prev_phase, col] - mean
            nxt = table[:, self.next_phase, col] - mean
            return own - mean, prev, nxt
        vals = pad[:, self.rows]  # (m, period, cycles), NaN = padding
        vals.sort(axis=-1)  # NaNs (padding) last
        k = vals.shape[-1]
        flat = vals.reshape(-1, k)
        c = k - np.count_nonzero(np.isnan(flat), axis=1)
        base = np.arange(c.size) * k
        cells = flat.reshape(-1)
        lo = cells[base + np.maximum((c - 1) // 2, 0)]
        hi = cells[base + np.maximum(c // 2, 0)]
        prof = np.where(c >= 3, 0.5 * (lo + hi), 0.0)
        two = c == 2
        if two.any():
            a, b = flat[two, 0], flat[two, 1]
            prof[two] = np.where(a * b > 0, np.sign(a) * np.minimum(np.abs(a), np.abs(b)), 0.0)
        prof = prof.reshape(m, -1)
        own = prof[:, self.phase]
        mean = _period_means(own, self.period)
        prev = prof[:, self.prev_phase] - mean
        nxt = prof[:, self.next_phase] - mean
        return own - mean, prev, nxt

    def tile(self, own: np.ndarray, prev: np.ndarray, nxt: np.ndarray, d: np.ndarray) -> np.ndarray:
        """The season at each point from its phase's value (``own``) and its neighbouring
        phases' (``prev``, ``nxt``), given the detrended series ``d``.

        Where the season changes smoothly, calendar weeks read between their own week's value
        and the neighbouring one, at the point's exact day. Where it jumps (a holiday: this
        many times its usual week-to-week change), no reading between: instead a point may
        take a neighbouring phase's value when that fits it better, since a holiday falls in
        week k one year and k+1 the next. Smooth stretches keep their own value, so this
        cannot soak up ordinary spikes. Only calendar weeks move so: a month, an hour of the
        day or a weekday is the same phase every cycle, and a sport's first month of season
        read as its second would be a phantom dip."""
        step = np.abs(nxt - own)
        usual = SHARP_PROFILE * median(step)
        sharp = step > usual
        out = own
        if self.lerp is not None:
            toward, w = self.lerp
            other = np.where(toward, nxt, prev)
            smooth = np.abs(other - own) <= usual
            out = np.where(smooth, own + (other - own) * w, own)
        if not self.calendar or not sharp.any():
            return out
        out = out.copy()
        for alt in (prev, nxt):
            better = (np.abs(alt - own) > usual) & (np.abs(alt - d) < np.abs(out - d))
            out[better] = alt[better]
        return out


def _med3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))


def _resistant_line_centre(vals: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Value at offset 0 of a resistant line through each window of ``vals`` (..., k >= 6)
    taken at ``offsets`` (cycles, k): Tukey's three-group line, whose slope joins the median
    of the first three points to the median of the last three (one wild cycle in either
    group cannot tilt it) and whose level is the median of what that slope leaves. A plain
    median would lag a season whose swing grows or shrinks over the years."""
    left = _med3(vals[..., 0], vals[..., 1], vals[..., 2])
    right = _med3(vals[..., -3], vals[..., -2], vals[..., -1])
    span = offsets[:, -2] - offsets[:, 1]  # centres of the two groups of three
    slope = (right - left) / span
    rest = vals - slope[..., None] * offsets
    c = vals.shape[-1] // 2
    rest.partition(c, axis=-1)
    return rest[..., c]


def _period_means(s: np.ndarray, period: int) -> np.ndarray:
    """Mean of each row of ``s`` over the period centred on each point (what of the season is
    really level); within half a period of an end, the mean of the first or last full
    period."""
    m, n = s.shape
    if n <= period:
        return np.repeat(s.mean(axis=1, keepdims=True) if n else np.zeros((m, 1)), n, axis=1)
    c = np.concatenate((np.zeros((m, 1)), np.cumsum(s, axis=1)), axis=1)
    full = (c[:, period:] - c[:, :-period]) / period  # mean of s[i : i + period]
    h = period // 2
    out = np.empty((m, n))
    out[:, h : h + full.shape[1]] = full
    out[:, :h] = full[:, :1]
    out[:, h + full.shape[1] :] = full[:, -1:]
    return out


def calendar_weeks(series: Series) -> np.ndarray | None:
    """Place in the year, in weeks (0 <= w < 52), of every point of a weekly series; None when
    the timestamps cannot say (absent, NaT, not weekly)."""
    ts = series.timestamps
    if series.step.name != "weekly" or ts is None or ts.size != series.values.size:
        return None
    if ts.dtype.kind != "M" or ts.size == 0:
        return None
    days = ts.astype("datetime64[D]")
    if (days.view(np.int64) == _NAT).any():
        return None
    doy = (days - days.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    return np.minimum(doy / 7.0, WEEKS - 1e-9)


def phases_for(series: Series, n: int, period: int) -> Phases | None:
    """The phase layout of a series with the given period (None without a period)."""
    if not period:
        return None
    if period == WEEKS:
        weeks = calendar_weeks(series)
        if weeks is not None:
            return Phases(weeks.astype(np.intp), WEEKS, calendar=True, position=weeks)
    return Phases(np.arange(n) % period, period, calendar=False)


def fit_season(
    x: np.ndarray, trend: np.ndarray, phases: Phases | None, model: str | None = None
) -> Season:
    """The season of ``x`` around ``trend``. ``model`` None = choose: additive for data with
    negative values, else proportional unless additive fits clearly better."""
    n = x.size
    if phases is None:
        return Season(np.zeros(n), "none")
    d = x - trend
    if model == "additive" or x.min() < 0:
        own, prev, nxt = phases.profiles(d[None])
        return Season(phases.tile(own[0], prev[0], nxt[0], d), "additive")
    base = _mul_base(trend)
    ratio = d / base
    if model == "multiplicative":
        own, prev, nxt = phases.profiles(ratio[None])
        return Season(phases.tile(own[0], prev[0], nxt[0], ratio) * base, "multiplicative")
    own, prev, nxt = phases.profiles(np.stack((d, ratio)))
    add = phases.tile(own[0], prev[0], nxt[0], d)
    mul = phases.tile(own[1], prev[1], nxt[1], ratio) * base
    r_add = median(np.abs(d - add))
    r_mul = median(np.abs(d - mul))
    if r_mul < MUL_PREFERENCE * r_add:
        return Season(mul, "multiplicative")
    return Season(add, "additive")


def _mul_base(trend: np.ndarray) -> np.ndarray:
    return np.maximum(trend, max(MUL_BASE_FLOOR * median(trend), 1e-9))
