"""The numbers the server reads from its environment: a bad one stops the start in one line."""

from __future__ import annotations

import pytest
from serving.environment import seconds


def test_unset_or_empty_is_the_default():
    assert seconds("T", "30", env={}) == 30.0
    assert seconds("T", "60", whole=True, env={"T": " "}) == 60
    assert seconds("T", "30", env={"T": "2.5"}) == 2.5
    assert seconds("T", "60", whole=True, env={"T": "120"}) == 120


@pytest.mark.parametrize(
    ("value", "whole", "said"),
    [
        ("60s", True, "T='60s': must be a whole number of seconds above 0"),
        ("2.5", True, "T='2.5': must be a whole number of seconds above 0"),
        ("abc", False, "T='abc': must be a number of seconds above 0"),
        ("0", False, "T=0: must be a number of seconds above 0"),
        ("-1", True, "T=-1: must be a whole number of seconds above 0"),
        ("nan", False, "T=nan: must be a number of seconds above 0"),
        ("inf", False, "T=inf: must be a number of seconds above 0"),
    ],
)
def test_a_value_that_is_no_duration_says_what_it_must_be(value, whole, said):
    with pytest.raises(SystemExit) as stop:
        seconds("T", "1", whole=whole, env={"T": value})
    assert str(stop.value.code) == said
