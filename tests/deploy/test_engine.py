"""The engine end to end: plan / apply / destroy against a moto server (real boto3 clients).

Every apply here also checks that it made exactly the calls its plan showed.
"""

from __future__ import annotations

import json
from pathlib import Path
from unittest.mock import ANY

import pytest

from deploy.aws import DeployError
from deploy.cli import main
from deploy.plan import Call
from deploy.resources import cdn
from deploy.resources.endpoint_config import PREVIOUS, SERVING
from tests.deploy.deploy_helpers import (
    IMAGE2,
    PROJECT,
    image_in_ecr,
    inventory,
    session,
)
from tests.deploy.deploy_helpers import edit_config as _edit
from tests.deploy.deploy_helpers import engine as fresh_engine

# This module makes ~110 engines: on the clients `shared_aws` makes once per moto server and
# region (a dozen, ~10 ms of CPU each, holding nothing of a deploy). Their call log is shared:
# `apply` below reads only the calls after its start; a test that reads an engine's whole
# log makes it with `fresh_engine`.
from tests.deploy.deploy_helpers import shared_engine as engine

pytestmark = pytest.mark.usefixtures("aws_env")
ACCOUNT = "123456789012"
BUCKET = f"{PROJECT}-site-{ACCOUNT}-us-east-1"
BPA_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def ops(planned) -> list[tuple[str, str, str]]:
    return [(a.op, a.kind, a.name) for a in planned.actions if a.op != "noop"]


def _runs(calls: list) -> list:
    return [c for i, c in enumerate(calls) if i == 0 or calls[i - 1] != c]


def apply(eng, planned=None):
    """Apply, and check the mutating calls made are exactly the plan's calls, in order."""
    planned = planned or eng.plan()
    before = len(eng.aws.log.calls)
    summary = eng.apply(planned)
    made = [c for c in eng.aws.log.calls[before:] if c[1] != "GetCallerIdentity"]
    mutating = [c for c in made if not c[1].startswith(("Describe", "Get", "List", "Head"))]
    shown = [
        (step.service, step.operation)
        for a in planned.actions
        for step in a.steps
        if isinstance(step, Call)
    ]
    # A call retried while IAM propagates a new role (the test server plays that delay) is
    # one step of the plan: repeats in a row are collapsed on both sides.
    assert _runs(mutating) == _runs(shown), "apply made other calls than its plan showed"
    return summary


def test_apply_from_empty_creates_everything_wired_and_tagged(project: Path) -> None:
    summary = apply(engine(project))
    s = session()
    inv = inventory()
    assert inv["endpoints"] == [PROJECT]
    assert inv["functions"] == [f"{PROJECT}-detect"]
    assert inv["apis"] == [PROJECT]
    assert inv["buckets"] == [BUCKET]
    assert inv["iam_roles"] == [f"{PROJECT}-lambda", f"{PROJECT}-sagemaker"]
    assert len(inv["models"]) == len(inv["endpoint_configs"]) == 1
    assert summary["endpoint_status"] == "InService"
    api_id = summary["api_url"].split("//")[1].split(".")[0]
    site_origin = summary["site_url"]
    assert site_origin.startswith("https://") and site_origin.endswith(".cloudfront.net")

    # Lambda: env, timeout under the API cap, role; API: CORS incl. the site, throttling, route.
    fn = s.client("lambda").get_function(FunctionName=f"{PROJECT}-detect")
    assert fn["Configuration"]["Environment"]["Variables"]["ENDPOINT_NAME"] == PROJECT
    assert fn["Configuration"]["Timeout"] == 29
    assert fn["Tags"]["project"] == PROJECT
    gw = s.client("apigatewayv2")
    api = gw.get_api(ApiId=api_id)
    assert api["CorsConfiguration"]["AllowOrigins"] == sorted(
        ["http://localhost:8000", site_origin]
    )
    assert api["CorsConfiguration"]["ExposeHeaders"] == [
        "apigw-requestid",
        "retry-after",
    ]  # pages read it
    assert api["Tags"]["managed-by"] == "trends-anomaly-gitops"
    stage = gw.get_stage(ApiId=api_id, StageName="$default")
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 10.0
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 20
    routes = {r["RouteKey"]: r for r in gw.get_routes(ApiId=api_id)["Items"]}
    assert set(routes) == {"POST /detect", "GET /health"}
    assert len({r["Target"] for r in routes.values()}) == 1  # both go to the one integration
    route = routes["POST /detect"]
    integ = gw.get_integration(ApiId=api_id, IntegrationId=route["Target"].split("/")[1])
    assert integ["IntegrationType"] == "AWS_PROXY"
    assert integ["PayloadFormatVersion"] == "2.0"
    assert integ["IntegrationUri"].endswith(f":function:{PROJECT}-detect")
    policy = json.loads(s.client("lambda").get_policy(FunctionName=f"{PROJECT}-detect")["Policy"])
    arns = sorted(st["Condition"]["ArnLike"]["AWS:SourceArn"] for st in policy["Statement"])
    prefix = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api_id}/*/"
    assert arns == [f"{prefix}GET/health", f"{prefix}POST/detect"]  # exactly these routes

    # IAM least privilege on exact ARNs: the Lambda may invoke only this endpoint.
    iam = s.client("iam")
    doc = iam.get_role_policy(
        RoleName=f"{PROJECT}-lambda", PolicyName=f"{PROJECT}-least-privilege"
    )["PolicyDocument"]
    invoke = [st for st in doc["Statement"] if st["Action"] == "sagemaker:InvokeEndpoint"]
    assert [st["Resource"] for st in invoke] == [
        f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/{PROJECT}"
    ]
    assert all(st["Resource"] != "*" for st in doc["Statement"])
    assert {t["Key"] for t in iam.list_role_tags(RoleName=f"{PROJECT}-lambda")["Tags"]} >= {
        "project",
        "managed-by",
    }

    # Site: a private bucket (four Block Public Access flags, no website hosting), read only
    # by the site's CloudFront distribution (OAC), which serves index.html over HTTPS.
    s3 = s.client("s3")
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(BPA_FLAGS, True)
    with pytest.raises(s3.exceptions.ClientError, match="NoSuchWebsiteConfiguration"):
        s3.get_bucket_website(Bucket=BUCKET)
    cf = s.client("cloudfront")
    (dist,) = cf.list_distributions()["DistributionList"]["Items"]
    assert site_origin == f"https://{dist['DomainName']}"
    bpol = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    assert [
        (st["Effect"], st["Principal"], st["Action"], st["Resource"], st.get("Condition"))
        for st in bpol["Statement"]
    ] == [
        (
            "Allow",
            {"Service": "cloudfront.amazonaws.com"},
            "s3:GetObject",
            f"arn:aws:s3:::{BUCKET}/*",
            {"StringEquals": {"AWS:SourceArn": dist["ARN"]}},
        ),
        (  # the deploy lock names who deploys: never served (deploy/lock.py)
            "Deny",
            {"Service": "cloudfront.amazonaws.com"},
            "s3:GetObject",
            f"arn:aws:s3:::{BUCKET}/.deploy/lock.json",
            None,
        ),
    ]
    config = cf.get_distribution(Id=dist["Id"])["Distribution"]["DistributionConfig"]
    (oac,) = cf.list_origin_access_controls()["OriginAccessControlList"]["Items"]
    (origin,) = config["Origins"]["Items"]
    assert origin["OriginAccessControlId"] == oac["Id"]
    assert origin["DomainName"] == f"{BUCKET}.s3.us-east-1.amazonaws.com"
    assert config["DefaultRootObject"] == "index.html"
    assert config["ViewerCertificate"]["CloudFrontDefaultCertificate"] is True
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    uncached = {b["PathPattern"]: b["CachePolicyId"] for b in config["CacheBehaviors"]["Items"]}
    assert uncached == dict.fromkeys(("/index.html", "/config.js"), cdn.CACHING_DISABLED)
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == cdn.CACHING_OPTIMIZED
    assert cf.get_distribution(Id=dist["Id"])["Distribution"]["Status"] == "Deployed"
    heads = {
        k: s3.head_object(Bucket=BUCKET, Key=k)
        for k in ("index.html", "config.js", "assets/app-5QZ3YVJK.js", "style.css")
    }
    assert heads["index.html"]["ContentType"] == "text/html; charset=utf-8"
    assert heads["index.html"]["CacheControl"] == "no-cache"
    assert heads["config.js"]["CacheControl"] == "no-cache"
    assert heads["assets/app-5QZ3YVJK.js"]["CacheControl"].endswith("immutable")
    assert heads["style.css"]["CacheControl"] == "public, max-age=300"
    body = s3.get_object(Bucket=BUCKET, Key="config.js")["Body"].read().decode()
    assert body == (
        f'window.TRENDS_CONFIG = {{"apiUrl": "{summary["api_url"]}", '
        f'"maxUploadBytes": {4 * 1024 * 1024}}};\n'
    )

    # Every resource that takes tags carries the project tag.
    sm = s.client("sagemaker")
    for arn in (
        sm.describe_endpoint(EndpointName=PROJECT)["EndpointArn"],
        sm.list_models()["Models"][0]["ModelArn"],
        sm.list_endpoint_configs()["EndpointConfigs"][0]["EndpointConfigArn"],
    ):
        assert {"Key": "project", "Value": PROJECT} in sm.list_tags(ResourceArn=arn)["Tags"]
    ecr = s.client("ecr")
    repo_arn = ecr.describe_repositories(repositoryNames=[PROJECT])["repositories"][0][
        "repositoryArn"
    ]
    assert {"Key": "project", "Value": PROJECT} in ecr.list_tags_for_resource(resourceArn=repo_arn)[
        "tags"
    ]
    assert s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]
    for group in inventory()["log_groups"]:
        arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}"
        assert s.client("logs").list_tags_for_resource(resourceArn=arn)["tags"]["project"] == (
            PROJECT
        )


def test_the_service_roles_carry_their_boundary_and_an_older_stack_gets_it_in_place(
    project: Path,
) -> None:
    """The deploy role may write its roles' policies only on roles with their stack's
    boundary (bootstrap's policies.py): a first apply creates them with it, and a stack
    deployed before the boundary existed gets it on its roles in place (the same roles, no
    replacement), before any inline policy is written again."""
    apply(engine(project))
    iam = session().client("iam")
    boundary = f"arn:aws:iam::123456789012:policy/{PROJECT}/{PROJECT}-role-boundary"
    roles = (f"{PROJECT}-sagemaker", f"{PROJECT}-lambda")
    ids = {}
    for name in roles:
        role = iam.get_role(RoleName=name)["Role"]
        assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary, name
        ids[name] = role["RoleId"]
    for name in roles:  # the stack as an apply before the boundaries left it
        iam.delete_role_permissions_boundary(RoleName=name)
        assert "PermissionsBoundary" not in iam.get_role(RoleName=name)["Role"]
    upgrade = engine(project)
    planned = upgrade.plan()
    assert sorted(ops(planned)) == sorted(("update", "iam_role", name) for name in roles)
    calls = [s.operation for a in planned.actions for s in a.steps if isinstance(s, Call)]
    assert calls == ["PutRolePermissionsBoundary", "PutRolePermissionsBoundary"]
    apply(upgrade, planned)
    for name in roles:
        role = iam.get_role(RoleName=name)["Role"]
        assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary, name
        assert role["RoleId"] == ids[name], "the same role, not a new one"
    assert not engine(project).plan().changes


def test_a_stack_needs_the_boundary_bootstrap_makes(project: Path, capsys) -> None:
    """No boundary policy (bootstrap not run again since this change): IAM refuses the role,
    and the apply stops saying which policy is missing."""
    boundary = f"arn:aws:iam::123456789012:policy/{PROJECT}/{PROJECT}-role-boundary"
    session().client("iam").delete_policy(PolicyArn=boundary)
    image_in_ecr(project, IMAGE2)  # (else refused first, for the image)
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "apply", "--image", IMAGE2]) == 1
    said = capsys.readouterr()
    assert f"{PROJECT}-role-boundary does not exist or is not attachable" in said.err, said
    # Not "it disappeared after the plan was made: run the command again" (it fails the same
    # way again): bootstrap makes the boundary.
    assert "disappeared after the plan" not in said.err, said.err
    assert "python -m deploy bootstrap --github-repo OWNER/NAME" in said.err, said.err


def test_an_older_stack_without_the_boundary_policy_is_told_to_bootstrap(
    project: Path, capsys
) -> None:
    """A stack deployed before every stack's roles had a boundary, upgraded without running
    bootstrap again: PutRolePermissionsBoundary on its roles is refused with NoSuchEntity."""
    cfg = str(project / "config.yaml")
    image_in_ecr(project, IMAGE2)
    assert main(["--config", cfg, "apply", "--image", IMAGE2]) == 0
    iam = session().client("iam")
    for name in (f"{PROJECT}-sagemaker", f"{PROJECT}-lambda"):
        iam.delete_role_permissions_boundary(RoleName=name)
    iam.delete_policy(
        PolicyArn=f"arn:aws:iam::123456789012:policy/{PROJECT}/{PROJECT}-role-boundary"
    )
    capsys.readouterr()
    assert main(["--config", cfg, "apply", "--image", IMAGE2]) == 1
    said = capsys.readouterr().err
    assert "disappeared after the plan" not in said, said
    assert "python -m deploy bootstrap --github-repo OWNER/NAME" in said, said


def test_second_apply_makes_no_mutating_call(project: Path, capsys) -> None:
    apply(engine(project))
    again = fresh_engine(project)  # its whole call log is read
    planned = again.plan()
    assert not planned.changes, ops(planned)
    summary = apply(again, planned)
    assert summary["changes"] == []
    assert again.aws.log.mutating == []
    calls = again.aws.log.calls
    assert calls and all(
        not op.startswith(("Create", "Put", "Update", "Delete")) for _, op in calls
    )
    with capsys.disabled():
        print(f"\n[no-change apply: {len(calls)} AWS calls, 0 mutating: {again.aws.log.summary()}]")


def test_instance_type_change_rolls_a_new_config_and_keeps_the_previous(project: Path) -> None:
    apply(engine(project))
    (old_cfg,) = inventory()["endpoint_configs"]
    _edit(project, "ml.m5.large", "ml.c5.xlarge")
    planned = engine(project).plan()
    changed = ops(planned)
    assert [t for _, t, _ in changed] == ["endpoint_config", "endpoint"]
    assert changed[0][0] == "create" and changed[1][0] == "update"
    apply(engine(project), planned)
    sm = session().client("sagemaker")
    ep = sm.describe_endpoint(EndpointName=PROJECT)
    assert ep["EndpointConfigName"] == changed[0][2]
    assert sorted(inventory()["endpoint_configs"]) == sorted([old_cfg, changed[0][2]])
    assert not engine(project).plan().changes
    # A third config supersedes the first: deleted only after the endpoint runs the third.
    _edit(project, "ml.c5.xlarge", "ml.c5.2xlarge")
    planned = engine(project).plan()
    assert [(o, t) for o, t, _ in ops(planned)] == [
        ("create", "endpoint_config"),
        ("update", "endpoint"),
        ("delete", "endpoint_config"),
    ]
    assert ops(planned)[2][2] == old_cfg
    apply(engine(project), planned)
    assert old_cfg not in inventory()["endpoint_configs"]
    assert len(inventory()["endpoint_configs"]) == 2
    assert len(inventory()["models"]) == 1


def test_instance_count_change_scales_the_running_endpoint_in_place(project: Path) -> None:
    """A new instance count is not a new fleet: the endpoint keeps its config and instances,
    and UpdateEndpointWeightsAndCapacities adds (or removes) instances; the next plan reads
    the count from the endpoint, not from its config, so it does not flap."""
    apply(engine(project))
    sm = session().client("sagemaker")
    (cfg,) = inventory()["endpoint_configs"]
    _edit(project, "  instance_count: 1\n", "  instance_count: 2\n")
    planned = engine(project).plan()
    assert ops(planned) == [("update", "endpoint", PROJECT)]
    (scale,) = [a for a in planned.actions if a.op != "noop"]
    assert scale.reason == (
        "scale endpoint variant main 1 → 2, in place, no new instances for the existing ones"
    )
    assert [c.field for c in scale.changes] == ["instance_count"]
    (call,) = [s for s in scale.steps if isinstance(s, Call)]
    assert (call.operation, call.params) == (
        "UpdateEndpointWeightsAndCapacities",
        {
            "EndpointName": PROJECT,
            "DesiredWeightsAndCapacities": [{"VariantName": "main", "DesiredInstanceCount": 2}],
        },
    )
    assert "InService with 2 instances" in scale.steps[-1].describe()
    apply(engine(project), planned)
    ep = sm.describe_endpoint(EndpointName=PROJECT)
    assert ep["EndpointConfigName"] == cfg  # the same config, the same fleet, one more
    (variant,) = ep["ProductionVariants"]
    assert (variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]) == (2, 2)
    assert inventory()["endpoint_configs"] == [cfg]
    assert not engine(project).plan().changes
    # Back to one, and an instance type change still rolls a new fleet (a new config).
    _edit(project, "  instance_count: 2\n", "  instance_count: 1\n")
    assert ops(engine(project).plan()) == [("update", "endpoint", PROJECT)]
    _edit(project, "ml.m5.large", "ml.c5.xlarge")
    planned = engine(project).plan()
    assert [(o, t) for o, t, _ in ops(planned)] == [
        ("create", "endpoint_config"),
        ("update", "endpoint"),
    ]
    (switch,) = [a for a in planned.actions if a.kind == "endpoint" and a.op == "update"]
    assert next(s.operation for s in switch.steps if isinstance(s, Call)) == "UpdateEndpoint"
    apply(engine(project), planned)
    (variant,) = sm.describe_endpoint(EndpointName=PROJECT)["ProductionVariants"]
    assert variant["CurrentInstanceCount"] == 1
    assert not engine(project).plan().changes


def test_plan_warns_when_a_change_multiplies_the_endpoints_hourly_bill(project: Path) -> None:
    """instance_count 1 → 4 is four times the bill of an endpoint billed every hour it exists;
    a GPU type is several times a CPU one. The plan showed the change, never what it costs:
    now it warns (advice in the plan and the pull request's comment, not a gate)."""
    apply(engine(project))
    assert engine(project).plan().warnings == []
    _edit(project, "  instance_count: 1\n", "  instance_count: 4\n")
    (warning,) = engine(project).plan().warnings
    assert "1 × ml.m5.large to 4 × ml.m5.large, billed every hour it exists" in warning
    assert "about 4× its hourly bill" in warning
    _edit(project, "  instance_count: 4\n", "  instance_count: 1\n")
    _edit(project, "ml.m5.large", "ml.g5.xlarge")
    warnings = engine(project).plan().warnings  # with the quota's: its default is 0
    assert [w for w in warnings if "ml.g5.xlarge is an accelerated (GPU/Inferentia" in w]


def test_serverless_max_concurrency_changes_in_place_and_memory_rolls_a_new_config(
    project: Path,
) -> None:
    """UpdateEndpointWeightsAndCapacities' ServerlessUpdateConfig has MaxConcurrency (and
    ProvisionedConcurrency), not the memory: a new max_concurrency is updated on the running
    endpoint, same config; the next plan reads it from the endpoint and does not flap; a new
    memory_mb still needs a new config and UpdateEndpoint."""
    _edit(
        project,
        "  instance_type: ml.m5.large\n  instance_count: 1\n",
        "  serverless: {memory_mb: 2048, max_concurrency: 4}\n",
    )
    apply(engine(project))
    sm = session().client("sagemaker")
    (cfg,) = inventory()["endpoint_configs"]
    _edit(project, "max_concurrency: 4", "max_concurrency: 8")
    planned = engine(project).plan()
    assert ops(planned) == [("update", "endpoint", PROJECT)]
    (update,) = [a for a in planned.actions if a.op != "noop"]
    assert update.reason == (
        "update endpoint variant main max concurrency 4 → 8, in place, no new endpoint config"
    )
    (call,) = [s for s in update.steps if isinstance(s, Call)]
    assert (call.operation, call.params) == (
        "UpdateEndpointWeightsAndCapacities",
        {
            "EndpointName": PROJECT,
            "DesiredWeightsAndCapacities": [
                {"VariantName": "main", "ServerlessUpdateConfig": {"MaxConcurrency": 8}}
            ],
        },
    )
    apply(engine(project), planned)
    ep = sm.describe_endpoint(EndpointName=PROJECT)
    assert ep["EndpointConfigName"] == cfg
    (variant,) = ep["ProductionVariants"]
    assert variant["CurrentServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 8}
    assert inventory()["endpoint_configs"] == [cfg]
    assert not engine(project).plan().changes
    _edit(project, "memory_mb: 2048", "memory_mb: 3072")
    planned = engine(project).plan()
    assert [(o, t) for o, t, _ in ops(planned)] == [
        ("create", "endpoint_config"),
        ("update", "endpoint"),
    ]
    (new,) = [a for a in planned.actions if a.kind == "endpoint_config" and a.op == "create"]
    assert [c.field for c in new.changes] == ["variant.serverless.memory_mb"]
    apply(engine(project), planned)
    (variant,) = sm.describe_endpoint(EndpointName=PROJECT)["ProductionVariants"]
    assert variant["CurrentServerlessConfig"] == {"MemorySizeInMB": 3072, "MaxConcurrency": 8}
    assert not engine(project).plan().changes


def test_cors_change_updates_only_the_api(project: Path) -> None:
    apply(engine(project))
    _edit(project, "http://localhost:8000", "https://example.org")
    planned = engine(project).plan()
    assert ops(planned) == [("update", "http_api", PROJECT)]
    (a,) = [a for a in planned.actions if a.op != "noop"]
    assert [c.field for c in a.changes] == ["cors"]
    apply(engine(project), planned)
    ids = engine(project).plan().world.ids()
    cors = session().client("apigatewayv2").get_api(ApiId=ids["api_id"])["CorsConfiguration"]
    site_origin = f"https://{ids['distribution_domain']}"
    assert cors["AllowOrigins"] == sorted(["https://example.org", site_origin])


def test_throttling_change_updates_the_stage(project: Path) -> None:
    apply(engine(project))
    (project / "config.yaml").write_text(
        (project / "config.yaml").read_text() + "  throttling: {rate: 5, burst: 7}\n"
    )
    planned = engine(project).plan()
    assert ops(planned) == [("update", "api_stage", "$default")]
    apply(engine(project), planned)
    assert not engine(project).plan().changes


def test_the_api_logs_every_request_to_a_group_deploy_owns(project: Path) -> None:
    """What the gateway answers itself (404, 429, 413, its 30 s timeout) reaches no other
    log: the stage writes an access line per request into a log group apply created first,
    with retention and tags, named by its ARN without ':*'. A stage deployed before this
    (no access log, no group) gets both on its next apply, as plan shows; destroy removes
    the group (test_destroy_leaves_nothing_and_is_idempotent: no log group is left)."""
    from deploy.api_access_log import access_log_format

    group = f"/aws/vendedlogs/apigateway/{PROJECT}"
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}"
    summary = apply(engine(project))
    api_id = summary["api_url"].split("//")[1].split(".")[0]
    s = session()
    logs, gw = s.client("logs"), s.client("apigatewayv2")
    (found,) = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert found["logGroupName"] == group and found["retentionInDays"] == 14
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"]["project"] == PROJECT
    settings = gw.get_stage(ApiId=api_id, StageName="$default")["AccessLogSettings"]
    assert settings == {"DestinationArn": arn, "Format": access_log_format()}
    line = json.loads(settings["Format"])  # one JSON object: Logs Insights reads its fields
    assert line["request_id"] == "$context.requestId"  # the id the function's line carries

    # As a stack deployed before access logs: its stage logs nowhere, its group is missing.
    gw.update_stage(ApiId=api_id, StageName="$default", AccessLogSettings={})
    logs.delete_log_group(logGroupName=group)
    planned = engine(project).plan()
    assert ops(planned) == [("create", "log_group", group), ("update", "api_stage", "$default")]
    (stage,) = [a for a in planned.actions if a.kind == "api_stage"]
    assert [c.field for c in stage.changes] == ["access_log_destination", "access_log_format"]
    apply(engine(project), planned)
    assert gw.get_stage(ApiId=api_id, StageName="$default")["AccessLogSettings"] == settings
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"]
    assert not engine(project).plan().changes


def test_site_change_uploads_changed_deletes_gone_html_last(project: Path) -> None:
    apply(engine(project))
    dist = project / "site" / "dist"
    (dist / "style.css").write_text("body { margin: 1px }\n")
    (dist / "assets" / "app-5QZ3YVJK.js").unlink()
    (dist / "assets" / "app-7HG2KQ4P.js").write_text("console.log('v2');\n")
    (dist / "index.html").write_text('<script src="assets/app-7HG2KQ4P.js"></script>\n')
    planned = engine(project).plan()
    dist_id = planned.world.ids()["distribution_id"]
    assert ops(planned) == [
        ("create", "site_object", "assets/app-7HG2KQ4P.js"),
        ("update", "site_object", "style.css"),
        ("update", "site_object", "index.html"),
        ("create", "cdn_invalidation", dist_id),
        ("delete", "site_object", "assets/app-5QZ3YVJK.js"),
    ]
    (invalidation,) = [a for a in planned.actions if a.kind == "cdn_invalidation"]
    batch = invalidation.steps[0].params["InvalidationBatch"]
    # What CloudFront may have cached that changed or went: never the new hashed asset.
    assert batch["Paths"]["Items"] == ["/", "/assets/app-5QZ3YVJK.js", "/index.html", "/style.css"]
    apply(engine(project), planned)
    cf = session().client("cloudfront")
    (done,) = cf.list_invalidations(DistributionId=dist_id)["InvalidationList"]["Items"]
    assert done["Status"] == "Completed"  # the apply waited for it
    assert inventory()["objects"] == sorted(
        f"{BUCKET}/{k}" for k in ("assets/app-7HG2KQ4P.js", "config.js", "index.html", "style.css")
    )
    assert not engine(project).plan().changes


def test_new_image_makes_new_model_and_config_then_updates_endpoint(project: Path) -> None:
    apply(engine(project))
    planned = engine(project, image=IMAGE2).plan()
    assert [(o, t) for o, t, _ in ops(planned)] == [
        ("create", "sagemaker_model"),
        ("create", "endpoint_config"),
        ("update", "endpoint"),
    ]
    apply(engine(project, image=IMAGE2), planned)
    sm = session().client("sagemaker")
    cfg = sm.describe_endpoint(EndpointName=PROJECT)["EndpointConfigName"]
    model = sm.describe_endpoint_config(EndpointConfigName=cfg)["ProductionVariants"][0][
        "ModelName"
    ]
    assert sm.describe_model(ModelName=model)["PrimaryContainer"]["Image"] == IMAGE2
    assert len(inventory()["models"]) == 2  # the previous one is kept for rollback


def test_lambda_code_change_updates_only_the_function(project: Path) -> None:
    apply(engine(project))
    (project / "lambda" / "helpers.py").write_text("X = 2\n")
    planned = engine(project).plan()
    assert ops(planned) == [("update", "lambda_function", f"{PROJECT}-detect")]
    assert [
        c.field for c in planned.actions[[a.op for a in planned.actions].index("update")].changes
    ] == ["code_sha256"]
    (update,) = [a for a in planned.actions if a.op == "update"]
    assert update.steps[0].describe().startswith("lambda:UpdateFunctionCode")
    apply(engine(project), planned)
    assert not engine(project).plan().changes


def test_autoscaling_registered_after_and_deregistered_around_updates(project: Path) -> None:
    (project / "config.yaml").write_text(
        (project / "config.yaml")
        .read_text()
        .replace(
            "  instance_count: 1\n",
            "  instance_count: 1\n  autoscaling: {min_capacity: 1, max_capacity: 3}\n",
        )
    )
    planned = engine(project).plan()
    kinds = [t for _, t, _ in ops(planned)]
    assert kinds.index("scaling") == kinds.index("endpoint") + 1
    apply(engine(project), planned)
    assert inventory()["scaling"] == [f"endpoint/{PROJECT}/variant/main"]
    assert not engine(project).plan().changes
    _edit(project, "ml.m5.large", "ml.c5.xlarge")
    planned = engine(project).plan()
    assert [(o, t) for o, t, _ in ops(planned)] == [
        ("delete", "scaling"),  # before anything it depends on changes
        ("create", "endpoint_config"),
        ("update", "endpoint"),
        ("create", "scaling"),
    ]
    apply(engine(project), planned)
    assert inventory()["scaling"] == [f"endpoint/{PROJECT}/variant/main"]
    assert not engine(project).plan().changes


def test_destroy_leaves_nothing_and_is_idempotent(project: Path, capsys) -> None:
    _edit(project, "  instance_count: 1\n", "  instance_count: 1\n  autoscaling: {}\n")
    apply(engine(project))
    assert inventory()["scaling"]
    apply(engine(project, image=IMAGE2))  # two generations of model/config
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "destroy"]) == 1  # refuses without --yes
    assert main(["--config", cfg, "destroy", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Removed" in out and f"endpoint {PROJECT}" in out
    assert all(v == [] for v in inventory().values()), inventory()
    assert main(["--config", cfg, "destroy", "--yes"]) == 0
    assert "Nothing to destroy" in capsys.readouterr().out


def test_site_files_in_a_bucket_encrypted_with_kms_are_uploaded_once(project: Path) -> None:
    """S3's ETag is an object's MD5 only under SSE-S3 (or none): under SSE-KMS it is not
    (S3 API reference, Object.ETag), and the test server plays that. Files were compared by
    ETag, so a bucket that an account's policy turned to KMS had every file uploaded again by
    every apply, and the daily drift check never came back clean. Apply records each file's
    MD5 in its metadata and compares that."""
    apply(engine(project))
    s3 = session().client("s3")
    bucket = f"{PROJECT}-site-123456789012-us-east-1"
    kms = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [kms]})
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    for key in keys:  # as uploaded under KMS by a deploy before this one (no MD5 recorded)
        got = s3.get_object(Bucket=bucket, Key=key)
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=got["Body"].read(),
            ContentType=got["ContentType"],
            CacheControl=got.get("CacheControl", ""),
        )
    planned = engine(project).plan()
    assert {a.name for a in planned.actions if a.kind == "site_object" and a.op != "noop"}
    apply(engine(project), planned)
    again = engine(project).plan()
    assert [a.name for a in again.actions if a.kind == "site_object" and a.op != "noop"] == []
    assert not again.changes


def test_destroy_empties_a_bucket_someone_turned_versioning_on_for(project: Path) -> None:
    """Versioning turned on outside deploy (by hand, or an account's compliance remediation):
    deleting the objects leaves their versions and delete markers, and S3 refuses to delete a
    bucket that holds any (BucketNotEmpty). Destroy stopped there, every run, with the
    endpoint (deleted after the bucket) still running and billed."""
    apply(engine(project))
    s3 = session().client("s3")
    bucket = f"{PROJECT}-site-123456789012-us-east-1"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    apply(engine(project, image=IMAGE2))
    s3.put_object(Bucket=bucket, Key="config.js", Body=b"// an older version stays")
    engine(project).destroy()
    assert all(v == [] for v in inventory().values()), inventory()


def test_destroy_through_the_cli_deletes_a_versioned_bucket_its_lock_was_in(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's destroy holds its lock, an object in the bucket. Deleted after the bucket's
    versions, the lock's DeleteObject put a delete marker into a versioned bucket (S3 inserts
    one whether or not the key is there), and DeleteBucket then failed: BucketNotEmpty."""
    apply(engine(project))
    bucket = f"{PROJECT}-site-123456789012-us-east-1"
    s3 = session().client("s3")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "destroy", "--yes"]) == 0, capsys.readouterr().err
    assert all(v == [] for v in inventory().values()), inventory()


def test_without_image_flag_the_model_is_built_only_when_ecr_lacks_the_hash_tag(
    project: Path,
) -> None:
    from deploy.image import image_tag

    tag = image_tag(project / "model")
    planned = engine(project, image=None).plan()
    (img,) = [a for a in planned.actions if a.kind == "image"]
    assert img.op == "create" and img.name.endswith(f"/{PROJECT}:{tag}")
    build = img.steps[0].describe()
    assert (
        "docker build --force-rm --platform linux/amd64" in build or "docker buildx build" in build
    )
    assert f"docker push {img.name}" in build or f"name={img.name},push=true" in build
    (model,) = [a for a in planned.actions if a.kind == "sagemaker_model"]
    assert model.steps[-1].params["PrimaryContainer"]["Image"] == img.name
    # Once ECR has that tag (pushed by an earlier run), nothing is built.
    ecr = session().client("ecr")
    ecr.create_repository(repositoryName=PROJECT, tags=[{"Key": "project", "Value": PROJECT}])
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"digest": "sha256:" + "0" * 64},
        }
    )
    ecr.put_image(repositoryName=PROJECT, imageTag=tag, imageManifest=manifest)
    planned = engine(project, image=None).plan()
    assert [a.op for a in planned.actions if a.kind == "image"] == ["noop"]
    # A change in model/ changes the tag, hence the model, config and endpoint.
    (project / "model" / "serve").write_text("#!/bin/sh\n")
    assert image_tag(project / "model") != tag


def test_the_image_repository_expires_old_built_images_by_lifecycle_policy(project: Path) -> None:
    """Every merge that changes model/ pushes an image into the repository (shared by the
    environments, kept by their destroy); none was ever deleted. Apply puts ECR's lifecycle
    policy on it: the newest built images (src-<hash>) stay, older ones expire. A repository
    made before the policy existed gets it in place, and then the plan is clean."""
    apply(engine(project))
    ecr = session().client("ecr")
    text = ecr.get_lifecycle_policy(repositoryName=PROJECT)["lifecyclePolicyText"]
    kept, built = json.loads(text)["rules"]
    assert (kept["rulePriority"], built["rulePriority"]) == (1, 2)
    assert kept["selection"] == {  # first: a kept model's image (kept-<model>) never expires
        "tagStatus": "tagged",
        "tagPrefixList": ["kept-"],
        "countType": "imageCountMoreThan",
        "countNumber": 9999,
    }
    assert built["selection"] == {
        "tagStatus": "tagged",
        "tagPrefixList": ["src-"],
        "countType": "imageCountMoreThan",
        "countNumber": 20,
    }
    assert kept["action"] == built["action"] == {"type": "expire"}
    ecr.delete_lifecycle_policy(repositoryName=PROJECT)  # as before this release
    planned = engine(project).plan()
    assert ops(planned) == [("update", "ecr_repository", PROJECT)]
    (update,) = [a for a in planned.actions if a.op == "update"]
    assert [c.field for c in update.changes] == ["lifecycle_policy"]
    apply(engine(project), planned)
    assert json.loads(ecr.get_lifecycle_policy(repositoryName=PROJECT)["lifecyclePolicyText"])
    assert not engine(project).plan().changes
    # The policy of one rule (the built images') every repository had until the kept rule:
    # the next plan updates it in place.
    one_rule = json.dumps({"rules": [{**built, "rulePriority": 1}]})
    ecr.put_lifecycle_policy(repositoryName=PROJECT, lifecyclePolicyText=one_rule)
    planned = engine(project).plan()
    assert ops(planned) == [("update", "ecr_repository", PROJECT)]
    (update,) = [a for a in planned.actions if a.op == "update"]
    assert [c.field for c in update.changes] == ["lifecycle_policy"]
    apply(engine(project), planned)
    assert not engine(project).plan().changes


def test_serverless_endpoint_and_switch_back_to_instances(project: Path) -> None:
    instances = "  instance_type: ml.m5.large\n  instance_count: 1\n"
    serverless = "  serverless: {memory_mb: 3072, max_concurrency: 20}\n"
    _edit(project, instances, serverless)  # instance keys beside it are refused (ignored)
    apply(engine(project))
    sm = session().client("sagemaker")
    cfg = sm.describe_endpoint(EndpointName=PROJECT)["EndpointConfigName"]
    variant = sm.describe_endpoint_config(EndpointConfigName=cfg)["ProductionVariants"][0]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 3072, "MaxConcurrency": 20}
    env = sm.describe_model(ModelName=variant["ModelName"])["PrimaryContainer"]["Environment"]
    assert env["MODEL_MAX_PAYLOAD_BYTES"] == str(4 * 1024 * 1024)  # serverless carries 4 MB
    assert not engine(project).plan().changes
    _edit(project, serverless, instances)
    planned = engine(project).plan()
    (new,) = [a for a in planned.actions if a.kind == "endpoint_config" and a.op == "create"]
    assert {c.field for c in new.changes} == {
        "variant.serverless.memory_mb",
        "variant.instance_type",
        "variant.model",  # serverless's model is told its 4 MB body limit; this one is not
    }
    apply(engine(project), planned)
    model = sm.describe_endpoint_config(
        EndpointConfigName=sm.describe_endpoint(EndpointName=PROJECT)["EndpointConfigName"]
    )["ProductionVariants"][0]["ModelName"]
    env = sm.describe_model(ModelName=model)["PrimaryContainer"].get("Environment", {})
    assert "MODEL_MAX_PAYLOAD_BYTES" not in env
    assert not engine(project).plan().changes


def test_instances_to_serverless_replaces_the_endpoint_and_says_it_goes_down(
    project: Path,
) -> None:
    """SageMaker does not update an instance endpoint to a serverless config (the test server
    refuses it as SageMaker does): the plan deletes the endpoint and creates it again on the
    serverless config, warns that the API is down meanwhile, and keeps the instance config as
    the one to roll back to. UpdateEndpoint failed here, after the new model and config."""
    apply(engine(project))
    sm = session().client("sagemaker")
    before = sm.describe_endpoint(EndpointName=PROJECT)["EndpointConfigName"]
    _edit(
        project,
        "  instance_type: ml.m5.large\n  instance_count: 1\n",
        "  serverless: {memory_mb: 2048, max_concurrency: 5}\n",
    )
    planned = engine(project).plan()
    (action,) = [a for a in planned.actions if a.kind == "endpoint"]
    calls = [s.operation for s in action.steps if isinstance(s, Call)]
    assert action.op == "replace"
    assert calls == ["DeleteEndpoint", "CreateEndpoint", "AddTags"]
    assert "cannot update an instance endpoint to serverless" in action.reason
    # The plan's text shows the config's change once (it was listed twice).
    assert [(c.field, c.before, c.after) for c in action.changes] == [("config", before, ANY)]
    (warning,) = [w for w in planned.warnings if "goes down" in w]
    assert f"endpoint {PROJECT}" in warning and "503" in warning
    apply(engine(project), planned)
    ep = sm.describe_endpoint(EndpointName=PROJECT)
    assert ep["EndpointStatus"] == "InService" and ep["EndpointConfigName"] != before
    assert ep["ProductionVariants"][0]["CurrentServerlessConfig"]["MemorySizeInMB"] == 2048
    tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=ep["EndpointArn"])["Tags"]}
    assert tags[SERVING] == ep["EndpointConfigName"] and tags[PREVIOUS] == before
    sm.describe_endpoint_config(EndpointConfigName=before)  # kept for a rollback
    again = engine(project).plan()
    assert not again.changes and not [w for w in again.warnings if "goes down" in w]


def test_extra_permissions_on_a_role_are_drift_and_removed(project: Path) -> None:
    apply(engine(project))
    iam = session().client("iam")
    role = f"{PROJECT}-lambda"
    iam.put_role_policy(
        RoleName=role,
        PolicyName="debug",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    managed = iam.create_policy(
        PolicyName="broad",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    iam.attach_role_policy(RoleName=role, PolicyArn=managed["Policy"]["Arn"])
    # A managed attachment stops plan and apply with instructions (the bootstrap deploy role
    # deliberately has no iam:DetachRolePolicy), before any change: the extra inline policy
    # is not deleted first, as it was when apply stopped at the role's step.
    with pytest.raises(DeployError, match="detach-role-policy --role-name trends-anomaly-lambda"):
        engine(project).plan()
    assert sorted(iam.list_role_policies(RoleName=role)["PolicyNames"]) == [
        "debug",
        f"{PROJECT}-least-privilege",
    ]
    iam.detach_role_policy(RoleName=role, PolicyArn=managed["Policy"]["Arn"])
    planned = engine(project).plan()
    (a,) = [a for a in planned.actions if a.op != "noop"]
    assert (a.op, a.name, [c.field for c in a.changes]) == ("update", role, ["other_policies"])
    assert list(a.changes[0].before) == ["inline:debug"]
    apply(engine(project), planned)  # extra inline policies are deleted
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == [f"{PROJECT}-least-privilege"]
    assert not engine(project).plan().changes


def test_a_duplicate_api_from_a_lost_response_is_deleted(project: Path) -> None:
    apply(engine(project))
    gw = session().client("apigatewayv2")
    dup = gw.create_api(Name=PROJECT, ProtocolType="HTTP", Tags={"project": PROJECT})["ApiId"]
    gw.create_api(Name=PROJECT, ProtocolType="HTTP", Tags={"project": "someone-else"})
    planned = engine(project).plan()
    assert ops(planned) == [("delete", "http_api", f"{PROJECT}#{dup}")]
    apply(engine(project), planned)
    apis = gw.get_apis()["Items"]
    assert dup not in {a["ApiId"] for a in apis} and len(apis) == 2  # ours + the foreign one
    assert not engine(project).plan().changes


def test_an_authorizer_put_on_a_route_by_hand_is_drift_and_removed(project: Path) -> None:
    """The page calls the API without credentials: a route someone set to AWS_IAM (or JWT) by
    hand answers 403 to every visitor, so plan must show it and apply must set it back."""
    apply(engine(project))
    gw = session().client("apigatewayv2")
    api_id = engine(project).plan().world.ids()["api_id"]
    (health,) = [r for r in gw.get_routes(ApiId=api_id)["Items"] if r["RouteKey"] == "GET /health"]
    gw.update_route(ApiId=api_id, RouteId=health["RouteId"], AuthorizationType="AWS_IAM")
    planned = engine(project).plan()
    assert ops(planned) == [("update", "api_route", "GET /health")]
    (a,) = [a for a in planned.actions if a.op != "noop"]
    assert [(c.field, c.before, c.after) for c in a.changes] == [
        ("authorization_type", "AWS_IAM", "NONE")
    ]
    apply(engine(project), planned)
    route = gw.get_route(ApiId=api_id, RouteId=health["RouteId"])
    assert route["AuthorizationType"] == "NONE"
    assert not engine(project).plan().changes


def test_the_uploaded_page_may_connect_only_to_its_own_api(project: Path) -> None:
    """The built page's CSP allows any https: origin; the page in the bucket allows itself
    and the API this apply made (its id known only once created), and a second plan is
    empty: the pinned page is what the plan compares with."""
    (project / "site" / "dist" / "index.html").write_text(
        '<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src '
        "'self'; connect-src 'self' https: http://localhost:*\"><script src=\"config.js\">"
        "</script>\n"
    )
    apply(engine(project))
    s3 = session().client("s3")
    page = s3.get_object(Bucket=BUCKET, Key="index.html")["Body"].read().decode()
    (api,) = session().client("apigatewayv2").get_apis()["Items"]
    assert f"connect-src 'self' {api['ApiEndpoint']}\"" in page, page
    assert "https: " not in page and "localhost" not in page
    assert not engine(project).plan().changes


def test_destroy_goes_on_past_a_role_that_refuses_and_reports_it(project: Path, capsys) -> None:
    """A role someone put in an instance profile by hand (deploy neither makes nor reads
    instance profiles): IAM refuses DeleteRole with DeleteConflict. Destroy used to stop
    there (roles come after the model, config and Lambda); now it deletes every other
    resource, then exits 1 naming the role, AWS's code and message, and what to do."""
    _edit(project, "  instance_count: 1\n", "  instance_count: 1\n  autoscaling: {}\n")
    apply(engine(project))
    iam = session().client("iam")
    role = f"{PROJECT}-sagemaker"
    iam.create_instance_profile(InstanceProfileName="by-hand")
    iam.add_role_to_instance_profile(InstanceProfileName="by-hand", RoleName=role)
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "destroy", "--yes"]) == 1
    out, err = capsys.readouterr()
    left = {k: v for k, v in inventory().items() if v}
    assert left == {"iam_roles": [role]}, left  # everything else is gone, the Lambda's role too
    assert "Removed 18 resources:" in out and f"  - endpoint {PROJECT}" in out
    assert err.splitlines()[:3] == [
        "error: destroy could not delete 1 resource; it deleted every other one:",
        f"  - iam_role {role}: iam:DeleteRole failed: AWS said DeleteConflict: Cannot delete "
        "entity, must remove roles from instance profile first.",
        "    what to do: the name is taken or the resource is in a state that forbids this: "
        "check it in the AWS console; then run the command again: it reads AWS afresh and "
        "deletes what is left",
    ]
    iam.remove_role_from_instance_profile(InstanceProfileName="by-hand", RoleName=role)
    assert main(["--config", cfg, "destroy", "--yes"]) == 0  # the next run deletes what is left
    assert all(v == [] for v in inventory().values()), inventory()


def test_destroy_deletes_the_endpoint_before_the_site_api_and_lambda(project: Path) -> None:
    """The endpoint is billed by the hour; nothing else needs it gone first but its
    autoscaling. It used to be deleted after the site objects, the API and the CloudFront
    distribution (whose disable takes 15 minutes or more on AWS). Only the call that starts
    that disable comes before it, so those minutes pass while the endpoint is deleted."""
    _edit(project, "  instance_count: 1\n", "  instance_count: 1\n  autoscaling: {}\n")
    apply(engine(project))
    eng = fresh_engine(project)  # its whole call log is read
    eng.destroy()
    made = [op for _, op in eng.aws.log.mutating]
    endpoint = made.index("DeleteEndpoint")
    assert made[0] == "UpdateDistribution" and made.count("UpdateDistribution") == 1, made
    assert made.index("DeregisterScalableTarget") < endpoint
    for later in ("DeleteObject", "DeleteApi", "DeleteDistribution", "DeleteFunction"):
        assert endpoint < made.index(later), (later, made)


def test_every_page_response_carries_the_security_headers_policy(project: Path) -> None:
    """The distribution's behaviours attach CloudFront's managed SecurityHeadersPolicy (HSTS,
    nosniff, frame options, referrer policy), as AWS keeps it, and a second plan is empty."""
    from deploy.resources import cdn

    apply(engine(project))
    cf = session().client("cloudfront")
    (dist,) = cf.list_distributions()["DistributionList"]["Items"]
    config = cf.get_distribution_config(Id=dist["Id"])["DistributionConfig"]
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]["Items"]]
    assert {b.get("ResponseHeadersPolicyId") for b in behaviors} == {cdn.SECURITY_HEADERS}
    assert not engine(project).plan().changes
