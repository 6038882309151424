"""The answer to a request gunicorn refuses before the app sees it, in the app's JSON shape.

A malformed request line, a bad Content-Length, too many or too long headers, an unknown
Transfer-Encoding or Expect: gunicorn answers these itself, with an HTML page
(``gunicorn.util.write_error``). A client of this API parses ``{"error": {"code", "message",
"hint"}}`` from every 4xx; an HTML body told it nothing it could show or act on.

gunicorn keeps deciding the status (its classification of its own parser's errors, its log
line and access log); this module only words the answer. ``gevent_worker`` wires it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import orjson

from .error_shape import ApiError
from .hints import Hints

_CLIENT_FIX = (
    "Send a well-formed HTTP/1.1 request; an HTTP client (curl, Python requests, fetch) "
    "writes one for you."
)


@dataclass(frozen=True)
class Limits:
    """The worker's request limits the hints quote (gunicorn's settings; these are its
    defaults, which gunicorn_conf.py keeps)."""

    request_line: int = 4094
    header_fields: int = 100
    header_field_size: int = 8190

    @classmethod
    def of(cls, cfg: Any) -> Limits:
        """A gunicorn worker's own (``worker.cfg``)."""
        return cls(cfg.limit_request_line, cfg.limit_request_fields, cfg.limit_request_field_size)


def _words(limits: Limits, hints: Hints) -> dict[int, tuple[str, str, str]]:
    """status -> (code, what was wrong, how to fix it)."""
    return {
        400: ("bad_request", "The request is not valid HTTP", _CLIENT_FIX),
        414: (
            "uri_too_long",
            "The request line (method and URL) is too long",
            f"Keep the URL under {limits.request_line} bytes: {hints.uri_too_long}",
        ),
        431: (
            "headers_too_large",
            "The request's headers are too many or too long",
            f"Send at most {limits.header_fields} headers of at most "
            f"{limits.header_field_size} bytes each; the data belongs in the body.",
        ),
        417: (
            "expectation_failed",
            "The request's Expect header asks for something this server does not do",
            "Remove the Expect header, or send Expect: 100-continue.",
        ),
        501: (
            "unsupported_transfer_encoding",
            "The body's Transfer-Encoding is not supported",
            "Send the body as it is, with a Content-Length (or Transfer-Encoding: chunked); "
            "do not compress it.",
        ),
    }


_DETAIL_CHARS = 200


# RFC 9110's names where this Python's HTTPStatus keeps RFC 2616's ("Request-URI Too Long").
_RFC9110_PHRASES = {413: "Content Too Large", 414: "URI Too Long", 422: "Unprocessable Content"}


def reason_phrase(status: int, reason: str) -> str:
    """The status line's reason for ``status``: its standard phrase (RFC 9110). gunicorn starts
    every refusal as 400 "Bad Request" and changes the reason only for some of the statuses
    it then picks: its 501 (an unsupported Transfer-Encoding) and its 500 went out as
    "501 Bad Request" and "500 Bad Request". Its own ``reason`` for a status unknown here."""
    if status in _RFC9110_PHRASES:
        return _RFC9110_PHRASES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return reason


def refusal(
    status: int,
    reason: str,
    exc: BaseException,
    limits: Limits | None = None,
    hints: Hints | None = None,
) -> bytes:
    """The whole HTTP/1.1 response for a request gunicorn refused with ``status``: the JSON
    error shape, closing the connection as gunicorn does (it stops reading the request).
    ``hints``: the served app's (:func:`serving.hints.of`), for the 414's."""
    reason = reason_phrase(status, reason)
    words = _words(limits or Limits(), hints or Hints())
    code, what, hint = words.get(status) or _fallback(status)
    detail = " ".join(str(exc).split())[:_DETAIL_CHARS]
    message = f"{what}: {detail}." if detail and status < 500 else f"{what}."
    body = orjson.dumps(ApiError(message, hint, status=status, code=code).body())
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body


def _fallback(status: int) -> tuple[str, str, str]:
    if status >= 500:
        return (
            "internal_error",
            "The server failed while reading the request",
            "Try again; if it persists, report it with the time of the request.",
        )
    return ("bad_request", "The request was refused", _CLIENT_FIX)


class StatusCapture:
    """Stands in for the client socket while gunicorn writes its HTML error: keeps the status
    line (all that is kept of it) so the JSON answer carries gunicorn's status."""

    def __init__(self) -> None:
        self.written = b""

    def gettimeout(self) -> float:
        return 0.0  # gunicorn's write_nonblock then writes without toggling blocking mode

    def setblocking(self, flag: bool) -> None:
        pass

    def sendall(self, data: bytes) -> None:
        self.written += data

    def status(self) -> tuple[int, str] | None:
        """(status, reason) from ``HTTP/1.1 <status> <reason>``, or None if nothing was
        written (gunicorn could not word an answer either)."""
        line = self.written.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            return None
        return int(parts[1]), parts[2] if len(parts) > 2 else ""
