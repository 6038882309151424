"""A moto server on 127.0.0.1 (server mode: real boto3 clients over HTTP), taught what moto
5.2.5 lacks and what AWS does that moto does not, so a test fails the way production would.

Added to the in-process server: SageMaker ``UpdateEndpoint`` (which refuses to turn an
instance endpoint serverless, as SageMaker does), API Gateway v2 ``UpdateStage``
and IAM ``AddClientIDToOpenIDConnectProvider``, each with AWS's semantics; SageMaker's refusal
of an image whose ECR manifest is OCI, taught to moto's ``CreateModel``; SageMaker's rules for
``UpdateEndpointWeightsAndCapacities`` (InService only, no instance count for a serverless
variant, a weight not given is kept, a serverless variant's concurrency updated in place),
which moto applies to any endpoint; IAM's refusal of a
permissions boundary that is not an existing managed policy; and, each in its own
module: CloudFront's ETags, states and refusals (moto_cloudfront.py), IAM's propagation delay
as SageMaker and Lambda meet it (moto_propagation.py), S3's default Block Public Access
(moto_s3.py), SageMaker's Service Quotas (moto_quotas.py), ECR's lifecycle policy rules and
its PutImage refusal of a tag on another image (moto_ecr.py), API Gateway's rules for a
stage's access log settings (moto_apigateway.py),
an endpoint's minutes of Deleting after DeleteEndpoint, its refusal of DeleteEndpoint while
SageMaker works on it (Creating, Updating, ...: ``hold`` plays those) and the rollback of an
UpdateEndpoint
whose container fails its /ping health check and DescribeEndpoint's DeployedImages (the digest
a fleet's image resolved to) (moto_sagemaker.py), IAM's policy size and
attachment quotas and ListRolePolicies' pages of 100 (moto_iam.py).
Delays run on the shared clock of
tests/support/aws_clock.py. Endpoint states moto cannot produce (Updating, a silent rollback
of a canary) are scripted per test with botocore events (tests/support/endpoint_script.py).
"""

from __future__ import annotations

import signal

if __name__ == "__main__":
    # Run by hand, first of all: a Ctrl-C (or `kill -INT`) while it starts stops it. A job a
    # script starts with `&` inherits SIGINT ignored, and Python then installs no handler of
    # its own, so a SIGINT during the seconds of imports before main's handler was dropped
    # and the server ran on. The default disposition ends it then (nothing is started yet);
    # main's handler, once set, stops the server in order.
    signal.signal(signal.SIGINT, signal.SIG_DFL)

import json
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

_PATCHED = "_trends_tests_patched"


# SageMaker's Developer Guide (serverless-endpoints-update.html): "Updating a real-time
# inference endpoint to either an on-demand serverless endpoint or a serverless endpoint with
# Provisioned Concurrency is currently not supported". The service's exact words are not
# published; these say the same.
INSTANCES_TO_SERVERLESS = (
    "Updating a real-time inference endpoint to a serverless endpoint is not supported."
)


def _serverless(variants: list[dict[str, Any]]) -> bool:
    """Whether a config's (or an endpoint's) variants are serverless."""
    keys = ("ServerlessConfig", "CurrentServerlessConfig", "DesiredServerlessConfig")
    return any(any(v.get(k) for k in keys) for v in variants or [])


def patch_moto() -> None:
    """Add the missing operations to moto's response classes (idempotent)."""
    from moto.apigatewayv2.responses import ApiGatewayV2Response
    from moto.core.responses import ActionResult, EmptyResult
    from moto.iam.responses import IamResponse
    from moto.sagemaker.responses import SageMakerResponse

    if getattr(SageMakerResponse, _PATCHED, False):
        return
    from tests.support.moto_apigateway import check_access_log, patch_apigateway
    from tests.support.moto_cloudfront import patch_cloudfront
    from tests.support.moto_ecr import patch_ecr
    from tests.support.moto_iam import patch_iam_paging, patch_iam_quotas
    from tests.support.moto_propagation import may_pull, patch_propagation, pull_failure
    from tests.support.moto_quotas import patch_quotas
    from tests.support.moto_s3 import patch_s3
    from tests.support.moto_sagemaker import (
        patch_sagemaker_deletion,
        patch_sagemaker_deployed_images,
        patch_sagemaker_health,
        patch_sagemaker_tags,
        ping_failure,
        update_refusal,
    )

    def update_endpoint(self: Any) -> ActionResult:
        backend = self.sagemaker_backend
        name = self._get_param("EndpointName")
        config_name = self._get_param("EndpointConfigName")
        endpoint = backend.endpoints.get(name)
        if endpoint is None:
            from moto.sagemaker.exceptions import ValidationError

            raise ValidationError(message=f"Could not find endpoint '{name}'.")
        refused = update_refusal(backend, name)
        if refused:  # SageMaker is still working on it (Updating, SystemUpdating, ...)
            from moto.sagemaker.exceptions import ValidationError

            raise ValidationError(message=refused)
        config = backend.describe_endpoint_config(config_name)  # raises when missing
        variants = config["ProductionVariants"]
        if _serverless(variants) and not _serverless(endpoint.production_variants):
            from moto.sagemaker.exceptions import ValidationError

            raise ValidationError(message=INSTANCES_TO_SERVERLESS)
        model = backend._models.get(variants[0]["ModelName"]) if variants else None
        if model is not None and not may_pull(backend.account_id, model.execution_role_arn):
            # The new fleet cannot pull the image yet: SageMaker rolls back to the old config.
            image = (model.primary_container or {}).get("Image", "")
            endpoint.failure_reason = pull_failure(model.execution_role_arn, image)
            endpoint.endpoint_status = "InService"
            return ActionResult({"EndpointArn": endpoint.arn})
        unhealthy = ping_failure(backend, config_name)
        if unhealthy:
            # The new fleet fails its health check: SageMaker rolls back to the old config.
            endpoint.failure_reason = unhealthy
            endpoint.endpoint_status = "InService"
            return ActionResult({"EndpointArn": endpoint.arn})
        endpoint.failure_reason = None
        endpoint.endpoint_config_name = config_name
        endpoint.production_variants = endpoint._process_production_variants(
            config["ProductionVariants"]
        )
        endpoint.endpoint_status = "InService"
        return ActionResult({"EndpointArn": endpoint.arn})

    def update_stage(self: Any) -> tuple[int, dict[str, str], str]:
        from urllib.parse import unquote

        parts = self.path.split("/")
        api_id, stage_name = parts[-3], unquote(parts[-1])
        stage = self.apigatewayv2_backend.get_stage(api_id, stage_name)
        body = json.loads(self.body or "{}")
        if "defaultRouteSettings" in body:
            stage.default_route_settings = body["defaultRouteSettings"]
        if "autoDeploy" in body:
            stage.auto_deploy = body["autoDeploy"]
        if "accessLogSettings" in body:  # empty settings turn logging off
            check_access_log(body["accessLogSettings"])
            stage.access_log_settings = body["accessLogSettings"] or None
        return 200, {}, json.dumps(stage.to_json())

    def add_client_id(self: Any) -> EmptyResult:
        provider = self.backend.get_open_id_connect_provider(
            self._get_param("OpenIDConnectProviderArn")
        )
        client_id = self._get_param("ClientID")
        if client_id not in provider.client_id_list:
            provider.client_id_list.append(client_id)
        return EmptyResult()

    SageMakerResponse.update_endpoint = update_endpoint
    ApiGatewayV2Response.update_stage = update_stage
    IamResponse.add_client_id_to_open_id_connect_provider = add_client_id
    _teach_create_model_the_manifest_rule()
    _teach_capacity_updates_the_endpoint_rules()
    _teach_iam_that_a_boundary_must_exist()
    _list_moto_modules_once()
    _method_names_once()
    patch_cloudfront()
    patch_propagation()
    patch_s3()
    patch_quotas()
    patch_ecr()
    patch_apigateway()
    patch_sagemaker_deletion()
    patch_iam_quotas()
    patch_iam_paging()
    patch_sagemaker_health()
    patch_sagemaker_deployed_images()
    patch_sagemaker_tags()
    setattr(SageMakerResponse, _PATCHED, True)


# What SageMaker answers CreateModel for an image pushed with OCI media types (reported in
# aws/amazon-sagemaker-feedback#180, mlflow/mlflow#13834, moby/buildkit#5480); moto accepts any.
OCI_MEDIA_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
)


MISSING = "(not in ECR)"


def _teach_create_model_the_manifest_rule() -> None:
    """moto's CreateModel refuses an image in its ECR whose manifest is OCI, and an ECR image
    that is not there ("Requested image <uri> not found.", aws-samples/
    easy-amazon-sagemaker-deployments#4), as SageMaker does; moto accepts any.

    moto's ECR already records each image's ``imageManifestMediaType`` (from PutImage) and
    reports it in DescribeImages; only SageMaker's side of the rule is missing.
    """
    from moto.ecr.models import ecr_backends
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import SageMakerModelBackend

    from deploy.image import ecr_image_ref

    original = SageMakerModelBackend.create_model

    def media_type(region: str, uri: str) -> str | None:
        """The image's manifest media type; None when not an ECR image, MISSING when ECR does
        not have it."""
        ref = ecr_image_ref(uri)
        if ref is None:
            return None
        account, repo, image_id = ref
        repository = ecr_backends[account][region].repositories.get(repo)
        for image in repository.images if repository else []:
            if (
                image_id.get("imageTag") in image.image_tags
                or image_id.get("imageDigest") == image.get_image_digest()
            ):
                return image.image_manifest_media_type
        return MISSING

    def create_model(
        self: Any,
        model_name: str,
        execution_role_arn: str,
        primary_container: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        containers = [primary_container or {}, *(kwargs.get("containers") or [])]
        for container in containers:
            uri = container.get("Image", "")
            found = media_type(self.region_name, uri)
            if found == MISSING:
                raise ValidationError(message=f"Requested image {uri} not found.")
            if found in OCI_MEDIA_TYPES:
                raise ValidationError(
                    message=f"Unsupported manifest media type {found} for image {uri}. Ensure "
                    "that valid manifest media type is used for specified image."
                )
        return original(self, model_name, execution_role_arn, primary_container, *args, **kwargs)

    SageMakerModelBackend.create_model = create_model


def _teach_capacity_updates_the_endpoint_rules() -> None:
    """moto's UpdateEndpointWeightsAndCapacities changes any endpoint. SageMaker changes only an
    InService one (otherwise ValidationException 'Cannot update in-progress endpoint "<arn>".',
    as it answers DeleteEndpoint mid-update); a serverless variant has no instances to count;
    and a variant's weight stays what it was when the request gives none (moto set it to
    null, so DescribeEndpoint lost CurrentWeight after a scale). A serverless variant's
    ServerlessUpdateConfig (MaxConcurrency, ProvisionedConcurrency no more than it) is applied
    to its serverless config, memory kept (moto ignored it); an instance variant has none."""
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import SageMakerModelBackend

    original = SageMakerModelBackend.update_endpoint_weights_and_capacities

    def update(self: Any, endpoint_name: str, desired_weights_and_capacities: list) -> str:
        endpoint = self.endpoints.get(endpoint_name)
        if endpoint is None:
            return original(self, endpoint_name, desired_weights_and_capacities)
        if endpoint.endpoint_status != "InService":
            raise ValidationError(message=f'Cannot update in-progress endpoint "{endpoint.arn}".')
        variants = {v["VariantName"]: v for v in endpoint.production_variants}
        serverless_updates = []
        for wanted in desired_weights_and_capacities:
            variant = variants.get(wanted.get("VariantName"), {})
            serverless = "CurrentServerlessConfig" in variant
            if serverless and wanted.get("DesiredInstanceCount") is not None:
                raise ValidationError(
                    message=f"Variant {wanted['VariantName']} of endpoint {endpoint_name} is "
                    "serverless: it has no instance count to update."
                )
            update = wanted.get("ServerlessUpdateConfig")
            if update is not None:
                _check_serverless_update(endpoint_name, wanted["VariantName"], variant, update)
                serverless_updates.append((variant, update))
            if wanted.get("DesiredWeight") is None and "CurrentWeight" in variant:
                wanted["DesiredWeight"] = variant["CurrentWeight"]
        arn = original(self, endpoint_name, desired_weights_and_capacities)
        for variant, update in serverless_updates:
            for key in ("DesiredServerlessConfig", "CurrentServerlessConfig"):
                variant[key] = {**variant[key], **update}
        for variant in endpoint.production_variants:  # moto wrote nulls for what was not given
            for key in [k for k, v in variant.items() if v is None]:
                del variant[key]
        return arn

    SageMakerModelBackend.update_endpoint_weights_and_capacities = update


def _check_serverless_update(
    endpoint: str, name: str, variant: dict[str, Any], update: dict[str, Any]
) -> None:
    """SageMaker's rules for a ServerlessUpdateConfig: a serverless variant's, with its
    ProvisionedConcurrency no more than its MaxConcurrency."""
    from moto.sagemaker.exceptions import ValidationError

    if "CurrentServerlessConfig" not in variant:
        raise ValidationError(
            message=f"Variant {name} of endpoint {endpoint} is not serverless: "
            "ServerlessUpdateConfig is for a serverless variant."
        )
    merged = {**variant["CurrentServerlessConfig"], **update}
    provisioned = merged.get("ProvisionedConcurrency")
    if provisioned is not None and provisioned > merged["MaxConcurrency"]:
        raise ValidationError(
            message=f"ProvisionedConcurrency {provisioned} of variant {name} must be less than "
            f"or equal to MaxConcurrency {merged['MaxConcurrency']}."
        )


def _list_moto_modules_once() -> None:
    """Speed only: moto's server looks up every request's service among its own modules by
    listing its package directory (~175 stat calls, twice a request: an eighth of the
    server's time in the engine tests); that directory does not change while tests run."""
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


def _method_names_once() -> None:
    """Speed only: every request's `BaseResponse.call_action` finds the response class's
    methods with `inspect.getmembers` (a tenth of a `ListModels` call's CPU on this server).
    Remembered per class while no class of its MRO gains or loses an attribute: a test that
    patches a method in gets the names anew, and moto reads the method itself by name on
    every call, so a replaced one is used at once."""
    import inspect

    from moto.core import responses

    known: dict[type, tuple[tuple[int, ...], list[str]]] = {}

    def method_names(cls: type) -> list[str]:
        shape = tuple(len(vars(c)) for c in cls.__mro__)
        seen = known.get(cls)
        if seen is None or seen[0] != shape:
            names = [n for n, _ in inspect.getmembers(cls, predicate=inspect.isfunction)]
            seen = known[cls] = (shape, names)
        return seen[1]

    responses.method_names_from_class = method_names


def _teach_iam_that_a_boundary_must_exist() -> None:
    """CreateRole / PutRolePermissionsBoundary with a permissions boundary that is not a managed
    policy of the account fail as IAM fails them (moto checks only the ARN's shape): a preview
    cannot be deployed before `bootstrap` made its boundary policy."""
    from moto.iam.exceptions import NoSuchEntity
    from moto.iam.models import IAMBackend

    def check(backend: Any, arn: str | None) -> None:
        aws_managed = ":iam::aws:policy/" in (arn or "")  # moto may not load those
        if arn and not aws_managed and arn not in backend.managed_policies:
            raise NoSuchEntity(f"Scope ARN: {arn} does not exist or is not attachable.")

    create_role = IAMBackend.create_role
    put_boundary = IAMBackend.put_role_permissions_boundary

    def checked_create_role(self: Any, role_name: str, assume_role_policy_document: str,
                            path: str, permissions_boundary: str | None, *args: Any,
                            **kwargs: Any) -> Any:  # fmt: skip
        check(self, permissions_boundary)
        return create_role(
            self, role_name, assume_role_policy_document, path, permissions_boundary, *args,
            **kwargs,
        )  # fmt: skip

    def checked_put_boundary(self: Any, role_name: str, permissions_boundary: str) -> None:
        check(self, permissions_boundary)
        put_boundary(self, role_name, permissions_boundary)

    IAMBackend.create_role = checked_create_role
    IAMBackend.put_role_permissions_boundary = checked_put_boundary


@contextmanager
def moto_server() -> Iterator[str]:
    """A patched ThreadedMotoServer on a free loopback port; yields its URL. Its clock is
    frozen meanwhile (aws_clock): AWS's delays pass by the tests' sleeps alone, however slow
    the machine, so a subprocess that sleeps for real needs them set to 0."""
    from moto.server import ThreadedMotoServer

    from tests.support.aws_clock import CLOCK

    patch_moto()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    CLOCK.freeze()
    try:
        yield f"http://{host}:{port}"
    finally:
        CLOCK.thaw()
        server.stop()


def reset(url: str) -> None:
    """Forget every resource, and play the default delays and quotas (between tests)."""
    from tests.support.aws_clock import reset_delays
    from tests.support.moto_quotas import reset_quotas
    from tests.support.moto_sagemaker import reset_health

    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).read()
    reset_delays()
    reset_quotas()
    reset_health()


def fake_aws_env(monkeypatch: pytest.MonkeyPatch, url: str, region: str = "us-east-1") -> None:
    """Only fake credentials and the moto endpoint: no ambient AWS_* setting leaks in."""
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_ENDPOINT_URL": url,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }.items():
        monkeypatch.setenv(key, value)


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.support.moto_server [--port N] [--fast]``: the patched server in the
    foreground, for running ``python -m deploy`` against it by hand (it prints the environment
    to set). AWS's delays (IAM propagation, CloudFront deployment, invalidations) pass in real
    time here; ``--fast`` shortens them to a few seconds. Ctrl-C or SIGTERM stops it."""
    import argparse
    import threading

    from moto.server import ThreadedMotoServer

    from tests.support import aws_clock

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=5000, help="0: any free port (printed)")
    parser.add_argument("--fast", action="store_true", help="AWS's delays of a few seconds")
    parser.add_argument(
        "--unhealthy-image",
        action="append",
        default=[],
        metavar="URI",
        help="an image whose container fails SageMaker's /ping health check (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.fast:
        aws_clock.set_delays(
            role_assume_s=3, role_policy_s=3, distribution_deploy_s=8, invalidation_s=4
        )
    patch_moto()
    from tests.support.moto_sagemaker import fail_ping

    for image in args.unhealthy_image:
        fail_ping(image)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    delays = aws_clock.DELAYS
    print(
        f"moto (patched) on http://{host}:{port} (IAM propagation {delays.role_assume_s:g} s, "
        f"CloudFront deployment {delays.distribution_deploy_s:g} s); in another shell:\n"
        f"  export AWS_ENDPOINT_URL=http://{host}:{port} AWS_ACCESS_KEY_ID=testing "
        "AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing AWS_DEFAULT_REGION=us-east-1 "
        "AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null",
        flush=True,
    )
    try:
        stop.wait()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
