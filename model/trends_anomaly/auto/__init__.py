"""The ``auto`` detector: a pipeline of small stages, each in its own module.

    period        which season the data has (calendar guess, confirmed by the data)
    season        phases and the per-phase median shape
    decomposition trend + season fitted around the events (surges do not lift the baseline)
    shifts        level shifts that stay (they cut the baseline into segments)
    noise         noise scale per point, growing with the level
    sampling      the noise floor a low-volume term's lone values (one search's worth) set
    band          expected value and band
    events        candidate events (extent, peak, kind) from the standardized residual
    merging       pieces of one event joined
    recurrence    what the neighbouring cycles also reach at that time is the season
    holidays      ... and so is what the weeks around Easter reach in the years around
    tail          a drop on a count's last row alone is a partial period, not reported
    threshold     sensitivity -> z threshold; the candidates above it are the anomalies

and their helpers: robust (medians, running medians, the MAD scale), running (running order
statistics by scipy's 1-D rank filter), layouts (phase layouts kept per time axis).

Candidates do not depend on the sensitivity, and the band is the threshold itself, so raising
the sensitivity only adds anomalies, and a point is flagged exactly when it leaves its band.
"""

from __future__ import annotations

from .pipeline import detect_auto

__all__ = ["detect_auto"]
