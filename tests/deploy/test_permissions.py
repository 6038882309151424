"""Every AWS call the engine really makes is granted by the bootstrap roles.

Runs plan/apply/update/destroy on moto, records the operations, maps them to IAM actions
(including the ones AWS checks implicitly: tagging on create, iam:PassRole) and evaluates them
against `deploy/bootstrap.py`'s deploy role (apply, destroy) and plan role (plan: read-only).
Resource scoping is tested by the bootstrap tests; this checks that no needed action is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy import bootstrap
from tests.deploy.deploy_helpers import IMAGE2, engine
from tests.workflows.iam_eval import actions_of, glob_match, statements

pytestmark = pytest.mark.usefixtures("aws_env")
TARGET = bootstrap.Target("trends-anomaly", "us-east-1", "123456789012", "octo/trends")

_S3 = {
    "HeadBucket": ["s3:ListBucket"],
    "ListObjectsV2": ["s3:ListBucket"],
    "HeadObject": ["s3:GetObject"],
    "GetPublicAccessBlock": ["s3:GetBucketPublicAccessBlock"],
    "PutPublicAccessBlock": ["s3:PutBucketPublicAccessBlock"],
}
_IMPLIED = {
    ("iam", "CreateRole"): ["iam:TagRole"],
    ("ecr", "CreateRepository"): ["ecr:TagResource"],
    ("logs", "CreateLogGroup"): ["logs:TagResource"],
    ("lambda", "CreateFunction"): ["lambda:TagResource", "iam:PassRole"],
    ("lambda", "UpdateFunctionConfiguration"): ["iam:PassRole"],
    ("sagemaker", "CreateModel"): ["sagemaker:AddTags", "iam:PassRole"],
    ("sagemaker", "CreateEndpointConfig"): ["sagemaker:AddTags"],
    ("sagemaker", "CreateEndpoint"): ["sagemaker:AddTags"],
}
_HTTP = {"Get": "GET", "Create": "POST", "Update": "PATCH", "Delete": "DELETE", "Tag": "POST"}


def iam_actions(service: str, op: str) -> list[str]:
    """IAM actions AWS evaluates for one API operation."""
    if service == "sts" and op == "GetCallerIdentity":
        return []  # needs no permission
    if service == "apigatewayv2":
        verb = next(v for k, v in _HTTP.items() if op.startswith(k))
        return [f"apigateway:{verb}"]
    prefix = {"application-autoscaling": "application-autoscaling"}.get(service, service)
    base = _S3.get(op) if service == "s3" else None
    return [*(base or [f"{prefix}:{op}"]), *_IMPLIED.get((service, op), [])]


def granted(policy: dict, action: str) -> bool:
    return any(
        st.get("Effect") == "Allow"
        and any(glob_match(p, action, case_sensitive=False) for p in actions_of(st))
        for st in statements(policy)
    )


def _missing(policy: dict, calls: list[tuple[str, str]]) -> list[str]:
    needed = sorted({a for s, o in calls for a in iam_actions(s, o)})
    return [a for a in needed if not granted(policy, a)]


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
    assert _missing(bootstrap.deploy_permissions_policy(TARGET), calls) == []


def test_plan_needs_only_read_calls_granted_to_the_plan_role(project: Path) -> None:
    engine(project).apply()
    eng = engine(project)
    eng.plan()
    assert eng.aws.log.mutating == []
    assert _missing(bootstrap.plan_permissions_policy(TARGET), eng.aws.log.calls) == []
