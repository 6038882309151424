"""Specs and observed records of SageMaker models and endpoint configs, shared by the tests of
sagemaker_model.py and endpoint_config.py (a generation is one of each)."""

from __future__ import annotations

from deploy.resources import endpoint_config as ec
from deploy.resources import sagemaker_model as sm
from deploy.resources.endpoint import SeenEndpoint
from tests.deploy.resources.conftest import IMAGE, config, names

N = names()
TAGS = {"project": "trends-anomaly", "managed-by": "trends-anomaly-gitops"}
TAG_LIST = [
    {"Key": "managed-by", "Value": "trends-anomaly-gitops"},
    {"Key": "project", "Value": "trends-anomaly"},
]
ROLE_ARN = "arn:aws:iam::123456789012:role/trends-anomaly/trends-anomaly-sagemaker"
A = "arn:aws:sagemaker:us-east-1:123456789012:"
OLD_IMAGE = IMAGE.replace("src-0123456789ab", "src-aaaaaaaaaaaa")

DESCRIBE_IMAGE = {
    "registryId": "123456789012",
    "repositoryName": "trends-anomaly",
    "imageIds": [{"imageTag": "src-0123456789ab"}],
}
V2 = {
    "imageDetails": [
        {"imageManifestMediaType": "application/vnd.docker.distribution.manifest.v2+json"}
    ]
}


def model(image: str = IMAGE, **cfg: object) -> sm.ModelSpec:
    return sm.model_spec(config(**cfg), N, image)


def cfg_spec(image: str = IMAGE, **cfg: object) -> ec.ConfigSpec:
    return ec.config_spec(config(**cfg), N, image)


def seen_model(spec: sm.ModelSpec, tags: dict | None = None, **over) -> sm.SeenModel:
    values = dict(
        name=spec.name,
        arn=f"arn:aws:sagemaker:us-east-1:123456789012:model/{spec.name}",
        created="2026-01-01",
        image=spec.image,
        role_arn=spec.role_arn,
        environment=spec.environment,
        tags=tags,
    )
    values.update(over)
    return sm.SeenModel(**values)


def seen_config(spec: ec.ConfigSpec, created: str = "2026-01-01", tags=None) -> ec.SeenConfig:
    return ec.SeenConfig(
        spec.name,
        f"arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/{spec.name}",
        created,
        spec.model,
        dict(spec.variant),
        tags,
    )


def serving(config_name: str) -> SeenEndpoint:
    return SeenEndpoint("trends-anomaly", "arn:ep", config_name, "InService", None, {})
