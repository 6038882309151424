"""The note a lock that credentials could not release leaves (cli._locked): the command it
advises must be one the CLI accepts. `previews sweep` takes the lock too but has no
--force-unlock, so "the same command with --force-unlock" would be refused by argparse."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import botocore.exceptions
import pytest

from deploy import cli
from deploy.aws import DeployError

# Each command that holds the lock, as it was run (the sweep needs one of its two options).
RUN = {
    "apply": ["apply", "--env", "pr-7"],
    "destroy": ["destroy", "--env", "pr-7", "--yes"],
    "previews sweep": ["previews", "sweep", "--open-prs", "1", "--yes"],
}


def _expired(*_: Any, **__: Any) -> None:
    error = {"Error": {"Code": "ExpiredToken", "Message": "The security token is expired"}}
    raise botocore.exceptions.ClientError(error, "DeleteObject")  # type: ignore[arg-type]


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
    eng: Any = SimpleNamespace(names=names, aws=None, log=print)
    with pytest.raises(DeployError) as ended, cli._locked(eng, command, False):
        pass
    for argv in _advised(str(ended.value), command):
        assert "--force-unlock" in argv
        args = cli.build_parser().parse_args(argv)  # argparse exits 2 on a flag it lacks
        assert args.force_unlock and args.env == "pr-7"
