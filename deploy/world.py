"""What the planner reads: the desired specs (from config.yaml) and the observed world (AWS).

Both are collections of typed records, one class per resource kind, each with a ``KIND`` and a
``name``; the pair is its key. Observed records that hold an id AWS assigned (the HTTP API's
id) say so in ``provides``, which is how desired values that need it get bound at plan time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import botocore.exceptions

from deploy.aws_errors import ErrorKind, classify, error_code

Key = tuple[str, str]  # (kind, name)


class Record(Protocol):
    """A desired spec or an observed resource."""

    KIND: str  # class attribute
    name: str


def key_of(record: Record) -> Key:
    return (record.KIND, record.name)


def made_by(record: Any, project: str) -> bool:
    """Whether ``record`` (an observed resource) carries ``project``'s ``project`` tag, which
    the engine writes on every resource it makes (config.yaml cannot set it): the one rule of
    whose a resource is, for `stacks.unowned` and a role's path stop (`resources/iam.py`)."""
    tags = getattr(record, "tags", None)
    return isinstance(tags, dict) and tags.get("project") == project


@dataclass
class Records:
    """Records by key, in the order they were added."""

    by_key: dict[Key, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, records: Iterable[Record]) -> Records:
        out = cls()
        for r in records:
            out.add(r)
        return out

    def add(self, record: Record) -> None:
        self.by_key[key_of(record)] = record

    def get(self, kind: str, name: str | None) -> Any:
        return self.by_key.get((kind, name)) if name is not None else None

    def of_kind(self, kind: str) -> list[Any]:
        return [r for (k, _), r in self.by_key.items() if k == kind]

    def one(self, kind: str) -> Any:
        """The single record of a kind (the endpoint, the function ...), None when absent."""
        found = self.of_kind(kind)
        return found[0] if found else None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.by_key.values())

    def __len__(self) -> int:
        return len(self.by_key)


class Desired(Records):
    """What config.yaml wants: one spec per resource."""


@dataclass
class World(Records):
    """Everything observe saw, plus the account and region it looked in."""

    account: str = ""
    region: str = ""

    def ids(self) -> dict[str, str]:
        """Ids AWS assigned that desired values refer to (``api_id``, ``integration_id``)."""
        out: dict[str, str] = {}
        for record in self:
            out.update(getattr(record, "provides", None) or {})
        return out


@dataclass(frozen=True)
class Unread:
    """What a refused read left unobserved (`Engine.observe` with ``unread``): the kinds of
    one resource module, and the call the credentials were refused."""

    kinds: tuple[str, ...]
    service: str
    operation: str
    code: str


def refused_read(
    err: botocore.exceptions.ClientError, calls: list[tuple[str, str]], kinds: tuple[str, ...]
) -> Unread | None:
    """``err`` as what it left unread of ``kinds`` when the credentials were refused the call
    (AccessDenied), else None. ``calls``: the call log; its last call of that operation is
    the refused one, and names its service (a ClientError does not)."""
    operation = err.operation_name
    service = next((s for s, o in reversed(calls) if o == operation), "")
    if classify(err, service, operation) is not ErrorKind.DENIED:
        return None
    return Unread(kinds, service, operation, error_code(err))
