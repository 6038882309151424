"""What every resource module provides, and the helpers they share.

A resource module holds one type of AWS resource (sometimes with the parts that only exist
inside it, like an HTTP API's routes): frozen specs of what is desired, records of what is
observed, and four functions, bundled as its ``RESOURCE``:

- ``desired(config, inputs)`` → specs (pure: names come from content hashes, no AWS call);
- ``observe(aws, names, desired, world)`` → what exists now (read-only calls);
- ``plan(ctx)`` → actions whose steps are the exact calls that reconcile the two;
- ``destroy(world)`` → actions that delete what exists.

``kinds`` maps each kind the module defines to the kinds it depends on; the planner derives
the create and destroy orders from these declarations (deploy/graph.py). ``billed`` names the
kinds that cost money while they exist (the endpoint's instances, by the hour): destroy deletes
them as early as their dependents allow. ``early`` names the kinds whose destroy action only
starts a change AWS then takes minutes to finish by itself (disabling a CloudFront
distribution): destroy runs them before anything else, and the action that needs that change
finished (deleting the distribution) comes as late as its dependencies allow and waits only
for what is left of it. The executor stays serial; the two slow waits of AWS overlap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from deploy.aws import tag_dict
from deploy.aws_errors import ErrorKind
from deploy.plan import Action, Change, Step, differences
from deploy.world import Desired, World

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.inputs import Inputs
    from deploy.naming import Names

GONE_OK = frozenset({ErrorKind.GONE})
EXISTS_OK = frozenset({ErrorKind.EXISTS})
BUSY = frozenset({ErrorKind.BUSY})
# What a retry waits for, as the plan prints it.
WHILE_PROPAGATING = "while IAM propagates the role just created or changed"
WHILE_BUSY = "while an earlier update is still running"


@dataclass
class PlanContext:
    """What a module plans from: the desired specs, the observed world, the actions so far."""

    desired: Desired
    world: World
    planned: list[Action] = field(default_factory=list)

    def changing(self, kind: str, name: str) -> bool:
        """True when an action already planned creates, updates or replaces this resource."""
        return any(
            a.kind == kind and a.name == name and a.op in ("create", "update", "replace")
            for a in self.planned
        )


def _none(*_: Any) -> list[Any]:
    return []


@dataclass(frozen=True)
class ResourceType:
    """One module's contribution to the engine (see the module docstring)."""

    kinds: Mapping[str, tuple[str, ...]]
    plan: Callable[[PlanContext], list[Action]]
    destroy: Callable[[World], list[Action]]
    observe: Callable[[Aws, Names, Desired, World], list[Any]] = _none
    desired: Callable[[Config, Inputs], list[Any]] = _none
    billed: tuple[str, ...] = ()  # kinds billed while they exist: destroyed first
    early: tuple[str, ...] = ()  # kinds that start a slow AWS change: destroy runs them first


def reconcile(
    spec: Any,
    seen: Any,
    create: Callable[[], tuple[Step, ...]],
    update: Callable[[tuple[Change, ...]], tuple[Step, ...]],
    *,
    missing: str = "does not exist",
) -> Action:
    """The usual decision: create what is missing, update what differs, else nothing."""
    kind = spec.KIND
    if seen is None:
        return Action("create", kind, spec.name, missing, steps=create())
    changes = differences(spec, seen)
    if not changes:
        return Action("noop", kind, spec.name, "up to date")
    return Action("update", kind, spec.name, changed(changes), changes, update(changes))


def sagemaker_tags(aws: Aws, arn: str) -> dict[str, str]:
    """A SageMaker resource's tags (ListTags; {} when it has none or is gone): whose it is,
    and what an endpoint records of its deploys. Every page: ListTags is paged by NextToken
    and its API reference states no default page size (MaxResults: "Minimum value of 50"),
    so 50 tags (SageMaker's limit per resource) are not promised in one answer."""
    return tag_dict(aws.read_pages("sagemaker", "ListTags", "Tags", ResourceArn=arn))


def changed(changes: tuple[Change, ...]) -> str:
    return "changed: " + ", ".join(c.field for c in changes)


def fields_of(changes: tuple[Change, ...]) -> set[str]:
    return {c.field for c in changes}
