"""The executor runs what the plan says, exactly: calls checked with botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import botocore.exceptions
import pytest
from botocore.stub import Stubber

from deploy.aws import Aws, DeployError, Interrupted
from deploy.aws_errors import ErrorKind
from deploy.executor import Executor
from deploy.failures import Incomplete
from deploy.plan import Action, Call, Ref, Run, Stop, Wait

GONE = frozenset({ErrorKind.GONE})


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def aws() -> Aws:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return Aws("us-east-1", session)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def run(aws: Aws, clock: Clock) -> Iterator[tuple[Executor, list[str]]]:
    lines: list[str] = []
    yield Executor(aws, {}, lines.append, clock.sleep, clock), lines


def test_calls_in_order_with_ids_learnt_on_the_way(aws: Aws, run) -> None:
    executor, lines = run
    gw = aws.client("apigatewayv2")
    actions = [
        Action(
            "create",
            "http_api",
            "p",
            "does not exist",
            steps=(
                Call(
                    "apigatewayv2",
                    "CreateApi",
                    {"Name": "p", "ProtocolType": "HTTP"},
                    {"api_id": "ApiId"},
                ),
            ),
        ),
        Action("noop", "api_stage", "$default", "up to date"),
        Action(
            "create",
            "api_route",
            "GET /health",
            "does not exist",
            steps=(
                Call(
                    "apigatewayv2",
                    "CreateRoute",
                    {
                        "ApiId": Ref("api_id"),
                        "RouteKey": "GET /health",
                        "Target": Ref("i", "integrations/{}"),
                    },
                ),
            ),
        ),
    ]
    executor.known["i"] = "int1"  # an id the world already knew
    with Stubber(gw) as stub:
        stub.add_response("create_api", {"ApiId": "abc"}, {"Name": "p", "ProtocolType": "HTTP"})
        stub.add_response(
            "create_route",
            {"RouteId": "r1"},
            {"ApiId": "abc", "RouteKey": "GET /health", "Target": "integrations/int1"},
        )
        done = executor.run(actions)
        stub.assert_no_pending_responses()
    assert [a.name for a in done] == ["p", "GET /health"]  # the noop is not run
    assert executor.known == {"i": "int1", "api_id": "abc"}
    assert lines[:2] == ["[1/2] create http_api p: does not exist", "    apigatewayv2:CreateApi"]


def test_an_error_the_step_accepts_counts_as_done(aws: Aws, run) -> None:
    executor, lines = run
    with Stubber(aws.client("iam")) as stub:
        stub.add_client_error("delete_role", "NoSuchEntity", "Role r not found", 404)
        executor.run(
            [
                Action(
                    "delete",
                    "iam_role",
                    "r",
                    "destroy",
                    steps=(Call("iam", "DeleteRole", {"RoleName": "r"}, ok_if=GONE),),
                )
            ]
        )
    assert lines[-1] == "      already gone: nothing to do"


def test_the_same_error_not_accepted_stops_with_what_and_how(aws: Aws, run) -> None:
    executor, _ = run
    with Stubber(aws.client("iam")) as stub:
        stub.add_client_error("delete_role", "NoSuchEntity", "Role r not found", 404)
        with pytest.raises(DeployError) as err:
            executor.run(
                [
                    Action(
                        "delete",
                        "iam_role",
                        "r",
                        "x",
                        steps=(Call("iam", "DeleteRole", {"RoleName": "r"}),),
                    )
                ]
            )
    msg = str(err.value)
    assert msg.startswith("delete iam_role r: iam:DeleteRole failed: AWS said NoSuchEntity")
    assert "not found. It disappeared after the plan was made" in msg


def test_declared_retries_back_off_then_give_up_at_the_bound(aws: Aws, run, clock: Clock) -> None:
    executor, lines = run
    call = Call(
        "lambda",
        "UpdateFunctionCode",
        {"FunctionName": "f", "ZipFile": b"z"},
        retry_on=frozenset({ErrorKind.BUSY}),
        retry_s=10,
    )
    action = Action("update", "lambda_function", "f", "changed: code", steps=(call,))
    with Stubber(aws.client("lambda")) as stub:
        for _ in range(2):
            stub.add_client_error(
                "update_function_code", "ResourceConflictException", "in progress", 409
            )
        stub.add_response("update_function_code", {"FunctionName": "f"})
        executor.run([action])
    assert clock.sleeps == [1.0, 2.0]
    assert (
        "      ResourceConflictException (busy): waiting while it is busy; retrying in 1 s "
        "(10 s left)"
    ) in lines
    clock.sleeps.clear()
    with Stubber(aws.client("lambda")) as stub:
        for _ in range(5):
            stub.add_client_error("update_function_code", "ResourceConflictException", "busy", 409)
        with pytest.raises(DeployError, match=r"busy\. Another change of it is still in progress"):
            executor.run([action])
    assert clock.sleeps == [1.0, 2.0, 4.0] and clock.now <= 10


def test_an_undeclared_retryable_error_is_not_retried(aws: Aws, run, clock: Clock) -> None:
    executor, _ = run
    with Stubber(aws.client("lambda")) as stub:
        stub.add_client_error("create_function", "InvalidParameterValueException", "role", 400)
        with pytest.raises(DeployError, match="AWS rejected the request"):
            executor.run(
                [
                    Action(
                        "create",
                        "lambda_function",
                        "f",
                        "x",
                        steps=(
                            Call(
                                "lambda",
                                "CreateFunction",
                                {"FunctionName": "f", "Role": "r", "Code": {}},
                            ),
                        ),
                    )
                ]
            )
    assert clock.sleeps == []


def test_waits_poll_log_changes_and_time_out_with_the_hint(aws: Aws, run, clock: Clock) -> None:
    executor, lines = run
    states = iter([(False, "Creating"), (False, "Creating"), (True, "InService")])
    ok = Wait("e is up", lambda _aws: next(states), timeout_s=100, interval_s=15)
    executor.run([Action("create", "endpoint", "e", "x", steps=(ok,))])
    assert clock.sleeps == [15, 15]
    assert [line.strip() for line in lines[-3:]] == [
        "wait until e is up (up to 100 s)",
        "Creating",
        "InService",
    ]
    never = Wait(
        "e is up",
        lambda _aws: (False, "Updating"),
        timeout_s=30,
        interval_s=15,
        timeout_hint="come back",
    )
    with pytest.raises(DeployError, match=r"endpoint e: still Updating after 30 s .*\(come back\)"):
        executor.run([Action("create", "endpoint", "e", "x", steps=(never,))])


def test_a_long_wait_in_one_state_says_it_is_still_going(aws: Aws, run, clock: Clock) -> None:
    """An endpoint sits in Creating for minutes: a line a minute, never silence."""
    executor, lines = run
    states = iter([(False, "Creating")] * 9 + [(True, "InService")])
    up = Wait("e is up", lambda _aws: next(states), timeout_s=1200, interval_s=15)
    executor.run([Action("create", "endpoint", "e", "x", steps=(up,))])
    assert [line.strip() for line in lines[-5:]] == [
        "wait until e is up (up to 1200 s)",
        "Creating",
        "still Creating after 1 min (waiting until e is up, up to 19 min more)",
        "still Creating after 2 min (waiting until e is up, up to 18 min more)",
        "InService",
    ]


def test_a_poll_that_aws_refuses_says_so(aws: Aws, run) -> None:
    executor, _ = run

    def poll(a: Aws):
        return bool(a.client("sagemaker").describe_endpoint(EndpointName="e")), ""

    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_client_error("describe_endpoint", "AccessDeniedException", "no", 400)
        with pytest.raises(DeployError, match="waiting until e is up: AWS said AccessDenied"):
            executor.run([Action("create", "endpoint", "e", "x", steps=(Wait("e is up", poll),))])


def test_run_and_stop_steps(aws: Aws, run) -> None:
    executor, lines = run
    ran: list[str] = []
    build = Run("docker build", lambda _aws, log: (ran.append("built"), log("    $ docker build")))
    stop = Stop("detach the policy by hand")
    with pytest.raises(DeployError, match="detach the policy by hand"):
        executor.run(
            [
                Action("create", "image", "i", "x", steps=(build,)),
                Action("update", "iam_role", "r", "y", steps=(stop,)),
            ]
        )
    assert ran == ["built"] and "    $ docker build" in lines


def test_the_hook_runs_after_each_action_and_can_stop_the_run(aws: Aws, run) -> None:
    executor, _ = run
    seen: list[int] = []

    def hook(i: int, _a: Action) -> None:
        seen.append(i)
        if i == 2:
            raise RuntimeError("crash")

    actions = [Action("create", "x", str(i), "") for i in range(4)]
    with pytest.raises(RuntimeError):
        executor.run(actions, hook)
    assert seen == [1, 2]


def test_no_answer_from_aws_says_which_step_and_that_apply_resumes(aws: Aws, run) -> None:
    """A dropped connection or a timeout half-way (network, proxy, an endpoint that is down):
    the operator must learn which step got no answer, that it may or may not have been made,
    and that running apply again resumes, not only botocore's one line."""
    executor, _ = run

    def drop(**_: object) -> None:
        raise botocore.exceptions.EndpointConnectionError(endpoint_url="https://iam.amazonaws.com")

    aws.client("iam").meta.events.register("before-call.iam.DeleteRole", drop)
    step = Call("iam", "DeleteRole", {"RoleName": "r"})
    with pytest.raises(DeployError) as err:
        executor.run([Action("delete", "iam_role", "r", "x", steps=(step,))])
    msg = str(err.value)
    assert msg.startswith("delete iam_role r: iam:DeleteRole got no answer from AWS")
    assert 'Could not connect to the endpoint URL: "https://iam.amazonaws.com"' in msg
    assert "may or may not have been made" in msg and "run the command again" in msg

    def poll(a: Aws) -> tuple[bool, str]:
        raise botocore.exceptions.ReadTimeoutError(endpoint_url="https://api.sagemaker")

    with pytest.raises(DeployError, match=r"endpoint e: waiting until e is up: no answer from AWS"):
        executor.run([Action("create", "endpoint", "e", "x", steps=(Wait("e is up", poll),))])


def _delete(kind: str, name: str, service: str, operation: str, **params: object) -> Action:
    return Action("delete", kind, name, "destroy", steps=(Call(service, operation, params),))


DESTROY_DEPS = {
    "iam_role": (),
    "sagemaker_model": ("iam_role",),
    "endpoint": ("sagemaker_model",),
    "lambda_function": ("iam_role",),
    "log_group": (),
}


def test_destroy_goes_on_past_a_failure_and_leaves_only_what_must_outlive_it(aws: Aws, run) -> None:
    """An endpoint the role may not delete: the model and roles it needs are left (reported),
    the Lambda and the log group, which do not need it gone, are deleted; then every failure
    is raised together. It used to stop at the first error and delete nothing after it."""
    executor, lines = run
    actions = [
        _delete("endpoint", "e", "sagemaker", "DeleteEndpoint", EndpointName="e"),
        _delete("lambda_function", "f", "lambda", "DeleteFunction", FunctionName="f"),
        _delete("sagemaker_model", "m", "sagemaker", "DeleteModel", ModelName="m"),
        _delete("log_group", "/g", "logs", "DeleteLogGroup", logGroupName="/g"),
        _delete("iam_role", "r", "iam", "DeleteRole", RoleName="r"),
    ]
    with (
        Stubber(aws.client("sagemaker")) as sm,
        Stubber(aws.client("lambda")) as lam,
        Stubber(aws.client("logs")) as logs,
        Stubber(aws.client("iam")) as iam,
    ):
        sm.add_client_error(
            "delete_endpoint", "AccessDeniedException", "User: x is not authorized", 400
        )
        lam.add_response("delete_function", {}, {"FunctionName": "f"})
        logs.add_response("delete_log_group", {}, {"logGroupName": "/g"})
        with pytest.raises(Incomplete) as err:
            executor.run_all(actions, DESTROY_DEPS)
        for stub in (sm, lam, logs, iam):
            stub.assert_no_pending_responses()  # no DeleteModel, no DeleteRole was made
    assert [a.name for a in err.value.done] == ["f", "/g"]
    (failed,) = err.value.failures
    assert (failed.action.name, failed.code, failed.message) == (
        "e",
        "AccessDeniedException",
        "User: x is not authorized",
    )
    assert [(s.action.name, s.because) for s in err.value.skipped] == [
        ("m", ("endpoint e",)),
        ("r", ("endpoint e",)),
    ]
    assert "[3/5] skip sagemaker_model m: it must outlive endpoint e, which could not be " in (
        "\n".join(lines)
    )


def test_destroy_with_every_action_done_returns_them(aws: Aws, run) -> None:
    executor, _ = run
    action = _delete("log_group", "/g", "logs", "DeleteLogGroup", logGroupName="/g")
    with Stubber(aws.client("logs")) as logs:
        logs.add_response("delete_log_group", {}, {"logGroupName": "/g"})
        assert executor.run_all([action], DESTROY_DEPS) == [action]


def test_destroy_interrupted_says_where_and_the_failures_before(aws: Aws, run) -> None:
    executor, _ = run

    def ctrl_c(a: Aws, log: object) -> None:
        raise KeyboardInterrupt

    actions = [
        Action("delete", "endpoint", "e", "destroy", steps=(Stop("detach it first"),)),
        Action("delete", "log_group", "/g", "destroy", steps=(Run("empty it", ctrl_c),)),
    ]
    with pytest.raises(Interrupted) as err:
        executor.run_all(actions, DESTROY_DEPS)
    msg = str(err.value)
    assert msg.startswith("interrupted at [2/2] delete log_group /g, during run: empty it.")
    assert "Before that, destroy could not delete 1 resource" in msg
    assert "endpoint e: detach it first" in msg


def test_a_teardown_in_two_parts_runs_the_leading_kinds_then_the_rest_as_one_destroy(
    aws: Aws, run
) -> None:
    """The sweep runs each stack's early actions, then later the rest: one numbering, and a
    failure in the first part still leaves what must outlive it in the second."""
    executor, lines = run
    actions = [
        Action("delete", "endpoint", "e", "destroy", steps=(Stop("detach it first"),)),
        _delete("log_group", "/g", "logs", "DeleteLogGroup", logGroupName="/g"),
        _delete("sagemaker_model", "m", "sagemaker", "DeleteModel", ModelName="m"),
    ]
    teardown = executor.teardown(actions, DESTROY_DEPS)
    teardown.run_leading(["endpoint"])
    assert any(line.startswith("[1/3] delete endpoint e: destroy") for line in lines)
    assert not any(line.startswith("[2/3]") for line in lines)  # the rest waits for finish
    with Stubber(aws.client("logs")) as logs, pytest.raises(Incomplete) as err:
        logs.add_response("delete_log_group", {}, {"logGroupName": "/g"})
        teardown.finish()
    assert [a.name for a in err.value.done] == ["/g"]
    assert [s.action.name for s in err.value.skipped] == ["m"]
    assert any(line.startswith("[3/3] skip sagemaker_model m") for line in lines)


def _gone_after(polls: list[str], answers: list[bool]):
    """A wait's poll that answers ``answers`` in turn, noting each poll in ``polls``."""

    def poll(_aws: Aws) -> tuple[bool, str]:
        polls.append("poll")
        done = answers.pop(0)
        return done, "deleted" if done else "Deleting"

    return poll


def _endpoint_then_model(wait: Wait) -> list[Action]:
    """Endpoint e's deletion (DeleteEndpoint, then ``wait``) and its model m's, in order."""
    return [
        Action(
            "delete",
            "endpoint",
            "e",
            "destroy",
            steps=(Call("sagemaker", "DeleteEndpoint", {"EndpointName": "e"}), wait),
        ),
        _delete("sagemaker_model", "m", "sagemaker", "DeleteModel", ModelName="m"),
    ]


def test_the_leading_part_makes_each_call_and_leaves_the_waits_it_ends_with_for_finish(
    aws: Aws, run
) -> None:
    """An endpoint's DeleteEndpoint is made when the sweep starts its stack; the wait until
    it is gone is the first thing `finish` does, before the rest (which needs it gone). An
    endpoint already Deleting has only its wait: nothing at the start, all of it at finish."""
    executor, lines = run
    polls: list[str] = []
    wait = Wait("endpoint e is deleted", _gone_after(polls, [False, True]), interval_s=1)
    actions = _endpoint_then_model(wait)
    with Stubber(aws.client("sagemaker")) as sm:
        sm.add_response("delete_endpoint", {}, {"EndpointName": "e"})
        teardown = executor.teardown(actions, DESTROY_DEPS)
        teardown.run_leading(["endpoint"])
        sm.assert_no_pending_responses()
        assert polls == [] and teardown.done == []  # the wait is left for finish
        assert lines[-1] == "    sagemaker:DeleteEndpoint"
        sm.add_response("delete_model", {}, {"ModelName": "m"})
        start = len(lines)
        assert [a.name for a in teardown.finish()] == ["e", "m"]
    assert lines[start:] == [
        "[1/2] delete endpoint e: waiting for what it started",
        "    wait until endpoint e is deleted (up to 1800 s)",
        "      Deleting",
        "      deleted",
        "[2/2] delete sagemaker_model m: destroy",
        "    sagemaker:DeleteModel",
    ]
    assert polls == ["poll", "poll"]

    lines.clear()
    polls.clear()
    going = Action(
        "delete",
        "endpoint",
        "e",
        "destroy: already being deleted",
        steps=(Wait("endpoint e is deleted", _gone_after(polls, [True])),),
    )
    teardown = executor.teardown([going], DESTROY_DEPS)
    teardown.run_leading(["endpoint"])
    assert lines == [] and polls == []
    assert teardown.finish() == [going]
    assert lines[0] == "[1/1] delete endpoint e: destroy: already being deleted"


def test_a_started_wait_that_fails_at_finish_leaves_what_must_outlive_it(aws: Aws, run) -> None:
    """The endpoint still Deleting when its wait times out: a failure of the endpoint's
    action, and the model it uses is left (SageMaker may still need it), as in one piece."""
    executor, _ = run
    polls: list[str] = []
    wait = Wait("endpoint e is deleted", _gone_after(polls, [False] * 5), timeout_s=2, interval_s=1)
    actions = _endpoint_then_model(wait)
    with Stubber(aws.client("sagemaker")) as sm:
        sm.add_response("delete_endpoint", {}, {"EndpointName": "e"})
        teardown = executor.teardown(actions, DESTROY_DEPS)
        teardown.run_leading(["endpoint"])
        with pytest.raises(Incomplete) as err:
            teardown.finish()
        sm.assert_no_pending_responses()  # no DeleteModel was made
    (failed,) = err.value.failures
    assert failed.action.name == "e" and "still Deleting after 2 s" in failed.message
    assert [s.action.name for s in err.value.skipped] == ["m"]


BUSY_ENDPOINT = 'Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:1:endpoint/e".'


def test_a_busy_refusal_in_the_leading_part_defers_the_call_to_finish(
    aws: Aws, run, clock: Clock
) -> None:
    """Endpoint e turned Updating after destroy read it: SageMaker refuses its DeleteEndpoint.
    Retried there (up to an hour), it held back every later stack's leading calls in a sweep;
    the leading part makes the call once, never sleeps, and leaves it for `finish`, which
    retries it within the same bound a single destroy has, then waits until e is gone."""
    executor, lines = run
    polls: list[str] = []
    wait = Wait("endpoint e is deleted", _gone_after(polls, [True]), interval_s=1)
    delete = Call(
        "sagemaker",
        "DeleteEndpoint",
        {"EndpointName": "e"},
        retry_on=frozenset({ErrorKind.BUSY}),
        retry_s=3600,
    )
    actions = [
        Action("delete", "endpoint", "e", "destroy", steps=(delete, wait)),
        _delete("sagemaker_model", "m", "sagemaker", "DeleteModel", ModelName="m"),
    ]
    with Stubber(aws.client("sagemaker")) as sm:
        sm.add_client_error("delete_endpoint", "ValidationException", BUSY_ENDPOINT, 400)
        teardown = executor.teardown(actions, DESTROY_DEPS)
        teardown.run_leading(["endpoint"])
        sm.assert_no_pending_responses()
        assert clock.sleeps == [] and teardown.done == [] and teardown.failures == []
        assert "left for when this stack is finished" in lines[-1], lines
        sm.add_client_error("delete_endpoint", "ValidationException", BUSY_ENDPOINT, 400)
        sm.add_response("delete_endpoint", {}, {"EndpointName": "e"})
        sm.add_response("delete_model", {}, {"ModelName": "m"})
        assert [a.name for a in teardown.finish()] == ["e", "m"]
    assert clock.sleeps == [1.0] and polls == ["poll"]


def test_a_long_busy_retry_says_so_once_a_minute_and_how_it_ended(
    aws: Aws, run, clock: Clock
) -> None:
    """Ten minutes of refusals (retries every 15 s at most): the first, then one line a
    minute, then the outcome; not a line per retry."""
    executor, lines = run
    delete = Call(
        "sagemaker",
        "DeleteEndpoint",
        {"EndpointName": "e"},
        retry_on=frozenset({ErrorKind.BUSY}),
        retry_s=3600,
        retry_why="until SageMaker has finished",
    )
    action = Action("delete", "endpoint", "e", "destroy", steps=(delete,))
    with Stubber(aws.client("sagemaker")) as sm:
        while clock.now < 600:
            sm.add_client_error("delete_endpoint", "ValidationException", BUSY_ENDPOINT, 400)
            clock.sleep(min(2 ** len(clock.sleeps), 15))  # the executor's backoff, ahead
        refusals = len(clock.sleeps)
        clock.now, clock.sleeps = 0.0, []
        sm.add_response("delete_endpoint", {}, {"EndpointName": "e"})
        executor.run([action])
    assert len(clock.sleeps) == refusals > 40
    said = [line.strip() for line in lines[2:]]
    assert said[0] == (
        "ValidationException (busy): waiting until SageMaker has finished; "
        "retrying in 1 s (3600 s left)"
    )
    assert 9 <= len(said) - 2 <= 11, said  # one a minute
    assert all(s.startswith("still ValidationException (busy) after ") for s in said[1:-1])
    assert said[1].startswith("still ValidationException (busy) after 1 min:"), said
    assert said[-1].startswith("done after 10 min"), said


def test_a_lapse_at_finish_says_which_started_actions_were_sent_not_that_they_were_not_tried(
    aws: Aws, run
) -> None:
    """Two endpoints' DeleteEndpoint accepted at the start; the credentials lapse in the
    first one's wait. The second's deletion was sent (AWS may be carrying it out): reported
    as started and unconfirmed, not "not tried"; what had not started (the model) is."""
    executor, _ = run

    def expired(_aws: Aws) -> tuple[bool, str]:
        error = {"Error": {"Code": "ExpiredToken", "Message": "The security token is expired"}}
        raise botocore.exceptions.ClientError(error, "DescribeEndpoint")  # type: ignore[arg-type]

    def endpoint(name: str) -> Action:
        delete = Call("sagemaker", "DeleteEndpoint", {"EndpointName": name})
        return Action("delete", "endpoint", name, "destroy", steps=(delete, Wait(name, expired)))

    model = _delete("sagemaker_model", "m", "sagemaker", "DeleteModel", ModelName="m")
    with Stubber(aws.client("sagemaker")) as sm:
        for name in ("e1", "e2"):
            sm.add_response("delete_endpoint", {}, {"EndpointName": name})
        teardown = executor.teardown([endpoint("e1"), endpoint("e2"), model], DESTROY_DEPS)
        teardown.run_leading(["endpoint"])
        with pytest.raises(Incomplete) as err:
            teardown.finish()
    (failed,) = err.value.failures
    assert failed.action.name == "e1" and failed.sent == ("sagemaker:DeleteEndpoint",)
    assert [(u.action.name, u.sent) for u in err.value.unconfirmed] == [
        ("e2", ("sagemaker:DeleteEndpoint",))
    ]
    assert [a.name for a in err.value.untried] == ["m"]
    assert "endpoint e2: not tried" not in str(err.value)
    assert "endpoint e2: started, not confirmed: sagemaker:DeleteEndpoint" in str(err.value)


# SageMaker's words for an instance quota (aws-samples/aws-genai-llm-chatbot#244,
# aws-samples/sagemaker-custom-project-templates#51): a message that ends with its own period.
QUOTA_SAID = (
    "The account-level service limit 'ml.c5.large for endpoint usage' is 0 Instances, with "
    "current utilization of 0 Instances and a request delta of 1 Instances. Please use AWS "
    "Service Quotas to request an increase for this quota. If AWS Service Quotas is not "
    "available, contact AWS support to request an increase for this quota."
)


def test_aws_words_that_end_with_a_period_are_followed_by_one_period(aws: Aws, run) -> None:
    """AWS's messages mostly end with a full stop: the hint after one follows a single one,
    not '..' (seen in the operator pass: 'for this quota.. an account quota is reached')."""
    executor, _ = run
    call = Call("sagemaker", "UpdateEndpoint", {"EndpointName": "e", "EndpointConfigName": "c"})
    with Stubber(aws.client("sagemaker")) as stub:
        stub.add_client_error("update_endpoint", "ResourceLimitExceeded", QUOTA_SAID, 400)
        with pytest.raises(DeployError) as err:
            executor.run([Action("update", "endpoint", "e", "x", steps=(call,))])
    msg = str(err.value)
    assert "AWS said ResourceLimitExceeded: The account-level service limit" in msg
    assert ".." not in msg, msg
    assert "request an increase for this quota. An account quota is reached" in msg, msg
