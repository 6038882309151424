"""A local stand-in for the API Gateway HTTP API: HTTP request -> payload-2.0 event -> Lambda.

It runs the real Lambda handler in-process and applies CORS the way the HTTP API does when CORS
is configured on it: preflights are answered by the gateway (204 with the Access-Control-*
headers for an allowed origin; 204 without any CORS header for another origin, which the browser
then refuses), and actual responses get Access-Control-Allow-Origin only for allowed origins.
Only the routes of `deploy.api_surface.ROUTES` reach the Lambda; anything else is the gateway's
404. The CORS rule is the one deploy gives the real HTTP API (`deploy.api_surface.CorsRule`).
It refuses what the real one refuses before the function: a request line and header values
over 10,240 bytes, a body over 10 MB, an event over Lambda's 6 MB; and a function that answers
after its timeout (29 s) gets the gateway's 500, as Lambda would have ended it.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from deploy.api_surface import ROUTES, CorsRule
from deploy.config import HTTP_API_HEADER_BYTES, HTTP_API_PAYLOAD_MB
from devstack.http_thread import serve_in_thread, stop_server

MAX_BODY_BYTES = HTTP_API_PAYLOAD_MB * 1024 * 1024  # the HTTP API's request payload limit
# The HTTP API quota "Total combined size of request line and header values: 10240 bytes", which
# cannot be raised (docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html):
# the header names are not counted, as the quota words it. The status is the one reported from
# an API Gateway over it (431; backbencher.dev, "SOLVED: 431 Status Code With Request Header
# Fields Too Large", 2023); the body's wording is not documented, so this one is in the shape
# of the gateway's other refusals.
MAX_HEAD_BYTES = HTTP_API_HEADER_BYTES
HEADERS_TOO_LARGE = b'{"message":"Request Header Fields Too Large"}'
# Lambda's synchronous limits apply to the event and the result as JSON, not to the body: a
# request event must be smaller than 6 MiB ("Request must be smaller than 6291456 bytes for
# the InvokeFunction operation"), a result at most 100 bytes more (measured and published by
# Zac Charles, "Deep Dive: Lambda's Request Payload Size Limit", 2022). What the gateway then
# answers is as reported against real APIs: 413 {"message": "Request Too Long"} for the request
# (koki-develop/lgtm-generator#10), 502 for a result Lambda cannot deliver
# (DataBiosphere/azul#8258, INTEGRATION_FAILURE).
LAMBDA_EVENT_MAX_BYTES = 6 * 1024 * 1024 - 1
LAMBDA_RESULT_MAX_BYTES = 6 * 1024 * 1024 + 100
LAMBDA_TIMEOUT_MS = 29_000
# The only media types a real HTTP API hands the function as text; anything else, a missing
# Content-Type, application/x-www-form-urlencoded and the +json types included, arrives
# base64-encoded (the docs name no list; ministackorg/ministack#766 measured it on AWS). The
# type decides, not the bytes: a text type's body is a UTF-8 string whatever was sent, so the
# bytes of a Windows-1252 or UTF-16 file cannot arrive (U+FFFD stands in for them here; what
# AWS puts there is not measured). A charset other than UTF-8 makes the body binary (measured:
# text/plain; charset=iso-8859-1 arrives base64-encoded; floci-io/floci#2172 and #2203).
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
_UTF8 = ("", "utf-8")

Invoke = Callable[[dict[str, Any], Any], dict[str, Any]]


def preflight_headers(rule: CorsRule, origin: str) -> dict[str, str]:
    """What the HTTP API answers to an allowed preflight."""
    return {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": ",".join(rule.allow_methods),
        "access-control-allow-headers": ",".join(rule.allow_headers),
        "access-control-max-age": str(rule.max_age),
    }


def response_headers(rule: CorsRule, origin: str) -> dict[str, str]:
    """What the HTTP API adds to an actual response for an allowed origin: the configured
    CORS headers (docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html:
    "For a CORS request, API Gateway adds the configured CORS headers to the response from an
    integration"), exposeHeaders as Access-Control-Expose-Headers; a preflight answer needs
    none of those (the Fetch standard reads them from the actual response)."""
    return {
        "access-control-allow-origin": origin,
        "access-control-expose-headers": ",".join(rule.expose_headers),
        "vary": "origin",
    }


@dataclass
class FakeContext:
    """The bits of the Lambda context object a handler may read."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = field(default_factory=lambda: time.monotonic() + LAMBDA_TIMEOUT_MS / 1000)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def build_event(
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    source_ip: str = "127.0.0.1",
    route_key: str = "POST /detect",
    request_id: str | None = None,
) -> dict[str, Any]:
    """The payload-2.0 event API Gateway would send for this request."""
    parts = urlsplit(target)
    # repeated headers (any case) are joined with commas
    lowered = {name.lower(): value for name, value in joined_headers(headers.items()).items()}
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    media_type, _, parameters = lowered.get("content-type", "").partition(";")
    media_type = media_type.strip().lower()
    # payload 2.0 moves the Cookie headers (joined with commas) into "cookies", one a cookie
    cookie_header = lowered.pop("cookie", "")
    cookies = [c.strip() for c in re.split(r"[;,]", cookie_header) if c.strip()]
    if not body or (media_type.startswith(_TEXT_TYPES) and _charset(parameters) in _UTF8):
        encoded, is_base64 = body.decode("utf-8", errors="replace"), False
    else:
        encoded, is_base64 = base64.b64encode(body).decode("ascii"), True
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": unquote(parts.path),
        "rawQueryString": parts.query,
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": lowered.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method.upper(),
                "path": unquote(parts.path),
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": request_id or new_request_id(),
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if body:
        event["body"] = encoded
    return event


def _charset(parameters: str) -> str:
    """The lower-cased ``charset`` among a Content-Type's parameters (``; charset="UTF-8"``)."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""


def head_bytes(request_line: str, headers: Iterable[tuple[str, str]]) -> int:
    """The size the HTTP API's header quota measures: the request line (``POST /detect?x=1
    HTTP/1.1``) and every header value as sent (a repeated header counts each time)."""
    values = sum(len(value.encode("latin-1", "replace")) for _, value in headers)
    return len(request_line.encode("latin-1", "replace")) + values


def new_request_id() -> str:
    """An id shaped like API Gateway's (e.g. ``JxhCdgT3IAMEVzQ=``)."""
    return base64.b64encode(uuid.uuid4().bytes[:10]).decode("ascii")


@dataclass
class ApiStandIn:
    """The gateway; ``start()`` binds 127.0.0.1 (port 0 = a free one), ``stop()`` closes it."""

    invoke: Invoke
    cors: CorsRule
    function_name: str = "trends-anomaly-detect"
    routes: frozenset[str] = frozenset(ROUTES)
    # The function's timeout: an answer later than this never reaches the gateway in AWS.
    lambda_timeout_s: float = LAMBDA_TIMEOUT_MS / 1000
    host: str = "127.0.0.1"
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ApiStandIn:
        self._server = serve_in_thread(self.host, self.port, _make_handler(self), "api-stand-in")
        self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        stop_server(self._server)
        self._server = None

    def respond(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        source_ip: str,
        head_size: int | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """What the HTTP API answers: status, headers (lower-case) and body. ``head_size`` is
        :func:`head_bytes` of the request as received (by default, of these arguments)."""
        request_id = new_request_id()
        if head_size is None:
            head_size = head_bytes(f"{method} {target} HTTP/1.1", headers.items())
        status, out_headers, out_body = self._respond(
            method, target, headers, body, source_ip, request_id, head_size
        )
        return status, {**out_headers, "apigw-requestid": request_id}, out_body

    def _respond(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        source_ip: str,
        request_id: str,
        head_size: int,
    ) -> tuple[int, dict[str, str], bytes]:
        origin = next((v for k, v in headers.items() if k.lower() == "origin"), None)
        allowed = self.cors.allows(origin)
        if head_size > MAX_HEAD_BYTES:  # before any route, preflight or body limit
            cors = response_headers(self.cors, origin) if allowed and origin else {}
            return 431, {"content-type": "application/json", **cors}, HEADERS_TOO_LARGE
        path = unquote(urlsplit(target).path)
        request_method = next(
            (v for k, v in headers.items() if k.lower() == "access-control-request-method"), None
        )
        if method == "OPTIONS" and origin and request_method:
            return 204, preflight_headers(self.cors, origin) if allowed else {}, b""
        cors = response_headers(self.cors, origin) if allowed and origin else {}
        if f"{method} {path}" not in self.routes:
            return 404, {"content-type": "application/json", **cors}, b'{"message":"Not Found"}'
        if len(body) > MAX_BODY_BYTES:
            message = b'{"message":"Request Entity Too Large"}'
            return 413, {"content-type": "application/json", **cors}, message
        event = build_event(
            method, target, headers, body, source_ip, f"{method} {path}", request_id
        )
        if _json_size(event) > LAMBDA_EVENT_MAX_BYTES:
            message = b'{"message":"Request Too Long"}'
            return 413, {"content-type": "application/json", **cors}, message
        deadline = time.monotonic() + self.lambda_timeout_s
        context = FakeContext(function_name=self.function_name, _deadline=deadline)
        try:
            result = self.invoke(event, context)
            if time.monotonic() > deadline:
                # Lambda ends the function at its timeout ("Task timed out") and the HTTP API
                # answers 500 (denoland/deno_registry2#87); here the late answer is dropped.
                failed = b'{"message":"Internal Server Error"}'
                return 500, {"content-type": "application/json", **cors}, failed
            if _json_size(result) > LAMBDA_RESULT_MAX_BYTES:
                failed = b'{"message":"Internal Server Error"}'
                return 502, {"content-type": "application/json", **cors}, failed
            status, out_headers, out_body = _lambda_result(result)
        except Exception:  # the gateway answers 500 when the integration fails
            traceback.print_exc(file=sys.stderr)
            failed = b'{"message":"Internal Server Error"}'
            return 500, {"content-type": "application/json", **cors}, failed
        return status, {**out_headers, **cors}, out_body


def _json_size(value: Any) -> int:
    """Bytes of ``value`` as JSON, as Lambda measures an event or a result."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _lambda_result(result: Any) -> tuple[int, dict[str, str], bytes]:
    """Interpret a payload-2.0 Lambda result like the HTTP API does."""
    if not isinstance(result, dict) or "statusCode" not in result:
        body = json.dumps(result).encode()
        return 200, {"content-type": "application/json"}, body
    headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
    return int(result["statusCode"]), headers, body


def joined_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The request's headers, one entry a name (any case), a repeated one's values joined with
    commas in the order sent: what payload 2.0 gives the function. A plain dict of them kept
    only the last value."""
    out: dict[str, str] = {}
    names: dict[str, str] = {}  # lower-case name → the spelling first sent
    for name, value in pairs:
        first = names.setdefault(name.lower(), name)
        out[first] = f"{out[first]},{value}" if first in out else value
    return out


def read_chunked(rfile: Any, cap: int) -> tuple[bytes, bool]:
    """A ``Transfer-Encoding: chunked`` body (RFC 9112, section 7.1), de-chunked as the
    function behind AWS gets it; at most ``cap`` bytes are kept. Returns the body and whether
    it was read to its end (False: over ``cap``, the rest left unread). ValueError when a chunk
    is malformed."""
    body = bytearray()
    while True:
        line = rfile.readline(1026)
        if not line.endswith(b"\n"):
            raise ValueError("chunk size line")
        size = int(line.split(b";", 1)[0].strip(), 16)  # ValueError for no hex number
        if size < 0:
            raise ValueError(size)
        if size == 0:
            while rfile.readline(65537) not in (b"\r\n", b"\n", b""):  # trailer fields
                pass
            return bytes(body), True
        if len(body) + size > cap:
            body += rfile.read(cap - len(body))
            return bytes(body), False
        chunk = rfile.read(size)
        if len(chunk) != size or rfile.readline(3) not in (b"\r\n", b"\n"):
            raise ValueError("chunk cut short")
        body += chunk


def _make_handler(api: ApiStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "local-api-gateway"

        def _serve(self) -> None:
            chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
            try:
                length = int(self.headers.get("Content-Length") or 0)
                if length < 0:
                    raise ValueError(length)
                if chunked:  # over the payload limit: the rest is not read, so no keep-alive
                    body, whole = read_chunked(self.rfile, MAX_BODY_BYTES + 1)
                    self.close_connection = self.close_connection or not whole
            except ValueError:  # the request cannot be framed
                self.send_error(HTTPStatus.BAD_REQUEST)
                return
            if not chunked:
                body = self.rfile.read(length) if length else b""
            status, headers, out = api.respond(
                self.command,
                self.path,
                joined_headers(self.headers.items()),
                body,
                self.client_address[0],
                head_bytes(self.requestline, self.headers.items()),
            )
            self.send_response(status)
            for name, value in headers.items():
                if name not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(out)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(out)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _serve

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            """What http.server refuses before ``_serve`` (a request line or a header over
            64 KB, over 100 headers, a malformed request line), in the gateway's JSON shape
            instead of its HTML page; a line that long is over the 10,240-byte quota, so its
            414 is the gateway's 431."""
            if code in (
                HTTPStatus.REQUEST_URI_TOO_LONG,
                HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            ):
                code, body = HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, HEADERS_TOO_LARGE
            else:
                reason = self.responses.get(code, ("Error",))[0]
                body = json.dumps({"message": reason}, separators=(",", ":")).encode()
            self.close_connection = True
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("apigw-requestid", new_request_id())
            self.send_header("connection", "close")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def __getattr__(self, name: str) -> Any:
            """Any other method (TRACE, PROPFIND, …) is served too: the gateway answers it as a
            route it does not have (404 JSON), where http.server answered 501 in HTML."""
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the Lambda handler logs one JSON line per request."""

    return Handler
