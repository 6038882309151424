"""The band kept within the series' scale: 0 below for data without negatives, 100 above on
Google Trends' scale; no observed value changes side of its band."""

from __future__ import annotations

import numpy as np
import pytest
from trends_anomaly import scale
from trends_anomaly.detect import _detect, run_method
from trends_anomaly.errors import ApiError
from trends_anomaly.params import resolve
from trends_anomaly.scale import value_range, within_scale
from trends_anomaly.timeaxis import infer_step
from trends_anomaly.trends import parse_csv
from trends_anomaly.types import Detection, Series

from tests.model.conftest import DATA

EXPORTS = sorted(p.name for p in DATA.glob("*.csv"))


def test_the_range_of_each_kind_of_data():
    assert value_range(np.array([0.0, 0.5, 37.0, 100.0])) == (0.0, 100.0)  # a Trends term
    assert value_range(np.array([0.2, 3.7, 12.25])) == (0.0, np.inf)  # counts, rates
    assert value_range(np.array([3.0, 250.0])) == (0.0, np.inf)  # past Trends' top
    assert value_range(np.array([-2.0, 5.0])) == (-np.inf, np.inf)
    assert value_range(np.array([])) == (-np.inf, np.inf)


def test_clipping_keeps_the_anomalies_and_parameters():
    d = Detection(
        np.array([-1.0, 50.0, 104.0]),
        np.array([-9.0, 40.0, 80.0]),
        np.array([7.0, 60.0, 140.0]),
        [],
        {"k": 1},
    )
    c = within_scale(np.array([0.0, 55.0, 100.0]), d)
    assert c.expected.tolist() == [0.0, 50.0, 100.0]
    assert c.lower.tolist() == [0.0, 40.0, 80.0]
    assert c.upper.tolist() == [7.0, 60.0, 100.0]
    assert c.anomalies is d.anomalies and c.chosen is d.chosen
    signed = within_scale(np.array([-1.0, 2.0, 3.0]), d)
    assert signed is d


@pytest.mark.parametrize("method", ["auto", "stl", "dbscan"])
@pytest.mark.parametrize("name", EXPORTS)
def test_real_exports_keep_their_band_on_the_scale_and_no_point_changes_side(name, method):
    text = (DATA / name).read_text(encoding="utf-8-sig")
    params = resolve({"method": method})
    for s in parse_csv(text):
        try:
            raw = _detect(s, method, params)
        except ApiError:  # stl without two periods: refused, nothing to draw
            continue
        d = run_method(s, method, params)
        x = s.values
        assert d.lower.min() >= 0 and d.upper.max() <= 100
        assert d.expected.min() >= 0 and d.expected.max() <= 100
        outside = (x < d.lower) | (x > d.upper)
        outside_raw = (x < raw.lower) | (x > raw.upper)
        assert (outside == outside_raw).all()


def _series(values: list[float]) -> Series:
    ts = (np.datetime64("2019-01-06") + 7 * np.arange(len(values))).astype("datetime64[s]")
    return Series("t", ts, [str(t) for t in ts], np.array(values), infer_step(ts))


@pytest.mark.parametrize(
    "values",
    [
        [float(v) for v in np.round(50 + 40 * np.sin(np.arange(120) / 5))],  # Trends, 10..90
        [float(v) for v in np.round(60 + 50 * np.sin(np.arange(120) / 5))],  # whole, past 100
        [0.25 + v for v in np.round(50 + 40 * np.sin(np.arange(120) / 5))],  # not whole
        [float(v) for v in np.round(10 * np.sin(np.arange(120) / 5))],  # negatives
        [np.nan, *[float(v) for v in np.round(50 + 40 * np.sin(np.arange(119) / 5))]],  # a gap
        [3.0, 0.0, 120.0, 5.0, 4.0],  # too short to test: the band of a median
    ],
)
def test_auto_keeps_its_band_within_the_scale_without_reading_it_again(values, monkeypatch):
    """``auto`` reads the scale from what its stages already know (lowest value, whole
    points): the same band as ``within_scale`` around its raw detection, and ``value_range``
    is read only where the stages could not (a gap filled in, too few points)."""
    s = _series(values)
    params = resolve({"method": "auto"})
    want = within_scale(s.values, _detect(s, "auto", params))
    reads = []
    monkeypatch.setattr(scale, "value_range", lambda v: reads.append(1) or value_range(v))
    got = run_method(s, "auto", params)
    for name in ("expected", "lower", "upper"):
        assert getattr(got, name).tobytes() == getattr(want, name).tobytes()
    assert got.anomalies == want.anomalies and got.chosen == want.chosen
    assert len(reads) == (np.isnan(s.values).any() or len(values) < 8)
