"""The quality part scores the methods the model serves (`params.METHODS`), not a list of its
own: a fork that adds, renames or drops a method (docs/swap-your-model.md) sees its own."""

from __future__ import annotations

import pytest
from trends_anomaly import params

from bench import quality


def _scored_methods() -> list[str]:
    """The rows of section 1's tables: what quality_section and the labelled sets score."""
    return [m for m in quality.scored_methods() if m not in quality.REFS]


def test_the_quality_part_scores_the_served_methods(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork that dropped dbscan from METHODS still got a dbscan row in every table, every
    file of it 'refused' (the model's answer to an unknown method), with F1 0: a method that
    no longer exists, scored as a bad one. One that added a method got no row for it."""
    monkeypatch.setattr(params, "METHODS", ("auto", "stl"))  # a fork without dbscan
    assert _scored_methods() == ["auto", "stl"]
    items, _ = quality.synthetic_items(4, seed=1)
    results = quality.run_all(items, quality.scored_methods())
    assert set(results) == {"auto", "stl", *quality.REFS}
