"""Every resource name checked against the rule of the service that will receive it.

One function, `name_problems(names)`, checks a complete set of names (a project in a region,
with the 12-digit account) before anything is created: config validation calls it, and so can
anything that derives other names from a project (an environment suffix, a preview). Where
botocore's service model states the rule (length and pattern of SageMaker, ECR, IAM, Lambda,
Logs names), the model is the authority and is read at run time; where the rule lives only in
the service's documentation (S3 bucket names, Lambda's 64-character function name, the
CloudFront OAC name and comment), it is written here with its source.

Consequences worth knowing: SageMaker and ECR accept runs of dashes (``a--b``) but no leading
or trailing dash; S3 accepts ``a--b`` too but reserves some prefixes and suffixes.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import botocore.model

from deploy.naming import Names, botocore_session

SAMPLE_HASH = "0123abcd"  # hash-named resources end in 8 hex digits


@dataclass(frozen=True)
class NameProblem:
    """One name a service would refuse: what it is, the name, and the rule it breaks."""

    what: str
    name: str
    rule: str

    def __str__(self) -> str:
        return f"the {self.what} would be {self.name!r} ({len(self.name)} characters): {self.rule}"


@dataclass(frozen=True)
class ModelRule:
    """A name rule as botocore's service model states it (the machine form of the API docs)."""

    service: str
    operation: str
    member: str
    max_len: int | None = None  # a documented limit tighter than the model's (Lambda: 64)
    max_source: str = ""

    @property
    def constraints(self) -> tuple[int, int, str | None]:
        return _constraints(self.service, self.operation, self.member)


# The models' patterns are Java regular expressions; the one class Python lacks, translated.
_JAVA_CLASSES = {r"\p{Print}": "[\x20-\x7e]"}


def python_pattern(pattern: str) -> str:
    for java, python in _JAVA_CLASSES.items():
        pattern = pattern.replace(java, python)
    return pattern


@cache
def _service_model(service: str) -> botocore.model.ServiceModel:
    """Each service's model parsed once per process: a config names a dozen members of five
    services, and every `python -m deploy` (and CI step) validates its config first; the
    session is the one naming.py reads SageMaker's regions with (its model read once)."""
    return botocore_session().get_service_model(service)


@cache
def _constraints(service: str, operation: str, member: str) -> tuple[int, int, str | None]:
    shape = _service_model(service).operation_model(operation).input_shape.members[member]
    meta = shape.metadata
    pattern = meta.get("pattern")
    low = int(meta.get("min", 1) or 1)
    return low, int(meta.get("max", 10**6)), python_pattern(pattern) if pattern else None


def _model_problems(what: str, name: str, rule: ModelRule) -> Iterator[NameProblem]:
    low, high, pattern = rule.constraints
    source = f"botocore {rule.service} model, {rule.operation} {rule.member}"
    if rule.max_len is not None and rule.max_len < high:
        high, source = rule.max_len, rule.max_source
    if not low <= len(name) <= high:
        yield NameProblem(what, name, f"{low}-{high} characters allowed ({source})")
    elif pattern and not re.fullmatch(pattern, name):
        yield NameProblem(what, name, f"must match {pattern} ({source})")


# --- rules that live in documentation only -------------------------------------------------------
S3_NAMING = (
    "S3 bucket naming rules, docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"
)
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_problems(name: str) -> Iterator[NameProblem]:
    """S3 general purpose bucket names (the documented rules; botocore has no pattern)."""
    what = "S3 bucket name"
    if not 3 <= len(name) <= 63:
        yield NameProblem(what, name, f"S3 allows 3-63 characters ({S3_NAMING})")
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", name):
        yield NameProblem(
            what,
            name,
            f"only lowercase letters, digits, dots and dashes, starting and ending with a "
            f"letter or digit ({S3_NAMING})",
        )
    if ".." in name:
        yield NameProblem(what, name, f"no two adjacent dots ({S3_NAMING})")
    try:
        ipaddress.IPv4Address(name)
        yield NameProblem(what, name, f"must not look like an IP address ({S3_NAMING})")
    except ValueError:
        pass
    for prefix in S3_RESERVED_PREFIXES:
        if name.startswith(prefix):
            yield NameProblem(what, name, f"the prefix {prefix!r} is reserved ({S3_NAMING})")
    for suffix in S3_RESERVED_SUFFIXES:
        if name.endswith(suffix):
            yield NameProblem(what, name, f"the suffix {suffix!r} is reserved ({S3_NAMING})")


def _max_len(what: str, name: str, limit: int, source: str) -> Iterator[NameProblem]:
    if not 1 <= len(name) <= limit:
        yield NameProblem(what, name, f"1-{limit} characters allowed ({source})")


LAMBDA_NAME_DOC = "Lambda CreateFunction: a function name is at most 64 characters"
OAC_DOC = "CloudFront OriginAccessControlConfig Name, at most 64 characters"
COMMENT_DOC = "CloudFront DistributionConfig Comment, at most 128 characters"
API_NAME = ModelRule("apigatewayv2", "CreateApi", "Name", 128, "API Gateway CreateApi Name, 1-128")

RULES: dict[str, ModelRule] = {
    "ecr": ModelRule("ecr", "CreateRepository", "repositoryName"),
    "model": ModelRule("sagemaker", "CreateModel", "ModelName"),
    "config": ModelRule("sagemaker", "CreateEndpointConfig", "EndpointConfigName"),
    "endpoint": ModelRule("sagemaker", "CreateEndpoint", "EndpointName"),
    "role": ModelRule("iam", "CreateRole", "RoleName"),
    "path": ModelRule("iam", "CreateRole", "Path"),
    "policy": ModelRule("iam", "PutRolePolicy", "PolicyName"),
    "function": ModelRule("lambda", "CreateFunction", "FunctionName", 64, LAMBDA_NAME_DOC),
    "sid": ModelRule("lambda", "AddPermission", "StatementId"),
    "log_group": ModelRule("logs", "CreateLogGroup", "logGroupName"),
    "scaling_policy": ModelRule("application-autoscaling", "PutScalingPolicy", "PolicyName"),
}


def _checks(n: Names) -> Iterator[tuple[str, str, Callable[[str, str], Iterator[NameProblem]]]]:
    def model(key: str) -> Callable[[str, str], Iterator[NameProblem]]:
        return lambda what, name: _model_problems(what, name, RULES[key])

    yield "ECR repository name", n.ecr_repository, model("ecr")
    yield "SageMaker model name", n.model(SAMPLE_HASH), model("model")
    yield "SageMaker endpoint config name", n.endpoint_config(SAMPLE_HASH), model("config")
    yield "SageMaker endpoint name", n.endpoint, model("endpoint")
    for role in (n.sagemaker_role, n.lambda_role, n.github_plan_role, n.github_deploy_role):
        yield "IAM role name", role, model("role")
    yield "IAM role path", n.role_path, model("path")
    yield "IAM inline policy name", n.inline_policy, model("policy")
    yield "Lambda function name", n.function, model("function")
    yield "Lambda permission statement id", n.permission_sid("POST /detect"), model("sid")
    for group in (n.lambda_log_group, n.endpoint_log_group, n.api_log_group):
        yield "CloudWatch log group name", group, model("log_group")
    yield "autoscaling policy name", n.scaling_policy, model("scaling_policy")
    yield (
        "HTTP API name",
        n.api,
        lambda what, name: _model_problems(what, name, API_NAME),
    )
    yield "S3 bucket name", n.bucket, lambda _what, name: bucket_problems(name)
    yield "CloudFront origin access control name", n.oac, lambda w, x: _max_len(w, x, 64, OAC_DOC)
    yield (
        "CloudFront distribution comment",
        n.distribution_comment,
        lambda w, x: _max_len(w, x, 128, COMMENT_DOC),
    )


def name_problems(names: Names) -> list[NameProblem]:
    """Every name of ``names`` that its service would refuse (empty: all are fine)."""
    return [problem for what, name, check in _checks(names) for problem in check(what, name)]
