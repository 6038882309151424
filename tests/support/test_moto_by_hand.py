"""The moto server the docs tell a person to run by hand (docs/deploy-commands.md, "Without an
AWS account") must start, print the environment that reaches it, take `--fast`, and stop on
Ctrl-C or SIGTERM with exit 0: it is the only such script (a second one, with other options,
was merged into it)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from tests.support.children import die_with_parent

ROOT = Path(__file__).resolve().parents[2]


def _as_background_job() -> None:
    """What a shell without job control (a script's) does to a job it starts with ``&``:
    SIGINT (and SIGQUIT) ignored, which the job inherits (POSIX Shell Command Language, 2.11
    "Signals and Error Handling"; bash's manual, "Signals")."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _in_background_dying_with_parent() -> None:
    _as_background_job()
    die_with_parent()


def _start(*args: str, background: bool = False) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.moto_server", "--port", "0", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_in_background_dying_with_parent if background else die_with_parent,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    second = proc.stdout.readline()
    return proc, first + second


@pytest.mark.parametrize(
    ("stop", "background"),
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["ctrl-c", "sigterm", "ctrl-c-background-job"],
)
def test_the_hand_run_server_answers_with_its_printed_environment_and_stops(
    stop: int, background: bool
) -> None:
    proc, printed = _start("--fast", background=background)
    try:
        assert "IAM propagation 3 s" in printed, printed
        exports = re.search(r"export (.+)", printed)
        assert exports, printed
        env = dict(pair.split("=", 1) for pair in exports.group(1).split())
        s3 = boto3.client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name=env["AWS_DEFAULT_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        s3.create_bucket(Bucket="by-hand")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["by-hand"]
    finally:
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err


def test_without_fast_the_delays_are_aws_own() -> None:
    proc, printed = _start()
    try:
        assert "IAM propagation 10 s, CloudFront deployment 120 s" in printed, printed
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 0


# Run as `python -m tests.support.moto_server` is, with a SIGINT that arrives while it imports
# moto (its first seconds): sent by the process to itself when `moto.server` is imported.
_INTERRUPTED_WHILE_IMPORTING = """
import importlib.abc, os, runpy, signal, sys

class SigintOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "moto.server":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, SigintOnImport())
sys.argv = ["moto_server", "--port", "0", "--fast"]
runpy.run_module("tests.support.moto_server", run_name="__main__", alter_sys=True)
"""


def test_a_ctrl_c_while_it_starts_as_a_background_job_stops_it() -> None:
    """`python -m tests.support.moto_server &` from a script, then `kill -INT` (or a Ctrl-C
    the job's group gets) in its first seconds: the job started with SIGINT ignored, and
    Python installs its KeyboardInterrupt handler only over the default disposition, so the
    signal was dropped until the server set its own handler, after its imports; the server
    ran on. It stops now. 60 s is a bound on hanging, not a measure of time."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED_WHILE_IMPORTING],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_as_background_job,
    )
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"still running 60 s after SIGINT (the signal was lost): {out}{err}")
    assert proc.returncode == -signal.SIGINT, (proc.returncode, out, err)
    assert "moto (patched) on" not in out  # stopped before it served
