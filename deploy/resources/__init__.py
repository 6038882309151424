"""Every type of AWS resource the engine manages: one module each, found here by discovery.

A module that defines ``RESOURCE`` (a `deploy.resources.base.ResourceType`) takes part in
plan, apply and destroy; adding a resource type is adding such a module (and its test). The
order among types comes from the dependencies they declare, not from this list.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from deploy.resources.base import ResourceType


@cache
def registered() -> tuple[ResourceType, ...]:
    """The ``RESOURCE`` of every module in this package, by module name."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        resource = getattr(module, "RESOURCE", None)
        if isinstance(resource, ResourceType):
            found.append(resource)
    return tuple(found)
