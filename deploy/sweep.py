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
not stop the others: each outcome is reported as it ends, failures included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field

from deploy.aws import DeployError, Interrupted
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


def remove_all(stacks: Sequence[str], start: Start, report: Callable[[Outcome], None]) -> None:
    """Start each stack (its leading actions' calls made), then finish each in the same order
    (what those started waited for first), passing each outcome to ``report`` as it ends; a
    stack's lock is released once it is finished. An interrupt stops it all (every lock held
    is released); any other error is that stack's."""
    with ExitStack() as held:
        started: list[tuple[str, ExitStack, Teardown | str | DeployError]] = []
        for stack in stacks:
            own = held.enter_context(ExitStack())
            got: Teardown | str | DeployError
            try:
                got = start(stack, own)
            except Interrupted:
                raise
            except DeployError as err:  # its lock held by another run, AWS refusing a read
                got = err
            if isinstance(got, str | DeployError):  # nothing more to do under its lock
                own.close()
            started.append((stack, own, got))
        for stack, own, got in started:
            if isinstance(got, DeployError):
                report(Outcome(stack, error=got))
            elif isinstance(got, str):
                report(Outcome(stack, kept=got))
            else:
                report(_finish(stack, own, got))


def _finish(stack: str, own: ExitStack, teardown: Teardown) -> Outcome:
    try:
        with own:
            return Outcome(stack, teardown.finish())
    except Interrupted:
        raise
    except DeployError as err:  # went on past failures (Incomplete)
        return Outcome(stack, err.done if isinstance(err, Incomplete) else [], err)
