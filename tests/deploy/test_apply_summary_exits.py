"""Every way `apply --summary-json FILE` ends writes FILE: CI's job summary reads it, and a
missing file shows nothing of why the deploy failed. A config.yaml or an argument refused
before any AWS call, and Ctrl-C (a cancelled job) anywhere in the run, included: each says
where it stopped (``stage``) with the one line the terminal shows, and Ctrl-C whether the
stack's lock is still held and the exact command that releases it."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from deploy import lock
from deploy.cli import main
from tests.deploy.deploy_helpers import (
    IMAGE,
    IMAGE2,
    image_in_ecr,
    on_every_session,
    session,
)

pytestmark = pytest.mark.usefixtures("aws_env")


def _refused(capsys: Any, argv: list[str], summary: Path) -> tuple[str, dict[str, Any]]:
    """``argv`` exits 1 with its error (no traceback), and ``summary`` holds the same words."""
    assert main([*argv, "--summary-json", str(summary)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err, err
    doc = json.loads(summary.read_text())
    assert doc["status"] == "failed" and doc["error"] == err.removeprefix("error: ").rstrip()
    assert doc["changes"] == [] and doc["lock"] == "none"
    assert "kept" not in doc  # no plan was made: what it would leave is not known
    return err, doc


@pytest.mark.parametrize(
    ("config", "said"),
    [
        (None, "file not found"),
        ("a directory", "cannot be read"),
        ("project: [unclosed\n", "not valid YAML"),
        ("project: X\n", "project: must match"),
    ],
)
def test_a_config_refused_before_any_aws_call_writes_the_summary(
    project: Path, capsys: Any, config: str | None, said: str
) -> None:
    cfg = project / "config.yaml"
    if config is None:
        cfg.unlink()
    elif config == "a directory":
        cfg.unlink()
        cfg.mkdir()
    else:
        cfg.write_text(config)
    argv = ["--config", str(cfg), "apply", "--image", IMAGE]
    err, doc = _refused(capsys, argv, project / "summary.json")
    assert said in err
    assert doc["stage"] == "config" and doc["failed"]["op"] == "config"
    assert doc["failed"]["resource"] == str(cfg) and doc["failed"]["message"] in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--image", "nope"], "--image: 'nope' is not an image reference"),
        (["--env", "staging", "--image", IMAGE], "--env staging"),
    ],
)
def test_an_argument_refused_before_any_aws_call_writes_the_summary(
    project: Path, capsys: Any, args: list[str], said: str
) -> None:
    argv = ["--config", str(project / "config.yaml"), "apply", *args]
    err, doc = _refused(capsys, argv, project / "summary.json")
    assert said in err and doc["stage"] == "arguments" and doc["failed"]["op"] == "arguments"


def _interrupting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every session the CLI makes is Ctrl-C'd once at each botocore event put in the list
    returned."""
    armed: list[str] = []

    def ctrl_c(event_name: str = "", **_: object) -> None:
        if event_name in armed:
            armed.remove(event_name)
            raise KeyboardInterrupt

    on_every_session(monkeypatch, ("before-call", ctrl_c), ("after-call", ctrl_c))
    return armed


def _ctrl_c_in_turn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """As `_interrupting`, but the events put in the list returned are met in turn (each one
    armed once the one before it fired), and ``…s3.DeleteObject:lock`` is only the stack
    lock's DeleteObject (the destroy's own, in its bucket's deletion, or the release's)."""
    armed: list[str] = []

    def mark(params: dict[str, Any], context: dict[str, Any], **_: object) -> None:
        context["stack_lock"] = params.get("Key") == lock.KEY

    def ctrl_c(event_name: str = "", context: Any = None, **_: object) -> None:
        lock_key = ":lock" if (context or {}).get("stack_lock") else ""
        if armed and armed[0] in (event_name, event_name + lock_key):
            armed.pop(0)
            raise KeyboardInterrupt

    on_every_session(
        monkeypatch,
        ("provide-client-params.s3.DeleteObject", mark),
        ("before-call", ctrl_c),
        ("after-call", ctrl_c),
    )
    return armed


IN_RELEASE = "before-call.s3.DeleteObject:lock"  # Ctrl-C in the release, its call not sent


def _deployed(project: Path, capsys: Any) -> list[str]:
    """``apply --image IMAGE2`` of a stack deployed with IMAGE: argv (its lock is taken)."""
    cfg = str(project / "config.yaml")
    image_in_ecr(project, IMAGE)  # as `deploy image` and a push leave them, before apply
    image_in_ecr(project, IMAGE2)
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 0
    capsys.readouterr()
    return ["--config", cfg, "apply", "--image", IMAGE2]


def _interrupted(capsys: Any, argv: list[str], summary: Path) -> tuple[str, dict[str, Any]]:
    assert main([*argv, "--summary-json", str(summary)]) == 130
    err = capsys.readouterr().err
    assert err.startswith("error: interrupted ") and "Traceback" not in err, err
    doc = json.loads(summary.read_text())
    assert doc["status"] == "failed" and doc["stage"] == "interrupted"
    assert doc["error"] == err.removeprefix("error: ").rstrip()
    assert doc["failed"]["kind"] == "interrupted"
    return err, doc


def test_ctrl_c_in_a_step_writes_the_summary_with_the_step_and_the_released_lock(
    project: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    armed = _interrupting(monkeypatch)
    argv = _deployed(project, capsys)
    armed.append("after-call.sagemaker.CreateModel")
    err, doc = _interrupted(capsys, argv, project / "summary.json")
    assert "during sagemaker:CreateModel" in err
    assert "The stack's lock was released" in err and "--force-unlock" not in err
    assert doc["lock"] == "released"
    assert doc["failed"]["resource"].startswith("sagemaker_model trends-anomaly-m-")


def test_ctrl_c_outside_the_steps_says_what_was_in_progress(
    project: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the reads before the plan (no step of it running): said, not a bare 'interrupted'."""
    armed = _interrupting(monkeypatch)
    argv = _deployed(project, capsys)
    armed.append("before-call.lambda.GetFunction")
    err, doc = _interrupted(capsys, argv, project / "summary.json")
    assert "while reading what exists, before any change" in err
    assert "The stack's lock was released" in err
    assert doc["lock"] == "released" and doc["changes"] == []
    assert doc["failed"]["op"] == "read"


def test_a_second_ctrl_c_in_the_locks_release_says_it_held_with_the_exact_command(
    project: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in a step, then again while the lock is released: the lock may still be held, and
    the command said (this one, with --force-unlock) releases it and resumes the apply."""
    armed = _interrupting(monkeypatch)
    argv = _deployed(project, capsys)
    armed += ["after-call.sagemaker.CreateModel", "before-call.s3.DeleteObject"]
    summary = project / "summary.json"
    err, doc = _interrupted(capsys, argv, summary)
    assert "during sagemaker:CreateModel" in err and "may still be held" in err
    assert doc["lock"] == "held" and lock.KEY in doc["error"]
    (command,) = [part for part in err.split("`") if part.endswith("--force-unlock")]
    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "deploy"] and words[-1] == "--force-unlock"
    assert words[3:-1] == [*argv, "--summary-json", str(summary)]
    assert main(words[3:]) == 0  # the command said: the lock released, the apply resumed
    assert "--force-unlock: removing the lock of apply" in capsys.readouterr().out


def test_ctrl_c_in_the_reads_then_a_refused_release_says_where_it_was_interrupted(
    project: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C before the plan, then the credentials lapse in the lock's release: the apply was
    interrupted in its reads (not 'while releasing the lock, after the apply ended'), and the
    lock is held, with the command that releases it."""
    from tests.support.lapse import token_gone

    armed = _interrupting(monkeypatch)
    argv = _deployed(project, capsys)
    armed.append("before-call.lambda.GetFunction")

    def release(*_: Any) -> None:
        raise token_gone()

    monkeypatch.setattr("deploy.cli.lock.release", release)
    err, doc = _interrupted(capsys, argv, project / "summary.json")
    assert "while reading what exists, before any change" in err, err
    assert "while releasing" not in err and "after the apply ended" not in err, err
    assert doc["lock"] == "held" and "--force-unlock" in err


def test_ctrl_c_in_the_first_call_writes_the_summary_without_calling_aws_again(
    project: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in sts:GetCallerIdentity (AWS not answering, say): the summary says so without
    asking the account again: that call would hang the same way, and a second Ctrl-C there
    lost the error and the summary both."""
    armed = _interrupting(monkeypatch)
    argv = _deployed(project, capsys)
    armed += ["before-call.sts.GetCallerIdentity"] * 2
    err, doc = _interrupted(capsys, argv, project / "summary.json")
    assert "while taking the stack's lock" in err, err
    assert doc["lock"] == "none" and doc["endpoint_name"] is None
    assert armed == ["before-call.sts.GetCallerIdentity"], "no second call"


def test_ctrl_c_in_the_release_after_every_change_landed_keeps_the_applied_summary(
    project: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every change landed, then Ctrl-C in the lock's release (its DeleteObject not sent): the
    summary stays the applied one (what AWS now runs), the lock held and how to release it in
    ``lock_note``, as when the release is refused. It said the apply failed, interrupted at
    the endpoint's status read, which had been done."""
    armed = _ctrl_c_in_turn(monkeypatch)
    argv = _deployed(project, capsys)
    armed.append(IN_RELEASE)
    summary = project / "summary.json"
    assert main([*argv, "--summary-json", str(summary)]) == 130
    out, err = capsys.readouterr()
    assert not armed and "Traceback" not in err, err
    assert "Applied " in out
    assert err.startswith("error: interrupted while releasing the stack's lock, after the apply")
    doc = json.loads(summary.read_text())
    assert doc["status"] == "applied" and "error" not in doc and "failed" not in doc, doc
    assert doc["changes"] and doc["endpoint_name"] == "trends-anomaly"
    assert doc["lock"] == "held" and "--force-unlock" in doc["lock_note"]
    assert doc["lock_note"] == err.removeprefix("error: ").rstrip()
    assert doc["lock_release"] == "interrupted"  # may be held: the job summary says so


def test_ctrl_c_once_the_lock_is_written_removes_it_and_the_next_apply_needs_no_unlock(
    project: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after S3 wrote this run's lock, before the run knew it held it (the answer being
    read): the lock stayed, and the next apply stopped at 'stack locked' by this very run until
    someone ran --force-unlock (seen in the operator pass, SIGINT after the lock's PutObject).
    The run removes the lock it wrote (only its own: the holder it wrote, by ETag)."""
    armed = _interrupting(monkeypatch)
    argv = _deployed(project, capsys)
    armed.append("after-call.s3.PutObject")
    err, doc = _interrupted(capsys, argv, project / "summary.json")
    assert "while taking the stack's lock" in err and doc["lock"] == "none", err
    assert lock.read(_aws(), _bucket()) is None, "the lock it wrote is gone"
    assert "removed" in err and "--force-unlock" not in err, err
    assert main(argv) == 0, capsys.readouterr()


def _aws() -> Any:
    from deploy.aws import Aws

    return Aws("us-east-1", session())


def _bucket() -> str:
    return "trends-anomaly-site-123456789012-us-east-1"


def _numbered(out: str, kind: str) -> tuple[int, int]:
    """The ``[k/n]`` of the apply's step on a resource of ``kind`` (its line on stdout)."""
    (line,) = [ln for ln in out.splitlines() if ln.startswith("[") and f"] create {kind} " in ln]
    k, n = line[1 : line.index("]")].split("/")
    return int(k), int(n)


@pytest.mark.usefixtures("image_pushed")
def test_a_step_refused_midway_says_which_steps_were_done_and_which_not_started(
    project: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CloudFront refusing CreateDistributionWithTags in a first apply (rehearsed as a real
    process): the error named the step and AWS's words, nothing of the twelve changes made
    before it nor of those never started; an operator had to count the progress lines. The
    error (and --summary-json's, the same words) now says both, by their [k/n] numbers."""
    from tests.support.refusals import refuse

    refuse(monkeypatch, "cloudfront", "CreateDistributionWithTags", "AccessDenied", "denied")
    summary = project / "summary.json"
    argv = ["--config", str(project / "config.yaml"), "apply", "--image", IMAGE]
    assert main([*argv, "--summary-json", str(summary)]) == 1
    out, err = capsys.readouterr()
    k, n = _numbered(out, "cloudfront_distribution")
    assert 1 < k < n, (k, n)
    doc = json.loads(summary.read_text())
    assert len([c for c in doc["changes"] if c["op"] != "wait"]) == k - 1
    said = f"Before it: [1/{n}] to [{k - 1}/{n}] done; [{k + 1}/{n}] to [{n}/{n}] not started."
    assert said in err.splitlines(), err
    assert doc["error"] == err.removeprefix("error: ").rstrip()


def test_an_interrupt_midway_says_which_steps_were_done_and_which_not_started(
    project: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same for Ctrl-C or SIGTERM: the message named the step it stopped at only."""
    armed = _interrupting(monkeypatch)
    argv = _deployed(project, capsys)
    armed.append("after-call.sagemaker.CreateModel")
    summary = project / "summary.json"
    assert main([*argv, "--summary-json", str(summary)]) == 130
    out, err = capsys.readouterr()
    k, n = _numbered(out, "sagemaker_model")
    done = f"[1/{n}] to [{k - 1}/{n}] done" if k > 1 else "nothing done"
    said = f"Before it: {done}; [{k + 1}/{n}] to [{n}/{n}] not started."
    assert said in err.splitlines(), err
    assert json.loads(summary.read_text())["error"] == err.removeprefix("error: ").rstrip()
