"""What the GitHub roles may do and who may assume them: pure policy documents.

The roles the workflows assume through GitHub's OIDC provider:

- ``{project}-github-plan``: read-only (describe/list/get) — for pull requests and drift checks.
- ``{project}-github-deploy``: may change only this project's resources (exact or
  ``{project}-`` prefixed ARNs, tag conditions where ARNs carry no name) — for merges to main
  and teardown. With `environments:` in config.yaml: every environment's exact names (never a
  preview's), and trusted for each environment's GitHub environment (on the deploy branch).
  The roles it creates must carry a stack's permissions boundary ``{stack}-role-boundary``
  (managed policies bootstrap creates, one per deployment: each caps a stack's roles to that
  stack's endpoint, logs and the project's image), so it cannot write itself a stronger role
  to pass to its Lambda or endpoint.
- ``{project}-github-preview`` (when config.yaml has `preview:`): only ``{project}-pr-*``
  resources, for the `preview` GitHub environment only. The roles a preview creates must carry
  the permissions boundary ``{project}-preview-boundary`` (a managed policy bootstrap creates),
  so the preview role cannot mint a role stronger than a preview needs.

`roles` has each role's permissions as one document (what the tests evaluate); bootstrap
writes them as customer managed policies cut from it (`role_policies`, `github_roles`: no
inline policy), since IAM allows a role's inline policies 10,240 characters together and the
deploy role's grow with every environment (`quota_problems` checks the managed quotas).

Pure functions of (project, region, account, repository), so the tests evaluate what the
documents *mean* (tests/support/iam_eval.py) without AWS. Every name they grant comes from
Names (deploy/naming.py), a kind of deployment's from Names of a glob environment
(ANY_PREVIEW): a rename there reaches the roles (tests/deploy/bootstrap/test_policies_names.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from deploy import budget
from deploy.bootstrap.github import repository_of
from deploy.bootstrap.managed_policy import PolicySpec
from deploy.config import MANAGED_BY, SAMPLE_ACCOUNT
from deploy.naming import (
    ANY_PREVIEW,
    API_ID_GLOB,
    SPEC_HASH_GLOB,
    Names,
    starts_like,
)
from deploy.resources.iam import RoleSpec

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
OIDC_AUDIENCE = "sts.amazonaws.com"
# GitHub's published intermediate thumbprints. AWS no longer checks them for GitHub (it trusts
# its own CA store), but the API and CloudFormation still accept/require a list.
GITHUB_THUMBPRINTS = (
    "6938fd4d98bab03faadb97b34396831e3780aea1",
    "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
)
# The deploy role's sessions outlast the longest deploy job (budget.py: the config cannot ask
# for more waiting than that); the workflows ask for exactly this (role-duration-seconds).
DEPLOY_SESSION_SECONDS = budget.DEPLOY_ROLE_SESSION_S
PLAN_SESSION_SECONDS = budget.PLAN_ROLE_SESSION_S

Policy = dict[str, Any]


# The branch that deploys and the GitHub environment of its jobs, as .github/workflows name
# them (deploy.yml): roles trusting others are refused to every workflow until those say so.
WORKFLOW_BRANCH = "main"
WORKFLOW_ENVIRONMENT = "production"


@dataclass(frozen=True)
class Target:
    """Everything the policies depend on; ``account`` may be a CloudFormation ``${...}``."""

    project: str
    region: str
    account: str
    github_repo: str
    branch: str = WORKFLOW_BRANCH
    environment: str = WORKFLOW_ENVIRONMENT
    # What GitHub puts before ``:ref:…`` / ``:environment:…`` in this repository's ``sub``
    # claim: ``repo:OWNER/NAME`` (legacy) or ``repo:OWNER@OWNER_ID/NAME@REPO_ID`` (immutable,
    # every repository created, renamed or transferred since July 2026); see github.py.
    subject_prefix: str = ""
    environments: tuple[str, ...] = ()  # config.yaml's `environments:` (none: one deployment)
    previews: bool = False  # config.yaml has a `preview:` template
    # The ECR repository of a prebuilt `model.image` config.yaml names (one for every
    # environment): each stack's boundary lets its SageMaker role pull from it too.
    image_repositories: tuple[str, ...] = ()
    preview_environment: str = "preview"  # the GitHub environment of the preview jobs

    @property
    def deployments(self) -> tuple[Names, ...]:
        """The names of each deployment the deploy role manages (one per environment, or the
        single one)."""
        envs = self.environments or (None,)
        return tuple(Names(self.project, self.account, self.region, env) for env in envs)

    @property
    def github_environments(self) -> tuple[str, ...]:
        """The GitHub environments whose jobs may assume the deploy role."""
        return tuple(dict.fromkeys((*self.environments, self.environment)))

    @property
    def prefix(self) -> str:
        return self.subject_prefix or f"repo:{self.github_repo}"

    @property
    def names(self) -> Names:
        return Names(self.project, self.account, self.region)

    @property
    def every_preview(self) -> Names:
        """Globs of each name in every preview (the preview role and its boundary)."""
        return Names(self.project, self.account, self.region, ANY_PREVIEW)

    @property
    def partition(self) -> str:
        return self.names.partition

    @property
    def plan_role_name(self) -> str:
        return self.names.github_plan_role

    @property
    def deploy_role_name(self) -> str:
        return self.names.github_deploy_role

    @property
    def preview_role_name(self) -> str:
        return self.names.github_preview_role

    @property
    def boundary_name(self) -> str:
        return self.names.preview_boundary

    @property
    def role_boundaries(self) -> str:
        """Every deployment's boundary (`Names.role_boundary`), as one glob: policies under the
        project's path ``/{project}/`` named ``…-role-boundary``. Only bootstrap makes those
        (no GitHub role may create or change a managed policy, and another project's have its
        own path), and each caps a role to one of the project's stacks; a glob, not the list
        of them, so the deploy role does not outgrow its quota with every environment."""
        return self.names.arn("iam", f"policy{self.names.role_path}*-role-boundary", "")

    @property
    def boundary_arn(self) -> str:
        return self.names.preview_boundary_arn

    @property
    def provider_arn(self) -> str:
        return self.names.arn("iam", f"oidc-provider/{GITHUB_OIDC_HOST}", "")

    def role_arn(self, name: str) -> str:
        """A GitHub role's ARN (path ``/``, unlike the engine's roles)."""
        return self.names.role_arn(name, "/")


# --------------------------------------------------------------------------- trust policies


def _trust(target: Target, subjects: list[str], **more: str) -> Policy:
    """Trust GitHub's OIDC tokens for this repository's given ``sub`` claims only (exact
    StringEquals: no wildcard to reason about); ``more``: other claims that must equal."""
    claims = {f"{GITHUB_OIDC_HOST}:{key}": value for key, value in more.items()}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "GitHubActionsOIDC",
                "Effect": "Allow",
                "Principal": {"Federated": target.provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB_OIDC_HOST}:aud": OIDC_AUDIENCE,
                        f"{GITHUB_OIDC_HOST}:sub": subjects,
                        **claims,
                    }
                },
            }
        ],
    }


def trusted_repositories(trust: Policy | None) -> frozenset[str]:
    """The repositories (``repo:OWNER[@ID]/NAME[@ID]``) whose GitHub OIDC tokens a trust
    policy accepts, read from its ``sub`` conditions: whose CI a GitHub role serves."""
    found: set[str] = set()
    for statement in (trust or {}).get("Statement", []):
        for test in (statement.get("Condition") or {}).values():
            subjects = test.get(f"{GITHUB_OIDC_HOST}:sub", []) if isinstance(test, dict) else []
            for subject in [subjects] if isinstance(subjects, str) else subjects:
                repository = repository_of(str(subject))
                if repository:
                    found.add(repository)
    return frozenset(found)


def plan_trust_policy(target: Target) -> Policy:
    """Pull requests (any branch of this repo, never forks' secrets) and the main branch."""
    prefix = target.prefix
    return _trust(target, [f"{prefix}:pull_request", f"{prefix}:ref:refs/heads/{target.branch}"])


def deploy_trust_policy(target: Target) -> Policy:
    """Only jobs in the deploy environment *and* on the deploy branch.

    A job that declares ``environment:`` gets the ``…:environment:<name>`` subject, whatever
    branch it runs on, and any branch may name an environment unless its deployment branches
    are restricted — which GitHub Free cannot do for private repositories. So the branch is
    pinned here too, on the ``ref`` claim (a GitHub claim STS validates in trust policies):
    a job on another branch that names the environment is refused by AWS itself.
    """
    return _trust(
        target,
        [f"{target.prefix}:environment:{env}" for env in target.github_environments],
        ref=f"refs/heads/{target.branch}",
    )


def preview_trust_policy(target: Target) -> Policy:
    """Only jobs bound to the `preview` GitHub environment (the preview workflow's deploy,
    destroy and sweep jobs), on any ref: a preview runs a pull request's merge ref
    (``refs/pull/N/merge``) and the sweep runs on main. What the role can reach is only
    ``{project}-pr-*``."""
    return _trust(target, [f"{target.prefix}:environment:{target.preview_environment}"])


# --------------------------------------------------------------------------- permission policies


def _stmt(sid: str, actions: list[str], resources: list[str] | str, **condition: Any) -> Policy:
    statement: Policy = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": resources,
    }
    if condition:
        statement["Condition"] = condition
    return statement


def _each(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


def _listed(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def _once(values: list[str]) -> str | list[str]:
    """``_each`` of the distinct values: names several deployments share are granted once."""
    return _each(list(dict.fromkeys(values)))


def _arns(t: Target) -> dict[str, Any]:
    """The project's resource ARNs, as Names has them: exact names of each deployment (one
    per environment, or the single one)."""
    deployments, n = t.deployments, t.names
    functions = [d.function_arn for d in deployments]
    buckets = [d.bucket_arn for d in deployments]
    api = n.api_arn(API_ID_GLOB)
    return {
        # The environments share the project's repository (Names.ecr_repository).
        "ecr_repo": _once([d.ecr_repository_arn for d in deployments]),
        "sm_models": _each([d.model_arn(SPEC_HASH_GLOB) for d in deployments]),
        "sm_configs": _each([d.endpoint_config_arn(SPEC_HASH_GLOB) for d in deployments]),
        "sm_endpoint": _each([d.endpoint_arn for d in deployments]),
        "sagemaker_role": _each([d.role_arn(d.sagemaker_role) for d in deployments]),
        "lambda_role": _each([d.role_arn(d.lambda_role) for d in deployments]),
        "function": [arn for fn in functions for arn in (fn, f"{fn}:*")],
        "bucket": _each(buckets),
        "objects": _each([f"{b}/*" for b in buckets]),
        # Each deployment's groups as Names has them (the HTTP API's access log among them).
        "log_groups": [
            arn
            for n in t.deployments
            for group in n.log_groups
            for arn in (n.log_group_arn(group), n.log_group_arn(f"{group}:*"))
        ],
        # Where CloudWatch Logs' log delivery (API Gateway's access logs) reads and writes its
        # resource policy: AWS asks for the log-group wildcard, not one group's ARN.
        "log_delivery_policy": n.log_group_arn("*"),
        "apis": n.apis_arn,
        # The taggable parts of an HTTP API: the API itself and its stages.
        "api_taggable": [api, f"{api}/stages/*"],
        # Its untaggable children (AWS: only APIs, stages, domain names and VPC links carry
        # tags; routes, integrations, deployments do not, and nothing inherits in HTTP APIs).
        "api_untaggable": [
            f"{api}/{child}{rest}"
            for child in ("routes", "integrations", "deployments", "stages")
            for rest in ("", "/*")
            if (child, rest) != ("stages", "/*")
        ],
        "api_tags": n.apigateway_arn("/tags/*"),
        # Target tracking alarms are created in the caller's name, named after the variant.
        "scaling_alarms": _each([d.alarm_arn(d.scaling_alarms) for d in deployments]),
        # CloudFront ARNs carry random ids and no region: the distribution by its tag, the
        # origin access control (untaggable) by account only.
        "distributions": n.distribution_arn("*"),
        "oacs": n.oac_arn("*"),
    }


# Read-only calls that AWS only authorizes on Resource "*": the Service Authorization
# Reference gives them no resource type, or (ecr:DescribeRepositories) the call names none.
# Each is one the engine calls (tests/deploy/bootstrap/test_policies_cover_engine.py).
# What can name a resource is granted on the project's own ARNs instead: sagemaker:ListTags
# (model, endpoint-config and endpoint ARNs) with the other SageMaker actions, the plan role's
# ECR, log group and CloudFront reads in their own statements; cloudwatch:DescribeAlarms, for
# Application Auto Scaling only, in the deploy role's TargetTrackingAlarmsDescribed.
_READ_ANYWHERE = [
    "sagemaker:ListModels",
    "sagemaker:ListEndpointConfigs",
    "sagemaker:ListEndpoints",
    # Resource type `repository`, but previews/status list every repository (ECR has no name
    # filter; a preview's repository may be all a cancelled run left), and a listing that
    # names no repository is authorized on all of them. Observe names its one repository.
    "ecr:DescribeRepositories",
    "logs:DescribeLogGroups",
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingPolicies",
    "s3:ListAllMyBuckets",
    "iam:ListRoles",  # finding previews: `previews list/sweep`, `status`
    "cloudfront:ListDistributions",
    "cloudfront:ListOriginAccessControls",
    # plan warns when the account's endpoint instance quota is too low (deploy/quotas.py)
    "servicequotas:ListServiceQuotas",
    "servicequotas:ListAWSDefaultServiceQuotas",
]


# CloudWatch Logs' log delivery, as API Gateway uses it for an HTTP API stage's access log:
# the caller of CreateStage/UpdateStage with AccessLogSettings needs these ("Configure logging
# for HTTP APIs in API Gateway"; CloudWatch Logs' "Enabling logging from AWS services" names
# the first four for a first delivery). logs:CreateLogGroup of that list is left out: deploy
# creates the group itself beforehand (LogsProjectGroups), with retention and tags.
LOG_DELIVERY = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
]
LOG_DELIVERY_POLICY = ["logs:PutResourcePolicy", "logs:DescribeResourcePolicies"]


def _access_log_delivery(arn: dict[str, Any]) -> list[Policy]:
    """The statements that let the role turn on the HTTP API's access logging (the deploy and
    the preview role alike: every stage logs). DescribeLogGroups is in the reads already."""
    return [
        _stmt("ApiAccessLogDelivery", LOG_DELIVERY, "*"),
        _stmt("ApiAccessLogResourcePolicy", LOG_DELIVERY_POLICY, arn["log_delivery_policy"]),
    ]


# What writes a role's permissions: allowed only with a stack's boundary, the
# ``iam:PermissionsBoundary`` condition key (IAM User Guide, "Permissions boundaries for IAM
# entities", delegating responsibility; "IAM and AWS STS condition context keys",
# iam:PermissionsBoundary): for CreateRole and PutRolePermissionsBoundary the boundary the
# request sets, for PutRolePolicy the one the role already carries. So a role without it can
# get no inline policy until apply has put the boundary on it (iam.py's update does so first),
# and no role can be given another boundary. Never granted: iam:DeleteRolePermissionsBoundary
# (which "might increase its permissions", IAM API Reference), iam:AttachRolePolicy, and any
# write of a managed policy (the boundaries themselves: bootstrap's, an administrator's).
_ROLE_WRITES = ["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"]
# The rest of what the engine does to its roles: none grants a role more than its boundary
# allows (the boundary caps the role whatever its trust policy says; UpdateRole changes its
# description and maximum session; DeleteRolePolicy and DeleteRole take away).
_ROLE_CHANGES = [
    "iam:DeleteRole",
    "iam:GetRole",
    "iam:UpdateRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:ListRoleTags",
]


def _configured_stacks(t: Target, arn_of: Callable[[Names], str]) -> list[str]:
    """One kind's ARN (a model's or config's with its hash glob) in each stack config.yaml
    names (each environment's, or the single deployment's) and, with `preview:`, in every
    preview (``{project}-pr-*-…``). Not a ``{project}-*`` prefix: that also names another
    project ``{project}-x``'s resources (``{project}-x-detect``) and those of an environment
    config.yaml does not name. What no glob can tell apart, a project named
    ``{project}-pr-x``, config.yaml refuses (`naming.previews_owner`; docs/deploy.md, 'What
    names cannot narrow')."""
    previews = [arn_of(t.every_preview)] if t.previews else []
    return list(dict.fromkeys([*(arn_of(d) for d in t.deployments), *previews]))


def _endpoints_read(t: Target) -> list[str]:
    """The endpoints plan reads by name: each configured deployment's (one per environment,
    or the single one ``{project}``; the others' for the quota warning) and, when config.yaml
    has `preview:`, every preview's (the quota warning, `previews list`). Not ``{project}``
    beside environments, nor an environment config.yaml does not name: an endpoint's name is
    its stack's, so a glob would reach them."""
    every_preview = [t.every_preview.endpoint_arn] if t.previews else []
    return [*(d.endpoint_arn for d in t.deployments), *every_preview]


def _project_reads(t: Target) -> dict[str, list[str]]:
    """What the plan role reads by name, for each stack config.yaml names and its previews
    (`_configured_stacks`; the endpoints exactly, `_endpoints_read`): any pull-request job may
    assume it, so not the account's other functions (their code and environment variables),
    models (their containers' environment) or REST API keys (``apigateway:GET`` on
    ``/apikeys`` returns their values)."""
    n = t.names
    functions = _configured_stacks(t, lambda d: d.function_arn)
    return {
        "functions": [arn for fn in functions for arn in (fn, f"{fn}:*")],  # and its versions
        "sagemaker": [
            *_configured_stacks(t, lambda d: d.model_arn(SPEC_HASH_GLOB)),
            *_configured_stacks(t, lambda d: d.endpoint_config_arn(SPEC_HASH_GLOB)),
            *_endpoints_read(t),
        ],
        # HTTP APIs carry random ids: any HTTP API and its tags, nothing else of API Gateway.
        "http_apis": [n.apis_arn, n.api_arn("*"), n.apigateway_arn("/tags/*")],
    }


def _github_role_tags(t: Target) -> Policy:
    """plan and apply read the GitHub roles' tags (deploy/bootstrap_version.py: is each role
    what this commit's bootstrap writes?) and which managed policies are attached to them
    (would bootstrap's parts fit beside those others attached?): on those roles only."""
    names = [t.plan_role_name, t.deploy_role_name] + ([t.preview_role_name] if t.previews else [])
    reads = ["iam:ListRoleTags", "iam:ListAttachedRolePolicies"]
    return _stmt("ReadGitHubRoleTags", reads, [t.role_arn(n) for n in names])


def plan_permissions_policy(t: Target) -> Policy:
    """Read-only: describe/list/get on the services the deploy engine observes."""
    arn = _arns(t)
    own = _project_reads(t)
    return {
        "Version": "2012-10-17",
        "Statement": [
            _stmt(
                "ReadProjectFunctions",
                [
                    "lambda:GetFunction",
                    "lambda:GetFunctionConfiguration",
                    "lambda:GetPolicy",
                    "lambda:ListTags",
                ],
                own["functions"],
            ),
            _stmt(
                "ReadProjectSageMaker",
                [
                    "sagemaker:DescribeModel",
                    "sagemaker:DescribeEndpointConfig",
                    "sagemaker:DescribeEndpoint",
                    "sagemaker:ListTags",
                ],
                own["sagemaker"],
            ),
            _stmt("ReadHttpApis", ["apigateway:GET"], own["http_apis"]),
            _stmt("ReadEverywhereListCalls", _READ_ANYWHERE, "*"),
            _github_role_tags(t),
            _stmt(
                "ReadProjectImageRepository",
                [
                    "ecr:DescribeImages",
                    "ecr:ListImages",
                    "ecr:ListTagsForResource",
                    "ecr:GetLifecyclePolicy",
                ],
                [arn["ecr_repo"]] + ([_preview_arns(t)["ecr_repos"]] if t.previews else []),
            ),
            _stmt(
                "ReadProjectLogGroupTags",
                ["logs:ListTagsForResource"],
                arn["log_groups"] + (_preview_arns(t)["log_groups"] if t.previews else []),
            ),
            _stmt(
                # CloudFront ids are random and its ARNs carry no name: the account's only.
                "ReadTheAccountsDistributions",
                [
                    "cloudfront:GetDistribution",
                    "cloudfront:GetInvalidation",
                    "cloudfront:ListTagsForResource",
                ],
                arn["distributions"],
            ),
            _stmt(
                "ReadTheAccountsOriginAccessControls",
                ["cloudfront:GetOriginAccessControl"],
                arn["oacs"],
            ),
            _stmt(
                "ReadProjectRoles",
                [
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:ListRolePolicies",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListRoleTags",
                ],
                [*_listed(arn["sagemaker_role"]), *_listed(arn["lambda_role"])]
                + (_listed(_preview_arns(t)["roles"]) if t.previews else []),
            ),
            _stmt(
                "ReadProjectBucket",
                [
                    "s3:ListBucket",
                    "s3:ListBucketVersions",
                    "s3:GetBucketLocation",
                    "s3:GetBucketWebsite",
                    "s3:GetBucketPolicy",
                    "s3:GetBucketPolicyStatus",
                    "s3:GetBucketPublicAccessBlock",
                    "s3:GetBucketOwnershipControls",
                    "s3:GetBucketTagging",
                    "s3:GetObject",
                ],
                [*_listed(arn["bucket"]), *_listed(arn["objects"])]
                + ([_preview_arns(t)["bucket"], _preview_arns(t)["objects"]] if t.previews else []),
            ),
        ],
    }


# What a create's tagging is authorized on: the new HTTP API or distribution, which has no tags
# yet (IAM User Guide, "Condition operators", Null: "true" when the key is absent). Without it
# a request setting this project's tags could re-tag another project's API or distribution,
# and the statements bound to the `project` tag would then let the role change and delete it.
_UNTAGGED = {"aws:ResourceTag/project": "true"}


def deploy_permissions_policy(t: Target) -> Policy:
    """Change only this project's resources: exact/prefix ARNs, tag conditions for API IDs.

    Resource "*" appears only for (a) read-only calls AWS authorizes nowhere else
    (``_READ_ANYWHERE``; cloudwatch:DescribeAlarms for Application Auto Scaling), (b)
    ``ecr:GetAuthorizationToken`` (registry-wide by AWS design), (c) Application Auto
    Scaling, whose scalable-target ARNs are random IDs unknown before registration; (c) is
    limited to SageMaker variants by the ``application-autoscaling:service-namespace`` key,
    and (d) CloudWatch Logs' log-delivery actions, which API Gateway checks on the caller when
    a stage's access logging is set (AWS grants them on "*" in "Configure logging for HTTP
    APIs"; they name no resource).
    """
    arn = _arns(t)
    tag = {"aws:ResourceTag/project": t.project}
    request_tag = {"aws:RequestTag/project": t.project}
    # HTTP APIs and distributions carry random ids: only the `environment` tag tells a
    # preview's (pr-N) from the deployment's own (an environment's name, or no such tag in the
    # single deployment: a negated operator holds when the key is missing, IAM User Guide,
    # "Condition operators"). On the tags a resource has and the tags a request sets, so the
    # role can neither change a preview's nor re-tag one (or its own) to get round that.
    not_preview = {
        "aws:ResourceTag/environment": ANY_PREVIEW,
        "aws:RequestTag/environment": ANY_PREVIEW,
    }
    statements = [
        _stmt("ReadEverywhereListCalls", _READ_ANYWHERE, "*"),
        _stmt("ReadHttpApis", ["apigateway:GET"], _project_reads(t)["http_apis"]),
        _github_role_tags(t),
        _stmt("EcrLoginRegistryWide", ["ecr:GetAuthorizationToken"], "*"),
        _stmt(
            "EcrProjectRepository",
            [
                "ecr:CreateRepository",
                "ecr:DeleteRepository",
                "ecr:DescribeImages",
                "ecr:ListImages",
                "ecr:BatchGetImage",
                "ecr:BatchDeleteImage",
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
                "ecr:PutImageTagMutability",
                "ecr:TagResource",
                "ecr:UntagResource",
                "ecr:ListTagsForResource",
                "ecr:GetLifecyclePolicy",
                "ecr:PutLifecyclePolicy",
            ],
            arn["ecr_repo"],
        ),
        _stmt(
            "SageMakerProjectResources",
            [
                "sagemaker:CreateModel",
                "sagemaker:DeleteModel",
                "sagemaker:DescribeModel",
                "sagemaker:CreateEndpointConfig",
                "sagemaker:DeleteEndpointConfig",
                "sagemaker:DescribeEndpointConfig",
                "sagemaker:CreateEndpoint",
                "sagemaker:UpdateEndpoint",
                # Application Auto Scaling checks the caller may scale the variant itself.
                "sagemaker:UpdateEndpointWeightsAndCapacities",
                "sagemaker:DeleteEndpoint",
                "sagemaker:DescribeEndpoint",
                "sagemaker:AddTags",
                "sagemaker:DeleteTags",
                "sagemaker:ListTags",
            ],
            [*_listed(arn["sm_models"]), *_listed(arn["sm_configs"]), *_listed(arn["sm_endpoint"])],
        ),
        _stmt(
            "IamProjectRolesOnlyWithTheBoundary",
            _ROLE_WRITES,
            [*_listed(arn["sagemaker_role"]), *_listed(arn["lambda_role"])],
            StringLike={"iam:PermissionsBoundary": t.role_boundaries},
        ),
        _stmt(
            "IamProjectRoles",
            _ROLE_CHANGES,
            [*_listed(arn["sagemaker_role"]), *_listed(arn["lambda_role"])],
        ),
        _stmt(
            "PassSageMakerRoleToSageMaker",
            ["iam:PassRole"],
            _listed(arn["sagemaker_role"]),
            StringEquals={"iam:PassedToService": t.names.principal("sagemaker")},
        ),
        _stmt(
            "PassLambdaRoleToLambda",
            ["iam:PassRole"],
            _listed(arn["lambda_role"]),
            StringEquals={"iam:PassedToService": t.names.principal("lambda")},
        ),
        _stmt(
            "LambdaProjectFunction",
            [
                "lambda:CreateFunction",
                "lambda:DeleteFunction",
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:UpdateFunctionCode",
                "lambda:UpdateFunctionConfiguration",
                "lambda:AddPermission",
                "lambda:RemovePermission",
                "lambda:GetPolicy",
                "lambda:TagResource",
                "lambda:UntagResource",
                "lambda:ListTags",
            ],
            arn["function"],
        ),
        _stmt(
            # CreateApi with tags is also authorized as POST on /tags/<the new API's ARN>,
            # which has no tags yet: only the request's tags can be checked there (and the
            # resource's `environment`, so that no preview's API is re-tagged).
            "ApiGatewayCreateTaggedApi",
            ["apigateway:POST"],
            [arn["apis"], arn["api_tags"]],
            StringEquals=request_tag,
            StringNotLike=not_preview,
            Null=_UNTAGGED,
        ),
        _stmt(
            "ApiGatewayChangeProjectApi",
            ["apigateway:POST", "apigateway:PATCH", "apigateway:PUT", "apigateway:DELETE"],
            [*arn["api_taggable"], arn["api_tags"]],
            StringEquals=tag,
            StringNotLike=not_preview,
        ),
        _stmt(
            # Routes, integrations and deployments carry no tags, so no tag condition can
            # match them and their ARNs hold only the API's random id: any HTTP API's children
            # in this region. The API itself, its stages and its tags stay tag-bound above.
            "ApiGatewayUntaggableChildren",
            ["apigateway:POST", "apigateway:PATCH", "apigateway:PUT", "apigateway:DELETE"],
            arn["api_untaggable"],
        ),
        _stmt(
            "S3ProjectBucket",
            [
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:ListBucket",
                "s3:ListBucketVersions",
                "s3:GetBucketLocation",
                "s3:PutBucketWebsite",
                "s3:GetBucketWebsite",
                "s3:DeleteBucketWebsite",
                "s3:PutBucketPolicy",
                "s3:GetBucketPolicy",
                "s3:GetBucketPolicyStatus",
                "s3:DeleteBucketPolicy",
                "s3:PutBucketPublicAccessBlock",
                "s3:GetBucketPublicAccessBlock",
                "s3:PutBucketOwnershipControls",
                "s3:GetBucketOwnershipControls",
                "s3:PutBucketTagging",
                "s3:GetBucketTagging",
            ],
            arn["bucket"],
        ),
        _stmt(
            "S3ProjectObjects",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
            arn["objects"],
        ),
        _stmt(
            "LogsProjectGroups",
            [
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:PutRetentionPolicy",
                "logs:TagResource",
                "logs:ListTagsForResource",
                # `deploy logs` (log_search.py): FilterLogEvents needs only its own action.
                "logs:FilterLogEvents",
            ],
            arn["log_groups"],
        ),
        *_access_log_delivery(arn),
        _stmt(
            # CreateDistributionWithTags is authorized as CreateDistribution + TagResource.
            "CloudFrontCreateTaggedDistribution",
            [
                "cloudfront:CreateDistribution",
                "cloudfront:CreateDistributionWithTags",
                "cloudfront:TagResource",
            ],
            arn["distributions"],
            StringEquals=request_tag,
            StringNotLike=not_preview,
            Null=_UNTAGGED,
        ),
        _stmt(
            "CloudFrontProjectDistribution",
            [
                "cloudfront:UpdateDistribution",
                "cloudfront:DeleteDistribution",
                "cloudfront:CreateInvalidation",
                "cloudfront:GetInvalidation",
                "cloudfront:GetDistribution",
                "cloudfront:TagResource",
                "cloudfront:ListTagsForResource",
            ],
            arn["distributions"],
            StringEquals=tag,
            StringNotLike=not_preview,
        ),
        _stmt(
            # Origin access controls take no tags; named {project}-site-{region}.
            "CloudFrontOriginAccessControls",
            [
                "cloudfront:CreateOriginAccessControl",
                "cloudfront:GetOriginAccessControl",
                "cloudfront:UpdateOriginAccessControl",
                "cloudfront:DeleteOriginAccessControl",
            ],
            arn["oacs"],
        ),
        _stmt(
            "TargetTrackingAlarmsOfTheEndpoint",
            ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"],
            arn["scaling_alarms"],
        ),
        _stmt(
            # Application Auto Scaling describes the target-tracking alarms in the caller's
            # name (the engine never calls it, so neither its code nor moto shows how).
            # CloudWatch authorizes a describe that names no alarm on alarm:* and returns
            # composite alarms only to a "*" grant: not narrowed until a CloudTrail record
            # of a real PutScalingPolicy shows AlarmNames. Deploy role only: the plan and
            # preview roles never scale.
            "TargetTrackingAlarmsDescribed",
            ["cloudwatch:DescribeAlarms"],
            "*",
        ),
        _stmt(
            "AutoScalingSageMakerVariantsOnly",
            [
                "application-autoscaling:RegisterScalableTarget",
                "application-autoscaling:DeregisterScalableTarget",
                "application-autoscaling:PutScalingPolicy",
                "application-autoscaling:DeleteScalingPolicy",
            ],
            "*",
            StringEquals={"application-autoscaling:service-namespace": "sagemaker"},
        ),
        _stmt(
            "AutoScalingServiceLinkedRole",
            ["iam:CreateServiceLinkedRole"],
            t.names.service_linked_role_arn("sagemaker.application-autoscaling", "*"),
            StringEquals={
                "iam:AWSServiceName": t.names.principal("sagemaker.application-autoscaling")
            },
        ),
    ]
    return {"Version": "2012-10-17", "Statement": statements}


# --------------------------------------------------------------------------- previews


def _preview_arns(t: Target) -> dict[str, Any]:
    """``{project}-pr-*``: every name a preview's resources have (config.yaml reserves `pr` and
    `pr-*` for previews, so no environment's name matches, and refuses a project named
    ``{project}-pr-…`` or ``{project}-pr``, so no other project's does). Names of
    ANY_PREVIEW, each cut after the stack's wildcard where the whole kind is granted
    (``starts_like``)."""
    n, pr = t.names, t.every_preview
    # What the preview's service roles write (the boundary's limit); API Gateway writes the
    # access log itself (CloudWatch Logs' log delivery), so only the preview role names it.
    written = [
        n.log_group_arn(starts_like(g)) for g in (pr.lambda_log_group, pr.endpoint_log_group)
    ]
    groups = [*written, n.log_group_arn(starts_like(pr.api_log_group))]
    bucket = starts_like(pr.bucket_arn)
    return {
        "ecr_repos": pr.ecr_repository_arn,
        "sagemaker": [
            starts_like(pr.model_arn(SPEC_HASH_GLOB)),
            starts_like(pr.endpoint_config_arn(SPEC_HASH_GLOB)),
            pr.endpoint_arn,
        ],
        "endpoints": pr.endpoint_arn,
        "roles": _once([starts_like(pr.role_arn(r)) for r in (pr.sagemaker_role, pr.lambda_role)]),
        "sagemaker_roles": pr.role_arn(pr.sagemaker_role),
        "lambda_roles": pr.role_arn(pr.lambda_role),
        "functions": [starts_like(pr.function_arn)],
        "bucket": bucket,
        "objects": f"{bucket}/*",
        "log_groups": [arn for g in groups for arn in (g, f"{g}:*")],
        "written_log_groups": [arn for g in written for arn in (g, f"{g}:*")],
    }


_PULL_IMAGE = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def preview_boundary_policy(t: Target) -> Policy:
    """The most a preview's service roles can ever do, whatever their inline policy says: pull
    a preview's image, write a preview's logs and endpoint metrics, invoke a preview's endpoint.
    (Intersected with each role's own least-privilege policy, which names its one preview.)"""
    arn = _preview_arns(t)
    return {
        "Version": "2012-10-17",
        "Statement": [
            _stmt("PullPreviewImages", _PULL_IMAGE, arn["ecr_repos"]),
            _stmt("EcrLogin", ["ecr:GetAuthorizationToken"], "*"),
            _stmt(
                "PreviewLogs",
                ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                arn["written_log_groups"],
            ),
            _stmt(
                "EndpointMetrics",
                ["cloudwatch:PutMetricData"],
                "*",
                StringEquals={"cloudwatch:namespace": "/aws/sagemaker/Endpoints"},
            ),
            _stmt("InvokePreviewEndpoints", ["sagemaker:InvokeEndpoint"], arn["endpoints"]),
        ],
    }


def role_boundary_policy(t: Target, d: Names) -> Policy:
    """The most one deployment's service roles (the single deployment's, or an
    environment's) can ever do, whatever their inline policy says: pull the project's image
    (or a prebuilt `model.image` config.yaml names: `image_repositories`), write the stack's
    Lambda and endpoint logs and endpoint metrics, invoke the stack's endpoint. (Intersected
    with each role's own least-privilege policy.) Why: the deploy role writes those roles'
    policies and passes the roles to its Lambda and endpoint; capped by this, no policy it
    writes reaches beyond the project. One per stack, so each stays small however many
    environments config.yaml names."""
    logs = [
        arn
        for group in (d.lambda_log_group, d.endpoint_log_group)
        for arn in (d.log_group_arn(group), d.log_group_arn(f"{group}:*"))
    ]
    return {
        "Version": "2012-10-17",
        "Statement": [
            _stmt(
                "PullProjectImage",
                _PULL_IMAGE,
                _once([d.ecr_repository_arn, *t.image_repositories]),
            ),
            _stmt("EcrLogin", ["ecr:GetAuthorizationToken"], "*"),
            _stmt(
                "StackLogs",
                ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                logs,
            ),
            _stmt(
                "EndpointMetrics",
                ["cloudwatch:PutMetricData"],
                "*",
                StringEquals={"cloudwatch:namespace": "/aws/sagemaker/Endpoints"},
            ),
            _stmt("InvokeStackEndpoint", ["sagemaker:InvokeEndpoint"], d.endpoint_arn),
        ],
    }


def _actions(policy: Policy, sid: str) -> list[str]:
    return list(next(st["Action"] for st in policy["Statement"] if st["Sid"] == sid))


def preview_permissions_policy(t: Target) -> Policy:
    """Change only ``{project}-pr-*`` resources, with the deploy role's actions on them: by
    name where the service's ARNs carry one, by the ``project`` + ``environment=pr-*`` tags
    where they do not (HTTP APIs, CloudFront distributions), and roles only with the preview
    boundary. No Application Auto Scaling (its targets cannot be limited to the previews'
    endpoints: previews are serverless or fixed-size). What no tag can scope (HTTP API
    routes/integrations, CloudFront origin access controls) is the deploy role's grant too."""
    arn = _preview_arns(t)
    project = _arns(t)
    deploy = deploy_permissions_policy(t)
    tagged = {"aws:ResourceTag/project": t.project}
    preview_tag = {"aws:ResourceTag/environment": ANY_PREVIEW}
    request_tag = {"aws:RequestTag/project": t.project}
    preview_request_tag = {"aws:RequestTag/environment": ANY_PREVIEW}
    boundary = {"iam:PermissionsBoundary": t.boundary_arn}
    return {
        "Version": "2012-10-17",
        "Statement": [
            _stmt("ReadEverywhereListCalls", _READ_ANYWHERE, "*"),
            _stmt("ReadHttpApis", ["apigateway:GET"], _project_reads(t)["http_apis"]),
            _github_role_tags(t),
            _stmt("EcrLoginRegistryWide", ["ecr:GetAuthorizationToken"], "*"),
            _stmt(
                "EcrPreviewRepositories",
                _actions(deploy, "EcrProjectRepository"),
                arn["ecr_repos"],
            ),
            # (UpdateEndpointWeightsAndCapacities included: apply scales a running endpoint's
            # serverless concurrency or instance count with it when the template changes.)
            _stmt(
                "SageMakerPreviewResources",
                _actions(deploy, "SageMakerProjectResources"),
                arn["sagemaker"],
            ),
            _stmt(
                "IamPreviewRolesOnlyWithTheBoundary",
                _ROLE_WRITES,
                arn["roles"],
                StringEquals=boundary,
            ),
            _stmt("IamPreviewRoles", _ROLE_CHANGES, arn["roles"]),
            _stmt(
                "PassPreviewSageMakerRolesToSageMaker",
                ["iam:PassRole"],
                arn["sagemaker_roles"],
                StringEquals={"iam:PassedToService": t.names.principal("sagemaker")},
            ),
            _stmt(
                "PassPreviewLambdaRolesToLambda",
                ["iam:PassRole"],
                arn["lambda_roles"],
                StringEquals={"iam:PassedToService": t.names.principal("lambda")},
            ),
            _stmt(
                "LambdaPreviewFunctions",
                _actions(deploy, "LambdaProjectFunction"),
                [f for fn in arn["functions"] for f in (fn, f"{fn}:*")],
            ),
            _stmt(
                "ApiGatewayCreatePreviewApi",
                ["apigateway:POST"],
                [project["apis"], project["api_tags"]],
                StringEquals=request_tag,
                StringLike=preview_request_tag,
                Null=_UNTAGGED,
            ),
            _stmt(
                "ApiGatewayChangePreviewApis",
                ["apigateway:POST", "apigateway:PATCH", "apigateway:PUT", "apigateway:DELETE"],
                [*project["api_taggable"], project["api_tags"]],
                StringEquals=tagged,
                StringLike=preview_tag,
            ),
            _stmt(
                "ApiGatewayUntaggableChildren",
                _actions(deploy, "ApiGatewayUntaggableChildren"),
                project["api_untaggable"],
            ),
            _stmt("S3PreviewBuckets", _actions(deploy, "S3ProjectBucket"), arn["bucket"]),
            _stmt("S3PreviewObjects", _actions(deploy, "S3ProjectObjects"), arn["objects"]),
            _stmt("LogsPreviewGroups", _actions(deploy, "LogsProjectGroups"), arn["log_groups"]),
            *_access_log_delivery(project),
            _stmt(
                "CloudFrontCreatePreviewDistribution",
                _actions(deploy, "CloudFrontCreateTaggedDistribution"),
                project["distributions"],
                StringEquals=request_tag,
                StringLike=preview_request_tag,
                Null=_UNTAGGED,
            ),
            _stmt(
                "CloudFrontPreviewDistributions",
                _actions(deploy, "CloudFrontProjectDistribution"),
                project["distributions"],
                StringEquals=tagged,
                StringLike=preview_tag,
            ),
            _stmt(
                "CloudFrontOriginAccessControls",
                _actions(deploy, "CloudFrontOriginAccessControls"),
                project["oacs"],
            ),
        ],
    }


def tags(t: Target) -> dict[str, str]:
    return {"project": t.project, "managed-by": MANAGED_BY}


def roles(t: Target) -> list[RoleSpec]:
    """The GitHub roles, as the same role specs the engine reconciles its own roles with."""
    preview = [
        _role(
            t,
            t.preview_role_name,
            f"GitHub Actions of {t.github_repo}: pull-request previews {t.every_preview.stack}",
            preview_trust_policy(t),
            preview_permissions_policy(t),
            DEPLOY_SESSION_SECONDS,  # a preview's apply waits for its endpoint like a deploy
        )
    ]
    return [
        _role(
            t,
            t.plan_role_name,
            f"GitHub Actions of {t.github_repo}: read-only plan / drift check of {t.project}",
            plan_trust_policy(t),
            plan_permissions_policy(t),
            PLAN_SESSION_SECONDS,
        ),
        _role(
            t,
            t.deploy_role_name,
            f"GitHub Actions of {t.github_repo}: deploy / destroy {t.project}",
            deploy_trust_policy(t),
            deploy_permissions_policy(t),
            DEPLOY_SESSION_SECONDS,
        ),
        *(preview if t.previews else []),
    ]


def _role(
    t: Target, name: str, description: str, trust: Policy, policy: Policy, session_s: int
) -> RoleSpec:
    return RoleSpec(
        name=name,
        arn=t.role_arn(name),
        path="/",
        description=description,
        trust=trust,
        policy_name=name,  # the inline policy is named after its role
        policy=policy,
        max_session_s=session_s,
        tags=tags(t),
        bootstrap=True,
    )


def role_boundary_specs(t: Target) -> list[PolicySpec]:
    """Each deployment's boundary as bootstrap creates it (path ``/{project}/``, like the
    previews' one)."""
    return [
        PolicySpec(
            name=d.role_boundary,
            arn=d.role_boundary_arn,
            path=t.names.role_path,
            description=f"The most the service roles of the stack {d.stack} may do",
            document=role_boundary_policy(t, d),
            tags=tags(t),
        )
        for d in t.deployments
    ]


def boundary_specs(t: Target) -> list[PolicySpec]:
    """Every boundary bootstrap makes: each deployment's and, with `preview:`, the previews'."""
    return [*role_boundary_specs(t), *([boundary_spec(t)] if t.previews else [])]


def boundary_spec(t: Target) -> PolicySpec:
    """The previews' permissions boundary as bootstrap creates it (path ``/{project}/``)."""
    return PolicySpec(
        name=t.boundary_name,
        arn=t.boundary_arn,
        path=t.names.role_path,  # the engine's roles' path, which boundary_arn names
        description=f"The most a {t.every_preview.stack} preview's service roles may do",
        document=preview_boundary_policy(t),
        tags=tags(t),
    )


# IAM's size quotas, in characters without whitespace (docs.aws.amazon.com/IAM/latest/
# UserGuide/reference_iam-quotas.html): a managed policy, a trust policy (the default; it can
# be raised to 4,096), and how many managed policies a role may have attached (the default;
# Service Quotas can raise it to 20, and bootstrap reads the account's value: iam_quota.py).
# A role's inline policies together may have 10,240: the roles have none, their permissions
# are managed policies (`role_policies`).
MANAGED_POLICY_MAX = 6_144
ROLE_INLINE_MAX = 10_240  # a role's inline policies together (handover.py holds one there)
TRUST_POLICY_MAX = 2_048
ATTACHED_POLICIES_MAX = 10
ATTACHED_POLICIES_RAISED_MAX = 20  # the most Service Quotas grants
ATTACHED_QUOTA_CODE = "L-0DA4ABF3"  # IAM's "Managed policies per role" in Service Quotas


def iam_quota_region(partition: str) -> str:
    """Where Service Quotas answers IAM's quotas: they are global, and only us-east-1
    (us-gov-west-1 in GovCloud) knows them; elsewhere it says NoSuchResource."""
    return "us-gov-west-1" if partition == "aws-us-gov" else "us-east-1"


# What the account is sized as when a role's permissions are cut into managed policies: the
# CloudFormation spelling, longer than any 12-digit account, so the cut is the same for a
# template, a direct bootstrap and the fingerprint, and never too big once substituted.
_SIZED_ACCOUNT = "${AWS::AccountId}"


def iam_size(document: Policy | str) -> int:
    """A policy's size as IAM counts it against its quotas: whitespace does not count.
    (str.split() cuts at exactly the characters str.isspace() calls whitespace: the count of
    the rest, in C; a generator over every character cost ~20 ms per role's policies.)"""
    return len("".join(json.dumps(document, separators=(",", ":")).split()))


def _packed(sizes: list[int], empty: int, limit: int) -> list[tuple[int, int]]:
    """Where to cut a list of JSON items (their ``sizes``) into runs, in order, each as full
    as ``limit`` allows: ``empty`` is a run's size with no item, and items after a run's first
    add a comma. An item too big on its own gets a run to itself. Why one packer: a role's
    statements into managed policies and a statement's resources into runs cut alike."""
    runs: list[tuple[int, int]] = []
    start, size = 0, empty
    for i, item in enumerate(sizes):
        grows = item + (1 if i > start else 0)  # and its comma
        if i > start and size + grows > limit:
            runs.append((start, i))
            start, size = i, empty + item
        else:
            size += grows
    if sizes:
        runs.append((start, len(sizes)))
    return runs


def _cuts(document: Policy) -> list[tuple[int, int]]:
    """Which statements each managed policy holds, in order, each as full as IAM allows. A
    statement bigger than a managed policy on its own gets one to itself (and
    `quota_problems` says IAM refuses it)."""
    sizes = [iam_size(statement) for statement in document["Statement"]]
    return _packed(sizes, iam_size({**document, "Statement": []}), MANAGED_POLICY_MAX)


def part_name(role: str, number: int) -> str:
    """The name of a role's managed policy number ``number`` (from 1)."""
    return f"{role}-{number}"


def part_arn(t: Target, name: str) -> str:
    return t.names.arn("iam", f"policy{t.names.role_path}{name}", "")


def is_role_policy_of(role: str, policy_arn: str) -> bool:
    """Whether a managed policy is one bootstrap makes for this role (``{role}-N``)."""
    name = policy_arn.rsplit("/", 1)[-1]
    prefix = f"{role}-"
    return name.startswith(prefix) and name[len(prefix) :].isdigit()


def is_part_of(t: Target, role: str, policy_arn: str) -> bool:
    """Whether a policy attached to ``role`` is one of bootstrap's parts of it: named
    ``{role}-N`` *and* under the project's path ``/{project}/`` (`part_arn`, where bootstrap
    and the ``--print`` template have made every part), read from the ARN alone, so plan's
    check (bootstrap_version.py) judges as bootstrap does. Not the name alone: anyone may make
    a ``{role}-5`` (at IAM's default path ``/``), which bootstrap then detached and deleted."""
    path, _, name = policy_arn.split(":", 5)[-1].removeprefix("policy").rpartition("/")
    return f"{path}/" == t.names.role_path and is_role_policy_of(role, name)


def _runs(statement: Policy, room: int) -> list[tuple[int, int]]:
    """Where to cut a statement's resources so each run, with its actions and conditions,
    takes at most ``room`` characters: one run when it fits whole or names one resource."""
    resources = statement.get("Resource")
    if iam_size(statement) <= room or not isinstance(resources, list) or len(resources) < 2:
        return [(0, len(resources) if isinstance(resources, list) else 1)]
    sizes = [iam_size(resource) for resource in resources]
    return _packed(sizes, iam_size({**statement, "Resource": []}), room)


def _split(statements: list[Policy], sized: list[Policy], room: int) -> tuple[list, list]:
    """The statements (and their sized twins) with any too big for one managed policy cut
    into several with the same actions and conditions, each naming a run of its resources
    (``Sid``, ``Sid2``, …): one statement naming every environment's log groups outgrows a
    managed policy long before the role outgrows ten of them."""
    real_out: list[Policy] = []
    sized_out: list[Policy] = []
    for real, twin in zip(statements, sized, strict=True):
        runs = _runs(twin, room)
        if len(runs) == 1:
            real_out.append(real)
            sized_out.append(twin)
            continue
        for number, (start, end) in enumerate(runs, start=1):
            sid = real["Sid"] if number == 1 else f"{real['Sid']}{number}"
            real_out.append({**real, "Sid": sid, "Resource": real["Resource"][start:end]})
            sized_out.append({**twin, "Sid": sid, "Resource": twin["Resource"][start:end]})
    return real_out, sized_out


def role_policies(t: Target) -> dict[str, list[PolicySpec]]:
    """Each GitHub role's permissions as the customer managed policies bootstrap attaches to
    it (``{role}-1``, ``{role}-2``, …, path ``/{project}/``): its statements in order, cut
    where the next would take a policy past IAM's 6,144 characters (a statement too big on
    its own first cut by resources, `_split`). Why: IAM allows a role's inline policies
    10,240 characters together, and the deploy role's grow with every environment; ten
    managed policies of 6,144 hold far more."""
    sized_roles = {r.name: r for r in roles(replace(t, account=_SIZED_ACCOUNT))}
    out: dict[str, list[PolicySpec]] = {}
    for role in roles(t):
        twin = sized_roles[role.name].policy
        # room for one statement: a policy's envelope and a Sid's number aside
        room = MANAGED_POLICY_MAX - iam_size({**twin, "Statement": []}) - 4
        statements, sized = _split(role.policy["Statement"], twin["Statement"], room)
        parts = []
        for number, (start, end) in enumerate(_cuts({**twin, "Statement": sized}), start=1):
            name = part_name(role.name, number)
            parts.append(
                PolicySpec(
                    name=name,
                    arn=part_arn(t, name),
                    path=t.names.role_path,
                    description=f"Permissions of the IAM role {role.name} (part {number})",
                    document={**role.policy, "Statement": statements[start:end]},
                    tags=tags(t),
                )
            )
        out[role.name] = parts
    return out


def github_roles(t: Target) -> list[RoleSpec]:
    """The GitHub roles as bootstrap writes them: no inline policy, their permissions in the
    managed policies of `role_policies` (attached by bootstrap, not part of the role spec)."""
    return [replace(r, policy=None) for r in roles(t)]


def _attached_quota(attached_max: int, partition: str) -> str:
    """The quota a role's parts outgrew, and how an account raises it (Service Quotas, IAM's
    "Managed policies per role", L-0DA4ABF3: global, so asked of us-east-1)."""
    raise_it = (
        f"Service Quotas raises it up to {ATTACHED_POLICIES_RAISED_MAX} (IAM, 'Managed "
        f"policies per role', {ATTACHED_QUOTA_CODE}, in {iam_quota_region(partition)}; "
        "bootstrap reads the applied value)"
    )
    if attached_max == ATTACHED_POLICIES_MAX:
        return f"IAM's default {attached_max} attached to a role ({raise_it})"
    if attached_max >= ATTACHED_POLICIES_RAISED_MAX:
        return f"the {attached_max} this account may attach to a role (IAM's most)"
    return f"the {attached_max} this account may attach to a role ({raise_it})"


def quota_problems(t: Target, attached_max: int = ATTACHED_POLICIES_MAX) -> list[str]:
    """What IAM would refuse of these roles, their managed policies and the boundary, said
    before any change (IAM refuses half-way through bootstrap with LimitExceeded).

    Each role's permissions are cut into managed policies (`role_policies`): the deploy
    role's grow with every environment (its resources are named per environment), and so
    does the number of policies; a role may have ``attached_max`` attached (IAM's default
    ten, or the account's raised quota, iam_quota.py). Sized with a 12-digit account, as IAM
    sees it (CloudFormation substitutes ``${AWS::AccountId}`` first)."""
    sized = replace(t, account=SAMPLE_ACCOUNT) if not t.account.isdigit() else t
    envs = ", ".join(t.environments) or "none"
    hint = (
        f"(project {t.project!r}, environments: {envs}). Each environment adds its resources' "
        "names: use fewer environments or a shorter project name "
        "(docs/environments.md, 'Environments and previews', says how many fit)"
    )
    problems = []
    parts = role_policies(sized)
    for role in roles(sized):
        mine = parts[role.name]
        if len(mine) > attached_max:
            problems.append(
                f"role {role.name}: its permissions take {len(mine)} managed policies, over "
                f"{_attached_quota(attached_max, t.partition)} {hint}"
            )
        for part in mine:
            size = iam_size(part.document)
            if size > MANAGED_POLICY_MAX:
                sids = ", ".join(s.get("Sid", "?") for s in part.document["Statement"])
                problems.append(
                    f"role {role.name}: its managed policy {part.name} ({sids}) comes to "
                    f"{size:,} characters, over IAM's {MANAGED_POLICY_MAX:,} for a managed "
                    f"policy {hint}"
                )
        trust = iam_size(role.trust)
        if trust > TRUST_POLICY_MAX:
            problems.append(
                f"role {role.name}: its trust policy comes to {trust:,} characters, over IAM's "
                f"default {TRUST_POLICY_MAX:,} (Service Quotas can raise it to 4,096) {hint}"
            )
    for boundary in boundary_specs(sized):
        size = iam_size(boundary.document)
        if size > MANAGED_POLICY_MAX:
            problems.append(
                f"the boundary {boundary.name} comes to {size:,} characters, over IAM's "
                f"{MANAGED_POLICY_MAX:,} for a managed policy"
            )
    return problems
