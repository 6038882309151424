"""Which model container holds a taken port: found from what docker says, never failing
`make up` and never starting or removing anything (the real containers: test_stack.py)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack import holders, owners
from devstack.ports import PortInUse
from devstack.stack import start_stack


def _gone_owner() -> str:
    """An owner label naming a process that has ended, as a killed run leaves it."""
    me = owners.identity(os.getpid())
    assert me is not None
    boot, namespace, _, started = me.split("/")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{boot}/{namespace}/{child.pid}/{started}"


def _item(name: str, port: str, owner: str, network: str = "host", running: bool = True) -> dict:
    """A container as `docker inspect` describes it (the fields read)."""
    return {
        "Name": f"/{name}",
        "State": {"Running": running},
        "HostConfig": {"NetworkMode": network},
        "Config": {
            "Env": ["PATH=/usr/bin", f"SAGEMAKER_BIND_TO_PORT={port}", "X=a=b"],
            "Labels": {owners.LABEL: owner},
        },
    }


class FakeDocker:
    """The docker client: `ps` lists ``items``' names, `inspect` describes them, `logs` says
    ``logs[name]``; every call and its timeout is kept."""

    def __init__(self, items: list[dict], logs: dict[str, str] | None = None) -> None:
        self.items = items
        self.logs = logs or {}
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, *args: str, check: bool = True, timeout: float | None = None) -> Any:
        assert not check and timeout is not None and timeout <= holders.LOOK_S, (check, timeout)
        self.calls.append(args)
        out = ""
        if args[0] == "ps":
            assert f"label={owners.LABEL}" in args and "-a" not in args  # running ones only
            out = "\n".join(item["Name"].lstrip("/") for item in self.items)
        elif args[0] == "inspect":
            out = json.dumps([i for i in self.items if i["Name"].lstrip("/") in args[1:]])
        elif args[0] == "logs":
            out = self.logs.get(args[1], "")
        return subprocess.CompletedProcess(["docker", *args], 0, out, "")


def test_a_killed_runs_container_is_named_with_the_command_that_removes_it() -> None:
    gone = _gone_owner()
    me = owners.identity(os.getpid())
    assert me is not None
    docker = FakeDocker(
        [
            _item("orphan", "8080", gone),
            _item("mine", "3000", me),
            _item("elsewhere", "8000", me, network="bridge"),  # not the host's port 8000
            _item("other", "9999", gone),
            _item("exited", "8000", gone, running=False),  # stopped meanwhile: holds nothing
        ]
    )
    lines = holders.explain([8080, 3000, 8000], docker)
    assert lines == [
        f"port 8080 is held by the model container orphan, left by a run that was killed (its "
        f"owner, process {gone.split('/')[2]}, is gone): remove it with: docker rm -f orphan",
        f"port 3000 is held by the model container mine; its owner, process {os.getpid()}, "
        "still runs (or runs where this one cannot see it, such as another container sharing "
        "this engine): stop that run, or remove the container with: docker rm -f mine",
    ]
    assert not [call for call in docker.calls if call[0] in ("rm", "run", "stop", "kill")]


def test_a_container_asked_for_port_0_is_found_by_the_port_in_its_log() -> None:
    docker = FakeDocker(
        [_item("zero", "0", _gone_owner()), _item("starting", "0", "x")],
        logs={"zero": "[1] [INFO] Listening at: http://127.0.0.1:41234 (1)\n"},
    )
    (holder,) = holders.find([41234], docker)
    assert (holder.name, holder.port, holder.gone) == ("zero", 41234, True)


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        yield busy.getsockname()[1]


def test_without_a_docker_client_the_message_is_the_plain_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, taken_port: int
) -> None:
    """`make up` needs no Docker: no client on PATH, nothing to add, and no failure."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert holders.explain([taken_port]) == []
    with pytest.raises(PortInUse) as raised:
        start_stack(model_port=taken_port)
    assert raised.value.notes == []
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("failure", ["no engine", "no answer", "garbage"])
def test_an_engine_that_does_not_answer_adds_nothing(failure: str) -> None:
    def docker(*args: str, check: bool = True, timeout: float | None = None) -> Any:
        if failure == "no answer":
            raise subprocess.TimeoutExpired(["docker", *args], timeout or 0)
        if failure == "no engine":
            return subprocess.CompletedProcess(args, 1, "", "Cannot connect to the Docker daemon")
        return subprocess.CompletedProcess(args, 0, "a\n", "")  # inspect: not JSON

    assert holders.explain([8080], docker) == []


def test_a_process_model_start_starts_no_engine_and_sweeps_nothing(
    monkeypatch: pytest.MonkeyPatch, taken_port: int
) -> None:
    """Only the look: a sweep here could remove the orphans other workers' tests leave on
    purpose (test_owners.py), and `make up` must run where Docker cannot."""
    from devstack import model_container as mc

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("a process-model start started the engine or swept")

    monkeypatch.setattr(mc, "ensure_engine", refused)
    monkeypatch.setattr(owners, "sweep", refused)
    seen: list[tuple[int, ...]] = []
    monkeypatch.setattr(holders, "explain", lambda ports: seen.append(tuple(ports)) or ["held"])
    with pytest.raises(PortInUse) as raised:
        start_stack(model_port=taken_port)
    assert seen == [(taken_port,)]
    assert str(raised.value).endswith("\nheld")
    assert raised.value.advice(["--workers", "1"]).endswith("\nheld")  # what make up prints
