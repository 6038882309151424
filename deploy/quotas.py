"""Will the account let the endpoint run? The Service Quotas value for its instance type, read
in `plan` and turned into warnings before anything is paid for or waited on.

New accounts often have a quota of 0 for ``ml.m5.large for endpoint usage``: CreateEndpoint
is then accepted and the endpoint fails minutes later (ResourceLimitExceeded). A blue/green
update runs the old and the new fleet side by side, so it needs twice the instances.

Service Quotas answers *applied* values only ("If the applied quota value is not available
for a quota, the quota is not retrieved", ListServiceQuotas): a quota nobody raised is read
from the AWS defaults instead. A plan that cannot read quotas (no permission, no network)
says so and goes on: the warning is advice, not a gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import botocore.exceptions

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.world import World

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


def _needed(cfg: Config) -> int:
    """Instances the endpoint may run at once (autoscaling's maximum when it scales)."""
    e = cfg.endpoint
    return e.autoscaling.max_capacity if e.autoscaling else e.instance_count


def warnings(aws: Aws, cfg: Config, world: World) -> list[str]:
    """What the plan should warn about the account's quotas (empty: enough)."""
    serverless = cfg.endpoint.serverless
    name = SERVERLESS_QUOTA if serverless else endpoint_quota_name(cfg.endpoint.instance_type)
    try:
        quota = read_quota(aws, name)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as err:
        return [f"could not read the Service Quotas for SageMaker ({err}); check {name!r} yourself"]
    if quota is None:
        return [f"Service Quotas has no quota named {name!r} in {cfg.region}; check it yourself"]
    link = console_link(cfg.region, quota.code)
    source = "applied" if quota.applied else "AWS default"
    have = f"{name!r} is {quota.value:g} ({source})"
    if serverless:
        need = serverless.max_concurrency
        if quota.value < need:
            return [
                f"{have}, but endpoint.serverless.max_concurrency is {need} (shared by every "
                f"serverless endpoint in the account): lower it or ask for more at {link}"
            ]
        return []
    need = _needed(cfg)
    if quota.value < need:
        return [
            f"{have}, but the endpoint needs {need}: CreateEndpoint would fail with "
            f"ResourceLimitExceeded. Ask for at least {need} at {link} (or choose another "
            "endpoint.instance_type)"
        ]
    blue_green = 2 * need
    if world.get("endpoint", cfg.project) is not None and quota.value < blue_green:
        return [
            f"{have}: a blue/green update runs the old and the new fleet together and needs "
            f"{blue_green}; an update of the endpoint would fail. Ask for {blue_green} at {link}"
        ]
    return []
