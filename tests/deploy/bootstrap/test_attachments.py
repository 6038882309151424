"""The attachment planner on its own: what it attaches, what it detaches, and that a role's
old inline policy goes only after its managed policies are attached (moto end to end:
test_role_policies.py)."""

from __future__ import annotations

from deploy.bootstrap import attachments
from deploy.bootstrap.attachments import Attachment, InlinePolicy
from deploy.resources.base import PlanContext
from deploy.world import Desired, World

P1 = "arn:aws:iam::123456789012:policy/p/deploy-1"
P2 = "arn:aws:iam::123456789012:policy/p/deploy-2"


def _plan(wanted: list[Attachment], seen: list[Attachment | InlinePolicy]) -> list:
    world = World()
    for record in seen:
        world.add(record)
    return attachments.plan(PlanContext(Desired.of(wanted), world))


def test_attaches_what_is_missing_and_leaves_what_is_attached() -> None:
    actions = _plan([Attachment.of("deploy", P1), Attachment.of("deploy", P2)],
                    [Attachment.of("deploy", P1)])  # fmt: skip
    assert [(a.op, a.name) for a in actions] == [
        ("noop", f"deploy {P1}"),
        ("create", f"deploy {P2}"),
    ]
    (attach,) = actions[1].steps
    assert (attach.service, attach.operation) == ("iam", "AttachRolePolicy")
    assert attach.params == {"RoleName": "deploy", "PolicyArn": P2}


def test_detaches_and_removes_the_inline_policy_only_after_attaching() -> None:
    actions = _plan(
        [Attachment.of("deploy", P1)],
        [Attachment.of("deploy", P2), InlinePolicy("deploy", "deploy")],
    )
    by_op = {(a.op, a.kind): a for a in actions}
    create = by_op[("create", "iam_attachment")]
    detach = by_op[("delete", "iam_attachment")]
    inline = by_op[("delete", "iam_inline_policy")]
    assert create.phase != "after"
    assert detach.phase == inline.phase == "after"
    assert [s.operation for s in detach.steps] == ["DetachRolePolicy"]
    assert inline.steps[0].params == {"RoleName": "deploy", "PolicyName": "deploy"}


def test_a_bootstrap_resource_is_never_destroyed() -> None:
    world = World()
    world.add(Attachment.of("deploy", P1))
    assert attachments.RESOURCE.destroy(world) == []
