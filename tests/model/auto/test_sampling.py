"""The sampling stage: lone values of a low-volume term set a noise floor near them, so one
search's worth between zeros is noise and a surge of several is still an event."""

from __future__ import annotations

import numpy as np
import pytest
from trends_anomaly.auto.sampling import LONE_Z, lone_values, sampling_floor

from .test_pipeline import detect


def test_lone_values_have_a_zero_or_an_end_on_each_side():
    x = np.array([5, 0, 0, 7, 0, 3, 4, 0, 0.5, 0, 9], dtype=float)
    assert lone_values(x).tolist() == [0, 3, 8, 10]  # 3 and 4 are neighbours: not alone
    assert lone_values(np.zeros(5)).size == 0


def test_no_floor_without_enough_lone_values():
    x = np.zeros(60)
    x[[10, 30]] = 25.0
    assert sampling_floor(x, 20) is None


def test_the_floor_is_what_a_lone_value_is_worth_near_it_wherever_the_term_reads_zeros():
    x = np.zeros(300)
    x[[10, 20, 30, 40, 50]] = [20.0, 30.0, 25.0, 25.0, 30.0]  # early: a search is ~25
    x[[150, 160, 170]] = 2.0  # later: a search weighs less
    x[220:] = 40.0 + np.arange(80) % 3  # then the term took off: no zeros
    floor = sampling_floor(x, reach=15)
    assert floor is not None
    assert floor[30] == pytest.approx(25.0 / LONE_Z)
    assert floor[160] == pytest.approx(2.0 / LONE_Z)
    # Forty points after the last early lone value the term still reads only zeros.
    assert floor[90] == pytest.approx(25.0 / LONE_Z)
    assert (floor[240:] == 0.0).all()  # where it took off, its noise is its own


def _sparse_term(seed: int, rate: float, worth: float, n: int = 261) -> np.ndarray:
    """A low-volume term as Trends samples it: a few searches (Poisson, at most two a week:
    three in one week of a term searched every ~15 weeks is rare enough to be news) times
    their worth."""
    rng = np.random.default_rng(seed)
    return np.minimum(np.round(worth * np.minimum(rng.poisson(rate, n), 2)), 100.0)


@pytest.mark.parametrize("seed", range(6))
def test_one_searchs_worth_between_zeros_is_not_reported(seed):
    """Sampling noise alone (a search every ~15 weeks, each worth 25; a few weeks with two):
    nothing to report. Before this stage every lone value stood ~25 noise units above a
    near-zero scale."""
    x = _sparse_term(seed, rate=0.07, worth=25.0)
    assert lone_values(x).size >= 5  # the premise: a sparse term
    assert detect(x).anomalies == []


def test_a_surge_of_several_searches_on_a_sparse_term_is_still_reported():
    x = _sparse_term(3, rate=0.07, worth=10.0)
    x[150:154] = [40.0, 70.0, 100.0, 60.0]  # four weeks of 4-10 searches' worth
    d = detect(x)
    assert [a.index for a in d.anomalies] == [152]
    a = d.anomalies[0]
    assert a.start <= 150 and a.end >= 153
