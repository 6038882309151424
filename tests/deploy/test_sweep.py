"""Removing several stacks: every stack started (its early actions) before any is finished;
one stack's failure, before or during its destroy, never stops the others; an interrupt
stops them all with every lock released."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from deploy.aws import DeployError, Interrupted
from deploy.executor import Executor, Teardown
from deploy.plan import Action
from deploy.sweep import Outcome, remove_all


class _Events:
    def __init__(self) -> None:
        self.seen: list[str] = []

    @contextmanager
    def lock(self, stack: str) -> Iterator[None]:
        self.seen.append(f"lock {stack}")
        try:
            yield
        finally:
            self.seen.append(f"unlock {stack}")


class _Teardown(Teardown):
    """A teardown whose finish is recorded (and fails for ``fails``)."""

    def __init__(self, stack: str, events: _Events, fails: DeployError | None = None) -> None:
        super().__init__(Executor(None, log=lambda _: None), [], {})  # type: ignore[arg-type]
        self.stack, self.events, self.fails = stack, events, fails

    def finish(self) -> list[Action]:
        self.events.seen.append(f"finish {self.stack}")
        if self.fails:
            raise self.fails
        return [Action("delete", "endpoint", self.stack, "destroy")]


def _start(events: _Events, refuse: dict[str, DeployError], fail: dict[str, DeployError]):
    def start(stack: str, held: ExitStack) -> Teardown | str:
        if stack in refuse:
            raise refuse[stack]
        held.enter_context(events.lock(stack))
        events.seen.append(f"start {stack}")
        if stack == "kept":
            return "deployed to since"
        return _Teardown(stack, events, fail.get(stack))

    return start


def test_every_stack_is_started_before_any_is_finished_and_failures_are_each_reported() -> None:
    events = _Events()
    outcomes: list[Outcome] = []
    held = DeployError("the lock is held by another run")
    broke = DeployError("iam:DeleteRole refused")
    start = _start(events, {"pr-2": held}, {"pr-3": broke})
    remove_all(["pr-1", "pr-2", "kept", "pr-3", "pr-4"], start, outcomes.append)
    assert events.seen == [
        "lock pr-1", "start pr-1",
        "lock kept", "start kept", "unlock kept",  # kept: nothing more to do under its lock
        "lock pr-3", "start pr-3",
        "lock pr-4", "start pr-4",
        "finish pr-1", "unlock pr-1",  # each lock released once its stack is finished
        "finish pr-3", "unlock pr-3",
        "finish pr-4", "unlock pr-4",
    ]  # fmt: skip
    said = [(o.stack, len(o.done), o.error, o.kept) for o in outcomes]
    assert said == [
        ("pr-1", 1, None, ""),
        ("pr-2", 0, held, ""),
        ("kept", 0, None, "deployed to since"),
        ("pr-3", 0, broke, ""),
        ("pr-4", 1, None, ""),
    ]


def test_an_interrupt_stops_the_sweep_and_releases_every_lock_held() -> None:
    events = _Events()
    stop = Interrupted("interrupted at [3/19]")
    start = _start(events, {}, {"pr-1": stop})
    with pytest.raises(Interrupted):
        remove_all(["pr-1", "pr-2"], start, lambda o: None)
    assert events.seen == [
        "lock pr-1", "start pr-1", "lock pr-2", "start pr-2", "finish pr-1", "unlock pr-1",
        "unlock pr-2",
    ]  # fmt: skip
