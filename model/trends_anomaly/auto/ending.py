"""The series-end stage: a burst on the last few rows is judged against the level before it.

Inside a series the local baseline (a running median of ``local_window`` points) ignores a
burst of up to half its window: the points on both sides outvote it. At the end there is no
other side: the running median continues the series past its end by a point reflection
through the median of its last three points (``robust.rolling_median``), so once two of the
last three rows are a burst the pivot is on the burst, every reflected point is lifted with it,
and the baseline at the end follows the burst: a term that went from about 5 to 23-35 over its
last four weeks had an expected value there that rose with it (19-27), and the rise was never
reported; the flat rows just before a surge could even read as a dip under the lifted baseline.

So for every burst length ``k`` from half the local window down to one, the last ``k`` rows
are compared with the level the series had before them: the local baseline of the series cut
just before those rows (its own end continued the same way), at its last point. When each of
the ``k`` rows stands beyond ``mask_z`` noise units of that level, on the same side, and by
more than the chart shows as noise, they are a burst (what the decomposition sets aside inside
the series): the baseline under them is held at the level before them, and the rows whose
window reached into them take the baseline of the cut series. The longest such ``k`` is taken
(a rise over four weeks is one event, not its last two weeks). A drop on the last row alone is
then still left to the last-row stage (``tail``: a partial period reads low).

The test does not read the sensitivity (``mask_z`` is the bound the decomposition sets points
aside by, at most the lowest threshold any sensitivity reports at), so raising the sensitivity
never removes what it found. It also holds for a high last row: a partial period (the current
week counted so far) only reads low.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import rawnp as rnp
from .decomposition import Decomposition
from .noise import read_law
from .robust import PIVOT_POINTS, rolling_median

MIN_BURST = 1  # a single last row too: the same test, nothing special about one row


def end_burst(
    x: np.ndarray,
    dec: Decomposition,
    local_window: int,
    mask_z: float,
    visible: float = 0.0,
    cuts: Sequence[int] = (),
) -> tuple[Decomposition, int]:
    """``dec`` with its baseline held at the level before a burst on the last rows, and the
    burst's length (0: none, ``dec`` unchanged)."""
    n = x.size
    h = local_window // 2
    start = max(cuts, default=0)  # the last segment: smoothed on its own
    if n - MIN_BURST - start < local_window:  # too little before any burst to know its level
        return dec, 0
    # As the decomposition's last fit: the points it set aside read as the long baseline (a
    # spike just before the burst must not lift the level the burst is judged against). Read
    # from ``base`` on: what the level before every burst length reads (plain floats).
    base = max(start, n - 2 * h - 2)
    seasonal = dec.seasonal
    y = rnp.where(dec.normal[base:], x[base:] - seasonal[base:], dec.long[base:]).tolist()
    last = x[n - h :].tolist()
    season = seasonal[n - h :].tolist()
    sigma = dec.noise.sigma[n - h :].tolist()
    law, tail = dec.noise.law, float(dec.noise.tail)
    mask_z, visible = float(mask_z), float(visible)  # (numpy scalars compare slower)
    for k in range(h, MIN_BURST - 1, -1):
        cut = n - k
        if cut - start < local_window:
            continue
        level = _end_level(y, cut - base, h)
        # Every row of the burst beyond the bar on one side, the last row first (it is in every
        # burst: on most series it is within the noise and nothing else is read). The noise is
        # read at the level before the burst (a count's noise grows with its level: the burst's
        # own height must not widen the yardstick it is judged by).
        side = 0
        for i in range(h - 1, h - k - 1, -1):
            centre = level + season[i]
            g = sigma[i] if law is None else read_law(law, centre) * tail
            d = last[i] - centre
            bar = max(mask_z * g, visible)
            now = 1 if d > bar else -1 if -d > bar else 0
            if not now or (side and now != side):
                side = 0
                break
            side = now
        if not side:
            continue
        a = max(start, cut - 3 * local_window)
        y_cut = rnp.where(dec.normal[a:cut], x[a:cut] - seasonal[a:cut], dec.long[a:cut])
        fit = rolling_median(y_cut, local_window, leave_out=True)
        trend = dec.trend.copy()
        trend[cut - h : cut] = fit[-h:]
        trend[cut:] = fit[-1]
        changed = slice(cut - h, n)
        noise = dec.noise
        if noise.law is not None:
            full = noise.sigma.copy()
            full[changed] = noise.at(trend[changed] + dec.seasonal[changed]).sigma
            noise = noise._replace(sigma=full)
        return dec._replace(trend=trend, noise=noise), k
    return dec, 0


def _end_level(y: list[float], end: int, h: int) -> float:
    """The local baseline of ``y[:end]`` at its last point, as ``rolling_median`` with
    ``leave_out`` gives it there (a window of 2h + 1): the median of its h points before and
    the h points of its continuation past the end (the point reflection through the median of
    its last ``PIVOT_POINTS``), the point itself left out. (Plain floats: a handful of values,
    tested for each burst length.)"""
    pivot = sorted(y[end - PIVOT_POINTS : end])[PIVOT_POINTS // 2]
    before = y[end - 1 - h : end - 1]
    around = sorted(before + [2.0 * pivot - v for v in before])
    return 0.5 * (around[h - 1] + around[h])
