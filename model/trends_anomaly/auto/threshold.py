"""How far from its expected value a point must be to be reported: sensitivity -> z.

``sensitivity`` s in [0, 1] sets how many false alarms a series of pure noise may raise,
``FALSE_ALARMS_AT_0 ** (1 - s)``: 10⁻⁴ at s = 0, 0.01 at the default 0.5, 1 at s = 1.
The z threshold is the Bonferroni bound for that many over n points (Gaussian, two-sided),
so a long series gets as few false alarms as a short one. ``alpha`` (when given) is that
expected count directly.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from scipy.special import ndtri

from .events import Candidate

FALSE_ALARMS_AT_0 = 1e-4  # expected false alarms per noise series at sensitivity 0
DEFAULT_SENSITIVITY = 0.5


def false_alarms(sensitivity: float) -> float:
    s = min(max(float(sensitivity), 0.0), 1.0)
    return FALSE_ALARMS_AT_0 ** (1.0 - s)


@functools.lru_cache(maxsize=256)
def z_threshold(sensitivity: float, alpha: float | None, n: int) -> float:
    """The z a point needs to be reported, for a series of ``n`` points. (Kept for the last
    few lengths and settings: every call of the detector asks twice, and ndtri costs more than
    a look-up.)"""
    expected = alpha if alpha is not None and 0 < alpha < 1 else false_alarms(sensitivity)
    return float(ndtri(1.0 - expected / (2.0 * max(n, 1))))


def capped_threshold(candidates: Sequence[Candidate], threshold: float, cap: int) -> float:
    """The threshold actually used: raised, when more than ``cap`` candidates pass, to the
    score of the strongest one left out. The band is drawn at this threshold, so an event
    dropped by the cap is inside it, not an unexplained point outside it; and raising the
    sensitivity still only adds anomalies (the strongest ``cap`` of a larger set include the
    strongest of a smaller one)."""
    scores = sorted((c.score for c in candidates if c.score > threshold), reverse=True)
    if len(scores) <= max(cap, 0):
        return threshold
    return max(threshold, scores[max(cap, 0)])
