"""Image references given to deploy (--image, model.image): what SageMaker can pull, said
before any AWS call; and reading config.yaml, which checks them, imports no AWS SDK."""

from __future__ import annotations

import subprocess
import sys

import pytest

from deploy.image_ref import image_problem


def test_reading_the_config_imports_no_aws_sdk() -> None:
    """Every workflow step that reads config.yaml (ci_settings.py) paid for boto3's import
    when config.py took image_problem from deploy.image (which talks to ECR)."""
    code = "import sys, deploy.config; print(sorted({'boto3', 's3transfer'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    ("image", "words"),
    [
        (
            "not-a-uri",
            "'not-a-uri' is not an image reference: expected <registry>/<repository>:<tag>",
        ),
        ("ghcr.io/org/model", "is not an image reference"),  # no tag nor digest
        (
            "123.dkr.ecr.us-east-1.amazonaws.com/m:1",
            "is not an ECR registry: expected <12-digit account>.dkr.ecr.<region>.amazonaws.com",
        ),
        (
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/m:1",
            "is in ECR of eu-west-1, but the endpoint is in us-east-1",
        ),
        (  # a registry SageMaker would not pull from (it pulls from ECR)
            "registry.example:5000/team/model:v1.2",
            "is not in Amazon ECR ('registry.example:5000'): SageMaker pulls a model's image",
        ),
        ("ghcr.io/org/model:1", "or leave model.image unset and deploy builds and pushes"),
    ],
)
def test_a_prebuilt_image_must_be_an_image_reference_sagemaker_can_pull(image, words) -> None:
    problem = image_problem(image, "us-east-1")
    assert problem and problem.startswith(repr(image)) and words in problem, problem


@pytest.mark.parametrize(
    "image",
    [
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly:src-0123abcd",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly@sha256:" + "0" * 64,
    ],
)
def test_image_references_pass(image: str) -> None:
    assert image_problem(image, "us-east-1") is None
