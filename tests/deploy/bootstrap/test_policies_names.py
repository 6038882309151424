"""Every name the roles' policies grant is one Names makes, and every resource Names makes is
granted: a resource renamed in deploy/naming.py cannot leave a role granting the old name.

Why: the roles are written once, by bootstrap, and the engine names its resources through
Names at every deploy. A name the policies spelled out by hand and naming.py then changed
would leave the deploy role granting the old name and denied the new one: an AccessDenied in
the middle of a production deploy, found here instead. (The log groups have their own such
test in test_policies.py.)

The names of a deployment are taken from Names for real environments and previews (never
from a glob), with examples where AWS picks the name or id (an API's id, a distribution's,
the target-tracking alarms' names).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from deploy.bootstrap import policies
from deploy.naming import Names, content_hash
from tests.support.iam_eval import allowed, glob_match, statements

P = "trends-anomaly"
PREVIEWS = ("pr-7", "pr-123456")
TARGETS = [
    policies.Target(P, region, account, "octo/trends", environments=envs, previews=True)
    for region in ("us-east-1", "cn-north-1", "us-gov-west-1")
    for account in ("123456789012", "${AWS::AccountId}")
    for envs in ((), ("staging", "production"))
]
API_ID = "a1b2c3d4e5"  # API Gateway's ids have 10 characters
# What AWS names the service-linked role of Application Auto Scaling for SageMaker variants.
AUTOSCALING_ROLE = "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"


def _deployments(t: policies.Target) -> list[Names]:
    """Each deployment the roles serve: the environments (or the single one), then previews."""
    envs: tuple[str | None, ...] = t.environments or (None,)
    return [Names(t.project, t.account, t.region, env) for env in (*envs, *PREVIEWS)]


def _made(n: Names) -> dict[str, list[str]]:
    """Kind → the ARNs of one deployment's resources, by its Names (sub-resources and what AWS
    names by example)."""
    spec = content_hash({"an": "example"})
    api = n.api_arn(API_ID)
    return {
        "function": [n.function_arn],
        "function_version": [f"{n.function_arn}:1"],
        "model": [n.arn("sagemaker", f"model/{n.model(spec)}")],
        "endpoint_config": [n.arn("sagemaker", f"endpoint-config/{n.endpoint_config(spec)}")],
        "endpoint": [n.endpoint_arn],
        "role": [n.role_arn(n.sagemaker_role), n.role_arn(n.lambda_role)],
        "repository": [n.ecr_repository_arn],
        "bucket": [n.bucket_arn],
        "object": [f"{n.bucket_arn}/index.html"],
        "log_group": [n.log_group_arn(g) + tail for g in n.log_groups for tail in ("", ":*")],
        # Application Auto Scaling names them TargetTracking-<resource id>-AlarmHigh|Low-<id>.
        "alarm": [
            n.arn("cloudwatch", f"alarm:TargetTracking-{n.scaling_resource_id}-Alarm{x}-0a1b")
            for x in ("High", "Low")
        ],
        "api": [api, f"{api}/stages/$default"],
        "api_child": [
            f"{api}/{child}{item}"
            for child in ("routes", "integrations", "deployments")
            for item in ("", "/x1b2c3d")
        ]
        + [f"{api}/stages"],
        "distribution": [n.distribution_arn("E2ABCDEF")],
        "oac": [n.arn("cloudfront", "origin-access-control/E3OAC", "")],
    }


def _account_wide(n: Names) -> list[str]:
    """What the roles name that belongs to no one deployment."""
    api_tags = n.arn("apigateway", f"/tags/{n.api_arn(API_ID)}", account="")
    service_role = f"/aws-service-role/{n.principal('sagemaker.application-autoscaling')}/"
    return [
        n.arn("apigateway", "/apis", account=""),
        api_tags,
        n.role_arn(AUTOSCALING_ROLE, service_role),
        # the workflows' own roles (path /), whose bootstrap tags plan and apply read
        *(
            n.role_arn(r, "/")
            for r in (n.github_plan_role, n.github_deploy_role, n.github_preview_role)
        ),
    ]


def _documents(t: policies.Target) -> dict[str, dict[str, Any]]:
    return {
        "plan": policies.plan_permissions_policy(t),
        "deploy": policies.deploy_permissions_policy(t),
        "preview": policies.preview_permissions_policy(t),
        "boundary": policies.preview_boundary_policy(t),
    }


def _resources(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for st in statements(doc):
        for arn in [st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"]:
            if arn != "*":
                yield st["Sid"], arn


def _id(t: policies.Target) -> str:
    account = "cfn" if t.account.startswith("${") else "account"
    return f"{t.region}-{account}-{'envs' if t.environments else 'single'}"


@pytest.mark.parametrize("t", TARGETS, ids=_id)
def test_every_resource_a_role_names_is_one_names_makes(t: policies.Target) -> None:
    """A grant on a name no deployment has is a name naming.py no longer makes."""
    made = [arn for n in _deployments(t) for arns in _made(n).values() for arn in arns]
    made += _account_wide(t.names)
    # The plan role reads every stack of the project, environments or not (its names do not
    # depend on config.yaml's `environments:`): the single deployment's too.
    read = made + [arn for arns in _made(t.names).values() for arn in arns]
    for role, doc in _documents(t).items():
        for sid, arn in _resources(doc):
            assert any(glob_match(arn, m) for m in (read if role == "plan" else made)), (
                role,
                sid,
                arn,
            )
    boundaries = [
        st["Condition"]["StringEquals"]["iam:PermissionsBoundary"]
        for st in statements(_documents(t)["preview"])
        if "iam:PermissionsBoundary" in st.get("Condition", {}).get("StringEquals", {})
    ]
    assert boundaries and set(boundaries) == {t.names.preview_boundary_arn}
    assert policies.boundary_spec(t).arn == t.names.preview_boundary_arn


def _statement_actions(doc: dict[str, Any], sid: str) -> list[str]:
    return next(list(st["Action"]) for st in statements(doc) if st["Sid"] == sid)


# Kind → the deploy role's statement whose actions the deploy role (for an environment) or the
# preview role (for a preview) must have on every resource of that kind; then the plan role's.
CHANGES = {
    "function": "LambdaProjectFunction",
    "function_version": "LambdaProjectFunction",
    "model": "SageMakerProjectResources",
    "endpoint_config": "SageMakerProjectResources",
    "endpoint": "SageMakerProjectResources",
    "role": "IamProjectRoles",
    "repository": "EcrProjectRepository",
    "bucket": "S3ProjectBucket",
    "object": "S3ProjectObjects",
    "log_group": "LogsProjectGroups",
    "alarm": "TargetTrackingAlarmsOfTheEndpoint",  # the deploy role's: previews never scale
    "api": "ApiGatewayChangeProjectApi",
    "api_child": "ApiGatewayUntaggableChildren",
    "distribution": "CloudFrontProjectDistribution",
    "oac": "CloudFrontOriginAccessControls",
}
READS = {  # what the engine reads by name (a function unqualified)
    "function": "ReadProjectFunctions",
    "model": "ReadProjectSageMaker",
    "endpoint_config": "ReadProjectSageMaker",
    "endpoint": "ReadProjectSageMaker",
    "role": "ReadProjectRoles",
    "repository": "ReadProjectImageRepository",
    "bucket": "ReadProjectBucket",
    "object": "ReadProjectBucket",
    "log_group": "ReadProjectLogGroupTags",
}


@pytest.mark.parametrize("t", TARGETS, ids=_id)
def test_every_resource_names_makes_is_granted(t: policies.Target) -> None:
    """The deploy role changes each environment's resources, the preview role each preview's,
    the plan role reads them all, with the actions the engine needs on them (the deploy role's
    statement of that kind: test_policies_cover_engine.py checks it has the engine's calls)."""
    docs = _documents(t)
    for n in _deployments(t):
        role = "preview" if n.is_preview else "deploy"
        context = {
            "aws:ResourceTag/project": t.project,
            "aws:ResourceTag/environment": n.env or "",
            "iam:PermissionsBoundary": t.names.preview_boundary_arn,
        }
        made = _made(n)
        for kind, sid in CHANGES.items():
            if kind == "alarm" and n.is_preview:
                continue
            for action in _statement_actions(docs["deploy"], sid):
                for arn in made[kind]:
                    assert allowed(docs[role], action, arn, context), (role, action, arn)
        for kind, sid in READS.items():
            for action in _statement_actions(docs["plan"], sid):
                for arn in made[kind]:
                    assert allowed(docs["plan"], action, arn), ("plan", action, arn)
        for role_name, service in ((n.sagemaker_role, "sagemaker"), (n.lambda_role, "lambda")):
            passed = {"iam:PassedToService": n.principal(service)}
            assert allowed(docs[role], "iam:PassRole", n.role_arn(role_name), passed)
