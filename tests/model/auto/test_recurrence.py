"""The recurrence stage: what the neighbouring cycles also reach at that time is the season."""

from __future__ import annotations

import numpy as np
import pytest
from trends_anomaly.auto import recurrence
from trends_anomaly.auto.events import Candidate
from trends_anomaly.auto.recurrence import recurring, routine


def test_recurring_marks_what_a_neighbouring_cycle_also_reaches():
    e = np.zeros(60)
    e[[8, 9, 21, 33, 40]] = [10.0, 8.0, 11.0, 7.0, -9.0]  # a cycle is 12
    mask = np.zeros(60, dtype=bool)
    mask[[8, 9, 21, 40]] = True
    side = np.sign(e)
    # 8 and 9: the next cycle goes as high (21 with slack 1); 21 goes beyond 8-10 and 32-34;
    # 40: nothing as low a cycle away
    assert np.flatnonzero(recurring(mask, e, side, 12, slack=1)).tolist() == [8, 9]
    # without slack (months, hours: phases that do not move), 8 only meets 20: beyond it
    assert np.flatnonzero(recurring(mask, e, side, 12)).tolist() == [9]
    e[21] = 7.5  # now 8 and 9 go beyond the only neighbour they have; 21 stays below 8 and 9
    assert np.flatnonzero(recurring(mask, e, side, 12, slack=1)).tolist() == [21]
    assert not recurring(np.zeros(60, dtype=bool), e, side, 12).any()


def test_a_margin_forgives_what_goes_only_a_little_further():
    """A holiday peak that is 2 units higher than last year's on a chart whose visible step
    is 6 is the same holiday; a World Cup month 15 above the Junes around it is not."""
    e = np.zeros(48)
    e[[5, 17, 29, 41]] = [20.0, 22.0, 21.0, 35.0]
    mask = np.zeros(48, dtype=bool)
    mask[[17, 41]] = True
    side = np.ones(48)
    assert np.flatnonzero(recurring(mask, e, side, 12, margin=6.0)).tolist() == [17]


def test_a_spike_in_every_cycle_of_an_unconfirmed_cycle_is_routine():
    """A server's nightly job (5-minute data, no season in the rest of the series): a spike
    of varying height every 288 points, drifting by a point or two a day, is routine; a spike
    with no sibling a cycle before and after is not."""
    rng = np.random.default_rng(3)
    n, cycle = 288 * 6, 288
    x = 10 + rng.normal(0, 0.3, n)
    job = [150 + k * cycle + k for k in range(6)]  # a point later every day
    x[job] += rng.uniform(8, 12, 6)
    x[1000] += 10  # once
    found = [Candidate(t, t, t, 1, 30.0, "spike") for t in [*job, 1000]]
    kept, cover = routine(found, x, np.full(n, 10.0), np.full(n, 10.0), cycle, 0.5, False, False)
    assert [c.index for c in kept] == [1000]
    assert (cover[job] >= np.abs(x[job] - 10)).all()


@pytest.mark.parametrize("both", [False, True])
def test_a_few_points_judged_one_by_one_match_the_array_path(monkeypatch, both):
    """A handful of points are judged in plain floats (see FEW_POINTS): the same answer as
    the padded arrays give, also next to either end, with no lag inside the series, and on
    values that are NaN or infinite."""
    rng = np.random.default_rng(12)
    for trial in range(300):
        n = int(rng.integers(2, 80))
        e = rng.normal(0, 3, n).round(1)  # ties between cycles too
        if trial % 3 == 0:
            e[rng.integers(0, n, 3)] = rng.choice([np.nan, np.inf, -np.inf], 3)
        mask = rng.random(n) < 0.15
        side = rng.choice([-1.0, 1.0], n)
        args = (mask, e, side, int(rng.integers(1, 30)), float(rng.choice([0.0, 0.5])))
        kw = {"slack": int(rng.integers(0, 3)), "both": both, "share": rng.choice([1.0, 0.5])}
        few = recurring(*args, **kw)
        monkeypatch.setattr(recurrence, "FEW_POINTS", 0)
        arrays = recurring(*args, **kw)
        monkeypatch.undo()
        assert few.tolist() == arrays.tolist(), (trial, args, kw)
