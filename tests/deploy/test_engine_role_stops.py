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
from deploy.engine import Engine
from deploy.resources import iam
from tests.deploy.deploy_helpers import (
    ENVIRONMENTS,
    IMAGE,
    PROJECT,
    inventory,
    on_every_session,
    session,
)

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
            f"/{PROJECT}/) does not carry this project's tag (project={PROJECT}): it was "
            "made by hand or by other tooling, or that tag was removed since (adopt it: "
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


def _deployed_with_a_managed_policy(project: Path, role: str) -> str:
    """The whole stack applied, then a managed policy attached by hand to ``role``."""
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "apply", "--image", IMAGE]) == 0
    client = session().client("iam")
    policy = iam.document({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    client.create_policy(PolicyName="extra", PolicyDocument=json.dumps(policy))
    client.attach_role_policy(RoleName=role, PolicyArn=EXTRA)
    return cfg


def test_destroys_stop_seen_when_it_reads_comes_before_any_deletion(
    project: Path, capsys, image_pushed: None, tmp_path: Path
) -> None:
    """A deployed stack whose SageMaker role has a managed policy attached by hand: destroy
    (without --yes too) says the stop as apply does, and deletes nothing. Seen before:
    `destroy --yes` deleted the other 17 resources (the endpoint, the bucket and the site
    with them), then exited 1 at that role."""
    role = f"{PROJECT}-sagemaker"
    cfg = _deployed_with_a_managed_policy(project, role)
    before = inventory()
    summary = tmp_path / "summary.json"
    capsys.readouterr()
    for more in ([], ["--yes", "--summary-json", str(summary)]):
        code = main(["--config", cfg, "destroy", *more])
        said = capsys.readouterr()
        err = " ".join(said.err.split())
        assert code == 1, (more, said)
        assert STOPS["attached"][1](role) in err, (more, err)
        assert "Nothing was changed" in err, (more, err)
        assert inventory() == before, f"destroy {more} changed the stack"
    written = json.loads(summary.read_text())
    assert (written["status"], written["removed"]) == ("failed", []), written
    assert STOPS["attached"][1](role) in " ".join(written["error"].split()), written


def test_destroys_stop_attached_before_its_lock_comes_before_any_deletion(
    project: Path, capsys, image_pushed: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The policy attached after destroy's first read, before it holds the stack's lock:
    the read under the lock, before the deletions, stops on it as the first one would.
    --summary-json names the stage as apply's does for its own stop under its lock (its
    read, not "its deletions": nothing was deleted). Seen before: stage "actions", failed
    at "its deletions, in destroy order"."""
    role = f"{PROJECT}-sagemaker"
    cfg = _deployed_with_a_managed_policy(project, role)
    client = session().client("iam")
    client.detach_role_policy(RoleName=role, PolicyArn=EXTRA)
    before = inventory()
    read = Engine.destroy_plan
    reads: list[int] = []

    def attached_after_the_first(self: Engine, *args, **kwargs):  # type: ignore[no-untyped-def]
        got = read(self, *args, **kwargs)
        if not reads:
            client.attach_role_policy(RoleName=role, PolicyArn=EXTRA)
        reads.append(1)
        return got

    monkeypatch.setattr(Engine, "destroy_plan", attached_after_the_first)
    capsys.readouterr()
    summary = tmp_path / "destroy.json"
    code = main(["--config", cfg, "destroy", "--yes", "--summary-json", str(summary)])
    said = capsys.readouterr()
    err = " ".join(said.err.split())
    assert code == 1, said
    assert len(reads) == 2, "destroy read what exists once more under its lock"
    assert STOPS["attached"][1](role) in err, err
    assert "Nothing was changed" in err, err
    assert inventory() == before, "the stopped destroy changed the stack"
    written = json.loads(summary.read_text())
    assert (written["status"], written["removed"]) == ("failed", []), written
    # apply, the policy still attached, stops at its own read under its lock
    applied = tmp_path / "apply.json"
    code = main(["--config", cfg, "apply", "--image", IMAGE, "--summary-json", str(applied)])
    assert code == 1, capsys.readouterr()
    theirs = json.loads(applied.read_text())
    assert (theirs["stage"], theirs["failed"]["step"]) == (
        "reads",
        "reading what exists, before any change",
    ), theirs
    assert (written["stage"], written["failed"]) == (theirs["stage"], theirs["failed"]), written


def test_a_managed_policy_attached_while_destroy_runs_leaves_its_role_whole(
    project: Path, capsys, image_pushed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attached once destroy's deletions started (its endpoint takes minutes to go first): the
    role's check right before its deletes (iam:ListAttachedRolePolicies) stops on it, the role
    kept with its inline policy; destroy goes on past it with every other resource."""
    role = f"{PROJECT}-sagemaker"
    cfg = _deployed_with_a_managed_policy(project, role)
    client = session().client("iam")
    client.detach_role_policy(RoleName=role, PolicyArn=EXTRA)
    inline = client.list_role_policies(RoleName=role)["PolicyNames"]

    def attach(**_: object) -> None:
        client.attach_role_policy(RoleName=role, PolicyArn=EXTRA)

    on_every_session(monkeypatch, ("after-call.sagemaker.DeleteEndpoint", attach))
    capsys.readouterr()
    code = main(["--config", cfg, "destroy", "--yes"])
    said = capsys.readouterr()
    err = " ".join(said.err.split())
    assert code == 1, said
    assert STOPS["attached"][1](role) in err, err
    assert "Nothing was changed" not in err, err
    assert inventory()["iam_roles"] == [role]
    assert client.list_role_policies(RoleName=role)["PolicyNames"] == inline
