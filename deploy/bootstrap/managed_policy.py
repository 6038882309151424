"""A customer managed IAM policy: a resource module used by bootstrap only.

Bootstrap makes two sorts. The previews' permissions boundary (``{project}-preview-boundary``):
a boundary must be a managed policy, not an inline one; never deleted here, preview roles
that still carry it would lose their cap. And each GitHub role's permissions
(``{role}-1``, ``{role}-2``, … policies.role_policies): IAM allows a role's inline policies
10,240 characters together, a managed policy 6,144 and ten of them per role. Those of a role
no longer needed (fewer environments: fewer parts) are deleted, their older versions first
(IAM refuses DeletePolicy of a policy that has any), after attachments.py detached them.
A changed document becomes a new default version (IAM keeps at most five: the oldest
non-default one goes first).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from deploy.aws import tag_dict, tag_list
from deploy.iam_clash import ENGINE_LOOKUPS, Holder, Lookup
from deploy.plan import Action, Call, Step
from deploy.resources.base import GONE_OK, PlanContext, ResourceType
from deploy.resources.iam import policy_document
from deploy.world import World

if TYPE_CHECKING:
    from deploy.aws import Aws

MAX_VERSIONS = 5  # IAM's limit of versions per managed policy


@dataclass(frozen=True)
class PolicySpec:
    KIND: ClassVar[str] = "iam_policy"
    name: str
    arn: str = field(compare=False)
    path: str = field(compare=False)
    description: str = field(compare=False)  # immutable after creation in IAM
    document: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SeenPolicy:
    KIND: ClassVar[str] = "iam_policy"
    name: str
    arn: str
    document: dict[str, Any] | None
    older_versions: tuple[str, ...]  # non-default version ids, oldest first
    tags: dict[str, str]
    removable: bool = False  # a GitHub role's part no longer needed: deleted when not desired


def observe_policy(aws: Aws, spec: PolicySpec) -> SeenPolicy | None:
    return observe_arn(aws, spec.name, spec.arn)


def observe_arn(aws: Aws, name: str, arn: str, removable: bool = False) -> SeenPolicy | None:
    """The policy at ``arn`` with its default document and older versions; None if absent."""
    got = aws.read("iam", "GetPolicy", PolicyArn=arn)
    if not got:
        return None
    policy = got["Policy"]
    default = policy.get("DefaultVersionId")
    version = aws.read("iam", "GetPolicyVersion", PolicyArn=arn, VersionId=default)
    # Every page (Marker): an older version left out would make DeletePolicy refuse.
    listed = aws.read_pages("iam", "ListPolicyVersions", "Versions", PolicyArn=arn) or []
    older = sorted(
        (v for v in listed if not v.get("IsDefaultVersion")), key=lambda v: str(v["CreateDate"])
    )
    return SeenPolicy(
        name=name,
        arn=arn,
        document=policy_document(version["PolicyVersion"]["Document"]) if version else None,
        older_versions=tuple(v["VersionId"] for v in older),
        tags=tag_dict(policy.get("Tags")),
        removable=removable,
    )


def _delete(seen: SeenPolicy) -> Action:
    """Older versions first, then the policy (its default version with it)."""
    steps: list[Step] = [
        Call("iam", "DeletePolicyVersion", {"PolicyArn": seen.arn, "VersionId": v}, ok_if=GONE_OK)
        for v in seen.older_versions
    ]
    steps.append(Call("iam", "DeletePolicy", {"PolicyArn": seen.arn}, ok_if=GONE_OK))
    return Action("delete", seen.KIND, seen.name, "no longer needed", steps=tuple(steps),
                  phase="after")  # fmt: skip


def policy_holder(aws: Aws, params: Mapping[str, Any]) -> Holder | None:
    """The account's own managed policy with the name CreatePolicy's ``params`` give, at any
    path and in any case (IAM's policy names are unique in an account whatever the path:
    iam_clash.py): what refused the create."""
    wanted = str(params["PolicyName"]).lower()
    local = aws.pages("iam", "ListPolicies", "Policies", Scope="Local")
    p = next((p for p in local if str(p["PolicyName"]).lower() == wanted), None)
    return Holder("managed policy", p["PolicyName"], p["Path"], p["Arn"]) if p else None


# Bootstrap's executor: the engine's lookups and CreatePolicy's (run with admin credentials).
LOOKUPS: Mapping[str, Lookup] = {**ENGINE_LOOKUPS, "CreatePolicy": policy_holder}


def plan_create(spec: PolicySpec) -> Step:
    """CreatePolicy of ``spec`` (handover.py's temporary parts too)."""
    return Call(
        "iam",
        "CreatePolicy",
        {
            "PolicyName": spec.name,
            "Path": spec.path,
            "PolicyDocument": json.dumps(spec.document),
            "Description": spec.description,
            "Tags": tag_list(spec.tags or {}),
        },
    )


def plan(ctx: PlanContext) -> list[Action]:
    out = []
    for spec in ctx.desired.of_kind("iam_policy"):
        seen: SeenPolicy | None = ctx.world.get("iam_policy", spec.name)
        if seen is None:
            out.append(
                Action("create", spec.KIND, spec.name, "does not exist", steps=(plan_create(spec),))
            )
            continue
        if seen.document == spec.document:
            out.append(Action("noop", spec.KIND, spec.name, "up to date"))
            continue
        steps: list[Step] = []
        if len(seen.older_versions) >= MAX_VERSIONS - 1:
            steps.append(
                Call(
                    "iam",
                    "DeletePolicyVersion",
                    {"PolicyArn": seen.arn, "VersionId": seen.older_versions[0]},
                )
            )
        steps.append(
            Call(
                "iam",
                "CreatePolicyVersion",
                {
                    "PolicyArn": seen.arn,
                    "PolicyDocument": json.dumps(spec.document),
                    "SetAsDefault": True,
                },
            )
        )
        out.append(Action("update", spec.KIND, spec.name, "changed: document", steps=tuple(steps)))
    wanted = {spec.name for spec in ctx.desired.of_kind("iam_policy")}
    for seen in ctx.world.of_kind("iam_policy"):
        if seen.removable and seen.name not in wanted:
            out.append(_delete(seen))
    return out


def _never(_world: World) -> list[Action]:
    return []  # bootstrap's resources outlive every environment


RESOURCE = ResourceType(kinds={"iam_policy": ()}, plan=plan, destroy=_never)
