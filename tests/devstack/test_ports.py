"""Ports: the taken-port message gives a command that really works."""

from __future__ import annotations

import re
import shlex
import shutil
import socket
import subprocess

import pytest

from devstack import REPO
from devstack.ports import PortInUse, free_port, is_free, nearby_free_port


def test_a_taken_port_is_not_free_and_the_suggestion_is() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not is_free(port)
        other = nearby_free_port(port)
        assert other == 0 or (other > port and is_free(other))
    assert is_free(0) and is_free(free_port())


@pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")
def test_the_suggested_make_command_passes_the_flag_to_devstack() -> None:
    """`make up --site-port 8001` is not a make call; the message must say ARGS="..."."""
    message = str(PortInUse(8000, "--site-port"))
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
    suggested = PortInUse(8000, "--site-port").suggested
    assert run and run[-1].endswith(f"-m devstack --site-port {suggested}"), dry.stdout
    assert f"python -m devstack --site-port {suggested}" in message
