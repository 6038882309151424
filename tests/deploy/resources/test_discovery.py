"""Adding a resource type is adding one module: every module with a RESOURCE is found."""

from __future__ import annotations

import importlib
from pathlib import Path

from deploy.resources import registered
from deploy.resources.base import PlanContext, ResourceType
from deploy.world import Desired, World

PACKAGE = Path(__file__).resolve().parents[3] / "deploy" / "resources"


def test_every_resource_module_is_registered_once_in_name_order() -> None:
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "base"))
    found = registered()
    assert len(found) == len(modules)
    for name, resource in zip(modules, found, strict=True):
        assert importlib.import_module(f"deploy.resources.{name}").RESOURCE is resource
    kinds = [k for r in found for k in r.kinds]
    assert len(kinds) == len(set(kinds)), "a kind is defined by one module only"


def test_a_module_may_leave_out_desired_and_observe() -> None:
    bare = ResourceType(kinds={"x": ()}, plan=lambda ctx: [], destroy=lambda world: [])
    assert bare.desired(None, None) == [] and bare.observe(None, None, Desired(), World()) == []  # type: ignore[arg-type]
    assert bare.plan(PlanContext(Desired(), World())) == []
