"""Will the account let the endpoint run? The Service Quotas value for its instance type, read
in `plan` and turned into warnings before anything is paid for or waited on.

New accounts often have a quota of 0 for ``ml.m5.large for endpoint usage``: CreateEndpoint
is then accepted and the endpoint fails minutes later (ResourceLimitExceeded). The quota is
the account's in the region, and SageMaker charges a request its current use plus the delta
("The account-level service limit '<type> for endpoint usage' is N Instances, with current
utilization of U Instances and a request delta of D Instances"), so the check counts what
*this plan* starts, read from the endpoint's planned action: a create starts its fleet; a
blue/green switch (a new model or instance type) runs the old fleet and the new one side by
side, and each instance type has its own quota ("ml.m5.xlarge for endpoint usage"), so a
switch to another type needs only the new fleet of that type; a scale in place
(UpdateEndpointWeightsAndCapacities) adds instances next to the running ones, so it needs the
new count, and a scale-down or an unchanged endpoint starts nothing.
With autoscaling, max_capacity is needed whenever the endpoint runs. The project's other
stacks (its other environments and previews, ``{project}-…``) draw on the same quota: the
instances (or serverless concurrency) their endpoints hold are added to what the plan needs.
What is counted is every endpoint named ``{project}`` or ``{project}-…`` that the role may
read, and each is said by whose it is, its ``project`` tag: this project's, another project's
whose names start as this one's do (project ``app-staging`` and ``app``'s staging have the
same names), or untagged (not made by deploy). Every one holds the account's quota, so all are
added; endpoints named otherwise (other projects') count too, but the plan role may not read
them (it reads only the project's own resources), so they are not counted.

Service Quotas answers *applied* values only ("If the applied quota value is not available
for a quota, the quota is not retrieved", ListServiceQuotas): a quota nobody raised is read
from the AWS defaults instead. A plan that cannot read quotas (no permission, no network)
says so and goes on: the warning is advice, not a gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import botocore.exceptions

from deploy.resources.base import sagemaker_tags
from deploy.resources.endpoint_config import fleet_count

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.plan import Action
    from deploy.world import Desired, World

SERVICE = "sagemaker"
# Endpoint statuses in which an endpoint holds its instances (or its serverless concurrency):
# all but Failed (OutOfService holds none either; Deleting still does until it is gone).
HOLDING = frozenset(
    {"Creating", "InService", "Updating", "SystemUpdating", "RollingBack", "Deleting"}
)
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
    old_type = _fleet_type(world, seen.config if seen is not None else None)
    if old and old_type is not None and old_type != e.instance_type:
        # Each instance type has its own quota: the old fleet holds none of the new type's.
        need = max(fleet, e.instance_count, auto)
        return Need(
            need,
            f"the update needs {need}: a blue/green switch to another instance type starts a "
            f"fleet of {fleet} (the old fleet of {old} runs {old_type}, another quota){grows}",
            "UpdateEndpoint would fail with ResourceLimitExceeded and the old config keep serving",
        )
    need = max(old + fleet, e.instance_count, auto)
    return Need(
        need,
        f"the update needs {need}: a blue/green switch (new model or instance type) runs the "
        f"old fleet of {old} and the new one of {fleet} together{grows}",
        "UpdateEndpoint would fail with ResourceLimitExceeded and the old config keep serving",
    )


def _fleet_type(world: World, config: str | None) -> str | None:
    """The instance type of the fleet the endpoint runs now, read from its config (None:
    unknown, or serverless)."""
    seen = world.get("endpoint_config", config) if config else None
    variant = seen.variant if seen is not None else None
    return variant.get("instance_type") if variant else None


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


@dataclass(frozen=True)
class Held:
    """What the other endpoints named like the project's stacks hold of the same quota
    (``by``: endpoint -> count), whose each is (``owners``: endpoint -> its ``project`` tag,
    "" when it has none, None when its tags could not be read; absent: this project's), and
    those that could not be read."""

    by: tuple[tuple[str, int], ...] = ()
    unread: tuple[str, ...] = ()
    owners: tuple[tuple[str, str | None], ...] = ()
    project: str = field(default="", compare=False)  # whose "the project's" are

    @property
    def count(self) -> int:
        return sum(n for _, n in self.by)

    def words(self, unit: str) -> str:
        """ ", and the project's other endpoints hold 1 (trends-anomaly-staging: 1)" or "",
        then another project's, the untagged and those whose tags could not be read, each
        said as such."""
        owner = dict(self.owners)
        groups: dict[str | None, list[tuple[str, int]]] = {}
        for name, n in self.by:
            groups.setdefault(owner.get(name, self.project), []).append((name, n))
        out = ""
        order = {"": 2, None: 3, self.project: 0}  # another project's: 1, by name
        for whose in sorted(groups, key=lambda w: (order.get(w, 1), w or "")):
            held = groups[whose]
            each = ", ".join(f"{name}: {n}" for name, n in held)
            total = sum(n for _, n in held)
            out += f", and {_whose(whose, self.project)} hold {total} {unit} ({each})"
        if self.unread:
            out += f" (not counted, unreadable: {', '.join(self.unread)})"
        return out


def _whose(owner: str | None, project: str) -> str:
    """Whose endpoints they are, by their ``project`` tag (None: it could not be read)."""
    if owner is None:
        return "endpoints whose tags could not be read (sagemaker:ListTags refused)"
    if owner == project:
        return "the project's other endpoints"
    if owner:
        return (
            f"project {owner}'s endpoints (another project, whose names start as this project's do)"
        )
    return "endpoints without a project tag (not made by deploy)"


def _of_stack(name: str, project: str) -> bool:
    """Whether an endpoint name is one of the project's stacks (``{project}`` or
    ``{project}-…``; ListEndpoints' NameContains also matches ``other-{project}``)."""
    return name == project or name.startswith(f"{project}-")


def held_elsewhere(aws: Aws, project: str, own: set[str], instance_type: str | None) -> Held:
    """Instances of ``instance_type`` (None: serverless concurrency) held by the endpoints
    named like the project's other stacks, with whose each is (its ``project`` tag, read only
    of an endpoint that holds some). An endpoint deleted since the listing holds nothing; one
    that cannot be read (denied, or its config deleted under it) is named as not counted.
    (The calls are spelled out: tests/deploy/bootstrap reads them to check the roles.)"""
    by: list[tuple[str, int]] = []
    unread: list[str] = []
    owners: list[tuple[str, str]] = []
    listed = aws.pages("sagemaker", "ListEndpoints", "Endpoints", NameContains=project)
    for item in sorted(listed, key=lambda e: e["EndpointName"]):
        name = item["EndpointName"]
        if name in own or not _of_stack(name, project) or item["EndpointStatus"] not in HOLDING:
            continue
        try:
            seen = aws.read("sagemaker", "DescribeEndpoint", EndpointName=name)
            if seen is None:
                continue  # deleted since the listing: it holds nothing now
            config = aws.read(
                "sagemaker", "DescribeEndpointConfig", EndpointConfigName=seen["EndpointConfigName"]
            )
        except botocore.exceptions.ClientError:
            unread.append(name)
            continue
        if config is None:  # deleted under a running endpoint: its instance type is unknown
            unread.append(f"{name} (its endpoint config {seen['EndpointConfigName']} is gone)")
            continue
        count = _holds(seen, config, instance_type)
        if count:
            by.append((name, count))
            owners.append((name, _owner(aws, seen["EndpointArn"])))
    return Held(tuple(by), tuple(unread), tuple(owners), project)


def _owner(aws: Aws, arn: str) -> str | None:
    """An endpoint's ``project`` tag ("" when it has none; None when its tags cannot be read:
    it still holds its instances, counted all the same, and is not said to be untagged)."""
    try:
        return sagemaker_tags(aws, arn).get("project", "")
    except botocore.exceptions.ClientError:
        return None


def _holds(seen: dict[str, Any], config: dict[str, Any], instance_type: str | None) -> int:
    """What one endpoint holds: its variants' current instances of ``instance_type``, or
    (None) their current serverless MaxConcurrency."""
    types = {v["VariantName"]: v.get("InstanceType") for v in config["ProductionVariants"]}
    total = 0
    for variant in seen.get("ProductionVariants", []):
        if instance_type is None:
            total += (variant.get("CurrentServerlessConfig") or {}).get("MaxConcurrency", 0)
        elif types.get(variant["VariantName"]) == instance_type:
            total += variant.get("CurrentInstanceCount") or 0
    return total


def endpoint_instance_types() -> list[str]:
    """The instance types a SageMaker endpoint takes, as the installed botocore lists them
    (its model's ProductionVariantInstanceType: what CreateEndpointConfig validates)."""
    from deploy.naming import botocore_session  # the model config validation read

    model = botocore_session().get_service_model("sagemaker")
    return list(model.shape_for("ProductionVariantInstanceType").enum)


def unlisted_type(instance_type: str) -> str | None:
    """Why ``instance_type`` is likely a mistake, when botocore does not list it (None when it
    does). Only said: a type newer than the installed botocore is real, so plan warns and
    does not refuse (config.py checks the shape alone)."""
    import botocore

    known = endpoint_instance_types()
    if instance_type in known:
        return None
    family = instance_type.rsplit(".", 1)[0]
    sizes = [t.rsplit(".", 1)[1] for t in known if t.rsplit(".", 1)[0] == family]
    where = (
        f" ({family} comes in {', '.join(sizes)})"
        if sizes
        else " (the types and their prices: https://aws.amazon.com/sagemaker/pricing/)"
    )
    return (
        f"{instance_type} is not among the {len(known)} endpoint instance types botocore "
        f"{botocore.__version__} lists{where}: CreateEndpointConfig will refuse it, unless it is "
        "newer than that botocore (then upgrade boto3 and botocore in uv.lock)"
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
        unlisted = None if serverless else unlisted_type(cfg.endpoint.instance_type)
        if unlisted:
            return [f"{unlisted}; Service Quotas has no quota for it in {cfg.region} either"]
        return [f"Service Quotas has no quota named {name!r} in {cfg.region}; check it yourself"]
    own = {spec.name for spec in desired.of_kind("endpoint")}
    instance_type = None if serverless else cfg.endpoint.instance_type
    try:
        held = held_elsewhere(aws, cfg.project, own, instance_type)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as err:
        held = Held(unread=(f"ListEndpoints failed: {err}",))
    total = need.count + held.count
    if quota.value >= total:
        return []
    link = console_link(cfg.region, quota.code)
    source = "applied" if quota.applied else "AWS default"
    unit = "of concurrency" if serverless else "instances"
    return [
        f"{name!r} is {quota.value:g} ({source}), but {need.why}{held.words(unit)}; "
        f"{need.fails}. Ask for at least {total} at {link}{need.fix}"
    ]
