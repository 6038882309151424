"""A killed test run leaves no child behind: `python -m devstack` as tests/devstack starts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from devstack import REPO

TINY = """
import os, sys, time
from pathlib import Path

from tests.devstack.test_cli import _run_until_ready


def test_stack_until_killed():
    ports = ["--model-port", "0", "--site-port", "0", "--api-port", "0", "--workers", "1"]
    process, output = _run_until_ready([sys.executable, "-m", "devstack", *ports])
    assert "Press Ctrl-C" in output, output
    Path(os.environ["PID_FILE"]).write_text(str(process.pid))
    time.sleep(600)  # the outer test kills this run here
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_pytest_run_leaves_no_devstack_behind(tmp_path: Path) -> None:
    """SIGKILL to a pytest run in the middle of a devstack CLI test: the stack it started
    (its API, site and model ports) goes too."""
    (tmp_path / "test_tiny.py").write_text(textwrap.dedent(TINY))
    pid_file = tmp_path / "stack.pid"
    path = os.pathsep.join(str(REPO / p) for p in ("model", "lambda", "."))  # as pyproject
    env = {**os.environ, "PID_FILE": str(pid_file), "PYTHONPATH": path}
    env.pop("PYTEST_XDIST_WORKER", None)
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "-c", os.devnull, "--rootdir", str(tmp_path), str(tmp_path / "test_tiny.py")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            assert run.poll() is None, run.communicate()[0].decode(errors="replace")[-3000:]
            time.sleep(0.1)
        stack = int(pid_file.read_text())
        assert _alive(stack)
        run.kill()
        run.wait(timeout=60)
    finally:
        if run.poll() is None:  # failed before the kill: the inner run must not stay
            run.kill()
            run.wait()
    deadline = time.monotonic() + 30  # a bound for the kernel and reapers, not a speed
    while _alive(stack) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _alive(stack)
    if left:  # whatever the assertion says, nothing stays for the next run
        os.kill(stack, signal.SIGTERM)
    assert not left, f"`python -m devstack` (pid {stack}) outlived the killed pytest run"
