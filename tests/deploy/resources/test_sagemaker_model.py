"""The SageMaker model: hash-named, created (retrying a new role), replaced when tampered."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from deploy.aws import DeployError
from deploy.aws_errors import ErrorKind
from deploy.resources import sagemaker_model as sm
from deploy.resources.base import PlanContext
from deploy.world import Desired, World
from tests.deploy.resources.conftest import IMAGE, execute, make_aws
from tests.deploy.resources.sagemaker_records import (
    DESCRIBE_IMAGE,
    OLD_IMAGE,
    ROLE_ARN,
    TAG_LIST,
    V2,
    A,
    cfg_spec,
    model,
    seen_config,
    seen_model,
    serving,
)


def test_names_hash_exactly_what_defines_them_and_stay_stable() -> None:
    m = model()
    assert (
        m.name == "trends-anomaly-m-" + m.name.rsplit("-", 1)[1]
        and len(m.name.rsplit("-", 1)[1]) == 8
    )
    assert model().name == m.name and model(OLD_IMAGE).name != m.name
    assert model(endpoint={"environment": {"A": "1"}}).name != m.name
    c = cfg_spec()
    assert c.model == m.name and c.variant == {
        "name": "main",
        "model": m.name,
        "instance_type": "ml.m5.large",
    }
    # The count is not in the name: the endpoint scales in place; a new fleet starts with it.
    assert c.initial_count == 1
    assert cfg_spec(endpoint={"instance_count": 3}).name == c.name
    serverless = cfg_spec(endpoint={"serverless": {"memory_mb": 3072}})
    # Nor a serverless MaxConcurrency (updated in place too): the memory is.
    assert serverless.variant["serverless"] == {"memory_mb": 3072}
    assert serverless.max_concurrency == 5 and serverless.capacity == 5
    # Its model differs by the payload limit it is told (test_a_serverless_models_body_limit…).
    assert serverless.name != c.name and serverless.model != c.model
    more = cfg_spec(endpoint={"serverless": {"memory_mb": 3072, "max_concurrency": 9}})
    assert more.name == serverless.name
    assert cfg_spec(endpoint={"serverless": {"memory_mb": 2048}}).name != serverless.name


def test_first_model_is_created_with_role_retries_only_when_the_role_is_new() -> None:
    aws, m = make_aws(), model()
    from deploy.plan import Action

    quiet = sm.plan_model(m, PlanContext(Desired.of([m]), World()))
    assert quiet.reason == "does not exist"
    assert quiet.steps[1].retry_s == 120.0  # a role from a stopped apply: a shorter bound
    new_role = PlanContext(
        Desired.of([m]), World(), [Action("create", "iam_role", "trends-anomaly-sagemaker", "")]
    )
    action = sm.plan_model(m, new_role)
    check, create = action.steps
    assert check.describe().startswith(f"check: {IMAGE} is a Docker v2 schema 2 image in ECR")
    assert create.retry_on == frozenset({ErrorKind.PROPAGATING})
    assert "while IAM propagates" in create.describe()
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_client_error("create_model", "ValidationException", "Could not assume role", 400)
        stub.add_response(
            "create_model",
            {"ModelArn": A + "model/m"},
            {
                "ModelName": m.name,
                "ExecutionRoleArn": ROLE_ARN,
                "PrimaryContainer": {"Image": IMAGE, "Environment": {}},
                "Tags": TAG_LIST,
            },
        )
        with Stubber(aws.client("ecr")) as ecr:
            ecr.add_response("describe_images", V2, DESCRIBE_IMAGE)
            lines = execute(aws, action)
    assert (
        "      ValidationException (propagating): waiting while IAM propagates the role just "
        "created or changed; retrying in 1 s (300 s left)"
    ) in lines
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_client_error("create_model", "ValidationException", "bad image", 400)
        with (
            pytest.raises(DeployError, match="AWS said ValidationException: bad image"),
            Stubber(aws.client("ecr")) as ecr,
        ):
            ecr.add_response("describe_images", V2, DESCRIBE_IMAGE)
            execute(aws, quiet)  # not retried without a new role


def test_new_model_version_says_what_changed_against_the_serving_one() -> None:
    old_m, old_c = model(OLD_IMAGE), cfg_spec(OLD_IMAGE)
    world = World.of([seen_model(old_m), seen_config(old_c), serving(old_c.name)])
    new_m = model()
    action = sm.plan_model(new_m, PlanContext(Desired.of([new_m]), world))
    assert action.reason == f"new version of {old_m.name}: image"
    assert [(c.field, c.before, c.after) for c in action.changes] == [("image", OLD_IMAGE, IMAGE)]


def test_an_oci_image_stops_before_create_model_with_how_to_rebuild() -> None:
    aws, m = make_aws(), model()
    action = sm.plan_model(m, PlanContext(Desired.of([m]), World()))
    oci = {"imageDetails": [{"imageManifestMediaType": "application/vnd.oci.image.index.v1+json"}]}
    with Stubber(aws.client("ecr")) as ecr, Stubber(aws.client("sagemaker")) as stub:
        ecr.add_response("describe_images", oci, DESCRIBE_IMAGE)
        with pytest.raises(DeployError, match="oci-mediatypes=false"):
            execute(aws, action)
        stub.assert_no_pending_responses()  # CreateModel was never called
    public = model("public.ecr.aws/acme/model:1")
    (create,) = sm.plan_model(public, PlanContext(Desired.of([public]), World())).steps
    assert create.operation == "CreateModel"  # not ECR: nothing to check first


def test_a_tampered_model_is_replaced_tag_drift_is_an_update() -> None:
    aws, m = make_aws(), model()
    replaced = sm.plan_model(
        m, PlanContext(Desired.of([m]), World.of([seen_model(m, image="evil")]))
    )
    assert replaced.op == "replace"
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_response("delete_model", {}, {"ModelName": m.name})
        stub.add_response("create_model", {"ModelArn": A + "model/m"})
        with Stubber(aws.client("ecr")) as ecr:
            ecr.add_client_error("describe_images", "AccessDeniedException", "no", 400)
            lines = execute(aws, replaced)
    assert any("ECR did not describe it (AccessDeniedException)" in line for line in lines)
    tagged = sm.plan_model(m, PlanContext(Desired.of([m]), World.of([seen_model(m, tags={})])))
    assert tagged.op == "update"
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_response("add_tags", {}, {"ResourceArn": seen_model(m).arn, "Tags": TAG_LIST})
        execute(aws, tagged)
    assert [a.op for a in sm.destroy(World.of([seen_model(m)]))] == ["delete"]


@pytest.mark.parametrize(
    ("before", "after", "shown"),
    [
        ({"A": "1"}, {}, [("environment.A", "1", None)]),
        ({}, {"A": "1"}, [("environment.A", None, "1")]),
        ({"A": "1", "B": "2"}, {"A": "1", "B": "3"}, [("environment.B", "2", "3")]),
    ],
)
def test_an_emptied_environment_shows_the_variables_that_go_not_an_empty_mapping(
    before: dict, after: dict, shown: list
) -> None:
    """Dropping the last variable showed ``environment: null → {}`` beside the variable that
    went: an empty mapping has no keys to show."""
    old_m = model(endpoint={"environment": before})
    old_c = cfg_spec(endpoint={"environment": before})
    world = World.of([seen_model(old_m), seen_config(old_c), serving(old_c.name)])
    new_m = model(endpoint={"environment": after})
    action = sm.plan_model(new_m, PlanContext(Desired.of([new_m]), world))
    assert [(c.field, c.before, c.after) for c in action.changes] == shown
    assert action.reason == f"new version of {old_m.name}: {shown[0][0]}"


@pytest.mark.parametrize("code", ["ImageNotFoundException", "RepositoryNotFoundException"])
def test_an_image_ecr_does_not_have_stops_before_create_model_with_what_to_do(code: str) -> None:
    """SageMaker refuses it ('Requested image ... not found'), and the engine's hint for a
    refused value points at config.yaml; the image was deleted (destroy removes the repository)
    or never pushed, which the check says."""
    aws, m = make_aws(), model()
    action = sm.plan_model(m, PlanContext(Desired.of([m]), World()))
    with Stubber(aws.client("ecr")) as ecr, Stubber(aws.client("sagemaker")) as stub:
        ecr.add_client_error("describe_images", code, "not found", 400)
        with pytest.raises(DeployError, match=f"is not in ECR \\({code}\\).*deploy image"):
            execute(aws, action)
        stub.assert_no_pending_responses()  # CreateModel was never called


def test_a_serverless_models_body_limit_is_serverless_s_4_mb() -> None:
    """SageMaker carries 4 MB each way on a serverless endpoint, 6 MB on instances: the model
    (whose own limit is 6 MB) let an answer of 4-6 MB go, which never reached the caller (a
    5xx). On serverless it is told the 4 MB, and answers 413 result_too_large instead."""
    assert sm.PAYLOAD_ENV not in model().environment  # instances: names unchanged
    serverless = model(endpoint={"serverless": {"memory_mb": 3072}})
    assert serverless.environment[sm.PAYLOAD_ENV] == str(4 * 1024 * 1024)
    mine = model(
        endpoint={"serverless": {"memory_mb": 3072}, "environment": {sm.PAYLOAD_ENV: "1000"}}
    )
    assert mine.environment[sm.PAYLOAD_ENV] == "1000"  # config.yaml's own value is kept
