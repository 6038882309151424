"""Autoscaling: deregistered before the endpoint changes, registered again after."""

from __future__ import annotations

from botocore.stub import Stubber

from deploy.plan import Action
from deploy.resources import autoscaling as auto
from deploy.resources.base import PlanContext
from deploy.world import Desired, World
from tests.deploy.resources.conftest import config, execute, inputs, make_aws, names

N = names()
RID = "endpoint/trends-anomaly/variant/main"
DIM = "sagemaker:variant:DesiredInstanceCount"
TARGET = {"ServiceNamespace": "sagemaker", "ResourceId": RID, "ScalableDimension": DIM}
# DescribeScalingPolicies' item for the policy `seen()` describes.
POLICY = {
    "PolicyARN": "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x",
    "PolicyName": "trends-anomaly-invocations",
    **TARGET,
    "PolicyType": "TargetTrackingScaling",
    "CreationTime": "2026-01-01T00:00:00Z",
    "TargetTrackingScalingPolicyConfiguration": {
        "TargetValue": 100.0,
        "ScaleInCooldown": 300,
        "ScaleOutCooldown": 60,
    },
}


def spec() -> auto.ScalingSpec:
    (s,) = auto.desired(config(endpoint={"autoscaling": {"max_capacity": 4}}), inputs(N))
    return s


def seen(**over) -> auto.SeenScaling:
    values = dict(
        name=RID,
        policy_name="trends-anomaly-invocations",
        min_capacity=1,
        max_capacity=4,
        target=100.0,
        scale_in_cooldown_s=300,
        scale_out_cooldown_s=60,
    )
    values.update(over)
    return auto.SeenScaling(**values)


def test_desired_only_when_configured() -> None:
    assert auto.desired(config(), inputs(N)) == []
    assert (spec().name, spec().max_capacity, spec().target) == (RID, 4, 100.0)


def test_observe_target_and_policy_or_nothing() -> None:
    aws = make_aws()
    with Stubber(aws.client("application-autoscaling")) as stub:
        stub.add_response(
            "describe_scalable_targets",
            {"ScalableTargets": []},
            {**{k: v for k, v in TARGET.items() if k != "ResourceId"}, "ResourceIds": [RID]},
        )
        assert auto.observe(aws, N, Desired(), World()) == []
        stub.add_response(
            "describe_scalable_targets",
            {
                "ScalableTargets": [
                    {
                        **TARGET,
                        "MinCapacity": 1,
                        "MaxCapacity": 4,
                        "RoleARN": "arn:aws:iam::123456789012:role/x",
                        "CreationTime": "2026-01-01T00:00:00Z",
                    }
                ]
            },
        )
        stub.add_response(
            "describe_scaling_policies",
            {"ScalingPolicies": [POLICY]},
            {**TARGET, "PolicyNames": ["trends-anomaly-invocations"]},
        )
        (got,) = auto.observe(aws, N, Desired(), World())
    assert got == seen()


def test_observe_reads_on_past_a_page_without_the_target_or_policy() -> None:
    """DescribeScalableTargets and DescribeScalingPolicies are paged: "If this parameter is
    not used, the operation returns up to 50 results and a NextToken value, if applicable"
    (Application Auto Scaling API Reference): a page may hold fewer with more to come. The
    target or policy on a later page was taken for missing."""
    aws = make_aws()
    target = {**TARGET, "MinCapacity": 1, "MaxCapacity": 4, "RoleARN": "arn:aws:iam::1:role/x"}
    target["CreationTime"] = "2026-01-01T00:00:00Z"
    asked = {**{k: v for k, v in TARGET.items() if k != "ResourceId"}, "ResourceIds": [RID]}
    named = {**TARGET, "PolicyNames": ["trends-anomaly-invocations"]}
    with Stubber(aws.client("application-autoscaling")) as stub:
        stub.add_response(
            "describe_scalable_targets", {"ScalableTargets": [], "NextToken": "t"}, asked
        )
        stub.add_response(
            "describe_scalable_targets", {"ScalableTargets": [target]}, {**asked, "NextToken": "t"}
        )
        stub.add_response(
            "describe_scaling_policies", {"ScalingPolicies": [], "NextToken": "u"}, named
        )
        stub.add_response(
            "describe_scaling_policies", {"ScalingPolicies": [POLICY]}, {**named, "NextToken": "u"}
        )
        (got,) = auto.observe(aws, N, Desired(), World())
        stub.assert_no_pending_responses()
    assert got == seen()


def test_register_calls_and_the_endpoint_update_dance() -> None:
    aws, s = make_aws(), spec()
    (create,) = auto.plan(PlanContext(Desired.of([s]), World()))
    with Stubber(aws.client("application-autoscaling")) as stub:
        stub.add_response(
            "register_scalable_target", {}, {**TARGET, "MinCapacity": 1, "MaxCapacity": 4}
        )
        stub.add_response(
            "put_scaling_policy",
            {"PolicyARN": "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x"},
            {
                "PolicyName": "trends-anomaly-invocations",
                **TARGET,
                "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": {
                    "TargetValue": 100.0,
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                    },
                    "ScaleInCooldown": 300,
                    "ScaleOutCooldown": 60,
                },
            },
        )
        execute(aws, create)
    world = World.of([seen()])
    assert [a.op for a in auto.plan(PlanContext(Desired.of([s]), world))] == ["noop"]
    assert [
        a.op for a in auto.plan(PlanContext(Desired.of([s]), World.of([seen(max_capacity=2)])))
    ] == ["update"]
    updating = PlanContext(
        Desired.of([s]), world, [Action("update", "endpoint", "trends-anomaly", "switch")]
    )
    dance = auto.plan(updating)
    assert [(a.op, a.phase, a.reason) for a in dance] == [
        ("delete", "before", "deregister before the endpoint update"),
        ("create", "main", "re-register once the endpoint is InService"),
    ]


def test_removed_from_config_or_destroyed_deregisters_gone_is_fine() -> None:
    aws = make_aws()
    (removed,) = auto.plan(PlanContext(Desired(), World.of([seen()])))
    assert (removed.op, removed.reason, removed.phase) == (
        "delete",
        "autoscaling not configured",
        "before",
    )
    with Stubber(aws.client("application-autoscaling")) as stub:
        stub.add_client_error(
            "delete_scaling_policy",
            "ObjectNotFoundException",
            "none",
            400,
            expected_params={"PolicyName": "trends-anomaly-invocations", **TARGET},
        )
        stub.add_client_error(
            "deregister_scalable_target",
            "ValidationException",
            "No scalable target found",
            400,
            expected_params=TARGET,
        )
        lines = execute(aws, *auto.destroy(World.of([seen()])))
    assert lines.count("      already gone: nothing to do") == 2
