"""`bootstrap` against AWS: the provider, the roles and the previews' boundary policy, planned
and applied by the engine.

The roles are `deploy.resources.iam.RoleSpec`s planned by the same `plan_role` and run by the
same executor as the engine's own roles, so there is one IAM reconcile in the repository.
Each carries the ``bootstrap-policy-sha256`` tag (fingerprint.py), which plan compares with its
commit's (deploy/bootstrap_version.py); a changed hash is a tag update like any other.
Running it twice changes nothing the second time. Role names are global to the account: when
the roles serve the project's stack in another region, or another repository's CI, it stops
before any change (`stacks.github_roles_taken`), as plan and apply do for the service roles.
"""

from __future__ import annotations

from dataclasses import replace

from deploy import planner, stacks
from deploy.aws import Aws, DeployError
from deploy.bootstrap import managed_policy, oidc_provider
from deploy.bootstrap.fingerprint import stamped
from deploy.bootstrap.policies import Target, boundary_spec, roles
from deploy.executor import Executor
from deploy.plan import Action
from deploy.resources import iam
from deploy.resources.base import ResourceType
from deploy.world import Desired, World

TYPES = (
    oidc_provider.RESOURCE,
    managed_policy.RESOURCE,
    ResourceType(
        kinds={"iam_role": ("oidc_provider", "iam_policy")}, plan=iam.plan, destroy=iam.destroy
    ),
)
# How a role's changed fields read in the report.
_FIELD_WORDS = {
    "trust": "trust",
    "policy": "policy",
    "description": "description",
    "max_session_s": "description",
    "tags": "tags",
    "other_policies": "extra policies",
    "path": "path",
}


class RolesTaken(DeployError):
    """The GitHub roles serve another stack: nothing was changed (the message says what to do)."""


def report_line(action: Action, arn: str) -> str:
    """One line per resource: created / exists / unchanged / what was updated, then the ARN."""
    if action.op == "create":
        return f"created  {arn}"
    if action.kind in ("oidc_provider", "iam_policy"):
        if action.op == "noop":
            return f"exists   {arn}" if action.kind == "oidc_provider" else f"unchanged {arn}"
        return f"updated  {arn} ({action.reason})"
    if action.op == "noop":
        return f"unchanged {arn}"
    words = sorted({_FIELD_WORDS.get(c.field, c.field) for c in action.changes})
    return f"{', '.join(f'{w} updated' for w in words)} {arn}"


def apply(aws: Aws, target: Target) -> tuple[Target, list[str]]:
    """Create or converge the provider, the roles (and with previews their boundary policy);
    returns what happened, line by line."""
    t = replace(target, account=aws.account_id())
    boundary = [boundary_spec(t)] if t.previews else []
    specs = [oidc_provider.provider_spec(t), *boundary, *stamped(t)]
    world = World(account=t.account, region=t.region)
    provider = oidc_provider.observe_provider(aws)
    if provider is not None:
        world.add(provider)
    for policy in boundary:
        seen_policy = managed_policy.observe_policy(aws, policy)
        if seen_policy is not None:
            world.add(seen_policy)
    for role in roles(t):
        seen = iam.observe_role(aws, role.name, role.policy_name)
        if seen is not None:
            world.add(seen)
    taken = stacks.github_roles_taken(world, t.names, t.prefix)
    if taken:
        raise RolesTaken(taken)
    actions = planner.plan(TYPES, Desired.of(specs), world)
    Executor(aws, log=lambda _line: None).run(actions)
    arns = {s.name: s.arn for s in specs}
    if provider is not None:
        arns[provider.name] = provider.arn
    return t, [report_line(a, arns[a.name]) for a in actions]
