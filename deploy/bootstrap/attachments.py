"""Which managed policies each GitHub role has attached, and the inline policy it had before.

Why its own resource: a GitHub role's permissions are customer managed policies
(policies.role_policies), because IAM allows a role's inline policies only 10,240 characters
together and the deploy role's grow with every environment. Bootstrap, run with administrator
credentials, attaches them (AttachRolePolicy) and detaches those of its own no longer wanted
(``{role}-N`` past the last one needed). The engine's IAM module (deploy/resources/iam.py)
never attaches nor detaches: the deploy role is not granted to, so its calls stay here.

A role bootstrapped before this shape still has its permissions as the inline policy named
after it: it is deleted only after the managed policies are attached (the ``after`` phase), so
the role is never without its permissions. Pure planning; apply.py observes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from deploy.plan import Action, Call
from deploy.resources.base import GONE_OK, PlanContext, ResourceType
from deploy.world import World


@dataclass(frozen=True)
class Attachment:
    """A managed policy attached to a role: desired (a spec) or observed (a record)."""

    KIND: ClassVar[str] = "iam_attachment"
    name: str  # "{role} {policy ARN}": unique per pair
    role: str
    policy_arn: str

    @classmethod
    def of(cls, role: str, policy_arn: str) -> Attachment:
        return cls(f"{role} {policy_arn}", role, policy_arn)


@dataclass(frozen=True)
class InlinePolicy:
    """A GitHub role's inline policy from before its permissions were managed policies."""

    KIND: ClassVar[str] = "iam_inline_policy"
    name: str  # the role's name (the inline policy was named after it)
    policy_name: str
    document: dict[str, Any] | None = field(default=None, compare=False)  # what it grants


def _attach(a: Attachment) -> Call:
    return Call("iam", "AttachRolePolicy", {"RoleName": a.role, "PolicyArn": a.policy_arn})


def _detach(a: Attachment) -> Call:
    params = {"RoleName": a.role, "PolicyArn": a.policy_arn}
    return Call("iam", "DetachRolePolicy", params, ok_if=GONE_OK)


def plan(ctx: PlanContext) -> list[Action]:
    """Attach what is wanted; then detach what is not, and remove the old inline policies."""
    out = []
    wanted = ctx.desired.of_kind(Attachment.KIND)
    for a in wanted:
        if ctx.world.get(Attachment.KIND, a.name) is not None:
            out.append(Action("noop", a.KIND, a.name, "attached"))
        else:
            out.append(Action("create", a.KIND, a.name, "not attached", steps=(_attach(a),)))
    names = {a.name for a in wanted}
    for seen in ctx.world.of_kind(Attachment.KIND):
        if seen.name not in names:
            out.append(
                Action(
                    "delete",
                    seen.KIND,
                    seen.name,
                    "no longer needed",
                    steps=(_detach(seen),),
                    phase="after",
                )
            )
    for old in ctx.world.of_kind(InlinePolicy.KIND):
        step = Call(
            "iam",
            "DeleteRolePolicy",
            {"RoleName": old.name, "PolicyName": old.policy_name},
            ok_if=GONE_OK,
        )
        out.append(
            Action(
                "delete", old.KIND, old.name, "now managed policies", steps=(step,), phase="after"
            )
        )
    return out


def _never(_world: World) -> list[Action]:
    return []  # bootstrap's resources outlive every environment


RESOURCE = ResourceType(
    kinds={"iam_attachment": ("iam_role", "iam_policy"), "iam_inline_policy": ("iam_attachment",)},
    plan=plan,
    destroy=_never,
)
