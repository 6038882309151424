"""Removing several stacks in one run (`previews sweep`): every stack's slow AWS changes are
started before any stack is waited on.

A stack's destroy first issues its leading actions, each a change AWS then carries out for
minutes by itself: the CloudFront distribution's disable (deployed for 15 minutes or more) and
the endpoint's DeleteEndpoint (Deleting for minutes), after what must go before it (its
autoscaling). `remove_all` starts every stack so, then finishes each in turn: the wait until
its endpoint is gone first, then the rest of its destroy, the disable's wait late. One stack
after another, N previews cost N disables and N endpoint deletions end to end; started
together, they go on together while the first stack is finished, and the later stacks' waits
find them done. Each endpoint is waited for before anything else of its stack is deleted, as
in a single destroy: SageMaker deletes an endpoint's resources asynchronously and needs its
execution role until then (AWS's DeleteEndpoint reference: do not delete or revoke it), and
the endpoint writes to its log group and serves its config and model until it is gone. An
endpoint SageMaker is still creating or updating cannot be deleted until it is done (it
refuses DeleteEndpoint meanwhile): its stack's deletion starts when that stack is finished,
after a bounded wait, and the other stacks' start at once; so does one that turned so after
the read (its DeleteEndpoint refused at the start is retried then, not at the start).

The rest stays one stack at a time, on purpose: one thread, so each line is whole and
prefixed with its stack, the order is the same on every run, and Ctrl-C (or a cancelled job)
stops at once with every lock released. What a thread per stack would overlap beyond this
(one stack's deletions of quick resources while another waits) is seconds, at the price of
interleaved lines and an interrupt that must reach every worker.

A stack that fails, before (its lock held) or during its destroy (a resource refusing), does
not stop the others: each outcome is reported as it ends, failures included. Credentials that
lapse do (an SSO session or the job's role session ending, met in a stack's destroy or at its
lock's release): every later call would be refused the same way, so the stacks after it are
not tried, each reported so (`Outcome.untried`) with its lock's release tried once: refused,
the error says the lock is held and how to release it. A release refused otherwise (AccessDenied
on the lock, the network, throttling past botocore's retries) is that stack's error alone, said
with the same note; the sweep goes on. A stack wholly removed has no lock left to release (it
went with its bucket): it is said removed, whatever its release said. One stopped after its
bucket's deletion began says its error and that its lock went with it, as `destroy` does
(cli.LockDeletion), not that it is held.

A job's time is bounded, and overlapping does not bound a sweep's: each wait's limit counts
from when its stack is finished, so an endpoint or a distribution that stays busy costs every
stack its whole destroy budget (`budget.DESTROY_WAITS_S`), N stacks N times that. ``fits``
says whether the time left holds one more: a stack is started, then finished, only while it
does; the others are left for the next sweep (`Outcome.left`), their locks released.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace

from deploy.aws import CredentialsLapsed, DeployError, Interrupted
from deploy.aws_errors import LAPSED_KINDS
from deploy.executor import Teardown
from deploy.failures import Incomplete
from deploy.plan import Action

# Starts one stack's removal, holding what it takes (its lock) on the ExitStack given: its
# teardown with the leading actions started, or why the stack is kept after all (a string).
Start = Callable[[str, ExitStack], Teardown | str]


@dataclass(frozen=True)
class Outcome:
    """How one stack's removal ended."""

    stack: str
    done: list[Action] = field(default_factory=list)
    error: DeployError | None = None
    kept: str = ""  # why it was kept after all (judged again under its lock)
    untried: str = ""  # why it was not started or not finished: the credentials lapsed before
    lapse: DeployError | None = None  # the credentials lapsed in it: the sweep stops there
    left: str = ""  # why it was not started or not finished: the job's time would not hold it


def remove_all(
    stacks: Sequence[str],
    start: Start,
    report: Callable[[Outcome], None],
    fits: Callable[[], bool] = lambda: True,
) -> None:
    """Start each stack (its leading actions' calls made), then finish each in the same order
    (what those started waited for first), passing each outcome to ``report`` as it ends; a
    stack's lock is released once it is finished. An interrupt stops it all (every lock held
    is released); any other error is that stack's, but credentials that lapsed: the stacks
    after it are not tried (their locks' release tried, and said when refused). A stack is
    started and finished only while ``fits()`` (the job's time left holds its worst case)."""
    with ExitStack() as held:
        started: list[tuple[str, ExitStack, Teardown | Outcome]] = []
        lapse = ""  # the stack the credentials lapsed in
        for stack in stacks:
            own = held.enter_context(ExitStack())
            if lapse:
                started.append((stack, own, Outcome(stack, untried=_after(lapse, "started"))))
                continue
            if not fits():
                started.append((stack, own, Outcome(stack, left=_late("started"))))
                continue
            got = _start(stack, own, start)
            if isinstance(got, Outcome):  # nothing more to do under its lock
                got = _closed(own, got)
                lapse = stack if got.lapse else ""
            elif _lapsed_at_start(got):  # finished at once, with that failure
                lapse = stack
            started.append((stack, own, got))
        for stack, own, got in started:
            if not isinstance(got, Outcome) and lapse and not _lapsed_at_start(got):
                why = _after(lapse, "finished", _not_begun(got))
                got = _closed(own, Outcome(stack, got.done, untried=why))
            elif not isinstance(got, Outcome) and not fits():
                got = _closed(
                    own, Outcome(stack, got.done, left=_late("finished", _not_begun(got)))
                )
                lapse = stack if got.lapse else ""
            elif not isinstance(got, Outcome):
                got = _finish(stack, own, got)
                lapse = lapse or (stack if got.lapse else "")
            report(got)


def _start(stack: str, own: ExitStack, start: Start) -> Teardown | Outcome:
    try:
        got = start(stack, own)
    except Interrupted:
        raise
    except DeployError as err:  # its lock held by another run, AWS refusing a read
        return Outcome(stack, error=err, lapse=err if _lapsed(err) else None)
    return Outcome(stack, kept=got) if isinstance(got, str) else got


def _closed(own: ExitStack, outcome: Outcome) -> Outcome:
    """``outcome`` once its lock is released; when the release is refused (`cli._locked` says
    the lock is held and how to release it), with that error."""
    try:
        own.close()
    except DeployError as err:
        lapse = outcome.lapse or (err if _lapsed(err) else None)
        if outcome.error is None:
            return replace(outcome, error=err, lapse=lapse)
        outcome.error.add_note(str(err))  # after its own error, as cli._locked adds it
        return replace(outcome, lapse=lapse)
    return outcome


def _finish(stack: str, own: ExitStack, teardown: Teardown) -> Outcome:
    done: list[Action] | None = None
    try:
        with own:
            done = teardown.finish()
    except Interrupted:
        raise
    except DeployError as err:  # went on past failures (Incomplete), or its lock not released
        lapse = err if _lapsed(err) else None
        if done is not None:
            # Wholly removed, then its release refused (lapsed or not): the lock went with its
            # bucket (the destroy deletes it first, resources/site.py), so none is held.
            return Outcome(stack, done, lapse=lapse)
        return Outcome(stack, err.done if isinstance(err, Incomplete) else [], err, lapse=lapse)
    return Outcome(stack, done)


def _lapsed(err: DeployError) -> bool:
    """Whether ``err`` says the credentials no longer work: the sweep's later calls would all
    be refused the same way."""
    if isinstance(err, Incomplete):
        return any(f.kind in LAPSED for f in err.failures)
    return isinstance(err, CredentialsLapsed)


def _lapsed_at_start(teardown: Teardown) -> bool:
    """Whether the credentials lapsed in the stack's leading calls (its teardown stopped
    there, `Teardown.lapsed`; a stand-in that only finishes has no such state)."""
    return bool(getattr(teardown, "lapsed", False))


def _not_begun(teardown: Teardown) -> list[str]:
    """The leading actions of a started stack whose call was never made: left whole for its
    finish (an endpoint still Creating or Updating when read, or whose DeleteEndpoint AWS
    refused busy at the start). Not finished, nothing in AWS deletes them."""
    return [f"{a.op} {a.kind} {a.name}" for _i, a, ran, _w in teardown.started if not ran]


def _after(stack: str, what: str, not_begun: Sequence[str] = ()) -> str:
    """Why a stack after ``stack`` was not tried: ``what`` it was not (started, finished);
    ``not_begun``: what its start left for its finish, so never made (still there, billed)."""
    if what != "finished":
        then = "the next sweep removes it once signed in again"
    elif not_begun:
        then = (
            f"its start was made only in part: {', '.join(not_begun)} not made (left for its "
            "finish: still there), the rest not tried; the next sweep removes them once signed "
            "in again"
        )
    else:
        then = (
            "its start was made (its distribution's disable and its endpoint's deletion go on "
            "in AWS), the rest not tried"
        )
    return (
        f"not {what}: the credentials lapsed (in {stack}), so every call would be refused "
        f"the same way; {then}"
    )


def _late(what: str, not_begun: Sequence[str] = ()) -> str:
    """Why a stack was not ``what`` (started, finished): the job's time left would not hold
    its worst case. ``not_begun`` as in `_after`: never made, so nothing in AWS deletes them."""
    if what != "finished":
        then = "the next sweep removes it"
    elif not_begun:
        then = (
            f"its start was made only in part: {', '.join(not_begun)} not made (left for its "
            "finish: still there); the next sweep removes them and the rest"
        )
    else:
        then = (
            "its start was made (its distribution's disable and its endpoint's deletion go on "
            "in AWS); the next sweep removes the rest"
        )
    return (
        f"left for the next sweep: not {what}, the job's time left would not hold its "
        f"destroy's longest waits; {then}"
    )


LAPSED = frozenset(kind.value for kind in LAPSED_KINDS)
