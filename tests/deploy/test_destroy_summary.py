"""`destroy --summary-json FILE`: what a teardown removed, what failed, what it left or did not
try, and its lock, for a script or a job summary, written however destroy ends (as apply's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from deploy import lock
from deploy.cli import main
from deploy.engine import Engine
from tests.deploy.deploy_helpers import IMAGE, engine, image_in_ecr, session, shared_aws
from tests.deploy.test_apply_summary_exits import IN_RELEASE, _ctrl_c_in_turn, _interrupting
from tests.deploy.test_credentials_lapse import _lapsing
from tests.support.lapse import Lapse

pytestmark = pytest.mark.usefixtures("aws_env")


def _destroy(project: Path, *more: str) -> tuple[int, dict[str, Any]]:
    summary = project / "destroyed.json"
    summary.unlink(missing_ok=True)
    cfg = str(project / "config.yaml")
    code = main(["--config", cfg, "destroy", *more, "--summary-json", str(summary)])
    return code, json.loads(summary.read_text())


@pytest.mark.usefixtures("image_pushed")
def test_a_whole_destroy_and_nothing_to_destroy_write_what_was_removed(
    project: Path, capsys: Any
) -> None:
    image_in_ecr(project)  # as `deploy image` and a push leave it
    assert main(["--config", str(project / "config.yaml"), "apply", "--image", IMAGE]) == 0
    code, doc = _destroy(project)  # no --yes: refused, said as such
    assert code == 1 and doc["status"] == "failed" and doc["stage"] == "arguments"
    assert doc["error"] == "Refusing to delete without --yes." and doc["removed"] == []
    code, doc = _destroy(project, "--yes")
    assert code == 0 and doc["status"] == "destroyed" and "error" not in doc
    assert len(doc["removed"]) == 18 and "endpoint trends-anomaly" in doc["removed"]
    assert doc["failures"] == [] and doc["untried"] == [] and doc["lock"] == "released"
    out = capsys.readouterr().out
    assert all(f"  - {resource}" in out for resource in doc["removed"])
    # The lock, listed as the null version of an unversioned bucket, is no version left.
    assert "left by versioning" not in out, out
    code, doc = _destroy(project, "--yes")
    assert code == 0 and doc["status"] == "nothing to destroy" and doc["removed"] == []
    assert doc["region"] == "us-east-1" and doc["lock"] == "none"


@pytest.mark.usefixtures("image_pushed")
def test_a_destroy_stopped_partway_writes_its_failure_what_it_left_and_the_lock(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    image_in_ecr(project)  # as `deploy image` and a push leave it
    assert main(["--config", str(project / "config.yaml"), "apply", "--image", IMAGE]) == 0
    _lapsing(monkeypatch, Lapse(after=10**6, mode="expired"), gone_after="s3.DeleteBucket")
    code, doc = _destroy(project, "--yes")
    err = capsys.readouterr().err
    assert code == 1 and doc["status"] == "failed" and doc["stage"] == "actions"
    assert doc["error"] == err.removeprefix("error: ").rstrip()
    (failed,) = doc["failures"]
    assert failed["kind"] == "expired" and failed["resource"].startswith("endpoint_config ")
    assert doc["untried"] and "iam_role trends-anomaly-sagemaker" in doc["untried"]
    assert any(r.startswith("s3_bucket ") for r in doc["removed"])
    assert doc["lock"] == "gone", "the lock went with the bucket"


def test_a_config_refused_writes_the_destroy_summary(project: Path, capsys: Any) -> None:
    (project / "config.yaml").write_text("project: X\n")
    code, doc = _destroy(project, "--yes")
    err = capsys.readouterr().err
    assert code == 1 and doc["status"] == "failed" and doc["stage"] == "config"
    assert doc["error"] == err.removeprefix("error: ").rstrip() and doc["lock"] == "none"


def test_ctrl_c_in_a_destroy_writes_what_it_removed_and_the_lock(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    armed = _interrupting(monkeypatch)
    image_in_ecr(project)  # as `deploy image` and a push leave it
    assert main(["--config", str(project / "config.yaml"), "apply", "--image", IMAGE]) == 0
    armed.append("after-call.lambda.DeleteFunction")
    code, doc = _destroy(project, "--yes")
    err = capsys.readouterr().err
    assert code == 130 and doc["status"] == "failed" and doc["stage"] == "interrupted"
    assert "during lambda:DeleteFunction" in err and "Traceback" not in err
    assert doc["error"] == err.removeprefix("error: ").rstrip()
    assert doc["failed"]["kind"] == "interrupted" and "endpoint trends-anomaly" in doc["removed"]
    assert doc["lock"] in ("released", "gone") and "still held" not in err


def test_a_second_ctrl_c_in_the_release_after_the_bucket_went_says_the_lock_went_too(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """Ctrl-C after the bucket's deletion (the models go after it), then again in the lock's
    release: the lock was in that bucket, so none is held, and no --force-unlock is needed."""
    armed = _interrupting(monkeypatch)
    image_in_ecr(project)  # as `deploy image` and a push leave it
    assert main(["--config", str(project / "config.yaml"), "apply", "--image", IMAGE]) == 0
    armed.append("after-call.sagemaker.DeleteModel")

    def release(*_: Any) -> None:  # the first Ctrl-C went: a second, in the release
        assert not armed
        raise KeyboardInterrupt

    monkeypatch.setattr("deploy.cli.lock.release", release)
    code, doc = _destroy(project, "--yes")
    err = capsys.readouterr().err
    assert code == 130 and doc["stage"] == "interrupted" and "Traceback" not in err, err
    assert "during sagemaker:DeleteModel" in err
    assert any(r.startswith("s3_bucket ") for r in doc["removed"])
    assert doc["lock"] == "gone", "the lock went with the bucket"
    assert "still held" not in err and "--force-unlock" not in err, err
    assert "went with its bucket" in err


@pytest.mark.parametrize(
    ("first", "then", "said", "lock_left"),
    [
        # Before the bucket's deletion: the lock is there, its release interrupted (not sent).
        ("before-call.apigatewayv2.DeleteApi", IN_RELEASE, "held", True),
        ("before-call.apigatewayv2.DeleteApi", None, "released", False),
        # The bucket's deletion not started (the lock's own DeleteObject, its first step, not
        # sent): as before it.
        ("before-call.s3.DeleteObject:lock", IN_RELEASE, "held", True),
        ("before-call.s3.DeleteObject:lock", None, "released", False),
        # The lock's DeleteObject answered, the answer not seen: S3 deleted the lock, but this
        # run cannot know: "may" be held.
        ("after-call.s3.DeleteObject:lock", IN_RELEASE, "held", False),
        # The lock's DeleteObject seen done, the versions' listing not sent: none held.
        ("before-call.s3.ListObjectVersions", IN_RELEASE, "gone", False),
        ("before-call.s3.ListObjectVersions", None, "released", False),
        # (No DeleteObjects is sent here: the objects and the lock were deleted before the
        # versions' listing, which finds none in an unversioned bucket.)
        # The lock deleted, its bucket's DeleteBucket not sent: none is held.
        ("before-call.s3.DeleteBucket", IN_RELEASE, "gone", False),
        ("before-call.s3.DeleteBucket", None, "released", False),
        # DeleteBucket answered, its answer not seen: the lock went with what the bucket held.
        ("after-call.s3.DeleteBucket", IN_RELEASE, "gone", False),
        ("after-call.s3.DeleteBucket", None, "released", False),
        # After the bucket's deletion was seen through (the models go after it).
        ("after-call.sagemaker.DeleteModel", IN_RELEASE, "gone", False),
    ],
)
def test_ctrl_c_in_a_destroy_then_in_its_release_says_the_lock_as_it_is_in_aws(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    first: str,
    then: str | None,
    said: str,
    lock_left: bool,
) -> None:
    """Where a destroy is interrupted, once or twice (the second in the lock's release): the
    summary's ``lock`` and the words say what S3 holds. The lock is deleted by the bucket's
    own deletion (its DeleteObject, that deletion's first step): past that step none is held,
    the bucket gone or not; before it, an interrupted release leaves it, with --force-unlock."""
    armed = _ctrl_c_in_turn(monkeypatch)
    # The stack as a first `apply --image IMAGE` leaves it (with the image pushed first, and
    # no lock: there was no bucket to hold one), by the engine on shared clients: the CLI's
    # own session and dozen clients cost ~0.5 s of CPU a case and are not what is tested.
    engine(project, aws=shared_aws()).apply()
    bucket = _site_bucket()
    armed += [first, *([then] if then else [])]
    code, doc = _destroy(project, "--yes")
    err = capsys.readouterr().err
    assert not armed, f"not met: {armed}"
    assert code == 130 and doc["stage"] == "interrupted" and "Traceback" not in err, err
    assert doc["lock"] == said, err
    assert doc["error"] == err.removeprefix("error: ").rstrip()
    s3 = session().client("s3")
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    left = bucket in buckets and any(
        o["Key"] == lock.KEY for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    )
    assert left == lock_left
    if said == "held":
        assert "--force-unlock" in err and "may still be held" in err, err
        assert doc["lock_release"] == "interrupted"  # the job summary says "may still be"
    else:
        assert "still held" not in err and "--force-unlock" not in err, err
        assert "lock_release" not in doc, doc
    if said == "gone":
        assert "none is held" in err, err
    if said == "gone" and bucket in buckets:  # deleted its lock, not yet the bucket
        assert "went with its bucket" not in err, err
    # Whatever it said, the next destroy ends it (with --force-unlock when said held).
    again = ["--force-unlock"] if said == "held" else []
    code, doc = _destroy(project, "--yes", *again)
    assert code == 0 and doc["status"] == "destroyed", doc


def _site_bucket() -> str:
    s3 = session().client("s3")
    (name,) = [b["Name"] for b in s3.list_buckets()["Buckets"] if "-site-" in b["Name"]]
    return name


@pytest.mark.parametrize("refused", [None, "before-call.logs.DeleteLogGroup"])
def test_ctrl_c_in_the_release_after_the_deletions_ended_keeps_what_they_did(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, refused: str | None
) -> None:
    """Every deletion tried (all done, or one refused and the rest gone on with), then Ctrl-C
    in the lock's release: the summary says what the deletions did, ``destroyed`` or their
    failures, not "interrupted in its deletions" with no failure; the lock as it is."""
    armed = _ctrl_c_in_turn(monkeypatch)
    image_in_ecr(project)  # as `deploy image` and a push leave it
    assert main(["--config", str(project / "config.yaml"), "apply", "--image", IMAGE]) == 0
    if refused:
        made = boto3_session_made()

        def refusing(*args: Any, **kwargs: Any) -> Any:
            ours = made(*args, **kwargs)
            ours.events.register(refused, _access_denied)
            return ours

        monkeypatch.setattr("deploy.aws.boto3.Session", refusing)
    destroyed = Engine.destroy

    def then_ctrl_c(self: Engine, *hook: Any) -> Any:
        try:
            return destroyed(self, *hook)
        finally:  # its deletions ended: the next Ctrl-C is in the release
            armed.append("before-call.s3.DeleteObject")

    monkeypatch.setattr(Engine, "destroy", then_ctrl_c)
    code, doc = _destroy(project, "--yes")
    err = capsys.readouterr().err
    assert not armed and code == 130 and "Traceback" not in err, err
    assert "interrupted while releasing the stack's lock, after the destroy ended" in err
    assert "lock_note" in doc and doc["lock_note"] == err.removeprefix("error: ").rstrip()
    assert any(r.startswith("s3_bucket ") for r in doc["removed"]), doc
    assert doc["lock"] == "gone" and "none is held" in err, err
    if refused:
        assert doc["status"] == "failed" and doc["stage"] == "actions" and "failed" not in doc
        assert doc["failures"] and "log_group " in doc["error"], doc
        for failure in doc["failures"]:
            assert failure["kind"] == "denied" and failure["resource"].startswith("log_group ")
    else:
        assert doc["status"] == "destroyed" and "error" not in doc and len(doc["removed"]) == 18


def boto3_session_made() -> Any:
    """The session maker the test patched in (deploy.aws's boto3.Session)."""
    import deploy.aws

    return deploy.aws.boto3.Session


def _access_denied(model: Any, **_: Any) -> None:
    error = {"Error": {"Code": "AccessDenied", "Message": "not allowed by the test"}}
    raise botocore.exceptions.ClientError(error, model.name)  # type: ignore[arg-type]


@pytest.mark.usefixtures("image_pushed")
def test_ctrl_c_in_a_destroys_reads_does_not_say_the_stack_has_no_bucket(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """destroy reads what exists before it takes the lock: Ctrl-C there leaves no lock, but not
    because the stack has no bucket (apply's reason, which takes the lock first)."""
    armed = _interrupting(monkeypatch)
    image_in_ecr(project)  # as `deploy image` and a push leave it
    assert main(["--config", str(project / "config.yaml"), "apply", "--image", IMAGE]) == 0
    capsys.readouterr()
    armed.append("after-call.sagemaker.DescribeEndpoint")
    code, doc = _destroy(project, "--yes")
    err = capsys.readouterr().err
    assert code == 130 and doc["stage"] == "interrupted" and doc["lock"] == "none", doc
    assert "reading what exists" in err and "Traceback" not in err, err
    assert "no bucket" not in err, err
    assert "before taking the stack's lock" in err, err
    buckets = [b["Name"] for b in session().client("s3").list_buckets()["Buckets"]]
    assert any(b.startswith("trends-anomaly-site-") for b in buckets), "the bucket is there"
