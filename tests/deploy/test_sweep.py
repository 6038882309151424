"""Removing several stacks: every stack started (its early actions) before any is finished;
one stack's failure, before or during its destroy, never stops the others; an interrupt
stops them all with every lock released."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import botocore.exceptions
import pytest

from deploy import sweep
from deploy.aws import CredentialsLapsed, DeployError, Interrupted
from deploy.aws_errors import ErrorKind
from deploy.executor import Executor, Teardown
from deploy.failures import Failure, Incomplete
from deploy.plan import Action, Call, Run, Wait
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


class _SageMaker:
    """What the sweep asks AWS, in order: each DeleteEndpoint made, each wait's poll."""

    def __init__(self, seen: list[str], busy: dict[str, int] | None = None) -> None:
        self.seen = seen
        self.busy = busy or {}  # how many DeleteEndpoints of each SageMaker refuses first

    def client(self, _service: str) -> _SageMaker:
        return self

    def delete_endpoint(self, EndpointName: str) -> dict:  # boto3 spells it so
        if self.busy.get(EndpointName):
            self.busy[EndpointName] -= 1
            self.seen.append(f"DeleteEndpoint {EndpointName}: refused, Updating")
            error = {"Error": {"Code": "ValidationException", "Message": IN_PROGRESS}}
            raise botocore.exceptions.ClientError(error, "DeleteEndpoint")  # type: ignore[arg-type]
        self.seen.append(f"DeleteEndpoint {EndpointName}")
        return {}

    def poll(self, stack: str, what: str, answers: list[bool]):
        def poll(_aws: object) -> tuple[bool, str]:
            self.seen.append(f"{stack}: wait until {what}")
            done = answers.pop(0)
            return done, what if done else "Updating"

        return poll


IN_PROGRESS = 'Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:1:endpoint/pr-1".'


def _endpoint_teardown(stack: str, aws: _SageMaker, busy: bool) -> Teardown:
    """A stack's endpoint deletion as destroy plans it: seen busy (Creating, Updating), its
    wait until SageMaker is done with it comes first (SageMaker refuses DeleteEndpoint
    meanwhile), then the DeleteEndpoint and the wait until it is gone."""
    idle = Wait("no longer Updating", aws.poll(stack, "idle", [False, True]), interval_s=15)
    gone = Wait("deleted", aws.poll(stack, "deleted", [True]), interval_s=15)
    steps = (
        *([idle] if busy else []),
        Call(
            "sagemaker",
            "DeleteEndpoint",
            {"EndpointName": stack},
            retry_on=frozenset({ErrorKind.BUSY}),
            retry_s=3600,
        ),
    )
    action = Action("delete", "endpoint", stack, "destroy", steps=(*steps, gone))
    executor = Executor(aws, log=lambda _: None, sleep=lambda _s: None)  # type: ignore[arg-type]
    return executor.teardown([action], {"endpoint": ()})


def test_an_endpoint_busy_in_one_stack_does_not_hold_back_the_others_deletions() -> None:
    """pr-1's endpoint is still Creating (its deploy was cancelled): SageMaker lets it be
    deleted only once it is done, up to an hour later. The sweep waited for that before it
    made pr-2's DeleteEndpoint; pr-2's is made at the start, and pr-1 is waited for, then
    deleted, when it is finished."""
    seen: list[str] = []
    aws = _SageMaker(seen)

    def start(stack: str, held: ExitStack) -> Teardown:
        teardown = _endpoint_teardown(stack, aws, busy=stack == "pr-1")
        teardown.run_leading(["endpoint"])
        return teardown

    outcomes: list[Outcome] = []
    remove_all(["pr-1", "pr-2"], start, outcomes.append)
    assert seen == [
        "DeleteEndpoint pr-2",  # started before any wait
        "pr-1: wait until idle", "pr-1: wait until idle", "DeleteEndpoint pr-1",
        "pr-1: wait until deleted",
        "pr-2: wait until deleted",
    ]  # fmt: skip
    assert [(o.stack, len(o.done), o.error) for o in outcomes] == [
        ("pr-1", 1, None), ("pr-2", 1, None),
    ]  # fmt: skip


def test_an_endpoint_that_turned_busy_after_the_read_does_not_hold_back_the_others() -> None:
    """pr-1's endpoint was InService when read, then Updating (a scaling activity, AWS's
    maintenance): SageMaker refuses its DeleteEndpoint. Retried at the start (up to an hour),
    it held back pr-2's; the refusal leaves pr-1's deletion for when pr-1 is finished."""
    seen: list[str] = []
    aws = _SageMaker(seen, busy={"pr-1": 2})

    def start(stack: str, held: ExitStack) -> Teardown:
        teardown = _endpoint_teardown(stack, aws, busy=False)
        teardown.run_leading(["endpoint"])
        return teardown

    outcomes: list[Outcome] = []
    remove_all(["pr-1", "pr-2"], start, outcomes.append)
    assert seen == [
        "DeleteEndpoint pr-1: refused, Updating",
        "DeleteEndpoint pr-2",  # not held back
        "DeleteEndpoint pr-1: refused, Updating", "DeleteEndpoint pr-1",  # retried at finish
        "pr-1: wait until deleted",
        "pr-2: wait until deleted",
    ]  # fmt: skip
    assert [(o.stack, len(o.done), o.error) for o in outcomes] == [
        ("pr-1", 1, None), ("pr-2", 1, None),
    ]  # fmt: skip


def _expired(where: str) -> CredentialsLapsed:
    return CredentialsLapsed(f"{where}: AWS said ExpiredToken", ErrorKind.EXPIRED)


class _Lapsing(_Events):
    """Locks whose release is refused once the credentials lapsed (cli._locked's error)."""

    def __init__(self) -> None:
        super().__init__()
        self.lapsed = False

    @contextmanager
    def lock(self, stack: str) -> Iterator[None]:
        self.seen.append(f"lock {stack}")
        yield
        self.seen.append(f"unlock {stack}")
        if refused := self.refusal(stack):
            raise refused

    def refusal(self, stack: str) -> Exception | None:
        """What releasing ``stack``'s lock raises, if anything."""
        return _expired(f"{stack}'s lock is still held") if self.lapsed else None


def test_credentials_that_lapse_at_a_kept_stacks_lock_release_stop_the_sweep_saying_each() -> None:
    """Kept after all, its lock's release refused (ExpiredToken): the sweep used to end there,
    every outcome unsaid. pr-1, started before, is not finished (its lock's release tried,
    refused: said held); pr-3 is not started; each outcome is reported."""
    events = _Lapsing()
    outcomes: list[Outcome] = []
    plain = _start(events, {}, {})

    def start(stack: str, held: ExitStack) -> Teardown | str:
        got = plain(stack, held)
        events.lapsed = events.lapsed or stack == "kept"
        return got

    remove_all(["pr-1", "kept", "pr-3"], start, outcomes.append)
    assert events.seen == [
        "lock pr-1", "start pr-1", "lock kept", "start kept", "unlock kept", "unlock pr-1",
    ]  # fmt: skip
    pr1, kept, pr3 = outcomes
    assert kept.kept and "kept's lock is still held" in str(kept.error) and kept.lapse
    assert pr1.untried.startswith("not finished: the credentials lapsed (in kept)")
    assert "pr-1's lock is still held" in str(pr1.error)
    assert pr3.untried.startswith("not started: the credentials lapsed (in kept)")
    assert pr3.error is None


def test_credentials_that_lapse_in_one_stacks_destroy_leave_the_next_untried() -> None:
    """pr-1's destroy stopped at a lapse (Incomplete, kind expired): pr-2 is not finished,
    not tried and refused call by call as it used to be."""
    events = _Lapsing()
    lapse = Failure(Action("delete", "iam_role", "r", "destroy"), "iam:DeleteRole",
                    "ExpiredToken", "expired", "sign in", ErrorKind.EXPIRED.value)  # fmt: skip
    start = _start(events, {}, {"pr-1": Incomplete([], [lapse], [])})
    outcomes: list[Outcome] = []

    def lapsing(o: Outcome) -> None:
        events.lapsed = True
        outcomes.append(o)

    remove_all(["pr-1", "pr-2"], start, lapsing)
    assert "finish pr-2" not in events.seen
    pr1, pr2 = outcomes
    assert pr1.lapse is pr1.error and not pr1.untried
    assert pr2.untried.startswith("not finished") and "pr-2's lock" in str(pr2.error)


class _Refusing(_Lapsing):
    """Locks whose release ``refuse`` refuses for another reason than lapsed credentials (as
    cli._locked says it for the sweep: a DeployError noting the lock held)."""

    def __init__(self, refuse: set[str]) -> None:
        super().__init__()
        self.refuse = refuse

    def refusal(self, stack: str) -> Exception | None:
        if stack in self.refuse:
            return DeployError(f"{stack}'s lock is still held: AccessDenied")
        return None


def test_a_release_failing_otherwise_is_that_stacks_error_a_removed_one_keeps_its_count() -> None:
    """pr-1 removed whole, then its release refused (AccessDenied, the network): its lock went
    with its bucket, so it is said removed with its count (it was said removed with none);
    pr-2's destroy failed and its release was refused: its error, the sweep goes on to pr-3."""
    events = _Refusing({"pr-1", "pr-2"})
    broke = Incomplete([Action("delete", "endpoint", "pr-2", "destroy")], [], [])
    outcomes: list[Outcome] = []
    remove_all(["pr-1", "pr-2", "pr-3"], _start(events, {}, {"pr-2": broke}), outcomes.append)
    said = [(o.stack, len(o.done), o.error is not None, o.lapse) for o in outcomes]
    assert said == [("pr-1", 1, False, None), ("pr-2", 1, True, None), ("pr-3", 1, False, None)]
    assert "finish pr-3" in events.seen


def test_a_stack_is_started_and_finished_only_while_the_jobs_time_left_holds_it() -> None:
    """The job's time runs out: pr-3 is not started, pr-2 (started) not finished; both are
    left for the next sweep, pr-2's lock released; pr-1 finished before."""
    events = _Events()
    outcomes: list[Outcome] = []
    answers = iter([True, True, False, True, False])  # start pr-1, pr-2, pr-3; finish pr-1, pr-2
    remove_all(["pr-1", "pr-2", "pr-3"], _start(events, {}, {}), outcomes.append,
               lambda: next(answers))  # fmt: skip
    assert events.seen == [
        "lock pr-1", "start pr-1", "lock pr-2", "start pr-2",
        "finish pr-1", "unlock pr-1", "unlock pr-2",
    ]  # fmt: skip
    pr1, pr2, pr3 = outcomes
    assert len(pr1.done) == 1 and not pr1.left
    assert pr2.left.startswith("left for the next sweep: not finished") and pr2.error is None
    assert pr3.left.startswith("left for the next sweep: not started")


def test_a_stack_not_finished_after_a_lapse_says_which_deletions_were_never_made() -> None:
    """pr-2's DeleteEndpoint, refused busy at its start, was left for its finish; pr-1's
    destroy then met lapsed credentials, so pr-2 is not finished. Its outcome used to say its
    endpoint's deletion goes on in AWS: none was made (the endpoint still runs, billed), and
    it must say so, by name, or the reader counts on a deletion that never began."""
    events = _Lapsing()
    lapse = Failure(Action("delete", "iam_role", "r", "destroy"), "iam:DeleteRole",
                    "ExpiredToken", "expired", "sign in", ErrorKind.EXPIRED.value)  # fmt: skip
    seen: list[str] = []
    aws = _SageMaker(seen, busy={"pr-2": 1})
    plain = _start(events, {}, {"pr-1": Incomplete([], [lapse], [])})

    def start(stack: str, held: ExitStack) -> Teardown | str:
        if stack == "pr-1":
            return plain(stack, held)
        teardown = _endpoint_teardown(stack, aws, busy=False)
        teardown.run_leading(["endpoint"])
        return teardown

    outcomes: list[Outcome] = []
    remove_all(["pr-1", "pr-2"], start, outcomes.append)
    assert seen == ["DeleteEndpoint pr-2: refused, Updating"]  # never made
    _, pr2 = outcomes
    assert pr2.untried.startswith("not finished")
    assert "endpoint's deletion go on" not in pr2.untried
    assert "delete endpoint pr-2" in pr2.untried and "not made" in pr2.untried


class _Expired(_SageMaker):
    """SageMaker refusing every call: the job's role session has ended."""

    def delete_endpoint(self, EndpointName: str) -> dict:  # boto3 spells it so
        self.seen.append(f"DeleteEndpoint {EndpointName}: ExpiredToken")
        error = {"Error": {"Code": "ExpiredToken", "Message": "The security token expired"}}
        raise botocore.exceptions.ClientError(error, "DeleteEndpoint")  # type: ignore[arg-type]


def test_credentials_that_lapse_in_a_stacks_start_stop_the_sweep_there() -> None:
    """pr-1's DeleteEndpoint at its start is refused ExpiredToken (its teardown records it
    and stops). The sweep went on to start pr-2 (its lock's take refused the same way), then
    said pr-1 "not finished … its endpoint's deletion goes on in AWS", its own failure
    dropped: pr-1 is reported with that failure, and pr-2 is not started."""
    seen: list[str] = []
    aws = _Expired(seen)
    tried: list[str] = []

    def start(stack: str, held: ExitStack) -> Teardown:
        tried.append(stack)
        teardown = _endpoint_teardown(stack, aws, busy=False)
        teardown.run_leading(["endpoint"])
        return teardown

    outcomes: list[Outcome] = []
    remove_all(["pr-1", "pr-2"], start, outcomes.append)
    assert tried == ["pr-1"] and seen == ["DeleteEndpoint pr-1: ExpiredToken"]
    pr1, pr2 = outcomes
    assert not pr1.untried and pr1.lapse is pr1.error
    assert isinstance(pr1.error, Incomplete) and "ExpiredToken" in str(pr1.error)
    assert pr2.untried.startswith("not started: the credentials lapsed (in pr-1)")


def _refused(_aws: object, _log: object) -> None:
    """A step of ours (emptying a bucket of its versions) whose AWS call is refused."""
    error = {"Error": {"Code": "AccessDenied", "Message": "not allowed: s3:ListBucketVersions"}}
    raise botocore.exceptions.ClientError(error, "ListObjectVersions")  # type: ignore[arg-type]


def test_a_step_of_ours_refused_in_one_stack_does_not_cost_the_next_its_deferred_deletion() -> None:
    """pr-2's DeleteEndpoint, refused busy at its start, waits for pr-2's finish. pr-1's
    finish met AWS refusing a call inside a step of ours (its bucket's versions' listing):
    botocore's error went up through the sweep, ending it, pr-2's deletion never made and no
    outcome said. It is pr-1's failure (destroy goes on past a failed action), and pr-2 is
    finished: its DeleteEndpoint retried, made."""
    seen: list[str] = []
    aws = _SageMaker(seen, busy={"pr-2": 1})
    empty = Action("delete", "s3_bucket", "b", "destroy", steps=(Run("empty it", _refused),))
    after = Action("delete", "log_group", "/g", "destroy", steps=())

    def start(stack: str, held: ExitStack) -> Teardown:
        if stack == "pr-1":
            executor = Executor(aws, log=lambda _: None)  # type: ignore[arg-type]
            return executor.teardown([empty, after], {"s3_bucket": (), "log_group": ()})
        teardown = _endpoint_teardown(stack, aws, busy=False)
        teardown.run_leading(["endpoint"])
        return teardown

    outcomes: list[Outcome] = []
    remove_all(["pr-1", "pr-2"], start, outcomes.append)
    assert seen[-2:] == ["DeleteEndpoint pr-2", "pr-2: wait until deleted"]
    pr1, pr2 = outcomes
    assert isinstance(pr1.error, Incomplete) and "AccessDenied" in str(pr1.error)
    assert [a.kind for a in pr1.done] == ["log_group"]  # went on past it
    assert pr2.error is None and len(pr2.done) == 1


def test_a_stack_left_for_the_next_sweep_names_the_deletions_its_start_never_made() -> None:
    """Time ran out before pr-2's finish, and its start had left its endpoint's DeleteEndpoint
    (refused busy) for that finish: the outcome must not say the endpoint's deletion goes on
    in AWS (none was made, the endpoint still runs, billed), but name it."""
    said = sweep._late("finished", ["delete endpoint pr-2-detect"])
    assert "delete endpoint pr-2-detect not made" in said
    assert "go on in AWS" not in said
    assert "go on in AWS" in sweep._late("finished")
