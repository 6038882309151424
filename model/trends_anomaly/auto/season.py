"""The seasonal stage: which phase each point belongs to, and the season's shape.

Phases are the index modulo the period, except for weekly data over a year, where they are
the week of the calendar year: a 52-week cycle drifts by a day and a quarter a year against
the calendar that people's habits follow (five years = almost a week off at the peaks).
The shape at each phase is the median of the detrended series at that phase over the other
cycles (the point itself left out). A median ignores an unusual cycle or two: neither a spike nor
a month-long surge can teach the season anything. A season that grows over the years (a sport
whose peak doubles) is not chased by a moving fit: what the neighbouring cycles also reach is
recognised as the season by the recurrence stage.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..types import Series
from .robust import median, middle_pair

# Non-negative data: a proportional season (interest swings by a share of its level) unless
# an additive one leaves residuals this many times smaller; 1.25 = clearly, not by chance.
MUL_PREFERENCE = 1.25
# A proportional season is measured against the trend, floored at this share of its median
# level so that near-zero stretches (a term before it took off) do not divide by ~0.
MUL_BASE_FLOOR = 0.1
# A week-to-week jump of the season this many times its usual one marks a holiday, which may
# fall in the neighbouring calendar week in another year.
SHARP_PROFILE = 5.0
INDEX = np.int32  # point indices (half the memory of int64 on long series)
# From this many points on the two season models are fitted one after the other (half the
# peak memory; below it, together in one pass of whole-array operations).
TOGETHER_MAX = 20_000
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
        base = np.arange(0, period * width, width)  # where each phase's row starts
        slot = np.arange(n) + np.repeat(base - (counts.cumsum() - counts), counts)
        rows = np.empty(period * width, dtype=INDEX)
        rows.fill(n)
        rows[slot] = order
        self.rows = rows.reshape(period, width)
        ph = phase.astype(INDEX)
        wrap = np.arange(-1, period + 1, dtype=INDEX)  # phase k's neighbours, at k and k + 2
        wrap[0], wrap[-1] = period - 1, 0
        self.prev_phase, self.next_phase = wrap.take(ph), wrap[2:].take(ph)
        self.counts = counts
        self._layout(counts, base)

        # Calendar weeks: each point's exact place in the year, in weeks. A week's value
        # belongs to its centre; a point between two centres reads between its own value and
        # its neighbour's in time (the previous or next week), so points of one calendar week
        # that fall on different days of the year (up to six apart) get their own day's value.
        self.lerp: tuple[np.ndarray, np.ndarray] | None = None
        if position is not None and n > 1:
            frac = position - phase - 0.5  # -0.5 .. 0.5 from the week's centre
            self.lerp = (frac >= 0, np.abs(frac))  # (toward the next week?, weight)

    def _layout(self, counts: np.ndarray, base: np.ndarray) -> None:
        """Where each phase's order statistics around its median sit in the row-sorted table,
        and which of them each point reads (see ``profiles``)."""
        c = counts
        half, odd, upper = (c - 1) // 2, c % 2, c // 2
        # Ranks within a row: one under the median (odd c), the middle pair, one over the
        # median (odd c); kept inside the row's values.
        ranks = np.empty((4, self.period), dtype=c.dtype)
        np.subtract(half, odd, out=ranks[0])
        ranks[1], ranks[2] = half, upper
        np.add(upper, odd, out=ranks[3])
        np.minimum(np.maximum(ranks, 0, out=ranks), np.maximum(c - 1, 0), out=ranks)
        at = (ranks + base).astype(INDEX)
        ph = self.phase
        # Per point: where its phase's below, lower middle, upper middle and above values sit.
        self.point_stats = at.take(ph, axis=1)
        self.phase_mid = at[1:3].reshape(-1)  # every phase's lower, then upper middle
        self.phase_ok, self.phase_two = c >= 3, c == 2
        flags = np.empty((3, self.period), dtype=bool)
        np.equal(odd, 1, out=flags[0])
        np.greater_equal(c, 4, out=flags[1])
        np.equal(c, 3, out=flags[2])
        self.point_odd, self.point_ok, self.point_three = flags.take(ph, axis=1)

    def profiles(self, ds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Seasonal value of each row of ``ds`` (m, n) at every point: the median at its phase
        over the *other* cycles, centred to mean zero over each period; the values of the
        previous and the next phase at each point; and the median with the point itself (what a
        holiday week reads, see ``tile``). All rows in one sort.

        The point itself is left out of its own season (as out of its own level): a median
        over five cycles that holds the point sits on it once in five and follows it part of
        the way otherwise, so the residual would pile up at zero and reach far into the
        tails. A phase with two other values takes the smaller one when they agree in sign
        (minmod), else zero; with fewer, zero: one value cannot tell season from event.
        """
        m = ds.shape[0]
        pad = np.empty((m, self.n + 1))
        pad[:, : self.n] = ds
        pad[:, self.n] = np.inf
        vals = pad.take(self.rows, axis=1)  # (m, period, cycles), inf = padding (sorts last)
        vals.sort(axis=-1)
        flat = vals.reshape(m, -1)
        at_below, at_lo, at_hi, at_above = self.point_stats
        mid_lo = flat.take(at_lo, axis=1)
        # With every cycle (the neighbouring phases' values, and a holiday's reading).
        mids = flat.take(self.phase_mid, axis=1)
        lo, hi = mids[:, : self.period], mids[:, self.period :]
        prof = np.where(self.phase_ok, 0.5 * (lo + hi), 0.0)
        if self.phase_two.any():
            prof[:, self.phase_two] = _minmod(lo[:, self.phase_two], hi[:, self.phase_two])
        # Each point's own: the median of the other c - 1 values of its phase. With c odd the
        # point is below, on or above the median m (the others' middle pair is (m, above),
        # (below, above) or (below, m)); with c even it is at or under the lower middle value
        # (the others' median is the upper one) or over it.
        first = np.where(ds < mid_lo, mid_lo, flat.take(at_below, axis=1))
        second = np.where(ds > mid_lo, mid_lo, flat.take(at_above, axis=1))
        own = np.where(ds <= mid_lo, flat.take(at_hi, axis=1), mid_lo)  # even c
        own = np.where(self.point_odd, 0.5 * (first + second), own)
        own = np.where(self.point_ok, own, 0.0)
        if self.point_three.any():  # two others: what they agree on
            own = np.where(self.point_three, _minmod(first, second), own)
        del first, second, mid_lo, flat
        mean = _period_means(own, self.period)
        prev = prof.take(self.prev_phase, axis=1) - mean
        nxt = prof.take(self.next_phase, axis=1) - mean
        return own - mean, prev, nxt, prof.take(self.phase, axis=1) - mean

    def tile(
        self,
        own: np.ndarray,
        prev: np.ndarray,
        nxt: np.ndarray,
        d: np.ndarray,
        with_point: np.ndarray | None = None,
    ) -> np.ndarray:
        """The season at each point from its phase's value (``own``) and its neighbouring
        phases' (``prev``, ``nxt``), given the detrended series ``d``.

        Where the season changes smoothly, calendar weeks read between their own week's value
        and the neighbouring one, at the point's exact day. Where it jumps (a holiday: this many
        times its usual week-to-week change), no reading between: instead a point may take a
        neighbouring phase's value, or its own phase's median with itself (``with_point``), when
        that fits it better, since a holiday falls in week k one year and k+1 the next (in three
        of five years in week k, the other four years of week k hold it only twice: without the
        point, half a holiday). Smooth stretches keep their own value, so this cannot soak up
        ordinary spikes. Only calendar weeks move so: a month, an hour of the day or a weekday
        is the same phase every cycle, and a sport's first month of season read as its second
        would be a phantom dip."""
        if not self.calendar:
            return own
        # Rows of own/prev/nxt/d (m, n) or single series (n,), each row with its own scale.
        step = np.abs(nxt - own)
        size = step.shape[-1]
        k = size // 2
        if size % 2 or size < 2:
            part = step.copy()
            part.partition(k, axis=-1)
            mid = part[..., k : k + 1]
        else:
            below, at = middle_pair(step, k)
            mid = (0.5 * (below + at))[..., None]
        usual = SHARP_PROFILE * mid
        sharp = step > usual
        out = own
        if self.lerp is not None:
            toward, w = self.lerp
            other = np.where(toward, nxt, prev)
            smooth = np.abs(other - own) <= usual
            out = np.where(smooth, own + (other - own) * w, own)
        if not sharp.any():
            return out
        alts = (prev, nxt) if with_point is None else (with_point, prev, nxt)
        for alt in alts:
            better = (np.abs(alt - own) > usual) & (np.abs(alt - d) < np.abs(out - d))
            out = np.where(better, alt, out)
        return out


def _minmod(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """What two values agree on: the smaller when they share a sign, else zero."""
    return np.where(a * b > 0, np.sign(a) * np.minimum(np.abs(a), np.abs(b)), 0.0)


def _period_means(s: np.ndarray, period: int) -> np.ndarray:
    """Mean of each row of ``s`` over the period centred on each point (what of the season is
    really level); within half a period of an end, the mean of the first or last full
    period."""
    m, n = s.shape
    if n <= period:
        return np.repeat(s.mean(axis=1, keepdims=True) if n else np.zeros((m, 1)), n, axis=1)
    c = np.empty((m, n + 1))
    c[:, 0] = 0.0
    s.cumsum(axis=1, out=c[:, 1:])
    full = (c[:, period:] - c[:, :-period]) * (1.0 / period)  # mean of s[i : i + period]
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
    di = ts.astype("datetime64[D]").view(np.int64)
    first = di.min()
    if first == _NAT:  # NaT is the smallest int64: present exactly when it is the minimum
        return None
    # Day of the year from the few year starts the series spans (converting every timestamp
    # to its year is slow at thousands of points).
    ends = np.array([first, di.max()]).view("datetime64[D]").astype("datetime64[Y]")
    starts = np.arange(ends[0], ends[1] + 1).astype("datetime64[D]").view(np.int64)
    doy = di - starts[starts.searchsorted(di, side="right") - 1]
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
        own, prev, nxt, inc = phases.profiles(d[None])
        return Season(phases.tile(own[0], prev[0], nxt[0], d, inc[0]), "additive")
    base = _mul_base(trend)
    ratio = d / base
    if model == "multiplicative":
        own, prev, nxt, inc = phases.profiles(ratio[None])
        return Season(phases.tile(own[0], prev[0], nxt[0], ratio, inc[0]) * base, "multiplicative")
    if n < TOGETHER_MAX:
        both = np.empty((2, n))
        both[0], both[1] = d, ratio
        own, prev, nxt, inc = phases.profiles(both)
        add, mul = phases.tile(own, prev, nxt, both, inc)
    else:
        own, prev, nxt, inc = phases.profiles(d[None])
        add = phases.tile(own[0], prev[0], nxt[0], d, inc[0])
        own, prev, nxt, inc = phases.profiles(ratio[None])
        mul = phases.tile(own[0], prev[0], nxt[0], ratio, inc[0])
        del own, prev, nxt, inc
    mul = mul * base
    r_add = median(np.abs(d - add))
    r_mul = median(np.abs(d - mul))
    if r_mul < MUL_PREFERENCE * r_add:
        return Season(mul, "multiplicative")
    return Season(add, "additive")


def _mul_base(trend: np.ndarray) -> np.ndarray:
    return np.maximum(trend, max(MUL_BASE_FLOOR * median(trend), 1e-9))
