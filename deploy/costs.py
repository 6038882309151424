"""Plan's warning when a change multiplies what the endpoint costs while it merely exists.

A real-time endpoint is billed per instance-hour for as long as it exists, serving or idle; a
serverless one only per second of inference (nothing while idle). So what an instance endpoint
costs an hour is its instances' count times their price, and within one instance family the
price roughly doubles with each size (``xlarge`` ≈ 2 × ``large``, ``2xlarge`` ≈ 4 × ``large``,
…, as AWS's price list goes, e.g. ml.m5). No price list is read (the engine reaches no pricing
API, and a table would go stale), so the warning compares what can be compared offline:

- serverless → instances: from nothing while idle to every hour, idle or not;
- within a family: count × size before and after (with autoscaling, its ``max_capacity``:
  what the endpoint may hold), when that at least triples (1 → 2 instances for availability
  is a common, deliberate step; 1 → 4, or a size two steps up, is the mistake to catch);
- into an accelerated family (GPU, Inferentia, Trainium: ``ml.g*``, ``ml.p*``, ``ml.inf*``,
  ``ml.trn*``), named whenever the plan starts one: one such instance costs several times a
  CPU one;
- another CPU family, with at least ``FACTOR`` times the instances or their size: named, with
  both; its price is the pricing page's.

A pull request's preview (``pr-<N>``) is warned about on every plan while it runs instances,
not only when it starts them: previews are serverless unless config.yaml's ``preview:`` says
otherwise (``serverless: null``), and an instance-backed one is billed every hour its pull
request stays open and labelled, which is mostly idle hours.

A blue/green switch runs both fleets for its duration (docs/deploy.md, "What the first run costs"):
that passes, so it is not counted here. The warning is advice printed with the plan (and in
the pull request's comment), never a gate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from deploy.naming import is_preview

if TYPE_CHECKING:
    from deploy.config import Config
    from deploy.world import World

PRICING = "https://aws.amazon.com/sagemaker/pricing/"
ACCELERATED = re.compile(r"^ml\.(g|p|inf|trn)\d")
ACCELERATED_WORDS = (
    "an accelerated (GPU/Inferentia/Trainium) type: one costs several times a CPU one"
)
# A size's price in units of the family's `large` (each size up doubles).
SIZES = {"micro": 0.125, "small": 0.25, "medium": 0.5, "large": 1.0, "xlarge": 2.0}
# Warn from this factor on (the hourly bill of the endpoint's instances, or their size).
FACTOR = 3.0


@dataclass(frozen=True)
class Fleet:
    """What an endpoint holds while it exists: instances of one type (None: serverless)."""

    instance_type: str | None
    count: int

    @property
    def family(self) -> str:
        return (self.instance_type or "").rsplit(".", 1)[0]

    @property
    def units(self) -> float:
        """count × size, in the family's ``large`` (comparable only within one family)."""
        return self.count * size_units(self.instance_type or "")

    def words(self) -> str:
        if self.instance_type is None:
            return "serverless"
        return f"{self.count} × {self.instance_type}"


def size_units(instance_type: str) -> float:
    size = instance_type.rsplit(".", 1)[-1]
    if size in SIZES:
        return SIZES[size]
    m = re.fullmatch(r"(\d+)xlarge", size)
    return 2.0 * int(m.group(1)) if m else 1.0


def accelerated(instance_type: str | None) -> bool:
    return bool(instance_type and ACCELERATED.match(instance_type))


def wanted(cfg: Config) -> Fleet:
    """What the config asks the endpoint to hold at most."""
    ep = cfg.endpoint
    if ep.serverless:
        return Fleet(None, 0)
    count = ep.autoscaling.max_capacity if ep.autoscaling else ep.instance_count
    return Fleet(ep.instance_type, count)


def deployed(world: World) -> Fleet | None:
    """What the deployed endpoint holds at most now (None: no endpoint, or unknown)."""
    endpoint = world.one("endpoint")
    config = world.get("endpoint_config", endpoint.config) if endpoint else None
    if endpoint is None or config is None or config.variant is None:
        return None
    if "serverless" in config.variant:
        return Fleet(None, 0)
    scaling = world.one("scaling")
    count = scaling.max_capacity if scaling is not None else endpoint.instances
    return Fleet(config.variant.get("instance_type"), count or 1)


def plan_warning(cfg: Config, world: World) -> str | None:
    """The plan's cost warning for ``cfg``'s stack as ``world`` has it: a preview's own, else
    the one about what the change multiplies."""
    after = wanted(cfg)
    return preview_warning(cfg.environment, after) or warning(deployed(world), after)


def preview_warning(env: str | None, after: Fleet) -> str | None:
    """An instance-backed preview: billed by the hour for its whole life, serverless would not."""
    if not is_preview(env) or after.instance_type is None:
        return None
    gpu = (
        f"; {after.instance_type} is {ACCELERATED_WORDS}"
        if accelerated(after.instance_type)
        else ""
    )
    return (
        f"preview {env} runs an instance endpoint: {after.words()}, billed every hour it "
        f"exists, idle or not{gpu}, until its pull request is closed or unlabelled or the sweep "
        "finds no deploy for preview.max_idle_days. Previews are serverless (billed per "
        "request, nothing while idle) unless config.yaml says otherwise: remove "
        "`serverless: null` from preview.endpoint (and any instance_type or instance_count "
        "written there) to get that back. "
        f"See {PRICING}"
    )


def warning(before: Fleet | None, after: Fleet) -> str | None:
    """The warning for going from ``before`` (None: nothing deployed) to ``after``."""
    if after.instance_type is None:
        return None  # serverless: billed per use, nothing while idle
    held = f"{after.words()}, billed every hour it exists, idle or not"
    gpu = accelerated(after.instance_type) and (
        before is None or before.instance_type != after.instance_type
    )
    what = ACCELERATED_WORDS
    if before is None:
        if not gpu:
            return None  # a first deploy: docs/deploy.md, "What the first run costs"
        return f"the endpoint will hold {held}; {after.instance_type} is {what}. See {PRICING}"
    if before.instance_type is None:
        extra = f"; {after.instance_type} is {what}" if gpu else ""
        return (
            f"the endpoint goes from serverless (nothing while idle) to {held}{extra}. "
            f"See {PRICING}"
        )
    if gpu:
        return (
            f"the endpoint goes from {before.words()} to {held}; {after.instance_type} is "
            f"{what}. See {PRICING}"
        )
    if before.family == after.family:
        factor = after.units / before.units if before.units else 0.0
        if factor < FACTOR:
            return None
        return (
            f"the endpoint goes from {before.words()} to {held}: about {factor:g}× its hourly "
            f"bill (one family's price doubles with each size). See {PRICING}"
        )
    more = after.count >= FACTOR * before.count
    bigger = size_units(after.instance_type) >= FACTOR * size_units(before.instance_type or "")
    if more or bigger:
        return (
            f"the endpoint goes from {before.words()} to {held}, another instance family: "
            f"compare their prices at {PRICING}"
        )
    return None
