"""The API Gateway stand-in on its own: the events it builds and what it answers around them."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Callable
from typing import Any

from deploy.api_surface import cors_rule
from devstack.api_gateway import (
    HEADERS_TOO_LARGE,
    MAX_BODY_BYTES,
    MAX_HEAD_BYTES,
    ApiStandIn,
    FakeContext,
    build_event,
)


def _recorder(events: list[dict[str, Any]]) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A function for the stand-in that keeps each event it is given and answers 200 "ok"."""

    def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append(event)
        return {"statusCode": 200, "body": "ok"}

    return echo


def test_payload_2_event_shape() -> None:
    event = build_event(
        "post",
        "/detect?method=stl&period=52&x=a%2Cb&x=c",
        {"Content-Type": "text/csv", "User-Agent": "ua/1", "X-Multi": "1"},
        b"Week,x\n",
        source_ip="127.0.0.9",
    )
    assert event["version"] == "2.0" and event["routeKey"] == "POST /detect"
    assert event["rawPath"] == "/detect"
    assert event["rawQueryString"] == "method=stl&period=52&x=a%2Cb&x=c"
    assert event["queryStringParameters"] == {"method": "stl", "period": "52", "x": "a,b,c"}
    assert event["headers"] == {"content-type": "text/csv", "user-agent": "ua/1", "x-multi": "1"}
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/detect",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.9",
        "userAgent": "ua/1",
    }
    assert context["stage"] == "$default" and context["requestId"]
    assert isinstance(context["timeEpoch"], int)
    assert event["body"] == "Week,x\n" and event["isBase64Encoded"] is False


def test_binary_bodies_are_base64_and_empty_ones_absent() -> None:
    event = build_event(
        "POST", "/detect", {"Content-Type": "application/octet-stream"}, b"\xff\x01"
    )
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x01"
    event = build_event("POST", "/detect", {}, b"")
    assert "body" not in event and "queryStringParameters" not in event


def test_fake_context_counts_down_from_29_s() -> None:
    context = FakeContext(function_name="f")
    assert 28_000 < context.get_remaining_time_in_millis() <= 29_000
    assert context.aws_request_id != FakeContext(function_name="f").aws_request_id


def test_gateway_limits_and_integration_failures() -> None:
    calls: list[dict[str, Any]] = []

    def broken(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(event)
        raise RuntimeError("boom")

    api = ApiStandIn(invoke=broken, cors=cors_rule(["http://a.example"]))
    status, headers, body = api.respond("POST", "/detect", {}, b"x" * (MAX_BODY_BYTES + 1), "1")
    assert (status, body) == (413, b'{"message":"Request Entity Too Large"}') and calls == []
    status, headers, body = api.respond(
        "POST", "/detect", {"Origin": "http://a.example"}, b"x", "1"
    )
    assert (status, body) == (500, b'{"message":"Internal Server Error"}') and len(calls) == 1
    assert headers["access-control-allow-origin"] == "http://a.example"
    assert headers["apigw-requestid"]


def test_a_function_that_runs_past_its_timeout_is_the_gateways_500() -> None:
    """Lambda ends a function at its timeout and the HTTP API answers its own 500 ("Lambda
    timeouts get converted to 500 Internal Errors in API Gateway ... with API Gateways HTTP
    API": denoland/deno_registry2#87); the stand-in waited as long as the handler ran and
    passed on its late answer, so `make up` could never show that failure."""
    left: list[int] = []

    def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
        left.append(context.get_remaining_time_in_millis())
        time.sleep(0.3)
        return {"statusCode": 200, "body": "late"}

    api = ApiStandIn(invoke=slow, cors=cors_rule(["http://a.example"]))
    assert api.respond("POST", "/detect", {}, b"x", "1")[0] == 200  # 29 s by default
    api.lambda_timeout_s = 0.1
    status, headers, body = api.respond(
        "POST", "/detect", {"Origin": "http://a.example"}, b"x", "1"
    )
    assert (status, body) == (500, b'{"message":"Internal Server Error"}')
    assert headers["access-control-allow-origin"] == "http://a.example"
    assert left[0] > 28_000 and left[1] <= 100  # the context counts down from the timeout


def test_lambda_limits_its_event_and_result_as_json_not_the_body() -> None:
    """Lambda's 6 MB is the event's JSON: a 5 MB body under the gateway's 10 MB never reaches
    the function base64-encoded (6.7 MB), and a 4 MB one does either way; a result over 6 MB
    is the gateway's 502, however the function measured it."""
    seen: list[int] = []

    def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(len(event.get("body", "")))
        return {"statusCode": 200, "body": "ok"}

    api = ApiStandIn(invoke=echo, cors=cors_rule([]))
    octets = {"Content-Type": "application/octet-stream"}
    status, _, body = api.respond("POST", "/detect", octets, b"x" * (5 * 1024 * 1024), "1")
    assert (status, body) == (413, b'{"message":"Request Too Long"}') and seen == []
    four = 4 * 1024 * 1024
    assert api.respond("POST", "/detect", octets, b"x" * four, "1")[0] == 200
    csv = b"Week,x\r\n" + b'"2020-01-01","1"\r\n' * (four // 18)  # quotes and CRLF escaped
    assert api.respond("POST", "/detect", {"Content-Type": "text/csv"}, csv, "1")[0] == 200
    assert seen == [4 * -(-four // 3), len(csv)]  # base64 (padded), then the text

    def large(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "body": '"' * (3 * 1024 * 1024 + 60)}  # 6 MB escaped

    api = ApiStandIn(invoke=large, cors=cors_rule([]))
    status, _, body = api.respond("POST", "/detect", {}, b"x", "1")
    assert (status, body) == (502, b'{"message":"Internal Server Error"}')


def test_a_request_line_and_header_values_over_10240_bytes_are_the_gateways_431() -> None:
    """The HTTP API quota (request line and header values together, 10,240 bytes, cannot be
    raised): the stand-in passed any size on to the function, so a caller's long token or
    cookie worked under `make up` and failed in production. Measured as sent, over HTTP; the
    header names do not count, and a header sent twice counts twice."""
    import http.client

    calls: list[dict[str, Any]] = []

    echo = _recorder(calls)

    api = ApiStandIn(invoke=echo, cors=cors_rule(["http://a.example"])).start()
    try:
        line = "POST /detect?method=stl HTTP/1.1"
        fixed = {"Host": f"127.0.0.1:{api.port}", "Content-Length": "1"}
        used = len(line) + sum(len(v) for v in fixed.values())

        def send(headers: list[tuple[str, str]]) -> tuple[int, bytes]:
            conn = http.client.HTTPConnection("127.0.0.1", api.port, timeout=30)
            try:
                conn.putrequest(
                    "POST", "/detect?method=stl", skip_host=True, skip_accept_encoding=True
                )
                for name, value in [*fixed.items(), *headers]:
                    conn.putheader(name, value)
                conn.endheaders(b"x")
                reply = conn.getresponse()
                return reply.status, reply.read()
            finally:
                conn.close()

        room = MAX_HEAD_BYTES - used
        assert send([("X-Token", "t" * room)])[0] == 200  # exactly the quota
        assert len(calls) == 1
        status, body = send([("X-Token", "t" * (room + 1))])
        assert (status, body) == (431, HEADERS_TOO_LARGE) and len(calls) == 1
        half = room // 2 + 1  # two values, each under the quota, over it together
        assert send([("Cookie", "c" * half), ("Cookie", "c" * half)])[0] == 431
        assert len(calls) == 1
    finally:
        api.stop()
    assert MAX_HEAD_BYTES == 10240


def test_a_header_sent_twice_reaches_the_function_joined_with_commas() -> None:
    """Payload 2.0 (docs.aws.amazon.com/apigateway/latest/developerguide/
    http-api-develop-integrations-lambda.html): "Duplicate headers are combined with commas and
    included in the headers field". Over HTTP the stand-in kept only the last value (the
    request's headers went through a dict), so a client's repeated header looked like one."""
    import http.client

    events: list[dict[str, Any]] = []

    echo = _recorder(events)

    api = ApiStandIn(invoke=echo, cors=cors_rule([])).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", api.port, timeout=30)
        conn.putrequest("POST", "/detect?method=auto&method=stl")
        for name, value in [("X-Trace", "a"), ("Content-Type", "text/csv"), ("X-Trace", "b")]:
            conn.putheader(name, value)
        conn.putheader("Content-Length", "1")
        conn.endheaders(b"x")
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        api.stop()
    (event,) = events
    assert event["headers"]["x-trace"] == "a,b"
    assert event["queryStringParameters"]["method"] == "auto,stl"


def test_only_the_text_types_aws_names_arrive_as_text() -> None:
    """Real HTTP APIs deliver a body as text only for text/*, application/json, application/xml
    and application/javascript; a structured-syntax type such as application/problem+json, a
    form, or no Content-Type at all arrive base64-encoded (ministackorg/ministack#766, checked
    against real AWS), so the function must decode those."""
    for media_type in ("application/problem+json", "application/x-www-form-urlencoded", ""):
        headers = {"Content-Type": media_type} if media_type else {}
        event = build_event("POST", "/detect", headers, b'{"data": []}')
        assert event["isBase64Encoded"] is True, media_type
        assert base64.b64decode(event["body"]) == b'{"data": []}'
    for media_type in ("text/csv; charset=utf-8", "application/json", "application/xml"):
        event = build_event("POST", "/detect", {"Content-Type": media_type}, b"a,b\n")
        assert (event["isBase64Encoded"], event["body"]) == (False, "a,b\n"), media_type


def test_a_text_types_body_arrives_as_utf8_text_whatever_its_bytes() -> None:
    """An HTTP API picks text or base64 by the Content-Type alone (docs.aws.amazon.com/apigateway/
    latest/developerguide/http-api-develop-integrations-lambda.html: "If the content type of the
    request is binary, the body is base64-encoded"), so a text/csv body that is not UTF-8 (a
    Windows-1252 or UTF-16 export) reaches the function as a UTF-8 string that cannot hold its
    bytes: the stand-in base64-encoded it instead, and every test of such a file passed here
    while the function in AWS got another file. What the gateway puts in place of those bytes
    is not measured; U+FFFD, what a UTF-8 decoder substitutes, is modelled. A charset other
    than UTF-8 makes the body binary: measured on AWS, text/plain; charset=iso-8859-1 arrives
    base64-encoded and text/plain; charset=utf-8 as text (floci-io/floci#2172, the capture
    behind floci-io/floci#2203)."""
    german = "Woche,Fußball\n2024-01-07,40\n".encode("cp1252")
    event = build_event("POST", "/detect", {"Content-Type": "text/csv"}, german)
    assert event["isBase64Encoded"] is False
    assert event["body"] == "Woche,Fu\ufffdball\n2024-01-07,40\n"
    for media_type in ("text/plain; charset=iso-8859-1", "text/csv; charset=windows-1252"):
        event = build_event("POST", "/detect", {"Content-Type": media_type}, german)
        assert event["isBase64Encoded"] is True, media_type
        assert base64.b64decode(event["body"]) == german
    for media_type in ("text/plain; charset=utf-8", 'application/json; charset="UTF-8"'):
        event = build_event("POST", "/detect", {"Content-Type": media_type}, b"a,b\n")
        assert (event["isBase64Encoded"], event["body"]) == (False, "a,b\n"), media_type
    event = build_event("POST", "/detect", {"Content-Type": "application/octet-stream"}, german)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == german


def test_cookies_leave_the_headers_for_their_own_field() -> None:
    """Payload 2.0 moves every Cookie header into ``cookies``, one entry a cookie, and the
    function sees no ``cookie`` header (AWS, "Working with AWS Lambda proxy integrations for
    HTTP APIs": "All cookie headers in the request are combined with commas and added to the
    cookies field")."""
    # two Cookie headers, as joined_headers gives them to build_event
    event = build_event("GET", "/health", {"Cookie": "a=1; b=2,c=3"}, b"")
    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in event["headers"]
    assert "cookies" not in build_event("GET", "/health", {}, b"")


def test_a_method_the_http_server_has_no_handler_for_is_the_gateways_404() -> None:
    """Any method and path but the API's routes is the gateway's ``404 {"message":"Not
    Found"}`` (docs/api.md, openapi.yaml's GatewayNotFound). Methods outside GET, POST, PUT,
    DELETE, PATCH, OPTIONS and HEAD (TRACE, PROPFIND, a made-up one) got http.server's own
    ``501`` HTML page from the stand-in, found by schemathesis against `make up`: a 5xx for a
    caller's request, in no shape the API documents."""
    import http.client
    import json

    calls: list[dict[str, Any]] = []

    echo = _recorder(calls)

    api = ApiStandIn(invoke=echo, cors=cors_rule(["http://a.example"])).start()
    try:
        for method in ("TRACE", "PROPFIND", "FROB"):
            conn = http.client.HTTPConnection("127.0.0.1", api.port, timeout=30)
            try:
                conn.request(method, "/detect", headers={"Origin": "http://a.example"})
                reply = conn.getresponse()
                body = reply.read()
            finally:
                conn.close()
            assert reply.status == 404, (method, reply.status, body[:80])
            assert reply.getheader("content-type") == "application/json", method
            assert json.loads(body) == {"message": "Not Found"}, method
            assert reply.getheader("apigw-requestid"), method
            assert reply.getheader("access-control-allow-origin") == "http://a.example"
    finally:
        api.stop()
    assert calls == []


def _exchange(port: int, raw: bytes) -> tuple[bytes, bytes]:
    """``raw`` sent as is to the stand-in; its answer's head and body, read until it closes
    the connection (every request here asks it to, or is one it closes after)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(raw)
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    return head, body


def test_what_http_server_refuses_itself_is_in_the_gateways_json_shape() -> None:
    """A request line or a header line over 64 KB is refused by http.server before the
    stand-in's own quota check sees it, with its HTML error page: 414 for the line, 431 for
    the header (measured through make up). Both are over the HTTP API's 10,240-byte quota,
    which docs/api.md and openapi.yaml say the gateway answers with 431 and a
    {"message": ...} body. A malformed request is a 400 in the same JSON shape."""
    import json

    calls: list[dict[str, Any]] = []

    echo = _recorder(calls)

    def send(raw: bytes) -> tuple[bytes, bytes]:
        return _exchange(api.port, raw)

    api = ApiStandIn(invoke=echo, cors=cors_rule([])).start()
    try:
        long_line = b"POST /detect?x=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        long_header = b"POST /detect HTTP/1.1\r\nHost: x\r\nX-A: " + b"b" * 70_000 + b"\r\n\r\n"
        for raw in (long_line, long_header):
            head, body = send(raw)
            assert head.startswith(b"HTTP/1.1 431 "), head[:40]
            assert b"content-type: application/json" in head.lower()
            assert b"apigw-requestid: " in head.lower()
            assert body == HEADERS_TOO_LARGE
        # a Content-Length that is no number: the stand-in's int() raised, and the client
        # got no answer at all (the connection closed, a traceback on the stand-in's stderr)
        for length in (b"abc", b"-5"):  # -5: read(-5) waited for the client to close
            head, body = send(
                b"POST /detect HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n"
            )
            assert head.startswith(b"HTTP/1.1 400 "), head[:40]
            assert b"content-type: application/json" in head.lower()
            assert json.loads(body) == {"message": "Bad Request"}
    finally:
        api.stop()
    assert calls == []


def test_a_chunked_request_body_reaches_the_function_whole() -> None:
    """A client that streams its upload (`curl -T file`, `requests` with a generator body, a
    proxy) sends `Transfer-Encoding: chunked` and no Content-Length. The stand-in read only
    Content-Length, so the function got no body and the caller "The file is empty". The body
    now arrives de-chunked, as a function behind AWS sees one (serverless-http#308/#309: a
    Lambda event with `transfer-encoding: chunked` whose body is not chunked). A broken chunk
    is the gateway's 400, and the rules on size still hold (413 over the payload limit)."""
    import json

    calls: list[dict[str, Any]] = []

    echo = _recorder(calls)

    def send(raw: bytes) -> tuple[bytes, bytes]:
        return _exchange(api.port, raw)

    head_of = b"POST /detect HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
    chunked = head_of + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    api = ApiStandIn(invoke=echo, cors=cors_rule([])).start()
    try:
        head, body = send(chunked + b"5\r\nWeek,\r\nA;ext=1\r\nterm: (US)\r\n0\r\nX-T: 1\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 "), head[:40]
        assert calls[-1]["body"] == "Week,term: (US)", calls[-1]
        head, body = send(chunked + b"zz\r\nWeek\r\n0\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400 "), head[:40]
        assert json.loads(body) == {"message": "Bad Request"}
        big = MAX_BODY_BYTES + 1
        head, body = send(chunked + f"{big:x}\r\n".encode() + b"a" * big + b"\r\n0\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413 "), head[:40]
    finally:
        api.stop()
    assert len(calls) == 1
