"""Reading a date column: ISO as Trends writes it, and what spreadsheets write when they re-save."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trends_anomaly.timeaxis import (
    DEFAULT_CONVENTION,
    DateConvention,
    first_not_a_date,
    infer_step,
    looks_like_date,
    mixed_formats,
    numpy_can_parse,
    read_dates,
    unread_fraction,
)

US = DateConvention("month-first", "the export is in English")
DE = DateConvention("day-first", "the export is in German")


def days(column) -> list[str]:
    return np.datetime_as_string(column.timestamps, unit="D").tolist()


def monthly(fmt: str, months: int) -> list[str]:
    """The first of each month from January 2004, written with fmt (d, m, y, yy fields)."""
    out = []
    for k in range(months):
        y, m = 2004 + k // 12, k % 12 + 1
        out.append(fmt.format(d=1, dd="01", m=m, mm=f"{m:02d}", y=y, yy=f"{y % 100:02d}"))
    return out


def test_iso_columns_take_the_fast_path_without_a_note():
    column = read_dates(["2020-07-12", "2020-07-19"])
    assert days(column) == ["2020-07-12", "2020-07-19"] and column.note == ""
    assert read_dates(["2021-06-02T14", "2021-06-02T15"]).timestamps[1] == np.datetime64(
        "2021-06-02T15:00:00"
    )


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["5/17/15", "5/24/15"], ["2015-05-17", "2015-05-24"]),  # a month field above 12
        (["17/05/2015", "24/05/2015"], ["2015-05-17", "2015-05-24"]),
        (["17.05.2015", "24.05.2015"], ["2015-05-17", "2015-05-24"]),
        (["17-05-2015", "24-05-2015"], ["2015-05-17", "2015-05-24"]),
        (["05-17-2015", "05-24-2015"], ["2015-05-17", "2015-05-24"]),
        (["17.05.15", "24.05.15"], ["2015-05-17", "2015-05-24"]),
        (["17. 5. 2015", "24. 5. 2015"], ["2015-05-17", "2015-05-24"]),  # Czech
        (["2015.05.17.", "2015.05.24."], ["2015-05-17", "2015-05-24"]),  # Hungarian
        (["2015/5/17", "2015/5/24"], ["2015-05-17", "2015-05-24"]),
        (["Jan-04", "Feb-04", "Mar-04"], ["2004-01-01", "2004-02-01", "2004-03-01"]),
        (["Jan 2004", "February 2004"], ["2004-01-01", "2004-02-01"]),
        (["12-Jul-20", "19-Jul-20"], ["2020-07-12", "2020-07-19"]),
    ],
)
def test_a_field_above_12_or_a_named_month_settles_the_order(cells, expected):
    for convention in (US, DE):  # the column decides; the convention is not consulted
        column = read_dates(cells, convention=convention)
        assert days(column) == expected and column.note == ""


def test_one_cell_above_12_decides_for_the_whole_column():
    cells = ["1/2/2020", "1/9/2020", "1/16/2020"]  # only the last cell tells
    assert days(read_dates(cells, convention=DE)) == ["2020-01-02", "2020-01-09", "2020-01-16"]


@pytest.mark.parametrize(
    ("fmt", "order"),
    [("{m}/{d}/{yy}", "month-first"), ("{dd}.{mm}.{y}", "day-first"), ("{d}-{m}-{y}", "day-first")],
)
def test_a_regular_step_settles_first_of_month_columns(fmt, order):
    """Months written as full dates have every field <= 12; only one reading is monthly."""
    cells = monthly(fmt, 24)
    for convention in (US, DE):
        column = read_dates(cells, convention=convention)
        assert column.note == ""
        assert days(column)[:3] == ["2004-01-01", "2004-02-01", "2004-03-01"]
    assert infer_step(read_dates(cells).timestamps).name == "monthly"


@pytest.mark.parametrize(
    ("convention", "expected", "said"),
    [
        (
            US,
            ["2004-01-01", "2004-02-01"],
            "month-first (MM/DD/YY) because the export is in English",
        ),
        (DE, ["2004-01-01", "2004-01-02"], "day-first (DD/MM/YY) because the export is in German"),
        (DEFAULT_CONVENTION, ["2004-01-01", "2004-01-02"], "no language was recognised"),
    ],
)
def test_when_still_ambiguous_the_convention_decides_and_a_note_says_so(convention, expected, said):
    cells = monthly("{m}/{d}/{yy}", 12)  # 12 months: both readings are regular and in order
    column = read_dates(cells, convention=convention)
    assert days(column)[:2] == expected
    assert said in column.note and "1/1/04" in column.note


def test_rows_in_time_order_settle_before_the_step():
    cells = ["3/1/2020", "3/2/2020", "4/1/2020"]  # day-first goes 3 Jan, 3 Feb, 4 Jan
    assert days(read_dates(cells, convention=DE)) == ["2020-03-01", "2020-03-02", "2020-04-01"]


def test_two_digit_years_pivot_like_excel():
    assert days(read_dates(["13/1/29", "13/1/30"])) == ["2029-01-13", "1930-01-13"]


def hourly(clock: str, hours: int = 30) -> list[str]:
    """Hours from 2 June 2021 14:00, month-first, in a spreadsheet's 24-hour or AM/PM clock."""
    out = []
    for k in range(hours):
        day, hour = 2 + (14 + k) // 24, (14 + k) % 24
        if clock == "24h":
            out.append(f"6/{day}/2021 {hour}:00")
        elif clock == "24h-seconds":
            out.append(f"6/{day}/2021 {hour:02d}:00:00")
        else:
            h12 = hour % 12 or 12
            out.append(f"6/{day}/2021 {h12}:00 {'PM' if hour >= 12 else 'AM'}")
    return out


@pytest.mark.parametrize("clock", ["24h", "24h-seconds", "am-pm"])
def test_times_after_spreadsheet_dates(clock):
    """Re-saved hourly data: only the month-first reading steps one hour at a time."""
    column = read_dates(hourly(clock), convention=DE)
    assert column.note == ""
    assert str(column.timestamps[0]) == "2021-06-02T14:00:00"
    assert str(column.timestamps[10]) == "2021-06-03T00:00:00"
    assert infer_step(column.timestamps).name == "hourly"


@pytest.mark.parametrize(
    "cells",
    [
        ["13/13/2020"],  # no reading has a 13th month
        ["30/02/2020", "02/30/2020"],  # 30 February either way
        ["1/2/2020", "1.3.2020"],  # two separators: not one column format
        ["1/2/2020", "1/3/20"],  # two year widths
        ["6/2/2021 25:00"],
        ["Foo-04"],
        ["1/2/345"],
        ["hello"],
    ],
)
def test_not_a_date_column(cells):
    assert read_dates(cells) is None


@pytest.mark.parametrize(
    "cells",
    [
        ["0001-01-01T00:00+05:00", "0001-01-08T00:00+05:00"],  # before year 1 in UTC
        ["9999-12-31T23:00-05:00", "9999-12-31T23:30-05:00"],  # after year 9999 in UTC
    ],
)
def test_a_zoned_time_with_no_utc_date_is_not_a_date(cells):
    """A zone offset that moves a time past the calendar's ends (years 1 to 9999) has no UTC
    time to read: datetime's OverflowError was a 500 for every request that sent one."""
    assert read_dates(cells) is None


@pytest.mark.parametrize(
    ("cell", "is_date"),
    [
        ("2020-07-12", True),
        ("2021-06-02T14", True),
        ("5/17/15", True),
        ("17.05.2015", True),
        ("17. 5. 2015", True),
        ("2015.05.17.", True),
        ("Jan-04", True),
        ("12-Jul-20", True),
        ("20200712", True),
        ("20210602T14", True),
        ("20210602T1400", True),
        ("20210602T140000", True),
        ("20210602T1400Z", True),
        ("20211399T1400", True),  # no date, but where the data rows start: named there
        ("20210602T1", False),
        ("20210602T14000", False),
        ("20210602T1400;50", False),
        ("Category: All categories", False),
        ("Week", False),
        ("", False),
    ],
)
def test_looks_like_date_finds_data_rows(cell, is_date):
    assert looks_like_date(cell) is is_date


@pytest.mark.parametrize(
    "cells",
    [
        ["-99999999999999-01-01", "-99999999999999-01-08"],
        ["999999999-01-01", "999999999-01-08"],
        ["10000-01-01", "10000-01-08"],
        ["2024-01-01", "-0001-01-08"],
        ["01/01/0000", "01/02/0000"],
    ],
)
def test_a_year_outside_1_to_9999_is_not_a_date(cells):
    # numpy reads "-99999999999999-01-01" as year -41257577590; no calendar the answer
    # echoes (nor Python's datetime) holds it, and no Trends export writes it.
    assert read_dates(cells) is None
    assert read_dates([cells[-1]]) is None  # so the error can name the cell


# Cells of every reader's formats, and the mixes where a column reads but a cell alone does
# not: numpy takes "20200101" as the year 20200101 (refused) where the ISO reader, beside a
# zoned time, takes it as 2020-01-01.
CELLS = [
    *("2020-01-05", "2020-1-5", "20200101", "2020-01-02T00:00Z", "2020-01-02T05:00+05:30"),
    *("2020-13-01", "0000-01-01", "10000-01-01", "", " ", "NaT", "T", "soon", "2020-01-01\n"),
    *(
        " 2020-01-05 ",
        "2020-01-05 - 2020-01-11",
        "2020/01/05",
        "2020/1/5 14:00",
        "2020-01-05 14:00",
    ),
    *("13/01/2020", "01/13/2020", "05/01/2020", "5.1.20", "17. 5. 2015", "2015.05.17."),
    *("Jan-20", "12-Jul-20", "Foo-20", "Jan-0000", "1/1/0000", "31/02/2020", "12/07/2020 1:00 PM"),
    *("0001-01-01T00:00+05:00", "9999-12-31T23:00-05:00", "2021-06-02T14", "2004-01", "2020"),
    *("17-05-15", "05-17-15", "21-10-20", "99-05-17", "17-05-15 10:00", "17-05"),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(CELLS), max_size=40))
def test_first_not_a_date_names_the_cell_that_is_not_one_alone(cells):
    """Grouped reads name the same cell as reading each alone (what the errors say)."""
    alone = next((i for i, c in enumerate(cells) if read_dates([c]) is None), None)
    assert first_not_a_date(cells) == alone


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(CELLS), max_size=40))
def test_mixed_formats_names_two_dates_that_do_not_read_together(cells):
    """Asked when each cell is a date and the column is not: the two it names are dates that
    cannot be read together (what the errors say of them)."""
    if read_dates(cells) is not None or first_not_a_date(cells) is not None:
        return
    pair = mixed_formats(cells)
    if pair is not None:
        i, j = pair
        assert i < j and read_dates([cells[i], cells[j]]) is None, (cells, pair)


@pytest.mark.parametrize(
    ("cells", "pair"),
    [
        (["2020-01-05", "2020-01-12", "12/01/2020"], (0, 2)),
        (["2020-01-05", "2020-01-05T10:00", "2020/01/19"], (0, 2)),  # ISO with a time reads
        (["01/02/2020", "13/02/2020", "02/14/2020"], (1, 2)),  # day-first, then month-first
    ],
)
def test_mixed_formats_names_the_first_two_it_finds(cells, pair):
    assert mixed_formats(cells) == pair


def test_first_not_a_date_reads_a_long_column_in_groups(monkeypatch):
    """One bad cell among 4096 good ones is found by halving, not by reading each alone."""
    from trends_anomaly import timeaxis

    cells = np.datetime_as_string(np.datetime64("1900-01-01") + np.arange(4096)).tolist()
    cells[-1] = "2020-13-01"
    alone = []
    read_any = timeaxis._read_any
    monkeypatch.setattr(
        timeaxis,
        "_read_any",
        lambda c, *a: (alone.append(c) if len(c) == 1 else None) or read_any(c, *a),
    )
    assert first_not_a_date(cells) == 4095
    assert len(alone) <= 2 and alone[-1] == ["2020-13-01"], alone  # and at most its neighbour


@pytest.mark.parametrize("bad", ["2020-13-01", "", "2020-02-30"])
@pytest.mark.parametrize("where", [0, 2048, 4095])
def test_a_plain_column_with_a_cell_no_reader_takes_is_refused_without_the_slow_readers(
    monkeypatch, bad, where
):
    """numpy refuses the column: when the cell it refuses is not a date to the slower readers
    either, no slower reader can take the column, so they are not run over it (1.7 s for
    100 000 ISO dates with a bad one last, where a column that reads takes 0.02 s)."""
    from trends_anomaly import timeaxis

    cells = np.datetime_as_string(np.datetime64("1900-01-01") + np.arange(4096)).tolist()
    cells[where] = bad
    slow = []
    parse_slow = timeaxis._parse_slow
    monkeypatch.setattr(
        timeaxis,
        "_parse_slow",
        lambda c, *a: (slow.append(len(c)) if len(c) > 1 else None) or parse_slow(c, *a),
    )
    assert read_dates(cells) is None
    assert not slow


PLAIN = [c for c in CELLS if numpy_can_parse([c])]  # what numpy reads first


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(CELLS), max_size=40) | st.lists(st.sampled_from(PLAIN), max_size=40)
)
def test_a_column_reads_as_it_did_before_the_refusal_by_one_cell(cells):
    """The shortcut above never refuses a column the slower readers take."""
    from trends_anomaly import timeaxis

    column = read_dates(cells)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timeaxis, "_first_numpy_refuses", lambda c: len(c))  # checks no cell
        before = read_dates(cells)
    assert (column is None) == (before is None)
    if column is not None:
        assert column.timestamps.tolist() == before.timestamps.tolist()
        assert column.note == before.note


class _Counting:
    """A reader (the datetime class, or a compiled pattern) that counts the cells it is given."""

    def __init__(self, inner, seen: list[str]) -> None:
        self._inner, self._seen = inner, seen

    def __getattr__(self, name: str):
        method = getattr(self._inner, name)
        if name not in ("fromisoformat", "strptime", "fullmatch"):
            return method
        return lambda cell, *args: self._seen.append(cell) or method(cell, *args)


@pytest.mark.parametrize("bad", ["17/13/2020", "soon/x", "2020/13/05", "Foo-20"])
@pytest.mark.parametrize("where", [0, 2048, 4095])
def test_a_mixed_column_with_a_cell_no_reader_takes_is_refused_after_one_pass(
    monkeypatch, bad, where
):
    """ISO dates with a cell numpy does not read ('/' in it): the slower readers (fromisoformat,
    six strptime formats, the day/month and month-name patterns) each went over the column
    before it was refused, 0.5-0.9 s for 100 000 cells. The cell the first of them stops at
    is tried alone first: no reader takes it, so none takes the column. Counted, not timed:
    the cells the slower readers were given (the column once, and that cell alone)."""
    from trends_anomaly import timeaxis

    cells = np.datetime_as_string(np.datetime64("1900-01-01") + np.arange(4096)).tolist()
    cells[where] = bad
    seen: list[str] = []
    monkeypatch.setattr(timeaxis, "datetime", _Counting(timeaxis.datetime, seen))
    for name in ("_NUMERIC_DATE", "_NAMED_MONTH"):
        monkeypatch.setattr(timeaxis, name, _Counting(getattr(timeaxis, name), seen))
    assert read_dates(cells) is None
    assert len(seen) <= where + 1 + 20, len(seen)


def _parse_slow_before(cells, convention, yy_mm_dd=True):
    """timeaxis._parse_slow as it was before the cells a reader stops at were tried first."""
    from datetime import UTC, datetime

    from trends_anomaly import timeaxis

    try:
        out = []
        for c in cells:
            d = datetime.fromisoformat(c.replace("Z", "+00:00"))
            if d.tzinfo is not None:
                d = d.astimezone(UTC).replace(tzinfo=None)
            out.append(d)
        return timeaxis.DateColumn(np.array(out, dtype="datetime64[s]"))
    except (ValueError, OverflowError):
        pass
    for fmt in timeaxis._FALLBACK_FORMATS:
        try:
            parsed = [datetime.strptime(c, fmt) for c in cells]
            return timeaxis.DateColumn(np.array(parsed, dtype="datetime64[s]"))
        except ValueError:
            continue
    day_month = timeaxis._read_day_month(cells, convention, yy_mm_dd)
    return day_month or timeaxis._read_named_months(cells)


# Families the slower readers take a whole column of, each with cells of it no reader takes.
SLOW = [
    ["2020-01-02T00:00Z", "2020-01-02T05:00+05:30", "2021-06-02T14", "9999-12-31T23:00-05:00"],
    ["0001-01-01T00:00+05:00", "2020-01-05 - 2020-01-11", " 2020-01-05 ", "2020-01-05"],
    ["2020/01/05", "2020/1/5", "2020/1/5 14:00", "2020/01/05 14:00:30", "2020/13/05"],
    ["13/01/2020", "01/13/2020", "05/01/2020", "5/1/2020", "31/02/2020", "17/13/2020"],
    ["12/07/2020 1:00 PM", "12/07/2020 13:00", "1/1/0000", "5.1.20", "17.5.20", "7/12/20"],
    ["17. 5. 2015", "2015.05.17.", "2020-1-5", "20200101", "soon/x", "1/2/3"],
    ["Jan-20", "12-Jul-20", "Foo-20", "Jan-0000", "Sept-2020", "May-20"],
]


@st.composite
def _slow_columns(draw) -> list[str]:
    """A column of one family, or with any cell, the one no reader takes, put in anywhere."""
    family = draw(st.sampled_from(SLOW))
    cells = draw(st.lists(st.sampled_from(family[:-1]), max_size=40))
    extra = draw(st.sampled_from([family[-1], *CELLS]))
    where = draw(st.integers(0, len(cells)))
    return cells if draw(st.booleans()) else [*cells[:where], extra, *cells[where:]]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(CELLS), max_size=40)
    | st.lists(st.sampled_from([c for family in SLOW for c in family]), max_size=40)
    | _slow_columns(),
    st.sampled_from([DEFAULT_CONVENTION, US, DE]),
)
def test_a_column_the_slower_readers_read_reads_as_it_did_before(cells, convention):
    """Trying first the cells a reader stopped at, and refusing a column by a cell no reader
    takes alone, changes no answer: the same timestamps and notes, or the same refusal."""
    from trends_anomaly import timeaxis

    column = read_dates(cells, convention=convention)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timeaxis, "_parse_slow", _parse_slow_before)
        before = read_dates(cells, convention=convention)
    assert (column is None) == (before is None)
    if column is not None:
        assert column.timestamps.tolist() == before.timestamps.tolist()
        assert column.note == before.note


def test_a_column_of_compact_dates_reads_as_days():
    """yyyymmdd, as a spreadsheet saves a date formatted so: numpy alone reads "20200101" as
    the year 20200101 (refused), so the column was refused unless a zoned time sat beside it."""
    cells = [f"202001{d:02d}" for d in range(1, 15)]
    column = read_dates(cells)
    assert column is not None and column.note == ""
    assert days(column)[:2] == ["2020-01-01", "2020-01-02"]
    assert infer_step(column.timestamps).name == "daily"
    weeks = read_dates(["20200105", "20200112", "20200119"])
    assert infer_step(weeks.timestamps).name == "weekly"
    assert first_not_a_date(cells) is None


@pytest.mark.parametrize("bad", ["20201399", "20200230", "00000101", "2020-01-05T10:00Z1"])
def test_a_compact_cell_that_is_no_day_is_named(bad):
    cells = ["20200101", "20200102", bad, "20200104"]
    assert read_dates(cells) is None
    assert first_not_a_date(cells) == 2


@pytest.mark.parametrize(
    ("extended", "basic"),
    [
        ("2021-06-{d}T{h}", "202106{d}T{h}"),
        ("2021-06-{d}T{h}:00", "202106{d}T{h}00"),
        ("2021-06-{d}T{h}:00:00", "202106{d}T{h}0000"),
        ("2021-06-{d}T{h}:00Z", "202106{d}T{h}00Z"),
    ],
)
def test_basic_form_hours_read_as_the_extended_form(extended, basic):
    """ISO 8601's basic form (20210602T1400) is the instant its extended form writes; a
    column of them takes the slower readers (numpy refuses them), each cell alone too."""

    def column(form):
        return [form.format(d=f"{2 + k // 24:02d}", h=f"{k % 24:02d}") for k in range(50)]

    cells = column(basic)
    assert not numpy_can_parse(cells)
    assert read_dates(cells).timestamps.tolist() == read_dates(column(extended)).timestamps.tolist()
    assert first_not_a_date(cells) is None
    for bad in ("20211399T1400", "20210602T2500", "20210631T14"):
        assert first_not_a_date([*cells[:9], bad, *cells[10:]]) == 9


def test_compact_dates_can_be_read_as_numpy_reads_them():
    """Legacy requests keep numpy's reading (a year past 9999, so not dates): their numeric
    first column is row positions."""
    assert read_dates(["20200101", "20200102"], compact=False) is None
    assert not numpy_can_parse(["2020-01-01", "20200102"])
    assert numpy_can_parse(["2020-01-01", "20200102"], compact=False)


@pytest.mark.parametrize("stray", ["3", "2004", "0042", " 7 ", "12345"])
@pytest.mark.parametrize("where", [0, 1, 39])
def test_a_cell_of_digits_alone_among_dates_is_no_date(stray, where):
    """numpy reads "3" as the year 0003 and "2004" as 2004-01-01: a stray number in a column
    of dates became a date centuries before the rest (sorted first, ~736 000 days missing).
    A cell of digits alone is a number; eight digits are a date (yyyymmdd)."""
    weeks = np.datetime64("2021-01-03") + np.arange(52) * np.timedelta64(7, "D")
    cells = weeks.astype(str).tolist()
    cells[where] = stray
    assert read_dates(cells) is None
    assert read_dates([stray]) is None
    assert first_not_a_date(cells) == where
    cells[where] = "20210509"
    assert read_dates(cells) is not None  # eight digits: a date


def test_legacy_reading_keeps_numpy_years():
    """Legacy requests never read a number as a date (their numeric column is row positions
    before this), and keep numpy's reading of the rest as they always had."""
    assert read_dates(["2004", "2005"], compact=False) is not None


def _log_with_a_pasted_row() -> list[str]:
    """An irregular log that Excel en-US re-saved (m/d/yyyy h:mm:ss), 120 rows, with one row
    pasted from a day-first file at its end: 1/13/2020 is month-first, 13/1/2020 day-first.
    Its cells are written 17 ways (fields above 12 or not): the day-first one is the 18th."""
    from datetime import datetime, timedelta

    t, cells = datetime(2020, 1, 2), []
    for _ in range(120):
        cells.append(f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}:{t.second:02d}")
        t += timedelta(hours=5, minutes=7, seconds=11)
    return [*cells, "13/1/2020 6:00:00"]


def test_mixed_formats_finds_a_conflict_past_the_first_sixteen_ways_of_writing():
    """Only the first cell of each of the first 16 ways of writing was compared: the pasted
    day-first row, written a 17th way, was never looked at, and the error named no cell."""
    cells = _log_with_a_pasted_row()
    assert read_dates(cells) is None and first_not_a_date(cells) is None
    pair = mixed_formats(cells)
    assert pair is not None
    i, j = pair
    assert j == len(cells) - 1 and int(cells[i].split("/")[1]) > 12, (cells[i], cells[j])
    assert read_dates([cells[i], cells[j]]) is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(CELLS), max_size=40)
    | st.lists(st.sampled_from([c for family in SLOW for c in family]), max_size=40)
)
def test_mixed_formats_names_a_pair_whenever_the_dates_are_in_more_than_one_format(cells):
    """Two cells that cannot be read together are named whenever each cell is a date and the
    column is not (no reader here refuses three cells of which each two read)."""
    if len(cells) < 2 or read_dates(cells) is not None or first_not_a_date(cells) is not None:
        return
    pair = mixed_formats(cells)
    assert pair is not None, cells
    i, j = pair
    assert i < j and read_dates([cells[i], cells[j]]) is None


# A column of each way a spreadsheet writes two-digit days, months and years, with '/' (read by
# the day/month reader since it was written) and the same with '-'.
_TWO_DIGIT_COLUMNS = [
    ["17/05/15", "24/05/15", "31/05/15", "07/06/15"],  # day-first: a day above 12
    ["05/17/15", "05/24/15", "05/31/15", "06/07/15"],  # month-first
    ["01/01/04", "01/02/04", "01/03/04", "01/04/04"],  # day-first months: the step decides
    ["01/01/04", "02/01/04", "03/01/04", "04/01/04"],  # month-first months
    ["01/02/04", "03/04/04"],  # both regular and in order: the convention, and a note
    ["17/05/15 10:00", "17/05/15 11:00", "17/05/15 12:00"],
    ["15/05/17", "15/05/24", "15/06/07"],  # yy-mm-dd: year-first is the reading in order
]


@pytest.mark.parametrize("slashes", _TWO_DIGIT_COLUMNS)
@pytest.mark.parametrize("convention", [US, DE])
def test_two_digit_days_months_and_years_with_dashes_read_as_with_slashes(slashes, convention):
    """numpy's ISO reader read 17-05-15 as the year 17 (0017-05-15): a weekly dd-mm-yy column
    became dates in the years 7 to 31, sorted into another order with a 2557-day step. With
    '-' the column is read as with '/' and '.': one day/month order for the whole column, the
    same timestamps and the same note (in its own separator)."""
    dashes = [c.replace("/", "-") for c in slashes]
    assert not numpy_can_parse(dashes)
    by_slashes = read_dates(slashes, convention=convention)
    by_dashes = read_dates(dashes, convention=convention)
    assert by_dashes is not None and by_slashes is not None
    assert by_dashes.timestamps.tolist() == by_slashes.timestamps.tolist()
    assert by_dashes.note == by_slashes.note.replace("/", "-")
    assert (by_dashes.timestamps >= np.datetime64("1930-01-01")).all()
    assert first_not_a_date(dashes) is None


def test_the_issues_weekly_day_first_column_reads_as_its_days():
    column = read_dates(["17-05-15", "24-05-15", "31-05-15", "07-06-15"])
    assert days(column) == ["2015-05-17", "2015-05-24", "2015-05-31", "2015-06-07"]
    assert column.note == "" and infer_step(column.timestamps).name == "weekly"
    legacy = read_dates(["17-05-15", "24-05-15"], compact=False)  # legacy requests too
    assert days(legacy) == ["2015-05-17", "2015-05-24"]


@pytest.mark.parametrize(
    "cell", ["99-05-17", "17-05", "17-05-15T10", "17-05-15 10:00:00.5", "32-01-15"]
)
def test_a_year_of_fewer_than_four_digits_before_a_dash_is_no_iso_date(cell):
    """What numpy read as the years 1 to 99 and no day/month reading takes (a first field
    above 31, two fields, an hour alone, a fraction of a second) is not a date: named, not
    read as a date 2000 years before the rest."""
    assert read_dates([cell]) is None
    assert read_dates(["2015-05-10", cell]) is None
    assert first_not_a_date(["2015-05-10", cell]) == 1


def test_iso_dates_and_a_two_digit_year_with_dashes_are_two_formats():
    """2021-01-03 rows and one 21-10-20 (2020-10-21 day-first, or 2020-21-10 nowhere): the
    column read the last as the year 21; now, as with 21/10/20, they are two formats, named."""
    cells = ["2021-01-03", "2021-01-10", "21-10-20", "2021-01-24"]
    assert read_dates(cells) is None
    assert first_not_a_date(cells) is None
    assert mixed_formats(cells) == (0, 2)
    assert read_dates(["0021-10-20", "0021-10-27"]) is not None  # four digits: ISO, as written


def _yy_mm_dd(first: str, step: int, n: int, sep: str) -> tuple[list[str], list[str]]:
    """n days from ``first``, ``step`` days apart: as ISO and as yy-mm-dd with ``sep``."""
    iso = [str(np.datetime64(first) + step * i) for i in range(n)]
    return iso, [d[2:].replace("-", sep) for d in iso]


@pytest.mark.parametrize("sep", ["-", "/", "."])
def test_a_yy_mm_dd_column_that_only_its_year_first_reading_puts_in_order_reads_so(sep):
    """A weekly column written yy-mm-dd (21-03-04, 21-03-11, ...) whose fields also fit a
    day-first reading was read day-first in silence: 21 March 2004, 2011, 2018, 2025, then
    2001-04-21, rows out of order. Only the year-first reading puts the rows in time order:
    as a day/month order is settled by the column, that one is read, and nothing assumed."""
    iso, cells = _yy_mm_dd("2021-03-04", 7, 10, sep)
    for convention in (US, DE):
        column = read_dates(cells, convention=convention)
        assert days(column) == iso and column.note == ""
    assert days(read_dates(["17-05-15", "24-05-15", "31-05-15", "07-06-15"])) == [
        "2015-05-17",
        "2015-05-24",
        "2015-05-31",
        "2015-06-07",
    ]


@pytest.mark.parametrize("sep", ["-", "/", "."])
def test_a_column_that_still_fits_year_first_says_what_was_assumed(sep):
    """21-01-01, 21-02-01, ... in order and monthly read both day-first (2001-01-21, ...) and
    year-first (2021-01-01, ...): it was read day-first without a word. The export's
    convention decides, as between day-first and month-first, and a note says what was
    assumed; a year written first is assumed only where the column settles it."""
    cells = [f"21{sep}{m:02d}{sep}01" for m in range(1, 7)]
    column = read_dates(cells, convention=DE)
    assert days(column) == [f"2001-{m:02d}-21" for m in range(1, 7)]
    assert column.note == (
        f"Dates such as 21{sep}01{sep}01 can be read day-first or year-first "
        f"(YY{sep}MM{sep}DD); they were read day-first (DD{sep}MM{sep}YY) because the export "
        "is in German. If the dates on the chart look wrong, save the file with dates written "
        "as 2024-01-31."
    )
    column = read_dates(cells, convention=US)  # month-first does not fit 21
    assert days(column) == [f"2001-{m:02d}-21" for m in range(1, 7)]
    assert column.note == (
        f"Dates such as 21{sep}01{sep}01 can be read day-first or year-first "
        f"(YY{sep}MM{sep}DD); they were read day-first (DD{sep}MM{sep}YY) because a two-digit "
        "year is written last far more often than first. If the dates on the chart look "
        "wrong, save the file with dates written as 2024-01-31."
    )
    three = read_dates([f"01{sep}02{sep}04", f"03{sep}04{sep}04"], convention=US)
    assert days(three) == ["2004-01-02", "2004-03-04"]
    assert three.note.startswith(
        f"Dates such as 01{sep}02{sep}04 can be read day-first or month-first, or year-first "
        f"(YY{sep}MM{sep}DD); they were read month-first (MM{sep}DD{sep}YY) because the export "
        "is in English."
    )


def test_a_year_first_reading_the_column_rules_out_changes_no_note():
    """12/01/04, 11/01/05 read day-first and month-first alike (the convention decides, and
    says so) and year-first out of order (2012, then 2011): the note names the two orders
    only. A yy-mm-dd reading is not weighed for a legacy request's column, as before."""
    column = read_dates(["12/01/04", "11/01/05"], convention=DE)
    assert days(column) == ["2004-01-12", "2005-01-11"]
    assert column.note.startswith(
        "Dates such as 12/01/04 can be read day-first or month-first; they were read "
        "day-first (DD/MM/YY) because the export is in German. If"
    )
    cells = [f"21-03-{d:02d}" for d in (4, 11, 18, 25)] + ["21-04-01"]
    legacy = read_dates(cells, compact=False, year_first=False)
    assert days(legacy)[:2] == ["2004-03-21", "2011-03-21"] and legacy.note == ""
    assert days(read_dates(cells))[:2] == ["2021-03-04", "2021-03-11"]


# A decimal fraction after the hour or the minute, in both forms and with a zone: ISO 8601
# reads it as a fraction of that hour or minute (00.5 is 00:30, 00:30.5 is 00:30:30), Python
# 3.11's datetime.fromisoformat as a fraction of a second (00:00:00.5), which its own
# documentation says it does not support.
FRACTION_OF_AN_HOUR_OR_MINUTE = [
    "2021-06-02T00.5",
    "2021-06-02T00,5",
    "2021-06-02 00.5",
    "2021-06-02T00.5Z",
    "2021-06-02T00.5+02:00",
    "2021-06-02T00:30.5",
    "2021-06-02 00:30,25",
    "20210602T00.5",
    "20210602T0030.5",
]


@pytest.mark.parametrize("cell", FRACTION_OF_AN_HOUR_OR_MINUTE)
def test_a_fraction_of_an_hour_or_a_minute_is_refused_not_read_as_seconds(cell):
    """2021-06-02T00.5 was read as 00:00 (Python's 00:00:00.5, the fraction of a second then
    dropped), where ISO 8601 means 00:30: half an hour off, said nowhere. It is no date now,
    alone or in a column, and the column's error names it."""
    assert read_dates([cell]) is None
    assert read_dates(["2021-06-01T23:00", cell]) is None
    assert first_not_a_date(["2021-06-01T23:00", cell]) == 1
    assert unread_fraction(cell) is not None


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("2021-06-02T00:30:00.5", "2021-06-02T00:30:00"),
        ("2021-06-02T00:30:30,5", "2021-06-02T00:30:30"),
        ("20210602T003000.5", "2021-06-02T00:30:00"),
        ("2021-06-02T00:30:00.5+02:00", "2021-06-01T22:30:00"),
    ],
)
def test_a_fraction_of_a_second_still_reads(cell, written):
    """A fraction after the seconds is what both readings agree on: read, as before."""
    assert read_dates([cell]).timestamps.astype(str).tolist() == [written]
    assert unread_fraction(cell) is None


@pytest.mark.parametrize(
    ("cell", "unit", "example"),
    [("2021-06-02T00.5", "an hour", "00:30"), ("2021-06-02T00:30.5", "a minute", "00:30:30")],
)
def test_a_file_or_series_with_a_fraction_of_an_hour_is_a_400_that_says_why(cell, unit, example):
    """The caller reads what the cell writes, how ISO 8601 reads it, and how to write it."""
    from trends_anomaly.contract import Invocation, invoke
    from trends_anomaly.errors import ApiError
    from trends_anomaly.settings import Settings

    rows = "".join(f"2021-06-01T{h:02d}:00,{h}\n" for h in range(20))
    bodies = {
        "text/csv": f"Time,load\n{rows}{cell},5\n".encode(),
        "application/json": json.dumps(
            {"series": [{"timestamps": ["2021-06-01T23:00", cell], "values": [1, 2]}]}
        ).encode(),
    }
    for kind, body in bodies.items():
        with pytest.raises(ApiError) as raised:
            invoke(Invocation(body, kind, "", ""), Settings())
        error = raised.value
        assert error.status == 400, (kind, error.message)
        assert repr(cell) in error.message or f"'{cell}'" in error.message, error.message
        assert f"a decimal fraction of {unit}" in error.message, error.message
        assert example in error.message, error.message
        assert "after the seconds" in error.hint, error.hint


def test_a_legacy_first_column_with_a_fraction_of_an_hour_is_row_positions_and_said():
    """A legacy request reads a first column that is not dates as row positions, with a
    warning: the cell with the fraction is named, and why (it was read as 00:00 before)."""
    from trends_anomaly.contract import Invocation, invoke
    from trends_anomaly.settings import Settings

    rows = "".join(f"2021-06-01T{h:02d}:00,{h}\n" for h in range(20))
    doc = {"data": f"Time,load\n{rows}2021-06-02T00.5,5\n", "seasonality": False}
    request = Invocation(json.dumps(doc).encode(), "application/json", "application/json", "")
    answer = invoke(request, Settings())
    said = [w for w in json.loads(answer.body)["warnings"] if "first column" in w]
    assert said and "'2021-06-02T00.5' in row 22 writes a decimal fraction of an hour" in said[0]
