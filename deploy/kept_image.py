"""The image of a model kept for a config not made by deploy, kept from ECR's lifecycle policy.

Destroy and apply's clean-up keep a model of ours that a hand-made endpoint config uses
(`stacks.spare_used`), with its role and repository; SageMaker pulls the model's image
whenever an endpoint made from that config starts instances. The repository's lifecycle
policy (`resources/ecr.py`) would expire that image after enough newer builds, but never one
tagged ``kept-<model>`` (its first rule): `keep_images` plans that tag. Not in
resources/ecr.py, every read of which the plan role is granted: the tagging reads the image's
manifest (ecr:BatchGetImage), which only the deploy and preview roles may.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import botocore.exceptions

from deploy.aws import DeployError
from deploy.plan import Action, Run
from deploy.resources.ecr import kept_tag

if TYPE_CHECKING:
    from deploy.aws import Aws


@dataclass(frozen=True)
class KeptImage:
    """The image of a model of ours that a config not made by deploy uses (`stacks.spare_used`
    keeps the model): ``uri`` as the model names it, in ``repository`` (this stack's),
    ``image_id`` its tag or digest there."""

    model: str
    uri: str
    repository: str
    image_id: dict[str, str]


# What BatchGetImage may answer with: the manifests SageMaker runs (deploy/image.py checks
# the type before CreateModel), and the one PutImage is then given back, type and all.
_MANIFEST_TYPES = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
]


def keep_images(aws: Aws, kept: list[KeptImage]) -> tuple[list[Action], dict[str, str]]:
    """The actions tagging each kept model's image ``kept-<model>`` (the lifecycle policy's
    first rule never expires it), and by model what its `Kept …` line adds. One already so
    tagged (an earlier run's) needs none; one no longer in ECR cannot be kept, and is said."""
    actions: list[Action] = []
    said: dict[str, str] = {}
    for image in kept:
        tag = kept_tag(image.model)
        found = aws.read(
            "ecr", "DescribeImages", repositoryName=image.repository, imageIds=[image.image_id]
        )
        details = (found or {}).get("imageDetails") or []
        if not details:
            said[image.model] = (
                f" Its image {image.uri} is no longer in ECR (expired by the repository's "
                "lifecycle policy, or deleted): an endpoint made from that config cannot start "
                "until that image is pushed again."
            )
            continue
        if tag in (details[0].get("imageTags") or []):
            said[image.model] = (
                f" Its image {image.uri} is tagged {tag}, which the repository's lifecycle "
                "policy never expires."
            )
            continue
        digest = details[0]["imageDigest"]
        said[image.model] = (
            f" Its image {image.uri} is tagged {tag} too, which the repository's lifecycle "
            "policy never expires: SageMaker pulls it whenever an endpoint made from that "
            f"config starts instances. Once the model is gone, `aws ecr batch-delete-image "
            f"--repository-name {image.repository} --image-ids imageTag={tag}` removes that "
            "tag (the image stays while it has another)."
        )
        actions.append(
            Action(
                "update",
                "image",
                image.uri,
                f"tag it {tag}: a model kept for a config not made by deploy runs it, and the "
                "lifecycle policy never expires that tag",
                steps=(
                    Run(
                        f"tag {image.repository}@{digest} {tag} (ecr:BatchGetImage, "
                        "ecr:PutImage of its manifest)",
                        lambda aws, log, r=image.repository, d=digest, t=tag: _tag_image(
                            aws, log, r, d, t
                        ),
                    ),
                ),
            )
        )
    return actions, said


def _tag_image(
    aws: Aws, log: Callable[[str], None], repository: str, digest: str, tag: str
) -> None:
    """Add ``tag`` to the image ``digest`` without pulling it: its manifest read back
    (BatchGetImage, by digest) and put again under the tag (PutImage, naming that digest), as
    ECR's "Retagging an image" does. A refusal because the tag exists (ECR says
    ImageAlreadyExistsException when this image already has it; a repository with immutable
    tags may say ImageTagAlreadyExistsException) is a run that did it meanwhile when the tag
    is on this very image, not an error."""
    got = aws.client("ecr").batch_get_image(
        repositoryName=repository,
        imageIds=[{"imageDigest": digest}],
        acceptedMediaTypes=_MANIFEST_TYPES,
    )
    images = got.get("images") or []
    if not images:
        failures = "; ".join(
            f"{f.get('failureCode')}: {f.get('failureReason')}" for f in got.get("failures") or []
        )
        raise DeployError(
            f"Could not tag the image {repository}@{digest} {tag}: ECR did not return its "
            f"manifest ({failures or 'no image'}). If it was expired or deleted meanwhile, an "
            "endpoint made from the config that uses its model cannot start until it is "
            "pushed again."
        )
    try:
        aws.client("ecr").put_image(
            repositoryName=repository,
            imageManifest=images[0]["imageManifest"],
            imageManifestMediaType=images[0]["imageManifestMediaType"],
            imageTag=tag,
            imageDigest=digest,
        )
    except botocore.exceptions.ClientError as err:
        code = err.response.get("Error", {}).get("Code")
        if code not in ("ImageAlreadyExistsException", "ImageTagAlreadyExistsException"):
            raise
        found = aws.read(
            "ecr", "DescribeImages", repositoryName=repository, imageIds=[{"imageTag": tag}]
        )
        if ((found or {}).get("imageDetails") or [{}])[0].get("imageDigest") != digest:
            raise DeployError(
                f"Could not tag the image {repository}@{digest} {tag}: ECR has that tag on "
                "another image (tags are immutable in this repository). Delete that tag "
                f"(`aws ecr batch-delete-image --repository-name {repository} --image-ids "
                f"imageTag={tag}`) if it is not what a config uses, then run this again."
            ) from err
        log(f"    {repository}@{digest} was tagged {tag} by another run meanwhile")
