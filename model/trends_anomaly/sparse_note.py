"""Say where a term is read from too thin a sample for its values to mean much, when it does
not vary at all, when it is too short to be tested, and when DBSCAN flags most of it.

A term searched by few people reads 0 most weeks and now and then one search's worth, which
may be a tenth or a third of the scale. ``auto`` treats those values as sampling noise (see
``auto.sampling``): the expected range there is wide and only a surge of many searches is
reported. A person looking at the chart sees tall spikes with no dot and a band reaching far
up, so the answer's warnings say which dates that is and why.
"""

from __future__ import annotations

import numpy as np

from .auto.pipeline import MIN_POINTS, TESTED_KEY
from .auto.sampling import NOISE_KEY as KEY
from .trends import LESS_THAN_ONE
from .types import Detection, Series


def sparse_warning(series: Series, detection: Detection) -> str | None:
    """The warning for a term with stretches of sampling noise, or None."""
    spans = detection.chosen.get(KEY)
    if not spans:
        return None
    return (
        f"{series.name}: {spans} the term reads mostly 0, with now and then a lone value of one "
        "search or a few, however tall it is drawn (Google Trends scales the term's busiest "
        "point to 100, and a term this rare may have had a handful): sampling noise, too few "
        "searches for Google Trends to measure. There its expected range is wide and only a "
        "surge of many searches is reported"
    )


def constant_warning(series: Series) -> str | None:
    """The warning for a term whose every value is the same, or None. A chart of a flat line
    with "0 anomalies" reads as "nothing unusual happened"; for a Google Trends term every
    value 0 (or <1) means too few searches to measure, which is another thing altogether."""
    values = np.asarray(series.values, dtype=float)
    if values.size < 2 or not np.isfinite(values).all() or values.min() != values.max():
        return None
    value = float(values[0])
    trends_term = bool(series.geo)  # its header names a region, as Google Trends writes it
    if value in (0.0, LESS_THAN_ONE) and trends_term:
        shown = "0" if value == 0.0 else "<1"
        return (
            f"{series.name}: every value is {shown}: Google Trends had too few searches for this "
            "term to measure in this time range and region, so nothing can stand out. A longer "
            "time range, a wider region or a broader term may have enough"
        )
    return (
        f"{series.name}: every value is {value:g}: the series does not vary, so nothing can "
        "stand out"
    )


def short_warning(series: Series, detection: Detection) -> str | None:
    """The warning for a term too short for any point to be tested, or None. Its answer has a
    band and no anomalies, which reads as "nothing unusual happened" when nothing was asked."""
    if detection.chosen.get(TESTED_KEY) is not False:
        return None
    n = len(series.values)
    points = "1 point is" if n == 1 else f"{n} points are"
    return (
        f"{series.name}: {points} too few to tell an anomaly from ordinary ups and downs "
        f"({MIN_POINTS} or more are needed), so none was tested. A longer time range has enough"
    )


def crowded_warning(series: Series, detection: Detection) -> str | None:
    """The warning for a DBSCAN answer that flags most of a term, or None. At its defaults
    (the original app's eps 0.1, min_pts 4) a noisy month of daily values has every point
    flagged: its neighbours in time are a few hundredths apart in DBSCAN's scaled time, so
    any ordinary step in value leaves a point alone, and a chart shaded red end to end says
    nothing. The answer stays the original's; this says why and what to change."""
    eps, min_pts = detection.chosen.get("eps"), detection.chosen.get("min_pts")
    n, flagged = len(series.values), len(detection.anomalies)
    if eps is None or min_pts is None or n == 0 or 2 * flagged <= n:
        return None
    return (
        f"{series.name}: DBSCAN flagged {flagged} of its {n} points: with a neighbourhood "
        f"radius of {eps:g}, nearly every point stands apart from its neighbours, so these "
        "flags say little about this term. A larger radius (eps, the page's Neighbourhood "
        "radius: 0.2 or 0.3) or the Auto method suits it"
    )
