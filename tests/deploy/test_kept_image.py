"""The image of a model kept for a hand-made config: tagged kept-<model> by its manifest
(BatchGetImage, PutImage: the exact calls, with a Stubber), once, and said in its Kept line."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from deploy import kept_image
from deploy.aws import DeployError
from tests.deploy.resources.conftest import execute, make_aws

IMAGE_ID = {"imageTag": "test-1"}
DIGEST = "sha256:" + "ab" * 32
URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly:test-1"
KEPT = kept_image.KeptImage("trends-anomaly-m-0000", URI, "trends-anomaly", IMAGE_ID)
MANIFEST = '{"schemaVersion": 2}'
DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"


def test_a_kept_models_image_is_tagged_kept_by_its_manifest() -> None:
    """The image of a model kept for a hand-made config: tagged kept-<model> without pulling
    it (BatchGetImage of its digest, then PutImage of that manifest under the tag, as ECR's
    "Retagging an image" does), and the model's Kept line says so."""
    aws = make_aws()
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response(
            "describe_images",
            {"imageDetails": [{"imageDigest": DIGEST, "imageTags": ["test-1"]}]},
            {"repositoryName": "trends-anomaly", "imageIds": [IMAGE_ID]},
        )
        (action,), said = kept_image.keep_images(aws, [KEPT])
        stub.assert_no_pending_responses()
    assert (action.op, action.kind, action.name) == ("update", "image", KEPT.uri)
    assert "is tagged kept-trends-anomaly-m-0000 too" in said[KEPT.model], said
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response(
            "batch_get_image",
            {
                "images": [
                    {
                        "imageId": {"imageDigest": DIGEST},
                        "imageManifest": MANIFEST,
                        "imageManifestMediaType": DOCKER_V2,
                    }
                ],
                "failures": [],
            },
            {
                "repositoryName": "trends-anomaly",
                "imageIds": [{"imageDigest": DIGEST}],
                "acceptedMediaTypes": [DOCKER_V2, "application/vnd.oci.image.manifest.v1+json"],
            },
        )
        stub.add_response(
            "put_image",
            {},
            {
                "repositoryName": "trends-anomaly",
                "imageManifest": MANIFEST,
                "imageManifestMediaType": DOCKER_V2,
                "imageTag": "kept-trends-anomaly-m-0000",
                "imageDigest": DIGEST,
            },
        )
        execute(aws, action)
        stub.assert_no_pending_responses()


def test_a_kept_image_already_tagged_or_gone_needs_no_action() -> None:
    aws = make_aws()
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response(
            "describe_images",
            {
                "imageDetails": [
                    {"imageDigest": DIGEST, "imageTags": ["kept-trends-anomaly-m-0000"]}
                ]
            },
        )
        stub.add_client_error("describe_images", "ImageNotFoundException", "gone", 400)
        tagged, said = kept_image.keep_images(aws, [KEPT])
        assert tagged == [] and "never expires" in said[KEPT.model], said
        gone, said = kept_image.keep_images(aws, [KEPT])
        assert gone == [] and "is no longer in ECR" in said[KEPT.model], said


def test_a_tag_put_meanwhile_on_this_image_is_no_error_on_another_it_is() -> None:
    """Another run tagged the image between the plan and this step: ECR refuses the tag that
    exists (ImageTagAlreadyExistsException in a repository with immutable tags); it is on
    this very image, so the step is done. On another image, it says what to do."""
    aws = make_aws()
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response(
            "describe_images",
            {"imageDetails": [{"imageDigest": DIGEST, "imageTags": ["test-1"]}]},
        )
        (action,), _ = kept_image.keep_images(aws, [KEPT])
    batch = {
        "images": [
            {
                "imageId": {"imageDigest": DIGEST},
                "imageManifest": MANIFEST,
                "imageManifestMediaType": DOCKER_V2,
            }
        ],
        "failures": [],
    }
    for digest, fails in ((DIGEST, False), ("sha256:" + "cd" * 32, True)):
        with Stubber(aws.client("ecr")) as stub:
            stub.add_response("batch_get_image", batch)
            stub.add_client_error("put_image", "ImageTagAlreadyExistsException", "exists", 400)
            stub.add_response(
                "describe_images",
                {"imageDetails": [{"imageDigest": digest, "imageTags": ["x"]}]},
                {
                    "repositoryName": "trends-anomaly",
                    "imageIds": [{"imageTag": "kept-trends-anomaly-m-0000"}],
                },
            )
            if fails:
                with pytest.raises(DeployError, match="ECR has that tag on another image"):
                    execute(aws, action)
            else:
                execute(aws, action)
            stub.assert_no_pending_responses()
