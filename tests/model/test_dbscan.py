"""DBSCAN's noise points: the same set as counting every point's neighbours, found faster."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree
from trends_anomaly import dbscan


def _noise_before(columns, eps, min_pts):
    """dbscan.noise_points as it was: every point's neighbours within eps counted."""
    x = dbscan.scaled_matrix(columns)
    tree = cKDTree(x)
    counts = np.asarray(tree.query_ball_point(x, r=eps, return_length=True))
    core = counts >= min_pts
    if not core.any():
        return np.arange(len(x)), np.full(len(x), np.inf)
    nearest, _ = cKDTree(x[core]).query(x, k=1)
    noise = ~core & (nearest > eps)
    return np.flatnonzero(noise), nearest


def test_the_neighbours_of_every_point_are_not_counted(monkeypatch):
    """method=dbscan on 25 terms of 20 000 points took 8-10 s, nearly all of it counting each
    point's neighbours within eps (~900 each at the default eps=0.1) to learn whether it has
    min_pts of them. Counted, not timed: the points whose neighbours are counted one by one
    (only those whose min_pts-th nearest is about eps away)."""
    asked: list[int] = []

    class Counting(cKDTree):
        def query_ball_point(self, x, *args, **kwargs):
            asked.append(len(x))
            return super().query_ball_point(x, *args, **kwargs)

    monkeypatch.setattr(dbscan, "cKDTree", Counting)
    rng = np.random.default_rng(1)
    n = 20_000
    y = np.clip(50 + 20 * np.sin(np.arange(n) / 7) + rng.normal(0, 8, n), 0, 100).round()
    noise, nearest = dbscan.noise_points([y], 0.1, 4)
    before = _noise_before([y], 0.1, 4)
    assert noise.tolist() == before[0].tolist() and nearest.tolist() == before[1].tolist()
    assert sum(asked) <= n // 100, asked


@st.composite
def _series(draw):
    n = draw(st.integers(1, 120))
    levels = draw(st.integers(1, 12))  # few distinct values: neighbours exactly eps away
    values = draw(st.lists(st.integers(0, levels), min_size=n, max_size=n))
    columns = [np.array(values, dtype=float)]
    if draw(st.booleans()):  # the legacy request: every column at once
        columns.append(np.array(draw(st.permutations(values)), dtype=float))
    # eps on the grid (k / (n - 1), k / levels and their diagonals) or anywhere
    grid = [k / max(n - 1, 1) for k in range(1, 6)] + [k / levels for k in range(1, 4)]
    grid += [float(np.hypot(a, b)) for a in grid[:3] for b in grid[5:7]]
    eps = draw(st.sampled_from(grid) | st.floats(1e-6, 2.0))
    return columns, eps, draw(st.integers(1, 12))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_series())
def test_noise_points_are_those_of_counting_every_neighbour(drawn):
    columns, eps, min_pts = drawn
    noise, nearest = dbscan.noise_points(columns, eps, min_pts)
    before_noise, before_nearest = _noise_before(columns, eps, min_pts)
    assert noise.tolist() == before_noise.tolist()
    assert nearest.tolist() == before_nearest.tolist()


@pytest.mark.parametrize("min_pts", [1, 2, 4, 65, 10**9])
@pytest.mark.parametrize("eps", [1e-300, 0.05, 0.1, 1.0, float("inf")])
def test_noise_points_at_the_ends_of_eps_and_min_pts(eps, min_pts):
    y = np.array([0, 1, 1, 2, 50, 2, 1, 1, 0, 100] * 30, dtype=float)
    noise, nearest = dbscan.noise_points([y], eps, min_pts)
    before_noise, before_nearest = _noise_before([y], eps, min_pts)
    assert noise.tolist() == before_noise.tolist()
    assert nearest.tolist() == before_nearest.tolist()


def _original_noise(columns, eps, min_pts) -> list[int]:
    """The original app's noise: scikit-learn's MinMaxScaler over the row index and the
    columns, then DBSCAN(eps, min_samples)."""
    from sklearn.cluster import DBSCAN
    from sklearn.preprocessing import MinMaxScaler

    x = np.column_stack([np.arange(len(columns[0]), dtype=float), *columns])
    labels = DBSCAN(eps=eps, min_samples=min_pts).fit_predict(MinMaxScaler().fit_transform(x))
    return np.flatnonzero(labels == -1).tolist()


# Rows 1 and 3 of 21 exactly eps apart: [0, 2] before 669f22f, where the original said [0, 1, 2].
GRID_EXAMPLE = ([np.array([0, 0, 1] + [0] * 18, dtype=float)], 0.1, 4)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_series())
@example(GRID_EXAMPLE)
def test_noise_points_are_the_originals_on_a_grid_of_values(drawn):
    """The index was scaled as i / (n - 1), where MinMaxScaler multiplies by 1 / (n - 1):
    3/20 is 0.15, 3 * (1/20) 0.15000000000000002. On a grid of values a neighbour exactly eps
    away (rows 1 and 3 of 21) was in for one and out for the other: [0, 2] where the
    original answered [0, 1, 2]. Scaled as MinMaxScaler does, bit for bit."""
    columns, eps, min_pts = drawn
    x = np.column_stack([np.arange(len(columns[0]), dtype=float), *columns])
    from sklearn.preprocessing import MinMaxScaler

    scaled = MinMaxScaler().fit_transform(x)
    assert np.array_equal(dbscan.scaled_matrix(columns), scaled)
    if drawn is not GRID_EXAMPLE and sklearn_rounds_its_own_way(scaled, eps):
        return  # the scaling is compared above; the noise there is scikit-learn's rounding
    assert dbscan.noise_points(columns, eps, min_pts)[0].tolist() == _original_noise(
        columns, eps, min_pts
    )


def sklearn_rounds_its_own_way(scaled: np.ndarray, eps: float) -> bool:
    """Whether two rows are eps apart to within a few ulps, where scikit-learn's DBSCAN (the
    original app's) may count the neighbour otherwise than we do: it compares squared
    distances (k-d tree) or ||a||^2 - 2ab + ||b||^2 through BLAS (brute force, 11 rows or
    fewer), each rounding its own way. Drawn in full runs: [0]*6 at eps 0.2 (noise [3, 4, 5]
    against our []) and 19 rows at eps 0.6758625033664688, a grid diagonal ([16, 17, 18]
    against our [16, 18]); alone, the same file passed both times."""
    d = np.sqrt(((scaled[:, None, :] - scaled[None, :, :]) ** 2).sum(axis=-1))
    return bool(np.any(np.abs(d - eps) <= 8 * np.spacing(max(eps, 1.0))))
