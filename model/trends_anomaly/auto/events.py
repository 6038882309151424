"""The event stage: candidate events from the standardized residual, each with its shape.

An event is a run of points on one side of the band's centre, at least ``SUPPORT_Z`` noise
units away (the run's extent: every point "clearly off" its usual level); it is as strong as
its most extreme point in noise units, and reported at its peak: its highest value (lowest,
for an event down) among the points that are beyond the band at every sensitivity (see
``at_peak``). Two peaks of one run with a trough between them that falls below
``SPLIT_SHARE`` of the lower peak are two events (a second surge a few weeks after the
first, the series never back to normal in between: an analyst points at both). Candidates
do not depend on the sensitivity: the threshold only decides which are reported, so raising
the sensitivity can only add events, never move or remove one. The kind is read from the
shape alone:

* ``spike`` / ``dip``: at most ``SPIKE_WIDTH`` points above half the peak's height;
* ``level_shift``: the first point of a new level (from the level-shift stage);
* ``seasonal_break``: a run of ``BREAK_MIN`` or more points that sits on the trend where the
  season predicted a swing (the season did not happen, or turned over);
* ``temporary_change``: any other wider run (a sustained peak, a collapse that recovers).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .. import rawnp as rnp
from ..types import Kind
from .merging import MERGE_GAP, run_bounds
from .shifts import LevelShift

# Points this many noise units off the centre belong to an event's extent: outside the
# central 95 % of Gaussian noise ("clearly off", point by point).
SUPPORT_Z = 2.0
SPIKE_WIDTH = 2  # points at >= half the peak's height in a spike (one or two rows)
HALF_HEIGHT = 0.5  # a width is counted at half the peak's height (full width at half maximum)
BREAK_MIN = 3  # a season failing shows over several points
# A seasonal break: the residual mirrors the season (it is the season, missing) at least
# this closely (correlation of r with -season; noise on a stretch of a few points alone keeps
# a true mirror near 0.7) ...
BREAK_CORR = 0.6
# ... and the value sits on the trend: adding the season back explains at least half of it.
BREAK_FIT = 0.5
# A run splits where it stays below this share of both peaks around it (in noise units) for
# more than the merging gap: the "prominence" a peak needs to count on its own.
SPLIT_SHARE = 0.5


class Candidate(NamedTuple):
    start: int
    end: int  # inclusive
    index: int  # where it is reported (the peak; a level shift's first point)
    sign: int  # +1 up, -1 down
    score: float  # |z| at index
    kind: Kind


def candidates(
    z: np.ndarray,
    seasonal: np.ndarray | None,
    sigma: np.ndarray,
    shifts: Sequence[LevelShift] = (),
    least: float = 0.0,
    reach: np.ndarray | None = None,
    visible: float = 0.0,
    support: float = SUPPORT_Z,
) -> list[Candidate]:
    """Every candidate event of the standardized residual ``z``. A level shift is as strong
    as the better of its two pieces of evidence: its first point against the old level, and
    the difference of the levels before and after (which can be certain while each point is
    still within the noise). Runs whose peak stays at or below ``least`` (the lowest threshold
    any sensitivity can set), and events whose reported point is not past ``reach`` (bool per
    point: far enough from its expected value to be seen, see the visibility stage; for a
    level shift, the step between the levels must exceed ``visible``, or else its first point
    be past ``reach``, and then it is as strong as that point alone), can never be reported
    and are skipped. ``support``: how far off the centre a point must be to belong to a run,
    ``SUPPORT_Z`` unless some sensitivity's threshold is lower (on a series of fewer than 22
    points): a point beyond the band that belongs to no run would be unflagged."""
    cuts = {s.index for s in shifts}
    out: list[Candidate] = []
    for s in shifts:
        sign = 1 if s.after > s.before else -1
        point = float(abs(z[s.index]))
        if reach is None or abs(s.after - s.before) > visible:
            score = max(point, s.z)
        elif reach[s.index]:
            # The step is below the visibility floor, its first point is not: the point is
            # as strong as it alone is (it is reported exactly when it lies outside its band,
            # as any other point; skipping it left such a point outside its band unflagged).
            score = point
        else:
            continue
        out.append(Candidate(s.index, s.index, s.index, sign, score, "level_shift"))
    mag = np.abs(z)
    # No run on either side can reach the lowest threshold (nor any when z holds a NaN).
    # (A ufunc reduction: ndarray.max adds a wrapper that costs as much again.)
    if np.maximum.reduce(mag) > least:
        for sign, found in zip((1, -1), _strong_runs(z, mag, cuts, least, support), strict=True):
            if not found:
                continue
            v = z if sign > 0 else -z
            for first, last in found:
                pieces = _split(v, first, last) if last - first >= 2 else [(first, last)]
                for a, b in pieces:
                    c = _candidate(z, v, a, b, sign, seasonal, sigma, least, reach)
                    if c is not None:
                        out.append(c)
    out.sort(key=_start)
    return out


def _start(c: Candidate) -> int:
    return c.start


# Up to this many points off the centre are grouped into runs in plain Python: a short
# series has a dozen (some 10 µs that way, against some 60 for the array calls of both sides;
# the two break even near 250 points).
FEW_POINTS = 200


def _strong_runs(
    z: np.ndarray, mag: np.ndarray, cuts: set[int], least: float, support: float = SUPPORT_Z
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(start, end) of each run of points more than ``support`` above the centre, and of each
    below it (``mag``: |z|; runs MERGE_GAP apart joined; a level shift's first point, in
    ``cuts``, is its own event) whose most extreme point passes ``least``."""
    on = mag > support
    for t0 in cuts:  # a shift's first point is its own event
        on[t0] = False
    idx = on.nonzero()[0]
    if idx.size > FEW_POINTS:
        return _array_runs(z, on & (z > 0), least), _array_runs(-z, on & (z < 0), least)
    points, values = idx.tolist(), z[idx].tolist()
    return _runs_of(points, values, 1.0, least), _runs_of(points, values, -1.0, least)


def _array_runs(v: np.ndarray, on: np.ndarray, least: float) -> list[tuple[int, int]]:
    """The runs of ``on`` whose largest ``v`` passes ``least``, by array calls."""
    starts, ends = run_bounds(on)
    if not starts.size:
        return []
    tops = np.maximum.reduceat(rnp.where(on, v, 0.0), starts)  # each run's largest value
    # (and the gap points after it, which are below the support level by construction)
    strong = tops > least
    return list(zip(starts[strong].tolist(), ends[strong].tolist(), strict=True))


def _runs_of(
    points: list[int], values: list[float], sign: float, least: float
) -> list[tuple[int, int]]:
    """The runs (as ``run_bounds`` joins them) of the ``points`` on the ``sign`` side (z's
    ``values`` there) whose most extreme value passes ``least``, in plain Python."""
    out = []
    start = end = -MERGE_GAP - 2
    top = -math.inf
    for t, s in zip(points, values, strict=True):
        value = sign * s
        if value <= 0:
            continue  # the other side's
        if t - end > MERGE_GAP + 1:  # a new run
            if top > least:
                out.append((start, end))
            start, top = t, value
        elif value > top:
            top = value
        end = t
    if top > least:
        out.append((start, end))
    return out


def _candidate(
    z: np.ndarray,
    v: np.ndarray,
    a: int,
    b: int,
    sign: int,
    seasonal: np.ndarray | None,
    sigma: np.ndarray,
    least: float,
    reach: np.ndarray | None,
) -> Candidate | None:
    """The event of the run v[a..b] (v = sign · z), None when it can never be reported."""
    if a == b:  # one point (most spikes): read as a point, not as a list
        score = v.item(a)
        if score <= least or (reach is not None and not reach.item(a)):
            return None
        return Candidate(a, a, a, sign, score, _kind(z, a, a, sign, seasonal, sigma, score))
    seg = v[a : b + 1].tolist()  # a few points: plain floats (joined runs may hold a
    top = max(seg)  # point of the other side); the shape is the whole run's
    if reach is not None:
        seen = reach[a : b + 1].tolist()
        if not all(seen):
            # The peak is the most extreme point that is visible at all: a point of the run
            # outside the band (beyond both) is never stronger than it.
            seg = [s if r else -math.inf for s, r in zip(seg, seen, strict=True)]
    score = max(seg)
    if score <= least:
        return None
    k = seg.index(score)  # the first of the largest, as argmax
    return Candidate(a, b, a + k, sign, score, _kind(z, a, b, sign, seasonal, sigma, top))


def at_peak(
    c: Candidate,
    x: np.ndarray,
    z: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    bar: float,
) -> Candidate:
    """``c`` reported at its peak: the highest value of an event up (the lowest of one down)
    among its points beyond ``bar`` noise units and outside the band (``lower``..``upper``).

    Its strongest point in noise units can sit on the rising edge, where the expected value
    and the noise scale are still low: an evening surge on an hourly series with a
    proportional season scored highest at its second hour (68) while it went on to 86. The
    analyst points at the top. ``bar`` is at least the highest threshold any sensitivity sets,
    so the point chosen does not move when the sensitivity changes (and it is flagged outside
    its band at every one). A level shift stays at its first point on the new level, and the
    score stays the event's strength."""
    if c.kind == "level_shift" or c.end == c.start or c.score <= bar:
        return c
    seg = slice(c.start, c.end + 1)
    if c.sign > 0:
        value = x[seg]
        ok = (z[seg] > bar) & (value > upper[seg])
    else:
        value = -x[seg]  # the lowest value is the highest of these
        ok = (z[seg] < -bar) & (x[seg] < lower[seg])
    if not ok.any():
        return c
    top = rnp.where(ok, value, -np.inf)
    k = int(top.argmax())  # the first of the highest
    if ok[c.index - c.start] and top[c.index - c.start] >= top[k]:
        return c  # the strongest point is (one of) the highest already
    return c._replace(index=c.start + k)


def _split(v: np.ndarray, a: int, b: int) -> list[tuple[int, int]]:
    """The run v[a..b] cut at every trough that falls below SPLIT_SHARE of the highest points
    on both its sides (each trough stays with the part before it)."""
    if b - a < 2:
        return [(a, b)]
    seg = v[a : b + 1]
    p = int(seg.argmax())
    # The highest point on each side of the peak, and the lowest point between it and the peak.
    for lo, hi in ((0, p), (p + 1, seg.size)):
        if hi - lo < 1:
            continue
        q = lo + int(seg[lo:hi].argmax())
        i, j = (q, p) if q < p else (p, q)
        t = i + int(seg[i : j + 1].argmin())
        low = seg[i : j + 1] < SPLIT_SHARE * min(seg[p], seg[q])
        # A trough of one point is the noise of a surge (the merging stage bridges it).
        if i < t < j and int(low.sum()) > MERGE_GAP:
            return _split(v, a, a + t) + _split(v, a + t + 1, b)
    return [(a, b)]


def _mirrors(r: np.ndarray, s: np.ndarray) -> bool:
    """Whether the residual ``r`` mirrors the season ``s`` (see BREAK_CORR)."""
    return bool(s.std() > 0 and r.std() > 0 and np.corrcoef(r, -s)[0, 1] >= BREAK_CORR)


def _kind(
    z: np.ndarray,
    a: int,
    b: int,
    sign: int,
    seasonal: np.ndarray | None,
    sigma: np.ndarray,
    peak: float,
) -> Kind:
    if (
        b - a + 1 <= SPIKE_WIDTH
        or int((np.abs(z[a : b + 1]) >= HALF_HEIGHT * peak).sum()) <= SPIKE_WIDTH
    ):
        return "spike" if sign > 0 else "dip"
    if seasonal is not None and b - a + 1 >= BREAK_MIN:
        s = seasonal[a : b + 1] / sigma[a : b + 1]
        r = z[a : b + 1]
        # The cheap test first: most wide runs do not sit on the trend, and need no correlation.
        if np.abs(r + s).mean() < BREAK_FIT * np.abs(s).mean() and _mirrors(r, s):
            return "seasonal_break"
    return "temporary_change"
