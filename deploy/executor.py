"""Plan → AWS: runs every step of every action, in order, and decides nothing itself.

A `Call` is made with the ids learnt so far filled in; an error the step declared acceptable
(`ok_if`) counts as done, one it declared retryable (`retry_on`) is retried with backoff for a
bounded time, anything else stops the apply with what failed and what to do. A `Wait` polls;
a `Run` runs; a `Stop` stops. Destroy (`run_all`) goes on past a failed action with every
action that does not need it gone first, and ends with all the failures. Credentials that
lapse midway (AWS's ExpiredToken, or botocore failing to refresh them: nothing sent) stop
either at that step, never retried (`aws.CredentialsLapsed`): no later call could succeed.
Clock and sleep are injectable, so tests never wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions

from deploy.aws import Aws, CredentialsLapsed, DeployError, Interrupted, WaitFailed
from deploy.aws_errors import (
    HINTS,
    LAPSED_KINDS,
    ErrorKind,
    aws_said,
    classify,
    error_code,
    lapsed,
    sentence,
)
from deploy.failures import (
    Failure,
    Incomplete,
    Progress,
    Skipped,
    Unconfirmed,
    blocked,
    failure,
    sent,
)
from deploy.iam_clash import ENGINE_LOOKUPS, Lookup, NameTaken, clash, holder
from deploy.plan import Action, Call, Check, Run, Step, Stop, Wait, resolve
from deploy.wording import counted

Hook = Callable[[int, Action], None]
# After each step of an action that AWS answered (or that was done already): a destroy tells by
# it whether its bucket's deletion got as far as deleting the lock in it (cli._destroy).
StepHook = Callable[[Action, Step], None]
# No answer at all (connection refused or dropped, a timeout): botocore has retried already.
NO_ANSWER = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)
# Said when the run is interrupted (Ctrl-C, a cancelled CI job): what goes on, how to resume.
INTERRUPTED = (
    "What AWS was already asked to do goes on without this run (for example, an endpoint "
    "being created keeps being created, and billed). Run the command again: it reads AWS "
    "afresh and resumes from what exists (`python -m deploy plan` shows what is left)"
)
RESUME = (
    "It may or may not have been made: run the command again once AWS is reachable (it reads "
    "AWS afresh and resumes from what exists)"
)
FIRST_RETRY_S = 1.0
MAX_RETRY_S = 15.0
# A wait in one state, or a call retried while busy, says so this often (seconds), so a long
# one is not silent, nor a line every retry.
STILL_EVERY_S = 60.0
# Said when a sweep's leading call is refused busy: retrying it there (up to an hour for an
# endpoint) would hold back every later stack's leading calls.
DEFERRED = (
    "left for when this stack is finished (retried then), so no other deletion waits behind it"
)


class Stopped(DeployError):
    """A plan's `Stop` step reached: nothing AWS refused, a fix only a human may make (the
    message says which), so a caller need not add AWS's hints to it."""


class Busy(Exception):
    """A call refused busy where it must not be waited out (`Teardown.run_leading`): the
    teardown leaves the rest of its action for `finish`. Not a DeployError: no failure."""


@dataclass
class Executor:
    """Runs plans against one AWS session; ``known`` holds ids (the world's, then new ones)."""

    aws: Aws
    known: dict[str, str] = field(default_factory=dict)
    log: Callable[[str], None] = print
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    progress: Progress = field(default_factory=Progress)  # `run`'s: what --summary-json says
    answered: StepHook | None = None  # after each step done: an interrupted action's part
    # What holds a name an IAM create was refused for (EntityAlreadyExists), by operation.
    holders: Mapping[str, Lookup] = field(default_factory=lambda: dict(ENGINE_LOOKUPS))

    def run(self, actions: list[Action], hook: Hook | None = None) -> list[Action]:
        """Run every non-noop action in order; returns the ones done. `hook` runs after each.
        The first failed step stops it, recorded in ``progress`` with what was done before."""
        self.progress = Progress()
        done = self.progress.done
        todo = [a for a in actions if a.op != "noop"]
        for i, action in enumerate(todo, 1):
            where = f"[{i}/{len(todo)}] {action.op} {action.kind} {action.name}"
            self.log(f"{where}: {action.reason}")

            def stopped(step: Step, err: DeployError, action: Action = action) -> None:
                self.progress.failed = failure(action, step, err)
                raise err

            self._steps(where, action, stopped)
            done.append(action)
            if hook:
                hook(i, action)
        return done

    def run_all(
        self,
        actions: list[Action],
        depends_on: Mapping[str, Sequence[str]],
        hook: Hook | None = None,
    ) -> list[Action]:
        """Destroy: run the actions in order, going on past a failed one with every action
        that does not need it gone first (``depends_on``: each kind's dependencies; a kind a
        failed one depends on is left). Returns the ones done, or raises `Incomplete` with
        every failure and every action left because of one, after trying all the others."""
        return self.teardown(actions, depends_on, hook).finish()

    def teardown(
        self,
        actions: list[Action],
        depends_on: Mapping[str, Sequence[str]],
        hook: Hook | None = None,
    ) -> Teardown:
        """`run_all` in parts (`Teardown`): the sweep starts every stack's slow AWS changes
        before it waits on any one stack."""
        todo = [a for a in actions if a.op != "noop"]
        return Teardown(self, todo, depends_on, hook)

    def _steps(
        self,
        where: str,
        action: Action,
        failed: Callable[[Step, DeployError], None] | None = None,
        so_far: Callable[[], str] = str,
        steps: Sequence[Step] | None = None,
        patient: bool = True,
    ) -> bool:
        """Run one action's steps (or ``steps``, a part of them); False when one failed and
        ``failed`` took the error (without it the error goes up). Ctrl-C stops with where it
        was, and ``so_far()`` after it. Not ``patient``: a busy refusal raises `Busy`."""
        for step in action.steps if steps is None else steps:
            self.log(f"    {step.describe()}")
            try:
                self.step(action, step, patient=patient)
                if self.answered:
                    self.answered(action, step)
            except KeyboardInterrupt:
                raise Interrupted(
                    f"interrupted at {where}, during {step.describe()}. {INTERRUPTED}" + so_far()
                ) from None
            except DeployError as err:
                if failed is None:
                    raise
                failed(step, err)
                return False
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
                # A step of ours (Run, Check) refused by AWS, credentials working (`step` said
                # a lapse): destroy's failure like any call's, so it goes on past it (a sweep's
                # later stacks too), not botocore's error ending it all.
                if failed is None:
                    raise
                failed(step, _refused(f"{where}: {step.describe()}", err))
                return False
        return True

    def step(
        self, action: Action, step: Step, deadline: float | None = None, patient: bool = True
    ) -> None:
        if isinstance(step, Call):
            self.call(action, step, patient)
        elif isinstance(step, Wait):
            self.wait(action, step, deadline)
        elif isinstance(step, Run | Check):
            try:
                if isinstance(step, Run):
                    step.run(self.aws, self.log)
                else:
                    step.check(self.aws, self.log)
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
                _stop_if_lapsed(f"{action.op} {action.kind} {action.name}: {step.describe()}", err)
                raise
        elif isinstance(step, Stop):
            raise Stopped(step.message)
        else:  # pragma: no cover - the Step union is closed
            raise TypeError(f"unknown step {step!r}")

    def call(self, action: Action, call: Call, patient: bool = True) -> Any:
        """Make ``call``, retrying what it declared retryable until its bound; not
        ``patient`` (a sweep's leading step), a busy refusal raises `Busy` instead."""
        skipped = call.skip(self.known) if call.skip else None
        if skipped:
            self.log(f"      not called: {skipped}")
            return None
        params = resolve(dict(call.params), self.known)
        method = getattr(self.aws.client(call.service), call.method)
        started = self.clock()
        deadline = started + call.retry_s
        delay = FIRST_RETRY_S
        retries, said = 0, 0.0  # the retries made, when the last line about them was written
        what = f"{action.op} {action.kind} {action.name}: {call.service}:{call.operation}"
        while True:
            try:
                response = method(**params)
                if retries:
                    self.log(
                        f"      done after {_minutes(self.clock() - started)} ({retries} retries)"
                    )
                break
            except botocore.exceptions.ClientError as err:
                kind = classify(err, call.service, call.operation)
                # Before ok_if and retry_on: no call of this run gets past lapsed credentials.
                if kind in LAPSED_KINDS:
                    raise _lapse(what, err, kind) from err
                if kind in call.ok_if:
                    self.log(f"      already {kind.value}: nothing to do")
                    return None
                if kind is ErrorKind.BUSY and kind in call.retry_on and not patient:
                    self.log(f"      {error_code(err)} ({kind.value}): {DEFERRED}")
                    raise Busy(what) from err
                if kind in call.retry_on and self.clock() + delay <= deadline:
                    why = call.retry_why or f"while it is {kind.value}"
                    now = self.clock()
                    left = deadline - now
                    # The first refusal, then once a minute (retries come every 15 s at most).
                    if not retries:
                        self.log(
                            f"      {error_code(err)} ({kind.value}): waiting {why}; "
                            f"retrying in {delay:.0f} s ({left:.0f} s left)"
                        )
                        said = now
                    elif now - said >= STILL_EVERY_S:
                        self.log(
                            f"      still {error_code(err)} ({kind.value}) after "
                            f"{_minutes(now - started)}: waiting {why}, up to {_minutes(left)} "
                            f"more ({retries} retries so far)"
                        )
                        said = now
                    retries += 1
                    self.sleep(delay)
                    delay = min(delay * 2, MAX_RETRY_S)
                    continue
                if kind is ErrorKind.EXISTS and call.service == "iam":
                    said = clash(holder(self.aws, call.operation, params, self.holders), params)
                    if said:  # not one made after the plan: another's, whatever its path
                        raise NameTaken(f"{what} failed: {aws_said(err)}. {said}", said) from err
                raise _refused(what, err, kind) from err
            except NO_ANSWER as err:
                raise DeployError(
                    f"{action.op} {action.kind} {action.name}: {call.service}:{call.operation} "
                    f"got no answer from AWS: {err}. {RESUME}"
                ) from err
            except botocore.exceptions.BotoCoreError as err:  # the credential chain: not sent
                _stop_if_lapsed(what, err)
                raise
        for name, path in call.outputs.items():
            value: Any = response
            for key in path.split("."):
                value = value[key]
            self.known[name] = value
        return response

    def wait(self, action: Action, wait: Wait, outer: float | None = None) -> None:
        """Poll until done. ``outer``: the deadline of a Wait this one runs inside (a
        recovery's waits never outlast the wait that recovers)."""
        started = self.clock()
        deadline = started + wait.timeout_s
        if outer is not None:
            deadline = min(deadline, outer)
        last = None
        said = started  # when the last line about this wait was written
        recoveries = 0
        waiting = f"{action.kind} {action.name}: waiting until {wait.what}"
        while True:
            try:
                finished, status = wait.poll(self.aws, **resolve(dict(wait.args), self.known))
            except WaitFailed as failed:
                r = wait.recover
                if r is None or failed.kind not in r.kinds or recoveries >= r.attempts:
                    raise
                if self.clock() >= deadline:
                    raise
                recoveries += 1
                self.log(f"      {failed}")
                self.log(f"      {r.why}: {r.then} (attempt {recoveries} of {r.attempts})")
                # What failed passes by itself, given time: some before trying again.
                self.sleep(wait.interval_s)
                for step in r.steps:
                    self.log(f"      ▸ {step.describe()}")
                    self.step(action, step, deadline)
                last = None
                continue
            except botocore.exceptions.ClientError as err:
                _stop_if_lapsed(waiting, err)
                raise DeployError(
                    f"{waiting}: {aws_said(err)}. {sentence(HINTS[classify(err)])}"
                ) from err
            except NO_ANSWER as err:
                raise DeployError(
                    f"{waiting}: no answer from AWS: {err}. Run the command again once AWS is "
                    "reachable: it resumes waiting"
                ) from err
            except botocore.exceptions.BotoCoreError as err:  # the credential chain: not sent
                _stop_if_lapsed(waiting, err)
                raise
            now = self.clock()
            if status != last:
                self.log(f"      {status}")
                last, said = status, now
            elif not finished and now - said >= STILL_EVERY_S:
                # An endpoint takes 5-15 minutes and a CloudFront distribution longer, in one
                # state: say it is still going, so a silent log does not look like a hang.
                left = max(deadline - now, 0.0)
                self.log(
                    f"      still {status} after {_minutes(now - started)} "
                    f"(waiting until {wait.what}, up to {_minutes(left)} more)"
                )
                said = now
            if finished:
                return
            if now >= deadline:
                raise DeployError(
                    f"{action.kind} {action.name}: still {status} after {int(wait.timeout_s)} s "
                    f"of waiting until {wait.what} ({wait.timeout_hint})"
                )
            self.sleep(wait.interval_s)


@dataclass
class Teardown:
    """A destroy run in parts, with `run_all`'s rules: `run_leading` starts the leading
    actions of some kinds (destroy's ``early`` and ``billed`` ones and what must go before
    them: the calls that start a change AWS then finishes by itself), `finish` waits for what
    they started, then runs the rest; the numbering ([i/n]), what was done and what failed
    span both parts.

    Credentials that lapse stop it there (not each remaining action tried and refused the
    same way, each after botocore's own attempts): no later call can succeed until someone
    signs in again, and the run after that deletes what is left; the actions not tried are
    listed (``untried``) in the `Incomplete` it ends with, apart from those whose calls
    already went (``unconfirmed``: a DeleteEndpoint accepted, its wait not run), which AWS
    may still be carrying out."""

    executor: Executor
    todo: list[Action]
    depends_on: Mapping[str, Sequence[str]]
    hook: Hook | None = None
    done: list[Action] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    untried: list[Action] = field(default_factory=list)  # after the credentials lapsed
    # Started (their calls accepted), their waits not run: the credentials lapsed first.
    unconfirmed: list[Unconfirmed] = field(default_factory=list)
    lapsed: bool = False
    deferred: bool = False  # a leading call refused busy: the rest of it left for `finish`
    at: int = 0  # how many of ``todo`` were run (or skipped) so far
    # Leading actions started, each with its number, whether any of its steps ran yet, and
    # the waits it ends with: `finish` runs those first, in order.
    started: list[tuple[int, Action, bool, tuple[Step, ...]]] = field(default_factory=list)

    def run_leading(self, kinds: Sequence[str]) -> None:
        """Run the actions from here on while they are of ``kinds`` (destroy's plan puts the
        early and billed kinds, and what must go before them, first), each up to the waits it
        ends with: an endpoint's DeleteEndpoint is made, the wait until it is gone is left
        for `finish` (so a sweep's endpoints are all deleting before it waits on one). An
        action that must wait before its call (an endpoint still Creating or Updating) is
        left whole for `finish`, and so is one whose call AWS refuses busy (it turned Updating
        after the read): retried there, within the same bound, not here, where it would hold
        back the other stacks' calls for up to an hour. The leading part stops at such an
        action: what comes after it in the plan must not go before it."""
        while (
            not self.lapsed
            and not self.deferred
            and self.at < len(self.todo)
            and self.todo[self.at].kind in kinds
        ):
            self._next(leading=True)

    def finish(self) -> list[Action]:
        """Wait for what `run_leading` started, then run what is left, in the plan's order;
        the actions done, or `Incomplete` with every failure."""
        started, self.started = self.started, []
        for i, action, ran, waits in started:
            if self.lapsed and ran:  # its calls went: AWS may be carrying them out
                calls = sent(action.steps[: len(action.steps) - len(waits)])
                self.unconfirmed.append(Unconfirmed(action, calls))
                continue
            if self.lapsed:
                self.untried.append(action)
                continue
            where = self._where(i, action)
            self.executor.log(f"{where}: {'waiting for what it started' if ran else action.reason}")
            if self._run(where, action, waits):
                self._done(i, action)
        while self.at < len(self.todo) and not self.lapsed:
            self._next()
        if self.lapsed:
            self.untried += self.todo[self.at :]
            self.at = len(self.todo)
            started_too = (
                f", {len(self.unconfirmed)} started and not seen through"
                if self.unconfirmed
                else ""
            )
            self.executor.log(
                "stopped: the credentials no longer work; "
                f"{counted(len(self.untried), 'action')} not tried{started_too} "
                "(every call would be refused the same way)"
            )
        if self.failures:
            raise Incomplete(
                self.done, self.failures, self.skipped, "destroy", self.untried, self.unconfirmed
            )
        return self.done

    def _where(self, i: int, action: Action) -> str:
        return f"[{i}/{len(self.todo)}] {action.op} {action.kind} {action.name}"

    def _next(self, leading: bool = False) -> None:
        ex, action = self.executor, self.todo[self.at]
        self.at += 1
        i, n = self.at, len(self.todo)
        because = blocked(self.depends_on, self.failures).get(action.kind)
        if because:
            ex.log(
                f"[{i}/{n}] skip {action.kind} {action.name}: it must outlive "
                f"{', '.join(because)}, which could not be deleted"
            )
            self.skipped.append(Skipped(action, because))
            return
        steps, waits = _before_waits(action.steps) if leading else (action.steps, ())
        if steps:
            where = self._where(i, action)
            ex.log(f"{where}: {action.reason}")
            for k, step in enumerate(steps):
                try:
                    if not self._run(where, action, (step,), patient=not leading):
                        return
                except Busy:  # leading only: the rest of this action is `finish`'s
                    self.started.append((i, action, False, (*steps[k:], *waits)))
                    self.deferred = True
                    return
        if waits:
            self.started.append((i, action, bool(steps), waits))
        else:
            self._done(i, action)

    def _run(self, where: str, action: Action, steps: Sequence[Step], patient: bool = True) -> bool:
        """Run ``steps`` of ``action``; False when one failed (recorded, and said). Not
        ``patient``: a busy refusal raises `Busy`."""
        ex = self.executor

        def failed(step: Step, err: DeployError) -> None:
            ex.log(f"      failed: {err}")
            self.failures.append(failure(action, step, err))
            self.lapsed = self.lapsed or isinstance(err, CredentialsLapsed)

        def so_far() -> str:
            if not self.failures:
                return ""
            return f"\nBefore that, {Incomplete(self.done, self.failures, self.skipped)}"

        return ex._steps(where, action, failed, so_far, steps, patient)

    def _done(self, i: int, action: Action) -> None:
        self.done.append(action)
        if self.hook:
            self.hook(i, action)


def _stop_if_lapsed(what: str, err: Exception) -> None:
    """Raise `CredentialsLapsed` at ``what`` when ``err`` says the credentials no longer work;
    else return, and the caller handles ``err`` as it would any other."""
    kind = lapsed(err)
    if kind is not None:
        raise _lapse(what, err, kind) from err


def _lapse(what: str, err: Exception, kind: ErrorKind) -> CredentialsLapsed:
    """The run's end at ``what`` (the resource and its call): the credentials no longer work,
    refused by AWS (its code) or not refreshable (botocore's words; nothing was sent)."""
    if isinstance(err, botocore.exceptions.ClientError):  # worded as any step AWS refused
        said = aws_said(err)
    else:
        said = f"not sent: credentials {kind.value}, botocore could not refresh them: {err}"
    return CredentialsLapsed(f"{what} failed: {said}. {sentence(HINTS[kind])}", kind)


def _before_waits(steps: Sequence[Step]) -> tuple[tuple[Step, ...], tuple[Step, ...]]:
    """``steps`` split before the waits they end with: what starts a change, what waits for
    it. Steps that begin with a wait (an endpoint's until SageMaker lets it be deleted, up to
    an hour) start nothing now: all of them are left for `finish`, so one stack's busy
    endpoint does not hold back the changes the sweep starts in the others."""
    if steps and isinstance(steps[0], Wait):
        return (), tuple(steps)
    cut = len(steps)
    while cut and isinstance(steps[cut - 1], Wait):
        cut -= 1
    return tuple(steps[:cut]), tuple(steps[cut:])


def _refused(what: str, err: Exception, kind: ErrorKind | None = None) -> DeployError:
    """``what`` failed with ``err`` (its cause, so `failure` records AWS's code and hint);
    ``kind``: AWS's refusal as the call's own service and operation classify it."""
    if isinstance(err, botocore.exceptions.ClientError):
        kind = kind or classify(err)
        said = f"{aws_said(err)}. {sentence(HINTS[kind])}"
    elif isinstance(err, NO_ANSWER):
        said = f"no answer from AWS: {err}. {RESUME}"
    else:
        said = f"botocore: {err}"
    refused = DeployError(f"{what} failed: {said}")
    refused.__cause__ = err
    return refused


def _minutes(seconds: float) -> str:
    """How long, as a person reads it: "45 s", "3 min", "1 h 5 min"."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    m = s // 60
    return f"{m} min" if m < 60 else f"{m // 60} h {m % 60} min"
