"""What a destroy that went on past errors could not do, and the summary it ends with.

Destroy does not stop at the first error: the SageMaker endpoint is billed by the hour, so one
resource that refuses deletion (a role someone attached to an instance profile, a bucket under
a legal hold) must not keep every other resource running. What it could not delete, and what
it therefore had to leave (what must outlive it: a model its endpoint still uses), is listed
with AWS's error code and message and what to do. Pure: no AWS call here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import botocore.exceptions

from deploy.aws import CredentialsLapsed, DeployError, is_mutating
from deploy.aws_errors import HINTS, ErrorKind, classify, error_code, error_message
from deploy.graph import needed_by
from deploy.iam_clash import NameTaken
from deploy.plan import Action, Call, Step, Wait
from deploy.wording import counted

AGAIN = "then run the command again: it reads AWS afresh and deletes what is left"
STILL = "AWS may still be carrying it out"


@dataclass(frozen=True)
class Failure:
    """One action that failed: which resource, at which step, what AWS said, what to do."""

    action: Action
    step: str  # the step that failed: the AWS call ("iam:DeleteRole"), or as the plan prints it
    code: str  # AWS's error code ("" when the failure is not an AWS error: a wait, a stop)
    message: str  # AWS's message, or ours when it is not an AWS error
    todo: str  # what to do about it
    kind: str = ErrorKind.OTHER.value  # what it means (aws_errors.ErrorKind): --summary-json's
    # When the failed step is a wait: the action's changing calls AWS accepted before it, whose
    # end it waited for (a DeleteEndpoint): AWS may still be carrying them out.
    sent: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """For --summary-json: the workflow's job summary and a script can tell a lapse (sign
        in again) from a refusal (a grant) without reading the message."""
        resource = f"{self.action.kind} {self.action.name}"
        return _failed_json(
            resource,
            self.action.op,
            self.step,
            self.kind,
            self.code,
            self.message,
            self.todo,
            self.sent,
        )


@dataclass
class Progress:
    """An apply's progress: the actions done, in order, and the step it stopped at (if any):
    kept apart from the error, which callers re-word (bootstrap_version.denied_hint)."""

    done: list[Action] = field(default_factory=list)
    failed: Failure | None = None


@dataclass(frozen=True)
class Unconfirmed:
    """An action whose changing calls AWS accepted, but whose end the run never saw: it
    stopped first (the credentials lapsed in another action) before the waits it ends with.
    Not "not tried": AWS may still be carrying them out (an endpoint being deleted)."""

    action: Action
    sent: tuple[str, ...]


def sent(steps: Sequence[Step]) -> tuple[str, ...]:
    """The changing AWS calls among ``steps`` (``service:Operation``), which ran before."""
    return tuple(
        s.describe_call() for s in steps if isinstance(s, Call) and is_mutating(s.operation)
    )


@dataclass(frozen=True)
class Skipped:
    """An action not run: a resource that must outlive one that could not be deleted."""

    action: Action
    because: tuple[str, ...]  # the failed resources, "kind name"


def failure(action: Action, step: Step, err: DeployError) -> Failure:
    """The record of ``err``: AWS's code and message when an AWS error caused it, with the hint
    for its kind; otherwise our message, which says what to do itself. A wait's failure says
    the action's changing calls that went before it (each step ran before the one that failed):
    what it waited to see the end of."""
    recorded = _failure(action, step, err)
    if not isinstance(step, Wait):
        return recorded
    before = next((i for i, s in enumerate(action.steps) if s is step), 0)
    return replace(recorded, sent=sent(action.steps[:before]))


def _failure(action: Action, step: Step, err: DeployError) -> Failure:
    cause = err.__cause__
    if isinstance(cause, botocore.exceptions.ClientError):
        if isinstance(step, Call):
            kind, where = classify(cause, step.service, step.operation), step.describe_call()
        else:  # a wait's poll or a check: its own reads
            kind, where = classify(cause), f"{step.describe()} ({cause.operation_name})"
        code, message = error_code(cause), error_message(cause)
        todo = err.todo if isinstance(err, NameTaken) else HINTS[kind]
        return Failure(action, where, code, message, todo, kind.value)
    where = step.describe_call() if isinstance(step, Call) else step.describe()
    if isinstance(err, CredentialsLapsed):  # botocore's credential chain: nothing was sent
        said = f"{where}: the credentials could not be refreshed (nothing sent): {cause or err}"
        return Failure(action, where, "", said, HINTS[err.kind], err.kind.value)
    return Failure(action, step.describe(), "", str(err), "as the message says")


def outside_steps(op: str, resource: str, step: str, err: BaseException) -> dict[str, Any]:
    """--summary-json's "failed" for an error met outside the plan's steps (a read before the
    plan or the endpoint's status read after it, the lock): `Failure.to_json`'s fields, the
    call AWS refused named after ``step``, so the job summary says where it stopped."""
    cause = err.__cause__ if isinstance(err.__cause__, Exception) else err
    kind = err.kind if isinstance(err, CredentialsLapsed) else classify(cause)
    message, todo = str(err), HINTS[kind] if kind is not ErrorKind.OTHER else "as the message says"
    if isinstance(cause, botocore.exceptions.ClientError):
        message, todo = error_message(cause), HINTS[kind]
        if cause.operation_name not in step:
            step = f"{step} ({cause.operation_name})"
    return _failed_json(resource, op, step, kind.value, error_code(cause), message, todo)


def _failed_json(
    resource: str,
    op: str,
    step: str,
    kind: str,
    code: str,
    message: str,
    todo: str,
    sent: Sequence[str] = (),
) -> dict[str, Any]:
    """--summary-json's "failed", one shape whether a plan's step failed or not (the job
    summary, .github/scripts/deploy_summary.py, reads these keys)."""
    return {
        "resource": resource,
        "op": op,
        "step": step,
        "kind": kind,
        "code": code,
        "message": message,
        "todo": todo,
        "sent": list(sent),
    }


def blocked(
    depends_on: Mapping[str, Sequence[str]], failures: Sequence[Failure]
) -> dict[str, tuple[str, ...]]:
    """Kinds destroy must leave, with the failed resources that need them: everything a failed
    kind depends on, directly or not (kind-level, as the modules declare dependencies)."""
    out: dict[str, list[str]] = {}
    for f in failures:
        for kind in needed_by(depends_on, [f.action.kind]) - {f.action.kind}:
            out.setdefault(kind, []).append(f"{f.action.kind} {f.action.name}")
    return {kind: tuple(dict.fromkeys(names)) for kind, names in out.items()}


def summary(
    failures: Sequence[Failure],
    skipped: Sequence[Skipped],
    command: str,
    untried: Sequence[Action] = (),
    unconfirmed: Sequence[Unconfirmed] = (),
) -> str:
    """Every failure and every resource left because of one, for the error output; with
    ``untried`` or ``unconfirmed``, the run stopped (the credentials lapsed): what it did not
    try, and what it started but did not see through."""
    rest = (
        "; it stopped there: the credentials no longer work, so every later call would be "
        "refused the same way"
        if untried or unconfirmed
        else "; it deleted every other one"
    )
    lines = [
        f"{command} could not delete {counted(len(failures), 'resource')}"
        + (f" and left {len(skipped)} that must outlive them" if skipped else "")
        + f"{rest}:"
    ]
    for f in failures:
        said = f"{f.step} failed: AWS said {f.code}: {f.message}" if f.code else f.message
        lines.append(f"  - {f.action.kind} {f.action.name}: {said}")
        if f.sent:
            lines.append(
                f"    started, not confirmed: {', '.join(f.sent)} sent and accepted before it; "
                f"{STILL}"
            )
        lines.append(f"    what to do: {f.todo}; {AGAIN}")
    for s in skipped:
        lines.append(
            f"  - {s.action.kind} {s.action.name}: not deleted, it must outlive "
            f"{', '.join(s.because)} (deleted by the run after that one is fixed)"
        )
    for u in unconfirmed:
        lines.append(
            f"  - {u.action.kind} {u.action.name}: started, not confirmed: {', '.join(u.sent)} "
            f"sent and accepted, then the run stopped before seeing it through; {STILL} (the "
            "run after signing in waits for it)"
        )
    for a in untried:
        lines.append(f"  - {a.kind} {a.name}: not tried (deleted by the run after signing in)")
    return "\n".join(lines)


class Incomplete(DeployError):
    """A destroy that went on past failures: what it deleted and what it could not."""

    def __init__(
        self,
        done: Sequence[Action],
        failures: Sequence[Failure],
        skipped: Sequence[Skipped],
        command: str = "destroy",
        untried: Sequence[Action] = (),
        unconfirmed: Sequence[Unconfirmed] = (),
    ) -> None:
        super().__init__(summary(failures, skipped, command, untried, unconfirmed))
        self.done = list(done)
        self.failures = list(failures)
        self.skipped = list(skipped)
        self.untried = list(untried)
        self.unconfirmed = list(unconfirmed)
