"""A container whose owner and watcher were both killed is swept, and no one else's is."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from devstack import owners
from devstack.model_container import docker
from tests.support.children import inner_pytest, outlived
from tests.support.model_image import built_image


def _ended_child() -> int:
    """The pid of a process that has ended and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_an_owner_is_its_pid_and_start_time_while_it_lives() -> None:
    me = owners.identity(os.getpid())
    assert me is not None and me == owners.identity(os.getpid())
    boot, namespace, pid, started = me.split("/")
    assert boot == Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    assert int(pid) == os.getpid() and started.isdigit() and namespace.startswith("pid:")
    assert owners.identity(_ended_child()) is None
    assert owners.label_args() == ["--label", f"{owners.LABEL}={me}"]


def test_a_zombie_owner_is_gone() -> None:
    """An owner that has exited but is not yet reaped is gone: its watcher, reparented, has
    already acted."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        assert not outlived(lambda: Path(f"/proc/{child.pid}/stat").read_text().split()[2] != "Z")
        assert owners.identity(child.pid) is None
    finally:
        child.wait()


def test_only_an_owner_seen_gone_from_here_is_orphaned() -> None:
    me = owners.identity(os.getpid())
    assert me is not None
    boot, namespace, pid, started = me.split("/")
    assert not owners.orphaned(me)  # alive: a concurrent run's container stays
    gone = _ended_child()
    assert owners.orphaned(f"{boot}/{namespace}/{gone}/{started}")
    # The same pid, another start time: the number was reused by another process.
    assert owners.orphaned(f"{boot}/{namespace}/{pid}/{int(started) + 1}")
    # A process this one cannot see: another boot, another pid namespace (a run in another
    # container sharing the engine), or a label it cannot read.
    assert not owners.orphaned(f"another-boot/{namespace}/{gone}/{started}")
    assert not owners.orphaned(f"{boot}/pid:[1]/{gone}/{started}")
    for garbage in ("", "None", f"{boot}/{namespace}/x/{started}", "a/b/c"):
        assert not owners.orphaned(garbage)


def test_without_proc_nothing_is_labelled_or_judged(monkeypatch) -> None:
    """macOS, where `make up` runs its container too, has no /proc: no label, no sweep."""
    me = owners.identity(os.getpid())
    assert me is not None

    def no_proc(*_: object) -> str:
        raise FileNotFoundError("/proc")

    monkeypatch.setattr(owners, "_boot_id", no_proc)
    assert not owners.orphaned(me.replace(f"/{os.getpid()}/", f"/{_ended_child()}/"))
    monkeypatch.setattr(owners, "identity", lambda pid: None)
    assert owners.label_args() == []


def _labelled(name: str, owner: str | None) -> None:
    label = ["--label", f"{owners.LABEL}={owner}"] if owner else []
    docker("run", "-d", "--name", name, "--network", "none", *label, built_image().tag,
           "sleep", "600")  # fmt: skip


def _exists(name: str) -> bool:
    return bool(docker("ps", "-aq", "--filter", f"name=^{name}$", check=False).stdout.strip())


@pytest.mark.container
def test_the_sweep_removes_only_containers_whose_owner_is_gone() -> None:
    me = owners.identity(os.getpid())
    assert me is not None
    boot, namespace, _, started = me.split("/")
    tag = uuid.uuid4().hex[:10]
    names = {
        "mine": f"trends-anomaly-owned-{tag}-alive",
        "gone": f"trends-anomaly-owned-{tag}-gone",
        "unlabelled": f"trends-anomaly-owned-{tag}-unlabelled",
        "elsewhere": f"trends-anomaly-owned-{tag}-elsewhere",
    }
    try:
        _labelled(names["mine"], me)
        _labelled(names["gone"], f"{boot}/{namespace}/{_ended_child()}/{started}")
        _labelled(names["unlabelled"], None)
        _labelled(names["elsewhere"], f"{boot}/pid:[1]/{_ended_child()}/{started}")
        removed = owners.sweep(docker)
        assert names["gone"] in removed
        assert not _exists(names["gone"])
        for kept in ("mine", "unlabelled", "elsewhere"):
            assert names[kept] not in removed and _exists(names[kept]), kept
    finally:
        for name in names.values():
            docker("rm", "-f", name, check=False)


# A model container of devstack's, in a run the test kills together with the container's
# watcher (as `kill -9` of a whole process tree does).
TINY_CONTAINER = """
import os, time
from pathlib import Path

from devstack.model_container import ModelContainer


def test_serves_until_killed():
    container = ModelContainer(os.environ["IMAGE"], 0, 1).start()
    Path(os.environ["PID_FILE"]).write_text(f"{container.name} {container._watcher.pid}")
    time.sleep(600)  # the outer test kills this run here
"""


@pytest.mark.container
def test_a_container_whose_run_and_watcher_were_killed_is_swept(tmp_path: Path) -> None:
    """The watcher removes a killed run's container; killed too, it left the container
    running for good. The next sweep (each test session's first, tests/support/model_image.py)
    removes it."""
    name = ""
    try:
        with inner_pytest(tmp_path, TINY_CONTAINER, IMAGE=built_image().tag) as (run, said):
            name, watcher = said.split()
            os.kill(int(watcher), signal.SIGKILL)
            run.kill()
            run.wait(timeout=60)
        assert _exists(name), "the container went without a sweep: nothing left to test"
        assert name in owners.sweep(docker)
        assert not _exists(name)
    finally:
        if name:
            docker("rm", "-f", name, check=False)


def test_the_sweeps_line_names_what_it_removed() -> None:
    """make up and the test session print the same line of a sweep (once in two words)."""
    assert owners.said([]) is None
    assert owners.said(["a"]) == "removed 1 model container left by a killed run: a"
    assert owners.said(["a", "b"]) == "removed 2 model containers left by a killed run: a, b"
