"""The note a lock that credentials could not release leaves (cli._locked): the command it
advises must be one the CLI accepts. `previews sweep` takes the lock too but has no
--force-unlock, so "the same command with --force-unlock" would be refused by argparse."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import botocore.exceptions
import pytest

from deploy import cli
from deploy.aws import DeployError
from deploy.failures import Failure, Progress
from deploy.plan import Action

# Each command that holds the lock, as it was run (the sweep needs one of its two options).
RUN = {
    "apply": ["apply", "--env", "pr-7"],
    "destroy": ["destroy", "--env", "pr-7", "--yes"],
    "previews sweep": ["previews", "sweep", "--open-prs", "1", "--yes"],
}


def _stand_in_engine() -> Any:
    """What cmd_apply reads of an engine whose names are the production stack's: no AWS."""
    names = SimpleNamespace(bucket="trends-anomaly-site", env=None, endpoint="trends-anomaly")
    return SimpleNamespace(
        names=names,
        known_names=names,
        aws=None,
        log=print,
        progress=None,
        check_owner_before_lock=lambda: None,
        check_sources=lambda: None,
        image=None,  # no --image: apply builds model/
    )


def _expired(*_: Any, **__: Any) -> None:
    error = {"Error": {"Code": "ExpiredToken", "Message": "The security token is expired"}}
    raise botocore.exceptions.ClientError(error, "DeleteObject")  # type: ignore[arg-type]


def _release_unreachable(monkeypatch: pytest.MonkeyPatch, eng: Any, apply: Any) -> None:
    """``cmd_apply`` runs ``apply`` on ``eng`` under a lock whose release cannot reach S3."""

    def unreachable(*_: Any, **__: Any) -> None:
        raise botocore.exceptions.EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")

    monkeypatch.setattr(cli, "_engine", lambda _args: eng)
    monkeypatch.setattr(cli, "_apply", apply)
    monkeypatch.setattr(cli.lock, "take", lambda *_, **__: True)
    monkeypatch.setattr(cli.lock, "release", unreachable)


def _advised(said: str, command: str) -> list[list[str]]:
    """The command lines the note says to run to release the lock."""
    named = re.findall(r"`python -m deploy ([^`]+)`", said)
    if named:
        return [line.split() for line in named]
    assert "the same command with --force-unlock" in said, said
    return [[*RUN[command], "--force-unlock"]]


@pytest.mark.parametrize("command", sorted(RUN))
def test_the_held_lock_note_advises_a_command_the_cli_accepts(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.lock, "take", lambda *_, **__: True)
    monkeypatch.setattr(cli.lock, "release", _expired)
    names = SimpleNamespace(bucket="trends-anomaly-pr-7-site", env="pr-7")
    eng: Any = SimpleNamespace(names=names, aws=None, log=print, image=None)
    with pytest.raises(DeployError) as ended, cli._locked(eng, command, False):
        pass
    for argv in _advised(str(ended.value), command):
        assert "--force-unlock" in argv
        args = cli.build_parser().parse_args(argv)  # argparse exits 2 on a flag it lacks
        assert args.force_unlock and args.env == "pr-7"


def test_a_failed_apply_writes_its_summary_even_when_the_lock_release_fails_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step fails, then the release fails for another reason than credentials (the network
    gone for both): the release's error goes up, not swallowed, and --summary-json still says
    the step, as before the summary moved after the release (the job summary else said only
    that it could not read the file)."""
    progress = Progress()
    action = Action("create", "site_object", "c.html", "does not exist", ())
    eng = _stand_in_engine()

    def failing(_args: Any, engine: Any, _path: Any, _stage: Any) -> dict[str, Any]:
        engine.progress = progress
        progress.failed = Failure(action, "s3:PutObject", "", "no answer from AWS", "again")
        raise DeployError("create site_object c.html: s3:PutObject got no answer from AWS")

    _release_unreachable(monkeypatch, eng, failing)
    path = tmp_path / "summary.json"
    args = argparse.Namespace(summary_json=str(path), force_unlock=False)
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        cli.cmd_apply(args)
    summary = json.loads(path.read_text())
    assert summary["failed"]["step"] == "s3:PutObject" and summary["lock"] == "held"
    assert summary["error"].startswith("create site_object c.html: s3:PutObject got no answer")
    assert "Then the lock's release failed: Could not connect" in summary["error"]


def test_an_applied_summary_stays_when_the_lock_release_fails_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everything applied and its summary written, then the release unreachable: the error
    goes up and the summary stays the applied one (no step failed), the lock said held."""
    eng = _stand_in_engine()
    path = tmp_path / "summary.json"

    def applied(_args: Any, engine: Any, summary_path: Path, _stage: Any) -> dict[str, Any]:
        engine.progress = Progress()
        summary = {"changes": [], "endpoint_name": "trends-anomaly"}
        summary_path.write_text(json.dumps(summary))
        return summary

    _release_unreachable(monkeypatch, eng, applied)
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        cli.cmd_apply(argparse.Namespace(summary_json=str(path), force_unlock=False))
    summary = json.loads(path.read_text())
    assert "error" not in summary and summary["lock"] == "held"
    assert "Could not connect" in summary["lock_note"]
