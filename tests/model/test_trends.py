"""The parser on real Google Trends exports (byte-exact copies in tests/data) and edge cases."""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from trends_anomaly.errors import BadCsv, NoNumericColumn
from trends_anomaly.trends import parse_table, split_header

from tests.model.conftest import DATA

# file: (data rows, terms, '<1' cells, step) as listed in tests/data/SOURCES.md
EXPORTS = {
    "en_weekly5y_3terms_lt1_glp1.csv": (262, 3, 147, "weekly"),
    "en_weekly5y_bitcoin.csv": (262, 1, 0, "weekly"),
    "en_monthly2004_2terms_football.csv": (210, 2, 0, "monthly"),
    "en_hourly7d_2terms.csv": (168, 2, 0, "hourly"),
    "vi_hourly7d_2terms.csv": (168, 2, 0, "hourly"),
    "de_monthly2004_3terms.csv": (194, 3, 0, "monthly"),
    "zhcat_fr_weekly2y_lt1_covid.csv": (114, 1, 4, "weekly"),
    "uk_weekly1y_pandemic.csv": (52, 1, 0, "weekly"),
    "es_weekly5y_chile.csv": (261, 1, 0, "weekly"),
    "ja_monthly2004_cupcake.csv": (223, 1, 0, "monthly"),
    "en_weekly1y_crlf_lt1_colonterm.csv": (52, 1, 12, "weekly"),
    "en_monthly_trailingcomma_crlf.csv": (145, 1, 0, "monthly"),
    "it_monthly_quotedterms.csv": (66, 2, 0, "monthly"),
    "en_monthly2004_lt1_bitcoin.csv": (238, 1, 40, "monthly"),
    "he_weekly5y.csv": (262, 1, 0, "weekly"),
    "en_weekly1y_5terms_quoted_nopreamble.csv": (52, 5, 0, "weekly"),
    "pt_weekly5y_nopreamble_crlf.csv": (262, 1, 0, "weekly"),
    "zhtw_weekly5y_flu.csv": (261, 1, 0, "weekly"),
}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_real_exports_parse_completely(name):
    rows, terms, below_one, step = EXPORTS[name]
    raw = (DATA / name).read_bytes()
    table = parse_table(raw.decode("utf-8-sig"))
    assert len(table.series) == terms
    assert all(len(s.values) == rows for s in table.series)
    assert all(s.step.name == step for s in table.series)
    assert sum(int((s.values == 0.5).sum()) for s in table.series) >= below_one
    assert all(np.isfinite(s.values).all() for s in table.series)
    # Every data row is kept, in file order, with its label echoed unchanged.
    first_label = table.series[0].labels[0]
    assert first_label.encode() in raw
    assert table.warnings == []


def test_localized_headers_split_term_and_geo():
    table = parse_table((DATA / "vi_hourly7d_2terms.csv").read_text(encoding="utf-8"))
    assert [(s.name, s.geo) for s in table.series] == [
        ("Taylor Swift", "Hoa Kỳ"),
        ("Selena Gomez", "Hoa Kỳ"),
    ]
    assert table.series[0].labels[0] == "2021-06-02T13"


def test_term_with_colon_and_quoted_terms():
    assert split_header("NASDAQ:LCID: (Worldwide)") == ("NASDAQ:LCID", "Worldwide")
    table = parse_table((DATA / "it_monthly_quotedterms.csv").read_text(encoding="utf-8"))
    assert [s.name for s in table.series] == ['"Allianz"', '"Prima Assicurazioni"']


def test_bom_crlf_and_plain_csv():
    text = "\ufeffdate,visits,errors\r\n2024-01-01,10,1\r\n2024-01-02,12,0\r\n2024-01-03,11,2\r\n"
    table = parse_table(text)
    assert [s.name for s in table.series] == ["visits", "errors"]
    assert table.series[0].values.tolist() == [10, 12, 11]
    assert table.series[0].step.name == "daily"


def test_missing_cells_are_interpolated_with_a_warning():
    table = parse_table("t,v\n2024-01-01,1\n2024-01-02,\n2024-01-03,3\n")
    assert table.series[0].values.tolist() == [1, 2, 3]
    assert "missing" in table.warnings[0]


def test_out_of_order_rows_are_sorted_with_a_warning():
    table = parse_table("t,v\n2024-01-03,3\n2024-01-01,1\n2024-01-02,2\n")
    assert table.series[0].labels == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert table.series[0].values.tolist() == [1, 2, 3]
    assert any("sorted" in w for w in table.warnings)


def test_a_row_given_twice_is_kept_with_a_warning():
    table = parse_table("t,v\n2024-01-01,1\n2024-01-02,2\n2024-01-02,9\n2024-01-03,3\n")
    assert table.series[0].values.tolist() == [1, 2, 9, 3]  # file order, nothing lost
    assert table.warnings == [
        "two rows have the same date, 2024-01-02: both are kept as points, in file order; "
        "remove one if the row was copied twice"
    ]
    assert parse_table("t,v\n2024-01-01,1\n2024-01-02,2\n").warnings == []


@pytest.mark.parametrize("cell", ["NaN", "nan", "-nan", "+NaN"])
def test_a_nan_cell_is_a_missing_value_filled_and_said(cell):
    """float() reads 'NaN' as a number: the fast path kept it, and the series went to the
    detectors with a NaN in it (its value came back null, with no word of a missing cell)."""
    text = f"Week,x\n2024-01-07,1\n2024-01-14,{cell}\n2024-01-21,3\n2024-01-28,4\n"
    table = parse_table(text)
    assert table.series[0].values.tolist() == [1, 2, 3, 4]
    assert any("missing value" in w and "2024-01-14" in w for w in table.warnings)


def test_dots_grouping_thousands_in_a_file_with_decimal_commas_are_read_as_such():
    """German Excel writes 1088 as '1.088' in a ';' file (decimal commas): it was read as
    1.088, silently, so a series of visits around 1000 got false dips and its spike at 2.500
    was read as 2.5. A column whose every dotted cell groups digits in threes is read with
    the dots as thousands, and a warning says so; a dot anywhere else is a decimal point."""
    weeks = [f"{d:02d}.01.2022" for d in (2, 9, 16, 23, 30)]
    cells = ["914", "1.088", "2.500", "1.071,5", "923"]
    text = "Datum;Besuche\n" + "".join(f"{w};{c}\n" for w, c in zip(weeks, cells, strict=True))
    table = parse_table(text)
    assert table.series[0].values.tolist() == [914, 1088, 2500, 1071.5, 923]
    assert table.warnings == [
        "Besuche: '1.088' and the other numbers with dots were read as thousands (1088): in a "
        "file with decimal commas, a dot groups digits in threes"
    ]
    decimals = "Datum;Wert\n" + "".join(
        f"{w};{c}\n" for w, c in zip(weeks, ["0.5", "1.088", "2.5", "1.071", "3"], strict=True)
    )
    table = parse_table(decimals)
    assert table.series[0].values.tolist() == [0.5, 1.088, 2.5, 1.071, 3]
    assert table.warnings == []


def test_missing_rows_are_said_with_where_they_are_missing():
    """Rows cut out of an export (20 weeks of the GLP-1 file, deleted in a spreadsheet) were
    analysed as neighbours with no word: ozempic's level across the gap came back as a level
    shift at its first row after it. None of the real exports in tests/data has a gap."""
    weeks = np.datetime64("2022-01-02") + 7 * np.arange(60)
    kept = [w for i, w in enumerate(weeks) if not 20 <= i < 40]
    text = "Week,t\n" + "".join(f"{w},{i % 7}\n" for i, w in enumerate(kept))
    assert parse_table(text).warnings == [
        "no rows between 2022-05-15 and 2022-10-09 (20 weekly points missing): the values either "
        "side are analysed as if they were neighbours, so a change across the gap can be "
        "reported as an event. Export the whole time range again to fill it"
    ]
    two = [w for i, w in enumerate(weeks) if i not in (10, 30, 31)]
    text = "Week,t\n" + "".join(f"{w},{i % 7}\n" for i, w in enumerate(two))
    (said,) = parse_table(text).warnings
    assert said.startswith("no rows between 2022-07-24 and 2022-08-14 (2 weekly points missing")
    assert "; one more gap: 2022-03-06 to 2022-03-20" in said
    monthly = "Month,t\n" + "".join(f"2020-{m:02d},{m}\n" for m in range(1, 13))
    assert parse_table(monthly).warnings == []  # 28 to 31 days are one month each


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("hello world", BadCsv),
        ("Category: All\n\nWeek,term: (X)\n", BadCsv),
        ("t,v\n2024-01-01,a\n2024-01-02,b\n", NoNumericColumn),
        ("t,v\n2024-01-01,1\n2024-13-45,2\n", BadCsv),
    ],
)
def test_unusable_files_raise_clear_errors(text, error):
    with pytest.raises(error) as info:
        parse_table(text)
    assert info.value.message and info.value.hint


def test_zoned_and_non_iso_timestamps():
    table = parse_table("t,v\n2024-01-01T10:00:00+02:00,1\n2024-01-01T11:00:00+02:00,2\n")
    assert table.series[0].timestamps.astype(str).tolist() == [
        "2024-01-01T08:00:00",
        "2024-01-01T09:00:00",
    ]
    assert table.series[0].labels[0] == "2024-01-01T10:00:00+02:00"  # echoed as written
    table = parse_table("t,v\n31.01.2024,1\n01.02.2024,2\n")
    assert table.series[0].step.name == "daily"


# --- spreadsheet re-saves, localized '<1', other separators, legacy numeric axis (issue 12) ---

RESAVED = DATA / "resaved"


RESAVE = importlib.import_module("tests.data.resaved.resave")


def _read(path) -> str:
    from trends_anomaly.contract import decode_text

    return decode_text(path.read_bytes(), None, [])


def test_resaved_files_are_what_their_rules_write():
    """The variants are generated (no spreadsheet runs here): they must match their rules."""
    assert RESAVE.main(["--check"]) == 0
    assert sorted(p.name for p in RESAVED.glob("*.*") if p.suffix in {".csv", ".txt"}) == sorted(
        v.name for v in RESAVE.VARIANTS
    )


@pytest.mark.parametrize("variant", RESAVE.VARIANTS, ids=lambda v: v.name)
def test_resaved_exports_read_as_their_source(variant):
    source = parse_table((DATA / variant.source).read_text(encoding="utf-8-sig"))
    table = parse_table(_read(RESAVED / variant.name))
    n = variant.rows or len(source.series[0].values)
    assert [s.header for s in table.series] == [s.header for s in source.series]
    for mine, theirs in zip(table.series, source.series, strict=True):
        assert mine.timestamps.tolist() == theirs.timestamps[:n].tolist()
        assert mine.values.tolist() == theirs.values[:n].tolist()
        assert mine.step.name == theirs.step.name or variant.rows
    date_notes = [w for w in table.warnings if "day-first or month-first" in w]
    assert bool(date_notes) == (variant.rows is not None), table.warnings


@pytest.mark.parametrize(
    ("name", "assumed", "reason"),
    [
        (
            "excel-mac-en-us-shortdate-12months_en_monthly2004_2terms_football.csv",
            "month-first (MM/DD/YY)",
            "the export is in English",
        ),
        (
            "excel-win-de-de-12months_de_monthly2004_3terms.csv",
            "day-first (DD.MM.YYYY)",
            "the export is in German",
        ),
    ],
)
def test_ambiguous_dates_follow_the_exports_language_and_say_so(name, assumed, reason):
    table = parse_table(_read(RESAVED / name))
    assert table.series[0].timestamps[:3].astype(str).tolist() == [
        "2004-01-01T00:00:00",
        "2004-02-01T00:00:00",
        "2004-03-01T00:00:00",
    ]
    (note,) = table.warnings
    assert assumed in note and reason in note
    assert "2024-01-31" in note  # says how to avoid the guess


@pytest.mark.parametrize(
    "cell", ["<1", "< 1", "<\u00a01", "<\u202f1", "\uff1c1", " <1", "<1%", '"<1"']
)
def test_every_spelling_of_below_one_is_half(cell):
    table = parse_table(f"Week,term: (X)\n2024-01-07,5\n2024-01-14,{cell}\n2024-01-21,7\n")
    assert table.series[0].values.tolist() == [5, 0.5, 7]
    assert table.warnings == []


def test_semicolon_file_with_decimal_commas():
    text = "Kategorie: Alle Kategorien;\n;\nWoche;a: (Weltweit)\n13.01.2024;12,5\n20.01.2024;<1\n"
    table = parse_table(text)
    assert table.series[0].values.tolist() == [12.5, 0.5]
    assert table.series[0].labels == ["13.01.2024", "20.01.2024"]
    assert table.series[0].name == "a"


def test_a_comma_file_is_never_read_with_semicolons():
    table = parse_table("Week,a;b: (X)\n2024-01-07,1\n2024-01-14,2\n")
    assert [s.name for s in table.series] == ["a;b"]


ORIGINAL_EXAMPLE = "Time,Popularity\n0.0,0.23\n0.0059171597633136,0.21\n0.011834319526627219,0.3\n"


def test_a_numeric_time_axis_is_row_positions_for_legacy_requests():
    table = parse_table(ORIGINAL_EXAMPLE, numeric_axis=True)
    (s,) = table.series
    assert s.name == "Popularity"
    assert s.labels == ["0.0", "0.0059171597633136", "0.011834319526627219"]
    assert s.timestamps.astype(np.int64).tolist() == [0, 1, 2]
    assert s.step.name == "unknown"
    assert s.values.tolist() == [0.23, 0.21, 0.3]


def test_a_numeric_first_column_is_not_dates_elsewhere():
    with pytest.raises(BadCsv) as info:
        parse_table(ORIGINAL_EXAMPLE)
    assert "holds numbers" in info.value.message
    assert "first column" in info.value.hint


def test_each_range_of_a_time_range_comparison_keeps_its_own_dates():
    """Trends writes a date column per range when terms are compared over different time
    ranges; a shorter range ends in blank cells."""
    text = (
        "Week,a: (Worldwide),Week,a: (Worldwide)\n"
        "2020-01-05,1,2019-01-06,5\n2020-01-12,2,2019-01-13,6\n2020-01-19,3,,\n"
    )
    table = parse_table(text)
    first, second = table.series
    assert first.labels == ["2020-01-05", "2020-01-12", "2020-01-19"]
    assert first.values.tolist() == [1, 2, 3]
    assert second.labels == ["2019-01-06", "2019-01-13"]
    assert second.values.tolist() == [5, 6]
    assert str(second.timestamps[0])[:10] == "2019-01-06" and second.step.name == "weekly"
    assert table.warnings == [
        "a: read on the dates of its own column (2019-01-06 to 2019-01-13): the file "
        "compares time ranges"
    ]


def test_each_time_range_is_put_in_order_on_its_own():
    text = (
        "Week,a,Week,b\n"
        "2020-01-19,3,2019-01-06,5\n2020-01-12,2,2019-01-13,6\n2020-01-05,1,2019-01-20,7\n"
    )
    first, second = parse_table(text).series
    assert first.values.tolist() == [1, 2, 3]
    assert second.values.tolist() == [5, 6, 7]
    assert second.labels == ["2019-01-06", "2019-01-13", "2019-01-20"]


def test_a_category_without_a_search_term_is_named_by_its_category():
    """Trends heads a category's interest "Geo: <region>": the term is the category the
    preamble names, the region its geo (the page's title read "Geo: 대한민국")."""
    text = "카테고리: 게임\n\n월,Geo: 대한민국\n2008-04,17\n2008-05,19\n2008-06,18\n"
    s = parse_table(text).series[0]
    assert (s.name, s.geo, s.header) == ("게임", "대한민국", "Geo: 대한민국")
    s = parse_table("Month,Geo: Worldwide\n2020-01,5\n2020-02,6\n2020-03,7\n").series[0]
    assert (s.name, s.geo) == ("All searches", "Worldwide")


@pytest.mark.parametrize(
    "text",
    [
        "Week,a,b\n2020-01-05,1,\n2020-01-12,2,\n2020-01-19,3,\n",  # at the end
        "Week,a,b,c\n2020-01-05,1,,3\n2020-01-12,2,,4\n2020-01-19,3,,5\n",  # between others
    ],
)
def test_a_named_column_without_values_is_said_to_be_left_out(text):
    table = parse_table(text)
    assert "b" not in [s.name for s in table.series]
    assert table.warnings == ["column with no values left out: b"]


def test_columns_without_values_are_said_in_the_plural():
    """The warnings said "column(s)", "value(s)", "cell(s) are": each now has its number."""
    table = parse_table("Week,a,b,c\n2020-01-05,1,,\n2020-01-12,2,,\n2020-01-19,3,,\n")
    assert table.warnings == ["columns with no values left out: b, c"]


def test_a_trailing_comma_is_not_a_column():
    assert parse_table("Week,a,\n2020-01-05,1,\n2020-01-12,2,\n").warnings == []


# Google Trends' other downloads, written by hand in their formats: each is a Trends export,
# but not of interest over time, and was told "No data rows found ... Upload a Google Trends
# export", which it is.
GEO_MAP = (
    "Category: All categories\n\nCountry,bitcoin: (12/2/21 - 12/2/26)\n"
    "Nigeria,100\nEl Salvador,79\nSwitzerland,61\nSt. Helena,\n"
)
GEO_MAP_COMPARED = (
    "Category: All categories\n\n"
    "Region,bitcoin: (12/2/25 - 12/2/26),ethereum: (12/2/25 - 12/2/26)\n"
    "Wyoming,71%,29%\nNevada,83%,17%\n"
)
RELATED_QUERIES = (
    "Category: All categories\n\nTOP\nbitcoin price,100\nbtc,17\n\n"
    'RISING\nbitcoin etf,Breakout\nbitcoin halving 2024,"+3,150%"\n'
)
RELATED_TOPICS = (
    "Category: All categories\n\nTOP\nBitcoin - Cryptocurrency,100\nPrice - Topic,24\n\n"
    "RISING\nBitcoin ETF - Topic,Breakout\n"
)
TRENDING_NOW = (
    '"Trends","Search volume","Started","Ended","Trend breakdown","Explore link"\n'
    '"snow day","50K+","December 2, 2026 at 4:10:00 AM UTC-8","","snow day,school closings",'
    '"https://trends.google.com/trends/explore?q=snow%20day&date=now%207-d&geo=US"\n'
)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (GEO_MAP, "Interest by region"),
        (GEO_MAP_COMPARED, "Interest by region"),
        (GEO_MAP.replace(",", ";").replace("\n", "\r\n"), "Interest by region"),
        (RELATED_QUERIES, "Related queries or Related topics"),
        (RELATED_TOPICS, "Related queries or Related topics"),
        (TRENDING_NOW, "Trending now"),
    ],
    ids=["geomap", "geomap-2terms", "geomap-excel-de", "queries", "topics", "trending-now"],
)
def test_another_trends_download_is_named_with_the_one_to_use(text, said):
    with pytest.raises(BadCsv) as info:
        parse_table(text)
    assert said in info.value.message, info.value.message
    assert "no dates" in info.value.message, info.value.message
    assert "Interest over time (multiTimeline.csv)" in info.value.hint, info.value.hint


# What a parse that backtracks (the 28 s above, growing exponentially with the line) would
# exceed, and a loaded machine's slowest scheduling of a few ms of work would not.
HANG_S = 10.0


@pytest.mark.parametrize(
    "text",
    [
        "a,b: (" + "1 - 1 " * 700,  # a date range that never closes
        "x: (" * 1100,
        "\n" * 4000 + "Week",
        ("a," + "1 - 2 " * 60 + "\n") * 60,
    ],
    ids=["open-range", "many-parentheses", "blank-lines", "dashes"],
)
def test_telling_trends_downloads_apart_takes_no_time(text):
    """The patterns that name Trends' other downloads run on every file without dates (on the
    model and in the page): a first version backtracked for 28 s on a 1.2 KB line. A guard
    against that hang, not a measure of speed (that is bench's): each of these takes a few
    ms, and backtracking on them would take far longer than the limit. The limit was 0.5 s,
    which a loaded machine passed once in a fresh-clone run (0.69 s for the blank lines,
    6 ms alone)."""
    started = time.perf_counter()
    with pytest.raises(BadCsv):
        parse_table(text)
    assert time.perf_counter() - started < HANG_S


GLP1 = "en_weekly5y_3terms_lt1_glp1.csv"


def _glp1_with(cell: str, line: int = 154, column: int = 3) -> str:
    """The GLP-1 export with one cell of a value column replaced (line: the file's row
    number, as a spreadsheet shows it; 154 is 2023-10-08)."""
    lines = (DATA / GLP1).read_text(encoding="utf-8").splitlines()
    cells = lines[line - 1].split(",")
    cells[column] = cell
    lines[line - 1] = ",".join(cells)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "cell",
    ["#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#ERROR!", "#NV",
     "#WERT!", "#¡VALOR!", "#N/D", "\u2014", "\u2013", "\u2212", "--", " #N/A ", "?", "."],
)  # fmt: skip
def test_a_spreadsheet_error_cell_is_a_missing_value_said_where(cell):
    table = parse_table(_glp1_with(cell))
    assert [s.name for s in table.series] == ["ozempic", "monjauro", "wegovy"]
    wegovy = table.series[2]
    i = wegovy.labels.index("2023-10-08")
    assert wegovy.values[i - 1 : i + 2].tolist() == [21, 20, 19]  # between 21 and 19
    assert table.warnings == [
        f"wegovy: 1 missing value filled by interpolation: '{cell.strip()}' at 2023-10-08 (row 154)"
    ]


def test_missing_cells_are_named_by_date_and_row():
    table = parse_table("t,v\n2024-01-01,1\n2024-01-02,\n2024-01-03,N/A\n2024-01-04,4\n")
    assert table.series[0].values.tolist() == [1, 2, 3, 4]
    assert table.warnings == [
        "v: 2 missing values filled by interpolation: an empty cell at 2024-01-02 (row 3), "
        "'N/A' at 2024-01-03 (row 4)"
    ]


def test_a_mostly_text_column_is_ignored_naming_its_first_cell():
    text = "t,a,b\n2024-01-01,1,3\n2024-01-02,2,note\n2024-01-03,3,more\n2024-01-04,4,x\n"
    table = parse_table(text)
    assert [s.name for s in table.series] == ["a"]
    assert table.warnings == [
        "non-numeric column ignored: b; its first cell that is not a number is 'note' at "
        "2024-01-02 (row 3)"
    ]


def test_a_mostly_numeric_column_with_a_stray_cell_names_the_cell():
    table = parse_table(_glp1_with("ca. 20"))
    assert [s.name for s in table.series] == ["ozempic", "monjauro"]
    assert table.warnings == [
        "column ignored: wegovy: (United States) holds numbers, but 1 cell is not: 'ca. 20' at "
        "2023-10-08 (row 154); correct it, or empty it to have it filled from its neighbours"
    ]


def test_a_single_term_with_a_stray_cell_is_refused_naming_the_cell():
    text = "Week,bitcoin: (Worldwide)\n2024-01-07,5\n2024-01-14,5?\n2024-01-21,7\n2024-01-28,x\n"
    text += "".join(f"2024-02-{d:02d},6\n" for d in (4, 11, 18, 25))
    with pytest.raises(BadCsv) as info:
        parse_table(text)
    assert info.value.message == (
        "The column 'bitcoin: (Worldwide)' holds numbers, but 2 cells are not: '5?' at "
        "2024-01-14 (row 3), 'x' at 2024-01-28 (row 5)."
    )
    assert "commas" not in info.value.hint
    assert "empty" in info.value.hint


def test_a_file_without_numbers_names_its_first_cell():
    with pytest.raises(NoNumericColumn) as info:
        parse_table("t,v\n2024-01-01,a\n2024-01-02,b\n")
    assert "'a' at 2024-01-01 (row 2)" in info.value.message


def test_semicolon_file_with_decimal_commas_and_times():
    """Excel in German: ';' between cells, decimal commas, dates with a time. The comma
    reading split '14.06.2021 14:00;51,4;23,0' after '14:00;51', which passed for a date."""
    text = "\ufeffZeit;Taylor Swift: (Vereinigte Staaten);Selena Gomez: (Vereinigte Staaten)\n"
    text += "".join(f"14.06.2021 {h}:00;{50 + h / 10:.1f};23,0\n".replace(".", ",", 1)
                    .replace("14,06", "14.06") for h in range(14, 20))  # fmt: skip
    table = parse_table(text)
    assert [s.name for s in table.series] == ["Taylor Swift", "Selena Gomez"]
    assert table.series[0].values.tolist() == [51.4, 51.5, 51.6, 51.7, 51.8, 51.9]
    assert table.series[1].values.tolist() == [23.0] * 6
    assert table.series[0].step.name == "hourly"
    assert table.warnings == []


@pytest.mark.parametrize(
    "cell",
    ["6/2/2021 2:00 PM", "6/2/2021 2:00 p.m.", "2021-06-02T14:00:00Z", "2021-06-02 14:00:00.250",
     "2021-06-02T14:00:00+02:00", "2021-06-02T14:00:00-0500", "2021-06-02T14"],
)  # fmt: skip
def test_a_date_with_a_time_still_starts_the_data(cell):
    from trends_anomaly.timeaxis import looks_like_date

    assert looks_like_date(cell)
    assert not looks_like_date(f"{cell};50")


@pytest.mark.parametrize("first", ["44000", "44000.5", "44000,00"])
def test_spreadsheet_serial_dates_are_named_as_such(first):
    """Excel keeps a date as a day count (44000); a column not formatted as dates is saved so.
    The dates are not guessed from it: the hint says to format the column."""
    rows = [first] + [str(44000 + 7 * i) for i in range(1, 10)]
    with pytest.raises(BadCsv) as info:
        parse_table("Week;a\n" + "".join(f"{d};{i}\n" for i, d in enumerate(rows)))
    assert "spreadsheet" in info.value.message and "serial" in info.value.message
    assert "format" in info.value.hint.lower() and "as dates" in info.value.hint


@pytest.mark.parametrize(
    "first",
    [["2004", "2005", "2006", "2007"], ["1", "2", "3", "4"], ["0", "1", "2", "3"],
     ["-1", "0", "1", "2"], ["1.0", "2.0", "3.0", "4.0"]],
)  # fmt: skip
def test_a_first_column_of_plain_numbers_is_said_so_whatever_the_numbers(first):
    """A first column of integers (years, counts) got "No data rows found: no line of the
    file starts with a date", where one of decimals got "The first column holds numbers": the
    file has rows, and the page says "holds numbers" of both. The API now says so too."""
    text = "Week,bitcoin\n" + "".join(
        f"{f},{v}\n" for f, v in zip(first, [3, 5, 4, 6], strict=True)
    )
    with pytest.raises(BadCsv) as info:
        parse_table(text)
    assert info.value.message == f"The first column holds numbers ('{first[0]}'), not dates."
    assert "Put the dates in the first column" in info.value.hint


@pytest.mark.parametrize("stray", ["3", "2004", "1"])
@pytest.mark.parametrize("where", [1, 40, 79])
def test_a_plain_number_among_dates_is_named_not_read_as_a_year(stray, where):
    """A stray '3' in a weekly column was read as the year 0003 (2004 as 2004-01-01): the
    rows were sorted to put it first and ~736 000 days were said missing. A first column of
    numbers alone is refused ("holds numbers"); one number among dates is named as any other
    cell that is not a date is."""
    weeks = np.datetime64("2021-01-03") + np.arange(80) * np.timedelta64(7, "D")
    cells = weeks.astype(str).tolist()
    cells[where] = stray
    text = "Week,bitcoin\n" + "".join(f"{c},{i % 7}\n" for i, c in enumerate(cells))
    with pytest.raises(BadCsv) as info:
        parse_table(text)
    assert info.value.message == f"The first column must hold dates; '{stray}' is not one."
    cells[where] = "20210509"  # eight digits stay a date (yyyymmdd)
    text = "Week,bitcoin\n" + "".join(f"{c},{i % 7}\n" for i, c in enumerate(cells))
    assert len(parse_table(text).series[0].values) == 80


# Peak memory of parse_table on one 6 MB body (the payload limit), in a fresh interpreter:
# ru_maxrss after, less before (MB). A real export of that size (430 000 daily rows) peaks
# some 150 MB above the start.
_PEAK = """
import resource, sys
from trends_anomaly.errors import BadCsv
from trends_anomaly.trends import parse_table
text = {text}
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    parse_table(text)
    said = "parsed"
except BadCsv as err:
    said = err.message
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) // 1024)
print(said)
"""


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # 6 million blank lines: one list per line, 444 MB for a 400 (No data rows found)
        ('"x" + "\\n" * 5_999_999', "No data rows found"),
        # rows of empty cells, the same (",\n": 337 MB)
        ('",\\n" * 3_000_000', "No data rows found"),
        # 3 million one-cell rows ("1\n"), 329 MB, and none of them data: said as before
        ('"Week,a\\n" + "1\\n" * 3_000_000', "No data rows found"),
        # the same after a data row: more rows than any request may hold
        (
            '"Week,a\\n2020-01-05,1\\n" + "1\\n" * 2_999_990',
            "The file has more than 501000 rows; one request may hold at most 500000 points.",
        ),
    ],
    ids=["blank-lines", "empty-cells", "one-cell-rows", "one-cell-rows-after-data"],
)
def test_a_6mb_file_of_tiny_rows_is_refused_without_a_list_per_row(text, said):
    """A row costs ~100 bytes as a Python list: a 6 MB file of two-byte rows took 330 to 444
    MB to refuse, over a worker's 300 MB budget (MODEL_WORKER_MEMORY_MB), with two such
    requests per worker admitted at once. Rows without cells share one list now, and reading
    stops past the most rows a request can hold."""
    model = Path(__file__).resolve().parents[2] / "model"
    done = subprocess.run(
        [sys.executable, "-c", _PEAK.format(text=text)],
        cwd=model,
        timeout=300,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    peak_mb, message = done.stdout.splitlines()
    assert said in message
    assert int(peak_mb) < 120, f"{peak_mb} MB above the start to read a 6 MB file"


COMPACT = "Day,term\n" + "".join(f"202001{d:02d},{d % 7}\n" for d in range(1, 22))


def test_a_first_column_of_compact_dates_is_read_as_iso_dates_are():
    """A spreadsheet export written as yyyymmdd: the same series, step and labels as the
    file's own cells, as for ISO dates (it was refused as "holds numbers")."""
    table = parse_table(COMPACT)
    iso = parse_table(COMPACT.replace("202001", "2020-01-"))
    (s,), (t,) = table.series, iso.series
    assert s.labels[:2] == ["20200101", "20200102"]
    assert s.timestamps.tolist() == t.timestamps.tolist()
    assert s.step == t.step and s.step.name == "daily"
    assert s.values.tolist() == t.values.tolist()
    assert table.warnings == iso.warnings


def test_a_compact_cell_that_is_no_day_is_named_not_called_a_number():
    with pytest.raises(BadCsv) as info:
        parse_table(COMPACT.replace("20200113", "20201399"))
    assert info.value.message == "The first column must hold dates; '20201399' is not one."


def test_a_legacy_first_column_of_eight_digit_numbers_stays_row_positions():
    """Legacy requests read a first column of plain numbers as row positions, as the original
    app ignored it: 20200101 is a number there too, as it always was."""
    (s,) = parse_table(COMPACT, numeric_axis=True).series
    assert s.timestamps.astype(np.int64).tolist() == list(range(21))
    assert s.step.name == "unknown" and s.labels[0] == "20200101"


HOURS = "Time,term\n" + "".join(
    f"2021-06-{2 + h // 24:02d}T{h % 24:02d}:00,{h % 7}\n" for h in range(60)
)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("zone", ["", "Z"])
def test_a_first_column_of_basic_form_hours_is_read_as_the_extended_form(delimiter, zone):
    """20210602T1400, ISO 8601's basic form: no row was found to start with a date (a 400 "No
    data rows found"); now the same series, step and warnings as 2021-06-02T14:00."""
    text = HOURS.replace(":00,", f":00{zone},").replace(",", delimiter)
    basic = "\n".join(
        line[:16].replace("-", "").replace(":", "") + line[16:] if line[:1] == "2" else line
        for line in text.splitlines()
    )
    assert f"\n20210602T0000{zone}{delimiter}0\n" in basic
    table, extended = parse_table(basic), parse_table(text)
    (s,), (t,) = table.series, extended.series
    assert s.labels[:2] == [f"20210602T0000{zone}", f"20210602T0100{zone}"]
    assert s.timestamps.tolist() == t.timestamps.tolist()
    assert s.step == t.step and s.step.name == "hourly"
    assert s.values.tolist() == t.values.tolist()
    assert table.warnings == extended.warnings


@pytest.mark.parametrize("bad", ["20211399T1400", "20210602T2500"])
def test_a_basic_form_cell_that_is_no_date_is_named(bad):
    text = "Time,term\n" + "".join(f"20210602T{h:02d}00,{h}\n" for h in range(20))
    with pytest.raises(BadCsv) as info:
        parse_table(text.replace("20210602T0700", bad))
    assert info.value.message == f"The first column must hold dates; '{bad}' is not one."


def test_a_legacy_file_of_basic_form_hours_is_read_as_before():
    """Legacy requests are read as they were: a comma file's basic-form first column was
    found by its values and read as dates."""
    text = "Time,term\n" + "".join(f"20210602T{h:02d}00,{h % 5}\n" for h in range(20))
    (s,) = parse_table(text, numeric_axis=True).series
    assert s.step.name == "hourly" and s.labels[0] == "20210602T0000"


# A legacy first column of plain integers, as a person or a script numbers rows: numpy reads
# "1" as the year 0001 and "2004" as 2004, but the original app ignored the column.
_SHUFFLED = [int(p) + 1 for p in np.random.default_rng(1).permutation(30)]
LEGACY_INTEGERS = {
    "counting": [str(i) for i in range(1, 31)],
    "from zero": [str(i) for i in range(30)],
    "shuffled": [str(p) for p in _SHUFFLED],
    "repeated": [str(i // 2 + 1) for i in range(30)],
    "zeros": ["0"] * 30,
    "negative": [str(-i) for i in range(30)],
    "years": [str(2004 + i) for i in range(30)],
    "years newest first": [str(2033 - i) for i in range(30)],
    "signed": [f"+{i}" for i in range(1, 31)],
    "leading zeros": [f"{i:03d}" for i in range(1, 31)],
    "four digits": [f"{i:04d}" for i in range(1, 31)],
}


@pytest.mark.parametrize("kind", LEGACY_INTEGERS)
def test_a_legacy_first_column_of_integers_is_row_positions(kind):
    """Integers are plain numbers too: rows stay in file order on row positions, never
    sorted by the years numpy would read them as, and nothing is said of their order."""
    cells = LEGACY_INTEGERS[kind]
    text = "Time,Popularity\n" + "".join(f"{c},{i % 7}\n" for i, c in enumerate(cells))
    table = parse_table(text, numeric_axis=True)
    (s,) = table.series
    assert s.timestamps.astype(np.int64).tolist() == list(range(30))
    assert s.step.name == "unknown"
    assert s.labels == cells
    assert s.values.tolist() == [i % 7 for i in range(30)]
    assert table.warnings == []


def test_dates_in_two_formats_far_down_a_long_log_are_named():
    from tests.model.test_timeaxis import _log_with_a_pasted_row

    cells = _log_with_a_pasted_row()
    text = "Time,x\n" + "".join(f"{c},{i % 9}\n" for i, c in enumerate(cells))
    with pytest.raises(BadCsv) as info:
        parse_table(text)
    assert info.value.message == (
        "The first column's dates are not in one format: '1/13/2020 2:13:32' and "
        "'13/1/2020 6:00:00' cannot be read the same way."
    )


def test_a_legacy_first_column_of_text_is_row_positions_after_the_preamble():
    """A legacy file whose first column holds no dates and no numbers (labels, blanks) starts
    at its first row with a number after the first cell, the header above it, a Trends
    preamble kept out; the column is ignored, as the original app ignored it, and said so."""
    text = "Category: All categories\n\nWeek,a: (Worldwide)\nfirst,1\nsecond,<1\n,3\n"
    table = parse_table(text, numeric_axis=True)
    (s,) = table.series
    assert (s.name, s.labels, s.values.tolist()) == ("a", ["first", "second", ""], [1, 0.5, 3])
    assert s.timestamps.astype(np.int64).tolist() == [0, 1, 2]
    assert s.step.name == "unknown"
    assert table.warnings == [
        "the first column was not read as dates ('first' in row 4 is not a date): its rows "
        "were analysed in file order, as row positions"
    ]
    with pytest.raises(BadCsv) as info:  # elsewhere, as before
        parse_table(text)
    assert info.value.message.startswith("No data rows found")


@pytest.mark.parametrize("text", [GEO_MAP, GEO_MAP_COMPARED], ids=["geomap", "geomap-2terms"])
def test_another_trends_download_is_still_named_in_a_legacy_request(text):
    """Its first column is places, not a time axis: named as elsewhere, not read as rows."""
    with pytest.raises(BadCsv) as info:
        parse_table(text, numeric_axis=True)
    assert "Interest by region" in info.value.message


@pytest.mark.parametrize("first", ["a", ""], ids=["label", "blank"])
def test_a_legacy_first_data_row_without_a_date_is_no_header(first):
    """The original app read the line after its header as data whatever its first cell: a
    first row labelled, or blank, there is a data row, not the header of the rows below."""
    text = f"Time,Popularity\n{first},5\n2020-01-02,6\n2020-01-03,7\n"
    table = parse_table(text, numeric_axis=True)
    (s,) = table.series
    assert (s.name, s.labels, s.values.tolist()) == ("Popularity", [first, *_JAN[1:3]], [5, 6, 7])
    assert s.timestamps.astype(np.int64).tolist() == [0, 1, 2]
    assert len(table.warnings) == 1 and "in row 2" in table.warnings[0]
    # A header whose term is a number stays the header; a preamble stays out.
    for head in ("Month,1917\n", "Category: All categories\n\nMonth,1917\n"):
        (s,) = parse_table(head + "2020-01,5\n2020-02,6\n", numeric_axis=True).series
        assert (s.name, s.labels) == ("1917", ["2020-01", "2020-02"])


_JAN = ["2020-01-01", "2020-01-02", "2020-01-03"]


@pytest.mark.parametrize("firsts", [["a", "b", "c"], ["", "", ""], ["a", *_JAN[1:]]])
def test_a_legacy_blank_line_under_a_header_in_words_is_skipped(firsts):
    """`Time,Popularity`, a blank line, rows: pandas (the original app's reading) skips the
    blank line, so every row under the header is data. The first labelled row was read as
    the header (the rule for `Month,1917` under a preamble's blank line), still its rule."""
    rows = "".join(f"{c},{5 + i}\n" for i, c in enumerate(firsts))
    (s,) = parse_table("Time,Popularity\n\n" + rows, numeric_axis=True).series
    assert (s.labels, s.values.tolist()) == (firsts, [5, 6, 7])
    (s,) = parse_table("Category: All categories\n\nMonth,1917\n" + rows, True).series
    assert (s.name, s.labels) == ("1917", firsts)


@pytest.mark.parametrize("line", [",", ",,", "\n \r\n,", ";"], ids=["comma", "two", "blanks", "sc"])
def test_a_legacy_first_line_of_delimiters_only_heads_every_row_under_it(line):
    """pandas.read_csv (the original app's reading) skips blank lines but takes `,` as the
    header: every line under it is a row, whatever its first cell. It was read as blank,
    and the line under it as the header (one point fewer). Only legacy requests read so."""
    sep = ";" if line == ";" else ","
    for cells in (["0.5", "1.5", "2.5"], _JAN, ["a", "b", "c"]):
        text = line + "\n" + "".join(f"{c}{sep}{5 + i}\n" for i, c in enumerate(cells))
        (s,) = parse_table(text, numeric_axis=True).series
        assert (s.name, s.labels, s.values.tolist()) == ("Unnamed: 1", cells, [5, 6, 7])
    (s,) = parse_table(",\n" + "".join(f"{d},{5 + i}\n" for i, d in enumerate(_JAN))).series
    assert (s.name, s.values.tolist()) == ("value", [5, 6, 7])


@pytest.mark.parametrize(
    ("sep", "point"),
    [(";", ","), (";", "."), ("\t", "."), ("\t", ",")],
    ids=["sc", "sp", "tp", "tc"],
)
@pytest.mark.parametrize(
    "firsts", [["a", "b", "c"], ["", "", ""], ["a", *_JAN[1:]]], ids=["labels", "blanks", "label"]
)
def test_a_legacy_file_without_dates_is_read_in_its_own_delimiter(sep, point, firsts):
    """No row starting with a date or a number: the fallback read a `;` or tab file with
    commas only (split at its decimal commas, or no data rows found). Now the same series as
    the comma file's, header and rows."""
    comma = "Time,Popularity\n" + "".join(f"{c},0.{5 + i}\n" for i, c in enumerate(firsts))
    text = comma.replace(",", sep).replace(".", point)
    (s,) = parse_table(comma, numeric_axis=True).series
    (t,) = parse_table(text, numeric_axis=True).series
    assert (t.name, t.labels, t.values.tolist()) == (s.name, s.labels, s.values.tolist())
    assert (t.name, t.values.tolist()) == ("Popularity", [0.5, 0.6, 0.7])


@pytest.mark.parametrize("head", ["", "Category: All categories\n\n"], ids=["first", "preamble"])
@pytest.mark.parametrize(
    "firsts", [["a"], ["a", "b"], [""], ["a", "b", "c"]], ids=["label", "labels", "blank", "all"]
)
def test_a_legacy_header_whose_term_is_a_number_heads_the_rows_under_it(head, firsts):
    """`Month,1917` stays the header, and every row under it is data, labelled, blank or
    dated (as the original app read the line after its header): the labelled rows were
    dropped, the last of them read as the header; with no date at all, the header was data."""
    cells = [*firsts, *_JAN][:3]
    text = head + "Month,1917\n" + "".join(f"{c},{5 + i}\n" for i, c in enumerate(cells))
    table = parse_table(text, numeric_axis=True)
    (s,) = table.series
    assert (s.name, s.labels, s.values.tolist()) == ("1917", cells, [5, 6, 7])
    assert s.timestamps.astype(np.int64).tolist() == [0, 1, 2]


def test_day_first_dates_with_dashes_and_two_digit_years_are_read_as_their_days():
    """17-05-15 (17 May 2015, as a day-first spreadsheet writes it with '-') was read by numpy
    as the year 17: the rows became the years 7 to 31, were sorted into another order ("rows
    were not in time order and were sorted") and the step was 2557 days."""
    table = parse_table("Time,x\n17-05-15,1\n24-05-15,2\n31-05-15,3\n07-06-15,4\n")
    (s,) = table.series
    assert s.timestamps.astype("datetime64[D]").astype(str).tolist() == [
        "2015-05-17",
        "2015-05-24",
        "2015-05-31",
        "2015-06-07",
    ]
    assert s.values.tolist() == [1, 2, 3, 4] and s.labels[0] == "17-05-15"
    assert s.step.name == "weekly" and table.warnings == []


def test_iso_dates_and_one_two_digit_year_with_dashes_are_named_as_two_formats():
    text = "Time,x\n2021-01-03,1\n2021-01-10,2\n21-10-20,3\n2021-01-24,4\n"
    with pytest.raises(BadCsv) as info:
        parse_table(text)
    assert info.value.message == (
        "The first column's dates are not in one format: '2021-01-03' and '21-10-20' cannot be "
        "read the same way."
    )


@pytest.mark.parametrize(
    "text", ["Time,x\n2024-01-31,1\nsoon,2\n", "Time,x\n2024-01-31,1\n31/01/2024,2\n"]
)
def test_the_date_hint_names_each_form_read_the_hourly_basic_form_too(text):
    """The hint listed 2024-01-31, 20240131, 2024-01, 2024-01-31T14:00 and 31/01/2024 but
    not 20240131T1400, ISO 8601's basic form with a time, which is read too (8e5b3f6)."""
    with pytest.raises(BadCsv) as info:
        parse_table(text)
    assert info.value.hint == (
        "Use dates such as 2024-01-31, 20240131, 2024-01, 2024-01-31T14:00, 20240131T1400 or "
        "31/01/2024, one format for the whole column."
    )
    assert parse_table("Time,x\n20240131T1400,1\n20240131T1500,2\n").series[0].step.name == (
        "hourly"
    )


def test_a_yy_mm_dd_column_reads_as_its_days_and_a_legacy_one_as_before():
    """A weekly 21-03-04, 21-03-11, ... (yy-mm-dd) was read day-first in silence (21 March
    2004, 2011, 2018, 2025, then 21 April 2001): rows sorted into another order. Now it is
    the ISO column's series and warnings; a legacy request reads it as it always did."""
    iso = [str(np.datetime64("2021-03-04") + 7 * i) for i in range(30)]
    rows = "".join(f"{d},{i % 7}\n" for i, d in enumerate(iso))
    expected = parse_table("Week,x\n" + rows)
    table = parse_table("Week,x\n" + rows.replace("\n20", "\n").removeprefix("20"))
    (s,), (t,) = table.series, expected.series
    assert s.labels[:2] == ["21-03-04", "21-03-11"]
    assert s.timestamps.tolist() == t.timestamps.tolist() and s.step == t.step
    assert s.values.tolist() == t.values.tolist() and table.warnings == expected.warnings
    legacy = parse_table("Week,x\n" + rows.replace("\n20", "\n").removeprefix("20"), True)
    assert legacy.series[0].timestamps[0] == np.datetime64("2001-04-21")
    assert "rows were not in time order and were sorted" in legacy.warnings
