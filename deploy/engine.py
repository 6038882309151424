"""Wiring of the pure core to AWS: plan, apply, destroy for one config.

config --desired.build--> resources      AWS --observe--> World
(resources, World) --planner.plan--> [Action]  --executor.execute--> AWS calls
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploy import desired as desired_mod
from deploy import planner
from deploy.aws import Aws, Endpoints
from deploy.config import Config
from deploy.executor import Context, Hook, execute
from deploy.image import image_tag, image_uri
from deploy.lambda_zip import build_zip
from deploy.naming import Names
from deploy.observe import Observer
from deploy.sitesync import scan
from deploy.state import Action, World


@dataclass
class Planned:
    """A plan plus what it was computed from."""

    actions: list[Action]
    world: World
    names: Names
    inputs: desired_mod.Inputs

    @property
    def changes(self) -> bool:
        return planner.has_changes(self.actions)


@dataclass
class Engine:
    """One project in one account/region. `root`: where relative config paths start."""

    cfg: Config
    root: Path
    aws: Aws
    endpoints: Endpoints | None = None
    image: str | None = None  # --image: a prebuilt image, nothing is built
    log: Callable[[str], None] = print
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    poll_s: float = 15.0
    _names: Names | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.endpoints is None:
            self.endpoints = Endpoints(self.aws)

    @property
    def names(self) -> Names:
        if self._names is None:
            self._names = Names(self.cfg.project, self.aws.account_id(), self.cfg.region)
        return self._names

    def _path(self, p: str) -> Path:
        path = Path(p)
        return path if path.is_absolute() else self.root / path

    def inputs(self) -> desired_mod.Inputs:
        n = self.names
        uri = self.image or self.cfg.model.image
        build = uri is None
        if uri is None:
            uri = image_uri(n, image_tag(self._path(self.cfg.model.build_context)))
        return desired_mod.Inputs(
            names=n,
            image_uri=uri,
            build_image=build,
            lambda_package=build_zip(self._path(self.cfg.api.lambda_.source)),
            site_files=tuple(scan(self._path(self.cfg.site.source), self.cfg.site.cache)),
        )

    def observer(self) -> Observer:
        return Observer(self.aws, self.names, self.endpoints)

    def plan(self) -> Planned:
        inp = self.inputs()
        first = desired_mod.build(self.cfg, inp, {})
        model = next(r.name for r in first if r.type == "sagemaker_model")
        config = next(r.name for r in first if r.type == "endpoint_config")
        image = (inp.image_uri, inp.image_uri.rsplit(":", 1)[1]) if inp.build_image else None
        world = self.observer().world(model, config, image)
        resources = desired_mod.build(self.cfg, inp, world.ids())
        return Planned(planner.plan(resources, world), world, self.names, inp)

    def context(self, world: World) -> Context:
        return Context(
            aws=self.aws,
            names=self.names,
            endpoints=self.endpoints,  # type: ignore[arg-type]
            ids=world.ids(),
            sleep=self.sleep,
            clock=self.clock,
            log=self.log,
            poll_s=self.poll_s,
            build_context=str(self._path(self.cfg.model.build_context)),
            tags=self.cfg.all_tags,
        )

    def apply(self, planned: Planned | None = None, hook: Hook | None = None) -> dict[str, Any]:
        """Execute the plan; return the summary (`--summary-json`)."""
        planned = planned or self.plan()
        ctx = self.context(planned.world)
        done = execute(ctx, planned.actions, hook)
        ep = planned.world.get("endpoint", self.names.endpoint)
        status = ctx.endpoint_status or (ep.meta.get("status") if ep else None)
        api_id = ctx.ids.get("api_id")
        return {
            "api_url": self.names.api_url(api_id) if api_id else None,
            "site_url": self.names.site_url,
            "endpoint_name": self.names.endpoint,
            "endpoint_status": status,
            "changes": [a.to_json() for a in done],
        }

    def destroy_plan(self) -> tuple[list[Action], World]:
        world = self.observer().world()
        return planner.destroy_plan(world), world

    def destroy(self, hook: Hook | None = None) -> list[Action]:
        actions, world = self.destroy_plan()
        return execute(self.context(world), actions, hook)
