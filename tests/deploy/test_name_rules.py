"""Every name against its service's rule: botocore's models where they state it, the
documentation (quoted in name_rules.py) where they do not."""

from __future__ import annotations

import pytest

from deploy.name_rules import RULES, bucket_problems, name_problems, python_pattern
from deploy.naming import Names

ACCOUNT = "123456789012"


def problems(project: str, region: str = "us-east-1") -> list[str]:
    return [str(p) for p in name_problems(Names(project, ACCOUNT, region))]


def test_the_default_project_gives_only_valid_names() -> None:
    assert problems("trends-anomaly") == []
    assert problems("a--b") == []  # SageMaker, ECR and S3 accept runs of dashes


def test_the_bucket_is_the_first_to_run_out_of_characters() -> None:
    # 31 + "-site-" + 12 + "-" + len("ap-southeast-2") = 64
    (found,) = problems("a" * 31, "ap-southeast-2")
    assert "S3 bucket name" in found and "(64 characters)" in found and "3-63" in found
    assert problems("a" * 30, "ap-southeast-2") == []


@pytest.mark.parametrize(
    ("project", "what"),
    [
        ("abc-", "SageMaker endpoint name"),
        ("abc-", "ECR repository name"),
        ("a" * 60, "IAM role name"),
        ("a" * 60, "Lambda function name"),
    ],
)
def test_each_service_rule_is_named(project: str, what: str) -> None:
    found = [p for p in problems(project) if what in p]
    assert found, problems(project)
    assert "botocore" in found[0] or "Lambda CreateFunction" in found[0]


def test_the_rules_come_from_the_service_models() -> None:
    low, high, pattern = RULES["endpoint"].constraints
    assert (low, high) == (0, 63) or high == 63
    assert pattern is not None and "-*" in pattern
    assert RULES["role"].constraints[1] == 64
    assert python_pattern(r"\p{Print}*") == "[\x20-\x7e]*"


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("ab", "3-63"),
        ("Upper-case", "only lowercase"),
        ("a..b", "adjacent dots"),
        ("192.168.1.1", "IP address"),
        ("xn--abc", "'xn--' is reserved"),
        ("abc-s3alias", "'-s3alias' is reserved"),
    ],
)
def test_bucket_rules_from_the_s3_documentation(name: str, rule: str) -> None:
    assert any(rule in str(p) for p in bucket_problems(name)), list(bucket_problems(name))


def test_cloudfront_names_have_their_limits() -> None:
    long = Names("a" * 60, ACCOUNT, "us-east-1")
    whats = {p.what for p in name_problems(long)}
    assert "CloudFront origin access control name" in whats
