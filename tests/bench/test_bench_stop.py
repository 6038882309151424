"""Stopping `python -m bench` midway: the model server it started goes with it, and so do
its temporary files."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.bench import benchproc

# The bench in section 3 (its real gunicorn server running), held there until it is stopped:
# the latency lines done, the load part waits forever. Signalled at the first latency line,
# the bench could finish its last 20 s before the signal came on a loaded machine (it exited
# 0, "bench finished", 2 runs in 10 with the image tests beside it): held, it cannot.
HELD_IN_SERVER = """
import sys, threading
import bench.__main__ as m
import bench.server as s
def held(*args, **kwargs):
    print("held in section 3", flush=True)
    threading.Event().wait()
m.speed_section = lambda args, report: {}
s.throughput = held
sys.exit(m.main(["--only", "server", "--quick"]))
"""


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    ("sig", "start_ignoring_sigint"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["SIGTERM", "SIGINT-ignored-at-start"],
)
def test_a_stopped_bench_leaves_no_server_and_no_temporary_files(
    tmp_path: Path, sig: signal.Signals, start_ignoring_sigint: bool
) -> None:
    """`kill <pid>` (or `timeout`, or a cancelled CI job) of a bench in section 3 left its
    gunicorn master and workers running on their port, and its temporary directory behind:
    SIGTERM's default action skips every `finally`. A bench started with SIGINT ignored
    (`make bench &` in a script: the shell starts it so, make and Python keep it so) went on
    to the end after the Ctrl-C that stopped the script."""
    child = benchproc.start(
        tmp_path,
        preexec=_ignore_sigint if start_ignoring_sigint else None,
        code=HELD_IN_SERVER,
    )
    servers: list[int] = []
    try:
        assert benchproc.wait_for_line(child, "held in section 3"), "the bench did not get there"
        servers = benchproc.children(child.pid)
        assert servers, "no model server under the bench"
        child.send_signal(sig)
        _, err = child.communicate(timeout=120)
    finally:
        benchproc.stop(child)
    deadline = time.monotonic() + 30  # a bound for the processes to be reaped, not a timing
    while any(benchproc.alive(p) for p in servers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [p for p in servers if benchproc.alive(p)]
    benchproc.kill_group(left)  # not left to the next test
    assert not left, "the model server outlived the bench"
    assert list(tmp_path.iterdir()) == []
    assert child.returncode == 128 + sig  # as a shell reports it: 143 for SIGTERM
    assert "Traceback" not in err, err
    assert "bench stopped" in err
