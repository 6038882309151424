"""Lambda behind the HTTP API (payload format 2.0).

``POST /detect`` → SageMaker invoke_endpoint; ``GET /health`` → 200 ``{"status": "ok"}`` without
calling SageMaker (the page polls it to know the API is up).

Env: ``ENDPOINT_NAME`` (required); the standard ``AWS_ENDPOINT_URL*`` variables point the
client elsewhere (``make up``). ``INVOKE_READ_TIMEOUT_SECONDS`` lowers the read timeout (at most
25 s; deploy derives it from the Lambda timeout). The client is made once per container, from
the environment as it is on the first request. CORS belongs to the HTTP API, so no CORS
headers here.
Only botocore is imported (it comes with boto3 in the Lambda Python runtime): a smaller cold start.
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ReadTimeoutError,
    ResponseStreamingError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from detect_contract import (
    BYTES_TYPE,
    DETECT,
    HEALTH,
    TIMEOUT_HINT,
    client_error,
    content_type,
    error_response,
    inference_id,
    json_response,
    lower_headers,
    mapping,
    max_body_bytes,
    model_error,
    model_response,
    no_content_encoding,
    request_attributes,
    request_body,
    route_of,
    sagemaker_header,
)
from error_shape import ApiError

# The HTTP API gives up after 30 s and the Lambda after 29 s: one read must end well before.
READ_TIMEOUT_SECONDS = 25.0
CONNECT_TIMEOUT_SECONDS = 2.0
# At DEBUG, botocore logs each request's body and each answer's (the user's file, the model's
# answer) and urllib3 each URL: never at DEBUG here, whatever the root logger's level.
QUIET_LIBRARIES = ("botocore", "urllib3")
LIBRARY_LOG_LEVEL = logging.WARNING


def quiet_libraries() -> None:
    """Keep the AWS client's loggers at WARNING. Why: Lambda's log level (its logging config's
    application level, AWS_LAMBDA_LOG_LEVEL) sets the root logger's; DEBUG there would write
    the uploaded CSV and the answer to CloudWatch through botocore's own debug lines."""
    for name in QUIET_LIBRARIES:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < LIBRARY_LOG_LEVEL:
            logger.setLevel(LIBRARY_LOG_LEVEL)


# When this invocation must have answered (time.monotonic()), from the Lambda context; None
# when the caller gave no context that says (a direct call in a test). A context variable, not
# a global: Lambda runs one invocation at a time, but `make up`'s API stand-in runs the handler
# in a thread per request, where a global would hold the latest request's deadline.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)
# What the deadline is measured on. A module attribute so a test can drive it: whether a retry
# fits is then decided by the time the test says has passed, not by how fast the machine ran.
clock: Callable[[], float] = time.monotonic
# Besides its read timeout, a retry needs botocore's first backoff (at most 1 s, after a
# throttle), a new connection (on a network that answers: one that does not ends the attempt
# at the connect timeout, with no read) and the time to answer after it.
RETRY_SPARE_SECONDS = 1.5


def _no_retry_after_read_timeout(caught_exception: Exception | None = None, **_: Any) -> None:
    """Stop botocore from retrying a read timeout: a second 25 s wait cannot fit in 29 s.

    Raising from the needs-retry hook ends the call with the timeout itself.
    """
    if isinstance(caught_exception, ReadTimeoutError):
        raise caught_exception


def _no_retry_past_the_deadline(**_: Any) -> bool | None:
    """False (no retry) when a whole second attempt cannot end before the function's timeout:
    Lambda would end the function mid-attempt and the HTTP API answer its own 500, without
    our JSON or log line. None leaves the decision to botocore's retry rules."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return None
    attempt = runtime_client().meta.config.read_timeout + RETRY_SPARE_SECONDS
    return False if clock() + attempt > deadline else None


def _set_deadline(context: Any) -> None:
    """Note when this invocation must end, from ``context.get_remaining_time_in_millis()``."""
    try:
        remaining_ms = float(context.get_remaining_time_in_millis())
    except (AttributeError, TypeError, ValueError):
        _DEADLINE.set(None)
        return
    _DEADLINE.set(clock() + remaining_ms / 1000)


def read_timeout(env: Mapping[str, str]) -> float:
    """INVOKE_READ_TIMEOUT_SECONDS, never above the hop budget (junk and NaN: the budget)."""
    try:
        value = float(env.get("INVOKE_READ_TIMEOUT_SECONDS", READ_TIMEOUT_SECONDS))
    except ValueError:
        return READ_TIMEOUT_SECONDS
    return value if 0 < value <= READ_TIMEOUT_SECONDS else READ_TIMEOUT_SECONDS


@functools.cache
def runtime_client() -> Any:
    """The SageMaker runtime client of this container, made on first use."""
    quiet_libraries()  # before botocore's first line (its session logs at DEBUG too)
    env = os.environ
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=read_timeout(env),
        retries={"total_max_attempts": 2, "mode": "standard"},
        tcp_keepalive=True,
    )
    # botocore directly (boto3's own import adds s3transfer, ~2x the import time); its session
    # reads credentials, region and AWS_ENDPOINT_URL* from the environment.
    client = botocore.session.Session().create_client(
        "sagemaker-runtime",
        region_name=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
        config=config,
    )
    client.meta.events.register_first(
        "needs-retry.sagemaker-runtime.InvokeEndpoint", _no_retry_after_read_timeout
    )
    client.meta.events.register_first(
        "needs-retry.sagemaker-runtime.InvokeEndpoint", _no_retry_past_the_deadline
    )
    return client


def _health(event: dict[str, Any], endpoint: str, log: dict[str, Any]) -> dict[str, Any]:
    """The API is up: the gateway and this function answer (the endpoint is not asked)."""
    return json_response(200, {"status": "ok"}, {"cache-control": "no-store"})


def _detect(event: dict[str, Any], endpoint: str, log: dict[str, Any]) -> dict[str, Any]:
    headers = lower_headers(event)
    no_content_encoding(headers)
    body = request_body(event, max_body_bytes(os.environ))
    log["bytes_in"] = len(body)
    params: dict[str, Any] = {
        "EndpointName": endpoint,
        "Body": body,
        "ContentType": content_type(headers, body),
    }
    # Only the caller's own Accept: the model's default answers a legacy request as the
    # original app did (text/csv rows), which a forced application/json turned into JSON.
    if headers.get("accept", "").strip():
        params["Accept"] = sagemaker_header("Accept", headers["accept"])
    attributes = request_attributes(
        mapping(event.get("queryStringParameters")),
        headers.get("x-amzn-sagemaker-custom-attributes", ""),
    )
    if attributes:
        params["CustomAttributes"] = attributes
    # The same id in the model's log line as in ours and in the caller's error body.
    inference = inference_id(log["request_id"])
    if inference:
        params["InferenceId"] = inference
    if not endpoint:
        raise ApiError(
            "The API has no SageMaker endpoint configured (ENDPOINT_NAME is empty).",
            "Deploy with python -m deploy apply, which sets it.",
            status=503,
            code="endpoint_not_configured",
        )
    try:
        answer = runtime_client().invoke_endpoint(**params)
        data = answer["Body"].read()  # may time out too: inside the try
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        log["aws_error"] = code
        if code == "ModelError":
            # What the container answered (0: nothing, it timed out or its worker died).
            original = exc.response.get("OriginalStatusCode") or error.get("OriginalStatusCode")
            log["model_status"] = int(original or 0)
            raise model_error(
                log["model_status"],
                str(exc.response.get("OriginalMessage") or error.get("OriginalMessage") or ""),
                str(error.get("Message", "")),
            ) from None
        raise client_error(code, str(error.get("Message", "")), endpoint) from None
    except ReadTimeoutError:
        log["aws_error"] = "ReadTimeoutError"
        raise ApiError(
            "The model did not answer within the API's time limit.",
            TIMEOUT_HINT,
            status=504,
            code="model_timeout",
        ) from None
    except (ConnectionClosedError, ResponseStreamingError) as exc:
        # Reached, but it hung up before (or while) answering; botocore retried once.
        log["aws_error"] = type(exc).__name__
        raise ApiError(
            "The SageMaker runtime closed the connection before it had answered.",
            "Try again; if it keeps failing, report the request id.",
            status=502,
            code="upstream_error",
        ) from None
    except BotocoreConnectionError as exc:
        # Connect timeout, refused, DNS, a failed TLS handshake (SSLError), a proxy's refusal.
        log["aws_error"] = type(exc).__name__
        raise ApiError(
            "The SageMaker runtime could not be reached.",
            "Try again; if it keeps failing, report the request id.",
            status=502,
            code="upstream_unreachable",
        ) from None
    # The model's answer as it labelled it; unlabelled bytes are bytes (RFC 9110, 8.3), not JSON.
    return model_response(data, str(answer.get("ContentType") or BYTES_TYPE))


ROUTES = {DETECT: _detect, HEALTH: _health}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Entry point: answer the request, never with a stack trace, and log one JSON line."""
    started = time.perf_counter()
    _set_deadline(context)
    context_id = str(getattr(context, "aws_request_id", "") or "")
    event = mapping(event)
    request_context = mapping(event.get("requestContext"))
    request_id = str(request_context.get("requestId") or context_id)
    http = mapping(request_context.get("http"))
    endpoint = os.environ.get("ENDPOINT_NAME", "")
    log: dict[str, Any] = {
        "msg": "request",
        "request_id": request_id,
        "lambda_request_id": context_id,
        "route": event.get("routeKey", ""),
        "method": http.get("method", ""),
        "path": http.get("path", event.get("rawPath", "")),
        "endpoint": endpoint,
        "bytes_in": 0,
    }
    try:
        route = route_of(event)
        log["msg"] = "health" if route == HEALTH else "detect"
        response = ROUTES[route](event, endpoint, log)
    except ApiError as exc:
        response = error_response(exc, request_id)
        log["error_code"] = exc.code
    except Exception as exc:  # any other failure still answers JSON, never a stack trace
        log["error_code"] = "internal_error"
        log["exception"] = type(exc).__name__
        response = error_response(
            ApiError(
                "The request could not be completed.",
                "Try again; if it keeps failing, report the request id.",
                status=502,
                code="internal_error",
            ),
            request_id,
        )
    log["status"] = response["statusCode"]
    log["bytes_out"] = len(response["body"].encode("utf-8"))
    log["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    log["level"] = "ERROR" if response["statusCode"] >= 500 else "INFO"
    sys.stdout.write(json.dumps(log, separators=(",", ":")) + "\n")
    sys.stdout.flush()
    return response
