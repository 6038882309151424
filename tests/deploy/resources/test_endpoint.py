"""The endpoint: its status picks the steps; every switch ends in a wait that can fail."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pytest
from botocore.stub import Stubber

from deploy.aws import DeployError
from deploy.resources import endpoint as ep
from deploy.resources import endpoint_config as ec
from deploy.resources.base import PlanContext, sagemaker_tags
from deploy.world import Desired, World
from tests.deploy.resources.conftest import config, execute, inputs, make_aws, names

N = names()
ARN = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/trends-anomaly"
TAGS = {"project": "trends-anomaly", "managed-by": "trends-anomaly-gitops"}
TAG_LIST = [
    {"Key": "managed-by", "Value": "trends-anomaly-gitops"},
    {"Key": "project", "Value": "trends-anomaly"},
]


def spec(**cfg: object) -> ep.EndpointSpec:
    (s,) = ep.desired(config(**cfg), inputs(N))
    return s


def seen(
    status: str = "InService", cfg: str | None = None, reason: str | None = None, tags=None
) -> ep.SeenEndpoint:
    return ep.SeenEndpoint(
        "trends-anomaly", ARN, cfg or spec().config, status, reason, TAGS if tags is None else tags
    )


def describe(status: str, cfg: str, reason: str | None = None) -> dict:
    out = {
        "EndpointName": "trends-anomaly",
        "EndpointArn": ARN,
        "EndpointConfigName": cfg,
        "EndpointStatus": status,
        "CreationTime": "2026-01-01T00:00:00Z",
        "LastModifiedTime": "2026-01-01T00:00:00Z",
    }
    if reason:
        out["FailureReason"] = reason
    return out


def kinds(action) -> list[str]:
    return [s.describe().split(" ")[0] for s in action.steps]


def test_tags_read_every_page() -> None:
    """ListTags is paged (NextToken): the API reference gives MaxResults a minimum of 50 and
    no default page size, so a resource's 50 tags may come in more than one page, and a tag
    on the second (the endpoint's deploy record, its ``project``) must not be missed."""
    aws = make_aws()
    with Stubber(aws.client("sagemaker")) as stub:
        first = {"Tags": [{"Key": "project", "Value": "trends-anomaly"}], "NextToken": "t"}
        stub.add_response("list_tags", first, {"ResourceArn": ARN})
        second = {"Tags": [{"Key": "serving-config", "Value": "c-1"}]}
        stub.add_response("list_tags", second, {"ResourceArn": ARN, "NextToken": "t"})
        assert sagemaker_tags(aws, ARN) == {"project": "trends-anomaly", "serving-config": "c-1"}
        stub.assert_no_pending_responses()
        stub.add_client_error("list_tags", "ValidationException", "Could not find endpoint", 400)
        assert sagemaker_tags(aws, ARN) == {}


def test_observe_exists_and_gone() -> None:
    aws = make_aws()
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_response(
            "describe_endpoint", describe("Updating", "c-1"), {"EndpointName": "trends-anomaly"}
        )
        stub.add_response("list_tags", {"Tags": TAG_LIST}, {"ResourceArn": ARN})
        (got,) = ep.observe(aws, N, Desired(), World())
        stub.add_client_error(
            "describe_endpoint", "ValidationException", "Could not find endpoint", 400
        )
        assert ep.observe(aws, N, Desired(), World()) == []
        stub.add_response("describe_endpoint", describe("InService", "c-1"))
        assert ep.status(aws, "trends-anomaly") == "InService"
        stub.add_client_error(
            "describe_endpoint", "ValidationException", "Could not find endpoint", 400
        )
        assert ep.status(aws, "trends-anomaly") is None
    assert (got.status, got.config, got.tags) == ("Updating", "c-1", TAGS)


def test_create_then_wait_until_serving_the_config() -> None:
    aws, s = make_aws(), spec()
    action = ep.plan_endpoint(s, None)
    assert action.op == "create" and kinds(action) == ["sagemaker:CreateEndpoint", "wait"]
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_response(
            "create_endpoint",
            {"EndpointArn": ARN},
            {"EndpointName": "trends-anomaly", "EndpointConfigName": s.config, "Tags": TAG_LIST},
        )
        stub.add_response("describe_endpoint", describe("Creating", s.config))
        stub.add_response("describe_endpoint", describe("InService", s.config))
        lines = execute(aws, action)
    assert [line.strip() for line in lines[-2:]] == [
        f"Creating (config {s.config})",
        f"InService on {s.config}",
    ]


def test_switch_with_the_canary_policy_and_tag_drift() -> None:
    aws = make_aws()
    s = spec(
        endpoint={
            "instance_count": 2,
            "deployment": {"strategy": "canary", "canary_percent": 20, "rollback_alarms": ["a5xx"]},
        }
    )
    action = ep.plan_endpoint(s, seen(cfg="c-old", tags={}))
    assert action.op == "update" and action.reason == (
        f"switch endpoint from c-old to {s.config}; no downtime: the old config serves until "
        "the new one is healthy"
    )
    with Stubber(aws.client("sagemaker")) as stub:
        # Right before the switch: still InService on the config the plan saw.
        stub.add_response("describe_endpoint", describe("InService", "c-old"))
        stub.add_response(
            "update_endpoint",
            {"EndpointArn": ARN},
            {
                "EndpointName": "trends-anomaly",
                "EndpointConfigName": s.config,
                "DeploymentConfig": {
                    "BlueGreenUpdatePolicy": {
                        "TrafficRoutingConfiguration": {
                            "Type": "CANARY",
                            "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 20},
                            "WaitIntervalInSeconds": 300,
                        },
                        "TerminationWaitInSeconds": 300,
                        "MaximumExecutionTimeoutInSeconds": 1800,
                    },
                    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "a5xx"}]},
                },
            },
        )
        # What was asked is recorded right after the call; what serves, once it does.
        asked = [{"Key": "requested-config", "Value": s.config}]
        stub.add_response("add_tags", {}, {"ResourceArn": ARN, "Tags": asked})
        stub.add_response("describe_endpoint", describe("InService", s.config))
        served = [
            {"Key": "previous-config", "Value": "c-old"},
            {"Key": "serving-config", "Value": s.config},
        ]
        stub.add_response("add_tags", {}, {"ResourceArn": ARN, "Tags": served})
        stub.add_response("add_tags", {}, {"ResourceArn": ARN, "Tags": TAG_LIST})
        execute(aws, action)
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("now", "said"),
    [
        (("InService", "c-hand"), "is InService on c-hand"),  # an UpdateEndpoint by hand
        (("Updating", "c-old"), "is Updating on c-old"),  # a scaling activity, say
    ],
)
def test_a_switch_planned_while_in_service_stops_when_the_endpoint_changed_since(
    now: tuple[str, str], said: str
) -> None:
    """Planned InService on c-old; by the switch (after the image's build and push, the new
    model and config: minutes) the endpoint serves another config (an UpdateEndpoint by hand,
    a rollback in the console), or is busy. Seen before: UpdateEndpoint to the new config
    straight away (the Stubber, expecting DescribeEndpoint, got UpdateEndpoint), which
    overrides that change and then records c-old as the config served before, though
    c-hand did (and the plan's clean-up deletes c-hand when it is ours); Updating, SageMaker
    refuses UpdateEndpoint ("Cannot update in-progress endpoint"). Now DescribeEndpoint right
    before it stops there, nothing switched or recorded, with what to do."""
    s = spec()
    action = ep.plan_endpoint(s, seen(cfg="c-old"))
    aws = make_aws()
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_response("describe_endpoint", describe(*now), {"EndpointName": s.name})
        with pytest.raises(DeployError) as err:
            execute(aws, action)
        stub.assert_no_pending_responses()
    words = " ".join(str(err.value).split())
    assert f"endpoint trends-anomaly {said} now, not InService on c-old as when this" in words
    assert "nothing was switched" in words and "run the command again" in words, words


def test_a_switch_after_a_wait_records_the_config_serving_when_it_starts() -> None:
    """Planned while Updating from c-1 to c-2 (an earlier apply's switch goes on). That update
    fails and SageMaker rolls back: InService on c-1 again, with a FailureReason (SageMaker
    API Reference, EndpointMetadata: "the status is InService but update operation fails").
    The switch leaves c-1, never c-2: c-1 is recorded as the config served before. (Rolled
    back to the wanted config itself: the test after this one.)"""
    s = spec()
    updating = replace(seen("Updating", cfg="c-1"), pending="c-2")
    action = ep.plan_endpoint(s, updating)
    aws = make_aws()
    with Stubber(aws.client("sagemaker")) as stub:
        rolled_back = describe("InService", "c-1", "The container failed a ping health check.")
        stub.add_response("describe_endpoint", rolled_back)  # the wait: settled
        stub.add_response("describe_endpoint", rolled_back, {"EndpointName": s.name})
        stub.add_response("update_endpoint", {"EndpointArn": ARN})
        asked = [{"Key": "requested-config", "Value": s.config}]
        stub.add_response("add_tags", {}, {"ResourceArn": ARN, "Tags": asked})
        stub.add_response("describe_endpoint", describe("InService", s.config))
        served = [
            {"Key": "previous-config", "Value": "c-1"},
            {"Key": "serving-config", "Value": s.config},
        ]
        stub.add_response("add_tags", {}, {"ResourceArn": ARN, "Tags": served})
        execute(aws, action)
        stub.assert_no_pending_responses()


def test_a_switch_after_a_wait_calls_no_update_when_the_wanted_config_serves() -> None:
    """Planned while Updating from the wanted config to c-2 (an earlier apply's switch goes
    on): that update fails and SageMaker rolls back to the wanted config. The switch still
    called UpdateEndpoint to that config, which serves already: SageMaker's reference says
    UpdateEndpoint "deploys the EndpointConfig specified in the request to a new fleet of
    instances" and "to update an endpoint, you must create a new EndpointConfig" (API
    Reference, UpdateEndpoint), so at best a second fleet of what serves, at worst a refusal
    failing the apply. Now, InService on exactly that config once settled, no UpdateEndpoint:
    the progress line says why; the record says what serves (no previous: the one recorded
    before stays). (Busy again when read: the test after this one.)"""
    s = spec()
    updating = replace(seen("Updating", cfg=s.config), pending="c-2")
    action = ep.plan_endpoint(s, updating)
    assert action.op == "update" and "c-2" in action.reason, action.reason
    aws = make_aws()
    asked = [{"Key": "requested-config", "Value": s.config}]
    with Stubber(aws.client("sagemaker")) as stub:
        rolled_back = describe("InService", s.config, "The container failed a ping health check.")
        stub.add_response("describe_endpoint", rolled_back)  # the wait: settled
        stub.add_response("describe_endpoint", rolled_back, {"EndpointName": s.name})
        stub.add_response("add_tags", {}, {"ResourceArn": ARN, "Tags": asked})
        stub.add_response("describe_endpoint", rolled_back)  # the wait: InService on it
        served = [{"Key": "serving-config", "Value": s.config}]
        stub.add_response("add_tags", {}, {"ResourceArn": ARN, "Tags": served})
        lines = execute(aws, action)
        stub.assert_no_pending_responses()
    said = [ln.strip() for ln in lines]
    at = said.index(next(ln for ln in said if ln.startswith("sagemaker:UpdateEndpoint")))
    assert said[at + 1] == (
        f"not called: endpoint trends-anomaly is InService on {s.config} already, the config "
        "this apply wants (the update it was doing when the plan was made did not land), so "
        "there is nothing to switch"
    ), said


@pytest.mark.parametrize(
    ("planned_on", "read"),
    [
        # Rolled back to the wanted config, then someone else's update began (6058c35 had
        # pinned an UpdateEndpoint here).
        ("wanted", ("Updating", "wanted")),
        ("c-1", ("Updating", "c-2")),  # landed on c-2, then a scaling activity began
        ("c-1", ("SystemUpdating", "c-2")),  # SageMaker's maintenance
        ("c-1", ("Failed", "c-2")),  # "DeleteEndpoint is the only operation" on it
    ],
)
def test_a_switch_after_a_wait_stops_when_the_endpoint_is_busy_again_when_read(
    planned_on: str, read: tuple[str, str]
) -> None:
    """Planned while Updating (to c-2): the wait ends InService, then the read right before
    UpdateEndpoint finds the endpoint busy again: another update began in between (by hand, a
    scaling activity, maintenance), or it is Failed. SageMaker refuses UpdateEndpoint on an
    endpoint it is working on ('Cannot update in-progress endpoint'; the API Reference's
    EndpointStatus: SystemUpdating "cannot be updated", Failed "DeleteEndpoint is the only
    operation that can be performed"), and the call has no busy retry. Seen before:
    UpdateEndpoint sent all the same (the Stubber, with no response for it, raised
    'Unexpected API Call'), on AWS a raw ValidationException failing the apply at that step.
    Now it stops at the read, nothing switched or recorded, and says to run it again."""
    s = spec()
    planned = s.config if planned_on == "wanted" else planned_on
    status, config = read
    config = s.config if config == "wanted" else config
    action = ep.plan_endpoint(s, replace(seen("Updating", cfg=planned), pending="c-2"))
    aws = make_aws()
    with Stubber(aws.client("sagemaker")) as stub:
        settled = describe("InService", config)
        stub.add_response("describe_endpoint", settled)  # the wait: settled
        stub.add_response("describe_endpoint", describe(status, config), {"EndpointName": s.name})
        with pytest.raises(DeployError) as err:
            execute(aws, action)
        stub.assert_no_pending_responses()
    words = " ".join(str(err.value).split())
    assert (
        f"endpoint trends-anomaly is {status} on {config} now, right before this apply's "
        f"switch to {s.config}"
    ) in words, words
    assert "nothing was switched" in words and "run the command again" in words, words


@pytest.mark.parametrize("pending", ["c-2", None])
def test_a_switch_after_a_wait_stops_when_another_config_serves_once_settled(
    pending: str | None,
) -> None:
    """Planned while Updating on c-1 (to c-2, an earlier apply's switch, or on c-1 itself, a
    scaling): the plan's clean-up keeps the wanted config and those two only. During the
    wait someone switches the endpoint by hand to c-hand, another config of ours. Seen before:
    the read after the wait gave c-hand, UpdateEndpoint went out (the Stubber, with no more
    responses, refused the second DescribeEndpoint), and the record said c-hand served before,
    a config that clean-up then deleted. Now the wait, once it settles on a config the plan
    did not leave from, stops there: nothing switched, recorded or deleted."""
    s = spec()
    updating = replace(seen("Updating", cfg="c-1"), pending=pending)
    action = ep.plan_endpoint(s, updating)
    aws = make_aws()
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_response("describe_endpoint", describe("InService", "c-hand"))
        with pytest.raises(DeployError) as err:
            execute(aws, action)
        stub.assert_no_pending_responses()
    planned = "c-1 or c-2" if pending else "c-1"
    words = " ".join(str(err.value).split())
    assert (
        f"endpoint trends-anomaly is InService on c-hand now, not on {planned} as when this "
        f"apply planned its switch to {s.config}"
    ) in words, words
    assert "nothing was switched" in words and "run the command again" in words, words


def test_states_decide_the_steps() -> None:
    s = spec()
    busy = ep.plan_endpoint(s, seen("Updating", cfg="c-old"))
    assert busy.reason.startswith("endpoint is Updating: wait for it, then switch")
    assert kinds(busy) == [
        "wait",
        "sagemaker:DescribeEndpoint",  # the config it serves once settled: the one it leaves
        "sagemaker:UpdateEndpoint",
        "sagemaker:AddTags",
        "wait",
        "sagemaker:AddTags",
    ]
    failed = ep.plan_endpoint(s, seen("Failed", reason="capacity"))
    assert (failed.op, failed.reason) == (
        "replace",
        f"endpoint is Failed (capacity): delete and re-create on {s.config}",
    )
    assert kinds(failed) == ["sagemaker:DeleteEndpoint", "wait", "sagemaker:CreateEndpoint", "wait"]
    assert "no reason given" in ep.plan_endpoint(s, seen("Failed")).reason
    deleting = ep.plan_endpoint(s, seen("Deleting"))
    assert (deleting.op, kinds(deleting)) == (
        "create",
        ["wait", "sagemaker:CreateEndpoint", "wait"],
    )
    waiting = ep.plan_endpoint(s, seen("Creating"))
    assert (waiting.op, kinds(waiting)) == ("wait", ["wait"])
    tags = ep.plan_endpoint(s, seen(tags={}))
    assert (tags.op, kinds(tags)) == ("update", ["sagemaker:AddTags"])
    assert ep.plan_endpoint(s, seen()).op == "noop"
    assert [a.op for a in ep.plan(PlanContext(Desired.of([s]), World.of([seen()])))] == ["noop"]


def test_the_wait_fails_on_failed_rollback_out_of_service_and_disappearance() -> None:
    aws = make_aws()
    settled = partial(ep.settled, aws, "trends-anomaly")
    cases = [
        (describe("Failed", "c-new", "ping failed"), "Failed: ping failed"),
        (
            describe("InService", "c-old", "Alarm fired"),
            "silent rollback: InService on c-old instead of the new c-new. Reason: Alarm fired",
        ),
        (describe("OutOfService", "c-new"), "OutOfService"),
        (describe("Weird", "c-new"), "unexpected status Weird"),
    ]
    with Stubber(aws.client("sagemaker")) as stub:
        for response, message in cases:
            stub.add_response("describe_endpoint", response)
            with pytest.raises(DeployError, match=message):
                settled("c-new")
        stub.add_client_error("describe_endpoint", "ValidationException", "Could not find", 400)
        with pytest.raises(DeployError, match="disappeared while waiting"):
            settled("c-new")
        stub.add_response("describe_endpoint", describe("InService", "c-old"))
        assert settled(None) == (True, "InService on c-old")  # any config when waiting it out
        stub.add_response("describe_endpoint", describe("Deleting", "c-old"))
        assert ep.deleted(aws, "trends-anomaly") == (False, "Deleting")
        stub.add_client_error("describe_endpoint", "ValidationException", "Could not find", 400)
        assert ep.deleted(aws, "trends-anomaly") == (True, "deleted")


def test_no_deployment_config_for_all_at_once() -> None:
    assert ep.deployment_config(config().endpoint.deployment, 1800) is None
    s = spec()
    steps = ep.plan_endpoint(s, seen(cfg="c-old")).steps
    (update,) = [c for c in steps if getattr(c, "operation", "") == "UpdateEndpoint"]
    assert "DeploymentConfig" not in update.params


def test_destroy_waits_out_a_rollout_and_the_deletion() -> None:
    aws = make_aws()
    (plain,) = ep.destroy(World.of([seen()]))
    assert kinds(plain) == ["sagemaker:DeleteEndpoint", "wait"]
    busy = ep.delete_endpoint(seen("Updating"))
    assert (
        kinds(busy) == ["wait", "sagemaker:DeleteEndpoint", "wait"]
        and "no longer Updating" in busy.reason
    )
    going = ep.delete_endpoint(seen("Deleting"))
    assert kinds(going) == ["wait"]
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_client_error(
            "delete_endpoint",
            "ValidationException",
            "Could not find",
            400,
            expected_params={"EndpointName": "trends-anomaly"},
        )
        stub.add_client_error("describe_endpoint", "ValidationException", "Could not find", 400)
        execute(aws, plain)
        stub.assert_no_pending_responses()


def test_a_reason_that_ends_its_own_sentence_is_not_doubled() -> None:
    """SageMaker's FailureReason is a sentence ("… ping health check. Please check CloudWatch
    logs for this endpoint."): the messages built around it read without '..'."""
    aws = make_aws()
    reason = "The primary container did not pass the ping health check. Please check the logs."
    with Stubber(aws.client("sagemaker")) as stub:
        for state, config in (("Failed", "c-new"), ("InService", "c-old")):
            stub.add_response("describe_endpoint", describe(state, config, reason))
            with pytest.raises(DeployError) as err:
                ep.settled(aws, "trends-anomaly", "c-new")
            assert "Please check the logs. " in str(err.value) and ".." not in str(err.value)


def test_a_plan_right_after_a_rollback_says_the_endpoint_serves_the_old_config() -> None:
    """The last apply asked for the new config (recorded right after UpdateEndpoint) but the
    endpoint is InService on the old one: the plan says so before a 15-30 min attempt again."""
    s = spec()
    after = seen(
        cfg="c-old",
        reason="Alarm a5xx fired.",
        tags={**TAGS, "requested-config": s.config, "serving-config": "c-old"},
    )
    action = ep.plan_endpoint(s, after)
    assert action.reason == (
        f"the last apply rolled back: endpoint trends-anomaly serves c-old, not {s.config} it "
        f"was asked to switch to (reason: Alarm a5xx fired): switch endpoint from c-old to "
        f"{s.config}; no downtime: the old config serves until the new one is healthy"
    )
    assert ep.rollback_warning(s, after) == (
        f"the last apply rolled back: endpoint trends-anomaly serves c-old, not {s.config} it "
        "was asked to switch to (reason: Alarm a5xx fired). Applying it again repeats that "
        "attempt (up to 30 min of waiting): fix the cause first, or change the model or "
        "endpoint config"
    )
    other = replace(after, tags={**after.tags, "requested-config": "c-tried"})
    assert ep.rollback_warning(s, other) == (
        "the last apply rolled back: endpoint trends-anomaly serves c-old, not c-tried it was "
        "asked to switch to (reason: Alarm a5xx fired); this plan switches to "
        f"{s.config} instead"
    )
    # Nothing to say when the switch landed, when the config is back on what serves, or
    # while the endpoint is still working on it.
    landed = seen(tags={**TAGS, "requested-config": s.config})
    assert ep.rolled_back(landed) is None and ep.rollback_warning(s, landed) is None
    assert ep.rollback_warning(spec(endpoint={"instance_count": 2}), after) is not None
    assert ep.rollback_warning(replace(s, config="c-old"), after) is None
    assert ep.rolled_back(replace(after, status="Updating")) is None


def variants(desired: int, current: int | None = None) -> list[dict]:
    current = desired if current is None else current
    return [
        {
            "VariantName": "main",
            "DesiredInstanceCount": desired,
            "CurrentInstanceCount": current,
            "CurrentWeight": 1.0,
            "DesiredWeight": 1.0,
        }
    ]


def expect_update_in_place(stub: Stubber, capacity: dict) -> None:
    """The one UpdateEndpointWeightsAndCapacities call of an update in place: the variant
    ``main`` with ``capacity`` (an instance count, or a serverless update)."""
    stub.add_response(
        "update_endpoint_weights_and_capacities",
        {"EndpointArn": ARN},
        {
            "EndpointName": "trends-anomaly",
            "DesiredWeightsAndCapacities": [{"VariantName": "main", **capacity}],
        },
    )


def test_a_new_count_scales_the_running_variant_in_place() -> None:
    aws, s = make_aws(), spec(endpoint={"instance_count": 3})
    action = ep.plan_endpoint(s, replace(seen(), instances=1, running=1))
    assert (action.op, action.reason) == (
        "update",
        "scale endpoint variant main 1 → 3, in place, no new instances for the existing ones",
    )
    assert [(c.field, c.before, c.after) for c in action.changes] == [("instance_count", 1, 3)]
    assert kinds(action) == ["sagemaker:UpdateEndpointWeightsAndCapacities", "wait"]
    with Stubber(aws.client("sagemaker")) as stub:
        expect_update_in_place(stub, {"DesiredInstanceCount": 3})
        # Updating: the asked count differs from the running one until the instances serve.
        updating = describe("Updating", s.config)
        stub.add_response("describe_endpoint", {**updating, "ProductionVariants": variants(3, 1)})
        done = describe("InService", s.config)
        stub.add_response("describe_endpoint", {**done, "ProductionVariants": variants(3)})
        lines = execute(aws, action)
        stub.assert_no_pending_responses()
    assert [line.strip() for line in lines[-2:]] == [
        f"Updating (config {s.config}), 1 of 3 instances",
        f"InService on {s.config}, 3 of 3 instances",
    ]
    down = ep.plan_endpoint(spec(), replace(seen(), instances=3))
    assert down.reason == "scale endpoint variant main 3 → 1, in place, the others keep serving"


def test_the_count_is_read_from_the_endpoint_so_a_scaled_one_does_not_flap() -> None:
    aws = make_aws()
    with Stubber(aws.client("sagemaker")) as stub:
        scaled = {**describe("InService", "c-1"), "ProductionVariants": variants(2)}
        stub.add_response("describe_endpoint", scaled)
        stub.add_response("list_tags", {"Tags": TAG_LIST})
        (got,) = ep.observe(aws, N, Desired(), World())
    assert (got.instances, got.running) == (2, 2)
    s = replace(spec(endpoint={"instance_count": 2}), config="c-1")
    assert ep.plan_endpoint(s, got).op == "noop"
    # Updating on the count asked for already (a scale under way): a wait, not a change.
    assert ep.plan_endpoint(s, replace(got, status="Updating", running=1)).op == "wait"
    # Updating towards another count: wait for it, then scale.
    busy = ep.plan_endpoint(s, replace(got, status="Updating", instances=4))
    assert busy.reason.startswith("endpoint is Updating on c-1: wait for it, then scale")
    assert kinds(busy) == ["wait", "sagemaker:UpdateEndpointWeightsAndCapacities", "wait"]


def test_no_count_to_set_for_serverless_or_autoscaled_endpoints() -> None:
    serverless = spec(endpoint={"serverless": {"memory_mb": 2048, "max_concurrency": 5}})
    autoscaled = spec(endpoint={"instance_count": 2, "autoscaling": {"max_capacity": 4}})
    assert serverless.instance_count is None and autoscaled.instance_count is None
    assert ep.plan_endpoint(autoscaled, replace(seen(cfg=autoscaled.config), instances=4)).op == (
        "noop"
    )


def test_a_fleet_from_a_config_with_another_count_is_scaled_after() -> None:
    """A fleet starts with its config's InitialInstanceCount, which a scale in place left
    behind: re-creating a Failed endpoint (or creating, or switching) scales it after."""
    s = spec(endpoint={"instance_count": 2})
    failed = ep.plan_endpoint(s, seen("Failed", reason="x"), fleet=1)
    assert kinds(failed) == [
        "sagemaker:DeleteEndpoint",
        "wait",
        "sagemaker:CreateEndpoint",
        "wait",
        "sagemaker:UpdateEndpointWeightsAndCapacities",
        "wait",
    ]
    assert kinds(ep.plan_endpoint(s, None, fleet=2)) == ["sagemaker:CreateEndpoint", "wait"]
    switch = ep.plan_endpoint(s, replace(seen(cfg="c-old"), instances=2), fleet=1)
    assert kinds(switch)[-2:] == ["sagemaker:UpdateEndpointWeightsAndCapacities", "wait"]


def test_the_scale_wait_fails_when_the_endpoint_settles_on_another_count() -> None:
    aws = make_aws()
    with Stubber(aws.client("sagemaker")) as stub:
        back = {
            **describe("InService", "c-1", "Insufficient capacity."),
            "ProductionVariants": variants(1),
        }
        stub.add_response("describe_endpoint", back)
        with pytest.raises(DeployError, match=r"InService with 1 instances, not the 3 asked for "
                           r"\(reason: Insufficient capacity\)"):  # fmt: skip
            ep.scaled(aws, "trends-anomaly", "c-1", 3)


def test_an_endpoint_on_the_same_config_under_its_older_name_is_scaled_not_switched() -> None:
    cfg = config(endpoint={"instance_count": 2})
    (c,) = ec.desired(cfg, inputs(N))
    (s,) = ep.desired(cfg, inputs(N))
    old = ec.SeenConfig("trends-anomaly-c-0ld0ld00", "arn:c", "2026-01-01", c.model, c.variant)
    running = replace(seen(cfg=old.name), instances=1, running=1)
    (action,) = ep.plan(PlanContext(Desired.of([c, s]), World.of([old, running])))
    assert action.reason.startswith("scale endpoint variant main 1 → 2, in place")
    assert "on trends-anomaly-c-0ld0ld00" in action.steps[-1].describe()


SERVERLESS = {"serverless": {"memory_mb": 2048, "max_concurrency": 8}}


def serverless_variant(asked: int, now: int | None = None) -> list[dict]:
    now = asked if now is None else now
    return [
        {
            "VariantName": "main",
            "DesiredServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": asked},
            "CurrentServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": now},
        }
    ]


def test_a_serverless_max_concurrency_is_updated_in_place_and_read_from_the_endpoint() -> None:
    aws, s = make_aws(), spec(endpoint=SERVERLESS)
    assert (s.instance_count, s.max_concurrency) == (None, 8)
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_response(
            "describe_endpoint",
            {**describe("InService", s.config), "ProductionVariants": serverless_variant(4)},
        )
        stub.add_response("list_tags", {"Tags": TAG_LIST})
        (got,) = ep.observe(aws, N, Desired(), World())
    assert (got.concurrency, got.concurrency_now, got.memory_mb) == (4, 4, 2048)
    action = ep.plan_endpoint(s, got)
    assert (action.op, action.reason) == (
        "update",
        "update endpoint variant main max concurrency 4 → 8, in place, no new endpoint config",
    )
    assert kinds(action) == ["sagemaker:UpdateEndpointWeightsAndCapacities", "wait"]
    with Stubber(aws.client("sagemaker")) as stub:
        expect_update_in_place(stub, {"ServerlessUpdateConfig": {"MaxConcurrency": 8}})
        updating = describe("Updating", s.config)
        stub.add_response(
            "describe_endpoint", {**updating, "ProductionVariants": serverless_variant(8, 4)}
        )
        done = {**describe("InService", s.config), "ProductionVariants": serverless_variant(8)}
        stub.add_response("describe_endpoint", done)
        lines = execute(aws, action)
        stub.assert_no_pending_responses()
    assert [line.strip() for line in lines[-2:]] == [
        f"Updating (config {s.config}), max concurrency 4 of 8",
        f"InService on {s.config}, max concurrency 8 of 8",
    ]
    assert ep.plan_endpoint(s, replace(got, concurrency=8, concurrency_now=8)).op == "noop"
    # Re-created from a config that started with another MaxConcurrency: updated after.
    failed = ep.plan_endpoint(s, replace(got, status="Failed"), fleet=4)
    assert kinds(failed)[-2:] == ["sagemaker:UpdateEndpointWeightsAndCapacities", "wait"]


def test_the_concurrency_wait_fails_when_the_endpoint_settles_on_another() -> None:
    aws = make_aws()
    with Stubber(aws.client("sagemaker")) as stub:
        back = {**describe("InService", "c-1"), "ProductionVariants": serverless_variant(4)}
        stub.add_response("describe_endpoint", back)
        with pytest.raises(DeployError, match=r"InService with max concurrency 4, not the 8 "
                           r"asked for .*serverless concurrency quota"):  # fmt: skip
            ep.scaled(aws, "trends-anomaly", "c-1", 8, ep.CONCURRENCY)


def test_an_instance_endpoint_turned_serverless_is_deleted_and_created_again() -> None:
    """SageMaker refuses UpdateEndpoint from instances to a serverless config: the plan
    deletes the endpoint (after a rollout in progress) and creates it on the new config, and
    records the instance config as the one that served before. Serverless to serverless, and
    back to instances, stay switches."""
    s = spec(endpoint=SERVERLESS)
    busy = ep.plan_endpoint(s, seen("Updating", cfg="c-instances"))
    assert busy.op == "replace"
    assert busy.reason.startswith("endpoint is Updating: wait for it, then SageMaker cannot")
    assert kinds(busy) == [
        "wait",
        "sagemaker:DeleteEndpoint",
        "wait",
        "sagemaker:CreateEndpoint",
        "wait",
        "sagemaker:AddTags",
    ]
    recorded = {t["Key"]: t["Value"] for t in busy.steps[-1].params["Tags"]}
    assert recorded == {ep.SERVING: s.config, ep.PREVIOUS: "c-instances"}
    world = World.of([seen(cfg="c-instances")])
    assert "goes down" in (ep.downtime_warning(s, world) or "")
    # DescribeEndpoint without serverless settings (an endpoint being created): its config says.
    sl = ec.SeenConfig("c-sl", "arn:c", "2026-01-01", "m", {"serverless": {"memory_mb": 1024}})
    creating = seen("Creating", cfg="c-sl")
    assert ep.serves_serverless(creating, World.of([sl, creating])) is True
    switch = ep.plan_endpoint(s, creating, serverless_now=True)
    assert (switch.op, "sagemaker:UpdateEndpoint" in kinds(switch)) == ("update", True)
    assert ep.downtime_warning(s, World.of([sl, creating])) is None
    back = ep.plan_endpoint(spec(), replace(seen(cfg="c-sl"), memory_mb=1024))
    assert "sagemaker:UpdateEndpoint" in kinds(back)
    assert ep.downtime_warning(spec(), World.of([seen(cfg="c-instances")])) is None


def test_re_creating_a_failed_endpoint_on_its_own_config_lists_no_config_change() -> None:
    """A Failed endpoint re-created on the config it failed on changes no config: the plan
    printed 'config: c-x → c-x' under it (seen in the operator pass). On another config, the
    change is listed."""
    s = spec()
    same = ep.plan_endpoint(s, seen("Failed", reason="ping"))
    assert same.op == "replace" and same.changes == (), same.changes
    other = ep.plan_endpoint(s, seen("Failed", cfg="c-old", reason="ping"))
    assert [(c.field, c.before, c.after) for c in other.changes] == [("config", "c-old", s.config)]
