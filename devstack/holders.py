"""Which model container holds a port, for the taken-port message (``ports.PortInUse``).

A model container runs with ``--network host``: ``docker ps`` and ``docker port`` show no
port for it, so "port 8080 is already in use" named nothing a user could act on. What does
say it: the ``SAGEMAKER_BIND_TO_PORT`` that devstack passed (``docker inspect``: gunicorn binds
exactly that port, or exits), and, for a container asked for port 0, gunicorn's
"Listening at" line in its log (how ``ModelContainer`` itself learns the port). Only running
containers with the owner label (``owners.LABEL``) are looked at.

This runs on every taken port of every `make up`, which must not need Docker: it starts no
engine, removes nothing (a sweep from a process-model start could race the tests that leave
an orphan on purpose, tests/devstack/test_owners.py), and gives up quietly, within
``LOOK_S`` in all, when there is no docker client, no engine, or no answer.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from devstack import owners
from devstack.model_container import docker as _docker
from devstack.model_container import listening_port

LOOK_S = 3.0  # the whole look, every docker call together
PORT_VARIABLE = "SAGEMAKER_BIND_TO_PORT"

Docker = Callable[..., subprocess.CompletedProcess[str]]


@dataclass(frozen=True)
class Holder:
    port: int
    name: str
    owner: str  # the owner label, ``<boot id>/<pid namespace>/<pid>/<start time>``
    gone: bool  # owners.orphaned: the run that started it was killed

    def line(self) -> str:
        """One sentence for the user: what holds the port and how to free it."""
        remove = f"docker rm -f {self.name}"
        pid = self.owner.split("/")[2] if self.owner.count("/") == 3 else "?"
        if self.gone:
            return (
                f"port {self.port} is held by the model container {self.name}, left by a run "
                f"that was killed (its owner, process {pid}, is gone): remove it with: {remove}"
            )
        return (
            f"port {self.port} is held by the model container {self.name}; its owner, process "
            f"{pid}, still runs (or runs where this one cannot see it, such as another "
            f"container sharing this engine): stop that run, or remove the container with: "
            f"{remove}"
        )


def find(ports: Collection[int], docker: Docker = _docker) -> list[Holder]:
    """The labelled model containers holding any of ``ports``; [] when none can be found
    (no docker client, no engine, no answer within LOOK_S)."""
    wanted = {port for port in ports if port}
    if not wanted:
        return []
    deadline = time.monotonic() + LOOK_S

    def ask(*args: str) -> subprocess.CompletedProcess[str]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise subprocess.TimeoutExpired(["docker", *args], LOOK_S)
        return docker(*args, check=False, timeout=left)

    try:
        listed = ask("ps", "--filter", f"label={owners.LABEL}", "--format", "{{.Names}}")
        names = listed.stdout.split() if listed.returncode == 0 else []
        if not names:
            return []
        # A container removed meanwhile makes inspect exit 1; the others are still on stdout.
        inspected: list[dict[str, Any]] = json.loads(ask("inspect", *names).stdout or "[]")
        found = []
        for item in inspected:
            port = _port(item, lambda name: _logs(ask, name))
            if port in wanted:
                owner = ((item.get("Config") or {}).get("Labels") or {}).get(owners.LABEL, "")
                name = str(item.get("Name", "")).lstrip("/")
                found.append(Holder(port, name, owner, owners.orphaned(owner)))
        return found
    except (OSError, subprocess.TimeoutExpired, ValueError, TypeError, AttributeError):
        return []


def _logs(ask: Callable[..., subprocess.CompletedProcess[str]], name: str) -> str:
    said = ask("logs", name)
    return said.stdout + said.stderr


def _port(item: dict[str, Any], logs: Callable[[str], str]) -> int:
    """The host port a running container of ``docker inspect`` holds; 0 when none can be told
    (not on the host's network, or asked for port 0 with no "Listening at" line yet)."""
    if (item.get("HostConfig") or {}).get("NetworkMode") != "host":
        return 0  # its ports are its own network namespace's, not the host's
    if not (item.get("State") or {}).get("Running"):
        return 0
    env = dict(var.partition("=")[::2] for var in (item.get("Config") or {}).get("Env") or [])
    asked = env.get(PORT_VARIABLE, "")
    if not asked.isdigit():
        return 0
    if int(asked):
        return int(asked)
    return listening_port(logs(str(item.get("Name", "")).lstrip("/")))


def explain(ports: Collection[int], docker: Docker = _docker) -> list[str]:
    """A sentence for each model container holding one of ``ports`` (none found: none)."""
    return [holder.line() for holder in find(ports, docker)]
