"""A killed test run (or `make up`) leaves no model server or container behind (reaper.py)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from devstack.model_container import docker
from tests.support.children import inner_pytest, outlived
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


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_pytest_run_leaves_no_model_server(tmp_path: Path, sig: signal.Signals) -> None:
    """`timeout` (SIGTERM) or a cancelled CI job (SIGKILL) ends pytest with no teardown: the
    gunicorn master and workers it started must go too, or they hold ports and CPU for the
    next run (seen: two masters and their workers left after `timeout 140 pytest`)."""
    with inner_pytest(tmp_path, TINY) as (run, said):
        master = int(said)
        server = _group(master)
        # the master and a worker (the one that answered; the second may still be forking)
        assert master in server and len(server) >= 2, server
        run.send_signal(sig)
        run.wait(timeout=60)
    outlived(lambda: _group(master))
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
    with inner_pytest(tmp_path, TINY_CONTAINER, IMAGE=built_image().tag) as (run, name):
        assert _exists(name)
        run.kill()
        run.wait(timeout=60)
    left = outlived(lambda: _exists(name), poll_s=0.5)
    docker("rm", "-f", name, check=False)  # whatever the assertion says
    assert not left, f"container {name} outlived the killed pytest run"
