"""bench/image.py's pure parts: what it says when the model refuses its requests."""

from __future__ import annotations

import importlib
import sys

import pytest

from bench.image import require_answer


def test_a_refused_benchmark_request_says_the_requests_are_the_trends_models() -> None:
    """A fork's model that takes JSON answered the 100 000-point Trends CSV with a 415, and the
    benchmark stopped at a bare ``AssertionError: 415`` after a build and five starts."""
    with pytest.raises(RuntimeError) as err:
        require_answer(415, "the 100 000-point request")
    message = str(err.value)
    assert message.startswith("the 100 000-point request got HTTP 415, not 200: ")
    assert "Google Trends CSVs" in message and "bench/image.py" in message
    assert '"Swap in your own model"' in message
    require_answer(200, "the 100 000-point request")  # the shipped model's answer: no error


def test_without_the_trends_package_the_benchmark_imports_and_stops_with_the_advice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fork that replaced trends_anomaly (docs/swap-your-model.md) ran `python -m bench
    --only image` to measure its model and got `ModuleNotFoundError: No module named
    'trends_anomaly'` from bench/synth.py, imported at the top of bench/image.py, instead of
    the advice the refusal above gives."""
    for name in ("bench.image", "bench.synth"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setitem(sys.modules, "trends_anomaly.trends_export", None)  # not importable
    image = importlib.import_module("bench.image")
    with pytest.raises(RuntimeError) as err:
        image.trends_csv(261)
    message = str(err.value)
    assert "trends_anomaly" in message and "bench/image.py" in message
    assert '"Swap in your own model"' in message


def test_the_largest_request_counts_only_when_it_was_computed() -> None:
    """The image part's "worker peak RSS on the largest request" took any status: its 450 000
    points are a 413 at every run (the bench2 pass's list). That 413 is the model's
    result_too_large, sent after detection and its 20 MB JSON answer were computed, so the
    figure is of the worst a worker does, and the line now says so. A 413 sent before any
    work (the body over the payload limit), or any other refusal, stops the part instead."""
    import json

    from trends_anomaly.params import SAGEMAKER_PAYLOAD_LIMIT

    from bench.image import _largest_body, computed_in_full

    assert len(_largest_body()) <= SAGEMAKER_PAYLOAD_LIMIT  # not refused for its size

    def error(code: str) -> bytes:
        return json.dumps({"error": {"code": code, "message": "m", "hint": "h"}}).encode()

    assert computed_in_full(200, b"{}") == "200"
    assert computed_in_full(413, error("result_too_large")).startswith(
        "413 result_too_large, computed in full: its JSON"
    )
    for status, answer in ((413, error("payload_too_large")), (413, b"<html>"), (500, b"")):
        with pytest.raises(RuntimeError, match="the largest request got HTTP"):
            computed_in_full(status, answer)
