"""`python -m deploy bootstrap`: GitHub OIDC provider + plan/deploy roles for the workflows.

Why this exists: the workflows must reach AWS without long-lived keys. A one-time, human-run
bootstrap (with admin credentials) creates GitHub's OIDC identity provider and two roles that
the workflows assume through OIDC:

- ``{project}-github-plan``: read-only (describe/list/get) — for pull requests and drift checks.
- ``{project}-github-deploy``: may change only this project's resources (exact or
  ``{project}-`` prefixed ARNs, tag conditions where ARNs carry no name) — for merges to main
  and teardown.

The policy documents are pure functions of (project, region, account, repository) so tests can
evaluate their meaning without AWS; ``--print`` renders them as a CloudFormation template.
Running it twice changes nothing the second time.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from typing import Any

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
OIDC_AUDIENCE = "sts.amazonaws.com"
# GitHub's published intermediate thumbprints. AWS no longer checks them for GitHub (it trusts
# its own CA store), but the API and CloudFormation still accept/require a list.
GITHUB_THUMBPRINTS = (
    "6938fd4d98bab03faadb97b34396831e3780aea1",
    "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
)
MANAGED_BY = "trends-anomaly-gitops"
SESSION_SECONDS = 3600

_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_BRANCH_RE = re.compile(r"^[A-Za-z0-9._/-]+$")
_ENV_RE = re.compile(r"^[A-Za-z0-9._ -]+$")

Policy = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """Everything the policies depend on; ``account`` may be a CloudFormation ``${...}``."""

    project: str
    region: str
    account: str
    github_repo: str
    branch: str = "main"
    environment: str = "production"

    @property
    def plan_role_name(self) -> str:
        return f"{self.project}-github-plan"

    @property
    def deploy_role_name(self) -> str:
        return f"{self.project}-github-deploy"

    @property
    def provider_arn(self) -> str:
        return f"arn:aws:iam::{self.account}:oidc-provider/{GITHUB_OIDC_HOST}"

    def role_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account}:role/{name}"


# --------------------------------------------------------------------------- trust policies


def _trust(target: Target, subjects: list[str]) -> Policy:
    """Trust GitHub's OIDC tokens for this repository's given ``sub`` claims only."""
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
                    }
                },
            }
        ],
    }


def plan_trust_policy(target: Target) -> Policy:
    """Pull requests (any branch of this repo, never forks' secrets) and the main branch."""
    repo = target.github_repo
    return _trust(
        target, [f"repo:{repo}:pull_request", f"repo:{repo}:ref:refs/heads/{target.branch}"]
    )


def deploy_trust_policy(target: Target) -> Policy:
    """Jobs on main, or jobs bound to the deploy environment (where approvals can be required).

    A job that declares ``environment:`` gets the ``environment:<name>`` subject instead of the
    ref one, so both forms are listed; restrict the environment to the main branch in GitHub
    (Settings → Environments → Deployment branches) to keep it main-only.
    """
    repo = target.github_repo
    return _trust(
        target,
        [
            f"repo:{repo}:ref:refs/heads/{target.branch}",
            f"repo:{repo}:environment:{target.environment}",
        ],
    )


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


def _arns(t: Target) -> dict[str, Any]:
    """The project's resource ARNs, mirroring the names in the team's resource-name contract."""
    p, r, a = t.project, t.region, t.account
    sm = f"arn:aws:sagemaker:{r}:{a}"
    fn = f"arn:aws:lambda:{r}:{a}:function:{p}-detect"
    bucket = f"arn:aws:s3:::{p}-site-{a}-{r}"
    logs = f"arn:aws:logs:{r}:{a}:log-group:"
    return {
        "ecr_repo": f"arn:aws:ecr:{r}:{a}:repository/{p}",
        "sm_models": f"{sm}:model/{p}-m-????????",
        "sm_configs": f"{sm}:endpoint-config/{p}-c-????????",
        "sm_endpoint": f"{sm}:endpoint/{p}",
        "sagemaker_role": f"arn:aws:iam::{a}:role/{p}/{p}-sagemaker",
        "lambda_role": f"arn:aws:iam::{a}:role/{p}/{p}-lambda",
        "function": [fn, f"{fn}:*"],
        "bucket": bucket,
        "objects": f"{bucket}/*",
        "log_groups": [
            f"{logs}/aws/lambda/{p}-detect",
            f"{logs}/aws/lambda/{p}-detect:*",
            f"{logs}/aws/sagemaker/Endpoints/{p}",
            f"{logs}/aws/sagemaker/Endpoints/{p}:*",
        ],
        "apis": f"arn:aws:apigateway:{r}::/apis",
        "api_children": f"arn:aws:apigateway:{r}::/apis/*",
        "api_tags": f"arn:aws:apigateway:{r}::/tags/*",
        # Target tracking alarms are created in the caller's name, named after the variant.
        "scaling_alarms": f"arn:aws:cloudwatch:{r}:{a}:alarm:TargetTracking-endpoint/{p}/variant/*",
    }


# Read-only calls that AWS only authorizes on Resource "*" (list/describe without a resource).
_READ_ANYWHERE = [
    "sagemaker:ListModels",
    "sagemaker:ListEndpointConfigs",
    "sagemaker:ListEndpoints",
    "sagemaker:ListTags",
    "ecr:DescribeRepositories",
    "lambda:ListFunctions",
    "logs:DescribeLogGroups",
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingPolicies",
    "application-autoscaling:DescribeScalingActivities",
    "cloudwatch:DescribeAlarms",
    "tag:GetResources",
    "s3:ListAllMyBuckets",
]


def plan_permissions_policy(t: Target) -> Policy:
    """Read-only: describe/list/get on the services the deploy engine observes."""
    arn = _arns(t)
    return {
        "Version": "2012-10-17",
        "Statement": [
            _stmt(
                "ReadEverywhereListCalls",
                [
                    *_READ_ANYWHERE,
                    "sagemaker:DescribeModel",
                    "sagemaker:DescribeEndpointConfig",
                    "sagemaker:DescribeEndpoint",
                    "ecr:DescribeImages",
                    "ecr:ListImages",
                    "ecr:ListTagsForResource",
                    "lambda:GetFunction",
                    "lambda:GetFunctionConfiguration",
                    "lambda:GetPolicy",
                    "lambda:ListTags",
                    "apigateway:GET",
                    "logs:ListTagsForResource",
                    "logs:ListTagsLogGroup",
                ],
                "*",
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
                [arn["sagemaker_role"], arn["lambda_role"]],
            ),
            _stmt(
                "ReadProjectBucket",
                [
                    "s3:ListBucket",
                    "s3:GetBucketLocation",
                    "s3:GetBucketWebsite",
                    "s3:GetBucketPolicy",
                    "s3:GetBucketPolicyStatus",
                    "s3:GetBucketPublicAccessBlock",
                    "s3:GetBucketOwnershipControls",
                    "s3:GetBucketTagging",
                    "s3:GetObject",
                ],
                [arn["bucket"], arn["objects"]],
            ),
        ],
    }


def deploy_permissions_policy(t: Target) -> Policy:
    """Change only this project's resources: exact/prefix ARNs, tag conditions for API IDs.

    Resource "*" appears only for (a) read-only list/describe calls, (b)
    ``ecr:GetAuthorizationToken`` (registry-wide by AWS design) and (c) Application Auto
    Scaling, whose scalable-target ARNs are random IDs unknown before registration; (c) is
    limited to SageMaker variants by the ``application-autoscaling:service-namespace`` key.
    """
    arn = _arns(t)
    tag = {"aws:ResourceTag/project": t.project}
    request_tag = {"aws:RequestTag/project": t.project}
    statements = [
        _stmt("ReadEverywhereListCalls", [*_READ_ANYWHERE, "apigateway:GET"], "*"),
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
            [arn["sm_models"], arn["sm_configs"], arn["sm_endpoint"]],
        ),
        _stmt(
            "IamProjectRoles",
            [
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:GetRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:GetRolePolicy",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:ListRoleTags",
            ],
            [arn["sagemaker_role"], arn["lambda_role"]],
        ),
        _stmt(
            "PassSageMakerRoleToSageMaker",
            ["iam:PassRole"],
            [arn["sagemaker_role"]],
            StringEquals={"iam:PassedToService": "sagemaker.amazonaws.com"},
        ),
        _stmt(
            "PassLambdaRoleToLambda",
            ["iam:PassRole"],
            [arn["lambda_role"]],
            StringEquals={"iam:PassedToService": "lambda.amazonaws.com"},
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
            "ApiGatewayCreateTaggedApi",
            ["apigateway:POST"],
            arn["apis"],
            StringEquals=request_tag,
        ),
        _stmt(
            "ApiGatewayChangeProjectApi",
            ["apigateway:POST", "apigateway:PATCH", "apigateway:PUT", "apigateway:DELETE"],
            [arn["api_children"], arn["api_tags"]],
            StringEquals=tag,
        ),
        _stmt(
            "S3ProjectBucket",
            [
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:ListBucket",
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
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            arn["objects"],
        ),
        _stmt(
            "LogsProjectGroups",
            [
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:PutRetentionPolicy",
                "logs:TagResource",
                "logs:TagLogGroup",
                "logs:ListTagsForResource",
                "logs:ListTagsLogGroup",
                "logs:FilterLogEvents",
                "logs:GetLogEvents",
                "logs:DescribeLogStreams",
            ],
            arn["log_groups"],
        ),
        _stmt(
            "TargetTrackingAlarmsOfTheEndpoint",
            ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"],
            arn["scaling_alarms"],
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
            f"arn:aws:iam::{t.account}:role/aws-service-role/"
            "sagemaker.application-autoscaling.amazonaws.com/*",
            StringEquals={"iam:AWSServiceName": "sagemaker.application-autoscaling.amazonaws.com"},
        ),
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def tags(t: Target) -> list[dict[str, str]]:
    return [{"Key": "project", "Value": t.project}, {"Key": "managed-by", "Value": MANAGED_BY}]


def roles(t: Target) -> list[tuple[str, str, Policy, Policy]]:
    """(name, description, trust policy, permissions policy) for the two GitHub roles."""
    return [
        (
            t.plan_role_name,
            f"GitHub Actions of {t.github_repo}: read-only plan / drift check of {t.project}",
            plan_trust_policy(t),
            plan_permissions_policy(t),
        ),
        (
            t.deploy_role_name,
            f"GitHub Actions of {t.github_repo}: deploy / destroy {t.project}",
            deploy_trust_policy(t),
            deploy_permissions_policy(t),
        ),
    ]


# --------------------------------------------------------------------------- --print (template)


def _sub(value: Any) -> Any:
    """Wrap every string that mentions a CloudFormation pseudo parameter in ``Fn::Sub``."""
    if isinstance(value, dict):
        return {k: _sub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sub(v) for v in value]
    if isinstance(value, str) and "${AWS::" in value:
        return {"Fn::Sub": value}
    return value


def _trust_in_template(trust: Policy) -> Any:
    """The provider ARN through ``Ref`` when the stack creates it, so the role waits for it."""
    doc = _sub(trust)
    for statement in doc["Statement"]:
        existing = statement["Principal"]["Federated"]
        statement["Principal"]["Federated"] = {
            "Fn::If": ["CreateProvider", {"Ref": "GitHubOIDCProvider"}, existing]
        }
    return doc


def cloudformation_template(project: str, region: str, github_repo: str, **kw: str) -> Policy:
    """The same provider and roles as a CloudFormation template (account from the stack)."""
    t = Target(project, region, "${AWS::AccountId}", github_repo, **kw)
    resources: Policy = {
        "GitHubOIDCProvider": {
            "Type": "AWS::IAM::OIDCProvider",
            "Condition": "CreateProvider",
            "Properties": {
                "Url": GITHUB_OIDC_URL,
                "ClientIdList": [OIDC_AUDIENCE],
                "ThumbprintList": list(GITHUB_THUMBPRINTS),
                "Tags": tags(t),
            },
        }
    }
    outputs: Policy = {}
    for logical, (name, description, trust, permissions) in zip(
        ("PlanRole", "DeployRole"), roles(t), strict=True
    ):
        resources[logical] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": name,
                "Description": description,
                "MaxSessionDuration": SESSION_SECONDS,
                "AssumeRolePolicyDocument": _trust_in_template(trust),
                "Policies": [{"PolicyName": name, "PolicyDocument": _sub(permissions)}],
                "Tags": tags(t),
            },
        }
        outputs[f"{logical}Arn"] = {"Value": {"Fn::GetAtt": [logical, "Arn"]}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"GitHub OIDC provider and roles for {project} ({github_repo})",
        "Parameters": {
            "CreateOIDCProvider": {
                "Type": "String",
                "AllowedValues": ["true", "false"],
                "Default": "true",
                "Description": "false when the account already has the GitHub OIDC provider",
            }
        },
        "Conditions": {"CreateProvider": {"Fn::Equals": [{"Ref": "CreateOIDCProvider"}, "true"]}},
        "Resources": resources,
        "Outputs": outputs,
    }


# --------------------------------------------------------------------------- apply (boto3)


def _ensure_provider(iam: Any, t: Target) -> str:
    for entry in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        arn = entry["Arn"]
        if arn.endswith(f":oidc-provider/{GITHUB_OIDC_HOST}"):
            clients = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
            if OIDC_AUDIENCE not in clients.get("ClientIDList", []):
                iam.add_client_id_to_open_id_connect_provider(
                    OpenIDConnectProviderArn=arn, ClientID=OIDC_AUDIENCE
                )
                return f"updated  {arn} (added audience {OIDC_AUDIENCE})"
            return f"exists   {arn}"
    arn = iam.create_open_id_connect_provider(
        Url=GITHUB_OIDC_URL,
        ClientIDList=[OIDC_AUDIENCE],
        ThumbprintList=list(GITHUB_THUMBPRINTS),
        Tags=tags(t),
    )["OpenIDConnectProviderArn"]
    return f"created  {arn}"


def _same(current: Any, wanted: Policy) -> bool:
    if isinstance(current, str):  # boto3 may hand back a URL-encoded/plain JSON string
        from urllib.parse import unquote

        current = json.loads(unquote(current))
    return current == wanted


def _ensure_role(iam: Any, t: Target, name: str, desc: str, trust: Policy, perms: Policy) -> str:
    changed: list[str] = []
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(trust),
            Description=desc,
            MaxSessionDuration=SESSION_SECONDS,
            Tags=tags(t),
        )["Role"]
        changed.append("created")
    else:
        if not _same(role["AssumeRolePolicyDocument"], trust):
            iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
            changed.append("trust updated")
        if role.get("Description") != desc or role.get("MaxSessionDuration") != SESSION_SECONDS:
            iam.update_role(RoleName=name, Description=desc, MaxSessionDuration=SESSION_SECONDS)
            changed.append("description updated")
        current_tags = {x["Key"]: x["Value"] for x in iam.list_role_tags(RoleName=name)["Tags"]}
        if any(current_tags.get(x["Key"]) != x["Value"] for x in tags(t)):
            iam.tag_role(RoleName=name, Tags=tags(t))
            changed.append("tags updated")
    try:
        current = iam.get_role_policy(RoleName=name, PolicyName=name)["PolicyDocument"]
    except iam.exceptions.NoSuchEntityException:
        current = None
    if current is None or not _same(current, perms):
        iam.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(perms))
        if "created" not in changed:
            changed.append("policy updated")
    state = ", ".join(changed) if changed else "unchanged"
    return f"{state:<8} {role['Arn']}"


def apply(session: Any, target_without_account: Target) -> tuple[Target, list[str]]:
    """Create or converge the provider and both roles; returns what happened, line by line."""
    account = session.client("sts").get_caller_identity()["Account"]
    t = Target(
        target_without_account.project,
        target_without_account.region,
        account,
        target_without_account.github_repo,
        target_without_account.branch,
        target_without_account.environment,
    )
    iam = session.client("iam")
    lines = [_ensure_provider(iam, t)]
    for name, desc, trust, perms in roles(t):
        lines.append(_ensure_role(iam, t, name, desc, trust, perms))
    return t, lines


# --------------------------------------------------------------------------- CLI


def _project_and_region(config_path: str) -> tuple[str, str]:
    """Project name and region from config.yaml through the deploy engine's loader."""
    from deploy.config import load_config

    config = load_config(config_path)
    return config.project, config.region


def add_parser(subparsers: Any) -> None:
    """Register ``bootstrap`` on the deploy CLI's subparsers."""
    p = subparsers.add_parser(
        "bootstrap",
        help="create the GitHub OIDC provider and the plan/deploy roles (once, with admin creds)",
        description=(
            "Creates (idempotently) GitHub's OIDC provider and two IAM roles the workflows "
            "assume: {project}-github-plan (read-only) and {project}-github-deploy (this "
            "project's resources only). With --print, prints a CloudFormation template instead "
            "and calls no AWS API."
        ),
    )
    p.add_argument("--github-repo", required=True, metavar="OWNER/NAME", help="e.g. octo/trends")
    p.add_argument(
        "--print",
        action="store_true",
        dest="print_template",
        help="print a CloudFormation template; make no AWS call",
    )
    p.add_argument("--branch", default="main", help="branch that deploys (default: main)")
    p.add_argument(
        "--environment",
        default="production",
        help="GitHub Environment of the deploy jobs (default: production)",
    )
    # SUPPRESS: a --config given before the subcommand (on the main parser) is not clobbered.
    p.add_argument("--config", default=argparse.SUPPRESS, help="path to config.yaml")
    p.set_defaults(func=run)


def _validate(args: argparse.Namespace) -> str | None:
    if not _REPO_RE.match(args.github_repo):
        return f"--github-repo must look like OWNER/NAME, got {args.github_repo!r}"
    if not _BRANCH_RE.match(args.branch):
        return f"--branch has characters a git branch name here may not have: {args.branch!r}"
    if not _ENV_RE.match(args.environment):
        return f"--environment must be a plain GitHub environment name, got {args.environment!r}"
    return None


def run(args: argparse.Namespace) -> int:
    """Entry point of ``python -m deploy bootstrap``: 0 done, 1 error (message on stderr)."""
    problem = _validate(args)
    if problem:
        print(f"bootstrap: {problem}", file=sys.stderr)
        return 1
    try:
        project, region = _project_and_region(getattr(args, "config", None) or "config.yaml")
    except Exception as exc:  # config errors already say what to fix
        print(f"bootstrap: cannot read the config: {exc}", file=sys.stderr)
        return 1
    if args.print_template:
        template = cloudformation_template(
            project, region, args.github_repo, branch=args.branch, environment=args.environment
        )
        print(json.dumps(template, indent=2))
        return 0
    import boto3
    import botocore.exceptions

    try:
        target, lines = apply(
            boto3.Session(region_name=region),
            Target(project, region, "", args.github_repo, args.branch, args.environment),
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        print(
            f"bootstrap: AWS refused: {exc}\n"
            "hint: run bootstrap once with administrator credentials of the target account "
            "(it creates IAM resources), or use --print and deploy the template yourself.",
            file=sys.stderr,
        )
        return 1
    print("\n".join(lines))
    print(
        "\nNow set the repository variables (Settings → Secrets and variables → Actions → "
        "Variables), e.g. with the GitHub CLI:\n"
        f"  gh variable set AWS_DEPLOY_ROLE_ARN --repo {args.github_repo} "
        f"--body {target.role_arn(target.deploy_role_name)}\n"
        f"  gh variable set AWS_PLAN_ROLE_ARN --repo {args.github_repo} "
        f"--body {target.role_arn(target.plan_role_name)}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (``python -m deploy.bootstrap``), same options as the subcommand."""
    parser = argparse.ArgumentParser(prog="python -m deploy")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["bootstrap", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
