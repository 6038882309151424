"""gunicorn's gevent worker, except that a stop closes idle keep-alive connections at once.

SageMaker stops a container with SIGTERM and kills it 30 s later. gunicorn's gevent worker then
stops accepting and waits for every open connection to end; a keep-alive connection waiting
for its next request (as SageMaker's front end keeps them, for up to ``keepalive`` s) only ends
at the graceful timeout, so every stop took 25 s. This worker wakes those idle connections and
closes them, and answers a request already in flight before closing its connection: a stop
takes as long as the requests being answered, no longer.

It also answers the requests gunicorn refuses itself (bad HTTP) in the app's JSON error shape,
not gunicorn's HTML page (``http_errors``), and says "Connection: close" on the answer to a
request whose body could not be read, since gunicorn then closes the connection.

Used through ``worker_class`` in gunicorn_conf.py.
"""

from __future__ import annotations

from typing import Any

import gevent
from gunicorn import util
from gunicorn.workers.ggevent import GeventWorker

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


def close_after_a_failed_body(req: Any) -> None:
    """Make ``req`` (a gunicorn request) want its connection closed once reading its body has
    failed (gunicorn's ``Body.failed``: the body stopped arriving, 408; a broken chunk or a body
    cut short, 400). gunicorn closes such a connection after the answer, as where the next
    request starts is unknown, but wrote "Connection: keep-alive" on that answer, asked before
    the failure was known to it: a client reusing the connection met a closed socket. Asked
    when the answer's head is written (after the app read the body), this says "close", and
    gunicorn closes the connection itself, as before."""
    asked = req.should_close

    def should_close() -> bool:
        return getattr(getattr(req, "body", None), "failed", False) is True or bool(asked())

    req.should_close = should_close


class StoppableGeventWorker(GeventWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.idle: dict[Any, gevent.Timeout] = {}

    def timeout_ctx(self) -> _WaitForNextRequest:  # type: ignore[override]
        return _WaitForNextRequest(self)

    def handle_exit(self, sig: int, frame: Any) -> None:
        """SIGTERM: stop (as gunicorn does), and end the idle connections' waits now."""
        super().handle_exit(sig, frame)
        gevent.spawn(self._close_idle)

    def _close_idle(self) -> None:
        for greenlet, timeout in list(self.idle.items()):
            gevent.kill(greenlet, timeout)

    def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> None:
        close_after_a_failed_body(req)
        super().handle_request(listener_name, req, sock, addr)

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """gunicorn's handling (its status, log and access log lines), with its HTML answer
        captured and replaced by the JSON error shape."""
        capture = StatusCapture()
        super().handle_error(req, capture, addr, exc)
        status = capture.status()
        if status is None:
            return
        try:
            util.write_nonblock(client, refusal(*status, exc, Limits.of(self.cfg)))
        except Exception:
            self.log.debug("Failed to send error message.")
