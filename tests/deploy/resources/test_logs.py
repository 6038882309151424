"""Log groups: created with tags and retention before anything writes to them."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from deploy.aws import DeployError
from deploy.resources import logs
from deploy.resources.base import PlanContext
from deploy.world import Desired, World
from tests.deploy.resources.conftest import config, execute, inputs, make_aws, names

N = names()
GROUP = "/aws/lambda/trends-anomaly-detect"
TAGS = {"project": "trends-anomaly", "managed-by": "trends-anomaly-gitops"}


ACCESS = "/aws/vendedlogs/apigateway/trends-anomaly"


def test_desired_every_group_with_retention() -> None:
    groups = logs.desired(config(log_retention_days=30), inputs(N))
    assert [g.name for g in groups] == ["/aws/sagemaker/Endpoints/trends-anomaly", GROUP, ACCESS]
    assert {g.retention_days for g in groups} == {30}
    assert groups[1].arn == f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}"


def test_observe_exact_names_only() -> None:
    aws = make_aws()
    with Stubber(aws.client("logs")) as stub:
        stub.add_response(
            "describe_log_groups",
            {"logGroups": [{"logGroupName": "/aws/sagemaker/Endpoints/trends-anomaly-other"}]},
            {"logGroupNamePrefix": "/aws/sagemaker/Endpoints/trends-anomaly"},
        )
        stub.add_response(
            "describe_log_groups",
            {"logGroups": [{"logGroupName": GROUP, "retentionInDays": 7}]},
            {"logGroupNamePrefix": GROUP},
        )
        stub.add_response(
            "list_tags_for_resource",
            {"tags": TAGS},
            {"resourceArn": f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}"},
        )
        stub.add_response("describe_log_groups", {"logGroups": []}, {"logGroupNamePrefix": ACCESS})
        (seen,) = logs.observe(aws, N, Desired(), World())
    assert (seen.name, seen.retention_days, seen.tags) == (GROUP, 7, TAGS)


def test_observe_reads_on_past_a_page_without_the_group() -> None:
    """DescribeLogGroups is paged (nextToken) and its limit is "up to 50 items" (CloudWatch
    Logs API Reference): a page may hold fewer, none at all, with more to come. The group
    on the second page was taken for missing, and the plan created it again."""
    aws = make_aws()
    endpoint = "/aws/sagemaker/Endpoints/trends-anomaly"
    with Stubber(aws.client("logs")) as stub:
        stub.add_response(
            "describe_log_groups",
            {"logGroups": [], "nextToken": "t"},
            {"logGroupNamePrefix": endpoint},
        )
        stub.add_response(
            "describe_log_groups",
            {"logGroups": [{"logGroupName": endpoint, "retentionInDays": 7}]},
            {"logGroupNamePrefix": endpoint, "nextToken": "t"},
        )
        stub.add_response(
            "list_tags_for_resource",
            {"tags": TAGS},
            {"resourceArn": f"arn:aws:logs:us-east-1:123456789012:log-group:{endpoint}"},
        )
        for group in (GROUP, ACCESS):
            stub.add_response(
                "describe_log_groups", {"logGroups": []}, {"logGroupNamePrefix": group}
            )
        (seen,) = logs.observe(aws, N, Desired(), World())
        stub.assert_no_pending_responses()
    assert (seen.name, seen.retention_days) == (endpoint, 7)


def test_create_update_destroy_calls() -> None:
    aws = make_aws()
    specs = logs.desired(config(), inputs(N))
    world = World.of([logs.SeenLogGroup(GROUP, 7, {})])
    create, update, _access = logs.plan(PlanContext(Desired.of(specs), world))
    assert (create.op, update.op) == ("create", "update")
    with Stubber(aws.client("logs")) as stub:
        name = "/aws/sagemaker/Endpoints/trends-anomaly"
        stub.add_response("create_log_group", {}, {"logGroupName": name, "tags": TAGS})
        stub.add_response("put_retention_policy", {}, {"logGroupName": name, "retentionInDays": 14})
        stub.add_response(
            "put_retention_policy", {}, {"logGroupName": GROUP, "retentionInDays": 14}
        )
        stub.add_response("tag_resource", {}, {"resourceArn": specs[1].arn, "tags": TAGS})
        execute(aws, create, update)
        stub.assert_no_pending_responses()
        stub.add_client_error("create_log_group", "ResourceAlreadyExistsException", "exists", 400)
        with pytest.raises(DeployError, match="appeared after the plan"):
            execute(aws, create)
        (destroy,) = logs.destroy(world)
        stub.add_client_error("delete_log_group", "ResourceNotFoundException", "gone", 400)
        assert execute(aws, destroy)[-1].endswith("already gone: nothing to do")
    same = logs.plan(
        PlanContext(Desired.of(specs[1:2]), World.of([logs.SeenLogGroup(GROUP, 14, TAGS)]))
    )
    assert [a.op for a in same] == ["noop"]
