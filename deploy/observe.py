"""AWS → World: what exists now, found by deterministic names and tags. Read-only calls only."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import botocore.exceptions

from deploy.aws import Aws, Endpoints, error_code, error_message, tag_dict
from deploy.naming import SCALABLE_DIMENSION, Names
from deploy.state import Observed, World

_MISSING = {
    "RepositoryNotFoundException",
    "ResourceNotFoundException",
    "NoSuchEntity",
    "NotFoundException",
    "NoSuchBucket",
    "NoSuchWebsiteConfiguration",
    "NoSuchPublicAccessBlockConfiguration",
    "NoSuchBucketPolicy",
    "NoSuchTagSet",
    "NoSuchTagSetError",
    "OwnershipControlsNotFoundError",
    "NoSuchKey",
    "404",
    "ImageNotFoundException",
}


def _missing(err: BaseException) -> bool:
    if not isinstance(err, botocore.exceptions.ClientError):
        return False
    return error_code(err) in _MISSING or "Could not find" in error_message(err)


def _get(fn: Any, **kwargs: Any) -> Any:
    """Call a read API; None when the thing does not exist."""
    try:
        return fn(**kwargs)
    except botocore.exceptions.ClientError as err:
        if _missing(err):
            return None
        raise


def _doc(value: Any) -> Any:
    """IAM returns policy documents URL-encoded JSON strings or already-parsed dicts."""
    if isinstance(value, str):
        return json.loads(unquote(value))
    return value


def variant_props(v: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": v.get("VariantName"), "model": v.get("ModelName")}
    if v.get("ServerlessConfig"):
        s = v["ServerlessConfig"]
        out["serverless"] = {
            "memory_mb": s.get("MemorySizeInMB"),
            "max_concurrency": s.get("MaxConcurrency"),
        }
    else:
        out["instance_type"] = v.get("InstanceType")
        out["instance_count"] = v.get("InitialInstanceCount")
    return out


class Observer:
    """Reads one project's resources. `want` names the hash-named things plan cares about."""

    def __init__(self, aws: Aws, names: Names, endpoints: Endpoints | None = None) -> None:
        self.aws = aws
        self.n = names
        self.endpoints = endpoints or Endpoints(aws)

    def world(
        self,
        want_model: str | None = None,
        want_config: str | None = None,
        image: tuple[str, str] | None = None,
    ) -> World:
        w = World(self.n.account, self.n.region)
        for obs in [
            *self.ecr(image),
            *self.log_groups(),
            *self.roles(),
            *self.sagemaker(want_model, want_config),
            *self.scaling(),
            *self.function(),
            *self.api(),
            *self.bucket(),
        ]:
            w.resources[obs.key] = obs
        return w

    # --- ECR ----------------------------------------------------------------------------------
    def ecr(self, image: tuple[str, str] | None) -> list[Observed]:
        ecr = self.aws.client("ecr")
        resp = _get(ecr.describe_repositories, repositoryNames=[self.n.ecr_repository])
        if not resp:
            return []
        repo = resp["repositories"][0]
        tags = tag_dict(ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"])
        out = [
            Observed(
                "ecr_repository",
                self.n.ecr_repository,
                {"image_tag_mutability": repo.get("imageTagMutability")},
                tags,
                {"arn": repo["repositoryArn"], "uri": repo["repositoryUri"]},
            )
        ]
        if image:
            uri, tag = image
            found = _get(
                ecr.describe_images,
                repositoryName=self.n.ecr_repository,
                imageIds=[{"imageTag": tag}],
            )
            if found and found.get("imageDetails"):
                out.append(Observed("image", uri, {"pushed": True}))
        return out

    # --- CloudWatch Logs ----------------------------------------------------------------------
    def log_groups(self) -> list[Observed]:
        logs = self.aws.client("logs")
        out = []
        for group in (self.n.endpoint_log_group, self.n.lambda_log_group):
            found = [
                g
                for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
                if g["logGroupName"] == group
            ]
            if not found:
                continue
            arn = self.n.log_group_arn(group)
            tags = logs.list_tags_for_resource(resourceArn=arn).get("tags", {})
            out.append(
                Observed(
                    "log_group", group, {"retention_days": found[0].get("retentionInDays")}, tags
                )
            )
        return out

    # --- IAM ----------------------------------------------------------------------------------
    def roles(self) -> list[Observed]:
        iam = self.aws.client("iam")
        out = []
        for role in (self.n.sagemaker_role, self.n.lambda_role):
            got = _get(iam.get_role, RoleName=role)
            if not got:
                continue
            r = got["Role"]
            tags = (
                tag_dict(r["Tags"])
                if "Tags" in r
                else tag_dict(iam.list_role_tags(RoleName=role)["Tags"])
            )
            pol = _get(iam.get_role_policy, RoleName=role, PolicyName=self.n.inline_policy)
            inline = list(iam.list_role_policies(RoleName=role)["PolicyNames"])
            attached = [
                x["PolicyArn"]
                for x in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
            ]
            # Anything granted besides our one inline policy is drift from least privilege.
            others = sorted(
                [f"inline:{x}" for x in inline if x != self.n.inline_policy]
                + [f"managed:{x}" for x in attached]
            )
            out.append(
                Observed(
                    "iam_role",
                    role,
                    {
                        "path": r["Path"],
                        "trust": _doc(r["AssumeRolePolicyDocument"]),
                        "policy": _doc(pol["PolicyDocument"]) if pol else None,
                        "other_policies": others,
                    },
                    tags,
                    {"arn": r["Arn"], "inline_policies": inline, "attached": attached},
                )
            )
        return out

    # --- SageMaker ----------------------------------------------------------------------------
    def _list(self, op: str, key: str, prefix: str) -> list[dict[str, Any]]:
        pages = self.aws.client("sagemaker").get_paginator(op).paginate(NameContains=prefix)
        return [item for page in pages for item in page[key]]

    def sagemaker(self, want_model: str | None, want_config: str | None) -> list[Observed]:
        sm = self.aws.client("sagemaker")
        n = self.n
        out: list[Observed] = []
        ep = self.endpoints.describe(n.endpoint)
        for c in self._list("list_endpoint_configs", "EndpointConfigs", f"{n.project}-c-"):
            name = c["EndpointConfigName"]
            if not n.endpoint_config_pattern.match(name):
                continue
            d = _get(sm.describe_endpoint_config, EndpointConfigName=name)
            if not d:
                continue
            variants = d.get("ProductionVariants", [])
            props = {"variant": variant_props(variants[0])} if variants else {}
            tags = None
            if name == want_config:
                tags = tag_dict(sm.list_tags(ResourceArn=c["EndpointConfigArn"])["Tags"])
            out.append(
                Observed(
                    "endpoint_config",
                    name,
                    props,
                    tags,
                    {
                        "arn": c["EndpointConfigArn"],
                        "created": c.get("CreationTime"),
                        "model": variants[0].get("ModelName") if variants else None,
                    },
                )
            )
        if ep:
            tags = tag_dict(sm.list_tags(ResourceArn=ep["EndpointArn"])["Tags"])
            out.append(
                Observed(
                    "endpoint",
                    n.endpoint,
                    {"config": ep.get("EndpointConfigName")},
                    tags,
                    {
                        "arn": ep["EndpointArn"],
                        "status": ep.get("EndpointStatus"),
                        "failure_reason": ep.get("FailureReason"),
                    },
                )
            )
        # Describe the wanted model and the one serving now (to explain what a new one changes).
        serving = ep.get("EndpointConfigName") if ep else None
        describe = {want_model} | {
            o.meta.get("model") for o in out if o.type == "endpoint_config" and o.name == serving
        }
        for m in self._list("list_models", "Models", f"{n.project}-m-"):
            if not n.model_pattern.match(m["ModelName"]):
                continue
            props: dict[str, Any] = {}
            tags = None
            if m["ModelName"] in describe:
                d = sm.describe_model(ModelName=m["ModelName"])
                c = d.get("PrimaryContainer", {})
                props = {
                    "image": c.get("Image"),
                    "role_arn": d.get("ExecutionRoleArn"),
                    "environment": c.get("Environment", {}),
                }
                if m["ModelName"] == want_model:
                    tags = tag_dict(sm.list_tags(ResourceArn=m["ModelArn"])["Tags"])
            out.append(
                Observed(
                    "sagemaker_model",
                    m["ModelName"],
                    props,
                    tags,
                    {"arn": m["ModelArn"], "created": m.get("CreationTime")},
                )
            )
        return out

    def scaling(self) -> list[Observed]:
        aas = self.aws.client("application-autoscaling")
        rid = self.n.scaling_resource_id
        targets = aas.describe_scalable_targets(
            ServiceNamespace="sagemaker", ResourceIds=[rid], ScalableDimension=SCALABLE_DIMENSION
        )["ScalableTargets"]
        if not targets:
            return []
        t = targets[0]
        pols = aas.describe_scaling_policies(
            ServiceNamespace="sagemaker",
            ResourceId=rid,
            ScalableDimension=SCALABLE_DIMENSION,
            PolicyNames=[self.n.scaling_policy],
        )["ScalingPolicies"]
        tt = pols[0].get("TargetTrackingScalingPolicyConfiguration", {}) if pols else {}
        return [
            Observed(
                "scaling",
                rid,
                {
                    "min_capacity": t["MinCapacity"],
                    "max_capacity": t["MaxCapacity"],
                    "target": tt.get("TargetValue"),
                    "scale_in_cooldown_s": tt.get("ScaleInCooldown"),
                    "scale_out_cooldown_s": tt.get("ScaleOutCooldown"),
                },
            )
        ]

    # --- Lambda -------------------------------------------------------------------------------
    def function(self) -> list[Observed]:
        lam = self.aws.client("lambda")
        got = _get(lam.get_function, FunctionName=self.n.function)
        if not got:
            return []
        c = got["Configuration"]
        out = [
            Observed(
                "lambda_function",
                self.n.function,
                {
                    "runtime": c.get("Runtime"),
                    "handler": c.get("Handler"),
                    "role_arn": c.get("Role"),
                    "memory_mb": c.get("MemorySize"),
                    "timeout_s": c.get("Timeout"),
                    "environment": c.get("Environment", {}).get("Variables", {}),
                    "code_sha256": c.get("CodeSha256"),
                },
                got.get("Tags", {}),
                {
                    "arn": c["FunctionArn"],
                    "state": c.get("State"),
                    "last_update": c.get("LastUpdateStatus"),
                },
            )
        ]
        pol = _get(lam.get_policy, FunctionName=self.n.function)
        if pol:
            for st in json.loads(pol["Policy"]).get("Statement", []):
                if st.get("Sid") != self.n.permission_sid:
                    continue
                principal = st.get("Principal", {})
                cond = st.get("Condition", {}).get("ArnLike", {})
                out.append(
                    Observed(
                        "lambda_permission",
                        self.n.permission_sid,
                        {
                            "principal": principal.get("Service")
                            if isinstance(principal, dict)
                            else principal,
                            "action": st.get("Action"),
                            "source_arn": cond.get("AWS:SourceArn"),
                        },
                    )
                )
        return out

    # --- API Gateway (HTTP API) -----------------------------------------------------------------
    def api(self) -> list[Observed]:
        gw = self.aws.client("apigatewayv2")
        apis, token = [], None
        while True:
            page = gw.get_apis(**({"NextToken": token} if token else {}))
            apis += page.get("Items", [])
            token = page.get("NextToken")
            if not token:
                break
        mine = [
            a
            for a in apis
            if a.get("Name") == self.n.api and a.get("Tags", {}).get("project") == self.n.project
        ]
        if len(mine) > 1:
            # Duplicates (a create whose response was lost): keep the wired one, then the oldest.
            def rank(a: dict[str, Any]) -> tuple[bool, str, str]:
                routes = gw.get_routes(ApiId=a["ApiId"]).get("Items", [])
                return (not routes, str(a.get("CreatedDate", "")), a["ApiId"])

            mine.sort(key=rank)
        out: list[Observed] = []
        for i, a in enumerate(mine):
            cors = a.get("CorsConfiguration") or {}
            props = {
                "cors": {
                    "allow_origins": sorted(cors.get("AllowOrigins", [])),
                    "allow_methods": sorted(cors.get("AllowMethods", [])),
                    "allow_headers": sorted(h.lower() for h in cors.get("AllowHeaders", [])),
                    "max_age": cors.get("MaxAge"),
                }
            }
            name = self.n.api if i == 0 else f"{self.n.api}#{a['ApiId']}"
            out.append(
                Observed(
                    "http_api",
                    name,
                    props,
                    a.get("Tags", {}),
                    {"api_id": a["ApiId"], "duplicate": i > 0, "created": a.get("CreatedDate")},
                )
            )
        if not mine:
            return out
        api_id = mine[0]["ApiId"]
        for it in gw.get_integrations(ApiId=api_id).get("Items", []):
            uri = it.get("IntegrationUri")
            name = "lambda" if uri == self.n.function_arn else f"integration-{it['IntegrationId']}"
            if name == "lambda" and any(o.key == ("api_integration", "lambda") for o in out):
                name = f"integration-{it['IntegrationId']}"
            out.append(
                Observed(
                    "api_integration",
                    name,
                    {
                        "type": it.get("IntegrationType"),
                        "uri": uri,
                        "payload_format": it.get("PayloadFormatVersion"),
                        "timeout_ms": it.get("TimeoutInMillis"),
                    },
                    meta={"integration_id": it["IntegrationId"], "api_id": api_id},
                )
            )
        for r in gw.get_routes(ApiId=api_id).get("Items", []):
            if r.get("RouteKey") == "POST /detect":
                out.append(
                    Observed(
                        "api_route",
                        "POST /detect",
                        {"target": r.get("Target")},
                        meta={"route_id": r["RouteId"], "api_id": api_id},
                    )
                )
        for s in gw.get_stages(ApiId=api_id).get("Items", []):
            if s.get("StageName") == "$default":
                d = s.get("DefaultRouteSettings", {})
                out.append(
                    Observed(
                        "api_stage",
                        "$default",
                        {
                            "auto_deploy": s.get("AutoDeploy"),
                            "throttle_rate": d.get("ThrottlingRateLimit"),
                            "throttle_burst": d.get("ThrottlingBurstLimit"),
                        },
                        meta={"api_id": api_id},
                    )
                )
        return out

    # --- S3 site ------------------------------------------------------------------------------
    def bucket(self) -> list[Observed]:
        s3 = self.aws.client("s3")
        b = self.n.bucket
        try:
            s3.head_bucket(Bucket=b)
        except botocore.exceptions.ClientError as err:
            if error_code(err) in ("404", "NoSuchBucket", "NotFound"):
                return []
            raise
        web = _get(s3.get_bucket_website, Bucket=b)
        pab = _get(s3.get_public_access_block, Bucket=b)
        pol = _get(s3.get_bucket_policy, Bucket=b)
        tagging = _get(s3.get_bucket_tagging, Bucket=b)
        own = _get(s3.get_bucket_ownership_controls, Bucket=b)
        rules = own["OwnershipControls"]["Rules"] if own else []
        props = {
            "ownership": rules[0]["ObjectOwnership"] if rules else None,
            "website": {
                "index": web["IndexDocument"]["Suffix"],
                "error": web.get("ErrorDocument", {}).get("Key"),
            }
            if web
            else None,
            "public_access_block": pab["PublicAccessBlockConfiguration"] if pab else None,
            "policy": json.loads(pol["Policy"]) if pol else None,
        }
        out = [Observed("s3_bucket", b, props, tag_dict(tagging["TagSet"]) if tagging else {})]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=b):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                head = s3.head_object(Bucket=b, Key=key)
                out.append(
                    Observed(
                        "site_object",
                        key,
                        {
                            "md5": obj["ETag"].strip('"'),
                            "content_type": head.get("ContentType"),
                            "cache_control": head.get("CacheControl"),
                        },
                    )
                )
        return out
