"""The SageMaker model: the image, the role it runs as, its environment.

Immutable and named by a hash of exactly those (``{project}-m-<hash>``): a change is a new
model, never an update, and the same config always gives the same name. Which old models are
deleted, once the endpoint serves a newer one, is the endpoint config's rule (the generation
kept for rollback is a config and its model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from deploy import budget
from deploy.aws import tag_list
from deploy.aws_errors import ErrorKind
from deploy.config import PAYLOAD_ENV as PAYLOAD_ENV  # the model's body limit (environment())
from deploy.image import check_manifest_media_type, ecr_image_ref
from deploy.naming import Names, content_hash
from deploy.plan import Action, Call, Change, Check, Phase, Step, canonical, differences
from deploy.resources.base import (
    GONE_OK,
    WHILE_PROPAGATING,
    PlanContext,
    ResourceType,
    changed,
    sagemaker_tags,
)
from deploy.world import Desired, World

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.inputs import Inputs


@dataclass(frozen=True)
class ModelSpec:
    KIND: ClassVar[str] = "sagemaker_model"
    name: str
    image: str
    role_arn: str
    environment: dict[str, str]
    role_name: str = field(compare=False)
    tags: dict[str, str] | None = field(default=None, compare=False)
    # The project's ECR repository (deploy creates it): named when the image's is missing,
    # with the stack's --env for the command that creates it (None: the single deployment).
    repository: str = field(default="", compare=False)
    env: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SeenModel:
    KIND: ClassVar[str] = "sagemaker_model"
    name: str
    arn: str
    created: Any
    image: str | None = None
    role_arn: str | None = None
    environment: dict[str, str] | None = None
    tags: dict[str, str] | None = None


def environment(cfg: Config) -> dict[str, str]:
    """The container's environment: ``endpoint.environment`` from config.yaml, and on a
    serverless endpoint the model's body limit lowered to what SageMaker carries there (4 MB
    each way, not real-time's 6 MB): an answer between the two never reached the caller, who
    got a 5xx, where the model now answers a 413 that says how to get a smaller one. A value
    set in config.yaml is kept (config.py counts it in SageMaker's 100 variables)."""
    return cfg.endpoint.container_environment


def identity(cfg: Config, n: Names, image_uri: str) -> dict[str, Any]:
    """What the model's name hashes (unchanged since the first release for instance
    endpoints: names stay stable; a serverless one's gained its payload limit)."""
    env = environment(cfg)
    return {"image": image_uri, "role_arn": n.role_arn(n.sagemaker_role), "environment": env}


def model_spec(cfg: Config, n: Names, image_uri: str) -> ModelSpec:
    ident = identity(cfg, n, image_uri)
    return ModelSpec(
        name=n.model(content_hash(ident)),
        image=ident["image"],
        role_arn=ident["role_arn"],
        environment=ident["environment"],
        role_name=n.sagemaker_role,
        tags=cfg.all_tags,
        repository=n.ecr_repository,
        env=n.env,
    )


def desired(cfg: Config, inp: Inputs) -> list[ModelSpec]:
    return [model_spec(cfg, inp.names, inp.image_uri)]


def observe(aws: Aws, names: Names, desired: Desired, world: World) -> list[SeenModel]:
    """Every model of the stack, described, with its tags (there are few: current, previous,
    new). Every one's tags, not only the config's models': an earlier config's (the kept
    generation, a model an interrupted apply left) is deleted by destroy and by the endpoint
    config's rule too, so whose it is (its ``project`` tag, `stacks.names_taken`) is read."""
    out = []
    for m in aws.pages("sagemaker", "ListModels", "Models", NameContains=names.model("")):
        name = m["ModelName"]
        if not names.model_pattern.match(name):
            continue
        d = aws.read("sagemaker", "DescribeModel", ModelName=name)
        if d is None:
            continue  # deleted between the list and the describe
        container = d.get("PrimaryContainer", {})
        tags = sagemaker_tags(aws, m["ModelArn"])
        out.append(
            SeenModel(
                name=name,
                arn=m["ModelArn"],
                created=m.get("CreationTime"),
                image=container.get("Image"),
                role_arn=d.get("ExecutionRoleArn"),
                environment=container.get("Environment", {}),
                tags=tags,
            )
        )
    return out


def serving_model(world: World) -> Any:
    """The model the endpoint serves now (through its config), None when there is none."""
    endpoint = world.one("endpoint")
    config = world.get("endpoint_config", endpoint.config) if endpoint else None
    return world.get("sagemaker_model", config.model) if config else None


def new_generation(spec: Any, serving: Any, fields: tuple[str, ...]) -> tuple[Change, ...]:
    """What a new hash-named object changes compared with the one serving now."""
    have = _flat({f: canonical(getattr(serving, f, None)) for f in fields})
    want = _flat({f: canonical(getattr(spec, f)) for f in fields})
    return tuple(
        Change(k, have.get(k), want.get(k))
        for k in sorted(set(have) | set(want))
        if have.get(k) != want.get(k)
    )


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """{"variant": {"instance_type": x}} → {"variant.instance_type": x}. An empty mapping
    below the top has no keys to show: emptying ``environment`` shows the variables that go,
    not also ``environment: null → {}``."""
    if isinstance(value, dict) and (value or prefix):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def _manifest_check(uri: str, repository: str = "", env: str | None = None) -> tuple[Step, ...]:
    """SageMaker refuses an image whose manifest is OCI; an ECR image is checked first (the
    image may be pushed in this same apply, so the check runs then, not at plan time)."""
    if ecr_image_ref(uri) is None:
        return ()
    what = f"{uri} is a Docker v2 schema 2 image in ECR (SageMaker refuses OCI manifests)"
    return (
        Check(what, lambda aws, log: check_manifest_media_type(aws, uri, log, repository, env)),
    )


def _create(spec: ModelSpec, role_is_new: bool) -> tuple[Step, ...]:
    # A role created or changed moments ago is rejected ("Could not assume role", a
    # ValidationException) until IAM has propagated it: retried then, and only then, and only
    # that error (deploy/aws_errors.py), for a bounded time.
    return *_manifest_check(spec.image, spec.repository, spec.env), Call(
        "sagemaker",
        "CreateModel",
        {
            "ModelName": spec.name,
            "ExecutionRoleArn": spec.role_arn,
            "PrimaryContainer": {"Image": spec.image, "Environment": spec.environment},
            "Tags": tag_list(spec.tags or {}),
        },
        # Also when the role is not new to this plan: an apply that stopped moments after
        # creating it leaves it just as unpropagated (shorter bound then).
        retry_on=frozenset({ErrorKind.PROPAGATING}),
        retry_s=budget.IAM_PROPAGATION_S if role_is_new else budget.BUSY_RETRY_S,
        retry_why=WHILE_PROPAGATING,
    )


def delete_model(seen: Any, reason: str, phase: Phase = "main") -> Action:
    return Action(
        "delete",
        "sagemaker_model",
        seen.name,
        reason,
        steps=(Call("sagemaker", "DeleteModel", {"ModelName": seen.name}, ok_if=GONE_OK),),
        phase=phase,
    )


def plan_model(spec: ModelSpec, ctx: PlanContext) -> Action:
    seen: SeenModel | None = ctx.world.get("sagemaker_model", spec.name)
    role_is_new = ctx.changing("iam_role", spec.role_name)
    if seen is None:
        serving = serving_model(ctx.world)
        if serving is None:
            steps = _create(spec, role_is_new)
            return Action("create", spec.KIND, spec.name, "does not exist", steps=steps)
        diff = new_generation(spec, serving, ("image", "role_arn", "environment"))
        fields = ", ".join(c.field for c in diff) or "tags"
        reason = f"new version of {serving.name}: {fields}"
        return Action("create", spec.KIND, spec.name, reason, diff, _create(spec, role_is_new))
    changes = differences(spec, seen)
    if not changes:
        return Action("noop", spec.KIND, spec.name, "up to date")
    if any(c.field != "tags" for c in changes):
        # Same hash-derived name, different body: someone changed it by hand.
        steps = (
            Call("sagemaker", "DeleteModel", {"ModelName": spec.name}, ok_if=GONE_OK),
            *_create(spec, role_is_new),
        )
        return Action("replace", spec.KIND, spec.name, changed(changes), changes, steps)
    tag = Call("sagemaker", "AddTags", {"ResourceArn": seen.arn, "Tags": tag_list(spec.tags or {})})
    return Action("update", spec.KIND, spec.name, changed(changes), changes, (tag,))


def plan(ctx: PlanContext) -> list[Action]:
    return [plan_model(spec, ctx) for spec in ctx.desired.of_kind("sagemaker_model")]


def destroy(world: World) -> list[Action]:
    return [delete_model(m, "destroy") for m in world.of_kind("sagemaker_model")]


RESOURCE = ResourceType(
    kinds={"sagemaker_model": ("iam_role", "image")},
    desired=desired,
    observe=observe,
    plan=plan,
    destroy=destroy,
)
