"""Fixtures: a moto server on 127.0.0.1 (server mode, real boto3 clients via AWS_ENDPOINT_URL),
the two APIs moto 5.2.5 lacks (SageMaker UpdateEndpoint, API Gateway v2 UpdateStage) added to
the in-process server, SageMaker's refusal of OCI manifests taught to its CreateModel, and a
throw-away project directory (config, lambda sources, built site).
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.deploy_helpers import CONFIG


def _patch_moto() -> None:
    """Add UpdateEndpoint and UpdateStage, which moto 5.2.5 does not implement."""
    from moto.apigatewayv2.responses import ApiGatewayV2Response
    from moto.core.responses import ActionResult
    from moto.sagemaker.models import FakeEndpoint
    from moto.sagemaker.responses import SageMakerResponse

    if getattr(SageMakerResponse, "_deploy_tests_patched", False):
        return

    def update_endpoint(self: Any) -> ActionResult:
        backend = self.sagemaker_backend
        name = self._get_param("EndpointName")
        config_name = self._get_param("EndpointConfigName")
        endpoint = backend.endpoints.get(name)
        if endpoint is None:
            from moto.sagemaker.exceptions import ValidationError

            raise ValidationError(message=f"Could not find endpoint '{name}'.")
        config = backend.describe_endpoint_config(config_name)  # raises when missing
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
        return 200, {}, json.dumps(stage.to_json())

    SageMakerResponse.update_endpoint = update_endpoint
    ApiGatewayV2Response.update_stage = update_stage
    _teach_create_model_the_manifest_rule()
    SageMakerResponse._deploy_tests_patched = True
    assert FakeEndpoint  # the class whose objects update_endpoint mutates


# What SageMaker answers CreateModel for an image pushed with OCI media types (reported in
# aws/amazon-sagemaker-feedback#180, mlflow/mlflow#13834, moby/buildkit#5480); moto accepts any.
OCI_MEDIA_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
)


def _teach_create_model_the_manifest_rule() -> None:
    """moto's CreateModel refuses an image in its ECR whose manifest is OCI, as SageMaker does.

    moto's ECR already records each image's ``imageManifestMediaType`` (from PutImage) and
    reports it in DescribeImages; only SageMaker's side of the rule is missing.
    """
    from moto.ecr.models import ecr_backends
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import SageMakerModelBackend

    from deploy.image import ecr_image_ref

    original = SageMakerModelBackend.create_model

    def media_type(region: str, uri: str) -> str | None:
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
        return None

    def create_model(self: Any, model_name: str, execution_role_arn: str, primary_container: Any,
                     *args: Any, **kwargs: Any) -> Any:  # fmt: skip
        containers = [primary_container or {}, *(kwargs.get("containers") or [])]
        for container in containers:
            uri = container.get("Image", "")
            found = media_type(self.region_name, uri)
            if found in OCI_MEDIA_TYPES:
                raise ValidationError(
                    message=f"Unsupported manifest media type {found} for image {uri}. Ensure "
                    "that valid manifest media type is used for specified image."
                )
        return original(self, model_name, execution_role_arn, primary_container, *args, **kwargs)

    SageMakerModelBackend.create_model = create_model


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    _patch_moto()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Fake credentials, region, endpoint; a clean moto state for every test."""
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    req = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(req, timeout=10).read()
    return moto_url


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project directory: config.yaml, lambda/*.py, site/dist/ (small, fixed content)."""
    (tmp_path / "config.yaml").write_text(CONFIG)
    lam = tmp_path / "lambda"
    lam.mkdir()
    (lam / "handler.py").write_text("def handler(event, context):\n    return {}\n")
    (lam / "helpers.py").write_text("X = 1\n")
    dist = tmp_path / "site" / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(
        '<!doctype html><script src="config.js"></script>'
        '<script src="assets/app-5QZ3YVJK.js"></script>\n'
    )
    (dist / "assets" / "app-5QZ3YVJK.js").write_text("console.log('app');\n")
    (dist / "style.css").write_text("body { margin: 0 }\n")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "Dockerfile").write_text("FROM scratch\n")
    return tmp_path
