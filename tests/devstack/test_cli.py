"""`make up` as a user runs it: a taken port says what to type; the whole stack starts, says
where everything is once it answers, and stops cleanly."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from devstack import REPO
from devstack.cli import main
from devstack.ports import PortInUse, free_port
from devstack.stack import start_stack
from tests.devstack.test_stack import request


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        yield int(busy.getsockname()[1])


@pytest.mark.parametrize("flag", ["--model-port", "--api-port", "--site-port"])
def test_a_taken_port_is_named_with_the_flag_to_change(
    taken_port: int, flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    kwargs = {flag.strip("-").replace("-", "_"): taken_port}
    with pytest.raises(PortInUse) as raised:
        start_stack(**kwargs)
    expected = f"port {taken_port} is already in use"
    assert str(raised.value).startswith(expected)
    assert f'make up ARGS="{flag} {raised.value.suggested}"' in str(raised.value)
    others = {f: str(free_port()) for f in ("--model-port", "--api-port", "--site-port")}
    others[flag] = str(taken_port)
    assert main([arg for pair in others.items() for arg in pair]) == 1
    assert expected in capsys.readouterr().err


@pytest.mark.slow
def test_make_up_prints_the_urls_and_stops_cleanly_on_sigterm() -> None:
    ports = {flag: free_port() for flag in ("--model-port", "--api-port", "--site-port")}
    args = [arg for flag, port in ports.items() for arg in (flag, str(port))]
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", *args, "--workers", "1"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        output = "".join(lines)
        assert f"http://127.0.0.1:{ports['--site-port']}/" in output, output
        assert f"http://127.0.0.1:{ports['--api-port']}/detect" in output
        # "Ready" is printed only once the API answers /health through the real handler.
        status, _, body = request(f"http://127.0.0.1:{ports['--api-port']}", "GET", "/health")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, _, _ = request(f"http://127.0.0.1:{ports['--model-port']}", "GET", "/ping")
        assert status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with pytest.raises(OSError):
        request(f"http://127.0.0.1:{ports['--model-port']}", "GET", "/ping")
