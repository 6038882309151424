"""gunicorn's gevent worker, except that a stop closes idle keep-alive connections at once.

SageMaker stops a container with SIGTERM and kills it 30 s later. gunicorn's gevent worker then
stops accepting and waits for every open connection to end; a keep-alive connection waiting
for its next request (as SageMaker's front end keeps them, for up to ``keepalive`` s) only ends
at the graceful timeout, so every stop took 25 s. This worker wakes those idle connections and
closes them, and answers a request already in flight before closing its connection (that
answer says "Connection: close"): a stop takes as long as the requests being answered, no longer.

It also answers the requests gunicorn refuses itself (bad HTTP) in the app's JSON error shape,
not gunicorn's HTML page (``http_errors``; a 414's hint in the app's words, ``hints.of``), and
says "Connection: close" on the answer to a request whose body could not be read, since
gunicorn then closes the connection, or was not read (a 413 by its Content-Length), and then
closes it without reading that body.

Used through ``worker_class`` in gunicorn_conf.py.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

import gevent
from gunicorn import util
from gunicorn.http.body import ChunkedReader, LengthReader
from gunicorn.workers.ggevent import GeventWorker

from . import hints
from .answer_socket import AnswerSocket
from .http_errors import Limits, StatusCapture, refusal


class _WaitForNextRequest:
    """The wait for a keep-alive connection's next request: up to ``keepalive`` seconds, cut
    short when the worker is stopping (by raising the timeout into the waiting greenlet)."""

    def __init__(self, worker: StoppableGeventWorker) -> None:
        self.worker = worker
        # A stopping worker takes no further request on this connection.
        seconds = worker.cfg.keepalive if worker.alive else 0.001
        self.timeout = gevent.Timeout(seconds, False)

    def __enter__(self) -> gevent.Timeout:
        self.worker.idle[gevent.getcurrent()] = self.timeout
        self.timeout.start()
        return self.timeout

    def __exit__(self, kind: Any, value: Any, tb: Any) -> bool:
        self.worker.idle.pop(gevent.getcurrent(), None)
        self.timeout.close()
        return value is self.timeout  # the wait ended: the keep-alive loop closes the connection


# How long a connection closed with its request's body unread keeps reading (and dropping)
# what the client still sends, after the answer: closed at once with bytes unread, the kernel
# resets it, and a client still sending (http.client, requests: the whole body first) gets
# "Connection reset by peer" instead of the answer (RFC 9112, section 9.6).
LINGER_SECONDS = 5.0


def body_left_unread(req: Any) -> bool:
    """Whether bytes of ``req``'s body (a gunicorn request) are still on the connection: the
    app answered without reading it all (a 413 by its Content-Length, a 400 for URL
    parameters, a 404)."""
    reader = getattr(getattr(req, "body", None), "reader", None)
    if isinstance(reader, LengthReader):
        return reader.length > 0
    if isinstance(reader, ChunkedReader):
        return reader.parser is not None  # its last chunk not read yet
    return False  # no body, or one that ends with the connection


def close_unless_the_body_was_read(req: Any) -> None:
    """Make ``req`` (a gunicorn request) want its connection closed when its body was not read
    to the end: reading it failed (gunicorn's ``Body.failed``: the body stopped arriving, 408;
    a broken chunk or a body cut short, 400), or the app answered without reading it.

    After a failure gunicorn closed the connection (where the next request starts is unknown)
    but had written "Connection: keep-alive" on the answer, asked before the failure was known
    to it: a client reusing the connection met a closed socket. After an answer that left the
    body unread (a 413 for a Content-Length over the limit) it said keep-alive and then read
    the whole body to find the next request, however big, with no time limit: a client that
    waited for the answer before sending on (Expect: 100-continue, or a client's own cut-off)
    had its next request on that connection taken as body and never answered. Asked when the
    answer's head is written (after the app is done with the body), this says "close", and
    gunicorn closes the connection instead of reading on."""
    asked = req.should_close

    def should_close() -> bool:
        failed = getattr(getattr(req, "body", None), "failed", False) is True
        return failed or body_left_unread(req) or bool(asked())

    req.should_close = should_close


def close_when_stopping(req: Any, worker: Any) -> None:
    """Make ``req`` (a gunicorn request) want its connection closed when ``worker`` is stopping
    by the time its answer's head is written. gunicorn decides "close" before the app runs:
    a request already computing when SIGTERM came was answered "Connection: keep-alive", then
    the stopping worker closed the connection, and a client that sent its next request on it
    met a closed socket. Told "close", it sends the next one on a new connection."""
    asked = req.should_close
    req.should_close = lambda: not worker.alive or bool(asked())


def linger(sock: socket.socket, seconds: float = LINGER_SECONDS) -> None:
    """Close our side of ``sock`` (the client reads the answer, then the end), and drop what
    the client still sends for up to ``seconds`` or until it closes its side."""
    try:
        sock.shutdown(socket.SHUT_WR)
        with gevent.Timeout(seconds, False):
            while sock.recv(65536):
                pass
    except OSError:  # the client is gone already
        pass


# How long before the graceful timeout a stopping worker says which requests the stop cuts off:
# at the timeout the master kills it (SIGKILL) with nothing logged, gunicorn's own "Worker
# graceful timeout" line coming, if ever, after that kill.
CUT_OFF_NOTICE_S = 1.0


class StoppableGeventWorker(GeventWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.idle: dict[Any, gevent.Timeout] = {}
        self.answering = 0  # requests read and not yet answered (idle keep-alives not counted)
        self.stopping = False

    def timeout_ctx(self) -> _WaitForNextRequest:  # type: ignore[override]
        return _WaitForNextRequest(self)

    def handle_exit(self, sig: int, frame: Any) -> None:
        """SIGTERM: stop (as gunicorn does), and end the idle connections' waits now."""
        super().handle_exit(sig, frame)
        gevent.spawn(self._close_idle)
        if not self.stopping:
            self.stopping = True
            gevent.spawn(self._say_what_the_stop_cuts_off)

    def _say_what_the_stop_cuts_off(self) -> None:
        """Just before the graceful timeout: the requests still being answered, which the
        master's kill will end without an answer (their callers get a 5xx or a reset)."""
        timeout = float(self.cfg.graceful_timeout)
        gevent.sleep(max(timeout - CUT_OFF_NOTICE_S, 0.0))
        if self.answering:
            one = self.answering == 1
            self.log.warning(
                "Stopping: %d %s still being answered %g s after SIGTERM; the graceful "
                "timeout (%g s) will cut %s off unanswered (pid:%s)",
                self.answering,
                "request" if one else "requests",
                max(timeout - CUT_OFF_NOTICE_S, 0.0),
                timeout,
                "it" if one else "them",
                self.pid,
            )

    def _close_idle(self) -> None:
        for greenlet, timeout in list(self.idle.items()):
            gevent.kill(greenlet, timeout)

    def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> Any:
        close_unless_the_body_was_read(req)
        close_when_stopping(req, self)
        answer = AnswerSocket(sock)  # the answer's head and body in one send
        self.answering += 1
        try:
            handled = super().handle_request(listener_name, req, answer, addr)
        except StopIteration:  # the connection closes after this answer
            answer.flush()
            if body_left_unread(req):
                linger(sock)
            raise
        except Exception:
            # After the answer (an OSError from the body's close(), which gunicorn passes on):
            # the head, all of a HEAD's or a 204's answer, leaves as gunicorn had sent it.
            with contextlib.suppress(OSError):
                answer.flush()
            raise
        finally:
            self.answering -= 1
        answer.flush()
        return handled

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """gunicorn's handling (its status, log and access log lines), with its HTML answer
        captured and replaced by the JSON error shape. gunicorn closes the connection next,
        with the rest of the request (headers, a body) unread, so the answer lingers as a body
        the app refused does: a client still sending reads the refusal, not a reset."""
        capture = StatusCapture()
        super().handle_error(req, capture, addr, exc)
        status = capture.status()
        if status is None:
            return
        try:
            words = hints.of(getattr(self, "wsgi", None))  # the app's, loaded at the fork
            util.write_nonblock(client, refusal(*status, exc, Limits.of(self.cfg), words))
        except Exception:
            self.log.debug("Failed to send error message.")
            return
        linger(client)
