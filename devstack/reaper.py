"""A watcher that stops a server's process group once the process that started it is gone.

The model server runs in its own session (so stopping it stops its workers, and Ctrl-C in
the terminal reaches only `make up`, which stops it in order). The price: when its starter
ends without stopping it (SIGKILL, SIGTERM to a pytest run, a cancelled CI job), the gunicorn
master and workers stay, holding the port and CPU. ``guard`` starts a small stdlib-only
process beside it that polls its own parent pid: once the starter is gone (the watcher is
reparented) it sends the group SIGTERM, then SIGKILL after a grace. It works whatever thread
started the server and however the starter died, unlike PR_SET_PDEATHSIG (tied to the forking
thread) or an atexit hook (never runs on SIGKILL). It ends by itself once the group is gone.

A container (``docker run -d``) is no child at all: ``guard_command`` starts the same watcher
with a command to run instead (``docker rm -f <name>``); the caller ends it once it has
stopped the container itself.

Run as ``python reaper.py <starter pid> group <pgid> <grace seconds>`` or
``python reaper.py <starter pid> run <command...>``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

POLL_S = 0.25


def guard(pgid: int, grace_s: float = 10.0) -> subprocess.Popen[bytes]:
    """Start the watcher of process group ``pgid`` for this process. Its own session: a Ctrl-C
    in the terminal (SIGINT to the foreground group) must not end it before it does its job."""
    return _start(["group", str(pgid), str(grace_s)])


def guard_command(command: list[str]) -> subprocess.Popen[bytes]:
    """Start a watcher that runs ``command`` once this process is gone. It never ends by
    itself: the caller ends it (``end``) after doing the command's job."""
    return _start(["run", *command])


def end(watcher: subprocess.Popen[bytes] | None) -> None:
    """Stop a ``guard_command`` watcher (its job is done) and reap it."""
    if watcher is not None and watcher.poll() is None:
        watcher.terminate()
        watcher.wait()


def _start(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-S", __file__, str(os.getpid()), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # not ours any more (the number was reused): nothing to guard
        return False
    return True


def _signal(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def watch(starter: int, pgid: int, grace_s: float) -> None:
    """Until the group is gone: while ``starter`` is our parent, wait; then stop the group.
    A zombie master (exited, not yet reaped by the starter) still counts as the group: the
    watcher stays until the starter reaps it or dies."""
    while os.getppid() == starter:
        if not _alive(pgid):
            return
        time.sleep(POLL_S)
    _signal(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while _alive(pgid) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    _signal(pgid, signal.SIGKILL)


def run_after(starter: int, command: list[str]) -> None:
    """Once ``starter`` is gone (we are reparented), run ``command`` (bounded)."""
    while os.getppid() == starter:
        time.sleep(POLL_S)
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)


if __name__ == "__main__":
    if sys.argv[2] == "group":
        watch(int(sys.argv[1]), int(sys.argv[3]), float(sys.argv[4]))
    else:
        run_after(int(sys.argv[1]), sys.argv[3:])
