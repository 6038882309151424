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

ROOT = Path(__file__).resolve().parents[2]


def _start(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.moto_server", "--port", "0", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    second = proc.stdout.readline()
    return proc, first + second


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_the_hand_run_server_answers_with_its_printed_environment_and_stops(stop: int) -> None:
    proc, printed = _start("--fast")
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
