"""The HTTP API's access log line: HTTP API variables only, JSON on one line, and the fields it
shares with the function's log line named as the function names them."""

from __future__ import annotations

import json

import handler
import pytest

from deploy.api_access_log import FIELDS, access_log_format
from devstack.api_gateway import FakeContext, build_event

# AWS, "Customize HTTP API access logs" (the $context variables an HTTP API fills; REST APIs
# document others, e.g. $context.resourcePath, that an HTTP API leaves empty).
HTTP_API_VARIABLES = {
    "$context.accountId",
    "$context.apiId",
    "$context.authorizer.error",
    "$context.awsEndpointRequestId",
    "$context.awsEndpointRequestId2",
    "$context.customDomain.basePathMatched",
    "$context.dataProcessed",
    "$context.domainName",
    "$context.domainPrefix",
    "$context.error.message",
    "$context.error.messageString",
    "$context.error.responseType",
    "$context.extendedRequestId",
    "$context.httpMethod",
    "$context.identity.sourceIp",
    "$context.identity.userAgent",
    "$context.integration.error",
    "$context.integration.integrationStatus",
    "$context.integration.latency",
    "$context.integration.requestId",
    "$context.integration.status",
    "$context.integrationErrorMessage",
    "$context.integrationLatency",
    "$context.integrationStatus",
    "$context.path",
    "$context.protocol",
    "$context.requestId",
    "$context.requestTime",
    "$context.requestTimeEpoch",
    "$context.responseLatency",
    "$context.responseLength",
    "$context.routeKey",
    "$context.stage",
    "$context.status",
}
# Named as the function's line names the same thing (the model's line shares a subset).
SHARED = ("request_id", "method", "route", "path", "status", "bytes_out", "latency_ms")


def test_every_value_is_a_documented_http_api_variable() -> None:
    assert set(FIELDS.values()) <= HTTP_API_VARIABLES, set(FIELDS.values()) - HTTP_API_VARIABLES


def test_the_format_is_one_line_of_json_with_the_request_id() -> None:
    text = access_log_format()
    assert "\n" not in text
    assert json.loads(text) == FIELDS
    assert FIELDS["request_id"] == "$context.requestId"  # AWS requires it in the format
    # What an on-call engineer looks for first, by AWS's names.
    for variable in (
        "$context.identity.sourceIp",
        "$context.httpMethod",
        "$context.routeKey",
        "$context.path",
        "$context.status",
        "$context.protocol",
        "$context.responseLength",
        "$context.integrationStatus",
        "$context.integrationErrorMessage",
        "$context.integrationLatency",
        "$context.error.message",
    ):
        assert variable in FIELDS.values(), variable


def test_shared_fields_carry_the_function_log_lines_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    event = build_event("GET", "/health", {"User-Agent": "pytest"}, b"")
    capsys.readouterr()
    handler.handler(event, FakeContext(function_name="trends-anomaly-detect"))
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for name in SHARED:
        assert name in FIELDS and name in line, name
    # The id both lines carry is the gateway's: the event's requestContext.requestId.
    assert line["request_id"] == event["requestContext"]["requestId"]
