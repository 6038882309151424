"""The stack's lock on the moto server: taken with S3's conditional write, refused with who
holds it and since when, released however the command ends, removed by --force-unlock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy import lock
from deploy.aws import Aws, DeployError
from deploy.cli import main
from deploy.image import image_tag
from deploy.naming import Names
from tests.deploy.deploy_helpers import (
    DOCKER_V2,
    IMAGE,
    PROJECT,
    inventory,
    push_fake_image,
    session,
)

pytestmark = pytest.mark.usefixtures("aws_env")
BUCKET = f"{PROJECT}-site-123456789012-us-east-1"
OTHER = "arn:aws:sts::123456789012:assumed-role/trends-anomaly-github-deploy/GitHubActions"


def _aws() -> Aws:
    return Aws("us-east-1", session())


def _held_by_ci(since: float) -> None:
    body = lock.Holder(OTHER, "runner-7 pid 42", "apply", since).to_json()
    session().client("s3").put_object(Bucket=BUCKET, Key=lock.KEY, Body=body)


def test_the_test_server_honours_if_none_match_as_s3_does() -> None:
    """S3 writes with If-None-Match: * only when the key does not exist, else 412
    PreconditionFailed (S3 User Guide, "conditional writes"); moto 5.2.5 does too."""
    s3 = session().client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"1", IfNoneMatch="*")
    with pytest.raises(s3.exceptions.ClientError, match="PreconditionFailed"):
        s3.put_object(Bucket=BUCKET, Key="k", Body=b"2", IfNoneMatch="*")
    assert s3.get_object(Bucket=BUCKET, Key="k")["Body"].read() == b"1"


def test_a_second_taker_is_refused_with_the_holder_and_its_age() -> None:
    session().client("s3").create_bucket(Bucket=BUCKET)
    aws, said = _aws(), []
    assert lock.take(aws, BUCKET, "apply", said.append, clock=lambda: 1_000_000.0)
    holder = lock.read(aws, BUCKET)
    assert holder is not None and holder.command == "apply" and holder.since == 1_000_000.0
    assert holder.who.startswith("arn:aws:") and " pid " in holder.host
    with pytest.raises(DeployError) as err:
        lock.take(_aws(), BUCKET, "destroy", said.append, clock=lambda: 1_000_000.0 + 7 * 60)
    msg = str(err.value)
    assert msg.startswith(f"stack locked: apply by {holder.who} on {holder.host} holds ")
    assert f"s3://{BUCKET}/{lock.KEY} since 1970-01-12 13:46:40 UTC (7 min ago)" in msg
    assert "--force-unlock" in msg
    lock.release(aws, BUCKET)
    assert lock.read(aws, BUCKET) is None
    assert lock.take(_aws(), BUCKET, "destroy", said.append)  # free again


def test_no_bucket_yet_no_lock_and_force_removes_a_dead_ones() -> None:
    said: list[str] = []
    assert lock.take(_aws(), BUCKET, "apply", said.append) is False
    assert said == [f"No lock taken: the stack's bucket {BUCKET} does not exist yet (first apply)"]
    lock.release(_aws(), BUCKET)  # nothing to release: no error
    session().client("s3").create_bucket(Bucket=BUCKET)
    _held_by_ci(0.0)
    assert lock.take(_aws(), BUCKET, "apply", said.append, force=True)
    assert said[-1] == f"--force-unlock: removing the lock of apply by {OTHER}"
    assert lock.read(_aws(), BUCKET).command == "apply"  # ours now


@pytest.mark.slow
@pytest.mark.usefixtures("image_pushed")
def test_apply_and_destroy_wait_for_a_held_lock_then_release_theirs(project: Path, capsys) -> None:
    """A local apply while CI's runs (or the reverse): refused before any change, naming the
    holder; each command releases its lock when it ends, and the lock is no site file."""
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 0
    assert lock.read(_aws(), BUCKET) is None  # released
    _held_by_ci(0.0)
    capsys.readouterr()
    assert main(["--config", cfg, "plan", "--image", IMAGE]) == 0  # the lock is no site file
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 1
    assert f"error: stack locked: apply by {OTHER} on runner-7 pid 42" in capsys.readouterr().err
    assert main(["--config", cfg, "destroy", "--yes"]) == 1
    assert "error: stack locked: apply by" in capsys.readouterr().err
    assert inventory()["endpoints"] == [PROJECT]  # nothing was deleted
    policy = json.loads(session().client("s3").get_bucket_policy(Bucket=BUCKET)["Policy"])
    (deny,) = [st for st in policy["Statement"] if st["Effect"] == "Deny"]
    assert deny["Resource"] == f"arn:aws:s3:::{BUCKET}/{lock.KEY}"  # CloudFront never serves it

    assert main(["--config", cfg, "destroy", "--yes", "--force-unlock"]) == 0
    assert f"--force-unlock: removing the lock of apply by {OTHER}" in capsys.readouterr().out
    assert all(v == [] for v in inventory().values()), inventory()


def _held_by_ci_until(since: float, until: float) -> str:
    """A CI run's lock with its job's time limit; returns the object's ETag."""
    body = lock.Holder(OTHER, "runner-7 pid 42", "apply", since, until).to_json()
    return session().client("s3").put_object(Bucket=BUCKET, Key=lock.KEY, Body=body)["ETag"]


def test_the_test_server_honours_if_match_on_delete_as_s3_does() -> None:
    """S3 deletes with If-Match: <etag> only while the object has that ETag, else 412
    PreconditionFailed (S3 User Guide, "How to perform conditional deletes", general purpose
    buckets included); moto 5.2.5 does too."""
    s3 = session().client("s3")
    s3.create_bucket(Bucket=BUCKET)
    old = s3.put_object(Bucket=BUCKET, Key="k", Body=b"1")["ETag"]
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"2")
    with pytest.raises(s3.exceptions.ClientError, match="PreconditionFailed"):
        s3.delete_object(Bucket=BUCKET, Key="k", IfMatch=old)
    assert s3.get_object(Bucket=BUCKET, Key="k")["Body"].read() == b"2"


def test_a_lock_past_its_jobs_time_limit_is_taken_over_with_a_line_saying_so() -> None:
    """A CI run whose runner died left its lock: every later apply failed until someone ran
    --force-unlock by hand. Its lock says until when its job can run; past that, it is taken
    over."""
    session().client("s3").create_bucket(Bucket=BUCKET)
    _held_by_ci_until(1_000_000.0, 1_000_000.0 + 360 * 60)
    said: list[str] = []
    with pytest.raises(DeployError) as err:  # its job may still be running: refused
        lock.take(_aws(), BUCKET, "apply", said.append, clock=lambda: 1_000_000.0 + 359 * 60)
    assert "its job ends by 1970-01-12 19:46:40 UTC at the latest, and a run after that" in str(
        err.value
    )
    assert lock.take(_aws(), BUCKET, "apply", said.append, clock=lambda: 1_000_000.0 + 361 * 60)
    assert said == [
        f"Taking over the lock of apply by {OTHER} on runner-7 pid 42 (since 1970-01-12 "
        "13:46:40 UTC): its job's time limit ended at 1970-01-12 19:46:40 UTC, so that run has "
        "ended without releasing it"
    ]
    mine = lock.read(_aws(), BUCKET)
    assert mine is not None and mine.who != OTHER and mine.until == 0.0  # no limit set here


def test_a_takeover_never_deletes_a_lock_another_run_took_meanwhile(monkeypatch) -> None:
    """Two runs finding the same ended lock: the one that reads it, then finds it replaced by
    the other's, deletes nothing (If-Match the ETag it read) and is refused with the new
    holder."""
    session().client("s3").create_bucket(Bucket=BUCKET)
    ended = lock.Holder(OTHER, "runner-7 pid 42", "apply", 0.0, 60.0)
    ended_etag = _held_by_ci_until(0.0, 60.0)
    live_etag = _held_by_ci_until(5_000.0, 5_000.0 + 360 * 60)  # the other run's, just taken
    assert live_etag != ended_etag
    with monkeypatch.context() as m, pytest.raises(DeployError, match="stack locked"):
        m.setattr(lock, "_read_entry", lambda aws, bucket: (ended, ended_etag))
        lock.take(_aws(), BUCKET, "apply", lambda _: None, clock=lambda: 6_000.0)
    held = lock.read(_aws(), BUCKET)
    assert held is not None and held.since == 5_000.0  # the other run's lock is still there


def test_the_time_limit_comes_from_the_environment(monkeypatch) -> None:
    session().client("s3").create_bucket(Bucket=BUCKET)
    monkeypatch.setenv(lock.MAX_MINUTES_ENV, "360")
    assert lock.take(_aws(), BUCKET, "apply", lambda _: None, clock=lambda: 1_000.0)
    assert lock.read(_aws(), BUCKET).until == 1_000.0 + 360 * 60
    lock.release(_aws(), BUCKET)
    for bad in ("six hours", "0", "-5"):
        monkeypatch.setenv(lock.MAX_MINUTES_ENV, bad)
        with pytest.raises(DeployError, match=r"DEPLOY_LOCK_MAX_MINUTES=.*timeout-minutes"):
            lock.take(_aws(), BUCKET, "apply", lambda _: None)
    _held_by_ci(0.0)  # refused before anything: --force-unlock removes nothing either
    with pytest.raises(DeployError, match="DEPLOY_LOCK_MAX_MINUTES"):
        lock.take(_aws(), BUCKET, "apply", lambda _: None, force=True)
    assert lock.read(_aws(), BUCKET).who == OTHER


def test_image_takes_no_lock_and_a_run_that_loses_the_push_race_uses_the_winners_image(
    project: Path, capsys, monkeypatch
) -> None:
    """`image` runs outside the stack's lock (lock.py says why): here while CI's apply holds
    it. Two runs of one commit (this one and CI's, say) both find the content-hash tag
    missing and both build; the other's push lands first, and ECR refuses ours (immutable
    tags). That run failed; the tag is the content hash, so it now goes on with the image
    pushed, and prints the digest the other run prints."""
    session().client("s3").create_bucket(Bucket=BUCKET)
    _held_by_ci(0.0)
    tag = image_tag(project / "model")
    ecr = session().client("ecr")
    theirs: list[str] = []

    def docker(cmd: list[str], log: object, stdin: bytes | None = None) -> None:
        if cmd[1] != "push" and not any("push=true" in arg for arg in cmd):
            return  # docker login, docker build: nothing to fake
        theirs.append(push_fake_image(PROJECT, tag))  # the other run's push, first
        # Ours: another build of the same context (builds are not byte-identical).
        blob = {"size": 1, "digest": "sha256:" + "2" * 64}
        ours = {
            "schemaVersion": 2,
            "mediaType": DOCKER_V2,
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", **blob},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", **blob}],
        }
        try:
            ecr.put_image(repositoryName=PROJECT, imageTag=tag, imageManifest=json.dumps(ours))
        # ImageTagAlreadyExistsException: the tag is on the other run's image (moto_ecr.py).
        except ecr.exceptions.ClientError as err:
            raise DeployError(f"`docker push {cmd[-1]}` failed (1): tag invalid: {err}") from None
        raise AssertionError("ECR took a second push of an immutable tag")

    monkeypatch.setattr("deploy.image.run_subprocess", docker)
    output = project / "github_output"
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "image", "--github-output", str(output)]) == 0
    out = capsys.readouterr().out
    assert f"{tag} was pushed by another run meanwhile (same content hash): using it" in out
    (digest,) = theirs
    registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    assert output.read_text() == f"image={registry}/{PROJECT}@{digest}\n"
    held = lock.read(_aws(), BUCKET)
    assert held is not None and held.who == OTHER  # CI's lock: neither taken nor waited for

    # A push that fails with the tag still missing is the failure it is.
    def failing(cmd: list[str], log: object, stdin: bytes | None = None) -> None:
        raise DeployError("`docker push` failed")

    monkeypatch.setattr("deploy.image.run_subprocess", failing)
    (project / "model" / "serve").write_text("#!/bin/sh\n")  # a new tag: not in ECR
    assert main(["--config", cfg, "image"]) == 1
    assert "error: `docker push` failed" in capsys.readouterr().err


def test_the_held_message_says_a_ci_job_holding_it_can_be_cancelled() -> None:
    """At 3 a.m. the lock is held by the bad merge's deploy job, waiting (up to its 6 h limit)
    on the bad switch: "wait for it to end" is not the way; cancelling the run is, since a
    cancelled job is stopped with SIGTERM, which releases the lock."""
    who = "arn:aws:sts::1:assumed-role/r/deploy-production-42"
    holder = lock.Holder(who, "runner pid 7", "apply", since=1000.0, until=1000.0 + 360 * 60)
    said = lock.held_message("bucket", holder, now=1600.0)
    assert "Cancel workflow" in said and "gh run cancel" in said, said
    assert "releases the lock" in said, said


def test_a_destroy_after_an_apply_that_died_before_the_bucket_says_why_no_lock(
    project: Path, capsys
) -> None:
    """An apply killed (SIGKILL) after its roles, before the site bucket, then `destroy`
    (rehearsed as real processes against the moto server). Destroy said "No lock taken: the
    stack's bucket … does not exist yet (first apply)": this is no apply, and the bucket may
    never come (the operator is removing the stack). It says why there is no lock instead."""
    from tests.deploy.deploy_helpers import engine

    def die_after_the_roles(i: int, action: object) -> None:
        if getattr(action, "kind", "") == "iam_role":
            raise KeyboardInterrupt  # stands for the kill: nothing after this step runs

    with pytest.raises(KeyboardInterrupt):
        engine(project).apply(hook=die_after_the_roles)
    assert inventory()["iam_roles"] and not inventory()["buckets"]
    assert main(["--config", str(project / "config.yaml"), "destroy", "--yes"]) == 0
    out = capsys.readouterr().out
    (said,) = [line for line in out.splitlines() if line.startswith("No lock taken")]
    assert "first apply" not in said, said
    assert said == (
        f"No lock taken: the stack's bucket {BUCKET} does not exist (an apply stopped before "
        "creating it, or a destroy deleted it already), and the lock lives in it"
    )
    assert not inventory()["iam_roles"]


def _held_here(pid: int) -> lock.Holder:
    """A lock held by process ``pid`` on this machine, by this identity (as `lock.me` writes
    it)."""
    import socket

    me = session().client("sts").get_caller_identity()["Arn"]
    holder = lock.Holder(me, f"{socket.gethostname()} pid {pid}", "apply", 1_000_000.0)
    session().client("s3").put_object(Bucket=BUCKET, Key=lock.KEY, Body=holder.to_json())
    return holder


def test_a_lock_of_a_dead_process_on_this_machine_is_said_dead_and_a_live_ones_alive() -> None:
    """An apply killed with SIGKILL (rehearsed as real processes) leaves its lock, naming this
    machine and its pid; the next apply on the same machine said only "If it died … run the
    same command with --force-unlock", the same words as for a run still going in another
    terminal, where --force-unlock lets two applies interleave. The lock's own host and pid
    answer it here: a process that is gone is said to have died (--force-unlock is what
    to run), one that runs is said to run (not to pass --force-unlock)."""
    import subprocess

    session().client("s3").create_bucket(Bucket=BUCKET)
    gone = subprocess.Popen(["true"])
    gone.wait()
    held = _held_here(gone.pid)
    with pytest.raises(DeployError) as err:
        lock.take(_aws(), BUCKET, "apply", lambda _m: None)
    said = str(err.value)
    assert f"process {gone.pid} on this machine is not running" in said, said
    assert "that apply died without releasing the lock" in said, said
    assert said.endswith("run the same command with --force-unlock"), said
    assert lock.read(_aws(), BUCKET) == held  # refused: nothing removed
    running = subprocess.Popen(["sleep", "600"])
    try:
        _held_here(running.pid)
        with pytest.raises(DeployError) as err:
            lock.take(_aws(), BUCKET, "apply", lambda _m: None)
    finally:
        running.kill()
        running.wait()
    said = str(err.value)
    assert f"process {running.pid} on this machine is still running" in said, said
    assert "do not pass --force-unlock while it runs" in said, said
    # Another identity's lock naming this machine's name: maybe another machine of that name.
    body = lock.Holder(OTHER, held.host, "apply", 1_000_000.0).to_json()
    session().client("s3").put_object(Bucket=BUCKET, Key=lock.KEY, Body=body)
    with pytest.raises(DeployError) as err:
        lock.take(_aws(), BUCKET, "apply", lambda _m: None)
    assert "on this machine" not in str(err.value), str(err.value)


def test_a_held_lock_refusal_prints_the_exact_command_that_removes_it(
    project: Path, capsys
) -> None:
    """After a killed apply, the refusal said "run the same command with --force-unlock" while
    an interrupted run prints the exact command line (`python -m deploy …` as run, plus
    --force-unlock): the refusal now prints it too, for a dead process here and for CI's."""
    import subprocess

    from tests.deploy.deploy_helpers import engine

    engine(project).apply()
    cfg = str(project / "config.yaml")
    exact = f"`python -m deploy --config {cfg} apply --image {IMAGE} --force-unlock`"
    gone = subprocess.Popen(["true"])
    gone.wait()
    _held_here(gone.pid)
    capsys.readouterr()
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 1
    err = capsys.readouterr().err
    assert f"process {gone.pid} on this machine is not running" in err, err
    assert f"no other run holds it: run {exact}" in err, err
    assert "the same command" not in err, err
    _held_by_ci(0.0)
    assert main(["--config", cfg, "destroy", "--yes"]) == 1
    err = capsys.readouterr().err
    assert f"run `python -m deploy --config {cfg} destroy --yes --force-unlock`" in err, err
    assert "the same command" not in err, err
    assert lock.read(_aws(), BUCKET) is not None  # refused: nothing removed


def test_force_unlock_never_deletes_a_lock_another_run_took_after_it_read(monkeypatch) -> None:
    """--force-unlock read the dead run's lock, then deleted whatever lock was there: a run
    that took the lock in between (CI's next deploy) lost it, and two runs interleaved. It
    now deletes the lock it read only (If-Match its ETag, as the takeover does), and says
    that another run holds it."""
    session().client("s3").create_bucket(Bucket=BUCKET)
    dead = lock.Holder(OTHER, "runner-7 pid 42", "apply", 0.0)
    dead_etag = _held_by_ci_until(0.0, 0.0)
    live_etag = _held_by_ci_until(5_000.0, 5_000.0 + 360 * 60)  # taken meanwhile
    assert live_etag != dead_etag
    real_read = lock._read_entry
    reads = iter([(dead, dead_etag)])  # the first read sees the dead run's lock

    def first_then_real(aws, bucket):
        return next(reads, None) or real_read(aws, bucket)

    said: list[str] = []
    with monkeypatch.context() as m, pytest.raises(DeployError) as err:
        m.setattr(lock, "_read_entry", first_then_real)
        lock.take(_aws(), BUCKET, "apply", said.append, force=True, clock=lambda: 6_000.0)
    assert "--force-unlock removed nothing" in str(err.value), err.value
    held = lock.read(_aws(), BUCKET)
    assert held is not None and held.since == 5_000.0  # the other run keeps its lock


@pytest.mark.parametrize(
    ("held_by", "command"),
    [
        ("apply", "python -m deploy apply --env pr-7 --force-unlock"),
        ("destroy", "python -m deploy destroy --env pr-7 --yes --force-unlock"),
    ],
)
def test_the_sweeps_refusal_names_the_command_that_takes_force_unlock(
    held_by: str, command: str
) -> None:
    """`previews sweep` takes each preview's lock too, but has no --force-unlock: its refusal
    said "run the same command with --force-unlock", which argparse refuses. It names the
    preview's apply (or, for a dead destroy, the destroy that finishes it)."""
    session().client("s3").create_bucket(Bucket=BUCKET)
    body = lock.Holder(OTHER, "runner-7 pid 42", held_by, 0.0).to_json()
    session().client("s3").put_object(Bucket=BUCKET, Key=lock.KEY, Body=body)
    with pytest.raises(DeployError) as err:
        lock.take(
            _aws(),
            BUCKET,
            "previews sweep",
            lambda _: None,
            unlock=lambda held: lock.unlock_command(held.command, "pr-7"),
        )
    said = str(err.value)
    assert said.endswith(f"run `{command}`"), said
    assert "same command" not in said


@pytest.mark.parametrize("running", [False, True])
def test_the_refusal_status_and_plan_say_the_holders_process_in_the_same_words(
    running: bool,
) -> None:
    """ "process N on this machine is (not) running" was written three times (the held-lock
    refusal, `status`, `plan`), each with its own copy: one function says it
    (`lock.holder_process`), each adds its own tail."""
    holder = lock.Holder("arn:aws:iam::1:user/ann", "laptop pid 7", "apply", 1000.0)
    here = (7, running)
    said = lock.holder_process(holder, here)
    assert said.startswith("process 7 on this machine is "), said
    names = Names("p", "1", "us-east-1")
    refusal = lock.held_message("b", holder, 1060.0, here, "python -m deploy apply --force-unlock")
    status = "\n".join(lock.status_lines(names, holder, 1060.0, here))
    note = lock.plan_note_of(holder, 1060.0, here, "python -m deploy apply --force-unlock")
    for text in (refusal, status, note):
        assert said in " ".join(text.split()), text


def test_the_lock_records_the_applys_image_and_an_older_lock_without_it_still_reads() -> None:
    """The --image of the apply that holds the lock is in the lock ("" when it had none), so
    the command that finishes a dead one is exact; a lock an older deploy wrote has no such
    key and still reads (its image unknown: None)."""
    uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly:test-2"
    held = lock.Holder(OTHER, "runner-7 pid 42", "apply", 5.0, 0.0, uri)
    assert lock.Holder.from_json(held.to_json()) == held
    built = lock.Holder(OTHER, "runner-7 pid 42", "apply", 5.0, 0.0, "")
    assert lock.Holder.from_json(built.to_json()).image == ""
    older = b'{"command": "apply", "host": "runner-7 pid 42", "since": 5.0, "who": "x"}'
    assert lock.Holder.from_json(older) == lock.Holder("x", "runner-7 pid 42", "apply", 5.0)
    assert lock.Holder.from_json(older).image is None
    said = lock.unlock_command(held.command, "pr-7", None, held.image)
    assert said == f"python -m deploy apply --env pr-7 --image {uri} --force-unlock", said
