"""The property tests draw the same examples on every run of `make test` (tests/conftest.py's
"gate" profile): CI gates every merge on that run, so a merge must fail for what it changed,
never for a new random draw."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


def _drawn() -> list[int]:
    """The examples one run of a property draws."""
    seen: list[int] = []

    @settings(max_examples=20)
    @given(st.integers(min_value=0, max_value=10**9))
    def prop(n: int) -> None:
        seen.append(n)

    prop()
    return seen


def test_two_runs_of_a_property_draw_the_same_examples() -> None:
    if os.environ.get("HYPOTHESIS_EXPLORE") == "1":
        pytest.skip("HYPOTHESIS_EXPLORE=1 draws new examples on purpose")
    first, second = _drawn(), _drawn()
    assert len(set(first)) > 1 and first == second
    assert settings.default.database is None  # nothing found on one machine replays elsewhere
