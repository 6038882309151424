"""What the bootstrap roles may do, evaluated — not just what their JSON looks like.

The deploy role must reach this project's resources and nothing else (another endpoint, bucket,
function, role, API), must not be able to raise its own privileges, and only the right GitHub
tokens may assume each role.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from deploy.bootstrap import policies
from tests.support.iam_eval import (
    ALLOW,
    actions_of,
    allowed,
    apigateway_context,
    evaluate,
    glob_match,
    grants,
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
API_ID = "a1b2c3d4e5"  # API Gateway ids: 10 characters
OURS = f"{API}/{API_ID}"
# What carries tags in the account: our API and its stage (tagged), another project's API.
TAGS = {
    OURS: {"project": P},
    f"{OURS}/stages/$default": {"project": P},
    f"{API}/zz9zz9zz9z": {"project": "other"},
}
CF = f"arn:aws:cloudfront::{ACCOUNT}"
# The single deployment's boundary (bootstrap's), as IAM puts it in a request's context.
ROLE_BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/{P}/{P}-role-boundary"
CAPPED = {"iam:PermissionsBoundary": ROLE_BOUNDARY}
CW = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}"


def gw(verb: str, path: str, request_tags: dict | None = None) -> tuple[str, str, dict]:
    """An API Gateway request with the context AWS gives it (tags only on taggable parts)."""
    resource = f"{API}{path}"
    return (f"apigateway:{verb}", resource, apigateway_context(resource, TAGS, request_tags))


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
    gw("POST", f"/{API_ID}/routes"),
    gw("POST", f"/{API_ID}/integrations"),
    gw("PATCH", f"/{API_ID}/integrations/abc1234"),
    gw("DELETE", f"/{API_ID}/routes/r1b2c3d"),
    gw("POST", f"/{API_ID}/stages", {"project": P}),
    gw("PATCH", f"/{API_ID}/stages/$default"),
    # CreateApi with tags is also authorized as POST on /tags/<the new API's ARN>.
    (
        "apigateway:POST",
        f"arn:aws:apigateway:{REGION}::/tags/arn%3Aaws%3Aapigateway%3A{REGION}%3A%3A%2Fapis",
        {"aws:RequestTag/project": P},
    ),
    ("cloudfront:CreateDistribution", f"{CF}:distribution/*", {"aws:RequestTag/project": P}),
    ("cloudfront:TagResource", f"{CF}:distribution/*", {"aws:RequestTag/project": P}),
    ("cloudfront:UpdateDistribution", f"{CF}:distribution/E2ABC", {"aws:ResourceTag/project": P}),
    ("cloudfront:DeleteDistribution", f"{CF}:distribution/E2ABC", {"aws:ResourceTag/project": P}),
    ("cloudfront:CreateInvalidation", f"{CF}:distribution/E2ABC", {"aws:ResourceTag/project": P}),
    ("cloudfront:CreateOriginAccessControl", f"{CF}:origin-access-control/*", {}),
    ("cloudfront:DeleteOriginAccessControl", f"{CF}:origin-access-control/E3OAC", {}),
    ("s3:PutBucketPolicy", BUCKET, {}),
    ("s3:DeleteBucketWebsite", BUCKET, {}),
    ("servicequotas:ListServiceQuotas", "*", {}),
    ("servicequotas:ListAWSDefaultServiceQuotas", "*", {}),
    ("ecr:GetAuthorizationToken", "*", {}),
    ("lambda:CreateFunction", f"{FN}:{P}-detect", {}),
    ("lambda:UpdateFunctionCode", f"{FN}:{P}-detect", {}),
    ("lambda:AddPermission", f"{FN}:{P}-detect", {}),
    ("lambda:DeleteFunction", f"{FN}:{P}-detect", {}),
    ("iam:CreateRole", f"{ROLE}/{P}/{P}-sagemaker", CAPPED),
    ("iam:PutRolePolicy", f"{ROLE}/{P}/{P}-lambda", CAPPED),
    ("iam:PutRolePermissionsBoundary", f"{ROLE}/{P}/{P}-lambda", CAPPED),
    ("iam:DeleteRole", f"{ROLE}/{P}/{P}-lambda", {}),
    (
        "iam:PassRole",
        f"{ROLE}/{P}/{P}-sagemaker",
        {"iam:PassedToService": "sagemaker.amazonaws.com"},
    ),
    ("iam:PassRole", f"{ROLE}/{P}/{P}-lambda", {"iam:PassedToService": "lambda.amazonaws.com"}),
    ("s3:CreateBucket", BUCKET, {}),
    ("s3:PutObject", f"{BUCKET}/index.html", {}),
    ("s3:DeleteObject", f"{BUCKET}/assets/old.js", {}),
    ("s3:DeleteBucket", BUCKET, {}),
    ("logs:DeleteLogGroup", f"{LOGS}/aws/lambda/{P}-detect", {}),
    ("logs:PutRetentionPolicy", f"{LOGS}/aws/sagemaker/Endpoints/{P}", {}),
    # The HTTP API's access log: its group, and the log delivery API Gateway sets up in the
    # deploy role's name when a stage gets AccessLogSettings.
    ("logs:CreateLogGroup", f"{LOGS}/aws/vendedlogs/apigateway/{P}", {}),
    ("logs:PutRetentionPolicy", f"{LOGS}/aws/vendedlogs/apigateway/{P}", {}),
    ("logs:DeleteLogGroup", f"{LOGS}/aws/vendedlogs/apigateway/{P}", {}),
    ("logs:CreateLogDelivery", "*", {}),
    ("logs:UpdateLogDelivery", "*", {}),
    ("logs:DeleteLogDelivery", "*", {}),
    ("logs:GetLogDelivery", "*", {}),
    ("logs:ListLogDeliveries", "*", {}),
    ("logs:PutResourcePolicy", f"{LOGS}/aws/vendedlogs/apigateway/{P}", {}),
    ("logs:DescribeResourcePolicies", f"{LOGS}*", {}),
    ("logs:DescribeLogGroups", "*", {}),
    ("apigateway:POST", API, {"aws:RequestTag/project": P}),
    gw("PATCH", f"/{API_ID}"),
    gw("DELETE", f"/{API_ID}"),
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
    ("logs:DeleteLogGroup", f"{LOGS}/aws/vendedlogs/apigateway/other", {}),
    ("logs:DeleteLogGroup", f"{LOGS}/aws/vendedlogs/apigateway/{P}-other", {}),
    ("logs:PutResourcePolicy", f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:x", {}),
    gw("DELETE", "/zz9zz9zz9z"),
    gw("PATCH", "/zz9zz9zz9z/stages/$default"),
    gw("DELETE", "/q1w2e3r4t5"),  # untagged
    (
        "cloudfront:DeleteDistribution",
        f"{CF}:distribution/E9OTHER",
        {"aws:ResourceTag/project": "x"},
    ),
    ("cloudfront:UpdateDistribution", f"{CF}:distribution/E9OTHER", {}),
    ("cloudfront:CreateDistribution", f"{CF}:distribution/*", {}),
    ("cloudfront:DeleteDistribution", "arn:aws:cloudfront::999999999999:distribution/E1", {}),
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
    ("sagemaker:ListTags", f"{SM}:endpoint/other-x", {}),
    ("sagemaker:ListTags", f"{SM}:model/fraud-scoring", {}),
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


# The statement main had before issue 11: every change under /apis/* needed the project tag.
TAG_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "apigateway:POST",
                "apigateway:PATCH",
                "apigateway:PUT",
                "apigateway:DELETE",
            ],
            "Resource": [f"{API}/*", f"arn:aws:apigateway:{REGION}::/tags/*"],
            "Condition": {"StringEquals": {"aws:ResourceTag/project": P}},
        }
    ],
}
CHILD_REQUESTS = [
    gw("POST", f"/{API_ID}/integrations"),
    gw("POST", f"/{API_ID}/routes"),
    gw("PATCH", f"/{API_ID}/routes/r1b2c3d"),
    gw("DELETE", f"/{API_ID}/integrations/abc1234"),
]


@pytest.mark.parametrize(("action", "resource", "context"), CHILD_REQUESTS)
def test_http_api_children_fail_the_tag_only_statement_and_pass_the_new_one(
    action, resource, context
) -> None:
    assert not allowed(TAG_ONLY, action, resource, context)  # what AWS would have denied
    assert allowed(DEPLOY, action, resource, context)


def test_the_api_and_its_stages_stay_bound_to_the_project_tag() -> None:
    for verb, path in (("DELETE", ""), ("PATCH", "/stages/$default")):
        action, resource, _ = gw(verb, f"/{API_ID}{path}")
        assert allowed(DEPLOY, action, resource, {"aws:ResourceTag/project": P})
        assert not allowed(DEPLOY, action, resource, {"aws:ResourceTag/project": "other"})
        assert not allowed(DEPLOY, action, resource, {})


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
    # CloudWatch Logs' log delivery for the HTTP API's access log: no resource to name.
    "logs:CreateLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
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


# Reads granted on Resource "*" and why: AWS authorizes them only there (policies.py).
STAR_READS = {
    # no resource type in the Service Authorization Reference
    "sagemaker:ListModels",
    "sagemaker:ListEndpointConfigs",
    "sagemaker:ListEndpoints",
    "logs:DescribeLogGroups",
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingPolicies",
    "s3:ListAllMyBuckets",
    "iam:ListRoles",
    "cloudfront:ListDistributions",
    "cloudfront:ListOriginAccessControls",
    "servicequotas:ListServiceQuotas",
    "servicequotas:ListAWSDefaultServiceQuotas",
    "ecr:GetAuthorizationToken",  # registry-wide
    # a listing that names no repository (previews, status)
    "ecr:DescribeRepositories",
    # Application Auto Scaling's in the caller's name, deploy role only
    "cloudwatch:DescribeAlarms",
    # CloudWatch Logs' log delivery, which API Gateway checks on the caller of CreateStage/
    # UpdateStage with AccessLogSettings (deploy and preview roles): no resource to name
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
}


@pytest.mark.parametrize("role", ["deploy", "plan", "preview"])
def test_reads_on_every_resource_are_the_ones_aws_cannot_narrow(role: str) -> None:
    """A read that can name the project's resource (sagemaker:ListTags, the plan role's
    ECR, log group and CloudFront reads) is granted on those: on "*" it would read every
    model's, repository's or log group's of the account."""
    policy = {"deploy": DEPLOY, "plan": PLAN, "preview": PREVIEW}[role]
    for st in statements(policy):
        if resource_is_anything(st):
            reads = [a for a in actions_of(st) if _is_read(a)]
            assert set(reads) <= STAR_READS, (st["Sid"], set(reads) - STAR_READS)
    assert allowed(DEPLOY, "cloudwatch:DescribeAlarms", "*")


@pytest.mark.parametrize("role", ["plan", "preview"])
def test_only_the_deploy_role_describes_alarms(role: str) -> None:
    """cloudwatch:DescribeAlarms is there for Application Auto Scaling's target tracking,
    which only the deploy role sets up."""
    policy = {"plan": PLAN, "preview": PREVIEW}[role]
    assert not allowed(policy, "cloudwatch:DescribeAlarms", "*")
    assert not allowed(policy, "cloudwatch:DescribeAlarms", f"{CW}:alarm:billing")


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


def _token(sub: str, aud: str = "sts.amazonaws.com", ref: str = "") -> dict[str, str]:
    """The claims STS checks: sub, aud, and ref (GitHub's ref claim, in every token)."""
    if not ref:
        ref = sub.split(":ref:", 1)[1] if ":ref:" in sub else "refs/heads/main"
    return {
        "token.actions.githubusercontent.com:sub": sub,
        "token.actions.githubusercontent.com:aud": aud,
        "token.actions.githubusercontent.com:ref": ref,
    }


def _may_assume(trust: dict, claims: dict[str, str]) -> bool:
    (statement,) = trust["Statement"]
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    assert statement["Principal"] == {"Federated": provider}
    return allowed(trust, "sts:AssumeRoleWithWebIdentity", "*", claims)


IMMUTABLE = "repo:octo@1234/trends@5678"
T_IMMUTABLE = policies.Target(P, REGION, ACCOUNT, "octo/trends", subject_prefix=IMMUTABLE)
FEATURE = "refs/heads/feature"


@pytest.mark.parametrize(
    ("sub", "aud", "ref", "plan", "deploy"),
    [
        ("repo:octo/trends:pull_request", "sts.amazonaws.com", "refs/pull/7/merge", True, False),
        ("repo:octo/trends:ref:refs/heads/main", "sts.amazonaws.com", "", True, False),
        ("repo:octo/trends:environment:production", "sts.amazonaws.com", "", False, True),
        # Any branch may name the environment unless GitHub restricts it: AWS pins main.
        ("repo:octo/trends:environment:production", "sts.amazonaws.com", FEATURE, False, False),
        ("repo:octo/trends:ref:refs/heads/feature", "sts.amazonaws.com", "", False, False),
        ("repo:octo/trends:environment:staging", "sts.amazonaws.com", "", False, False),
        ("repo:octo/trends:ref:refs/tags/v1", "sts.amazonaws.com", "", False, False),
        ("repo:fork/trends:ref:refs/heads/main", "sts.amazonaws.com", "", False, False),
        ("repo:fork/trends:pull_request", "sts.amazonaws.com", "", False, False),
        ("repo:octo/trends-x:ref:refs/heads/main", "sts.amazonaws.com", "", False, False),
        ("repo:octo/trends:environment:production", "https://example.com", "", False, False),
        # An immutable-format token does not match a legacy-format trust.
        (f"{IMMUTABLE}:environment:production", "sts.amazonaws.com", "", False, False),
    ],
)
def test_only_the_right_github_tokens_assume_each_role(sub, aud, ref, plan, deploy) -> None:
    assert _may_assume(policies.plan_trust_policy(T), _token(sub, aud, ref)) is plan
    assert _may_assume(policies.deploy_trust_policy(T), _token(sub, aud, ref)) is deploy


@pytest.mark.parametrize(
    ("sub", "ref", "plan", "deploy"),
    [
        (f"{IMMUTABLE}:environment:production", "", False, True),
        (f"{IMMUTABLE}:environment:production", FEATURE, False, False),
        (f"{IMMUTABLE}:pull_request", "refs/pull/7/merge", True, False),
        (f"{IMMUTABLE}:ref:refs/heads/main", "", True, False),
        ("repo:octo/trends:environment:production", "", False, False),  # legacy: refused
        ("repo:octo@1234/trends@9999:environment:production", "", False, False),  # re-created
    ],
)
def test_immutable_subjects_are_trusted_exactly(sub, ref, plan, deploy) -> None:
    assert _may_assume(policies.plan_trust_policy(T_IMMUTABLE), _token(sub, ref=ref)) is plan
    assert _may_assume(policies.deploy_trust_policy(T_IMMUTABLE), _token(sub, ref=ref)) is deploy


def test_deploy_sessions_outlast_the_deploy_job() -> None:
    from deploy import budget

    plan_role, deploy_role = policies.roles(T)
    assert deploy_role.max_session_s == budget.DEPLOY_ROLE_SESSION_S >= budget.DEPLOY_JOB_TIMEOUT_S
    assert plan_role.max_session_s == 3600
    assert deploy_role.max_session_s <= budget.IAM_SESSION_MAX_S


def test_arns_follow_the_partition_of_the_region() -> None:
    import json

    t = policies.Target(P, "us-gov-west-1", ACCOUNT, "octo/trends")
    text = json.dumps(policies.deploy_permissions_policy(t)) + json.dumps(
        policies.deploy_trust_policy(t)
    )
    assert "arn:aws:" not in text and "arn:aws-us-gov:sagemaker:us-gov-west-1" in text


def test_policies_fit_aws_quotas_for_the_longest_names() -> None:
    # IAM: a managed policy ≤ 6,144 characters, ten attached to a role (the default quota),
    # trust policy ≤ 2,048 (the default quota), role name ≤ 64, managed policy name ≤ 128;
    # whitespace does not count. Longest valid project: 31. The roles have no inline policy.
    t = policies.Target("a" * 31, "ap-southeast-2", ACCOUNT, f"{'o' * 39}/{'r' * 100}",
                        environments=("e" * 20,), previews=True)  # fmt: skip
    assert policies.quota_problems(t) == []
    for role, parts in policies.role_policies(t).items():
        assert 1 <= len(parts) <= policies.ATTACHED_POLICIES_MAX, role
        assert all(policies.iam_size(p.document) <= 6_144 for p in parts), role
        assert all(len(p.name) <= 128 for p in parts), role
    assert policies.iam_size(policies.deploy_trust_policy(t)) <= 2_048
    assert policies.iam_size(policies.plan_trust_policy(t)) <= 2_048
    assert len(t.deploy_role_name) <= 64 and len(t.plan_role_name) <= 64
    assert all(r.policy is None for r in policies.github_roles(t))


def test_a_roles_managed_policies_are_its_statements_in_order_cut_the_same_for_any_account() -> (
    None
):
    """The cut is sized with the CloudFormation account, so a template, a direct bootstrap and
    the fingerprint cut alike; concatenated, the parts are the role's whole permissions."""
    t = policies.Target(P, "us-east-1", ACCOUNT, "octo/trends", previews=True,
                        environments=("dev", "staging", "production"))  # fmt: skip
    cf = replace(t, account="${AWS::AccountId}")
    for role in policies.roles(t):
        parts = policies.role_policies(t)[role.name]
        assert [st for p in parts for st in p.document["Statement"]] == role.policy["Statement"]
        assert [p.name for p in parts] == [f"{role.name}-{n}" for n in range(1, len(parts) + 1)]
        counts = [len(p.document["Statement"]) for p in policies.role_policies(cf)[role.name]]
        assert counts == [len(p.document["Statement"]) for p in parts]
        assert all(p.arn.endswith(f":policy/{P}/{p.name}") for p in parts)
        assert policies.is_role_policy_of(role.name, parts[-1].arn)
    assert len(policies.role_policies(t)[t.deploy_role_name]) > 1
    assert not policies.is_role_policy_of(t.deploy_role_name, f"x:policy/{P}/{P}-github-deploy-x")
    # A part is judged by its path too: anyone may name a policy like one (at IAM's "/").
    deploy = t.deploy_role_name
    assert policies.is_part_of(t, deploy, f"arn:aws:iam::{ACCOUNT}:policy/{P}/{deploy}-3")
    for elsewhere in ("", "/other", f"/{P}/nested", f"/{P}x"):
        arn = f"arn:aws:iam::{ACCOUNT}:policy{elsewhere}/{deploy}-3"
        assert not policies.is_part_of(t, deploy, arn), arn


# ------------------------------------------------------------------- environments, previews

STAGED = policies.Target(
    P, REGION, ACCOUNT, "octo/trends", environments=("staging", "production"), previews=True
)
STAGED_DEPLOY = policies.deploy_permissions_policy(STAGED)
PREVIEW = policies.preview_permissions_policy(STAGED)
BOUNDARY = policies.preview_boundary_policy(STAGED)
BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/{P}/{P}-preview-boundary"


def _stack_requests(stack: str) -> list[tuple[str, str, dict[str, str]]]:
    """What apply/destroy of one stack (``{project}-{env}``) asks for, by its names."""
    return [
        ("sagemaker:CreateModel", f"{SM}:model/{stack}-m-0123abcd", {}),
        ("sagemaker:CreateEndpointConfig", f"{SM}:endpoint-config/{stack}-c-89abcdef", {}),
        ("sagemaker:UpdateEndpoint", f"{SM}:endpoint/{stack}", {}),
        ("sagemaker:DeleteEndpoint", f"{SM}:endpoint/{stack}", {}),
        ("lambda:UpdateFunctionCode", f"{FN}:{stack}-detect", {}),
        ("lambda:DeleteFunction", f"{FN}:{stack}-detect", {}),
        ("iam:DeleteRole", f"{ROLE}/{P}/{stack}-lambda", {}),
        ("s3:PutObject", f"arn:aws:s3:::{stack}-site-{ACCOUNT}-{REGION}/index.html", {}),
        ("s3:DeleteBucket", f"arn:aws:s3:::{stack}-site-{ACCOUNT}-{REGION}", {}),
        ("logs:DeleteLogGroup", f"{LOGS}/aws/lambda/{stack}-detect", {}),
        ("sagemaker:ListTags", f"{SM}:endpoint/{stack}", {}),
        ("sagemaker:ListTags", f"{SM}:model/{stack}-m-0123abcd", {}),
        ("logs:PutRetentionPolicy", f"{LOGS}/aws/vendedlogs/apigateway/{stack}", {}),
        ("logs:DeleteLogGroup", f"{LOGS}/aws/vendedlogs/apigateway/{stack}", {}),
    ]


@pytest.mark.parametrize("env", ["staging", "production"])
def test_the_deploy_role_reaches_every_environment(env: str) -> None:
    for action, resource, context in _stack_requests(f"{P}-{env}"):
        assert allowed(STAGED_DEPLOY, action, resource, context), (action, resource)


@pytest.mark.parametrize("stack", [f"{P}-pr-7", f"{P}-stagingx", f"{P}-dev", P])
def test_the_deploy_role_never_reaches_a_preview_or_an_unlisted_environment(stack: str) -> None:
    for action, resource, context in _stack_requests(stack):
        if action.startswith("iam:") and stack == P:
            continue  # the single deployment's role names are not an environment's
        assert not allowed(STAGED_DEPLOY, action, resource, context), (action, resource)


# The deploy role's HTTP API and distribution, as each kind of deployment tags them: an
# environment's carry `environment`, the single deployment's none (config.py), a preview's pr-N.
SINGLE_PREVIEWS = policies.deploy_permissions_policy(replace(T, previews=True))
TAGS_API = f"arn:aws:apigateway:{REGION}::/tags/"


def _tag_and_distribution_requests(
    environment: str | None,
) -> list[tuple[str, str, dict[str, str]]]:
    """What deploy and destroy do to an existing HTTP API (its stage, its tags) and CloudFront
    distribution tagged ``project`` and, unless None, ``environment``; tag changes keep the
    resource's own ``environment`` (AWS gives a tagging call the tagged resource's tags as
    ``aws:ResourceTag``, the new ones as ``aws:RequestTag``)."""
    own = {"project": P, **({"environment": environment} if environment else {})}
    resource = {f"aws:ResourceTag/{k}": v for k, v in own.items()}
    retag = {**resource, **{f"aws:RequestTag/{k}": v for k, v in own.items()}}
    api = f"{API}/{API_ID}"
    tags_of_api = TAGS_API + api.replace(":", "%3A").replace("/", "%2F")
    distribution = f"{CF}:distribution/E2ABC"
    return [
        ("apigateway:PATCH", api, resource),
        ("apigateway:DELETE", api, resource),
        ("apigateway:PATCH", f"{api}/stages/$default", resource),
        ("apigateway:DELETE", f"{api}/stages/$default", resource),
        ("apigateway:POST", tags_of_api, retag),  # TagResource
        ("apigateway:DELETE", tags_of_api, resource),  # UntagResource
        ("cloudfront:UpdateDistribution", distribution, resource),
        ("cloudfront:DeleteDistribution", distribution, resource),
        ("cloudfront:CreateInvalidation", distribution, resource),
        ("cloudfront:TagResource", distribution, retag),
    ]


@pytest.mark.parametrize(
    ("policy", "environment"),
    [(STAGED_DEPLOY, "staging"), (STAGED_DEPLOY, "production"), (SINGLE_PREVIEWS, None)],
)
def test_the_deploy_role_changes_its_own_api_and_distribution(
    policy: dict, environment: str | None
) -> None:
    for action, resource, context in _tag_and_distribution_requests(environment):
        assert allowed(policy, action, resource, context), (action, resource, context)
    # and creates them with its tags: CreateApi (and POST on /tags/<the new API's ARN>, which
    # has no tags yet), CreateDistributionWithTags (CreateDistribution + TagResource)
    tags = {"project": P, **({"environment": environment} if environment else {})}
    asked = {f"aws:RequestTag/{k}": v for k, v in tags.items()}
    for action, resource in [
        ("apigateway:POST", API),
        ("apigateway:POST", f"{TAGS_API}arn%3Aaws%3Aapigateway%3A{REGION}%3A%3A%2Fapis"),
        ("cloudfront:CreateDistributionWithTags", f"{CF}:distribution/*"),
        ("cloudfront:CreateDistribution", f"{CF}:distribution/*"),
        ("cloudfront:TagResource", f"{CF}:distribution/*"),
    ]:
        assert allowed(policy, action, resource, asked), (action, resource, asked)


@pytest.mark.parametrize("policy", [STAGED_DEPLOY, SINGLE_PREVIEWS])
def test_the_deploy_role_never_changes_a_previews_api_or_distribution(policy: dict) -> None:
    """docs/environments.md: "the deploy role never touches a preview". HTTP APIs and
    distributions carry random ids, so only the tags tell a preview's (environment=pr-N) from
    the deployment's own; nor may the deploy role re-tag a preview's into an environment's
    (or the reverse) to get round that."""
    for action, resource, context in _tag_and_distribution_requests("pr-3"):
        assert not allowed(policy, action, resource, context), (action, resource, context)
    staging = {"aws:ResourceTag/project": P, "aws:ResourceTag/environment": "staging"}
    api = f"{API}/{API_ID}"
    for action, resource, context in [
        # re-tagging a preview's as the deployment's
        (
            "apigateway:POST",
            TAGS_API + "x",
            {"aws:ResourceTag/project": P, "aws:ResourceTag/environment": "pr-3"}
            | {"aws:RequestTag/project": P, "aws:RequestTag/environment": "staging"},
        ),
        # handing the deployment's own to the preview role
        ("apigateway:POST", TAGS_API + "x", staging | {"aws:RequestTag/environment": "pr-3"}),
        (
            "cloudfront:TagResource",
            f"{CF}:distribution/E2ABC",
            staging | {"aws:RequestTag/environment": "pr-3"},
        ),
        # creating a preview's
        (
            "apigateway:POST",
            f"{API}",
            {"aws:RequestTag/project": P, "aws:RequestTag/environment": "pr-3"},
        ),
        (
            "cloudfront:CreateDistribution",
            f"{CF}:distribution/*",
            {"aws:RequestTag/project": P, "aws:RequestTag/environment": "pr-3"},
        ),
    ]:
        assert not allowed(policy, action, resource, context), (action, resource, context)
    assert allowed(policy, "apigateway:DELETE", api, staging)  # and its own, still


@pytest.mark.parametrize("policy", [DEPLOY, STAGED_DEPLOY, PREVIEW])
def test_no_role_takes_another_projects_api_or_distribution_by_tagging_it(policy: dict) -> None:
    """The create statements let a request that sets this project's tags tag the new API or
    distribution (which has none yet); they must not let a role put this project's tags on
    another project's (tagged project=other), which the tag-bound statements would then let
    it change and delete."""
    other_api = f"{API}/zz9zz9zz9z"
    tags_of_other_api = TAGS_API + other_api.replace(":", "%3A").replace("/", "%2F")
    for environment in ("staging", "pr-3"):
        ours = {"aws:RequestTag/project": P, "aws:RequestTag/environment": environment}
        for action, resource in [
            ("apigateway:POST", tags_of_other_api),
            ("cloudfront:TagResource", f"{CF}:distribution/E9OTHER"),
        ]:
            context = {"aws:ResourceTag/project": "other", **ours}
            assert not allowed(policy, action, resource, context), (action, resource, context)


@pytest.mark.parametrize("number", [7, 70, 123456])
def test_the_preview_role_reaches_every_preview(number: int) -> None:
    stack = f"{P}-pr-{number}"
    for action, resource, context in _stack_requests(stack):
        assert allowed(PREVIEW, action, resource, context), (action, resource)
    preview_api = {"aws:ResourceTag/project": P, "aws:ResourceTag/environment": f"pr-{number}"}
    assert allowed(PREVIEW, "apigateway:DELETE", f"{API}/a1b2c3d4e5", preview_api)
    assert allowed(PREVIEW, "ecr:PutImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{stack}")


@pytest.mark.parametrize("stack", [f"{P}-staging", f"{P}-production", P, "other-pr-7"])
def test_the_preview_role_never_reaches_an_environment_or_another_project(stack: str) -> None:
    for action, resource, context in _stack_requests(stack):
        assert not allowed(PREVIEW, action, resource, context), (action, resource)
    staging_api = {"aws:ResourceTag/project": P, "aws:ResourceTag/environment": "staging"}
    assert not allowed(PREVIEW, "apigateway:DELETE", f"{API}/a1b2c3d4e5", staging_api)
    # The shared image repository: a preview builds into its own, never pushes over main's.
    shared = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{P}"
    for action in ("ecr:PutImage", "ecr:BatchDeleteImage", "ecr:DeleteRepository"):
        assert not allowed(PREVIEW, action, shared), action


def test_the_preview_role_creates_roles_only_under_the_boundary() -> None:
    """PutRolePolicy + PassRole on roles it creates would let it mint an admin role for a
    Lambda; the boundary caps whatever inline policy such a role gets."""
    role = f"{ROLE}/{P}/{P}-pr-7-lambda"
    capped = {"iam:PermissionsBoundary": BOUNDARY_ARN}
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"):
        assert allowed(PREVIEW, action, role, capped), action
        assert not allowed(PREVIEW, action, role, {}), f"{action} without the boundary"
        other = {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess"}
        assert not allowed(PREVIEW, action, role, other), action
    for action in ("iam:DeleteRolePermissionsBoundary", "iam:AttachRolePolicy", "iam:CreatePolicy"):
        assert not allowed(PREVIEW, action, role, capped), action
    assert not allowed(PREVIEW, "iam:CreatePolicyVersion", BOUNDARY_ARN)
    assert allowed(PREVIEW, "iam:PassRole", role, {"iam:PassedToService": "lambda.amazonaws.com"})
    assert not allowed(PREVIEW, "iam:PassRole", role, {"iam:PassedToService": "ec2.amazonaws.com"})


def test_the_boundary_allows_only_what_a_previews_service_roles_do() -> None:
    endpoint = f"{SM}:endpoint/{P}-pr-7"
    assert allowed(BOUNDARY, "sagemaker:InvokeEndpoint", endpoint)
    assert allowed(
        BOUNDARY, "ecr:BatchGetImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{P}-pr-7"
    )
    assert allowed(BOUNDARY, "logs:PutLogEvents", f"{LOGS}/aws/lambda/{P}-pr-7-detect:*")
    # API Gateway writes the access log itself (log delivery), no preview role does.
    access_log = f"{LOGS}/aws/vendedlogs/apigateway/{P}-pr-7:*"
    assert not allowed(BOUNDARY, "logs:PutLogEvents", access_log)
    for action, resource in [
        ("sagemaker:InvokeEndpoint", f"{SM}:endpoint/{P}-production"),
        ("iam:CreateRole", "*"),
        ("s3:GetObject", f"arn:aws:s3:::{P}-production-site-{ACCOUNT}-{REGION}/x"),
        ("ecr:BatchGetImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{P}"),
        ("lambda:InvokeFunction", f"{FN}:{P}-production-detect"),
    ]:
        assert not allowed(BOUNDARY, action, resource), action


@pytest.mark.parametrize(
    ("sub", "ref", "deploy", "preview"),
    [
        ("repo:octo/trends:environment:staging", "refs/heads/main", True, False),
        ("repo:octo/trends:environment:production", "refs/heads/main", True, False),
        # An environment named on another branch: AWS refuses it (the ref claim).
        ("repo:octo/trends:environment:staging", "refs/heads/feature", False, False),
        ("repo:octo/trends:environment:preview", "refs/pull/7/merge", False, True),
        ("repo:octo/trends:environment:preview", "refs/heads/main", False, True),  # the sweep
        ("repo:octo/trends:pull_request", "refs/pull/7/merge", False, False),
        ("repo:octo/trends:ref:refs/heads/main", "refs/heads/main", False, False),
        ("repo:fork/trends:environment:preview", "refs/pull/7/merge", False, False),
        ("repo:octo/trends:environment:dev", "refs/heads/main", False, False),
    ],
)
def test_each_github_environment_assumes_its_role(
    sub: str, ref: str, deploy: bool, preview: bool
) -> None:
    token = _token(sub, ref=ref)
    assert _may_assume(policies.deploy_trust_policy(STAGED), token) is deploy
    assert _may_assume(policies.preview_trust_policy(STAGED), token) is preview


def test_the_plan_role_reads_the_previews_repositories_and_log_groups() -> None:
    """`previews list` reads each preview (its endpoint, for its age) with the plan role;
    `status` needs only listings (test_policies_cover_engine.py)."""
    plan = policies.plan_permissions_policy(STAGED)
    repo = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository"
    for stack in (f"{P}-pr-7", f"{P}-staging"):
        assert allowed(plan, "logs:ListTagsForResource", f"{LOGS}/aws/lambda/{stack}-detect")
        assert allowed(plan, "sagemaker:ListTags", f"{SM}:endpoint/{stack}")
        access_log = f"{LOGS}/aws/vendedlogs/apigateway/{stack}"
        assert allowed(plan, "logs:ListTagsForResource", access_log)
    assert allowed(plan, "ecr:ListTagsForResource", f"{repo}/{P}-pr-7")
    assert allowed(plan, "ecr:ListTagsForResource", f"{repo}/{P}")
    assert not allowed(plan, "ecr:ListTagsForResource", f"{repo}/other-pr-7")
    assert not allowed(plan, "logs:ListTagsForResource", f"{LOGS}/aws/lambda/other-pr-7-detect")
    other = f"{LOGS}/aws/vendedlogs/apigateway/other-pr-7"
    assert not allowed(plan, "logs:ListTagsForResource", other)


ENDPOINT_NAMES = [P, f"{P}-staging", f"{P}-production", f"{P}-pr-7", f"{P}-pr-123456",
                  f"{P}-dev", f"{P}-stagingx", f"{P}x", "other-pr-7"]  # fmt: skip


@pytest.mark.parametrize(
    ("target", "read"),
    [
        (T, {P}),
        (replace(T, previews=True), {P, f"{P}-pr-7", f"{P}-pr-123456"}),
        (replace(STAGED, previews=False), {f"{P}-staging", f"{P}-production"}),
        (STAGED, {f"{P}-staging", f"{P}-production", f"{P}-pr-7", f"{P}-pr-123456"}),
    ],
    ids=["single", "single+previews", "environments", "environments+previews"],
)
def test_the_plan_role_reads_exactly_the_endpoints_of_the_configured_stacks(
    target: policies.Target, read: set[str]
) -> None:
    """An endpoint's name is its stack's (``{project}``, ``{project}-{env}``): the plan role
    reads each configured environment's (or the single deployment's) and, with previews, every
    preview's. It read ``{project}`` and any ``{project}-*`` with environments too: the single
    deployment's name no stack uses then, an environment config.yaml does not name."""
    plan = policies.plan_permissions_policy(target)
    for name in ENDPOINT_NAMES:
        for action in ("sagemaker:DescribeEndpoint", "sagemaker:ListTags"):
            assert allowed(plan, action, f"{SM}:endpoint/{name}") is (name in read), (action, name)
    assert policies.quota_problems(target) == []


def test_without_previews_there_is_no_preview_role() -> None:
    names = [r.name for r in policies.roles(T)]
    assert names == [f"{P}-github-plan", f"{P}-github-deploy"]
    assert [r.name for r in policies.roles(STAGED)][-1] == f"{P}-github-preview"


OTHER_TEAMS = [
    # another team's function: its code (GetFunction's download URL) and environment variables
    ("lambda:GetFunction", f"{FN}:payroll-export"),
    ("lambda:GetFunctionConfiguration", f"{FN}:payroll-export"),
    ("lambda:GetPolicy", f"{FN}:payroll-export"),
    # another team's SageMaker model: its containers' environment variables
    ("sagemaker:DescribeModel", f"{SM}:model/fraud-scoring"),
    ("sagemaker:DescribeEndpointConfig", f"{SM}:endpoint-config/fraud-scoring"),
    ("sagemaker:DescribeEndpoint", f"{SM}:endpoint/fraud-scoring"),
    # REST API keys with their values (GetApiKeys includeValues), other APIs, usage plans
    ("apigateway:GET", f"arn:aws:apigateway:{REGION}::/apikeys"),
    ("apigateway:GET", f"arn:aws:apigateway:{REGION}::/apikeys/k1"),
    ("apigateway:GET", f"arn:aws:apigateway:{REGION}::/restapis/abc123/stages"),
    ("apigateway:GET", f"arn:aws:apigateway:{REGION}::/usageplans"),
    # another team's model's, repository's, log group's and alarms' tags and settings
    ("sagemaker:ListTags", f"{SM}:model/fraud-scoring"),
    ("ecr:DescribeImages", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/payroll"),
    ("ecr:ListTagsForResource", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/payroll"),
    ("ecr:GetLifecyclePolicy", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{P}x"),
    ("logs:ListTagsForResource", f"{LOGS}/aws/lambda/payroll-export"),
    ("logs:ListTagsForResource", f"{LOGS}/aws/vendedlogs/apigateway/payroll"),
    ("cloudwatch:DescribeAlarms", "*"),
    ("cloudfront:GetDistribution", "arn:aws:cloudfront::999999999999:distribution/E1"),
]


@pytest.mark.parametrize(("action", "resource"), OTHER_TEAMS, ids=lambda x: str(x))
def test_the_plan_role_cannot_read_other_teams_functions_models_or_api_keys(
    action: str, resource: str
) -> None:
    """Read-only is not harmless: every pull-request job of the repository may assume the
    plan role, with the workflow as the pull request wrote it. It read these on Resource '*'
    in the whole account the fork deploys to."""
    assert not allowed(PLAN, action, resource)


API_KEYS = [(a, r) for a, r in OTHER_TEAMS if a == "apigateway:GET"]


@pytest.mark.parametrize(("action", "resource"), API_KEYS, ids=lambda x: str(x))
@pytest.mark.parametrize("role", ["deploy", "preview"])
def test_no_role_reads_rest_api_keys_or_other_apis(role: str, action: str, resource: str) -> None:
    """The preview role runs a labelled pull request's code, and the deploy role needs no
    more than the plan role's HTTP APIs: neither may read the account's REST API keys
    (GetApiKeys with includeValues returns them) or usage plans."""
    assert not allowed({"deploy": DEPLOY, "preview": PREVIEW}[role], action, resource)


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("lambda:GetFunction", f"{FN}:{P}-detect"),
        ("lambda:GetFunctionConfiguration", f"{FN}:{P}-detect"),
        ("sagemaker:DescribeModel", f"{SM}:model/{P}-m-0123abcd"),
        ("sagemaker:DescribeEndpointConfig", f"{SM}:endpoint-config/{P}-c-0123abcd"),
        ("sagemaker:DescribeEndpoint", f"{SM}:endpoint/{P}"),
        ("apigateway:GET", API),
        ("apigateway:GET", f"{OURS}/routes"),
        ("apigateway:GET", f"arn:aws:apigateway:{REGION}::/tags/{API_ID}"),
        ("sagemaker:ListTags", f"{SM}:endpoint/{P}"),
        ("sagemaker:ListTags", f"{SM}:endpoint-config/{P}-c-0123abcd"),
        ("ecr:DescribeImages", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{P}"),
        ("ecr:GetLifecyclePolicy", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{P}"),
        ("logs:ListTagsForResource", f"{LOGS}/aws/sagemaker/Endpoints/{P}"),
        ("logs:ListTagsForResource", f"{LOGS}/aws/vendedlogs/apigateway/{P}"),
        ("cloudfront:GetDistribution", f"{CF}:distribution/E2ABC"),
        ("cloudfront:GetOriginAccessControl", f"{CF}:origin-access-control/E3OAC"),
    ],
    ids=lambda x: str(x),
)
def test_the_plan_role_still_reads_the_projects_own(action: str, resource: str) -> None:
    assert allowed(PLAN, action, resource)


@pytest.mark.parametrize("policy", [DEPLOY, PLAN, PREVIEW], ids=["deploy", "plan", "preview"])
def test_no_role_may_list_every_function_of_the_region(policy: dict) -> None:
    """lambda:ListFunctions has no resource type (Service Authorization Reference), so it can
    only be granted on "*", and it returns every function's configuration, environment
    variables included: the plan role (any pull-request job may assume it) would read the
    account's other functions' secrets. Previews find their functions by name instead."""
    assert not allowed(policy, "lambda:ListFunctions", "*")


def _log_group_arns(policy: dict) -> set[str]:
    return {
        arn
        for st in statements(policy)
        for arn in ([st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"])
        if ":log-group:" in arn
    }


def test_every_log_group_a_role_names_is_one_names_makes() -> None:
    """The log groups are named in one place, Names (deploy/naming.py), and every role takes
    them from there: each log-group ARN a policy names (the log-delivery wildcard aside) is a
    group Names makes for an environment or a preview, and each such group is granted. A
    group renamed in naming.py that a policy kept would leave a role granting the old name
    and denied the new one: a deploy's AccessDenied, found here instead."""
    from deploy.naming import Names

    made = [Names(P, ACCOUNT, REGION, env) for env in (*STAGED.environments, "pr-7")]
    assert [n.stack for n in made] == [f"{P}-staging", f"{P}-production", f"{P}-pr-7"]
    groups = [n.log_group_arn(g) for n in made for g in n.log_groups]
    docs = {
        "deploy": policies.deploy_permissions_policy(STAGED),
        "plan": policies.plan_permissions_policy(STAGED),
        "preview": policies.preview_permissions_policy(STAGED),
        "boundary": policies.preview_boundary_policy(STAGED),
    }
    delivery = STAGED.names.log_group_arn("*")  # CloudWatch Logs' resource policy: any group
    for role, doc in docs.items():
        named = _log_group_arns(doc) - {delivery}
        assert named, role
        for arn in named:
            group = arn.removesuffix(":*")
            assert any(glob_match(group, made_group) for made_group in groups), (role, arn)
    for n in made:
        role = docs["preview" if n.is_preview else "deploy"]
        for group in n.log_groups:
            for action in ("logs:CreateLogGroup", "logs:FilterLogEvents"):
                assert allowed(role, action, n.log_group_arn(group)), (n.stack, action, group)


def test_a_statement_too_big_for_one_managed_policy_is_cut_by_its_resources() -> None:
    """Twelve environments: the statement naming every environment's log groups is bigger
    than a managed policy on its own; it becomes runs of its resources with the same actions
    (Sid, Sid2, …), each part within 6,144 characters, granting exactly what it did."""
    t = policies.Target(P, "us-east-1", ACCOUNT, "octo/trends", previews=True,
                        environments=tuple(f"env{n}" for n in range(12)))  # fmt: skip
    assert policies.quota_problems(t) == []
    for role in policies.roles(t):
        parts = policies.role_policies(t)[role.name]
        statements = [st for p in parts for st in p.document["Statement"]]
        assert grants(statements) == grants(role.policy["Statement"]), role.name
        assert all(policies.iam_size(p.document) <= policies.MANAGED_POLICY_MAX for p in parts)
    deploy = policies.role_policies(t)[t.deploy_role_name]
    sids = [st["Sid"] for p in deploy for st in p.document["Statement"]]
    assert "LogsProjectGroups" in sids and "LogsProjectGroups2" in sids


# Names of the kinds the plan role reads by name, each in a stack of the project and in
# stacks it must not reach: an environment config.yaml does not name (``dev``), the single
# deployment's name beside environments, and another project named ``{project}-x``.
def _reads_of(stack: str) -> dict[str, str]:
    return {
        "lambda:GetFunction": f"{FN}:{stack}-detect",
        "sagemaker:DescribeModel": f"{SM}:model/{stack}-m-0123abcd",
        "sagemaker:DescribeEndpointConfig": f"{SM}:endpoint-config/{stack}-c-0123abcd",
    }


@pytest.mark.parametrize(
    ("target", "read"),
    [
        (T, {P}),
        (replace(T, previews=True), {P, f"{P}-pr-7"}),
        (replace(STAGED, previews=False), {f"{P}-staging", f"{P}-production"}),
        (STAGED, {f"{P}-staging", f"{P}-production", f"{P}-pr-7"}),
    ],
    ids=["single", "single+previews", "environments", "environments+previews"],
)
def test_the_plan_role_reads_functions_models_and_configs_of_the_configured_stacks_only(
    target: policies.Target, read: set[str]
) -> None:
    """As its endpoints (above): it read any ``{project}-*`` function, model and endpoint
    config, which also names another project ``{project}-x``'s (``{project}-x-detect``) and
    any environment config.yaml does not name."""
    plan = policies.plan_permissions_policy(target)
    stacks = [P, f"{P}-staging", f"{P}-production", f"{P}-pr-7", f"{P}-dev", f"{P}-x", f"{P}x"]
    for stack in stacks:
        for action, arn in _reads_of(stack).items():
            assert allowed(plan, action, arn) is (stack in read), (action, arn)
    assert policies.quota_problems(target) == []


# ------------------------------------------------------------------- the deployments' boundaries

# What could make the deploy role an account administrator through the roles it writes and
# passes (its Lambda runs code it uploads with lambda:UpdateFunctionCode): a role without the
# boundary, another boundary, the boundary removed or rewritten.
UNCAPPED = [
    {},
    {"iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess"},
    {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/{P}-role-boundary"},  # path /
    {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/{P}x/{P}x-role-boundary"},
    {"iam:PermissionsBoundary": BOUNDARY_ARN},  # the previews': no environment's role
]


@pytest.mark.parametrize("target", [T, STAGED], ids=["single", "environments"])
def test_the_deploy_role_writes_its_roles_only_with_their_boundary(
    target: policies.Target,
) -> None:
    """IAM User Guide, "Permissions boundaries for IAM entities" (delegating responsibility):
    CreateRole, PutRolePolicy and PutRolePermissionsBoundary only when iam:PermissionsBoundary
    names a deployment's boundary; never DeleteRolePermissionsBoundary ("might increase its
    permissions", IAM API Reference), AttachRolePolicy, or a write of a managed policy (the
    boundaries themselves)."""
    deploy = policies.deploy_permissions_policy(target)
    for d in target.deployments:
        capped = {"iam:PermissionsBoundary": d.role_boundary_arn}
        for role in (d.role_arn(d.sagemaker_role), d.role_arn(d.lambda_role)):
            for action in policies._ROLE_WRITES:
                assert allowed(deploy, action, role, capped), (action, role)
                for context in UNCAPPED:
                    assert not allowed(deploy, action, role, context), (action, role, context)
            for action in ("iam:DeleteRolePermissionsBoundary", "iam:AttachRolePolicy"):
                assert not allowed(deploy, action, role, capped), action
            # What needs no boundary in its context still works on the roles (destroy, drift).
            for action in ("iam:DeleteRole", "iam:DeleteRolePolicy", "iam:UpdateAssumeRolePolicy"):
                assert allowed(deploy, action, role, {}), action
        for action in (
            "iam:CreatePolicy",
            "iam:CreatePolicyVersion",
            "iam:SetDefaultPolicyVersion",
            "iam:DeletePolicy",
            "iam:DeletePolicyVersion",
            "iam:TagPolicy",
        ):
            assert not allowed(deploy, action, d.role_boundary_arn, {}), action
    # A preview's role, an unlisted environment's: not even with a boundary.
    for stack in (f"{P}-pr-7", f"{P}-dev"):
        for context in (CAPPED, {"iam:PermissionsBoundary": BOUNDARY_ARN}):
            assert not allowed(deploy, "iam:CreateRole", f"{ROLE}/{P}/{stack}-lambda", context)


def test_no_github_role_may_remove_or_rewrite_a_boundary() -> None:
    for name, policy in [("deploy", STAGED_DEPLOY), ("preview", PREVIEW), ("plan", PLAN)]:
        for role in (f"{ROLE}/{P}/{P}-staging-lambda", f"{ROLE}/{P}/{P}-pr-7-lambda"):
            assert not allowed(policy, "iam:DeleteRolePermissionsBoundary", role), name
        for arn in (BOUNDARY_ARN, *(d.role_boundary_arn for d in STAGED.deployments)):
            for action in ("iam:CreatePolicyVersion", "iam:DeletePolicy"):
                assert not allowed(policy, action, arn), (name, action, arn)


def test_each_deployments_boundary_allows_only_what_its_service_roles_do() -> None:
    """The boundary is the cap of what the deploy role can give a role: its stack's endpoint
    and logs, the project's image, endpoint metrics, nothing else (no IAM, no other stack)."""
    specs = {b.name: b for b in policies.role_boundary_specs(STAGED)}
    assert set(specs) == {f"{P}-staging-role-boundary", f"{P}-production-role-boundary"}
    staging = specs[f"{P}-staging-role-boundary"]
    assert staging.arn == f"arn:aws:iam::{ACCOUNT}:policy/{P}/{P}-staging-role-boundary"
    doc = staging.document
    stack = f"{P}-staging"
    repo = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{P}"  # the environments share it
    for action, resource, context in [
        ("sagemaker:InvokeEndpoint", f"{SM}:endpoint/{stack}", {}),
        ("ecr:BatchGetImage", repo, {}),
        ("ecr:GetAuthorizationToken", "*", {}),
        ("logs:PutLogEvents", f"{LOGS}/aws/lambda/{stack}-detect:log-stream:x", {}),
        ("logs:CreateLogStream", f"{LOGS}/aws/sagemaker/Endpoints/{stack}:log-stream:x", {}),
        ("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "/aws/sagemaker/Endpoints"}),
    ]:
        assert allowed(doc, action, resource, context), (action, resource)
    for action, resource in [
        ("sagemaker:InvokeEndpoint", f"{SM}:endpoint/{P}-production"),
        ("sagemaker:InvokeEndpoint", f"{SM}:endpoint/{P}-pr-7"),
        ("logs:PutLogEvents", f"{LOGS}/aws/lambda/{P}-production-detect:log-stream:x"),
        ("ecr:PutImage", repo),
        ("ecr:BatchGetImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/other"),
        ("iam:PutRolePolicy", f"{ROLE}/{P}/{stack}-lambda"),
        ("iam:CreateRole", "*"),
        ("lambda:UpdateFunctionCode", f"{FN}:{stack}-detect"),
        ("s3:GetObject", f"arn:aws:s3:::{stack}-site-{ACCOUNT}-{REGION}/x"),
        ("cloudwatch:PutMetricData", "*"),
    ]:
        assert not allowed(doc, action, resource), (action, resource)
    # The single deployment's boundary: its one stack.
    (single,) = policies.role_boundary_specs(T)
    assert single.arn == ROLE_BOUNDARY
    assert allowed(single.document, "sagemaker:InvokeEndpoint", f"{SM}:endpoint/{P}")
    assert not allowed(single.document, "sagemaker:InvokeEndpoint", f"{SM}:endpoint/{P}-x")


@pytest.mark.parametrize("target", [T, STAGED], ids=["single", "environments"])
def test_each_service_role_policy_fits_inside_its_boundary(target: policies.Target) -> None:
    """Capped by the boundary, the engine's roles keep every grant of their own policy."""
    from deploy.config import parse_config
    from deploy.resources import iam
    from tests.deploy.resources.conftest import inputs

    specs = {b.arn: b.document for b in policies.role_boundary_specs(target)}
    for d in target.deployments:
        for role in iam.desired(parse_config({}), inputs(d)):
            boundary = specs[role.permissions_boundary]
            for st in role.policy["Statement"]:
                context = {
                    k: v for test in st.get("Condition", {}).values() for k, v in test.items()
                }
                for action in _listed(st["Action"]):
                    for resource in _listed(st["Resource"]):
                        probe = resource.replace("*", "x") if resource != "*" else "*"
                        assert allowed(boundary, action, probe, context), (role.name, action, probe)


def _listed(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def test_a_prebuilt_model_image_of_another_repository_may_be_pulled() -> None:
    """config.yaml's `model.image` may name another ECR repository (docs/configuration.md):
    the SageMaker role's policy grants that repository, so its boundary must too; no other."""
    other = f"arn:aws:ecr:{REGION}:210987654321:repository/shared/models"
    (boundary,) = policies.role_boundary_specs(replace(T, image_repositories=(other,)))
    assert allowed(boundary.document, "ecr:BatchGetImage", other)
    assert allowed(
        boundary.document, "ecr:BatchGetImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{P}"
    )
    (plain,) = policies.role_boundary_specs(T)
    assert not allowed(plain.document, "ecr:BatchGetImage", other)
