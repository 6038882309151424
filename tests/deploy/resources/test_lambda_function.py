"""The Lambda and its per-route permissions: created, updated by what changed, waited for."""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

from deploy.aws import DeployError
from deploy.aws_errors import ErrorKind
from deploy.plan import Action, Ref
from deploy.resources import lambda_function as lf
from deploy.resources.base import PlanContext
from deploy.world import Desired, World
from tests.deploy.resources.conftest import config, execute, inputs, make_aws, names

N = names()
FN = "trends-anomaly-detect"
FN_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{FN}"
ROLE = "arn:aws:iam::123456789012:role/trends-anomaly/trends-anomaly-lambda"
TAGS = {"project": "trends-anomaly", "managed-by": "trends-anomaly-gitops"}


def specs(**cfg: object) -> tuple[lf.FunctionSpec, lf.PermissionSpec, lf.PermissionSpec]:
    fn, detect, health = lf.desired(config(**cfg), inputs(N))
    return fn, detect, health


def seen_fn(**over) -> lf.SeenFunction:
    fn = specs()[0]
    values = dict(
        name=FN,
        arn=FN_ARN,
        runtime=fn.runtime,
        handler=fn.handler,
        role_arn=fn.role_arn,
        memory_mb=fn.memory_mb,
        timeout_s=fn.timeout_s,
        environment=dict(fn.environment),
        code_sha256=fn.code_sha256,
        tags=dict(TAGS),
        state="Active",
        last_update="Successful",
    )
    values.update(over)
    return lf.SeenFunction(**values)


def configuration(**over) -> dict:
    out = {
        "FunctionName": FN,
        "FunctionArn": FN_ARN,
        "State": "Active",
        "LastUpdateStatus": "Successful",
    }
    out.update(over)
    return out


def test_desired_environment_is_what_devstack_gives_the_handler_too() -> None:
    fn, detect, health = specs(endpoint={"serverless": {}}, api={"lambda": {"timeout_s": 20}})
    assert fn.environment == {
        "ENDPOINT_NAME": "trends-anomaly",
        "INVOKE_READ_TIMEOUT_SECONDS": "16",
        "MAX_BODY_BYTES": str(4 * 1024 * 1024),  # serverless endpoints take 4 MB
    }
    assert (
        lf.function_environment(
            config(endpoint={"serverless": {}}, api={"lambda": {"timeout_s": 20}})
        )
        == fn.environment
    )
    assert (detect.name, health.name) == (
        "trends-anomaly-apigw-detect",
        "trends-anomaly-apigw-health",
    )
    assert isinstance(detect.source_arn, Ref) and detect.source_arn.resolve(
        {"api_id": "a1"}
    ).endswith(":a1/*/POST/detect")


def test_observe_function_and_only_our_permission_statements() -> None:
    aws = make_aws()
    policy = {
        "Statement": [
            {
                "Sid": "trends-anomaly-apigw-detect",
                "Principal": {"Service": "apigateway.amazonaws.com"},
                "Action": "lambda:InvokeFunction",
                "Condition": {"ArnLike": {"AWS:SourceArn": "arn:x/*/POST/detect"}},
            },
            {"Sid": "someone-else", "Principal": "*", "Action": "lambda:InvokeFunction"},
        ]
    }
    with Stubber(aws.client("lambda")) as stub:
        stub.add_response(
            "get_function",
            {
                "Configuration": {
                    **configuration(),
                    "Runtime": "python3.12",
                    "Handler": "handler.handler",
                    "Role": ROLE,
                    "MemorySize": 256,
                    "Timeout": 29,
                    "CodeSha256": "x",
                    "Environment": {"Variables": {"A": "1"}},
                },
                "Tags": TAGS,
            },
            {"FunctionName": FN},
        )
        stub.add_response("get_policy", {"Policy": json.dumps(policy)}, {"FunctionName": FN})
        fn, perm = lf.observe(aws, N, Desired(), World())
        stub.add_response("get_function", {"Configuration": configuration()})
        stub.add_client_error("get_policy", "ResourceNotFoundException", "no policy", 404)
        assert len(lf.observe(aws, N, Desired(), World())) == 1
        stub.add_client_error(
            "get_function", "ResourceNotFoundException", "Function not found", 404
        )
        assert lf.observe(aws, N, Desired(), World()) == []
    assert (fn.memory_mb, fn.environment, fn.tags) == (256, {"A": "1"}, TAGS)
    assert (perm.name, perm.principal, perm.source_arn) == (
        "trends-anomaly-apigw-detect",
        "apigateway.amazonaws.com",
        "arn:x/*/POST/detect",
    )


def test_create_waits_until_active_and_retries_a_new_role() -> None:
    aws = make_aws()
    fn = specs()[0]
    new_role = PlanContext(
        Desired.of([fn]), World(), [Action("create", "iam_role", "trends-anomaly-lambda", "")]
    )
    (action,) = lf.plan(new_role)
    assert action.steps[0].retry_on == frozenset({ErrorKind.PROPAGATING})
    with Stubber(aws.client("lambda")) as stub:
        stub.add_client_error(
            "create_function",
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.",
            400,
        )
        stub.add_response(
            "create_function",
            {"FunctionName": FN},
            {
                "FunctionName": FN,
                "Code": {"ZipFile": b"PK-zip-bytes"},
                "Publish": False,
                "Tags": TAGS,
                "Runtime": "python3.12",
                "Handler": "handler.handler",
                "Role": ROLE,
                "MemorySize": 256,
                "Timeout": 29,
                "Environment": {"Variables": fn.environment},
            },
        )
        stub.add_response(
            "get_function_configuration", configuration(State="Pending"), {"FunctionName": FN}
        )
        stub.add_response("get_function_configuration", configuration())
        lines = execute(aws, action)
    assert "      Pending / last update Successful" in lines
    with Stubber(aws.client("lambda")) as stub:
        stub.add_client_error(
            "create_function", "ResourceConflictException", "Function already exist", 409
        )
        with pytest.raises(DeployError, match="appeared after the plan"):
            execute(aws, action)


def test_update_only_what_changed_waiting_between_updates() -> None:
    aws, fn = make_aws(), specs()[0]
    code_only = lf._update(fn, seen_fn(), (lf.Change("code_sha256", "old", fn.code_sha256),), False)
    assert [s.describe().split(" ")[0] for s in code_only] == ["lambda:UpdateFunctionCode", "wait"]
    (action,) = lf.plan(
        PlanContext(
            Desired.of([fn]),
            World.of(
                [seen_fn(memory_mb=128, code_sha256="old", tags={}, last_update="InProgress")]
            ),
        )
    )
    assert [s.describe().split(" ")[0] for s in action.steps] == [
        "wait",
        "lambda:UpdateFunctionConfiguration",
        "wait",
        "lambda:UpdateFunctionCode",
        "wait",
        "lambda:TagResource",
    ]
    with Stubber(aws.client("lambda")) as stub:
        stub.add_response(
            "get_function_configuration", configuration(LastUpdateStatus="InProgress")
        )
        stub.add_response("get_function_configuration", configuration())
        stub.add_client_error(
            "update_function_configuration", "ResourceConflictException", "update in progress", 409
        )
        stub.add_response("update_function_configuration", {"FunctionName": FN})
        stub.add_response("get_function_configuration", configuration())
        stub.add_response(
            "update_function_code",
            {"FunctionName": FN},
            {"FunctionName": FN, "ZipFile": b"PK-zip-bytes"},
        )
        stub.add_response("get_function_configuration", configuration())
        stub.add_response("tag_resource", {}, {"Resource": FN_ARN, "Tags": TAGS})
        execute(aws, action)
        stub.assert_no_pending_responses()
    assert lf.plan(PlanContext(Desired.of([fn]), World.of([seen_fn()])))[0].op == "noop"


def test_a_failed_update_or_a_vanished_function_stops_the_wait() -> None:
    aws = make_aws()
    with Stubber(aws.client("lambda")) as stub:
        stub.add_response(
            "get_function_configuration",
            configuration(LastUpdateStatus="Failed", LastUpdateStatusReason="bad zip"),
        )
        with pytest.raises(DeployError, match="update failed: bad zip"):
            lf.ready(aws, FN)
        stub.add_client_error(
            "get_function_configuration", "ResourceNotFoundException", "gone", 404
        )
        with pytest.raises(DeployError, match="disappeared"):
            lf.ready(aws, FN)


def test_permissions_per_route_replaced_when_wrong_leftovers_removed() -> None:
    aws = make_aws()
    fn, detect, health = specs()
    world = World.of(
        [
            seen_fn(),
            lf.SeenPermission(
                detect.name,
                FN,
                "apigateway.amazonaws.com",
                "lambda:InvokeFunction",
                "arn:aws:execute-api:us-east-1:123456789012:old/*/POST/detect",
            ),
            lf.SeenPermission(
                "trends-anomaly-apigw-old",
                FN,
                "apigateway.amazonaws.com",
                "lambda:InvokeFunction",
                "x",
            ),
        ]
    )
    bound = {"api_id": "a1"}
    from deploy.plan import resolve

    desired = Desired.of(resolve(s, bound) for s in (fn, detect, health))
    actions = lf.plan(PlanContext(desired, world))
    assert [(a.op, a.name, a.phase) for a in actions] == [
        ("noop", FN, "main"),
        ("update", detect.name, "main"),
        ("create", health.name, "main"),
        ("delete", "trends-anomaly-apigw-old", "after"),
    ]
    source = "arn:aws:execute-api:us-east-1:123456789012:a1/*/POST/detect"
    with Stubber(aws.client("lambda")) as stub:
        stub.add_client_error(
            "remove_permission",
            "ResourceNotFoundException",
            "gone",
            404,
            expected_params={"FunctionName": FN, "StatementId": detect.name},
        )
        stub.add_response(
            "add_permission",
            {"Statement": "{}"},
            {
                "FunctionName": FN,
                "StatementId": detect.name,
                "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": source,
            },
        )
        execute(aws, actions[1])
        stub.assert_no_pending_responses()
    (destroy,) = lf.destroy(world)
    assert destroy.reason == "destroy, with its permissions"
