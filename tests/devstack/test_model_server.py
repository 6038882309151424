"""model/serve as a child process: up once /ping answers, down with its workers."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import urllib.request
from typing import Any

import pytest

from devstack import model_server
from devstack.model_server import ModelServer, _ping
from devstack.ports import BindFailed, is_free
from tests.support.ports import worker_port


def test_starts_answers_and_stops_with_its_workers(tmp_path) -> None:
    with (tmp_path / "serve.log").open("wb") as log:
        server = ModelServer(0, workers=1, log=log).start()
        try:
            assert server.process is not None and server.port != 0
            # a bound for an answer that comes (ms), not a speed: a loaded machine may take seconds
            with urllib.request.urlopen(f"{server.url}/ping", timeout=30) as reply:
                assert reply.status == 200
            group = os.getpgid(server.process.pid)
            assert group == server.process.pid  # its own process group: workers go with it
        finally:
            server.stop(quick=True)
    assert server.process is None and is_free(server.port)
    server.stop()  # twice is fine


def test_port_0_is_held_from_its_choice_until_the_server_listens(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Port 0 (what the tests and `make up --model-port 0` ask for): the port is bound here
    and handed to gunicorn, so nothing can take it in between. A number found free and given
    to the child to bind could be, by another test's outgoing connection or server; here an
    intruder tries at the worst moment, just before the child starts."""
    popen = subprocess.Popen
    intruded: list[int] = []

    def intrude_then_start(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        if args[0] != [str(model_server.SERVE)]:  # its watcher (devstack/reaper.py)
            return popen(*args, **kwargs)
        port = int(kwargs["env"]["SAGEMAKER_BIND_TO_PORT"])
        with socket.socket() as intruder:
            intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                intruder.bind(("127.0.0.1", port))
            except OSError as exc:
                assert exc.errno == errno.EADDRINUSE
            else:
                intruded.append(port)
        return popen(*args, **kwargs)

    monkeypatch.setattr(model_server.subprocess, "Popen", intrude_then_start)
    with (tmp_path / "serve.log").open("wb") as log:
        server = ModelServer(0, workers=1, log=log)
        try:
            server.start()
            assert _ping(f"{server.url}/ping")
        finally:
            server.stop(quick=True)
    assert intruded == [], "the port was free for anyone between its choice and the bind"


def test_a_given_port_taken_while_the_server_starts_is_a_bind_failure(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A given port is bound here with SO_REUSEADDR, so another socket with it can bind it too
    and listen before gunicorn does: gunicorn's listen() fails, it exits, and the start says
    which port (BindFailed), as for a port taken before the start."""
    popen = subprocess.Popen
    port = worker_port()
    with socket.socket() as intruder:

        def intrude_then_start(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
            if args[0] == [str(model_server.SERVE)]:  # not its watcher (devstack/reaper.py)
                intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                intruder.bind(("127.0.0.1", port))
                intruder.listen()
            return popen(*args, **kwargs)

        monkeypatch.setattr(model_server.subprocess, "Popen", intrude_then_start)
        with (
            (tmp_path / "serve.log").open("wb") as log,
            pytest.raises(BindFailed, match=f"exited with code .*port {port} is in use"),
        ):
            ModelServer(port, workers=1, log=log).start(timeout_s=60)


def test_another_refusal_of_the_bind_names_the_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bind refused for another reason than a taken port (a port below 1024 for a user) says
    the address and why, not a traceback of the OSError."""

    class Refusing(socket.socket):
        def bind(self, address: Any) -> None:
            raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(model_server.socket, "socket", Refusing)
    with pytest.raises(
        RuntimeError, match=r"cannot bind 127\.0\.0\.1:80: Permission denied"
    ) as exc:
        ModelServer(80).start()
    assert not isinstance(exc.value, BindFailed)


def test_a_server_that_exits_while_starting_says_so(tmp_path) -> None:
    with (tmp_path / "serve.log").open("wb") as log:
        broken = ModelServer(0, log=log, env={"SAGEMAKER_MODEL_SERVER_WORKERS": "not-a-number"})
        with pytest.raises(RuntimeError, match="exited with code"):
            broken.start(timeout_s=30)
    assert broken.port != 0 and not _ping(f"{broken.url}/ping")


def test_a_taken_port_is_a_bind_failure_at_once_and_other_exits_are_not(tmp_path) -> None:
    """A port given (not 0) that another program holds: the start says which port (BindFailed,
    for the stack's "port N is already in use" message) without starting gunicorn, which tried
    the bind five times a second apart, its "Connection in use" lines on make up's terminal
    before that message. A server that exits for another reason keeps its own message."""
    with (tmp_path / "serve.log").open("wb") as log:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as thief:
            port = worker_port()
            thief.bind(("127.0.0.1", port))
            thief.listen()
            server = ModelServer(port, log=log)
            with pytest.raises(BindFailed, match=f"port {port} is in use") as taken:
                server.start(timeout_s=60)
        assert taken.value.port == port
        assert server.process is None and server.watcher is None
        free = worker_port()
        broken = ModelServer(free, log=log, env={"SAGEMAKER_MODEL_SERVER_WORKERS": "not-a-number"})
        with pytest.raises(RuntimeError, match="exited with code") as other:
            broken.start(timeout_s=30)
        assert not isinstance(other.value, BindFailed)
    assert "Connection in use" not in (tmp_path / "serve.log").read_text(errors="replace")


def test_a_given_port_is_bound_here_and_taken_again_by_the_next_server(tmp_path) -> None:
    """A given port is bound here as port 0 is (``--bind fd://N``), and a server started again
    on it right after the last one stopped starts: the last one's connections, closed by the
    server first (urllib asks for that), wait in TIME_WAIT on that port."""
    with (tmp_path / "serve.log").open("wb") as log:
        port = worker_port()
        for _ in range(2):
            server = ModelServer(port, workers=1, log=log)
            try:
                server.start()
                assert server.port == port and _ping(f"http://127.0.0.1:{port}/ping")
            finally:
                server.stop(quick=True)
    assert is_free(port)
