"""What the bootstrap roles may do, evaluated — not just what their JSON looks like.

The deploy role must reach this project's resources and nothing else (another endpoint, bucket,
function, role, API), must not be able to raise its own privileges, and only the right GitHub
tokens may assume each role.
"""

from __future__ import annotations

import pytest

from deploy.bootstrap import policies
from tests.support.iam_eval import (
    ALLOW,
    actions_of,
    allowed,
    evaluate,
    resource_is_anything,
    statements,
)

ACCOUNT = "123456789012"
REGION = "us-east-1"
P = "trends-anomaly"
T = policies.Target(P, REGION, ACCOUNT, "octo/trends")
DEPLOY = policies.deploy_permissions_policy(T)
PLAN = policies.plan_permissions_policy(T)

SM = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function"
ROLE = f"arn:aws:iam::{ACCOUNT}:role"
BUCKET = f"arn:aws:s3:::{P}-site-{ACCOUNT}-{REGION}"
LOGS = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
API = f"arn:aws:apigateway:{REGION}::/apis"
TAGGED = {"aws:ResourceTag/project": P}

# (action, resource, context) the deploy engine needs on the project's own resources.
PROJECT_REQUESTS = [
    ("sagemaker:CreateModel", f"{SM}:model/{P}-m-0123abcd", {}),
    ("sagemaker:DeleteModel", f"{SM}:model/{P}-m-0123abcd", {}),
    ("sagemaker:CreateEndpointConfig", f"{SM}:endpoint-config/{P}-c-89abcdef", {}),
    ("sagemaker:DeleteEndpointConfig", f"{SM}:endpoint-config/{P}-c-89abcdef", {}),
    ("sagemaker:CreateEndpoint", f"{SM}:endpoint/{P}", {}),
    ("sagemaker:UpdateEndpoint", f"{SM}:endpoint/{P}", {}),
    ("sagemaker:DeleteEndpoint", f"{SM}:endpoint/{P}", {}),
    ("ecr:PutImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{P}", {}),
    ("ecr:CreateRepository", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{P}", {}),
    ("ecr:PutImageTagMutability", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{P}", {}),
    ("lambda:GetFunctionConfiguration", f"{FN}:{P}-detect", {}),
    ("logs:TagResource", f"{LOGS}/aws/lambda/{P}-detect", {}),
    ("apigateway:POST", f"{API}/a1b2c3/routes", TAGGED),
    ("apigateway:PATCH", f"{API}/a1b2c3/stages/$default", TAGGED),
    ("ecr:GetAuthorizationToken", "*", {}),
    ("lambda:CreateFunction", f"{FN}:{P}-detect", {}),
    ("lambda:UpdateFunctionCode", f"{FN}:{P}-detect", {}),
    ("lambda:AddPermission", f"{FN}:{P}-detect", {}),
    ("lambda:DeleteFunction", f"{FN}:{P}-detect", {}),
    ("iam:CreateRole", f"{ROLE}/{P}/{P}-sagemaker", {}),
    ("iam:PutRolePolicy", f"{ROLE}/{P}/{P}-lambda", {}),
    ("iam:DeleteRole", f"{ROLE}/{P}/{P}-lambda", {}),
    (
        "iam:PassRole",
        f"{ROLE}/{P}/{P}-sagemaker",
        {"iam:PassedToService": "sagemaker.amazonaws.com"},
    ),
    ("iam:PassRole", f"{ROLE}/{P}/{P}-lambda", {"iam:PassedToService": "lambda.amazonaws.com"}),
    ("s3:CreateBucket", BUCKET, {}),
    ("s3:PutBucketWebsite", BUCKET, {}),
    ("s3:PutObject", f"{BUCKET}/index.html", {}),
    ("s3:DeleteObject", f"{BUCKET}/assets/old.js", {}),
    ("s3:DeleteBucket", BUCKET, {}),
    ("logs:DeleteLogGroup", f"{LOGS}/aws/lambda/{P}-detect", {}),
    ("logs:PutRetentionPolicy", f"{LOGS}/aws/sagemaker/Endpoints/{P}", {}),
    ("apigateway:POST", API, {"aws:RequestTag/project": P}),
    ("apigateway:PATCH", f"{API}/a1b2c3", TAGGED),
    ("apigateway:DELETE", f"{API}/a1b2c3", TAGGED),
    (
        "application-autoscaling:RegisterScalableTarget",
        "*",
        {"application-autoscaling:service-namespace": "sagemaker"},
    ),
    # What Application Auto Scaling checks on the caller for a SageMaker target-tracking policy.
    ("sagemaker:UpdateEndpointWeightsAndCapacities", f"{SM}:endpoint/{P}", {}),
    (
        "cloudwatch:PutMetricAlarm",
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:"
        f"TargetTracking-endpoint/{P}/variant/main-AlarmHigh-1234-abcd",
        {},
    ),
    ("cloudwatch:DescribeAlarms", "*", {}),
]

# The same kinds of calls aimed at things that are not this project's.
FOREIGN_REQUESTS = [
    ("sagemaker:DeleteEndpoint", f"{SM}:endpoint/other-x", {}),
    ("sagemaker:UpdateEndpoint", f"{SM}:endpoint/{P}-other", {}),
    ("sagemaker:DeleteModel", f"{SM}:model/other-m-0123abcd", {}),
    # A project called "trends-anomaly-m" must not be reachable through our model pattern.
    ("sagemaker:DeleteModel", f"{SM}:model/{P}-m-m-0123abcd", {}),
    ("sagemaker:DeleteEndpoint", f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:endpoint/{P}", {}),
    ("sagemaker:DeleteEndpoint", f"arn:aws:sagemaker:{REGION}:999999999999:endpoint/{P}", {}),
    ("ecr:PutImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/other", {}),
    ("ecr:DeleteRepository", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{P}-x", {}),
    ("lambda:UpdateFunctionCode", f"{FN}:other-detect", {}),
    ("lambda:DeleteFunction", f"{FN}:{P}-other", {}),
    ("s3:DeleteBucket", "arn:aws:s3:::another-bucket", {}),
    ("s3:PutObject", "arn:aws:s3:::another-bucket/index.html", {}),
    ("s3:DeleteObject", f"arn:aws:s3:::{P}-site-999999999999-{REGION}/x", {}),
    ("iam:DeleteRole", f"{ROLE}/other-lambda", {}),
    ("iam:CreateRole", f"{ROLE}/admin", {}),
    ("logs:DeleteLogGroup", f"{LOGS}/aws/lambda/other-detect", {}),
    ("apigateway:DELETE", f"{API}/zz9", {"aws:ResourceTag/project": "other"}),
    ("apigateway:DELETE", f"{API}/zz9", {}),
    ("apigateway:POST", API, {"aws:RequestTag/project": "other"}),
    ("apigateway:POST", API, {}),
    ("application-autoscaling:RegisterScalableTarget", "*", {}),
    (
        "application-autoscaling:RegisterScalableTarget",
        "*",
        {"application-autoscaling:service-namespace": "ecs"},
    ),
    ("ec2:RunInstances", "*", {}),
    (
        "cloudwatch:DeleteAlarms",
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:TargetTracking-endpoint/other/variant/x",
        {},
    ),
    ("cloudwatch:DeleteAlarms", f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:billing", {}),
    ("sagemaker:UpdateEndpointWeightsAndCapacities", f"{SM}:endpoint/other-x", {}),
    ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/x", {}),
]

# Privilege escalation: the deploy role must not widen any role, including its own.
ESCALATIONS = [
    ("iam:PutRolePolicy", f"{ROLE}/{P}-github-deploy", {}),
    ("iam:AttachRolePolicy", f"{ROLE}/{P}-github-deploy", {}),
    ("iam:UpdateAssumeRolePolicy", f"{ROLE}/{P}-github-plan", {}),
    (
        "iam:AttachRolePolicy",
        f"{ROLE}/{P}/{P}-lambda",
        {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"},
    ),
    (
        "iam:AttachRolePolicy",
        f"{ROLE}/{P}/{P}-sagemaker",
        {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"},
    ),
    # Passing a project role to another service (e.g. EC2) or the wrong one to a service.
    ("iam:PassRole", f"{ROLE}/{P}/{P}-sagemaker", {"iam:PassedToService": "ec2.amazonaws.com"}),
    ("iam:PassRole", f"{ROLE}/{P}/{P}-sagemaker", {"iam:PassedToService": "lambda.amazonaws.com"}),
    ("iam:PassRole", f"{ROLE}/{P}/{P}-lambda", {"iam:PassedToService": "sagemaker.amazonaws.com"}),
    ("iam:PassRole", f"{ROLE}/{P}-github-deploy", {"iam:PassedToService": "lambda.amazonaws.com"}),
    ("iam:CreateOpenIDConnectProvider", "*", {}),
]


@pytest.mark.parametrize(("action", "resource", "context"), PROJECT_REQUESTS)
def test_deploy_role_can_change_the_projects_resources(action, resource, context) -> None:
    assert allowed(DEPLOY, action, resource, context), (action, resource)


@pytest.mark.parametrize(("action", "resource", "context"), FOREIGN_REQUESTS + ESCALATIONS)
def test_deploy_role_cannot_touch_anything_else(action, resource, context) -> None:
    assert not allowed(DEPLOY, action, resource, context), (action, resource, context)


READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "BatchCheck")
# Mutating actions AWS only authorizes on Resource "*", each with the reason in policies.py.
STAR_MUTATIONS = {
    "ecr:GetAuthorizationToken",
    "application-autoscaling:RegisterScalableTarget",
    "application-autoscaling:DeregisterScalableTarget",
    "application-autoscaling:PutScalingPolicy",
    "application-autoscaling:DeleteScalingPolicy",
}


def _is_read(action: str) -> bool:
    verb = action.split(":", 1)[1]
    return verb.startswith(READ_PREFIXES) or action == "apigateway:GET"


def test_no_mutating_action_on_every_resource_except_the_documented_ones() -> None:
    seen_star_mutations = set()
    for st in statements(DEPLOY):
        assert st["Effect"] == "Allow"
        if not resource_is_anything(st):
            continue
        for action in actions_of(st):
            assert "*" not in action, f"wildcard action {action} on Resource *"
            if not _is_read(action):
                assert action in STAR_MUTATIONS, f"{action} allowed on Resource *"
                seen_star_mutations.add(action)
    # The autoscaling exceptions are still narrowed by a condition.
    assert not allowed(DEPLOY, "application-autoscaling:PutScalingPolicy", "*")


def test_plan_role_is_read_only() -> None:
    for st in statements(PLAN):
        assert st["Effect"] == "Allow"
        for action in actions_of(st):
            assert "*" not in action
            assert _is_read(action), f"plan role may {action}"
    for action, resource, context in PROJECT_REQUESTS:
        if not _is_read(action):
            assert evaluate(PLAN, action, resource, context) != ALLOW, action
    assert allowed(PLAN, "sagemaker:DescribeEndpoint", f"{SM}:endpoint/{P}")
    assert allowed(PLAN, "s3:GetObject", f"{BUCKET}/index.html")
    assert not allowed(PLAN, "s3:GetObject", "arn:aws:s3:::someone-elses-bucket/secret")
    assert not allowed(PLAN, "iam:GetRolePolicy", f"{ROLE}/admin")


# ----------------------------------------------------------------------------- trust


def _token(sub: str, aud: str = "sts.amazonaws.com") -> dict[str, str]:
    return {
        "token.actions.githubusercontent.com:sub": sub,
        "token.actions.githubusercontent.com:aud": aud,
    }


def _may_assume(trust: dict, claims: dict[str, str]) -> bool:
    (statement,) = trust["Statement"]
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    assert statement["Principal"] == {"Federated": provider}
    return allowed(trust, "sts:AssumeRoleWithWebIdentity", "*", claims)


@pytest.mark.parametrize(
    ("sub", "aud", "plan", "deploy"),
    [
        ("repo:octo/trends:pull_request", "sts.amazonaws.com", True, False),
        ("repo:octo/trends:ref:refs/heads/main", "sts.amazonaws.com", True, True),
        ("repo:octo/trends:environment:production", "sts.amazonaws.com", False, True),
        ("repo:octo/trends:ref:refs/heads/feature", "sts.amazonaws.com", False, False),
        ("repo:octo/trends:environment:staging", "sts.amazonaws.com", False, False),
        ("repo:octo/trends:ref:refs/tags/v1", "sts.amazonaws.com", False, False),
        ("repo:fork/trends:ref:refs/heads/main", "sts.amazonaws.com", False, False),
        ("repo:fork/trends:pull_request", "sts.amazonaws.com", False, False),
        ("repo:octo/trends-x:ref:refs/heads/main", "sts.amazonaws.com", False, False),
        ("repo:octo/trends:ref:refs/heads/main", "https://example.com", False, False),
    ],
)
def test_only_the_right_github_tokens_assume_each_role(sub, aud, plan, deploy) -> None:
    assert _may_assume(policies.plan_trust_policy(T), _token(sub, aud)) is plan
    assert _may_assume(policies.deploy_trust_policy(T), _token(sub, aud)) is deploy


def test_policies_fit_aws_quotas_for_the_longest_names() -> None:
    # IAM: inline policies of a role ≤ 10,240 characters in total, trust policy ≤ 2,048 (the
    # default quota), role name ≤ 64; whitespace does not count. Longest valid project: 31.
    import json

    t = policies.Target("a" * 31, "ap-southeast-2", ACCOUNT, f"{'o' * 39}/{'r' * 100}")

    def size(doc: dict) -> int:
        return len(json.dumps(doc, separators=(",", ":")))

    assert size(policies.deploy_permissions_policy(t)) <= 10_240
    assert size(policies.plan_permissions_policy(t)) <= 10_240
    assert size(policies.deploy_trust_policy(t)) <= 2_048
    assert size(policies.plan_trust_policy(t)) <= 2_048
    assert len(t.deploy_role_name) <= 64 and len(t.plan_role_name) <= 64
