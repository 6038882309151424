"""An answer's head and body leave in one send (serving/answer_socket.py), byte for byte as
gunicorn wrote them in two."""

from __future__ import annotations

import contextlib
import socket
import tempfile
import textwrap

import pytest
from flask import Flask, Response
from gunicorn.config import Config
from gunicorn.glogging import Logger
from gunicorn.http.parser import RequestParser
from serving.answer_socket import JOIN_MAX_BYTES, AnswerSocket
from serving.gevent_worker import StoppableGeventWorker


class Wire:
    """A socket that records each send."""

    def __init__(self) -> None:
        self.sends: list[bytes] = []
        self.closed = False

    def sendall(self, data: bytes) -> None:
        self.sends.append(bytes(data))

    def send(self, data: bytes) -> int:
        self.sends.append(bytes(data))
        return len(data)

    def close(self) -> None:
        self.closed = True

    def fileno(self) -> int:
        return 99

    def shutdown(self, how: int) -> None:
        self.closed = True


def _worker(app: Flask) -> StoppableGeventWorker:
    """The worker's request handling alone (no process, no event loop)."""
    cfg = Config()
    worker = StoppableGeventWorker.__new__(StoppableGeventWorker)
    worker.cfg, worker.log, worker.wsgi = cfg, Logger(cfg), app
    worker.nr, worker.max_requests, worker.alive, worker.idle = 0, 10_000, True, {}
    worker.answering, worker.stopping = 0, False  # as StoppableGeventWorker.__init__ sets them
    return worker


def _answer(app: Flask, raw: bytes) -> list[bytes]:
    wire = Wire()
    req = next(iter(RequestParser(Config(), [raw], ("127.0.0.1", 1))))
    _worker(app).handle_request("127.0.0.1:8080", req, wire, ("127.0.0.1", 1))
    return wire.sends


def _app(body: bytes) -> Flask:
    app = Flask(__name__)
    app.add_url_rule("/x", "x", lambda: Response(body, content_type="application/json"))
    return app


GET = b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n"


def test_a_small_answer_is_one_send_head_and_body_together():
    body = b'{"a":1}' * 2000
    sends = _answer(_app(body), GET)
    assert len(sends) == 1
    head, _, rest = sends[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert f"Content-Length: {len(body)}".encode() in head
    assert rest == body


def test_a_big_body_follows_its_head_uncopied():
    body = b"x" * (JOIN_MAX_BYTES + 1)
    sends = _answer(_app(body), GET)
    assert len(sends) == 2 and sends[0].endswith(b"\r\n\r\n") and sends[1] == body


def test_an_answer_without_a_body_still_sends_its_head():
    sends = _answer(_app(b""), GET)
    assert len(sends) == 1 and sends[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert sends[0].endswith(b"Content-Length: 0\r\n\r\n")


@pytest.mark.parametrize("reach", ["fileno", "shutdown"])
def test_reaching_past_the_wrapper_sends_the_held_head_first(reach):
    """os.sendfile on the descriptor, or the end of the connection, must not overtake it."""
    wire = Wire()
    answer = AnswerSocket(wire)
    answer.sendall(b"head")
    assert wire.sends == []
    answer.fileno() if reach == "fileno" else answer.shutdown(2)
    assert wire.sends == [b"head"]
    answer.sendall(b"body")
    assert wire.sends == [b"head", b"body"]


def test_a_file_sent_by_sendfile_follows_its_head():
    """gunicorn sends a file (a wsgi.file_wrapper: Flask's send_file) with ``sock.sendfile``,
    which the wrapper passed to the socket itself: the file went out before the held head."""
    a, b = socket.socketpair()
    with a, b, tempfile.TemporaryFile() as f:
        f.write(b"F" * 5000)
        f.seek(0)
        answer = AnswerSocket(a)
        answer.sendall(b"head\r\n\r\n")
        answer.sendfile(f, offset=0, count=5000)
        answer.flush()
        a.shutdown(socket.SHUT_WR)
        got = b"".join(iter(lambda: b.recv(65536), b""))
    assert got == b"head\r\n\r\n" + b"F" * 5000


@pytest.mark.parametrize("reach", ["send", "close"])
def test_a_send_or_close_past_sendall_keeps_the_held_head(reach):
    """``send`` (an app writing on ``environ['gunicorn.socket']``) must not overtake the head;
    ``close`` must not drop it."""
    wire = Wire()
    answer = AnswerSocket(wire)
    answer.sendall(b"head")
    answer.send(b"more") if reach == "send" else answer.close()
    assert wire.sends[0] == b"head"


class _CloseFails:
    """A WSGI body whose close() raises, after a complete answer (Content-Length: 0)."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def __iter__(self):
        return iter([b""])

    def close(self) -> None:
        raise self.exc


@pytest.mark.parametrize("exc", [OSError("gone"), ValueError("bug")])
def test_an_error_after_a_bodyless_answer_still_sends_its_head(exc):
    """The head alone is the whole answer (Content-Length: 0, a HEAD, a 204): an OSError raised
    after it was held (the body's close()) left the client with nothing, where gunicorn had
    sent it."""

    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", "0")])
        return _CloseFails(exc)

    wire = Wire()
    req = next(iter(RequestParser(Config(), [GET], ("127.0.0.1", 1))))
    with contextlib.suppress(OSError, StopIteration):
        _worker(app).handle_request("127.0.0.1:8080", req, wire, ("127.0.0.1", 1))
    assert len(wire.sends) == 1 and wire.sends[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert wire.sends[0].endswith(b"Content-Length: 0\r\n\r\n")


def test_early_hints_leave_at_once():
    """A 103 (``environ['wsgi.early_hints']``) is there to go out while the answer is computed:
    held as if it were the answer's head, it waited for the answer."""

    def app(environ, start_response):
        environ["wsgi.early_hints"]([("Link", "</a.css>; rel=preload")])
        assert wire.sends and wire.sends[0].startswith(b"HTTP/1.1 103 Early Hints\r\n")
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    wire = Wire()
    req = next(iter(RequestParser(Config(), [GET], ("127.0.0.1", 1))))
    _worker(app).handle_request("127.0.0.1:8080", req, wire, ("127.0.0.1", 1))
    assert len(wire.sends) == 2 and wire.sends[1].startswith(b"HTTP/1.1 200 OK\r\n")
    assert wire.sends[1].endswith(b"\r\n\r\nok")


FILE_APP = textwrap.dedent(
    """
    import os, tempfile
    from flask import Flask, send_file

    app = Flask(__name__)
    PATH = os.path.join(tempfile.mkdtemp(), "answer.bin")
    with open(PATH, "wb") as f:
        f.write(b"F" * 5000)

    @app.route("/ping")
    def ping():
        return ""

    @app.route("/file")
    def file():
        return send_file(PATH, mimetype="application/octet-stream")
    """
)


def test_a_file_answer_through_gunicorn_starts_with_its_head(start_server, app_env, tmp_path):
    """Through the real server (gevent's socket.sendfile): the file's bytes came first and the
    head after them, an answer no client could read."""
    env = app_env(tmp_path, "file_app", FILE_APP)
    server = start_server(tmp_path, workers=1, extra_env=env)
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(b"GET /file HTTP/1.1\r\nHost: m\r\nConnection: close\r\n\r\n")
            got = b"".join(iter(lambda: sock.recv(65536), b""))
    finally:
        server.stop()
    head, _, body = got.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"Content-Length: 5000" in head, got[:200]
    assert body == b"F" * 5000
