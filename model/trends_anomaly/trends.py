"""Parsing Google Trends exports (and plain date + numbers CSVs) into :class:`Series`.

A Trends export is a short preamble ("Category: All categories", localized, sometimes with
a trailing comma), a blank line, a header ("Week,bitcoin: (Worldwide)") and data rows whose
values are integers 0-100 or ``<1``. Files saved by spreadsheets or users drop the preamble,
switch to CRLF, add trailing commas or a BOM. The parser does not rely on any of the
localized words: the data starts at the first row whose first cell is a date, and the row
above it, if any, is the header.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np

from .errors import BadCsv, NoNumericColumn
from .timeaxis import infer_step, looks_like_date, numpy_can_parse, parse_timestamps
from .types import Series

LESS_THAN_ONE = 0.5  # Google writes "<1" for a share between 0 and 1
_HEADER_GEO = re.compile(r"^(?P<term>.*): \((?P<geo>[^()]*)\)\s*$")
_BLOCK = 8192  # rows converted per C call on big inputs (keeps GIL holds short)
_SMALL_TEXT = 256 * 1024
_MISSING = {"", "na", "nan", "null", "none", "-", "n/a"}


@dataclass
class Table:
    series: list[Series]
    warnings: list[str] = field(default_factory=list)


def split_header(header: str) -> tuple[str, str]:
    """'NASDAQ:LCID: (Worldwide)' → ('NASDAQ:LCID', 'Worldwide'): split on the last ': ('."""
    m = _HEADER_GEO.match(header.strip())
    if m:
        return m.group("term").strip(), m.group("geo").strip()
    return header.strip(), ""


def _rows(text: str) -> list[list[str]]:
    text = text.lstrip("\ufeff")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        if len(text) <= _SMALL_TEXT:
            return list(reader)
        # A comprehension, not list(reader): the interpreter loop lets the server's event loop
        # take the GIL between rows instead of waiting for the whole file.
        return [row for row in reader]
    except csv.Error as exc:
        raise BadCsv(
            f"The CSV could not be read: {exc}.",
            "Send the file as exported (comma-separated, UTF-8) without editing its quotes.",
        ) from exc


def _find_data_start(rows: list[list[str]]) -> int:
    for i, row in enumerate(rows):
        if len(row) >= 2 and looks_like_date(row[0]):
            return i
    raise BadCsv(
        "No data rows found: no line starts with a date followed by a value.",
        "Send a Google Trends export (File → Download CSV) or a CSV whose first column is a "
        "date (e.g. 2024-01-31) and whose other columns are numbers.",
    )


_LT1 = str(LESS_THAN_ONE)


def _plain_numbers(cells: list[str], out: np.ndarray) -> bool:
    """Fill ``out`` when every cell is a plain number. In blocks, so that no single C call
    holds the GIL for long (the server's event loop answers /ping between blocks)."""
    try:
        for i in range(0, len(cells), _BLOCK):
            out[i : i + _BLOCK] = list(map(float, cells[i : i + _BLOCK]))
    except ValueError:
        return False
    return True


def _to_numbers(cells: list[str]) -> tuple[np.ndarray, int, int] | None:
    """Values of one column as floats, with NaN for missing cells; None if not numeric.

    Returns (values, count of '<1' cells, count of missing cells).
    """
    out = np.empty(len(cells))
    if _plain_numbers(cells, out):
        return out, 0, 0
    # Google Trends' "<1" is the usual reason the fast path failed: swap it and try again.
    below = cells.count("<1")
    if below and _plain_numbers([_LT1 if c == "<1" else c for c in cells], out):
        return out, below, 0
    below = missing = 0
    for i, raw in enumerate(cells):
        cell = raw.strip()
        if cell == "<1":
            out[i] = LESS_THAN_ONE
            below += 1
        elif cell.lower() in _MISSING:
            out[i] = np.nan
            missing += 1
        else:
            try:
                out[i] = float(cell.rstrip("%").replace("\u00a0", "").replace(" ", ""))
            except ValueError:
                return None
    if missing == len(cells):
        return None
    return out, below, missing


MAX_MAGNITUDE = 1e15  # beyond this, sums and ranges overflow or lose all precision


def check_finite(values: np.ndarray, where: str) -> None:
    """Reject infinities and absurd magnitudes with a clear message (NaN means missing)."""
    with np.errstate(invalid="ignore"):
        bad = np.abs(values) > MAX_MAGNITUDE  # inf counts, NaN (missing) does not
    if bad.any():
        i = int(np.argmax(bad))
        raise BadCsv(
            f"{where}: value {values[i]!r} at row {i + 1} is out of range.",
            f"Values must be finite numbers within ±{MAX_MAGNITUDE:g}.",
        )


def fill_missing(values: np.ndarray) -> np.ndarray:
    bad = np.isnan(values)
    if not bad.any():
        return values
    idx = np.arange(len(values))
    return np.interp(idx, idx[~bad], values[~bad])


def parse_table(text: str) -> Table:
    """Parse CSV text into one Series per numeric column, with warnings for what was fixed."""
    rows = _rows(text)
    start = _find_data_start(rows)
    header = rows[start - 1] if start > 0 and any(c.strip() for c in rows[start - 1]) else None
    data = [r for r in rows[start:] if r and (r[0].strip() or any(c.strip() for c in r))]
    width = max(map(len, data))
    # Trailing empty cells (a spreadsheet's trailing comma) are not columns.
    while width > 1 and all(len(r) < width or not r[width - 1].strip() for r in data):
        width -= 1
    if width < 2:
        raise NoNumericColumn(
            "The file has a date column but no value column.",
            "Add at least one numeric column after the date column.",
        )
    if (
        len(set(map(len, data))) > 1 or len(data[0]) != width
    ):  # short rows padded, trailing empty cells cut
        data = [(r + [""] * (width - len(r)))[:width] for r in data]
    if len(data) <= _BLOCK:
        columns = [list(c) for c in zip(*data, strict=True)]
    else:  # zip(*data) would hold the GIL for the whole table
        columns = [[r[j] for r in data] for j in range(width)]
    labels = columns[0]
    plain = numpy_can_parse(labels)
    if not plain:  # padded or unusual cells: echo them trimmed
        labels = [c.strip() for c in labels]
    timestamps = parse_timestamps(labels, plain_iso=plain)
    if timestamps is None:
        bad = next((c for c in labels if parse_timestamps([c]) is None), labels[0])
        raise BadCsv(
            f"The first column must hold dates; '{bad[:40]}' is not one.",
            "Use ISO dates such as 2024-01-31, 2024-01 or 2024-01-31T14:00.",
        )
    warnings: list[str] = []
    names = list(header[1:width]) if header else []
    names += [""] * (width - 1 - len(names))
    series: list[Series] = []
    skipped: list[str] = []
    for j, cells in enumerate(columns[1:]):
        raw_name = names[j].strip() or f"value{j + 1 if width > 2 else ''}"
        parsed = _to_numbers(list(cells))
        if parsed is None:
            skipped.append(raw_name)
            continue
        values, _below, missing = parsed
        term, geo = split_header(raw_name)
        check_finite(values, f"column '{term[:40]}'")
        if missing:
            warnings.append(f"{term}: {missing} missing value(s) filled by interpolation")
            values = fill_missing(values)
        series.append(
            Series(
                name=term,
                timestamps=timestamps,
                labels=labels,
                values=values,
                step=infer_step(timestamps),
                header=raw_name,
                geo=geo,
            )
        )
    if not series:
        raise NoNumericColumn(
            "No column after the date column holds numbers.",
            "Values must be numbers (Google Trends' '<1' is accepted); check the delimiter "
            "is a comma.",
        )
    if skipped:
        warnings.append(f"non-numeric column(s) ignored: {', '.join(skipped)}")
    return _ordered(Table(series, warnings))


def _ordered(table: Table) -> Table:
    """Sort rows by time when the file is not in order (warns); the answer follows the order."""
    ts = table.series[0].timestamps
    if len(ts) > 1 and (np.diff(ts.astype(np.int64)) < 0).any():
        order = np.argsort(ts, kind="stable")
        for s in table.series:
            s.timestamps = s.timestamps[order]
            s.values = s.values[order]
            s.labels = [s.labels[i] for i in order]
            s.step = infer_step(s.timestamps)
        table.warnings.append("rows were not in time order and were sorted")
    return table


def parse_csv(text: str) -> list[Series]:
    return parse_table(text).series
