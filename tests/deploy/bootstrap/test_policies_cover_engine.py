"""The bootstrap roles grant what the deploy engine calls: found by reading its code, and
checked again against the calls it really made on moto.

Why: the engine and the roles change separately; when the engine starts calling a new AWS
operation, CI must fail here rather than a production deploy failing on AccessDenied.

1. Static: every (service, operation) pair the engine names — ``Call("iam", "CreateRole")``,
   ``aws.read("sagemaker", "DescribeEndpoint")``, ``aws.pages(...)``, ``aws.client("ecr").op``
   — found with ``ast`` in deploy/ (bootstrap's own admin-run calls excluded), maps to an IAM
   action the deploy role grants; every read of the observers is granted to the plan role.
2. Dynamic: plan/apply/update/destroy on moto, the operations recorded, including what AWS
   authorizes implicitly (tagging on create, iam:PassRole), and each read's parameters: the
   resource a read names (``RESOURCE_OF``) must be one the role grants the read on, so a read
   of another project's model, repository or log group fails here, not only an action the
   role lacks.

Also here: the Lambda role the engine creates may invoke only its own endpoint.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from deploy.aws import Aws
from deploy.aws_errors import iam_action
from deploy.bootstrap.policies import (
    Target,
    deploy_permissions_policy,
    plan_permissions_policy,
    preview_permissions_policy,
)
from deploy.naming import Names
from deploy.resources.iam import lambda_policy
from tests.deploy.deploy_helpers import IMAGE2, engine
from tests.support.aws_clock import CLOCK
from tests.support.iam_eval import (
    actions_of,
    allowed,
    glob_match,
    resource_is_anything,
    statements,
)

ROOT = Path(__file__).resolve().parents[3]
ENGINE_FILES = sorted(
    p for p in (ROOT / "deploy").rglob("*.py") if "bootstrap" not in p.relative_to(ROOT).parts
)
OBSERVER_FILES = sorted((ROOT / "deploy" / "resources").glob("*.py"))
T = Target("trends-anomaly", "us-east-1", "123456789012", "octo/trends")
DEPLOY = deploy_permissions_policy(T)
PLAN = plan_permissions_policy(T)

NO_PERMISSION_NEEDED = {("sts", "GetCallerIdentity")}
# CloudWatch Logs' log delivery: on "*" (no resource to name), called by API Gateway.
LOG_DELIVERY_ON_ANY = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
]
LOG_DELIVERY = [
    *LOG_DELIVERY_ON_ANY,
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
]
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
    # A stage with AccessLogSettings: API Gateway sets up CloudWatch Logs' log delivery in the
    # caller's name ("Configure logging for HTTP APIs"; logs:CreateLogGroup of that list aside:
    # the engine creates the group itself first).
    ("apigatewayv2", "CreateStage"): LOG_DELIVERY,
    ("apigatewayv2", "UpdateStage"): LOG_DELIVERY,
}
READS = ("Describe", "Get", "List", "Head", "BatchGet")


@cache
def _session() -> botocore.session.Session:
    """One session for every service's model: a session registers ~120 handlers when made
    (~40 ms of CPU), and the scan asked for one per service."""
    return botocore.session.get_session()


@cache
def _operations(service: str) -> dict[str, str]:
    try:
        model = _session().get_service_model(service)
    except Exception:  # not a service name
        return {}
    return {botocore.xform_name(op): op for op in model.operation_names}


def iam_actions(service: str, op: str) -> list[str]:
    """The IAM actions that authorize one API operation."""
    if (service, op) in NO_PERMISSION_NEEDED:
        return []
    return [iam_action(service, op), *IMPLIED.get((service, op), [])]


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


# ----------------------------------------------------------------------- the resource a read names

Request = tuple[str, str, dict[str, Any]]  # (service, Operation, the call's parameters)


def _arn(service: str, resource: str, account: str = T.account) -> str:
    return f"arn:aws:{service}:{T.region}:{account}:{resource}"


def _repository(p: dict[str, Any], name: str) -> str:
    return _arn("ecr", f"repository/{name}", p.get("registryId", T.account))


def _function(p: dict[str, Any]) -> str:
    name = p["FunctionName"]
    return name if name.startswith("arn:") else _arn("lambda", f"function:{name}")


def _s3(p: dict[str, Any]) -> str:
    if "Bucket" not in p:
        return "*"  # ListBuckets
    return f"arn:aws:s3:::{p['Bucket']}" + (f"/{p['Key']}" if "Key" in p else "")


def _api(path: str) -> Callable[[dict[str, Any]], list[str]]:
    return lambda p: [f"arn:aws:apigateway:{T.region}::/apis" + path.format(**p)]


# What IAM authorizes a read on (Service Authorization Reference), from its parameters. A
# listing that names nothing is "*": only a grant on every resource allows it.
RESOURCE_OF: dict[tuple[str, str], Callable[[dict[str, Any]], list[str]]] = {
    ("sagemaker", "ListTags"): lambda p: [p["ResourceArn"]],
    ("sagemaker", "DescribeModel"): lambda p: [_arn("sagemaker", f"model/{p['ModelName']}")],
    ("sagemaker", "DescribeEndpointConfig"): lambda p: [
        _arn("sagemaker", f"endpoint-config/{p['EndpointConfigName']}")
    ],
    ("sagemaker", "DescribeEndpoint"): lambda p: [
        _arn("sagemaker", f"endpoint/{p['EndpointName']}")
    ],
    ("ecr", "DescribeRepositories"): lambda p: (
        [_repository(p, n) for n in p.get("repositoryNames", [])] or ["*"]
    ),
    ("ecr", "DescribeImages"): lambda p: [_repository(p, p["repositoryName"])],
    ("ecr", "ListImages"): lambda p: [_repository(p, p["repositoryName"])],
    ("ecr", "GetLifecyclePolicy"): lambda p: [_repository(p, p["repositoryName"])],
    ("ecr", "ListTagsForResource"): lambda p: [p["resourceArn"]],
    ("logs", "ListTagsForResource"): lambda p: [p["resourceArn"]],
    ("logs", "FilterLogEvents"): lambda p: [_arn("logs", f"log-group:{p['logGroupName']}")],
    ("lambda", "GetFunction"): lambda p: [_function(p)],
    ("lambda", "GetFunctionConfiguration"): lambda p: [_function(p)],
    ("lambda", "GetPolicy"): lambda p: [_function(p)],
    ("apigatewayv2", "GetApis"): _api(""),
    ("apigatewayv2", "GetRoutes"): _api("/{ApiId}/routes"),
    ("apigatewayv2", "GetIntegrations"): _api("/{ApiId}/integrations"),
    ("apigatewayv2", "GetStages"): _api("/{ApiId}/stages"),
    **{
        ("s3", op): lambda p: [_s3(p)]
        for op in (
            "ListBuckets",
            "HeadBucket",
            "ListObjectsV2",
            "ListObjectVersions",
            "GetBucketOwnershipControls",
            "GetBucketPolicy",
            "GetBucketTagging",
            "GetBucketWebsite",
            "GetPublicAccessBlock",
            "HeadObject",
            "GetObject",
        )
    },
}
# Reads a role grants on named resources that are checked by their action only, and why.
BY_ACTION_ONLY = {
    # The role's ARN has its path (/{project}/), which the call's RoleName does not carry.
    ("iam", "GetRole"),
    ("iam", "GetRolePolicy"),
    ("iam", "ListRolePolicies"),
    ("iam", "ListAttachedRolePolicies"),
    ("iam", "ListRoleTags"),
    # CloudFront's ARNs carry random ids: the roles name the account's distributions (and
    # the deploy and preview roles a tag condition), not the project's by name.
    ("cloudfront", "GetDistribution"),
    ("cloudfront", "GetInvalidation"),
    ("cloudfront", "GetOriginAccessControl"),
    ("cloudfront", "ListTagsForResource"),
}


def recorded(aws: Aws) -> list[Request]:
    """Every call ``aws`` makes from now on, with its parameters (its CallLog keeps the names
    only): the engine reaches AWS through ``aws.client`` alone (helper_rules.md)."""
    requests: list[Request] = []
    make = aws.client

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        requests.append((model.service_model.service_name, model.name, dict(params)))

    def client(service: str) -> Any:
        made = make(service)
        made.meta.events.register(
            "before-parameter-build", record, unique_id=f"resources-{id(requests)}"
        )
        return made

    aws.client = client  # type: ignore[method-assign]
    return requests


def _outside(policy: dict, requests: list[Request]) -> list[tuple[str, str]]:
    """(action, resource) of each read the policy does not allow on the resource it names."""
    out = set()
    for service, op, params in requests:
        resources = RESOURCE_OF.get((service, op), lambda _p: [])(params)
        action = iam_actions(service, op)[0] if resources else ""
        out.update((action, r) for r in resources if not allowed(policy, action, r))
    return sorted(out)


ROLES = {
    "plan": PLAN,
    "deploy": DEPLOY,
    "preview": preview_permissions_policy(replace(T, previews=True)),
}


# What a role may do on "*" that the engine does not call itself, and who does. An action AWS
# only authorizes besides the engine's own (IMPLIED) counts as not called here: who calls it
# is said, not taken from the operation that brings it along.
STAR_NOT_CALLED = {
    "cloudwatch:DescribeAlarms": "Application Auto Scaling, as the deploy role",
    **dict.fromkeys(
        LOG_DELIVERY_ON_ANY,
        "API Gateway, as the deploy or preview role, when CreateStage/UpdateStage set"
        " AccessLogSettings (it sets up the access log's delivery in the caller's name)",
    ),
}


def _needed(service_prefix: str) -> set[str]:
    """Every IAM action of ``service_prefix`` the engine's calls need: their own and what AWS
    authorizes with them (IMPLIED). Not the older names of CloudWatch Logs' tag calls
    (logs:TagLogGroup, logs:ListTagsLogGroup, APIs "on the path to deprecation"): the engine
    calls TagResource and ListTagsForResource, and a CreateLogGroup with tags needs "either
    logs:TagResource or logs:TagLogGroup" (its API reference), so the older two were granted
    for no call."""
    return {a for call in CALLS for a in iam_actions(*call) if a.startswith(service_prefix)}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_action_on_every_resource_is_one_the_engine_calls(role: str) -> None:
    """A grant on "*" reaches the whole account: none is there for a call nobody makes
    (tag:GetResources listed every tagged resource of the account with its tags).

    CloudWatch Logs also on the named log groups: the role's logs actions are among those the
    engine's calls need, and the deploy role's are exactly those. logs:GetLogEvents and
    logs:DescribeLogStreams were granted for `deploy logs`, which calls FilterLogEvents alone
    (its API reference: it needs logs:FilterLogEvents, nothing else)."""
    called = {iam_actions(service, op)[0] for service, op in CALLS if iam_actions(service, op)}
    for st in statements(ROLES[role]):
        if resource_is_anything(st):
            for action in actions_of(st):
                assert action in called or action in STAR_NOT_CALLED, (st["Sid"], action)
    logs = {a for st in statements(ROLES[role]) for a in actions_of(st) if a.startswith("logs:")}
    assert sorted(logs - _needed("logs:")) == []
    if role == "deploy":
        assert logs == _needed("logs:")


def test_every_read_a_role_grants_on_named_resources_is_checked_by_resource() -> None:
    """A read the plan role grants on named resources only (not on "*") that RESOURCE_OF
    cannot place would be checked by its action only: a read of another project's resource
    would pass unseen."""
    for service, op in sorted(OBSERVED):
        action = iam_actions(service, op)[0]
        if allowed(PLAN, action, "*"):
            continue
        assert (service, op) in RESOURCE_OF or (service, op) in BY_ACTION_ONLY, (service, op)
    assert set(RESOURCE_OF) & BY_ACTION_ONLY == set()


SM = f"arn:aws:sagemaker:{T.region}:{T.account}"
FOREIGN_READS: list[Request] = [
    ("sagemaker", "ListTags", {"ResourceArn": f"{SM}:model/other-m-0123abcd"}),
    ("sagemaker", "ListTags", {"ResourceArn": f"{SM}:endpoint/fraud-scoring"}),
    ("sagemaker", "DescribeModel", {"ModelName": "fraud-scoring"}),
    ("ecr", "DescribeImages", {"repositoryName": "payroll", "imageIds": []}),
    ("ecr", "GetLifecyclePolicy", {"repositoryName": f"{T.project}x"}),
    ("ecr", "ListTagsForResource", {"resourceArn": _arn("ecr", "repository/payroll")}),
    ("logs", "ListTagsForResource", {"resourceArn": _arn("logs", "log-group:/aws/lambda/x")}),
    ("lambda", "GetFunction", {"FunctionName": "payroll-export"}),
    ("s3", "GetObject", {"Bucket": "someone-elses", "Key": "secret"}),
]


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("request_", FOREIGN_READS, ids=lambda r: f"{r[0]}:{r[1]}")
def test_a_read_of_another_projects_resource_is_outside_every_role(
    role: str, request_: Request
) -> None:
    """What the recorded calls are held to: a read the engine made on anything but the
    project's own would fail the tests below."""
    assert _outside(ROLES[role], [request_]) != []


def test_a_listing_that_names_nothing_needs_star_and_has_it() -> None:
    listing: Request = ("ecr", "DescribeRepositories", {})
    for role in ROLES.values():
        assert _outside(role, [listing]) == []
    assert _outside({"Statement": []}, [listing]) == [("ecr:DescribeRepositories", "*")]


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
    # The four runs share one set of clients (made once, not ~12 per run): its call log and
    # the recorded requests are then every run's calls, in order, from the first one on.
    aws = engine(project).aws
    requests = recorded(aws)
    engine(project, aws=aws).apply()
    engine(project, image=IMAGE2, aws=aws).apply()
    (project / "site" / "dist" / "style.css").unlink()
    (project / "lambda" / "helpers.py").write_text("X = 3\n")
    cfg.write_text(
        cfg.read_text()
        .replace("ml.m5.large", "ml.c5.large")
        .replace("http://localhost:8000", "https://example.org")
    )
    engine(project, image=IMAGE2, aws=aws).apply()
    engine(project, aws=aws).destroy()
    calls = aws.log.calls
    assert len({o for _, o in calls}) > 40
    assert "lambda:CreateFunction" in _missing({"Statement": []}, calls)  # the check can fail
    assert _missing(DEPLOY, calls) == []
    assert set(calls) <= set(CALLS), "the static scan missed calls the engine made"
    assert {(s, o) for s, o, _ in requests} == set(calls)
    assert ("sagemaker", "ListTags") in {(s, o) for s, o, _ in requests}
    assert _outside(DEPLOY, requests) == []


@pytest.mark.usefixtures("aws_env")
def test_plan_needs_only_read_calls_granted_to_the_plan_role(project: Path) -> None:
    engine(project).apply()
    eng = engine(project)
    requests = recorded(eng.aws)
    eng.plan()
    assert eng.aws.log.mutating == []
    assert _missing(PLAN, eng.aws.log.calls) == []
    read = {(s, o) for s, o, _ in requests}
    assert {("sagemaker", "ListTags"), ("ecr", "ListTagsForResource")} <= read
    assert {("logs", "ListTagsForResource"), ("ecr", "GetLifecyclePolicy")} <= read
    assert _outside(PLAN, requests) == []
    # The check can fail: granted nothing, each read is outside, on the resource it named.
    outside = _outside({"Statement": []}, requests)
    assert ("sagemaker:ListTags", f"{SM}:endpoint/{T.project}") in outside
    assert ("ecr:GetLifecyclePolicy", _arn("ecr", f"repository/{T.project}")) in outside


@pytest.mark.usefixtures("aws_env")
def test_each_environments_plan_reads_only_endpoints_the_plan_role_grants(project: Path) -> None:
    """With environments and previews, an environment's plan reads its own endpoint and, for
    the quota warning, the project's other stacks' (ListEndpoints, then each by name): each
    configured environment's and each preview's are granted. The single deployment's name
    and an environment config.yaml does not name are not (the warning names such an endpoint
    as not counted, unreadable): the plan role used to read any ``{project}`` and
    ``{project}-*`` endpoint. Their configs alike (named as the engine names them, with a
    hash): it read any ``{project}-*`` config."""
    from deploy.config import load_config
    from deploy.engine import Engine
    from tests.deploy.deploy_helpers import ENVIRONMENTS, IMAGE, other_endpoint, session

    cfg = project / "config.yaml"
    cfg.write_text(cfg.read_text() + ENVIRONMENTS)
    plan = plan_permissions_policy(
        replace(T, environments=("staging", "production"), previews=True)
    )
    sm = session().client("sagemaker")
    m5 = {"InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    others = [f"{T.project}-{s}" for s in ("staging", "pr-7", "dev")]
    for name in [*others, T.project]:
        other_endpoint(sm, name, m5, config=f"{name}-c-0123abcd", project=T.project)
    requests: list[Request] = []
    for env in ("production", "staging"):
        eng = Engine(load_config(cfg, env), project, Aws(T.region, session()), image=IMAGE,
                     log=lambda _m: None, sleep=CLOCK.sleep, clock=CLOCK.now)  # fmt: skip
        seen = recorded(eng.aws)
        eng.plan()
        requests += seen
    read = {p["EndpointName"] for _s, op, p in requests if op == "DescribeEndpoint"}
    assert read == {*others, T.project, f"{T.project}-production"}, read
    denied = [
        (action, f"{SM}:{kind}/{n}{suffix}")
        for n in (T.project, others[2])
        for action, kind, suffix in [
            ("sagemaker:DescribeEndpoint", "endpoint", ""),
            ("sagemaker:DescribeEndpointConfig", "endpoint-config", "-c-0123abcd"),
            # whose it is, read of an endpoint that holds instances: reached here only
            # because the test server lets the DescribeEndpoint before it through
            ("sagemaker:ListTags", "endpoint", ""),
        ]
    ]
    assert _outside(plan, requests) == sorted(denied)


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize("env", [None, "pr-7"])
def test_logs_reads_only_log_groups_the_deploy_or_preview_role_grants(env: str | None) -> None:
    """`deploy logs` reads the gateway's access log beside the Lambda's and the endpoint's
    groups, and for --request-id the Lambda's again by Lambda's own id: every read names a
    group of the stack that its role grants logs:FilterLogEvents on."""
    from deploy.log_search import logs
    from tests.deploy.deploy_helpers import session

    names = Names(T.project, T.account, T.region, env)
    role = preview_permissions_policy(T) if env else DEPLOY
    client = session().client("logs")
    for group in names.log_groups:
        client.create_log_group(logGroupName=group)
    line = '{"request_id":"Id1==","integration_request_id":"473bf6b5-a689"}'
    client.create_log_stream(logGroupName=names.api_log_group, logStreamName="s")
    event = {"timestamp": int(time.time() * 1000), "message": line}
    client.put_log_events(logGroupName=names.api_log_group, logStreamName="s", logEvents=[event])
    aws = Aws(T.region, session())
    requests = recorded(aws)
    logs(aws, names, 0, request_id="Id1==")
    read = [p["logGroupName"] for _s, op, p in requests if op == "FilterLogEvents"]
    assert sorted(read) == sorted([*names.log_groups, names.lambda_log_group]), read
    assert _missing(role, aws.log.calls) == []
    assert _outside(role, requests) == []
    assert _outside({"Statement": []}, requests) != []  # the check can fail


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
    from deploy.bootstrap.apply import apply as bootstrap_apply
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
    requests: list[Request] = []
    for step in ("apply", "scale", "destroy"):
        if step == "scale":  # the template's concurrency changed: scaled in place
            text = cfg_path.read_text().replace("preview: {}\n", "")
            cfg_path.write_text(text + "preview: {endpoint: {serverless: {max_concurrency: 2}}}\n")
        cfg = load_config_file(cfg_path).select("pr-7")
        # On the test server's clock (as deploy_helpers.engine): AWS's delays (IAM
        # propagation, CloudFront deploying) pass in no real time, with the same calls.
        eng = Engine(cfg, project, Aws(T.region, session()), log=lambda _m: None,
                     sleep=CLOCK.sleep, clock=CLOCK.now)  # fmt: skip
        seen = recorded(eng.aws)
        if step == "destroy":
            assert eng.destroy()
        else:
            eng.image = eng.ensure_image()
            eng.apply()
        calls += eng.aws.log.calls
        requests += seen
    assert ("iam", "CreateRole") in calls and ("sagemaker", "DeleteEndpoint") in calls
    assert ("sagemaker", "UpdateEndpointWeightsAndCapacities") in calls
    assert _missing(preview_permissions_policy(T), calls) == []
    assert ("sagemaker", "ListTags") in {(s, o) for s, o, _ in requests}
    assert _outside(preview_permissions_policy(T), requests) == []


@pytest.mark.usefixtures("aws_env")
def test_status_with_previews_reads_only_what_the_deploy_and_plan_roles_may(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`status` without --env shows every environment, then each preview: with the deploy
    role too, which may read no preview's resources by name (ECR repository tags, endpoint,
    function...). What it says of a preview comes from listings on "*"."""
    from deploy.bootstrap.apply import apply as bootstrap_apply
    from deploy.cli import main
    from deploy.image import image_tag
    from tests.deploy.deploy_helpers import ENVIRONMENTS, push_fake_image, session

    cfg = project / "config.yaml"
    cfg.write_text(cfg.read_text() + ENVIRONMENTS)
    staged = replace(T, environments=("staging", "production"), previews=True)
    bootstrap_apply(Aws(T.region, session()), replace(staged, account=""))
    push_fake_image(f"{T.project}-pr-7", image_tag(project / "model"))
    assert main(["--config", str(cfg), "apply", "--env", "pr-7"]) == 0
    capsys.readouterr()
    requests: list[Request] = []  # every call of every Aws the command makes
    make = Aws.client

    def client(self: Aws, service: str) -> Any:
        made = make(self, service)

        def record(params: dict[str, Any], model: Any, **_: Any) -> None:
            requests.append((model.service_model.service_name, model.name, dict(params)))

        made.meta.events.register("before-parameter-build", record, unique_id="status-reads")
        return made

    monkeypatch.setattr(Aws, "client", client)
    assert main(["--config", str(cfg), "status"]) == 0
    out = capsys.readouterr().out
    assert "previews of trends-anomaly: 1" in out
    assert "pr-7: endpoint InService, api https://" in out and ".execute-api." in out
    assert ("sagemaker", "ListEndpoints") in {(s, o) for s, o, _ in requests}
    for policy in (deploy_permissions_policy(staged), plan_permissions_policy(staged)):
        assert _missing(policy, [(s, o) for s, o, _ in requests]) == []
    assert _outside(plan_permissions_policy(staged), requests) == []
    # One read the deploy role is refused, on purpose: each preview's function by name, so that
    # status counts what `previews list` names. Refused, status counts by the listings and
    # says so (tests/deploy/test_engine_environments.py, ..._may_not_read_a_previews_function).
    function = f"arn:aws:lambda:{T.region}:{T.account}:function:{T.project}-pr-7-detect"
    assert _outside(deploy_permissions_policy(staged), requests) == [
        ("lambda:GetFunction", function)
    ]
