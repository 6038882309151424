"""One order of resource kinds, derived from what each kind depends on.

Creating follows it (a role before the model that uses it); destroying follows it reversed (the
model before its role). Ties keep the order in which the kinds were declared, so the plan reads
the same on every run and every machine. Destroying takes the kinds billed while they exist
(the SageMaker endpoint) as early as the kinds that must go before them allow, so a teardown
stops the cost first and not after the slow CloudFront disable; before even those, the kinds
whose action only starts what AWS then does by itself for minutes (disabling the distribution),
so that work goes on while the endpoint is deleted instead of after it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence


class CycleError(ValueError):
    """Kinds that depend on each other in a circle: no order can satisfy them."""


def topological_order(
    depends_on: Mapping[str, Sequence[str]], first: Sequence[str] = ()
) -> list[str]:
    """Every kind after the kinds it depends on (Kahn's algorithm, stable by declaration).

    ``first``: kinds to place as early as their dependencies allow (they and what they need
    win every tie; an earlier one and what it needs win over a later one). A dependency on a
    kind not in the mapping is an error: it would silently not be ordered.
    """
    for kind, deps in depends_on.items():
        unknown = [d for d in deps if d not in depends_on]
        if unknown:
            raise ValueError(f"{kind} depends on unknown kind(s): {', '.join(unknown)}")
    urgency: dict[str, int] = {}
    for i, wanted in enumerate(first):
        for kind in needed_by(depends_on, [wanted]):
            urgency.setdefault(kind, i)
    # stable: declaration order within the same urgency
    declared = sorted(depends_on, key=lambda k: urgency.get(k, len(first)))
    remaining = {k: set(depends_on[k]) for k in declared}
    order: list[str] = []
    while remaining:
        ready = [k for k in declared if k in remaining and not remaining[k]]
        if not ready:
            raise CycleError("dependency cycle among: " + ", ".join(sorted(remaining)))
        kind = ready[0]
        order.append(kind)
        del remaining[kind]
        for deps in remaining.values():
            deps.discard(kind)
    return order


def needed_by(depends_on: Mapping[str, Sequence[str]], kinds: Collection[str]) -> set[str]:
    """``kinds`` and every kind they depend on, directly or through others."""
    found: set[str] = set()
    todo = [k for k in kinds if k in depends_on]
    while todo:  # each kind is visited once: bounded by the number of kinds
        kind = todo.pop()
        if kind not in found:
            found.add(kind)
            todo.extend(depends_on[kind])
    return found


def reversed_dependencies(depends_on: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """For destroying: each kind "depends on" the kinds that depend on it (they go first)."""
    return {
        kind: tuple(other for other, deps in depends_on.items() if kind in deps)
        for kind in depends_on
    }
