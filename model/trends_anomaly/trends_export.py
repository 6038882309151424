"""Google Trends CSV exports, written: the one writer of the format `trends.py` reads.

What Trends writes: a "Category: All categories" preamble, a blank line, the header (the time
column's localized word, then ``term: (region)`` per column), then one row per time step with
integer values 0-100 and ``<1`` for shares too small to show. Used by the benchmarks' synthetic
exports and by the model's smoke request (``model/smoke.py``, which `python -m deploy smoke`
loads); standard library only, so anything can load it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

PREAMBLE = "Category: All categories"


def trends_value(value: float | str) -> str:
    """A value as Trends prints it: text as is; 0 for nearly nothing, <1 below one, else rounded
    half up."""
    if isinstance(value, str):
        return value
    if value <= 0.15:
        return "0"
    if value < 1.0:
        return "<1"
    return str(math.floor(value + 0.5))


def export_csv(
    time_header: str,
    labels: Sequence[str],
    columns: dict[str, Sequence[float | str]],
    region: str = "Worldwide",
) -> str:
    """An export with one column per term (``columns``: term → values, one per label)."""
    for term, values in columns.items():
        if len(values) != len(labels):
            raise ValueError(f"{term}: {len(values)} values for {len(labels)} time labels")
    header = ",".join([time_header, *(f"{term}: ({region})" for term in columns)])
    rows = [
        ",".join([label, *(trends_value(values[i]) for values in columns.values())])
        for i, label in enumerate(labels)
    ]
    return f"{PREAMBLE}\n\n{header}\n" + "\n".join(rows) + "\n"
