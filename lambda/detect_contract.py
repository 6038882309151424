"""The HTTP side of POST /detect: payload-2.0 event in, API responses out.

Pure functions (no AWS, no clock) so every rule here is unit-testable; ``handler.py`` does the
I/O. Errors are raised as ``ApiError`` and rendered as ``{"error": {code, message, hint}}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

ROUTE_PATH = "/detect"
# SageMaker real-time request body limit (the runtime's BodyBlob max) and Lambda's response cap.
MAX_BODY_BYTES = 6 * 1024 * 1024  # SageMaker real-time; deploy lowers it (serverless: 4 MB)
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 - 64 * 1024  # room for the response envelope
MAX_ATTRIBUTES_CHARS = 1024  # X-Amzn-SageMaker-Custom-Attributes max length
MAX_PARAMETERS = 20

_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")
_VALUE = re.compile(r"[A-Za-z0-9._+\-]{1,64}")
# Content types whose meaning we cannot tell from the header (curl -d, fetch with a string).
_SNIFFED_TYPES = {"", "text/plain", "application/x-www-form-urlencoded"}
_TEXT_TYPES = ("text/", "application/json", "application/problem+json")


class ApiError(Exception):
    """An answer for the caller: status, machine-readable code, message and how to fix it."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        hint: str = "",
        headers: dict[str, str] | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
        self.headers = headers or {}
        self.payload = payload  # an error body to send verbatim (the model's own)


def json_response(
    status: int, payload: Any, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A payload-2.0 Lambda response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
        "isBase64Encoded": False,
    }


def error_response(error: ApiError, request_id: str) -> dict[str, Any]:
    """Render an ApiError; 5xx answers carry the request id so logs can be found."""
    if error.payload is not None:
        return json_response(error.status, error.payload, error.headers)
    body: dict[str, Any] = {"code": error.code, "message": error.message, "hint": error.hint}
    if error.status >= 500:
        body["request_id"] = request_id
    return json_response(error.status, {"error": body}, error.headers)


def mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a dict, else empty: direct invokes may omit or mistype any key."""
    return value if isinstance(value, dict) else {}


def check_route(event: dict[str, Any]) -> None:
    """Only POST /detect is served (the HTTP API may also send other routes via $default)."""
    request_context = mapping(event.get("requestContext"))
    http = mapping(request_context.get("http"))
    method = str(http.get("method", "")).upper()
    path = str(http.get("path") or event.get("rawPath") or "")
    stage = request_context.get("stage", "$default")
    if stage and stage != "$default" and path.startswith(f"/{stage}/"):
        path = path[len(stage) + 1 :]
    if path.rstrip("/") != ROUTE_PATH:
        raise ApiError(
            404,
            "not_found",
            f"There is no resource at {path or '/'}.",
            "POST a Google Trends CSV export to /detect.",
        )
    if method != "POST":
        raise ApiError(
            405,
            "method_not_allowed",
            f"{method or 'This method'} is not allowed on /detect.",
            "Use POST with the CSV or JSON request as the body.",
            {"allow": "POST"},
        )


def lower_headers(event: dict[str, Any]) -> dict[str, str]:
    """Header names lower-cased (HTTP API already does; direct invokes may not)."""
    return {str(k).lower(): str(v) for k, v in mapping(event.get("headers")).items()}


def max_body_bytes(env: Mapping[str, str]) -> int:
    """The body limit deploy sets in ``MAX_BODY_BYTES`` (never above 6 MB; junk is ignored)."""
    try:
        value = int(env.get("MAX_BODY_BYTES", MAX_BODY_BYTES))
    except ValueError:
        return MAX_BODY_BYTES
    return value if 0 < value <= MAX_BODY_BYTES else MAX_BODY_BYTES


def request_body(event: dict[str, Any], max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The raw body bytes, base64-decoded when the API says so, within the size limit."""
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(
                400,
                "bad_base64",
                "The body is marked base64-encoded but is not valid base64.",
                "Send the CSV as the raw request body.",
            ) from None
    else:
        body = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    if len(body) > max_bytes:
        raise ApiError(
            413,
            "payload_too_large",
            f"The body is {len(body)} bytes; the limit is {max_bytes} bytes "
            f"({max_bytes / 1024 / 1024:.3g} MB).",
            "Send fewer rows or fewer columns.",
        )
    if not body.strip():
        raise ApiError(
            400,
            "empty_body",
            "The request body is empty.",
            "Send a Google Trends CSV export (Content-Type: text/csv) or a JSON request.",
        )
    return body


def content_type(headers: dict[str, str], body: bytes) -> str:
    """The body's media type; guessed JSON-or-CSV when the client did not say what it is."""
    declared = headers.get("content-type", "").strip()
    if declared.split(";", 1)[0].strip().lower() not in _SNIFFED_TYPES:
        return declared
    return "application/json" if body.lstrip()[:1] in (b"{", b"[") else "text/csv"


def custom_attributes(params: dict[str, Any] | None) -> str | None:
    """Query parameters as SageMaker CustomAttributes, e.g. ``method=stl;period=52``.

    Only plain keys and values pass, so nothing can smuggle a ``;`` or ``=`` into the header.
    """
    if not params:
        return None
    if len(params) > MAX_PARAMETERS:
        raise ApiError(
            400,
            "bad_parameter",
            f"{len(params)} query parameters given; at most {MAX_PARAMETERS} are accepted.",
            "Send only the detector's parameters, e.g. ?method=stl&period=52.",
        )
    parts = []
    for key, raw in params.items():
        value = str(raw)
        if not _KEY.fullmatch(str(key)):
            raise ApiError(
                400,
                "bad_parameter",
                f"Query parameter name {str(key)[:40]!r} is not valid.",
                "Names are lower-case letters, digits and '_', e.g. method, period, sensitivity.",
            )
        if "," in value:
            raise ApiError(
                400,
                "bad_parameter",
                f"Query parameter {key!r} is given more than once or contains a comma.",
                f"Give {key} once, e.g. ?{key}=<value>.",
            )
        if not _VALUE.fullmatch(value):
            raise ApiError(
                400,
                "bad_parameter",
                f"The value of query parameter {key!r} is empty or has characters not allowed.",
                "Values are letters, digits and . _ + - (at most 64), e.g. period=52.",
            )
        parts.append(f"{key}={value}")
    attributes = ";".join(parts)
    if len(attributes) > MAX_ATTRIBUTES_CHARS:
        raise ApiError(
            400,
            "bad_parameter",
            "The query parameters are too long.",
            f"Keep them under {MAX_ATTRIBUTES_CHARS} characters.",
        )
    return attributes


def model_response(body: bytes, media_type: str) -> dict[str, Any]:
    """The model's answer as the API response: text as is, anything else base64."""
    if len(body) > MAX_RESPONSE_BYTES:
        raise ApiError(
            413,
            "result_too_large",
            f"The result is {len(body)} bytes, more than the API can return (6 MB).",
            "Send fewer rows or fewer columns, or use the JSON request with fewer series.",
        )
    headers = {"content-type": media_type or "application/json"}
    if media_type.startswith(_TEXT_TYPES):
        try:
            return {
                "statusCode": 200,
                "headers": headers,
                "body": body.decode("utf-8"),
                "isBase64Encoded": False,
            }
        except UnicodeDecodeError:
            pass
    return {
        "statusCode": 200,
        "headers": headers,
        "body": base64.b64encode(body).decode("ascii"),
        "isBase64Encoded": True,
    }


def model_error(original_status: int, original_message: str, message: str) -> ApiError:
    """Map SageMaker's ModelError: the model's own 4xx passes through, the rest is upstream."""
    if 400 <= original_status < 500:
        try:
            payload = json.loads(original_message)
        except ValueError:
            payload = None
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            error = payload["error"]
            return ApiError(
                original_status,
                str(error.get("code", "model_rejected_request")),
                str(error.get("message", "")),
                str(error.get("hint", "")),
                payload=payload,
            )
        return ApiError(
            original_status,
            "model_rejected_request",
            (original_message or message)[:1000],
            "Check the CSV and the parameters.",
        )
    if "timed out" in message.lower() or "timed out" in original_message.lower():
        return ApiError(
            504,
            "model_timeout",
            "The model did not answer in time.",
            "Try a shorter series or method=stl; try again later.",
        )
    return ApiError(
        502,
        "model_failed",
        f"The model failed with HTTP {original_status}.",
        "Try again; if it keeps failing, report the request id.",
    )


def client_error(code: str, message: str, endpoint: str) -> ApiError:
    """Map a SageMaker runtime service error (not the model's) to an honest status."""
    lowered = message.lower()
    if code in ("ValidationError", "ValidationException") and "not found" in lowered:
        return ApiError(
            503,
            "endpoint_not_found",
            f"The SageMaker endpoint {endpoint!r} does not exist.",
            "Deploy it (python -m deploy apply) or check ENDPOINT_NAME.",
        )
    if code in ("ValidationError", "ValidationException") and "not in service" in lowered:
        return ApiError(
            503,
            "endpoint_not_in_service",
            f"The SageMaker endpoint {endpoint!r} is not in service (creating or updating).",
            "Try again in a few minutes.",
            {"retry-after": "60"},
        )
    if code == "ModelNotReadyException":
        return ApiError(
            503,
            "endpoint_not_ready",
            f"The SageMaker endpoint {endpoint!r} is still starting its model.",
            "Try again in a minute.",
            {"retry-after": "30"},
        )
    if code in ("ThrottlingException", "Throttling", "TooManyRequestsException"):
        return ApiError(
            429,
            "throttled",
            "Too many requests are reaching the model right now.",
            "Wait a moment and try again.",
            {"retry-after": "1"},
        )
    if code == "ServiceUnavailable":
        return ApiError(
            503,
            "service_unavailable",
            "SageMaker is temporarily unavailable.",
            "Try again in a minute.",
            {"retry-after": "30"},
        )
    return ApiError(
        502,
        "upstream_error",
        f"SageMaker answered with an error ({code or 'unknown'}).",
        "Try again; if it keeps failing, report the request id.",
    )
