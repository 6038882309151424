"""The thin AWS layer: one session, every call logged, reads that may miss."""

from __future__ import annotations

import boto3
import botocore.exceptions
import pytest
from botocore.stub import Stubber

from deploy.aws import Aws, CallLog, DeployError, is_mutating, tag_dict, tag_list


def aws() -> Aws:
    return Aws(
        "eu-west-1",
        boto3.Session(aws_access_key_id="a", aws_secret_access_key="b", region_name="eu-west-1"),
    )


def test_reads_return_none_when_gone_and_raise_otherwise() -> None:
    a = aws()
    with Stubber(a.client("iam")) as stub:
        stub.add_response(
            "get_role",
            {
                "Role": {
                    "Path": "/",
                    "RoleName": "rr",
                    "RoleId": "AROAEXAMPLEEXAMPLE12",
                    "Arn": "arn:aws:iam::123456789012:role/rr",
                    "CreateDate": "2026-01-01T00:00:00Z",
                }
            },
            {"RoleName": "rr"},
        )
        assert a.read("iam", "GetRole", RoleName="rr")["Role"]["RoleName"] == "rr"
        stub.add_client_error("get_role", "NoSuchEntity", "gone", 404)
        assert a.read("iam", "GetRole", RoleName="rr") is None
        stub.add_client_error("get_role", "AccessDenied", "no", 403)
        with pytest.raises(botocore.exceptions.ClientError):
            a.read("iam", "GetRole", RoleName="rr")
    assert a.log.calls == [("iam", "GetRole")] * 3 and a.log.mutating == []


def test_pages_collect_every_item() -> None:
    a = aws()
    with Stubber(a.client("apigatewayv2")) as stub:
        stub.add_response(
            "get_apis",
            {
                "Items": [
                    {
                        "ApiId": "1",
                        "Name": "a",
                        "ProtocolType": "HTTP",
                        "RouteSelectionExpression": "x",
                    }
                ],
                "NextToken": "t",
            },
        )
        stub.add_response(
            "get_apis",
            {
                "Items": [
                    {
                        "ApiId": "2",
                        "Name": "b",
                        "ProtocolType": "HTTP",
                        "RouteSelectionExpression": "x",
                    }
                ]
            },
            {"NextToken": "t"},
        )
        assert [i["ApiId"] for i in a.pages("apigatewayv2", "GetApis", "Items")] == ["1", "2"]


def test_items_ask_for_a_page_only_when_the_one_before_is_used_up() -> None:
    a = aws()
    with Stubber(a.client("iam")) as stub:
        first = {"PolicyNames": ["a"], "IsTruncated": True, "Marker": "m"}
        stub.add_response("list_role_policies", first, {"RoleName": "rr"})
        found = a.items("iam", "ListRolePolicies", "PolicyNames", RoleName="rr")
        assert next(found) == "a"
    assert a.log.calls == [("iam", "ListRolePolicies")]


def test_read_pages_is_none_when_gone_and_raises_otherwise() -> None:
    a = aws()
    with Stubber(a.client("iam")) as stub:
        stub.add_response(
            "list_role_policies", {"PolicyNames": ["a"], "IsTruncated": True, "Marker": "m"}
        )
        stub.add_response(
            "list_role_policies", {"PolicyNames": ["b"]}, {"RoleName": "rr", "Marker": "m"}
        )
        assert a.read_pages("iam", "ListRolePolicies", "PolicyNames", RoleName="rr") == ["a", "b"]
        stub.add_client_error("list_role_policies", "NoSuchEntity", "gone", 404)
        assert a.read_pages("iam", "ListRolePolicies", "PolicyNames", RoleName="rr") is None
        stub.add_client_error("list_role_policies", "AccessDenied", "no", 403)
        with pytest.raises(botocore.exceptions.ClientError):
            a.read_pages("iam", "ListRolePolicies", "PolicyNames", RoleName="rr")


def test_clients_share_the_region_and_retry_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    a = aws()
    assert a.client("sagemaker") is a.client("sagemaker")
    assert a.client("sagemaker").meta.region_name == "eu-west-1"
    # botocore counts the first attempt too: max_attempts 6 = 7 in total.
    assert a.client("sagemaker").meta.config.retries["total_max_attempts"] == 7
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert aws().client("s3").meta.config.retries["total_max_attempts"] == 2
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "junk")
    assert aws().client("s3").meta.config.retries["total_max_attempts"] == 7


def test_no_credentials_is_a_deploy_error_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(DeployError, match="no credentials found"):
        Aws("us-east-1", boto3.Session(region_name="us-east-1")).account_id()


def test_call_log_and_tags() -> None:
    log = CallLog([("s3", "ListObjectsV2"), ("s3", "PutObject"), ("s3", "PutObject")])
    assert log.mutating == [("s3", "PutObject")] * 2
    assert log.summary() == "s3:ListObjectsV2×1, s3:PutObject×2"
    assert is_mutating("UpdateEndpoint") and not is_mutating("HeadBucket")
    assert tag_list({"b": "2", "a": "1"}) == [
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": "2"},
    ]
    assert tag_dict(None) == {} and tag_dict(tag_list({"a": "1"})) == {"a": "1"}
