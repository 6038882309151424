"""Timestamps: parsing the formats people export, and the sampling step and season they imply.

Google Trends writes ISO dates (``2020-07-12``, ``2004-01``, ``2021-06-02T14``). A file re-saved
by Excel or Google Sheets writes them the spreadsheet's way: ``7/12/2020``, ``7/12/20``,
``12.07.2020``, ``12/07/2020``, ``12-07-2020`` or ``Jul-20`` for a month. Day-first or
month-first is decided for the whole column, never cell by cell: a field above 12 settles it; if
not, the reading with a regular step (weekly, monthly, ...) wins; if both readings are regular,
the export's convention (``DateOrder``, from its language) decides and a note says so. Two-digit
fields may be year-first too (``21-03-04``, yy-mm-dd): that reading is weighed with the others
where a day/month one fits, and wins only when the column settles it.
"""

from __future__ import annotations

import _strptime
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import numpy as np

from .types import Step

_HOUR, _DAY = 3600.0, 86400.0
# Year-first formats tried, in order, when numpy's ISO parser refuses a column (unpadded
# fields, slashes, a space before the time, compact digits). Day/month orders are decided by
# ``_read_day_month`` from the whole column instead.
_FALLBACK_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y%m%d",
)
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+-\s+\d{4}-\d{2}-\d{2}$")  # old weekly "a - b"
_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        )
    )
    for name in names
}
_MONTH_NAME = r"[A-Za-z]{3,9}\.?"
# What may follow a date's time: a fraction of a second, AM/PM, a zone (Z, +02:00, -0500,
# UTC). Nothing else, so that a row the wrong delimiter splits ("02.06.2021 14:00;50" when a
# ';' file with decimal commas is tried with ',') is not taken for a date.
_AFTER_TIME = r"(?:\.\d{1,9})?(?:\s?[AaPp]\.?[Mm]\.?)?(?:\s?(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?"
DATE_CELL = re.compile(
    r"^\s*(?:\d{1,4}\.?\s?[-/.]\s?\d{1,2}(?:\.?\s?[-/.]\s?\d{1,4}\.?)?"
    rf"(?:[ T]\d{{1,2}}(?::\d{{2}}){{0,2}}{_AFTER_TIME})?"
    rf"|(?:\d{{1,2}}[-. ])?{_MONTH_NAME}[-. ]\d{{2,4}})\s*$"
)
COMPACT_DATE = re.compile(r"^\d{8}$")
# A zone after a time: Z (UTC) or an offset in hours and minutes (+0200, +02:00) or in hours
# alone (-05), as ISO 8601 writes them.
ZONE = r"(?:Z|[+-]\d{2}(?::?\d{2})?)"
# ISO 8601's basic form of a date and time, an hour at least: 20210602T14, 20210602T1400,
# 20210602T140000 (a fraction after the seconds: 20210602T140000.5), each with or without a
# zone: Z (UTC, as 2021-06-02T14:00Z is read) or an offset (+0200, +02:00, -05), as
# _AFTER_TIME takes after the extended form's time. The same instants as the extended form
# (2021-06-02T14:00+02:00), which Python's ISO reader reads; numpy does not.
BASIC_DATE_TIME = re.compile(rf"^\d{{8}}T\d{{2}}(?:\d{{2}}(?:\d{{2}}(?:\.\d{{1,9}})?)?)?{ZONE}?$")
# A decimal fraction after a time's hour or minute, in either form (2021-06-02T00.5,
# 2021-06-02T00:30.5, 20210602T0030.5; group 1, the minute): ISO 8601 reads it as a fraction
# of that hour or minute (ISO 8601:2000, 5.3.1.3, "hh:mm,mm" and "hh,hh": 23:20,8 and 23,3;
# 00.5 is 00:30), Python's datetime.fromisoformat (3.11.7, the dev venv's) as one of a second
# (00:00:00.5), though its documentation says "Fractional hours and minutes are not
# supported" (https://github.com/python/cpython/issues/115225: its maintainers would raise
# ValueError, a typo being likelier than that reading). No reader takes such a cell, and the
# error says why (`unread_fraction`), rather than a time half an hour off.
_FRACTION_BEFORE_SECONDS = re.compile(r"^\d{4}-?\d{2}-?\d{2}.\d{2}(:?\d{2})?[.,]\d")
FRACTION_HINT = (
    "Write the time in hours and minutes, with seconds if need be (2021-06-02T00:30, "
    "2021-06-02T00:30:30): a decimal fraction is read after the seconds only "
    "(2021-06-02T00:30:30.5)."
)
# numpy reads a cell of eight digits as a year (20200101 is the year 20200101, outside the
# calendar) and refuses 20210602T14: a column with either goes to the slower readers, whose
# ISO reader takes both (cell by cell, as first_not_a_date reads a column: not in halves).
_COMPACT_CELL = re.compile(r"^\d{8}(?:T|$)", re.MULTILINE)  # in "\n".join(cells)
# numpy's fast ISO parser takes these cells as they are; anything else (zones, words, odd
# separators, padding) goes through the slower, stricter path.
_ISO_CHARS = str.maketrans("", "", "0123456789-:T. \n")  # deleting these leaves nothing
# A cell starting with one to three digits then '-', in "\n" + "\n".join(cells): numpy reads
# 17-05-15 as the year 17 (and 17-05 as May of it) where a spreadsheet wrote 17 May 2015
# (dd-mm-yy); no export writes the years 1 to 99 so. Such a column goes to the slower
# readers, whose day/month reader reads it as it reads 17/05/15 and 17.05.15. (The literal
# "\n" first: 2.5 ms for 100 000 ISO cells, where a multiline ^ took 7.9.)
_SHORT_YEAR = re.compile(r"\n\d{1,3}-")
# After a date, only a plain time may follow (numpy reads anything else as a zone and warns).
_ZONE_OFFSET = re.compile(r"[T ](?!\d{2}(?::\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:\n|$))")

# A spreadsheet's numeric date: three fields split by one of . / - (the same twice), an
# optional time with optional seconds and AM/PM. "17. 5. 2015" (Czech) and "2015.05.17."
# (Hungarian) included.
_NUMERIC_DATE = re.compile(
    r"(\d{1,4})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{1,4})\.?"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s?([AaPp])\.?[Mm]\.?)?)?"
)
# Excel's "mmm-yy" (what it writes for a Trends month such as 2004-01) and "d-mmm-yy".
_NAMED_MONTH = re.compile(rf"(?:(\d{{1,2}})[-. ])?({_MONTH_NAME})[-. ](\d{{2}}|\d{{4}})")

# The forms the readers take, as the CSV's and the JSON series' date hints name them.
DATE_EXAMPLES = "2024-01-31, 20240131, 2024-01, 2024-01-31T14:00, 20240131T1400 or 31/01/2024"

DateOrder = Literal["day-first", "month-first"]
_PATTERN = {
    "day-first": "DD{sep}MM{sep}YY",
    "month-first": "MM{sep}DD{sep}YY",
    "year-first": "YY{sep}MM{sep}DD",
}
# Why a day/month order was read over a year written first when the export's own order does
# not fit the column (21-01-01 in an English export: not month-first).
_YEAR_LAST = "a two-digit year is written last far more often than first"


@dataclass(frozen=True)
class DateConvention:
    """The day/month order an export's locale writes, and why we think so (for the note)."""

    order: DateOrder
    reason: str  # e.g. "the export is in German"


# With no hint at all: most of the world writes the day first.
DEFAULT_CONVENTION = DateConvention("day-first", "no language was recognised in the file")


@dataclass(frozen=True)
class DateColumn:
    """A parsed time axis and, when the column alone could not decide it, what was assumed."""

    timestamps: np.ndarray  # datetime64[s]
    note: str = ""


def numpy_can_parse(cells: list[str], compact: bool = True) -> bool:
    """Whether numpy's ISO reader reads ``cells`` as they are meant. ``compact``: a cell of
    eight digits is a date (yyyymmdd), which numpy would read as a year, and one of eight
    digits then T (20210602T14, ISO 8601's basic form) is one numpy refuses; False keeps
    numpy's reading, as legacy requests always had it (for a column mixing such cells with
    dates: one of numbers alone is row positions there, never read as dates). A cell whose
    year would have fewer than four digits (17-05-15, numpy's year 17) is never numpy's, in
    legacy requests too: it is a spreadsheet's day, month and two-digit year."""
    joined = "\n".join(cells)
    padded = joined[:1] == " " or joined[-1:] == " " or " \n" in joined or "\n " in joined
    if padded or joined.translate(_ISO_CHARS):
        return False
    if compact and _COMPACT_CELL.search(joined):
        return False
    if _SHORT_YEAR.search("\n" + joined):
        return False
    return not (("T" in joined or " " in joined) and _ZONE_OFFSET.search(joined))


def _has_number(cells: list[str]) -> bool:
    """Some cell is digits alone (padding aside), other than eight (yyyymmdd): a number (a
    year, a count), not a date, where numpy reads it as a year ("3" as 0003-01-01, "2004" as
    2004-01-01): a stray "3" in a weekly column became a date 2000 years before the rest.
    (Signed ones, "-5", no reader takes.) 500 000 cells in 0.03 s; a regular expression over
    the joined column took 0.11 s."""
    cells = list(map(str.strip, cells))
    return any(map(str.isdigit, cells)) and any(len(c) != 8 for c in cells if c.isdigit())


def looks_like_date(cell: str, basic: bool = True) -> bool:
    """Cheap test used to find where the data rows of a CSV start. ``basic``: ISO 8601's
    basic form with a time (20210602T1400) counts; legacy requests, read as they always
    were, leave it out."""
    if DATE_CELL.match(cell):
        return True
    cell = cell.strip()
    return bool(COMPACT_DATE.match(cell)) or (basic and bool(BASIC_DATE_TIME.match(cell)))


def _normalise(cell: str) -> str:
    cell = cell.strip()
    m = _RANGE.match(cell)
    return m.group(1) if m else cell


def parse_timestamps(cells: list[str], plain_iso: bool | None = None) -> np.ndarray | None:
    """``datetime64[s]`` for every cell, or None when the column is not one of dates.

    ``plain_iso``: the caller already knows whether ``numpy_can_parse(cells)``.
    """
    column = read_dates(cells, plain_iso=plain_iso)
    return None if column is None else column.timestamps


def read_dates(
    cells: list[str],
    plain_iso: bool | None = None,
    convention: DateConvention = DEFAULT_CONVENTION,
    compact: bool = True,
    year_first: bool = True,
) -> DateColumn | None:
    """The column as timestamps, or None when it is not one of dates.

    ``convention`` is used only when neither a field above 12 nor a regular step tells a
    day-first column from a month-first one; the answer's ``note`` then says what was assumed.
    A year outside 1-9999 is not a date: numpy reads "-99999999999999-01-01" as a year in the
    billions, which no spreadsheet, no Trends export and no Python datetime holds.
    ``compact``: a cell of eight digits is a yyyymmdd date (20200101, as a spreadsheet writes
    a date formatted so); False reads it as numpy does, a year past 9999 and so no date, as
    legacy requests always have (a legacy first column of numbers alone is row positions and
    never read here). With ``compact``, a cell of other digits alone (3, 2004) is a number,
    not a date: the column is None, as a first column of numbers is refused.
    ``year_first``: two-digit fields (21-03-04) may be read yy-mm-dd too (_read_day_month);
    False for legacy requests, which read such a column day/month as they always did.
    """
    if compact and _has_number(cells):
        return None
    column = _read_any(cells, plain_iso, convention, compact, year_first)
    if column is None or not len(column.timestamps):
        return column
    return column if _in_calendar(column.timestamps) else None


_FIRST_DAY = np.datetime64("0001-01-01T00:00:00", "s")
_PAST_LAST_DAY = np.datetime64("10000-01-01T00:00:00", "s")


def _in_calendar(stamps: np.ndarray) -> bool:
    """Every stamp in the years 1-9999 (NaT is not)."""
    return bool(((stamps >= _FIRST_DAY) & (stamps < _PAST_LAST_DAY)).all())


def first_not_a_date(cells: list[str]) -> int | None:
    """The index of the first cell that is not a date on its own (``read_dates([cell])`` is
    None), or None when each one is: the cell an error names when a column is not dates.

    The same answer as reading each cell alone, at about the cost of reading the column once
    (each alone costs ~18 microseconds: 1.8 s for 100 000 timestamps): the cells are read in
    groups, a group that reads is good cell by cell, and a group that does not is halved, down
    to the cell at fault. A group is read the way its cells would be alone, numpy's reader for
    the cells numpy would take and the slower readers for the rest, since a mixed column can
    read where one of its cells alone does not (numpy reads "20200101" as the year 20200101,
    refused; beside "2020-01-02T00:00Z", the ISO reader takes it as 2020-01-01).
    """
    prepared, by_numpy, slow = list(cells), [], []
    if numpy_can_parse(cells):  # then every cell alone is numpy's too
        by_numpy = list(range(len(cells)))
    else:
        for i, cell in enumerate(cells):  # as _read_any reads one cell
            if numpy_can_parse([cell]):
                by_numpy.append(i)
                continue
            prepared[i] = _normalise(cell)
            (by_numpy if numpy_can_parse([prepared[i]]) else slow).append(i)
    first = _first_failing(
        cells, by_numpy, lambda group: _numpy_reads([prepared[i] for i in group])
    )
    if first is not None:
        slow = [i for i in slow if i < first]
    other = _first_failing(cells, slow, lambda group: _slow_reads([prepared[i] for i in group]))
    return min((i for i in (first, other) if i is not None), default=None)


# How a cell is written, for mixed_formats: its digits as 9 (a padded field is two, "1800-01-01"
# 9999-99-99), and each field as 9, or D when above 12 (a day or a year, never a month).
# Cells written alike are read alike, by the same readers in the same day/month orders.
_DIGITS_AS_NINES = str.maketrans("0123456789", "9999999999")
_DIGIT = re.compile(r"\d")  # any script's: strptime reads ٠٥/٠١/٢٠٢٠
_FIELD = re.compile(r"\d+")
_ABOVE_12 = re.compile(r"(?<![0-9])0*(?:[1-9][0-9]{2,}|1[3-9]|[2-9][0-9])(?![0-9])")


def _nines(cell: str) -> str:
    text = cell.strip().translate(_DIGITS_AS_NINES)
    return text if text.isascii() else _DIGIT.sub("9", text)


def _fields(cell: str) -> str:
    if cell.isascii():  # two substitutions in C: a third of the time of a Python callback
        return _FIELD.sub("9", _ABOVE_12.sub("D", cell))
    return _FIELD.sub(lambda m: "D" if int(m.group()) > 12 else "9", cell)


def _written(cell: str) -> tuple[str, str]:
    return _nines(cell), _fields(cell.strip())


def mixed_formats(cells: list[str]) -> tuple[int, int] | None:
    """Two cells, each a date alone, that do not read together (``i < j``): what an error names
    when every cell is a date but the column is not (dates in more than one format: ISO and
    31/01/2020, or a day-first 13/02/2020 and a month-first 02/14/2020). None when the column
    reads, or when no two cells conflict (which no reader here makes: three cells of which each
    two read, read together).

    Cheap beside reading the column: one pass keeps the first cell of each way of writing
    (its digits, then its digits and which fields are above 12: cells written alike read
    alike); the shortest run of those that does not read ends with a cell that conflicts with
    one before it. Every way of writing counts: the first 16 alone missed a pasted day-first
    row below 17 ways of writing an m/d/yyyy h:mm:ss log."""
    for written in (_nines, _written):
        firsts: dict[object, int] = {}
        for i, cell in enumerate(cells):
            firsts.setdefault(written(cell), i)
        pair = _conflict([cells[i] for i in sorted(firsts.values())])
        if pair is not None:
            kinds = sorted(firsts.values())
            return kinds[pair[0]], kinds[pair[1]]
    return None


def _conflict(cells: list[str]) -> tuple[int, int] | None:
    """Two of ``cells`` that do not read together, found in the shortest run from the first
    that does not read: its last cell conflicts with one before it. A run that reads still
    reads without some of its cells, so the run is found in halves."""
    if read_dates(cells) is not None:
        return None
    low, high = 1, len(cells)  # cells[:low] reads (each cell is a date), cells[:high] does not
    while high - low > 1:
        middle = (low + high) // 2
        if read_dates(cells[:middle]) is None:
            high = middle
        else:
            low = middle
    j = high - 1
    return next(((i, j) for i in range(j) if read_dates([cells[i], cells[j]]) is None), None)


def _first_failing(
    cells: list[str], indices: list[int], reads: Callable[[list[int]], bool]
) -> int | None:
    """The first of ``indices`` whose cell alone is not a date. ``reads(group)`` true means
    every cell of the group is one alone; a group it refuses is halved, the left half first."""
    pending = [indices] if indices else []  # the leftmost group last, taken first
    while pending:
        group = pending.pop()
        if len(group) == 1:
            if read_dates([cells[group[0]]]) is None:
                return group[0]
        elif not reads(group):
            half = len(group) // 2
            pending += [group[half:], group[:half]]
    return None


def _numpy_reads(cells: list[str]) -> bool:
    """numpy reads each cell as a date in the calendar (what each alone would read as)."""
    if _has_number(cells):
        return False
    try:
        stamps = np.array(cells, dtype="datetime64[s]")
    except ValueError:
        return False
    return not np.isnat(stamps).any() and _in_calendar(stamps)


def _slow_reads(cells: list[str]) -> bool:
    """The slower readers take the cells together, in the calendar (then they take each cell
    alone too: their readers read cell by cell, or in the column's day/month order, which a
    cell alone can be read in)."""
    if _has_number(cells):
        return False
    column = _parse_slow(cells, DEFAULT_CONVENTION)
    return column is not None and _in_calendar(column.timestamps)


def _read_any(
    cells: list[str],
    plain_iso: bool | None,
    convention: DateConvention,
    compact: bool = True,
    year_first: bool = True,
) -> DateColumn | None:
    """read_dates without the calendar's bounds."""
    if not cells:
        return DateColumn(np.zeros(0, dtype="datetime64[s]"))
    if plain_iso is None:
        plain_iso = numpy_can_parse(cells, compact)
    cleaned = cells if plain_iso else [_normalise(c) for c in cells]
    if cleaned is cells or numpy_can_parse(cleaned, compact):
        try:
            parsed = np.array(cleaned, dtype="datetime64[s]")
            if not np.isnat(parsed).any():
                return DateColumn(parsed)
        except ValueError:
            pass
        if len(cleaned) > 1 and not _slow_reads(cleaned[_first_numpy_refuses(cleaned) :][:1]):
            return None  # the slower readers take a column only if they take each cell alone
    # numpy would warn on zones and guess at odd text: the stricter readers below instead.
    return _parse_slow(cleaned, convention, year_first)


def _first_numpy_refuses(cells: list[str]) -> int:
    """The index of the first cell numpy cannot read (one is), by halving: reading 100 000
    cells with the slower readers to learn that one is not a date took 1.7 s, this 0.01 s."""
    low, high = 0, len(cells)  # the first refused cell is in cells[low:high]
    while high - low > 1:
        middle = (low + high) // 2
        try:
            taken = not np.isnat(np.array(cells[low:middle], dtype="datetime64[s]")).any()
        except ValueError:
            taken = False
        low, high = (middle, high) if taken else (low, middle)
    return low


def _parse_slow(
    cells: list[str], convention: DateConvention, year_first: bool = True
) -> DateColumn | None:
    """The stricter readers, in order: the first that takes every cell reads the column.

    Each reader takes a column only if it takes each cell, so the cells a reader stopped at
    are given to the next ones first, and a cell no reader takes alone refuses the column
    at once: ISO dates with one "17/13/2020" went through every reader, cell by cell (0.5-0.9
    s for 100 000 cells), before they were refused.
    """
    stopped: list[int] = []  # the cells a reader stopped at, tried first by the next
    for read in _CELL_READERS:
        if any(_refuses(read, cells[i]) for i in stopped):
            continue
        out = []
        for i, cell in enumerate(cells):
            try:
                out.append(read(cell))
            except (ValueError, OverflowError):
                if len(cells) > 1 and not _slow_reads([cell]):
                    return None  # no reader takes this cell (in the calendar), nor the column
                stopped.append(i)
                break
        else:
            return DateColumn(np.array(out, dtype="datetime64[s]"))
    # The pattern readers too take no column with a cell their pattern does not match.
    day_month = all(_NUMERIC_DATE.fullmatch(cells[i]) for i in stopped)
    named = all(_NAMED_MONTH.fullmatch(cells[i]) for i in stopped)
    return (day_month and _read_day_month(cells, convention, year_first)) or (
        _read_named_months(cells) if named else None
    )


def unread_fraction(cell: str) -> str | None:
    """What a cell that no reader takes for its time's fraction writes, as the error says it
    ("a decimal fraction of an hour (00.5 is 00:30 in ISO 8601)"), or None: a fraction after
    the hour or the minute, which ISO 8601 and Python's reader read differently."""
    m = _FRACTION_BEFORE_SECONDS.match(cell.strip())
    if m is None:
        return None
    if m.group(1):
        return "a decimal fraction of a minute (00:30.5 is 00:30:30 in ISO 8601)"
    return "a decimal fraction of an hour (00.5 is 00:30 in ISO 8601)"


def _from_iso(cell: str) -> datetime:
    """ISO 8601 with a zone or odd precision: converted to UTC, the zone dropped.
    OverflowError for an offset past the calendar's ends (0001-01-01T00:00+05:00 has no UTC
    time; no reader after this one takes a zone). ValueError for a fraction of an hour or a
    minute, which Python would read as one of a second (`_FRACTION_BEFORE_SECONDS`)."""
    if _FRACTION_BEFORE_SECONDS.match(cell):
        raise ValueError(f"{cell!r}: a fraction of an hour or a minute is not read")
    d = datetime.fromisoformat(cell.replace("Z", "+00:00"))
    if d.tzinfo is not None:
        d = d.astimezone(UTC).replace(tzinfo=None)
    return d


# datetime.strptime keeps the compiled patterns of 5 formats only (CPython's _strptime cache)
# and drops them all on a 6th: the readers cycle through 6 formats, so each cell compiled its
# pattern again (about 60% of reading dates the slow way). Room for them all changes no reading.
_strptime._CACHE_MAX_SIZE = max(
    getattr(_strptime, "_CACHE_MAX_SIZE", 0), 4 * len(_FALLBACK_FORMATS)
)


def _format_reader(fmt: str) -> Callable[[str], datetime]:
    return lambda cell: datetime.strptime(cell, fmt)


# The readers that take a column cell by cell, in the order they are tried.
_CELL_READERS = (_from_iso, *(_format_reader(fmt) for fmt in _FALLBACK_FORMATS))


def _refuses(read: Callable[[str], datetime], cell: str) -> bool:
    try:
        read(cell)
    except (ValueError, OverflowError):
        return True
    return False


def _year(digits: np.ndarray, width: int) -> np.ndarray:
    """Four-digit years as they are; two-digit ones as Excel and Sheets read them (00-29 →
    2000-2029, 30-99 → 1930-1999)."""
    if width == 4:
        return digits
    return np.where(digits < 30, 2000 + digits, 1900 + digits)


def _calendar(
    years: np.ndarray, months: np.ndarray, days: np.ndarray, seconds: np.ndarray
) -> np.ndarray | None:
    """datetime64[s] from fields, or None when any (month, day) does not exist."""
    if ((months < 1) | (months > 12) | (days < 1)).any():
        return None
    first = ((years - 1970) * 12 + months - 1).astype("datetime64[M]").astype("datetime64[D]")
    following = ((years - 1970) * 12 + months).astype("datetime64[M]").astype("datetime64[D]")
    if (days > (following - first).astype(np.int64)).any():
        return None
    stamps = first + (days - 1).astype("timedelta64[D]")
    return stamps.astype("datetime64[s]") + seconds.astype("timedelta64[s]")


def _clock_seconds(matches: list[re.Match[str]]) -> np.ndarray | None:
    """Seconds into the day of each cell's optional time (None if one is impossible)."""
    hours = np.zeros(len(matches), dtype=np.int64)
    minutes = np.zeros(len(matches), dtype=np.int64)
    secs = np.zeros(len(matches), dtype=np.int64)
    for i, m in enumerate(matches):
        if m.group(5) is None:
            continue
        h = int(m.group(5))
        if m.group(8):  # 12-hour clock
            if not 1 <= h <= 12:
                return None
            h = h % 12 + (12 if m.group(8) in "Pp" else 0)
        hours[i], minutes[i], secs[i] = h, int(m.group(6)), int(m.group(7) or 0)
    if (hours > 23).any() or (minutes > 59).any() or (secs > 59).any():
        return None
    return hours * 3600 + minutes * 60 + secs


def _in_order_and_regular(stamps: np.ndarray) -> tuple[bool, bool]:
    """(rows already in time order, one regular step between distinct times).

    Regular: the longest step is at most 31/28 of the shortest, which a monthly, quarterly or
    yearly series meets and a wrong day/month reading (1, 1, ..., 355 days) does not.
    """
    t = stamps.astype(np.int64)
    in_order = bool((np.diff(t) >= 0).all())
    steps = np.diff(np.unique(t))
    if len(steps) < 2:
        return in_order, True
    return in_order, bool(steps.max() * 28 <= steps.min() * 31)


def _read_day_month(
    cells: list[str], convention: DateConvention, yy_mm_dd: bool = True
) -> DateColumn | None:
    """Numeric spreadsheet dates (``5/17/15``, ``17.05.2015``, ``17-05-2015``, ...), one order
    for the whole column: day-first, month-first, or year-first (``21-03-04``, yy-mm-dd) where
    a day/month reading fits too. No convention writes year-first: it wins only when the
    column settles it (its rows in time order, its step regular, or one a calendar names,
    where the other's are not), and a note says when it was still possible. ``yy_mm_dd``
    False: day/month orders alone, as legacy requests always read such a column."""
    matches = [_NUMERIC_DATE.fullmatch(c) for c in cells]
    if not all(matches):
        return None
    ms: list[re.Match[str]] = matches  # type: ignore[assignment]
    shape = {(len(m.group(1)) == 4, m.group(2), len(m.group(4))) for m in ms}
    if len(shape) != 1:  # one layout per column: mixed separators or years are not a column
        return None
    year_first, sep, year_width = shape.pop()
    seconds = _clock_seconds(ms)
    if seconds is None:
        return None
    a = np.array([int(m.group(1)) for m in ms], dtype=np.int64)
    b = np.array([int(m.group(3)) for m in ms], dtype=np.int64)
    c = np.array([int(m.group(4)) for m in ms], dtype=np.int64)
    if year_first:
        if year_width > 2:
            return None
        stamps = _calendar(a, b, c, seconds)
        return None if stamps is None else DateColumn(stamps)
    if year_width not in (2, 4):
        return None
    years = _year(c, year_width)
    readings = {
        "day-first": _calendar(years, b, a, seconds),
        "month-first": _calendar(years, a, b, seconds),
    }
    valid = {order: s for order, s in readings.items() if s is not None}
    if not valid:
        return None
    order, assumed = _day_month_order(valid, convention)
    example = next((c for c in cells if c.strip()), cells[0]).strip()
    pattern = _PATTERN[order].format(sep=sep).replace("YY", "YYYY" if year_width == 4 else "YY")
    said = "day-first or month-first" if assumed else order
    # 21-03-04 may be yy-mm-dd too, where every field has two digits (as yy-mm-dd writes them).
    padded = (
        yy_mm_dd and year_width == 2 and all(len(m.group(1)) == len(m.group(3)) == 2 for m in ms)
    )
    yy_first = _calendar(_year(a, 2), b, c, seconds) if padded else None
    if yy_first is not None:
        settled = _settled(valid[order], yy_first)
        if settled is yy_first:
            return DateColumn(yy_first)
    if yy_first is not None and settled is None:  # still possible: said
        if not assumed:  # one day/month order fits: the convention's, or the one there is
            reason = convention.reason if convention.order == order else _YEAR_LAST
            assumed = f"because {reason}"
        said += f"{',' if ' or ' in said else ''} or year-first ({_PATTERN['year-first']})"
    if not assumed:
        return DateColumn(valid[order])
    note = (
        f"Dates such as {example} can be read {said.format(sep=sep)}; they were read {order} "
        f"({pattern}) {assumed}. If the dates on the chart look wrong, save the file with "
        "dates written as 2024-01-31."
    )
    return DateColumn(valid[order], note)


def _day_month_order(valid: dict[str, np.ndarray], convention: DateConvention) -> tuple[str, str]:
    """The day/month order the column settles (a field above 12, or a day the month does not
    have; then rows in time order; then a regular step), with "", or the convention's order,
    with "because" and its reason when both are still possible."""
    if len(valid) == 1:
        return next(iter(valid)), ""
    shapes = {order: _in_order_and_regular(s) for order, s in valid.items()}
    for test in (0, 1):  # rows in time order first, then a regular step
        passing = [order for order, shape in shapes.items() if shape[test]]
        if len(passing) == 1:
            return passing[0], ""
    return convention.order, f"because {convention.reason}"


def _settled(day_month: np.ndarray, year_first: np.ndarray) -> np.ndarray | None:
    """Of a day/month reading and a year-first one, the one the column settles: the one whose
    rows alone are in time order, then whose step alone is regular, then whose step alone a
    calendar names (weekly, not 2557-day: 17.05.15, 24.05.15 are 2017 and 2024 year-first).
    None when neither is settled."""
    readings = (day_month, year_first)
    in_order, regular = zip(*map(_in_order_and_regular, readings), strict=True)
    for mine, theirs in (in_order, regular):
        if mine != theirs:
            return day_month if mine else year_first
    # Then, when those tie: whether a calendar names the step.
    mine, theirs = (not infer_step(s).name.endswith("-day") for s in readings)
    if mine != theirs:
        return day_month if mine else year_first
    return None


def _read_named_months(cells: list[str]) -> DateColumn | None:
    """English month names as Excel writes them: ``Jan-04`` (a month), ``12-Jul-20``."""
    matches = [_NAMED_MONTH.fullmatch(c) for c in cells]
    if not all(matches):
        return None
    ms: list[re.Match[str]] = matches  # type: ignore[assignment]
    months = [_MONTHS.get(m.group(2).rstrip(".").lower()) for m in ms]
    widths = {len(m.group(3)) for m in ms}
    if None in months or len(widths) != 1:
        return None
    years = _year(np.array([int(m.group(3)) for m in ms], dtype=np.int64), widths.pop())
    days = np.array([int(m.group(1) or 1) for m in ms], dtype=np.int64)
    stamps = _calendar(years, np.array(months, dtype=np.int64), days, np.zeros(len(ms), np.int64))
    return None if stamps is None else DateColumn(stamps)


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


# default_period's seasons in words, and the unit its points are counted in.
_SEASON_WORDS = {
    "weekly": ("a year", "weeks"),
    "monthly": ("a year", "months"),
    "quarterly": ("a year", "quarters"),
    "daily": ("a week", "days"),
    "hourly": ("a day", "hours"),
}


def default_season_words(step: Step) -> tuple[str, str]:
    """The season :func:`default_period` gives ``step``, in words, and the unit its points are
    counted in: ("a year", "weeks") for weekly data, ("a day", "points") below an hour, ("",
    "points") where no calendar cycle fits (for a message that says where a season came from)."""
    if step.name in _SEASON_WORDS:
        return _SEASON_WORDS[step.name]
    return ("a day" if 0 < step.seconds < _DAY else "", "points")
