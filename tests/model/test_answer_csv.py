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
