"""GitHub's OIDC provider: created when missing, audience added when lacking, never deleted."""

from __future__ import annotations

from botocore.stub import Stubber

from deploy.bootstrap import oidc_provider as oidc
from deploy.bootstrap.policies import GITHUB_THUMBPRINTS, Target
from deploy.resources.base import PlanContext
from deploy.world import Desired, World
from tests.deploy.resources.conftest import execute, make_aws

T = Target("trends-anomaly", "us-east-1", "123456789012", "octo/trends")
ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


def plan(world: World) -> list:
    return oidc.plan(PlanContext(Desired.of([oidc.provider_spec(T)]), world))


def test_observe_finds_githubs_provider_among_others() -> None:
    aws = make_aws()
    with Stubber(aws.client("iam")) as stub:
        stub.add_response(
            "list_open_id_connect_providers",
            {
                "OpenIDConnectProviderList": [
                    {"Arn": "arn:aws:iam::123456789012:oidc-provider/other.example"},
                    {"Arn": ARN},
                ]
            },
        )
        stub.add_response(
            "get_open_id_connect_provider",
            {"ClientIDList": ["sts.amazonaws.com"]},
            {"OpenIDConnectProviderArn": ARN},
        )
        assert oidc.observe_provider(aws) == oidc.SeenProvider(
            "token.actions.githubusercontent.com", ARN, ("sts.amazonaws.com",)
        )
        stub.add_response("list_open_id_connect_providers", {"OpenIDConnectProviderList": []})
        assert oidc.observe_provider(aws) is None


def test_create_add_audience_or_nothing() -> None:
    aws = make_aws()
    (create,) = plan(World())
    with Stubber(aws.client("iam")) as stub:
        stub.add_response(
            "create_open_id_connect_provider",
            {"OpenIDConnectProviderArn": ARN},
            {
                "Url": "https://token.actions.githubusercontent.com",
                "ClientIDList": ["sts.amazonaws.com"],
                "ThumbprintList": list(GITHUB_THUMBPRINTS),
                "Tags": [
                    {"Key": "managed-by", "Value": "trends-anomaly-gitops"},
                    {"Key": "project", "Value": "trends-anomaly"},
                ],
            },
        )
        execute(aws, create)
    (add,) = plan(
        World.of([oidc.SeenProvider("token.actions.githubusercontent.com", ARN, ("other",))])
    )
    assert (add.op, add.reason) == ("update", "added audience sts.amazonaws.com")
    with Stubber(aws.client("iam")) as stub:
        stub.add_response(
            "add_client_id_to_open_id_connect_provider",
            {},
            {"OpenIDConnectProviderArn": ARN, "ClientID": "sts.amazonaws.com"},
        )
        execute(aws, add)
    (same,) = plan(
        World.of(
            [oidc.SeenProvider("token.actions.githubusercontent.com", ARN, ("sts.amazonaws.com",))]
        )
    )
    assert (same.op, same.reason) == ("noop", "exists")
    assert oidc.RESOURCE.destroy(World.of([oidc.SeenProvider("x", ARN, ())])) == []
