"""The order handover.py gives a role's part changes, on hand-made plans (no AWS)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
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


def test_a_swap_both_ways_holds_the_lower_part_in_a_temporary_one() -> None:
    """Parts trading statements wait on each other: no order of the two keeps both. Part 1's
    document is copied into a temporary part 3, attached before part 1 changes, and both
    are removed at the end (after the planner's own ``after`` actions)."""
    world = _world(("A", "B"), ("C", "D"))
    wanted = [_spec(1, "A", "C"), _spec(2, "B", "D")]
    assert _order(world, wanted) == [
        "create policy 3",
        "create attach 3",
        "update policy 1",
        "update policy 2",
        "noop role",
        "delete attach 3",
        "delete policy 3",
    ]
    temporary = handover.ordered(_plan(world, wanted), world, wanted)[0]
    assert temporary.steps[0].params["PolicyDocument"] == json.dumps(_doc("A", "B"))
    assert [a.phase for a in handover.ordered(_plan(world, wanted), world, wanted)][-2:] == [
        "after",
        "after",
    ]


def test_a_cycle_of_three_holds_one_part() -> None:
    """1 gives to 2, 2 to 3, 3 to 1: holding part 1 lets 1, then 3, then 2 go."""
    world = _world(("A", "B"), ("C", "D"), ("E", "F"))
    wanted = [_spec(1, "A", "F"), _spec(2, "B", "D"), _spec(3, "C", "E")]
    assert _order(world, wanted)[:5] == [
        "create policy 4",
        "create attach 4",
        "update policy 1",
        "update policy 3",
        "update policy 2",
    ]


def test_without_room_for_a_temporary_part_an_inline_policy_holds_the_lowest() -> None:
    """A role with its quota of attached policies taken: no temporary part. Before, part 1
    went first regardless, and what it gave up to part 2 was granted nowhere for a moment;
    now an inline policy holds part 1's document meanwhile (deleted at the end)."""
    world = _world(("A", "B"), ("C", "D"))
    wanted = [_spec(1, "A", "C"), _spec(2, "B", "D")]
    plan = _plan(world, wanted)
    got = handover.ordered(plan, world, wanted, attached_max=2)
    assert [f"{a.op} {a.name}" for a in got] == [
        f"create {ROLE} {ROLE}-1-held",
        f"update {ROLE}-1",
        f"update {ROLE}-2",
        f"noop {ROLE}",
        f"delete {ROLE} {ROLE}-1-held",
    ]
    (put,) = got[0].steps
    assert (put.operation, put.params["PolicyName"]) == ("PutRolePolicy", f"{ROLE}-1-held")
    assert json.loads(put.params["PolicyDocument"]) == _doc("A", "B")
    assert got[-1].phase == "after" and got[-1].steps[0].operation == "DeleteRolePolicy"


def test_others_policies_take_the_room_of_a_temporary_part() -> None:
    """Ten attached allowed, two parts and eight guardrails: the inline policy holds."""
    world = _world(("A", "B"), ("C", "D"))
    wanted = [_spec(1, "A", "C"), _spec(2, "B", "D")]
    got = handover.ordered(_plan(world, wanted), world, wanted, 10, {ROLE: 8})
    assert got[0].kind == handover.INLINE_HOLD
    assert handover.ordered(_plan(world, wanted), world, wanted, 10, {ROLE: 7})[0].name == (
        f"{ROLE}-3"  # one more would fit: the temporary part
    )


@dataclass(frozen=True)
class _RoleWithInline:
    KIND: ClassVar[str] = "iam_role"
    name: str
    inline_policies: tuple[str, ...]


def test_with_no_room_for_either_hold_bootstrap_refuses_before_any_change() -> None:
    """Another inline policy on the role (its size unread): no room known for the inline
    hold either. Refused with what to do, rather than a part going first uncovered."""
    world = _world(("A", "B"), ("C", "D"), role=False)
    world.add(_RoleWithInline(ROLE, ("debug",)))
    wanted = [_spec(1, "A", "C"), _spec(2, "B", "D")]
    with pytest.raises(handover.NoRoomToHold) as refused:
        handover.ordered(_plan(world, wanted), world, wanted, attached_max=2)
    said = str(refused.value)
    assert f"role {ROLE}" in said and f"{ROLE}-1 must change" in said
    assert "L-0DA4ABF3" in said and "10,240" in said and "Nothing was changed" in said
    assert f"aws iam delete-role-policy --role-name {ROLE}" in said


def test_the_inline_hold_counts_what_it_holds() -> None:
    """Two cycles' holds share IAM's 10,240 characters a role; past them: nowhere."""
    state = {"1": frozenset({"a"}), "2": frozenset({"b"})}
    new = {"1": frozenset({"b"}), "2": frozenset({"a"})}
    kept = frozenset({"a", "b"})
    got = handover._swaps_in_order(state, kept, new, ["1", "2"], 0, 100, {"1": 60, "2": 60})
    assert got == [("1", handover.INLINE), ("2", handover.NOT_HELD)]
    got = handover._swaps_in_order(state, kept, new, ["1", "2"], 0, 50, {"1": 60, "2": 60})
    assert got[0] == ("1", handover.NOWHERE)


def test_a_temporary_part_takes_a_number_no_policy_has() -> None:
    """Part 3 is left over from a bootstrap stopped before deleting it: the hold is part 4."""
    world = _world(("A", "B"), ("C", "D"))
    world.add(SeenPolicy(f"{ROLE}-3", ARN + f"{ROLE}-3", _doc("Z"), (), {}, removable=True))
    wanted = [_spec(1, "A", "C"), _spec(2, "B", "D")]
    assert _order(world, wanted)[:2] == ["create policy 4", "create attach 4"]


ENVS = ("production", "staging", "dev", "qa", "perf")


def _role_changes(old: dict, new: dict) -> Iterator[tuple[dict, frozenset, dict, list[str]]]:
    """Per role, from its parts ``old`` to ``new`` (role_policies'): what each part grants at
    the start (new parts already there), the grants the role keeps, each part's grants at the
    end, and the parts whose document changes."""
    for role, parts in old.items():
        before = {p.name: handover.grants(p.document) for p in parts}
        after = {p.name: handover.grants(p.document) for p in new[role]}
        kept = frozenset().union(*before.values()) & frozenset().union(*after.values())
        state = {**before, **{p: g for p, g in after.items() if p not in before}}
        yield state, kept, after, [p for p in after if p in before and before[p] != after[p]]


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
            for state, kept, after, swaps in _role_changes(old, new):
                for part, held in handover._swaps_in_order(state, kept, after, swaps):
                    assert not held, (n, m, names, part)
                    state[part] = after[part]
                    assert kept <= frozenset().union(*state.values()), (n, m, names, part)


@pytest.mark.parametrize("project", ["p", "a-much-longer-project-name"])
def test_every_reordering_keeps_every_grant_with_the_held_parts(project: str) -> None:
    """Reversing or rotating up to twelve environments: the cycles it makes (statements cut
    into runs across parts) are broken by temporary parts, within IAM's ten attached."""
    envs = ("production", "staging", "dev", "qa", "perf", "sandbox", "uat", "demo", "eu",
            "canary", "load", "hotfix")  # fmt: skip
    cycles = 0

    def target(names: tuple[str, ...]) -> policies.Target:
        return policies.Target(project, "us-east-1", "123456789012", "o/r", previews=True,
                               environments=names)  # fmt: skip

    for n in range(2, len(envs) + 1):
        old = policies.role_policies(target(envs[:n]))
        for names in (envs[:n][::-1], envs[1:n] + envs[:1]):
            new = policies.role_policies(target(names))
            for state, kept, after, swaps in _role_changes(old, new):
                room = policies.ATTACHED_POLICIES_MAX - len(state)
                for part, held in handover._swaps_in_order(state, kept, after, swaps, room):
                    if held:
                        cycles += 1
                        state[f"{part} held"] = state[part]
                    state[part] = after[part]
                    assert kept <= frozenset().union(*state.values()), (n, names, part)
    assert cycles  # not vacuous


def test_a_hold_left_by_an_interrupted_bootstrap_is_put_again_not_refused() -> None:
    """A bootstrap stopped after putting {part}-held left it on the role. The next run meets
    the same cycle: its hold has that very name (PutRolePolicy replaces it), so the leftover
    is no foreign inline policy of unknown size to refuse at; the role's own update deletes
    it after the swaps, the hold's removal at the end."""
    world = _world(("A", "B"), ("C", "D"), role=False)
    world.add(_RoleWithInline(ROLE, (f"{ROLE}-1-held",)))
    wanted = [_spec(1, "A", "C"), _spec(2, "B", "D")]
    got = handover.ordered(_plan(world, wanted), world, wanted, attached_max=2)
    assert [f"{a.op} {a.name}" for a in got][:2] == [
        f"create {ROLE} {ROLE}-1-held",
        f"update {ROLE}-1",
    ]


def test_a_leftover_hold_of_another_part_counts_as_a_whole_part() -> None:
    """A leftover {part}-held that this run does not put again stays until the role's update
    after the swaps: its size unread, it is counted as the largest a part may be, so the new
    hold beside it must fit in what is left of IAM's 10,240 characters."""
    world = _world(("A", "B"), ("C", "D"), role=False)
    world.add(_RoleWithInline(ROLE, (f"{ROLE}-7-held",)))
    wanted = [_spec(1, "A", "C"), _spec(2, "B", "D")]
    got = handover.ordered(_plan(world, wanted), world, wanted, attached_max=2)
    assert got[0].name == f"{ROLE} {ROLE}-1-held"  # small: fits beside a whole part
    big = [f"S{i:04d}" for i in range(60)]  # ~4,500 characters: not beside 6,144
    world = _world((*big, "B"), ("C", "D"), role=False)
    world.add(_RoleWithInline(ROLE, (f"{ROLE}-7-held",)))
    wanted = [_spec(1, *big, "C"), _spec(2, "B", "D")]
    with pytest.raises(handover.NoRoomToHold):
        handover.ordered(_plan(world, wanted), world, wanted, attached_max=2)
