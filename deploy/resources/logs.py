"""CloudWatch log groups of the Lambda, the endpoint and the HTTP API's access log, created
before any of them writes.

Created here (not left to Lambda/SageMaker/API Gateway) so they carry the project's tags and
retention, and so `destroy` removes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from deploy.plan import Action, Call, Change, Step
from deploy.resources.base import GONE_OK, PlanContext, ResourceType, fields_of, reconcile
from deploy.world import Desired, World

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.inputs import Inputs
    from deploy.naming import Names


@dataclass(frozen=True)
class LogGroupSpec:
    KIND: ClassVar[str] = "log_group"
    name: str
    arn: str = field(compare=False)
    retention_days: int = 14
    tags: dict[str, str] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SeenLogGroup:
    KIND: ClassVar[str] = "log_group"
    name: str
    retention_days: int | None
    tags: dict[str, str]


def _groups(names: Names) -> tuple[str, ...]:
    return (names.endpoint_log_group, names.lambda_log_group, names.api_log_group)


def desired(cfg: Config, inp: Inputs) -> list[LogGroupSpec]:
    n = inp.names
    return [
        LogGroupSpec(group, n.log_group_arn(group), cfg.log_retention_days, cfg.all_tags)
        for group in _groups(n)
    ]


def observe(aws: Aws, names: Names, desired: Desired, world: World) -> list[SeenLogGroup]:
    out = []
    for group in _groups(names):
        # Paged, "up to 50 items" a page (CloudWatch Logs API Reference, DescribeLogGroups):
        # read on until the group itself; previews' groups may share its name as a prefix.
        listed = aws.items("logs", "DescribeLogGroups", "logGroups", logGroupNamePrefix=group)
        found = next((g for g in listed if g["logGroupName"] == group), None)
        if found is None:
            continue
        tags = aws.read("logs", "ListTagsForResource", resourceArn=names.log_group_arn(group))
        out.append(SeenLogGroup(group, found.get("retentionInDays"), (tags or {}).get("tags", {})))
    return out


def _create(spec: LogGroupSpec) -> tuple[Step, ...]:
    return (
        Call("logs", "CreateLogGroup", {"logGroupName": spec.name, "tags": spec.tags or {}}),
        _retention(spec),
    )


def _retention(spec: LogGroupSpec) -> Call:
    return Call(
        "logs",
        "PutRetentionPolicy",
        {"logGroupName": spec.name, "retentionInDays": spec.retention_days},
    )


def _update(spec: LogGroupSpec, changes: tuple[Change, ...]) -> tuple[Step, ...]:
    steps: list[Step] = []
    if "retention_days" in fields_of(changes):
        steps.append(_retention(spec))
    if "tags" in fields_of(changes):
        steps.append(Call("logs", "TagResource", {"resourceArn": spec.arn, "tags": spec.tags}))
    return tuple(steps)


def plan(ctx: PlanContext) -> list[Action]:
    return [
        reconcile(
            spec,
            ctx.world.get("log_group", spec.name),
            lambda s=spec: _create(s),
            lambda changes, s=spec: _update(s, changes),
        )
        for spec in ctx.desired.of_kind("log_group")
    ]


def destroy(world: World) -> list[Action]:
    return [
        Action(
            "delete",
            "log_group",
            group.name,
            "destroy",
            steps=(Call("logs", "DeleteLogGroup", {"logGroupName": group.name}, ok_if=GONE_OK),),
        )
        for group in world.of_kind("log_group")
    ]


RESOURCE = ResourceType(
    kinds={"log_group": ()}, desired=desired, observe=observe, plan=plan, destroy=destroy
)
