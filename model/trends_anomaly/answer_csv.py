"""The ``Accept: text/csv`` answer: one row per anomaly, safe to open in a spreadsheet.

A term or timestamp comes from the caller's file, so a cell may start with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return, which Excel, Sheets and LibreOffice run as a formula (CSV
injection; e.g. ``=HYPERLINK(...)``), or with a NUL, which OWASP ASVS 5.0 (requirement 1.2.10)
lists with them. Such text cells get a leading apostrophe. The page's download
(``site/src/results-csv.js``) applies the same rule: it reads ``FORMULA_START`` from
``site/src/generated/params.json`` (written from this module) and both sides are tested
against the same cases (``tests/data/csv_cells.json``).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

# Characters that make a spreadsheet read a cell as a formula when they start it.
FORMULA_START = "=+-@\t\r\0"
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


def series_titles(series: list[dict[str, Any]]) -> list[str]:
    """Each term's name, told apart where a file compares one term across regions or time
    ranges (one name for each): with its region where the regions differ, else with its time
    range as the file writes it. The page's download names them so too (``distinctTitles`` in
    site/src/words.js, which writes the range's dates in words)."""
    names = Counter(s["name"] for s in series)
    places = Counter((s["name"], s.get("geo") or "") for s in series)
    titles = []
    for s in series:
        name = s["name"]
        if names[name] == 1:
            titles.append(name)
            continue
        alike = places[name, s.get("geo") or ""]
        stamps = s.get("timestamps") or []
        span = f"{stamps[0]} – {stamps[-1]}" if len(stamps) > 1 else ""
        extra = [s.get("geo") if alike < names[name] else "", span if alike > 1 else ""]
        said = ", ".join(e for e in extra if e)
        titles.append(f"{name} ({said})" if said else name)
    return titles


def anomalies_csv(answer: dict[str, Any]) -> bytes:
    """Every anomaly of every series, with its extent (``start``..``end``), CRLF lines."""
    lines = [",".join(COLUMNS)]
    for s, title in zip(answer["series"], series_titles(answer["series"]), strict=True):
        for a in s["anomalies"]:
            row = (
                title,
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
