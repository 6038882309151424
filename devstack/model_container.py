"""The model image as a container on this machine, the way SageMaker runs it.

Built from ``model/`` on its pinned base, or, where no registry is reachable, on a stand-in
base built from Debian's packages (``scripts/build-base-image``). Started as
``docker run <image> serve`` with ``--network host`` and bound to 127.0.0.1 (no docker bridge
exists: ``scripts/ensure-docker`` starts the engine without one), ``/opt/ml/model`` mounted
read-only, a memory limit as on a serverless endpoint; stopped with ``docker stop`` (SIGTERM,
SIGKILL after the grace period), as SageMaker stops it. Port 0 = any free port: gunicorn
binds it in the container (host network) and says which in its log; nothing can take the
port between our choice and its bind, as it could with a number found free beforehand.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from devstack import REPO, owners, reaper
from devstack.model_server import _ping  # the bare process's readiness probe, the same /ping
from devstack.ports import BindFailed

MODEL_DIR = REPO / "model"
ENSURE_DOCKER = REPO / "scripts" / "ensure-docker"
BUILD_BASE = REPO / "scripts" / "build-base-image"
STANDIN_BASE = "trends-anomaly-base:bookworm-py311-standin"
LOCAL_TAG = "trends-anomaly-model:local"
# The serverless default (MemorySizeInMB 2048): the tests run the image within it.
DEFAULT_MEMORY = "2g"
# gunicorn's line once it has bound (log level info), e.g. "Listening at: http://127.0.0.1:8080 (1)"
LISTENING = re.compile(r"Listening at: https?://[^\s/]+:(\d+) ")
# gunicorn's line when its port is taken (it retries, then exits with code 1),
# e.g. "Connection in use: ('127.0.0.1', 8080)"
IN_USE = re.compile(r"Connection in use: \(.*?, (\d+)\)")

Log = Callable[[str], None]


class NoEngine(RuntimeError):
    """No Docker engine can run on this machine; the message says why (tests skip on it)."""


def _quiet(_msg: str) -> None:
    pass


def docker(
    *args: str, check: bool = True, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the docker client; a failure raises RuntimeError with its output."""
    proc = subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=False, timeout=timeout
    )
    if check and proc.returncode != 0:
        from deploy.image import failed_output  # deploy's docker runs say it the same way

        said = failed_output(proc.stdout, proc.stderr)
        raise RuntimeError(f"`docker {' '.join(args[:3])} ...` failed ({proc.returncode}): {said}")
    return proc


def ensure_engine() -> None:
    """A Docker engine that answers, started by ``scripts/ensure-docker`` when none runs.

    Raises NoEngine where none can run (not root, an unprivileged container, no Docker), and
    RuntimeError where one should run but did not start.
    """
    proc = subprocess.run([str(ENSURE_DOCKER)], capture_output=True, text=True, check=False)
    if proc.returncode == 3:
        raise NoEngine(proc.stderr.strip() or "no Docker engine")
    if proc.returncode != 0:
        raise RuntimeError(
            f"scripts/ensure-docker failed ({proc.returncode}): {proc.stderr.strip()}"
        )


def pinned_base(dockerfile: Path = MODEL_DIR / "Dockerfile") -> str:
    """The default of ``ARG BASE_IMAGE`` in the Dockerfile: the pinned base users build on."""
    match = re.search(r"^ARG\s+BASE_IMAGE=(\S+)", dockerfile.read_text(), re.MULTILINE)
    if not match:
        raise RuntimeError(f"{dockerfile}: no `ARG BASE_IMAGE=<pinned image>` line")
    return match.group(1)


@dataclass(frozen=True)
class Base:
    image: str
    standin: bool
    why: str  # one line for the test output: which base, and why that one

    def describe(self) -> str:
        kind = "stand-in base" if self.standin else "pinned base"
        return f"{kind} {self.image} ({self.why})"


def image_exists(name: str) -> bool:
    return docker("image", "inspect", name, check=False).returncode == 0


def resolve_base(log: Log = _quiet) -> Base:
    """The pinned base when present or pullable, else the stand-in (built once, cached by name).

    ``MODEL_BASE_IMAGE`` names another base (the stand-in's name forces the stand-in).
    """
    wanted = os.environ.get("MODEL_BASE_IMAGE", "")
    pinned = pinned_base()
    if wanted and wanted != STANDIN_BASE:
        return Base(wanted, False, "MODEL_BASE_IMAGE")
    if not wanted:
        if image_exists(pinned):
            return Base(pinned, False, "already present")
        log(f"pulling the pinned base {pinned} ...")
        pulled = docker("pull", pinned, check=False, timeout=600)
        if pulled.returncode == 0:
            return Base(pinned, False, "pulled")
        # The error's last clause says enough ("no such host", "connection refused", ...).
        last = (pulled.stderr.strip().splitlines() or ["pull failed"])[-1]
        why = last.rsplit(": ", 1)[-1][:120]
    else:
        why = "MODEL_BASE_IMAGE"
    cached = image_exists(STANDIN_BASE)
    if not cached:
        log("building the stand-in base from Debian's packages (about a minute, once) ...")
    proc = subprocess.run(
        [str(BUILD_BASE), STANDIN_BASE], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/build-base-image failed: {proc.stderr.strip()[-2000:]}")
    reason = f"the pinned base cannot be pulled: {why}" if why != "MODEL_BASE_IMAGE" else why
    return Base(STANDIN_BASE, True, f"{reason}; {'cached' if cached else 'built now'}")


@dataclass(frozen=True)
class Build:
    tag: str
    base: Base
    seconds: float


def build_image(
    tag: str = LOCAL_TAG, base: Base | None = None, context: Path = MODEL_DIR, log: Log = _quiet
) -> Build:
    """``docker build`` of ``context`` on ``base``; docker's layer cache makes rebuilds cheap."""
    from deploy.image import build_network, has_buildx

    base = base or resolve_base(log)
    # The legacy builder keeps a failed step's container unless told (one more exited
    # container per failed build); BuildKit keeps none.
    cmd = ["buildx", "build", "--load"] if has_buildx() else ["build", "--force-rm"]
    network = build_network()  # host where the engine has no bridge (started by ensure-docker)
    cmd += ["--network", network] if network else []
    cmd += ["--build-arg", f"BASE_IMAGE={base.image}", "-t", tag, str(context)]
    log(f"building {tag} on the {base.describe()} ...")
    start = time.monotonic()
    docker(*cmd)
    return Build(tag, base, time.monotonic() - start)


# gunicorn log levels that still write its "Listening at" line, and those that hide it (the
# server's own names and aliases: serving.environment). Any other value is left for the server
# to refuse in its own words.
QUIET_OK = ("debug", "info")
QUIET = ("warning", "warn", "error", "critical", "fatal")


def listening_port(log: str) -> int:
    """The port of gunicorn's first "Listening at" line in ``log``; 0 when there is none yet."""
    found = LISTENING.search(log)
    return int(found.group(1)) if found else 0


def refused_ports(log: str) -> set[int]:
    """The ports gunicorn found taken ("Connection in use") in ``log``."""
    return {int(port) for port in IN_USE.findall(log)}


@dataclass(frozen=True)
class Stopped:
    seconds: float  # from `docker stop` to the container's exit
    exit_code: int
    log: str


@dataclass
class ModelContainer:
    """``docker run <image> serve`` on 127.0.0.1:``port``; ``start()`` returns once /ping is 200.

    ``workers`` None leaves SAGEMAKER_MODEL_SERVER_WORKERS unset (the server chooses).
    ``model_dir`` is mounted read-only at /opt/ml/model (None: an empty directory is, as
    SageMaker mounts one for a model without artifacts). ``port`` 0: gunicorn binds a free one
    and ``start()`` sets ``port`` to it, read from gunicorn's log (so its log level must be
    info or debug, the default).
    """

    image: str
    port: int
    workers: int | None = 1
    model_dir: Path | None = None
    memory: str | None = DEFAULT_MEMORY
    cpus: str | None = None  # `docker run --cpus` (a CFS quota), e.g. "1"; None: every CPU
    user: str | None = None  # `docker run --user`, e.g. "65534:65534"; None: the image's (root)
    read_only: bool = False  # `docker run --read-only`: nothing writable but /dev/shm
    env: dict[str, str] = field(default_factory=dict)
    name: str = field(default_factory=lambda: f"trends-anomaly-model-{uuid.uuid4().hex[:10]}")
    ready_s: float | None = None  # from `docker run` to the first /ping 200
    _empty_dir: Path | None = None
    _running: bool = False
    _watcher: subprocess.Popen[bytes] | None = None  # reaper.guard_command: rm if we die

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run_args(self) -> list[str]:
        """The `docker run` arguments (SageMaker's: the image, then `serve`)."""
        mount = self.model_dir
        if mount is None:
            import tempfile

            self._empty_dir = Path(tempfile.mkdtemp(prefix="opt-ml-model-"))
            mount = self._empty_dir
        env = {
            "SAGEMAKER_BIND_TO_PORT": str(self.port),
            "MODEL_SERVER_HOST": "127.0.0.1",  # --network host: never on other interfaces
            **({"SAGEMAKER_MODEL_SERVER_WORKERS": str(self.workers)} if self.workers else {}),
            **self.env,
        }
        args = ["run", "-d", "--name", self.name, "--network", "host"]
        if self.memory:
            args += ["--memory", self.memory]
        if self.cpus:
            args += ["--cpus", self.cpus]
        if self.user:
            args += ["--user", self.user]
        if self.read_only:
            args += ["--read-only"]
        args += owners.label_args()  # a sweep removes it if we and our watcher both die
        args += ["-v", f"{Path(mount).resolve()}:/opt/ml/model:ro"]
        for key, value in env.items():
            args += ["-e", f"{key}={value}"]
        return [*args, self.image, "serve"]

    def start(self, timeout_s: float = 90.0) -> ModelContainer:
        # The server reads the level in any case, spaces around it ignored (serving.environment).
        level = self.env.get("MODEL_SERVER_LOG_LEVEL", "").strip().lower() or "info"
        if self.port == 0 and level in QUIET:
            raise ValueError(
                "port 0 is read from gunicorn's 'Listening at' line: MODEL_SERVER_LOG_LEVEL "
                f"{self.env['MODEL_SERVER_LOG_LEVEL']!r} hides it (use info or debug)"
            )
        start = time.monotonic()
        self.run()
        try:
            return self._wait_until_it_answers(start, timeout_s)
        except BaseException:  # Ctrl-C too: no caller has the container yet to stop it
            self.stop(grace_s=5)
            raise

    def _wait_until_it_answers(self, start: float, timeout_s: float) -> ModelContainer:
        """Self once /ping answers; RuntimeError (the container stopped) when it exits or
        does not answer within ``timeout_s``."""
        deadline = start + timeout_s
        next_check = start + 0.5
        next_log = start
        while time.monotonic() < deadline:
            if self.port == 0 and time.monotonic() >= next_log:
                self.port = listening_port(self.logs())  # 0 until gunicorn has bound
                next_log = time.monotonic() + 0.2
            if self.port and _ping(f"{self.url}/ping"):
                self.ready_s = time.monotonic() - start
                return self
            # Asking docker whether it still runs costs a process: twice a second, not on
            # every poll (on two cores, that would slow the very start it measures).
            if time.monotonic() >= next_check and not self.alive():
                stopped = self._finish(time.monotonic())
                if self.port and self.port in refused_ports(stopped.log):
                    raise BindFailed(
                        self.port,
                        f"the model container exited with code {stopped.exit_code} while "
                        f"starting: port {self.port} is in use",
                    )
                raise RuntimeError(
                    f"the model container exited with code {stopped.exit_code} while starting:"
                    f"\n{stopped.log[-4000:]}"
                )
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + 0.5
            time.sleep(0.02)
        where = f"{self.url}/ping" if self.port else "a port (no 'Listening at' line)"
        stopped = self.stop(grace_s=5)
        raise RuntimeError(
            f"the model container did not answer {where} in {timeout_s:.0f} s:"
            f"\n{stopped.log[-4000:] if stopped else ''}"
        )

    def run(self) -> None:
        """``docker run`` alone: the container starts, nothing waits for it to answer (a test
        of what happens while it starts); ``stop()`` ends it."""
        # `docker run -d`: the container is no child of ours; if we die without stopping
        # it (SIGKILL, a killed pytest run), the watcher removes it (devstack/reaper.py).
        self._watcher = reaper.guard_command(["docker", "rm", "-f", self.name])
        try:
            docker(*self.run_args())
        except BaseException:
            reaper.end(self._watcher)
            self._watcher = None
            raise
        self._running = True

    def alive(self) -> bool:
        proc = docker("inspect", "-f", "{{.State.Running}}", self.name, check=False)
        return proc.stdout.strip() == "true"

    def logs(self) -> str:
        """What the server wrote (stdout and stderr), as CloudWatch would get it."""
        proc = docker("logs", self.name, check=False)
        return proc.stdout + proc.stderr

    def stop(self, grace_s: float = 30.0, quick: bool = False) -> Stopped | None:
        """``docker stop`` (SIGTERM, SIGKILL after ``grace_s``), as SageMaker stops a container;
        then the container is removed. ``quick`` kills at once. Safe to call twice."""
        if not self._running:
            return None
        start = time.monotonic()
        if quick:
            docker("kill", self.name, check=False)
        else:
            docker("stop", "-t", str(int(grace_s)), self.name, check=False, timeout=grace_s + 30)
        return self._finish(start)

    def _finish(self, since: float) -> Stopped:
        docker("wait", self.name, check=False, timeout=60)
        seconds = time.monotonic() - since
        code = docker("inspect", "-f", "{{.State.ExitCode}}", self.name, check=False).stdout
        log = self.logs()
        docker("rm", "-f", self.name, check=False)
        self._running = False
        reaper.end(self._watcher)
        self._watcher = None
        if self._empty_dir is not None:
            shutil.rmtree(self._empty_dir, ignore_errors=True)
            self._empty_dir = None
        return Stopped(seconds, int(code.strip() or -1), log)
