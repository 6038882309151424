"""The image of a model kept for a hand-made config: tagged kept-<model> by its manifest
(BatchGetImage, PutImage: the exact calls, with a Stubber), once, and said in its Kept line;
that tag removed (BatchDeleteImage of it alone) before the model, once it is deleted."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from deploy import kept_image, render
from deploy.aws import DeployError
from deploy.kept_tags import Held
from deploy.plan import Action
from deploy.resources.sagemaker_model import SeenModel, delete_model
from tests.deploy.resources.conftest import execute, make_aws

IMAGE_ID = {"imageTag": "test-1"}
DIGEST = "sha256:" + "ab" * 32
URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly:test-1"
KEPT = kept_image.KeptImage("trends-anomaly-m-0000", URI, "trends-anomaly", IMAGE_ID)
TAG = "kept-trends-anomaly-m-0000"
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


@pytest.mark.parametrize("image_id", [IMAGE_ID, {"imageDigest": DIGEST}], ids=["tag", "digest"])
def test_a_kept_image_the_repository_listing_has_is_read_there(image_id: dict) -> None:
    """The plan lists the repository's tags once (`kept_tags.read_held`): an image named by
    its tag or its digest is found there, with every tag, and no DescribeImages is sent (the
    Stubber has none to answer); the plan is the one DescribeImages' answer gave."""
    aws = make_aws()
    kept = kept_image.KeptImage(KEPT.model, KEPT.uri, KEPT.repository, image_id)
    other = "sha256:" + "ef" * 32
    listing = {
        "test-1": Held(DIGEST, frozenset({"test-1"})),
        "test-0": Held(other, frozenset({"test-0"})),
    }
    tagged_listing = {
        **{t: Held(DIGEST, frozenset({"test-1", TAG})) for t in ("test-1", TAG)},
        "test-0": Held(other, frozenset({"test-0"})),
    }
    with Stubber(aws.client("ecr")) as stub:
        (action,), said = kept_image.keep_images(aws, [kept], listing)
        tagged, tagged_said = kept_image.keep_images(aws, [kept], tagged_listing)
        stub.assert_no_pending_responses()
    assert [s.describe() for s in action.steps] == [
        f"run: tag trends-anomaly@{DIGEST} {TAG} (ecr:BatchGetImage, ecr:PutImage of its manifest)"
    ]
    assert f"is tagged {TAG} too," in said[KEPT.model], said
    assert tagged == [] and "never expires" in tagged_said[KEPT.model], tagged_said


def test_a_kept_image_the_listing_lacks_is_described() -> None:
    """The listing holds tagged images only: one it lacks is described (DescribeImages), so
    an untagged image is still tagged, and one gone still said to be gone."""
    aws = make_aws()
    listing = {"test-0": Held("sha256:" + "ef" * 32, frozenset({"test-0"}))}
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response(
            "describe_images",
            {"imageDetails": [{"imageDigest": DIGEST}]},
            {"repositoryName": "trends-anomaly", "imageIds": [IMAGE_ID]},
        )
        stub.add_client_error("describe_images", "ImageNotFoundException", "gone", 400)
        (action,), _ = kept_image.keep_images(aws, [KEPT], listing)
        gone, said = kept_image.keep_images(aws, [KEPT], {})
        stub.assert_no_pending_responses()
    assert action.name == KEPT.uri
    assert gone == [] and "is no longer in ECR" in said[KEPT.model], said


def _tag_step(aws) -> tuple[Action, dict]:
    """The step tagging KEPT's image (planned on an image without the tag) and the
    BatchGetImage answer it reads that image's manifest from."""
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
    return action, batch


def test_a_tag_put_meanwhile_on_this_image_is_no_error_on_another_it_is() -> None:
    """Another run tagged the image between the plan and this step: ECR refuses the tag that
    exists, on this very image with ImageAlreadyExistsException, so the step is done; on
    another image with ImageTagAlreadyExistsException (tags are immutable in the repository),
    and it says what to do."""
    aws = make_aws()
    action, batch = _tag_step(aws)
    for digest, fails in ((DIGEST, False), ("sha256:" + "cd" * 32, True)):
        code = "ImageTagAlreadyExistsException" if fails else "ImageAlreadyExistsException"
        with Stubber(aws.client("ecr")) as stub:
            stub.add_response("batch_get_image", batch)
            stub.add_client_error("put_image", code, "exists", 400)
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


SEEN = SeenModel(KEPT.model, "arn:m", 1, URI, "arn:r", {}, {"project": "trends-anomaly"})


def _released(tags: list[str]) -> tuple[list[Action], list[str]]:
    """The model's deletion as `release_images` plans it when the repository's tags (as
    `kept_tags.read_held` lists them) have the tag on an image that has ``tags``: no read of
    its own (it takes no Aws)."""
    held = {t: Held(DIGEST, frozenset(tags)) for t in tags}
    return kept_image.release_images([delete_model(SEEN, "superseded")], [KEPT], held)


def test_a_deleted_models_kept_tag_is_removed_first_and_alone() -> None:
    """A model kept for a hand-made config, deleted once that config is gone: its image's
    kept-<model> tag stayed, and the lifecycle policy never expired the image. Its deletion
    now removes that tag first (BatchDeleteImage by imageTag: ECR removes that tag alone
    while the image has another), shown in the plan, then DeleteModel."""
    aws = make_aws()
    (action,), said = _released(["test-1", TAG])
    assert said == []
    assert [s.describe() for s in action.steps] == [
        f"run: remove the tag {TAG} from its image in trends-anomaly (ecr:BatchDeleteImage "
        "of that tag alone: the image keeps its other tags)",
        "sagemaker:DeleteModel (done if already gone)",
    ]
    assert f"its image's tag {TAG} (a config not made by deploy used it) removed" in action.reason
    assert f"remove the tag {TAG}" in render.text([action])
    with Stubber(aws.client("ecr")) as ecr, Stubber(aws.client("sagemaker")) as sagemaker:
        ecr.add_response(
            "batch_delete_image",
            {"imageIds": [{"imageDigest": DIGEST, "imageTag": TAG}], "failures": []},
            {"repositoryName": "trends-anomaly", "imageIds": [{"imageTag": TAG}]},
        )
        sagemaker.add_response("delete_model", {}, {"ModelName": KEPT.model})
        execute(aws, action)
        ecr.assert_no_pending_responses()
        sagemaker.assert_no_pending_responses()


def test_a_model_never_kept_is_deleted_as_before() -> None:
    """Most deleted models were never kept: no such tag in the repository's tags, nothing
    more in their action."""
    deletion = delete_model(SEEN, "superseded")
    held = {"test-1": Held(DIGEST, frozenset({"test-1"}))}
    assert kept_image.release_images([deletion], [KEPT], held) == ([deletion], [])
    assert kept_image.release_images([deletion], [KEPT], {}) == ([deletion], [])


def test_a_kept_tag_that_is_its_images_last_is_left_and_said() -> None:
    """ECR deletes an image with its last tag, and something else may run it by its digest:
    that tag is left, and the plan says how to remove it."""
    (action,), said = _released([TAG])
    assert action == delete_model(SEEN, "superseded")
    assert len(said) == 1 and f"imageTag={TAG}" in said[0] and "last tag" in said[0], said


def test_a_kept_tag_gone_by_then_is_no_error_another_failure_keeps_the_model() -> None:
    """BatchDeleteImage answers what it could not delete in ``failures``, not as an error:
    ImageNotFound (the tag removed by hand meanwhile) is done, and the model deleted; another
    failure stops the action before DeleteModel, so the next run plans both again."""
    aws = make_aws()
    (action,), _ = _released(["test-1", TAG])
    gone = {"imageId": {"imageTag": TAG}, "failureCode": "ImageNotFound", "failureReason": "x"}
    with Stubber(aws.client("ecr")) as ecr, Stubber(aws.client("sagemaker")) as sagemaker:
        ecr.add_response("batch_delete_image", {"failures": [gone]})
        sagemaker.add_response("delete_model", {}, {"ModelName": KEPT.model})
        lines = execute(aws, action)
        sagemaker.assert_no_pending_responses()
    assert any(f"trends-anomaly:{TAG} was already gone" in line for line in lines), lines
    refused = {**gone, "failureCode": "KmsError", "failureReason": "key disabled"}
    with Stubber(aws.client("ecr")) as ecr, Stubber(aws.client("sagemaker")) as sagemaker:
        ecr.add_response("batch_delete_image", {"failures": [refused]})
        sagemaker.add_response("delete_model", {}, {"ModelName": KEPT.model})
        with pytest.raises(
            DeployError, match=r"\(KmsError: key disabled\). The model was not deleted"
        ):
            execute(aws, action)
        with pytest.raises(AssertionError):  # DeleteModel never sent: its answer still queued
            sagemaker.assert_no_pending_responses()


def test_a_kept_tag_on_the_image_the_model_named_before_moves_unless_its_last() -> None:
    """The kept model replaced by hand under its name with another image: its tag was on the
    old image, and tagging the new one was refused (tags are immutable in the repository),
    stopping apply. The sweep removes the tag from the old image first (`kept_tags.sweep`,
    planned before this); this tags the new one, saying where it moves from. When the tag is
    the old image's last (the sweep leaves it, ECR would delete that image), the new image
    is not tagged, and that is said."""
    aws = make_aws()
    other = "sha256:" + "cd" * 32
    found = {"imageDetails": [{"imageDigest": DIGEST, "imageTags": ["test-1"]}]}
    moved = {TAG: Held(other, frozenset({"test-0", TAG}))}
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response("describe_images", found)
        (action,), said = kept_image.keep_images(aws, [KEPT], moved)
    assert [s.describe() for s in action.steps] == [
        f"run: tag trends-anomaly@{DIGEST} {TAG} (ecr:BatchGetImage, ecr:PutImage of its manifest)"
    ]
    assert (
        f"moved from trends-anomaly@{other}, the image the model named before" in said[KEPT.model]
    )
    last = {TAG: Held(other, frozenset({TAG}))}
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response("describe_images", found)
        actions, said = kept_image.keep_images(aws, [KEPT], last)
    assert actions == [], actions
    assert f"is not tagged {TAG}: that tag is on trends-anomaly@{other}" in said[KEPT.model]
    assert "that image's last tag" in said[KEPT.model], said


OTHER = "sha256:" + "cd" * 32


@pytest.mark.parametrize(
    ("other_tags", "words"),
    [
        (
            [TAG],
            "It is that image's last tag, and ECR would delete the image with it, which "
            "something else may still run by its digest. If nothing does, `aws ecr "
            "batch-delete-image",
        ),
        ([TAG, "test-0"], "removes that tag alone (the image keeps its other tags: test-0)"),
        (None, "that tag was on another image and is gone now: run this again"),
    ],
)
def test_a_tag_on_another_image_is_refused_with_advice_that_deletes_no_image(
    other_tags: list[str] | None, words: str
) -> None:
    """The refusal's advice was `batch-delete-image … imageTag=<tag>` whatever that image's
    other tags: when the tag is its last, that deletes the image, which something may still
    run by its digest (the rest of deploy leaves such a tag and says so). And when the tag was
    gone by the time it was read again, it said "ECR has that tag on another image"."""
    aws = make_aws()
    action, batch = _tag_step(aws)
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response("batch_get_image", batch)
        stub.add_client_error("put_image", "ImageTagAlreadyExistsException", "exists", 400)
        ids = {"repositoryName": "trends-anomaly", "imageIds": [{"imageTag": TAG}]}
        if other_tags is None:
            stub.add_client_error("describe_images", "ImageNotFoundException", "gone", 400, ids)
        else:
            stub.add_response(
                "describe_images",
                {"imageDetails": [{"imageDigest": OTHER, "imageTags": other_tags}]},
                ids,
            )
        with pytest.raises(DeployError) as raised:
            execute(aws, action)
        stub.assert_no_pending_responses()
    said = " ".join(str(raised.value).split())
    assert words in said, said
    if other_tags == [TAG]:
        assert "ECR has that tag on another image" in said
