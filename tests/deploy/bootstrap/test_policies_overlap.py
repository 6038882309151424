"""Two projects in one account whose names overlap, as the roles' policies see it.

What IAM globs reach: the preview and plan roles are granted every ``{project}-pr-*`` name (an
IAM glob cannot say "a pull-request number"), so config.yaml refuses any other project's or
environment's names that start so (`naming.previews_owner`, `naming.env_in_previews_of`).
Nothing else is granted by a ``{project}-…`` glob: each configured stack by its exact names.

What no policy can tell apart: project ``app`` with environment ``staging`` and a project
named ``app-staging`` have the same exact names, so each one's deploy role is granted the
other's (the engine refuses by the ``project`` tag: stacks.names_taken). Their service roles'
ARNs differ by path (``/{project}/``), so neither deploy role is granted the other's; their
names still collide, as IAM's role names are unique in an account whatever the path.
"""

from __future__ import annotations

import pytest

from deploy.bootstrap import policies
from deploy.config import ConfigError, parse_config_file
from tests.support.iam_eval import allowed

ACCOUNT = "123456789012"
REGION = "us-east-1"
FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function"
SM = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
ROLE = f"arn:aws:iam::{ACCOUNT}:role"


def _target(project: str, *environments: str, previews: bool = False) -> policies.Target:
    return policies.Target(
        project, REGION, ACCOUNT, "octo/x", environments=environments, previews=previews
    )


@pytest.mark.parametrize(
    ("other_stack", "refused"),
    [
        ("ab-pr-x", {"project": "ab-pr-x"}),  # another project named so
        ("ab-pr", {"project": "ab-pr"}),
        ("ab-pr-x-prod", {"project": "ab-pr-x", "environments": {"prod": {}}}),
        ("ab-x-pr-7", {"project": "ab", "environments": {"x-pr-7": {}}}),  # another's env
    ],
)
def test_what_the_previews_glob_reaches_config_yaml_refuses(other_stack, refused) -> None:
    """Why `ab-pr-x` is refused though it is no preview's name: project ``ab``'s preview role
    may delete its function and endpoint all the same (``ab-pr-*``)."""
    owner = other_stack.split("-pr", 1)[0]
    preview = policies.preview_permissions_policy(_target(owner, previews=True))
    assert allowed(preview, "lambda:DeleteFunction", f"{FN}:{other_stack}-detect")
    if other_stack.startswith(f"{owner}-pr-"):  # ``ab-pr``'s endpoint is not ``ab-pr-…``
        assert allowed(preview, "sagemaker:DeleteEndpoint", f"{SM}:endpoint/{other_stack}")
    with pytest.raises(ConfigError, match="`-pr-`"):
        parse_config_file(refused)


def test_no_other_project_is_reached_by_a_glob_of_the_project() -> None:
    """``app``'s roles (environments staging and prod, previews) and project ``app-x``'s
    names: nothing of ``app-x`` is granted, ``app-x``'s own previews included."""
    t = _target("app", "staging", "prod", previews=True)
    roles = [
        policies.deploy_permissions_policy(t),
        policies.plan_permissions_policy(t),
        policies.preview_permissions_policy(t),
    ]
    for stack in ("app-x", "app-x-staging", "app-x-pr-7"):
        for policy in roles:
            assert not allowed(policy, "lambda:GetFunction", f"{FN}:{stack}-detect")
            assert not allowed(policy, "sagemaker:DescribeEndpoint", f"{SM}:endpoint/{stack}")


def test_equal_exact_names_are_granted_to_both_projects_but_their_roles_differ_by_path() -> None:
    """The overlap no name rule can close without renaming what is deployed: ``app`` with
    `staging` is granted ``app-staging``'s function and endpoint (the same names); its
    service roles are ``/app/…``, the other project's ``/app-staging/…``."""
    deploy = policies.deploy_permissions_policy(_target("app", "staging"))
    assert allowed(deploy, "lambda:DeleteFunction", f"{FN}:app-staging-detect")
    assert allowed(deploy, "sagemaker:DeleteEndpoint", f"{SM}:endpoint/app-staging")
    assert allowed(deploy, "iam:DeleteRole", f"{ROLE}/app/app-staging-lambda")
    assert not allowed(deploy, "iam:DeleteRole", f"{ROLE}/app-staging/app-staging-lambda")
