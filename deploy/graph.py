"""One order of resource kinds, derived from what each kind depends on.

Creating follows it (a role before the model that uses it); destroying follows it reversed (the
model before its role). Ties keep the order in which the kinds were declared, so the plan reads
the same on every run and every machine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class CycleError(ValueError):
    """Kinds that depend on each other in a circle: no order can satisfy them."""


def topological_order(depends_on: Mapping[str, Sequence[str]]) -> list[str]:
    """Every kind after the kinds it depends on (Kahn's algorithm, stable by declaration).

    A dependency on a kind not in the mapping is an error: it would silently not be ordered.
    """
    for kind, deps in depends_on.items():
        unknown = [d for d in deps if d not in depends_on]
        if unknown:
            raise ValueError(f"{kind} depends on unknown kind(s): {', '.join(unknown)}")
    declared = list(depends_on)
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
