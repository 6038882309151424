"""`bootstrap` against AWS: the provider, the roles, their managed policies and the boundary
policies (the deployments' and the previews'), planned and applied by the engine.

The roles are `deploy.resources.iam.RoleSpec`s planned by the same `plan_role` and run by the
same executor as the engine's own roles, so there is one IAM reconcile in the repository.
Their permissions are customer managed policies (policies.role_policies), attached by
attachments.py: IAM allows a role's inline policies 10,240 characters together, fewer than
the deploy role of two environments needs. A role bootstrapped with the inline policy of
before converges to that shape: the managed policies are attached first, the inline policy
removed after, and the report says so. A changed configuration moves statements between a
role's parts: handover.py orders the parts' changes so that no permission the role keeps
lapses between one CreatePolicyVersion and the next.
Each role carries the ``bootstrap-policy-sha256`` tag (fingerprint.py), which plan compares
with its commit's (deploy/bootstrap_version.py); a changed hash is a tag update like any other.
Running it twice changes nothing the second time. Role names are global to the account: when
a role of one of their names was not made by bootstrap (it lacks this project's ``project``
tag, which every bootstrap gave its roles at CreateRole), it stops before any change
(`stacks.github_roles_not_made_here`), as the engine's apply does (`stacks.not_made_here`);
when the roles serve the project's stack in another region, or another repository's CI, it
stops too (`stacks.github_roles_taken`), as plan and apply do for the service roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from deploy import planner, stacks
from deploy.aws import Aws, DeployError
from deploy.bootstrap import attachments, handover, iam_quota, managed_policy, oidc_provider
from deploy.bootstrap.attachments import Attachment, InlinePolicy
from deploy.bootstrap.fingerprint import stamped
from deploy.bootstrap.managed_policy import LOOKUPS, PolicySpec, SeenPolicy
from deploy.bootstrap.policies import (
    ATTACHED_POLICIES_MAX,
    Target,
    boundary_specs,
    is_part_of,
    part_arn,
    part_name,
    role_policies,
    roles,
)
from deploy.executor import Executor, Stopped
from deploy.plan import Action, stops
from deploy.resources import iam
from deploy.resources.base import ResourceType
from deploy.resources.iam import RoleSpec, SeenRole
from deploy.world import Desired, World

TYPES = (
    oidc_provider.RESOURCE,
    managed_policy.RESOURCE,
    ResourceType(
        kinds={"iam_role": ("oidc_provider", "iam_policy")}, plan=iam.plan, destroy=iam.destroy
    ),
    attachments.RESOURCE,
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
    """The GitHub roles serve another stack, or one was not made by bootstrap (no project
    tag of this project's): nothing was changed (the message says what to do)."""


class BoundaryNameTaken(DeployError):
    """A role boundary's name is another managed policy's in the account (another path):
    nothing was changed (the message says what to rename)."""


def boundary_names_taken(aws: Aws, t: Target, specs: list[PolicySpec], world: World) -> str | None:
    """Why the boundaries ``specs`` not in ``world`` cannot be made, or None: a policy of the
    same name exists at another path. IAM's policy names are unique in an account whatever the
    path ("IAM user, group, role, and policy names must be unique within the account": IAM API
    Reference, CreatePolicy), and a stack's boundary is ``{stack}-role-boundary``: project
    ``app`` with environment ``staging`` and a project ``app-staging`` name the same one, each
    under its own path. One ListPolicies of the account's own, only when one is missing."""
    missing = [s for s in specs if world.get("iam_policy", s.name) is None]
    if not missing:
        return None
    local = aws.pages("iam", "ListPolicies", "Policies", Scope="Local")
    by_name = {str(p["PolicyName"]).lower(): str(p["Arn"]) for p in local}
    taken = [(s, by_name[s.name.lower()]) for s in missing if s.name.lower() in by_name]
    if not taken:
        return None
    said = "; ".join(f"{s.name} is the name of {arn}" for s, arn in taken)
    rename = (
        "another environment name (under `environments:` in config.yaml) or another `project:`"
        if t.environments
        else "another `project:` in config.yaml"
    )
    return (
        f"The permissions boundaries of project {t.project}'s stacks cannot be made: {said}, "
        "and IAM policy names are unique in an account whatever their path. A stack is named "
        "{project}-{environment}, so two projects can name the same stack (project app with "
        "environment staging, and a project app-staging), and then its boundary, roles and "
        "other resources too. Nothing was changed. Give this stack a name no other project in "
        f"the account has: {rename}; see deploy/README.md, 'Project and environment names'."
    )


class NoRoomForParts(DeployError):
    """A role's parts and the managed policies others attached to it exceed the account's
    "Managed policies per role", or one of those has a part's name (IAM cannot make that
    part): nothing was changed (the message says what to do)."""


def report_line(action: Action, arn: str) -> str | None:
    """One line per resource: created / exists / unchanged / what was updated, then the ARN.
    An attachment: what was attached or detached (none when it already was)."""
    if action.kind == Attachment.KIND:
        role, _, policy = action.name.partition(" ")
        if action.op == "noop":
            return None
        if action.op == "create":
            return f"attached {policy} to {role}"
        return f"detached {policy} from {role} ({action.reason})"
    if action.kind == handover.INLINE_HOLD:
        role, _, policy = action.name.partition(" ")
        if action.op == "create":
            return f"put      the inline policy {policy} on {role} ({action.reason})"
        return f"removed  the inline policy {policy} of {role} ({action.reason})"
    if action.kind == InlinePolicy.KIND:
        return (
            f"removed  the inline policy of {arn}: its permissions are now the managed "
            "policies attached to it (the inline shape of earlier bootstraps; IAM allows a "
            "role's inline policies 10,240 characters, too few for more environments)"
        )
    if action.op == "create":
        return f"created  {arn}"
    if action.op == "delete":
        return f"deleted  {arn} ({action.reason})"
    if action.kind in ("oidc_provider", "iam_policy"):
        if action.op == "noop":
            return f"exists   {arn}" if action.kind == "oidc_provider" else f"unchanged {arn}"
        return f"updated  {arn} ({action.reason})"
    if action.op == "noop":
        return f"unchanged {arn}"
    words = sorted({_FIELD_WORDS.get(c.field, c.field) for c in action.changes})
    return f"{', '.join(f'{w} updated' for w in words)} {arn}"


def _merged(policies: list[dict | None]) -> dict:
    """One document of every statement of these (for which region a role serves)."""
    return {"Statement": [st for p in policies if p for st in p.get("Statement", [])]}


def _observe_role(
    aws: Aws, t: Target, role: RoleSpec, wanted: list[PolicySpec], world: World
) -> SeenRole | None:
    """The role as iam.plan_role should see it (its own managed policies and the inline one
    of earlier bootstraps left to attachments.py, recorded in ``world``); returned as seen
    whole, with every statement granted, for `stacks.github_roles_taken`."""
    seen = iam.observe_role(aws, role.name, role.policy_name)
    if seen is None:
        return None
    ours = [arn for arn in seen.attached if is_part_of(t, role.name, arn)]
    by_arn: dict[str, SeenPolicy | None] = {p.arn: world.get("iam_policy", p.name) for p in wanted}
    for arn in ours:
        world.add(Attachment.of(role.name, arn))
        if arn not in by_arn:  # a part no longer needed
            by_arn[arn] = managed_policy.observe_arn(
                aws, arn.rsplit("/", 1)[-1], arn, removable=True
            )
            if by_arn[arn] is not None:
                world.add(by_arn[arn])
    if seen.policy is not None:
        world.add(InlinePolicy(role.name, role.policy_name, seen.policy))
    # Managed policies others attached (an organization's guardrail) stay: neither drift for
    # iam.plan to stop at nor bootstrap's to detach; they count against the quota (plan).
    world.add(
        replace(
            seen,
            policy=None,
            other_policies=tuple(o for o in seen.other_policies if not o.startswith("managed:")),
            attached=(),
        )
    )
    documents = [seen.policy, *(by_arn[a].document for a in ours if by_arn.get(a))]
    return replace(seen, policy=_merged(documents))


def _observe_leftovers(
    aws: Aws, t: Target, role: str, wanted: int, world: World, attached_max: int
) -> None:
    """A role's parts past the last one wanted that are attached no more (a bootstrap stopped
    between detaching and deleting them): deleted like the attached ones."""
    for number in range(wanted + 1, max(attached_max, ATTACHED_POLICIES_MAX) + 1):
        name = part_name(role, number)
        if world.get("iam_policy", name) is None:
            seen = managed_policy.observe_arn(aws, name, part_arn(t, name), removable=True)
            if seen is not None:
                world.add(seen)


def _stops(t: Target, world: World) -> list[str]:
    """What each `Stop` step iam.plan gives the roles says (one at another path than
    bootstrap's, which IAM cannot move; a permissions boundary bootstrap does not give), said
    before any change rather than at that role's step, by when the provider, the policies and
    the other roles would have been made. The roles as plan sees them (``world``): the same
    stops the executor would reach."""
    return stops(iam.plan_role(role, world.get("iam_role", role.name)) for role in stamped(t))


@dataclass(frozen=True)
class Planned:
    """What bootstrap will do: the target with its account, the actions in the order they
    run, and the ARN each resource's report line names."""

    target: Target
    actions: list[Action]
    arns: dict[str, str]
    foreign: dict[str, list[str]] = field(default_factory=dict)  # role -> others' policies


def plan(aws: Aws, target: Target, attached_max: int = ATTACHED_POLICIES_MAX) -> Planned:
    """Observe the provider, the roles and their managed policies and plan their convergence
    (each role's parts in the order handover.py gives, so no kept permission lapses, with at
    most ``attached_max`` attached to a role: the account's quota, iam_quota.py)."""
    t = replace(target, account=aws.account_id())
    boundary = boundary_specs(t)
    parts = role_policies(t)
    wanted = [p for mine in parts.values() for p in mine]
    attached = [Attachment.of(role, p.arn) for role, mine in parts.items() for p in mine]
    specs = [oidc_provider.provider_spec(t), *boundary, *wanted, *stamped(t), *attached]
    world = World(account=t.account, region=t.region)
    provider = oidc_provider.observe_provider(aws)
    if provider is not None:
        world.add(provider)
    for policy in [*boundary, *wanted]:
        seen_policy = managed_policy.observe_policy(aws, policy)
        if seen_policy is not None:
            world.add(seen_policy)
    whole = World(account=t.account, region=t.region)  # the roles as they grant, for the check
    foreign: dict[str, list[str]] = {}
    for role in roles(t):
        seen = _observe_role(aws, t, role, parts[role.name], world)
        if seen is not None:
            whole.add(seen)
            foreign[role.name] = iam_quota.foreign(t, role.name, seen.attached)
        _observe_leftovers(aws, t, role.name, len(parts[role.name]), world, attached_max)
    paths = {role.name: role.path for role in roles(t)}
    not_ours = stacks.github_roles_not_made_here(whole, t.names, paths)
    if not_ours:
        raise RolesTaken(not_ours)
    stops = _stops(t, world)
    if stops:  # else the provider, policies and other roles would be made before it stops
        raise Stopped("\n".join(stops))
    taken = stacks.github_roles_taken(whole, t.names, t.prefix)
    if taken:
        raise RolesTaken(taken)
    boundary_taken = boundary_names_taken(aws, t, boundary, world)
    if boundary_taken:
        raise BoundaryNameTaken(boundary_taken)
    counts = {role: len(mine) for role, mine in parts.items()}
    full = iam_quota.crowded(t, counts, foreign, attached_max)
    names = {role: [p.name for p in mine] for role, mine in parts.items()}
    full += iam_quota.names_taken(t, names, foreign)
    if full:
        raise NoRoomForParts("\n".join(full) + "\nNothing was changed.")
    planned = planner.plan(TYPES, Desired.of(specs), world)
    taken_by_others = {role: len(arns) for role, arns in foreign.items()}
    actions = handover.ordered(planned, world, wanted, attached_max, taken_by_others)
    arns = {s.name: s.arn for s in specs if hasattr(s, "arn")}
    arns.update({p.name: p.arn for p in world.of_kind("iam_policy")})
    arns.update({r.name: r.arn for r in world.of_kind("iam_role")})
    held = [a.name for a in actions if a.kind == "iam_policy" and a.name not in arns]
    arns.update({name: part_arn(t, name) for name in held})  # handover's temporary parts
    if provider is not None:
        arns[provider.name] = provider.arn
    return Planned(t, actions, arns, {role: held for role, held in foreign.items() if held})


def apply(
    aws: Aws, target: Target, attached_max: int = ATTACHED_POLICIES_MAX
) -> tuple[Target, list[str]]:
    """Create or converge the provider, the roles and their managed policies and the
    boundary policies (the deployments', and with previews theirs); returns what happened,
    line by line."""
    planned = plan(aws, target, attached_max)
    Executor(aws, log=lambda _line: None, holders=LOOKUPS).run(planned.actions)
    lines = (report_line(a, planned.arns.get(a.name, a.name)) for a in planned.actions)
    return planned.target, [line for line in lines if line is not None] + [
        kept_line(role, arns) for role, arns in sorted(planned.foreign.items())
    ]


def kept_line(role: str, arns: list[str]) -> str:
    """Said on every run: a policy someone else put on a GitHub role changes what the
    workflows may do, and bootstrap leaves it there, so whoever runs bootstrap should know."""
    return (
        f"kept on {role}, not made by bootstrap (left as they are, counted against the "
        f"role's managed-policy quota; they widen or narrow what its workflows may do): "
        f"{', '.join(arns)}"
    )
