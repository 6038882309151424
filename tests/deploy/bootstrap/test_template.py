"""`bootstrap --print`: the CloudFormation template calls no AWS API and, deployed, makes the
same roles as `bootstrap` itself."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import boto3
import pytest

from deploy.bootstrap import policies
from tests.deploy.bootstrap.test_cli import (
    IDS,
    MOTO_ACCOUNT,
    PROJECT,
    REGION,
    REPO,
    _permissions,
    _run,
    _target,
)
from tests.support.moto_server import fake_aws_env


def test_print_renders_a_template_without_calling_aws(
    config: Path, capsys, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    # Any AWS call would fail: no server listens there.
    fake_aws_env(monkeypatch, f"http://127.0.0.1:{closed_port}", REGION)
    assert _run(config, "--print", *IDS) == 0
    template = json.loads(capsys.readouterr().out)
    resources = template["Resources"]
    assert resources["GitHubOIDCProvider"]["Type"] == "AWS::IAM::OIDCProvider"
    assert resources["GitHubOIDCProvider"]["Properties"]["ClientIdList"] == ["sts.amazonaws.com"]

    provider_arn = f"arn:aws:iam::{MOTO_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"

    def substitute(node, create_provider=True):  # what CloudFormation resolves, for an account
        if isinstance(node, dict):
            if set(node) == {"Fn::Sub"}:
                return node["Fn::Sub"].replace("${AWS::AccountId}", MOTO_ACCOUNT)
            if set(node) == {"Ref"}:
                if node["Ref"] in ("PlanRole", "DeployRole"):  # a managed policy's roles
                    return node
                assert node["Ref"] == "GitHubOIDCProvider"  # Ref of an OIDCProvider = its ARN
                return provider_arn
            if set(node) == {"Fn::If"}:
                condition, then, otherwise = node["Fn::If"]
                assert condition == "CreateProvider"
                return substitute(then if create_provider else otherwise, create_provider)
            return {k: substitute(v, create_provider) for k, v in node.items()}
        if isinstance(node, list):
            return [substitute(v, create_provider) for v in node]
        return node

    t = _target()
    for logical, trust, perms in [
        ("PlanRole", policies.plan_trust_policy(t), policies.plan_permissions_policy(t)),
        ("DeployRole", policies.deploy_trust_policy(t), policies.deploy_permissions_policy(t)),
    ]:
        props = resources[logical]["Properties"]
        assert substitute(props["AssumeRolePolicyDocument"]) == trust
        assert substitute(props["AssumeRolePolicyDocument"], create_provider=False) == trust
        principal = props["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Federated"]
        assert principal["Fn::If"][1] == {"Ref": "GitHubOIDCProvider"}  # waits for the provider
        assert "Policies" not in props  # no inline policy: managed ones, attached by Ref
        parts = [
            r["Properties"]
            for r in resources.values()
            if r["Type"] == "AWS::IAM::ManagedPolicy"
            and r["Properties"].get("Roles") == [{"Ref": logical}]
        ]
        wanted = policies.role_policies(t)[props["RoleName"]]
        assert [p["ManagedPolicyName"] for p in parts] == [w.name for w in wanted]
        statements = [st for p in parts for st in substitute(p["PolicyDocument"])["Statement"]]
        assert {**perms, "Statement": statements} == perms
    assert "${" not in json.dumps(substitute(template["Resources"]))


def test_printed_template_deploys_through_cloudformation(iam, config: Path, capsys) -> None:
    """The roles the stack creates equal the CLI's. moto's CloudFormation has no
    AWS::IAM::OIDCProvider, so the stack runs with CreateOIDCProvider=false here."""
    assert _run(config, "--print", *IDS) == 0
    template = capsys.readouterr().out
    cf = boto3.client("cloudformation", region_name=REGION)
    cf.create_stack(
        StackName="github-oidc",
        TemplateBody=template,
        Parameters=[{"ParameterKey": "CreateOIDCProvider", "ParameterValue": "false"}],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    stack = cf.describe_stacks(StackName="github-oidc")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    t = _target()
    assert outputs["DeployRoleArn"] == t.role_arn(f"{PROJECT}-github-deploy")
    for name, trust, perms in [
        (t.plan_role_name, policies.plan_trust_policy(t), policies.plan_permissions_policy(t)),
        (
            t.deploy_role_name,
            policies.deploy_trust_policy(t),
            policies.deploy_permissions_policy(t),
        ),
    ]:
        assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == trust
        assert _permissions(iam, name) == perms


def test_the_template_tags_each_role_as_bootstrap_does_and_plan_finds_them_current(
    iam, config: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CloudFormation route records the same bootstrap-policy-sha256 on each role as the
    direct one (the account is the stack's: the hash does not depend on it), so plan's check
    (deploy/bootstrap_version.py) finds a stack-made role up to date, and one behind after
    policies.py changes."""
    from deploy.aws import Aws
    from deploy.bootstrap_version import check
    from deploy.config import load_config_file

    tag = "bootstrap-policy-sha256"
    assert _run(config, "--print", *IDS) == 0
    template = capsys.readouterr().out
    printed = {
        r["Properties"]["RoleName"]: {t["Key"]: t["Value"] for t in r["Properties"]["Tags"]}
        for r in json.loads(template)["Resources"].values()
        if r["Type"] == "AWS::IAM::Role"
    }
    assert set(printed) == {f"{PROJECT}-github-plan", f"{PROJECT}-github-deploy"}
    assert _run(config) == 0  # the direct route, same account: the same hashes
    for name, tags in printed.items():
        listed = iam.list_role_tags(RoleName=name)["Tags"]
        assert {t["Key"]: t["Value"] for t in listed}[tag] == tags[tag], name
        for part in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=name, PolicyArn=part["PolicyArn"])
            iam.delete_policy(PolicyArn=part["PolicyArn"])
        iam.untag_role(RoleName=name, TagKeys=[tag, "project", "managed-by"])
        iam.delete_role(RoleName=name)
    (boundary,) = policies.role_boundary_specs(replace(_target(), account=MOTO_ACCOUNT))
    iam.delete_policy(PolicyArn=boundary.arn)  # the stack makes it again
    cf = boto3.client("cloudformation", region_name=REGION)
    cf.create_stack(
        StackName="github-oidc",
        TemplateBody=template,
        Parameters=[{"ParameterKey": "CreateOIDCProvider", "ParameterValue": "false"}],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    for name, tags in printed.items():
        listed = iam.list_role_tags(RoleName=name)["Tags"]
        assert {t["Key"]: t["Value"] for t in listed}[tag] == tags[tag], name
    file = load_config_file(config)
    assert check(Aws(REGION), file).warnings == []
    plan = policies.plan_permissions_policy
    monkeypatch.setattr(
        policies,
        "plan_permissions_policy",
        lambda t: {**plan(t), "Statement": [*plan(t)["Statement"][1:]]},
    )
    assert list(check(Aws(REGION), file).behind) == [f"{PROJECT}-github-plan"]
    # The template's roles carry project=<project> as bootstrap's do: bootstrap then takes
    # them as its own (no not-made-here stop) and finds nothing to change.
    monkeypatch.setattr(policies, "plan_permissions_policy", plan)
    capsys.readouterr()
    assert _run(config) == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    assert f"unchanged arn:aws:iam::{MOTO_ACCOUNT}:role/{PROJECT}-github-deploy" in said, said


def test_the_template_makes_each_stacks_role_boundary() -> None:
    """The CloudFormation route makes the same boundaries as bootstrap: one per stack (the
    deploy role may create its roles only with them), the previews' one with `preview:`."""
    from deploy.bootstrap.template import cloudformation_template

    template = cloudformation_template(
        PROJECT, REGION, REPO, environments=("staging", "prod-eu"), previews=True
    )
    made = {
        r["Properties"]["ManagedPolicyName"]: logical
        for logical, r in template["Resources"].items()
        if r["Type"] == "AWS::IAM::ManagedPolicy" and "Roles" not in r["Properties"]
    }
    assert made == {
        f"{PROJECT}-staging-role-boundary": "RoleBoundarystaging",
        f"{PROJECT}-prod-eu-role-boundary": "RoleBoundaryprodXeu",
        f"{PROJECT}-preview-boundary": "PreviewBoundary",
    }
    single = cloudformation_template(PROJECT, REGION, REPO)["Resources"]["RoleBoundary"]
    assert single["Properties"]["ManagedPolicyName"] == f"{PROJECT}-role-boundary"
    assert single["Properties"]["Path"] == f"/{PROJECT}/"
