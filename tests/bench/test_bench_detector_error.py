"""A detector that raises on a series (a fork's new method, mid-development) is named, with
the series, so that the failure can be reproduced on that one file."""

from __future__ import annotations

import pytest

from bench import devset, quality


def _raises(series, method, params):
    raise ValueError("shapes (3,) and (4,) not aligned")


def test_the_quality_part_names_the_method_and_the_series_that_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The quality part stopped on the bare ValueError of the detector: nothing said which of
    the 240 synthetic files, 20 NAB files or 300 labelled terms it was, nor which method."""
    items, _ = quality.synthetic_items(3, seed=1)
    monkeypatch.setattr(quality, "run_method", _raises)
    with pytest.raises(RuntimeError) as err:
        quality.run_all(items, ("stl",))
    message = str(err.value)
    assert message.startswith(f"stl raised on {items[0].name}: ValueError: shapes")
    assert isinstance(err.value.__cause__, ValueError)  # its traceback kept


def test_the_labelled_sets_name_the_method_and_the_term_that_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = devset.load()[:2]
    monkeypatch.setattr(devset, "run_method", _raises)
    with pytest.raises(RuntimeError) as err:
        devset.run(items, "auto")
    assert str(err.value).startswith(f"auto raised on {items[0].name}: ValueError: shapes")
