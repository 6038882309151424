"""The last-row stage: a drop on the last row alone is what a partial period looks like.

Google Trends scores the current week (month, day, hour) on the searches made so far, and
the CSV it downloads does not mark that row: a file downloaded before its last period ended
ends on a count of part of that period. A partial count can only read low, never high: on
the held-out exports every last row that ``auto`` reported as a dip sat at 0.5-0.8 of a
flat level (the share of the week that had passed), and the analyst marked none of them,
while every last-row event they did mark was a rise. So, for a count or share (no negative
values):

* an event down whose extent is the last row alone is not reported, and the band reaches
  down to its value (the picture does not contradict itself);
* a rise there is reported (a partial count only understates it), and so is an event down
  that began before the last row (the level had left before the period that may be partial).

The answer's warnings (``trends_anomaly.partial``) say when a reported event reaches the last
row, and when a drop there was left unreported (an analyst whose file ended on a whole period
reads it as the drop it is).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .events import Candidate

# ``parameters`` key set when a drop on the last row was left unreported: the answer's note
# (``trends_anomaly.partial``) says so, with the value and what it would mean.
LAST_ROW_KEY = "last_row_unreported"


def partial_last_row(
    found: Sequence[Candidate],
    x: np.ndarray,
    expected: np.ndarray,
    cover: np.ndarray | None,
) -> tuple[list[Candidate], np.ndarray | None]:
    """``found`` without a drop on the last row alone, and ``cover`` (the half-width the band
    must reach around ``expected``; None: nowhere) widened to hold that row's value."""
    last = x.size - 1
    kept = [c for c in found if not (c.sign < 0 and c.start == last and c.kind != "level_shift")]
    if len(kept) == len(found):
        return list(found), cover
    if cover is None:
        cover = np.zeros(x.size)
    cover[last] = max(cover.item(last), abs(x.item(last) - expected.item(last)))
    return kept, cover
