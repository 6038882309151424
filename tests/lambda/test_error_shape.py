"""One error shape for the model and the Lambda: the same file in both, the same JSON out.

The Lambda zip holds only lambda/*.py and the model image only model/, so error_shape.py lives
in both as a byte-for-byte copy; this test is what keeps them one definition.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import detect_contract
import error_shape as lambda_shape
from detect_contract import error_response, request_body
from error_shape import ApiError
from serving.invocation import Invocation

REPO = Path(__file__).resolve().parents[2]
MODEL_COPY = REPO / "model" / "serving" / "error_shape.py"
LAMBDA_COPY = REPO / "lambda" / "error_shape.py"


def _model_shape():
    """The model's copy, loaded on its own (the Lambda's `error_shape` has the same name)."""
    spec = importlib.util.spec_from_file_location("model_error_shape", MODEL_COPY)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_two_copies_are_identical() -> None:
    assert MODEL_COPY.read_bytes() == LAMBDA_COPY.read_bytes(), (
        "lambda/error_shape.py must be a copy of model/serving/error_shape.py: "
        "cp model/serving/error_shape.py lambda/error_shape.py"
    )


def test_the_model_raises_the_shared_class() -> None:
    from trends_anomaly import errors

    assert errors.ApiError.__module__.endswith("error_shape")
    assert issubclass(errors.BadCsv, errors.ApiError)
    assert (
        errors.PayloadTooLarge.over(10, 11, "h").body()
        == _model_shape().PayloadTooLarge.over(10, 11, "h").body()
    )


def test_a_413_reads_the_same_from_the_model_and_the_lambda() -> None:
    """Both speak for the Trends API: the Lambda's 413 (its 4 MB event) in the Trends model's
    words, which the shared file no longer holds (it says a 413 for any model)."""
    from trends_anomaly.contract import invoke
    from trends_anomaly.errors import ApiError as ModelError
    from trends_anomaly.settings import load_settings

    limit, body = 4 * 1024 * 1024, b"x" * (4 * 1024 * 1024 + 1)
    settings = load_settings(
        {"MODEL_MAX_PAYLOAD_BYTES": str(limit), "MODEL_DEFAULTS_PATH": "/nonexistent.json"}
    )
    try:
        invoke(Invocation(body, "text/csv"), settings)
    except ModelError as err:
        from_model = err.body()
    try:
        request_body({"body": body.decode()}, limit)
    except ApiError as err:
        from_lambda = json.loads(error_response(err, "rid")["body"])
    assert from_lambda == {"error": {**from_model["error"], "request_id": "rid"}}
    assert from_model["error"]["code"] == "payload_too_large"
    assert "4194304 bytes (4 MB)" in from_model["error"]["message"]
    assert from_model["error"]["hint"] != _model_shape().TOO_LARGE_HINT  # Trends words


def test_an_empty_file_reads_the_same_from_the_model_and_the_lambda() -> None:
    from trends_anomaly import errors

    assert (detect_contract.EMPTY_FILE_MESSAGE, detect_contract.EMPTY_FILE_HINT) == (
        errors.EMPTY_FILE_MESSAGE,
        errors.EMPTY_FILE_HINT,
    )
    assert detect_contract.TOO_LARGE_HINT == errors.TOO_LARGE_HINT


def test_digits_other_than_ascii_are_refused_in_the_same_words() -> None:
    """The Lambda refuses ٠.٥ in the query, the model in a JSON body: one sentence for both."""
    from trends_anomaly import params

    assert detect_contract.NOT_ASCII_DIGITS == params.NOT_ASCII_DIGITS


def test_errors_have_code_message_hint_and_a_request_id() -> None:
    err = ApiError("m", "h", status=502, code="model_failed", headers={"retry-after": "1"})
    response = error_response(err, "rid")
    assert json.loads(response["body"]) == {
        "error": {"code": "model_failed", "message": "m", "hint": "h", "request_id": "rid"}
    }
    assert response["headers"]["retry-after"] == "1"
    assert lambda_shape.ApiError("m").body() == {
        "error": {"code": "bad_request", "message": "m", "hint": ""}
    }
