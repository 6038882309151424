"""A create IAM refused with EntityAlreadyExists says what holds the name: a role of that
name at another path is not one that "appeared after the plan was made" (IAM names are unique
in an account whatever the path). On the moto server, real boto3 clients; a managed policy's
(bootstrap's CreatePolicy): tests/deploy/bootstrap/test_managed_policy.py."""

from __future__ import annotations

import json

import boto3
import botocore.exceptions
import pytest

from deploy.aws import Aws, DeployError
from deploy.bootstrap.managed_policy import LOOKUPS
from deploy.executor import Executor
from deploy.iam_clash import ENGINE_LOOKUPS, Holder, clash, holder
from deploy.plan import Action
from deploy.resources import iam
from tests.support.aws_clock import CLOCK

PATH = "/trends-anomaly/"
ROLE = "trends-anomaly-sagemaker"
TRUST = iam.service_trust("sagemaker.amazonaws.com")


def _aws() -> Aws:
    return Aws("us-east-1", boto3.Session(region_name="us-east-1"))


def _apply(aws: Aws, action: Action) -> tuple[str, Executor]:
    executor = Executor(aws, {}, lambda _line: None, CLOCK.sleep, CLOCK.now)
    with pytest.raises(DeployError) as stopped:
        executor.run([action])
    return str(stopped.value), executor


def _create_role(aws: Aws) -> tuple[str, Executor]:
    spec = iam.RoleSpec(
        name=ROLE,
        arn=f"arn:aws:iam::123456789012:role{PATH}{ROLE}",
        path=PATH,
        description="trends-anomaly: managed by the deploy engine",
        trust=TRUST,
        policy_name="inline",
        policy=None,
    )
    return _apply(aws, iam.plan_role(spec, None))


@pytest.mark.usefixtures("aws_env")
def test_a_role_of_the_same_name_at_another_path_is_named_with_what_to_change() -> None:
    aws = _aws()
    theirs = aws.client("iam").create_role(
        RoleName=ROLE, Path="/elsewhere/", AssumeRolePolicyDocument=json.dumps(TRUST)
    )["Role"]["Arn"]
    said, executor = _create_role(aws)
    assert "EntityAlreadyExists" in said
    assert "appeared after the plan was made" not in said
    for words in (
        f"IAM role {ROLE} already exists at path /elsewhere/ ({theirs}), not at {PATH}",
        "role names are unique in an account whatever the path",
        "config.yaml",
    ):
        assert words in said
    failed = executor.progress.failed
    assert failed is not None and failed.code == "EntityAlreadyExists"
    assert "/elsewhere/" in failed.todo and "appeared after" not in failed.todo


@pytest.mark.usefixtures("aws_env")
def test_one_at_the_same_path_is_still_one_made_after_the_plan() -> None:
    """Made at this very path between plan and apply (another run at the same time): the
    hint to plan again stands."""
    aws = _aws()
    aws.client("iam").create_role(
        RoleName=ROLE, Path=PATH, AssumeRolePolicyDocument=json.dumps(TRUST)
    )
    said, _ = _create_role(aws)
    assert "appeared after the plan was made" in said and "whatever the path" not in said


def test_a_name_that_differs_only_in_case_is_said_so() -> None:
    """IAM does not tell names apart by case: ``App-x`` at this very path holds ``app-x``."""
    theirs = Holder("managed policy", "App-x", PATH, f"arn:aws:iam::1:policy{PATH}App-x")
    said = clash(theirs, {"PolicyName": "app-x", "Path": PATH}) or ""
    assert "App-x already exists" in said and "differs from app-x only in case" in said
    assert clash(Holder("role", "r", PATH, "arn"), {"RoleName": "r", "Path": PATH}) is None


def test_what_holds_the_name_unread_leaves_the_generic_words() -> None:
    """The deploy role may read only its own roles: a refused read is no explanation."""

    class Refusing:
        def read(self, *_: object, **__: object) -> None:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetRole"
            )

        pages = read

    refusing = Refusing()
    assert holder(refusing, "CreateRole", {"RoleName": ROLE}, ENGINE_LOOKUPS) is None  # type: ignore[arg-type]
    assert holder(refusing, "CreatePolicy", {"PolicyName": "p"}, LOOKUPS) is None  # type: ignore[arg-type]
    assert holder(refusing, "CreatePolicy", {"PolicyName": "p"}, ENGINE_LOOKUPS) is None  # type: ignore[arg-type]
