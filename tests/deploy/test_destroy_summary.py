"""`destroy --summary-json FILE`: what a teardown removed, what failed, what it left or did not
try, and its lock, for a script or a job summary, written however destroy ends (as apply's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from deploy.cli import main
from tests.deploy.deploy_helpers import IMAGE
from tests.deploy.test_apply_summary_exits import _interrupting
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
    code, doc = _destroy(project, "--yes")
    assert code == 0 and doc["status"] == "nothing to destroy" and doc["removed"] == []
    assert doc["region"] == "us-east-1" and doc["lock"] == "none"


@pytest.mark.usefixtures("image_pushed")
def test_a_destroy_stopped_partway_writes_its_failure_what_it_left_and_the_lock(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
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
