"""The order bootstrap changes a GitHub role's managed policies in, so that every permission
the role has before and keeps after is granted at every step of the apply.

Why: a role's statements are packed into its parts in order (policies.role_policies), so a
changed configuration (an environment added or removed, a statement grown) moves statements
from part k to k+1 or back. Each part changes with its own CreatePolicyVersion, one at a time;
in the order of the part numbers, a statement leaving part k before part k+1 gains it is in
neither part's default version for a moment, and a workflow running as the role then is
denied.

The rule (pure, on what the plan already has): a part that is new, or not attached yet, only
adds; it is created, updated and attached first. A part whose document changes in place
(``swap``) goes only when everything kept that it drops is granted elsewhere at that moment:
by another part as it then reads, the inline policy of earlier bootstraps, or its own new
document. Taken greedily, lowest part first. Parts no longer wanted are detached and deleted
last (the ``after`` phase, attachments.py, managed_policy.py), once every new document is in.
Packing in order moves statements one way across each boundary between parts, so in the
usual changes no two swaps wait on each other and each next one is safe
(tests/deploy/bootstrap/test_handover.py replays environments added and removed, previews on
and off). Parts can trade statements both ways, or round a longer cycle, when the order of
the environments changes: a statement naming every environment's resources is cut into runs
across parts, and reordered resources land in other runs. No order of single swaps keeps
such a cycle; a temporary part (``hold``) then keeps the lowest waiting part's current
document while it changes: created and attached just before, detached and deleted at the very
end. It is named like a part past the last (``{role}-N``), so a bootstrap stopped half-way
removes it the next time as any part no longer wanted. When the role has no room for one
more attached policy (``attached_max``, less the managed policies others attached to it), an
inline policy ``{part}-held`` holds that document instead (a part is at most 6,144
characters, a role's inline policies together 10,240); when that does not fit either (other
inline policies on the role), bootstrap refuses before changing anything (NoRoomToHold)
rather than let the part go uncovered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from deploy.aws import DeployError
from deploy.bootstrap.attachments import Attachment, InlinePolicy
from deploy.bootstrap.managed_policy import PolicySpec, plan_create
from deploy.bootstrap.policies import (
    ATTACHED_POLICIES_MAX,
    ATTACHED_QUOTA_CODE,
    MANAGED_POLICY_MAX,
    ROLE_INLINE_MAX,
    iam_size,
    is_role_policy_of,
    part_name,
)
from deploy.plan import Action, Call
from deploy.resources.base import GONE_OK
from deploy.world import World

Grant = tuple[str, str, str, str]  # effect, action, resource, condition (JSON)
INLINE_HOLD = "iam_inline_hold"  # a temporary inline policy (`_hold_inline`)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def grants(document: dict[str, Any] | None) -> frozenset[Grant]:
    """What a document allows, one (effect, action, resource, condition) at a time: the same
    for a statement wherever it sits and for the runs of resources it is cut into."""
    out: set[Grant] = set()
    for st in (document or {}).get("Statement", []):
        condition = json.dumps(st.get("Condition"), sort_keys=True)
        out |= {
            (st.get("Effect", "Allow"), a, r, condition)
            for a in _listed(st.get("Action", []))
            for r in _listed(st.get("Resource", []))
        }
    return frozenset(out)


def _role_of(part: str, roles: Iterable[str]) -> str | None:
    """The role a part ``{role}-N`` belongs to (the longest name: roles may share a prefix)."""
    mine = [r for r in roles if is_role_policy_of(r, part)]
    return max(mine, key=len, default=None)


# How a part waiting in a cycle is held while it changes (``_swaps_in_order``): not at all
# (it waits on nothing), by a temporary part, by a temporary inline policy, or nowhere.
NOT_HELD, IN_PART, INLINE, NOWHERE = "", "part", "inline", "nowhere"


def _swaps_in_order(
    state: dict[str, frozenset[Grant]],
    kept: frozenset[Grant],
    new: dict[str, frozenset[Grant]],
    pending: list[str],
    room: int = 0,
    inline_room: int = 0,
    sizes: Mapping[str, int] | None = None,
) -> list[tuple[str, str]]:
    """The order to replace the documents of ``pending`` parts in: each when what it drops of
    ``kept`` (granted before and after) is granted elsewhere at that moment, lowest part
    first. ``state``: what grants while they change, by source (part, inline policy). When
    every part left waits on another (a cycle), the lowest is held: a temporary part keeps
    its current grants, up to ``room`` of them (IN_PART beside it); past those, an inline
    policy does while the role's inline policies stay within ``inline_room`` characters
    (``sizes``: each part's current document's; INLINE); else NOWHERE (apply.py refuses).
    Each round replaces one part, so it ends after ``len(pending)`` rounds."""
    state, left, out = dict(state), list(pending), []
    while left:
        held = NOT_HELD
        for part in left:
            others = frozenset().union(*(g for p, g in state.items() if p != part))
            if (state[part] - new[part]) & kept <= others:
                break
        else:
            part = left[0]  # a cycle (the module's docstring)
            size = (sizes or {}).get(part, inline_room + 1)
            if room > 0:
                held, room = IN_PART, room - 1
            elif size <= inline_room:
                held, inline_room = INLINE, inline_room - size
            else:
                held = NOWHERE
            if held != NOWHERE:
                state[f"{part} held"] = state[part]
        left.remove(part)
        state[part] = new[part]
        out.append((part, held))
    return out


def _number(part: str) -> int:
    return int(part.rsplit("-", 1)[-1])


def _holds(attached: int, last: int, attached_max: int) -> int:
    """How many temporary parts a role has room for: attached with its ``attached`` others,
    and named past its ``last`` part up to ``attached_max`` (where apply.py looks for parts
    left over, should a bootstrap stop before removing them)."""
    return max(0, min(attached_max - attached, attached_max - last))


def _hold(role: str, spec: PolicySpec, document: dict[str, Any], number: int) -> list[Action]:
    """A temporary part ``{role}-{number}`` with ``document`` (``spec``'s current one), then
    attached: its creation, and (phase ``after``) its removal."""
    name = part_name(role, number)
    arn = spec.arn.rsplit("/", 1)[0] + "/" + name
    temporary = replace(
        spec, name=name, arn=arn, document=document,
        description=f"Holds the permissions of {spec.name} while it changes (temporary)",
    )  # fmt: skip
    why = f"holds {spec.name}'s permissions while parts trade statements"
    done = f"temporary: held {spec.name}'s permissions while it changed"
    attach = Attachment.of(role, arn)
    params = {"RoleName": role, "PolicyArn": arn}
    return [
        Action("create", "iam_policy", name, why, steps=(plan_create(temporary),)),
        Action("create", Attachment.KIND, attach.name, why,
               steps=(Call("iam", "AttachRolePolicy", params),)),
        Action("delete", Attachment.KIND, attach.name, done,
               steps=(Call("iam", "DetachRolePolicy", params, ok_if=GONE_OK),), phase="after"),
        Action("delete", "iam_policy", name, done,
               steps=(Call("iam", "DeletePolicy", {"PolicyArn": arn}, ok_if=GONE_OK),),
               phase="after"),
    ]  # fmt: skip


def _hold_inline(role: str, part: str, document: dict[str, Any]) -> list[Action]:
    """An inline policy ``{part}-held`` on the role with ``document`` (the part's current
    one): put just before the part changes, deleted (phase ``after``) at the end. Left over
    by a bootstrap stopped half-way, the next one deletes it as any inline policy the role
    should not have (deploy/resources/iam.py)."""
    name = f"{part}-held"
    key = f"{role} {name}"
    why = f"holds {part}'s permissions while parts trade statements (no room for another part)"
    done = f"temporary: held {part}'s permissions while it changed"
    params = {"RoleName": role, "PolicyName": name}
    put = Call("iam", "PutRolePolicy", {**params, "PolicyDocument": json.dumps(document)})
    return [
        Action("create", INLINE_HOLD, key, why, steps=(put,)),
        Action("delete", INLINE_HOLD, key, done,
               steps=(Call("iam", "DeleteRolePolicy", params, ok_if=GONE_OK),), phase="after"),
    ]  # fmt: skip


class NoRoomToHold(DeployError):
    """A role's parts trade statements and nothing can hold the waiting part's permissions
    meanwhile: nothing was changed (the message says what to do)."""


def _no_room(role: str, part: str, attached_max: int, others: int, inline_room: int) -> str:
    return (
        f"role {role}: its parts trade statements (the environments' order changed), so "
        f"{part} must change while another still lacks what it gives up; its permissions are "
        f"held meanwhile by a temporary managed policy or inline policy, and the role has room "
        f"for neither: {attached_max} managed policies attached (the account's quota"
        + (f", {others} of them attached by others" if others else "")
        + f") and {inline_room} characters left of IAM's {ROLE_INLINE_MAX:,} for its inline "
        f"policies. Nothing was changed. Raise IAM's 'Managed policies per role' "
        f"({ATTACHED_QUOTA_CODE}) in Service Quotas, detach a policy the role does not need, "
        f"or delete its other inline policies (aws iam delete-role-policy --role-name {role} "
        f"--policy-name NAME); then run bootstrap again"
    )


def _leftover_holds(world: World, role: str) -> set[str]:
    """The role's inline holds (``{part}-held``) a bootstrap stopped half-way left on it."""
    seen_role = world.get("iam_role", role)
    return {
        name
        for name in getattr(seen_role, "inline_policies", ())
        if name.endswith("-held") and is_role_policy_of(role, name.removesuffix("-held"))
    }


def _inline_room(world: World, role: str) -> int:
    """Characters left for a temporary inline policy: IAM's 10,240 a role, less the inline
    policy of earlier bootstraps and a whole part (``MANAGED_POLICY_MAX``, their size unread)
    for each hold one left (the role's update deletes them after the swaps; a hold put again
    under the same name replaces it, `ordered`); none beside any other inline policy."""
    seen_role = world.get("iam_role", role)
    inline = world.get(InlinePolicy.KIND, role)
    known = {inline.policy_name} if inline is not None else set()
    leftovers = _leftover_holds(world, role)
    if set(getattr(seen_role, "inline_policies", ())) - known - leftovers:
        return 0
    ours = iam_size(inline.document) if inline and inline.document else 0
    return ROLE_INLINE_MAX - ours - MANAGED_POLICY_MAX * len(leftovers)


def ordered(
    actions: list[Action],
    world: World,
    wanted: list[PolicySpec],
    attached_max: int = ATTACHED_POLICIES_MAX,
    foreign: Mapping[str, int] | None = None,
) -> list[Action]:
    """The plan with each existing role's part changes in a safe order (the module's rule):
    its new parts created and attached first, then its changed parts one by one as
    `_swaps_in_order` says (a held one after its temporary part), all where the first of
    them was; everything else as planned, and the temporary parts removed at the end.
    ``foreign``: how many managed policies others attached to each role (they take room)."""
    specs = {p.name: p for p in wanted}
    roles = [r.name for r in world.of_kind("iam_role")]
    policy_actions: dict[str, dict[str, Action]] = {}
    attach_of: dict[str, Action] = {}  # part name → its AttachRolePolicy, existing roles only
    for a in actions:
        role = _role_of(a.name.rsplit("/", 1)[-1], roles) if a.phase == "main" else None
        if role is None:
            continue
        if a.kind == "iam_policy" and a.name in specs:
            policy_actions.setdefault(role, {})[a.name] = a
        elif a.kind == Attachment.KIND and a.op == "create":
            attach_of[a.name.rsplit("/", 1)[-1]] = a
    replacement: dict[int, list[Action]] = {}  # id of a role's first part action → its order
    removals: list[Action] = []  # the temporary parts', after everything else
    for role, mine in policy_actions.items():
        attached = {
            s.policy_arn.rsplit("/", 1)[-1]
            for s in world.of_kind(Attachment.KIND)
            if s.role == role
        }
        inline = world.get(InlinePolicy.KIND, role)
        state = {p: grants(_document(world, p)) for p in attached}
        state[""] = grants(inline.document) if inline is not None else frozenset()
        new = {p: grants(specs[p].document) for p in mine}
        kept = frozenset().union(*state.values()) & frozenset().union(*new.values())
        grow = [p for p in mine if p not in attached]
        swap = [p for p in mine if p in attached and mine[p].op == "update"]
        rest = [p for p in mine if p not in grow and p not in swap]
        state.update({p: new[p] for p in grow})  # attached, as they read, before any swap
        order: list[Action] = []
        for p in grow:
            order.append(mine[p])
            if p in attach_of:
                order.append(attach_of[p])
        seen = [p.name for p in world.of_kind("iam_policy") if is_role_policy_of(role, p.name)]
        number = max(map(_number, [*attached, *mine, *seen]))
        others = (foreign or {}).get(role, 0)
        room = _holds(len({*attached, *mine}) + others, number, attached_max)
        inline_room = _inline_room(world, role)
        leftovers = _leftover_holds(world, role)
        sizes = {  # a hold put again over a leftover frees the room counted for it
            p: iam_size(_document(world, p) or {})
            - (MANAGED_POLICY_MAX if f"{p}-held" in leftovers else 0)
            for p in swap
        }
        for p, held in _swaps_in_order(state, kept, new, swap, room, inline_room, sizes):
            if held == NOWHERE:
                raise NoRoomToHold(_no_room(role, p, attached_max, others, inline_room))
            if held == IN_PART:
                number += 1
                hold = _hold(role, specs[p], _document(world, p) or {}, number)
                order += hold[:2]
                removals += hold[2:]
            elif held == INLINE:
                put, remove = _hold_inline(role, p, _document(world, p) or {})
                order.append(put)
                removals.append(remove)
            order.append(mine[p])
        order += [mine[p] for p in rest]
        first = next(a for a in actions if a.kind == "iam_policy" and a.name in mine)
        replacement[id(first)] = order
    done = {id(a) for order in replacement.values() for a in order}
    out: list[Action] = []
    for a in actions:
        if id(a) in replacement:
            out += replacement[id(a)]
        elif id(a) not in done:
            out.append(a)
    return out + removals


def _document(world: World, part: str) -> dict[str, Any] | None:
    seen = world.get("iam_policy", part)
    return seen.document if seen is not None else None
