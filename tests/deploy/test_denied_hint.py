"""An apply step AWS refuses (AccessDenied) ends with AWS's message, then what to do: that
read "... is not authorized to perform: iam:CreateRole. the credentials may not make this
call: ... locally, use credentials that may", a sentence begun in lowercase after AWS's full
stop and one left unfinished. Both read as sentences now (moto server, end to end)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.aws_errors import HINTS, ErrorKind
from deploy.cli import main
from tests.deploy.deploy_helpers import IMAGE
from tests.support.refusals import refuse

pytestmark = pytest.mark.usefixtures("aws_env", "image_pushed")
DENIED = (
    "User: arn:aws:sts::123456789012:assumed-role/d/x is not authorized to perform: "
    "iam:CreateRole on resource: role trends-anomaly-sagemaker"
)


def test_a_refused_step_says_what_to_do_in_whole_sentences(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse(monkeypatch, "iam", "CreateRole", "AccessDenied", DENIED)
    capsys.readouterr()
    assert main(["--config", str(project / "config.yaml"), "apply", "--image", IMAGE]) == 1
    (line,) = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")]
    assert f"AWS said AccessDenied: {DENIED}. The credentials may not make this call" in line, line
    assert ". the " not in line, line
    assert not line.endswith("that may"), line
    assert HINTS[ErrorKind.DENIED].endswith("use credentials allowed to make it")
