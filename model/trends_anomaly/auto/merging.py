"""The merging stage: pieces of one event become one.

A surge often dips back under the support level for a point before going on; without this
it would be reported as two or three events. Runs on the same side of the baseline that
are at most ``MERGE_GAP`` points apart are joined (the scorer of the benchmarks counts
flags that close together as one event for the same reason).
"""

from __future__ import annotations

import numpy as np

MERGE_GAP = 1  # points between two runs that still make one event


def runs(mask: np.ndarray, gap: int = MERGE_GAP) -> list[tuple[int, int]]:
    """(start, end) inclusive of the True runs of ``mask``, runs at most ``gap`` False points
    apart joined. The run ends are always True points."""
    idx = np.flatnonzero(mask)
    if not idx.size:
        return []
    breaks = np.flatnonzero(np.diff(idx) > gap + 1)
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    ends = np.concatenate((idx[breaks], [idx[-1]]))
    return list(zip(starts.tolist(), ends.tolist(), strict=True))
