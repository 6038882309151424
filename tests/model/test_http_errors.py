"""The JSON wording of the answers gunicorn gives to requests it refuses itself."""

from __future__ import annotations

import json

import pytest
from serving.http_errors import StatusCapture, refusal


def _parse(raw: bytes) -> tuple[str, dict[str, str], dict]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    assert int(headers["Content-Length"]) == len(body)
    return status_line, headers, json.loads(body)


# What gunicorn may refuse with, and the reason its status line then gives (RFC 9110's).
REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    414: "URI Too Long",
    417: "Expectation Failed",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
}


@pytest.mark.parametrize("status", list(REASONS))
def test_every_status_gunicorn_can_refuse_with_has_a_code_and_a_hint(status):
    line, headers, body = _parse(refusal(status, "Reason", ValueError("detail 'x'")))
    assert line == f"HTTP/1.1 {status} {REASONS[status]}"
    assert headers["Content-Type"] == "application/json"
    assert headers["Connection"] == "close"
    error = body["error"]
    assert error["code"] and error["hint"] and error["message"].endswith(".")
    # A server-side failure does not echo the exception to the client.
    assert ("detail" in error["message"]) == (status < 500)


def test_the_reason_is_the_statuss_own_not_gunicorns_bad_request():
    """gunicorn starts every refusal as "400 Bad Request" and keeps that reason for its 501
    (an unsupported Transfer-Encoding) and its 500: "HTTP/1.1 501 Bad Request"."""
    line, _, _ = _parse(refusal(501, "Bad Request", ValueError("Unsupported transfer coding")))
    assert line == "HTTP/1.1 501 Not Implemented"
    line, _, _ = _parse(refusal(500, "Bad Request", ValueError("x")))
    assert line == "HTTP/1.1 500 Internal Server Error"
    line, _, _ = _parse(refusal(499, "Client Closed", ValueError("x")))  # not a standard one
    assert line == "HTTP/1.1 499 Client Closed"


def test_the_detail_is_one_bounded_line():
    _, _, body = _parse(refusal(400, "Bad Request", ValueError("a\r\nb " + "x" * 5000)))
    message = body["error"]["message"]
    assert "\n" not in message and "a b " in message and len(message) < 300


def test_the_capture_keeps_the_status_line_gunicorn_wrote():
    from gunicorn import util

    capture = StatusCapture()
    util.write_error(capture, 431, "Request Header Fields Too Large", "too many")
    assert capture.status() == (431, "Request Header Fields Too Large")
    assert StatusCapture().status() is None


def test_the_hints_quote_the_workers_own_limits():
    from gunicorn.config import Config
    from serving.http_errors import Limits

    assert Limits.of(Config()) == Limits()  # the defaults are gunicorn's
    cfg = Config()
    cfg.set("limit_request_line", 2048)
    _, _, body = _parse(refusal(414, "URI Too Long", ValueError("x"), Limits.of(cfg)))
    assert "under 2048 bytes" in body["error"]["hint"]
