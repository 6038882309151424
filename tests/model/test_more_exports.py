"""Sixteen more real exports (tests/data/more, sources in its README) through the model
container: each is read with the terms, rows and time axis it holds, and answered."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

MORE = Path(__file__).resolve().parents[1] / "data" / "more"
# file: (terms, rows, first and last timestamp as the answer writes them, first terms' names)
EXPECTED = {
    "ru_weekly5y_3terms.csv": (3, 262, "2020-10-25", "2025-10-26", ["ChatGPT for studying"]),
    "vi_monthly2004_blank_first_line_nopreamble.csv": (1, 263, "2004-01", "2025-11", ["Vn-Index"]),
    "id_oneday_8min_tz_3terms.csv": (
        3,
        181,
        "2024-10-21T08:28:00+07:00",
        "2024-10-22T08:28:00+07:00",
        ["Mitsubishi Pajero Sport", "Toyota Fortuner", "Lexus LX570"],
    ),
    "da_monthly2004_lt1.csv": (1, 192, "2004-01", "2019-12", ["kindle"]),
    "weekly_no_header_crlf.csv": (1, 70, "2020-01-05", "2021-05-02", ["value"]),
    "ro_weekly5y_bitcoin.csv": (1, 261, "2020-03-29", "2025-03-23", ["bitcoin"]),
    "pl_monthly_4terms.csv": (4, 153, "2008-01", "2020-09", ["Big data", "Uczenie maszynowe"]),
    "en_weekly1y_persian_term.csv": (1, 53, "2023-12-03", "2024-12-01", ["صادرات به عراق"]),
    "en_oneday_8min_tz_3terms_nopreamble.csv": (
        3,
        181,
        "2025-09-15T18:36:00-05:00",
        "2025-09-16T18:36:00-05:00",
        ["trump", "kamala harris", "election"],
    ),
    "en_weekly5y_handedited_mdy_lt1_crlf.csv": (
        1,
        260,
        "9/20/2020",
        "9/7/2025",
        ["trump kamala harris election"],
    ),
    "daily_handedited_ymd_slashes_crlf.csv": (1, 212, "2009/6/1", "2009/12/29", ["MJ"]),
    # A category's interest, no search term: named by the category, "Geo: 대한민국" its region.
    "ko_monthly_category_only.csv": (1, 213, "2008-04", "2025-12", ["게임"]),
    "en_hourly7d_premier_league.csv": (
        1,
        168,
        "2023-01-25T12",
        "2023-02-01T11",
        ["Premier League"],
    ),
    "it_monthly_semicolons_16terms.csv": (
        16,
        232,
        "2004-01",
        "2023-04",
        ["Cesare-Romolo", "Romolo"],
    ),
    # Trends' export as of 2026: quoted cells, "Time", no preamble, no region in the header,
    # a month written as its first day.
    "monthly_2026_format_quoted_noregion.csv": (1, 60, "2021-03-01", "2026-02-01", ["bts"]),
    # Terms compared over two time ranges: a date column per range.
    "pt_weekly1y_compare_time_ranges.csv": (2, 52, "2020-01-05", "2020-12-27", ["Suicídio"]),
}
# Files whose terms are on time axes of their own: (first, last) timestamp per term.
AXES = {
    "pt_weekly1y_compare_time_ranges.csv": [
        ("2020-01-05", "2020-12-27"),
        ("2019-01-06", "2019-12-29"),
    ],
}


def test_every_file_here_is_listed():
    assert sorted(p.name for p in MORE.glob("*.csv")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_real_export_is_read_as_it_is_and_answered(client, name):
    terms, rows, first, last, names = EXPECTED[name]
    status, answer = client.json((MORE / name).read_bytes())
    assert status == 200, answer
    series = answer["series"]
    assert len(series) == terms
    assert [s["name"] for s in series][: len(names)] == names
    axes = AXES.get(name, [(first, last)] * terms)
    for s, ends in zip(series, axes, strict=True):
        assert len(s["values"]) == len(s["timestamps"]) == rows
        assert (s["timestamps"][0], s["timestamps"][-1]) == ends
        for key in ("values", "expected", "lower", "upper"):
            assert all(v is not None and math.isfinite(v) for v in s[key]), (s["name"], key)
        assert all(0 <= v <= 100 for v in s["values"])


def test_a_comparison_of_time_ranges_says_each_term_keeps_its_dates(client):
    """The second range used to be read on the first one's dates (its date column was
    skipped as "non-numeric"), without a word: 2019's values shown as 2020's."""
    status, answer = client.json((MORE / "pt_weekly1y_compare_time_ranges.csv").read_bytes())
    assert status == 200, answer
    later, earlier = answer["series"]
    assert earlier["values"][:4] == [52, 50, 50, 49]  # the file's 2019 column
    assert later["values"][:4] == [53, 50, 53, 51]
    assert any("compares time ranges" in w and "2019-01-06" in w for w in answer["warnings"])
    assert not any("ignored" in w for w in answer["warnings"])
