"""The last row of an export may be an incomplete period: say so when it is reported.

Google Trends scores the current week, month, day or hour on partial data (the days searched
so far); its chart draws that point apart, but the CSV it downloads does not mark it. So a
file downloaded before its last period ended ends on a value that may still rise or fall,
and a reported spike or dip there may be that. The detectors cannot tell a complete last row
from a partial one (a file of past dates ends on a whole period), so the answer keeps the
anomaly and its warnings say what to check. (``auto`` does not report a drop on a count's last
row alone: a partial count only reads low, see ``auto/tail.py``; its warning says so, with
the value. A rise there, or an event that began earlier, comes with the first warning.)
"""

from __future__ import annotations

from .auto.tail import LAST_ROW_KEY
from .types import Detection, Series

# The periods Trends exports, by the step's name, as a person says them.
PERIOD_WORDS = {"hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month"}


def partial_period_warning(series: Series, detection: Detection) -> str | None:
    """The warning for an anomaly reported on the last row of a Trends-like series, or for a
    drop there that ``auto`` left unreported as a possible partial period; else None."""
    n = len(series.values)
    period = PERIOD_WORDS.get(series.step.name)
    if period is None or n < 2 or series.timestamps is None:
        return None
    if detection.chosen.get(LAST_ROW_KEY):
        value = float(series.values[-1])
        expected = float(detection.expected[-1])
        return (
            f"{series.name}: the last row ({series.labels[-1]}) reads {round(value, 1):g}, "
            f"below the expected {round(expected, 1):g}, and is not reported: the last {period} "
            f"may be incomplete (Google Trends scores the current {period} on the searches made "
            f"so far). If the file was downloaded after that {period} ended, it is a drop"
        )
    if not any(a.extent()[1] == n - 1 for a in detection.anomalies):
        return None
    return (
        f"{series.name}: the anomaly on the last row ({series.labels[-1]}) may be an "
        f"incomplete {period}: if the file was downloaded before that {period} ended, Google "
        "Trends scored it on partial data"
    )
