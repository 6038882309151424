"""The fewest bytes an answer takes, known from the series before any detection: a request
whose answer cannot fit what SageMaker returns is refused before its work, not after it.

The bound counts only what the JSON answer always writes, at its shortest, never an average:
its names (its keys, the method's, each term's name, header and region), the labels in
"timestamps" and the values in "values" exactly as it writes them (they are the request's
own), each "times" entry at its shortest, and the three numbers detection adds per point
("expected", "lower", "upper") at their shortest, "0.0". Past the method's name, the method
changes none of it: any method's band can be all "0.0" (stl's and dbscan's are, on a series
of zeros and ones), and its anomalies, notes and chosen parameters can be none, so the floor
per point is one for auto, stl and dbscan. The ``Accept: text/csv`` table has no floor per
point: a series may have no anomaly, and the table is then its header line alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
from serving.invocation import JSON

from .answer_csv import COLUMNS
from .types import Series

# "0.0" (or "null", "1e-5", "-0.0", longer), and the comma between it and the next.
_BAND_NUMBER = 3
_BANDS = ("expected", "lower", "upper")
# The shortest "times" entry that is not the label itself: "YYYY-MM-DD" (numpy's dates; the
# parser keeps every time in the years 1 to 9999, written with four digits). An entry is the
# label, or the label in the extended form (longer), or such a date, with or without a time.
_SHORTEST_TIME = 10


def answer_skeleton(series: list[Series], method: str) -> dict[str, Any]:
    """The JSON answer with every list and object empty: the bytes it takes in any case. Its
    keys, in order, are the answer's (tests/model/test_answer_size.py holds them to
    ``contract.series_answer`` and ``contract.invoke``)."""
    return {
        "method": method,
        "parameters": {},
        "frequency": series[0].step.name,
        "series": [_series_skeleton(s) for s in series],
        "warnings": [],
    }


def _series_skeleton(s: Series) -> dict[str, Any]:
    lists = {key: [] for key in ("timestamps", "times", "values", *_BANDS)}
    if not _has_times(s):
        lists["times"] = None
    return {
        "name": s.name,
        "header": s.header,
        "geo": s.geo,
        **lists,
        "anomalies": [],
        "parameters": {},
        "notes": [],
    }


def _has_times(s: Series) -> bool:
    """Whether the answer writes "times" as a list (``contract.iso_times`` is None when the
    time axis is row positions)."""
    return s.step.name != "unknown" and bool(s.timestamps.size)


def json_floor(series: list[Series], method: str) -> int:
    """A lower bound of the JSON answer's size in bytes, for every method: the skeleton, the
    labels and values as the answer writes them, and per point one shortest "times" entry
    and three shortest numbers. Measured on a daily export of whole points: 43 bytes a point,
    the answer 46 (dbscan) to 54.5 (stl)."""
    total = len(orjson.dumps(answer_skeleton(series, method)))
    for s in series:
        n = len(s.labels)
        if not n:
            continue
        commas = n - 1
        total += len(orjson.dumps(s.labels)) - 2  # the list's brackets are the skeleton's
        total += len(orjson.dumps(s.values, option=orjson.OPT_SERIALIZE_NUMPY)) - 2
        total += len(_BANDS) * (_BAND_NUMBER * n + commas)
        if _has_times(s):
            lengths = np.fromiter(map(len, s.labels), dtype=np.int64, count=n)
            shortest = int(np.minimum(lengths, _SHORTEST_TIME).sum())  # (a generator: 3 times)
            total += shortest + 2 * n + commas
    return total


def csv_floor() -> int:
    """The ``Accept: text/csv`` table's fewest bytes: its header line, all it writes when no
    series has an anomaly, however long the series (no floor per point)."""
    return len(",".join(COLUMNS)) + len("\r\n")


def answer_floor(series: list[Series], method: str, out_type: str) -> int:
    """The fewest bytes the answer of ``out_type`` (the JSON answer or the CSV table) takes."""
    return json_floor(series, method) if out_type == JSON else csv_floor()
