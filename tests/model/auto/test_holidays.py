"""The holidays stage: Easter's date, the weeks that move with it, and a dip in Holy Week
that comes back every year (in another calendar week) read as the season."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from trends_anomaly.auto import detect_auto
from trends_anomaly.auto.holidays import EasterWeeks, easter, easter_weeks, weekly_axis
from trends_anomaly.timeaxis import infer_step
from trends_anomaly.types import Series

from .test_pipeline import DEFAULTS


@pytest.mark.parametrize(
    "year, sunday",
    [
        (1961, "04-02"),
        (2016, "03-27"),
        (2017, "04-16"),
        (2018, "04-01"),
        (2019, "04-21"),
        (2024, "03-31"),
        (2025, "04-20"),
        (2285, "03-22"),
        (2038, "04-25"),
    ],
)
def test_easter_sunday(year, sunday):
    assert easter(year) == date.fromisoformat(f"{year}-{sunday}")


def _weeks(start: str, n: int) -> np.ndarray:
    return np.datetime64(start, "s") + np.arange(n) * np.timedelta64(7, "D")


def test_weeks_move_with_easter_year_to_year():
    ts = _weeks("2016-01-03", 261)  # Sundays, five years
    axis = weekly_axis(ts, ts.size)
    assert axis is not None
    holy_2017 = int((np.datetime64("2017-04-09") - np.datetime64("2016-01-03")).astype(int)) // 7
    # Palm Sunday's week in 2017 matches Palm Sunday's week in 2016 and in 2018.
    assert [str(ts[i])[:10] for i in easter_weeks(*axis, holy_2017)] == ["2016-03-20", "2018-03-25"]
    assert easter_weeks(*axis, 30) == []  # a week in July moves with nothing


def test_a_week_that_starts_on_monday_holds_easter_too():
    ts = _weeks("2018-01-01", 160)  # Mondays
    axis = weekly_axis(ts, ts.size)
    easter_week_2019 = (
        int((np.datetime64("2019-04-15") - np.datetime64("2018-01-01")).astype(int)) // 7
    )
    got = [str(ts[i])[:10] for i in easter_weeks(*axis, easter_week_2019)]
    # The Monday week holding Easter Sunday 2019 (21 April) is 15-21 April; in 2018 (Easter
    # 1 April) it is 26 March - 1 April; in 2020 (12 April) 6-12 April.
    assert got == ["2018-03-26", "2020-04-06"]


def test_only_a_regular_weekly_axis_has_easter_weeks():
    ts = _weeks("2016-01-03", 100)
    assert weekly_axis(ts[::2], 50) is None  # fortnightly
    gap = ts.copy()
    gap[50:] += np.timedelta64(1, "D")
    assert weekly_axis(gap, gap.size) is None
    assert weekly_axis(ts.astype("datetime64[D]"), ts.size) == weekly_axis(ts, ts.size)
    nat = ts.copy()
    nat[0] = np.datetime64("NaT")
    assert weekly_axis(nat, nat.size) is None
    moving = EasterWeeks(ts[::2], 50, np.zeros(50, dtype=np.intp) + 12)
    assert moving(3) == []


def _school_term(seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Five years of a school term's weekly interest (Sundays): a level of 60 that halves in
    Holy Week, whichever calendar week that falls in."""
    rng = np.random.default_rng(seed)
    ts = _weeks("2016-01-03", 261)
    x = np.round(60 + rng.normal(0, 2.0, ts.size))
    for year in range(2016, 2021):
        palm = np.datetime64(easter(year)) - np.timedelta64(7, "D")
        x[(ts.astype("datetime64[D]") == palm).nonzero()[0]] = 30.0
    return ts, x


def _series(ts: np.ndarray, x: np.ndarray) -> Series:
    return Series("term", ts, [str(t)[:10] for t in ts], x, infer_step(ts))


def test_a_holy_week_dip_every_year_is_the_season():
    ts, x = _school_term()
    d = detect_auto(_series(ts, x), DEFAULTS)
    assert d.anomalies == []


def test_a_holy_week_dip_deeper_than_any_other_year_is_reported():
    ts, x = _school_term()
    palm_2018 = (ts.astype("datetime64[D]") == np.datetime64("2018-03-25")).nonzero()[0][0]
    x[palm_2018] = 5.0
    d = detect_auto(_series(ts, x), DEFAULTS)
    assert [a.index for a in d.anomalies] == [palm_2018]
