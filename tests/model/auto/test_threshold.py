"""The threshold stage: what a sensitivity means, and the cap."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm
from trends_anomaly.auto.events import Candidate
from trends_anomaly.auto.threshold import capped_threshold, false_alarms, z_threshold


def test_sensitivity_is_the_false_alarm_budget_of_a_noise_series():
    assert false_alarms(0.0) == pytest.approx(1e-4)
    assert false_alarms(0.5) == pytest.approx(1e-2)
    assert false_alarms(1.0) == pytest.approx(1.0)
    # Bonferroni: expected false alarms = n * P(|Z| > z)
    z = z_threshold(0.5, None, 261)
    assert 261 * 2 * norm.sf(z) == pytest.approx(0.01)


def test_higher_sensitivity_lower_threshold_longer_series_higher():
    zs = [z_threshold(s, None, 261) for s in np.linspace(0, 1, 11)]
    assert zs == sorted(zs, reverse=True)
    assert z_threshold(0.5, None, 100_000) > z_threshold(0.5, None, 261)
    assert z_threshold(7.0, None, 261) == z_threshold(1.0, None, 261)  # clamped


def test_alpha_is_the_budget_itself():
    assert z_threshold(0.9, 0.01, 261) == pytest.approx(z_threshold(0.5, None, 261))


def cand(score):
    return Candidate(0, 0, 0, 1, score, "spike")


def test_the_cap_raises_the_threshold_to_the_first_one_left_out():
    found = [cand(s) for s in (9.0, 7.0, 6.0, 5.0, 3.0)]
    assert capped_threshold(found, 4.0, 10) == 4.0
    assert capped_threshold(found, 4.0, 2) == 6.0  # 9 and 7 pass, 6 is the first left out
    assert capped_threshold(found, 4.0, 0) == 9.0
    assert sum(c.score > capped_threshold(found, 4.0, 2) for c in found) == 2
