"""The text/csv answer's cells: one rule with the page's download (tests/data/csv_cells.json)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from trends_anomaly.answer_csv import COLUMNS, FORMULA_START, anomalies_csv, csv_cell

from tests.model.conftest import DATA

CASES = json.loads((DATA / "csv_cells.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize(("value", "expected"), CASES, ids=[repr(c[0])[:30] for c in CASES])
def test_cells_follow_the_shared_rule(value, expected):
    assert csv_cell(value) == expected


def test_every_formula_start_is_guarded():
    for char in FORMULA_START:
        assert csv_cell(f"{char}x").lstrip('"').startswith("'")
    assert csv_cell(float("nan")) == ""


def test_answer_table_guards_terms_and_keeps_the_extent():
    answer = {
        "series": [
            {
                "name": '=HYPERLINK("http://example.invalid","x")',
                "anomalies": [
                    {
                        "index": 3,
                        "timestamp": "2020-01-26",
                        "value": 50.0,
                        "expected": 2.5,
                        "score": 7.25,
                        "direction": "up",
                        "kind": "spike",
                        "start": "2020-01-19",
                        "end": "2020-02-02",
                    }
                ],
            }
        ]
    }
    text = anomalies_csv(answer).decode()
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(COLUMNS)
    assert rows[1] == [
        '\'=HYPERLINK("http://example.invalid","x")',
        "3",
        "2020-01-26",
        "50",
        "2.5",
        "7.25",
        "up",
        "spike",
        "2020-01-19",
        "2020-02-02",
    ]


def _term(name: str, geo: str, first: str, last: str, when: str) -> dict:
    anomaly = {
        "index": 1,
        "timestamp": when,
        "value": 90.0,
        "expected": 20.0,
        "score": 6.0,
        "direction": "up",
        "kind": "spike",
    }
    return {"name": name, "geo": geo, "timestamps": [first, when, last], "anomalies": [anomaly]}


def test_a_term_compared_across_regions_or_ranges_is_named_apart():
    """One term in two regions (or over two time ranges) has one name: every row said
    "bitcoin", and a spreadsheet's filter could not keep the regions apart. The `series` cell
    is the name as the page's download writes it: with the region where the regions differ,
    with the time range where they do not (site/src/words.js distinctTitles)."""
    regions = {
        "series": [
            _term("bitcoin", "United States", "2020-01-05", "2020-01-19", "2020-01-12"),
            _term("bitcoin", "Germany", "2020-01-05", "2020-01-19", "2020-01-12"),
            _term("ozempic", "Germany", "2020-01-05", "2020-01-19", "2020-01-12"),
        ]
    }
    rows = list(csv.reader(io.StringIO(anomalies_csv(regions).decode(), newline="")))
    assert [r[0] for r in rows[1:]] == ["bitcoin (United States)", "bitcoin (Germany)", "ozempic"]
    ranges = {
        "series": [
            _term("Suicídio", "Brasil", "2004-01", "2004-03", "2004-02"),
            _term("Suicídio", "Brasil", "2010-01", "2010-03", "2010-02"),
        ]
    }
    rows = list(csv.reader(io.StringIO(anomalies_csv(ranges).decode(), newline="")))
    assert [r[0] for r in rows[1:]] == [
        "Suicídio (2004-01 – 2004-03)",
        "Suicídio (2010-01 – 2010-03)",
    ]
