"""deploy/wording.py: counts in the CLI's sentences."""

from __future__ import annotations

import pytest

from deploy.wording import counted


@pytest.mark.parametrize(
    ("n", "noun", "said"),
    [
        (0, "change", "0 changes"),
        (1, "change", "1 change"),
        (2, "resource", "2 resources"),
        (1, "cached path", "1 cached path"),
        (18, "cached path", "18 cached paths"),
        (1, "day", "1 day"),
        (15, "day", "15 days"),
    ],
)
def test_a_count_takes_the_singular_only_for_one(n: int, noun: str, said: str) -> None:
    """The CLI wrote "1 resource(s)", "Applied 24 change(s)" and "5 day(s) ago"."""
    assert counted(n, noun) == said
