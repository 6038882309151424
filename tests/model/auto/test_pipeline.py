"""Behaviour of the whole `auto` pipeline (``detect_auto``): what it finds, what it leaves
alone, what it survives, and the promises of its answer on real exports.

Pins behaviour, not numbers: each anomaly kind is found (once, at the right place) on a clear
example; clean seasonal series stay clean at the default sensitivity; the period comes from
the timestamps and is confirmed by the data; degenerate input never raises.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trends_anomaly.auto import detect_auto
from trends_anomaly.contract import decode_text
from trends_anomaly.timeaxis import infer_step
from trends_anomaly.trends import parse_csv
from trends_anomaly.types import Detection, Series

DATA = Path(__file__).resolve().parents[2] / "data"
STEPS = {"weekly": 7 * 86400, "daily": 86400, "monthly": 0, "hourly": 3600}
DEFAULTS: dict = {"sensitivity": 0.5, "period": None, "alpha": None, "max_anomalies": None}


def make_series(values, freq: str = "weekly") -> Series:
    values = np.asarray(values, dtype=float)
    n = values.size
    if freq == "monthly":
        ts = (np.datetime64("2004-01", "M") + np.arange(n)).astype("datetime64[s]")
    else:
        ts = np.datetime64("2019-01-06T00:00:00") + STEPS[freq] * np.arange(n).astype(
            "timedelta64[s]"
        )
    labels = [str(t) for t in ts]
    return Series("term", ts, labels, values, infer_step(ts))


def seasonal(n: int = 261, period: int = 52, amp: float = 10.0, sd: float = 2.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.round(50 + amp * np.sin(2 * np.pi * t / period) + rng.normal(0, sd, n))


def detect(values, freq: str = "weekly", **params) -> Detection:
    return detect_auto(make_series(values, freq), {**DEFAULTS, **params})


def check_shape(d: Detection, n: int) -> None:
    assert d.expected.shape == d.lower.shape == d.upper.shape == (n,)
    assert np.isfinite(d.expected).all() and np.isfinite(d.lower).all()
    assert np.isfinite(d.upper).all()
    assert (d.lower <= d.expected + 1e-9).all() and (d.expected <= d.upper + 1e-9).all()
    idx = [a.index for a in d.anomalies]
    assert idx == sorted(set(idx))
    assert all(0 <= i < n for i in idx)
    for a in d.anomalies:
        assert a.direction in ("up", "down")
        assert np.isfinite(a.score) and a.score > 0


# --- each kind on a clear example -------------------------------------------------------------


def test_spike_found_once_at_its_peak():
    x = seasonal()
    x[150] += 40
    d = detect(x)
    check_shape(d, x.size)
    assert [(a.index, a.kind, a.direction) for a in d.anomalies] == [(150, "spike", "up")]
    # The extent is every point clearly off (2 noise units): the spike's week alone (the
    # week before, 45 against ~40 expected, was z 2.1 with a local level of six neighbours
    # and is below 2 with eight).
    assert d.anomalies[0].extent() == (150, 150, 150)
    assert x[150] > d.upper[150]


def test_dip_found():
    x = seasonal()
    x[150] = 5
    d = detect(x)
    assert [(a.index, a.kind, a.direction) for a in d.anomalies] == [(150, "dip", "down")]


def test_level_shift_reported_once_at_its_start():
    x = seasonal()
    x[150:] += 25
    d = detect(x)
    assert len(d.anomalies) == 1
    a = d.anomalies[0]
    assert a.kind == "level_shift" and a.direction == "up"
    assert a.index == 150
    # expected at the shift is the old level (what the point would have been without it) ...
    assert abs(d.expected[150] - (x[150] - 25)) < 6
    assert x[150] > d.upper[150]
    # ... and from the next point on the band follows the new level
    assert d.lower[151] < x[151] < d.upper[151]
    assert d.lower[200] < x[200] < d.upper[200]


def test_level_shift_down_near_the_end_is_still_one_event():
    x = seasonal(seed=3)
    x[220:] -= 25
    d = detect(x)
    assert len(d.anomalies) == 1
    a = d.anomalies[0]
    assert a.direction == "down" and a.kind == "level_shift" and a.index == 220


def test_temporary_change_is_one_event_at_its_peak_with_its_extent():
    """Changed on purpose (issue 12): a sustained event is reported at its most extreme point,
    and its extent says where it starts and ends (it used to be reported at its start)."""
    x = seasonal()
    x[150:158] += 25
    x[154] += 5  # the top of the surge
    d = detect(x)
    assert len(d.anomalies) == 1
    a = d.anomalies[0]
    assert a.kind == "temporary_change" and a.direction == "up"
    assert a.index == a.peak == 154
    assert a.start is not None and a.end is not None
    assert 148 <= a.start <= 150 and 157 <= a.end <= 159


def test_seasonal_break_found():
    x = seasonal(amp=20)
    t = np.arange(x.size)
    seg = slice(107, 127)  # the second year's peak does not happen
    x[seg] = np.round(50 + np.random.default_rng(5).normal(0, 2, 20))
    d = detect(x)
    assert len(d.anomalies) == 1
    a = d.anomalies[0]
    assert a.kind == "seasonal_break" and a.direction == "down"
    assert 104 <= a.index <= 127
    assert t[seg][0] - 3 <= a.index


def test_a_bump_small_against_the_series_range_is_not_reported():
    """Bitcoin monthly: a quiet 2013 at ~2 with a month at 8 (clear against noise of ~1) on a
    term that later spans 0-45 and peaks at 100. On the chart it is a wrinkle: not an event,
    and the band is wide enough to hold it."""
    rng = np.random.default_rng(8)
    x = np.concatenate((np.full(110, 1.0), np.linspace(2, 45, 128)))
    x = np.round(x + rng.normal(0, 0.4, x.size) * np.sqrt(x))
    x[111] = 8.0
    x[165] = 100.0
    d = detect(x, "monthly")
    assert [a.index for a in d.anomalies] == [165]
    assert d.lower[111] <= x[111] <= d.upper[111]
    assert (d.upper - d.lower).min() >= 2 * d.chosen["visible_floor"] - 1e-9


def test_a_peak_every_fourth_june_is_news_a_peak_every_june_is_the_season():
    """Football (soccer) in the US: the World Cup months stand far above the Junes around them
    and are reported; a peak that comes back every year at the same month is the season, and
    the band covers it even where the fitted season falls short of it."""
    rng = np.random.default_rng(11)
    t = np.arange(204)
    base = 15 + 3 * np.sin(2 * np.pi * t / 12)
    world_cup = np.round(base + rng.normal(0, 1, t.size))
    world_cup[[29, 77, 125, 173]] += 18  # June 2006, 2010, 2014, 2018
    d = detect(world_cup, "monthly")
    assert [a.index for a in d.anomalies] == [29, 77, 125, 173]
    yearly = np.round(base + rng.normal(0, 1, t.size))
    yearly[5::12] += 18 + rng.normal(0, 3, 17)  # every June, a little higher or lower
    d = detect(yearly, "monthly")
    assert d.anomalies == []
    assert ((yearly >= d.lower) & (yearly <= d.upper)).all()


def test_spike_and_shift_in_one_series_are_two_events():
    x = seasonal(seed=2)
    x[60] += 45
    x[180:] += 25
    d = detect(x)
    kinds = {a.kind: a.index for a in d.anomalies}
    assert kinds.get("spike") == 60
    assert 178 <= kinds.get("level_shift", -1) <= 181
    assert len(d.anomalies) == 2


# --- no false alarms on clean data ------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_clean_weekly_seasonal_series_has_no_anomaly(seed):
    assert detect(seasonal(seed=seed)).anomalies == []


@pytest.mark.parametrize(
    ("freq", "n", "period"), [("daily", 90, 7), ("monthly", 200, 12), ("hourly", 168, 24)]
)
def test_clean_series_of_other_frequencies_have_no_anomaly(freq, n, period):
    for seed in range(3):
        assert detect(seasonal(n, period, seed=seed), freq).anomalies == []


def test_clean_trend_without_season_has_no_anomaly():
    rng = np.random.default_rng(4)
    x = np.round(np.linspace(10, 70, 261) + rng.normal(0, 2, 261))
    assert detect(x).anomalies == []


def test_sensitivity_moves_the_threshold():
    x = seasonal(seed=1)
    x[100] += 9  # about 4.5 noise sds: not news by default, news when asked for more
    assert detect(x).anomalies == []
    assert 100 in [a.index for a in detect(x, sensitivity=1.0).anomalies]
    low, high = detect(x, sensitivity=0.0), detect(x, sensitivity=1.0)
    assert (high.upper - high.lower).mean() < (low.upper - low.lower).mean()


# --- the period -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "n", "period"),
    [("weekly", 261, 52), ("daily", 90, 7), ("monthly", 200, 12), ("hourly", 168, 24)],
)
def test_period_inferred_from_timestamps_and_confirmed(freq, n, period):
    d = detect(seasonal(n, period), freq)
    assert d.chosen["period"] == period
    assert d.chosen["period_source"].startswith("timestamps")


def test_no_season_in_the_data_means_no_period():
    rng = np.random.default_rng(0)
    d = detect(np.round(50 + rng.normal(0, 3, 261)))
    assert d.chosen["period"] is None
    assert "not_confirmed" in d.chosen["period_source"]


def test_series_shorter_than_two_periods_runs_without_season():
    d = detect(seasonal(52))
    assert d.chosen["period"] is None
    assert "too_short" in d.chosen["period_source"]


def test_period_parameter_overrides_and_zero_disables():
    x = seasonal()
    assert detect(x, period=26).chosen["period"] == 26
    assert detect(x, period=26).chosen["period_source"] == "parameter"
    assert detect(x, period=0).chosen["period"] is None


def test_the_long_window_spans_whole_cycles():
    """A running median over 2.4 years of a series that peaks four months a year holds 8 to 12
    peak months depending on where it stands: its level would jump with the count."""
    from trends_anomaly.auto.pipeline import time_scales

    for n, cycle in ((210, 12), (238, 12), (261, 52), (168, 24), (2000, 24)):
        w = time_scales(n, cycle).long_window
        assert (w - 1) % cycle == 0 and w % 2 == 1


def test_chosen_reports_every_parameter_used():
    d = detect(seasonal())
    for key in (
        "sensitivity",
        "period",
        "period_source",
        "threshold",
        "max_anomalies",
        "visible_floor",
    ):
        assert key in d.chosen


def test_max_anomalies_keeps_the_strongest():
    x = seasonal()
    x[50] += 20
    x[120] += 60
    x[200] += 30
    d = detect(x, max_anomalies=1)
    assert [a.index for a in d.anomalies] == [120]
    assert detect(x, max_anomalies=0).anomalies == []


def test_alpha_overrides_sensitivity():
    x = seasonal(seed=1)
    x[100] += 9
    strict, loose = detect(x, alpha=1e-6), detect(x, alpha=0.4)
    assert strict.chosen["threshold"] > loose.chosen["threshold"]
    assert strict.chosen["alpha"] == 1e-6


# --- degenerate input -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 7, 8, 12, 30])
@pytest.mark.parametrize("kind", ["constant", "zeros", "noise"])
def test_short_constant_and_zero_series_do_not_crash(n, kind):
    rng = np.random.default_rng(n)
    x = {"constant": np.full(n, 7.0), "zeros": np.zeros(n), "noise": rng.normal(5, 1, n)}[kind]
    d = detect(x)
    check_shape(d, n)
    if kind != "noise":
        assert d.anomalies == []


def test_long_constant_and_zero_series_have_no_anomaly():
    for x in (np.zeros(5000), np.full(300, 42.0), np.full(300, 0.5)):
        d = detect(x)
        check_shape(d, x.size)
        assert d.anomalies == []


def test_mostly_zero_series_with_one_burst():
    x = np.zeros(261)
    x[[40, 90, 91, 200]] = [1, 0.5, 1, 0.5]
    x[150] = 100
    d = detect(x)
    check_shape(d, x.size)
    assert 150 in [a.index for a in d.anomalies]


def test_gappy_timestamps_and_non_finite_values():
    x = seasonal()
    x[[10, 11, 12]] = np.nan
    x[20] = np.inf
    s = make_series(x)
    keep = np.ones(x.size, bool)
    keep[100:130] = False  # a hole in the timestamps
    s = Series(
        "t",
        s.timestamps[keep],
        [s.labels[i] for i in np.flatnonzero(keep)],
        s.values[keep],
        infer_step(s.timestamps[keep]),
    )
    d = detect_auto(s, DEFAULTS)
    check_shape(d, int(keep.sum()))


def test_deterministic():
    x = seasonal(seed=9)
    x[77] += 40
    a, b = detect(x), detect(x.copy())
    assert a.anomalies == b.anomalies and a.chosen == b.chosen
    assert np.array_equal(a.expected, b.expected) and np.array_equal(a.upper, b.upper)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False),
        min_size=0,
        max_size=400,
    ),
    st.sampled_from(["weekly", "daily", "monthly", "hourly"]),
    st.floats(min_value=0, max_value=1),
)
def test_never_raises_on_arbitrary_values(values, freq, sensitivity):
    d = detect(values, freq, sensitivity=sensitivity)
    check_shape(d, len(values))


# --- real exports -----------------------------------------------------------------------------


def test_every_real_export_runs_each_term_on_its_own():
    files = sorted(DATA.glob("*.csv"))
    assert files
    for path in files:
        for s in parse_csv(path.read_text(encoding="utf-8-sig")):
            d = detect_auto(s, DEFAULTS)
            check_shape(d, s.values.size)
            assert d.chosen["period_source"]


def test_real_weekly_export_finds_its_spike():
    """uk_weekly1y_pandemic: near zero all year, then one week at 100."""
    (s,) = parse_csv((DATA / "uk_weekly1y_pandemic.csv").read_text(encoding="utf-8"))
    peak = int(np.argmax(s.values))
    d = detect_auto(s, DEFAULTS)
    assert any(abs(a.index - peak) <= 1 for a in d.anomalies)


def test_real_hourly_surge_is_reported_at_its_top_at_every_sensitivity():
    """en_hourly7d_2terms, Selena Gomez: an evening surge 35, 48, 68, 60, ... 77, 86 from
    14:00 on 6 Jun 2021. Its strongest point in noise units is 16:00 (68), where the expected
    value is still low; an analyst points at the top, 86 at 23:00. Every sensitivity that
    reports it reports it there (the point does not move with the sensitivity)."""
    _, s = parse_csv((DATA / "en_hourly7d_2terms.csv").read_text(encoding="utf-8"))
    top = s.labels.index("2021-06-06T23")
    assert s.values[top] == 86 == s.values[top - 9 : top + 1].max()
    seen = 0
    for sens in (0.0, 0.25, 0.5, 0.75, 1.0):
        d = detect_auto(s, {**DEFAULTS, "sensitivity": sens})
        (a,) = [a for a in d.anomalies if a.start <= top <= a.end]
        assert a.index == a.peak == top and a.direction == "up"
        assert s.values[top] > d.upper[top]
        seen += 1
    assert seen == 5


@pytest.mark.parametrize(("name", "window"), [("en", (97, 107)), ("vi", (98, 108))])
def test_real_hourly_surge_is_outside_a_band_it_did_not_lift(name, window):
    """The same surge, in both language exports: the analyst's window runs 15:00 - 01:00. The
    band under it is what the evening usually does (31-39 at 23:00 on the other days, on a
    level ~25); it was lifted by the surge itself (57 expected at its top, and 64 at 00:00 sat
    inside the band). The reported extent covers the whole window, and every point up to
    00:00 lies above the band (01:00, 56, is at its edge: just above it in one export, just
    under it in the other)."""
    _, s = parse_csv((DATA / f"{name}_hourly7d_2terms.csv").read_text(encoding="utf-8"))
    d = detect_auto(s, DEFAULTS)
    first, last = window
    (a,) = [a for a in d.anomalies if a.start <= last and a.end >= first]
    assert a.start <= first and a.end >= last
    assert d.expected[a.peak] < 50
    assert (s.values[first:last] > d.upper[first:last]).all()


def test_weekly_series_uses_calendar_weeks_and_survives_bad_timestamps():
    x = seasonal()
    x[150] += 40
    s = make_series(x)
    d = detect_auto(s, DEFAULTS)
    assert d.chosen.get("seasonal_phase") == "week_of_year"
    assert [a.index for a in d.anomalies] == [150]
    ts = s.timestamps.copy()
    ts[5] = np.datetime64("NaT")
    broken = Series("t", ts, s.labels, s.values, s.step)
    check_shape(detect_auto(broken, DEFAULTS), x.size)


def test_a_holiday_week_that_moves_by_a_week_is_not_an_anomaly():
    """A Christmas-like peak, placed by date, lands in calendar week 51 or 52 by year."""
    rng = np.random.default_rng(7)
    s = make_series(np.zeros(261))
    days = s.timestamps.astype("datetime64[D]")
    doy = (days - days.astype("datetime64[Y]")).astype(int)
    x = 40 + 8 * np.sin(2 * np.pi * doy / 365.25) + rng.normal(0, 1.5, 261)
    x[(doy >= 355) & (doy < 362)] += 30
    d = detect_auto(make_series(np.round(x)), DEFAULTS)
    assert d.anomalies == []


@pytest.mark.parametrize("n", [4, 5, 6, 9])
@pytest.mark.parametrize("period", [2, 3])
def test_tiny_series_with_a_tiny_period(n, period):
    x = np.arange(n, dtype=float) % period * 3 + 10
    check_shape(detect(x, period=period), n)


# --- the promises of the answer ---------------------------------------------------------------


def _real_terms() -> list[tuple[str, Series]]:
    out = []
    for path in sorted(DATA.glob("*.csv")):
        for s in parse_csv(path.read_text(encoding="utf-8-sig")):
            out.append((f"{path.name}#{s.name}", s))
    return out


REAL = _real_terms()


def check_band_explains_flags(d: Detection, x: np.ndarray) -> None:
    """Every point outside the band belongs to a reported event; every reported point that is
    not a level shift lies outside its band (a shift is as strong as its new level as a
    whole, so its first point may fall inside by chance)."""
    outside = (x < d.lower) | (x > d.upper)
    covered = np.zeros(x.size, dtype=bool)
    for a in d.anomalies:
        start, end, peak = a.extent()
        assert start <= a.index <= end and start <= peak <= end
        covered[start : end + 1] = True
        if a.kind != "level_shift":
            assert not d.lower[a.index] <= x[a.index] <= d.upper[a.index], a
    assert not (outside & ~covered).any(), np.flatnonzero(outside & ~covered)


@pytest.mark.parametrize(("name", "series"), REAL, ids=[n for n, _ in REAL])
def test_on_every_real_export_the_band_explains_the_flags(name, series):
    for sensitivity in (0.0, 0.5, 1.0):
        d = detect_auto(series, {**DEFAULTS, "sensitivity": sensitivity})
        check_shape(d, series.values.size)
        check_band_explains_flags(d, series.values)


# Every export the repository holds beyond the development set (the held-out sets, the
# re-saved, re-encoded and further files): the promise of the picture is checked on all of
# them, at the default sensitivity and both ends. (On four of them a point lay outside its band
# with no flag: the first point of a level shift whose step was below the visibility floor,
# and, at sensitivity 1 on a 12-point file, a point between that threshold and a run's support.)
OTHER_FILES = sorted(
    path.relative_to(DATA).as_posix() for path in DATA.rglob("*.csv") if path.parent != DATA
)


@pytest.mark.parametrize("name", OTHER_FILES)
def test_on_every_other_export_the_band_explains_the_flags(name):
    for series in parse_csv(decode_text((DATA / name).read_bytes(), None, [])):
        for sensitivity in (0.0, 0.5, 1.0):
            d = detect_auto(series, {**DEFAULTS, "sensitivity": sensitivity})
            check_band_explains_flags(d, series.values)


@pytest.mark.parametrize(("name", "series"), REAL, ids=[n for n, _ in REAL])
def test_on_every_real_export_the_band_is_not_stretched_by_its_events(name, series):
    """The band is the range without events: where an event is reported, the band does not
    reach the event's peak (it was not pulled up or widened by it)."""
    d = detect_auto(series, DEFAULTS)
    x = series.values
    for a in d.anomalies:
        if a.kind != "level_shift":
            assert x[a.peak] > d.upper[a.peak] or x[a.peak] < d.lower[a.peak]


def test_the_same_spike_gets_the_same_kind_in_any_language():
    """Taylor Swift 2021-06-03T05 in the English and the Vietnamese hourly export (the latter
    is shifted by one hour): one spike, the same kind, at the same peak value."""
    en = parse_csv((DATA / "en_hourly7d_2terms.csv").read_text(encoding="utf-8"))[0]
    vi = parse_csv((DATA / "vi_hourly7d_2terms.csv").read_text(encoding="utf-8"))[0]
    found = []
    for s in (en, vi):
        d = detect_auto(s, DEFAULTS)
        (a,) = [a for a in d.anomalies if s.labels[a.index].startswith("2021-06-03T0")]
        found.append((a.kind, a.direction, s.values[a.index]))
    assert found[0] == found[1]
    assert found[0][0] == "spike"


def _grid_inclusion(series: Series) -> None:
    previous: set[int] = set()
    for s in np.linspace(0.0, 1.0, 11):
        now = {
            a.index for a in detect_auto(series, {**DEFAULTS, "sensitivity": float(s)}).anomalies
        }
        assert previous <= now, (float(s), sorted(previous - now))
        previous = now


@pytest.mark.parametrize(("name", "series"), REAL, ids=[n for n, _ in REAL])
def test_raising_sensitivity_never_removes_an_anomaly_on_real_exports(name, series):
    _grid_inclusion(series)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=0, max_value=10_000),
    st.sampled_from(["weekly", "monthly", "hourly", "daily"]),
    st.integers(min_value=0, max_value=4),
    st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=2, max_size=4),
)
def test_raising_sensitivity_never_removes_an_anomaly(seed, freq, events, levels):
    """Set inclusion over generated series: a season, noise growing with the level, and up to
    four spikes, dips, surges or shifts; compared at two random sensitivities and on the grid."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 300))
    period = {"weekly": 52, "monthly": 12, "hourly": 24, "daily": 7}[freq]
    t = np.arange(n)
    level = rng.uniform(5, 60) * (1 + rng.uniform(-0.5, 0.5) * t / n)
    x = level * (1 + rng.uniform(0, 0.4) * np.sin(2 * np.pi * t / period))
    for _ in range(events):
        at, width = int(rng.integers(0, n)), int(rng.integers(1, 12))
        kind = rng.integers(0, 3)
        size = rng.uniform(-0.8, 2.0) * level[at]
        if kind == 2:
            x[at:] += size
        else:
            x[at : at + width] += size
    x = np.round(np.clip(x + rng.normal(0, 1, n) * np.sqrt(np.abs(x) + 1), 0, None))
    series = make_series(x, freq)
    lo, hi = sorted(levels[:2])
    small = {a.index for a in detect_auto(series, {**DEFAULTS, "sensitivity": lo}).anomalies}
    large = {a.index for a in detect_auto(series, {**DEFAULTS, "sensitivity": hi}).anomalies}
    assert small <= large
    _grid_inclusion(series)


def test_the_noise_scale_of_white_noise_is_the_noise_plus_the_local_levels_own_error():
    """A point is judged against a median of its neighbours that left it out, so its scale
    is the noise's and that median's error together: about sd·sqrt(1 + (π/2)/(w - 1)) for
    w - 1 neighbours. Eight neighbours on five years of weeks (1.08 sd measured); six gave
    1.11, a band wider on every point, and dips of four noise units missed."""
    ratios = []
    for seed in range(40):
        x = 40 + np.random.default_rng(500 + seed).normal(0, 3, 261)
        d = detect(x, period=0)
        assert d.chosen["local_window"] == 9
        ratios.append(d.chosen["noise_scale"] / d.chosen["tail_factor"] / 3.0)
    assert 1.0 < float(np.median(ratios)) < 1.10


def test_the_default_cap_is_a_screenful_and_grows_by_one_per_2000_points():
    """max(8, n/2000), as the README's parameter table says."""
    rng = np.random.default_rng(9)
    for n, cap in ((261, 8), (10_000, 8), (22_000, 11)):
        d = detect(50 + rng.normal(0, 2, n), freq="hourly")
        assert d.chosen["max_anomalies"] == cap
