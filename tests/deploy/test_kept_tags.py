"""The kept- tags of a repository: read once (ListImages of its tagged images, every page),
and a stale one removed alone (BatchDeleteImage of that tag): the exact calls, with a
Stubber; a tag that is its image's last is left and said."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from deploy import kept_tags, render
from deploy.aws import DeployError
from deploy.kept_tags import Held, Stale
from tests.deploy.resources.conftest import execute, make_aws

REPOSITORY = "trends-anomaly"
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
DIGEST = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32
TAG = "kept-trends-anomaly-m-0123abcd"
LISTED = {"repositoryName": REPOSITORY, "filter": {"tagStatus": "TAGGED"}}


def test_the_repositorys_tags_are_read_once_every_page() -> None:
    """Every tag of the repository and the image holding it, with all that image's tags, from
    ListImages of its tagged images (one id per tag), page after page."""
    aws = make_aws()
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response(
            "list_images",
            {
                "imageIds": [
                    {"imageDigest": DIGEST, "imageTag": "src-1"},
                    {"imageDigest": OTHER, "imageTag": "src-2"},
                ],
                "nextToken": "page-2",
            },
            LISTED,
        )
        stub.add_response(
            "list_images",
            {"imageIds": [{"imageDigest": DIGEST, "imageTag": TAG}]},
            {**LISTED, "nextToken": "page-2"},
        )
        held = kept_tags.read_held(aws, REPOSITORY)
        stub.assert_no_pending_responses()
    both = frozenset({"src-1", TAG})
    assert held == {
        "src-1": Held(DIGEST, both),
        TAG: Held(DIGEST, both),
        "src-2": Held(OTHER, frozenset({"src-2"})),
    }
    with Stubber(aws.client("ecr")) as stub:
        stub.add_client_error("list_images", "RepositoryNotFoundException", "gone", 400)
        assert kept_tags.read_held(aws, REPOSITORY) == {}


def test_a_stale_tag_is_removed_alone_and_shown() -> None:
    """A kept- tag whose model is gone: its image was never expired. The sweep's action
    removes that tag alone (BatchDeleteImage by imageTag), shown in the plan."""
    stale = Stale(TAG, TAG[5:], Held(DIGEST, frozenset({"src-1", TAG})), "its model is gone")
    (action,), said = kept_tags.sweep([stale], REPOSITORY, REGISTRY)
    assert said == []
    assert (action.op, action.kind, action.name) == (
        "update",
        "image",
        f"{REGISTRY}/{REPOSITORY}:{TAG}",
    )
    assert action.reason.startswith("remove this tag: its model is gone"), action.reason
    assert f"▸ run: remove the tag {TAG} from its image in {REPOSITORY}" in render.text([action])
    aws = make_aws()
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response(
            "batch_delete_image",
            {"imageIds": [{"imageDigest": DIGEST, "imageTag": TAG}], "failures": []},
            {"repositoryName": REPOSITORY, "imageIds": [{"imageTag": TAG}]},
        )
        execute(aws, action)
        stub.assert_no_pending_responses()


def test_a_stale_tag_gone_by_then_is_done_another_failure_is_said() -> None:
    """ImageNotFound in BatchDeleteImage's ``failures`` is the tag removed meanwhile: done.
    Another failure stops the action with the command that removes the tag."""
    stale = Stale(TAG, TAG[5:], Held(DIGEST, frozenset({"src-1", TAG})), "its model is gone")
    (action,), _ = kept_tags.sweep([stale], REPOSITORY, REGISTRY)
    aws = make_aws()
    gone = {"imageId": {"imageTag": TAG}, "failureCode": "ImageNotFound", "failureReason": "x"}
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response("batch_delete_image", {"failures": [gone]})
        lines = execute(aws, action)
    assert any(f"{REPOSITORY}:{TAG} was already gone" in line for line in lines), lines
    refused = {**gone, "failureCode": "KmsError", "failureReason": "key disabled"}
    with Stubber(aws.client("ecr")) as stub:
        stub.add_response("batch_delete_image", {"failures": [refused]})
        with pytest.raises(DeployError, match=r"\(KmsError: key disabled\)\. Run this again"):
            execute(aws, action)


def test_a_stale_tag_that_is_its_images_last_is_left_and_said() -> None:
    """ECR deletes an image with its last tag, and something may still run it by digest."""
    stale = Stale(TAG, TAG[5:], Held(DIGEST, frozenset({TAG})), "its model is gone")
    actions, said = kept_tags.sweep([stale], REPOSITORY, REGISTRY)
    assert actions == []
    assert len(said) == 1 and f"Left the tag {TAG} on the image {REPOSITORY}@{DIGEST}" in said[0]
    assert f"--image-ids imageTag={TAG}` deletes it" in said[0], said
