"""The pure rules of lambda/detect_contract.py: routes, attributes, the error mapping tables."""

from __future__ import annotations

import base64
import json

import pytest
from detect_contract import (
    MAX_RESPONSE_BYTES,
    ROUTES,
    client_error,
    custom_attributes,
    error_response,
    inference_id,
    model_error,
    model_response,
    request_attributes,
    route_of,
)
from error_shape import ApiError


def event(method: str, path: str, stage: str = "$default") -> dict:
    return {
        "rawPath": path,
        "requestContext": {"http": {"method": method, "path": path}, "stage": stage},
    }


def test_routes_with_and_without_a_named_stage() -> None:
    assert route_of(event("POST", "/detect")) == "POST /detect"
    assert route_of(event("POST", "/detect/")) == "POST /detect"
    assert route_of(event("POST", "/prod/detect", stage="prod")) == "POST /detect"
    assert route_of(event("GET", "/health")) == "GET /health"
    with pytest.raises(ApiError) as raised:
        route_of(event("POST", "/prod/other", stage="prod"))
    assert raised.value.status == 404


@pytest.mark.parametrize(
    ("method", "path", "allow"), [("GET", "/detect", "POST"), ("POST", "/health", "GET")]
)
def test_a_known_path_with_another_method_is_405_with_allow(
    method: str, path: str, allow: str
) -> None:
    with pytest.raises(ApiError) as raised:
        route_of(event(method, path))
    assert (raised.value.status, raised.value.headers) == (405, {"allow": allow})


def test_the_lambda_serves_exactly_the_routes_deploy_gives_the_api() -> None:
    from deploy.api_surface import ROUTES as API_ROUTES

    assert set(ROUTES) == set(API_ROUTES)


def test_custom_attributes_keep_the_callers_order() -> None:
    assert custom_attributes(None) is None
    assert custom_attributes({}) is None
    params = {"method": "auto", "sensitivity": "0.7", "period": "none", "alpha": "1e-3"}
    assert custom_attributes(params) == "method=auto;sensitivity=0.7;period=none;alpha=1e-3"


def test_header_parameters_pass_the_query_rules() -> None:
    assert request_attributes(None, "") is None
    assert request_attributes({}, " method=stl ; period=52;") == "method=stl;period=52"
    assert request_attributes({"method": "stl"}, "") == "method=stl"
    for bad in ("method", "method=stl;method=auto", "period=5;2", "Method=stl"):
        with pytest.raises(ApiError) as raised:
            request_attributes(None, bad)
        assert raised.value.status == 400, bad
    with pytest.raises(ApiError):
        request_attributes({"method": "stl"}, "period=52")


def test_the_headers_spelling_in_a_url_says_to_use_ampersands() -> None:
    """?method=stl;period=52, the custom-attributes spelling pasted into a URL, was told its
    value 'is empty or has characters not allowed', which did not say what to write."""
    with pytest.raises(ApiError) as raised:
        request_attributes({"method": "stl;period=52"}, "")
    assert raised.value.code == "bad_parameter"
    assert "'&', not ';'" in raised.value.message and "?method=stl&period=52" in raised.value.hint
    with pytest.raises(ApiError) as raised:
        request_attributes({"method": "st;l"}, "")  # no '=': the plain rule's message
    assert "characters not allowed" in raised.value.message


@pytest.mark.parametrize(
    ("query", "header", "said", "hint"),
    [
        ({"sensitivity": "0,7"}, "", "'0,7': a number with a decimal comma, or", "(0.7, not 0,7)"),
        (None, "sensitivity=0,7", "'0,7': a number with a decimal comma.", "(0.7, not 0,7)"),
        (None, "method=stl,period=52", "separated by ';', not ','", "method=stl;period=52"),
        (None, "method=stl&period=52", "separated by ';', not '&'", "method=stl;period=52"),
        ({"method": "stl,auto"}, "", "given more than once", "?method=<value>"),
    ],
)
def test_a_comma_or_ampersand_in_a_value_is_told_for_what_it_is(query, header, said, hint) -> None:
    """A decimal comma (sensitivity=0,7, as a French or German keyboard writes it) was told it
    was 'given more than once or contains a comma', and the header's parameters joined by ','
    or '&' (the query's habit) that the name was given twice, or that the value had
    characters not allowed; the model's own messages said what to write. (A query parameter
    given twice reaches the Lambda joined by commas: that one is still said so.)"""
    with pytest.raises(ApiError) as raised:
        request_attributes(query, header)
    assert raised.value.code == "bad_parameter"
    assert said in raised.value.message and hint in raised.value.hint


def test_the_header_sent_twice_with_the_same_value_is_read_once() -> None:
    """Payload 2.0 joins a repeated header's copies with commas: the custom-attributes header
    sent twice (a client that sets it per session and per request, a proxy that adds it again)
    was told it named a parameter twice, or that a value had a comma."""
    twice = "method=stl;period=52, method=stl;period=52"
    assert request_attributes(None, twice) == "method=stl;period=52"
    assert request_attributes(None, "method=auto,method=auto") == "method=auto"
    with pytest.raises(ApiError) as raised:
        request_attributes(None, "method=stl;period=52,method=auto")
    assert raised.value.code == "bad_parameter"


def test_too_many_parameters() -> None:
    with pytest.raises(ApiError) as raised:
        custom_attributes({f"p{i}": "1" for i in range(21)})
    assert raised.value.status == 400 and raised.value.code == "bad_parameter"


def test_model_error_without_json_keeps_the_status_and_text() -> None:
    error = model_error(422, "plain text complaint", "Received client error (422) ...")
    assert (error.status, error.code, error.message) == (
        422,
        "model_rejected_request",
        "plain text complaint",
    )
    rendered = json.loads(error_response(error, "rid")["body"])
    assert rendered["error"]["request_id"] == "rid"
    assert "request_id" not in json.loads(error_response(error, "")["body"])["error"]


def test_model_error_with_json_is_sent_verbatim_with_the_request_id() -> None:
    original = {"error": {"code": "too_few_points", "message": "m", "hint": "h"}, "extra": 1}
    error = model_error(400, json.dumps(original), "")
    assert json.loads(error_response(error, "rid")["body"]) == {
        "error": {**original["error"], "request_id": "rid"},
        "extra": 1,
    }
    assert json.loads(error_response(error, "")["body"]) == original


@pytest.mark.parametrize(
    ("status", "text", "expected"),
    [
        (500, '{"error": {"code": "internal_error"}}', 502),
        (0, "timed out waiting", 504),
        (503, "", 502),
    ],
)
def test_model_server_errors_are_upstream_failures(status: int, text: str, expected: int) -> None:
    error = model_error(status, text, "")
    assert error.status == expected
    assert "request_id" in json.loads(error_response(error, "rid")["body"])["error"]


@pytest.mark.parametrize(
    ("code", "message", "status", "retry_after"),
    [
        ("ValidationError", "Endpoint e of account 1 not found.", 503, None),
        ("ValidationError", "Endpoint e of account 1 is not in service.", 503, "60"),
        ("ModelNotReadyException", "still loading", 503, "30"),
        ("ThrottlingException", "Rate exceeded", 429, "1"),
        ("ServiceUnavailable", "", 503, "30"),
        ("InternalFailure", "", 502, None),
        ("ValidationError", "1 validation error detected", 502, None),
        ("ValidationError", "Request 0f1e has oversize body.", 413, None),
    ],
)
def test_service_errors(code: str, message: str, status: int, retry_after: str | None) -> None:
    error = client_error(code, message, "e")
    assert error.status == status
    assert error.headers.get("retry-after") == retry_after


def test_binary_answers_are_base64_and_huge_ones_refused() -> None:
    response = model_response(b"\xff\x00", "application/octet-stream")
    assert response["isBase64Encoded"] and base64.b64decode(response["body"]) == b"\xff\x00"
    text = model_response(b"1\n2\n", "text/csv")
    assert text == {
        "statusCode": 200,
        "headers": {"content-type": "text/csv"},
        "body": "1\n2\n",
        "isBase64Encoded": False,
    }
    with pytest.raises(ApiError) as raised:
        model_response(b"x" * (MAX_RESPONSE_BYTES + 1), "application/json")
    assert raised.value.status == 413 and raised.value.code == "result_too_large"


def test_the_size_that_counts_is_the_serialized_response() -> None:
    """A JSON answer under the limit whose escaped form is over it failed in the Lambda runtime
    (a 5xx from the HTTP API); it is a 413 that says how to get a smaller answer."""
    quoted = b'"a",' * (MAX_RESPONSE_BYTES // 5)
    assert len(quoted) < MAX_RESPONSE_BYTES < len(json.dumps(quoted.decode()))
    with pytest.raises(ApiError) as raised:
        model_response(quoted, "application/json")
    assert raised.value.status == 413 and "Accept: text/csv" in raised.value.hint
    # The size that counted and the limit, as numbers (the web page says how many parts to
    # split into; the message's words are for a person).
    said = raised.value.body()["error"]
    assert said["result_bytes"] > MAX_RESPONSE_BYTES == said["limit_bytes"]
    assert said["result_bytes"] > len(json.dumps(quoted.decode()))  # the escaped size counted
    fits = b"1\n" * (MAX_RESPONSE_BYTES // 4)
    assert len(json.dumps(model_response(fits, "text/csv"))) <= MAX_RESPONSE_BYTES


def test_a_bad_header_parameter_is_named_as_a_header_parameter_not_a_query_one() -> None:
    """A caller who used X-Amzn-SageMaker-Custom-Attributes is told about that header."""
    with pytest.raises(ApiError) as err:
        request_attributes(None, "method=stl;Period=52")
    assert err.value.message == (
        "X-Amzn-SageMaker-Custom-Attributes parameter name 'Period' is not valid."
    )
    with pytest.raises(ApiError) as err:
        request_attributes(None, "method=stl,x")
    assert "e.g. method=<value>" in err.value.hint
    with pytest.raises(ApiError) as err:
        request_attributes({"period": "5,2"}, "")
    assert err.value.message.startswith("Query parameter 'period'")
    assert "e.g. ?period=<value>" in err.value.hint


def test_the_request_id_goes_to_sagemaker_only_as_an_inference_id_it_accepts() -> None:
    """InvokeEndpoint's InferenceId is 1-64 printable characters, the first not a space; an
    id outside that (a direct call's own) is left out, not sent for SageMaker to refuse."""
    for request_id in ("JwpOYzv0TXuQHQ==", "473bf6b5-a689-4970-851f-e07b64de6ec8", "x" * 64):
        assert inference_id(request_id) == request_id
    for odd in ("", "x" * 65, " lead", "line\nbreak", "caf\u00e9"):
        assert inference_id(odd) is None


def test_the_models_named_parameter_passes_through() -> None:
    """The model's 400 about one parameter keeps its ``parameter`` key through the Lambda."""
    original = {
        "error": {
            "code": "bad_parameter",
            "message": "Parameter 'sensitivity' must be a number from 0 to 1; got '2'.",
            "hint": "sensitivity: ...",
            "parameter": "sensitivity",
        }
    }
    answer = error_response(model_error(400, json.dumps(original), ""), "req-1")
    assert json.loads(answer["body"])["error"]["parameter"] == "sensitivity"


def test_a_lambda_refusal_of_one_parameter_names_it() -> None:
    with pytest.raises(ApiError) as caught:
        custom_attributes({"sensitivity": "0,5"})
    assert caught.value.body()["error"]["parameter"] == "sensitivity"
    assert "parameter" not in ApiError("x").body()["error"]  # none named, no key


@pytest.mark.parametrize("header", [False, True])
@pytest.mark.parametrize("value", ["\u0660.\u0665", "\uff10.\uff15", "\u0665\u0662"])
def test_digits_other_than_ascii_are_a_400_that_says_to_use_ascii(header: bool, value: str) -> None:
    """Arabic-Indic or full-width digits were refused as "empty or has characters not
    allowed", with the hint "Values are letters, digits and ...": the caller had typed
    digits. The words now say which digits (the model says the same of a JSON body's)."""
    with pytest.raises(ApiError) as raised:
        custom_attributes({"sensitivity": value}, header=header)
    error = raised.value
    assert (error.status, error.code, error.parameter) == (400, "bad_parameter", "sensitivity")
    assert "ASCII digits 0-9" in error.message, error.message
    assert value in error.message
