"""Which process a model container belongs to, and a sweep of those whose process is gone.

A container is no child of the process that started it: a watcher (reaper.py) removes it once
that process dies. A watcher killed too (``kill -9`` of the whole process tree, an OOM kill,
a cancelled CI job that kills every process) leaves the container running. So each container
carries a label naming its owner, ``<boot id>/<pid namespace>/<pid>/<start time>``, and a
sweep removes a labelled container whose owner is gone: no process with that pid, or one
with another start time (the pid was reused), or a zombie. That is exactly what the owner's
watcher would have done, so a concurrent run's containers (their owner alive) stay. A label
from another boot or another pid namespace (a run in another container sharing the engine)
names a process this one cannot see: the sweep leaves it alone. Containers without the label
(anyone else's) are never looked at.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

LABEL = "trends-anomaly.owner"


def _boot_id() -> str:
    return Path("/proc/sys/kernel/random/boot_id").read_text().strip()


def _pid_namespace() -> str:
    return os.readlink("/proc/self/ns/pid")  # e.g. "pid:[4026531836]"


def identity(pid: int) -> str | None:
    """``<boot id>/<pid namespace>/<pid>/<start time>`` of a live process; None when there is
    none with that pid, or it has exited (a zombie). The start time (clock ticks after boot,
    /proc/<pid>/stat's 22nd field) tells a reused pid from the owner."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state is fields[0]
    if fields[0] in ("Z", "X"):
        return None
    return f"{_boot_id()}/{_pid_namespace()}/{pid}/{fields[19]}"


def label_args(pid: int | None = None) -> list[str]:
    """`docker run` arguments that name this process (or ``pid``) as the container's owner."""
    owner = identity(os.getpid() if pid is None else pid)
    return ["--label", f"{LABEL}={owner}"] if owner else []


def orphaned(owner: str, identity_of: Callable[[int], str | None] = identity) -> bool:
    """Whether the process an owner label names is gone, as seen from here. False for a label
    that names a process of another boot or pid namespace, or that cannot be read: the sweep
    removes a container only when it is sure."""
    parts = owner.split("/")
    if len(parts) != 4 or not parts[2].isdigit():
        return False
    boot, namespace, pid, _ = parts
    try:
        if boot != _boot_id() or namespace != _pid_namespace():
            return False
    except OSError:  # no /proc (macOS, where `make up` runs too): nothing can be judged
        return False
    return identity_of(int(pid)) != owner


def sweep(docker: Callable[..., subprocess.CompletedProcess[str]]) -> list[str]:
    """Remove the labelled containers whose owner is gone; their names. ``docker`` is
    model_container.docker (passed in: model_container imports this module)."""
    listed = docker(
        "ps", "-a", "--filter", f"label={LABEL}", "--format",
        f'{{{{.Names}}}}\t{{{{.Label "{LABEL}"}}}}', check=False,
    )  # fmt: skip
    removed = []
    for line in listed.stdout.splitlines():
        name, _, owner = line.partition("\t")
        if name and orphaned(owner) and docker("rm", "-f", name, check=False).returncode == 0:
            removed.append(name)
    return removed


def said(removed: list[str]) -> str | None:
    """The line a sweep's caller prints of the containers it removed; None for none."""
    if not removed:
        return None
    plural = "s" if len(removed) > 1 else ""
    return f"removed {len(removed)} model container{plural} left by a killed run: " + ", ".join(
        removed
    )
