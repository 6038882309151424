"""IAM roles, each with exactly one inline policy or none: the one reconcile of roles in this
repository.

The engine's two service roles (SageMaker pulls the image and writes logs; the Lambda invokes
the endpoint) and bootstrap's GitHub roles (deploy/bootstrap/) are all `RoleSpec`s planned
by `plan_role`. Anything granted besides the one inline policy is drift from least privilege:
extra inline policies are deleted; attached managed policies stop the apply with the command
a human must run (the deploy role deliberately cannot detach policies). The GitHub roles have
no inline policy (``policy`` None): their permissions are customer managed policies, which
bootstrap attaches itself (deploy/bootstrap/attachments.py) and leaves out of what this module
sees of the role.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote

import botocore.exceptions

from deploy.aws import tag_dict, tag_list
from deploy.aws_errors import error_code
from deploy.executor import Stopped
from deploy.naming import Names, ecr_repository_arn_of
from deploy.plan import Action, Call, Change, Check, Step, Stop
from deploy.resources.base import GONE_OK, PlanContext, ResourceType, fields_of, reconcile
from deploy.world import Desired, World, made_by

if TYPE_CHECKING:
    from collections.abc import Callable

    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.inputs import ImageInputs

Policy = dict[str, Any]
SESSION_S = 3600


@dataclass(frozen=True)
class RoleSpec:
    KIND: ClassVar[str] = "iam_role"
    name: str
    arn: str = field(compare=False)
    path: str
    description: str
    trust: Policy
    policy_name: str = field(compare=False)
    policy: Policy | None  # None: no inline policy (the GitHub roles: managed ones)
    max_session_s: int = SESSION_S
    other_policies: tuple[str, ...] = ()  # nothing besides the inline policy
    tags: dict[str, str] | None = field(default=None, compare=False)
    # The engine's roles: the managed policy (bootstrap's) capping whatever their inline policy
    # says; the GitHub roles that write them may create and change them only with it, so they
    # cannot mint a role stronger than a stack needs (None: the GitHub roles themselves).
    permissions_boundary: str | None = None
    # Bootstrap's GitHub roles: made again only by bootstrap, never deleted by any command
    # here (destroy leaves them), so a stop on one says bootstrap's ways on, not the stack's.
    bootstrap: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class SeenRole:
    KIND: ClassVar[str] = "iam_role"
    name: str
    arn: str
    path: str
    description: str | None
    trust: Policy
    policy: Policy | None
    max_session_s: int | None
    other_policies: tuple[str, ...]  # "inline:NAME" / "managed:ARN"
    tags: dict[str, str]
    inline_policies: tuple[str, ...] = ()
    attached: tuple[str, ...] = ()
    permissions_boundary: str | None = None


# --- the engine's service roles ------------------------------------------------------------------
def document(*statements: Policy) -> Policy:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def service_trust(service: str, condition: Policy | None = None) -> Policy:
    statement: Policy = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return document(statement)


def sagemaker_trust(n: Names) -> Policy:
    """SageMaker may assume the role only for this account's resources in this region
    (confused deputy: not for another account's model or endpoint). SageMaker's guide,
    "Cross-service confused deputy prevention", SageMaker AI Inference (real-time,
    serverless, asynchronous): ArnLike aws:SourceArn arn:<partition>:sagemaker:<region>:
    <account>:*, which names the account (no aws:SourceAccount needed), and not narrowed to
    one model or endpoint ARN. The role's permissions already serve one region's stack."""
    return service_trust(
        "sagemaker.amazonaws.com", {"ArnLike": {"aws:SourceArn": n.arn("sagemaker", "*")}}
    )


def lambda_trust() -> Policy:
    """Lambda's execution role trusts the Lambda service without aws:SourceArn /
    aws:SourceAccount conditions, on purpose: the Lambda guide documents no values Lambda
    sends when it assumes an execution role (only the generic pointer to IAM's confused-deputy
    page, about services that send them), and a SourceArn condition on an execution role has
    been reported to make creating a function in a VPC fail (aws/aws-parallelcluster#6926). A
    function's role is named in its own account's CreateFunction, guarded by iam:PassRole."""
    return service_trust("lambda.amazonaws.com")


def sagemaker_policy(n: Names, image_uri: str) -> Policy:
    """Pull exactly the model image, write exactly the endpoint's logs and metrics."""
    repo_arn = ecr_repository_arn_of(image_uri) or n.ecr_repository_arn
    group = n.log_group_arn(n.endpoint_log_group)
    return document(
        {
            "Sid": "PullModelImage",
            "Effect": "Allow",
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
            "Resource": repo_arn,
        },
        # GetAuthorizationToken has no resource-level permissions: "*" is the only value.
        {
            "Sid": "EcrLogin",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        },
        {
            "Sid": "EndpointLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": [group, f"{group}:*"],
        },
        {
            "Sid": "EndpointMetrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/Endpoints"}},
        },
    )


def lambda_policy(n: Names) -> Policy:
    """Invoke only this endpoint; write only this function's logs."""
    group = n.log_group_arn(n.lambda_log_group)
    return document(
        {
            "Sid": "InvokeThisEndpoint",
            "Effect": "Allow",
            "Action": "sagemaker:InvokeEndpoint",
            "Resource": n.endpoint_arn,
        },
        {
            "Sid": "FunctionLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{group}:*",
        },
    )


def _service_role(n: Names, name: str, trust: Policy, policy: Policy, tags: dict[str, str]):
    return RoleSpec(
        name=name,
        arn=n.role_arn(name),
        path=n.role_path,
        description=f"{n.stack}: managed by the deploy engine",
        trust=trust,
        policy_name=n.inline_policy,
        policy=policy,
        tags=tags,
        permissions_boundary=n.service_boundary_arn,
    )


def desired(cfg: Config, inp: ImageInputs) -> list[RoleSpec]:
    """The stack's two roles: of the inputs, only the names and the image (`Engine.ensure_image`
    plans them before the rest of the inputs are read)."""
    n = inp.names
    return [
        _service_role(
            n,
            n.sagemaker_role,
            sagemaker_trust(n),
            sagemaker_policy(n, inp.image_uri),
            cfg.all_tags,
        ),
        _service_role(n, n.lambda_role, lambda_trust(), lambda_policy(n), cfg.all_tags),
    ]


# --- observe -------------------------------------------------------------------------------------
def policy_document(value: Any) -> Any:
    """IAM returns policy documents as URL-encoded JSON strings (or, via boto3, dicts)."""
    return json.loads(unquote(value)) if isinstance(value, str) else value


def observe_role(aws: Aws, name: str, policy_name: str) -> SeenRole | None:
    """One role with its inline policy and whatever else is granted to it."""
    got = aws.read("iam", "GetRole", RoleName=name)
    if not got:
        return None
    role = got["Role"]
    if "Tags" in role:
        tags = tag_dict(role["Tags"])
    else:
        tags = tag_dict(aws.read_pages("iam", "ListRoleTags", "Tags", RoleName=name))
    policy = aws.read("iam", "GetRolePolicy", RoleName=name, PolicyName=policy_name)
    # Every page of both lists (Marker): IAM may return fewer than MaxItems with more left.
    inline = tuple(aws.read_pages("iam", "ListRolePolicies", "PolicyNames", RoleName=name) or ())
    # Paginated: a role may have up to 20 attached (IAM's raised quota), and a page is
    # whatever IAM returns; bootstrap counts every one against that quota.
    attached = tuple(
        p["PolicyArn"]
        for p in aws.pages("iam", "ListAttachedRolePolicies", "AttachedPolicies", RoleName=name)
    )
    others = sorted(
        [f"inline:{p}" for p in inline if p != policy_name] + [f"managed:{a}" for a in attached]
    )
    return SeenRole(
        name=name,
        arn=role["Arn"],
        path=role["Path"],
        description=role.get("Description"),
        trust=policy_document(role["AssumeRolePolicyDocument"]),
        policy=policy_document(policy["PolicyDocument"]) if policy else None,
        max_session_s=role.get("MaxSessionDuration"),
        other_policies=tuple(others),
        tags=tags,
        inline_policies=inline,
        attached=attached,
        permissions_boundary=(role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
    )


def observe(aws: Aws, names: Names, desired: Desired, world: World) -> list[SeenRole]:
    found = (
        observe_role(aws, r, names.inline_policy) for r in (names.sagemaker_role, names.lambda_role)
    )
    return [r for r in found if r is not None]


# --- plan ----------------------------------------------------------------------------------------
def _put_policy(spec: RoleSpec) -> Call:
    return Call(
        "iam",
        "PutRolePolicy",
        {
            "RoleName": spec.name,
            "PolicyName": spec.policy_name,
            "PolicyDocument": json.dumps(spec.policy),
        },
    )


def _delete_policy(role: str, policy_name: str) -> Call:
    return Call(
        "iam", "DeleteRolePolicy", {"RoleName": role, "PolicyName": policy_name}, ok_if=GONE_OK
    )


def _create(spec: RoleSpec) -> tuple[Step, ...]:
    params: dict[str, Any] = {
        "RoleName": spec.name,
        "Path": spec.path,
        "AssumeRolePolicyDocument": json.dumps(spec.trust),
        "Description": spec.description,
        "MaxSessionDuration": spec.max_session_s,
        "Tags": tag_list(spec.tags or {}),
    }
    if spec.permissions_boundary:
        params["PermissionsBoundary"] = spec.permissions_boundary
    if spec.policy is None:  # the GitHub roles: bootstrap attaches their managed policies
        return (Call("iam", "CreateRole", params),)
    return (Call("iam", "CreateRole", params), _put_policy(spec))


def _refuse_attached(role: str, arns: tuple[str, ...] | list[str]) -> Stop:
    return Stop(
        f"IAM role {role}: managed policies attached outside config.yaml: {', '.join(arns)}. "
        f"Detach them (aws iam detach-role-policy --role-name {role} --policy-arn ARN), "
        "then run the command again"
    )


def made_here(spec: RoleSpec, seen: SeenRole) -> bool:
    """Whether the role found by the spec's name carries the ``project`` tag the spec's role
    is created with (CreateRole's Tags, in the one call): else someone else made it. The rule
    is `world.made_by`, `stacks.unowned`'s (which stops the engine's plan first, in
    `Engine.check_owner`); this is reached where that check does not run, bootstrap's GitHub
    roles. A spec naming no project takes the role as its own (none to tell it by)."""
    wanted = (spec.tags or {}).get("project")
    return wanted is None or made_by(seen, wanted)


def path_stop(spec: RoleSpec, seen: SeenRole) -> Stop:
    """IAM cannot move a role to another path. Ours (its tag): destroy deletes it and apply
    makes it again. Not ours: destroy leaves it, so the name must change, or whoever owns it
    remove or claim it. Bootstrap's roles have their own words (`_bootstrap_path_stop`)."""
    if spec.bootstrap:
        return _bootstrap_path_stop(spec, seen)
    if made_here(spec, seen):
        return Stop(
            f"IAM role {spec.name}: path is {seen.path}, {spec.path} wanted, and IAM cannot "
            "change a role's path: run `destroy --yes`, then `apply`"
        )
    project = (spec.tags or {}).get("project")
    return Stop(
        f"IAM role {spec.name} ({seen.arn}, path {seen.path}) was not created by this project "
        f"(it has no project={project} tag), and this stack needs a role of that name at "
        f"{spec.path}. IAM role names are unique in an account whatever the path, so the name "
        "is taken; destroy leaves that role alone. Either give this stack other names "
        "(`project:`, or the environment's name under `environments:`, in config.yaml), or, "
        "if that role is really a leftover of this stack, delete it by hand (its policies "
        f"first, then `aws iam delete-role --role-name {spec.name}`), or tag it as this "
        f"project's (`aws iam tag-role --role-name {spec.name} --tags Key=project,"
        f"Value={project}`) and run `destroy --yes`, then `apply`"
    )


def _bootstrap_path_stop(spec: RoleSpec, seen: SeenRole) -> Stop:
    """A GitHub role at another path. No command here deletes bootstrap's roles (destroy
    leaves them, bootstrap only creates and converges), and a tag cannot move a role, so the
    ways on are a deletion by hand, then bootstrap again (the role's ARN, which holds its
    path, changes: the GitHub variable bootstrap prints), or another project name (the roles
    are `{project}-github-…`; the environment's name is not in them)."""
    project = (spec.tags or {}).get("project")
    delete = (
        "delete it by hand (detach its managed policies and delete its inline ones first, then "
        f"`aws iam delete-role --role-name {spec.name}`) and run bootstrap again, which creates "
        f"it at {spec.path}; then set the role ARN it prints in GitHub"
    )
    if made_here(spec, seen):
        return Stop(
            f"IAM role {spec.name}: path is {seen.path}, {spec.path} wanted, and IAM cannot "
            f"change a role's path: {delete}"
        )
    return Stop(
        f"IAM role {spec.name} ({seen.arn}, path {seen.path}) was not created by this project "
        f"(it has no project={project} tag), and bootstrap needs a role of that name at "
        f"{spec.path}. IAM role names are unique in an account whatever the path, and IAM "
        "cannot change a role's path, so tagging it as this project's would not make it "
        "usable. Either give this project another name (`project:` in config.yaml: the GitHub "
        f"roles are named {project}-github-…), or, if that role is really a leftover of this "
        f"project, {delete}"
    )


def _bootstrap_boundary_stop(spec: RoleSpec, seen: SeenRole) -> Stop:
    """A GitHub role with a permissions boundary: bootstrap gives them none and has no input
    that would (config.yaml names none, nor does an option), so the stack's words ("which
    config.yaml does not give it") do not fit. A boundary caps what the role's managed
    policies allow (IAM User Guide, "Permissions boundaries for IAM entities"). Said before
    any change (`bootstrap.apply._stops`), hence "Nothing was changed"."""
    return Stop(
        f"IAM role {spec.name} has the permissions boundary {seen.permissions_boundary}, "
        "which bootstrap does not give its GitHub roles: what they may do is the managed "
        "policies bootstrap attaches to them, and a boundary caps that, so the workflows could "
        "be refused what they need. Nothing was changed. Remove it (aws iam "
        f"delete-role-permissions-boundary --role-name {spec.name}), then run bootstrap again"
    )


def _update(spec: RoleSpec, seen: SeenRole, changes: tuple[Change, ...]) -> tuple[Step, ...]:
    changed = fields_of(changes)
    steps: list[Step] = []
    if "path" in changed:
        steps.append(path_stop(spec, seen))
    if "trust" in changed:
        steps.append(
            Call(
                "iam",
                "UpdateAssumeRolePolicy",
                {"RoleName": spec.name, "PolicyDocument": json.dumps(spec.trust)},
            )
        )
    if changed & {"description", "max_session_s"}:
        steps.append(
            Call(
                "iam",
                "UpdateRole",
                {
                    "RoleName": spec.name,
                    "Description": spec.description,
                    "MaxSessionDuration": spec.max_session_s,
                },
            )
        )
    if "permissions_boundary" in changed:
        if spec.permissions_boundary:
            # Before the policy: a role whose boundary is being restored is capped first.
            boundary = {"RoleName": spec.name, "PermissionsBoundary": spec.permissions_boundary}
            steps.append(Call("iam", "PutRolePermissionsBoundary", boundary))
        elif spec.bootstrap:
            steps.append(_bootstrap_boundary_stop(spec, seen))
        else:
            steps.append(
                Stop(
                    f"IAM role {spec.name} has the permissions boundary "
                    f"{seen.permissions_boundary}, which config.yaml does not give it: remove "
                    f"it (aws iam delete-role-permissions-boundary --role-name {spec.name}) "
                    "if that is intended, then run the command again"
                )
            )
    if "policy" in changed:
        if spec.policy is None:
            steps.append(_delete_policy(spec.name, spec.policy_name))
        else:
            steps.append(_put_policy(spec))
    if "tags" in changed:
        steps.append(
            Call("iam", "TagRole", {"RoleName": spec.name, "Tags": tag_list(spec.tags or {})})
        )
    if "other_policies" in changed:
        for other in seen.other_policies:
            kind, _, ref = other.partition(":")
            if kind == "inline":
                steps.append(_delete_policy(spec.name, ref))
        if seen.attached:
            steps.append(_refuse_attached(spec.name, seen.attached))
    return tuple(steps)


def plan_role(spec: RoleSpec, seen: SeenRole | None) -> Action:
    return reconcile(spec, seen, lambda: _create(spec), lambda c: _update(spec, seen, c))


def _no_attached(role: str) -> Check:
    """Right before a role's deletes: a managed policy attached by hand since destroy observed
    the role (its endpoint takes minutes to go first) stops there, in the plan's words, with
    the role as it was (DeleteRole refuses with DeleteConflict while one is attached, and its
    inline policies would be gone by then). A role gone already has none."""

    def check(aws: Aws, log: Callable[[str], None]) -> None:
        try:
            found = aws.pages("iam", "ListAttachedRolePolicies", "AttachedPolicies", RoleName=role)
        except botocore.exceptions.ClientError as err:
            if error_code(err) == "NoSuchEntity":
                return
            raise
        if found:
            raise Stopped(_refuse_attached(role, [p["PolicyArn"] for p in found]).message)

    return Check(f"no managed policy is attached to {role} (iam:ListAttachedRolePolicies)", check)


def delete_role(seen: SeenRole, reason: str = "destroy") -> Action:
    """The role's inline policies, then the role. A managed policy attached by hand (which the
    deploy role may not detach) is looked for first: seen by the plan, it is the action's
    `Stop` (`destroy` stops on it before any deletion, `engine.stop_on`; the previews sweep
    reaches it as a step, before any call of this role); else read again right before the
    deletes (`_no_attached`). Either way the stop leaves the role with its inline policies,
    not half deleted."""
    steps: list[Step] = [
        _refuse_attached(seen.name, seen.attached) if seen.attached else _no_attached(seen.name)
    ]
    steps += [
        Call("iam", "DeleteRolePolicy", {"RoleName": seen.name, "PolicyName": p}, ok_if=GONE_OK)
        for p in seen.inline_policies
    ]
    steps.append(Call("iam", "DeleteRole", {"RoleName": seen.name}, ok_if=GONE_OK))
    return Action("delete", "iam_role", seen.name, reason, steps=tuple(steps))


def plan(ctx: PlanContext) -> list[Action]:
    return [
        plan_role(spec, ctx.world.get("iam_role", spec.name))
        for spec in ctx.desired.of_kind("iam_role")
    ]


# --- one role name, many regions -----------------------------------------------------------------
def policy_regions(policy: Policy | None) -> frozenset[str]:
    """The regions of the ARNs a policy grants (``Resource``); global ones (IAM, S3, ``*``)
    name none. A service role's policy is written whole for one region's stack, so this says
    which stack the role serves, read from AWS itself: no tag or state to trust or migrate."""
    regions: set[str] = set()
    for statement in (policy or {}).get("Statement", []):
        resources = statement.get("Resource", [])
        for arn in [resources] if isinstance(resources, str) else resources:
            parts = str(arn).split(":")
            if len(parts) > 3 and parts[0] == "arn" and parts[3]:
                regions.add(parts[3])
    return frozenset(regions)


def other_regions(seen: SeenRole, region: str) -> tuple[str, ...]:
    """The regions besides ``region`` whose resources the role's policy names: IAM names are
    global, so a role of the same name serves the project's stack there (empty: it is ours)."""
    return tuple(sorted(policy_regions(seen.policy) - {region}))


def roles_elsewhere(world: World) -> dict[str, tuple[str, ...]]:
    """Observed roles that serve another region's stack, with those regions (none when the
    world does not say which region it was observed in)."""
    if not world.region:
        return {}
    found = {r.name: other_regions(r, world.region) for r in world.of_kind("iam_role")}
    return {name: regions for name, regions in found.items() if regions}


def destroy(world: World) -> list[Action]:
    """Every observed role, but those serving another region's stack: deleting them would cut
    that stack off (its Lambda denied, its endpoint unable to pull or log)."""
    elsewhere = roles_elsewhere(world)
    return [delete_role(seen) for seen in world.of_kind("iam_role") if seen.name not in elsewhere]


RESOURCE = ResourceType(
    kinds={"iam_role": ()}, desired=desired, observe=observe, plan=plan, destroy=destroy
)
