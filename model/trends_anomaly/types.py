"""Plain data shared by the parser, the detectors and the HTTP contract.

Kept free of I/O and of any detector logic so that every module can depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Direction = Literal["up", "down"]
# What an anomaly looks like; detectors that cannot tell use "point".
Kind = Literal["spike", "dip", "level_shift", "temporary_change", "seasonal_break", "point"]


@dataclass(frozen=True)
class Step:
    """The sampling step of a series, inferred from its timestamps."""

    seconds: float  # median spacing; 0 when timestamps are absent or unusable
    name: str  # "hourly", "daily", "weekly", "monthly", "yearly", "minutely", "irregular", ...


@dataclass
class Series:
    """One numeric column of an input, aligned with its timestamps.

    ``timestamps`` is ``datetime64[s]`` (naive, as written in the file); ``labels`` keeps the
    timestamps exactly as the caller wrote them so that answers echo them back unchanged.
    """

    name: str
    timestamps: np.ndarray
    labels: list[str]
    values: np.ndarray  # float64, finite (missing cells are rejected or filled by the parser)
    step: Step
    header: str = ""  # the raw column header, e.g. "bitcoin: (Worldwide)"
    geo: str = ""  # the region Google Trends names in the header, e.g. "Worldwide"
    # The file's row (0-based, among the data rows) of each point, when the parser sorted the
    # rows by time; None: the points are in the file's order.
    file_rows: np.ndarray | None = None


@dataclass(frozen=True)
class Anomaly:
    """One event. ``index`` is the point it is reported at (a spike's peak, a level shift's
    first point at the new level); ``start``..``end`` (inclusive) is the event's extent and
    ``peak`` its most extreme point. Detectors that see single points leave them unset: the
    extent is then the point itself."""

    index: int
    score: float  # larger = more anomalous; comparable within one answer
    direction: Direction
    kind: Kind = "point"
    start: int | None = None
    end: int | None = None
    peak: int | None = None

    def extent(self) -> tuple[int, int, int]:
        """(start, end, peak), each defaulting to ``index``."""
        start = self.index if self.start is None else self.start
        end = self.index if self.end is None else self.end
        peak = self.index if self.peak is None else self.peak
        return min(start, self.index), max(end, self.index), peak


@dataclass
class Detection:
    """What a detector returns for one series: a band for every point and the anomalies."""

    expected: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    anomalies: list[Anomaly]
    # Parameters actually used for this series, including ones chosen automatically
    # (e.g. {"period": 52, "period_source": "timestamps"}).
    chosen: dict[str, Any] = field(default_factory=dict)
