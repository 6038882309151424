"""`plan` says when the stack's lock is held (moto server, end to end): after a killed apply,
plan showed the changes left and said nothing of the lock, then `apply` was refused. One note
line says who holds it, since when, for which command, whether this machine's holder process
still runs, and the exact command that releases it. Plan only reads the lock: never takes,
changes or removes it, and a lock it may not read never fails it."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from deploy import lock
from deploy.aws import Aws
from deploy.cli import main
from tests.deploy.deploy_helpers import IMAGE, engine

pytestmark = pytest.mark.usefixtures("aws_env", "image_pushed")
CI = "arn:aws:sts::123456789012:assumed-role/trends-anomaly-github-deploy/GitHubActions"


def _plan(project: Path, capsys: pytest.CaptureFixture[str], *more: str) -> str:
    capsys.readouterr()
    assert main(["--config", str(project / "config.yaml"), "plan", "--image", IMAGE, *more]) == 0
    return capsys.readouterr().out


def _hold(aws: Aws, bucket: str, holder: lock.Holder) -> dict[str, Any]:
    aws.client("s3").put_object(Bucket=bucket, Key=lock.KEY, Body=holder.to_json())
    return aws.client("s3").head_object(Bucket=bucket, Key=lock.KEY)


def _lock_lines(out: str) -> list[str]:
    return [ln for ln in out.splitlines() if "lock" in ln.lower()]


def test_plan_notes_a_held_lock_in_one_line_and_leaves_it_as_it_is(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    eng = engine(project)
    eng.apply()
    cfg = str(project / "config.yaml")
    assert _lock_lines(_plan(project, capsys)) == []  # free: nothing said
    me = eng.aws.client("sts").get_caller_identity()["Arn"]
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = lock.Holder(me, f"{socket.gethostname()} pid {gone.pid}", "apply", 1_000_000.0)
    before = _hold(eng.aws, eng.names.bucket, dead)
    (line,) = _lock_lines(_plan(project, capsys))
    assert f"apply by {me} on {dead.host}" in line, line
    assert f"since {lock.utc(dead.since)}" in line, line
    assert f"process {gone.pid} on this machine is not running" in line, line
    assert "apply is refused until the lock is released" in line, line
    assert f"`python -m deploy --config {cfg} apply --image {IMAGE} --force-unlock`" in line, line
    after = eng.aws.client("s3").head_object(Bucket=eng.names.bucket, Key=lock.KEY)
    assert after["ETag"] == before["ETag"] and after["LastModified"] == before["LastModified"]

    running = subprocess.Popen(["sleep", "600"])
    try:
        _hold(
            eng.aws,
            eng.names.bucket,
            lock.Holder(me, f"{socket.gethostname()} pid {running.pid}", "apply", 1_000_000.0),
        )
        (line,) = _lock_lines(_plan(project, capsys))
    finally:
        running.kill()
        running.wait()
    assert f"process {running.pid} on this machine is still running that apply" in line, line
    assert "do not pass --force-unlock while it runs" in line, line

    _hold(eng.aws, eng.names.bucket, lock.Holder(CI, "runner-7 pid 42", "apply", 1_000_000.0))
    out = _plan(project, capsys, "--format", "json")
    (note,) = [n for n in json.loads(out)["notes"] if "lock" in n]
    assert f"apply by {CI} on runner-7 pid 42" in note, note
    assert "apply is refused until it ends or is released" in note, note
    assert f"`python -m deploy --config {cfg} apply --image {IMAGE} --force-unlock`" in note, note
    assert lock.read(eng.aws, eng.names.bucket).who == CI  # still CI's


def test_plan_says_one_line_when_it_may_not_read_the_lock_and_does_not_fail(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan role without s3:GetObject on the lock (one bootstrapped before it was granted)
    is refused with AccessDenied: plan says so in one line and plans the rest."""
    eng = engine(project)
    eng.apply()
    _hold(eng.aws, eng.names.bucket, lock.Holder(CI, "runner-7 pid 42", "apply", 1_000_000.0))
    make = Aws.client

    def refused(params: dict[str, Any], **_: Any) -> None:
        if params.get("Key") == lock.KEY:
            error = {"Error": {"Code": "AccessDenied", "Message": "not authorized"}}
            raise botocore.exceptions.ClientError(error, "GetObject")  # type: ignore[arg-type]

    def client(self: Aws, name: str) -> Any:
        made = make(self, name)
        if name == "s3":
            made.meta.events.register("before-parameter-build.s3.GetObject", refused, "refused")
        return made

    monkeypatch.setattr(Aws, "client", client)
    (line,) = _lock_lines(_plan(project, capsys))
    assert "could not be read" in line and "AccessDenied" in line, line
    assert f"s3://{eng.names.bucket}/{lock.KEY}" in line, line
