"""Children a test starts die with the test run: a killed pytest (SIGKILL, `timeout`'s SIGTERM,
a cancelled CI job) runs no teardown, and a `python -m devstack` or moto server it started
would otherwise keep its ports and CPU for the next run.

``die_with_parent`` is a ``preexec_fn``: Linux's PR_SET_PDEATHSIG (prctl(2)) asks the kernel
to SIGKILL the child when the thread that forked it exits. Tests run on the main thread of
pytest and of each xdist worker, so that thread lives as long as the run. The setting is not
inherited by the child's own children: a server the child starts in a session of its own is
the child's job (devstack's model server has its reaper, devstack/reaper.py).

``inner_pytest`` and ``outlived`` are what the tests of that need: a pytest run on a tiny test
that starts something and says so in PID_FILE, to be killed; then whether what it started is
still there once the kernel and the reapers have had their time.
"""

from __future__ import annotations

import ctypes
import os
import shlex
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# As pyproject's pythonpath: the tiny test imports the project's modules and tests.support.
_PYTHONPATH = os.pathsep.join(str(REPO / p) for p in ("model", "lambda", "."))

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int | None = None) -> None:
    """In the child, before exec: SIGKILL when the parent dies; at once if it already has
    (``parent``: the pid it must have, when the caller knows it)."""
    parent = os.getppid() if parent is None else parent
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the parent died before the call: nothing would signal us
        os.kill(os.getpid(), signal.SIGKILL)


def dying_with_the_shell(command: Sequence[str]) -> str:
    """``command`` as words for a shell script that backgrounds it (``sh -c "... &"``), run
    through this file so that it dies with that shell ($$), as the shell dies with the test
    run (die_with_parent): PR_SET_PDEATHSIG is not inherited across the shell's fork, and a
    backgrounded command outlived a killed run. The file execs the command in the same
    process: ``$!`` is its pid, and what the shell set (SIGINT ignored for ``&``) stays."""
    return f'{shlex.join([sys.executable, "-S", __file__])} "$$" {shlex.join(command)}'


def _said(pid_file: Path, run: subprocess.Popen[bytes], timeout_s: float = 120) -> str:
    """What the inner run's test wrote to ``pid_file`` once its server is up."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and run.poll() is None:
        if pid_file.exists() and pid_file.read_text():
            return pid_file.read_text()
        time.sleep(0.1)
    run.kill()
    out = run.communicate()[0].decode(errors="replace")
    raise AssertionError(f"the inner pytest run never said what it started:\n{out[-3000:]}")


@contextmanager
def inner_pytest(
    tmp_path: Path, source: str, **env: str
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """pytest on ``source`` in a subprocess, and what its test wrote to PID_FILE once up.
    Killed on the way out if the test failed before killing it: it must not stay."""
    (tmp_path / "test_tiny.py").write_text(textwrap.dedent(source))
    pid_file = tmp_path / "started.pid"
    env = {**os.environ, **env, "PID_FILE": str(pid_file), "PYTHONPATH": _PYTHONPATH}
    env.pop("PYTEST_XDIST_WORKER", None)
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "-c", os.devnull, "--rootdir", str(tmp_path), str(tmp_path / "test_tiny.py")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield run, _said(pid_file, run)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()


def outlived(still_there: Callable[[], object], poll_s: float = 0.2) -> bool:
    """Whether ``still_there()`` is still true after up to 30 s: a bound for the kernel and
    the reapers to act once the run is killed, not a speed."""
    deadline = time.monotonic() + 30
    while still_there() and time.monotonic() < deadline:
        time.sleep(poll_s)
    return bool(still_there())


if __name__ == "__main__":  # python children.py <shell pid> <command...>: see dying_with_the_shell
    die_with_parent(int(sys.argv[1]))
    os.execvp(sys.argv[2], sys.argv[2:])
