"""The order handover.py gives a role's part changes, on hand-made plans (no AWS)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import ClassVar

import pytest

from deploy.bootstrap import handover, policies
from deploy.bootstrap.attachments import Attachment
from deploy.bootstrap.managed_policy import PolicySpec, SeenPolicy
from deploy.plan import Action
from deploy.world import World

ROLE = "p-github-deploy"
ARN = "arn:aws:iam::1:policy/p/"


@dataclass(frozen=True)
class _Role:
    KIND: ClassVar[str] = "iam_role"
    name: str


def _doc(*sids: str) -> dict:
    statements = [{"Sid": s, "Effect": "Allow", "Action": f"s3:{s}", "Resource": "*"} for s in sids]
    return {"Version": "2012-10-17", "Statement": statements}


def _spec(number: int, *sids: str) -> PolicySpec:
    name = f"{ROLE}-{number}"
    return PolicySpec(name, ARN + name, "/p/", "", _doc(*sids))


def _world(*parts: tuple[str, ...], role: bool = True) -> World:
    world = World(account="1", region="us-east-1")
    if role:
        world.add(_Role(ROLE))
    for number, sids in enumerate(parts, start=1):
        name = f"{ROLE}-{number}"
        world.add(SeenPolicy(name, ARN + name, _doc(*sids), (), {}))
        world.add(Attachment.of(ROLE, ARN + name))
    return world


def _plan(world: World, wanted: list[PolicySpec]) -> list[Action]:
    """As the planner orders them: every policy action, then the roles', then attachments."""
    policies, attach = [], []
    for spec in wanted:
        seen = world.get("iam_policy", spec.name)
        op = "create" if seen is None else "noop" if seen.document == spec.document else "update"
        policies.append(Action(op, "iam_policy", spec.name, ""))
        if world.get(Attachment.KIND, f"{ROLE} {spec.arn}") is None:
            attach.append(Action("create", Attachment.KIND, f"{ROLE} {spec.arn}", ""))
    return [*policies, Action("noop", "iam_role", ROLE, ""), *attach]


def _order(world: World, wanted: list[PolicySpec]) -> list[str]:
    """Each action as "op kind part" ("noop role" for the role's)."""
    kinds = {"iam_policy": "policy", Attachment.KIND: "attach", "iam_role": "role"}
    return [
        f"{a.op} {kinds[a.kind]}" + ("" if a.kind == "iam_role" else f" {a.name[-1]}")
        for a in handover.ordered(_plan(world, wanted), world, wanted)
    ]


def test_a_part_gaining_what_another_loses_changes_first() -> None:
    """Grown statements push C from part 1 to part 2: part 2 first, then part 1."""
    world = _world(("A", "B", "C"), ("D",))
    wanted = [_spec(1, "A", "B"), _spec(2, "C", "D")]
    assert _order(world, wanted) == ["update policy 2", "update policy 1", "noop role"]


def test_statements_moving_back_go_to_the_lower_part_first() -> None:
    world = _world(("A",), ("B", "C"))
    wanted = [_spec(1, "A", "B"), _spec(2, "C")]
    assert _order(world, wanted) == ["update policy 1", "update policy 2", "noop role"]


def test_a_new_part_is_created_and_attached_before_the_parts_that_lose_to_it() -> None:
    world = _world(("A", "B"), ("C", "D"))
    wanted = [_spec(1, "A"), _spec(2, "B", "C"), _spec(3, "D")]
    assert _order(world, wanted) == [
        "create policy 3",
        "create attach 3",
        "update policy 2",
        "update policy 1",
        "noop role",
    ]


def test_a_new_role_keeps_the_planners_order() -> None:
    """Nothing to keep, and its attachments need the role created first."""
    world = _world(role=False)
    wanted = [_spec(1, "A"), _spec(2, "B")]
    assert handover.ordered(_plan(world, wanted), world, wanted) == _plan(world, wanted)


def test_a_swap_both_ways_goes_in_part_order() -> None:
    """Parts trading statements wait on each other: no order keeps both, the lowest goes
    first (packing in order never does this: see handover's docstring)."""
    world = _world(("A", "B"), ("C", "D"))
    wanted = [_spec(1, "A", "C"), _spec(2, "B", "D")]
    assert _order(world, wanted) == ["update policy 1", "update policy 2", "noop role"]


ENVS = ("production", "staging", "dev", "qa", "perf")


@pytest.mark.parametrize("previews", [False, True])
def test_every_change_of_up_to_five_environments_has_an_order_with_no_lapse(
    previews: bool,
) -> None:
    """A sweep beyond the moto replay (test_handover.py): from any number of environments to
    any other, added at the end or the front, each role's swaps in `_swaps_in_order`'s order
    keep every grant kept at every step, with no cycle forcing one through."""

    def target(envs: tuple[str, ...]) -> policies.Target:
        return policies.Target("p", "us-east-1", "123456789012", "o/r", previews=previews,
                               environments=envs)  # fmt: skip

    for n, m in itertools.permutations(range(1, len(ENVS) + 1), 2):
        for names in (ENVS, ENVS[::-1]):
            old = policies.role_policies(target(names[:n]))
            new = policies.role_policies(target(names[:m]))
            for role, parts in old.items():
                before = {p.name: handover.grants(p.document) for p in parts}
                after = {p.name: handover.grants(p.document) for p in new[role]}
                kept = frozenset().union(*before.values()) & frozenset().union(*after.values())
                state = {**before, **{p: g for p, g in after.items() if p not in before}}
                swaps = [p for p in after if p in before and before[p] != after[p]]
                for part in handover._swaps_in_order(state, kept, after, swaps):
                    state[part] = after[part]
                    assert kept <= frozenset().union(*state.values()), (n, m, names, part)
