"""What a plan is made of: actions, each a list of steps the executor runs without deciding.

An `Action` says what happens to one resource and why (`op`, `reason`, the differing fields);
its `steps` are exactly what `apply` does for it: AWS calls (`Call`), polls (`Wait`), a local
command (`Run`), a check before a call AWS would refuse (`Check`) or a stop that needs a human
(`Stop`). `plan` prints the same steps. Every
rule about *whether* to do something lives in the resource modules that build the steps; the
executor only runs them, resolving ids AWS assigns during the same apply (`Ref`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import botocore

from deploy import budget
from deploy.aws_errors import ErrorKind

if TYPE_CHECKING:
    from deploy.aws import Aws

Op = Literal["create", "update", "replace", "delete", "wait", "noop"]
# When an action runs: "before" = dependents removed before what they depend on changes
# (destroy order), "main" = creates and updates (create order), "after" = clean-up of what is
# superseded (destroy order).
Phase = Literal["before", "main", "after"]
UNKNOWN = "(known after apply)"


@dataclass(frozen=True)
class Ref:
    """A value known only once an earlier step of the same apply ran (an id AWS assigns).

    ``make`` builds the value from the id: a format template (``"integrations/{}"``) or a
    function (the bytes of config.js from the API id).
    """

    needs: str
    make: str | Callable[[str], Any] = "{}"

    def resolve(self, known: Mapping[str, str]) -> Any:
        value = known[self.needs]
        return self.make.format(value) if isinstance(self.make, str) else self.make(value)

    def __str__(self) -> str:
        return UNKNOWN


def resolve(value: Any, known: Mapping[str, str], *, partial: bool = False) -> Any:
    """``value`` with every Ref replaced by its value; with ``partial``, unknown ones stay."""
    if isinstance(value, Ref):
        if value.needs in known:
            return value.resolve(known)
        if partial:
            return value
        raise KeyError(f"{value.needs} is not known yet (a step that creates it must run first)")
    if isinstance(value, dict):
        return {k: resolve(v, known, partial=partial) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(resolve(v, known, partial=partial) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        updates = {
            f.name: resolve(getattr(value, f.name), known, partial=partial)
            for f in dataclasses.fields(value)
            if f.init
        }
        return dataclasses.replace(value, **updates)
    return value


def has_ref(value: Any) -> bool:
    if isinstance(value, Ref):
        return True
    if isinstance(value, dict):
        return any(has_ref(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_ref(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(has_ref(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


def canonical(value: Any) -> Any:
    """Order-insensitive, JSON-shaped form for comparison (policies come back in any order)."""
    if has_ref(value):
        return UNKNOWN
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.loads(json.dumps(value, sort_keys=True, default=str))


@dataclass(frozen=True)
class Change:
    """One differing field: what AWS has now and what config.yaml wants."""

    field: str
    before: Any
    after: Any


def differences(spec: Any, seen: Any) -> tuple[Change, ...]:
    """Fields of a desired spec (a dataclass) whose observed value differs, tags included.

    Compared: every field with ``compare=True`` except ``name`` and ``tags``; the observed
    object has attributes of the same names. Tags: the wanted ones must be present (AWS or the
    account may add others).
    """
    out = []
    for f in dataclasses.fields(spec):
        if not f.compare or f.name in ("name", "tags"):
            continue
        want, have = getattr(spec, f.name), getattr(seen, f.name, None)
        if canonical(want) != canonical(have):
            out.append(Change(f.name, have, want))
    want_tags = getattr(spec, "tags", None)
    have_tags = getattr(seen, "tags", None)
    if (
        want_tags is not None
        and have_tags is not None
        and {k: have_tags.get(k) for k in want_tags} != dict(want_tags)
    ):
        out.append(Change("tags", dict(have_tags), dict(want_tags)))
    return tuple(out)


@dataclass(frozen=True)
class Call:
    """One AWS API call. ``operation`` in AWS's spelling (``CreateRole``).

    ``outputs``: ids to remember from the response for later Refs, by key or dotted path
    (``{"api_id": "ApiId", "oac_id": "OriginAccessControl.Id"}``).
    ``ok_if``: error kinds that mean the call's purpose is already met (deleting what is gone).
    ``retry_on``: error kinds retried for up to ``retry_s`` seconds with backoff (a role just
    created that IAM has not propagated; a Lambda update still running); ``retry_why`` says
    in words what the retries wait for (the log and the plan print it).
    ``about``: what the call acts on, said after it, when its action's name does not say it
    (the stack lock a bucket's deletion deletes first).
    ``skip``: whether the call is needed after all, known only once earlier steps ran: given
    what they read (the executor's known values), why it is not (its progress line says so,
    and nothing is sent), or None to make it; ``skip_when`` says that in the plan's words. It
    raises `executor.Stopped` when what they read means the call must not be made at all
    (the endpoint busy again right before its UpdateEndpoint): the apply stops there.
    """

    service: str
    operation: str
    params: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, str] = field(default_factory=dict)
    ok_if: frozenset[ErrorKind] = frozenset()
    retry_on: frozenset[ErrorKind] = frozenset()
    retry_s: float = budget.BUSY_RETRY_S
    retry_why: str = ""  # what the retries wait for, in words
    about: str = ""  # what the call acts on, in words, when the action's name does not say it
    skip: Callable[[Mapping[str, Any]], str | None] | None = field(default=None, compare=False)
    skip_when: str = ""

    @property
    def method(self) -> str:
        """boto3's spelling of the operation (``create_role``)."""
        return botocore.xform_name(self.operation)

    def describe_call(self) -> str:
        """The call alone, ``service:Operation`` (``iam:DeleteRole``)."""
        return f"{self.service}:{self.operation}"

    def describe(self) -> str:
        notes = []
        if self.ok_if:
            notes.append("done if already " + "/".join(sorted(k.value for k in self.ok_if)))
        if self.retry_on:
            why = self.retry_why or "/".join(sorted(k.value for k in self.retry_on))
            notes.append(f"retried up to {self.retry_s:.0f} s {why}")
        if self.skip_when:
            notes.append(f"not called if {self.skip_when}")
        about = f" {self.about}" if self.about else ""
        return self.describe_call() + about + (f" ({'; '.join(notes)})" if notes else "")


Poll = tuple[bool, str]  # (done, what it is now)


@dataclass(frozen=True)
class Recovery:
    """What a Wait does when the thing it waits for fails for a reason that passes by itself
    (``kinds``, e.g. IAM still propagating a new role): run ``steps`` (delete and create the
    endpoint again), then keep waiting; at most ``attempts`` times, within the Wait's time."""

    kinds: frozenset[ErrorKind]
    steps: tuple[Any, ...]
    attempts: int
    why: str  # e.g. "the endpoint failed because IAM had not yet propagated its role"
    then: str  # e.g. "delete it and create it again"


@dataclass(frozen=True)
class Wait:
    """Poll until ``poll`` says done; it raises DeployError when waiting cannot succeed (a
    `WaitFailed` with a kind, which ``recover`` may declare passing). ``args`` are passed to
    ``poll`` as keywords, Refs filled in (ids AWS assigned earlier in the same apply)."""

    what: str
    poll: Callable[..., Poll] = field(compare=False)
    timeout_s: float = 1800.0
    interval_s: float = 15.0
    timeout_hint: str = "run the command again later to resume waiting"
    recover: Recovery | None = field(default=None, compare=False)
    args: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        text = f"wait until {self.what} (up to {self.timeout_s:.0f} s)"
        if self.recover:
            r = self.recover
            text += f"; if {r.why}: {r.then}, then wait again (at most {r.attempts} times)"
        return text


@dataclass(frozen=True)
class Run:
    """Code of ours rather than one AWS call (building the model image, emptying a bucket of
    the versions versioning kept); ``what`` is what it runs."""

    what: str
    run: Callable[[Aws, Callable[[str], None]], None] = field(compare=False)

    def describe(self) -> str:
        return f"run: {self.what}"


@dataclass(frozen=True)
class Check:
    """A read-only check right before a call AWS would refuse (it raises DeployError, saying
    what to do): e.g. an image's manifest type before SageMaker's CreateModel."""

    what: str
    check: Callable[[Aws, Callable[[str], None]], None] = field(compare=False)

    def describe(self) -> str:
        return f"check: {self.what}"


@dataclass(frozen=True)
class Stop:
    """Apply stops here: the plan found something only a human may fix (the message says how)."""

    message: str

    def describe(self) -> str:
        return f"stop: {self.message}"


Step = Call | Wait | Run | Check | Stop


@dataclass(frozen=True)
class Action:
    """One step of a plan: what to do to which resource, why, and the exact steps."""

    op: Op
    kind: str
    name: str
    reason: str
    changes: tuple[Change, ...] = ()
    steps: tuple[Step, ...] = ()
    phase: Phase = "main"

    @property
    def mutating(self) -> bool:
        """Whether it changes AWS: a wait for AWS's own work on the desired state does not."""
        return self.op not in ("noop", "wait")

    def to_json(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "type": self.kind,
            "name": self.name,
            "reason": self.reason,
            "changes": [
                {"field": c.field, "before": c.before, "after": c.after} for c in self.changes
            ],
            "steps": [step_json(s) for s in self.steps],
        }


def step_json(step: Step) -> dict[str, Any]:
    """A step as JSON: calls with their parameters (bytes as their size), the rest as text."""
    if isinstance(step, Call):
        return {
            "call": f"{step.service}:{step.operation}",
            "params": _printable(step.params),
            **({"ok_if": sorted(k.value for k in step.ok_if)} if step.ok_if else {}),
            **({"retry_on": sorted(k.value for k in step.retry_on)} if step.retry_on else {}),
        }
    return {type(step).__name__.lower(): step.describe()}


def _printable(value: Any) -> Any:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, Ref):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(v) for v in value]
    return value


def stops(actions: Iterable[Action]) -> list[str]:
    """What every `Stop` step of ``actions`` says, in the plan's order: said before any
    change (its caller raises `executor.Stopped`), not when the executor reaches the step, by
    when the actions before it would have run and left the stack half applied (bootstrap's
    roles, `Engine.plan`'s)."""
    return [step.message for a in actions for step in a.steps if isinstance(step, Stop)]


def has_changes(actions: list[Action]) -> bool:
    """Whether AWS differs from config.yaml (the plan's exit code 2). Waiting for an endpoint
    that is Updating or SystemUpdating on the desired config (autoscaling, AWS maintenance, a
    rollout to this very config) is not a difference."""
    return any(a.mutating for a in actions)
