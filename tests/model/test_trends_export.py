"""The one Trends CSV writer: what Trends writes, read back by the model's own parser."""

from __future__ import annotations

import pytest
from trends_anomaly.trends import parse_csv
from trends_anomaly.trends_export import export_csv, trends_value


def test_values_as_trends_prints_them() -> None:
    assert [trends_value(v) for v in (0.0, 0.15, 0.16, 0.99, 1.0, 1.49, 1.5, 99.5, "7")] == [
        "0",
        "0",
        "<1",
        "<1",
        "1",
        "1",
        "2",
        "100",
        "7",
    ]


def test_an_export_round_trips_through_the_parser() -> None:
    labels = ["2024-01-07", "2024-01-14", "2024-01-21", "2024-01-28"]
    text = export_csv("Week", labels, {"a": [10, 0.5, 30, 100], "b": [1, 2, 3, 4]}, region="Chile")
    assert text.splitlines()[:3] == ["Category: All categories", "", "Week,a: (Chile),b: (Chile)"]
    assert text.splitlines()[4] == "2024-01-14,<1,2" and text.endswith("\n")
    a, b = parse_csv(text)
    assert (a.name, b.name) == ("a", "b")
    assert list(b.values) == [1, 2, 3, 4] and a.values[0] == 10 and a.values[3] == 100


def test_a_column_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="a: 1 values for 2 time labels"):
        export_csv("Week", ["2024-01-07", "2024-01-14"], {"a": [1]})
