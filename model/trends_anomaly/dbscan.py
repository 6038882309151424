"""The original DBSCAN method, kept for compatibility, without DBSCAN's memory blow-up.

The original scaled the row index and every value column to [0, 1] and called scikit-learn's
``DBSCAN(eps, min_samples)``; the anomalies were its noise points. Noise has a definition
that does not depend on cluster labelling: a point that is not a core point (fewer than
``min_pts`` points, itself included, within ``eps``) and has no core point within ``eps``.
Two k-d tree range counts give exactly that set, in memory linear in n.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

MAX_POINTS = 20_000  # range counts grow with n x neighbours; beyond this use method=auto


def scaled_matrix(columns: list[np.ndarray]) -> np.ndarray:
    """The row index and each column min-max scaled to [0, 1] (constant columns become 0)."""
    n = len(columns[0])
    cols = [np.arange(n, dtype=float), *(np.asarray(c, dtype=float) for c in columns)]
    out = np.empty((n, len(cols)))
    for j, c in enumerate(cols):
        lo, hi = c.min(), c.max()
        out[:, j] = (c - lo) / (hi - lo) if hi > lo else 0.0
    return out


def noise_points(
    columns: list[np.ndarray], eps: float, min_pts: int
) -> tuple[np.ndarray, np.ndarray]:
    """(indices of DBSCAN noise points, distance of every point to its nearest core point)."""
    x = scaled_matrix(columns)
    tree = cKDTree(x)
    counts = np.asarray(tree.query_ball_point(x, r=eps, return_length=True))
    core = counts >= min_pts
    if not core.any():
        return np.arange(len(x)), np.full(len(x), np.inf)
    nearest, _ = cKDTree(x[core]).query(x, k=1)
    noise = ~core & (nearest > eps)
    return np.flatnonzero(noise), nearest
