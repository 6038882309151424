"""What a plan is made of: Refs, differences, steps as text and JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pytest

from deploy.aws_errors import ErrorKind
from deploy.plan import (
    UNKNOWN,
    Action,
    Call,
    Ref,
    Run,
    Stop,
    Wait,
    canonical,
    differences,
    has_changes,
    has_ref,
    resolve,
    step_json,
    stops,
)


@dataclass(frozen=True)
class Spec:
    KIND: ClassVar[str] = "thing"
    name: str
    size: int
    policy: dict
    note: str = field(default="", compare=False)
    tags: dict | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Seen:
    KIND: ClassVar[str] = "thing"
    name: str
    size: int | None
    policy: dict | None
    tags: dict


def test_differences_compare_fields_orderless_and_tags_as_a_subset() -> None:
    want = Spec("a", 1, {"b": [1, 2], "a": 1}, note="ignored", tags={"project": "p"})
    same = Seen("a", 1, {"a": 1, "b": [1, 2]}, {"project": "p", "aws:cloudformation": "x"})
    assert differences(want, same) == ()
    changed = differences(want, Seen("a", 2, None, {}))
    assert [(c.field, c.before, c.after) for c in changed] == [
        ("size", 2, 1),
        ("policy", None, {"b": [1, 2], "a": 1}),
        ("tags", {}, {"project": "p"}),
    ]


def test_refs_resolve_from_ids_by_template_or_function() -> None:
    arn = Ref("api_id", "arn:x:{}/*")
    body = Ref("api_id", lambda i: f"url={i}".encode())
    value = {"a": [arn, (body,)], "b": 1}
    assert has_ref(value) and canonical(value) == UNKNOWN and str(arn) == UNKNOWN
    assert resolve(value, {"api_id": "abc"}) == {"a": ["arn:x:abc/*", (b"url=abc",)], "b": 1}
    assert resolve(value, {}, partial=True) == value
    with pytest.raises(KeyError, match="api_id is not known yet"):
        resolve(value, {})
    spec = Spec("a", 1, {"arn": arn})
    bound = resolve(spec, {"api_id": "abc"})
    assert bound.policy == {"arn": "arn:x:abc/*"} and not has_ref(bound)
    assert has_ref(spec)


def test_steps_describe_themselves_as_the_plan_prints_them() -> None:
    call = Call(
        "iam",
        "DeleteRolePolicy",
        {"RoleName": "r"},
        ok_if=frozenset({ErrorKind.GONE}),
        retry_on=frozenset({ErrorKind.BUSY}),
        retry_why="while it is busy",
    )
    assert call.method == "delete_role_policy"
    assert call.describe() == (
        "iam:DeleteRolePolicy (done if already gone; retried up to 120 s while it is busy)"
    )
    wait = Wait("x is ready", lambda aws: (True, "ok"), timeout_s=30)
    assert wait.describe() == "wait until x is ready (up to 30 s)"
    assert Run("docker build .", lambda aws, log: None).describe() == "run: docker build ."
    assert Stop("detach it").describe() == "stop: detach it"


def test_json_shows_parameters_with_bytes_as_sizes_and_refs_unknown() -> None:
    call = Call("s3", "PutObject", {"Body": b"12345", "Key": "k", "Arn": Ref("api_id")})
    assert step_json(call) == {
        "call": "s3:PutObject",
        "params": {"Body": "<5 bytes>", "Key": "k", "Arn": UNKNOWN},
    }
    assert step_json(Stop("m")) == {"stop": "stop: m"}
    action = Action("create", "thing", "a", "does not exist", steps=(call,))
    assert action.to_json()["steps"][0]["call"] == "s3:PutObject"
    assert action.mutating and has_changes([action])
    assert not has_changes([Action("noop", "thing", "a", "up to date")])


def test_stops_are_every_stop_step_in_the_plans_order() -> None:
    """What `Engine.plan` and bootstrap say before any change, instead of at each step."""
    first = Action("update", "iam_role", "a", "drift", steps=(Stop("a: path"), Call("iam", "X")))
    second = Action("update", "iam_role", "b", "drift", steps=(Call("iam", "Y"), Stop("b: 1")))
    assert stops([first, Action("noop", "log_group", "g", "same"), second]) == [
        "a: path",
        "b: 1",
    ]
