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


def _error(code: str, message: str = "m") -> bytes:
    import json

    return json.dumps({"error": {"code": code, "message": message, "hint": "h"}}).encode()


# The model's two 413 result_too_large: before detection, by the input's size alone, and after.
EARLY = "The result would be at least 13049995 bytes, more than SageMaker can return (6291456 …)."
LATE = "The result is 20655016 bytes, more than SageMaker can return (6291456 bytes, 6 MB)."


def test_the_largest_request_counts_only_when_it_was_computed() -> None:
    """The image part's "worker peak RSS on the largest request" took any status: its 450 000
    points are a 413 at every run (the bench2 pass's list). That 413 was auto's
    result_too_large, sent after detection and its 20 MB JSON answer; the model now refuses
    it before detection, by the input's size alone, so the request asks for the anomalies as
    CSV, detected in full and answered 200, and only that 200 counts. A 413 result_too_large
    (before detection or after), a 413 sent before any work (the body over the payload
    limit), or any other refusal stops the part instead."""
    from trends_anomaly.params import SAGEMAKER_PAYLOAD_LIMIT

    from bench.image import LARGEST_ACCEPT, _largest_body, computed_in_full

    assert len(_largest_body()) <= SAGEMAKER_PAYLOAD_LIMIT  # not refused for its size
    assert LARGEST_ACCEPT == "text/csv"
    assert computed_in_full(200, b"series,index\n") == (
        "answered 200 to Accept: text/csv, detected in full"
    )
    with pytest.raises(RuntimeError, match=r"413 result_too_large \(before detection\)"):
        computed_in_full(413, _error("result_too_large", EARLY))
    with pytest.raises(RuntimeError, match=r"413 result_too_large \(after detection\)"):
        computed_in_full(413, _error("result_too_large", LATE))
    refusals = ((413, _error("payload_too_large")), (413, b"<html>"), (500, b""))
    for status, answer in refusals:
        with pytest.raises(RuntimeError, match="the largest request got HTTP"):
            computed_in_full(status, answer)


def test_no_memory_figure_is_read_of_a_largest_request_refused_before_detection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The figure is read from the container after the request (``probe``): a request the
    model refused before detection must stop the part before that, not be reported as the
    worst a worker does."""
    import bench.image as image

    sent: list[str | None] = []
    probed: list[str] = []

    def exchange(_port: int, _body: bytes, _attrs: str = "", accept: str | None = None):
        sent.append(accept)
        return 413, 0.1, _error("result_too_large", EARLY)

    monkeypatch.setattr(image, "_largest_body", lambda: b"d,v\n")
    monkeypatch.setattr(image, "_exchange", exchange)
    monkeypatch.setattr(image, "probe", lambda name: probed.append(name) or {"procs": []})
    with pytest.raises(RuntimeError, match="before detection"):
        image.largest_request(1, "c")
    assert sent == ["text/csv"] and probed == []

    monkeypatch.setattr(image, "_exchange", lambda *_a, **_k: (200, 0.1, b"series,index\n"))
    answered, _seconds, after = image.largest_request(1, "c")
    assert answered.startswith("answered 200") and probed == ["c"] and after == {"procs": []}


def test_the_model_detects_the_largest_request_in_full_and_refuses_its_json_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bench's largest request, as it sends it (the 6 MB body, Accept: text/csv), reaches
    detection in the model; asking for JSON it is refused before, which a figure of it would
    have measured (a spy stands in for detection, whose work is not run here)."""
    import trends_anomaly.contract as contract
    from trends_anomaly.contract import Invocation, invoke
    from trends_anomaly.errors import ResultTooLarge
    from trends_anomaly.settings import Settings

    from bench.image import LARGEST_ACCEPT, _largest_body

    class Reached(Exception):
        pass

    calls: list[str] = []

    def detection(_series: object, method: str, _params: object) -> None:
        calls.append(method)
        raise Reached

    monkeypatch.setattr(contract, "run_method", detection)
    body = _largest_body()
    with pytest.raises(ResultTooLarge, match="would be at least"):
        invoke(Invocation(body, "text/csv", "application/json", "method=auto"), Settings())
    assert calls == []
    with pytest.raises(Reached):
        invoke(Invocation(body, "text/csv", LARGEST_ACCEPT, "method=auto"), Settings())
    assert calls == ["auto"]
