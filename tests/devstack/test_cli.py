"""`make up` as a user runs it: a taken port says what to type; the whole stack starts, says
where everything is once it answers, and stops cleanly."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from trends_anomaly.params import DEFAULT_METHOD

from devstack import REPO
from devstack.cli import _parse_args, _ready_text, main, smoke_request_type
from devstack.ports import PortInUse
from devstack.stack import running_stack, start_stack
from tests.devstack.test_stack import preflight, request
from tests.support.children import die_with_parent, dying_with_the_shell
from tests.support.ports import worker_port, worker_ports

FLAGS = ("--model-port", "--api-port", "--site-port")


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
    assert f'make up ARGS="{flag} {raised.value.moves[flag]}"' in str(raised.value)
    others = {f: str(port) for f, port in zip(FLAGS, worker_ports(3), strict=True)}
    others[flag] = str(taken_port)
    assert main([arg for pair in others.items() for arg in pair]) == 1
    assert expected in capsys.readouterr().err


def _taken() -> socket.socket:
    """A port held as another program would hold it, below the kernel's ephemeral range (as
    make up's defaults 8080, 3000 and 8000 are): the stack suggests the next free ports, and
    next to an ephemeral port (bind to 0) those were taken by other tests' outgoing
    connections between the suggestion and its use ("port 49674 is already in use"). In this
    worker's block, with room above it for the suggestions (``nearby_free_port`` tries 20)."""
    for _ in range(20):  # bounded: the block's ports are this worker's alone
        busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            busy.bind(("127.0.0.1", worker_port(headroom=25)))
        except OSError:
            busy.close()
            continue
        busy.listen()
        return busy
    raise AssertionError("no free port in this worker's block")


def _start(command: list[str]) -> subprocess.Popen[str]:
    """``command`` in the repository root, its output on a pipe, dying with the test run."""
    return subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=die_with_parent,  # a killed test run takes it along
    )


def _run_until_ready(command: list[str]) -> tuple[subprocess.Popen[str], str]:
    """Start ``command`` in the repository root; its output up to "Press Ctrl-C" (or its end)."""
    process = _start(command)
    lines: list[str] = []
    assert process.stdout is not None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            break
    return process, "".join(lines)


def _run_on_worker_ports(
    command: Callable[[list[str]], list[str]],
) -> tuple[subprocess.Popen[str], str, dict[str, int]]:
    """``command(port arguments)`` started on ports of this worker's block (a program told a
    number binds it itself), its output up to "Press Ctrl-C", and the ports. Another program
    (not a test of this run) may still take one first: then it is tried again on others."""
    for _ in range(3):
        ports = dict(zip(FLAGS, worker_ports(3), strict=True))
        args = [arg for flag, port in ports.items() for arg in (flag, str(port))]
        process, output = _run_until_ready(command(args))
        if "already in use" not in output and "Connection in use" not in output:
            return process, output, ports
        _kill_if_running(process)
    raise AssertionError(f"ports taken three times over: {output}")


def _kill_if_running(process: subprocess.Popen[str]) -> None:
    """After a test of the stack, whatever it asserted: no server left behind."""
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.mark.slow
def test_taken_ports_give_one_command_that_keeps_the_rest_and_starts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Two taken ports, the user's other arguments kept: the fallback command, copied as
    printed, starts the stack from the repository root."""
    with _taken() as model_busy, _taken() as site_busy:
        model, site = model_busy.getsockname()[1], site_busy.getsockname()[1]
        api = worker_port(avoid=range(min(model, site), max(model, site) + 26))
        typed = ["--site-port", str(site), "--api-port", str(api), "--workers", "1"]
        assert main([*typed, "--model-port", str(model)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(
            f"error: ports {model} (--model-port) and {site} (--site-port) are already in use"
        ), err
        (fallback,) = re.findall(r"\(or: (.+?); 0 = any free port\)", err)
        command = shlex.split(fallback)
        assert command[:3] == [".venv/bin/python", "-m", "devstack"]
        new_site, new_model = int(command[4]), int(command[-1])
        assert command[3:] == [
            "--site-port",
            str(new_site),
            "--api-port",
            str(api),
            "--workers",
            "1",
            "--model-port",
            str(new_model),
        ]
        process, output = _run_until_ready(command)
    try:
        assert f"page    http://127.0.0.1:{new_site}/" in output, output
        assert f"model   http://127.0.0.1:{new_model}/ping" in output
        status, _, _ = request(f"http://127.0.0.1:{api}", "GET", "/health")
        assert status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        _kill_if_running(process)


@pytest.mark.slow
def test_make_up_prints_the_urls_and_stops_cleanly_on_sigterm() -> None:
    process, output, ports = _run_on_worker_ports(
        lambda args: [sys.executable, "-m", "devstack", *args, "--workers", "1"]
    )
    try:
        assert f"http://127.0.0.1:{ports['--site-port']}/" in output, output
        assert f"http://127.0.0.1:{ports['--api-port']}/detect" in output
        # "Ready" is printed only once the API answers /health through the real handler.
        status, _, body = request(f"http://127.0.0.1:{ports['--api-port']}", "GET", "/health")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, _, _ = request(f"http://127.0.0.1:{ports['--model-port']}", "GET", "/ping")
        assert status == 200
        # The command it offers to try works as printed, and asks for no method of its own
        # (a fork's default is its own model, not auto).
        (tried,) = re.findall(r"^Try:\s+(curl .+?)\s+\(the default method\)$", output, re.M)
        assert "method=" not in tried, tried
        answer = json.loads(subprocess.run(tried, shell=True, cwd=REPO, capture_output=True,
                                           text=True, timeout=60, check=True).stdout)  # fmt: skip
        assert answer["series"] and answer["method"] == DEFAULT_METHOD, answer.keys()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        _kill_if_running(process)
    with pytest.raises(OSError):
        request(f"http://127.0.0.1:{ports['--model-port']}", "GET", "/ping")


@pytest.mark.slow
def test_sigterm_while_starting_stops_what_was_started() -> None:
    """SIGTERM before the stack answers (`--model container` builds the image first, for
    minutes) took the default action: the CLI died and the model server, in a session of its
    own, kept running on its port. It stops what was started, as Ctrl-C does."""
    ports = dict(zip(FLAGS, worker_ports(3), strict=True))
    args = [arg for flag, port in ports.items() for arg in (flag, str(port))]
    command = [sys.executable, "-m", "devstack", *args, "--workers", "1"]
    process = _start(command)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Starting the local stack"), first
        # Until the model server has started: then its port is what would be left taken.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", ports["--model-port"])) == 0:
                    break
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        # (Its output is not read: a model server left behind holds the pipe open.)
        code = process.wait(timeout=30)
    finally:
        _kill_if_running(process)
    time.sleep(0.5)
    with pytest.raises(OSError):
        request(f"http://127.0.0.1:{ports['--model-port']}", "GET", "/ping")
    assert code in (0, 130), f"exit {code}"


def in_background(args: list[str]) -> list[str]:
    """`python -m devstack` started with `&` by a shell without job control, which says its
    pid ("pid N") and waits for it; it dies with the shell, as the shell with the test run."""
    command = dying_with_the_shell([sys.executable, "-m", "devstack", *args, "--workers", "1"])
    return ["sh", "-c", f'{command} & echo "pid $!"; wait $!']


@pytest.mark.slow
def test_a_backgrounded_make_up_stops_on_sigint() -> None:
    """`make up &` in a script (a shell without job control) starts it with SIGINT ignored,
    a rule of the shell that make passes on; Ctrl-C reaching the script's process group, or
    `kill -INT`, must still stop the stack as SIGTERM does, not leave its ports taken."""
    process, output, ports = _run_on_worker_ports(in_background)
    (pid,) = re.findall(r"^pid (\d+)$", output, re.MULTILINE)
    try:
        assert "Press Ctrl-C" in output, output
        os.kill(int(pid), signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:  # the stack itself, not only the shell around it
            os.kill(int(pid), signal.SIGTERM)
            process.wait(timeout=30)
        _kill_if_running(process)
    with pytest.raises(OSError):
        request(f"http://127.0.0.1:{ports['--model-port']}", "GET", "/ping")


@pytest.mark.slow
def test_another_origin_for_this_run_is_allowed_as_config_yamls_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An integrator's own page on another local origin calls the local API:
    `make up ARGS="--cors-origin http://localhost:5173"` (repeatable) allows it; a value that
    is no origin is refused with config.yaml's words."""
    mine, other = "http://localhost:5173", "http://127.0.0.1:5174"
    args = _parse_args(["--cors-origin", mine, "--cors-origin", other])
    with running_stack(cors_origins=args.cors_origin) as stack:
        for origin in (mine, other):
            status, headers, _ = preflight(stack.urls["api"], origin)
            assert (status, headers.get("access-control-allow-origin")) == (204, origin)
            status, headers, _ = request(stack.urls["api"], "GET", "/health", Origin=origin)
            assert (status, headers.get("access-control-allow-origin")) == (200, origin)
        status, headers, _ = request(
            stack.urls["api"], "GET", "/health", Origin="http://localhost:5175"
        )
        assert status == 200 and "access-control-allow-origin" not in headers
    with pytest.raises(SystemExit) as refused:
        main(["--cors-origin", "localhost:5173/"])
    assert refused.value.code == 2
    assert "'localhost:5173/' is not an origin: use scheme://host[:port]" in capsys.readouterr().err


URLS = {
    "site": "http://127.0.0.1:8000",
    "api": "http://127.0.0.1:3000",
    "model": "http://127.0.0.1:8080",
    "runtime": "http://127.0.0.1:4000",
}


def test_the_ready_text_offers_a_forks_model_its_own_smoke_request() -> None:
    """A fork whose model takes JSON was told to POST a Google Trends CSV and offered a curl
    of one (a 415 from its model): the offer follows model/smoke.py's request instead, and the
    command that sends it through the local API and checks the answer is deploy smoke's."""
    text = _ready_text(URLS, request_type="application/json")
    assert "Google Trends" not in text and "text/csv" not in text, text
    assert "/detect   (POST application/json, as model/smoke.py's request; CORS from" in text
    (tried,) = re.findall(r"^Try:\s+(.+?)\s+\(model/smoke\.py's request and check\)$", text, re.M)
    assert tried == (
        ".venv/bin/python -m deploy smoke --api-url http://127.0.0.1:3000 "
        "--origin http://127.0.0.1:8000"
    )


def test_the_ready_text_for_a_csv_model_offers_the_trends_example() -> None:
    text = _ready_text(URLS, request_type="text/csv")
    assert "(POST a Google Trends CSV; CORS from config.yaml)" in text
    assert "--data-binary @tests/data/en_weekly5y_bitcoin.csv" in text


def test_the_request_type_is_model_smoke_pys(tmp_path: Path) -> None:
    """A fork's model/smoke.py names the type; a missing or broken one does not stop make up."""
    (tmp_path / "model").mkdir()
    smoke = tmp_path / "model" / "smoke.py"
    smoke.write_text(
        "def request():\n    return 'application/json', '{\"instances\": [[1, 2]]}'\n\n"
        "def check(answer):\n    return 'ok'\n"
    )
    assert smoke_request_type(tmp_path) == "application/json"
    smoke.write_text("import no_such_module\n")
    assert smoke_request_type(tmp_path) is None
    assert smoke_request_type(tmp_path / "no-such-folder") is None


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize("value", ["70000", "-5", "x"])
def test_a_port_out_of_range_is_refused_in_one_line(
    flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--model-port 70000` was an OverflowError traceback from the port check; argparse's
    one line now names the flag and the range."""
    with pytest.raises(SystemExit) as stop:
        _parse_args([flag, value])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: " in err and "0 to 65535" in err
    assert "Traceback" not in err


def test_the_help_names_each_ports_default_and_0(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's ports (8080, 3000, 8000) and "0 = any free port" are in --help too."""
    with pytest.raises(SystemExit):
        _parse_args(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    for flag, port in (("--model-port", 8080), ("--api-port", 3000), ("--site-port", 8000)):
        assert re.search(rf"{flag} PORT .*?\(default {port}; 0: any free port\)", out), out
