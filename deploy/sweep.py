"""Removing several stacks in one run (`previews sweep`): every stack's slow AWS changes are
started before any stack is waited on.

A stack's destroy first issues its ``early`` actions (a CloudFront distribution's disable,
which CloudFront then deploys for minutes by itself), deletes the rest meanwhile (the endpoint
is Deleting for minutes too) and waits for the disable last. One stack after another, N
previews cost N disables end to end; with every stack's disable issued first (`remove_all`),
they deploy together while the first stack's endpoint deletes, and the later stacks' waits
find them done. The rest of each destroy stays one stack at a time, on purpose: one thread,
so each line is whole and prefixed with its stack, the order is the same on every run, and
Ctrl-C (or a cancelled job) stops at once with every lock released. A pool of threads would
also overlap the endpoints' deletions, at the price of interleaved waits and an interrupt that
must reach every worker; the disable is the longest wait, and it is the one overlapped.

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
# teardown with the early actions run, or why the stack is kept after all (a string).
Start = Callable[[str, ExitStack], Teardown | str]


@dataclass(frozen=True)
class Outcome:
    """How one stack's removal ended."""

    stack: str
    done: list[Action] = field(default_factory=list)
    error: DeployError | None = None
    kept: str = ""  # why it was kept after all (judged again under its lock)


def remove_all(stacks: Sequence[str], start: Start, report: Callable[[Outcome], None]) -> None:
    """Start each stack (its early actions run), then finish each in the same order, passing
    each outcome to ``report`` as it ends; a stack's lock is released once it is finished. An
    interrupt stops it all (every lock held is released); any other error is that stack's."""
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
