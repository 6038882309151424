"""The noise stage: a scale that grows with the level, judged on residuals that left the point out,
blind to the events it should reveal."""

from __future__ import annotations

import numpy as np
import pytest
from trends_anomaly.auto.noise import noise_scale, quantum_floor
from trends_anomaly.auto.robust import rolling_median


def test_quantum_floor_is_one_unit_for_whole_numbers():
    assert quantum_floor(np.array([0.0, 0.5, 3.0, 100.0])) == 1.0  # <1 is written as 0.5
    assert quantum_floor(np.array([0.01, 0.02, 0.05])) < 1e-6
    assert quantum_floor(np.zeros(0)) > 0


@pytest.mark.parametrize("w", [5, 7, 13])
def test_white_noise_around_a_baseline_that_leaves_the_point_out_needs_no_tail(w):
    """The residual around a leave-one-out median is the noise plus the median's error: its
    scale is what the MAD says and its 90 % point is a Gaussian's, so the tail factor stays
    at 1 (with the point in, the residual piles up at zero and the factor was ~1.2)."""
    x = np.random.default_rng(w).normal(0, 2.0, 20_000)
    r = x - rolling_median(x, w, leave_out=True)
    s = noise_scale(r, None, 1e-9)
    assert s.tail == pytest.approx(1.0, abs=0.03)
    assert s.overall == pytest.approx(r.std(), rel=0.03)


def test_white_noise_gets_its_own_scale():
    rng = np.random.default_rng(0)
    r = rng.normal(0, 3.0, 2000)
    s = noise_scale(r, None, 1e-9)
    assert np.median(s.sigma) == pytest.approx(3.0, rel=0.08)
    assert s.tail == pytest.approx(1.0, abs=0.1)


def test_noise_grows_with_the_level_like_counts():
    rng = np.random.default_rng(1)
    level = np.repeat([5.0, 20.0, 45.0, 80.0], 100)
    r = rng.normal(0, 1, level.size) * np.sqrt(level)
    s = noise_scale(r, level, 1.0)
    by_level = [np.median(s.sigma[level == v]) for v in (5.0, 20.0, 45.0, 80.0)]
    assert by_level == sorted(by_level)
    assert by_level[-1] / by_level[0] == pytest.approx(4.0, rel=0.35)  # sqrt(80 / 5)


def test_a_known_surge_does_not_widen_the_scale_but_a_wide_tail_does():
    rng = np.random.default_rng(2)
    r = rng.normal(0, 1, 300)
    surge = np.zeros(300, dtype=bool)
    surge[100:140] = True
    r_surge = r + np.where(surge, 30.0, 0.0)
    assert noise_scale(r_surge, None, 1e-9, surge).overall == pytest.approx(
        noise_scale(r, None, 1e-9).overall, rel=0.1
    )
    heavy = rng.standard_t(2, 300)
    assert noise_scale(heavy, None, 1e-9).tail > 1.0


def test_a_sparse_low_volume_term_is_noise_not_a_crowd_of_spikes():
    """Mostly zeros, the rest 15-70 (one search is ~16 points): the scale covers them."""
    rng = np.random.default_rng(3)
    x = np.where(rng.random(52) < 0.35, rng.choice([16.0, 17.0, 33.0, 49.0], 52), 0.0)
    s = noise_scale(x, np.zeros(52), 1.0)
    assert np.median(s.sigma) > 10


def test_a_wild_top_bin_does_not_lift_the_scale_of_the_quiet_levels():
    """Weekly bitcoin: the quiet years at 18-30 vary by ~2, the bull-run weeks at 45+ by ~9.
    The fit follows the bins (noise that grows at most in proportion to the level), so the
    quiet years keep a band of their own size instead of one set by the bubble."""
    rng = np.random.default_rng(4)
    level = np.repeat([18.0, 22.0, 30.0, 45.0], 60)
    sd = np.repeat([1.8, 1.8, 3.6, 9.0], 60)
    r = rng.normal(0, 1, level.size) * sd
    s = noise_scale(r, level, 1.0)
    quiet = np.median(s.sigma[level == 18.0])
    assert quiet < 3.0  # sd^2 = a + b*level through the origin gave ~4.5
    assert np.median(s.sigma[level == 45.0]) > 2 * quiet


def test_the_noise_law_is_read_again_at_another_level():
    """What the decomposition's last fit does once an event no longer lifts the level: the
    same law (fitted with the events left out), read at the new level."""
    rng = np.random.default_rng(3)
    level = np.linspace(5, 80, 400)
    r = rng.normal(0, 1, 400) * np.sqrt(level)
    scale = noise_scale(r, level, 1.0)
    assert scale.law is not None and 0.2 < scale.law[0] < 0.8  # β, about 1/2
    assert np.array_equal(scale.at(level).sigma, scale.sigma)
    lower = scale.at(level / 2)
    beta = scale.law[0]
    inside = (lower.sigma > scale.law[2] * scale.tail) & (scale.sigma < scale.law[3] * scale.tail)
    assert inside.sum() > 300
    assert np.allclose(lower.sigma[inside], scale.sigma[inside] * 0.5**beta)
    assert (lower.overall, lower.tail) == (scale.overall, scale.tail)
    flat = noise_scale(rng.normal(0, 2, 400), None, 1.0)
    assert flat.law is None and flat.at(level) is flat
