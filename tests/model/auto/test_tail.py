"""The last-row stage: a drop on a count's last row alone is what a partial period looks like
(Trends counts the current week on the searches so far), so it is not reported and the band
holds it; a rise there, a drop elsewhere, and a drop that began earlier still are (the last
one at the stage: at the series' end the pipeline's running medians follow a drop of a few
rows, so it seldom reaches this stage as one event)."""

from __future__ import annotations

import numpy as np
from trends_anomaly.auto.events import Candidate
from trends_anomaly.auto.tail import partial_last_row

from .test_pipeline import detect


def _flat(n: int = 104, level: float = 60.0, seed: int = 3) -> np.ndarray:
    """A year or two of weekly counts at a steady level with a little noise (no season)."""
    rng = np.random.default_rng(seed)
    return np.round(level + rng.normal(0.0, 1.5, n))


def _flags(values, **params) -> dict[int, str]:
    d = detect(values, period=0, **params)
    return {a.index: a.direction for a in d.anomalies}


def test_a_drop_to_half_on_the_last_row_is_not_reported_and_lies_in_the_band():
    x = _flat()
    x[-1] = 32.0  # four days of seven counted
    d = detect(x, period=0)
    assert [a.index for a in d.anomalies] == []
    assert d.lower[-1] <= x[-1] <= d.upper[-1]
    # ... at every sensitivity (the rule does not depend on it).
    assert x.size - 1 not in _flags(x, sensitivity=1.0)


def test_the_same_drop_one_row_earlier_is_reported():
    x = _flat()
    x[-2] = 32.0
    assert _flags(x) == {x.size - 2: "down"}


def test_a_rise_on_the_last_row_is_reported():
    x = _flat()
    x[-1] = 100.0  # a partial count only understates a rise
    assert _flags(x) == {x.size - 1: "up"}


def test_a_series_with_negative_values_keeps_its_last_row_drop():
    x = _flat() - 60.0  # not a count: no partial period reads it low
    x[-1] = -28.0
    assert _flags(x) == {x.size - 1: "down"}


def _c(start: int, end: int, sign: int, kind: str = "dip") -> Candidate:
    return Candidate(start, end, end, sign, 9.0, kind)  # type: ignore[arg-type]


def test_the_stage_drops_only_a_down_event_on_the_last_row_alone():
    x = np.full(10, 50.0)
    x[-1] = 20.0
    expected = np.full(10, 50.0)
    found = [_c(2, 2, 1, "spike"), _c(5, 5, -1), _c(9, 9, -1)]
    kept, cover = partial_last_row(found, x, expected, None)
    assert kept == found[:2]
    assert cover is not None and cover[-1] == 30.0 and not cover[:-1].any()
    # A rise there, or a drop whose extent starts earlier, stays; nothing to cover.
    for c in (_c(9, 9, 1, "spike"), _c(7, 9, -1, "temporary_change")):
        assert partial_last_row([c], x, expected, None) == ([c], None)


def test_the_stage_keeps_a_wider_cover_already_there():
    x = np.full(4, 50.0)
    x[-1] = 40.0
    cover = np.array([0.0, 0.0, 0.0, 25.0])
    kept, got = partial_last_row([_c(3, 3, -1)], x, np.full(4, 50.0), cover)
    assert kept == [] and got is not None and got[-1] == 25.0
