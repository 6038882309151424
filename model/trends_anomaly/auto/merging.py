"""The merging stage: pieces of one event become one.

A surge often dips back under the support level for a point before going on; without this
it would be reported as two or three events. Runs on the same side of the baseline that
are at most ``MERGE_GAP`` points apart are joined (the scorer of the benchmarks counts
flags that close together as one event for the same reason).
"""

from __future__ import annotations

import numpy as np

from .. import rawnp as rnp

MERGE_GAP = 1  # points between two runs that still make one event


def run_bounds(mask: np.ndarray, gap: int = MERGE_GAP) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends), inclusive, of the True runs of ``mask``, runs at most ``gap`` False
    points apart joined. The run ends are always True points."""
    idx = mask.nonzero()[0]
    if not idx.size:
        return idx, idx
    breaks = ((idx[1:] - idx[:-1]) > gap + 1).nonzero()[0]
    starts = rnp.concatenate((idx[:1], idx[breaks + 1]))
    ends = rnp.concatenate((idx[breaks], idx[-1:]))
    return starts, ends


def runs(mask: np.ndarray, gap: int = MERGE_GAP) -> list[tuple[int, int]]:
    """``run_bounds`` as (start, end) pairs."""
    starts, ends = run_bounds(mask, gap)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))
