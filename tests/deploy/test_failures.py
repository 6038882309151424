"""What a destroy that went on past errors reports: pure records and text, no AWS."""

from __future__ import annotations

import botocore.exceptions

from deploy.aws import CredentialsLapsed, DeployError
from deploy.aws_errors import ErrorKind
from deploy.failures import (
    Failure,
    Incomplete,
    Skipped,
    Unconfirmed,
    blocked,
    failure,
    outside_steps,
    summary,
)
from deploy.plan import Action, Call, Stop, Wait

DEPENDS_ON = {"role": (), "model": ("role",), "endpoint": ("model",), "site": ()}
ENDPOINT = Action("delete", "endpoint", "e", "destroy")
MODEL = Action("delete", "model", "m", "destroy")


def _denied() -> DeployError:
    err = botocore.exceptions.ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}},
        "DeleteEndpoint",
    )
    wrapped = DeployError("delete endpoint e: sagemaker:DeleteEndpoint failed: …")
    wrapped.__cause__ = err
    return wrapped


def test_an_aws_error_keeps_its_code_message_and_the_hint_for_its_kind() -> None:
    f = failure(ENDPOINT, Call("sagemaker", "DeleteEndpoint", {}), _denied())
    assert (f.step, f.code, f.message) == (
        "sagemaker:DeleteEndpoint",
        "AccessDeniedException",
        "not authorized",
    )
    assert f.todo.startswith("the credentials may not make this call")


def test_a_failure_that_is_no_aws_error_keeps_our_message() -> None:
    f = failure(ENDPOINT, Stop("detach it first"), DeployError("detach it first"))
    assert (f.code, f.message, f.todo) == ("", "detach it first", "as the message says")


def test_what_a_failed_kind_depends_on_is_left_and_names_the_failure() -> None:
    f = Failure(ENDPOINT, "x", "", "m", "t")
    assert blocked(DEPENDS_ON, [f]) == {"model": ("endpoint e",), "role": ("endpoint e",)}
    assert blocked(DEPENDS_ON, []) == {}


def test_the_summary_lists_every_failure_and_every_resource_left() -> None:
    failures = [
        failure(ENDPOINT, Call("sagemaker", "DeleteEndpoint", {}), _denied()),
        Failure(Action("delete", "site", "b", "destroy"), "s3:DeleteBucket", "", "gone?", "look"),
    ]
    skipped = [Skipped(MODEL, ("endpoint e",))]
    text = summary(failures, skipped, "destroy")
    assert text.splitlines() == [
        "destroy could not delete 2 resources and left 1 that must outlive them; it deleted "
        "every other one:",
        "  - endpoint e: sagemaker:DeleteEndpoint failed: AWS said AccessDeniedException: not "
        "authorized",
        "    what to do: the credentials may not make this call: the workflows' roles come from "
        "`python -m deploy bootstrap` (run it again after updating the repository); locally, "
        "use credentials allowed to make it; then run the command again: it reads AWS afresh and "
        "deletes what is left",
        "  - site b: gone?",
        "    what to do: look; then run the command again: it reads AWS afresh and deletes what "
        "is left",
        "  - model m: not deleted, it must outlive endpoint e (deleted by the run after that "
        "one is fixed)",
    ]
    err = Incomplete([], failures, skipped)
    assert str(err) == text and err.failures == failures and err.skipped == skipped


def test_an_aws_error_while_waiting_names_the_wait_and_its_read() -> None:
    err = botocore.exceptions.ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "DescribeEndpoint"
    )
    wrapped = DeployError("endpoint e: waiting until e is gone: …")
    wrapped.__cause__ = err
    wait = Wait("e is gone", lambda aws: (True, "gone"), timeout_s=60)
    f = failure(ENDPOINT, wait, wrapped)
    assert (f.step, f.code) == (
        "wait until e is gone (up to 60 s) (DescribeEndpoint)",
        "ThrottlingException",
    )
    assert f.todo.startswith("AWS throttled the calls")


def test_a_lapse_botocore_raised_is_recorded_with_its_kind_and_the_sign_in_fix() -> None:
    """Nothing was sent: no AWS code, botocore's words, and `aws sso login`, not a grant."""
    gone = botocore.exceptions.TokenRetrievalError(provider="sso", error_msg="token expired")
    lapsed = CredentialsLapsed(
        "delete endpoint e: sagemaker:DeleteEndpoint failed: …", ErrorKind.EXPIRED
    )
    lapsed.__cause__ = gone
    f = failure(ENDPOINT, Call("sagemaker", "DeleteEndpoint", {}), lapsed)
    assert (f.step, f.code, f.kind) == ("sagemaker:DeleteEndpoint", "", "expired")
    assert f.message.startswith("sagemaker:DeleteEndpoint: the credentials could not be refreshed")
    assert "token expired" in f.message and "aws sso login" in f.todo
    assert f.to_json()["resource"] == "endpoint e" and f.to_json()["kind"] == "expired"


def test_a_stopped_destroy_lists_what_it_did_not_try_instead_of_every_other_deleted() -> None:
    failures = [Failure(ENDPOINT, "sagemaker:DeleteEndpoint", "ExpiredToken", "expired", "sign in")]
    text = str(Incomplete([], failures, [], untried=[MODEL]))
    assert "it deleted every other one" not in text
    assert "it stopped there: the credentials no longer work" in text.splitlines()[0]
    assert text.splitlines()[-1] == "  - model m: not tried (deleted by the run after signing in)"


def _expired(operation: str) -> CredentialsLapsed:
    """AWS refusing ``operation`` as expired, as the executor records it."""
    refused = botocore.exceptions.ClientError(
        {"Error": {"Code": "ExpiredToken", "Message": "expired"}}, operation
    )
    lapsed = CredentialsLapsed(f"…: {operation} failed: AWS said ExpiredToken", ErrorKind.EXPIRED)
    lapsed.__cause__ = refused
    return lapsed


def test_a_failure_after_a_call_aws_accepted_says_it_was_sent_not_confirmed() -> None:
    """DeleteEndpoint accepted, then the wait's DescribeEndpoint refused: AWS may be deleting
    it, so the summary says the call went, not only that the wait failed."""
    delete = Call("sagemaker", "DeleteEndpoint", {"EndpointName": "e"})
    wait = Wait("endpoint e is deleted", lambda aws: (True, "gone"))
    endpoint = Action("delete", "endpoint", "e", "destroy", steps=(delete, wait))
    f = failure(endpoint, wait, _expired("DescribeEndpoint"))
    assert f.sent == ("sagemaker:DeleteEndpoint",)
    assert f.to_json()["sent"] == ["sagemaker:DeleteEndpoint"]
    lines = str(Incomplete([], [f], [])).splitlines()
    assert lines[2] == (
        "    started, not confirmed: sagemaker:DeleteEndpoint sent and accepted before it; AWS "
        "may still be carrying it out"
    )
    assert failure(endpoint, delete, _expired("DeleteEndpoint")).sent == ()


def test_a_stopped_destroy_says_what_it_started_apart_from_what_it_did_not_try() -> None:
    """An action whose call went before the credentials lapsed elsewhere (its wait never
    run): not "not tried", but sent and unconfirmed, so the operator knows AWS may act on it."""
    failures = [Failure(MODEL, "sagemaker:DeleteModel", "ExpiredToken", "expired", "sign in")]
    started = Unconfirmed(ENDPOINT, ("sagemaker:DeleteEndpoint",))
    text = str(Incomplete([], failures, [], untried=[], unconfirmed=[started]))
    assert "it stopped there: the credentials no longer work" in text.splitlines()[0]
    assert text.splitlines()[-1] == (
        "  - endpoint e: started, not confirmed: sagemaker:DeleteEndpoint sent and accepted, "
        "then the run stopped before seeing it through; AWS may still be carrying it out (the "
        "run after signing in waits for it)"
    )
    assert "not tried" not in text


def test_an_error_outside_the_steps_is_recorded_as_a_steps_failure_would_be() -> None:
    """A lapse in a read before the plan, or the endpoint's status read after it: the job
    summary still says where it stopped, with AWS's code, the kind and the fix."""
    refused = botocore.exceptions.ClientError(
        {"Error": {"Code": "ExpiredToken", "Message": "expired"}}, "DescribeEndpoint"
    )
    failed = outside_steps("read", "endpoint e", "its status, after every change", refused)
    assert failed == {
        "resource": "endpoint e",
        "op": "read",
        "step": "its status, after every change (DescribeEndpoint)",
        "kind": "expired",
        "code": "ExpiredToken",
        "message": "expired",
        "todo": failed["todo"],
        "sent": [],
    }
    assert "aws sso login" in failed["todo"]
    gone = botocore.exceptions.TokenRetrievalError(provider="sso", error_msg="token expired")
    said = outside_steps("image", "image", "before the plan", gone)
    assert (said["kind"], said["code"], said["step"]) == ("expired", "", "before the plan")
    locked = outside_steps("lock", "stack lock", "taking it", DeployError("stack locked: …"))
    assert (locked["kind"], locked["todo"]) == ("other", "as the message says")
