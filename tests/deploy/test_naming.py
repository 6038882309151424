"""Deterministic names and ARNs: how every resource is found again without a state file."""

from __future__ import annotations

from deploy.naming import Names, content_hash, ecr_repository_arn_of

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
    assert Names("p-x", "1", "eu-central-1").site_url.endswith(
        "s3-website.eu-central-1.amazonaws.com"
    )
    assert N.site_url.endswith("s3-website-us-east-1.amazonaws.com")


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
