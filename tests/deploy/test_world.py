"""Desired and observed records by key; ids the world can give to desired values."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import ClassVar

from deploy.world import Desired, World, key_of, made_by


@dataclass(frozen=True)
class A:
    KIND: ClassVar[str] = "a"
    name: str
    provides: dict | None = None


def test_records_by_key_kind_and_one() -> None:
    d = Desired.of([A("x"), A("y")])
    assert key_of(A("x")) == ("a", "x") and len(d) == 2
    assert d.get("a", "x") == A("x") and d.get("a", None) is None and d.get("b", "x") is None
    assert d.of_kind("a") == [A("x"), A("y")] and d.one("a") == A("x") and d.one("b") is None
    assert list(d) == [A("x"), A("y")]


def test_world_ids_come_from_what_provides_them() -> None:
    w = World.of([A("x", {"api_id": "1"}), A("y"), A("z", {"integration_id": "2"})])
    assert w.ids() == {"api_id": "1", "integration_id": "2"}
    assert World(account="1", region="r").account == "1"


def test_whose_a_record_is_is_read_from_its_project_tag_only() -> None:
    assert made_by(SimpleNamespace(tags={"project": "p"}), "p")
    for tags in ({"project": "q"}, {}, None, {"Project": "p"}):
        assert not made_by(SimpleNamespace(tags=tags), "p"), tags
    assert not made_by(SimpleNamespace(), "p")  # a kind that carries no tags
