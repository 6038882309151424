"""The development set's band measures (``bench.devset.band_consistency``) on hand-made answers:
what each one counts, so the bench's table and targets mean what they say."""

from __future__ import annotations

import numpy as np
from trends_anomaly.timeaxis import infer_step
from trends_anomaly.types import Anomaly, Detection, Series

from bench.devset import DevResult, LabelledSeries, band_consistency


def _term(name: str, values: np.ndarray) -> LabelledSeries:
    ts = np.datetime64("2020-01-05") + 7 * np.arange(values.size).astype("timedelta64[D]")
    series = Series(name, ts, [str(t) for t in ts], values, infer_step(ts))
    return LabelledSeries(name, series, [], [])


def _answer(expected: float, half: float, noise: float, n: int, anomalies=()) -> Detection:
    e = np.full(n, expected)
    return Detection(e, e - half, e + half, list(anomalies), {"noise_scale": noise})


def test_band_width_is_read_three_ways():
    """A structured term (p5-p95 spans 45 noise units) and a noisy one (about 3): the issue's
    measure is the median over both, the structured measure reads the first only, and the
    0-100 measure is the band width over 100."""
    n = 100
    structured = _term("a#1", np.linspace(10, 90, n))  # p5-p95 = 14..86 = 72, noise 1.6
    noisy = _term("b#1", np.where(np.arange(n) % 2, 52.0, 48.0))  # p5-p95 = 4, noise 1.3
    res = DevResult("auto")
    res.answers = {"a#1": _answer(50, 8, 1.6, n), "b#1": _answer(50, 5.2, 1.3, n)}
    got = band_consistency([structured, noisy], res)
    assert np.isclose(got["band_width_share"], np.median([16 / 72, 10.4 / 4]))
    assert got["structured_terms"] == 1
    assert np.isclose(got["band_width_share_structured"], 16 / 72)
    assert np.isclose(got["band_width_of_scale"], np.median([16 / 100, 10.4 / 100]))


def test_flags_and_out_of_band_points_are_counted_against_extents():
    n = 50
    x = np.full(n, 50.0)
    x[10], x[30:33] = 90.0, 80.0  # one reported point; one stretch outside, not reported
    x[20] = 51.0  # a flag inside its band
    term = _term("c#1", x)
    flags = [
        Anomaly(index=10, score=9.0, direction="up", kind="spike", start=10, end=10, peak=10),
        Anomaly(index=20, score=5.0, direction="up", kind="spike", start=20, end=20, peak=20),
    ]
    res = DevResult("auto")
    res.answers = {"c#1": _answer(50, 5, 1.2, n, flags)}
    got = band_consistency([term], res)
    assert (got["flags"], got["flags_in_band"]) == (2, 1)
    assert (got["out_of_band"], got["out_of_band_unflagged"]) == (4, 3)
