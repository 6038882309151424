"""The bootstrap roles grant what the deploy engine calls: found by reading its code, and
checked again against the calls it really made on moto.

Why: the engine and the roles change separately; when the engine starts calling a new AWS
operation, CI must fail here rather than a production deploy failing on AccessDenied.

1. Static: every (service, operation) pair the engine names — ``Call("iam", "CreateRole")``,
   ``aws.read("sagemaker", "DescribeEndpoint")``, ``aws.pages(...)``, ``aws.client("ecr").op``
   — found with ``ast`` in deploy/ (bootstrap's own admin-run calls excluded), maps to an IAM
   action the deploy role grants; every read of the observers is granted to the plan role.
2. Dynamic: plan/apply/update/destroy on moto, the operations recorded, including what AWS
   authorizes implicitly (tagging on create, iam:PassRole).

Also here: the Lambda role the engine creates may invoke only its own endpoint.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import botocore.session
import pytest

from deploy.bootstrap.policies import (
    Target,
    deploy_permissions_policy,
    plan_permissions_policy,
)
from deploy.naming import Names
from deploy.resources.iam import lambda_policy
from tests.deploy.deploy_helpers import IMAGE2, engine
from tests.support.aws_clock import CLOCK
from tests.support.iam_eval import actions_of, allowed, glob_match, statements

ROOT = Path(__file__).resolve().parents[3]
ENGINE_FILES = sorted(
    p for p in (ROOT / "deploy").rglob("*.py") if "bootstrap" not in p.relative_to(ROOT).parts
)
OBSERVER_FILES = sorted((ROOT / "deploy" / "resources").glob("*.py"))
T = Target("trends-anomaly", "us-east-1", "123456789012", "octo/trends")
DEPLOY = deploy_permissions_policy(T)
PLAN = plan_permissions_policy(T)

PREFIX = {"resourcegroupstaggingapi": "tag", "service-quotas": "servicequotas"}
# S3 operations whose IAM action has another name.
S3_ACTIONS = {
    "ListBuckets": "s3:ListAllMyBuckets",
    "ListObjectsV2": "s3:ListBucket",
    "ListObjects": "s3:ListBucket",
    "ListObjectVersions": "s3:ListBucketVersions",
    "HeadBucket": "s3:ListBucket",
    "HeadObject": "s3:GetObject",
    "DeleteObjects": "s3:DeleteObject",
    "CopyObject": "s3:PutObject",
    "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
}
NO_PERMISSION_NEEDED = {("sts", "GetCallerIdentity")}
# What AWS authorizes besides the operation's own action.
IMPLIED = {
    ("iam", "CreateRole"): ["iam:TagRole"],
    ("ecr", "CreateRepository"): ["ecr:TagResource"],
    ("logs", "CreateLogGroup"): ["logs:TagResource"],
    ("lambda", "CreateFunction"): ["lambda:TagResource", "iam:PassRole"],
    ("lambda", "UpdateFunctionConfiguration"): ["iam:PassRole"],
    ("sagemaker", "CreateModel"): ["sagemaker:AddTags", "iam:PassRole"],
    ("sagemaker", "CreateEndpointConfig"): ["sagemaker:AddTags"],
    ("sagemaker", "CreateEndpoint"): ["sagemaker:AddTags"],
}
READS = ("Describe", "Get", "List", "Head", "BatchGet")


@cache
def _operations(service: str) -> dict[str, str]:
    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # not a service name
        return {}
    return {botocore.xform_name(op): op for op in model.operation_names}


def iam_actions(service: str, op: str) -> list[str]:
    """The IAM actions that authorize one API operation."""
    if (service, op) in NO_PERMISSION_NEEDED:
        return []
    if service == "apigatewayv2":  # HTTP APIs authorize by HTTP verb on the resource path
        verbs = {"Get": "GET", "Create": "POST", "Tag": "POST", "Update": "PATCH"}
        verb = next((v for k, v in verbs.items() if op.startswith(k)), None)
        if verb is None:
            verb = "DELETE" if op.startswith(("Delete", "Untag")) else "PUT"
        return [f"apigateway:{verb}"]
    own = (
        S3_ACTIONS.get(op, f"s3:{op}")
        if service == "s3"
        else f"{PREFIX.get(service, service)}:{op}"
    )
    return [own, *IMPLIED.get((service, op), [])]


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def engine_calls(files: list[Path]) -> dict[tuple[str, str], set[str]]:
    """(service, Operation) → the files that name it."""
    found: dict[tuple[str, str], set[str]] = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            # Call("svc", "Op", ...), aws.read("svc", "Op", ...), aws.pages("svc", "Op", ...)
            if len(node.args) >= 2:
                service, op = _literal(node.args[0]), _literal(node.args[1])
                if service and op and op in _operations(service).values():
                    found.setdefault((service, op), set()).add(path.name)
            # aws.client("svc").op(...)
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Call)
                and isinstance(func.value.func, ast.Attribute)
                and func.value.func.attr == "client"
                and func.value.args
                and (service := _literal(func.value.args[0]))
                and func.attr in _operations(service)
            ):
                found.setdefault((service, _operations(service)[func.attr]), set()).add(path.name)
    return found


def _grants(policy: dict, action: str) -> bool:
    return any(
        st.get("Effect") == "Allow"
        and any(glob_match(p, action, case_sensitive=False) for p in actions_of(st))
        for st in statements(policy)
    )


CALLS = engine_calls(ENGINE_FILES)
OBSERVED = {k for k in engine_calls(OBSERVER_FILES) if k[1].startswith(READS)}


def test_the_scan_finds_the_engines_calls() -> None:
    # If this fails the scan is broken (or the engine moved): the tests below would prove nothing.
    services = {svc for svc, _ in CALLS}
    assert {"sagemaker", "iam", "lambda", "s3", "ecr", "apigatewayv2", "logs", "sts"} <= services
    for call in [
        ("sagemaker", "CreateEndpoint"),
        ("s3", "ListObjectsV2"),
        ("ecr", "GetAuthorizationToken"),
        ("lambda", "AddPermission"),
        ("application-autoscaling", "PutScalingPolicy"),
    ]:
        assert call in CALLS, call
    assert ("sagemaker", "DescribeEndpoint") in OBSERVED


@pytest.mark.parametrize(("service", "op"), sorted(CALLS), ids=lambda x: str(x))
def test_deploy_role_grants_every_operation_the_engine_calls(service: str, op: str) -> None:
    for action in iam_actions(service, op):
        assert _grants(DEPLOY, action), f"{action} (called in {sorted(CALLS[(service, op)])})"


@pytest.mark.parametrize(("service", "op"), sorted(OBSERVED), ids=lambda x: str(x))
def test_plan_role_grants_every_read_the_observers_make(service: str, op: str) -> None:
    for action in iam_actions(service, op):
        assert _grants(PLAN, action), action


# ----------------------------------------------------------------------- what really ran on moto


def _missing(policy: dict, calls: list[tuple[str, str]]) -> list[str]:
    needed = sorted({a for s, o in calls for a in iam_actions(s, o)})
    return [a for a in needed if not _grants(policy, a)]


@pytest.mark.slow
@pytest.mark.usefixtures("aws_env")
def test_apply_update_destroy_calls_are_granted_to_the_deploy_role(project: Path) -> None:
    cfg = project / "config.yaml"
    cfg.write_text(
        cfg.read_text().replace(
            "  instance_count: 1\n", "  instance_count: 1\n  autoscaling: {max_capacity: 2}\n"
        )
    )
    calls: list[tuple[str, str]] = []
    for image in (None, IMAGE2):
        eng = engine(project) if image is None else engine(project, image=image)
        eng.apply()
        calls += eng.aws.log.calls
    (project / "site" / "dist" / "style.css").unlink()
    (project / "lambda" / "helpers.py").write_text("X = 3\n")
    cfg.write_text(
        cfg.read_text()
        .replace("ml.m5.large", "ml.c5.large")
        .replace("http://localhost:8000", "https://example.org")
    )
    eng = engine(project, image=IMAGE2)
    eng.apply()
    calls += eng.aws.log.calls
    eng = engine(project)
    eng.destroy()
    calls += eng.aws.log.calls
    assert len({o for _, o in calls}) > 40
    assert "lambda:CreateFunction" in _missing({"Statement": []}, calls)  # the check can fail
    assert _missing(DEPLOY, calls) == []
    assert set(calls) <= set(CALLS), "the static scan missed calls the engine made"


@pytest.mark.usefixtures("aws_env")
def test_plan_needs_only_read_calls_granted_to_the_plan_role(project: Path) -> None:
    engine(project).apply()
    eng = engine(project)
    eng.plan()
    assert eng.aws.log.mutating == []
    assert _missing(PLAN, eng.aws.log.calls) == []


# ----------------------------------------------------------------------- the Lambda role


def test_lambda_role_may_invoke_only_its_own_endpoint() -> None:
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


@pytest.mark.usefixtures("aws_env")
def test_a_previews_apply_and_destroy_calls_are_granted_to_the_preview_role(project: Path) -> None:
    from deploy.aws import Aws
    from deploy.bootstrap.apply import apply as bootstrap_apply
    from deploy.bootstrap.policies import preview_permissions_policy
    from deploy.config import load_config_file
    from deploy.engine import Engine
    from deploy.image import image_tag
    from tests.deploy.deploy_helpers import push_fake_image, session

    cfg_path = project / "config.yaml"
    cfg_path.write_text(cfg_path.read_text() + "preview: {}\n")
    staged = Target(T.project, T.region, "", "octo/trends", previews=True)
    bootstrap_apply(Aws(T.region, session()), staged)  # the boundary must exist
    push_fake_image(f"{T.project}-pr-7", image_tag(project / "model"))
    calls: list[tuple[str, str]] = []
    for step in ("apply", "destroy"):
        cfg = load_config_file(cfg_path).select("pr-7")
        # On the test server's clock (as deploy_helpers.engine): AWS's delays (IAM
        # propagation, CloudFront deploying) pass in no real time, with the same calls.
        eng = Engine(cfg, project, Aws(T.region, session()), log=lambda _m: None,
                     sleep=CLOCK.sleep, clock=CLOCK.now)  # fmt: skip
        if step == "apply":
            eng.image = eng.ensure_image()
            eng.apply()
        else:
            assert eng.destroy()
        calls += eng.aws.log.calls
    assert ("iam", "CreateRole") in calls and ("sagemaker", "DeleteEndpoint") in calls
    assert _missing(preview_permissions_policy(T), calls) == []
