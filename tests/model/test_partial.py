"""An anomaly on the last row of an export may be an incomplete period: the answer says so
(Trends scores the current week or month on partial data, and its CSV does not mark it)."""

from __future__ import annotations

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


def test_a_real_export_ending_on_a_partial_week(client):
    """A held-out export whose last week drops to about half in both terms."""
    from pathlib import Path

    data = Path(__file__).resolve().parents[1] / "data" / "heldout2"
    status, answer = client.json((data / "15_Festigeek_fg_user_app.csv").read_bytes())
    assert status == 200, answer
    last = [w for w in answer["warnings"] if "last row (2017-10-29)" in w]
    assert len(last) == 2 and all("incomplete week" in w for w in last)
    # Each term carries its own (for the page to show beside its chart).
    assert [s["notes"] for s in answer["series"]] == [[w] for w in last]
