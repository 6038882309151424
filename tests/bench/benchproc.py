"""A real `python -m bench` process, for the tests of what it prints and how it stops: by
default in section 3 (its real gunicorn server), section 2 (the in-process timing, minutes)
left out, so that the server starts within seconds."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The bench's own main, with section 2 replaced by an empty table.
CHILD = """
import sys
import bench.__main__ as m
m.speed_section = lambda args, report: {}
sys.exit(m.main(["--only", "server", "--quick"]))
"""


def start(
    tmp: Path, preexec: Callable[[], None] | None = None, code: str = CHILD
) -> subprocess.Popen[str]:
    """The bench (``code``), its output on pipes (as in CI or `| tee`), its temporary files
    in ``tmp``."""
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec,
    )


def wait_for_line(child: subprocess.Popen[str], prefix: str) -> str | None:
    """Read the bench's output up to the first line starting with ``prefix``; None when the
    output ended first."""
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith(prefix):
            return line
    return None


def children(pid: int) -> list[int]:
    """Live processes whose parent is ``pid`` (read from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if (
            entry.name.isdigit()
            and _stat(int(entry.name))[1:2] == [str(pid)]
            and alive(int(entry.name))
        ):
            out.append(int(entry.name))
    return out


def _stat(pid: int) -> list[str]:
    """State, parent, ... of /proc/<pid>/stat (after the command's name); [] when gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def alive(pid: int) -> bool:
    state = _stat(pid)[:1]
    return bool(state) and state != ["Z"]


def kill_group(pids: list[int]) -> None:
    """SIGKILL each process group still there (the server runs in a session of its own)."""
    for pid in pids:
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


def stop(child: subprocess.Popen[str]) -> None:
    if child.poll() is None:
        child.kill()
        child.wait()
