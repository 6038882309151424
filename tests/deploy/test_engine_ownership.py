"""Destroy deletes only what this project made: a resource found by the stack's names that
does not carry its ``project`` tag (made by hand or by other tooling) is left, and said so.
Against the moto server, through the CLI as an operator runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy.cli import main
from deploy.resources import iam
from tests.deploy.deploy_helpers import PROJECT, session

pytestmark = pytest.mark.usefixtures("aws_env")
ROLE = f"{PROJECT}-sagemaker"
TRUST = iam.service_trust("sagemaker.amazonaws.com")


def _hand_made_role(path: str = "/elsewhere/") -> str:
    """A role someone made by hand with the stack's role name, no tags; its ARN."""
    iam_client = session().client("iam")
    made = iam_client.create_role(
        RoleName=ROLE, Path=path, AssumeRolePolicyDocument=json.dumps(TRUST)
    )
    return made["Role"]["Arn"]


def _role_exists() -> bool:
    iam_client = session().client("iam")
    try:
        iam_client.get_role(RoleName=ROLE)
    except iam_client.exceptions.NoSuchEntityException:
        return False
    return True


def test_a_hand_made_role_with_the_stacks_name_is_not_destroyed(project: Path, capsys) -> None:
    """The plan said "run `destroy --yes`, then `apply`" of an untagged role at another path,
    and destroy then deleted it: a role this project never made."""
    arn = _hand_made_role()
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    assert main(["--config", cfg, "plan"]) == 2  # changes, one a stop
    said = " ".join(capsys.readouterr().out.split())
    assert "IAM cannot change a role's path: run `destroy --yes`" not in said, said
    for words in (
        f"IAM role {ROLE} ({arn}, path /elsewhere/) was not created by this project",
        "IAM role names are unique in an account whatever the path",
        "give this stack other names (`project:`, or the environment's name",
        f"aws iam tag-role --role-name {ROLE} --tags Key=project,Value={PROJECT}",
    ):
        assert words in said, said
    summary = project / "destroy.json"
    assert main(["--config", cfg, "destroy", "--yes", "--summary-json", str(summary)]) == 1
    said = capsys.readouterr()
    out = " ".join(said.out.split())
    assert _role_exists(), "destroy deleted a role this project did not create"
    assert said.err.startswith("error: 1 resource(s) with this stack's names were left"), said
    assert f"delete iam_role {ROLE}" not in out, out
    assert f"Kept IAM role {ROLE} ({arn}): it does not carry this project's tag" in out, out
    written = json.loads(summary.read_text())
    assert any(ROLE in line for line in written["kept"]), written
