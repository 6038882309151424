"""Will the account let the endpoint run? The Service Quotas value for its instance type, read
in `plan` and turned into warnings before anything is paid for or waited on.

New accounts often have a quota of 0 for ``ml.m5.large for endpoint usage``: CreateEndpoint
is then accepted and the endpoint fails minutes later (ResourceLimitExceeded). The quota is
the account's in the region, and SageMaker charges a request its current use plus the delta
("The account-level service limit '<type> for endpoint usage' is N Instances, with current
utilization of U Instances and a request delta of D Instances"), so the check counts what
*this plan* starts, read from the endpoint's planned action: a create starts its fleet; a
blue/green switch (a new model or instance type) runs the old fleet and the new one side by
side; a scale in place (UpdateEndpointWeightsAndCapacities) adds instances next to the running
ones, so it needs the new count, and a scale-down or an unchanged endpoint starts nothing.
With autoscaling, max_capacity is needed whenever the endpoint runs. Other endpoints on the
same type (another environment's) use the same quota: the check cannot see them.

Service Quotas answers *applied* values only ("If the applied quota value is not available
for a quota, the quota is not retrieved", ListServiceQuotas): a quota nobody raised is read
from the AWS defaults instead. A plan that cannot read quotas (no permission, no network)
says so and goes on: the warning is advice, not a gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import botocore.exceptions

from deploy.resources.endpoint_config import fleet_count

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.plan import Action
    from deploy.world import Desired, World

SERVICE = "sagemaker"
SERVERLESS_QUOTA = "Maximum total concurrency that can be allocated across all serverless endpoints"


@dataclass(frozen=True)
class Quota:
    name: str
    code: str
    value: float
    applied: bool  # False: the AWS default (nobody raised it for this account)


def endpoint_quota_name(instance_type: str) -> str:
    return f"{instance_type} for endpoint usage"


def console_link(region: str, code: str) -> str:
    return (
        f"https://{region}.console.aws.amazon.com/servicequotas/home/services/"
        f"{SERVICE}/quotas/{code}"
    )


def _find(quotas: list[Any], name: str) -> dict[str, Any] | None:
    return next((dict(q) for q in quotas if q.get("QuotaName") == name), None)


def read_quota(aws: Aws, name: str) -> Quota | None:
    """The account's value of one SageMaker quota: applied if any, else AWS's default.
    (The calls are spelled out: tests/deploy/bootstrap reads them to check the roles.)"""
    applied = _find(
        aws.pages("service-quotas", "ListServiceQuotas", "Quotas", ServiceCode=SERVICE), name
    )
    found = applied or _find(
        aws.pages("service-quotas", "ListAWSDefaultServiceQuotas", "Quotas", ServiceCode=SERVICE),
        name,
    )
    if found is None:
        return None
    return Quota(name, found["QuotaCode"], float(found["Value"]), applied is not None)


@dataclass(frozen=True)
class Need:
    """How many instances (or how much concurrency) the plan needs at once, and in words why
    and what would fail without them; ``fix``: what to change instead of asking for more."""

    count: int
    why: str
    fails: str
    fix: str = ""


def _endpoint_action(actions: list[Action]) -> Action | None:
    return next((a for a in actions if a.kind == "endpoint"), None)


def _change(action: Action, name: str) -> Any:
    return next((c for c in action.changes if c.field == name), None)


def _starts(action: Action | None) -> str | None:
    """What the endpoint's planned action starts: "create", "switch", "scale" or None."""
    if action is None or action.op in ("noop", "wait", "delete"):
        return None
    if action.op in ("create", "replace"):
        return "create"
    if _change(action, "config") is not None:
        return "switch"
    return "scale" if action.changes else None


def instances_needed(
    cfg: Config, world: World, desired: Desired, actions: list[Action]
) -> Need | None:
    """The instances the plan's endpoint action needs at once (None: it starts none)."""
    e = cfg.endpoint
    action = _endpoint_action(actions)
    starts = _starts(action)
    auto = e.autoscaling.max_capacity if e.autoscaling else 0
    grows = f", and autoscaling may grow it to max_capacity {auto}" if auto else ""
    if action is None or starts is None:
        if not auto:
            return None
        return Need(
            auto,
            f"autoscaling may grow the endpoint to max_capacity {auto}",
            "scale-outs past the quota would fail with ResourceLimitExceeded",
            " or lower endpoint.autoscaling.max_capacity",
        )
    if starts == "scale":
        count = _change(action, "instance_count")
        if count is None or count.after <= count.before:
            return None
        before, after = count.before, count.after
        return Need(
            after,
            f"scaling in place from {before} to {after} needs {after}: the {before} running "
            f"stay and {after - before} more start next to them (no second fleet)",
            "UpdateEndpointWeightsAndCapacities would fail with ResourceLimitExceeded",
        )
    config = _change(action, "config")
    target = config.after if config is not None else None
    fleet = (fleet_count(target, desired, world) if target else None) or e.instance_count
    if starts == "create":
        need = max(fleet, e.instance_count, auto)
        return Need(
            need,
            f"the endpoint needs {need}: creating it starts {fleet}{grows}",
            "CreateEndpoint would fail with ResourceLimitExceeded",
            " (or choose another endpoint.instance_type)",
        )
    seen = world.get("endpoint", action.name)
    old = (seen.instances if seen is not None else None) or 0
    need = max(old + fleet, e.instance_count, auto)
    return Need(
        need,
        f"the update needs {need}: a blue/green switch (new model or instance type) runs the "
        f"old fleet of {old} and the new one of {fleet} together{grows}",
        "UpdateEndpoint would fail with ResourceLimitExceeded and the old config keep serving",
    )


def concurrency_needed(cfg: Config, actions: list[Action]) -> Need | None:
    """The serverless concurrency the plan allocates (None: none more than now)."""
    serverless = cfg.endpoint.serverless
    assert serverless is not None
    action = _endpoint_action(actions)
    starts = _starts(action)
    if action is None or starts is None:
        return None
    if starts == "scale":
        change = _change(action, "max_concurrency")
        if change is None or change.after <= change.before:
            return None
    need = serverless.max_concurrency
    return Need(
        need,
        f"endpoint.serverless.max_concurrency is {need} (shared by every serverless endpoint "
        "in the account)",
        "SageMaker would refuse it (ResourceLimitExceeded)",
        " or lower it",
    )


def warnings(
    aws: Aws, cfg: Config, world: World, actions: list[Action], desired: Desired
) -> list[str]:
    """What the plan should warn about the account's quotas (empty: enough for what the
    plan's ``actions`` start)."""
    serverless = cfg.endpoint.serverless
    need = (
        concurrency_needed(cfg, actions)
        if serverless
        else instances_needed(cfg, world, desired, actions)
    )
    if need is None:
        return []
    name = SERVERLESS_QUOTA if serverless else endpoint_quota_name(cfg.endpoint.instance_type)
    try:
        quota = read_quota(aws, name)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as err:
        return [f"could not read the Service Quotas for SageMaker ({err}); check {name!r} yourself"]
    if quota is None:
        return [f"Service Quotas has no quota named {name!r} in {cfg.region}; check it yourself"]
    if quota.value >= need.count:
        return []
    link = console_link(cfg.region, quota.code)
    source = "applied" if quota.applied else "AWS default"
    return [
        f"{name!r} is {quota.value:g} ({source}), but {need.why}; {need.fails}. Ask for at "
        f"least {need.count} at {link}{need.fix}"
    ]
