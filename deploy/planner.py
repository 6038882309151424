"""(desired, observed) → the plan: every resource module's actions, in one derived order.

Pure: the same inputs always give the same plan. Modelled on AWS Chalice's planner (the plan
is data, printed by `plan` and run by `apply`), with one difference: there is no state file,
so what exists is whatever `observe` found by deterministic names and tags.

Order: each module declares what its kinds depend on; `graph.topological_order` turns that
into one order. Actions run in three phases: removals that must come first (destroy order),
creates and updates (create order), clean-up of what was superseded (destroy order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from deploy.graph import needed_by, reversed_dependencies, topological_order
from deploy.plan import Action, Call, resolve
from deploy.resources.base import PlanContext, ResourceType
from deploy.world import Desired, World


def kind_order(types: Sequence[ResourceType]) -> list[str]:
    """The one create order of every kind the given resource types define."""
    return topological_order(dependencies(types))


def dependencies(types: Sequence[ResourceType]) -> dict[str, tuple[str, ...]]:
    """Every kind the given resource types define, with the kinds it depends on."""
    depends_on: dict[str, tuple[str, ...]] = {}
    for t in types:
        depends_on.update(t.kinds)
    return depends_on


def destroy_order(types: Sequence[ResourceType]) -> list[str]:
    """The order destroy deletes kinds in: each after every kind that depends on it; first
    the ones that only start AWS's own slow work (``early``: the distribution's disable), so
    it overlaps the rest; then the billed ones (the endpoint) as early as that allows; the
    rest as the create order reversed."""
    depends_on = dependencies(types)
    create = topological_order(depends_on)
    reverse = reversed_dependencies({k: depends_on[k] for k in reversed(create)})
    return topological_order(reverse, first=_first_to_destroy(types))


def _first_to_destroy(types: Sequence[ResourceType]) -> list[str]:
    """The kinds destroy puts first, as far as their dependants allow: the ``early`` ones (they
    only start AWS's own slow work), then the ``billed`` ones."""
    return [k for t in types for k in t.early] + [k for t in types for k in t.billed]


def leading_kinds(types: Sequence[ResourceType]) -> set[str]:
    """The kinds `destroy_order` puts first: the early and billed ones and every kind that
    must go before them (an endpoint's autoscaling). What the sweep starts in every stack
    before it waits on any (`Teardown.run_leading`)."""
    depends_on = dependencies(types)
    return needed_by(reversed_dependencies(depends_on), _first_to_destroy(types))


def _bind(action: Action, known: dict[str, str]) -> Action:
    """Fill in the ids that already exist, so the plan shows them; the rest stay Refs."""
    steps = tuple(
        replace(s, params=resolve(dict(s.params), known, partial=True))
        if isinstance(s, Call)
        else s
        for s in action.steps
    )
    return replace(action, steps=steps)


def arrange(actions: list[Action], order: list[str]) -> list[Action]:
    """Before-phase in destroy order, main phase in create order, after-phase in destroy order.

    Sorting is stable: within a kind, actions keep the order their module gave them.
    """
    rank = {kind: i for i, kind in enumerate(order)}
    first = sorted((a for a in actions if a.phase == "before"), key=lambda a: -rank[a.kind])
    main = sorted((a for a in actions if a.phase == "main"), key=lambda a: rank[a.kind])
    last = sorted((a for a in actions if a.phase == "after"), key=lambda a: -rank[a.kind])
    return [*first, *main, *last]


def plan(types: Sequence[ResourceType], desired: Desired, world: World) -> list[Action]:
    """Every desired resource gets an action (noop included), plus deletions of leftovers."""
    order = kind_order(types)
    known = world.ids()
    ctx = PlanContext(Desired.of(resolve(r, known, partial=True) for r in desired), world)
    rank = {kind: i for i, kind in enumerate(order)}
    for t in sorted(types, key=lambda t: min(rank[k] for k in t.kinds)):
        ctx.planned += [_bind(a, known) for a in t.plan(ctx)]
    return arrange(ctx.planned, order)


def destroy_plan(types: Sequence[ResourceType], world: World) -> list[Action]:
    """Delete everything observed, dependents first, what starts a slow AWS change and the
    billed kinds as early as that allows (`destroy_order`)."""
    rank = {kind: i for i, kind in enumerate(destroy_order(types))}
    known = world.ids()
    actions = [_bind(a, known) for t in types for a in t.destroy(world)]
    return sorted(actions, key=lambda a: rank[a.kind])
