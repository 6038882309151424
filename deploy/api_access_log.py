"""The HTTP API's access log line: one JSON object per request, written by API Gateway itself.

Why: what the gateway answers on its own (a route that does not exist, a throttled request,
a body over its limit, the 30 s integration timeout, a Lambda that could not be invoked) never
reaches the function, so without this log it leaves no trace. The line is JSON so CloudWatch
Logs Insights reads its fields; names shared with the function's and the model's lines mean
the same there (``request_id``, ``method``, ``route``, ``path``, ``status``, ``bytes_out``,
``latency_ms``), so one query reads all three.

Only variables AWS documents for HTTP APIs ("Customize HTTP API access logs"): REST APIs have
others (``$context.resourcePath``, ``$context.authorize.*``, ``$context.waf*`` ...) that an
HTTP API does not fill. AWS requires ``$context.requestId`` in AccessLogSettings.Format, and
one line. Every value is quoted, as in AWS's JSON example: a number left unquoted would break
the JSON whenever its variable has no value.
"""

from __future__ import annotations

import json

# field → HTTP API $context variable. Order as an on-call engineer reads a line.
FIELDS: dict[str, str] = {
    # The id of the apigw-requestid header and of every error body; the function's line has
    # it as request_id (event.requestContext.requestId), the model's line too (InferenceId).
    "request_id": "$context.requestId",
    "time": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "user_agent": "$context.identity.userAgent",
    "method": "$context.httpMethod",
    "route": "$context.routeKey",
    "path": "$context.path",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "bytes_out": "$context.responseLength",
    "latency_ms": "$context.responseLatency",
    # The gateway's own error ("Not Found", "Too Many Requests" ...) and its kind, when it
    # answered itself.
    "error": "$context.error.message",
    "error_type": "$context.error.responseType",
    # The call to the Lambda: the status the function returned, Lambda's own status for the
    # invoke (429 when Lambda throttled it, 5xx when Lambda failed), why the call failed, how
    # long it took, and the id the AWS endpoint (Lambda) gave the call.
    "integration_status": "$context.integration.status",
    "invoke_status": "$context.integrationStatus",
    "integration_error": "$context.integrationErrorMessage",
    "integration_latency_ms": "$context.integrationLatency",
    "integration_request_id": "$context.integration.requestId",
}


def access_log_format() -> str:
    """AccessLogSettings.Format: the fields as one line of JSON."""
    return json.dumps(FIELDS, separators=(",", ":"))
