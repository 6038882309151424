"""Deterministic names and ARNs: how every resource is found again without a state file."""

from __future__ import annotations

from deploy.naming import (
    ANY_ENV,
    ANY_PREVIEW,
    Names,
    content_hash,
    ecr_repository_arn_of,
    partition_of,
    site_url,
    starts_like,
)

N = Names("trends-anomaly", "123456789012", "us-east-1")
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly:x"


def test_names_follow_the_team_contract() -> None:
    assert N.ecr_repository == "trends-anomaly"
    assert N.bucket == "trends-anomaly-site-123456789012-us-east-1"
    assert N.scaling_resource_id == "endpoint/trends-anomaly/variant/main"
    assert N.role_arn(N.lambda_role) == "arn:aws:iam::123456789012:role/trends-anomaly/" + (
        "trends-anomaly-lambda"
    )
    assert N.model("0123abcd") == "trends-anomaly-m-0123abcd"
    assert N.model_pattern.match("trends-anomaly-m-0123abcd")
    assert not N.model_pattern.match("trends-anomaly-extra-m-0123abcd")
    assert N.oac == "trends-anomaly-site-us-east-1"
    assert (
        N.bucket_domain == "trends-anomaly-site-123456789012-us-east-1.s3.us-east-1.amazonaws.com"
    )
    assert site_url("d1.cloudfront.net") == "https://d1.cloudfront.net"


def test_a_glob_environment_gives_each_names_glob() -> None:
    """What the roles' policies grant for every preview (or every stack) at once."""
    every = Names("trends-anomaly", "123456789012", "us-east-1", ANY_PREVIEW)
    assert every.is_preview and every.ecr_repository == "trends-anomaly-pr-*"  # a preview's own
    assert every.function == "trends-anomaly-pr-*-detect"
    assert starts_like(every.function_arn).endswith(":function:trends-anomaly-pr-*")
    assert starts_like(every.bucket) == "trends-anomaly-pr-*"
    assert starts_like("no-wildcard") == "no-wildcard"
    stacks = Names("trends-anomaly", "123456789012", "us-east-1", ANY_ENV)
    assert not stacks.is_preview and stacks.ecr_repository == "trends-anomaly"
    assert stacks.scaling_alarms == "TargetTracking-endpoint/trends-anomaly-*/variant/*"


def test_arns_and_hosts_follow_the_regions_partition() -> None:
    assert partition_of("us-east-1").name == "aws"
    gov = Names("p", "123456789012", "us-gov-west-1")
    assert gov.endpoint_arn == "arn:aws-us-gov:sagemaker:us-gov-west-1:123456789012:endpoint/p"
    assert gov.role_arn("r").startswith("arn:aws-us-gov:iam::123456789012:role/")
    cn = Names("p", "123456789012", "cn-north-1")
    assert cn.function_arn.startswith("arn:aws-cn:lambda:cn-north-1:")
    assert cn.ecr_registry == "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"
    assert cn.api_url("abc") == "https://abc.execute-api.cn-north-1.amazonaws.com.cn"
    assert partition_of("mars-1") is None and partition_of("aws-global") is None
    assert (
        ecr_repository_arn_of("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/x:1")
        == "arn:aws-cn:ecr:cn-north-1:123456789012:repository/x"
    )


def test_one_permission_per_route_limited_to_that_route() -> None:
    assert N.permission_sid("POST /detect") == "trends-anomaly-apigw-detect"
    assert N.permission_sid("GET /health") == "trends-anomaly-apigw-health"
    assert N.permission_sid("GET /") == "trends-anomaly-apigw-root"
    assert N.api_execute_arn("abc", "GET /health") == (
        "arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/health"
    )
    assert N.api_arn("abc") == "arn:aws:apigateway:us-east-1::/apis/abc"


def test_content_hash_is_order_independent_and_sensitive() -> None:
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
    assert len(content_hash({})) == 8


def test_ecr_arn_of_image_uri() -> None:
    assert ecr_repository_arn_of(IMG) == (
        "arn:aws:ecr:us-east-1:123456789012:repository/trends-anomaly"
    )
    assert ecr_repository_arn_of("public.ecr.aws/x/y:1") is None
