"""The ECR repository of the model image, and the image itself when this repository builds it.

The image tag is a content hash of the build context (deploy/image.py), so "is it pushed?" is
one DescribeImages; building happens only when ECR lacks that tag. Tags are immutable.

Every merge that changes model/ pushes a new image, and nothing else ever deletes one: the
repository carries ECR's lifecycle policy (``lifecycle_policy``), which expires the built
images (``src-<hash>``) beyond the newest ``KEEP_IMAGES``. Enough stay for what may still
start instances: each environment's serving model and the one kept for rollback, and staging
running ahead of a production deploy that waits for approval. An expired tag the next apply
needs is built and pushed again (its content hash is the same). Images with other tags, or
none, are never expired (a ``model.image`` pushed by hand stays).

One more image must stay however many are pushed after it: that of a model of ours that a
config not made by deploy (a hand-made endpoint config) uses, which destroy and apply's
clean-up keep (`stacks.spare_used`). SageMaker pulls it whenever an endpoint made from that
config starts instances. `deploy.kept_image` tags it ``kept-<model>`` (BatchGetImage, then
PutImage of its manifest under the new tag, as ECR's "Retagging an image" does), and the
policy's first rule selects that prefix with a count never reached: ECR's lifecycle
evaluation lets no lower-priority rule expire an image that matches a higher-priority rule's
tags.

The environments of a project share its repository (one image, built once, promoted by
digest): an environment creates it when missing but never deletes it, and tags it with the
project's tags only (environments may differ in theirs). A preview owns its own repository.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from deploy import image as image_module
from deploy.aws import DeployError, tag_dict, tag_list
from deploy.image import KEEP_IMAGES as KEEP_IMAGES  # re-exported: it was defined here
from deploy.image import TAG_PREFIX, build_and_push, describe_build
from deploy.plan import Action, Call, Change, Run, Step
from deploy.resources.base import GONE_OK, PlanContext, ResourceType, fields_of, reconcile
from deploy.world import Desired, World

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.inputs import ImageInputs
    from deploy.naming import Names


# The tag prefix of an image a kept model runs (`kept_tag`), and the count of such images
# the lifecycle policy's first rule allows before expiring the oldest: never reached (each is
# one model a hand-made config uses). ECR has no "keep" action: a rule expires what it selects
# beyond its count, and a lower-priority rule cannot expire what a higher one's tags match.
KEPT_PREFIX = "kept-"
KEPT_COUNT = 9999


def kept_tag(model: str) -> str:
    """The tag of the image of ``model``, a model of ours a config not made by deploy uses."""
    return f"{KEPT_PREFIX}{model}"


def lifecycle_policy(keep: int | None = None) -> dict[str, Any]:
    """ECR's lifecycle policy of a repository deploy owns: first, a rule on ``kept-`` (the
    images kept models run: `deploy.kept_image`) whose count is never reached, so the second
    cannot expire them; then one ``tagged`` rule on the prefix of the tags deploy builds (ECR
    requires a tagged rule to name its tags), count-based so that an image nobody replaced
    never expires however old it is. ``keep``: by default `deploy.image.KEEP_IMAGES`, read
    when called, as the messages that name it read it."""
    keep = image_module.KEEP_IMAGES if keep is None else keep
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": (
                    f"never expire an image tagged {KEPT_PREFIX}<model>: a config not made by "
                    "deploy uses that model"
                ),
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": [KEPT_PREFIX],
                    "countType": "imageCountMoreThan",
                    "countNumber": KEPT_COUNT,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": (
                    f"keep the {keep} newest images deploy built ({TAG_PREFIX}<hash>), expire older"
                ),
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": [TAG_PREFIX],
                    "countType": "imageCountMoreThan",
                    "countNumber": keep,
                },
                "action": {"type": "expire"},
            },
        ]
    }


@dataclass(frozen=True)
class RepositorySpec:
    KIND: ClassVar[str] = "ecr_repository"
    name: str
    arn: str = field(compare=False)
    image_tag_mutability: str = "IMMUTABLE"
    tags: dict[str, str] | None = field(default=None, compare=False)
    lifecycle_policy: dict[str, Any] = field(default_factory=lifecycle_policy)


@dataclass(frozen=True)
class SeenRepository:
    KIND: ClassVar[str] = "ecr_repository"
    name: str
    arn: str
    image_tag_mutability: str | None
    tags: dict[str, str]
    shared: bool = False  # the project's, used by every environment: destroy leaves it
    lifecycle_policy: dict[str, Any] | None = None  # None: the repository has none


def shared(names: Names) -> bool:
    """Whether this deployment uses a repository other environments use too."""
    return names.env is not None and names.ecr_repository != names.stack


@dataclass(frozen=True)
class ImageSpec:
    """An image to build and push: ``name`` is its URI (tag = content hash)."""

    KIND: ClassVar[str] = "image"
    name: str
    repository: str = field(compare=False)
    tag: str = field(compare=False)
    commands: tuple[tuple[str, ...], ...] = field(compare=False)


@dataclass(frozen=True)
class SeenImage:
    KIND: ClassVar[str] = "image"
    name: str


def desired(cfg: Config, inp: ImageInputs) -> list[RepositorySpec | ImageSpec]:
    n = inp.names
    tags = cfg.all_tags
    if shared(n):
        tags = {k: v for k, v in tags.items() if k in ("project", "managed-by")}
    out: list[RepositorySpec | ImageSpec] = [
        RepositorySpec(n.ecr_repository, n.ecr_repository_arn, tags=tags)
    ]
    if inp.build_image:
        tag = inp.image_uri.rsplit(":", 1)[1]
        out.append(ImageSpec(inp.image_uri, n.ecr_repository, tag, inp.push_commands))
    return out


def observe(aws: Aws, names: Names, desired: Desired, world: World) -> list[object]:
    found = aws.read("ecr", "DescribeRepositories", repositoryNames=[names.ecr_repository])
    if not found:
        return []
    repo = found["repositories"][0]
    tags = aws.read("ecr", "ListTagsForResource", resourceArn=repo["repositoryArn"]) or {}
    policy = aws.read("ecr", "GetLifecyclePolicy", repositoryName=names.ecr_repository)
    out: list[object] = [
        SeenRepository(
            names.ecr_repository,
            repo["repositoryArn"],
            repo.get("imageTagMutability"),
            tag_dict(tags.get("tags")),
            shared(names),
            json.loads(policy["lifecyclePolicyText"]) if policy else None,
        )
    ]
    for image in desired.of_kind("image"):
        if _pushed(aws, image.repository, image.tag):
            out.append(SeenImage(image.name))
    return out


def _pushed(aws: Aws, repository: str, tag: str) -> bool:
    found = aws.read(
        "ecr", "DescribeImages", repositoryName=repository, imageIds=[{"imageTag": tag}]
    )
    return bool(found and found.get("imageDetails"))


def _create_repository(spec: RepositorySpec) -> tuple[Step, ...]:
    return (
        Call(
            "ecr",
            "CreateRepository",
            {
                "repositoryName": spec.name,
                "imageTagMutability": spec.image_tag_mutability,
                "imageScanningConfiguration": {"scanOnPush": True},
                "tags": tag_list(spec.tags or {}),
            },
        ),
        _put_lifecycle_policy(spec),
    )


def _put_lifecycle_policy(spec: RepositorySpec) -> Call:
    return Call(
        "ecr",
        "PutLifecyclePolicy",
        {"repositoryName": spec.name, "lifecyclePolicyText": json.dumps(spec.lifecycle_policy)},
    )


def _update_repository(spec: RepositorySpec, changes: tuple[Change, ...]) -> tuple[Step, ...]:
    steps: list[Step] = []
    if "image_tag_mutability" in fields_of(changes):
        steps.append(
            Call(
                "ecr",
                "PutImageTagMutability",
                {"repositoryName": spec.name, "imageTagMutability": spec.image_tag_mutability},
            )
        )
    if "lifecycle_policy" in fields_of(changes):
        steps.append(_put_lifecycle_policy(spec))
    if "tags" in fields_of(changes):
        steps.append(
            Call("ecr", "TagResource", {"resourceArn": spec.arn, "tags": tag_list(spec.tags or {})})
        )
    return tuple(steps)


def _build_and_push(aws: Aws, log: Callable[[str], None], spec: ImageSpec) -> None:
    """Build and push; a failure after which ECR has the tag is another run's push won.

    Two runs of one commit may build at once, and the stack's lock cannot keep them apart
    (deploy/lock.py: `image` takes none, and the environments' locks are per stack while the
    repository is the project's): a laptop's `deploy image` and CI's, or two environments'
    applies. Both find the tag missing and build; ECR's tags are immutable, so the second push
    is refused. The tag is the content hash of the build context, so the image there is this
    build's (functionally: builds are not byte-identical): it is used, not an error, and both
    runs go on with the same digest."""
    try:
        build_and_push(aws, [list(c) for c in spec.commands], log)
    except DeployError:
        if not _pushed(aws, spec.repository, spec.tag):
            raise
        log(f"    {spec.tag} was pushed by another run meanwhile (same content hash): using it")


def _image(spec: ImageSpec, seen: SeenImage | None) -> Action:
    if seen is not None:
        return Action("noop", "image", spec.name, "pushed")
    what = describe_build([list(c) for c in spec.commands])
    step = Run(what, lambda aws, log: _build_and_push(aws, log, spec))
    return Action("create", "image", spec.name, "ECR lacks this tag: build and push", steps=(step,))


def plan(ctx: PlanContext) -> list[Action]:
    out = []
    for spec in ctx.desired.of_kind("ecr_repository"):
        seen = ctx.world.get("ecr_repository", spec.name)
        out.append(
            reconcile(
                spec,
                seen,
                lambda s=spec: _create_repository(s),
                lambda changes, s=spec: _update_repository(s, changes),
            )
        )
    for image in ctx.desired.of_kind("image"):
        out.append(_image(image, ctx.world.get("image", image.name)))
    return out


def destroy(world: World) -> list[Action]:
    """The repository with every image in it (force); never the one environments share."""
    return [
        Action(
            "delete",
            "ecr_repository",
            repo.name,
            "destroy, with its images",
            steps=(
                Call(
                    "ecr",
                    "DeleteRepository",
                    {"repositoryName": repo.name, "force": True},
                    ok_if=GONE_OK,
                ),
            ),
        )
        for repo in world.of_kind("ecr_repository")
        if not repo.shared
    ]


RESOURCE = ResourceType(
    kinds={"ecr_repository": (), "image": ("ecr_repository",)},
    desired=desired,
    observe=observe,
    plan=plan,
    destroy=destroy,
)
