"""What the server hands a model and gets back: one request's bytes and headers in, one
answer out. The model's code (a ``handler`` given to :func:`serving.app.create_app`) turns
an :class:`Invocation` into an :class:`Answer`; the server does the HTTP around it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from .error_shape import ApiError

JSON = "application/json"

#: Headers the server writes itself, whatever a model's Answer or ApiError asks: the body's
#: type (``Answer.content_type``), encoding, length and framing, the connection's own (hop-by-hop,
#: RFC 9110 7.6.1: gunicorn drops them, but a "Connection: close" from a model left gunicorn
#: keeping the connection open), gunicorn's Date and Server (it drops an app's without a word,
#: as it does the hop-by-hop ones: ``gunicorn.util.hop_headers``, all named here), and the
#: request id. A model's Content-Length made gunicorn cut the body short, or leave the client
#: waiting for bytes that never came.
SERVER_HEADERS = frozenset(
    {
        "content-type",
        "content-encoding",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "upgrade",
        "date",
        "server",
        "x-request-id",
    }
)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 5.1: a header's name
# What gunicorn sends (its HEADER_VALUE_RE; the response is written in latin-1): no control
# byte but tab, nothing past U+00FF. It refused any other value, and with it the whole answer:
# a model's "5 €" turned its answer into a 500 saying the request had failed.
_VALUE = re.compile(r"[ \t\x21-\x7e\x80-\xff]*")


@dataclass
class Invocation:
    body: bytes
    content_type: str = ""
    accept: str = ""
    custom_attributes: str = ""


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = JSON
    # What the request log line reports besides status and sizes.
    log: dict[str, Any] = field(default_factory=dict)
    # Headers to send besides the server's own (SERVER_HEADERS): Retry-After, Cache-Control...
    headers: dict[str, str] = field(default_factory=dict)


def error_answer(err: ApiError) -> Answer:
    """``err`` as the answer: its JSON body, and its headers (a 429's Retry-After)."""
    return Answer(
        err.status, orjson.dumps(err.body()), JSON, {"error_code": err.code}, dict(err.headers)
    )


def sendable(headers: Mapping[str, Any] | None) -> tuple[list[tuple[str, str]], list[str]]:
    """(the headers to send, the names left out): a model's headers less the server's own
    and those HTTP cannot carry (a name that is no token, a value with a line break or past
    latin-1), which failed the whole answer. Values are sent as ``str`` (``Retry-After: 30``
    as an int)."""
    send: list[tuple[str, str]] = []
    dropped: list[str] = []
    for name, raw in (headers or {}).items():  # None: an Answer(..., headers=None)
        value = str(raw).strip(" \t")
        ok = isinstance(name, str) and _TOKEN.fullmatch(name) and _VALUE.fullmatch(value)
        if ok and name.lower() not in SERVER_HEADERS:
            send.append((name, value))
        else:
            dropped.append(str(name))
    return send, dropped
