"""model/smoke.py as shipped, for the Trends detector: its request is a Trends export with a
spike at week 70 and its check looks for that spike. A fork with another model replaces or
deletes this file with its model/smoke.py (docs/swap-your-model.md, "Swap in your own
model");
tests/model/test_smoke.py holds what is true of every model's smoke request and check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy.ops import ModelSmoke, load_model_smoke

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped() -> ModelSmoke:
    return load_model_smoke(REPO)


def test_the_request_is_a_trends_export_the_model_reads(shipped: ModelSmoke) -> None:
    from trends_anomaly.trends import parse_csv

    assert shipped.content_type == "text/csv" and shipped.where == "model/smoke.py"
    lines = shipped.body.decode().splitlines()
    assert lines[0].startswith("Category:") and lines[2] == "Week,smoke test: (Worldwide)"
    assert len(lines) == 3 + 104
    (series,) = parse_csv(shipped.body.decode())  # the model's own reader
    assert len(series.values) == 104 and series.values[70] == 100


def test_the_check_names_the_spike_in_the_models_own_answer(shipped: ModelSmoke, client) -> None:
    status, answer = client.json(shipped.body, shipped.content_type, Accept="application/json")
    assert status == 200
    assert "incl. the spike at week 70" in str(shipped.check(answer))


def test_the_check_refuses_an_answer_without_the_spike(shipped: ModelSmoke) -> None:
    series = {"values": [40] * 104, "anomalies": [{"index": 3}]}
    with pytest.raises(AssertionError, match="the spike was not found"):
        shipped.check({"series": [series]})
    with pytest.raises(AssertionError, match="103 points, not 104"):
        shipped.check({"series": [{**series, "values": [40] * 103}]})
    with pytest.raises(KeyError):
        shipped.check(json.loads('{"zscores": [0.1]}'))
