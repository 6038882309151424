"""The visibility stage: an event must be large against the series' own usual range."""

from __future__ import annotations

import numpy as np
import pytest
from trends_anomaly.auto.visible import VISIBLE_SHARE, visible_floor


def test_the_floor_is_a_share_of_the_usual_range_not_of_the_extremes():
    x = np.concatenate((np.linspace(10, 50, 200), [100.0, 100.0, 0.0]))  # 3 extreme points
    p5, p95 = np.quantile(x, [0.05, 0.95])
    assert visible_floor(x) == pytest.approx(VISIBLE_SHARE * (p95 - p5), rel=0.03)
    assert visible_floor(x) < VISIBLE_SHARE * 45  # the extremes do not widen it


def test_a_flat_or_tiny_series_has_no_floor():
    assert visible_floor(np.full(50, 7.0)) == 0.0
    assert visible_floor(np.array([3.0])) == 0.0
    assert visible_floor(np.zeros(0)) == 0.0
