"""The ``kept-<model>`` tags in a stack's repository: which image holds each, and their removal.

`kept_image.keep_images` tags the image of a model kept for a hand-made config
``kept-<model>``, which the lifecycle policy never expires, and `kept_image.release_images`
removes that tag in the model's own deletion. A tag whose model was deleted otherwise (by a
run before that removal existed, or by hand) had no deletion left to remove it: its image
stayed for ever. So apply, and the destroy of an environment (the repository the environments
share stays), read the repository's tags once (`read_held`) and remove each of this stack's
kept- tags that no model of it needs where it is (`stacks.stale_kept_tags` says which: its
model is gone, or names another image now, replaced by hand under the same name; `sweep` plans
the removal, before `keep_images` puts a kept model's tag on the image it names). Another
stack's tags (the environments share one repository) are that stack's to sweep: model names
carry the stack's name, so its tags are told apart.

ECR removes a tag alone from an image that has others, and deletes an image with its last
tag (BatchDeleteImage): a kept- tag that is its image's last is left and said, with the
command that deletes it, since something may still run that image by its digest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import botocore.exceptions

from deploy.aws import DeployError
from deploy.plan import Action, Run

if TYPE_CHECKING:
    from deploy.aws import Aws


@dataclass(frozen=True)
class Held:
    """The image of the repository that holds a tag: its digest and every tag it has."""

    digest: str
    tags: frozenset[str]

    def last(self, tag: str) -> bool:
        """Whether ``tag`` is this image's only tag (removing it would delete the image)."""
        return self.tags <= {tag}


@dataclass(frozen=True)
class Stale:
    """A kept- tag of this stack's that no model needs on its image any more, and why."""

    tag: str
    model: str
    held: Held
    why: str


def read_held(aws: Aws, repository: str) -> dict[str, Held]:
    """Every tag of ``repository`` and the image that holds it: ListImages of its tagged
    images, every page (one image id per tag: an image with two tags is listed twice, by the
    same digest). A plan-time read the plan role is granted on the project's repository.
    Empty when the repository is gone."""
    ids = aws.read_pages(
        "ecr", "ListImages", "imageIds", repositoryName=repository, filter={"tagStatus": "TAGGED"}
    )
    by_digest: dict[str, set[str]] = {}
    for image in ids or []:
        if image.get("imageTag") and image.get("imageDigest"):
            by_digest.setdefault(image["imageDigest"], set()).add(image["imageTag"])
    return {
        tag: Held(digest, frozenset(tags)) for digest, tags in by_digest.items() for tag in tags
    }


def delete_command(repository: str, tag: str) -> str:
    """The command that removes ``tag`` from its image (and the image with its last tag)."""
    return f"`aws ecr batch-delete-image --repository-name {repository} --image-ids imageTag={tag}`"


def last_tag_risk(repository: str, tag: str) -> str:
    """Why a tag that is its image's last is not removed, and the command for one who knows
    nothing runs that image: the plan's line of a kept- tag it leaves, and the refusal of a
    tag another image holds (`kept_image`), say it in these words."""
    return (
        "that image's last tag, and ECR would delete the image with it, which something else "
        f"may still run by its digest. If nothing does, {delete_command(repository, tag)} "
        "deletes it"
    )


def left_line(repository: str, digest: str, tag: str) -> str:
    """What a plan says of a kept- tag it leaves because it is its image's last."""
    return (
        f"Left the tag {tag} on the image {repository}@{digest}: it is "
        f"{last_tag_risk(repository, tag)}."
    )


def untag(repository: str, tag: str, undone: str = "") -> Run:
    """The step removing ``tag`` alone from its image in ``repository``; ``undone``: what a
    failure leaves undone, said before how to go on."""
    return Run(
        f"remove the tag {tag} from its image in {repository} (ecr:BatchDeleteImage of that "
        "tag alone: the image keeps its other tags)",
        lambda aws, log: _untag_image(aws, log, repository, tag, undone),
    )


def sweep(stale: list[Stale], repository: str, registry: str) -> tuple[list[Action], list[str]]:
    """The actions removing each ``stale`` tag from its image in ``repository`` (at
    ``registry``), and what the plan says of each it leaves (its image's last tag)."""
    actions: list[Action] = []
    said: list[str] = []
    for s in stale:
        if s.held.last(s.tag):
            said.append(left_line(repository, s.held.digest, s.tag))
            continue
        actions.append(
            Action(
                "update",
                "image",
                f"{registry}/{repository}:{s.tag}",
                f"remove this tag: {s.why}, and the lifecycle policy never expires an image "
                "so tagged (the image keeps its other tags)",
                steps=(untag(repository, s.tag),),
            )
        )
    return actions, said


def _untag_image(
    aws: Aws, log: Callable[[str], None], repository: str, tag: str, undone: str
) -> None:
    """Remove ``tag`` alone (BatchDeleteImage by imageTag). ECR answers what it could not
    delete in ``failures``, not as an error: ImageNotFound is the tag already gone (removed
    by hand, or by a run meanwhile), which is what was wanted; another failure stops here,
    before what follows it in its action."""
    try:
        got = aws.client("ecr").batch_delete_image(
            repositoryName=repository, imageIds=[{"imageTag": tag}]
        )
    except botocore.exceptions.ClientError as err:
        if err.response.get("Error", {}).get("Code") != "RepositoryNotFoundException":
            raise
        log(f"    {repository} is gone, and {tag} with it")
        return
    failures = got.get("failures") or []
    others = [f for f in failures if f.get("failureCode") != "ImageNotFound"]
    if others:
        said = "; ".join(f"{f.get('failureCode')}: {f.get('failureReason')}" for f in others)
        raise DeployError(
            f"Could not remove the tag {tag} from its image in {repository} ({said}).{undone} "
            f"Run this again, or remove the tag by hand ({delete_command(repository, tag)})."
        )
    if failures:
        log(f"    {repository}:{tag} was already gone")
