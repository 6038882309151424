"""Config → the desired resources (pure: no AWS calls, names from content hashes)."""

from __future__ import annotations

from dataclasses import dataclass

from deploy.config import Config
from deploy.lambda_zip import LambdaPackage
from deploy.naming import (
    VARIANT,
    Names,
    content_hash,
    ecr_repository_arn_of,
)
from deploy.sitesync import SiteFile, generated_config
from deploy.state import Resource

UNKNOWN = "(known after apply)"
LAMBDA_HANDLER = "handler.handler"
API_TIMEOUT_MS = 30000


@dataclass(frozen=True)
class Inputs:
    """Everything desired() needs besides config: all computed locally, no AWS."""

    names: Names
    image_uri: str
    build_image: bool  # True: the image is ours to build and push (tag = content hash)
    lambda_package: LambdaPackage
    site_files: tuple[SiteFile, ...]


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _trust(service: str) -> dict:
    return _doc({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def sagemaker_policy(n: Names, image_uri: str) -> dict:
    """Pull exactly the model image, write exactly the endpoint's logs and metrics."""
    repo_arn = ecr_repository_arn_of(image_uri) or n.ecr_repository_arn
    group = n.log_group_arn(n.endpoint_log_group)
    return _doc(
        {
            "Sid": "PullModelImage",
            "Effect": "Allow",
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
            "Resource": repo_arn,
        },
        # GetAuthorizationToken has no resource-level permissions: "*" is the only value.
        {
            "Sid": "EcrLogin",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        },
        {
            "Sid": "EndpointLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": [group, f"{group}:*"],
        },
        {
            "Sid": "EndpointMetrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/Endpoints"}},
        },
    )


def lambda_policy(n: Names) -> dict:
    """Invoke only this endpoint; write only this function's logs."""
    group = n.log_group_arn(n.lambda_log_group)
    return _doc(
        {
            "Sid": "InvokeThisEndpoint",
            "Effect": "Allow",
            "Action": "sagemaker:InvokeEndpoint",
            "Resource": n.endpoint_arn,
        },
        {
            "Sid": "FunctionLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{group}:*",
        },
    )


def bucket_policy(n: Names) -> dict:
    """Public read of objects only: no listing, no bucket-level access."""
    return _doc(
        {
            "Sid": "PublicReadObjects",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{n.bucket}/*",
        }
    )


def cors_origins(cfg: Config, n: Names) -> list[str]:
    """Configured origins plus the site's own website origin, sorted and unique."""
    return sorted({*cfg.api.cors_origins, n.site_url})


def model_spec(cfg: Config, n: Names, image_uri: str) -> dict:
    env = dict(sorted(cfg.endpoint.environment.items()))
    return {"image": image_uri, "role_arn": n.role_arn(n.sagemaker_role), "environment": env}


def variant_spec(cfg: Config, model_name: str) -> dict:
    ep = cfg.endpoint
    v: dict = {"name": VARIANT, "model": model_name}
    if ep.serverless:
        v["serverless"] = {
            "memory_mb": ep.serverless.memory_mb,
            "max_concurrency": ep.serverless.max_concurrency,
        }
    else:
        v["instance_type"] = ep.instance_type
        v["instance_count"] = ep.instance_count
    return v


def build(cfg: Config, inp: Inputs, ids: dict[str, str]) -> list[Resource]:
    """All desired resources in dependency order. `ids`: API/integration ids known so far."""
    n = inp.names
    tags = cfg.all_tags
    out: list[Resource] = [
        Resource("ecr_repository", n.ecr_repository, {"image_tag_mutability": "IMMUTABLE"}, tags)
    ]
    if inp.build_image:
        out.append(Resource("image", inp.image_uri, {"pushed": True}))
    retention = cfg.log_retention_days
    for group in (n.endpoint_log_group, n.lambda_log_group):
        out.append(Resource("log_group", group, {"retention_days": retention}, tags))
    out.append(
        Resource(
            "iam_role",
            n.sagemaker_role,
            {
                "path": n.role_path,
                "trust": _trust("sagemaker.amazonaws.com"),
                "policy": sagemaker_policy(n, inp.image_uri),
                "other_policies": [],
            },
            tags,
        )
    )
    out.append(
        Resource(
            "iam_role",
            n.lambda_role,
            {
                "path": n.role_path,
                "trust": _trust("lambda.amazonaws.com"),
                "policy": lambda_policy(n),
                "other_policies": [],
            },
            tags,
        )
    )
    mspec = model_spec(cfg, n, inp.image_uri)
    model_name = n.model(content_hash(mspec))
    out.append(Resource("sagemaker_model", model_name, mspec, tags))
    cspec = {"variant": variant_spec(cfg, model_name)}
    config_name = n.endpoint_config(content_hash(cspec))
    out.append(Resource("endpoint_config", config_name, cspec, tags))
    out.append(
        Resource(
            "endpoint",
            n.endpoint,
            {"config": config_name},
            tags,
            data={
                "deployment": cfg.endpoint.deployment.model_dump(),
                "wait_timeout_s": cfg.endpoint.wait_timeout_s,
            },
        )
    )
    if cfg.endpoint.autoscaling:
        a = cfg.endpoint.autoscaling
        out.append(
            Resource(
                "scaling",
                n.scaling_resource_id,
                {
                    "min_capacity": a.min_capacity,
                    "max_capacity": a.max_capacity,
                    "target": float(a.target_invocations_per_instance),
                    "scale_in_cooldown_s": a.scale_in_cooldown_s,
                    "scale_out_cooldown_s": a.scale_out_cooldown_s,
                },
            )
        )
    lam = cfg.api.lambda_
    out.append(
        Resource(
            "lambda_function",
            n.function,
            {
                "runtime": lam.runtime,
                "handler": LAMBDA_HANDLER,
                "role_arn": n.role_arn(n.lambda_role),
                "memory_mb": lam.memory_mb,
                "timeout_s": lam.timeout_s,
                "environment": {
                    "ENDPOINT_NAME": n.endpoint,
                    # Leave the function time to answer with a clear 504 before its own timeout.
                    "INVOKE_READ_TIMEOUT_SECONDS": str(max(1, lam.timeout_s - 4)),
                    # Request size every hop accepts (validated in config.py).
                    "MAX_BODY_BYTES": str(cfg.max_payload_bytes),
                },
                "code_sha256": inp.lambda_package.sha256_b64,
            },
            tags,
            data={"zip": inp.lambda_package.data},
        )
    )
    api_id = ids.get("api_id")
    out.append(
        Resource(
            "http_api",
            n.api,
            {
                "cors": {
                    "allow_origins": cors_origins(cfg, n),
                    "allow_methods": ["OPTIONS", "POST"],
                    "allow_headers": ["content-type", "x-amzn-sagemaker-custom-attributes"],
                    "max_age": 3600,
                }
            },
            tags,
        )
    )
    out.append(
        Resource(
            "api_integration",
            "lambda",
            {
                "type": "AWS_PROXY",
                "uri": n.function_arn,
                "payload_format": "2.0",
                "timeout_ms": API_TIMEOUT_MS,
            },
        )
    )
    integ = ids.get("integration_id")
    out.append(
        Resource(
            "api_route",
            "POST /detect",
            {"target": f"integrations/{integ}" if integ else UNKNOWN},
        )
    )
    out.append(
        Resource(
            "api_stage",
            "$default",
            {
                "auto_deploy": True,
                "throttle_rate": float(cfg.api.throttling.rate),
                "throttle_burst": cfg.api.throttling.burst,
            },
        )
    )
    out.append(
        Resource(
            "lambda_permission",
            n.permission_sid,
            {
                "principal": "apigateway.amazonaws.com",
                "action": "lambda:InvokeFunction",
                "source_arn": n.api_execute_arn(api_id) if api_id else UNKNOWN,
            },
        )
    )
    out.append(
        Resource(
            "s3_bucket",
            n.bucket,
            {
                "ownership": "BucketOwnerEnforced",
                "website": {"index": "index.html", "error": "index.html"},
                "public_access_block": {
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": False,
                    "RestrictPublicBuckets": False,
                },
                "policy": bucket_policy(n),
            },
            tags,
        )
    )
    api_url = n.api_url(api_id) if api_id else None
    files = [*inp.site_files, generated_config(api_url, cfg.site.cache)]
    for f in files:
        out.append(
            Resource(
                "site_object",
                f.key,
                {"md5": f.md5, "content_type": f.content_type, "cache_control": f.cache_control},
                data={"file": f},
            )
        )
    return out
