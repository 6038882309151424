"""Ports: the taken-port message gives a command that really works."""

from __future__ import annotations

import re
import shlex
import shutil
import socket
import subprocess

import pytest

from devstack import REPO
from devstack.ports import PortInUse, is_free, nearby_free_port, with_ports


def test_a_taken_port_is_not_free_and_the_suggestion_is() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not is_free(port)
        other = nearby_free_port(port)
        assert other == 0 or (other > port and is_free(other))
    assert is_free(0)


@pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")
def test_the_suggested_make_command_passes_every_argument_to_devstack() -> None:
    """`make up --site-port 8001` is not a make call; the message must say ARGS="...", and
    what the user gave besides the taken port must survive it."""
    error = PortInUse({"--model-port": 8080})
    message = error.advice(["--site-port", "8001", "--workers", "1"])
    (command,) = re.findall(r"(make up ARGS=\"[^\"]+\")", message)
    dry = subprocess.run(
        ["make", "-n", *shlex.split(command)[1:]],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    run = [line for line in dry.stdout.splitlines() if "-m devstack" in line]
    args = f"--site-port 8001 --workers 1 --model-port {error.moves['--model-port']}"
    assert run and run[-1].endswith(f"-m devstack {args}"), dry.stdout
    assert f"(or: .venv/bin/python -m devstack {args}; 0 = any free port)" in message


def test_only_the_taken_ports_are_replaced_in_what_the_user_typed() -> None:
    moves = {"--model-port": 8081, "--site-port": 8002}
    typed = ["--site-port=8001", "--api-port", "3001", "--model", "process", "--workers", "1"]
    assert with_ports(typed, moves) == [
        "--site-port=8002",
        "--api-port",
        "3001",
        "--model",
        "process",
        "--workers",
        "1",
        "--model-port",
        "8081",
    ]
    assert with_ports([], {"--api-port": 3001}) == ["--api-port", "3001"]


def test_several_taken_ports_get_distinct_free_ports_in_one_message() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        # Two parts asked for the same taken port, a third for the port just above it.
        error = PortInUse({"--model-port": port, "--site-port": port}, requested=[port + 1])
        message = error.advice(["--workers", "1"])
        model, site = error.moves["--model-port"], error.moves["--site-port"]
        assert model != site and port + 1 not in (model, site)
        assert all(p == 0 or (p > port and is_free(p)) for p in (model, site))
    assert message.startswith(
        f"ports {port} (--model-port) and {port} (--site-port) are already in use: stop what "
        "uses them, or start these parts on other ports: "
        f'make up ARGS="--workers 1 --model-port {model} --site-port {site}"'
    )
