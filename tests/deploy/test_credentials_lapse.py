"""Credentials that lapse in the middle of an apply or a destroy (an SSO session ending, an
assumed role's keys expiring) stop it like any failed step: the step is named, what was done
before it is listed, the failure is in --summary-json with its kind, the lock is released or
said to be held with how to release it, and no call is tried again: none would succeed.

The lapse is botocore's own (refreshable credentials whose refresh starts failing, raised
before any request) or AWS's (every request answered ExpiredToken), after a number of
mutating calls: tests/support/lapse.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import boto3.session
import pytest

from deploy import cli, lock
from deploy.aws import Aws, CredentialsLapsed
from deploy.bootstrap.apply import apply as bootstrap_apply
from deploy.bootstrap.policies import Target
from deploy.cli import main
from deploy.engine import Engine
from deploy.failures import Incomplete
from deploy.image import image_tag
from deploy.resources import endpoint as endpoint_resource
from tests.deploy.deploy_helpers import (
    ENVIRONMENTS,
    IMAGE,
    engine,
    push_fake_image,
)
from tests.support.lapse import Lapse, token_gone

pytestmark = pytest.mark.usefixtures("aws_env")
MODES = ("refresh", "expired")


def _lapsing(monkeypatch: pytest.MonkeyPatch, lapse: Lapse, gone_after: str = "") -> None:
    """Every session the CLI makes has ``lapse``'s credentials (the image still pushed); with
    ``gone_after`` (``s3.DeleteBucket``) they go right after that call is answered."""

    def made(*_: Any, region_name: str = "us-east-1", **__: Any) -> boto3.Session:
        ours = lapse.session(region_name)
        if gone_after:
            lapse.lapse_after(ours, gone_after)
        return ours

    monkeypatch.setattr("deploy.aws.boto3.Session", made)


@pytest.mark.parametrize("mode", MODES)
def test_apply_stops_at_the_step_the_credentials_lapsed_in(project: Path, mode: str) -> None:
    lapse = Lapse(after=3, mode=mode)
    eng = engine(project, boto=lapse.session())
    with pytest.raises(CredentialsLapsed) as raised:
        eng.apply()
    said = str(raised.value)
    # Which resource and which AWS operation, and the fix (sign in again), not a grant.
    assert said.startswith("create "), said
    assert ": credentials expired" in said or "ExpiredToken" in said, said
    assert "aws sso login" in said and "the workflows' roles come from" not in said
    assert lapse.refused == 1, "one refused call stops the run: no retry, no next step"
    progress = eng.progress
    assert progress is not None and progress.failed is not None
    assert len(progress.done) >= 1 and progress.failed.kind == "expired"
    assert progress.failed.step.count(":") == 1  # service:Operation
    assert progress.failed.action.name in said


def _deployed(project: Path) -> None:
    assert main(["--config", str(project / "config.yaml"), "apply", "--image", IMAGE]) == 0


@pytest.mark.slow
@pytest.mark.usefixtures("image_pushed")
@pytest.mark.parametrize("mode", MODES)
def test_apply_cli_names_the_step_writes_the_summary_and_says_the_held_lock(
    project: Path, mode: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _deployed(project)
    for page in ("a", "b", "c", "d"):  # four new pages: four PutObject steps
        (project / "site" / "dist" / f"{page}.html").write_text(f"<p>{page}</p>\n")
    lapse = Lapse(after=3, mode=mode)  # the lock's PutObject, then two of the apply's own
    _lapsing(monkeypatch, lapse)
    summary_path = project / "summary.json"
    capsys.readouterr()
    cfg = str(project / "config.yaml")
    code = main(["--config", cfg, "apply", "--image", IMAGE, "--summary-json", str(summary_path)])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.rstrip().endswith(
        "[3/4] create site_object c.html: does not exist\n    s3:PutObject"
    )
    assert "Traceback" not in err
    assert err.startswith("error: create site_object c.html: s3:PutObject"), err
    assert "aws sso login" in err
    # The lock could not be released without credentials: said, with how to release it.
    assert "--force-unlock" in err and lock.KEY in err, err
    assert lapse.refused == 2, "the failed step and the lock's release: nothing else tried"
    summary = json.loads(summary_path.read_text())
    assert summary["failed"]["kind"] == "expired"
    assert summary["failed"]["step"].count(":") == 1
    assert summary["failed"]["resource"] in err
    assert len(summary["changes"]) == 2 and summary["lock"] == "held"
    holder = lock.read(_aws(), _bucket())
    assert holder is not None and holder.command == "apply"
    # Signed in again, docs/deploy-commands.md's way: --force-unlock, and the apply resumes.
    lapse.after = 10**6
    assert main(["--config", cfg, "apply", "--image", IMAGE, "--force-unlock"]) == 0


def _aws() -> Aws:
    """Credentials that work (boto3.Session itself is the lapsing one in these tests)."""
    return Aws("us-east-1", boto3.session.Session(region_name="us-east-1"))


def _bucket() -> str:
    s3 = _aws().client("s3")
    (name,) = [b["Name"] for b in s3.list_buckets()["Buckets"] if "-site-" in b["Name"]]
    return name


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_destroy_stops_at_the_lapse_and_lists_what_it_did_not_try(project: Path, mode: str) -> None:
    engine(project).apply()
    lapse = Lapse(after=2, mode=mode)
    eng = engine(project, boto=lapse.session(), image=None)
    with pytest.raises(Incomplete) as raised:
        eng.destroy()
    stopped = raised.value
    assert len(stopped.done) >= 1 and len(stopped.failures) == 1
    assert stopped.failures[0].kind == "expired"
    assert stopped.untried, "the actions after the lapse are listed, not each tried and failed"
    assert lapse.refused == 1
    said = str(stopped)
    assert "aws sso login" in said and "not tried" in said
    # The disable, then DeleteEndpoint accepted: the lapse meets the wait until it is gone.
    # SageMaker is deleting it: said, not only that the wait failed.
    endpoint = stopped.failures[0]
    assert endpoint.action.kind == "endpoint" and endpoint.sent == ("sagemaker:DeleteEndpoint",)
    assert "started, not confirmed: sagemaker:DeleteEndpoint sent and accepted" in said
    for action in stopped.untried:
        assert f"{action.kind} {action.name}" in said


@pytest.mark.slow
@pytest.mark.usefixtures("image_pushed")
def test_destroy_cli_says_what_it_removed_what_it_did_not_try_and_the_held_lock(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _deployed(project)
    lapse = Lapse(after=3)  # the lock's PutObject, then two deletions
    _lapsing(monkeypatch, lapse)
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    assert main(["--config", cfg, "destroy", "--yes"]) == 1
    out, err = capsys.readouterr()
    assert "Removed " in out and "Traceback" not in err
    assert err.startswith("error: destroy could not delete 1 resource"), err
    assert "it stopped there: the credentials no longer work" in err
    assert "not tried" in err and "aws sso login" in err
    assert "--force-unlock" in err and lock.KEY in err
    assert lapse.refused == 2, "the failed step and the lock's release: nothing else tried"
    lapse.after = 10**6  # signed in again
    assert main(["--config", cfg, "destroy", "--yes", "--force-unlock"]) == 0
    assert "--force-unlock: removing the lock of destroy" in capsys.readouterr().out


@pytest.mark.usefixtures("image_pushed")
def test_an_apply_whose_credentials_lapse_at_the_lock_release_says_the_lock_is_held(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Everything applied, then the lock's DeleteObject refused: exit 1 (the next run would
    stop at the lock), saying that the apply ended and how to release the lock. Its
    --summary-json stays the applied one (no "error": every change landed), with the lock
    said held and the note how to release it."""
    _deployed(project)
    (project / "site" / "dist" / "a.html").write_text("<p>a</p>\n")  # one change
    lapse = Lapse(after=10**6, mode="expired")
    _lapsing(monkeypatch, lapse)
    applied = cli._apply

    def then_lapse(*args: Any) -> Any:
        summary = applied(*args)
        lapse.after = 0
        return summary

    monkeypatch.setattr(cli, "_apply", then_lapse)
    capsys.readouterr()
    summary_path = project / "summary.json"
    cfg = str(project / "config.yaml")
    code = main(["--config", cfg, "apply", "--image", IMAGE, "--summary-json", str(summary_path)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: apply ended, but the stack's lock s3://"), err
    assert "--force-unlock" in err and lapse.refused == 1
    summary = json.loads(summary_path.read_text())
    assert "error" not in summary and "failed" not in summary
    assert summary["api_url"] and summary["endpoint_status"] == "InService"
    assert [c["name"] for c in summary["changes"] if c["type"] == "site_object"] == ["a.html"]
    assert summary["lock"] == "held"
    assert summary["lock_note"].startswith("apply ended, but the stack's lock s3://")
    assert "--force-unlock" in summary["lock_note"]


@pytest.mark.usefixtures("image_pushed")
def test_a_lapse_at_the_status_read_after_the_changes_writes_the_summary_naming_it(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every change made, then the endpoint's status read refused: the failure summary lists
    the changes and names that read (it wrote nothing: AWS's error was not a step's)."""
    _deployed(project)
    (project / "site" / "dist" / "a.html").write_text("<p>a</p>\n")
    lapse = Lapse(after=10**6, mode="expired")
    _lapsing(monkeypatch, lapse)
    status = endpoint_resource.status

    def then_lapse(*args: Any) -> Any:
        lapse.after = 0
        return status(*args)

    monkeypatch.setattr(endpoint_resource, "status", then_lapse)
    summary_path = project / "summary.json"
    cfg = str(project / "config.yaml")
    code = main(["--config", cfg, "apply", "--image", IMAGE, "--summary-json", str(summary_path)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: AWS DescribeEndpoint: An error occurred (ExpiredToken)"), err
    summary = json.loads(summary_path.read_text())
    assert "ExpiredToken" in summary["error"] and summary["lock"] == "held"
    assert [c["name"] for c in summary["changes"] if c["type"] == "site_object"] == ["a.html"]
    failed = summary["failed"]
    assert failed["resource"] == "endpoint trends-anomaly" and failed["kind"] == "expired"
    assert (
        failed["step"].startswith("sagemaker:DescribeEndpoint") and failed["code"] == "ExpiredToken"
    )
    assert "aws sso login" in failed["todo"]


@pytest.mark.usefixtures("image_pushed")
@pytest.mark.parametrize("mode", MODES)
def test_a_lapse_in_the_image_step_before_the_plan_writes_the_summary_naming_it(
    project: Path, mode: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An environment's apply makes sure of its image first (Engine.ensure_image), before the
    plan's steps: a lapse there still writes the failure summary, naming that step."""
    cfg = project / "config.yaml"
    cfg.write_text(cfg.read_text() + ENVIRONMENTS)
    args = ["--config", str(cfg), "apply", "--env", "staging", "--image", IMAGE]
    assert main(args) == 0  # deployed: its bucket holds the lock from now on
    _lapsing(monkeypatch, Lapse(after=1, mode=mode))  # the lock's PutObject, then nothing
    summary_path = project / "summary.json"
    capsys.readouterr()
    assert main([*args, "--summary-json", str(summary_path)]) == 1
    summary = json.loads(summary_path.read_text())
    assert summary["error"] and summary["changes"] == [] and summary["lock"] == "held"
    failed = summary["failed"]
    assert failed["resource"] == "image" and failed["kind"] == "expired", failed
    assert "before the plan" in failed["step"] and "aws sso login" in failed["todo"]


@pytest.mark.usefixtures("image_pushed")
def test_a_lapse_while_planning_under_the_lock_says_the_lock_is_held(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused at the plan's first read (no step started): botocore's error with its fix, as
    outside the lock, then the held lock: one line each, no traceback."""
    _deployed(project)
    _lapsing(monkeypatch, Lapse(after=1))  # the lock's PutObject, then nothing
    capsys.readouterr()
    assert main(["--config", str(project / "config.yaml"), "apply", "--image", IMAGE]) == 1
    first, second = capsys.readouterr().err.splitlines()
    assert (
        first.startswith("error: AWS: Error when retrieving token from sso")
        and "aws sso login" in first
    )
    assert second.startswith("The stack's lock s3://") and "--force-unlock" in second


@pytest.mark.usefixtures("aws_env")
def test_a_lapse_in_a_step_of_the_image_before_the_plan_writes_the_summary_naming_it(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A first environment's apply creates the image repository before the plan: the
    credentials lapse in that action's next step, which the summary names. (Nothing pushed
    before: the plan would refuse an image not in ECR, but the lapse comes first.)"""
    cfg = project / "config.yaml"
    cfg.write_text(cfg.read_text() + ENVIRONMENTS)
    # The lock's PutObject (no bucket yet: no lock), ECR's CreateRepository, then nothing.
    _lapsing(monkeypatch, Lapse(after=2, mode="expired"))
    summary_path = project / "summary.json"
    args = ["--config", str(cfg), "apply", "--env", "staging", "--image", IMAGE]
    assert main([*args, "--summary-json", str(summary_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: create ecr_repository trends-anomaly: ecr:"), err
    summary = json.loads(summary_path.read_text())
    assert summary["lock"] == "none" and summary["changes"] == []
    failed = summary["failed"]
    assert failed["resource"] == "ecr_repository trends-anomaly" and failed["kind"] == "expired"
    # A failed call, not a wait: CreateRepository before it ended when answered.
    assert (failed["step"], failed["sent"]) == ("ecr:PutLifecyclePolicy", []), failed


def test_a_lapse_at_the_previews_deploy_tag_is_a_warning_not_the_applys_failure(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every change landed, then botocore cannot refresh the credentials for the preview's
    deployed-at tag: a warning (as AWS refusing it is), the applied summary written, exit 0;
    it escaped as the apply's error, with no summary, though nothing had failed."""
    cfg = project / "config.yaml"
    cfg.write_text(cfg.read_text() + ENVIRONMENTS)
    envs = ("staging", "production")  # the previews' permissions boundary: bootstrap's
    target = Target("trends-anomaly", "us-east-1", "", "octo/trends", envs, previews=True)
    bootstrap_apply(_aws(), target)
    push_fake_image("trends-anomaly-pr-7", image_tag(project / "model"))

    def gone(*_: Any, **__: Any) -> bool:
        raise token_gone()

    monkeypatch.setattr("deploy.previews.record_deploy", gone)
    summary_path = project / "summary.json"
    args = ["--config", str(cfg), "apply", "--env", "pr-7", "--summary-json", str(summary_path)]
    assert main(args) == 0
    assert "warning: could not tag trends-anomaly-pr-7 deployed-at" in capsys.readouterr().out
    summary = json.loads(summary_path.read_text())
    assert "error" not in summary and summary["endpoint_name"] == "trends-anomaly-pr-7"


@pytest.mark.slow
@pytest.mark.usefixtures("image_pushed")
def test_a_destroy_wholly_done_then_its_lock_release_refused_says_what_it_removed(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Everything removed, then the lock's DeleteObject refused (the credentials lapsed just
    then): the lock was in the stack's bucket, deleted by the destroy, so none is held. The
    destroy says what it removed and ends 0, not "the lock is still held" (false) with no list
    of what it removed (before: the release's error went up, and the list was never printed)."""
    _deployed(project)
    lapse = Lapse(after=10**6, mode="expired")
    _lapsing(monkeypatch, lapse)
    destroyed = Engine.destroy

    def then_lapse(self: Engine, *hook: Any) -> Any:
        done = destroyed(self, *hook)
        lapse.after = 0
        return done

    monkeypatch.setattr(Engine, "destroy", then_lapse)
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    assert main(["--config", cfg, "destroy", "--yes"]) == 0
    out, err = capsys.readouterr()
    assert "Removed " in out and "Traceback" not in err, (out, err)
    assert "still held" not in out + err, (out, err)
    assert "none is held" in out and "the credentials lapsed just then" in out, out
    assert lapse.refused == 1, "the lock's release only"
    assert not [b for b in _aws().client("s3").list_buckets()["Buckets"] if "-site-" in b["Name"]]


@pytest.mark.slow
@pytest.mark.usefixtures("image_pushed")
def test_a_destroy_stopped_after_its_bucket_went_says_its_lock_went_with_it(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The credentials lapse right after DeleteBucket: the destroy stops at the next action,
    and the lock's release is refused too. The lock lived in that bucket, so it is gone: the
    error says so, asks for no --force-unlock (it said "still held", which was false), and
    the next destroy, signed in again, needs none."""
    _deployed(project)
    lapse = Lapse(after=10**6, mode="expired")
    _lapsing(monkeypatch, lapse, gone_after="s3.DeleteBucket")
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    assert main(["--config", cfg, "destroy", "--yes"]) == 1
    out, err = capsys.readouterr()
    assert "Removed " in out and "Traceback" not in err, (out, err)
    assert lapse.lapsed_at and lapse.refused == 2, "the next action's call and the release"
    assert "not tried" in err, err
    assert "still held" not in out + err and "--force-unlock" not in out + err, err
    assert "went with its bucket" in err, err
    lapse.after = 10**6  # signed in again: no --force-unlock needed
    assert main(["--config", cfg, "destroy", "--yes"]) == 0, capsys.readouterr()
