"""Timestamps: parsing the formats people export, and the sampling step and season they imply."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import numpy as np

from .types import Step

_HOUR, _DAY = 3600.0, 86400.0
# Formats tried, in order, when numpy's ISO parser refuses a column. Day-first comes before
# month-first because most locales that export with slashes write the day first; a column is
# taken by the first format that parses every cell, so 13/01 settles it either way.
_FALLBACK_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
    "%d-%m-%Y",
    "%Y%m%d",
)
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+-\s+\d{4}-\d{2}-\d{2}$")  # old weekly "a - b"
_LOOKS_LIKE_DATE = re.compile(
    r"^\s*\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?([ T]\d{1,2}(:\d{2}){0,2}.*)?\s*$"
)
_COMPACT = re.compile(r"^\d{8}$")
# numpy's fast ISO parser takes these cells as they are; anything else (zones, words, odd
# separators, padding) goes through the slower, stricter path.
_ISO_CHARS = str.maketrans("", "", "0123456789-:T. \n")  # deleting these leaves nothing
# After a date, only a plain time may follow (numpy reads anything else as a zone and warns).
_ZONE_OFFSET = re.compile(r"[T ](?!\d{2}(?::\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:\n|$))")


def numpy_can_parse(cells: list[str]) -> bool:
    joined = "\n".join(cells)
    padded = joined[:1] == " " or joined[-1:] == " " or " \n" in joined or "\n " in joined
    if padded or joined.translate(_ISO_CHARS):
        return False
    return not (("T" in joined or " " in joined) and _ZONE_OFFSET.search(joined))


def looks_like_date(cell: str) -> bool:
    """Cheap test used to find where the data rows of a CSV start."""
    return bool(_LOOKS_LIKE_DATE.match(cell)) or bool(_COMPACT.match(cell.strip()))


def _normalise(cell: str) -> str:
    cell = cell.strip()
    m = _RANGE.match(cell)
    return m.group(1) if m else cell


def parse_timestamps(cells: list[str], plain_iso: bool | None = None) -> np.ndarray | None:
    """``datetime64[s]`` for every cell, or None when the column is not one of dates.

    ``plain_iso``: the caller already knows whether ``numpy_can_parse(cells)``.
    """
    if not cells:
        return np.zeros(0, dtype="datetime64[s]")
    if plain_iso is None:
        plain_iso = numpy_can_parse(cells)
    cleaned = cells if plain_iso else [_normalise(c) for c in cells]
    if cleaned is not cells and not numpy_can_parse(cleaned):
        return _parse_slow(cleaned)  # numpy would warn on zones and guess at odd text
    try:
        parsed = np.array(cleaned, dtype="datetime64[s]")
        if not np.isnat(parsed).any():
            return parsed
    except ValueError:
        pass
    return _parse_slow(cleaned)


def _parse_slow(cells: list[str]) -> np.ndarray | None:
    try:  # ISO 8601 with a zone or odd precision: convert to UTC, drop the zone
        out = []
        for c in cells:
            d = datetime.fromisoformat(c.replace("Z", "+00:00"))
            if d.tzinfo is not None:
                d = d.astimezone(UTC).replace(tzinfo=None)
            out.append(d)
        return np.array(out, dtype="datetime64[s]")
    except ValueError:
        pass
    for fmt in _FALLBACK_FORMATS:
        try:
            return np.array([datetime.strptime(c, fmt) for c in cells], dtype="datetime64[s]")
        except ValueError:
            continue
    return None


def infer_step(timestamps: np.ndarray) -> Step:
    """The typical spacing of ``timestamps`` and a human name for it."""
    if len(timestamps) < 2:
        return Step(0.0, "unknown")
    diffs = np.diff(timestamps.astype("datetime64[s]").astype(np.int64)).astype(float)
    diffs = diffs[diffs > 0]
    if not len(diffs):
        return Step(0.0, "unknown")
    k = len(diffs) // 2  # the median (np.median's overhead dominates for short series)
    part = np.partition(diffs, (k - 1, k) if len(diffs) % 2 == 0 else k)
    seconds = float(part[k]) if len(diffs) % 2 else 0.5 * float(part[k - 1] + part[k])
    return Step(seconds, step_name(seconds))


def step_name(seconds: float) -> str:
    days = seconds / _DAY
    if seconds <= 0:
        return "unknown"
    if seconds < 60:
        return f"{seconds:g}-second"
    if seconds < _HOUR:
        minutes = seconds / 60
        return "minutely" if minutes == 1 else f"{minutes:g}-minute"
    if seconds < _DAY:
        hours = seconds / _HOUR
        return "hourly" if hours == 1 else f"{hours:g}-hour"
    if days == 1:
        return "daily"
    if days == 7:
        return "weekly"
    if 28 <= days <= 31:
        return "monthly"
    if 89 <= days <= 92:
        return "quarterly"
    if 365 <= days <= 366:
        return "yearly"
    return f"{days:g}-day"


def default_period(step: Step) -> int | None:
    """The season a step implies: a year of weeks or months, a week of days, a day of hours.

    None when no calendar cycle fits (yearly data, irregular or unknown spacing).
    """
    s = step.seconds
    if s <= 0:
        return None
    name = step.name
    if name == "weekly":
        return 52
    if name == "monthly":
        return 12
    if name == "quarterly":
        return 4
    if name == "daily":
        return 7
    if s < _DAY and _DAY % s == 0:
        per_day = round(_DAY / s)
        return per_day if per_day >= 2 else None
    return None


def format_timestamps(timestamps: np.ndarray) -> list[str]:
    """ISO text for timestamps that came without labels (JSON series given as numbers)."""
    return [str(t) for t in timestamps.astype("datetime64[s]")]
