"""The ``Accept: text/csv`` answer: one row per anomaly, safe to open in a spreadsheet.

A term or timestamp comes from the caller's file, so a cell may start with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return, which Excel, Sheets and LibreOffice run as a formula (CSV
injection; e.g. ``=HYPERLINK(...)``). Such text cells get a leading apostrophe. The page's
download (``site/src/results-csv.js``) applies the same rule: it reads ``FORMULA_START`` from
``site/src/generated/params.json`` (written from this module) and both sides are tested
against the same cases (``tests/data/csv_cells.json``).
"""

from __future__ import annotations

import math
from typing import Any

# Characters that make a spreadsheet read a cell as a formula when they start it.
FORMULA_START = "=+-@\t\r"
_QUOTE_IF_INSIDE = ('"', ",", "\r", "\n")
_EDGE_SPACE = (" ", "\t")
COLUMNS = (
    "series",
    "index",
    "timestamp",
    "value",
    "expected",
    "score",
    "direction",
    "kind",
    "start",
    "end",
)


def _number(value: float | int) -> str:
    """Numbers as JavaScript's String() writes them for the values an answer holds."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return ""
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def csv_cell(value: Any) -> str:
    """One cell: numbers as numbers; text guarded against formulas and quoted per RFC 4180."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return _number(value)
    text = str(value)
    if text[:1] and text[0] in FORMULA_START:
        text = "'" + text
    if (
        any(c in text for c in _QUOTE_IF_INSIDE)
        or text.startswith(_EDGE_SPACE)
        or (text.endswith(_EDGE_SPACE))
    ):
        text = '"' + text.replace('"', '""') + '"'
    return text


def anomalies_csv(answer: dict[str, Any]) -> bytes:
    """Every anomaly of every series, with its extent (``start``..``end``), CRLF lines."""
    lines = [",".join(COLUMNS)]
    for s in answer["series"]:
        for a in s["anomalies"]:
            row = (
                s["name"],
                a["index"],
                a["timestamp"],
                a["value"],
                a["expected"],
                a["score"],
                a["direction"],
                a["kind"],
                a.get("start", a["timestamp"]),
                a.get("end", a["timestamp"]),
            )
            lines.append(",".join(csv_cell(v) for v in row))
    return ("\r\n".join(lines) + "\r\n").encode()
