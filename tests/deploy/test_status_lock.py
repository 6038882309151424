"""`status` shows the stack's lock when it is held (moto server, end to end): an on-call learnt
of a lock only from a refused apply. Who holds it, since when, until when, and the command
that releases it; nothing extra when it is free."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy import lock
from deploy.cli import main
from deploy.naming import Names
from tests.deploy.deploy_helpers import IMAGE2, engine
from tests.support.refusals import refuse

pytestmark = pytest.mark.usefixtures("aws_env")


def _status(project: Path, capsys: pytest.CaptureFixture[str], code: int = 0) -> str:
    capsys.readouterr()
    assert main(["--config", str(project / "config.yaml"), "status"]) == code
    return capsys.readouterr().out


def test_status_shows_a_held_lock_and_how_to_release_it(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    eng = engine(project)
    eng.apply()
    free = _status(project, capsys)
    assert "lock" not in free.lower(), free
    monkeypatch.setenv(lock.MAX_MINUTES_ENV, "45")
    assert lock.take(eng.aws, eng.names.bucket, "apply", lambda _m: None)
    taken = lock.read(eng.aws, eng.names.bucket)
    assert taken is not None and taken.until
    # As a CI runner holds it (another identity and machine): this process, its holder, runs,
    # and status says so instead (test_status_says_whether_this_machines_holder_process_...).
    ci = "arn:aws:sts::123456789012:assumed-role/trends-anomaly-github-deploy/GitHubActions"
    holder = lock.Holder(ci, "runner-7 pid 42", "apply", taken.since, taken.until)
    eng.aws.client("s3").put_object(Bucket=eng.names.bucket, Key=lock.KEY, Body=holder.to_json())
    said = _status(project, capsys)
    (line,) = [ln for ln in said.splitlines() if ln.strip().startswith("lock ")]
    assert f"apply by {holder.who} on {holder.host}" in line, line
    assert f"since {lock.utc(holder.since)}" in line, line
    assert f"until {lock.utc(holder.until)}" in line, line
    assert lock.unlock_command("apply", config=str(project / "config.yaml")) in said, said
    assert f"s3://{eng.names.bucket}/{lock.KEY}" in said, said


def test_a_lock_without_time_limit_says_its_end_is_unknown() -> None:
    holder = lock.Holder("arn:aws:iam::1:user/ann", "laptop pid 7", "destroy", 1000.0)
    said = "\n".join(lock.status_lines(Names("p", "1", "us-east-1", "staging"), holder, 1060.0))
    assert "destroy by arn:aws:iam::1:user/ann on laptop pid 7" in said, said
    assert "until unknown" in said, said
    # a dead destroy is finished by a destroy: an apply would re-create what it removed
    assert "python -m deploy destroy --env staging --yes --force-unlock" in said, said


def test_a_lock_past_its_time_limit_says_the_next_run_takes_it_over() -> None:
    holder = lock.Holder("arn:aws:iam::1:role/gh", "runner pid 9", "apply", 1000.0, 2000.0)
    said = "\n".join(lock.status_lines(Names("p", "1", "us-east-1"), holder, 3000.0))
    assert "has ended without releasing it" in said, said
    assert "the next apply or destroy takes it over" in said, said


def test_status_says_in_one_line_that_the_lock_could_not_be_read_and_shows_the_rest(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only role without s3:GetObject on the lock (AWS answers AccessDenied, also for a
    missing key when s3:ListBucket is not granted either) made the whole of `status` fail."""
    eng = engine(project)
    eng.apply()
    denied = "User: arn:aws:sts::123456789012:assumed-role/ro/x is not authorized to perform: x"
    refuse(monkeypatch, "s3", "GetObject", "AccessDenied", denied)
    said = _status(project, capsys, code=1)  # not all was read
    assert f"endpoint  {eng.names.endpoint}: InService" in said, said
    assert "  lambda    " in said and "  api       " in said and "  site      " in said, said
    (line,) = [ln for ln in said.splitlines() if ln.strip().startswith("lock ")]
    assert "could not be read" in line, line
    assert "AccessDenied" in line and "s3:GetObject" in line, line
    assert f"s3://{eng.names.bucket}/{lock.KEY}" in line, line


def _held_here(eng: object, pid: int) -> None:
    """A lock of process ``pid`` on this machine by this identity, as `lock.me` writes it."""
    import socket

    aws = eng.aws  # type: ignore[attr-defined]
    me = aws.client("sts").get_caller_identity()["Arn"]
    body = lock.Holder(me, f"{socket.gethostname()} pid {pid}", "apply", 1_000_000.0).to_json()
    aws.client("s3").put_object(Bucket=eng.names.bucket, Key=lock.KEY, Body=body)  # type: ignore[attr-defined]


def test_status_says_whether_this_machines_holder_process_still_runs(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After a killed apply, the refusal said whether the lock's process (this identity, this
    machine) still runs; `status` said only "Only if it died … --force-unlock". It now says
    the same as the refusal: not running (it died: --force-unlock), or running (do not)."""
    import subprocess

    eng = engine(project)
    eng.apply()
    gone = subprocess.Popen(["true"])
    gone.wait()
    _held_here(eng, gone.pid)
    said = _status(project, capsys)
    assert f"process {gone.pid} on this machine is not running" in said, said
    assert "that apply died without releasing the lock" in said, said
    assert lock.unlock_command("apply", config=str(project / "config.yaml")) in said, said
    running = subprocess.Popen(["sleep", "600"])
    try:
        _held_here(eng, running.pid)
        said = _status(project, capsys)
    finally:
        running.kill()
        running.wait()
    assert f"process {running.pid} on this machine is still running that apply" in said, said
    assert "do not pass --force-unlock while it runs" in said, said
    assert "--force-unlock" not in said.replace("pass --force-unlock", ""), said


def test_status_names_the_exact_unlock_command_and_what_it_cannot_know(
    project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """plan's note and the held-lock refusal name the exact command (`lock.unlock_command`);
    status's lacked --config when it is not the default, so the command it printed read the
    wrong file (or none). It has it now, and says plainly what it cannot know of a lock an
    older deploy wrote (no ``image`` in it): the dead apply's --image."""
    import subprocess

    eng = engine(project)
    eng.apply()
    gone = subprocess.Popen(["true"])
    gone.wait()
    _held_here(eng, gone.pid)
    cfg = str(project / "config.yaml")
    said = " ".join(_status(project, capsys).split())
    assert lock.unlock_command("apply", config=cfg) in said, said
    assert "this lock, written by an older deploy, does not record the --image" in said, said
    # A destroy takes no --image: nothing to fill in.
    eng.aws.client("s3").put_object(
        Bucket=eng.names.bucket,
        Key=lock.KEY,
        Body=lock.Holder("arn:aws:iam::1:user/ann", "laptop pid 7", "destroy", 1.0).to_json(),
    )
    said = " ".join(_status(project, capsys).split())
    assert lock.unlock_command("destroy", config=cfg) in said, said
    assert "--image" not in said, said


def test_status_names_the_dead_applys_own_image_which_the_lock_records(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An `apply --image URI` that died holding the lock: status told the operator to "add the
    same --image URI" the dead run had, which nobody reading the lock could know. The lock
    records the --image now, and status prints the whole command, with that URI."""
    from dataclasses import replace

    eng = engine(project)
    eng.apply()  # the bucket the lock is in: a first apply takes none
    engine(project, image=IMAGE2)  # IMAGE2 in ECR, as `deploy image` and a push leave it
    cfg = str(project / "config.yaml")
    # The apply dies before it releases the lock (killed: nothing runs its `finally`).
    monkeypatch.setattr(lock, "release", lambda *_a, **_k: None)
    assert main(["--config", cfg, "apply", "--image", IMAGE2]) == 0
    left = lock.read(eng.aws, eng.names.bucket)
    assert left is not None and left.command == "apply", left
    # Its runner is another machine's (a CI job): status cannot check the process.
    ci = replace(left, who="arn:aws:sts::123456789012:assumed-role/x/GitHubActions", host="r pid 4")
    eng.aws.client("s3").put_object(Bucket=eng.names.bucket, Key=lock.KEY, Body=ci.to_json())
    said = " ".join(_status(project, capsys).split())
    assert lock.unlock_command("apply", config=cfg, image=IMAGE2) in said, said
    assert "does not record" not in said, said
    # An apply without --image (it built model/): the command has none, and says nothing of one.
    built = replace(ci, image="")
    eng.aws.client("s3").put_object(Bucket=eng.names.bucket, Key=lock.KEY, Body=built.to_json())
    said = " ".join(_status(project, capsys).split())
    assert f"{lock.unlock_command('apply', config=cfg)} (it removes" in said, said
    assert "add the same --image" not in said, said
