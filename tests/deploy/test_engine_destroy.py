"""Destroy's two long waits overlap on a serial executor: the CloudFront disable is its first
action, so CloudFront deploys it while the endpoint is deleted, and the distribution's delete
waits only for what is left (against the moto server, whose CloudFront refuses a delete
before the disable is Deployed, and whose endpoint is Deleting for the delay a test sets)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy import lock
from deploy.failures import Incomplete
from deploy.resources import cdn, endpoint
from tests.deploy.deploy_helpers import IMAGE, PROJECT, engine, inventory, session, shared_engine
from tests.support.aws_clock import CLOCK, set_delays

pytestmark = pytest.mark.usefixtures("aws_env")
# How far past a state change a wait may notice it: one poll of each of the two waits.
POLLS_S = endpoint.POLL_S + cdn.DEPLOY_POLL_S


def _destroy_waits(project: Path) -> tuple[float, list[str]]:
    """Seconds the destroy's executor slept (the injected sleep: simulated time, no real
    waiting), and its mutating calls in order."""
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        CLOCK.sleep(seconds)

    eng = engine(project, sleep=sleep)
    eng.destroy()
    return sum(slept), [op for _, op in eng.aws.log.mutating]


# (E, C): the endpoint's deletion takes E seconds, the distribution's disable C to deploy.
# Serially (disable, wait, delete in one action after the endpoint's) the waits were E + C:
# 1500 s for (600, 900) and for (900, 600); overlapped, 900 s for each.
@pytest.mark.parametrize(("e", "c"), [(600, 900), (900, 600), (0, 900)])
def test_destroy_waits_for_the_longer_of_the_endpoint_deletion_and_the_disable(
    project: Path, e: float, c: float
) -> None:
    shared_engine(project).apply()
    set_delays(endpoint_delete_s=e, distribution_deploy_s=c)
    waited, made = _destroy_waits(project)
    assert max(e, c) <= waited <= max(e, c) + POLLS_S, (e, c, waited)
    # The disable is the first call of all, the endpoint's deletion the next.
    assert made[:2] == ["UpdateDistribution", "DeleteEndpoint"], made
    assert made.index("DeleteEndpoint") < made.index("DeleteDistribution")
    assert all(v == [] for v in inventory().values()), inventory()


def test_a_failed_disable_leaves_the_distribution_and_what_it_needs_and_says_so(
    project: Path,
) -> None:
    """Someone changed the distribution between destroy's read and its disable: CloudFront
    refuses the stale ETag. The endpoint and every other resource are deleted; the
    distribution's delete is not attempted (it needs the disable), nor its OAC's and bucket's
    (which it needs), and all of that is reported. The next run finishes."""
    shared_engine(project).apply()
    cf = session().client("cloudfront")
    (listed,) = cf.list_distributions()["DistributionList"]["Items"]
    eng = engine(project)

    def changed_meanwhile(**_: object) -> None:
        got = cf.get_distribution_config(Id=listed["Id"])
        config = {**got["DistributionConfig"], "Comment": "edited by hand"}
        cf.update_distribution(Id=listed["Id"], IfMatch=got["ETag"], DistributionConfig=config)

    events = eng.aws.client("cloudfront").meta.events
    events.register_first("before-call.cloudfront.UpdateDistribution", changed_meanwhile)
    with pytest.raises(Incomplete) as stopped:
        eng.destroy()
    err = stopped.value
    assert [(f.action.kind, f.step, f.code) for f in err.failures] == [
        ("cdn_disabled", "cloudfront:UpdateDistribution", "PreconditionFailed")
    ]
    skipped = {s.action.kind: s.because for s in err.skipped}
    failed = f"cdn_disabled {err.failures[0].action.name}"
    assert skipped == {
        "cloudfront_distribution": (failed,),
        "cloudfront_oac": (failed,),
        "s3_bucket": (failed,),
    }
    assert "DeleteDistribution" not in [op for _, op in eng.aws.log.mutating]
    assert "cloudfront_distribution" in str(err) and "PreconditionFailed" in str(err)
    left = {k: v for k, v in inventory().items() if v}
    assert set(left) == {"distributions", "origin_access_controls", "buckets"}, left
    assert inventory()["endpoints"] == [] and PROJECT not in inventory()["functions"]
    shared_engine(project).destroy()  # the next run reads AWS afresh: disables with the new ETag
    assert all(v == [] for v in inventory().values()), inventory()


def _turns_busy_before_its_delete(eng, status: str, seconds: float | None) -> None:
    """Right before destroy's DeleteEndpoint, SageMaker starts working on the endpoint (AWS
    maintenance, a scaling activity under way when autoscaling was deregistered): destroy
    read it InService, then it is ``status`` for ``seconds``."""
    from tests.support.moto_sagemaker import hold

    turned: list[bool] = []

    def busy_now(**_: object) -> None:
        if not turned:
            turned.append(True)
            hold(PROJECT, status, seconds)

    events = eng.aws.client("sagemaker").meta.events
    events.register_first("before-call.sagemaker.DeleteEndpoint", busy_now)


def test_an_endpoint_sagemaker_works_on_when_destroy_deletes_it_is_deleted_once_it_may_be(
    project: Path,
) -> None:
    """SageMaker refuses DeleteEndpoint while it works on the endpoint (ValidationException,
    the code it says "not found" with on a delete). Destroy took that for "already gone",
    waited half an hour for a deletion never started, and stopped with the config, model,
    roles and log group left. It retries the delete, saying why, until SageMaker lets it."""
    shared_engine(project).apply()
    lines: list[str] = []
    eng = engine(project, log=lines.append)
    _turns_busy_before_its_delete(eng, "SystemUpdating", 300)
    eng.destroy()
    assert all(v == [] for v in inventory().values()), inventory()
    said = "\n".join(lines)
    assert "already gone: nothing to do" not in said
    assert "ValidationException (busy): waiting until SageMaker has finished" in said


def test_an_endpoint_busy_past_the_bounded_wait_stops_destroy_with_what_is_left(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An endpoint SageMaker never finishes with: destroy waits a bounded time, saying so as
    it goes, then ends (exit 1, no traceback) saying what it could not delete and what it
    left for it (config, model, its role, its log group), and holds no lock; once SageMaker
    is done, destroy again finishes."""
    from deploy.cli import main
    from tests.support.moto_sagemaker import hold

    shared_engine(project).apply()
    hold(PROJECT, "Updating", None)
    rc = main(["--config", str(project / "config.yaml"), "destroy", "--yes"])
    out = capsys.readouterr()
    said = out.out + out.err
    assert rc == 1, said
    assert "Traceback" not in said
    assert f"still Updating after {int(endpoint.SETTLE_BEFORE_DELETE_S)} s" in said
    assert "still Updating after 1 min" in said  # progress while it waits
    left = inventory()
    assert left["endpoints"] == [PROJECT] and left["endpoint_configs"] and left["models"]
    assert f"{PROJECT}-sagemaker" in left["iam_roles"]
    assert f"/aws/sagemaker/Endpoints/{PROJECT}" in left["log_groups"]
    assert "must outlive endpoint" in said
    s3 = session().client("s3")
    # No lock is left: destroy deletes the site bucket that holds it, or releases it.
    for bucket in left["buckets"]:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        assert lock.KEY not in keys, bucket
    hold(PROJECT, "InService", 0)
    rc = main(["--config", str(project / "config.yaml"), "destroy", "--yes"])
    said = "".join(capsys.readouterr())
    assert rc == 0, said
    assert all(v == [] for v in inventory().values()), inventory()


@pytest.mark.parametrize("status", ["Creating", "Updating", "InService"])
def test_nothing_the_endpoint_uses_is_deleted_before_it_is_gone(project: Path, status: str) -> None:
    """SageMaker accepts DeleteEndpointConfig and DeleteModel while an endpoint uses them (its
    reference: "You must not delete an EndpointConfig in use by an endpoint that is live or
    while the UpdateEndpoint or CreateEndpoint operations are being performed"), and needs
    the execution role until the endpoint is gone: the order is destroy's to keep. An
    endpoint still being created or updated, then minutes Deleting: its config, model, role
    and log group are each deleted only once DescribeEndpoint says it is gone."""
    from tests.support.moto_sagemaker import hold

    shared_engine(project).apply()
    if status != "InService":
        hold(PROJECT, status, 300)
    set_delays(endpoint_delete_s=600)
    eng = engine(project)
    reader = session().client("sagemaker")
    seen: list[tuple[str, str]] = []

    def endpoint_now() -> str:
        found = reader.list_endpoints(NameContains=PROJECT)["Endpoints"]
        return found[0]["EndpointStatus"] if found else "gone"

    def before(operation: str, params: dict, **_: object) -> None:
        name = str(params.get("logGroupName") or params.get("RoleName") or "")
        if operation == "DeleteLogGroup" and "sagemaker" not in name:
            return  # the Lambda's and the API's
        if operation == "DeleteRole" and not name.endswith("-sagemaker"):
            return  # the Lambda's
        seen.append((operation, endpoint_now()))

    for service, operation in [
        ("sagemaker", "DeleteEndpointConfig"),
        ("sagemaker", "DeleteModel"),
        ("iam", "DeleteRole"),
        ("logs", "DeleteLogGroup"),
    ]:
        events = eng.aws.client(service).meta.events
        events.register(
            f"before-parameter-build.{service}.{operation}",
            lambda operation=operation, **kw: before(operation, **kw),
        )
    eng.destroy()
    assert sorted(seen) == [
        ("DeleteEndpointConfig", "gone"), ("DeleteLogGroup", "gone"), ("DeleteModel", "gone"),
        ("DeleteRole", "gone"),
    ]  # fmt: skip
    assert all(v == [] for v in inventory().values()), inventory()


def test_destroy_removes_what_every_earlier_config_left(project: Path) -> None:
    """Each model change is a new hash-named model and endpoint config; the endpoint config's
    rule keeps one generation for rollback and deletes older ones, and an apply stopped
    between CreateModel and the switch leaves its model unused. Destroy finds them all by the
    stack's names (not by the config's): after three images and an orphan, nothing is left."""
    for tag in ("test-1", "test-2", "test-3"):
        shared_engine(project, image=IMAGE.replace("test-1", tag)).apply()
    eng = shared_engine(project)
    orphan = eng.names.model("0123abcd")
    seen = inventory()["models"][0]
    sm = session().client("sagemaker")
    described = sm.describe_model(ModelName=seen)
    sm.create_model(
        ModelName=orphan,
        ExecutionRoleArn=described["ExecutionRoleArn"],
        PrimaryContainer={"Image": described["PrimaryContainer"]["Image"]},
        Tags=[{"Key": "project", "Value": PROJECT}],
    )
    assert len(inventory()["models"]) >= 3, inventory()["models"]
    eng.destroy()
    assert all(v == [] for v in inventory().values()), inventory()
