"""Method dispatch: one series and validated parameters in, a :class:`Detection` out.

``stl`` and ``dbscan`` keep the original app's semantics (with the O(n²) ESD replaced by an
exact O(n log n) one and DBSCAN by an exact noise-point search); ``auto`` lives in
:mod:`.auto`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from scipy.ndimage import median_filter

from . import dbscan
from .errors import BadParameter, TooFewPoints
from .esd import generalized_esd
from .scale import within_scale
from .stl import MAX_PERIOD as MAX_STL_PERIOD
from .stl import min_points, stl_decompose
from .timeaxis import default_period, default_season_words
from .types import Anomaly, Detection, Series


def run_method(series: Series, method: str, params: dict[str, Any]) -> Detection:
    """The method's detection, its band kept within the series' scale (see :mod:`.scale`;
    ``auto`` keeps its own within it, from what its stages already read of the series)."""
    if method == "auto":
        return _auto_detector()[1](series, params)
    return within_scale(series.values, _detect(series, method, params))


def check_fits(series: Series, method: str, params: dict[str, Any]) -> None:
    """Raise what ``method`` refuses ``series`` for at its start, before any work (STL's
    season, a series too short or too long for it): a check made before detection, of the
    answer's size, then comes after these refusals, as it did when it came after detection."""
    if method == "stl":
        _stl_season(series, params)
    elif method == "dbscan":
        _check_dbscan(series, params)


def _detect(series: Series, method: str, params: dict[str, Any]) -> Detection:
    if method == "auto":
        return _auto_detector()[0](series, params)
    if method == "stl":
        return detect_stl(series, params)
    if method == "dbscan":
        return detect_dbscan(series, params)
    # params.resolve refuses a method not in METHODS first: one that gets here is listed there
    # and not routed here, a fork's omission (docs/swap-your-model.md, step 1), not the caller's.
    raise NotImplementedError(
        f"method {method!r} is accepted (params.METHODS) but not routed: add a branch for it "
        "in trends_anomaly/detect.py _detect"
    )


Detector = Callable[[Series, dict[str, Any]], Detection]


@functools.cache
def _auto_detector() -> tuple[Detector, Detector]:
    """``auto``'s detector, as is and with its band within the series' scale, imported on
    first use (auto is the largest module; a relative import statement on every request
    costs about a microsecond: kept once imported)."""
    from .auto.pipeline import detect_auto, detect_within_scale

    return detect_auto, detect_within_scale


def stl_period(series: Series, requested: int | None) -> tuple[int, str]:
    """The period for STL: the caller's, else the one the timestamps imply."""
    if requested:
        return requested, "parameter"
    inferred = default_period(series.step)
    if inferred is None:
        raise BadParameter(
            f"STL needs a season length (period), and none follows from {series.step.name} "
            "timestamps.",
            "Give the points per season (period, the page's Season length), e.g. 52 for weekly "
            "data, or use the Auto method (method=auto).",
            parameter="period",
        )
    return inferred, "timestamps"


def check_stl_period(period: int, series: Series) -> None:
    """A season longer than STL's filters can hold in a worker's memory (stl.MAX_PERIOD) is
    refused before any work: it would compute for minutes and then be killed. (A ``period``
    parameter over it was refused with the other parameters: this is the timestamps' one.)"""
    if period <= MAX_STL_PERIOD:
        return
    raise BadParameter(
        f"STL handles seasons of at most {MAX_STL_PERIOD} points; the "
        f"{series.step.name} timestamps imply a season of {period} points (a day).",
        "Use the Auto method (method=auto), which handles long seasons, or fewer points per "
        "season: a coarser step (hourly values instead of per-second ones) or a shorter "
        "season (the page's Season length, period in the API).",
        parameter="period",
    )


def _too_short_for_stl(series: Series, period: int, source: str) -> TooFewPoints:
    """STL's refusal of a series shorter than two seasons, saying whose season it was: the
    dates' (a 12-month weekly export, the commonest, has one year of the year-long season the
    page chose by itself) or the one the caller set, which alone is named as ``parameter``
    (a season left blank is no field to correct)."""
    n, name, needed = len(series.values), series.name, min_points(period)
    season, unit = default_season_words(series.step)
    if source == "timestamps":
        said = (
            f"{season} of {series.step.name} data, {period} points"
            if season
            else (f"{period} points, from its {series.step.name} dates")
        )
        return TooFewPoints(
            f"STL needs two full seasons, and the season its dates imply is {said}: that is "
            f"{needed} points, and '{name}' has {n}.",
            f"Export a longer time range (at least {needed} {unit}), set a shorter season "
            "(the page's Season length, period in the API), or use the Auto method "
            "(method=auto), which handles short series.",
        )
    return TooFewPoints(
        f"STL needs two full seasons: with the season of {period} points you set (the page's "
        f"Season length, period in the API) that is {needed} points, and '{name}' has {n}.",
        "Use a longer time range, a shorter season (the page's Season length, period in the "
        "API), or the Auto method (method=auto), which handles short series.",
        parameter="period",  # the caller's setting: the page marks its Season length field
    )


def _moving_average_5(x: np.ndarray) -> np.ndarray:
    """The original's ``np.convolve(x, ones(5)/5, mode='same')`` (zero-padded ends)."""
    return np.convolve(np.pad(x, 2), np.ones(5) / 5, mode="valid")  # also right for n < 5


def _stl_season(series: Series, params: dict[str, Any]) -> tuple[int, str]:
    """STL's period and where it came from, or the refusal of a series it cannot analyse."""
    period, source = stl_period(series, params.get("period"))
    check_stl_period(period, series)
    if len(series.values) < min_points(period):
        raise _too_short_for_stl(series, period, source)
    return period, source


def detect_stl(series: Series, params: dict[str, Any]) -> Detection:
    y = series.values
    n = len(y)
    period, source = _stl_season(series, params)
    trend, seasonal, resid = stl_decompose(y, period)
    smooth = _moving_average_5(resid)
    x = resid - smooth
    max_anomalies = params.get("max_anomalies")
    if max_anomalies is None:
        max_anomalies = max(1, n // 10)
    result = generalized_esd(x, params["alpha"], max_anomalies)
    expected = trend + seasonal + smooth
    centre = expected + result.mean
    width = result.threshold * result.std if np.isfinite(result.threshold) else 0.0
    anomalies = [
        Anomaly(
            index=int(i),
            score=float(r),
            direction="up" if x[i] > result.mean else "down",
            kind="spike" if x[i] > result.mean else "dip",
        )
        for i, r in zip(result.indices, result.statistics, strict=True)
    ]
    return Detection(
        expected=expected,
        lower=centre - width,
        upper=centre + width,
        anomalies=anomalies,
        chosen={
            "period": period,
            "period_source": source,
            "alpha": params["alpha"],
            "max_anomalies": int(max_anomalies),
        },
    )


def check_dbscan_size(n: int) -> None:
    """A term longer than DBSCAN's budget, told as the page names the methods; the method is
    the choice refused (``parameter``), for an API client."""
    if n > dbscan.MAX_POINTS:
        raise BadParameter(
            f"DBSCAN handles at most {dbscan.MAX_POINTS} points; got {n}.",
            "Use the Auto method (method=auto), which handles long series.",
            parameter="method",
        )


def dbscan_min_points(eps: float, min_pts: int) -> int:
    """The fewest points at which DBSCAN can find a cluster at all: time is scaled to 0..1, so
    neighbours are 1 / (n - 1) apart, and a core point needs (min_pts - 1) / 2 of them on each
    side within eps. With fewer points every point is "noise", whatever the values."""
    reach = math.ceil((min_pts - 1) / 2)
    # (a tiny eps makes reach / eps infinite, which no integer holds: cap it, far past any n)
    return math.ceil(min(reach / eps, 2.0**53) - 1e-9) + 1 if reach else 1


def _check_dbscan(series: Series, params: dict[str, Any]) -> None:
    """DBSCAN's refusal of a series too long for it, or too short to hold a cluster."""
    n = len(series.values)
    check_dbscan_size(n)
    eps, min_pts = params["eps"], params["min_pts"]
    need = dbscan_min_points(eps, min_pts)
    if n < need:  # (a legacy request keeps the original's answer: see legacy_rows)
        raise TooFewPoints(
            f"DBSCAN with a neighbourhood radius of {eps:g} (the page's Neighbourhood radius, "
            f"eps in the API) and {min_pts} neighbours for a cluster (the page's Neighbours "
            f"for a cluster, min_pts in the API) needs at least {need} points, or it flags "
            f"every one (points are 1/(n - 1) apart in its scaled time); '{series.name}' has "
            f"{n}.",
            "Use the Auto method (method=auto), a larger Neighbourhood radius (eps in the API) "
            "or fewer Neighbours for a cluster (min_pts in the API).",
        )


def detect_dbscan(series: Series, params: dict[str, Any]) -> Detection:
    y = series.values
    n = len(y)
    _check_dbscan(series, params)
    eps, min_pts = params["eps"], params["min_pts"]
    noise, nearest = dbscan.noise_points([y], eps, min_pts)
    # DBSCAN has no model of the expected value: the band shows its neighbourhood instead,
    # a running median over eps of the scaled index, ± eps of the value range.
    window = max(3, int(eps * max(n - 1, 1)) | 1)
    expected = median_filter(y, size=min(window, n | 1), mode="nearest") if n else y
    span = float(y.max() - y.min()) if n else 0.0
    anomalies = [
        Anomaly(
            index=int(i),
            score=float(nearest[i] / eps) if np.isfinite(nearest[i]) else 1.0,
            direction="up" if y[i] >= expected[i] else "down",
            kind="point",
        )
        for i in noise
    ]
    return Detection(
        expected=expected.astype(float),
        lower=expected - eps * span,
        upper=expected + eps * span,
        anomalies=anomalies,
        chosen={"eps": eps, "min_pts": min_pts},
    )


def legacy_rows(series: list[Series], params: dict[str, Any]) -> list[int]:
    """Row indices the original app answered: DBSCAN over all columns at once, or STL per
    column (the union of rows). Numbered as the file has its rows, as the original numbered
    them: a file the parser sorted by time (newest first) has its points mapped back. DBSCAN
    runs on the rows in file order, as the original's did: the row number is one of its
    features, so sorted rows (dates out of order, not only newest first) had other noise."""
    if params["method"] == "dbscan":
        _check_rows_line_up(series)
        _check_legacy_dbscan_size(len(series[0].values), len(series))
        columns = [_in_file_order(s) for s in series]
        noise, _ = dbscan.noise_points(columns, params["eps"], params["min_pts"])
        return sorted(int(i) for i in noise)
    rows: set[int] = set()
    for s in series:
        rows.update(_file_rows(s, (a.index for a in detect_stl(s, params).anomalies)))
    return sorted(rows)


def _check_legacy_dbscan_size(rows: int, columns: int) -> None:
    """The legacy DBSCAN reads every column at once, each a dimension of its neighbourhoods:
    its range counts grow with rows x columns (20 000 rows x 25 columns at eps=1.0 took 120 s,
    past SageMaker's 60 s). Its budget is one term's, in points: a Google Trends export (5
    terms, about 270 rows) is a fraction of it."""
    if rows * columns > dbscan.MAX_POINTS:
        raise BadParameter(
            f'A legacy DBSCAN request ("seasonality": false) reads all the columns at once, '
            f"and handles at most {dbscan.MAX_POINTS} points (rows x columns); this file has "
            f"{rows} rows x {columns} columns = {rows * columns}.",
            "Send fewer rows or columns (a Google Trends export has at most 5 terms), "
            '"seasonality": true (STL on each term), or add Accept: application/json '
            f"(DBSCAN on each term, up to {dbscan.MAX_POINTS} points each).",
        )


def _check_rows_line_up(series: list[Series]) -> None:
    """The legacy DBSCAN reads the terms row by row, one point of each per row; a file that
    compares time ranges of different lengths has terms whose points do not line up."""
    first = series[0]
    other = next((s for s in series if len(s.values) != len(first.values)), None)
    if other is None:
        return

    def term(s: Series) -> str:  # named with its range: a comparison may repeat a term
        return f"'{s.name[:40]}' ({s.labels[0][:30]} to {s.labels[-1][:30]})"

    raise BadParameter(
        f'A legacy DBSCAN request ("seasonality": false) reads all the terms row by row, as '
        f"the original app did; this file compares time ranges, and {term(other)} has "
        f"{len(other.values)} points where {term(first)} has {len(first.values)}.",
        'Send "seasonality": true (STL on each term), add Accept: application/json (DBSCAN '
        "on each term), or send each time range as its own file.",
    )


def _in_file_order(s: Series) -> np.ndarray:
    """``s``'s values in its file's row order (the parser sorts rows by time)."""
    if s.file_rows is None:
        return s.values
    values = np.empty_like(s.values)
    values[s.file_rows] = s.values
    return values


def _file_rows(s: Series, points: Iterable[int]) -> set[int]:
    """The file's rows of ``s``'s points (its positions, unless the parser sorted them)."""
    if s.file_rows is None:
        return {int(i) for i in points}
    return {int(s.file_rows[i]) for i in points}
