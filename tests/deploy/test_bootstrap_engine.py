"""The bootstrap roles grant what the deploy engine actually calls — found by reading its code.

Why: the engine and the roles are written by different people; when the engine starts calling
a new AWS operation, CI must fail here rather than a production deploy failing on AccessDenied.
The engine's modules are parsed (ast) for boto3 calls on clients whose service is known from
`.client("svc")` / `.c("svc")`; each operation maps to its IAM action.

Also here: the Lambda role the engine creates may invoke only its own endpoint.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import botocore.session
import pytest

from deploy import bootstrap
from tests.workflows.iam_eval import allowed, glob_match, statements

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "deploy"
NOT_ENGINE = {"bootstrap.py", "__main__.py"}
T = bootstrap.Target("trends-anomaly", "us-east-1", "123456789012", "octo/trends")

PREFIX = {
    "ecr": "ecr",
    "iam": "iam",
    "lambda": "lambda",
    "logs": "logs",
    "s3": "s3",
    "sagemaker": "sagemaker",
    "application-autoscaling": "application-autoscaling",
    "cloudwatch": "cloudwatch",
    "resourcegroupstaggingapi": "tag",
}
# S3 operations whose IAM action has another name.
S3_ACTIONS = {
    "ListObjectsV2": "s3:ListBucket",
    "ListObjects": "s3:ListBucket",
    "HeadBucket": "s3:ListBucket",
    "HeadObject": "s3:GetObject",
    "DeleteObjects": "s3:DeleteObject",
    "CopyObject": "s3:PutObject",
    "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
}
NO_PERMISSION_NEEDED = {("sts", "GetCallerIdentity")}


@cache
def _operations(service: str) -> dict[str, str]:
    model = botocore.session.get_session().get_service_model(service)
    return {botocore.xform_name(op): op for op in model.operation_names}


def iam_action(service: str, op: str) -> str:
    """The IAM action that authorizes one API operation."""
    if service == "apigatewayv2":  # HTTP APIs authorize by HTTP verb on the resource path
        verb = {"Get": "GET", "Create": "POST", "Tag": "POST", "Update": "PATCH"}
        for prefix, method in verb.items():
            if op.startswith(prefix):
                return f"apigateway:{method}"
        if op.startswith(("Delete", "Untag")):
            return "apigateway:DELETE"
        return "apigateway:PUT"
    if service == "s3":
        return S3_ACTIONS.get(op, f"s3:{op}")
    return f"{PREFIX[service]}:{op}"


def _service_of_call(node: ast.AST, env: dict[str, str]) -> str | None:
    """`aws.client("x")`, `ctx.c("x")`, or a name/attribute bound to one earlier."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"client", "c"}
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    if isinstance(node, ast.Name):
        return env.get(node.id)
    if isinstance(node, ast.Attribute):
        return env.get(f"self.{node.attr}")
    return None


def engine_calls(files: list[Path]) -> dict[tuple[str, str], set[str]]:
    """(service, Operation) -> the files that call it."""
    found: dict[tuple[str, str], set[str]] = {}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        env: dict[str, str] = {}
        # Properties/methods returning a client: `def _sm(self): return self.aws.client("x")`.
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef):
                for ret in ast.walk(fn):
                    if isinstance(ret, ast.Return) and ret.value is not None:
                        svc = _service_of_call(ret.value, {})
                        if svc:
                            env[f"self.{fn.name}"] = svc
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                svc = _service_of_call(node.value, env)
                target = node.targets[0]
                if svc and isinstance(target, ast.Name):
                    env[target.id] = svc
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            svc = _service_of_call(node.value, env)
            if not svc:
                continue
            ops = _operations(svc)
            if node.attr in ops:
                found.setdefault((svc, ops[node.attr]), set()).add(path.name)
        # Operation names passed as strings (get_paginator("list_objects_v2"), helpers such as
        # self._list("list_models", ...)): counted for every service this file uses.
        used = {svc for (svc, _), files in found.items() if path.name in files} | set(env.values())
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for svc in used:
                    op = _operations(svc).get(node.value)
                    if op:
                        found.setdefault((svc, op), set()).add(path.name)
    return found


def _granted_actions(policy: dict) -> list[str]:
    return [
        a
        for st in statements(policy)
        for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
    ]


def _grants(policy: dict, action: str) -> bool:
    return any(glob_match(p, action, case_sensitive=False) for p in _granted_actions(policy))


ENGINE_FILES = sorted(
    p for p in ENGINE.glob("*.py") if p.name not in NOT_ENGINE and not p.name.startswith("local")
)
CALLS = engine_calls(ENGINE_FILES)


def test_the_scan_finds_the_engines_calls() -> None:
    # If this fails the scan is broken (or the engine moved): the tests below would prove nothing.
    services = {svc for svc, _ in CALLS}
    assert {"sagemaker", "iam", "lambda", "s3", "ecr", "apigatewayv2", "logs"} <= services
    assert ("sagemaker", "CreateEndpoint") in CALLS
    assert ("s3", "ListObjectsV2") in CALLS


@pytest.mark.parametrize(("service", "op"), sorted(CALLS), ids=lambda x: str(x))
def test_deploy_role_grants_every_operation_the_engine_calls(service: str, op: str) -> None:
    if (service, op) in NO_PERMISSION_NEEDED:
        return
    action = iam_action(service, op)
    policy = bootstrap.deploy_permissions_policy(T)
    assert _grants(policy, action), f"{action} (called in {sorted(CALLS[(service, op)])})"


OBSERVER_FILES = [p for p in ENGINE_FILES if p.name in {"observe.py", "aws.py", "engine.py"}]
READS = {
    k
    for k in engine_calls(OBSERVER_FILES)
    if k[1].startswith(("Describe", "Get", "List", "Head", "BatchGet"))
}


@pytest.mark.parametrize(("service", "op"), sorted(READS), ids=lambda x: str(x))
def test_plan_role_grants_every_read_the_planner_makes(service: str, op: str) -> None:
    if (service, op) in NO_PERMISSION_NEEDED:
        return
    assert _grants(bootstrap.plan_permissions_policy(T), iam_action(service, op))


# ----------------------------------------------------------------------- the Lambda role


def test_lambda_role_may_invoke_only_its_own_endpoint() -> None:
    from deploy.desired import lambda_policy
    from deploy.naming import Names

    names = Names(T.project, T.account, T.region)
    policy = lambda_policy(names)
    sm = f"arn:aws:sagemaker:{T.region}:{T.account}:endpoint"
    assert allowed(policy, "sagemaker:InvokeEndpoint", f"{sm}/{T.project}")
    for other in ("other-x", f"{T.project}-other", f"{T.project}x", "*"):
        assert not allowed(policy, "sagemaker:InvokeEndpoint", f"{sm}/{other}"), other
    other_region = f"arn:aws:sagemaker:eu-west-1:{T.account}:endpoint/{T.project}"
    assert not allowed(policy, "sagemaker:InvokeEndpoint", other_region)
    for action, resource in [
        ("sagemaker:InvokeEndpointAsync", f"{sm}/{T.project}"),
        ("sagemaker:UpdateEndpoint", f"{sm}/{T.project}"),
        ("sagemaker:DeleteEndpoint", f"{sm}/{T.project}"),
        ("s3:GetObject", "arn:aws:s3:::any/x"),
        ("iam:PassRole", "*"),
    ]:
        assert not allowed(policy, action, resource), action
