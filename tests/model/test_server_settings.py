"""The server's settings from its environment, on the real gunicorn: 0 seconds is no limit
(gunicorn's ``--timeout 0``), and a log level gunicorn or logging knows is the level served."""

from __future__ import annotations

import http.client
import json
import socket
import textwrap
import time

import pytest

from tests.support.model_server import log_with

# A model that answers a body's length, and for "block:N" holds its worker's event loop for N
# seconds first (a small request is computed inline, on the loop: gunicorn's heartbeat stops).
SLOW_APP = textwrap.dedent(
    """
    from gevent import monkey

    from serving.app import create_app
    from serving.invocation import Answer

    _sleep = monkey.get_original("time", "sleep")  # not gevent's: the loop stops too


    def handle(req):
        if req.body.startswith(b"block:"):
            _sleep(float(req.body[6:]))
        return Answer(200, b'{"n": %d}' % len(req.body))


    app = create_app(__name__, handle, 1_000_000)
    """
)


def _start(start_server, app_env, tmp_path, **env):
    return start_server(
        tmp_path, workers=1, extra_env={**app_env(tmp_path, "slow_app", SLOW_APP), **env}
    )


@pytest.mark.parametrize(("timeout", "answered"), [("0", True), ("1", False)])
def test_a_worker_timeout_of_0_never_kills_a_worker(
    start_server, app_env, tmp_path, timeout, answered
):
    """SAGEMAKER_MODEL_SERVER_TIMEOUT=0 was refused at start; gunicorn reads 0 as no
    timeout, and so it is: a worker whose loop stops for 3 s answers, where 1 s kills it."""
    server = _start(start_server, app_env, tmp_path, SAGEMAKER_MODEL_SERVER_TIMEOUT=timeout)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            conn.request("POST", "/invocations", body=b"block:3")
            resp = conn.getresponse()
            got = (resp.status, json.loads(resp.read()))
        except (http.client.HTTPException, ConnectionError):
            got = None
        conn.close()
        assert (got == (200, {"n": 7})) is answered, got
        log = server.log() if answered else log_with(server, "WORKER TIMEOUT")
        assert ("WORKER TIMEOUT" in log) is not answered, log[-2000:]
    finally:
        server.stop()


def test_a_body_timeout_of_0_waits_for_a_slow_body(start_server, app_env, tmp_path):
    """MODEL_BODY_TIMEOUT_SECONDS=0 was first a deadline already past (every big request a
    408), then refused at start; it is no deadline now."""
    server = _start(start_server, app_env, tmp_path, MODEL_BODY_TIMEOUT_SECONDS="0")
    body = b"x" * 200_000  # over INLINE_MAX_BYTES: read in a slot, under the deadline
    head = b"POST /invocations HTTP/1.1\r\nHost: m\r\nContent-Length: %d\r\n\r\n" % len(body)
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(head + body[:1000])
            time.sleep(1.5)
            sock.sendall(body[1000:])
            answer = b""
            while not answer.endswith(b"}"):
                chunk = sock.recv(65536)
                assert chunk, answer
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]
        assert answer.endswith(b'{"n": 200000}'), answer[-300:]
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("level", "seen", "unseen"), [("WARN", None, "[INFO]"), (" DEBUG ", "[DEBUG]", None)]
)
def test_a_log_level_in_any_case_or_logging_alias_is_served(
    start_server, app_env, target_kind, tmp_path, level, seen, unseen
):
    """gunicorn read ``warn`` (logging's alias) as info: every INFO line kept coming."""
    if target_kind == "container" and unseen == "[INFO]":
        pytest.skip("the container's free port is read from the INFO line this level hides")
    server = _start(start_server, app_env, tmp_path, MODEL_SERVER_LOG_LEVEL=level)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("POST", "/invocations", body=b"abc")
        assert conn.getresponse().status == 200
        conn.close()
        log = server.log() if seen is None else log_with(server, seen)  # docker logs lag
        assert seen is None or seen in log, log[-2000:]
        assert unseen is None or unseen not in log, log[-2000:]
    finally:
        server.stop()
