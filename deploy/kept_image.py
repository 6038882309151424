"""The image of a model kept for a config not made by deploy, kept from ECR's lifecycle policy.

Destroy and apply's clean-up keep a model of ours that a hand-made endpoint config uses
(`stacks.spare_used`), with its role and repository; SageMaker pulls the model's image
whenever an endpoint made from that config starts instances. The repository's lifecycle
policy (`resources/ecr.py`) would expire that image after enough newer builds, but never one
tagged ``kept-<model>`` (its first rule): `keep_images` plans that tag. Not in
resources/ecr.py, every read of which the plan role is granted: the tagging reads the image's
manifest (ecr:BatchGetImage), which only the deploy and preview roles may.

Once no such config uses the model, the apply or destroy that deletes it removes the tag
(`release_images`): else the image, whatever its age, stayed for ever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import botocore.exceptions

from deploy import kept_tags
from deploy.aws import DeployError
from deploy.kept_tags import Held, delete_command, last_tag_risk, left_line
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


def keep_images(
    aws: Aws, kept: list[KeptImage], held: dict[str, Held] | None = None
) -> tuple[list[Action], dict[str, str]]:
    """The actions tagging each kept model's image ``kept-<model>`` (the lifecycle policy's
    first rule never expires it), and by model what its `Kept …` line adds. One already so
    tagged (an earlier run's) needs none; one no longer in ECR cannot be kept, and is said.
    ``held``: the repository's tags (`kept_tags.read_held`), None when the plan did not list
    them (a repository it does not sweep). The tag on another image (the one the model named
    before it was replaced by hand under its name) moves: the sweep removes it there
    (`kept_tags.sweep`, planned before these), since tags are immutable in the repository,
    and this tags the image the model names; unless it is that image's last tag, which the
    sweep leaves (ECR would delete the image): this image is then not tagged, and that is
    said.

    Each image is looked up in ``held`` (`_image_of`): the listing has its digest and every
    tag, as DescribeImages would. Only one it lacks is described (DescribeImages): the
    listing holds tagged images only, so an untagged one, or one gone, is told apart there."""
    actions: list[Action] = []
    said: dict[str, str] = {}
    for image in kept:
        tag = kept_tag(image.model)
        found = _image_of(aws, image, held)
        if found is None:
            said[image.model] = (
                f" Its image {image.uri} is no longer in ECR (expired by the repository's "
                "lifecycle policy, or deleted): an endpoint made from that config cannot start "
                "until that image is pushed again."
            )
            continue
        if tag in found.tags:
            said[image.model] = (
                f" Its image {image.uri} is tagged {tag}, which the repository's lifecycle "
                "policy never expires."
            )
            continue
        digest = found.digest
        before = (held or {}).get(tag)
        if before is not None and before.digest != digest and before.last(tag):
            said[image.model] = (
                f" Its image {image.uri} is not tagged {tag}: that tag is on "
                f"{image.repository}@{before.digest}, the image the model named before it was "
                "replaced, and is that image's last tag, which is left (see below); once it is "
                "removed, the next apply or destroy tags this image, which the repository's "
                "lifecycle policy may expire until then."
            )
            continue
        moved = (
            f" (moved from {image.repository}@{before.digest}, the image the model named "
            "before it was replaced)"
            if before is not None and before.digest != digest
            else ""
        )
        said[image.model] = (
            f" Its image {image.uri} is tagged {tag} too{moved}, which the repository's "
            "lifecycle policy never expires: SageMaker pulls it whenever an endpoint made "
            "from that config starts instances. Once that config no longer uses it, the apply "
            "or destroy that deletes the model removes that tag too (the image keeps its other "
            "tags)."
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


def _listed(image_id: dict[str, str], held: dict[str, Held]) -> Held | None:
    """The image ``image_id`` names (its tag or its digest) as the repository's tag listing
    ``held`` has it (`kept_tags.read_held`); None when it is not there (untagged, or gone)."""
    if "imageTag" in image_id:
        return held.get(image_id["imageTag"])
    return next((h for h in held.values() if h.digest == image_id.get("imageDigest")), None)


def _image_of(aws: Aws, image: KeptImage, held: dict[str, Held] | None) -> Held | None:
    """``image``'s digest and tags: from ``held`` when it lists it, else DescribeImages of it
    (None: ECR no longer has it)."""
    found = _listed(image.image_id, held) if held is not None else None
    if found is not None:
        return found
    got = aws.read(
        "ecr", "DescribeImages", repositoryName=image.repository, imageIds=[image.image_id]
    )
    details = (got or {}).get("imageDetails") or []
    if not details:
        return None
    return Held(str(details[0]["imageDigest"]), frozenset(details[0].get("imageTags") or []))


def _tag_image(
    aws: Aws, log: Callable[[str], None], repository: str, digest: str, tag: str
) -> None:
    """Add ``tag`` to the image ``digest`` without pulling it: its manifest read back
    (BatchGetImage, by digest) and put again under the tag (PutImage, naming that digest), as
    ECR's "Retagging an image" does. A refusal because the tag exists (ECR says
    ImageAlreadyExistsException when this image already has it, and
    ImageTagAlreadyExistsException when another image has it: tags are immutable in the
    repository) is a run that did it meanwhile when the tag is on this very image, not an
    error; which image has it is read again rather than told by the code."""
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
        holder = ((found or {}).get("imageDetails") or [{}])[0]
        if holder.get("imageDigest") != digest:
            raise DeployError(_tag_elsewhere(repository, digest, tag, holder)) from err
        log(f"    {repository}@{digest} was tagged {tag} by another run meanwhile")


def _tag_elsewhere(repository: str, digest: str, tag: str, holder: dict) -> str:
    """Why ``tag`` could not go on ``digest``, and how to go on: ``holder`` is the image
    DescribeImages found with the tag ({} when the tag was gone by then). Removing a tag that
    is its image's last deletes the image (BatchDeleteImage), which something may still run by
    its digest: that is said, as the plan says it of the kept- tags it leaves."""
    head = f"Could not tag the image {repository}@{digest} {tag}: "
    if not holder.get("imageDigest"):
        return head + "that tag was on another image and is gone now: run this again."
    other = holder["imageDigest"]
    head += (
        f"ECR has that tag on another image, {repository}@{other} (tags are immutable in this "
        "repository). "
    )
    rest = sorted(set(holder.get("imageTags") or []) - {tag})
    if not rest:
        return head + f"It is {last_tag_risk(repository, tag)}; then run this again."
    return head + (
        f"{delete_command(repository, tag)} removes that tag alone (the image keeps its other "
        f"tags: {', '.join(rest)}); then run this again."
    )


def release_images(
    actions: list[Action], images: list[KeptImage], held: dict[str, Held]
) -> tuple[list[Action], list[str]]:
    """``actions`` with the deletion of each model of ``images`` (`stacks.released_images`)
    first removing its image's ``kept-<model>`` tag, where the repository has it (``held``:
    its tags, as `kept_tags.read_held` listed them once for this plan; most deleted models
    were never kept), and what the plan says of one it leaves.

    BatchDeleteImage of that tag alone removes the tag from its image, which keeps its other
    tags (the lifecycle policy's rule on the built images governs it again); ECR deletes the
    image with its last tag, so a tag that is its image's last is left and said: something
    else may run that image by its digest (another environment's model). The removal runs
    before DeleteModel, in the model's own action: a failed one leaves the model, and the next
    run plans both again (the other order, interrupted, would leave the tag with no model to
    find it by)."""
    untag: dict[str, Run] = {}
    said: list[str] = []
    for image in images:
        tag = kept_tag(image.model)
        found = held.get(tag)
        if found is None:
            continue
        if found.last(tag):
            said.append(left_line(image.repository, found.digest, tag))
            continue
        untag[image.model] = kept_tags.untag(image.repository, tag, " The model was not deleted.")
    out = [
        replace(
            a,
            reason=f"{a.reason}; its image's tag {kept_tag(a.name)} (a config not made by "
            "deploy used it) removed first",
            steps=(untag[a.name], *a.steps),
        )
        if (a.op, a.kind) == ("delete", "sagemaker_model") and a.name in untag
        else a
        for a in actions
    ]
    return out, said
