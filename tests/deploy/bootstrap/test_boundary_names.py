"""Two projects whose stacks have the same name (project ``trends`` with environment
``anomaly``, and a project ``trends-anomaly``): each stack's role boundary is
``{stack}-role-boundary`` under the project's own path, so the two boundaries have one name.

IAM keeps them apart in what they grant (each deploy role may give its roles only a boundary
under its own project's path: `test_neither_deploy_role_may_use_the_others_boundary`), but
not in their names: "IAM user, group, role, and policy names must be unique within the
account" (IAM API Reference, CreatePolicy, PolicyName), whatever the path. The second
bootstrap's CreatePolicy was refused and bootstrap said the policy "appeared after the plan
was made … run the command again", which fails the same way every time. It now refuses before
any change, naming the policy that has the name and what to rename."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.bootstrap import policies
from deploy.bootstrap.cli import main
from tests.support.iam_eval import allowed

ACCOUNT = "123456789012"


def _config(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _bootstrap(config: str, repo_id: str) -> list[str]:
    ids = ["--owner-id", "1", "--repo-id", repo_id]
    return ["--config", config, "--github-repo", f"octo/r{repo_id}", *ids]


@pytest.mark.usefixtures("iam")
def test_a_boundary_name_another_project_has_is_refused_before_any_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], iam: object
) -> None:
    first = _config(tmp_path, "first.yaml", "project: trends-anomaly\nregion: eu-west-1\n")
    assert main(_bootstrap(first, "2")) == 0
    capsys.readouterr()
    second = _config(
        tmp_path,
        "second.yaml",
        "project: trends\nregion: eu-west-1\nenvironments:\n  anomaly: {}\n",
    )
    assert main(_bootstrap(second, "3")) == 1
    err = " ".join(capsys.readouterr().err.split())
    theirs = f"arn:aws:iam::{ACCOUNT}:policy/trends-anomaly/trends-anomaly-role-boundary"
    assert theirs in err, err
    assert "run the command again" not in err, err
    assert "Nothing was changed" in err, err
    local = iam.list_policies(Scope="Local")["Policies"]  # type: ignore[attr-defined]
    assert not [p["Arn"] for p in local if p["Path"] == "/trends/"], local
    roles = iam.list_roles()["Roles"]  # type: ignore[attr-defined]
    assert not [r["RoleName"] for r in roles if r["RoleName"].startswith("trends-github")]


def test_neither_deploy_role_may_use_the_others_boundary() -> None:
    """The deploy role's boundary condition is ``policy/{project}/*-role-boundary``: a project
    name has no ``/`` (config.py, PROJECT_RE), so ``trends``'s never reaches
    ``policy/trends-anomaly/…``, and the other way round."""
    ours = policies.Target("trends", "us-east-1", ACCOUNT, "octo/a", environments=("anomaly",))
    theirs = policies.Target("trends-anomaly", "us-east-1", ACCOUNT, "octo/b")
    role = f"arn:aws:iam::{ACCOUNT}:role/{{}}/trends-anomaly-sagemaker"
    for me, other in ((ours, theirs), (theirs, ours)):
        deploy = policies.deploy_permissions_policy(me)
        arn = role.format(me.project)
        (mine,) = policies.role_boundary_specs(me)
        (not_mine,) = policies.role_boundary_specs(other)
        for boundary, may in ((mine.arn, True), (not_mine.arn, False)):
            context = {"iam:PermissionsBoundary": boundary}
            assert allowed(deploy, "iam:CreateRole", arn, context) is may, (me.project, boundary)
