"""Running order statistics: the k-th smallest value of every window of a series.

At a few hundred points scipy's public ``median_filter`` / ``rank_filter`` spend most of a call
in Python-level argument handling (footprint, axes, origins, modes: ~20 µs) before their 1-D C
routine runs (a few µs); a 261-point request computes about a dozen running ranks. This calls
that routine, scipy's own ``_rank_filter_1d``, directly, the way ``rank_filter`` itself calls
it. It is not public API, so it is checked at import against the public function on windows
of every kind used here, and when it is missing or disagrees the public function is used. The
values are order statistics of the window (no arithmetic): every exact method gives the same.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import rank_filter

from .. import rawnp as rnp

try:  # scipy's 1-D rank filter (scipy >= 1.14) and its codes for the edge modes
    from scipy.ndimage import _ni_support, _rank_filter_1d

    _MODES = {m: _ni_support._extend_mode_to_code(m, is_filter=True) for m in ("nearest", "mirror")}
except Exception:  # pragma: no cover - another scipy layout: the public function
    _rank_filter_1d = None
    _MODES = {}

_ZERO = np.float64(0.0)  # scipy passes cval as a scalar of the array's dtype


def _direct(x: np.ndarray, rank: int, window: int, mode: str) -> np.ndarray:
    out = rnp.empty_like(x)
    _rank_filter_1d.rank_filter(x, rank, window, out, _MODES[mode], _ZERO, 0)
    return out


def _direct_agrees() -> bool:
    """Whether the direct call gives ``rank_filter``'s exact values (ties, both modes, every
    rank of small windows and the middle ones of long windows)."""
    if _rank_filter_1d is None:
        return False
    try:
        x = np.random.default_rng(0).integers(0, 7, 101).astype(float)
        return all(
            np.array_equal(_direct(x, r, w, m), rank_filter(x, r, size=w, mode=m))
            for m in _MODES
            for w in (3, 9, 13, 53, 101)
            for r in {1, w // 2 - 1, w // 2, w // 2 + 1, w - 2}
            if 0 < r < w - 1
        )
    except Exception:  # pragma: no cover - a changed signature
        return False


DIRECT = _direct_agrees()


def running_rank(x: np.ndarray, rank: int, window: int, mode: str = "nearest") -> np.ndarray:
    """The ``rank``-th smallest (0-based) of the ``window`` values centred on each point of the
    float array ``x``; past the ends as scipy's ``mode`` ("nearest" or "mirror"). ``window``
    is odd and at most len(x)."""
    if DIRECT and x.dtype == np.float64 and x.ndim == 1 and 0 < rank < window - 1 <= x.size - 1:
        return _direct(np.ascontiguousarray(x), rank, window, mode)
    return rank_filter(x, rank, size=window, mode=mode)
