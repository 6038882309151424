"""The Flask app SageMaker talks to: ``GET /ping`` and ``POST /invocations`` on port 8080.

Thin on purpose, and no model's: it reads the request, hands the bytes to the model's
``handler`` (an :class:`Invocation` in, an :class:`Answer` out), and writes the answer and one
JSON log line. The model's module makes its app with :func:`create_app` (``MODEL_APP`` in
``serve`` names it). The handler runs on a native thread from gevent's pool, so the worker's
event loop stays free to answer ``/ping`` while a long request computes.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
import time
from collections.abc import Callable

import orjson
from flask import Flask, Request, Response, request
from gunicorn.http.errors import NoMoreData, ParseException

from .admission import BODY_SECONDS, BodyTimeout, admitted, body_deadline
from .errors import (
    ApiError,
    BadBody,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RequestTimeout,
)
from .hints import EXTENSION, Hints
from .invocation import Answer, Invocation, error_answer, sendable
from .server_log import MASK_REQUEST_DATA
from .tracebacks import redacted


def emit(record: dict) -> None:
    """One JSON line on stdout (CloudWatch on SageMaker). Plain writes, not ``logging``: this
    runs on every request and the logging machinery costs more than the rest of the line."""
    sys.stdout.write(orjson.dumps(record).decode() + "\n")
    sys.stdout.flush()


# Bodies up to this size (~10k rows, a few ms of work) are answered inline; bigger ones run on
# a native thread so that the event loop keeps answering /ping meanwhile.
INLINE_MAX_BYTES = 128 * 1024
# One compute thread per worker process: more would only take turns on the GIL, and each one
# competing with the event loop delays /ping.
POOL_THREADS = 1
# Hand the GIL to the event loop every millisecond (Python's default is 5 ms) so that /ping
# gets through while a long request computes.
sys.setswitchinterval(0.001)


def _offload(func, req: Invocation, *args, inline_max_bytes: int = INLINE_MAX_BYTES):
    """Run CPU-bound work off the event loop when serving under gevent (a body up to
    ``inline_max_bytes`` on the loop itself: cheaper, for a model that answers it in ms)."""
    if len(req.body) > inline_max_bytes and "gevent" in sys.modules:
        from gevent import get_hub

        # The exception travels back as a value: raised inside the pool, gevent would also
        # print it as an unhandled error, and every 400 would log a traceback.
        pool = get_hub().threadpool
        if pool.maxsize != POOL_THREADS:  # once per worker: the hub's pool starts at 10
            pool.maxsize = POOL_THREADS
        ok, value = pool.apply(_capture, (func, req, *args))
        if ok:
            return value
        try:
            raise value
        finally:
            # The traceback holds this frame: a reference to the error from it would be a
            # cycle, and the request (its body too) would live until a garbage collection.
            del value
    return func(req, *args)


_nice_threads: set[int] = set()


def _lower_priority() -> None:
    """Make this compute thread yield the CPU to the event loop's thread (Linux nice +10)."""
    tid = threading.get_native_id()
    if tid not in _nice_threads and hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, tid, 10)
        _nice_threads.add(tid)


def _capture(func, *args):
    _lower_priority()
    try:
        return True, func(*args)
    except Exception as exc:  # re-raised by the caller on the event loop
        return False, exc


def _read_body(req: Request, limit: int, hints: Hints) -> bytes:
    """The whole body, or the 4xx that says why not.

    A chunked body whose framing is broken made gunicorn's reader raise, which answered 500
    with a traceback in the log; a body shorter than its Content-Length (the client sent less
    and closed its side) was analysed as if it were the whole file, and could get a 200.
    gunicorn closes the connection after a body it could not read.
    """
    length = req.content_length
    try:
        with body_deadline():
            body = req.stream.read(limit + 1)
    except BodyTimeout:
        raise RequestTimeout(
            f"The body did not arrive within {BODY_SECONDS:g} s.", hints.body_timeout
        ) from None
    except NoMoreData:
        raise BadBody(
            "The body ended before its last chunk: it is incomplete.",
            "Send the whole body, and let the HTTP client encode it.",
        ) from None
    except ParseException as exc:
        raise BadBody(
            f"The body's chunked transfer encoding is broken ({str(exc)[:120]}).",
            "Send the body with a Content-Length (curl --data-binary @FILE), or as valid "
            "chunks (RFC 9112, section 7.1).",
        ) from None
    if len(body) > limit:
        raise PayloadTooLarge.over(limit, hint=hints.too_large)
    if length is not None and len(body) < length:
        raise BadBody(
            f"The body ended after {len(body)} of the {length} bytes its Content-Length "
            "announced: it is incomplete.",
            "Send the whole body, and let the HTTP client set Content-Length.",
        )
    return body


def _respond(answer: Answer, request_id: str, headers: list[tuple[str, str]]) -> Response:
    resp = Response(answer.body, status=answer.status, content_type=answer.content_type)
    resp.headers.extend(headers)
    resp.headers["X-Request-Id"] = request_id
    return resp


Handler = Callable[[Invocation], Answer]
QueryCheck = Callable[[bytes], None]


def create_app(
    import_name: str,
    handler: Handler,
    max_payload_bytes: int,
    check_query: QueryCheck | None = None,
    hints: Hints | None = None,
    inline_max_bytes: int = INLINE_MAX_BYTES,
) -> Flask:
    """The server's Flask app around a model's ``handler``.

    ``max_payload_bytes``: bodies over it are a 413 before they are read. ``check_query``
    sees the URL's query string first and raises an :class:`ApiError` to refuse it (SageMaker
    passes none). ``hints``: the model's words for the 413, 408 and 414 the server answers for
    it (:class:`Hints`' defaults otherwise). ``import_name`` is Flask's (the model's module: its
    logger's name). ``inline_max_bytes``: bodies up to it are handled on the worker's event
    loop, which answers no ``/ping`` meanwhile; bigger ones on its compute thread. The default
    suits a model that answers such a body in milliseconds; 0 sends every request to the
    thread (a model that takes seconds on small inputs held ``/ping`` that long).
    """
    app = Flask(import_name)
    hints = hints or Hints()
    app.extensions[EXTENSION] = hints  # the 414 is the worker's: serving.hints.of(app)
    app.logger.addFilter(MASK_REQUEST_DATA)  # an exception escaping a view: no quoted data
    app.add_url_rule("/ping", "ping", ping, methods=["GET"])
    app.add_url_rule(
        "/invocations",
        "invocations",
        functools.partial(
            invocations, handler, max_payload_bytes, check_query, hints, inline_max_bytes
        ),
        methods=["POST"],
    )
    app.register_error_handler(404, not_found)
    app.register_error_handler(405, not_allowed)
    app.register_error_handler(500, internal_error)
    return app


def ping() -> Response:
    return Response(b'{"status":"healthy"}', status=200, content_type="application/json")


def invocations(
    handler: Handler,
    limit: int,
    check_query: QueryCheck | None,
    hints: Hints,
    inline_max_bytes: int = INLINE_MAX_BYTES,
) -> Response:
    started = time.perf_counter()
    # The request itself, not Flask's proxy to it: each attribute read through the proxy
    # looks the request up again, and this reads a dozen.
    http = request._get_current_object()  # type: ignore[attr-defined]
    headers = http.headers
    length = http.content_length
    request_id = (
        headers.get("X-Amzn-SageMaker-Inference-Id")
        or headers.get("X-Request-Id")
        or os.urandom(16).hex()
    )[:64]
    size_in = length or 0
    try:
        if check_query is not None:
            check_query(http.query_string)
        if length is not None and length > limit:
            raise PayloadTooLarge.over(limit, length, hints.too_large)
        with admitted(length, INLINE_MAX_BYTES):
            body = _read_body(http, limit, hints)
            size_in = len(body)
            req = Invocation(
                body=body,
                content_type=headers.get("Content-Type", ""),
                accept=headers.get("Accept", ""),
                custom_attributes=headers.get("X-Amzn-SageMaker-Custom-Attributes", ""),
            )
            answer = _offload(handler, req, inline_max_bytes=inline_max_bytes)
        if not isinstance(answer, Answer):  # else an AttributeError below, and Flask's HTML 500
            raise TypeError(
                f"the model's handler returned {type(answer).__qualname__}, not a "
                "serving.invocation.Answer(status, body, content_type): return one, or raise "
                "a serving.errors.ApiError for a 4xx"
            )
    except ApiError as err:
        answer = error_answer(err)
    except Exception as exc:  # a bug: log it with the request id, tell the caller no more
        emit(
            {
                "request_id": request_id,
                "level": "ERROR",
                "error_type": type(exc).__name__,
                "traceback": redacted(exc),
            }
        )
        body = {
            "error": {
                "code": "internal_error",
                "message": "The model failed on this request; this is a bug on our side.",
                "hint": f"Report request id {request_id}.",
                "request_id": request_id,
            }
        }
        answer = Answer(
            500, orjson.dumps(body), "application/json", {"error_code": "internal_error"}
        )
    headers, dropped = sendable(answer.headers)
    record = {
        "request_id": request_id,
        "path": "/invocations",
        "status": answer.status,
        "level": "ERROR" if answer.status >= 500 else "INFO",
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        "bytes_in": size_in,
        "bytes_out": len(answer.body),
        **answer.log,
    }
    if dropped:  # the model's code asked for them: its engineer finds why they are missing
        record["dropped_headers"] = dropped
    emit(record)
    return _respond(answer, request_id, headers)


def _error_response(err: ApiError) -> Response:
    """``err`` in the JSON shape, with its headers (the server's own left out, as for a
    model's answer)."""
    resp = Response(orjson.dumps(err.body()), status=err.status, content_type="application/json")
    resp.headers.extend(sendable(err.headers)[0])
    return resp


def not_found(_err) -> Response:
    return _error_response(
        NotFound("No such path.", "The model serves GET /ping and POST /invocations.")
    )


def internal_error(_err) -> Response:
    """An exception that escaped a view (Flask logs it, masked: ``server_log``) answers in the
    JSON shape too; Flask's own 500 was an HTML page."""
    return _error_response(
        ApiError(
            "The server failed on this request; this is a bug on our side.",
            "Try again; if it persists, report it with the time of the request.",
            status=500,
            code="internal_error",
        )
    )


def not_allowed(err) -> Response:
    """JSON like every error, with the Allow header a 405 must carry (RFC 9110), which
    Flask's own 405 had and this handler's answer dropped."""
    methods = sorted(getattr(err, "valid_methods", None) or ())
    return _error_response(
        MethodNotAllowed(
            "Method not allowed here.",
            "Use GET /ping or POST /invocations.",
            headers={"Allow": ", ".join(methods)} if methods else None,
        )
    )
