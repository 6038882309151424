"""Target-tracking autoscaling of the endpoint's variant (instance endpoints only).

SageMaker refuses to update an endpoint whose variant is registered with Application Auto
Scaling, so whenever the endpoint's action changes it, the plan deregisters first and
registers again once the endpoint is InService on the new config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from deploy.naming import SCALABLE_DIMENSION
from deploy.plan import Action, Call, Step
from deploy.resources.base import GONE_OK, PlanContext, ResourceType, reconcile
from deploy.world import Desired, World

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.inputs import Inputs
    from deploy.naming import Names

NAMESPACE = "sagemaker"
METRIC = "SageMakerVariantInvocationsPerInstance"


@dataclass(frozen=True)
class ScalingSpec:
    """``name`` is the scalable target's resource id (endpoint/NAME/variant/main)."""

    KIND: ClassVar[str] = "scaling"
    name: str
    policy_name: str = field(compare=False)
    endpoint: str = field(compare=False)
    min_capacity: int = 1
    max_capacity: int = 1
    target: float = 100.0
    scale_in_cooldown_s: int = 300
    scale_out_cooldown_s: int = 60


@dataclass(frozen=True)
class SeenScaling:
    KIND: ClassVar[str] = "scaling"
    name: str
    policy_name: str
    min_capacity: int
    max_capacity: int
    target: float | None
    scale_in_cooldown_s: int | None
    scale_out_cooldown_s: int | None


def desired(cfg: Config, inp: Inputs) -> list[ScalingSpec]:
    a = cfg.endpoint.autoscaling
    if a is None:
        return []
    n = inp.names
    return [
        ScalingSpec(
            name=n.scaling_resource_id,
            policy_name=n.scaling_policy,
            endpoint=n.endpoint,
            min_capacity=a.min_capacity,
            max_capacity=a.max_capacity,
            target=float(a.target_invocations_per_instance),
            scale_in_cooldown_s=a.scale_in_cooldown_s,
            scale_out_cooldown_s=a.scale_out_cooldown_s,
        )
    ]


def observe(aws: Aws, names: Names, desired: Desired, world: World) -> list[SeenScaling]:
    rid = names.scaling_resource_id
    # Both reads every page: "the operation returns up to 50 results and a NextToken value,
    # if applicable" (Application Auto Scaling API Reference), so a page may lack the one.
    targets = aws.read_pages(
        "application-autoscaling",
        "DescribeScalableTargets",
        "ScalableTargets",
        ServiceNamespace=NAMESPACE,
        ResourceIds=[rid],
        ScalableDimension=SCALABLE_DIMENSION,
    )
    if not targets:
        return []
    t = targets[0]
    policies = aws.read_pages(
        "application-autoscaling",
        "DescribeScalingPolicies",
        "ScalingPolicies",
        ServiceNamespace=NAMESPACE,
        ResourceId=rid,
        ScalableDimension=SCALABLE_DIMENSION,
        PolicyNames=[names.scaling_policy],
    )
    found = policies or [{}]
    tt = found[0].get("TargetTrackingScalingPolicyConfiguration", {})
    return [
        SeenScaling(
            name=rid,
            policy_name=names.scaling_policy,
            min_capacity=t["MinCapacity"],
            max_capacity=t["MaxCapacity"],
            target=tt.get("TargetValue"),
            scale_in_cooldown_s=tt.get("ScaleInCooldown"),
            scale_out_cooldown_s=tt.get("ScaleOutCooldown"),
        )
    ]


def _target(rid: str) -> dict[str, str]:
    return {
        "ServiceNamespace": NAMESPACE,
        "ResourceId": rid,
        "ScalableDimension": SCALABLE_DIMENSION,
    }


def _register(spec: ScalingSpec) -> tuple[Step, ...]:
    return (
        Call(
            "application-autoscaling",
            "RegisterScalableTarget",
            {
                **_target(spec.name),
                "MinCapacity": spec.min_capacity,
                "MaxCapacity": spec.max_capacity,
            },
        ),
        Call(
            "application-autoscaling",
            "PutScalingPolicy",
            {
                "PolicyName": spec.policy_name,
                **_target(spec.name),
                "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": {
                    "TargetValue": spec.target,
                    "PredefinedMetricSpecification": {"PredefinedMetricType": METRIC},
                    "ScaleInCooldown": spec.scale_in_cooldown_s,
                    "ScaleOutCooldown": spec.scale_out_cooldown_s,
                },
            },
        ),
    )


def deregister(seen: SeenScaling, reason: str) -> Action:
    steps = (
        Call(
            "application-autoscaling",
            "DeleteScalingPolicy",
            {"PolicyName": seen.policy_name, **_target(seen.name)},
            ok_if=GONE_OK,
        ),
        Call(
            "application-autoscaling",
            "DeregisterScalableTarget",
            _target(seen.name),
            ok_if=GONE_OK,
        ),
    )
    return Action("delete", "scaling", seen.name, reason, steps=steps, phase="before")


def plan(ctx: PlanContext) -> list[Action]:
    out = []
    wanted = {s.name for s in ctx.desired.of_kind("scaling")}
    for seen in ctx.world.of_kind("scaling"):
        if seen.name not in wanted:
            out.append(deregister(seen, "autoscaling not configured"))
    for spec in ctx.desired.of_kind("scaling"):
        seen = ctx.world.get("scaling", spec.name)
        if seen is not None and ctx.changing("endpoint", spec.endpoint):
            out.append(deregister(seen, "deregister before the endpoint update"))
            out.append(
                Action(
                    "create",
                    spec.KIND,
                    spec.name,
                    "re-register once the endpoint is InService",
                    steps=_register(spec),
                )
            )
            continue
        out.append(
            reconcile(spec, seen, lambda s=spec: _register(s), lambda _c, s=spec: _register(s))
        )
    return out


def destroy(world: World) -> list[Action]:
    return [deregister(seen, "destroy") for seen in world.of_kind("scaling")]


RESOURCE = ResourceType(
    kinds={"scaling": ("endpoint",)}, desired=desired, observe=observe, plan=plan, destroy=destroy
)
