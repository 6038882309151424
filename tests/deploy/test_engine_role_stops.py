"""A stack's own service role that only a human may fix (at another path, which IAM cannot
change; a managed policy attached by hand, which the deploy role may not detach) stops plan
and apply before any change, with what to do: not at the role's step of the apply, after the
actions before it (the other role, say) had run, leaving a half-applied stack.
Against the moto server, through the CLI as an operator runs it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from deploy.cli import main
from deploy.resources import iam
from tests.deploy.deploy_helpers import ENVIRONMENTS, IMAGE, PROJECT, inventory, session

pytestmark = pytest.mark.usefixtures("aws_env")
# The stack's second role: the plan creates the first (the SageMaker one) before it.
ROLE = f"{PROJECT}-lambda"
TAGS = [{"Key": "project", "Value": PROJECT}]  # this project's: not stopped as another's
EXTRA = "arn:aws:iam::123456789012:policy/extra"


def _role(name: str, path: str = f"/{PROJECT}/", tags: list[dict[str, str]] = TAGS) -> None:
    session().client("iam").create_role(
        RoleName=name,
        Path=path,
        Tags=tags,
        AssumeRolePolicyDocument=json.dumps(iam.lambda_trust()),
    )


def _at_another_path(role: str) -> None:
    _role(role, path="/elsewhere/")


def _with_a_managed_policy(role: str) -> None:
    _role(role)
    client = session().client("iam")
    policy = iam.document({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    client.create_policy(PolicyName="extra", PolicyDocument=json.dumps(policy))
    client.attach_role_policy(RoleName=role, PolicyArn=EXTRA)


def _not_made_here(role: str) -> None:
    """The stack's role name and path, made outside this project (no ``project`` tag)."""
    _role(role, tags=[])


# stop kind: (the role of that name as a human left it, the stop's words of that role)
STOPS: dict[str, tuple[Callable[[str], None], Callable[[str], str]]] = {
    "path": (
        _at_another_path,
        lambda role: (
            f"IAM role {role}: path is /elsewhere/, /{PROJECT}/ wanted, and IAM cannot change "
            "a role's path: run `destroy --yes`, then `apply`"
        ),
    ),
    "attached": (
        _with_a_managed_policy,
        lambda role: (
            f"IAM role {role}: managed policies attached outside config.yaml: {EXTRA}. Detach "
            f"them (aws iam detach-role-policy --role-name {role} --policy-arn ARN), then run "
            "the command again"
        ),
    ),
    "unowned": (
        _not_made_here,
        lambda role: (
            f"IAM role {role} (arn:aws:iam::123456789012:role/{PROJECT}/{role}, path "
            f"/{PROJECT}/) was not created by this project: it does not carry this project's "
            f"tag (project={PROJECT}), so it was made by hand or by other tooling (adopt it: "
            f"`aws iam tag-role --role-name {role} --tags Key=project,Value={PROJECT}`)"
        ),
    ),
}


@pytest.mark.parametrize("kind", sorted(STOPS))
def test_a_role_stop_comes_before_any_change(
    project: Path, capsys, image_pushed: None, kind: str
) -> None:
    """Seen before: plan exited 2 showing the stop as a step among the creates, and apply
    created the SageMaker role, then stopped at the Lambda role's step."""
    make, words = STOPS[kind]
    make(ROLE)
    before = inventory()
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    for argv in (["plan"], ["apply"]):
        code = main(["--config", cfg, *argv, "--image", IMAGE])
        said = capsys.readouterr()
        err = " ".join(said.err.split())
        assert code == 1, (argv, said)
        assert words(ROLE) in err, (argv, err)
        assert "Nothing was changed" in err, (argv, err)
    assert inventory() == before, "the stopped apply changed the stack"


@pytest.mark.parametrize("kind", sorted(STOPS))
@pytest.mark.parametrize("command", ["image", "apply"])
def test_an_environments_role_stop_comes_before_its_image(
    project: Path, capsys, kind: str, command: str
) -> None:
    """An environment's apply, and `deploy image`, make sure of the model image before the
    plan (its repository created when missing, the image pushed): a stop on the stack's
    roles comes before that too, as a role serving another region does (`check_roles`).
    Seen before: `image` exited 0 and `apply` 1, both having created the repository."""
    make, words = STOPS[kind]
    cfg = project / "config.yaml"
    cfg.write_text(cfg.read_text() + ENVIRONMENTS)
    staging = f"{PROJECT}-staging-lambda"
    make(staging)
    before = inventory()
    capsys.readouterr()
    code = main(["--config", str(cfg), command, "--env", "staging", "--image", IMAGE])
    said = capsys.readouterr()
    err = " ".join(said.err.split())
    assert code == 1, said
    assert words(staging) in err, err
    assert inventory() == before, "the stopped run changed the account"


def test_destroy_stops_on_a_managed_policy_with_the_role_as_it_was(project: Path, capsys) -> None:
    """Destroy cannot delete a role with a managed policy attached by hand (the deploy role
    may not detach it): it stops on it before deleting anything of that role. Seen before:
    DeleteRolePolicy ran first, leaving the role without its inline policy."""
    _with_a_managed_policy(ROLE)
    client = session().client("iam")
    policy = iam.document({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    inline = f"{PROJECT}-least-privilege"
    client.put_role_policy(RoleName=ROLE, PolicyName=inline, PolicyDocument=json.dumps(policy))
    capsys.readouterr()
    code = main(["--config", str(project / "config.yaml"), "destroy", "--yes"])
    said = capsys.readouterr()
    err = " ".join(said.err.split())
    assert code == 1, said
    assert STOPS["attached"][1](ROLE) in err, err
    assert client.list_role_policies(RoleName=ROLE)["PolicyNames"] == [inline]
    attached = client.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [EXTRA]
