"""Parsing Google Trends exports (and plain date + numbers CSVs) into :class:`Series`.

A Trends export is a short preamble ("Category: All categories", localized, sometimes with
a trailing comma), a blank line, a header ("Week,bitcoin: (Worldwide)") and data rows whose
values are integers 0-100 or ``<1`` (localized exports write it their way, e.g. ``<\u00a01``
in French: any cell that starts with ``<`` is read as 0.5). Files saved by spreadsheets or
users drop the preamble, switch to CRLF, add trailing commas or a BOM, separate cells with
``;`` or tabs (Excel in locales whose decimal mark is a comma), and rewrite the dates (see
:mod:`.timeaxis`). The parser does not need the localized words: the data starts at the first
row whose first cell is a date, and the row above it, if any, is the header. The words only
break a tie between day-first and month-first dates (:mod:`.exportlocale`).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from .errors import ApiError, BadCsv, NoNumericColumn
from .exportlocale import PREAMBLE_KEY, date_convention
from .file_kinds import other_export
from .timeaxis import (
    COMPACT_DATE,
    DATE_EXAMPLES,
    FRACTION_HINT,
    first_not_a_date,
    infer_step,
    looks_like_date,
    mixed_formats,
    numpy_can_parse,
    read_dates,
    unread_fraction,
)
from .types import Series, Step

LESS_THAN_ONE = 0.5  # Google writes "<1" for a share between 0 and 1
BELOW_ONE_MARKS = ("<", "\uff1c")  # "<1", "< 1", "<\u00a01" (French), fullwidth "＜1"
# Cell separators, in the order tried: a comma (Trends itself), then what Excel writes where
# the comma is the decimal mark (";"), then tab-separated text ("Unicode Text", TSV).
DELIMITERS = (",", ";", "\t")
_SNIFF_CHARS = 16384  # enough for any preamble and the first data rows
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_HEADER_GEO = re.compile(r"^(?P<term>.*): \((?P<geo>[^()]*)\)\s*$")
_BLOCK = 8192  # rows converted per C call on big inputs (keeps GIL holds short)
# Cells that say "no value here": read as missing and filled by interpolation, with a warning
# that names them. Dashes in every width a keyboard or a word processor writes (hyphen, en and
# em dash, minus sign), and the "?" and "." that R, Weka and SAS/Stata write for no value.
MISSING_CELLS = {
    *("", "na", "nan", "null", "none", "n/a"),
    *("-", "--", "\u2013", "\u2014", "\u2212"),
    *("?", "."),
}
# A spreadsheet's error value, in any language Excel or Sheets writes it: #N/A, #VALUE!, #REF!,
# #DIV/0!, #NUM!, #NAME?, #NULL!, #ERROR! (Sheets), #NV and #WERT! (German), #N/D and #¡VALOR!
# (Spanish), #ЗНАЧ! (Russian), ... A formula that failed, not a value: the cell is missing.
# Latin, Greek and Cyrillic letters spelled out, so that the page's JavaScript reads the
# pattern the same (its \w is ASCII only).
_LETTERS = "A-Za-z\\u00c0-\\u024f\\u0370-\\u03ff\\u0400-\\u04ff"
SHEET_ERROR = re.compile(rf"^#[\u00a1\u00bf]?[{_LETTERS}][{_LETTERS}0-9_/]{{0,20}}[!?]?$")
# A cell named in a message: at most this many per column (then "and N more").
_NAMED_CELLS = 3
# Series in one request. Each costs its own detection and answer (~0.3 ms and ~700 bytes when
# it is a few points long), so 6 MB of one-cell columns held a worker for minutes and answered
# hundreds of MB; a Trends export compares at most 5 terms (10 columns with its date columns).
MAX_SERIES = 1000
# Points in one request, all series together: what a 6 MB CSV of one term holds at most
# (~450 000 rows), on which the worker's memory budget is measured (serving/workers.py, 300 MB). A
# JSON series (2 bytes a point), a legacy numeric axis ("0,1" rows) or many value columns
# packed several times as many into 6 MB, and memory followed: 900 MB for 3 000 000 JSON
# values, 400 MB for 100 columns of 28 000 rows.
MAX_POINTS = 500_000


@dataclass
class Table:
    series: list[Series]
    warnings: list[str] = field(default_factory=list)


# A category's interest with no search term: Trends heads the column "Geo: <region>".
_CATEGORY_ONLY = re.compile(r"^geo\s*[:：]\s*(?P<geo>.*)$", re.IGNORECASE)


def term_less(name: str) -> str | None:
    """The region of a column headed "Geo: <region>" (a category's interest, no search term),
    else None."""
    m = _CATEGORY_ONLY.match(name.strip())
    return m.group("geo").strip() if m else None


def category_name(preamble: list[list[str]]) -> str:
    """What a term-less column shows: the category its preamble names ("카테고리: 게임" ->
    "게임"), else "All searches"."""
    for row in preamble:
        line = ",".join(row)
        m = PREAMBLE_KEY.match(line)  # the key of a preamble line, as the locale is read
        if m and line[m.end() :].strip():
            return line[m.end() :].strip()
    return "All searches"


def split_header(header: str) -> tuple[str, str]:
    """'NASDAQ:LCID: (Worldwide)' → ('NASDAQ:LCID', 'Worldwide'): split on the last ': ('."""
    m = _HEADER_GEO.match(header.strip())
    if m:
        return m.group("term").strip(), m.group("geo").strip()
    return header.strip(), ""


# Rows with cells read at most: a data row holds at least one point (MAX_POINTS), and a
# preamble a few lines. A Python list per row is ~100 bytes: a 6 MB file of two-byte rows
# ("1\n") was 3 million lists, 330 MB, to refuse it.
MAX_ROWS = MAX_POINTS + 1000
# What a row without cells (a blank line, ",,,") is read as: one shared list, not one each (6
# million blank lines were 444 MB). Never mutated: the parser builds new rows when it pads.
_NO_CELLS: list[str] = []


class _TooManyRows(Exception):
    """More than MAX_ROWS rows with cells: reading stopped there."""


def _rows(text: str, delimiter: str = ",") -> list[list[str]]:
    """The CSV rows of ``text``, those without cells as ``_NO_CELLS``; _TooManyRows past
    MAX_ROWS rows with cells. A loop of the interpreter, not list(reader): the server's event
    loop takes the GIL between rows instead of waiting for the whole file."""
    text = text.lstrip("\ufeff")
    rows: list[list[str]] = []
    keep = rows.append
    filled = 0
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if (row and row[0].strip()) or _has_cells(row):
                filled += 1
                if filled > MAX_ROWS:
                    raise _TooManyRows
                keep(row)
            else:
                keep(_NO_CELLS)
    except csv.Error as exc:
        raise BadCsv(
            f"The file could not be read as CSV: {exc}.",
            "Upload the file as Google Trends exported it, or save it again from your "
            "spreadsheet as CSV, without editing its quotes.",
        ) from exc
    return rows


def _any_data_row(text: str, delimiter: str, numeric_axis: bool) -> bool:
    """Whether a row of ``text`` starts the data, read row by row and none kept."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    try:
        return any(_starts_data(row, numeric_axis) for row in reader)
    except csv.Error:
        return False


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _starts_data(row: list[str], numeric_axis: bool) -> bool:
    if len(row) < 2:
        return False
    # (A legacy file is read as it always was: 20210602T1400 starts no data there.)
    return looks_like_date(row[0], not numeric_axis) or (numeric_axis and _number_cell(row[0]))


def _number_cell(cell: str) -> bool:
    """A legacy first cell that is a number. Not one with a tab in it, which float() reads
    ("\t0" is 0): a tab file's row with a blank first cell split at its decimal comma
    ("\t0,23" read with commas), not a number first."""
    return "\t" not in cell and _is_number(cell)


def _find_data_start(rows: list[list[str]], numeric_axis: bool = False) -> int | None:
    for i, row in enumerate(rows):
        if _starts_data(row, numeric_axis):
            return i
    return None


# A spreadsheet's date kept as its day count (Excel: 44000 is a day in 2020), what a date
# column not formatted as dates is saved as: 20000-80000 is 1954-2119.
SERIAL_DATE = re.compile(r"^\s*[2-7]\d{4}(?:[.,]\d+)?\s*$")
# What is said of such a file (by the page too, params.json): {cell} is its first date cell.
SERIAL_WHAT = (
    "The first column holds spreadsheet serial numbers ('{cell}'), not dates: the spreadsheet "
    "keeps a date as a count of days, and the column was saved without a date format."
)
SERIAL_HINT = (
    "In the spreadsheet, format the first column as dates (Format Cells → Date, e.g. "
    "yyyy-mm-dd) and save the CSV again. The dates are not worked out from the numbers: "
    "spreadsheets count days from different start dates."
)


def _first_cells(text: str, starts: Callable[[str], bool]) -> str | None:
    """The first cell of a file most of whose rows start with a cell ``starts`` takes (at
    least two), in the first delimiter that has such rows, else None."""
    head = text.lstrip("\ufeff")[:_SNIFF_CHARS]
    for delimiter in DELIMITERS:
        rows = [r for r in _rows(head, delimiter) if len(r) >= 2 and any(c.strip() for c in r)]
        first = [r[0].strip() for r in rows if starts(r[0])]
        if len(first) >= 2 and 2 * len(first) > len(rows):
            return first[0]
    return None


def _no_data_rows(text: str) -> BadCsv:
    other = other_export(text)
    if other is not None:
        return BadCsv(other.what, other.hint)
    serial = _first_cells(text, lambda cell: bool(SERIAL_DATE.match(cell)))
    if serial is not None:
        return BadCsv(SERIAL_WHAT.format(cell=serial[:20]), SERIAL_HINT)
    # Rows that start with plain numbers (years, counts) are data rows without their dates:
    # said as a first column of decimals is (_not_dates), and as the page says both.
    number = _first_cells(text, _is_number)
    if number is not None:
        return _numbers_first(number)
    return BadCsv(
        "No data rows found: no line of the file starts with a date followed by a value.",
        "Upload a Google Trends export (Explore → Download CSV) or a CSV whose first column is "
        "a date (e.g. 2024-01-31) and whose other columns are numbers.",
    )


def _split(text: str, numeric_axis: bool) -> tuple[list[list[str]], int, str]:
    """Rows, the first data row and the delimiter: the first of ``DELIMITERS`` whose rows
    start with a date (a comma file is read exactly as before, in one pass)."""
    head = ""
    comma_rows: list[list[str]] | None = None
    for delimiter in DELIMITERS:
        if delimiter != ",":
            head = head or text.lstrip("\ufeff")[:_SNIFF_CHARS]
            if delimiter not in head:
                continue
            if _find_data_start(_rows(head, delimiter), numeric_axis) is None:
                continue
        try:
            rows = _rows(text, delimiter)
        except _TooManyRows:
            if _any_data_row(text, delimiter, numeric_axis):
                raise too_many_points(f"The file has more than {MAX_ROWS} rows", BadCsv) from None
            continue  # no data row with this delimiter: the file is said as before
        if numeric_axis:
            _name_blank_header(rows, text, delimiter)
        start = _find_data_start(rows, numeric_axis)
        if start is not None:
            if numeric_axis:
                start = _legacy_header(rows, _legacy_start(rows, start, delimiter != ","))
            return rows, start, delimiter
        if delimiter == ",":
            comma_rows = rows
    if numeric_axis and other_export(text) is None:
        found = _undated(text, comma_rows)
        if found is not None:
            return found
    raise _no_data_rows(text)


def _undated(
    text: str, comma_rows: list[list[str]] | None
) -> tuple[list[list[str]], int, str] | None:
    """A legacy file's rows, first data row and delimiter when no row starts with a date or a
    number (`_values_under_header`), read in the delimiter the most of its first lines hold
    (commas on a tie, as before): a `;` or tab file was read with commas only, split at its
    decimal commas ("a;0,23" as "a;0" and 23) or not at all (a 400 "No data rows found")."""
    lines = [line for line in text.lstrip("\ufeff")[:_SNIFF_CHARS].splitlines() if line.strip()]
    ranked = sorted(DELIMITERS, key=lambda d: -sum(d in line for line in lines))  # (stable)
    for delimiter in ranked:
        if delimiter == ",":
            rows = comma_rows
        elif lines and any(delimiter in line for line in lines):
            try:
                rows = _rows(text, delimiter)
            except _TooManyRows:
                rows = None  # (data rows past the limit start with a date: none here)
            else:
                _name_blank_header(rows, text, delimiter)
        else:
            rows = None
        start = None if rows is None else _values_under_header(rows, delimiter != ",")
        if start is not None:
            return rows, start, delimiter
    return None


# Blank lines (spaces or tabs at most), which pandas.read_csv skips, before a file's first line.
_BLANK_LINES = re.compile(r"(?:[ \t]*(?:\r\n|\r|\n))*")
_LINE_END = re.compile(r"\r|\n")


def _name_blank_header(rows: list[list[str]], text: str, delimiter: str) -> None:
    """A legacy file whose first line that is not blank holds delimiters only (`,` or `,,`: a
    spreadsheet's empty header row) has that line as its header, as the original app read it:
    pandas.read_csv skips blank lines, not `,`, and names its columns 'Unnamed: 0',
    'Unnamed: 1', ... The row gets those names, so that the rows under it are data. Read as
    a blank line, the line under it became the header: one point fewer, every index one lower."""
    text = text.lstrip("\ufeff")
    blank = _BLANK_LINES.match(text).group()  # (matches, if only the empty string)
    i = len(_LINE_END.findall(blank.replace("\r\n", "\n")))
    rest = text[len(blank) :]
    end = _LINE_END.search(rest)
    cells = next(csv.reader([rest[: end.start() if end else len(rest)]], delimiter=delimiter), [])
    blank_cells = len(cells) >= 2 and not any(c.strip() for c in cells)
    if blank_cells and i < len(rows) and not _has_cells(rows[i]):  # (as the rows read it)
        rows[i] = [f"Unnamed: {k}" for k in range(len(cells))]


def _legacy_header(rows: list[list[str]], start: int) -> int:
    """A legacy file's first data row when its data start on its first line with cells (no
    header line): that line is the header, as the original app read it (pandas.read_csv takes
    the first line as the header whatever it holds), and the data start under it. Read as
    data, it numbered every row one higher than the original did. A 400 when no row is left."""
    if any(_has_cells(r) for r in itertools.islice(rows, start)):
        return start
    if not any(_has_cells(r) for r in itertools.islice(rows, start + 1, None)):
        raise BadCsv(
            "The data has one line, and a legacy request reads its first line as the header "
            "(as the original app did): no row of data is left.",
            "Put a header line first (e.g. Time,Popularity), then one line per point.",
        )
    return start + 1


def _legacy_start(rows: list[list[str]], start: int, decimal_comma: bool = False) -> int:
    """A legacy file's first data row. Rows above the first date or number that hold numbers
    after their first cell (a label or a blank cell where the date is) are data too, as the
    original app read them (`_values_under_header`)."""
    values = _values_under_header(rows[:start], decimal_comma)
    return start if values is None else values


def _values_under_header(rows: list[list[str]], decimal_comma: bool = False) -> int | None:
    """The first of ``rows`` (none starts with a date or a number) with a number after its
    first cell, when the row above it is a header naming a column after the first. A header
    whose term is a number (``Month,1917``), first in the file or under a preamble's blank
    line, is such a row itself: it stays the header, and the data start at the first row
    under it with a number (the original app read every line under its header as a row:
    ``a,5`` under ``Month,1917`` was dropped, and with no date below, the header was data).
    None when no row is data. ``decimal_comma``: a `;` or tab file's, where 0,23 is a number.
    """
    values = _find_values_start(rows, decimal_comma)
    # The nearest row above with cells: pandas skips blank lines, so `Time,Popularity`, a blank
    # line and `a,5` is a header and a row (a preamble's line names no column after its first).
    above = None if values is None else next(filter(_has_cells, reversed(rows[:values])), None)
    if values is None or (above is not None and any(c.strip() for c in above[1:])):
        return values
    below = _find_values_start(rows[values + 1 :], decimal_comma)
    return None if below is None else values + 1 + below


def _find_values_start(rows: list[list[str]], decimal_comma: bool = False) -> int | None:
    """A legacy file's first data row when no row starts with a date or a number (a first
    column of labels or blanks, which the original app ignored): the first row with a number
    after its first cell (``decimal_comma``: 0,23 too), the header above it."""
    for i, row in enumerate(rows):
        if len(row) >= 2 and any(_value_cell(c, decimal_comma) for c in row[1:]):
            return i
    return None


def _value_cell(cell: str, decimal_comma: bool) -> bool:
    text = cell.strip()
    return text == "<1" or _is_number(cell) or (decimal_comma and bool(_DECIMAL_COMMA.match(text)))


_LT1 = str(LESS_THAN_ONE)


def _plain_numbers(cells: list[str], out: np.ndarray) -> bool:
    """Fill ``out`` when every cell is a plain number. In blocks, so that no single C call
    holds the GIL for long (the server's event loop answers /ping between blocks). A 'NaN'
    cell, which float() reads, is no number: the slow path fills it as a missing value."""
    try:
        for i in range(0, len(cells), _BLOCK):
            out[i : i + _BLOCK] = list(map(float, cells[i : i + _BLOCK]))
    except ValueError:
        return False
    return not np.isnan(out).any()


def _is_missing(cell: str) -> bool:
    """A cell that says there is no value (empty, N/A, NaN with its sign, a dash, a
    spreadsheet error)."""
    low = cell.lower()
    return low in MISSING_CELLS or low.lstrip("+-") == "nan" or bool(SHEET_ERROR.match(cell))


@dataclass
class _Column:
    """One value column read as numbers: ``values`` (NaN where missing), or None when some
    cells are no numbers (``bad``) or none is (all missing). ``missing`` and ``bad`` are cell
    positions; ``numbers``: how many cells are numbers (``<1`` included)."""

    values: np.ndarray | None
    below: int = 0
    missing: list[int] = field(default_factory=list)
    bad: list[int] = field(default_factory=list)
    numbers: int = 0
    grouped: str = ""  # the first cell whose dots were read as thousands (_thousands)

    @property
    def mostly_numbers(self) -> bool:
        """More numbers than text: a column of values with a few stray cells, not a column
        of words (where the stray cells are the numbers)."""
        return self.numbers > len(self.bad)


# A number whose dots group its digits in threes, as a file with decimal commas writes it
# (German Excel: 1.088 is 1088, 1.071,5 is 1071.5).
_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?$")


def _thousands(cells: list[str]) -> tuple[list[str], str] | None:
    """A column of a decimal-comma file whose every cell with a dot groups digits in threes:
    its cells without those dots, and the first such cell (for the warning). None when a
    cell has a dot elsewhere (a decimal point, 0.5) or none has one."""
    first = ""
    for cell in cells:
        text = cell.strip()
        if "." not in text:
            continue
        if not _GROUPED.match(text):
            return None
        first = first or text
    if not first:
        return None
    return [c.replace(".", "") for c in cells], first  # every dot is a grouping one


def _to_numbers(cells: list[str], decimal_comma: bool = False) -> _Column:
    """Values of one column as floats, with NaN for missing cells.

    ``decimal_comma``: the file separates cells with ';' or tabs, so ``12,5`` is twelve and a
    half.
    """
    grouped = _thousands(cells) if decimal_comma else None
    if grouped is not None:
        column = _to_numbers(grouped[0], decimal_comma)
        return replace(column, grouped=grouped[1])
    out = np.empty(len(cells))
    if _plain_numbers(cells, out):
        return _Column(out, numbers=len(cells))
    # Google Trends' "<1" is the usual reason the fast path failed: swap it and try again.
    swapped = [_LT1 if c[:1] in BELOW_ONE_MARKS else c for c in cells]
    below = sum(1 for a, b in zip(cells, swapped, strict=True) if a is not b)
    if below and _plain_numbers(swapped, out):
        return _Column(out, below=below, numbers=len(cells))
    below = 0
    missing: list[int] = []
    bad: list[int] = []
    for i, raw in enumerate(cells):
        cell = raw.strip()
        if cell[:1] in BELOW_ONE_MARKS:
            out[i] = LESS_THAN_ONE
            below += 1
        elif _is_missing(cell):
            out[i] = np.nan
            missing.append(i)
        else:
            cell = cell.rstrip("%").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
            if decimal_comma and _DECIMAL_COMMA.match(cell):
                cell = cell.replace(",", ".")
            try:
                out[i] = float(cell)
            except ValueError:
                bad.append(i)
    numbers = len(cells) - len(missing) - len(bad)
    usable = not bad and numbers > 0
    return _Column(out if usable else None, below, missing, bad, numbers)


MAX_MAGNITUDE = 1e15  # beyond this, sums and ranges overflow or lose all precision


def too_many_series(count: int, what: str, error: type[ApiError]) -> ApiError:
    """More series than one request analyses (MAX_SERIES): said before any work is done."""
    return error(
        f"The request has {count} {what}; one request analyses at most {MAX_SERIES}.",
        f"Send at most {MAX_SERIES} series per request (a Google Trends export has at most 5 "
        "terms): split the columns over several requests.",
    )


def too_many_points(subject: str, error: type[ApiError]) -> ApiError:
    """More points than one request analyses (MAX_POINTS): said before any work.
    ``subject`` says how many ("The file has 600000 rows of 1 value column, ...")."""
    return error(
        f"{subject}; one request may hold at most {MAX_POINTS} points.",
        "Export a shorter time range or a coarser step (weekly instead of daily or hourly), "
        "or send the columns in several requests.",
    )


def counted(n: int, noun: str) -> str:
    """``n`` and ``noun`` in its number ("1 cell", "2 cells"): the warnings an analyst reads
    said "cell(s)"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _data_row(i: int) -> str:
    return f"row {i + 1}"


def check_finite(
    values: np.ndarray,
    where: str,
    error: type[ApiError] = BadCsv,
    position: Callable[[int], str] = _data_row,
) -> None:
    """Reject infinities and absurd magnitudes with a clear message (NaN means missing).
    ``position`` names the place of value i (a file's data row; a JSON list's index);
    ``error`` is the error of the input's kind (a JSON body's is not a CSV error)."""
    with np.errstate(invalid="ignore"):
        bad = np.abs(values) > MAX_MAGNITUDE  # inf counts, NaN (missing) does not
    if bad.any():
        i = int(np.argmax(bad))
        raise error(
            f"{where}: value {float(values[i]):g} at {position(i)} is out of range.",
            f"Values must be finite numbers within ±{MAX_MAGNITUDE:g}.",
        )


def fill_missing(values: np.ndarray) -> np.ndarray:
    bad = np.isnan(values)
    if not bad.any():
        return values
    idx = np.arange(len(values))
    return np.interp(idx, idx[~bad], values[~bad])


def _row_axis(labels: list[str]) -> np.ndarray | None:
    """Row positions as the time axis when the first column holds plain numbers (the original
    app's own example sends ``Time,Popularity`` then ``0.0,0.23``): as it did, ignore them."""
    if not all(_is_number(c) for c in labels):
        return None
    return np.arange(len(labels)).astype("datetime64[s]")


def parse_table(text: str, numeric_axis: bool = False) -> Table:
    """Parse CSV text into one Series per numeric column, with warnings for what was fixed.

    ``numeric_axis``: a first column of plain numbers is a time axis read as row positions
    (legacy requests, whose app ignored that column); otherwise it must hold dates.
    """
    rows, start, delimiter = _split(text, numeric_axis)
    header = rows[start - 1] if start > 0 and any(c.strip() for c in rows[start - 1]) else None
    data = [r for r in rows[start:] if _has_cells(r)]
    width = max(map(len, data))
    # Trailing empty cells (a spreadsheet's trailing comma) are not columns.
    while width > 1 and all(len(r) < width or not r[width - 1].strip() for r in data):
        width -= 1
    if width < 2:
        raise NoNumericColumn(
            "The file has a date column but no value column.",
            "Add at least one numeric column after the date column.",
        )
    if width - 1 > MAX_SERIES:  # before the columns are built and parsed, one by one
        raise too_many_series(width - 1, "value columns", BadCsv)
    if len(data) * (width - 1) > MAX_POINTS:
        raise too_many_points(
            f"The file has {len(data)} rows of {counted(width - 1, 'value column')}, "
            f"{len(data) * (width - 1)} points",
            BadCsv,
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
    # A legacy request's first column of plain numbers is row positions, whatever the numbers:
    # integers too, which numpy reads as years (1 as 0001, 2004 as 2004: the rows were sorted
    # by them), and eight-digit ones (numpy's year 20200101). The original app ignored the
    # column. Elsewhere 20200101 is a date (yyyymmdd); a legacy column mixing such cells with
    # dates keeps numpy's reading, as it always had.
    compact = not numeric_axis
    plain = numpy_can_parse(labels, compact)
    if not plain:  # padded or unusual cells: echo them trimmed
        labels = [c.strip() for c in labels]
    warnings: list[str] = []
    # Columns with a name and no values (at the end, cut with the trailing empty cells; or
    # between others): said, not dropped in silence.
    blank = [c.strip() for c in (header or [])[width:] if c.strip()]
    preamble = rows[: max(start - 1, 0)]
    if numeric_axis and header is not None and _data_line_first(header, preamble):
        warnings.append(_first_line_is_header(delimiter.join(header)))
    convention = date_convention(preamble, header)
    positions = _row_axis(labels) if numeric_axis else None
    number = _first_number(labels) if numeric_axis and positions is None else None
    dates = None
    if positions is None and number is None:
        dates = read_dates(
            labels,
            plain_iso=plain,
            convention=convention,
            compact=compact,
            year_first=not numeric_axis,
        )
    where = _Places(rows, start, labels)
    step: Step | None = None
    if dates is not None:
        timestamps = dates.timestamps
        if dates.note:
            warnings.append(dates.note)
    else:
        if not numeric_axis:  # (positions are a legacy request's only)
            raise _not_dates(labels)
        if positions is None:  # legacy: a column not of dates is ignored too, and said so
            warnings.append(_not_read_as_dates(labels, number, where.file_row))
            positions = np.arange(len(labels)).astype("datetime64[s]")
        timestamps, step = positions, Step(0.0, "unknown")
    step = step or infer_step(timestamps)
    names = list(header[1:width]) if header else []
    names += [""] * (width - 1 - len(names))
    series: list[Series] = []
    skipped: list[tuple[str, str]] = []  # mostly text: (column, its first cell not a number)
    # mostly numbers, some cells not: (column, those cells, "it" or "them" for them)
    stray: list[tuple[str, str, str]] = []
    axis = _Axis(timestamps, labels, step, None)
    for j, cells in enumerate(columns[1:]):
        raw_name = names[j].strip() or f"value{j + 1 if width > 2 else ''}"
        parsed = _to_numbers(list(cells), decimal_comma=delimiter != ",")
        if parsed.values is None:
            other = _other_axis(cells, convention, numeric_axis) if dates is not None else None
            if other is not None:  # a comparison of time ranges: the next columns are on its dates
                axis = other
            elif not parsed.numbers and not parsed.bad:  # empty, or N/A all the way down
                blank.append(raw_name)
            else:
                _skip(raw_name, cells, parsed, where.cells, skipped, stray)
            continue
        term, geo = split_header(raw_name)
        region = term_less(term)
        if region is not None:  # a category's interest, no search term: name it by the category
            term, geo = category_name(preamble), region
        read, say = cells, where.cells
        if axis.rows is not None:  # (its own rows: a shorter range leaves blank cells)
            read = [cells[i] for i in axis.rows]
            parsed = _to_numbers(read, decimal_comma=delimiter != ",")
            say = where.subset(axis.rows, axis.labels)
            if parsed.values is None:
                _skip(raw_name, read, parsed, say, skipped, stray)
                continue
            warnings.append(
                f"{term}: read on the dates of its own column "
                f"({axis.labels[0]} to {axis.labels[-1]}): the file compares time ranges"
            )
        timestamps, labels, step = axis.timestamps, axis.labels, axis.step
        values, missing = parsed.values, parsed.missing
        check_finite(values, f"column '{term[:40]}'")
        if parsed.grouped:
            number = parsed.grouped.replace(".", "").replace(",", ".")
            warnings.append(
                f"{term}: '{parsed.grouped}' and the other numbers with dots were read as "
                f"thousands ({number}): in a file with decimal commas, a dot groups digits in "
                "threes"
            )
        if missing:
            warnings.append(
                f"{term}: {counted(len(missing), 'missing value')} filled by interpolation: "
                f"{say(read, missing)}"
            )
            values = fill_missing(values)
        series.append(
            Series(
                name=term,
                timestamps=timestamps,
                labels=labels,
                values=values,
                step=step,
                header=raw_name,
                geo=geo,
            )
        )
    if not series and stray:
        name, cells, _ = stray[0]
        raise BadCsv(
            f"The column '{name[:60]}' holds numbers, but {cells}.",
            "Correct those cells, or empty them: an empty cell (or N/A, a dash, or a "
            "spreadsheet error such as #N/A) is filled from its neighbours, and the answer "
            "says where.",
        )
    if not series:
        first = f"; the first cell of '{skipped[0][0][:60]}' is {skipped[0][1]}" if skipped else ""
        raise NoNumericColumn(
            f"No column after the date column holds numbers{first}.",
            "Values must be numbers (Google Trends' '<1' is accepted); check that the cells "
            "are separated by commas.",
        )
    warnings.extend(
        f"non-numeric column ignored: {name}; its first cell that is not a number is {first}"
        for name, first in skipped
    )
    warnings.extend(
        f"column ignored: {name} holds numbers, but {cells}; correct {them}, or empty {them} "
        f"to have {them} filled from {'its' if them == 'it' else 'their'} neighbours"
        for name, cells, them in stray
    )
    if blank:
        columns = "column" if len(blank) == 1 else "columns"
        warnings.append(f"{columns} with no values left out: {', '.join(blank)}")
    return _ordered(Table(series, warnings))


def _data_line_first(header: list[str], preamble: list[list[str]]) -> bool:
    """Whether a legacy file's header is its first line and a data row (`_legacy_header`)."""
    return not any(map(_has_cells, preamble)) and _starts_data(header, True)


def _first_line_is_header(line: str) -> str:
    """What a legacy JSON answer says of a first line that starts with a date or a number and
    was read as the header (`_legacy_header`): the point it holds is not analysed."""
    return (
        f"the first line ('{line.strip()[:60]}') was read as the header, not as a point, as the "
        "original app read it: put a header line (e.g. Time,Popularity) above the data to have "
        "it analysed"
    )


def _has_cells(row: list[str]) -> bool:
    """A row with something in it (blank lines and rows of empty cells are not data)."""
    return bool(row) and bool(row[0].strip() or any(c.strip() for c in row))


class _Places:
    """Where a data row is, for a message: its date and its row in the file (the row number
    a spreadsheet shows). Counted only when a message needs it."""

    def __init__(self, rows: list[list[str]], start: int, labels: list[str]):
        self._rows, self._start, self._labels = rows, start, labels
        self._numbers: list[int] | None = None

    def file_row(self, i: int) -> int:
        if self._numbers is None:
            body = self._rows[self._start :]
            self._numbers = [self._start + k + 1 for k, r in enumerate(body) if _has_cells(r)]
        return self._numbers[i]

    def cells(self, cells: list[str], which: list[int], rows: list[int] | None = None,
              labels: list[str] | None = None) -> str:  # fmt: skip
        """``which`` of ``cells`` named ("'#N/A' at 2023-10-08 (row 154)"), the first
        few. ``rows``/``labels``: the data rows and dates of ``cells`` when not every row."""
        named = []
        for i in which[:_NAMED_CELLS]:
            row = self.file_row(rows[i] if rows is not None else i)
            label = (labels if labels is not None else self._labels)[i].strip()
            value = cells[i].strip()
            what = f"'{value[:40]}'" if value else "an empty cell"
            named.append(f"{what} at {label} (row {row})" if label else f"{what} in row {row}")
        more = len(which) - _NAMED_CELLS
        return ", ".join(named) + (f" and {more} more" if more > 0 else "")

    def subset(self, rows: list[int], labels: list[str]) -> Callable[[list[str], list[int]], str]:
        """:meth:`cells` for a column read on some rows only (its own time range)."""
        return lambda cells, which: self.cells(cells, which, rows, labels)


def _skip(
    name: str,
    cells: list[str],
    parsed: _Column,
    where: Callable[[list[str], list[int]], str],
    skipped: list[tuple[str, str]],
    stray: list[tuple[str, str, str]],
) -> None:
    """A column left out for cells that are not numbers, with the cells that are not said:
    all of them (the first few) when most cells are numbers, else the first."""
    if parsed.mostly_numbers:
        n, said = len(parsed.bad), where(cells, parsed.bad)
        are, them = ("is", "it") if n == 1 else ("are", "them")
        stray.append((name, f"{counted(n, 'cell')} {are} not: {said}", them))
    else:
        skipped.append((name, where(cells, parsed.bad[:1])))


@dataclass
class _Axis:
    """A time axis of the table: the first column's, or a later date column's (``rows``: the
    data rows it has a date in; None: every row)."""

    timestamps: np.ndarray
    labels: list[str]
    step: Step
    rows: list[int] | None


def _other_axis(cells: list[str], convention, legacy: bool = False) -> _Axis | None:
    """A later column of dates (Google Trends writes one per range when terms are compared
    over different time ranges: "Week,term: (Worldwide),Week,term: (Worldwide)"), or None.
    Its rows are those with a date (a shorter range ends in blank cells). ``legacy``: as
    legacy requests always read one (ISO 8601's basic form, 20210602T1400, is no date)."""
    rows = [i for i, c in enumerate(cells) if c.strip()]
    if len(rows) < 2 or not looks_like_date(cells[rows[0]].strip(), not legacy):
        return None
    labels = [cells[i].strip() for i in rows]
    dates = read_dates(labels, convention=convention, year_first=not legacy)
    if dates is None:
        return None
    return _Axis(dates.timestamps, labels, infer_step(dates.timestamps), rows)


def _numbers_first(cell: str) -> BadCsv:
    return BadCsv(
        f"The first column holds numbers ('{cell.strip()[:40]}'), not dates.",
        "Put the dates in the first column (e.g. 2024-01-31), as Google Trends exports do.",
    )


def _first_number(labels: list[str]) -> int | None:
    """The first cell that is a plain number, which numpy would read as a year (3 as 0003).
    A cell with '/' or ':', or four digits then '-' (2020-01-01), is none without float(): a
    column of 500 000 dates is scanned in 0.04 s instead of 0.3 s."""
    return next((i for i, c in enumerate(labels) if not _no_number(c) and _is_number(c)), None)


def _no_number(cell: str) -> bool:
    return "/" in cell or ":" in cell or (cell[4:5] == "-" and cell[:4].isdigit())


def _not_read_as_dates(labels: list[str], number: int | None, row: Callable[[int], int]) -> str:
    """What a legacy answer says of a first column it ignored for not holding dates: the first
    cell that is not one (a number, a cell no date, an empty one), or two in other formats."""
    bad = first_not_a_date(labels[:number] if number is not None else labels)
    if bad is None and number is not None:
        why = f"'{labels[number].strip()[:40]}' in row {row(number)} is a number, not a date"
    elif bad is not None and not labels[bad].strip():
        why = f"the cell in row {row(bad)} is empty"
    elif bad is not None and unread_fraction(labels[bad]) is not None:
        why = (
            f"'{labels[bad].strip()[:40]}' in row {row(bad)} writes {unread_fraction(labels[bad])}"
        )
    elif bad is not None:
        why = f"'{labels[bad].strip()[:40]}' in row {row(bad)} is not a date"
    else:
        why = f"{_two_in_other_formats(labels) or 'its dates'} are not in one format"
    return (
        f"the first column was not read as dates ({why}): its rows were analysed in file "
        "order, as row positions"
    )


def _two_in_other_formats(labels: list[str]) -> str:
    """Two cells of a column of dates that cannot be read the same way, quoted ("'2020-07-12'
    and '13/02/2020'"), or "" when no two conflict (`mixed_formats`)."""
    return " and ".join(f"'{labels[k].strip()[:40]}'" for k in mixed_formats(labels) or ())


def _not_dates(labels: list[str]) -> BadCsv:
    i = first_not_a_date(labels)
    bad = labels[0 if i is None else i]
    # Numbers, not dates; but a column with yyyymmdd cells holds dates, one of them wrong.
    if all(_is_number(c) for c in labels) and not any(COMPACT_DATE.match(c) for c in labels):
        return _numbers_first(bad)
    hint = f"Use dates such as {DATE_EXAMPLES}, one format for the whole column."
    if i is None:  # each cell is a date alone: they are in more than one format
        pair = _two_in_other_formats(labels)
        named = f": {pair} cannot be read the same way" if pair else ""
        return BadCsv(f"The first column's dates are not in one format{named}.", hint)
    fraction = unread_fraction(bad)
    if fraction is not None:
        return BadCsv(
            f"The first column must hold dates; '{bad[:40]}' writes {fraction}, which "
            "other readers take for one of a second (00:00:00.5): it is refused, not guessed at.",
            FRACTION_HINT,
        )
    return BadCsv(f"The first column must hold dates; '{bad[:40]}' is not one.", hint)


def _ordered(table: Table) -> Table:
    """Sort rows by time when the file is not in order (warns); the answer follows the order.
    Each time axis on its own (a file comparing time ranges has one per range; the series
    of one axis are neighbours and share its timestamps). Rows that share a time are kept,
    with a warning (``repeated_times``)."""
    unsorted = False
    repeated: list[str] = []
    groups = [list(g) for _, g in itertools.groupby(table.series, key=lambda s: id(s.timestamps))]
    for group in groups:
        ts = group[0].timestamps
        if len(ts) < 2:
            continue
        steps = np.diff(ts.astype(np.int64))
        if (steps < 0).any():
            unsorted = True
            order = np.argsort(ts, kind="stable")
            for s in group:
                s.timestamps = s.timestamps[order]
                s.values = s.values[order]
                s.labels = [s.labels[i] for i in order]
                s.file_rows = order if s.file_rows is None else s.file_rows[order]
                s.step = infer_step(s.timestamps)
            steps = np.diff(group[0].timestamps.astype(np.int64))
        said = repeated_times(group[0], steps)
        if said:
            repeated.append(said)
        said = missing_rows(group[0], steps)
        if said:
            repeated.append(said)
    if unsorted:
        table.warnings.append("rows were not in time order and were sorted")
    table.warnings.extend(repeated)
    return table


def repeated_times(s: Series, steps: np.ndarray) -> str:
    """A warning when rows share a time (``steps``: the differences of ``s``'s sorted
    timestamps; "" when none is 0): each is kept as its own point, in file order (a row given
    twice, most often; nothing is dropped without the person's say)."""
    same = np.flatnonzero(steps == 0)
    if not same.size:
        return ""
    i = int(same[0])
    first, second = s.labels[i], s.labels[i + 1]
    when = first if first == second else f"{first} and {second}"
    more = f" ({same.size} times in all)" if same.size > 1 else ""
    return (
        f"two rows have the same date, {when}{more}: both are kept as points, in file order; "
        "remove one if the row was copied twice"
    )


# A spacing this many times the series' step is rows missing: a month is 28 to 31 days
# (within 1.1 of the median month), and one missing point makes two steps.
GAP_STEPS = 1.5


def missing_rows(s: Series, steps: np.ndarray) -> str:
    """A warning when rows are missing inside the series (``steps`` as for
    ``repeated_times``): the detectors see the points either side as neighbours, so a change
    across the gap can look like an event. Names the widest gap, and how many others."""
    unit = s.step.seconds
    if unit <= 0 or not steps.size:
        return ""
    gaps = np.flatnonzero(steps > GAP_STEPS * unit)
    if not gaps.size:
        return ""
    order = gaps[np.argsort(-steps[gaps], kind="stable")]
    i = int(order[0])
    lost = max(1, round(float(steps[i]) / unit) - 1)
    what = f"{s.step.name} point" if s.step.name[0].isalpha() else "point"
    said = (
        f"no rows between {s.labels[i]} and {s.labels[i + 1]} ({lost} {what}"
        f"{'s' if lost > 1 else ''} missing)"
    )
    if order.size == 2:
        j = int(order[1])
        said += f"; one more gap: {s.labels[j]} to {s.labels[j + 1]}"
    elif order.size > 2:
        said += f"; {order.size - 1} more gaps"
    return (
        f"{said}: the values either side are analysed as if they were neighbours, so a change "
        "across the gap can be reported as an event. Export the whole time range again to fill it"
    )


def parse_csv(text: str) -> list[Series]:
    return parse_table(text).series
