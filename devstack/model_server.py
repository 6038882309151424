"""The real model server (`model/serve`, gunicorn + gevent) as a child process for `make up`.

Bound to 127.0.0.1, started in its own process group so stopping it also stops its workers,
with a watcher (devstack/reaper.py) that stops that group if this process dies without doing
so (SIGKILL, SIGTERM to a pytest run): no gunicorn left holding the port.
The port is bound here and handed to gunicorn as a socket (``--bind fd://N``). Port 0 (any
free one): a number found free and bound later by the child could be taken in between (by
another process's outgoing connection or server). A given port that is taken fails here at
once: gunicorn binding it itself retries five times a second apart (gunicorn/sock.py
create_sockets, no setting changes that), its "Connection in use" lines on make up's terminal.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from devstack import REPO, reaper
from devstack.ports import HOST, BindFailed, is_free

SERVE = REPO / "model" / "serve"


@dataclass
class ModelServer:
    """``model/serve`` on 127.0.0.1:``port``; ``start()`` returns once /ping answers 200.

    ``port`` 0: ``start()`` binds a free one and sets ``port`` to it."""

    port: int
    workers: int = 1
    log: IO[bytes] | int | None = None  # None = inherit this process's stdout/stderr
    process: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)  # extra environment (tests, benchmarks)
    watcher: subprocess.Popen[bytes] | None = None  # reaper.guard: stops it if we die

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 90.0) -> ModelServer:
        if not SERVE.exists():
            raise RuntimeError(f"{SERVE} is missing: the model server is needed for the stack")
        fixed = self.port != 0
        listener = _bound_socket(self.port)
        self.port = int(listener.getsockname()[1])
        env = {
            **os.environ,
            # The python3 of this venv (gunicorn, numpy...) first on PATH, as model/serve expects.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "MODEL_SERVER_HOST": "127.0.0.1",
            "SAGEMAKER_BIND_TO_PORT": str(self.port),
            "SAGEMAKER_MODEL_SERVER_WORKERS": str(self.workers),
            **self.env,
        }
        # gunicorn reads GUNICORN_CMD_ARGS after its config file: this bind replaces the
        # config's one. gunicorn calls listen() on the socket itself (its backlog).
        fd_bind = f"--bind fd://{listener.fileno()}"
        env["GUNICORN_CMD_ARGS"] = f"{env.get('GUNICORN_CMD_ARGS', '')} {fd_bind}".strip()
        try:
            self.process = subprocess.Popen(
                [str(SERVE)],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self.log,
                stderr=subprocess.STDOUT if self.log is not None else None,
                start_new_session=True,
                pass_fds=(listener.fileno(),),
            )
        finally:
            listener.close()  # the child's copy holds the port now
        self.watcher = reaper.guard(self.process.pid)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self._end_watcher()
                said = f"the model server exited with code {code} while starting"
                # A given port is shared until gunicorn listens (SO_REUSEADDR, below): another
                # such socket that listened first made gunicorn's listen() fail.
                if fixed and not is_free(self.port):
                    raise BindFailed(self.port, f"{said}: port {self.port} is in use")
                raise RuntimeError(said)
            if _ping(f"{self.url}/ping"):
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the model server did not answer {self.url}/ping in {timeout_s:.0f} s")

    def stop(self, grace_s: float = 10.0, quick: bool = False) -> None:
        """SIGTERM the whole process group (gunicorn master + workers), SIGKILL if it lingers.

        ``quick`` sends SIGINT, gunicorn's immediate shutdown (no wait for idle keep-alives).
        """
        process, self.process = self.process, None
        try:
            if process is None or process.poll() is not None:
                return
            os.killpg(process.pid, signal.SIGINT if quick else signal.SIGTERM)
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass
        finally:
            self._end_watcher()

    def _end_watcher(self) -> None:
        """The watcher ends by itself once the group is gone (within a poll); reaped here."""
        watcher, self.watcher = self.watcher, None
        if watcher is None:
            return
        try:
            watcher.wait(timeout=5)
        except subprocess.TimeoutExpired:  # workers of the group still exiting: not its job
            watcher.kill()
            watcher.wait()


def _bound_socket(port: int) -> socket.socket:
    """A TCP socket bound to 127.0.0.1:``port`` (0: a free one), not listening yet: connections
    are refused until the server listens. Port 0's socket is the port's alone meanwhile (an
    outgoing connection's port is never one that is bound).

    A given port gets SO_REUSEADDR, as gunicorn sets it on a socket it binds: the connections
    of the last server on it, in TIME_WAIT and made with that option, refuse a bind without it.
    Another socket with the option can then bind the port too until the server listens (see
    ``start``). Raises BindFailed when another socket holds the port, and a RuntimeError naming
    the address for any other refusal (a port below 1024 for a user)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if port != 0:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, port))
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise BindFailed(
                port, f"the model server cannot start: port {port} is in use"
            ) from None
        raise RuntimeError(f"the model server cannot bind {HOST}:{port}: {exc.strerror}") from None
    return listener


def _ping(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError):
        return False
