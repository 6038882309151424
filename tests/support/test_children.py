"""A killed test run leaves no child behind: `python -m devstack` as tests/devstack starts it."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.support.children import inner_pytest, outlived

TINY = """
import os, sys, time
from pathlib import Path

from tests.devstack.test_cli import _run_until_ready


def test_stack_until_killed():
    ports = ["--model-port", "0", "--site-port", "0", "--api-port", "0", "--workers", "1"]
    process, output = _run_until_ready([sys.executable, "-m", "devstack", *ports])
    assert "Press Ctrl-C" in output, output
    Path(os.environ["PID_FILE"]).write_text(str(process.pid))
    time.sleep(600)  # the outer test kills this run here
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_pytest_run_leaves_no_devstack_behind(tmp_path: Path) -> None:
    """SIGKILL to a pytest run in the middle of a devstack CLI test: the stack it started
    (its API, site and model ports) goes too."""
    _stack_dies_with_its_killed_run(tmp_path, TINY, "`python -m devstack`")


def _stack_dies_with_its_killed_run(tmp_path: Path, script: str, what: str) -> None:
    """Kill the inner pytest run of ``script`` (its test writes the stack's pid) and check the
    stack goes too; SIGTERM it if not, so nothing stays for the next run."""
    with inner_pytest(tmp_path, script) as (run, said):
        stack = int(said)
        assert _alive(stack)
        run.kill()
        run.wait(timeout=60)
    left = outlived(lambda: _alive(stack))
    if left:  # whatever the assertion says, nothing stays for the next run
        os.kill(stack, signal.SIGTERM)
    assert not left, f"{what} (pid {stack}) outlived the killed pytest run"


# The backgrounded stack of tests/devstack/test_cli.py's SIGINT test, as that test starts it.
TINY_BACKGROUNDED = """
import os, re, time
from pathlib import Path

from tests.devstack.test_cli import _run_on_worker_ports, in_background


def test_backgrounded_stack_until_killed():
    process, output, ports = _run_on_worker_ports(in_background)
    assert "Press Ctrl-C" in output, output
    (pid,) = re.findall(r"^pid (\\d+)$", output, re.MULTILINE)
    Path(os.environ["PID_FILE"]).write_text(pid)
    time.sleep(600)  # the outer test kills this run here
"""


def test_a_killed_pytest_run_leaves_no_backgrounded_devstack_behind(tmp_path: Path) -> None:
    """The test of a backgrounded `make up` starts it with `sh -c "... &"`: the shell dies
    with the test run (die_with_parent), but PR_SET_PDEATHSIG is not inherited across the
    shell's fork, and the stack it backgrounded kept running, holding its ports."""
    _stack_dies_with_its_killed_run(
        tmp_path, TINY_BACKGROUNDED, "the backgrounded `python -m devstack`"
    )
