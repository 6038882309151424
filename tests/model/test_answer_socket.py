"""An answer's head and body leave in one send (serving/answer_socket.py), byte for byte as
gunicorn wrote them in two."""

from __future__ import annotations

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
