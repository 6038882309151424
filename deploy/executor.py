"""Plan → AWS calls, in plan order, with waits and retries; clock and sleep are injectable.

Each handler is idempotent enough to be re-run after a crash: creates tolerate "already
exists" by converging, deletes tolerate "not found". Superseded SageMaker objects are deleted
only after the endpoint reached InService on the new config (they come last in the plan).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.exceptions

from deploy.aws import (
    Aws,
    DeployError,
    Endpoints,
    error_code,
    error_message,
    iam_propagation,
    lambda_busy,
    retry,
    tag_list,
)
from deploy.naming import SCALABLE_DIMENSION, Names
from deploy.planner import TRANSITIONAL
from deploy.sitesync import SiteFile, config_js
from deploy.state import Action

Hook = Callable[[int, Action], None]


@dataclass
class Context:
    """Live execution state: clients, names, ids learnt so far, time functions."""

    aws: Aws
    names: Names
    endpoints: Endpoints
    ids: dict[str, str] = field(default_factory=dict)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    log: Callable[[str], None] = print
    poll_s: float = 15.0
    build_context: str = "model"
    tags: dict[str, str] = field(default_factory=dict)
    endpoint_status: str | None = None

    def c(self, service: str) -> Any:
        return self.aws.client(service)


def _ignore(codes: tuple[str, ...], fn: Callable[[], Any]) -> Any:
    """Run fn; swallow the listed error codes (already exists / already gone)."""
    try:
        return fn()
    except botocore.exceptions.ClientError as err:
        msg = error_message(err)
        if error_code(err) in codes or any(c in msg for c in codes):
            return None
        raise


GONE = (
    "NoSuchEntity",
    "ResourceNotFoundException",
    "NotFoundException",
    "NoSuchBucket",
    "RepositoryNotFoundException",
    "ObjectNotFoundException",
    "NoSuchKey",
    "Could not find",
)
EXISTS = (
    "EntityAlreadyExists",
    "ResourceAlreadyExistsException",
    "ResourceConflictException",
    "RepositoryAlreadyExistsException",
    "BucketAlreadyOwnedByYou",
    "already exist",
)


# --- ECR / image -----------------------------------------------------------------------------
def ecr_repository(ctx: Context, a: Action) -> None:
    ecr = ctx.c("ecr")
    repo = ctx.names.ecr_repository
    if a.op == "create":
        _ignore(
            EXISTS,
            lambda: ecr.create_repository(
                repositoryName=repo,
                imageTagMutability="IMMUTABLE",
                imageScanningConfiguration={"scanOnPush": True},
                tags=tag_list(a.resource.tags),
            ),
        )
    if a.op in ("create", "update"):
        _converge_tags(ctx, a)
        if a.op == "update" and any(c.field == "image_tag_mutability" for c in a.changes):
            ecr.put_image_tag_mutability(repositoryName=repo, imageTagMutability="IMMUTABLE")
    elif a.op == "delete":
        _ignore(GONE, lambda: ecr.delete_repository(repositoryName=repo, force=True))


def image(ctx: Context, a: Action) -> None:
    """docker build + push; only planned when ECR lacks the content-hash tag."""
    if a.op != "create":
        return
    from deploy.image import build_and_push

    build_and_push(ctx.aws, ctx.names, a.name, ctx.build_context, ctx.log)


# --- logs / IAM ------------------------------------------------------------------------------
def log_group(ctx: Context, a: Action) -> None:
    logs = ctx.c("logs")
    if a.op == "delete":
        _ignore(GONE, lambda: logs.delete_log_group(logGroupName=a.name))
        return
    if a.op == "create":
        _ignore(EXISTS, lambda: logs.create_log_group(logGroupName=a.name, tags=a.resource.tags))
    changed = {c.field for c in a.changes}
    if a.op == "create" or "retention_days" in changed:
        logs.put_retention_policy(
            logGroupName=a.name, retentionInDays=a.resource.props["retention_days"]
        )
    if "tags" in changed:
        logs.tag_resource(resourceArn=ctx.names.log_group_arn(a.name), tags=a.resource.tags)


def iam_role(ctx: Context, a: Action) -> None:
    iam = ctx.c("iam")
    if a.op == "delete":
        meta = a.observed.meta if a.observed else {}
        for pol in meta.get("inline_policies") or []:
            _ignore(GONE, lambda p=pol: iam.delete_role_policy(RoleName=a.name, PolicyName=p))
        _refuse_attached(a.name, meta.get("attached") or [])
        _ignore(GONE, lambda: iam.delete_role(RoleName=a.name))
        return
    p = a.resource.props
    changed = {c.field for c in a.changes}
    if a.op == "create":
        _ignore(
            EXISTS,
            lambda: iam.create_role(
                RoleName=a.name,
                Path=p["path"],
                AssumeRolePolicyDocument=json.dumps(p["trust"]),
                Description=f"{ctx.names.project}: managed by the deploy engine",
                Tags=tag_list(a.resource.tags),
            ),
        )
    if a.op == "update" and "trust" in changed:
        iam.update_assume_role_policy(RoleName=a.name, PolicyDocument=json.dumps(p["trust"]))
    if a.op == "create" or "policy" in changed:
        iam.put_role_policy(
            RoleName=a.name,
            PolicyName=ctx.names.inline_policy,
            PolicyDocument=json.dumps(p["policy"]),
        )
    if "tags" in changed:
        iam.tag_role(RoleName=a.name, Tags=tag_list(a.resource.tags))
    if "other_policies" in changed and a.observed:
        # Least privilege: remove whatever was granted besides the engine's inline policy.
        others = a.observed.props.get("other_policies") or []
        for other in others:
            kind, _, ref = other.partition(":")
            if kind == "inline":
                _ignore(GONE, lambda r=ref: iam.delete_role_policy(RoleName=a.name, PolicyName=r))
        _refuse_attached(a.name, [o.split(":", 1)[1] for o in others if o.startswith("managed:")])
    if "path" in changed:
        raise DeployError(
            f"IAM role {a.name}: path differs ({p['path']} wanted); IAM cannot "
            "change a role's path: run `destroy --yes` then `apply`"
        )


def _refuse_attached(role: str, arns: list[str]) -> None:
    """Managed policies on our roles are drift; the deploy role may not detach them (by design:
    it cannot change IAM attachments at all), so say exactly what a human must do."""
    if arns:
        raise DeployError(
            f"IAM role {role}: managed policies attached outside config.yaml: {', '.join(arns)}. "
            f"Detach them (aws iam detach-role-policy --role-name {role} --policy-arn ARN), "
            "then run the command again"
        )


# --- SageMaker -------------------------------------------------------------------------------
def sagemaker_model(ctx: Context, a: Action) -> None:
    sm = ctx.c("sagemaker")
    if a.op in ("delete", "replace"):
        _ignore(GONE, lambda: sm.delete_model(ModelName=a.name))
        if a.op == "delete":
            return
    if a.op in ("create", "replace"):
        p = a.resource.props
        from deploy.image import check_manifest_media_type

        check_manifest_media_type(ctx.c("ecr"), p["image"], ctx.log)

        def create() -> None:
            _ignore(
                ("Cannot create already existing",),
                lambda: sm.create_model(
                    ModelName=a.name,
                    ExecutionRoleArn=p["role_arn"],
                    PrimaryContainer={"Image": p["image"], "Environment": p["environment"]},
                    Tags=tag_list(a.resource.tags),
                ),
            )

        retry(
            create, retryable=iam_propagation, what="create model", sleep=ctx.sleep, clock=ctx.clock
        )
    elif a.op == "update":
        _sm_tags(ctx, a)


def endpoint_config(ctx: Context, a: Action) -> None:
    sm = ctx.c("sagemaker")
    if a.op in ("delete", "replace"):
        _ignore(GONE, lambda: sm.delete_endpoint_config(EndpointConfigName=a.name))
        if a.op == "delete":
            return
    if a.op in ("create", "replace"):
        v = a.resource.props["variant"]
        pv: dict[str, Any] = {"VariantName": v["name"], "ModelName": v["model"]}
        if "serverless" in v:
            pv["ServerlessConfig"] = {
                "MemorySizeInMB": v["serverless"]["memory_mb"],
                "MaxConcurrency": v["serverless"]["max_concurrency"],
            }
        else:
            pv.update(
                InstanceType=v["instance_type"],
                InitialInstanceCount=v["instance_count"],
                InitialVariantWeight=1.0,
            )
        _ignore(
            ("Cannot create already existing",),
            lambda: sm.create_endpoint_config(
                EndpointConfigName=a.name, ProductionVariants=[pv], Tags=tag_list(a.resource.tags)
            ),
        )
    elif a.op == "update":
        _sm_tags(ctx, a)


def _sm_tags(ctx: Context, a: Action) -> None:
    if a.observed and a.observed.meta.get("arn"):
        ctx.c("sagemaker").add_tags(
            ResourceArn=a.observed.meta["arn"], Tags=tag_list(a.resource.tags)
        )


def deployment_config(d: dict[str, Any], timeout_s: int) -> dict[str, Any] | None:
    """UpdateEndpoint DeploymentConfig for the configured policy (None: SageMaker default)."""
    if d["strategy"] != "canary":
        return None
    cfg: dict[str, Any] = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": d["canary_percent"]},
                "WaitIntervalInSeconds": d["canary_wait_s"],
            },
            "TerminationWaitInSeconds": d["bake_s"],
            "MaximumExecutionTimeoutInSeconds": max(600, min(timeout_s, 14400)),
        }
    }
    if d["rollback_alarms"]:
        cfg["AutoRollbackConfiguration"] = {
            "Alarms": [{"AlarmName": n} for n in d["rollback_alarms"]]
        }
    return cfg


def wait_endpoint(ctx: Context, name: str, timeout_s: float, want: str | None) -> dict[str, Any]:
    """Poll until a terminal state; fail on Failed, timeout, or a silent rollback."""
    deadline = ctx.clock() + timeout_s
    last = None
    while True:
        ep = ctx.endpoints.describe(name)
        if ep is None:
            raise DeployError(f"endpoint {name}: disappeared while waiting for it")
        status = ep.get("EndpointStatus")
        if status != last:
            ctx.log(f"    endpoint {name}: {status} (config {ep.get('EndpointConfigName')})")
            last = status
        if status == "Failed":
            raise DeployError(
                f"endpoint {name}: Failed: {ep.get('FailureReason') or 'no reason given'}. "
                "Fix the cause (see `python -m deploy logs`), then run apply again: a Failed "
                "endpoint is deleted and re-created"
            )
        if status in ("InService", "OutOfService"):
            if want and ep.get("EndpointConfigName") != want:
                raise DeployError(
                    f"endpoint {name}: silent rollback: {status} on "
                    f"{ep.get('EndpointConfigName')} instead of the new {want}. Reason: "
                    f"{ep.get('FailureReason') or 'none reported (check the alarms and `logs`)'}"
                    ". The previous config is still serving; fix the model/config and apply "
                    "again"
                )
            if status == "OutOfService":
                raise DeployError(f"endpoint {name}: OutOfService; check `logs`")
            ctx.endpoint_status = status
            return ep
        if status not in TRANSITIONAL:
            raise DeployError(f"endpoint {name}: unexpected status {status}")
        if ctx.clock() >= deadline:
            raise DeployError(
                f"endpoint {name}: still {status} after {int(timeout_s)} s "
                "(endpoint.wait_timeout_s); apply again later to resume waiting"
            )
        ctx.sleep(ctx.poll_s)


def endpoint(ctx: Context, a: Action) -> None:
    name = a.name
    if a.op == "delete":
        ep = ctx.endpoints.describe(name)
        if ep is None:
            return
        if ep.get("EndpointStatus") in TRANSITIONAL - {"Deleting"}:
            wait_endpoint(ctx, name, 3600, None)
        _ignore(GONE, lambda: ctx.endpoints.delete(name))
        _wait_gone(ctx, name, 1800)
        return
    want = a.resource.props["config"]
    timeout = a.resource.data["wait_timeout_s"]
    ep = ctx.endpoints.describe(name)
    if ep and ep.get("EndpointStatus") in TRANSITIONAL:
        if ep.get("EndpointStatus") == "Deleting":
            _wait_gone(ctx, name, timeout)
            ep = None
        else:
            ep = wait_endpoint(ctx, name, timeout, None)
    if ep and ep.get("EndpointStatus") == "Failed":
        ctx.endpoints.delete(name)
        _wait_gone(ctx, name, timeout)
        ep = None
    if ep is None:
        ctx.endpoints.create(name, want, tag_list(a.resource.tags))
    elif ep.get("EndpointConfigName") != want:
        dep = deployment_config(a.resource.data["deployment"], timeout)
        ctx.endpoints.update(name, want, dep)
    wait_endpoint(ctx, name, timeout, want)
    if a.op == "update" and any(c.field == "tags" for c in a.changes):
        ctx.c("sagemaker").add_tags(
            ResourceArn=ctx.names.endpoint_arn, Tags=tag_list(a.resource.tags)
        )


def _wait_gone(ctx: Context, name: str, timeout_s: float) -> None:
    deadline = ctx.clock() + timeout_s
    while ctx.endpoints.describe(name) is not None:
        if ctx.clock() >= deadline:
            raise DeployError(f"endpoint {name}: still deleting after {int(timeout_s)} s")
        ctx.sleep(ctx.poll_s)


def scaling(ctx: Context, a: Action) -> None:
    aas = ctx.c("application-autoscaling")
    rid = a.name
    if a.op == "delete":
        _ignore(
            GONE,
            lambda: aas.delete_scaling_policy(
                PolicyName=ctx.names.scaling_policy,
                ServiceNamespace="sagemaker",
                ResourceId=rid,
                ScalableDimension=SCALABLE_DIMENSION,
            ),
        )
        _ignore(
            GONE,
            lambda: aas.deregister_scalable_target(
                ServiceNamespace="sagemaker", ResourceId=rid, ScalableDimension=SCALABLE_DIMENSION
            ),
        )
        return
    p = a.resource.props
    aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=rid,
        ScalableDimension=SCALABLE_DIMENSION,
        MinCapacity=p["min_capacity"],
        MaxCapacity=p["max_capacity"],
    )
    aas.put_scaling_policy(
        PolicyName=ctx.names.scaling_policy,
        ServiceNamespace="sagemaker",
        ResourceId=rid,
        ScalableDimension=SCALABLE_DIMENSION,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": p["target"],
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
            },
            "ScaleInCooldown": p["scale_in_cooldown_s"],
            "ScaleOutCooldown": p["scale_out_cooldown_s"],
        },
    )


# --- Lambda ----------------------------------------------------------------------------------
def _wait_function(ctx: Context, name: str, timeout_s: float = 300) -> None:
    """Until State is Active and LastUpdateStatus is not InProgress."""
    lam = ctx.c("lambda")
    deadline = ctx.clock() + timeout_s
    while True:
        c = lam.get_function_configuration(FunctionName=name)
        if c.get("State") == "Failed" or c.get("LastUpdateStatus") == "Failed":
            raise DeployError(
                f"Lambda {name}: update failed: "
                f"{c.get('LastUpdateStatusReason') or c.get('StateReason')}"
            )
        if c.get("State", "Active") == "Active" and c.get("LastUpdateStatus") != "InProgress":
            return
        if ctx.clock() >= deadline:
            raise DeployError(f"Lambda {name}: update still in progress after {timeout_s} s")
        ctx.sleep(2)


def lambda_function(ctx: Context, a: Action) -> None:
    lam = ctx.c("lambda")
    name = a.name
    if a.op == "delete":
        _ignore(GONE, lambda: lam.delete_function(FunctionName=name))
        return
    p = a.resource.props
    conf = {
        "Runtime": p["runtime"],
        "Handler": p["handler"],
        "Role": p["role_arn"],
        "MemorySize": p["memory_mb"],
        "Timeout": p["timeout_s"],
        "Environment": {"Variables": p["environment"]},
    }

    if a.op == "create":
        try:
            retry(
                lambda: lam.create_function(
                    FunctionName=name,
                    Code={"ZipFile": a.resource.data["zip"]},
                    Publish=False,
                    Tags=a.resource.tags,
                    **conf,
                ),
                retryable=iam_propagation,
                what="create Lambda",
                sleep=ctx.sleep,
                clock=ctx.clock,
            )
        except botocore.exceptions.ClientError as err:
            if error_code(err) != "ResourceConflictException":
                raise
            # Created by a crashed run: converge like an update.
            lam.update_function_configuration(FunctionName=name, **conf)
            _wait_function(ctx, name)
            lam.update_function_code(FunctionName=name, ZipFile=a.resource.data["zip"])
        _wait_function(ctx, name)
        return
    changed = {c.field for c in a.changes}
    busy = {
        "retryable": lambda e: iam_propagation(e) or lambda_busy(e),
        "sleep": ctx.sleep,
        "clock": ctx.clock,
    }
    if changed & {"runtime", "handler", "role_arn", "memory_mb", "timeout_s", "environment"}:
        _wait_function(ctx, name)
        retry(
            lambda: lam.update_function_configuration(FunctionName=name, **conf),
            what="update Lambda configuration",
            **busy,
        )
        _wait_function(ctx, name)
    if "code_sha256" in changed:
        _wait_function(ctx, name)
        retry(
            lambda: lam.update_function_code(FunctionName=name, ZipFile=a.resource.data["zip"]),
            what="update Lambda code",
            **busy,
        )
        _wait_function(ctx, name)
    if "tags" in changed:
        lam.tag_resource(Resource=ctx.names.function_arn, Tags=a.resource.tags)


def lambda_permission(ctx: Context, a: Action) -> None:
    lam = ctx.c("lambda")
    if a.op in ("update", "delete"):
        _ignore(
            GONE, lambda: lam.remove_permission(FunctionName=ctx.names.function, StatementId=a.name)
        )
        if a.op == "delete":
            return
    lam.add_permission(
        FunctionName=ctx.names.function,
        StatementId=a.name,
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=ctx.names.api_execute_arn(ctx.ids["api_id"]),
    )


# --- API Gateway -----------------------------------------------------------------------------
def _cors(a: Action) -> dict[str, Any]:
    c = a.resource.props["cors"]
    return {
        "AllowOrigins": c["allow_origins"],
        "AllowMethods": c["allow_methods"],
        "AllowHeaders": c["allow_headers"],
        "MaxAge": c["max_age"],
    }


def http_api(ctx: Context, a: Action) -> None:
    gw = ctx.c("apigatewayv2")
    if a.op == "delete":
        _ignore(GONE, lambda: gw.delete_api(ApiId=a.observed.meta["api_id"]))
        if not a.observed.meta.get("duplicate"):
            ctx.ids.pop("api_id", None)
        return
    if a.op == "create":
        resp = gw.create_api(
            Name=a.name,
            ProtocolType="HTTP",
            CorsConfiguration=_cors(a),
            Tags=a.resource.tags,
            Description=f"{ctx.names.project}: POST /detect → Lambda",
        )
        ctx.ids["api_id"] = resp["ApiId"]
        return
    changed = {c.field for c in a.changes}
    if "cors" in changed:
        gw.update_api(ApiId=ctx.ids["api_id"], CorsConfiguration=_cors(a))
    if "tags" in changed:
        gw.tag_resource(
            ResourceArn=f"arn:aws:apigateway:{ctx.names.region}::/apis/{ctx.ids['api_id']}",
            Tags=a.resource.tags,
        )


def api_integration(ctx: Context, a: Action) -> None:
    gw = ctx.c("apigatewayv2")
    if a.op == "delete":
        m = a.observed.meta
        _ignore(
            GONE,
            lambda: gw.delete_integration(ApiId=m["api_id"], IntegrationId=m["integration_id"]),
        )
        return
    p = a.resource.props
    kw = {
        "IntegrationType": p["type"],
        "IntegrationUri": p["uri"],
        "PayloadFormatVersion": p["payload_format"],
        "TimeoutInMillis": p["timeout_ms"],
    }
    if a.op == "create":
        resp = gw.create_integration(ApiId=ctx.ids["api_id"], IntegrationMethod="POST", **kw)
        ctx.ids["integration_id"] = resp["IntegrationId"]
    else:
        gw.update_integration(
            ApiId=ctx.ids["api_id"], IntegrationId=ctx.ids["integration_id"], **kw
        )


def api_route(ctx: Context, a: Action) -> None:
    gw = ctx.c("apigatewayv2")
    target = f"integrations/{ctx.ids['integration_id']}"
    if a.op == "create":
        gw.create_route(ApiId=ctx.ids["api_id"], RouteKey=a.name, Target=target)
    elif a.op == "update":
        gw.update_route(ApiId=ctx.ids["api_id"], RouteId=a.observed.meta["route_id"], Target=target)


def api_stage(ctx: Context, a: Action) -> None:
    gw = ctx.c("apigatewayv2")
    p = a.resource.props
    settings = {
        "ThrottlingRateLimit": p["throttle_rate"],
        "ThrottlingBurstLimit": p["throttle_burst"],
    }
    if a.op == "create":
        gw.create_stage(
            ApiId=ctx.ids["api_id"],
            StageName=a.name,
            AutoDeploy=True,
            DefaultRouteSettings=settings,
            Tags=ctx.tags,
        )
    elif a.op == "update":
        gw.update_stage(
            ApiId=ctx.ids["api_id"],
            StageName=a.name,
            AutoDeploy=True,
            DefaultRouteSettings=settings,
        )


# --- S3 site ---------------------------------------------------------------------------------
def s3_bucket(ctx: Context, a: Action) -> None:
    s3 = ctx.c("s3")
    b = a.name
    if a.op == "delete":
        _ignore(GONE, lambda: s3.delete_bucket(Bucket=b))
        return
    p = a.resource.props
    changed = {c.field for c in a.changes}
    if a.op == "create":
        kw: dict[str, Any] = {}
        if ctx.names.region != "us-east-1":
            kw["CreateBucketConfiguration"] = {"LocationConstraint": ctx.names.region}
        _ignore(EXISTS, lambda: s3.create_bucket(Bucket=b, **kw))
    every = a.op == "create"
    if every or "ownership" in changed:
        s3.put_bucket_ownership_controls(
            Bucket=b, OwnershipControls={"Rules": [{"ObjectOwnership": p["ownership"]}]}
        )
    if every or "tags" in changed:
        s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": tag_list(a.resource.tags)})
    if every or "public_access_block" in changed:
        s3.put_public_access_block(
            Bucket=b, PublicAccessBlockConfiguration=p["public_access_block"]
        )
    if every or "website" in changed:
        s3.put_bucket_website(
            Bucket=b,
            WebsiteConfiguration={
                "IndexDocument": {"Suffix": p["website"]["index"]},
                "ErrorDocument": {"Key": p["website"]["error"]},
            },
        )
    if every or "policy" in changed:
        s3.put_bucket_policy(Bucket=b, Policy=json.dumps(p["policy"]))


def site_object(ctx: Context, a: Action) -> None:
    s3 = ctx.c("s3")
    b = ctx.names.bucket
    if a.op == "delete":
        s3.delete_object(Bucket=b, Key=a.name)
        return
    f: SiteFile = a.resource.data["file"]
    if f.body is not None or f.path is None:
        body = config_js(ctx.names.api_url(ctx.ids["api_id"]))
    else:
        body = Path(f.path).read_bytes()
    s3.put_object(
        Bucket=b, Key=f.key, Body=body, ContentType=f.content_type, CacheControl=f.cache_control
    )


HANDLERS: dict[str, Callable[[Context, Action], None]] = {
    "ecr_repository": ecr_repository,
    "image": image,
    "log_group": log_group,
    "iam_role": iam_role,
    "sagemaker_model": sagemaker_model,
    "endpoint_config": endpoint_config,
    "endpoint": endpoint,
    "scaling": scaling,
    "lambda_function": lambda_function,
    "lambda_permission": lambda_permission,
    "http_api": http_api,
    "api_integration": api_integration,
    "api_route": api_route,
    "api_stage": api_stage,
    "s3_bucket": s3_bucket,
    "site_object": site_object,
}


def _converge_tags(ctx: Context, a: Action) -> None:
    if a.op == "update" and any(c.field == "tags" for c in a.changes):
        ctx.c("ecr").tag_resource(
            resourceArn=ctx.names.ecr_repository_arn, tags=tag_list(a.resource.tags)
        )


def execute(ctx: Context, actions: list[Action], hook: Hook | None = None) -> list[Action]:
    """Run every non-noop action in order; returns the ones done. `hook` runs after each."""
    done: list[Action] = []
    todo = [a for a in actions if a.op != "noop"]
    for i, a in enumerate(todo, 1):
        ctx.log(f"[{i}/{len(todo)}] {a.op} {a.type} {a.name}: {a.reason}")
        try:
            HANDLERS[a.type](ctx, a)
        except DeployError:
            raise
        except botocore.exceptions.ClientError as err:
            raise DeployError(
                f"{a.op} {a.type} {a.name}: AWS said {error_code(err)}: {error_message(err)}. "
                "Nothing is left half-recorded: fix the cause and run apply again (it resumes "
                "from what exists)"
            ) from err
        done.append(a)
        if hook:
            hook(i, a)
    return done


def run_subprocess(cmd: list[str], log: Callable[[str], None], stdin: bytes | None = None) -> None:
    """Run a command, failing with its output (used for docker)."""
    log("    $ " + " ".join(cmd))
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise DeployError(
            f"{cmd[0]} not found: building the model image needs Docker; install it, or pass "
            "--image URI (a prebuilt image) to plan/apply"
        ) from None
    if proc.returncode != 0:
        raise DeployError(
            f"`{' '.join(cmd[:3])} ...` failed ({proc.returncode}): "
            f"{proc.stderr.decode(errors='replace')[-2000:]}"
        )
