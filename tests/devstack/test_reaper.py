"""A killed test run (or `make up`) leaves no model server or container behind (reaper.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devstack import REPO
from devstack.model_container import docker
from tests.support.model_image import built_image

TINY = """
import os, time
from pathlib import Path

from tests.support.model_server import start_model_server


def test_serves_until_killed(tmp_path):
    server = start_model_server(tmp_path / "opt-ml-model", workers=2)
    Path(os.environ["PID_FILE"]).write_text(str(server.server.process.pid))
    time.sleep(600)  # the outer test kills this run here
"""


TINY_CONTAINER = """
import os, time
from pathlib import Path

from devstack.model_container import ModelContainer


def test_serves_until_killed():
    container = ModelContainer(os.environ["IMAGE"], 0, 1).start()
    Path(os.environ["PID_FILE"]).write_text(container.name)
    time.sleep(600)  # the outer test kills this run here
"""


def _group(pgid: int) -> set[int]:
    """The live (not zombie) processes of process group ``pgid``, from /proc."""
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            pids.add(int(stat.parent.name))
    return pids


def _wait_for(path: Path, run: subprocess.Popen[bytes], timeout_s: float = 120) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and run.poll() is None:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.1)
    run.kill()
    out = run.communicate()[0].decode(errors="replace")
    raise AssertionError(f"the inner pytest run never started its server:\n{out[-3000:]}")


@contextmanager
def _inner_pytest(
    tmp_path: Path, source: str, **env: str
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """pytest on ``source`` in a subprocess, and what its test wrote to PID_FILE once up.
    Killed on the way out if the test failed before killing it: it must not stay."""
    (tmp_path / "test_tiny.py").write_text(textwrap.dedent(source))
    pid_file = tmp_path / "server.pid"
    env = {**os.environ, **env, "PID_FILE": str(pid_file), "PYTHONPATH": str(REPO)}
    env.pop("PYTEST_XDIST_WORKER", None)
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "-c", os.devnull, "--rootdir", str(tmp_path), str(tmp_path / "test_tiny.py")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield run, _wait_for(pid_file, run)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_pytest_run_leaves_no_model_server(tmp_path: Path, sig: signal.Signals) -> None:
    """`timeout` (SIGTERM) or a cancelled CI job (SIGKILL) ends pytest with no teardown: the
    gunicorn master and workers it started must go too, or they hold ports and CPU for the
    next run (seen: two masters and their workers left after `timeout 140 pytest`)."""
    with _inner_pytest(tmp_path, TINY) as (run, said):
        master = int(said)
        server = _group(master)
        # the master and a worker (the one that answered; the second may still be forking)
        assert master in server and len(server) >= 2, server
        run.send_signal(sig)
        run.wait(timeout=60)
    deadline = time.monotonic() + 30  # a bound for the reaper to act, not a speed
    while _group(master) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _group(master)
    for pid in left:  # whatever the assertion says, nothing stays for the next run
        os.kill(pid, signal.SIGKILL)
    assert not left, f"model server processes {sorted(left)} outlived the killed pytest run"


def _exists(container: str) -> bool:
    listed = docker("ps", "-aq", "--filter", f"name=^{container}$", check=False)
    return bool(listed.stdout.strip())


@pytest.mark.container
def test_a_killed_pytest_run_leaves_no_model_container(tmp_path: Path) -> None:
    """The container tests' `docker run -d` is no child of pytest: killed, pytest must still
    take it along, or it runs on for the next run to compete with."""
    with _inner_pytest(tmp_path, TINY_CONTAINER, IMAGE=built_image().tag) as (run, name):
        assert _exists(name)
        run.kill()
        run.wait(timeout=60)
    deadline = time.monotonic() + 30  # a bound for the reaper to act, not a speed
    while _exists(name) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = _exists(name)
    docker("rm", "-f", name, check=False)  # whatever the assertion says
    assert not left, f"container {name} outlived the killed pytest run"
