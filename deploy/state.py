"""Plain data shared by the pure core: desired resources, observed resources, actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Op = Literal["create", "update", "replace", "delete", "wait", "noop"]
Key = tuple[str, str]  # (resource type, name)

# Execution order of resource types when creating/updating (dependencies first).
TYPE_ORDER = (
    "ecr_repository",
    "image",
    "log_group",
    "iam_role",
    "sagemaker_model",
    "endpoint_config",
    "endpoint",
    "scaling",
    "lambda_function",
    "http_api",
    "api_integration",
    "api_route",
    "api_stage",
    "lambda_permission",
    "s3_bucket",
    "site_object",
)


@dataclass(frozen=True)
class Resource:
    """One desired resource. `props` are compared with AWS; `data` is only for executing.

    Values that depend on ids AWS assigns at creation (API id, integration id) are built from
    what exists at plan time, or read "(known after apply)"; the executor recomputes them from
    the ids it just obtained.
    """

    type: str
    name: str
    props: dict[str, Any]
    tags: dict[str, str] | None = None
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> Key:
        return (self.type, self.name)


@dataclass(frozen=True)
class Observed:
    """One resource as AWS reports it, normalised to the same shape as Resource.props."""

    type: str
    name: str
    props: dict[str, Any]
    tags: dict[str, str] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> Key:
        return (self.type, self.name)


@dataclass(frozen=True)
class Change:
    """One differing field: what AWS has now and what config.yaml wants."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Action:
    """One step of a plan: what to do to which resource, and why."""

    op: Op
    type: str
    name: str
    reason: str
    changes: tuple[Change, ...] = ()
    resource: Resource | None = field(default=None, compare=False, repr=False)
    observed: Observed | None = field(default=None, compare=False, repr=False)

    @property
    def mutating(self) -> bool:
        return self.op not in ("noop",)

    def to_json(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "type": self.type,
            "name": self.name,
            "reason": self.reason,
            "changes": [
                {"field": c.field, "before": c.before, "after": c.after} for c in self.changes
            ],
        }


@dataclass
class World:
    """Everything `observe` saw: account, region and resources by key."""

    account: str
    region: str
    resources: dict[Key, Observed] = field(default_factory=dict)

    def get(self, type_: str, name: str) -> Observed | None:
        return self.resources.get((type_, name))

    def of_type(self, type_: str) -> list[Observed]:
        return [r for r in self.resources.values() if r.type == type_]

    def ids(self) -> dict[str, str]:
        """Ids AWS assigned that desired props refer to (`${api_id}` ...)."""
        out: dict[str, str] = {}
        for r in self.of_type("http_api"):
            if not r.meta.get("duplicate"):
                out["api_id"] = r.meta["api_id"]
        lam = self.get("api_integration", "lambda")
        if lam is not None:
            out["integration_id"] = lam.meta["integration_id"]
        return out
