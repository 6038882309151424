"""The stack's lock on the moto server: taken with S3's conditional write, refused with who
holds it and since when, released however the command ends, removed by --force-unlock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy import lock
from deploy.aws import Aws, DeployError
from deploy.cli import main
from tests.deploy.deploy_helpers import IMAGE, PROJECT, inventory, session

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
