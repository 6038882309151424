"""An anomaly on the last row of an export may be an incomplete period: the answer says so
(Trends scores the current week or month on partial data, and its CSV does not mark it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from trends_anomaly.partial import partial_period_warning
from trends_anomaly.timeaxis import infer_step
from trends_anomaly.types import Anomaly, Detection, Series, Step


def _weekly(n: int) -> Series:
    ts = np.datetime64("2017-01-01", "s") + np.arange(n) * np.timedelta64(7, "D")
    return Series("vuejs", ts, [str(t)[:10] for t in ts], np.full(n, 50.0), infer_step(ts))


def _answer(n: int, *at: tuple[int, int]) -> Detection:
    e = np.full(n, 50.0)
    flags = [Anomaly(i, 5.0, "down", "dip", start=a, end=b, peak=i) for a, b, i in at]
    return Detection(e, e - 5, e + 5, flags, {})


def test_an_anomaly_on_the_last_row_gets_a_warning():
    s = _weekly(52)
    got = partial_period_warning(s, _answer(52, (51, 51, 51)))
    assert got == (
        "vuejs: the anomaly on the last row (2017-12-24) may be an incomplete week: if the "
        "file was downloaded before that week ended, Google Trends scored it on partial data"
    )
    # An event whose extent runs to the last row counts too.
    assert partial_period_warning(s, _answer(52, (48, 51, 49))) is not None


def test_no_warning_elsewhere_or_without_a_trends_period():
    s = _weekly(52)
    assert partial_period_warning(s, _answer(52, (10, 12, 11))) is None
    assert partial_period_warning(s, _answer(52)) is None
    rows = Series("x", None, [str(i) for i in range(52)], np.zeros(52), Step(0.0, "unknown"))
    assert partial_period_warning(rows, _answer(52, (51, 51, 51))) is None


DATA = Path(__file__).resolve().parents[1] / "data" / "heldout2"


def test_a_real_export_ending_on_a_partial_week(client):
    """A held-out export whose last week drops to about half in both terms: what a partial
    week looks like. ``auto`` does not report a drop on the last row alone (its last-row
    stage), and says so beside each term: an analyst who downloaded the file after that week
    ended reads it as the drop it is, so what was left out is never silent."""
    status, answer = client.json((DATA / "15_Festigeek_fg_user_app.csv").read_bytes())
    assert status == 200, answer
    assert [s["values"][-1] for s in answer["series"]] == [56.0, 34.0]
    for s in answer["series"]:
        assert all(a["index"] < len(s["values"]) - 1 for a in s["anomalies"])
        assert s["parameters"]["last_row_unreported"] == "partial_period"
        (note,) = s["notes"]
        value, expected = s["values"][-1], s["expected"][-1]
        assert note == (
            f"{s['name']}: the last row ({s['timestamps'][-1][:10]}) reads {value:g}, below "
            f"the expected {round(expected, 1):g}, and is not reported: the last week may be "
            "incomplete (Google Trends scores the current week on the searches made so far). If "
            "the file was downloaded after that week ended, it is a drop"
        )
        assert note in answer["warnings"]


def test_a_drop_left_unreported_is_said_without_a_detector_s_flag():
    s = _weekly(52)
    e = np.full(52, 50.0)
    answer = Detection(e, e - 25, e + 5, [], {"last_row_unreported": "partial_period"})
    s.values[-1] = 25.0
    got = partial_period_warning(s, answer)
    assert got is not None and got.startswith(
        "vuejs: the last row (2017-12-24) reads 25, below the expected 50, and is not reported"
    )


def test_a_real_export_ending_on_a_rise(client):
    """A held-out export whose first term ends on a week at seven times its level: reported
    (a partial week only understates a rise), with the warning beside that term."""
    status, answer = client.json((DATA / "10_DLangford1996_VideoGameByMonth.csv").read_bytes())
    assert status == 200, answer
    first = answer["series"][0]
    assert first["values"][-6:] == [1.0, 2.0, 8.0, 7.0, 5.0, 36.0]
    assert [a["index"] for a in first["anomalies"]][-1] == len(first["values"]) - 1
    said = [w for w in answer["warnings"] if w.startswith(f"{first['name']}: ") and "last row" in w]
    assert len(said) == 1 and "incomplete week" in said[0]
    assert first["notes"] == said
