"""`bootstrap --print`: the same provider and roles as a CloudFormation template (no AWS call).

The account comes from the stack (``${AWS::AccountId}``); the roles are the very specs that
`bootstrap` applies (deploy/bootstrap/policies.py), with the same ``bootstrap-policy-sha256``
tag (fingerprint.py: it does not depend on the account), so the two ways cannot differ.
Their permissions are the same managed policies too (``AWS::IAM::ManagedPolicy``, attached
through its ``Roles``): a role of this template has no inline policy, as bootstrap writes it.
"""

from __future__ import annotations

from typing import Any

from deploy.aws import tag_list
from deploy.bootstrap.fingerprint import stamped
from deploy.bootstrap.policies import (
    GITHUB_OIDC_URL,
    GITHUB_THUMBPRINTS,
    OIDC_AUDIENCE,
    Policy,
    Target,
    boundary_specs,
    role_policies,
    tags,
)


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


def cloudformation_template(
    project: str, region: str, github_repo: str, **kw: Any
) -> dict[str, Any]:
    """The same provider and roles as a CloudFormation template (account from the stack)."""
    t = Target(project, region, "${AWS::AccountId}", github_repo, **kw)
    resources: dict[str, Any] = {
        "GitHubOIDCProvider": {
            "Type": "AWS::IAM::OIDCProvider",
            "Condition": "CreateProvider",
            "Properties": {
                "Url": GITHUB_OIDC_URL,
                "ClientIdList": [OIDC_AUDIENCE],
                "ThumbprintList": list(GITHUB_THUMBPRINTS),
                "Tags": tag_list(tags(t)),
            },
        }
    }
    outputs: dict[str, Any] = {}
    stacks = [f"RoleBoundary{(d.env or '').replace('-', 'X')}" for d in t.deployments]
    logicals = [*stacks, "PreviewBoundary"]  # env names are lowercase: X stands for -
    for logical, boundary in zip(logicals, boundary_specs(t), strict=False):
        resources[logical] = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "ManagedPolicyName": boundary.name,
                "Path": boundary.path,
                "Description": boundary.description,
                "PolicyDocument": _sub(boundary.document),
            },
        }
    logicals = ["PlanRole", "DeployRole", "PreviewRole"]
    parts = role_policies(t)
    for logical, role in zip(logicals, stamped(t), strict=False):
        resources[logical] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": role.name,
                "Description": role.description,
                "MaxSessionDuration": role.max_session_s,
                "AssumeRolePolicyDocument": _trust_in_template(role.trust),
                "Tags": tag_list(role.tags or {}),
            },
        }
        for number, part in enumerate(parts[role.name], start=1):
            resources[f"{logical}Policy{number}"] = {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "ManagedPolicyName": part.name,
                    "Path": part.path,
                    "Description": part.description,
                    "PolicyDocument": _sub(part.document),
                    "Roles": [{"Ref": logical}],
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
