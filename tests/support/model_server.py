"""The model server the HTTP tests talk to, as either target SageMaker-like tests need:

- ``process``: ``model/serve`` as a real process from the dev venv (what ``make up`` runs), a
  thin layer over :class:`devstack.model_server.ModelServer` keeping its output in a file;
- ``container``: the built image, ``docker run <image> serve``
  (:class:`devstack.model_container.ModelContainer`).

Both take a model directory: SageMaker's /opt/ml/model (mounted read-only into the container;
the process reads ``defaults.json`` from it), so one test runs unchanged against either.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from devstack.model_container import ModelContainer, docker
from devstack.model_server import ModelServer

TARGETS = ("process", "container")


@dataclass(frozen=True)
class Ended:
    seconds: float  # from SIGTERM to the server's exit
    exit_code: int
    log: str


class Target(Protocol):
    """What the tests use of a running model server, whichever target it is."""

    kind: str

    @property
    def port(self) -> int: ...

    @property
    def url(self) -> str: ...

    def log(self) -> str: ...

    def alive(self) -> bool: ...

    def stop(self) -> None: ...

    def terminate(self, grace_s: float = 30.0) -> Ended: ...

    def hang_up(self) -> None: ...

    def workers_rss_mb(self, field: str = "VmRSS") -> int: ...


def workers_rss_mb(master_pid: int, field: str = "VmRSS") -> int:
    """The resident memory of a gunicorn master's workers (its children), summed, from /proc:
    a container's processes are the host's too, so one reading serves both targets.
    ``field`` "VmHWM" gives each worker's peak instead."""
    kib = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:  # a process that ended meanwhile
            continue
        if int(fields.get("PPid", "0")) == master_pid and field in fields:
            kib += int(fields[field].split()[0])
    return kib // 1024


def log_with(server: Target, text: str, timeout_s: float = 60.0) -> str:
    """The server's log once it holds ``text`` (or, after ``timeout_s``, as it is then, for
    the assertion to show). A line written before the answer was sent is not yet in ``docker
    logs`` when the answer arrives: dockerd copies the container's output asynchronously, and
    on a loaded machine it lags (a test that read the log once found no line). Every caller
    expects the text, so the bound costs nothing when it comes: 60 s, not a loaded machine's
    guess (it was 20)."""
    deadline = time.monotonic() + timeout_s
    log = server.log()
    while text not in log and time.monotonic() < deadline:
        time.sleep(0.1)
        log = server.log()
    return log


@dataclass
class LoggedServer:
    server: ModelServer
    log_path: Path
    kind: str = "process"

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        return self.server.url

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.server.process is not None and self.server.process.poll() is None

    def stop(self) -> None:
        self.server.stop(grace_s=15, quick=True)

    def terminate(self, grace_s: float = 30.0) -> Ended:
        """SIGTERM to gunicorn's master alone (what `docker stop` sends to PID 1)."""
        process = self.server.process
        assert process is not None, "not running"
        start = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            code = process.wait()
        self.server.process = None
        return Ended(time.monotonic() - start, code, self.log())

    def hang_up(self) -> None:
        """SIGHUP to gunicorn's master: it reloads its configuration and replaces its workers."""
        assert self.server.process is not None, "not running"
        self.server.process.send_signal(signal.SIGHUP)

    def workers_rss_mb(self, field: str = "VmRSS") -> int:
        assert self.server.process is not None, "not running"
        return workers_rss_mb(self.server.process.pid, field)  # model/serve execs gunicorn


@dataclass
class LoggedContainer:
    container: ModelContainer
    kind: str = "container"

    @property
    def port(self) -> int:
        return self.container.port

    @property
    def url(self) -> str:
        return self.container.url

    def log(self) -> str:
        return self.container.logs()

    def alive(self) -> bool:
        return self.container.alive()

    def stop(self) -> None:
        """`docker kill`, as the process's stop is gunicorn's quick shutdown (SIGINT): the end
        of a test, which reads nothing of it (the container and its log are removed). A test
        of the stop itself calls ``terminate``. (`docker stop` took ~2 s here, a graceful stop
        waiting for each worker's 1 s loop, on every container test.)"""
        self.container.stop(grace_s=15, quick=True)

    def terminate(self, grace_s: float = 30.0) -> Ended:
        """`docker stop`: SIGTERM to PID 1, SIGKILL after ``grace_s``."""
        stopped = self.container.stop(grace_s=grace_s)
        assert stopped is not None, "not running"
        return Ended(stopped.seconds, stopped.exit_code, stopped.log)

    def hang_up(self) -> None:
        """`docker kill --signal HUP`: SIGHUP to PID 1, gunicorn's master."""
        docker("kill", "--signal", "HUP", self.container.name)

    def workers_rss_mb(self, field: str = "VmRSS") -> int:
        """PID 1 of the container is gunicorn's master (`serve` execs it)."""
        pid = docker("inspect", "-f", "{{.State.Pid}}", self.container.name).stdout.strip()
        return workers_rss_mb(int(pid), field)


def start_model_server(
    model_dir: Path, workers: int = 2, extra_env: dict[str, str] | None = None, timeout: float = 60
) -> LoggedServer:
    """``model/serve`` reading ``model_dir/defaults.json`` (if there is one); output in a file
    beside ``model_dir``. Errors carry the server's output."""
    log_path = model_dir.parent / f"{model_dir.name}-server-{uuid.uuid4().hex[:8]}.log"
    env = {"MODEL_DEFAULTS_PATH": str(model_dir / "defaults.json"), "PYTHONWARNINGS": "default"}
    env.update(extra_env or {})
    with open(log_path, "wb") as log:
        server = ModelServer(port=0, workers=workers, log=log, env=env)  # binds a free port
        try:
            server.start(timeout_s=timeout)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}:\n{log_path.read_text(errors='replace')}") from None
    return LoggedServer(server, log_path)


def start_model_container(
    image: str,
    model_dir: Path,
    workers: int | None = 2,
    extra_env: dict[str, str] | None = None,
    timeout: float = 60,
    memory: str | None = "2g",
    cpus: str | None = None,
) -> LoggedContainer:
    """``docker run <image> serve`` with ``model_dir`` at /opt/ml/model (read-only); ``cpus``
    is ``docker run --cpus`` (a CPU quota; None: every CPU of the machine)."""
    env = {"PYTHONWARNINGS": "default", **(extra_env or {})}
    # Port 0: gunicorn binds a free port in the container and says which.
    container = ModelContainer(
        image, 0, workers, model_dir=model_dir, memory=memory, cpus=cpus, env=env
    )
    return LoggedContainer(container.start(timeout_s=timeout))


def start_target(
    kind: str,
    model_dir: Path,
    image: str | None = None,
    workers: int = 2,
    extra_env: dict[str, str] | None = None,
    timeout: float = 60,
) -> Target:
    """The server of ``kind`` (one of TARGETS) with ``model_dir`` as its /opt/ml/model."""
    if kind == "process":
        return start_model_server(model_dir, workers, extra_env, timeout)
    if kind == "container":
        assert image, "the container target needs the built image"
        return start_model_container(image, model_dir, workers, extra_env, timeout)
    raise ValueError(f"unknown target {kind!r}: one of {TARGETS}")
