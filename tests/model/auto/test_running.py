"""Running ranks: scipy's exact values, by the direct 1-D call or by the public fallback."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import rank_filter
from trends_anomaly.auto import running
from trends_anomaly.auto.running import running_rank


def test_the_direct_call_is_used_on_this_scipy():
    assert running.DIRECT  # else every request pays the public function's overhead


@pytest.mark.parametrize("direct", [True, False])
@pytest.mark.parametrize("n", [9, 53, 261, 3000])
def test_running_rank_is_scipys_rank_filter(monkeypatch, direct, n):
    monkeypatch.setattr(running, "DIRECT", direct and running.DIRECT)
    x = np.random.default_rng(n).integers(0, 6, n).astype(float)  # many ties
    for w in (3, 5, 9, 13, 53):
        if w > n:
            continue
        for r in {1, w // 2 - 1, w // 2, w // 2 + 1} - {0, w - 1}:
            for mode in ("nearest", "mirror"):
                got = running_rank(x, r, w, mode)
                assert np.array_equal(got, rank_filter(x, r, size=w, mode=mode))
