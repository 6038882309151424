"""The SageMaker endpoint configuration: which model, on what (instances or serverless).

Immutable and hash-named like the model (``{project}-c-<hash>``). A new config is a new
*generation* (config + its model); after the endpoint switched to it, every older generation
but the previous one (kept as the rollback target) is deleted, config before model.

The name hashes what needs a new fleet (the model, the instance type, a serverless variant's
memory), not the capacity: the instance count and a serverless variant's MaxConcurrency are
the endpoint's, updated in place (`endpoint.py`, UpdateEndpointWeightsAndCapacities and its
ServerlessUpdateConfig, which has no memory), which leaves the config's InitialInstanceCount
or MaxConcurrency behind, so they are not compared. A config named when the capacity was
still hashed is kept while it serves the same model on the same instance type or memory
(`serving_same`): the endpoint is not switched to a twin that differs only in its name.

"Previous" is the config that last *served* before the current one, not the newest created: a
switch SageMaker rolled back leaves a newer config that never served. Without a state file,
the endpoint carries that history in tags its switch writes (`endpoint.py`): the config the
last apply asked for (right after UpdateEndpoint), and, once the endpoint is InService on it,
the config serving and the one that served before it. An endpoint switched before these tags
existed falls back to the newest config created before its current one. During an update to
another config (a cancelled apply's switch goes on), the previous one is the config being
deployed, not the one serving meanwhile: the switch waits for it to land and leaves it (the one
serving meanwhile is kept by that apply, as in use, and deleted by the next). If that update
fails, SageMaker rolls it back and the one serving meanwhile serves on: the switch reads what
serves once the update ended and records that one as the previous (`endpoint.py`), so the next
apply keeps it and deletes the config that never served.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from deploy.aws import tag_list
from deploy.naming import VARIANT, Names, content_hash
from deploy.plan import Action, Call, Phase, Step, canonical, differences
from deploy.resources.base import GONE_OK, PlanContext, ResourceType, changed, sagemaker_tags
from deploy.resources.sagemaker_model import delete_model, model_spec, new_generation
from deploy.world import Desired, World

if TYPE_CHECKING:
    from deploy.aws import Aws
    from deploy.config import Config
    from deploy.inputs import Inputs

SUPERSEDED = "superseded (kept: current and the one that served before it)"
# The endpoint's tags that record its configs' history (written by endpoint.py's switch).
REQUESTED = "requested-config"  # what the last apply asked it to serve
SERVING = "serving-config"  # what it served when the last switch finished
PREVIOUS = "previous-config"  # what served before that


@dataclass(frozen=True)
class ConfigSpec:
    KIND: ClassVar[str] = "endpoint_config"
    name: str
    variant: dict[str, Any]
    model: str = field(compare=False)
    tags: dict[str, str] | None = field(default=None, compare=False)
    # A new fleet's InitialInstanceCount (None: serverless); the running count is the endpoint's.
    initial_count: int | None = field(default=None, compare=False)
    # A new serverless endpoint's MaxConcurrency (None: instances); the endpoint's after that.
    max_concurrency: int | None = field(default=None, compare=False)

    @property
    def capacity(self) -> int | None:
        """What an endpoint created from it starts with: instances, or serverless concurrency."""
        return self.initial_count if self.initial_count is not None else self.max_concurrency


@dataclass(frozen=True)
class SeenConfig:
    KIND: ClassVar[str] = "endpoint_config"
    name: str
    arn: str
    created: Any
    model: str | None
    variant: dict[str, Any] | None
    tags: dict[str, str] | None = None
    initial_count: int | None = None  # InitialInstanceCount: what a new fleet from it starts with
    max_concurrency: int | None = None  # a serverless one's MaxConcurrency, likewise

    @property
    def capacity(self) -> int | None:
        return self.initial_count if self.initial_count is not None else self.max_concurrency


def variant_spec(cfg: Config, model_name: str) -> dict[str, Any]:
    """The one production variant, in the shape the config's name hashes: what a change of
    needs a new fleet (the instance count and a serverless MaxConcurrency do not: the endpoint
    updates them in place)."""
    ep = cfg.endpoint
    v: dict[str, Any] = {"name": VARIANT, "model": model_name}
    if ep.serverless:
        v["serverless"] = {"memory_mb": ep.serverless.memory_mb}
    else:
        v["instance_type"] = ep.instance_type
    return v


def config_spec(cfg: Config, n: Names, image_uri: str) -> ConfigSpec:
    model = model_spec(cfg, n, image_uri).name
    identity = {"variant": variant_spec(cfg, model)}
    serverless = cfg.endpoint.serverless
    return ConfigSpec(
        n.endpoint_config(content_hash(identity)),
        identity["variant"],
        model,
        cfg.all_tags,
        initial_count=None if serverless else cfg.endpoint.instance_count,
        max_concurrency=serverless.max_concurrency if serverless else None,
    )


def desired(cfg: Config, inp: Inputs) -> list[ConfigSpec]:
    return [config_spec(cfg, inp.names, inp.image_uri)]


def _variant_seen(v: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": v.get("VariantName"), "model": v.get("ModelName")}
    if v.get("ServerlessConfig"):
        out["serverless"] = {"memory_mb": v["ServerlessConfig"].get("MemorySizeInMB")}
    else:
        out["instance_type"] = v.get("InstanceType")
    return out


def observe(aws: Aws, names: Names, desired: Desired, world: World) -> list[SeenConfig]:
    """Every endpoint config of the stack, with its tags: every one's, as for the models
    (`sagemaker_model.observe`): destroy and the kept-generation rule delete them all."""
    out = []
    listed = aws.pages(
        "sagemaker",
        "ListEndpointConfigs",
        "EndpointConfigs",
        NameContains=names.endpoint_config(""),
    )
    for c in listed:
        name = c["EndpointConfigName"]
        if not names.endpoint_config_pattern.match(name):
            continue
        d = aws.read("sagemaker", "DescribeEndpointConfig", EndpointConfigName=name)
        if d is None:
            continue  # deleted between the list and the describe
        variants = d.get("ProductionVariants", [])
        tags = sagemaker_tags(aws, c["EndpointConfigArn"])
        out.append(
            SeenConfig(
                name=name,
                arn=c["EndpointConfigArn"],
                created=c.get("CreationTime"),
                model=variants[0].get("ModelName") if variants else None,
                variant=_variant_seen(variants[0]) if variants else None,
                tags=tags,
                initial_count=variants[0].get("InitialInstanceCount") if variants else None,
                max_concurrency=(
                    (variants[0].get("ServerlessConfig") or {}).get("MaxConcurrency")
                    if variants
                    else None
                ),
            )
        )
    return out


def _create(spec: ConfigSpec) -> Call:
    v = spec.variant
    pv: dict[str, Any] = {"VariantName": v["name"], "ModelName": v["model"]}
    if "serverless" in v:
        pv["ServerlessConfig"] = {
            "MemorySizeInMB": v["serverless"]["memory_mb"],
            "MaxConcurrency": spec.max_concurrency,
        }
    else:
        pv.update(
            InstanceType=v["instance_type"],
            InitialInstanceCount=spec.initial_count,
            InitialVariantWeight=1.0,
        )
    return Call(
        "sagemaker",
        "CreateEndpointConfig",
        {
            "EndpointConfigName": spec.name,
            "ProductionVariants": [pv],
            "Tags": tag_list(spec.tags or {}),
        },
    )


def serving_config(world: World) -> Any:
    endpoint = world.one("endpoint")
    return world.get("endpoint_config", endpoint.config) if endpoint else None


def serving_same(spec: ConfigSpec, world: World) -> SeenConfig | None:
    """The config the endpoint serves when it is ``spec`` under another name: the same model
    on the same instance type (or serverless memory), named when the instance count (or the
    serverless MaxConcurrency) was part of the name. The endpoint keeps it (and updates those
    in place); a switch to ``spec`` would roll a new fleet for nothing."""
    serving = serving_config(world)
    if serving is None or serving.name == spec.name or world.get("endpoint_config", spec.name):
        return None
    return serving if canonical(serving.variant) == canonical(spec.variant) else None


def target(spec: ConfigSpec, world: World) -> str:
    """The config the endpoint is to serve: ``spec``'s, or the same one serving already."""
    same = serving_same(spec, world)
    return same.name if same else spec.name


def fleet_count(name: str, desired: Desired, world: World) -> int | None:
    """What an endpoint created from config ``name`` starts with: its InitialInstanceCount (a
    serverless config's MaxConcurrency), the existing config's, else the one this plan
    creates (None: unknown)."""
    seen = world.get("endpoint_config", name)
    if seen is not None:
        return seen.capacity
    spec = desired.get("endpoint_config", name)
    return spec.capacity if spec is not None else None


def plan_config(spec: ConfigSpec, world: World) -> Action:
    seen: SeenConfig | None = world.get("endpoint_config", spec.name)
    same = serving_same(spec, world)
    if same is not None:
        what = "serverless memory" if "serverless" in spec.variant else "instance type"
        count = "max concurrency" if "serverless" in spec.variant else "instance count"
        reason = (
            f"the endpoint serves {same.name}: the same model and {what}, named when the "
            f"{count} was part of the name; kept (no new fleet)"
        )
        return Action("noop", spec.KIND, spec.name, reason)
    if seen is None:
        serving = serving_config(world)
        steps: tuple[Step, ...] = (_create(spec),)
        if serving is None or serving.variant is None:
            return Action("create", spec.KIND, spec.name, "does not exist", steps=steps)
        diff = new_generation(spec, serving, ("variant",))
        fields = ", ".join(c.field for c in diff) or "tags"
        return Action(
            "create", spec.KIND, spec.name, f"new version of {serving.name}: {fields}", diff, steps
        )
    changes = differences(spec, seen)
    if not changes:
        return Action("noop", spec.KIND, spec.name, "up to date")
    if any(c.field != "tags" for c in changes):
        # Same hash-derived name, different body: someone changed it by hand.
        steps = (
            Call(
                "sagemaker",
                "DeleteEndpointConfig",
                {"EndpointConfigName": spec.name},
                ok_if=GONE_OK,
            ),
            _create(spec),
        )
        return Action("replace", spec.KIND, spec.name, changed(changes), changes, steps)
    tag = Call("sagemaker", "AddTags", {"ResourceArn": seen.arn, "Tags": tag_list(spec.tags or {})})
    return Action("update", spec.KIND, spec.name, changed(changes), changes, (tag,))


def delete_config(seen: Any, reason: str, phase: Phase = "main") -> Action:
    return Action(
        "delete",
        "endpoint_config",
        seen.name,
        reason,
        steps=(
            Call(
                "sagemaker",
                "DeleteEndpointConfig",
                {"EndpointConfigName": seen.name},
                ok_if=GONE_OK,
            ),
        ),
        phase=phase,
    )


def served_before(endpoint: Any, configs: list[Any]) -> str | None:
    """The config that served last before the endpoint's current one, from the history its
    tags record; ``serving`` naming another config means the switch to the current one
    finished without its record (an apply stopped right then): ``serving`` served before it.
    Without a record, the newest config created before the current one (one created after it
    never served, or served until a revert)."""
    tags = endpoint.tags or {}
    if tags.get(SERVING):
        return tags.get(PREVIOUS) if tags[SERVING] == endpoint.config else tags[SERVING]
    current = next((c for c in configs if c.name == endpoint.config), None)
    return _newest(
        c
        for c in configs
        if c.name != endpoint.config and (current is None or str(c.created) < str(current.created))
    )


def _newest(configs: Iterable[Any]) -> str | None:
    """The name of the config created last (ties by name), None for none."""
    last = max(configs, key=lambda c: (str(c.created), c.name), default=None)
    return last.name if last is not None else None


def superseded(spec: ConfigSpec, world: World) -> list[Action]:
    """Older generations to delete after the rollout, keeping the current and the previous:
    the config that served before it, which is what SageMaker or a revert goes back to.

    During an update to another config (DescribeEndpoint names the one still serving, its
    PendingDeploymentSummary the one being deployed), the switch waits for that one to land
    and leaves it (`endpoint.py`, which records it as the previous config): that one is kept
    as the previous. The one serving meanwhile is kept too, as in use when this plan was
    made (`stacks.spare_used` would keep it anyway, with a line saying so); the next apply
    deletes it as older than the previous. If that update fails and SageMaker rolls it back,
    the switch records the one serving meanwhile as the previous instead (read once the
    update ended): keeping both here covers either end. During an update to the wanted config
    itself, the one serving meanwhile is what it leaves."""
    configs = world.of_kind("endpoint_config")
    wanted = target(spec, world)
    keep = {wanted}
    endpoint = world.one("endpoint")
    leaving = endpoint.headed_for if endpoint else None
    current = endpoint.config if endpoint else None
    if leaving and leaving != wanted:
        keep.add(leaving)  # becomes the previous config: the rollback target
    if current and current != wanted:
        keep.add(current)  # serves until the update lands
    elif endpoint is not None:
        keep.add(served_before(endpoint, configs) or wanted)
    else:
        newest = _newest(c for c in configs if c.name != wanted)
        if newest:
            keep.add(newest)
    keep_models = {spec.model} | {c.model for c in configs if c.name in keep and c.model}
    out = [
        delete_config(c, SUPERSEDED, "after")
        for c in sorted(configs, key=lambda c: c.name)
        if c.name not in keep
    ]
    out += [
        delete_model(m, SUPERSEDED, "after")
        for m in sorted(world.of_kind("sagemaker_model"), key=lambda m: m.name)
        if m.name not in keep_models
    ]
    return out


def plan(ctx: PlanContext) -> list[Action]:
    out = []
    for spec in ctx.desired.of_kind("endpoint_config"):
        out.append(plan_config(spec, ctx.world))
        out += superseded(spec, ctx.world)
    return out


def destroy(world: World) -> list[Action]:
    return [delete_config(c, "destroy") for c in world.of_kind("endpoint_config")]


RESOURCE = ResourceType(
    kinds={"endpoint_config": ("sagemaker_model",)},
    desired=desired,
    observe=observe,
    plan=plan,
    destroy=destroy,
)
