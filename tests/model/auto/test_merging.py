"""The merging stage: runs that belong to one event."""

from __future__ import annotations

import numpy as np
from trends_anomaly.auto.merging import MERGE_GAP, runs


def mask(*on, n=20):
    m = np.zeros(n, dtype=bool)
    m[list(on)] = True
    return m


def test_runs_and_gaps():
    assert runs(mask()) == []
    assert runs(mask(3, 4, 5)) == [(3, 5)]
    assert runs(mask(3, 5)) == [(3, 5)]  # one point below the support level in between
    assert runs(mask(3, 6)) == [(3, 3), (6, 6)]
    assert runs(mask(3, 6), gap=2) == [(3, 6)]
    assert runs(mask(0, 19)) == [(0, 0), (19, 19)]


def test_run_ends_are_always_members():
    m = np.random.default_rng(0).random(500) < 0.3
    for a, b in runs(m, MERGE_GAP):
        assert m[a] and m[b]
